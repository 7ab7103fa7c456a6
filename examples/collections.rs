//! Item collections: one query returns many entity types, decoded into typed fields; long
//! lists are paged with opaque cursors.
//!
//!     cargo run --example collections
//!
//! Runs on the embedded engine; set `AWS_ENDPOINT_URL` to use another server.

use dynamorm::{Cursor, Db};
use dynamorm_entities::sample::{assigned_task, comment, project, task, tenant, user};
use dynamorm_entities::{
    Project, ProjectBoard, Task, Tenant, TenantWorkspace, Tracker, TrackerItem,
};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, target) = dynamorm_local::connect().await?;
    println!("server: {target:?}");
    let db = Db::<Tracker>::with_table_name(client, "tracker-collections");
    db.ensure_table().await?;

    // One tenant with two users, two projects, 42 tasks and a few comments.
    db.put(&tenant("acme")).send().await?;
    db.put(&user("acme", "ann")).send().await?;
    db.put(&user("acme", "bob")).send().await?;
    db.put(&project("acme", "apollo", "ann")).send().await?;
    db.put(&project("acme", "gemini", "bob")).send().await?;
    for id in 1..=40 {
        db.put(&task("acme", "apollo", id)).send().await?;
    }
    db.put(&assigned_task("acme", "gemini", 1, "bob", 3))
        .send()
        .await?;
    db.put(&assigned_task("acme", "gemini", 2, "ann", 1))
        .send()
        .await?;
    for (i, author) in ["ann", "bob", "ann"].into_iter().enumerate() {
        let minutes = i64::try_from(i).unwrap_or_default() * 15;
        db.put(&comment(
            "acme",
            "apollo",
            7,
            &format!("c{i}"),
            author,
            minutes,
        ))
        .send()
        .await?;
    }

    // 1. The whole tenant partition, every type, in one call (all pages followed).
    let workspace: TenantWorkspace = db
        .query(Tenant::attrs().tenant_id.is("acme"))
        .collection()
        .await?;
    println!(
        "tenant {:?}: {} users, {} projects, {} tasks, {} comments",
        workspace.tenant.map(|t| t.name),
        workspace.users.len(),
        workspace.projects.len(),
        workspace.tasks.len(),
        workspace.comments.len()
    );

    // 2. A project with its tasks and their comments: the project's key and everything
    //    filed under it, never the neighbouring project.
    let p = Project::attrs();
    let board: ProjectBoard = db
        .query(p.tenant_id.is("acme"))
        .sort_begins_with(p.project_id.is("gemini"))
        .collection()
        .await?;
    println!(
        "board {:?}: tasks {:?}",
        board.project.map(|p| p.name),
        board
            .tasks
            .iter()
            .map(|t| (t.task_id, t.assignee.clone()))
            .collect::<Vec<_>>()
    );

    // 3. A user's assigned tasks by due date, from the sparse, overloaded GSI1.
    let a = Task::attrs();
    let anns: Vec<Task> = db
        .query(a.assignee.is("ann"))
        .index(Tracker::GSI1)
        .all()
        .await?;
    println!(
        "ann's tasks by due date: {:?}",
        anns.iter()
            .map(|t| (&t.project_id, t.task_id, t.due))
            .collect::<Vec<_>>()
    );

    // 4. Page through apollo's 40 tasks, 15 at a time, with cursors — as a web API would,
    //    handing the cursor text to the client and getting it back.
    let mut cursor: Option<String> = None;
    let mut page_no = 1;
    loop {
        let mut query = db
            .query(a.tenant_id.is("acme"))
            .sort_begins_with(a.project_id.is("apollo"))
            .limit(15);
        if let Some(text) = &cursor {
            query = query.after(&Cursor::from_string(text.clone()));
        }
        let page = query.page().await?;
        println!(
            "page {page_no}: tasks {:?}..={:?}, next cursor: {}",
            page.items.first().map(|t| t.task_id),
            page.items.last().map(|t| t.task_id),
            page.cursor.as_ref().map_or("none", |c| c.as_str())
        );
        match page.cursor {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
        page_no += 1;
    }

    // 5. Any mix of types as the registry enum, streamed in constant memory.
    let kinds: Vec<&'static str> = db
        .query(Tenant::attrs().tenant_id.is("acme"))
        .registry::<TrackerItem>()
        .page_size(10)
        .stream()
        .map_ok(|item| item.kind().map_or("unknown", |k| k.discriminator()))
        .try_collect()
        .await?;
    println!(
        "streamed {} items of the tenant as TrackerItem",
        kinds.len()
    );

    // 6. A parallel scan of every task in the table.
    let count = db.scan::<Task>().segments(4).count().await?;
    println!("parallel scan: {count} tasks in the table");
    Ok(())
}
