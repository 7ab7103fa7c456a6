//! Request coalescing, end to end: 1,000 concurrent `get`s of distinct keys through a
//! `Loader` vs 1,000 concurrent raw-SDK `GetItem`s, both with at most 8 requests in flight
//! (the same connection limit). Alternating rounds, each side first in half of them; the
//! medians and the median per-round ratio. Runs on the embedded engine, or on the server
//! at `AWS_ENDPOINT_URL` (e.g. DynamoDB Local).
//!
//!     cargo run --release --example coalescing

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::{Db, EntityKey};
use dynamorm_entities::{Task, TaskKey, Tracker, sample};
use futures::StreamExt;

const GETS: u32 = 1_000;
const IN_FLIGHT: usize = 8;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _target) = dynamorm_local::connect().await?;
    let counter = Counter::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        client
            .config()
            .to_builder()
            .interceptor(counter.clone())
            .build(),
    );
    let db = Db::<Tracker>::with_table_name(client.clone(), "coalescing")
        .with_registry::<dynamorm_entities::TrackerItem>();
    db.ensure_table().await?;
    let tasks: Vec<Task> = (0..GETS).map(|i| sample::task("acme", "p1", i)).collect();
    db.batch_write()
        .put_all(&tasks)
        .send()
        .await?
        .into_result()?;
    let keys: Vec<TaskKey> = tasks.iter().map(dynamorm::Entity::key).collect();

    let (mut ours, mut raw, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut requests = 0;
    for round in 0..8 {
        let (o, r) = if round % 2 == 0 {
            let o = loader(&db, &keys, &counter, &mut requests).await?;
            (o, raw_gets(&client, db.table_name(), &keys).await?)
        } else {
            let r = raw_gets(&client, db.table_name(), &keys).await?;
            (loader(&db, &keys, &counter, &mut requests).await?, r)
        };
        ours.push(o);
        raw.push(r);
        ratios.push(r.as_secs_f64() / o.as_secs_f64());
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    ratios.sort_by(f64::total_cmp);
    let (o, r) = (median(&mut ours), median(&mut raw));
    println!(
        "server: {}",
        std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "embedded engine".into())
    );
    println!(
        "{GETS} gets, ≤ {IN_FLIGHT} in flight: loader {:.1} ms in {} BatchGetItem requests/run, raw GetItem {:.1} ms in {GETS}; throughput ratio {:.2} (median of rounds), requests {:.0}× fewer",
        o.as_secs_f64() * 1e3,
        requests / 8,
        r.as_secs_f64() * 1e3,
        ratios[ratios.len() / 2],
        f64::from(GETS) / (requests as f64 / 8.0)
    );
    Ok(())
}

/// All gets at once through one loader; the time, and the requests it sent added to `sent`.
async fn loader(
    db: &Db<Tracker>,
    keys: &[TaskKey],
    counter: &Counter,
    sent: &mut usize,
) -> Result<Duration, dynamorm::Error> {
    let loader = db.loader();
    let before = counter.batches();
    let started = Instant::now();
    let found = futures::future::join_all(keys.iter().cloned().map(|k| loader.get(k))).await;
    let took = started.elapsed();
    for f in found {
        assert!(f?.is_some());
    }
    *sent += counter.batches() - before;
    Ok(took)
}

async fn raw_gets(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    keys: &[TaskKey],
) -> Result<Duration, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let results: Vec<_> = futures::stream::iter(keys.iter().map(|k| {
        let key = k.render().expect("a key");
        client
            .get_item()
            .table_name(table)
            .key("PK", AttributeValue::S(key.partition_key))
            .key("SK", AttributeValue::S(key.sort_key.unwrap_or_default()))
            .send()
    }))
    .buffer_unordered(IN_FLIGHT)
    .collect()
    .await;
    let took = started.elapsed();
    for r in results {
        assert!(r?.item.is_some());
    }
    Ok(took)
}

/// Counts the `BatchGetItem` requests a client sends.
#[derive(Debug, Clone, Default)]
struct Counter(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Counter {
    fn batches(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl aws_sdk_dynamodb::config::Intercept for Counter {
    fn name(&self) -> &'static str {
        "coalescing::Counter"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _: &aws_sdk_dynamodb::config::RuntimeComponents,
        _: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let batch = context
            .request()
            .headers()
            .get("x-amz-target")
            .is_some_and(|t| t.ends_with("BatchGetItem"));
        if batch {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }
}
