//! Write sharding under DynamoDB's per-partition limit: votes for one poll written as fast
//! as the writers can for a fixed time, into one partition (`POLL#{poll}`) and into the
//! same logical partition sharded 10 ways (`POLL#{poll}#{voter:shard(10)}`), through a
//! `FaultProxy` that throttles each partition past its write units as DynamoDB does. Every
//! batch must end fully written (retries absorb the throttling); the sustained rates and
//! their ratio are printed, then the sharded poll is read back whole and checked.
//!
//!     cargo run --release --example sharding [-- SCALE]
//!
//! SCALE multiplies DynamoDB's 1,000 write units per second per partition (default 0.25:
//! 250 per partition, so the sharded side needs 2,500 writes/s — what a 2-core machine
//! drives through the proxy and the embedded engine with room to spare).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dynamorm::batch::RetryPolicy;
use dynamorm::{Db, Entity};
use dynamorm_entities::votes::{Polls, Vote};
use dynamorm_local::{FaultConfig, FaultProxy, LocalServer, PartitionLimit};
use serde::{Deserialize, Serialize};

/// The same vote, unsharded: one physical partition per poll.
#[derive(Debug, Clone, Serialize, Deserialize, Entity)]
#[dynamo(table = Polls, name = "FlatVote", pk = "FLAT#{poll}", sk = "VOTE#{voter}")]
struct FlatVote {
    poll: String,
    voter: String,
    choice: String,
}

const SECONDS: u64 = 8;
const WRITERS: usize = 8;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scale: f64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(0.25);
    let server = LocalServer::start()?;
    let limit = PartitionLimit::dynamodb("PK").scaled(scale);
    println!(
        "per-partition limit: {} write units/s (DynamoDB's 1,000 × {scale}); {WRITERS} writers, {SECONDS} s each side",
        limit.write_units
    );
    let proxy = FaultProxy::start_limited(
        &server.endpoint(),
        FaultConfig {
            seed: 3,
            unprocessed: 0.0,
            throttle: 0.0,
            drop_connection: 0.0,
        },
        limit,
    )?;
    let db = Db::<Polls>::with_table_name(proxy.client(), "sharding")
        .with_registry::<dynamorm_entities::votes::PollsItem>();
    db.ensure_table().await?;

    let flat = run(&db, |poll, voter| {
        WriteOne::Flat(FlatVote {
            poll,
            voter,
            choice: "yes".into(),
        })
    })
    .await?;
    let throttled_flat = proxy.stats().partition_throttled;
    let sharded = run(&db, |poll, voter| {
        WriteOne::Sharded(Vote {
            poll,
            voter,
            choice: "yes".into(),
        })
    })
    .await?;
    let throttled_sharded = proxy.stats().partition_throttled - throttled_flat;
    println!(
        "one partition:  {:>6} votes in {:.1} s = {:>6.0}/s ({throttled_flat} items throttled and retried, 0 lost)",
        flat.0,
        flat.1.as_secs_f64(),
        flat.0 as f64 / flat.1.as_secs_f64()
    );
    println!(
        "10 shards:      {:>6} votes in {:.1} s = {:>6.0}/s ({throttled_sharded} items throttled and retried, 0 lost)",
        sharded.0,
        sharded.1.as_secs_f64(),
        sharded.0 as f64 / sharded.1.as_secs_f64()
    );
    let ratio =
        (sharded.0 as f64 / sharded.1.as_secs_f64()) / (flat.0 as f64 / flat.1.as_secs_f64());
    println!("sharded / unsharded sustained rate: {ratio:.1}× (target ≥ 8×)");

    // The merged read returns exactly what was acknowledged, in order.
    let direct = Db::<Polls>::with_table_name(server.client(), "sharding")
        .with_registry::<dynamorm_entities::votes::PollsItem>();
    let read = direct.query(Vote::attrs().poll.is("hot")).count().await?;
    let mut previous: Option<String> = None;
    let mut in_order = true;
    let mut streamed = 0;
    let mut votes = direct.query(Vote::attrs().poll.is("hot")).stream();
    while let Some(vote) = futures::TryStreamExt::try_next(&mut votes).await? {
        // Voters are zero-padded numbers, so sort-key order is their order.
        in_order &= previous.as_ref().is_none_or(|p| *p < vote.voter);
        previous = Some(vote.voter);
        streamed += 1;
    }
    println!(
        "read back: count {read}, streamed {streamed} in order: {in_order} (written {})",
        sharded.0
    );
    if read != sharded.0 || streamed != sharded.0 || !in_order {
        return Err("the sharded poll did not read back exactly".into());
    }
    Ok(())
}

enum WriteOne {
    Flat(FlatVote),
    Sharded(Vote),
}

/// Writes batches of 25 votes for poll `hot` from `WRITERS` tasks for `SECONDS`; returns the
/// votes acknowledged and the time taken. Any vote not written ends the run with an error.
async fn run(
    db: &Db<Polls>,
    make: fn(String, String) -> WriteOne,
) -> Result<(usize, Duration), Box<dyn std::error::Error>> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(SECONDS);
    let writers = (0..WRITERS).map(|_| {
        let db = db.clone();
        let next = Arc::clone(&next);
        tokio::spawn(async move {
            let mut written = 0usize;
            while Instant::now() < deadline {
                let first = next.fetch_add(25, Ordering::Relaxed);
                let mut batch = db
                    .batch_write()
                    .retry(RetryPolicy::default().max_attempts(50));
                for n in first..first + 25 {
                    batch = match make("hot".into(), format!("{n:08}")) {
                        WriteOne::Flat(v) => batch.put(&v),
                        WriteOne::Sharded(v) => batch.put(&v),
                    };
                }
                written += batch.send().await?.into_result()?.written();
            }
            Ok::<usize, dynamorm::Error>(written)
        })
    });
    let mut total = 0;
    for writer in futures::future::join_all(writers).await {
        total += writer??;
    }
    Ok((total, started.elapsed()))
}
