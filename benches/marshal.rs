//! Marshalling cost: entity → item (with rendered keys, index keys and discriminator) and
//! item → entity through the registry, against plain `serde_dynamo` on the same struct.
//!
//! Run with `bash scripts/bench.sh`, which prints the ratios.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dynamorm::{EntityKey, Item, Registry};
use dynamorm_entities::sample::assigned_task;
use dynamorm_entities::{Task, TaskKey, TrackerItem};

fn sample() -> Task {
    let mut task = assigned_task("acme-corporation", "apollo-launch", 4_711, "ann.lee", 3);
    task.title = "Write the launch checklist and review it with the team".into();
    task.tags = vec!["launch".into(), "docs".into(), "q3".into()];
    task
}

fn marshal(c: &mut Criterion) {
    let task = sample();
    let mut encode = c.benchmark_group("encode");
    encode.bench_function("baseline", |b| {
        b.iter(|| serde_dynamo::to_item::<_, Item>(black_box(&task)))
    });
    encode.bench_function("dynamorm", |b| {
        b.iter(|| dynamorm::to_item(black_box(&task)))
    });
    encode.finish();

    let with_keys = dynamorm::to_item(&task).expect("encodes");
    let mut decode = c.benchmark_group("decode");
    decode.bench_function("baseline", |b| {
        b.iter(|| serde_dynamo::from_item::<_, Task>(black_box(with_keys.clone())))
    });
    decode.bench_function("dynamorm", |b| {
        b.iter(|| TrackerItem::from_item(black_box(with_keys.clone())))
    });
    decode.finish();

    let key = task.key();
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
