// `#[dynamo(generated)]` takes a `TimeId` (or a `GeneratedId`), serialized, and nothing else
// on the same field.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app")]
struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "A#{id}", sk = "A")]
struct NotAnId {
    #[dynamo(generated)]
    id: String,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "B#{id}", sk = "B")]
struct AlsoVersion {
    id: String,
    #[dynamo(generated, version)]
    #[serde(default)]
    other: u64,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "C#{id}", sk = "C")]
struct Skipped {
    id: String,
    #[dynamo(generated)]
    #[serde(skip)]
    made: dynamorm::TimeId,
}

fn main() {}
