//! Every valid key-condition shape of a multi-attribute index, compared with an in-memory
//! model: 1–4 partition attributes; 0–4 sort attributes by equality, then `eq`, `lt`,
//! `le`, `gt`, `ge`, `between` or `begins_with` on the next one — numbers (negative,
//! fractional, 9 before 10) and strings (byte order, Unicode) as DynamoDB orders them.

use std::cmp::Ordering;

use dynamorm::projection::{AllAttributes, IndexSource};
use dynamorm::{Db, MultiKey, Query};
use rstest::rstest;
use serde::Serialize;

use super::{Cell, Games, games};
use crate::harness::Backend;

const A: [&str; 2] = ["p", "q"];
const B: [i64; 2] = [-1, 10];
const D: [&str; 2] = ["d1", "d2"];
const W: [i64; 6] = [-10, -1, 0, 9, 10, 100];
const X: [&str; 4] = ["a", "ab", "b", "é"];
const Y: [f64; 3] = [-0.5, 2.0, 10.0];
const Z: [&str; 3] = ["m", "mn", "n"];

fn cells() -> Vec<Cell> {
    let mut rng = fastrand::Rng::with_seed(14);
    (0..160)
        .map(|id| Cell {
            id,
            a: A[rng.usize(..A.len())].into(),
            b: B[rng.usize(..B.len())],
            c: "c".into(),
            d: D[rng.usize(..D.len())].into(),
            w: W[rng.usize(..W.len())],
            x: X[rng.usize(..X.len())].into(),
            y: Y[rng.usize(..Y.len())],
            z: Z[rng.usize(..Z.len())].into(),
        })
        .collect()
}

/// The condition on the next sort attribute after the equalities.
#[derive(Debug, Clone)]
enum Op<T> {
    Open,
    Eq(T),
    Lt(T),
    Le(T),
    Gt(T),
    Ge(T),
    Between(T, T),
    BeginsWith(T),
}

impl<T: PartialOrd + Clone> Op<T> {
    /// The ops worth asking around `v` (from a stored item) and `other` (another value).
    fn around(v: T, other: T, text: bool) -> Vec<Op<T>> {
        let (low, high) = if v <= other {
            (v.clone(), other.clone())
        } else {
            (other.clone(), v.clone())
        };
        let mut ops = vec![
            Op::Open,
            Op::Eq(v.clone()),
            Op::Lt(v.clone()),
            Op::Le(v.clone()),
            Op::Gt(v.clone()),
            Op::Ge(v.clone()),
            Op::Between(low, high),
        ];
        if text {
            ops.push(Op::BeginsWith(v));
        }
        ops
    }

    fn holds(&self, value: &T, starts: impl Fn(&T, &T) -> bool) -> bool {
        match self {
            Op::Open => true,
            Op::Eq(v) => value == v,
            Op::Lt(v) => value < v,
            Op::Le(v) => value <= v,
            Op::Gt(v) => value > v,
            Op::Ge(v) => value >= v,
            Op::Between(l, h) => l <= value && value <= h,
            Op::BeginsWith(p) => starts(value, p),
        }
    }
}

fn close<I: IndexSource<Source = AllAttributes>, H: Serialize + Clone, T>(
    db: &Db<Games>,
    key: MultiKey<Cell, I, (H, T)>,
    op: &Op<H>,
) -> Query<Cell> {
    match op.clone() {
        Op::Open => db.query_index(key),
        Op::Eq(v) => db.query_index(key.sort_eq(v)),
        Op::Lt(v) => db.query_index(key.sort_lt(v)),
        Op::Le(v) => db.query_index(key.sort_le(v)),
        Op::Gt(v) => db.query_index(key.sort_gt(v)),
        Op::Ge(v) => db.query_index(key.sort_ge(v)),
        Op::Between(l, h) => db.query_index(key.sort_between(l, h)),
        Op::BeginsWith(_) => unreachable!("numbers have no begins_with"),
    }
}

fn close_text<I: IndexSource<Source = AllAttributes>, T>(
    db: &Db<Games>,
    key: MultiKey<Cell, I, (String, T)>,
    op: &Op<String>,
) -> Query<Cell> {
    match op {
        Op::BeginsWith(p) => db.query_index(key.sort_begins_with(p.as_str())),
        other => close(db, key, other),
    }
}

fn sort_tuple(c: &Cell) -> (i64, String, f64, String) {
    (c.w, c.x.clone(), c.y, c.z.clone())
}

