//! Write races, asserted with numbers: a migration that moves primary keys while writers
//! keep incrementing the items loses and duplicates nothing, and a batch whose connections
//! drop reports as "not applied" only writes that really are absent.
//!
//! Each test counts what went wrong (lost, duplicated, misreported) over the whole run and
//! prints the counts before asserting that every one of them is 0.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dynamorm::batch::WriteOutcome;
use dynamorm::{Db, Entity, EntityKey, Error, PrimaryKey, Registry, RetryPolicy};
use dynamorm_entities::sample::task;
use dynamorm_entities::{Task, Tracker};
use dynamorm_local::FaultConfig;
use rstest::rstest;
use serde::{Deserialize, Serialize};

use crate::harness::{Backend, OperationCounter, faulty_table, table};

/// Runs `f`, failing the test if it takes longer than `secs` seconds.
async fn bounded<F: Future>(secs: u64, what: &str, f: F) -> F::Output {
    match tokio::time::timeout(Duration::from_secs(secs), f).await {
        Ok(out) => out,
        Err(_) => panic!("{what} did not finish within {secs} s"),
    }
}

use crate::harness::scan_raw;

// ---------------------------------------------------------------------------------------
// 1. A key-moving migration under concurrent increments.
// ---------------------------------------------------------------------------------------

/// A hit counter as first stored: one partition per counter.
#[derive(Debug, Clone, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, name = "RaceCounter", pk = "RACE#{id}", sk = "COUNTER")]
struct RaceCounterV1 {
    id: String,
    label: String,
    hits: u64,
}

/// The same counter after a redesign: every counter in one partition, sorted by id. Both
/// primary-key attributes change, so the migration moves every item.
#[derive(Debug, Clone, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, name = "RaceCounter", pk = "RACES", sk = "COUNTER#{id}")]
struct RaceCounterV2 {
    id: String,
    label: String,
    hits: u64,
}

#[derive(Debug, Registry)]
#[dynamo(table = Tracker)]
enum RaceItems {
    RaceCounter(RaceCounterV2),
}

/// What the writers did, per item and in total.
struct Tally {
    /// Increments acknowledged (`Ok` returned), per item.
    acked: Vec<AtomicU64>,
    /// Whether a writer has seen the item gone from its old key (then the new key is used).
    moved: Vec<AtomicBool>,
    acked_old_key: AtomicU64,
    acked_new_key: AtomicU64,
    /// `NotFound` under the old key: the item had moved; the writer switched to the new key.
    switched: AtomicU64,
    /// `NotFound` under the new key after `NotFound` under the old one: the item is gone.
    vanished: AtomicU64,
    /// Other errors (not acknowledged, so not counted); their messages, deduplicated.
    errors: AtomicU64,
    error_messages: Mutex<HashSet<String>>,
    /// Requests that did not answer within the per-call bound (outcome unknown).
    timed_out: AtomicU64,
}

impl Tally {
    fn new(n: usize) -> Self {
        Self {
            acked: (0..n).map(|_| AtomicU64::new(0)).collect(),
            moved: (0..n).map(|_| AtomicBool::new(false)).collect(),
            acked_old_key: AtomicU64::new(0),
            acked_new_key: AtomicU64::new(0),
            switched: AtomicU64::new(0),
            vanished: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            error_messages: Mutex::new(HashSet::new()),
            timed_out: AtomicU64::new(0),
        }
    }

    fn error(&self, e: &Error) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut m) = self.error_messages.lock() {
            m.insert(e.to_string());
        }
    }
}

fn counter_id(i: usize) -> String {
    format!("r{i:04}")
}

/// The first `HOT` items get half of all increments, so that the migration's read and its
/// guarded move of those items race with writes.
const HOT: usize = 16;
/// The bound on one update request.
const CALL: Duration = Duration::from_secs(10);

