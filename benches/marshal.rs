//! Marshalling cost (criterion): entity → item (with rendered keys, index keys and
//! discriminator) and item → entity through the registry, against plain `serde_dynamo` on
//! the same struct; key render and parse alone.
//!
//! Absolute times with criterion's statistics; `cargo bench --bench ratios` (run by
//! `bash scripts/bench.sh`) measures the ratios, baseline and dynamorm interleaved.

#[path = "workloads/marshal.rs"]
mod workloads;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use dynamorm::EntityKey;
use dynamorm_entities::TaskKey;
use workloads::Marshal;

fn marshal(c: &mut Criterion) {
    let m = Marshal::new();
    let mut encode = c.benchmark_group("encode");
    encode.bench_function("baseline", |b| b.iter(|| m.encode_baseline()));
    encode.bench_function("dynamorm", |b| b.iter(|| m.encode_dynamorm()));
    encode.finish();

    let mut decode = c.benchmark_group("decode");
    decode.bench_function("baseline", |b| {
        b.iter_batched(
            || m.item.clone(),
            Marshal::decode_baseline,
            BatchSize::SmallInput,
        )
    });
    decode.bench_function("dynamorm", |b| {
        b.iter_batched(
            || m.item.clone(),
            Marshal::decode_dynamorm,
            BatchSize::SmallInput,
        )
    });
    decode.finish();

    let key = m.task.key();
    let rendered = key.render().expect("renders");
    let mut keys = c.benchmark_group("keys");
    keys.bench_function("render", |b| b.iter(|| black_box(&key).render()));
    keys.bench_function("parse", |b| {
        b.iter(|| {
            TaskKey::parse(
                black_box(&rendered.partition_key),
                black_box(rendered.sort_key.as_deref()),
            )
        })
    });
    keys.finish();
}

criterion_group!(benches, marshal);
criterion_main!(benches);
