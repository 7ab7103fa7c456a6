use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app", ttl = "expires")]
struct App;

// TTL deletes the item but not the sentinels holding its unique values.
#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "USER#{id}", sk = "USER")]
struct Expiring {
    id: String,
    #[dynamo(unique)]
    email: String,
    #[dynamo(ttl)]
    expires_at: i64,
}

fn main() {}
