//! Streams a large partition and reports resident memory, to show that `stream()` reads in
//! constant memory however large the partition is.
//!
//!     cargo run --release --example stream_memory -- 2000 20000 100000
//!
//! For each size, the example writes that many tasks into one partition (by batch), then
//! streams them back page by page, sampling the process's resident set size (Linux
//! `/proc/self/status`) after each page. It prints the RSS before streaming and the peak
//! growth while streaming. On the embedded engine the table itself lives in this process, so
//! the baseline grows with the data; the growth *during* the stream is what stays flat. Set
//! `AWS_ENDPOINT_URL` to DynamoDB Local to keep the table out of the process entirely.

use dynamorm::Db;
use dynamorm_entities::sample::task;
use dynamorm_entities::{Task, Tracker};
use futures::TryStreamExt;

#[path = "support/rss.rs"]
mod rss;
use rss::rss_kib;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![2_000, 20_000]
    } else {
        sizes
    };
    let (client, target) = dynamorm_local::connect().await?;
    println!("server: {target:?}");
    println!(
        "{:>8} {:>14} {:>20} {:>8}",
        "items", "rss before MiB", "peak growth KiB", "pages"
    );
    for (run, size) in sizes.into_iter().enumerate() {
        let db =
            Db::<Tracker>::with_table_name(client.clone(), format!("tracker-stream-{run}-{size}"))
                .with_registry::<dynamorm_entities::TrackerItem>();
        db.ensure_table().await?;
        let tenant = format!("big{run}");
        let tasks: Vec<Task> = (0..size)
            .map(|i| {
                let mut t = task(&tenant, "p", i);
                t.title = format!("{:0>200}", i); // ~0.3 KB items
                t
            })
            .collect();
        db.batch_write()
            .put_all(&tasks)
            .concurrency(8)
            .send()
            .await?
            .into_result()?;
        drop(tasks);

        let a = Task::attrs();
        let before = rss_kib();
        let mut peak = before;
        let mut count = 0u64;
        let mut pages = 0u64;
        let mut stream = std::pin::pin!(
            db.query(a.tenant_id.is(tenant.as_str()))
                .page_size(500)
                .pages()
        );
        while let Some(page) = stream.try_next().await? {
            count += page.items.len() as u64;
            pages += 1;
            peak = peak.max(rss_kib());
        }
        assert_eq!(count, u64::from(size));
        println!(
            "{:>8} {:>14.1} {:>20} {:>8}",
            size,
            before as f64 / 1024.0,
            peak.saturating_sub(before),
            pages
        );
    }
    Ok(())
}
