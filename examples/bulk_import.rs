//! A bulk import in constant memory: 1,000,000 small items generated lazily and written by
//! `db.write_stream(..)` into the embedded engine — run in a child process (this example
//! started again in server mode), so that the table's own growth is not the writer's
//! memory — sampling the writer's resident set after each chunk. Prints the time, the
//! rate, the peak RSS growth, and checks every item is accounted for and stored.
//!
//!     cargo run --release --example bulk_import [-- ITEMS]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use dynamorm::Db;
use dynamorm::batch::StreamedWrite;
use dynamorm_entities::votes::{Polls, Vote};
use futures::StreamExt;

#[path = "support/rss.rs"]
mod rss;
use rss::rss_kib;

/// Server mode: the embedded engine on a loopback port, printed on stdout, until stdin
/// closes (the writer exited).
fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let server = dynamorm_local::LocalServer::start()?;
    println!("{}", server.endpoint());
    let mut line = String::new();
    while std::io::stdin().read_line(&mut line)? > 0 {}
    drop(server);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("BULK_IMPORT_SERVE").is_some() {
        return serve();
    }
    let items: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let mut child = Command::new(std::env::current_exe()?)
        .env("BULK_IMPORT_SERVE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut endpoint = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut endpoint)?;
    let client =
        aws_sdk_dynamodb::Client::from_conf(dynamorm_local::loopback_config(endpoint.trim()));
    let db = Db::<Polls>::with_table_name(client, "polls")
        .with_registry::<dynamorm_entities::votes::PollsItem>();
    db.ensure_table().await?;

    let before = rss_kib();
    let peak = Arc::new(AtomicU64::new(before));
    let sampled = Arc::clone(&peak);
    // 1,000 polls of 1,000 votes: 1,000 × 10 shards of partitions.
    let votes = futures::stream::iter(0..items).map(|n| {
        StreamedWrite::put(&Vote {
            poll: format!("poll{:04}", n / 1_000),
            voter: format!("v{n:07}"),
            choice: if n % 3 == 0 { "yes" } else { "no" }.into(),
        })
    });
    let started = Instant::now();
    let mut last_report = Instant::now();
    let out = db
        .write_stream(votes)
        .concurrency(8)
        .on_progress(move |p| {
            sampled.fetch_max(rss_kib(), Ordering::Relaxed);
            if last_report.elapsed().as_secs() >= 10 {
                eprintln!("  {} written", p.written);
                last_report = Instant::now();
            }
        })
        .send()
        .await?;
    let elapsed = started.elapsed();
    let p = out.progress();
    let growth_mib = (peak.load(Ordering::Relaxed).saturating_sub(before)) as f64 / 1024.0;
    println!(
        "{} items in {:.1} s ({:.0}/s): written {}, failed {}, rejected {}, {} requests",
        p.taken,
        elapsed.as_secs_f64(),
        p.taken as f64 / elapsed.as_secs_f64(),
        p.written,
        p.failed,
        p.rejected,
        p.requests
    );
    println!(
        "resident set: {:.1} MiB before, peak growth {growth_mib:.1} MiB while writing (target < 50 MiB)",
        before as f64 / 1024.0
    );
    // Every item stored: count a sample of polls exactly, and the whole table by a scan.
    let mut stored = 0usize;
    let mut pages = db
        .client()
        .scan()
        .table_name("polls")
        .select(aws_sdk_dynamodb::types::Select::Count)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        stored += usize::try_from(page?.count).unwrap_or(0);
    }
    let one_poll = db.query(Vote::attrs().poll.is("poll0000")).count().await?;
    println!("stored: {stored} items (poll0000: {one_poll} votes, merged from its 10 shards)");
    drop(child.stdin.take()); // the server exits
    child.wait()?;
    if p.written != items || stored != items || growth_mib >= 50.0 {
        return Err("the import did not account for every item within the memory target".into());
    }
    Ok(())
}
