//! Every sort-key operator (`sort_eq`, `sort_lt`, `sort_le`, `sort_gt`, `sort_ge`,
//! `sort_between`, `sort_begins_with`), on partial and complete keys, against an in-memory
//! model of what it means for the parts: tuples compared part by part. Values come from an
//! alphabet of the characters that matter to the encoding — the empty string, `#` (the
//! delimiter), `%` (the escape), `$` (the upper bound), NUL, space and non-ASCII.
//!
//! The property test (10,000 cases) captures the request each query sends (no server) and
//! evaluates its key condition on the rendered keys of the stored tuples byte-wise, as
//! DynamoDB compares strings; a query sent as nothing (an empty range) counts as no items.
//! The server tests run the same generator, and the issue's regression, on both servers.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_http_client::test_util::infallible_client_fn;
use dynamorm::{Db, Entity, KeyValue, Query};
use proptest::prelude::*;
use rstest::rstest;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::harness::{Backend, client, unique_name};

#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "stars")]
pub(crate) struct Stars;

/// Two parts after fixed text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Stars, pk = "OWNER#{owner}", sk = "STAR#{a}#{b}")]
pub(crate) struct Star {
    owner: String,
    a: String,
    b: String,
}

/// Two parts, the first at the start of the key (its zero-part prefix is empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Stars, pk = "LOOSE#{owner}", sk = "{a}#{b}")]
pub(crate) struct Loose {
    owner: String,
    a: String,
    b: String,
}

/// A leading delimiter and fixed text before the first part (which keeps the order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Stars, pk = "AFFIX#{owner}", sk = "#R_{a}#{b}")]
pub(crate) struct Affixed {
    owner: String,
    a: String,
    b: String,
}

/// The issue's shape: one part after fixed text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Stars, pk = "FAN#{owner}", sk = "STAR#{user}")]
pub(crate) struct Starred {
    owner: String,
    user: String,
}

/// A sort-key operator and the leading parts it is given.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    BeginsWith(Vec<String>),
    Eq(Vec<String>),
    Lt(Vec<String>),
    Le(Vec<String>),
    Gt(Vec<String>),
    Ge(Vec<String>),
    Between(Vec<String>, Vec<String>),
}

impl Op {
    /// Whether an item with parts `t` is in the range, by the operators' documented
    /// meaning: `t`'s leading parts (as many as given) compared with the given parts.
    fn holds(&self, t: &[String]) -> bool {
        let lead = |q: &[String]| &t[..q.len()];
        match self {
            Op::BeginsWith(q) => lead(q) == q.as_slice(),
            Op::Eq(q) => t == q.as_slice(),
            Op::Lt(q) => lead(q) < q.as_slice(),
            Op::Le(q) => lead(q) <= q.as_slice(),
            Op::Gt(q) => lead(q) > q.as_slice(),
            Op::Ge(q) => lead(q) >= q.as_slice(),
            Op::Between(low, high) => lead(low) >= low.as_slice() && lead(high) <= high.as_slice(),
        }
    }

    /// Adds the operator to `query`, with the parts as typed key values.
    fn apply<E: Entity>(
        &self,
        query: Query<E>,
        values: impl Fn(&[String]) -> Vec<KeyValue<E>>,
    ) -> Query<E> {
        match self {
            Op::BeginsWith(q) => query.sort_begins_with(values(q)),
            Op::Eq(q) => query.sort_eq(values(q)),
            Op::Lt(q) => query.sort_lt(values(q)),
            Op::Le(q) => query.sort_le(values(q)),
            Op::Gt(q) => query.sort_gt(values(q)),
            Op::Ge(q) => query.sort_ge(values(q)),
            Op::Between(low, high) => query.sort_between(values(low), values(high)),
        }
    }
}

fn part() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!['#', '%', '$', 'a', 'b', 'é', '😀', '\u{0}', ' ', 'z']),
        0..3,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// Up to `width` leading parts.
fn parts(width: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(part(), 0..=width)
}

pub(crate) fn op(width: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        parts(width).prop_map(Op::BeginsWith),
        prop::collection::vec(part(), width).prop_map(Op::Eq),
        parts(width).prop_map(Op::Lt),
        parts(width).prop_map(Op::Le),
        parts(width).prop_map(Op::Gt),
        parts(width).prop_map(Op::Ge),
        (parts(width), parts(width)).prop_map(|(l, h)| Op::Between(l, h)),
    ]
}

pub(crate) fn tuples(width: usize) -> impl Strategy<Value = Vec<Vec<String>>> {
    prop::collection::vec(prop::collection::vec(part(), width), 1..16)
}

