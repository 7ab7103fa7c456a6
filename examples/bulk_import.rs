//! A bulk import in constant memory: 1,000,000 small items generated lazily and written by
//! `db.write_stream(..)` into the embedded engine, its table in a SQLite file (so the
//! table's own growth is not this process's memory), sampling the resident set after each
//! chunk. Prints the time, the rate, the peak RSS growth, and checks every item is
//! accounted for and stored.
//!
//!     cargo run --release --example bulk_import [-- ITEMS]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use dynamorm::Db;
use dynamorm::batch::StreamedWrite;
use dynamorm_entities::votes::{Polls, Vote};
use futures::StreamExt;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let items: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("dynamorm-bulk-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let server = dynamorm_local::LocalServer::start_on_disk(&dir.join("polls.db"))?;
    let db = Db::<Polls>::with_table_name(server.client(), "polls");
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
    let stored = db
        .client()
        .scan()
        .table_name("polls")
        .select(aws_sdk_dynamodb::types::Select::Count)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .map(|page| page.map(|p| usize::try_from(p.count).unwrap_or(0)))
        .sum::<Result<usize, _>>()?;
    let one_poll = db.query(Vote::attrs().poll.is("poll0000")).count().await?;
    println!("stored: {stored} items (poll0000: {one_poll} votes, merged from its 10 shards)");
    std::fs::remove_dir_all(&dir)?;
    if p.written != items || stored != items || growth_mib >= 50.0 {
        return Err("the import did not account for every item within the memory target".into());
    }
    Ok(())
}
