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

#[tokio::test]
async fn wire_put_plain() {
    let w = Wire::new(&[]);
    w.db().put(&the_task()).send().await.expect("sent");
    pin(&w.only("PutItem"), json!(null));
}
