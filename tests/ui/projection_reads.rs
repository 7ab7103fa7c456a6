//! Reads an index cannot answer do not compile: a full entity or a registry through a
//! keys-only index, a full entity through an index that includes only some of its fields,
//! a projection through an index that leaves one of its fields out.

use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK", projection = keys_only))]
#[dynamo(index(GSI2, pk = "GSI2PK", sk = "GSI2SK", projection = include(title)))]
#[dynamo(index(ByOwner, pk = [owner: S], projection = include(title)))]
pub struct App;

#[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "TASK#{id}", sk = "TASK")]
#[dynamo(index(GSI1, pk = "OWNER#{owner}", sk = "TASK#{id}"))]
#[dynamo(index(GSI2, pk = "OWNER#{owner}", sk = "TASK#{id}"))]
#[dynamo(index(ByOwner, pk = [owner]))]
pub struct Task {
    id: u32,
    owner: String,
    title: String,
    body: String,
}

#[derive(Deserialize, dynamorm::Projection)]
#[dynamo(entity = Task)]
pub struct TaskBody {
    body: String,
}

#[derive(Deserialize, dynamorm::Projection)]
#[dynamo(entity = Task)]
pub struct TaskTitle {
    title: String,
}

#[derive(Debug, dynamorm::Registry)]
#[dynamo(table = App)]
pub enum AppItem {
    Task(Task),
}

pub async fn reads(db: dynamorm::Db<App>) {
    let a = Task::attrs();
    // A full task through a keys-only index.
    let _ = db.query(a.owner.is("ada")).index(App::GSI1).all().await;
    // A full task through an index that includes only its title.
    let _ = db.query(a.owner.is("ada")).index(App::GSI2).first().await;
    // The same through a multi-attribute index.
    let _ = db.query_index(Task::ByOwner.partition("ada")).page().await;
    // A projection through an index that leaves its field out.
    let _ = db
        .query(a.owner.is("ada"))
        .index(App::GSI2)
        .project::<TaskBody>()
        .all()
        .await;
    // A registry through a keys-only index.
    let _ = db
        .query(a.owner.is("ada"))
        .index(App::GSI1)
        .registry::<AppItem>()
        .all()
        .await;
    // Fine: what the index holds, or hydrated.
    let _ = db
        .query(a.owner.is("ada"))
        .index(App::GSI2)
        .project::<TaskTitle>()
        .all()
        .await;
    let _ = db.query(a.owner.is("ada")).index(App::GSI1).hydrate().all().await;
}

fn main() {}