/// A client that records each request body and answers with no items.
struct Capture {
    sent: Arc<Mutex<Vec<Value>>>,
    db: Db<Stars>,
}

impl Capture {
    fn new() -> Self {
        let sent: Arc<Mutex<Vec<Value>>> = Arc::default();
        let record = Arc::clone(&sent);
        let http = infallible_client_fn(move |request| {
            let body: Value = serde_json::from_slice(request.body().bytes().expect("in memory"))
                .expect("a JSON body");
            record.lock().expect("not poisoned").push(body);
            http::Response::builder()
                .status(200)
                .header("content-type", "application/x-amz-json-1.0")
                .body(r#"{"Items":[],"Count":0}"#.to_owned())
                .expect("a response")
        });
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "capture"))
            .http_client(http)
            .retry_config(RetryConfig::disabled())
            .build();
        Self {
            sent,
            db: Db::<Stars>::new(aws_sdk_dynamodb::Client::from_conf(config)),
        }
    }

    /// The key condition of the one request `query` sent, `None` if it sent none.
    async fn condition<E: Entity>(&self, query: Query<E>) -> Option<Value> {
        self.sent.lock().expect("not poisoned").clear();
        let _ = query.all().await.expect("the query is valid");
        let sent = self.sent.lock().expect("not poisoned");
        assert!(sent.len() <= 1, "one request per query: {sent:?}");
        sent.first().cloned()
    }
}

/// Whether a stored sort key satisfies the sort-key part of a sent key condition,
/// evaluated byte-wise as DynamoDB compares strings. No request: nothing matches.
fn matches(body: Option<&Value>, sort_key: &str) -> bool {
    let Some(body) = body else { return false };
    let condition = body["KeyConditionExpression"]
        .as_str()
        .expect("a condition");
    let value = |placeholder: &str| {
        body["ExpressionAttributeValues"][placeholder]["S"]
            .as_str()
            .unwrap_or_else(|| panic!("{placeholder} in {body}"))
            .as_bytes()
            .to_vec()
    };
    // The partition condition comes first: `#n0 = :v0`.
    let Some(sort) = condition
        .strip_prefix("#n0 = :v0")
        .expect("partition first")
        .strip_prefix(" AND ")
    else {
        return true;
    };
    let key = sort_key.as_bytes();
    let words: Vec<&str> = sort.split(' ').collect();
    if let Some(rest) = sort.strip_prefix("begins_with(") {
        let placeholder = rest
            .trim_end_matches(')')
            .split(", ")
            .nth(1)
            .expect("value");
        return key.starts_with(&value(placeholder));
    }
    match words.as_slice() {
        [_, "=", v] => key == value(v).as_slice(),
        [_, "<", v] => key < value(v).as_slice(),
        [_, "<=", v] => key <= value(v).as_slice(),
        [_, ">", v] => key > value(v).as_slice(),
        [_, ">=", v] => key >= value(v).as_slice(),
        [_, "BETWEEN", low, "AND", high] => {
            let (low, high) = (value(low), value(high));
            assert!(low <= high, "a reversed BETWEEN was sent: {body}");
            low.as_slice() <= key && key <= high.as_slice()
        }
        _ => panic!("unexpected sort condition {sort:?}"),
    }
}

fn star_values(q: &[String]) -> Vec<KeyValue<Star>> {
    let a = Star::attrs();
    let handles = [a.a, a.b];
    q.iter()
        .zip(handles)
        .map(|(v, h)| h.is(v.as_str()))
        .collect()
}

fn loose_values(q: &[String]) -> Vec<KeyValue<Loose>> {
    let a = Loose::attrs();
    let handles = [a.a, a.b];
    q.iter()
        .zip(handles)
        .map(|(v, h)| h.is(v.as_str()))
        .collect()
}

fn affixed_values(q: &[String]) -> Vec<KeyValue<Affixed>> {
    let a = Affixed::attrs();
    let handles = [a.a, a.b];
    q.iter()
        .zip(handles)
        .map(|(v, h)| h.is(v.as_str()))
        .collect()
}

