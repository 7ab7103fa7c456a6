//! Projection declarations: an unknown kind, an include list naming the discriminator, a
//! key attribute of the table or of the index (another index's is fine), an attribute twice
//! or nothing, and a projection on an entity's index (the table's to declare) — all reported
//! at once.

use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app")]
#[dynamo(index(GSI1, pk = "GSI1PK", sk = "GSI1SK", projection = some))]
#[dynamo(index(GSI2, pk = "GSI2PK", sk = "GSI2SK", projection = include(_type, title, title)))]
#[dynamo(index(GSI3, pk = "GSI3PK", sk = "GSI3SK", projection = include(PK, GSI3SK, GSI1PK)))]
#[dynamo(index(GSI4, pk = "GSI4PK", projection = include()))]
pub struct App;

#[derive(dynamorm::Table)]
#[dynamo(name = "other", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
pub struct Other;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Other, pk = "TASK#{id}", sk = "TASK")]
#[dynamo(index(GSI1, pk = "OWNER#{owner}", sk = "TASK#{id}", projection = all))]
pub struct Task {
    id: u32,
    owner: String,
}

fn main() {}
