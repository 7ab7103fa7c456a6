//! The wire format of every write, pinned without a server: an SDK client whose HTTP client
//! captures each request body and answers a canned 200, and one test per operation that
//! asserts the whole JSON body it sent (expression strings, placeholder maps, key, item,
//! `ReturnValues`, `ReturnValuesOnConditionCheckFailure`). A change to what goes on the wire
//! shows as a diff here.
//!
//! Two things are normalised before comparing, and only these: timestamps the library sets
//! to the current time (`created_at`, `updated_at`) read `"<now>"`, and the write requests
//! of a BatchWriteItem (sent in hash-map order) are sorted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_http_client::test_util::infallible_client_fn;
use chrono::{DateTime, Duration, Utc};
use dynamorm::{Condition, Db, Entity, Error, Item};
use dynamorm_entities::sample::{assigned_task, comment, epoch, project, task, tenant, user};
use dynamorm_entities::{ProjectStatus, Task, TaskStatus, Tenant, Tracker, User};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// One request as it went on the wire: its operation (from `X-Amz-Target`) and JSON body.
#[derive(Debug, Clone, PartialEq)]
struct Sent {
    operation: String,
    body: Value,
}

/// A client that records every request and answers each operation from `responses`
/// (`{}` for any operation not listed), with no network and no SDK retries.
struct Wire {
    sent: Arc<Mutex<Vec<Sent>>>,
    client: aws_sdk_dynamodb::Client,
    /// When the test started, to recognise timestamps the library sets to "now".
    started: DateTime<Utc>,
}

impl Wire {
    fn new(responses: &[(&'static str, Value)]) -> Self {
        let sent: Arc<Mutex<Vec<Sent>>> = Arc::default();
        let responses: HashMap<&'static str, String> = responses
            .iter()
            .map(|(op, body)| (*op, body.to_string()))
            .collect();
        let record = Arc::clone(&sent);
        let http = infallible_client_fn(move |request| {
            let operation = request
                .headers()
                .get("x-amz-target")
                .and_then(|t| t.to_str().ok())
                .and_then(|t| t.rsplit('.').next())
                .unwrap_or("")
                .to_owned();
            let bytes = request.body().bytes().expect("an in-memory request body");
            let body: Value = serde_json::from_slice(bytes).expect("a JSON request body");
            let answer = responses
                .get(operation.as_str())
                .cloned()
                .unwrap_or_else(|| "{}".to_owned());
            record
                .lock()
                .expect("not poisoned")
                .push(Sent { operation, body });
            http::Response::builder()
                .status(200)
                .header("content-type", "application/x-amz-json-1.0")
                .body(answer)
                .expect("a valid response")
        });
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "wire"))
            .http_client(http)
            .retry_config(RetryConfig::disabled())
            .build();
        Self {
            sent,
            client: aws_sdk_dynamodb::Client::from_conf(config),
            started: Utc::now(),
        }
    }

    fn db(&self) -> Db<Tracker> {
        Db::<Tracker>::new(self.client.clone())
    }

    fn wire_db(&self) -> Db<WireTable> {
        Db::<WireTable>::new(self.client.clone())
    }

    /// Every request sent so far, timestamps of "now" replaced by `"<now>"`.
    fn sent(&self) -> Vec<Sent> {
        let window = (
            self.started - Duration::seconds(5),
            Utc::now() + Duration::seconds(5),
        );
        self.sent
            .lock()
            .expect("not poisoned")
            .iter()
            .map(|s| Sent {
                operation: s.operation.clone(),
                body: redact_now(s.body.clone(), window),
            })
            .collect()
    }

    /// The one request sent, which must be `operation`.
    fn only(&self, operation: &str) -> Value {
        let sent = self.sent();
        let operations: Vec<&str> = sent.iter().map(|s| s.operation.as_str()).collect();
        assert_eq!(operations, [operation], "the requests sent");
        sent.into_iter().next().map(|s| s.body).unwrap_or_default()
    }

    fn assert_nothing_sent(&self) {
        assert_eq!(self.sent(), Vec::<Sent>::new(), "no request may be sent");
    }
}

/// Replaces every string attribute value holding a time within `window` (a timestamp the
/// library set to "now") with `"<now>"`.
fn redact_now(value: Value, window: (DateTime<Utc>, DateTime<Utc>)) -> Value {
    match value {
        Value::Object(map) => {
            if let (1, Some(Value::String(s))) = (map.len(), map.get("S"))
                && let Ok(t) = DateTime::parse_from_rfc3339(s)
                && (window.0..=window.1).contains(&t.with_timezone(&Utc))
            {
                return json!({ "S": "<now>" });
            }
            Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k, redact_now(v, window)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| redact_now(v, window)).collect())
        }
        other => other,
    }
}