fn sort_key<E: Entity>(entity: &E) -> String {
    dynamorm::to_item(entity).expect("renders")["SK"]
        .as_s()
        .expect("a string")
        .clone()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_sort_operator_selects_exactly_the_model_range(
        stored in tuples(2),
        op in op(2),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let capture = Capture::new();
        // The same tuples and operator on both templates.
        let stars: Vec<Star> = stored.iter().map(|t| Star { owner: "o".into(), a: t[0].clone(), b: t[1].clone() }).collect();
        let query = op.apply(capture.db.query(Star::attrs().owner.is("o")), star_values);
        let sent = runtime.block_on(capture.condition(query));
        for star in &stars {
            let t = [star.a.clone(), star.b.clone()];
            prop_assert_eq!(matches(sent.as_ref(), &sort_key(star)), op.holds(&t), "Star {:?} for {:?}: {:?}", t, op, sent);
        }
        let affixed: Vec<Affixed> = stored.iter().map(|t| Affixed { owner: "o".into(), a: t[0].clone(), b: t[1].clone() }).collect();
        let query = op.apply(capture.db.query(Affixed::attrs().owner.is("o")), affixed_values);
        let sent = runtime.block_on(capture.condition(query));
        for item in &affixed {
            let t = [item.a.clone(), item.b.clone()];
            prop_assert_eq!(matches(sent.as_ref(), &sort_key(item)), op.holds(&t), "Affixed {:?} for {:?}: {:?}", t, op, sent);
        }
        let looses: Vec<Loose> = stored.iter().map(|t| Loose { owner: "o".into(), a: t[0].clone(), b: t[1].clone() }).collect();
        let query = op.apply(capture.db.query(Loose::attrs().owner.is("o")), loose_values);
        let sent = runtime.block_on(capture.condition(query));
        for loose in &looses {
            let t = [loose.a.clone(), loose.b.clone()];
            prop_assert_eq!(matches(sent.as_ref(), &sort_key(loose)), op.holds(&t), "Loose {:?} for {:?}: {:?}", t, op, sent);
        }
    }
}

/// The issue's cases: users `""`, `"u"`, `"v"` under `STAR#{user}`.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn an_empty_last_part_is_a_complete_key_not_a_prefix(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Stars>::with_table_name(client, unique_name("empty-last-part"));
    db.create_table().await.expect("create");
    for user in ["", "u", "v"] {
        db.put(&Starred {
            owner: "o".into(),
            user: user.into(),
        })
        .send()
        .await
        .expect("put");
    }
    let a = Starred::attrs();
    let users = |found: Vec<Starred>| found.into_iter().map(|s| s.user).collect::<Vec<_>>();
    let query = || db.query(a.owner.is("o"));
    let run = |q: Query<Starred>| async { users(q.all().await.expect("query")) };
    assert_eq!(run(query().sort_begins_with(a.user.is(""))).await, [""]);
    assert_eq!(run(query().sort_eq(a.user.is(""))).await, [""]);
    assert_eq!(run(query().sort_le(a.user.is(""))).await, [""]);
    assert_eq!(
        run(query().sort_lt(a.user.is(""))).await,
        Vec::<String>::new()
    );
    assert_eq!(run(query().sort_gt(a.user.is(""))).await, ["u", "v"]);
    assert_eq!(run(query().sort_ge(a.user.is(""))).await, ["", "u", "v"]);
    assert_eq!(
        run(query().sort_between(a.user.is(""), a.user.is(""))).await,
        [""]
    );
    assert_eq!(
        run(query().sort_between(a.user.is("v"), a.user.is("u"))).await,
        Vec::<String>::new()
    );
}

/// The generator against the servers: each case seeds its own partition and compares every
/// operator's results with the model.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn random_ranges_match_the_model_on_the_server(#[case] backend: Backend) {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let (client, _server) = client(backend);
    let db = Db::<Stars>::with_table_name(client, unique_name("sort-ranges"));
    db.create_table().await.expect("create");
    let mut runner = TestRunner::deterministic();
    let mut checked = 0;
    for case in 0..60 {
        let stored = tuples(2).new_tree(&mut runner).expect("tuples").current();
        let owner = format!("o{case}");
        // Distinct tuples: equal ones would be one item.
        let mut distinct: Vec<[String; 2]> = stored
            .iter()
            .map(|t| [t[0].clone(), t[1].clone()])
            .collect();
        distinct.sort();
        distinct.dedup();
        let mut batch = db.batch_write();
        for [a, b] in &distinct {
            batch = batch.put(&Star {
                owner: owner.clone(),
                a: a.clone(),
                b: b.clone(),
            });
        }
        batch
            .send()
            .await
            .expect("seed")
            .into_result()
            .expect("all written");
        for _ in 0..8 {
            let op = op(2).new_tree(&mut runner).expect("op").current();
            let query = op.apply(
                db.query(Star::attrs().owner.is(owner.as_str())),
                star_values,
            );
            let got: Vec<[String; 2]> = query
                .all()
                .await
                .unwrap_or_else(|e| panic!("{op:?}: {e}"))
                .into_iter()
                .map(|s| [s.a, s.b])
                .collect();
            let want: Vec<[String; 2]> = distinct
                .iter()
                .filter(|t| op.holds(t.as_slice()))
                .cloned()
                .collect();
            assert_eq!(got, want, "{op:?} over {distinct:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 480);
}
