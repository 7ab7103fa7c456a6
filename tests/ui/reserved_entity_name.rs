use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app")]
struct App;

// The library's own items (unique-value sentinels) use this prefix: an entity named into
// it could pass for one.
#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, name = "_dynamorm.unique", pk = "USER#{id}", sk = "USER")]
struct Impostor {
    id: String,
}

fn main() {}
