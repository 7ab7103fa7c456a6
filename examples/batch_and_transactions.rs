//! Writes across entity types: batches that never drop an item, all-or-nothing
//! transactions with typed cancellation reasons, optimistic locking and unique values.
//!
//!     cargo run --example batch_and_transactions
//!
//! Runs on the embedded engine, through a fault-injecting proxy so that retries of
//! unprocessed items and throttling are visible. Set `AWS_ENDPOINT_URL` to use another server
//! (without the proxy).

use dynamorm::{Db, Error, RetryPolicy};
use dynamorm_entities::sample::{comment, project, task, tenant, user};
use dynamorm_entities::{Comment, Project, ProjectStatus, Task, Tenant, Tracker, User};
use dynamorm_local::{FaultConfig, FaultProxy, Target};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, target) = dynamorm_local::connect().await?;
    // On the embedded engine, put a proxy in front that fails like DynamoDB under load.
    let proxy = match &target {
        Target::Embedded(server) => Some(FaultProxy::start(
            &server.endpoint(),
            FaultConfig {
                seed: 1,
                unprocessed: 0.3,
                throttle: 0.1,
                drop_connection: 0.0,
            },
        )?),
        Target::Remote => None,
    };
    // Batches go through the proxy, with the SDK's own retries off so that the library's
    // retries do the work; everything else goes straight to the server.
    let batch_client = match &proxy {
        Some(p) => aws_sdk_dynamodb::Client::from_conf(
            p.sdk_config()
                .to_builder()
                .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
                .build(),
        ),
        None => client.clone(),
    };
    let db = Db::<Tracker>::with_table_name(client, "tracker-batches")
        .with_registry::<dynamorm_entities::TrackerItem>();
    let batches = Db::<Tracker>::with_table_name(batch_client, "tracker-batches")
        .with_registry::<dynamorm_entities::TrackerItem>();
    db.ensure_table().await?;

    // 1. A batch of 1 000 items of three types: chunked by 25, sent 4 at a time, and
    //    unprocessed items retried with backoff. Every write is written or reported.
    let tasks: Vec<Task> = (0..600).map(|i| task("acme", "apollo", i)).collect();
    let projects: Vec<Project> = (0..100)
        .map(|i| project("acme", &format!("p{i}"), "ann"))
        .collect();
    let comments: Vec<Comment> = (0..300)
        .map(|i| comment("acme", "apollo", 1, &format!("c{i}"), "ann", i))
        .collect();
    let written = batches
        .batch_write()
        .put_all(&tasks)
        .put_all(&projects)
        .put_all(&comments)
        .retry(RetryPolicy::default().max_attempts(15))
        .send()
        .await?;
    println!(
        "batch write: {} written, {} failed, in {} requests",
        written.written(),
        written.failed().len(),
        written.requests()
    );
    if let Some(p) = &proxy {
        println!("  faults injected so far: {:?}", p.stats());
    }
    assert_eq!(written.into_result()?.written(), 1_000);

    // 2. A batch read of keys of two types, decoded per type.
    let mut read = batches
        .batch_get()
        .get_all(tasks.iter().take(150).map(Task::key))
        .get_all(projects.iter().take(50).map(Project::key))
        .send()
        .await?
        .into_result()?;
    let got_tasks: Vec<Task> = read.take()?;
    let got_projects: Vec<Project> = read.take()?;
    println!(
        "batch get: {} tasks, {} projects",
        got_tasks.len(),
        got_projects.len()
    );

    // 3. A transaction: create a task only while its project is active, and count it on
    //    the tenant — all or nothing.
    db.put(&tenant("acme")).send().await.or_else(|e| match e {
        Error::AlreadyExists { .. } => Ok(()),
        e => Err(e),
    })?;
    let p = Project::attrs();
    let new_task = task("acme", "p1", 1_000);
    let add_task = |status: ProjectStatus| {
        db.transact_write()
            .action(
                db.condition_check(projects[1].key(), p.status.eq(status))
                    .return_old_on_failure(),
            )
            .action(db.create(&new_task))
            .action(
                db.update(tenant("acme").key())
                    .add(Tenant::attrs().task_count, 1),
            )
    };
    match add_task(ProjectStatus::Archived).send().await {
        Err(Error::TransactionCanceled(canceled)) => {
            for a in &canceled.actions {
                let project: Option<Project> = a.old().transpose()?;
                println!(
                    "transaction canceled by action {} ({}, key {:?}): {:?}; project status {:?}",
                    a.index,
                    a.entity,
                    a.key.sort_key,
                    a.reason,
                    project.map(|p| p.status)
                );
            }
        }
        other => return Err(format!("expected a cancellation, got {other:?}").into()),
    }
    add_task(ProjectStatus::Active).send().await?;
    let count = db
        .get(tenant("acme").key())
        .send()
        .await?
        .map(|t| t.task_count);
    println!("transaction applied: tenant task_count = {count:?}");

    // 4. Optimistic locking: a stale copy cannot overwrite a newer one.
    let fresh = db
        .get(tenant("acme").key())
        .send()
        .await?
        .ok_or("no tenant")?;
    let mut stale = fresh.clone();
    let mut newer = fresh;
    newer.name = "Acme Inc.".into();
    db.put(&newer).send().await?;
    stale.name = "Stale".into();
    match db.put(&stale).send().await {
        Err(Error::VersionConflict {
            expected, found, ..
        }) => {
            println!("stale write refused: expected version {expected}, found {found:?}")
        }
        other => return Err(format!("expected a version conflict, got {other:?}").into()),
    }

    // 5. Unique values: a second user with the same e-mail is refused.
    let ann = user("acme", "ann");
    let _ = db.delete(ann.key()).send().await?;
    db.create(&ann).send().await?;
    let mut copycat = user("acme", "copycat");
    copycat.email = ann.email.clone();
    match db.create(&copycat).send().await {
        Err(Error::UniqueViolation { field, .. }) => {
            println!("unique `{field}` enforced: {} is taken", copycat.email)
        }
        other => return Err(format!("expected a unique violation, got {other:?}").into()),
    }
    let _: Option<User> = db.delete(ann.key()).send().await?;
    Ok(())
}
