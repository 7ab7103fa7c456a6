//! A projection's fields are its entity's: a name the entity lacks and a type it does not
//! have are errors on the projection's own tokens, as is a projection without an entity.

use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app")]
pub struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "TASK#{id}", sk = "TASK")]
pub struct Task {
    id: u32,
    title: String,
    points: u32,
}

#[derive(Deserialize, dynamorm::Projection)]
#[dynamo(entity = Task)]
pub struct Typo {
    titel: String,
}

#[derive(Deserialize, dynamorm::Projection)]
#[dynamo(entity = Task)]
pub struct WrongType {
    points: String,
}

#[derive(Deserialize, dynamorm::Projection)]
pub struct NoEntity {
    title: String,
}

fn main() {}
