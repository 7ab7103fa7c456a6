//! `db.write_stream(..)`: writes taken from a `Stream` of any entity types, in constant
//! memory. Every write taken is written, failed (by key) or rejected (by position) — counted
//! against a model, also through a proxy that leaves items unprocessed, throttles and drops
//! connections; repeats of a key apply in stream order; the stream is read only as fast as
//! chunks complete (at most `concurrency + 2` chunks ahead).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::Db;
use dynamorm::batch::{RetryPolicy, StreamedWrite, WriteProgress};
use dynamorm_entities::{Tracker, TrackerItem, sample};
use dynamorm_local::FaultConfig;
use futures::StreamExt;
use rstest::rstest;

use crate::harness::invalid_kind;
use crate::harness::{Backend, faulty_table, scan_raw};
use dynamorm::InvalidInputKind;

/// The writes of the stream, and what the table must hold after it: titles of tasks by id.
/// Positions 500, 1000, … are tenants (versioned: a batch cannot guard them), rejected.
fn writes() -> (Vec<TrackerItem>, Vec<usize>) {
    let mut out = Vec::new();
    let mut rejected = Vec::new();
    for i in 0..2_000u32 {
        if i > 0 && i % 500 == 0 {
            rejected.push(out.len());
            out.push(TrackerItem::Tenant(sample::tenant(&format!("t{i}"))));
        }
        let mut task = sample::task("acme", "p1", i % 1_700);
        // Ids 0..300 come twice, 1,700 writes apart (in another chunk), and ids 1,650.. twice
        // within one chunk: the later title must win.
        task.title = format!("title {i}");
        out.push(TrackerItem::Task(task.clone()));
        if (1_650..1_660).contains(&i) {
            task.title = format!("again {i}");
            out.push(TrackerItem::Task(task));
        }
        if i % 7 == 0 {
            out.push(TrackerItem::Project(sample::project(
                "acme",
                &format!("p{i}"),
                "ann",
            )));
        }
    }
    (out, rejected)
}

fn s(item: &dynamorm::Item, attribute: &str) -> Option<String> {
    match item.get(attribute) {
        Some(AttributeValue::S(v)) => Some(v.clone()),
        Some(AttributeValue::N(v)) => Some(v.clone()),
        _ => None,
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn every_streamed_write_is_written_failed_or_rejected(#[case] backend: Backend) {
    let table = faulty_table(
        backend,
        "write-stream",
        FaultConfig {
            seed: 21,
            unprocessed: 0.3,
            throttle: 0.05,
            drop_connection: 0.03,
        },
    )
    .await;
    let (items, want_rejected) = writes();
    // The model: the last title written for each task id, the projects, in stream order.
    let mut titles: BTreeMap<u32, String> = BTreeMap::new();
    let mut projects = 0;
    for item in &items {
        match item {
            TrackerItem::Task(t) => {
                titles.insert(t.task_id, t.title.clone());
            }
            TrackerItem::Project(_) => projects += 1,
            _ => {}
        }
    }
    let total = items.len();
    let pulled = Arc::new(AtomicUsize::new(0));
    let ahead = Arc::new(AtomicUsize::new(0));
    let source = {
        let pulled = Arc::clone(&pulled);
        futures::stream::iter(items).map(move |item| {
            pulled.fetch_add(1, Ordering::SeqCst);
            StreamedWrite::put_any(&item)
        })
    };
    let mut seen: Vec<WriteProgress> = Vec::new();
    let seen_log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&seen_log);
    let (pulled_now, ahead_max) = (Arc::clone(&pulled), Arc::clone(&ahead));
    let concurrency = 3;
    let out = table
        .db
        .write_stream(source)
        .concurrency(concurrency)
        .retry(RetryPolicy::default().max_attempts(30))
        .on_progress(move |p| {
            let pulled = pulled_now.load(Ordering::SeqCst);
            ahead_max.fetch_max(pulled - p.taken, Ordering::SeqCst);
            log.lock().expect("log").push(*p);
        })
        .send()
        .await
        .expect("the stream is written");
    seen.extend(seen_log.lock().expect("log").iter().copied());

    let p = out.progress();
    assert_eq!(p.taken, total, "every write taken");
    assert_eq!(
        p.written + p.failed + p.rejected,
        total,
        "each accounted once"
    );
    assert_eq!(out.failed().len(), 0, "{:?}", out.failed().first());
    let rejected: Vec<usize> = out.rejected().iter().map(|(n, _)| *n).collect();
    assert_eq!(rejected, want_rejected, "rejected by position");
    assert!(
        out.rejected()
            .iter()
            .all(|(_, e)| invalid_kind(e) == Some(InvalidInputKind::NotSupported))
    );
    // Progress only grows and ends at the output's counts.
    assert!(
        seen.windows(2)
            .all(|w| w[0].taken <= w[1].taken && w[0].written <= w[1].written)
    );
    assert_eq!(seen.last().copied(), Some(p));
    // Back pressure: the source was never read more than `concurrency + 2` chunks ahead.
    let ahead = ahead.load(Ordering::SeqCst);
    assert!(ahead <= (concurrency + 2) * 25, "{ahead} writes read ahead");

    let stored = scan_raw(&table.direct).await;
    let stored_titles: BTreeMap<u32, String> = stored
        .iter()
        .filter(|i| s(i, "_type").as_deref() == Some("Task"))
        .map(|i| {
            (
                s(i, "task_id")
                    .and_then(|n| n.parse().ok())
                    .expect("task id"),
                s(i, "title").expect("title"),
            )
        })
        .collect();
    let lost = titles
        .keys()
        .filter(|k| !stored_titles.contains_key(k))
        .count();
    let stale = titles
        .iter()
        .filter(|(k, v)| stored_titles.get(k).is_some_and(|s| s != *v))
        .count();
    assert_eq!(
        (lost, stale),
        (0, 0),
        "lost, stale (a repeat applied out of order)"
    );
    assert_eq!(stored_titles.len(), titles.len());
    let stored_projects = stored
        .iter()
        .filter(|i| s(i, "_type").as_deref() == Some("Project"))
        .count();
    assert_eq!(stored_projects, projects);
    assert_eq!(
        stored
            .iter()
            .filter(|i| s(i, "_type").as_deref() == Some("Tenant"))
            .count(),
        0,
        "a rejected write is never sent"
    );
    let stats = table.proxy.stats();
    assert!(stats.unprocessed > 0 && stats.dropped > 0, "{stats:?}");
}

/// Deletes in a stream, and a delete after a put of the same key in one chunk: gone.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn deletes_and_puts_of_one_key_apply_in_stream_order(#[case] backend: Backend) {
    let table = crate::harness::table(backend, "write-stream-order").await;
    let db: &Db<Tracker> = &table.db;
    let tasks: Vec<_> = (0..10).map(|i| sample::task("acme", "p1", i)).collect();
    let mut writes = Vec::new();
    for t in &tasks {
        writes.push(StreamedWrite::put(t));
        if t.task_id % 2 == 0 {
            writes.push(StreamedWrite::delete(t.key()));
        }
    }
    let out = db
        .write_stream(futures::stream::iter(writes))
        .send()
        .await
        .expect("written");
    assert_eq!(
        out.into_result().expect("all applied").progress().written,
        15
    );
    let left: Vec<u32> = db
        .query(dynamorm_entities::Task::attrs().tenant_id.is("acme"))
        .all()
        .await
        .expect("read")
        .into_iter()
        .map(|t| t.task_id)
        .collect();
    assert_eq!(left, [1, 3, 5, 7, 9]);
}
