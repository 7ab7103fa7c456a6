//! `FaultProxy::start_limited`: DynamoDB's per-partition throughput, simulated. A burst at
//! one partition is throttled — single writes refused with DynamoDB's error, batch items
//! returned unprocessed — while the same burst spread over a sharded partition's shards is
//! written whole. Every outcome is counted: acknowledged + refused = sent, and the table
//! holds exactly the acknowledged items (a throttled write never reaches the server).

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::Error;
use dynamorm_entities::votes::{Polls, Vote};
use dynamorm_entities::{Tracker, sample};
use dynamorm_local::{FaultConfig, FaultProxy, PartitionLimit};
use futures::StreamExt;
use rstest::rstest;

use crate::harness::{Backend, FaultyTable, faulty_table_with, scan_raw};

const NO_FAULTS: FaultConfig = FaultConfig {
    seed: 5,
    unprocessed: 0.0,
    throttle: 0.0,
    drop_connection: 0.0,
};

/// A table, and a handle on it through a proxy limiting each partition whose client does
/// not retry (so every refusal is seen).
async fn limited<T: dynamorm::Table>(
    backend: Backend,
    test: &str,
    limit: PartitionLimit,
) -> FaultyTable<T> {
    faulty_table_with(backend, test, |endpoint| {
        FaultProxy::start_limited(endpoint, NO_FAULTS, limit).expect("proxy")
    })
    .await
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_hot_partition_is_throttled_and_nothing_refused_is_written(#[case] backend: Backend) {
    // 20 write units a second: a burst of 120 puts cannot all fit.
    let limit = PartitionLimit::dynamodb("PK").scaled(0.02);
    let table = limited::<Tracker>(backend, "partition-limit", limit).await;
    let (db, direct, proxy) = (&table.db, &table.direct, &table.proxy);
    let tasks: Vec<_> = (0..120).map(|i| sample::task("acme", "p1", i)).collect();
    let outcomes: Vec<Result<(), Error>> = futures::stream::iter(&tasks)
        .map(|t| {
            let db = db.clone();
            async move { db.put(t).send().await.map(|_| ()) }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let acknowledged = outcomes.iter().filter(|o| o.is_ok()).count();
    let throttled = outcomes
        .iter()
        .filter(|o| matches!(o, Err(e) if e.is_throttling()))
        .count();
    assert_eq!(acknowledged + throttled, tasks.len(), "no other outcome");
    assert!(
        throttled > 0 && acknowledged > 0,
        "{acknowledged} / {throttled}"
    );
    assert_eq!(proxy.stats().partition_throttled, throttled as u64);
    let stored = scan_raw(direct).await.len();
    assert_eq!(
        stored, acknowledged,
        "exactly the acknowledged puts are stored"
    );

    // Another partition has its own budget.
    db.put(&sample::task("other", "p1", 1))
        .send()
        .await
        .expect("a cold partition is served");

    // Reads: a burst of queries at the hot partition overdraws its read units.
    let reads: Vec<Result<usize, Error>> = futures::stream::iter(0..150)
        .map(|_| {
            let db = db.clone();
            async move {
                db.query(dynamorm_entities::Task::attrs().tenant_id.is("acme"))
                    .consistent_read()
                    .page()
                    .await
                    .map(|p| p.items.len())
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    assert!(
        reads
            .iter()
            .any(|r| matches!(r, Err(e) if e.is_throttling())),
        "the read units ran out"
    );
    assert!(reads.iter().all(|r| match r {
        Ok(n) => *n == acknowledged,
        Err(e) => e.is_throttling(),
    }));
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn batches_over_the_limit_come_back_unprocessed_and_are_retried_to_the_end(
    #[case] backend: Backend,
) {
    // 50 write units a second per partition.
    let limit = PartitionLimit::dynamodb("PK").scaled(0.05);
    let table = limited::<Tracker>(backend, "partition-batch", limit).await;
    let (db, direct, proxy) = (&table.db, &table.direct, &table.proxy);
    let tasks: Vec<_> = (0..150).map(|i| sample::task("acme", "p1", i)).collect();
    let output = db
        .batch_write()
        .put_all(&tasks)
        .retry(dynamorm::batch::RetryPolicy::default().max_attempts(60))
        .send()
        .await
        .expect("batch");
    assert_eq!(
        output.into_result().expect("every task written").written(),
        tasks.len()
    );
    assert!(
        proxy.stats().partition_throttled > 0,
        "the limit was reached"
    );
    assert_eq!(scan_raw(direct).await.len(), tasks.len(), "each task once");
}

/// The same budget per partition, a burst spread over a poll's 10 shards: none throttled.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_burst_spread_over_shards_fits_their_budgets(#[case] backend: Backend) {
    let limit = PartitionLimit::dynamodb("PK").scaled(0.05);
    let table = limited::<Polls>(backend, "partition-shards", limit).await;
    let (db, direct, proxy) = (&table.db, &table.direct, &table.proxy);
    // 400 votes: 40 per shard, inside each shard's 50 units; 8× one partition's budget.
    let votes: Vec<Vote> = (0..400)
        .map(|i| Vote {
            poll: "hot".into(),
            voter: format!("v{i}"),
            choice: "yes".into(),
        })
        .collect();
    let written = db
        .batch_write()
        .put_all(&votes)
        .send()
        .await
        .expect("batch")
        .into_result()
        .expect("every vote written")
        .written();
    assert_eq!(written, votes.len());
    let stored = scan_raw(direct).await;
    let voters: BTreeSet<String> = stored
        .iter()
        .filter_map(|i| match i.get("voter") {
            Some(AttributeValue::S(v)) => Some(v.clone()),
            _ => None,
        })
        .collect();
    assert_eq!((stored.len(), voters.len()), (votes.len(), votes.len()));
    let partitions: BTreeSet<String> = stored
        .iter()
        .filter_map(|i| match i.get("PK") {
            Some(AttributeValue::S(v)) => Some(v.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(partitions.len(), 10);
    let per_shard_max = partitions
        .iter()
        .map(|p| {
            stored
                .iter()
                .filter(|i| i.get("PK") == Some(&AttributeValue::S(p.clone())))
                .count()
        })
        .max()
        .unwrap_or_default();
    // The hash is stable, so the spread is too: at most 50 of these voters in one shard.
    assert!(per_shard_max <= 50, "{per_shard_max} votes in one shard");
    assert_eq!(proxy.stats().partition_throttled, 0);
}
