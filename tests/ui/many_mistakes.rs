// Mistakes found at different stages — a malformed value and an unknown key after it
// (parsing), a template naming a field the struct lacks (resolution), two `version` fields
// and a `ttl` beside a `unique` field (lifecycle rules) — are all reported by one compilation.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app", ttl = "expires")]
struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "USER#{user}", sk = PROFILE, colour = "red")]
struct User {
    user_id: String,
    #[dynamo(version)]
    version: u64,
    #[dynamo(version)]
    revision: u64,
    #[dynamo(ttl)]
    expires: i64,
    #[dynamo(unique)]
    email: String,
}

fn main() {}
