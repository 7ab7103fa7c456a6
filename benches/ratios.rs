//! The ratio table: each workload's dynamorm / baseline time, the two measured interleaved,
//! and for the rows modyne 0.3 can do, dynamorm / modyne measured in the same rounds (the
//! peer column; `workloads/modyne_peer.rs`).
//!
//! On a shared machine the speed drifts by more than the differences measured here over
//! the minutes criterion spends between two benchmark groups. So each round times a batch
//! of baseline iterations, a batch of dynamorm iterations and one of modyne's back to back
//! (rotating which goes first), and the ratio reported is the median of the per-round
//! ratios; drift slower than a round (~10 ms) cancels out. `QUICK=1` runs fewer rounds;
//! `BENCH_CLIENT_OPS=1` only the client-side get/put/update/query rows.
//!
//! `bash scripts/bench.sh` runs this, then the end-to-end, memory and start-up ratios.

#[path = "workloads/indexes.rs"]
mod indexes;
#[path = "workloads/marshal.rs"]
mod marshal;
#[path = "workloads/modyne_model.rs"]
mod modyne_model;
#[path = "workloads/modyne_peer.rs"]
mod modyne_peer;
#[path = "workloads/overhead.rs"]
mod overhead;
#[path = "workloads/projections.rs"]
mod projections;
#[path = "workloads/search.rs"]
mod search;
#[path = "workloads/shapes.rs"]
mod shapes;

use std::hint::black_box;
use std::time::{Duration, Instant};

use dynamorm::EntityKey;
use dynamorm_entities::{Task, TaskKey};
use indexes::Indexes;
use marshal::Marshal;
use modyne_model::{PeerTask, same_item};
use modyne_peer::Peer;
use overhead::{Overhead, Resume};
use projections::Projections;
use search::Search;
use shapes::Shapes;

/// Medians over the rounds.
struct Measured {
    baseline_ns: f64,
    dynamorm_ns: f64,
    /// dynamorm / baseline.
    ratio: Ratio,
    /// modyne's time and dynamorm / modyne, for rows with the peer.
    peer: Option<(f64, Ratio)>,
}

/// The median of the per-round ratios, and their 10th and 90th percentile.
struct Ratio {
    median: f64,
    spread: (f64, f64),
}

impl Ratio {
    fn of(mut ratios: Vec<f64>) -> Self {
        Self {
            median: percentile(&mut ratios, 0.5),
            spread: (percentile(&mut ratios, 0.1), percentile(&mut ratios, 0.9)),
        }
    }
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let at = ((values.len() - 1) as f64 * p).round() as usize;
    values[at]
}

/// Times `n` iterations of a side.
trait Side: FnMut(u64) -> Duration {}
impl<F: FnMut(u64) -> Duration> Side for F {}

/// Times the sides — baseline, dynamorm and optionally modyne — in rounds, each round
/// timing a batch of each back to back, the first side of a round rotating.
fn measure(rounds: usize, sides: &mut [&mut dyn FnMut(u64) -> Duration]) -> Measured {
    // Calibrate: a batch of baseline iterations takes about 5 ms.
    let mut n = 1;
    while sides[0](n) < Duration::from_millis(5) {
        n *= 2;
    }
    // Warm every side (allocator, caches, lazily built SDK state).
    let warm_until = Instant::now() + Duration::from_millis(300);
    while Instant::now() < warm_until {
        for side in sides.iter_mut() {
            side(n);
        }
    }
    let k = sides.len();
    let mut ns = vec![Vec::with_capacity(rounds); k];
    for round in 0..rounds {
        for i in (0..k).map(|i| (i + round) % k) {
            ns[i].push(sides[i](n).as_secs_f64() * 1e9 / n as f64);
        }
    }
    // dynamorm (side 1) against each other side, round by round.
    let vs = |other: usize| Ratio::of(ns[1].iter().zip(&ns[other]).map(|(d, o)| d / o).collect());
    let peer = (k > 2).then(|| (percentile(&mut ns[2].clone(), 0.5), vs(2)));
    let ratio = vs(0);
    Measured {
        baseline_ns: percentile(&mut ns[0], 0.5),
        dynamorm_ns: percentile(&mut ns[1], 0.5),
        ratio,
        peer,
    }
}

/// Baseline and dynamorm.
fn paired(rounds: usize, mut baseline: impl Side, mut dynamorm: impl Side) -> Measured {
    measure(rounds, &mut [&mut baseline, &mut dynamorm])
}

