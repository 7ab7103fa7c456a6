//! Quickstart: declare entities once, then write and read them with no key formatting.
//!
//!     cargo run --example quickstart
//!
//! Runs on the embedded engine with no set-up. Set `AWS_ENDPOINT_URL` (e.g. to DynamoDB
//! Local) or `DYNAMORM_TARGET=aws` to run against another server.

use dynamorm::{Db, EntityKey, Error, Registry};
use dynamorm_entities::sample::{assigned_task, comment, project, task, tenant, user};
use dynamorm_entities::{Task, TaskKey, TaskStatus, Tracker, TrackerItem, User};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, target) = dynamorm_local::connect().await?;
    println!("server: {target:?}");
    let db = Db::<Tracker>::with_table_name(client, "tracker-quickstart");

    // Create the table from the declaration (on-demand, both GSIs), or check an existing one.
    db.ensure_table().await?;
    println!("table `{}` is ready", db.table_name());

    // Write several entity types into the one table. Keys are rendered from templates.
    db.put(&tenant("acme")).send().await?;
    let ann = user("acme", "ann");
    db.put(&ann).send().await?;
    db.put(&project("acme", "apollo", "ann")).send().await?;
    db.put(&assigned_task("acme", "apollo", 1, "ann", 7))
        .send()
        .await?;
    db.put(&task("acme", "apollo", 2)).send().await?;
    db.put(&comment("acme", "apollo", 1, "c1", "ann", 30))
        .send()
        .await?;
    println!("wrote a tenant, a user, a project, two tasks and a comment");

    // Read one back by its typed key.
    let key = TaskKey {
        tenant_id: "acme".into(),
        project_id: "apollo".into(),
        task_id: 1,
    };
    let task1 = db
        .get(key.clone())
        .send()
        .await?
        .ok_or("task 1 is missing")?;
    println!(
        "read back: {:?} \"{}\" assigned to {:?}",
        task1.key(),
        task1.title,
        task1.assignee
    );

    // A typed update with a condition; `status` is a reserved word and just works.
    let a = Task::attrs();
    let task1 = db
        .update(key.clone())
        .set(a.status, TaskStatus::InProgress)
        .add(a.points, 2)
        .append(a.tags, ["backend".to_string()])
        .condition(a.status.eq(TaskStatus::Open))
        .send()
        .await?;
    println!(
        "updated: status {:?}, {} points, tags {:?}",
        task1.status, task1.points, task1.tags
    );

    // The same condition now fails, and the error carries the stored item.
    match db
        .update(key)
        .set(a.status, TaskStatus::Done)
        .condition(a.status.eq(TaskStatus::Open))
        .return_old_on_failure()
        .send()
        .await
    {
        Err(Error::ConditionFailed(failed)) => {
            let stored: Task = failed.old().ok_or("no old item")??;
            println!(
                "conditional update refused: the task is {:?}",
                stored.status
            );
        }
        other => return Err(format!("expected a failed condition, got {other:?}").into()),
    }

    // `create` refuses to overwrite an existing item.
    match db.create(&ann).send().await {
        Err(Error::AlreadyExists { entity, .. }) => {
            println!("conditional create refused: a `{entity}` with that key already exists")
        }
        other => return Err(format!("expected AlreadyExists, got {other:?}").into()),
    }

    // Any raw item routes to its Rust type through the registry.
    let raw = db
        .client()
        .get_item()
        .table_name(db.table_name())
        .set_key(Some(ann.key().render()?.key_map::<Tracker>()))
        .send()
        .await?
        .item
        .ok_or("user is missing")?;
    if let TrackerItem::User(User { email, .. }) = TrackerItem::from_item(raw)? {
        println!("registry decoded a raw item as a User <{email}>");
    }

    // Delete returns what it deleted.
    let deleted = db.delete(ann.key()).send().await?;
    println!("deleted {:?}", deleted.map(|u| u.user_id));
    Ok(())
}
