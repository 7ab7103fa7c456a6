//! One side of one per-request workload, run `n` times against canned responses: what
//! `scripts/instructions.sh` counts the instructions of under callgrind (dynamorm against the
//! hand-written raw-SDK request, the same workloads as the ratio table's client-side rows).
//!
//! Instruction counts do not depend on the machine or on what else it runs, so they tell
//! work done apart from time spent: a row whose time ratio misses its target while its
//! instruction ratio does not is paying for code layout and cache behaviour, not for work.
//!
//!     bash scripts/instructions.sh        # every operation, both sides
//!     cargo run --release --example instructions -- update dynamorm 1000

#[path = "../benches/workloads/overhead.rs"]
mod overhead;

use std::hint::black_box;

use overhead::Overhead;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(operation), Some(side)) = (args.next(), args.next()) else {
        eprintln!("usage: instructions <get|put|update|query> <baseline|dynamorm> [calls]");
        std::process::exit(2);
    };
    let calls: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let w = Overhead::new();
    runtime.block_on(async {
        for _ in 0..calls {
            match (operation.as_str(), side.as_str()) {
                ("get", "baseline") => drop(black_box(w.get_baseline().await)),
                ("get", "dynamorm") => drop(black_box(w.get_dynamorm().await)),
                ("put", "baseline") => w.put_baseline().await,
                ("put", "dynamorm") => w.put_dynamorm().await,
                ("update", "baseline") => drop(black_box(w.update_baseline().await)),
                ("update", "dynamorm") => drop(black_box(w.update_dynamorm().await)),
                ("query", "baseline") => drop(black_box(w.query_baseline().await)),
                ("query", "dynamorm") => drop(black_box(w.query_dynamorm().await)),
                _ => {
                    eprintln!("unknown operation or side: {operation} {side}");
                    std::process::exit(2);
                }
            }
        }
    });
}
