use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "USER#{id}", sk = "PROFILE")]
#[dynamo(index(GSI2, pk = "EMAIL#{email}", sk = "USER"))]
struct User {
    id: String,
    email: String,
}

fn main() {}