/// Runs `query` and checks it returns exactly `expected`, in sort-key order (`Deep`'s
/// four attributes, or only `w` on `Three`).
async fn check(query: Query<Cell>, expected: Vec<&Cell>, what: &str, checked: &mut usize) {
    let only_w = what.starts_with("Three");
    let sort_tuple = |c: &Cell| {
        if only_w {
            (c.w, String::new(), 0.0, String::new())
        } else {
            sort_tuple(c)
        }
    };
    let mut expected: Vec<Cell> = expected.into_iter().cloned().collect();
    expected.sort_by(|a, b| {
        sort_tuple(a)
            .partial_cmp(&sort_tuple(b))
            .unwrap_or(Ordering::Equal)
    });
    let got = query
        .page_size(25)
        .all()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    // Items with equal sort keys come in an unspecified order: compare the keys in order
    // and the items as sets.
    let keys = |v: &[Cell]| v.iter().map(sort_tuple).collect::<Vec<_>>();
    assert_eq!(keys(&got), keys(&expected), "{what}: order");
    let ids = |v: &[Cell]| {
        let mut ids: Vec<u32> = v.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids
    };
    assert_eq!(ids(&got), ids(&expected), "{what}: items");
    *checked += 1;
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn every_query_shape_matches_the_model(#[case] backend: Backend) {
    let (db, _server) = games(backend, "multi-shapes").await;
    let cells = cells();
    let mut batch = db.batch_write();
    for c in &cells {
        batch = batch.put(c);
    }
    let out = batch.send().await.expect("seed");
    assert!(
        out.failed().is_empty(),
        "seed failures: {:?}",
        out.failed().len()
    );
    let mut checked = 0;
    let mut rng = fastrand::Rng::with_seed(7);
    let starts = |v: &String, p: &String| v.starts_with(p.as_str());
    let no_prefix = |_: &i64, _: &i64| false;
    let no_prefix_f = |_: &f64, _: &f64| false;

    // Deep: one partition attribute, 0–4 sort attributes.
    for a in A {
        let part: Vec<&Cell> = cells.iter().filter(|c| c.a == a).collect();
        for _ in 0..2 {
            let base = part[rng.usize(..part.len())];
            let other = part[rng.usize(..part.len())];
            let key = || Cell::Deep.partition(a);
            for op in Op::around(base.w, other.w, false) {
                let expected = part
                    .iter()
                    .copied()
                    .filter(|c| op.holds(&c.w, no_prefix))
                    .collect();
                check(
                    close(&db, key(), &op),
                    expected,
                    &format!("Deep a={a} w {op:?}"),
                    &mut checked,
                )
                .await;
            }
            let on_w: Vec<&Cell> = part.iter().copied().filter(|c| c.w == base.w).collect();
            for op in Op::around(base.x.clone(), other.x.clone(), true) {
                let expected = on_w
                    .iter()
                    .copied()
                    .filter(|c| op.holds(&c.x, starts))
                    .collect();
                check(
                    close_text(&db, key().sort_eq(base.w), &op),
                    expected,
                    &format!("Deep w={} x {op:?}", base.w),
                    &mut checked,
                )
                .await;
            }
            let on_x: Vec<&Cell> = on_w.iter().copied().filter(|c| c.x == base.x).collect();
            for op in Op::around(base.y, other.y, false) {
                let expected = on_x
                    .iter()
                    .copied()
                    .filter(|c| op.holds(&c.y, no_prefix_f))
                    .collect();
                check(
                    close(&db, key().sort_eq(base.w).sort_eq(base.x.as_str()), &op),
                    expected,
                    &format!("Deep x={} y {op:?}", base.x),
                    &mut checked,
                )
                .await;
            }
            let on_y: Vec<&Cell> = on_x.iter().copied().filter(|c| c.y == base.y).collect();
            for op in Op::around(base.z.clone(), other.z.clone(), true) {
                let expected = on_y
                    .iter()
                    .copied()
                    .filter(|c| op.holds(&c.z, starts))
                    .collect();
                check(
                    close_text(
                        &db,
                        key()
                            .sort_eq(base.w)
                            .sort_eq(base.x.as_str())
                            .sort_eq(base.y),
                        &op,
                    ),
                    expected,
                    &format!("Deep y={} z {op:?}", base.y),
                    &mut checked,
                )
                .await;
            }
            // All four sort attributes by equality.
            let all: Vec<&Cell> = on_y.iter().copied().filter(|c| c.z == base.z).collect();
            let q = db.query_index(
                key()
                    .sort_eq(base.w)
                    .sort_eq(base.x.as_str())
                    .sort_eq(base.y)
                    .sort_eq(base.z.as_str()),
            );
            check(q, all, "Deep all four", &mut checked).await;
        }
    }

    // Three: three partition attributes, a range on the one sort attribute; descending.
    for a in A {
        for b in B {
            let part: Vec<&Cell> = cells.iter().filter(|c| c.a == a && c.b == b).collect();
            if part.is_empty() {
                continue;
            }
            let base = part[rng.usize(..part.len())];
            for op in Op::around(base.w, 9, false) {
                let expected: Vec<&Cell> = part
                    .iter()
                    .copied()
                    .filter(|c| op.holds(&c.w, no_prefix))
                    .collect();
                let key = Cell::Three.partition(a, b, "c");
                check(
                    close(&db, key, &op),
                    expected.clone(),
                    &format!("Three {a} {b} {op:?}"),
                    &mut checked,
                )
                .await;
            }
            let desc: Vec<i64> = db
                .query_index(Cell::Three.partition(a, b, "c"))
                .descending()
                .all()
                .await
                .expect("descending")
                .iter()
                .map(|c| c.w)
                .collect();
            let mut want: Vec<i64> = part.iter().map(|c| c.w).collect();
            want.sort_unstable_by(|x, y| y.cmp(x));
            assert_eq!(desc, want, "Three descending");
        }
    }

    // Four: four partition attributes, no sort key.
    for a in A {
        for b in B {
            for d in D {
                let expected: Vec<&Cell> = cells
                    .iter()
                    .filter(|c| c.a == a && c.b == b && c.d == d)
                    .collect();
                let got = db
                    .query_index(Cell::Four.partition(a, b, "c", d))
                    .all()
                    .await
                    .expect("Four");
                let mut got: Vec<u32> = got.iter().map(|c| c.id).collect();
                got.sort_unstable();
                let want: Vec<u32> = expected.iter().map(|c| c.id).collect();
                assert_eq!(got, want, "Four {a} {b} {d}");
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "only {checked} queries checked");
}
