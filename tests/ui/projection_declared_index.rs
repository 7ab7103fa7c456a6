//! What a projection declares is checked against the entity's declaration at compile time:
//! each field stored under the entity's name for it, and the index it names holding them.

use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK", projection = include(title)))]
pub struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "TASK#{id}", sk = "TASK")]
#[dynamo(index(GSI1, pk = "OWNER#{owner}", sk = "TASK#{id}"))]
#[serde(rename_all = "camelCase")]
pub struct Task {
    id: u32,
    owner: String,
    title: String,
    due_date: String,
}

/// Stored as `due_date`, while the entity stores `dueDate`.
#[derive(Deserialize, dynamorm::Projection)]
#[dynamo(entity = Task)]
pub struct Due {
    due_date: String,
}

/// `GSI1` includes only `title`.
#[derive(Deserialize, dynamorm::Projection)]
#[dynamo(entity = Task, index = GSI1)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    title: String,
    due_date: String,
}

fn main() {}