/// Increments random items until `stop`: under the old key until the item is found moved,
/// then under the new key (derived from the same field).
async fn writer(db: Db<Tracker>, n: usize, tally: Arc<Tally>, stop: Arc<AtomicBool>, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let old = RaceCounterV1::attrs();
    let new = RaceCounterV2::attrs();
    while !stop.load(Ordering::SeqCst) {
        let i = if rng.bool() {
            rng.usize(0..HOT.min(n))
        } else {
            rng.usize(0..n)
        };
        let id = counter_id(i);
        if !tally.moved[i].load(Ordering::SeqCst) {
            let sent = db
                .update(RaceCounterV1Key { id: id.clone() })
                .add(old.hits, 1)
                .send();
            match tokio::time::timeout(CALL, sent).await {
                Ok(Ok(_)) => {
                    tally.acked[i].fetch_add(1, Ordering::SeqCst);
                    tally.acked_old_key.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                Ok(Err(Error::NotFound { .. })) => {
                    tally.moved[i].store(true, Ordering::SeqCst);
                    tally.switched.fetch_add(1, Ordering::Relaxed);
                    // Falls through: the same increment, under the new key.
                }
                Ok(Err(e)) => {
                    tally.error(&e);
                    continue;
                }
                Err(_) => {
                    tally.timed_out.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
            }
        }
        let sent = db.update(RaceCounterV2Key { id }).add(new.hits, 1).send();
        match tokio::time::timeout(CALL, sent).await {
            Ok(Ok(_)) => {
                tally.acked[i].fetch_add(1, Ordering::SeqCst);
                tally.acked_new_key.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Err(Error::NotFound { .. })) => {
                tally.vanished.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Err(e)) => tally.error(&e),
            Err(_) => {
                tally.timed_out.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn is_kept_changing(e: &Error) -> bool {
    matches!(e, Error::Contended { .. })
}

/// One run of the key-moving migration, small pages over two segments so it races the
/// writers for a while.
async fn migrate(db: &Db<Tracker>, what: &str) -> dynamorm::migrate::MigrationReport {
    bounded(
        60,
        what,
        db.migrate::<RaceItems>().segments(2).page_size(10).run(),
    )
    .await
    .expect(what)
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn key_moving_migration_loses_no_concurrent_write(#[case] backend: Backend) {
    const N: usize = 250;
    const WRITERS: u64 = 4;
    /// Migration runs while the writers run; a run that leaves "kept changing" items is
    /// followed by another.
    const MAX_RUNS: usize = 5;
    let test_started = Instant::now();
    let t = table(backend, "races-migrate").await;
    let seeded: Vec<RaceCounterV1> = (0..N)
        .map(|i| RaceCounterV1 {
            id: counter_id(i),
            label: format!("counter {i}"),
            hits: 0,
        })
        .collect();
    bounded(
        60,
        "seeding",
        t.db.batch_write().put_all(&seeded).concurrency(4).send(),
    )
    .await
    .expect("seed")
    .into_result()
    .expect("every counter seeded");

    // The migration gets a client of its own that counts its requests.
    let counter = OperationCounter::default();
    let migration_client = aws_sdk_dynamodb::Client::from_conf(
        t.db.client()
            .config()
            .to_builder()
            .interceptor(counter.clone())
            .build(),
    );
    let migration_db = Db::<Tracker>::with_table_name(migration_client, t.db.table_name());

    let tally = Arc::new(Tally::new(N));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            tokio::spawn(writer(
                t.db.clone(),
                N,
                Arc::clone(&tally),
                Arc::clone(&stop),
                0xDA7A + w,
            ))
        })
        .collect();
    // Let the writers get going before the migration starts.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let acked_before_migration: u64 = tally.acked.iter().map(|a| a.load(Ordering::SeqCst)).sum();

    let migration_started = Instant::now();
    let mut moved_total = 0;
    let mut kept_changing_total = 0;
    let mut other_failures: Vec<String> = Vec::new();
    let mut runs_with_writers = 0;
    for run in 1..=MAX_RUNS {
        let report = migrate(&migration_db, "a migration run").await;
        runs_with_writers = run;
        moved_total += report.progress.moved;
        let kept_changing = report
            .failures
            .iter()
            .filter(|f| is_kept_changing(&f.error))
            .count();
        kept_changing_total += kept_changing;
        other_failures.extend(
            report
                .failures
                .iter()
                .filter(|f| !is_kept_changing(&f.error))
                .map(|f| f.error.to_string()),
        );
        println!(
            "[{backend:?}] migration run {run} (writers running): scanned {}, moved {}, \
             updated {}, failed {} ({kept_changing} kept changing), complete {}, {:?}",
            report.progress.scanned,
            report.progress.moved,
            report.progress.updated,
            report.progress.failed,
            report.complete,
            report.progress.elapsed,
        );
        if report.complete && report.failures.is_empty() {
            break;
        }
    }
    let migration_time = migration_started.elapsed();
    let acked_during_migration: u64 = tally
        .acked
        .iter()
        .map(|a| a.load(Ordering::SeqCst))
        .sum::<u64>()
        - acked_before_migration;

    // Writers keep going a little after the last move, then stop.
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        bounded(30, "a writer", w).await.expect("writer task");
    }

    // With the writers stopped, one more run finds nothing left to move.
    let last = migrate(&migration_db, "the final migration run").await;
    moved_total += last.progress.moved;
    other_failures.extend(last.failures.iter().map(|f| f.error.to_string()));

    // The table: every counter exactly once, under its new key, with every acknowledged
    // increment.
    let new_keys: HashMap<String, PrimaryKey> = (0..N)
        .map(|i| {
            let id = counter_id(i);
            let key = RaceCounterV2Key { id: id.clone() }.render().expect("key");
            (id, key)
        })
        .collect();
    let mut copies: HashMap<String, Vec<(String, Option<String>, u64)>> = HashMap::new();
    let mut strays = 0;
    for item in scan_raw(&t.db).await {
        let s = |a: &str| item.get(a).and_then(|v| v.as_s().ok()).cloned();
        let kind = s("_type");
        let (Some("RaceCounter"), Some(id), Some(pk)) = (kind.as_deref(), s("id"), s("PK")) else {
            strays += 1;
            continue;
        };
        let hits = item
            .get("hits")
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(u64::MAX);
        copies.entry(id).or_default().push((pk, s("SK"), hits));
    }
    let mut missing = 0;
    let mut duplicated = 0;
    let mut under_old_key = 0;
    let mut under_wrong_key = 0;
    let mut short_items = 0;
    let mut lost_increments = 0;
    let mut extra_items = 0;
    let mut extra_increments = 0;
    for i in 0..N {
        let id = counter_id(i);
        let acked = tally.acked[i].load(Ordering::SeqCst);
        let found = copies.get(&id).map(Vec::as_slice).unwrap_or_default();
        match found.len() {
            0 => {
                missing += 1;
                lost_increments += acked;
                continue;
            }
            1 => {}
            more => duplicated += more - 1,
        }
        for (pk, sk, _) in found {
            let want = &new_keys[&id];
            if pk.starts_with("RACE#") {
                under_old_key += 1;
            } else if *pk != want.partition_key || *sk != want.sort_key {
                under_wrong_key += 1;
            }
        }
        // Each copy is compared: a duplicate with other hits would hide a loss.
        for (_, _, stored) in found {
            if *stored < acked {
                short_items += 1;
                lost_increments += acked - stored;
            } else if *stored > acked {
                extra_items += 1;
                extra_increments += stored - acked;
            }
        }
    }
    let lost = missing + short_items;
    let acked_total: u64 = tally.acked.iter().map(|a| a.load(Ordering::SeqCst)).sum();
    let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let messages: Vec<String> = tally
        .error_messages
        .lock()
        .map(|m| m.iter().cloned().collect())
        .unwrap_or_default();
    println!(
        "[{backend:?}] {N} counters, {WRITERS} writers; migration: {runs_with_writers} run(s) \
         with writers in {migration_time:?} + final run (moved {}, failed {}); moved in all \
         {moved_total}; {kept_changing_total} kept-changing failure(s); migration requests: \
         {} TransactWriteItems, {} GetItem (races lost and re-read), {} Scan",
        last.progress.moved,
        last.progress.failed,
        counter.get("TransactWriteItems"),
        counter.get("GetItem"),
        counter.get("Scan"),
    );
    println!(
        "[{backend:?}] writers: {acked_total} increments acknowledged ({} under the old key, \
         {} under the new key; {acked_during_migration} while the migration ran), {} \
         switch(es) to the new key on NotFound, {} vanished, {} other error(s) {messages:?}, \
         {} timed out",
        load(&tally.acked_old_key),
        load(&tally.acked_new_key),
        load(&tally.switched),
        load(&tally.vanished),
        load(&tally.errors),
        load(&tally.timed_out),
    );
    println!(
        "[{backend:?}] table: lost {lost} item(s) ({missing} missing, {short_items} short by \
         {lost_increments} increment(s)), duplicated {duplicated}, {under_old_key} under the \
         old key, {under_wrong_key} under a wrong key, {extra_items} with {extra_increments} \
         unacknowledged increment(s), {strays} stray item(s); test time {:?}",
        test_started.elapsed(),
    );

    assert!(
        other_failures.is_empty(),
        "migration failures other than \"kept changing\": {other_failures:?}"
    );
    assert!(
        last.complete && last.failures.is_empty(),
        "the final run completes: {:?}",
        last.failures
    );
    assert!(
        acked_during_migration > 0 && load(&tally.switched) > 0,
        "the writers ran during the migration ({acked_during_migration} increments) and saw \
         items move ({} switches)",
        load(&tally.switched)
    );
    assert_eq!(
        (
            lost,
            lost_increments,
            duplicated,
            under_old_key,
            under_wrong_key,
            extra_items,
            load(&tally.vanished),
            strays,
        ),
        (0, 0, 0, 0, 0, 0, 0, 0),
        "(items lost, increments lost, duplicated copies, copies under the old key, copies \
         under a wrong key, items with unacknowledged increments, items vanished for a \
         writer, stray items)"
    );
    assert_eq!(moved_total, N as u64, "every counter moved exactly once");
}

// ---------------------------------------------------------------------------------------
// 2. Batch failures under dropped connections.
// ---------------------------------------------------------------------------------------

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_failures_under_dropped_connections_are_reported_honestly(#[case] backend: Backend) {
    const N: u32 = 10_000;
    // 5 % of requests lose their connection (half of them after the server applied the
    // request); a tenth of the items come back unprocessed and a few requests are
    // throttled, so that some writes are known not applied. Two attempts per write.
    let faults = FaultConfig {
        seed: 0x5EED,
        unprocessed: 0.1,
        throttle: 0.02,
        drop_connection: 0.05,
    };
    let test_started = Instant::now();
    let t = faulty_table(backend, "races-batch", faults).await;
    // `Task` has no unique or version field, and no other type's keys can collide with its
    // own, so its puts travel in BatchWriteItem requests (25 per request).
    let tasks: Vec<Task> = (0..N)
        .map(|i| task(&format!("t{}", i / 100), "p", i % 100))
        .collect();
    let keys: Vec<PrimaryKey> = tasks
        .iter()
        .map(|t| t.key().render().expect("key"))
        .collect();
    let policy = RetryPolicy::default()
        .max_attempts(2)
        .base(Duration::from_millis(1))
        .cap(Duration::from_millis(20));
    let batch_started = Instant::now();
    let out = bounded(
        150,
        "the batch",
        t.db.batch_write()
            .put_all(&tasks)
            .concurrency(8)
            .retry(policy)
            .send(),
    )
    .await
    .expect("a valid batch");
    let batch_time = batch_started.elapsed();
    let stats = t.proxy.stats();

    // What is really stored, read without faults.
    let stored: HashSet<PrimaryKey> = bounded(60, "the read-back", t.direct.scan::<Task>().all())
        .await
        .expect("scan")
        .iter()
        .map(|t| t.key().render().expect("key"))
        .collect();

    let mut failed: HashMap<&PrimaryKey, WriteOutcome> = HashMap::new();
    let mut listed_twice = 0;
    let mut wrong_entry = 0;
    for f in out.failed() {
        if failed.insert(&f.key, f.outcome).is_some() {
            listed_twice += 1;
        }
        if f.entity != "Task" || f.kind != dynamorm::batch::WriteKind::Put {
            wrong_entry += 1;
        }
    }
    let requested: HashSet<&PrimaryKey> = keys.iter().collect();
    let not_requested = failed.keys().filter(|k| !requested.contains(**k)).count();
    let mut not_applied = 0;
    let mut misreported = 0;
    let mut unknown_present = 0;
    let mut unknown_absent = 0;
    for (key, outcome) in &failed {
        match (outcome, stored.contains(*key)) {
            (WriteOutcome::NotApplied, false) => not_applied += 1,
            (WriteOutcome::NotApplied, true) => misreported += 1,
            (WriteOutcome::Unknown, true) => unknown_present += 1,
            (WriteOutcome::Unknown, false) => unknown_absent += 1,
        }
    }
    let written_keys: Vec<&PrimaryKey> = keys.iter().filter(|k| !failed.contains_key(k)).collect();
    let written_missing = written_keys
        .iter()
        .filter(|k| !stored.contains(**k))
        .count();
    let strays = stored.iter().filter(|k| !requested.contains(k)).count();
    println!(
        "[{backend:?}] batch of {N} in {batch_time:?}: written {}, failed {} (NotApplied {}: \
         {misreported} present = misreported; Unknown {}: {unknown_present} present, \
         {unknown_absent} absent); {} written but missing; stored {}; {} requests; faults \
         {stats:?}; test time {:?}",
        out.written(),
        out.failed().len(),
        not_applied + misreported,
        unknown_present + unknown_absent,
        written_missing,
        stored.len(),
        out.requests(),
        test_started.elapsed(),
    );

    assert_eq!(
        out.written() + out.failed().len(),
        N as usize,
        "every write accounted for"
    );
    assert!(
        stats.dropped > 0 && !out.failed().is_empty(),
        "faults were injected and some writes failed: {stats:?}"
    );
    assert!(
        not_applied + misreported > 0,
        "some failures are reported NotApplied, so the check below is not vacuous"
    );
    assert_eq!(
        (
            misreported,
            written_missing,
            listed_twice,
            wrong_entry,
            not_requested,
            strays
        ),
        (0, 0, 0, 0, 0, 0),
        "(NotApplied but present, counted written but missing, failed entries listed twice, \
         failed entries of the wrong entity or kind, failed entries never requested, stored \
         items never requested)"
    );
    assert_eq!(
        stored.len(),
        out.written() + unknown_present,
        "the table holds the written items and the Unknown ones that were applied"
    );
}
