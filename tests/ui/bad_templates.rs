use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app")]
struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "USER_{id}_{id}", sk = "A##B")]
struct Mixed {
    id: String,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "USER#{id}", sk = "ORG#{org}")]
struct OptionalPrimary {
    id: String,
    org: Option<String>,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "USER#{id}", sk = "PROFILE", colour = "blue")]
struct UnknownAttribute {
    id: String,
}

fn main() {}
