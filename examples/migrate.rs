//! Evolving a live design: `Task` gains a new index template (`GSI2`: a project's tasks by
//! status). Items written with the old layout lack the new keys; the migration backfills
//! them — after a dry run — with a progress bar, then the new access pattern works.
//!
//!     cargo run --example migrate
//!
//! Interactive terminals get a progress bar; otherwise one log line per second. Ctrl-C
//! stops at a checkpoint (`migration.checkpoint.json` in the temp directory); run again to
//! continue.

use std::io::IsTerminal;
use std::time::Duration;

use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
use chrono::{DateTime, Utc};
use dynamorm::migrate::{FileCheckpoint, Progress};
use dynamorm::{Db, Entity};
use dynamorm_entities::{Task, TaskStatus, Tracker, TrackerItem};
use serde::{Deserialize, Serialize};

/// `Task` as the previous release of the application wrote it: no `GSI2` template.
#[derive(Debug, Clone, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, name = "Task", pk = "TENANT#{tenant_id}", sk = "PROJECT#{project_id}#TASK#{task_id}")]
#[dynamo(index(GSI1, pk = "USER#{assignee}", sk = "DUE#{due}"))]
struct OldTask {
    tenant_id: String,
    project_id: String,
    task_id: u32,
    title: String,
    status: TaskStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    assignee: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    due: Option<DateTime<Utc>>,
    points: u32,
    #[serde(default)]
    tags: Vec<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, target) = dynamorm_local::connect().await?;
    println!("server: {target:?}");
    let db = Db::<Tracker>::with_table_name(client, "tracker-migrate")
        .with_registry::<TrackerItem>()
        .with_consumed_capacity(ReturnConsumedCapacity::Total);
    // 1. The new design adds GSI2; `ensure_table` adds the index to an existing table.
    db.ensure_table().await?;

    // 2. Data written by the old release.
    let statuses = [TaskStatus::Open, TaskStatus::InProgress, TaskStatus::Done];
    let old: Vec<OldTask> = (0..3_000u32)
        .map(|i| OldTask {
            tenant_id: "acme".into(),
            project_id: format!("p{}", i % 4),
            task_id: i,
            title: format!("Task {i}"),
            status: statuses[(i % 3) as usize],
            assignee: None,
            due: None,
            points: 1,
            tags: Vec::new(),
        })
        .collect();
    db.batch_write().put_all(&old).send().await?.into_result()?;
    let a = Task::attrs();
    let by_status = || {
        db.query((a.project_id.is("p1"), a.status.is(TaskStatus::Done)))
            .index(Tracker::GSI2)
            .count()
    };
    println!(
        "before: {} done tasks of p1 found through GSI2",
        by_status().await?
    );

    // 3. Dry run: what would change.
    let preview = db
        .migrate::<TrackerItem>()
        .only::<Task>()
        .dry_run()
        .run()
        .await?;
    println!(
        "dry run: {} scanned, {} would get new index keys, {} would move",
        preview.progress.scanned, preview.progress.updated, preview.progress.moved
    );
    if let Some(sample) = preview.samples.first() {
        println!("  e.g. {:?}\n    -> {:?}", sample.old, sample.new);
    }

    // 4. The migration, with progress and a checkpoint.
    let checkpoint = std::env::temp_dir().join("migration.checkpoint.json");
    let _ = std::fs::remove_file(&checkpoint);
    let total = preview.progress.scanned;
    let report =
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} scanned, {msg} [{elapsed_precise}, eta {eta}]",
            )?);
            let shown = bar.clone();
            let report = run(&db, &checkpoint, move |p: &Progress| {
                shown.set_position(p.scanned);
                shown.set_message(format!(
                    "{} updated, {} moved, {} failed",
                    p.updated, p.moved, p.failed
                ));
            })
            .await?;
            bar.finish();
            report
        } else {
            let last = std::sync::Mutex::new(std::time::Instant::now() - Duration::from_secs(2));
            run(&db, &checkpoint, move |p: &Progress| {
            if let Ok(mut last) = last.lock()
                && last.elapsed() >= Duration::from_secs(1)
            {
                *last = std::time::Instant::now();
                eprintln!(
                    "migrating: {}/{total} scanned, {} updated, {} moved, {} failed, {:.0} items/s",
                    p.scanned, p.updated, p.moved, p.failed, p.rate()
                );
            }
        })
        .await?
        };
    let capacity = db.capacity().take();
    println!(
        "migration {}: {} scanned, {} updated, {} moved, {} failed in {:.1?}; {:.0} capacity units",
        if report.complete {
            "complete"
        } else {
            "stopped (run again to resume)"
        },
        report.progress.scanned,
        report.progress.updated,
        report.progress.moved,
        report.failures.len(),
        report.progress.elapsed,
        capacity.total
    );

    // 5. The new access pattern.
    println!(
        "after: {} done tasks of p1 found through GSI2",
        by_status().await?
    );
    Ok(())
}

async fn run(
    db: &Db<Tracker>,
    checkpoint: &std::path::Path,
    progress: impl Fn(&Progress) + Send + Sync + 'static,
) -> Result<dynamorm::migrate::MigrationReport, dynamorm::Error> {
    db.migrate::<TrackerItem>()
        .only::<Task>()
        .segments(4)
        .page_size(200)
        .rate_limit(20_000.0)
        .checkpoint(FileCheckpoint::new(checkpoint))
        .stop_on(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .on_progress(progress)
        .run()
        .await
}