/// Compares a captured body with the pinned one, printing the captured body as JSON first
/// when they differ (easier to read than the `Debug` diff).
fn pin(actual: &Value, expected: Value) {
    if *actual != expected {
        eprintln!(
            "captured body:\n{}",
            serde_json::to_string_pretty(actual).unwrap_or_default()
        );
    }
    assert_eq!(*actual, expected);
}

/// An attribute value in DynamoDB's JSON wire format.
fn wire_value(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Ss(s) => json!({ "SS": s }),
        AttributeValue::Ns(n) => json!({ "NS": n }),
        AttributeValue::L(l) => json!({ "L": l.iter().map(wire_value).collect::<Vec<_>>() }),
        AttributeValue::M(m) => json!({ "M": wire_item(m) }),
        _ => json!({ "NULL": true }),
    }
}

fn wire_item(item: &Item) -> Value {
    Value::Object(
        item.iter()
            .map(|(k, v)| (k.clone(), wire_value(v)))
            .collect(),
    )
}

/// The item `entity` encodes to, in DynamoDB JSON (for canned responses).
fn stored<E: Entity>(entity: &E) -> Value {
    wire_item(&dynamorm::to_item(entity).expect("encodes"))
}

/// A table of its own for the invalid-input entities, so they take no part in the
/// tracker's key-collision analysis (which decides how batches are sent).
#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "wire")]
struct WireTable;

/// A number that can be NaN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = WireTable, pk = "MEASURE#{id}", sk = "MEASURE")]
struct WireMeasure {
    id: String,
    value: f64,
}

/// A partition key that is the field alone, so an empty field is an empty key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = WireTable, pk = "{id}", sk = "BARE")]
struct WireBare {
    id: String,
    n: u32,
}

fn the_task() -> Task {
    assigned_task("acme", "apollo", 7, "ann", 3)
}

// ---- put / create -------------------------------------------------------------------------

/// A put replaces an item of its own type or fills an empty key: never another type's item.
#[tokio::test]
async fn wire_put_plain() {
    let w = Wire::new(&[]);
    w.db().put(&the_task()).send().await.expect("sent");
    pin(&w.only("PutItem"), json!(null));
}

/// A create requires the key to be empty.
#[tokio::test]
async fn wire_create_plain() {
    let w = Wire::new(&[]);
    w.db().create(&the_task()).send().await.expect("sent");
    pin(&w.only("PutItem"), json!(null));
}

/// A versioned entity at version 0 is created: stored at version 1 with `created_at` set.
#[tokio::test]
async fn wire_put_versioned_new() {
    let w = Wire::new(&[]);
    w.db().put(&tenant("acme")).send().await.expect("sent");
    pin(&w.only("PutItem"), json!(null));
}

/// A put of a stored versioned entity with `created_at` is an UpdateItem: it requires the
/// version read, increments it, keeps the stored `created_at` and removes the attributes
/// the new value lacks.
#[tokio::test]
async fn wire_put_versioned_existing() {
    let w = Wire::new(&[]);
    let stored_tenant = Tenant {
        version: 3,
        ..tenant("acme")
    };
    w.db().put(&stored_tenant).send().await.expect("sent");
    pin(&w.only("UpdateItem"), json!(null));
}

/// The caller's typed condition is and-ed after the library's guard, in its own group.
#[tokio::test]
async fn wire_put_typed_condition() {
    let w = Wire::new(&[]);
    let a = Task::attrs();
    w.db()
        .put(&the_task())
        .condition(a.status.eq(TaskStatus::Open).and(a.points.lt(5)))
        .send()
        .await
        .expect("sent");
    pin(&w.only("PutItem"), json!(null));
}

/// A raw condition keeps its own placeholders next to the library's.
#[tokio::test]
async fn wire_put_raw_condition() {
    let w = Wire::new(&[]);
    w.db()
        .put(&the_task())
        .condition(
            Condition::raw("#p < :max AND attribute_exists(title)")
                .name("#p", "points")
                .value(":max", &10u32),
        )
        .send()
        .await
        .expect("sent");
    pin(&w.only("PutItem"), json!(null));
}

// ---- update -------------------------------------------------------------------------------

