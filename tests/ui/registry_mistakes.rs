// A registry's mistakes are reported together: an unknown key, no table, a variant that
// holds two values, and a second `#[dynamo(other)]` variant.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app")]
struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "USER#{id}", sk = "PROFILE")]
struct User {
    id: String,
}

#[derive(dynamorm::Registry)]
#[dynamo(colour = "red")]
enum AppItem {
    User(User),
    Pair(User, User),
    #[dynamo(other)]
    Raw(dynamorm::Item),
    #[dynamo(other)]
    Unknown(dynamorm::Item),
}

fn main() {}
