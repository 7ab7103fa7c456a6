//! End-to-end ratios against the embedded engine, measured in one run: batch writes, a
//! large partition read, and the engine's start-up. Compare with the criterion benches
//! (`scripts/bench.sh`) for client-side CPU per request.
//!
//!     cargo run --release --example io_ratios [ITEMS]
//!
//! - batch write: dynamorm's `batch_write` vs a sequential raw-SDK `PutItem` loop, and vs a
//!   hand-written raw-SDK `BatchWriteItem` loop over pre-built 25-item chunks at the same
//!   concurrency (the "ideal": ⌈N/25⌉ requests, no validation, no retry bookkeeping);
//! - partition read: a 20 000-item partition through dynamorm's `stream()` vs the raw SDK's
//!   query paginator + `from_item`;
//! - both again with modyne 0.3 (the peer; `benches/workloads/modyne_model.rs`): its
//!   `BatchWrite` of `put()`s in 25-item chunks at the same concurrency, and its query
//!   aggregate paged by hand with `exclusive_start_key` (modyne has no paginator);
//! - embedded engine start-up.
//!
//! dynamorm, its baseline and modyne are timed in rounds, the first side of a round
//! rotating, and each ratio is the median of the per-round ratios: the machine's speed
//! drifts.

#[path = "../benches/workloads/modyne_model.rs"]
mod modyne_model;

use std::error::Error;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use dynamorm::Db;
use dynamorm_entities::sample::{comment, project, task};
use dynamorm_entities::{Comment, Project, Task, Tracker};
use futures::future::LocalBoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use modyne::model::{BatchWrite, Query};
use modyne::{Aggregate, EntityExt, QueryInput, QueryInputExt};
use modyne_model::{PeerComment, PeerProject, PeerTable, PeerTask, TenantTasks, same_item};

type Result<T, E = Box<dyn Error>> = std::result::Result<T, E>;

fn items(n: usize, tenant: &str) -> (Vec<Task>, Vec<Project>, Vec<Comment>) {
    let mut tasks = Vec::new();
    let mut projects = Vec::new();
    let mut comments = Vec::new();
    for i in 0..n {
        let id = u32::try_from(i).unwrap_or(u32::MAX);
        match i % 3 {
            0 => tasks.push(task(tenant, "p", id)),
            1 => projects.push(project(tenant, &format!("p{i}"), "ann")),
            _ => comments.push(comment(tenant, "p", 1, &format!("c{i}"), "ann", 0)),
        }
    }
    (tasks, projects, comments)
}

async fn fresh(client: &aws_sdk_dynamodb::Client, name: &str) -> Db<Tracker> {
    let db = Db::<Tracker>::with_table_name(client.clone(), name)
        .with_registry::<dynamorm_entities::TrackerItem>();
    db.create_table().await.expect("table");
    db
}

fn row(name: &str, ours: Duration, baseline: Duration, ratio: f64, target: &str) {
    println!(
        "{name:<50} {:>10.1} ms {:>10.1} ms {:>8.2} {target:>10}",
        ours.as_secs_f64() * 1e3,
        baseline.as_secs_f64() * 1e3,
        ratio
    );
}