/// Every kind of action, with the index keys they imply: `status` re-renders `GSI2PK`,
/// removing `assignee` removes `GSI1PK`/`GSI1SK` (the sparse index).
#[tokio::test]
async fn wire_update_actions() {
    let w = Wire::new(&[("UpdateItem", json!({ "Attributes": stored(&the_task()) }))]);
    let a = Task::attrs();
    w.db()
        .update(the_task().key())
        .set(a.status, TaskStatus::Done)
        .set(a.title, "Ship it")
        .add(a.points, 2)
        .append(a.tags, ["urgent".to_owned()])
        .remove(a.assignee)
        .condition(a.status.ne(TaskStatus::Done))
        .send()
        .await
        .expect("sent");
    pin(&w.only("UpdateItem"), json!(null));
}

/// Setting every field of an index key re-renders both of its attributes.
#[tokio::test]
async fn wire_update_index_keys() {
    let w = Wire::new(&[("UpdateItem", json!({ "Attributes": stored(&the_task()) }))]);
    let a = Task::attrs();
    w.db()
        .update(task("acme", "apollo", 7).key())
        .set(a.assignee, "bob")
        .set(a.due, epoch())
        .send()
        .await
        .expect("sent");
    pin(&w.only("UpdateItem"), json!(null));
}

/// `if_version`: the stored version must be the one read; it is incremented.
#[tokio::test]
async fn wire_update_if_version() {
    let w = Wire::new(&[(
        "UpdateItem",
        json!({ "Attributes": stored(&tenant("acme")) }),
    )]);
    w.db()
        .update(tenant("acme").key())
        .set(Tenant::attrs().name, "Acme Inc.")
        .if_version(3)
        .send()
        .await
        .expect("sent");
    pin(&w.only("UpdateItem"), json!(null));
}

/// A versioned entity updated without `if_version` still increments the version, guarded
/// so that the increment stays in the field's range.
#[tokio::test]
async fn wire_update_versioned_without_if_version() {
    let w = Wire::new(&[(
        "UpdateItem",
        json!({ "Attributes": stored(&tenant("acme")) }),
    )]);
    w.db()
        .update(tenant("acme").key())
        .add(Tenant::attrs().task_count, 1)
        .send()
        .await
        .expect("sent");
    pin(&w.only("UpdateItem"), json!(null));
}

// ---- delete -------------------------------------------------------------------------------

/// An unconditional delete removes nothing of another type, and returns the old item.
#[tokio::test]
async fn wire_delete_unconditional() {
    let w = Wire::new(&[]);
    let deleted = w.db().delete(the_task().key()).send().await.expect("sent");
    assert_eq!(deleted, None);
    pin(&w.only("DeleteItem"), json!(null));
}

/// A conditional delete requires the item (of this type) to exist.
#[tokio::test]
async fn wire_delete_conditional() {
    let w = Wire::new(&[]);
    w.db()
        .delete(the_task().key())
        .condition(Task::attrs().status.eq(TaskStatus::Done))
        .send()
        .await
        .expect("sent");
    pin(&w.only("DeleteItem"), json!(null));
}

/// `if_version` on a delete.
#[tokio::test]
async fn wire_delete_if_version() {
    let w = Wire::new(&[]);
    w.db()
        .delete(tenant("acme").key())
        .if_version(3)
        .send()
        .await
        .expect("sent");
    pin(&w.only("DeleteItem"), json!(null));
}

// ---- transactions and batches -------------------------------------------------------------

/// One action of each kind, in the order added.
#[tokio::test]
async fn wire_transact_write_put_update_delete_check() {
    let w = Wire::new(&[]);
    let db = w.db();
    let a = Task::attrs();
    db.transact_write()
        .action(db.put(&the_task()))
        .action(
            db.update(task("acme", "apollo", 8).key())
                .set(a.title, "Renamed")
                .condition(a.points.ge(1)),
        )
        .action(db.delete(task("acme", "apollo", 9).key()))
        .action(db.condition_check(
            tenant("acme").key(),
            Tenant::attrs().plan.eq(dynamorm_entities::Plan::Pro),
        ))
        .client_request_token("wire-token")
        .send()
        .await
        .expect("sent");
    pin(&w.only("TransactWriteItems"), json!(null));
}

/// Puts and deletes of entity types no other type shares keys with go in one
/// BatchWriteItem, unconditionally.
#[tokio::test]
async fn wire_batch_write_put_and_delete() {
    let w = Wire::new(&[]);
    let out = w
        .db()
        .batch_write()
        .put(&the_task())
        .put(&project("acme", "apollo", "ann"))
        .delete(comment("acme", "apollo", 7, "c1", "ann", 5).key())
        .send()
        .await
        .expect("sent");
    assert_eq!(out.failed(), []);
    let mut body = w.only("BatchWriteItem");
    if let Some(Value::Array(requests)) = body.pointer_mut("/RequestItems/tracker") {
        requests.sort_by_key(Value::to_string);
    }
    pin(&body, json!(null));
}

// ---- unique values ------------------------------------------------------------------------

