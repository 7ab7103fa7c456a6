//! Heap allocations per entity: encode (entity → item with keys) and decode (item → registry
//! enum), against `serde_dynamo` on the same struct; and per request (get, put, update, query
//! page) against the hand-written raw-SDK request, both answered by canned responses. Counted
//! with dhat.
//!
//!     cargo run --release --example allocations

#[path = "../benches/workloads/overhead.rs"]
mod overhead;

use std::hint::black_box;

use dynamorm::{Item, Registry};
use dynamorm_entities::sample::assigned_task;
use dynamorm_entities::{Task, TrackerItem};
use overhead::Overhead;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn blocks(f: impl FnOnce()) -> u64 {
    let before = dhat::HeapStats::get().total_blocks;
    f();
    dhat::HeapStats::get().total_blocks - before
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let mut task = assigned_task("acme-corporation", "apollo-launch", 4_711, "ann.lee", 3);
    task.tags = vec!["launch".into(), "docs".into(), "q3".into()];
    let item = dynamorm::to_item(&task).expect("encodes");
    let encode_base = blocks(|| drop(serde_dynamo::to_item::<_, Item>(&task)));
    let encode_ours = blocks(|| drop(dynamorm::to_item(&task)));
    let decode_base = blocks(|| drop(serde_dynamo::from_item::<_, Task>(item.clone())));
    let decode_ours = blocks(|| drop(TrackerItem::from_item(item.clone())));
    let clone = blocks(|| drop(item.clone()));
    println!(
        "allocations per entity ({} attributes with keys)",
        item.len()
    );
    println!("encode: serde_dynamo {encode_base}, dynamorm {encode_ours}");
    println!(
        "decode: serde_dynamo {}, dynamorm {} (each excluding the {clone} of cloning the input)",
        decode_base - clone,
        decode_ours - clone
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let w = Overhead::new();
    println!("allocations per request (canned responses, after one warm-up request each)");
    macro_rules! op {
        ($name:literal, $baseline:ident, $dynamorm:ident) => {{
            runtime.block_on(async {
                black_box(w.$baseline().await);
                black_box(w.$dynamorm().await);
            });
            let base = blocks(|| {
                runtime.block_on(async {
                    black_box(w.$baseline().await);
                })
            });
            let ours = blocks(|| {
                runtime.block_on(async {
                    black_box(w.$dynamorm().await);
                })
            });
            println!("{}: raw SDK {base}, dynamorm {ours}", $name);
        }};
    }
    op!("get", get_baseline, get_dynamorm);
    op!("put", put_baseline, put_dynamorm);
    op!("update", update_baseline, update_dynamorm);
    op!("query page (25 items)", query_baseline, query_dynamorm);
}
