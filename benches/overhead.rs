//! Client-side cost per operation (criterion), without a network: request building,
//! signing, serialization, response parsing and decoding — dynamorm against the
//! hand-written raw-SDK equivalent sending the same request (see `workloads/overhead.rs`).
//!
//! Absolute times with criterion's statistics; `cargo bench --bench ratios` (run by
//! `bash scripts/bench.sh`) measures the ratios, baseline and dynamorm interleaved.

#[path = "workloads/overhead.rs"]
mod workloads;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use workloads::Overhead;

fn overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let w = Overhead::new();
    macro_rules! group {
        ($name:literal, $baseline:ident, $dynamorm:ident) => {{
            let mut group = c.benchmark_group($name);
            group.bench_function("baseline", |b| {
                b.to_async(&runtime)
                    .iter(|| async { black_box(w.$baseline().await) })
            });
            group.bench_function("dynamorm", |b| {
                b.to_async(&runtime)
                    .iter(|| async { black_box(w.$dynamorm().await) })
            });
            group.finish();
        }};
    }
    group!("get", get_baseline, get_dynamorm);
    group!("put", put_baseline, put_dynamorm);
    group!("update", update_baseline, update_dynamorm);
    group!("query_page", query_baseline, query_dynamorm);
}

criterion_group!(benches, overhead);
criterion_main!(benches);
