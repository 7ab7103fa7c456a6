// A shape change without a version: the fields of `Profile` changed (`name` became
// `full_name`) since its fingerprint was taken, and `shape` was not bumped.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app")]
struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "PROFILE#{id}", sk = "PROFILE", fingerprint = "fa8ff55f")]
struct Profile {
    id: u32,
    full_name: String,
}

fn main() {}
