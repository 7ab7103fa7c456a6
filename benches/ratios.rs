//! The ratio table: each workload's dynamorm / baseline time, the two measured interleaved.
//!
//! On a shared machine the speed drifts by more than the differences measured here over
//! the minutes criterion spends between two benchmark groups. So each round times a batch
//! of baseline iterations and a batch of dynamorm iterations back to back (alternating
//! which goes first), and the ratio reported is the median of the per-round ratios; drift
//! slower than a round (~10 ms) cancels out. `QUICK=1` runs fewer rounds.
//!
//! `bash scripts/bench.sh` runs this, then the end-to-end, memory and start-up ratios.

#[path = "workloads/indexes.rs"]
mod indexes;
#[path = "workloads/marshal.rs"]
mod marshal;
#[path = "workloads/overhead.rs"]
mod overhead;

use std::hint::black_box;
use std::time::{Duration, Instant};

use dynamorm::EntityKey;
use dynamorm_entities::TaskKey;
use indexes::Indexes;
use marshal::Marshal;
use overhead::Overhead;

/// Medians over the rounds.
struct Measured {
    baseline_ns: f64,
    dynamorm_ns: f64,
    ratio: f64,
    /// The 10th and 90th percentile of the per-round ratios.
    spread: (f64, f64),
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let at = ((values.len() - 1) as f64 * p).round() as usize;
    values[at]
}

/// Times `n` iterations of a side.
trait Side: FnMut(u64) -> Duration {}
impl<F: FnMut(u64) -> Duration> Side for F {}

fn paired(rounds: usize, mut baseline: impl Side, mut dynamorm: impl Side) -> Measured {
    // Calibrate: a batch of baseline iterations takes about 5 ms.
    let mut n = 1;
    while baseline(n) < Duration::from_millis(5) {
        n *= 2;
    }
    // Warm both sides (allocator, caches, lazily built SDK state).
    let warm_until = Instant::now() + Duration::from_millis(300);
    while Instant::now() < warm_until {
        baseline(n);
        dynamorm(n);
    }
    let (mut base, mut ours, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (b, d) = if round % 2 == 0 {
            let b = baseline(n);
            (b, dynamorm(n))
        } else {
            let d = dynamorm(n);
            (baseline(n), d)
        };
        let (b, d) = (
            b.as_secs_f64() * 1e9 / n as f64,
            d.as_secs_f64() * 1e9 / n as f64,
        );
        base.push(b);
        ours.push(d);
        ratios.push(d / b);
    }
    Measured {
        baseline_ns: percentile(&mut base, 0.5),
        dynamorm_ns: percentile(&mut ours, 0.5),
        ratio: percentile(&mut ratios, 0.5),
        spread: (percentile(&mut ratios, 0.1), percentile(&mut ratios, 0.9)),
    }
}

/// Times a synchronous workload.
fn sync<T>(mut f: impl FnMut() -> T) -> impl Side {
    move |n| {
        let start = Instant::now();
        for _ in 0..n {
            black_box(f());
        }
        start.elapsed()
    }
}

/// Times a workload that consumes its input; the inputs are made outside the timing.
fn consuming<I, T>(mut input: impl FnMut() -> I, mut f: impl FnMut(I) -> T) -> impl Side {
    move |n| {
        let inputs: Vec<I> = (0..n).map(|_| input()).collect();
        let start = Instant::now();
        for i in inputs {
            black_box(f(i));
        }
        start.elapsed()
    }
}