#[tokio::main]
async fn main() -> Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    // Engine start-up: the median of five starts (the first also loads the code).
    let mut starts = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let server = dynamorm_local::LocalServer::start()?;
        starts.push(started.elapsed());
        drop(server);
    }
    starts.sort();
    let start_up = starts[starts.len() / 2];
    let server = dynamorm_local::LocalServer::start()?;
    let client = &server.client();
    println!(
        "{:<50} {:>13} {:>13} {:>8} {:>10}",
        "measurement", "dynamorm", "baseline", "ratio", "target"
    );

    // Batch write: dynamorm, the ideal and modyne in nine rotating rounds (fresh tables), then
    // the sequential loop once (it is far from its target, and slow).
    let (tasks, projects, comments) = items(n, "acme");
    let (tasks, projects, comments) = (&tasks, &projects, &comments);
    same_item::<Task, PeerTask>(&tasks[0]);
    same_item::<Project, PeerProject>(&projects[0]);
    same_item::<Comment, PeerComment>(&comments[0]);
    let raw_items: &Vec<dynamorm::Item> = &tasks
        .iter()
        .map(dynamorm::to_item)
        .chain(projects.iter().map(dynamorm::to_item))
        .chain(comments.iter().map(dynamorm::to_item))
        .collect::<Result<_, _>>()?;
    let batch = interleaved(
        9,
        &mut [
            Box::new(|round| {
                async move {
                    let db = fresh(client, &format!("batch-dynamorm-{round}")).await;
                    Ok(batch_dynamorm(&db, tasks, projects, comments).await?)
                }
                .boxed_local()
            }),
            Box::new(|round| {
                async move {
                    let db = fresh(client, &format!("batch-ideal-{round}")).await;
                    batch_ideal(client, &db, raw_items).await
                }
                .boxed_local()
            }),
            Box::new(|round| {
                async move {
                    let db = fresh(client, &format!("batch-modyne-{round}")).await;
                    batch_modyne(&peer_table(&db), tasks, projects, comments).await
                }
                .boxed_local()
            }),
        ],
    )
    .await?;
    let db = fresh(client, "batch-read").await;

    // Sequential raw PutItem loop.
    let seq = fresh(client, "batch-sequential").await;
    let t = Instant::now();
    for item in raw_items {
        client
            .put_item()
            .table_name(seq.table_name())
            .set_item(Some(item.clone()))
            .send()
            .await?;
    }
    let sequential = t.elapsed();
    let ours = batch.times[0];
    row(
        &format!("batch write {n} items vs sequential puts"),
        ours,
        sequential,
        ours.as_secs_f64() / sequential.as_secs_f64(),
        "≤ 0.20",
    );
    row(
        &format!("batch write {n} items vs ideal batches"),
        ours,
        batch.times[1],
        batch.ratios[0],
        "≤ 1.20",
    );
    row(
        &format!("batch write {n} items vs modyne"),
        ours,
        batch.times[2],
        batch.ratios[1],
        "≤ 1.00",
    );

    // Partition read: a 20 000-task partition streamed by dynamorm, the raw paginator and
    // modyne in rotating rounds.
    let read_n = 20_000;
    let big: Vec<Task> = (0..read_n).map(|i| task("big", "p", i)).collect();
    db.batch_write()
        .put_all(&big)
        .concurrency(4)
        .send()
        .await?
        .into_result()?;
    // modyne's aggregate asks for its entity's fields only (a `ProjectionExpression`, so
    // the key attributes are not sent back); the last side is modyne sending dynamorm's
    // request, without it.
    let db = &db;
    let read = interleaved(
        8,
        &mut [
            Box::new(|_| async move { Ok(stream_dynamorm(db, read_n).await?) }.boxed_local()),
            Box::new(|_| stream_raw(client, db, read_n).boxed_local()),
            Box::new(|_| stream_modyne(peer_table(db), read_n, true).boxed_local()),
            Box::new(|_| stream_modyne(peer_table(db), read_n, false).boxed_local()),
        ],
    )
    .await?;
    let per_second = |t: Duration| f64::from(read_n) / t.as_secs_f64();
    for (vs, i, target) in [
        ("", 1, "≤ 1.10"),
        (" vs modyne", 2, "≤ 1.00"),
        (" vs modyne, no projection", 3, ""),
    ] {
        println!(
            "{:<50} {:>10.0} /s {:>10.0} /s {:>8.2} {:>10}",
            format!("stream {read_n}-item partition{vs}, items/s"),
            per_second(read.times[0]),
            per_second(read.times[i]),
            read.ratios[i - 1],
            target,
        );
    }
    println!(
        "{:<50} {:>10.2} ms {:>13} {:>8} {:>10}",
        "embedded engine start-up",
        start_up.as_secs_f64() * 1e3,
        "",
        "",
        "≤ 5 ms"
    );
    Ok(())
}

