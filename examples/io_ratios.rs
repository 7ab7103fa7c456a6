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
//!   query paginator + `from_item`.
//!
//! Each dynamorm/baseline pair is timed in alternating rounds, each side going first in half
//! of them, and the ratio is the median of the per-round ratios: the machine's speed drifts.
//! - embedded engine start-up.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use dynamorm::Db;
use dynamorm_entities::sample::{comment, project, task};
use dynamorm_entities::{Comment, Project, Task, Tracker};
use futures::{StreamExt, TryStreamExt};

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
    let db = Db::<Tracker>::with_table_name(client.clone(), name);
    db.create_table().await.expect("table");
    db
}

fn row(name: &str, ours: Duration, baseline: Duration, target: &str) {
    println!(
        "{name:<40} {:>10.1} ms {:>10.1} ms {:>8.2} {target:>10}",
        ours.as_secs_f64() * 1e3,
        baseline.as_secs_f64() * 1e3,
        ours.as_secs_f64() / baseline.as_secs_f64()
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
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
    let client = server.client();
    println!(
        "{:<40} {:>13} {:>13} {:>8} {:>10}",
        "measurement", "dynamorm", "baseline", "ratio", "target"
    );

    // Batch write: dynamorm and the ideal alternately (four rounds, fresh tables),
    // then the sequential loop once (it is far from its target, and slow).
    let (tasks, projects, comments) = items(n, "acme");
    let raw_items: Vec<dynamorm::Item> = tasks
        .iter()
        .map(dynamorm::to_item)
        .chain(projects.iter().map(dynamorm::to_item))
        .chain(comments.iter().map(dynamorm::to_item))
        .collect::<Result<_, _>>()?;
    let (mut ours_runs, mut ideal_runs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..4 {
        let ours_db = fresh(&client, &format!("batch-dynamorm-{round}")).await;
        let ideal_db = fresh(&client, &format!("batch-ideal-{round}")).await;
        let (ours, ideal) = if round % 2 == 0 {
            let ours = batch_dynamorm(&ours_db, &tasks, &projects, &comments).await?;
            (ours, batch_ideal(&client, &ideal_db, &raw_items).await?)
        } else {
            let ideal = batch_ideal(&client, &ideal_db, &raw_items).await?;
            (
                batch_dynamorm(&ours_db, &tasks, &projects, &comments).await?,
                ideal,
            )
        };
        ours_runs.push(ours);
        ideal_runs.push(ideal);
        ratios.push(ours.as_secs_f64() / ideal.as_secs_f64());
    }
    let ours = median(&mut ours_runs);
    let ideal = median(&mut ideal_runs);
    let ideal_ratio = median_ratio(&mut ratios);
    let db = fresh(&client, "batch-read").await;

    // Sequential raw PutItem loop.
    let seq = fresh(&client, "batch-sequential").await;
    let t = Instant::now();
    for item in &raw_items {
        client
            .put_item()
            .table_name(seq.table_name())
            .set_item(Some(item.clone()))
            .send()
            .await?;
    }
    let sequential = t.elapsed();
    row(
        &format!("batch write {n} items vs sequential puts"),
        ours,
        sequential,
        "≤ 0.20",
    );
    println!(
        "{:<40} {:>10.1} ms {:>10.1} ms {:>8.2} {:>10}",
        format!("batch write {n} items vs ideal batches"),
        ours.as_secs_f64() * 1e3,
        ideal.as_secs_f64() * 1e3,
        ideal_ratio,
        "≤ 1.20"
    );

    // Partition read: a 20 000-task partition streamed, dynamorm and the raw paginator
    // alternately (six rounds); the median ratio.
    let read_n = 20_000;
    let big: Vec<Task> = (0..read_n).map(|i| task("big", "p", i)).collect();
    db.batch_write()
        .put_all(&big)
        .concurrency(4)
        .send()
        .await?
        .into_result()?;
    let (mut ratios, mut ours_runs, mut base_runs) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..6 {
        let (ours, baseline) = if round % 2 == 0 {
            let ours = stream_dynamorm(&db, read_n).await?;
            (ours, stream_raw(&client, &db, read_n).await?)
        } else {
            let baseline = stream_raw(&client, &db, read_n).await?;
            (stream_dynamorm(&db, read_n).await?, baseline)
        };
        ours_runs.push(ours);
        base_runs.push(baseline);
        ratios.push(ours.as_secs_f64() / baseline.as_secs_f64());
    }
    println!(
        "{:<40} {:>10.0} /s {:>10.0} /s {:>8.2} {:>10}",
        format!("stream {read_n}-item partition, items/s"),
        f64::from(read_n) / median(&mut ours_runs).as_secs_f64(),
        f64::from(read_n) / median(&mut base_runs).as_secs_f64(),
        median_ratio(&mut ratios),
        "≤ 1.10",
    );
    println!(
        "{:<40} {:>10.2} ms {:>13} {:>8} {:>10}",
        "embedded engine start-up",
        start_up.as_secs_f64() * 1e3,
        "",
        "",
        "≤ 5 ms"
    );
    Ok(())
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
) -> Result<Duration, Box<dyn std::error::Error>> {
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
) -> Result<Duration, Box<dyn std::error::Error>> {
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
