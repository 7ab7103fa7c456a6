//! Re-key and backfill migrations on live tables.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use dynamorm::migrate::MemoryCheckpoint;
use dynamorm::{Db, Entity, InvalidInputKind, Registry};
use dynamorm_entities::{Task, TaskStatus, Tracker, TrackerItem};
use rstest::rstest;
use serde::{Deserialize, Serialize};

use crate::harness::{Backend, invalid_kind, table};

/// `Task` as stored before `GSI2` (tasks by project and status) was added to the design.
#[derive(Debug, Clone, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, name = "Task", pk = "TENANT#{tenant_id}", sk = "PROJECT#{project_id}#TASK#{task_id}")]
#[dynamo(index(GSI1, pk = "USER#{assignee}", sk = "DUE#{due}"))]
struct TaskV1 {
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

fn old_tasks(n: u32) -> Vec<TaskV1> {
    (0..n)
        .map(|i| TaskV1 {
            tenant_id: format!("t{}", i % 7),
            project_id: format!("p{}", i % 3),
            task_id: i,
            title: format!("Task {i}"),
            status: [TaskStatus::Open, TaskStatus::InProgress, TaskStatus::Done][(i % 3) as usize],
            assignee: None,
            due: None,
            points: 1,
            tags: Vec::new(),
        })
        .collect()
}

async fn seed(db: &Db<Tracker>, n: u32) -> Vec<TaskV1> {
    let tasks = old_tasks(n);
    db.batch_write()
        .put_all(&tasks)
        .concurrency(4)
        .send()
        .await
        .expect("seed")
        .into_result()
        .expect("all");
    tasks
}

/// Every item's key attributes, sorted: the table's state as far as keys go.
async fn key_state(db: &Db<Tracker>) -> Vec<Vec<(String, String)>> {
    let items = db
        .client()
        .scan()
        .table_name(db.table_name())
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    let mut out: Vec<Vec<(String, String)>> = items
        .into_iter()
        .map(|i| {
            let mut keys: Vec<(String, String)> = i
                .expect("scan")
                .into_iter()
                .filter(|(k, _)| k.ends_with("PK") || k.ends_with("SK"))
                .filter_map(|(k, v)| v.as_s().ok().map(|s| (k, s.clone())))
                .collect();
            keys.sort();
            keys
        })
        .collect();
    out.sort();
    out
}

async fn by_status(db: &Db<Tracker>, project: &str, status: TaskStatus) -> usize {
    let a = Task::attrs();
    db.query((a.project_id.is(project), a.status.is(status)))
        .index(Tracker::GSI2)
        .count()
        .await
        .expect("count")
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_items_get_their_new_index_keys(#[case] backend: Backend) {
    let t = table(backend, "migrate-5k").await;
    seed(&t.db, 5_000).await;
    assert_eq!(
        by_status(&t.db, "p0", TaskStatus::Open).await,
        0,
        "GSI2 is empty before"
    );

    let preview =
        t.db.migrate::<TrackerItem>()
            .dry_run()
            .run()
            .await
            .expect("dry run");
    assert_eq!(
        (
            preview.progress.scanned,
            preview.progress.updated,
            preview.progress.moved
        ),
        (5_000, 5_000, 0)
    );
    assert!(preview.dry_run && preview.complete && preview.failures.is_empty());
    let sample = preview.samples.first().expect("samples");
    assert!(
        !sample.old.contains_key("GSI2PK") && sample.new["GSI2PK"].contains("#STATUS#"),
        "{sample:?}"
    );
    assert_eq!(
        by_status(&t.db, "p0", TaskStatus::Open).await,
        0,
        "a dry run writes nothing"
    );

    let report =
        t.db.migrate::<TrackerItem>()
            .only::<Task>()
            .segments(4)
            .page_size(250)
            .run()
            .await
            .expect("migrate");
    assert!(
        report.complete && report.failures.is_empty(),
        "{:?}",
        report.failures
    );
    assert_eq!(
        (report.progress.scanned, report.progress.updated),
        (5_000, 5_000)
    );
    let mut total = 0;
    for project in ["p0", "p1", "p2"] {
        for status in [TaskStatus::Open, TaskStatus::InProgress, TaskStatus::Done] {
            total += by_status(&t.db, project, status).await;
        }
    }
    assert_eq!(total, 5_000, "every task is in GSI2 under its status");
    let again = t.db.migrate::<TrackerItem>().run().await.expect("re-run");
    assert_eq!(
        again.progress.updated + again.progress.moved,
        0,
        "idempotent"
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_resumes_to_the_same_end(#[case] backend: Backend) {
    let whole = table(backend, "migrate-whole").await;
    let halves = table(backend, "migrate-halves").await;
    seed(&whole.db, 1_200).await;
    seed(&halves.db, 1_200).await;
    let done = whole
        .db
        .migrate::<TrackerItem>()
        .segments(2)
        .page_size(100)
        .run()
        .await
        .expect("whole");
    assert!(done.complete);

    let checkpoint = MemoryCheckpoint::default();
    let (on_progress, stop) = crate::harness::stop_after_scanned(600);
    let first = halves
        .db
        .migrate::<TrackerItem>()
        .segments(2)
        .page_size(100)
        .checkpoint(checkpoint.clone())
        .on_progress(on_progress)
        .stop_on(stop)
        .run()
        .await
        .expect("first half");
    assert!(!first.complete, "stopped half-way");
    assert!(first.progress.updated < 1_200, "{:?}", first.progress);
    let second = halves
        .db
        .migrate::<TrackerItem>()
        .segments(2)
        .page_size(100)
        .checkpoint(checkpoint)
        .run()
        .await
        .expect("resumed");
    assert!(second.complete);
    assert_eq!(
        first.progress.updated + second.progress.updated,
        1_200,
        "nothing twice, nothing skipped"
    );
    assert_eq!(key_state(&halves.db).await, key_state(&whole.db).await);
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_concurrent_writer_loses_no_update(#[case] backend: Backend) {
    let t = table(backend, "migrate-race").await;
    let tasks = seed(&t.db, 400).await;
    let db = Arc::new(t.db.clone());
    let writer = {
        let db = Arc::clone(&db);
        tokio::spawn(async move {
            let a = Task::attrs();
            for task in tasks.iter().rev() {
                // New application code: writes the new GSI2 keys itself.
                let key = dynamorm_entities::TaskKey {
                    tenant_id: task.tenant_id.clone(),
                    project_id: task.project_id.clone(),
                    task_id: task.task_id,
                };
                db.update(key)
                    .set(a.status, TaskStatus::Done)
                    .add(a.points, 1)
                    .send()
                    .await
                    .expect("app write");
            }
        })
    };
    let report = db
        .migrate::<TrackerItem>()
        .page_size(20)
        .run()
        .await
        .expect("migrate");
    writer.await.expect("writer");
    assert!(
        report.complete && report.failures.is_empty(),
        "{:?}",
        report.failures
    );
    let all: Vec<Task> = db.scan::<Task>().all().await.expect("scan");
    assert_eq!(all.len(), 400);
    assert!(
        all.iter()
            .all(|t| t.points == 2 && t.status == TaskStatus::Done),
        "no update lost"
    );
    let done: usize = [
        by_status(&db, "p0", TaskStatus::Done).await,
        by_status(&db, "p1", TaskStatus::Done).await,
        by_status(&db, "p2", TaskStatus::Done).await,
    ]
    .iter()
    .sum();
    assert_eq!(done, 400, "every GSI2 key matches the final status");
}

/// A note stored under its own partition…
#[derive(Debug, Clone, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, name = "Note", pk = "NOTE#{id}", sk = "NOTE")]
struct NoteV1 {
    id: String,
    body: String,
}

/// …moved into one partition, sorted by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, name = "Note", pk = "NOTES", sk = "NOTE#{id}")]
struct Note {
    id: String,
    body: String,
}

#[derive(Debug, Registry)]
#[dynamo(table = Tracker)]
enum NoteItems {
    Note(Note),
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_key_move_keeps_exactly_one_copy(#[case] backend: Backend) {
    let t = table(backend, "migrate-move").await;
    let notes: Vec<NoteV1> = (0..300)
        .map(|i| NoteV1 {
            id: format!("n{i:03}"),
            body: format!("body {i}"),
        })
        .collect();
    t.db.batch_write()
        .put_all(&notes)
        .send()
        .await
        .expect("seed")
        .into_result()
        .expect("all");
    let report =
        t.db.migrate::<NoteItems>()
            .segments(3)
            .run()
            .await
            .expect("migrate");
    assert!(
        report.complete && report.failures.is_empty(),
        "{:?}",
        report.failures
    );
    assert_eq!(report.progress.moved, 300);
    let state = key_state(&t.db).await;
    assert_eq!(state.len(), 300, "exactly one copy of each");
    assert!(
        state
            .iter()
            .all(|keys| keys.iter().any(|(k, v)| k == "PK" && v == "NOTES"))
    );
    let all: Vec<NoteItems> = t.db.scan().all().await.expect("scan");
    assert_eq!(all.len(), 300);
    assert!(matches!(&all[0], NoteItems::Note(n) if n.body.starts_with("body")));
}

/// `capacity_limit`: the migration's own consumed capacity, as the server reports it, paces
/// it — the run lasts at least consumed ÷ limit — and `capacity_share` of an on-demand table
/// (no provisioned capacity to share) is refused before anything is read.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_capacity_limit_paces_the_migration(#[case] backend: Backend) {
    let t = table(backend, "migrate-capacity").await;
    seed(&t.db, 300).await;
    let limit = 150.0;
    let report =
        t.db.migrate::<TrackerItem>()
            .capacity_limit(limit)
            .run()
            .await
            .expect("runs");
    assert!(report.complete && report.failures.is_empty());
    assert_eq!(report.progress.updated, 300);
    let consumed = report.progress.consumed_capacity;
    // 300 one-unit updates and the scan's reads.
    assert!(consumed >= 300.0, "the server reported {consumed} units");
    let floor = std::time::Duration::from_secs_f64(consumed / limit);
    assert!(
        report.progress.elapsed >= floor,
        "{:?} for {consumed} units at {limit}/s",
        report.progress.elapsed
    );
    let refused =
        t.db.migrate::<TrackerItem>()
            .capacity_share(0.5)
            .run()
            .await
            .expect_err("on-demand has no provisioned capacity");
    assert_eq!(
        invalid_kind(&refused),
        Some(InvalidInputKind::Configuration),
        "{refused}"
    );
}