/// Baseline, dynamorm and modyne.
fn with_peer(
    rounds: usize,
    mut baseline: impl Side,
    mut dynamorm: impl Side,
    mut modyne: impl Side,
) -> Measured {
    measure(rounds, &mut [&mut baseline, &mut dynamorm, &mut modyne])
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
    let r = &m.ratio;
    let verdict = match target {
        Some(t) if r.median <= t => format!("{t:.2} | yes"),
        Some(t) => format!("{t:.2} | **no**"),
        None => "– | –".into(),
    };
    // The peer column's target is 1.00: dynamorm no slower than modyne.
    let peer = match &m.peer {
        Some((ns, p)) => format!(
            "{} | {}{:.2}{} ({:.2}–{:.2})",
            time(*ns),
            if p.median > 1.0 { "**" } else { "" },
            p.median,
            if p.median > 1.0 { "**" } else { "" },
            p.spread.0,
            p.spread.1
        ),
        None => "– | –".into(),
    };
    println!(
        "| {name} | {} | {} | {:.2} ({:.2}–{:.2}) | {verdict} | {peer} |",
        time(m.baseline_ns),
        time(m.dynamorm_ns),
        r.median,
        r.spread.0,
        r.spread.1,
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
    println!(
        "ratio = dynamorm / baseline, median of the rounds (10th–90th percentile); \
         vs modyne = dynamorm / modyne 0.3, measured in the same rounds\n"
    );
    println!("| benchmark | baseline | dynamorm | ratio | target | met | modyne | vs modyne |");
    println!("|---|---|---|---|---|---|---|---|");

    // `BENCH_CLIENT_OPS=1`: only the four client-side operation rows (get, put, update,
    // query) — the quick loop while working on one of them.
    if std::env::var_os("BENCH_CLIENT_OPS").is_some() {
        client_side_operations(&runtime(), rounds);
        return;
    }

    let m = Marshal::new();
    let peer_task = PeerTask::from(&m.task);
    same_item::<Task, PeerTask>(&m.task);
    row(
        "encode: entity → item (+6 key attributes, discriminator)",
        Some(1.2),
        &with_peer(
            rounds,
            sync(|| m.encode_baseline()),
            sync(|| m.encode_dynamorm()),
            consuming(|| peer_task.clone(), Peer::encode),
        ),
    );
    row(
        "decode: item → registry enum vs `from_item` into the type",
        Some(1.1),
        &with_peer(
            rounds,
            consuming(|| m.item.clone(), Marshal::decode_baseline),
            consuming(|| m.item.clone(), Marshal::decode_dynamorm),
            consuming(|| m.item.clone(), Peer::decode),
        ),
    );
    shape_rows(rounds);
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

    let runtime = runtime();
    let canned = client_side_operations(&runtime, rounds);
    cursor_signing(&runtime, &canned, rounds);
    let (all, keys_only) = projections::stored_bytes();
    size_row(
        "bytes stored per task in the assignee index: KEYS_ONLY vs ALL",
        all,
        keys_only,
    );
    projected_reads(&runtime, &Projections::canned(), rounds, ", client side");
    vector_search(&runtime, &Search::canned(), rounds, ", client side");

    // The same requests end to end: the embedded engine on loopback answers them.
    let server = dynamorm_local::LocalServer::start().expect("embedded engine");
    let live = runtime.block_on(Overhead::live(server.client(), "ratios-end-to-end"));
    let peer = Peer::new(live.client.clone(), live.db.table_name(), &live.task);
    operations(
        &runtime,
        (&live, &peer),
        rounds,
        ", end to end (embedded engine)",
    );
    let live = runtime.block_on(Projections::live(server.client(), "ratios-projections"));
    let (whole, cards) = runtime.block_on(live.response_bytes());
    size_row(
        "response bytes of a query page (25 tasks): projected to a card vs whole",
        whole,
        cards,
    );
    projected_reads(&runtime, &live, rounds, ", end to end (embedded engine)");
    let live = runtime.block_on(Search::live(server.client(), "ratios-search"));
    vector_search(&runtime, &live, rounds, ", end to end (embedded engine)");
}

/// Decoding an entity that declares shape versions: its current shape (the check is one
/// attribute lookup) and an earlier one (decoded as its struct and upgraded).
fn shape_rows(rounds: usize) {
    let s = Shapes::new();
    row(
        "decode, current shape of an entity with shapes vs the same entity without",
        Some(1.05),
        &paired(
            rounds,
            consuming(|| s.plain.clone(), Shapes::decode_plain),
            consuming(|| s.current.clone(), Shapes::decode),
        ),
    );
    row(
        "decode, current shape vs `serde_dynamo::from_item` into the struct",
        Some(1.1),
        &paired(
            rounds,
            consuming(|| s.current.clone(), Shapes::decode_by_hand),
            consuming(|| s.current.clone(), Shapes::decode),
        ),
    );
    row(
        "decode, earlier shape upgraded vs by hand (`serde_dynamo` into the old struct + `TryFrom`)",
        Some(1.1),
        &paired(
            rounds,
            consuming(|| s.earlier.clone(), Shapes::upgrade_by_hand),
            consuming(|| s.earlier.clone(), Shapes::upgrade),
        ),
    );
}

/// One vector search (10 results, decoded with their scores) against the hand-written
/// `SearchVectors` call and decode.
fn vector_search(runtime: &tokio::runtime::Runtime, w: &Search, rounds: usize, suffix: &str) {
    let side = |dynamorm: bool| {
        move |n: u64| {
            if dynamorm {
                timed(runtime, n, || w.dynamorm())
            } else {
                timed(runtime, n, || w.baseline())
            }
        }
    };
    row(
        &format!("vector search (top 10 products) vs hand-written SearchVectors + decode{suffix}"),
        Some(1.05),
        &paired(rounds, side(false), side(true)),
    );
}

/// A row of sizes rather than times: the baseline's bytes, dynamorm's, and their ratio.
fn size_row(name: &str, baseline: usize, dynamorm: usize) {
    #[allow(clippy::cast_precision_loss)] // sizes of a few kilobytes
    let ratio = dynamorm as f64 / baseline as f64;
    println!("| {name} | {baseline} B | {dynamorm} B | {ratio:.2} | – | – | – | – |");
}

/// Reads through projections: a page projected to a card against the whole entities (no
/// target: what a projection saves), and a keys-only index page hydrated by dynamorm against
/// the hand-written query + `BatchGetItem` loop.
fn projected_reads(
    runtime: &tokio::runtime::Runtime,
    w: &Projections,
    rounds: usize,
    suffix: &str,
) {
    let cards = |projected: bool| {
        move |n: u64| {
            if projected {
                timed(runtime, n, || w.page_cards())
            } else {
                timed(runtime, n, || w.page_whole())
            }
        }
    };
    row(
        &format!("query page (25 tasks) projected to a card vs whole tasks{suffix}"),
        None,
        &paired(rounds, cards(false), cards(true)),
    );
    let hydrate = |dynamorm: bool| {
        move |n: u64| {
            if dynamorm {
                timed(runtime, n, || w.hydrate_dynamorm())
            } else {
                timed(runtime, n, || w.hydrate_baseline())
            }
        }
    };
    row(
        &format!(
            "keys-only index page (25 tasks) hydrated vs hand-written Query + BatchGetItem{suffix}"
        ),
        Some(1.05),
        &paired(rounds, hydrate(false), hydrate(true)),
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The get, put, update and query rows against canned responses; the workload, for the
/// rows after them.
fn client_side_operations(runtime: &tokio::runtime::Runtime, rounds: usize) -> Overhead {
    let canned = Overhead::new();
    let peer = Peer::new(canned.client.clone(), canned.db.table_name(), &canned.task);
    operations(runtime, (&canned, &peer), rounds, ", client side");
    canned
}

/// Times `n` awaited calls of `f` on `runtime`.
fn timed<F: Future>(
    runtime: &tokio::runtime::Runtime,
    n: u64,
    mut f: impl FnMut() -> F,
) -> Duration {
    runtime.block_on(async move {
        let start = Instant::now();
        for _ in 0..n {
            drop(black_box(f().await));
        }
        start.elapsed()
    })
}

/// Resuming from a signed cursor (and signing the next) against an unsigned one.
fn cursor_signing(runtime: &tokio::runtime::Runtime, w: &Overhead, rounds: usize) {
    let resume = runtime.block_on(Resume::new(w));
    let resume = &resume;
    let side = |signed: bool| {
        move |n: u64| {
            if signed {
                timed(runtime, n, || resume.signed())
            } else {
                timed(runtime, n, || resume.unsigned())
            }
        }
    };
    row(
        "query page resumed from a signed cursor vs an unsigned one, client side",
        Some(1.05),
        &paired(rounds, side(false), side(true)),
    );
}

/// The per-request rows for the workloads' client: dynamorm, its baseline and modyne.
fn operations(
    runtime: &tokio::runtime::Runtime,
    (w, p): (&Overhead, &Peer),
    rounds: usize,
    suffix: &str,
) {
    macro_rules! op {
        ($name:literal, $baseline:ident, $dynamorm:ident, $modyne:ident) => {{
            let side = |which: u8| {
                move |n: u64| match which {
                    0 => timed(runtime, n, || w.$baseline()),
                    1 => timed(runtime, n, || w.$dynamorm()),
                    _ => timed(runtime, n, || p.$modyne()),
                }
            };
            let name = format!("{}{suffix}", $name);
            let m = with_peer(rounds, side(0), side(1), side(2));
            row(&name, Some(1.05), &m);
        }};
    }
    op!("get", get_baseline, get_dynamorm, get);
    op!("put", put_baseline, put_dynamorm, put);
    op!("update", update_baseline, update_dynamorm, update);
    op!(
        "query page (25 items)",
        query_baseline,
        query_dynamorm,
        query
    );
}
