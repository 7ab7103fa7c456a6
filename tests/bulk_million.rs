//! A million entities of the sample domain written as import files and read back as an
//! export, item for item, in constant memory: the writer's and the reader's resident set
//! may grow by less than 50 MB (measured from `/proc/self/status` in this process of its
//! own). `DYNAMORM_BULK_ITEMS` sets another count.

use dynamorm::bulk::{Export, ImportWriter, Location, MAX_IMPORT_FILES};
use dynamorm_entities::Tracker;
use dynamorm_entities::bulk::entity;
use futures::StreamExt as _;

/// Resident memory now, in bytes (Linux).
fn resident() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kb * 1024
}

const LIMIT: u64 = 50 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_entities_round_trip_in_constant_memory() {
    let n: u64 = std::env::var("DYNAMORM_BULK_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("dynamorm-million-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let location = Location::local(&dir, "tracker").expect("location");

    let started = std::time::Instant::now();
    let base = resident();
    let mut peak = base;
    let mut writer = ImportWriter::<Tracker>::new(location.clone()).file_size(16 * 1024 * 1024);
    for k in 0..n {
        writer.write_any(&entity(k)).await.expect("written");
        if k % 10_000 == 0 {
            peak = peak.max(resident());
        }
    }
    let files = writer.finish().await.expect("finished");
    peak = peak.max(resident());
    let written = started.elapsed();
    let users = n / dynamorm_entities::bulk::PER_TENANT * 3;
    assert_eq!(
        files.items(),
        n + users,
        "every entity and each user's sentinel"
    );
    assert!(files.files() <= MAX_IMPORT_FILES);
    let bytes: u64 = std::fs::read_dir(dir.join("tracker/data"))
        .expect("data")
        .map(|e| e.expect("entry").metadata().expect("metadata").len())
        .sum();
    eprintln!(
        "wrote {n} entities ({} items) in {} files, {} MB compressed, in {:.1?}; resident +{} MB",
        files.items(),
        files.files(),
        bytes / 1_000_000,
        written,
        (peak - base) / 1_000_000
    );
    assert!(
        peak - base < LIMIT,
        "the writer grew by {} bytes",
        peak - base
    );

    let started = std::time::Instant::now();
    let base = resident();
    let mut peak = base;
    let export = Export::open(location).await.expect("opens");
    let mut items = export.items::<dynamorm_entities::TrackerItem>();
    let mut k = 0;
    while let Some(item) = items.next().await {
        assert_eq!(item.expect("decodes"), entity(k), "entity {k}");
        k += 1;
        if k % 10_000 == 0 {
            peak = peak.max(resident());
        }
    }
    assert_eq!(k, n, "every entity, once");
    eprintln!(
        "read them back in {:.1?}; resident +{} MB",
        started.elapsed(),
        (peak - base) / 1_000_000
    );
    assert!(
        peak - base < LIMIT,
        "the reader grew by {} bytes",
        peak - base
    );
    let _ = std::fs::remove_dir_all(&dir);
}
