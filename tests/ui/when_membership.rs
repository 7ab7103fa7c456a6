// `when = field` takes an existing `bool` field, on a template index.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "A#{id}", sk = "A")]
#[dynamo(index(GSI1, pk = "ALL", sk = "A#{id}", when = missing))]
struct Unknown {
    id: String,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "B#{id}", sk = "B")]
#[dynamo(index(GSI1, pk = "ALL", sk = "B#{id}", when = state))]
struct NotBool {
    id: String,
    state: String,
}

fn main() {}