/// One side of a comparison: given the round, runs once and returns the time it measured.
type Timed<'a> = Box<dyn FnMut(usize) -> LocalBoxFuture<'a, Result<Duration>> + 'a>;

/// Median times of each side, and dynamorm (side 0) / each other side.
struct Interleaved {
    times: Vec<Duration>,
    /// The median of the per-round ratios, for sides 1, 2, …
    ratios: Vec<f64>,
}

/// Runs the sides in `rounds` rounds, the first side of a round rotating.
async fn interleaved(rounds: usize, sides: &mut [Timed<'_>]) -> Result<Interleaved> {
    let k = sides.len();
    let mut times = vec![Vec::with_capacity(rounds); k];
    for round in 0..rounds {
        for i in (0..k).map(|i| (i + round) % k) {
            times[i].push(sides[i](round).await?);
        }
    }
    let ratios = (1..k)
        .map(|other| {
            let mut r: Vec<f64> = times[0]
                .iter()
                .zip(&times[other])
                .map(|(ours, theirs)| ours.as_secs_f64() / theirs.as_secs_f64())
                .collect();
            median_ratio(&mut r)
        })
        .collect();
    Ok(Interleaved {
        times: times.iter_mut().map(|t| median(t)).collect(),
        ratios,
    })
}

/// modyne's view of `db`'s table.
fn peer_table(db: &Db<Tracker>) -> PeerTable {
    PeerTable {
        client: db.client().clone(),
        name: db.table_name().to_owned(),
    }
}

/// Writes the three entity lists with modyne: `put()`s gathered into 25-item `BatchWrite`s
/// (its limit; it neither splits nor retries), four in flight; the time taken. Turning
/// dynamorm's entities into modyne's (the conversion `put()`'s by-value `self` needs) is
/// not timed.
async fn batch_modyne(
    table: &PeerTable,
    tasks: &[Task],
    projects: &[Project],
    comments: &[Comment],
) -> Result<Duration> {
    let tasks: Vec<PeerTask> = tasks.iter().map(Into::into).collect();
    let projects: Vec<PeerProject> = projects.iter().map(Into::into).collect();
    let comments: Vec<PeerComment> = comments.iter().map(Into::into).collect();
    let t = Instant::now();
    let puts = tasks
        .into_iter()
        .map(EntityExt::put)
        .chain(projects.into_iter().map(EntityExt::put))
        .chain(comments.into_iter().map(EntityExt::put));
    let (mut batches, mut batch, mut len) = (Vec::new(), BatchWrite::new(), 0);
    for put in puts {
        batch = batch.operation(put);
        len += 1;
        if len == 25 {
            batches.push(std::mem::take(&mut batch));
            len = 0;
        }
    }
    if len > 0 {
        batches.push(batch);
    }
    let outputs: Vec<_> = futures::stream::iter(batches)
        .map(|batch| batch.execute(table))
        .buffer_unordered(4)
        .try_collect()
        .await?;
    // A caller would have to resend unprocessed items; the embedded engine leaves none.
    assert!(
        outputs
            .iter()
            .all(|o| o.unprocessed_items().is_none_or(|u| u.is_empty())),
        "unprocessed items"
    );
    Ok(t.elapsed())
}

/// Streams tenant `big`'s tasks with modyne: its query aggregate, one page at a time (the
/// page size dynamorm uses), continuing from `LastEvaluatedKey`; the time taken. Without
/// `projection`, the query is built from the same input but without the projection
/// expression modyne's `query()` adds, so the request is dynamorm's.
async fn stream_modyne(table: PeerTable, expected: u32, projection: bool) -> Result<Duration> {
    let t = Instant::now();
    let input = TenantTasks {
        tenant: "big",
        prefix: "PROJECT#",
    };
    let (mut count, mut start) = (0usize, None);
    loop {
        let query = if projection {
            input.query()
        } else {
            let filter = input.filter_expression().expect("a filter");
            Query::new(input.key_condition()).filter(filter)
        };
        let out = query
            .limit(1000)
            .set_exclusive_start_key(start)
            .execute(&table)
            .await?;
        let mut page: Vec<PeerTask> = Vec::new();
        page.reduce(out.items.unwrap_or_default())?;
        count += page.len();
        start = out.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    assert_eq!(count, expected as usize);
    Ok(t.elapsed())
}

/// Streams tenant `big`'s tasks with dynamorm; the time taken.
async fn stream_dynamorm(db: &Db<Tracker>, expected: u32) -> Result<Duration, dynamorm::Error> {
    let a = Task::attrs();
    let t = Instant::now();
    let count = db
        .query(a.tenant_id.is("big"))
        .page_size(1000)
        .stream()
        .try_fold(0u32, |n, _| async move { Ok(n + 1) })
        .await?;
    assert_eq!(count, expected);
    Ok(t.elapsed())
}

/// The same read by hand: the SDK's paginator and `serde_dynamo::from_item`.
async fn stream_raw(
    client: &aws_sdk_dynamodb::Client,
    db: &Db<Tracker>,
    expected: u32,
) -> Result<Duration, Box<dyn Error>> {
    let t = Instant::now();
    let mut count = 0u32;
    let mut pages = client
        .query()
        .table_name(db.table_name())
        .key_condition_expression("#pk = :pk AND begins_with(#sk, :sk)")
        .filter_expression("#t = :t")
        .expression_attribute_names("#pk", "PK")
        .expression_attribute_names("#sk", "SK")
        .expression_attribute_names("#t", "_type")
        .expression_attribute_values(":pk", AttributeValue::S("TENANT#big".into()))
        .expression_attribute_values(":sk", AttributeValue::S("PROJECT#".into()))
        .expression_attribute_values(":t", AttributeValue::S("Task".into()))
        .limit(1000)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for item in page?.items.unwrap_or_default() {
            let _task: Task = serde_dynamo::from_item(item)?;
            count += 1;
        }
    }
    assert_eq!(count, expected);
    Ok(t.elapsed())
}

/// Writes the three entity lists with one dynamorm batch writer; the time taken.
async fn batch_dynamorm(
    db: &Db<Tracker>,
    tasks: &[Task],
    projects: &[Project],
    comments: &[Comment],
) -> Result<Duration, dynamorm::Error> {
    let t = Instant::now();
    db.batch_write()
        .put_all(tasks)
        .put_all(projects)
        .put_all(comments)
        .concurrency(4)
        .send()
        .await?
        .into_result()?;
    Ok(t.elapsed())
}

/// The ideal: pre-built 25-item `BatchWriteItem` requests at the same concurrency, no
/// validation, no retry bookkeeping (building them is not timed).
async fn batch_ideal(
    client: &aws_sdk_dynamodb::Client,
    db: &Db<Tracker>,
    items: &[dynamorm::Item],
) -> Result<Duration, Box<dyn Error>> {
    let chunks: Vec<Vec<WriteRequest>> = items
        .chunks(25)
        .map(|c| {
            c.iter()
                .map(|i| {
                    WriteRequest::builder()
                        .put_request(
                            PutRequest::builder()
                                .set_item(Some(i.clone()))
                                .build()
                                .expect("put"),
                        )
                        .build()
                })
                .collect()
        })
        .collect();
    let t = Instant::now();
    futures::stream::iter(chunks)
        .map(|chunk| {
            let client = client.clone();
            let table = db.table_name().to_owned();
            async move {
                client
                    .batch_write_item()
                    .request_items(table, chunk)
                    .send()
                    .await
            }
        })
        .buffer_unordered(4)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(t.elapsed())
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    let mid = times.len() / 2;
    if times.len().is_multiple_of(2) {
        (times[mid - 1] + times[mid]) / 2
    } else {
        times[mid]
    }
}

/// The median of dynamorm/baseline time ratios (the ratio column: lower is faster).
fn median_ratio(ratios: &mut [f64]) -> f64 {
    ratios.sort_by(f64::total_cmp);
    let mid = ratios.len() / 2;
    if ratios.len().is_multiple_of(2) {
        (ratios[mid - 1] + ratios[mid]) / 2.0
    } else {
        ratios[mid]
    }
}