fn time(ns: f64) -> String {
    if ns >= 1000.0 {
        format!("{:.2} µs", ns / 1000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

fn row(name: &str, target: Option<f64>, m: &Measured) {
    let verdict = match target {
        Some(t) if m.ratio <= t => format!("{t:.2} | yes"),
        Some(t) => format!("{t:.2} | **no**"),
        None => "– | –".into(),
    };
    println!(
        "| {name} | {} | {} | {:.2} ({:.2}–{:.2}) | {verdict} |",
        time(m.baseline_ns),
        time(m.dynamorm_ns),
        m.ratio,
        m.spread.0,
        m.spread.1,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no options.
    let rounds = if std::env::var_os("QUICK").is_some() {
        15
    } else {
        41
    };
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "machine: {cpu}, {cores} cores, {}; {rounds} interleaved rounds",
        std::env::consts::OS
    );
    println!("ratio = dynamorm / baseline, median of the rounds (10th–90th percentile)\n");
    println!("| benchmark | baseline | dynamorm | ratio | target | met |");
    println!("|---|---|---|---|---|---|");

    let m = Marshal::new();
    row(
        "encode: entity → item (+6 key attributes, discriminator)",
        Some(1.2),
        &paired(
            rounds,
            sync(|| m.encode_baseline()),
            sync(|| m.encode_dynamorm()),
        ),
    );
    row(
        "decode: item → registry enum vs `from_item` into the type",
        Some(1.1),
        &paired(
            rounds,
            consuming(|| m.item.clone(), Marshal::decode_baseline),
            consuming(|| m.item.clone(), Marshal::decode_dynamorm),
        ),
    );
    let task = &m.task;
    let key = task.key();
    row(
        "key render (PK + SK) vs `format!` without escaping",
        None,
        &paired(
            rounds,
            sync(|| {
                (
                    format!("TENANT#{}", task.tenant_id),
                    format!("PROJECT#{}#TASK#{:010}", task.project_id, task.task_id),
                )
            }),
            sync(|| key.render().expect("renders")),
        ),
    );
    let rendered = key.render().expect("renders");
    row(
        "key parse (PK + SK) vs `split` and `parse` by hand",
        None,
        &paired(
            rounds,
            sync(|| {
                let sk: Vec<&str> = rendered
                    .sort_key
                    .as_deref()
                    .unwrap_or("")
                    .split('#')
                    .collect();
                (
                    rendered
                        .partition_key
                        .trim_start_matches("TENANT#")
                        .to_owned(),
                    sk[1].to_owned(),
                    sk[3].parse::<u32>().expect("number"),
                )
            }),
            sync(|| {
                TaskKey::parse(&rendered.partition_key, rendered.sort_key.as_deref())
                    .expect("parses")
            }),
        ),
    );

    // Baseline here is dynamorm with a template index: the row compares index kinds.
    let indexes = Indexes::new();
    let (template_bytes, multi_bytes) = indexes.bytes();
    row(
        &format!(
            "encode with a multi-attribute index vs a template index (item {multi_bytes} vs \
             {template_bytes} bytes)"
        ),
        Some(1.0),
        &paired(
            rounds,
            sync(|| indexes.encode_template()),
            sync(|| indexes.encode_multi()),
        ),
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    operations(&runtime, &Overhead::new(), rounds, ", client side");

    // The same requests end to end: the embedded engine on loopback answers them.
    let server = dynamorm_local::LocalServer::start().expect("embedded engine");
    let live = runtime.block_on(Overhead::live(server.client(), "ratios-end-to-end"));
    operations(&runtime, &live, rounds, ", end to end (embedded engine)");
}

/// The per-request rows for `w`'s client.
fn operations(runtime: &tokio::runtime::Runtime, w: &Overhead, rounds: usize, suffix: &str) {
    macro_rules! op {
        ($name:literal, $baseline:ident, $dynamorm:ident) => {{
            let side = |which: bool| {
                move |n: u64| {
                    runtime.block_on(async move {
                        let start = Instant::now();
                        for _ in 0..n {
                            if which {
                                black_box(w.$dynamorm().await);
                            } else {
                                black_box(w.$baseline().await);
                            }
                        }
                        start.elapsed()
                    })
                }
            };
            let name = format!("{}{suffix}", $name);
            row(&name, Some(1.05), &paired(rounds, side(false), side(true)));
        }};
    }
    op!("get", get_baseline, get_dynamorm);
    op!("put", put_baseline, put_dynamorm);
    op!("update", update_baseline, update_dynamorm);
    op!("query page (25 items)", query_baseline, query_dynamorm);
}