/// A put of a user whose key holds nothing: a consistent read, then the user and the claim
/// of its e-mail's sentinel in one transaction, each requiring what was read.
#[tokio::test]
async fn wire_put_unique_new() {
    let w = Wire::new(&[("GetItem", json!({}))]);
    w.db().put(&user("acme", "u1")).send().await.expect("sent");
    let sent = w.sent();
    let operations: Vec<&str> = sent.iter().map(|s| s.operation.as_str()).collect();
    assert_eq!(operations, ["GetItem", "TransactWriteItems"]);
    pin(&sent[0].body, json!(null));
    pin(&sent[1].body, json!(null));
}

/// A put that changes a stored user's e-mail: the old value's sentinel is released, the
/// new one claimed, and the user's write requires the e-mail read.
#[tokio::test]
async fn wire_put_unique_changed() {
    let old = User {
        email: "old@acme.example".into(),
        ..user("acme", "u1")
    };
    let w = Wire::new(&[("GetItem", json!({ "Item": stored(&old) }))]);
    w.db().put(&user("acme", "u1")).send().await.expect("sent");
    let sent = w.sent();
    let operations: Vec<&str> = sent.iter().map(|s| s.operation.as_str()).collect();
    assert_eq!(operations, ["GetItem", "TransactWriteItems"]);
    pin(&sent[0].body, json!(null));
    pin(&sent[1].body, json!(null));
}

// ---- invalid input: refused before anything is sent ---------------------------------------

#[tokio::test]
async fn wire_put_invalid_nan() {
    let w = Wire::new(&[]);
    let nan = WireMeasure {
        id: "m".into(),
        value: f64::NAN,
    };
    let err = w.wire_db().put(&nan).send().await.expect_err("refused");
    assert!(
        matches!(err, Error::Validation { .. } | Error::Encode { .. }),
        "{err:?}"
    );
    w.assert_nothing_sent();
}

#[tokio::test]
async fn wire_update_invalid_nan() {
    let w = Wire::new(&[]);
    let err = w
        .wire_db()
        .update(WireMeasureKey { id: "m".into() })
        .set(WireMeasure::attrs().value, f64::NAN)
        .send()
        .await
        .expect_err("refused");
    assert!(
        matches!(err, Error::Validation { .. } | Error::Encode { .. }),
        "{err:?}"
    );
    w.assert_nothing_sent();
}

#[tokio::test]
async fn wire_put_invalid_empty_key() {
    let w = Wire::new(&[]);
    let bare = WireBare {
        id: String::new(),
        n: 1,
    };
    let err = w.wire_db().put(&bare).send().await.expect_err("refused");
    assert!(
        matches!(err, Error::Key(_) | Error::Validation { .. }),
        "{err:?}"
    );
    w.assert_nothing_sent();
}

#[tokio::test]
async fn wire_delete_invalid_empty_key() {
    let w = Wire::new(&[]);
    let err = w
        .wire_db()
        .delete(WireBareKey { id: String::new() })
        .send()
        .await
        .expect_err("refused");
    assert!(
        matches!(err, Error::Key(_) | Error::Validation { .. }),
        "{err:?}"
    );
    w.assert_nothing_sent();
}

#[tokio::test]
async fn wire_put_invalid_raw_condition() {
    let w = Wire::new(&[]);
    let err = w
        .db()
        .put(&the_task())
        .condition(Condition::raw("x) OR (y"))
        .send()
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    w.assert_nothing_sent();
}

/// One invalid action refuses the whole transaction.
#[tokio::test]
async fn wire_transact_write_invalid_raw_condition() {
    let w = Wire::new(&[]);
    let db = w.db();
    let err = db
        .transact_write()
        .action(db.put(&the_task()))
        .action(db.condition_check(tenant("acme").key(), Condition::raw("x) OR (y")))
        .send()
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    w.assert_nothing_sent();
}

#[tokio::test]
async fn wire_put_invalid_version_exhausted() {
    let w = Wire::new(&[]);
    let at_max = Tenant {
        version: u64::MAX,
        ..tenant("acme")
    };
    let err = w.db().put(&at_max).send().await.expect_err("refused");
    assert!(matches!(err, Error::VersionExhausted { .. }), "{err:?}");
    w.assert_nothing_sent();
}

#[tokio::test]
async fn wire_update_invalid_version_exhausted() {
    let w = Wire::new(&[]);
    let err = w
        .db()
        .update(tenant("acme").key())
        .set(Tenant::attrs().name, "Acme")
        .if_version(u64::MAX)
        .send()
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::VersionExhausted { .. }), "{err:?}");
    w.assert_nothing_sent();
}
