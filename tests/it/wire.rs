//! The wire format of every write, pinned without a server: an SDK client whose HTTP client
//! captures each request body and answers a canned 200, and one test per operation that
//! asserts the whole JSON body it sent (expression strings, placeholder maps, key, item,
//! `ReturnValues`, `ReturnValuesOnConditionCheckFailure`). A change to what goes on the wire
//! shows as a diff here.
//!
//! Three things are normalised before comparing, and only these: timestamps the library sets
//! to the current time (`created_at`, `updated_at`) read `"<now>"`, the random
//! `ClientRequestToken` the SDK adds to a TransactWriteItems sent without one reads
//! `"<sdk-generated>"`, and the write requests of a BatchWriteItem (sent in hash-map order)
//! are sorted by key. Maps compare regardless of order.
//!
//! The `wire_*_invalid_*` tests show that invalid input is refused before any request is
//! built: nothing is captured at all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::harness::invalid_kind;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_http_client::test_util::infallible_client_fn;
use chrono::{DateTime, Duration, Utc};
use dynamorm::InvalidInputKind;
use dynamorm::{Condition, Db, Entity, Error, Item};
use dynamorm_entities::sample::{assigned_task, comment, epoch, project, task, tenant, user};
use dynamorm_entities::{Task, TaskStatus, Tenant, Tracker, User};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// One request as it went on the wire: its operation (from `X-Amz-Target`) and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sent {
    pub(crate) operation: String,
    pub(crate) body: Value,
}

/// A client that records every request and answers each operation from `responses`
/// (`{}` for any operation not listed), with no network and no SDK retries.
pub(crate) struct Wire {
    sent: Arc<Mutex<Vec<Sent>>>,
    pub(crate) client: aws_sdk_dynamodb::Client,
    /// When the test started, to recognise timestamps the library sets to "now".
    started: DateTime<Utc>,
}

impl Wire {
    pub(crate) fn new(responses: &[(&'static str, Value)]) -> Self {
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
        Db::<Tracker>::new(self.client.clone()).with_registry::<dynamorm_entities::TrackerItem>()
    }

    fn games_db(&self) -> Db<crate::multi_attribute::Games> {
        Db::<crate::multi_attribute::Games>::new(self.client.clone())
    }

    fn wire_db(&self) -> Db<WireTable> {
        Db::<WireTable>::new(self.client.clone())
    }

    /// Every request sent so far, timestamps of "now" replaced by `"<now>"`.
    pub(crate) fn sent(&self) -> Vec<Sent> {
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

/// The body with the random, UUID-shaped `ClientRequestToken` of a unique-value
/// transaction (one per attempt, so an SDK retry of a lost response applies once) replaced
/// by `"<sdk-generated>"`.
fn sdk_token(body: &Value) -> Value {
    let mut body = body.clone();
    let token = body.get_mut("ClientRequestToken").expect("a token");
    assert_eq!(token.as_str().map(str::len), Some(36), "a UUID: {token}");
    *token = json!("<sdk-generated>");
    body
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
        AttributeValue::Null(_) => json!({ "NULL": true }),
        other => panic!("no canned-response form for {other:?}"),
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
    pin(
        &w.only("PutItem"),
        json!({
            "TableName": "tracker",
            "Item": {
                "GSI1PK": { "S": "USER#ann" },
                "GSI1SK": { "S": "DUE#2026-01-08T09:00:00.000000000Z" },
                "GSI2PK": { "S": "PROJECT#apollo#STATUS#OPEN" },
                "GSI2SK": { "S": "TASK#0000000007" },
                "PK": { "S": "TENANT#acme" },
                "SK": { "S": "PROJECT#apollo#TASK#0000000007" },
                "_type": { "S": "Task" },
                "assignee": { "S": "ann" },
                "due": { "S": "2026-01-08T09:00:00Z" },
                "points": { "N": "1" },
                "project_id": { "S": "apollo" },
                "status": { "S": "open" },
                "tags": { "L": [] },
                "task_id": { "N": "7" },
                "tenant_id": { "S": "acme" },
                "title": { "S": "Task 7" },
            },
            "ConditionExpression": "(attribute_not_exists(#n0)) OR (#n1 = :v0)",
            "ExpressionAttributeNames": { "#n0": "PK", "#n1": "_type" },
            "ExpressionAttributeValues": { ":v0": { "S": "Task" } },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
}

/// A create requires the key to be empty.
#[tokio::test]
async fn wire_create_plain() {
    let w = Wire::new(&[]);
    w.db().create(&the_task()).send().await.expect("sent");
    pin(
        &w.only("PutItem"),
        json!({
            "TableName": "tracker",
            "Item": {
                "GSI1PK": { "S": "USER#ann" },
                "GSI1SK": { "S": "DUE#2026-01-08T09:00:00.000000000Z" },
                "GSI2PK": { "S": "PROJECT#apollo#STATUS#OPEN" },
                "GSI2SK": { "S": "TASK#0000000007" },
                "PK": { "S": "TENANT#acme" },
                "SK": { "S": "PROJECT#apollo#TASK#0000000007" },
                "_type": { "S": "Task" },
                "assignee": { "S": "ann" },
                "due": { "S": "2026-01-08T09:00:00Z" },
                "points": { "N": "1" },
                "project_id": { "S": "apollo" },
                "status": { "S": "open" },
                "tags": { "L": [] },
                "task_id": { "N": "7" },
                "tenant_id": { "S": "acme" },
                "title": { "S": "Task 7" },
            },
            "ConditionExpression": "attribute_not_exists(#n0)",
            "ExpressionAttributeNames": { "#n0": "PK" },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
}

/// A versioned entity at version 0 is created: stored at version 1 with `created_at` set.
#[tokio::test]
async fn wire_put_versioned_new() {
    let w = Wire::new(&[]);
    w.db().put(&tenant("acme")).send().await.expect("sent");
    pin(
        &w.only("PutItem"),
        json!({
            "TableName": "tracker",
            "Item": {
                "PK": { "S": "TENANT#acme" },
                "SK": { "S": "TENANT" },
                "_type": { "S": "Tenant" },
                "created_at": { "S": "<now>" },
                "name": { "S": "Tenant acme" },
                "plan": { "S": "pro" },
                "task_count": { "N": "0" },
                "tenant_id": { "S": "acme" },
                "updated_at": { "S": "<now>" },
                "version": { "N": "1" },
            },
            "ConditionExpression": "attribute_not_exists(#n0)",
            "ExpressionAttributeNames": { "#n0": "PK" },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
}

/// A put of a stored versioned entity with `created_at` is an UpdateItem: it requires the
/// version read (and the current shape: it keeps a stored field), increments it, keeps the
/// stored `created_at` and removes the attributes the new value lacks.
#[tokio::test]
async fn wire_put_versioned_existing() {
    let w = Wire::new(&[]);
    let stored_tenant = Tenant {
        version: 3,
        ..tenant("acme")
    };
    w.db().put(&stored_tenant).send().await.expect("sent");
    pin(
        &w.only("UpdateItem"),
        json!({
            "TableName": "tracker",
            "Key": { "PK": { "S": "TENANT#acme" }, "SK": { "S": "TENANT" } },
            "UpdateExpression": "SET #n0 = if_not_exists(#n0, :v0), #n1 = :v1, #n2 = :v2, #n3 = :v3, #n4 = :v4, #n5 = :v5, #n6 = :v6, #n7 = :v7 REMOVE #n8",
            "ConditionExpression": "((#n1 = :v8) AND (attribute_not_exists(#n9))) AND (#n7 = :v9)",
            "ExpressionAttributeNames": {
                "#n0": "created_at",
                "#n1": "_type",
                "#n2": "name",
                "#n3": "plan",
                "#n4": "task_count",
                "#n5": "tenant_id",
                "#n6": "updated_at",
                "#n7": "version",
                "#n8": "expires",
                "#n9": "_shape",
            },
            "ExpressionAttributeValues": {
                ":v0": { "S": "<now>" },
                ":v1": { "S": "Tenant" },
                ":v2": { "S": "Tenant acme" },
                ":v3": { "S": "pro" },
                ":v4": { "N": "0" },
                ":v5": { "S": "acme" },
                ":v6": { "S": "<now>" },
                ":v7": { "N": "4" },
                ":v8": { "S": "Tenant" },
                ":v9": { "N": "3" },
            },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
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
    pin(
        &w.only("PutItem"),
        json!({
            "TableName": "tracker",
            "Item": {
                "GSI1PK": { "S": "USER#ann" },
                "GSI1SK": { "S": "DUE#2026-01-08T09:00:00.000000000Z" },
                "GSI2PK": { "S": "PROJECT#apollo#STATUS#OPEN" },
                "GSI2SK": { "S": "TASK#0000000007" },
                "PK": { "S": "TENANT#acme" },
                "SK": { "S": "PROJECT#apollo#TASK#0000000007" },
                "_type": { "S": "Task" },
                "assignee": { "S": "ann" },
                "due": { "S": "2026-01-08T09:00:00Z" },
                "points": { "N": "1" },
                "project_id": { "S": "apollo" },
                "status": { "S": "open" },
                "tags": { "L": [] },
                "task_id": { "N": "7" },
                "tenant_id": { "S": "acme" },
                "title": { "S": "Task 7" },
            },
            "ConditionExpression": "((attribute_not_exists(#n0)) OR ((#n1 = :v0) AND (attribute_not_exists(#n2)))) AND ((#n3 = :v1) AND (#n4 < :v2))",
            "ExpressionAttributeNames": { "#n0": "PK", "#n1": "_type", "#n2": "_shape", "#n3": "status", "#n4": "points" },
            "ExpressionAttributeValues": { ":v0": { "S": "Task" }, ":v1": { "S": "open" }, ":v2": { "N": "5" } },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
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
    pin(
        &w.only("PutItem"),
        json!({
            "TableName": "tracker",
            "Item": {
                "GSI1PK": { "S": "USER#ann" },
                "GSI1SK": { "S": "DUE#2026-01-08T09:00:00.000000000Z" },
                "GSI2PK": { "S": "PROJECT#apollo#STATUS#OPEN" },
                "GSI2SK": { "S": "TASK#0000000007" },
                "PK": { "S": "TENANT#acme" },
                "SK": { "S": "PROJECT#apollo#TASK#0000000007" },
                "_type": { "S": "Task" },
                "assignee": { "S": "ann" },
                "due": { "S": "2026-01-08T09:00:00Z" },
                "points": { "N": "1" },
                "project_id": { "S": "apollo" },
                "status": { "S": "open" },
                "tags": { "L": [] },
                "task_id": { "N": "7" },
                "tenant_id": { "S": "acme" },
                "title": { "S": "Task 7" },
            },
            "ConditionExpression": "((attribute_not_exists(#n0)) OR ((#n1 = :v0) AND (attribute_not_exists(#n2)))) AND (#p < :max AND attribute_exists(title))",
            "ExpressionAttributeNames": { "#n0": "PK", "#n1": "_type", "#n2": "_shape", "#p": "points" },
            "ExpressionAttributeValues": { ":max": { "N": "10" }, ":v0": { "S": "Task" } },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
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
    pin(
        &w.only("UpdateItem"),
        json!({
            "TableName": "tracker",
            "Key": { "PK": { "S": "TENANT#acme" }, "SK": { "S": "PROJECT#apollo#TASK#0000000007" } },
            "UpdateExpression": "SET #n0 = :v0, #n1 = :v1, #n2 = list_append(if_not_exists(#n2, :v2), :v3), #n3 = :v4, #n4 = :v5 REMOVE #n5, #n6, #n7 ADD #n8 :v6",
            "ConditionExpression": "((#n9 = :v7) AND (attribute_not_exists(#n10))) AND (((attribute_not_exists(#n8)) OR (#n8 <= :v8)) AND (#n0 <> :v9))",
            "ExpressionAttributeNames": {
                "#n0": "status",
                "#n1": "title",
                "#n2": "tags",
                "#n3": "GSI2PK",
                "#n4": "GSI2SK",
                "#n5": "assignee",
                "#n6": "GSI1PK",
                "#n7": "GSI1SK",
                "#n8": "points",
                "#n9": "_type",
                "#n10": "_shape",
            },
            "ExpressionAttributeValues": {
                ":v0": { "S": "done" },
                ":v1": { "S": "Ship it" },
                ":v2": { "L": [] },
                ":v3": { "L": [{ "S": "urgent" }] },
                ":v4": { "S": "PROJECT#apollo#STATUS#DONE" },
                ":v5": { "S": "TASK#0000000007" },
                ":v6": { "N": "2" },
                ":v7": { "S": "Task" },
                ":v8": { "N": "4294967293" },
                ":v9": { "S": "done" },
            },
            "ReturnValues": "ALL_NEW",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
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
    pin(
        &w.only("UpdateItem"),
        json!({
            "TableName": "tracker",
            "Key": { "PK": { "S": "TENANT#acme" }, "SK": { "S": "PROJECT#apollo#TASK#0000000007" } },
            "UpdateExpression": "SET #n0 = :v0, #n1 = :v1, #n2 = :v2, #n3 = :v3",
            "ConditionExpression": "(#n4 = :v4) AND (attribute_not_exists(#n5))",
            "ExpressionAttributeNames": {
                "#n0": "assignee",
                "#n1": "due",
                "#n2": "GSI1PK",
                "#n3": "GSI1SK",
                "#n4": "_type",
                "#n5": "_shape",
            },
            "ExpressionAttributeValues": {
                ":v0": { "S": "bob" },
                ":v1": { "S": "2026-01-05T09:00:00Z" },
                ":v2": { "S": "USER#bob" },
                ":v3": { "S": "DUE#2026-01-05T09:00:00.000000000Z" },
                ":v4": { "S": "Task" },
            },
            "ReturnValues": "ALL_NEW",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
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
    pin(
        &w.only("UpdateItem"),
        json!({
            "TableName": "tracker",
            "Key": { "PK": { "S": "TENANT#acme" }, "SK": { "S": "TENANT" } },
            "UpdateExpression": "SET #n0 = :v0, #n1 = :v1 ADD #n2 :v2",
            "ConditionExpression": "((#n3 = :v3) AND (attribute_not_exists(#n4))) AND (#n2 = :v4)",
            "ExpressionAttributeNames": { "#n0": "name", "#n1": "updated_at", "#n2": "version", "#n3": "_type", "#n4": "_shape" },
            "ExpressionAttributeValues": {
                ":v0": { "S": "Acme Inc." },
                ":v1": { "S": "<now>" },
                ":v2": { "N": "1" },
                ":v3": { "S": "Tenant" },
                ":v4": { "N": "3" },
            },
            "ReturnValues": "ALL_NEW",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
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
    pin(
        &w.only("UpdateItem"),
        json!({
            "TableName": "tracker",
            "Key": { "PK": { "S": "TENANT#acme" }, "SK": { "S": "TENANT" } },
            "UpdateExpression": "SET #n0 = :v0 ADD #n1 :v1, #n2 :v2",
            "ConditionExpression": "((#n3 = :v3) AND (attribute_not_exists(#n4))) AND (((attribute_not_exists(#n2)) OR (#n2 < :v4)) AND ((attribute_not_exists(#n1)) OR (#n1 <= :v5)))",
            "ExpressionAttributeNames": { "#n0": "updated_at", "#n1": "task_count", "#n2": "version", "#n3": "_type", "#n4": "_shape" },
            "ExpressionAttributeValues": {
                ":v0": { "S": "<now>" },
                ":v1": { "N": "1" },
                ":v2": { "N": "1" },
                ":v3": { "S": "Tenant" },
                ":v4": { "N": "18446744073709551615" },
                ":v5": { "N": "18446744073709551614" },
            },
            "ReturnValues": "ALL_NEW",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
}

// ---- delete -------------------------------------------------------------------------------

/// An unconditional delete removes nothing of another type, nor of a shape newer than the
/// entity's (it could not return it), and returns the old item.
#[tokio::test]
async fn wire_delete_unconditional() {
    let w = Wire::new(&[]);
    let deleted = w.db().delete(the_task().key()).send().await.expect("sent");
    assert_eq!(deleted, None);
    pin(
        &w.only("DeleteItem"),
        json!({
            "TableName": "tracker",
            "Key": { "PK": { "S": "TENANT#acme" }, "SK": { "S": "PROJECT#apollo#TASK#0000000007" } },
            "ConditionExpression": "(attribute_not_exists(#n0)) OR ((#n1 = :v0) AND ((attribute_not_exists(#n2)) OR (#n2 IN (:v1))))",
            "ExpressionAttributeNames": { "#n0": "PK", "#n1": "_type", "#n2": "_shape" },
            "ExpressionAttributeValues": { ":v0": { "S": "Task" }, ":v1": { "N": "1" } },
            "ReturnValues": "ALL_OLD",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
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
    pin(
        &w.only("DeleteItem"),
        json!({
            "TableName": "tracker",
            "Key": { "PK": { "S": "TENANT#acme" }, "SK": { "S": "PROJECT#apollo#TASK#0000000007" } },
            "ConditionExpression": "((#n0 = :v0) AND (attribute_not_exists(#n1))) AND (#n2 = :v1)",
            "ExpressionAttributeNames": { "#n0": "_type", "#n1": "_shape", "#n2": "status" },
            "ExpressionAttributeValues": { ":v0": { "S": "Task" }, ":v1": { "S": "done" } },
            "ReturnValues": "ALL_OLD",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
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
    pin(
        &w.only("DeleteItem"),
        json!({
            "TableName": "tracker",
            "Key": { "PK": { "S": "TENANT#acme" }, "SK": { "S": "TENANT" } },
            "ConditionExpression": "((#n0 = :v0) AND (attribute_not_exists(#n1))) AND (#n2 = :v1)",
            "ExpressionAttributeNames": { "#n0": "_type", "#n1": "_shape", "#n2": "version" },
            "ExpressionAttributeValues": { ":v0": { "S": "Tenant" }, ":v1": { "N": "3" } },
            "ReturnValues": "ALL_OLD",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
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
    pin(
        &w.only("TransactWriteItems"),
        json!({
            "TransactItems": [
                {
                    "Put": {
                        "TableName": "tracker",
                        "Item": {
                            "GSI1PK": { "S": "USER#ann" },
                            "GSI1SK": { "S": "DUE#2026-01-08T09:00:00.000000000Z" },
                            "GSI2PK": { "S": "PROJECT#apollo#STATUS#OPEN" },
                            "GSI2SK": { "S": "TASK#0000000007" },
                            "PK": { "S": "TENANT#acme" },
                            "SK": { "S": "PROJECT#apollo#TASK#0000000007" },
                            "_type": { "S": "Task" },
                            "assignee": { "S": "ann" },
                            "due": { "S": "2026-01-08T09:00:00Z" },
                            "points": { "N": "1" },
                            "project_id": { "S": "apollo" },
                            "status": { "S": "open" },
                            "tags": { "L": [] },
                            "task_id": { "N": "7" },
                            "tenant_id": { "S": "acme" },
                            "title": { "S": "Task 7" },
                        },
                        "ConditionExpression": "(attribute_not_exists(#n0)) OR (#n1 = :v0)",
                        "ExpressionAttributeNames": { "#n0": "PK", "#n1": "_type" },
                        "ExpressionAttributeValues": { ":v0": { "S": "Task" } },
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    },
                },
                {
                    "Update": {
                        "TableName": "tracker",
                        "Key": {
                            "PK": { "S": "TENANT#acme" },
                            "SK": { "S": "PROJECT#apollo#TASK#0000000008" },
                        },
                        "UpdateExpression": "SET #n0 = :v0",
                        "ConditionExpression": "((#n1 = :v1) AND (attribute_not_exists(#n2))) AND (#n3 >= :v2)",
                        "ExpressionAttributeNames": { "#n0": "title", "#n1": "_type", "#n2": "_shape", "#n3": "points" },
                        "ExpressionAttributeValues": {
                            ":v0": { "S": "Renamed" },
                            ":v1": { "S": "Task" },
                            ":v2": { "N": "1" },
                        },
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    },
                },
                {
                    "Delete": {
                        "TableName": "tracker",
                        "Key": {
                            "PK": { "S": "TENANT#acme" },
                            "SK": { "S": "PROJECT#apollo#TASK#0000000009" },
                        },
                        "ConditionExpression": "(attribute_not_exists(#n0)) OR ((#n1 = :v0) AND ((attribute_not_exists(#n2)) OR (#n2 IN (:v1))))",
                        "ExpressionAttributeNames": { "#n0": "PK", "#n1": "_type", "#n2": "_shape" },
                        "ExpressionAttributeValues": { ":v0": { "S": "Task" }, ":v1": { "N": "1" } },
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    },
                },
                {
                    "ConditionCheck": {
                        "TableName": "tracker",
                        "Key": { "PK": { "S": "TENANT#acme" }, "SK": { "S": "TENANT" } },
                        "ConditionExpression": "((#n0 = :v0) AND (attribute_not_exists(#n1))) AND (#n2 = :v1)",
                        "ExpressionAttributeNames": { "#n0": "_type", "#n1": "_shape", "#n2": "plan" },
                        "ExpressionAttributeValues": { ":v0": { "S": "Tenant" }, ":v1": { "S": "pro" } },
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    },
                },
            ],
            "ClientRequestToken": "wire-token",
        }),
    );
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
    // Sent in hash-map order: sorted by key here.
    if let Some(Value::Array(requests)) = body.pointer_mut("/RequestItems/tracker") {
        requests.sort_by_key(|r| {
            let key = r
                .pointer("/PutRequest/Item")
                .or_else(|| r.pointer("/DeleteRequest/Key"))
                .cloned()
                .unwrap_or_default();
            (key["PK"]["S"].to_string(), key["SK"]["S"].to_string())
        });
    }
    pin(
        &body,
        json!({
            "RequestItems": {
                "tracker": [
                    {
                        "PutRequest": {
                            "Item": {
                                "GSI2PK": { "S": "OWNER#ann" },
                                "GSI2SK": { "S": "PROJECT#apollo" },
                                "PK": { "S": "TENANT#acme" },
                                "SK": { "S": "PROJECT#apollo" },
                                "_type": { "S": "Project" },
                                "name": { "S": "Project apollo" },
                                "owner": { "S": "ann" },
                                "project_id": { "S": "apollo" },
                                "status": { "S": "active" },
                                "tenant_id": { "S": "acme" },
                            },
                        },
                    },
                    {
                        "PutRequest": {
                            "Item": {
                                "GSI1PK": { "S": "USER#ann" },
                                "GSI1SK": { "S": "DUE#2026-01-08T09:00:00.000000000Z" },
                                "GSI2PK": { "S": "PROJECT#apollo#STATUS#OPEN" },
                                "GSI2SK": { "S": "TASK#0000000007" },
                                "PK": { "S": "TENANT#acme" },
                                "SK": { "S": "PROJECT#apollo#TASK#0000000007" },
                                "_type": { "S": "Task" },
                                "assignee": { "S": "ann" },
                                "due": { "S": "2026-01-08T09:00:00Z" },
                                "points": { "N": "1" },
                                "project_id": { "S": "apollo" },
                                "status": { "S": "open" },
                                "tags": { "L": [] },
                                "task_id": { "N": "7" },
                                "tenant_id": { "S": "acme" },
                                "title": { "S": "Task 7" },
                            },
                        },
                    },
                    {
                        "DeleteRequest": {
                            "Key": {
                                "PK": { "S": "TENANT#acme" },
                                "SK": {
                                    "S": "PROJECT#apollo#TASK#0000000007#COMMENT#2026-01-05T09:05:00.000000000Z#c1",
                                },
                            },
                        },
                    },
                ],
            },
        }),
    );
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
    pin(
        &sent[0].body,
        json!({
            "TableName": "tracker",
            "Key": { "PK": { "S": "TENANT#acme" }, "SK": { "S": "USER#u1" } },
            "ConsistentRead": true,
        }),
    );
    pin(
        &sdk_token(&sent[1].body),
        json!({
            "TransactItems": [
                {
                    "Put": {
                        "TableName": "tracker",
                        "Item": {
                            "GSI1PK": { "S": "EMAIL#u1@acme.example" },
                            "GSI1SK": { "S": "USER" },
                            "PK": { "S": "TENANT#acme" },
                            "SK": { "S": "USER#u1" },
                            "_type": { "S": "User" },
                            "email": { "S": "u1@acme.example" },
                            "name": { "S": "User u1" },
                            "role": { "S": "member" },
                            "tenantId": { "S": "acme" },
                            "userId": { "S": "u1" },
                        },
                        "ConditionExpression": "(attribute_not_exists(#n0)) AND (attribute_not_exists(#n1))",
                        "ExpressionAttributeNames": { "#n0": "PK", "#n1": "email" },
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    },
                },
                {
                    "Put": {
                        "TableName": "tracker",
                        "Item": {
                            "PK": { "S": "_dynamorm.unique#User#email#u1@acme.example" },
                            "SK": { "S": "_dynamorm.unique" },
                            "_type": { "S": "_dynamorm.unique" },
                            "owner": { "S": "TENANT#acme" },
                            "owner_sort": { "S": "USER#u1" },
                        },
                        "ConditionExpression": "(attribute_not_exists(#n0)) OR ((#n1 = :v0) AND (#n2 = :v1))",
                        "ExpressionAttributeNames": { "#n0": "PK", "#n1": "owner", "#n2": "owner_sort" },
                        "ExpressionAttributeValues": { ":v0": { "S": "TENANT#acme" }, ":v1": { "S": "USER#u1" } },
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    },
                },
            ],
            "ClientRequestToken": "<sdk-generated>",
        }),
    );
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
    pin(
        &sent[0].body,
        json!({
            "TableName": "tracker",
            "Key": { "PK": { "S": "TENANT#acme" }, "SK": { "S": "USER#u1" } },
            "ConsistentRead": true,
        }),
    );
    pin(
        &sdk_token(&sent[1].body),
        json!({
            "TransactItems": [
                {
                    "Put": {
                        "TableName": "tracker",
                        "Item": {
                            "GSI1PK": { "S": "EMAIL#u1@acme.example" },
                            "GSI1SK": { "S": "USER" },
                            "PK": { "S": "TENANT#acme" },
                            "SK": { "S": "USER#u1" },
                            "_type": { "S": "User" },
                            "email": { "S": "u1@acme.example" },
                            "name": { "S": "User u1" },
                            "role": { "S": "member" },
                            "tenantId": { "S": "acme" },
                            "userId": { "S": "u1" },
                        },
                        "ConditionExpression": "((attribute_not_exists(#n0)) OR (#n1 = :v0)) AND (#n2 = :v1)",
                        "ExpressionAttributeNames": { "#n0": "PK", "#n1": "_type", "#n2": "email" },
                        "ExpressionAttributeValues": { ":v0": { "S": "User" }, ":v1": { "S": "old@acme.example" } },
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    },
                },
                {
                    "Delete": {
                        "TableName": "tracker",
                        "Key": {
                            "PK": { "S": "_dynamorm.unique#User#email#old@acme.example" },
                            "SK": { "S": "_dynamorm.unique" },
                        },
                        "ConditionExpression": "(attribute_not_exists(#n0)) OR ((#n1 = :v0) AND ((#n2 = :v1) AND (#n3 = :v2)))",
                        "ExpressionAttributeNames": { "#n0": "PK", "#n1": "_type", "#n2": "owner", "#n3": "owner_sort" },
                        "ExpressionAttributeValues": { ":v0": { "S": "_dynamorm.unique" }, ":v1": { "S": "TENANT#acme" }, ":v2": { "S": "USER#u1" } },
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    },
                },
                {
                    "Put": {
                        "TableName": "tracker",
                        "Item": {
                            "PK": { "S": "_dynamorm.unique#User#email#u1@acme.example" },
                            "SK": { "S": "_dynamorm.unique" },
                            "_type": { "S": "_dynamorm.unique" },
                            "owner": { "S": "TENANT#acme" },
                            "owner_sort": { "S": "USER#u1" },
                        },
                        "ConditionExpression": "(attribute_not_exists(#n0)) OR ((#n1 = :v0) AND (#n2 = :v1))",
                        "ExpressionAttributeNames": { "#n0": "PK", "#n1": "owner", "#n2": "owner_sort" },
                        "ExpressionAttributeValues": { ":v0": { "S": "TENANT#acme" }, ":v1": { "S": "USER#u1" } },
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    },
                },
            ],
            "ClientRequestToken": "<sdk-generated>",
        }),
    );
}

// ---- invalid input: refused before anything is sent ---------------------------------------

/// A NaN in an item (DynamoDB numbers are finite).
#[tokio::test]
async fn wire_put_invalid_nan() {
    let w = Wire::new(&[]);
    let nan = WireMeasure {
        id: "m".into(),
        value: f64::NAN,
    };
    let err = w.wire_db().put(&nan).send().await.expect_err("refused");
    assert!(
        matches!(err, Error::InvalidInput(_) | Error::Encode(_)),
        "{err:?}"
    );
    w.assert_nothing_sent();
}

/// A NaN set by an update.
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
        matches!(err, Error::InvalidInput(_) | Error::Encode(_)),
        "{err:?}"
    );
    w.assert_nothing_sent();
}

/// An empty partition key (`pk = "{id}"` with an empty `id`).
#[tokio::test]
async fn wire_put_invalid_empty_key() {
    let w = Wire::new(&[]);
    let bare = WireBare {
        id: String::new(),
        n: 1,
    };
    let err = w.wire_db().put(&bare).send().await.expect_err("refused");
    assert!(
        matches!(err, Error::Key(_) | Error::InvalidInput(_)),
        "{err:?}"
    );
    w.assert_nothing_sent();
}

/// An empty partition key in a delete.
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
        matches!(err, Error::Key(_) | Error::InvalidInput(_)),
        "{err:?}"
    );
    w.assert_nothing_sent();
}

/// Raw text that would regroup the library's guard: `(guard) AND (x) OR (y)`.
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
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::RawExpression),
        "{err:?}"
    );
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
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::RawExpression),
        "{err:?}"
    );
    w.assert_nothing_sent();
}

/// A put whose next version would not fit the field (`u64::MAX + 1`).
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

/// An update at `if_version(u64::MAX)`, whose increment would not fit.
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

/// A multi-attribute index needs nothing rendered: the item is its fields, and a `None`
/// field is left out (not `NULL`), so the item is not in the index.
#[tokio::test]
async fn wire_put_multi_attribute_sparse() {
    use crate::multi_attribute::a_match;
    let w = Wire::new(&[]);
    w.games_db()
        .put(&a_match("m1", "eu", 9, None))
        .send()
        .await
        .expect("sent");
    pin(
        &w.only("PutItem"),
        json!({
            "TableName": "games",
            "Item": {
                "PK": { "S": "MATCH#m1" },
                "SK": { "S": "MATCH" },
                "GSI1PK": { "S": "T#spring" },
                "GSI1SK": { "S": "MATCH#m1" },
                "_type": { "S": "Match" },
                "id": { "S": "m1" },
                "tournament": { "S": "spring" },
                "region": { "S": "eu" },
                "round": { "N": "9" },
                "score": { "N": "0" },
            },
            "ConditionExpression": "(attribute_not_exists(#n0)) OR (#n1 = :v0)",
            "ExpressionAttributeNames": { "#n0": "PK", "#n1": "_type" },
            "ExpressionAttributeValues": { ":v0": { "S": "Match" } },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
}

/// Setting a multi-attribute key field to `None` is sent as `REMOVE`; setting another is a
/// plain `SET` with nothing re-rendered.
#[tokio::test]
async fn wire_update_multi_attribute_keys() {
    use crate::multi_attribute::{Match, MatchKey, a_match};
    let w = Wire::new(&[(
        "UpdateItem",
        json!({ "Attributes": stored(&a_match("m1", "eu", 9, None)) }),
    )]);
    let a = Match::attrs();
    w.games_db()
        .update(MatchKey { id: "m1".into() })
        .set(a.bracket, None::<String>)
        .set(a.round, 12)
        .send()
        .await
        .expect("sent");
    pin(
        &w.only("UpdateItem"),
        json!({
            "TableName": "games",
            "Key": { "PK": { "S": "MATCH#m1" }, "SK": { "S": "MATCH" } },
            "UpdateExpression": "SET #n0 = :v0 REMOVE #n1",
            "ConditionExpression": "(#n2 = :v1) AND (attribute_not_exists(#n3))",
            "ExpressionAttributeNames": { "#n0": "round", "#n1": "bracket", "#n2": "_type", "#n3": "_shape" },
            "ExpressionAttributeValues": { ":v0": { "N": "12" }, ":v1": { "S": "Match" } },
            "ReturnValues": "ALL_NEW",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
}

/// A multi-attribute key condition: every partition attribute and the leading sort
/// attributes by equality, the range on the next, native types.
#[tokio::test]
async fn wire_query_multi_attribute_index() {
    use crate::multi_attribute::Match;
    let w = Wire::new(&[("Query", json!({ "Items": [], "Count": 0 }))]);
    let found = w
        .games_db()
        .query_index(
            Match::ByRound
                .partition("spring", "eu")
                .sort_eq(9)
                .sort_begins_with("up"),
        )
        .all()
        .await
        .expect("sent");
    assert!(found.is_empty());
    pin(
        &w.only("Query"),
        json!({
            "TableName": "games",
            "IndexName": "ByRound",
            "KeyConditionExpression": "#n0 = :v0 AND #n1 = :v1 AND #n2 = :v2 AND begins_with(#n3, :v3)",
            "FilterExpression": "#n4 = :v4",
            "ExpressionAttributeNames": {
                "#n0": "tournament", "#n1": "region", "#n2": "round", "#n3": "bracket", "#n4": "_type",
            },
            "ExpressionAttributeValues": {
                ":v0": { "S": "spring" }, ":v1": { "S": "eu" }, ":v2": { "N": "9" },
                ":v3": { "S": "up" }, ":v4": { "S": "Match" },
            },
            "ScanIndexForward": true,
            "ConsistentRead": false,
        }),
    );
}

/// An entity in its second shape: its puts store `_shape`, its updates require it.
fn contact() -> crate::shapes::v2::Person {
    crate::shapes::v2::Person {
        id: "p1".into(),
        org: "acme".into(),
        full_name: "Ada Lovelace".into(),
        age: 36,
        visits: 0,
    }
}

#[tokio::test]
async fn wire_shaped_put_update_and_delete() {
    use crate::shapes::v2::{Person, PersonKey};
    let w = Wire::new(&[
        ("PutItem", json!({})),
        ("UpdateItem", json!({ "Attributes": stored(&contact()) })),
        ("DeleteItem", json!({})),
    ]);
    let db = Db::<crate::shapes::People>::new(w.client.clone());
    db.put(&contact()).send().await.expect("put");
    db.update(PersonKey { id: "p1".into() })
        .add(Person::attrs().visits, 1)
        .send()
        .await
        .expect("update");
    db.delete(PersonKey { id: "p1".into() })
        .send()
        .await
        .expect("delete");
    let sent = w.sent();
    let bodies: Vec<&Value> = sent.iter().map(|s| &s.body).collect();
    pin(
        bodies[0],
        json!({
            "TableName": "people",
            "Item": {
                "PK": { "S": "PERSON#p1" },
                "SK": { "S": "PERSON" },
                "GSI1PK": { "S": "ORG#acme" },
                "GSI1SK": { "S": "PERSON#p1" },
                "_type": { "S": "Person" },
                "_shape": { "N": "2" },
                "id": { "S": "p1" },
                "org": { "S": "acme" },
                "full_name": { "S": "Ada Lovelace" },
                "age": { "N": "36" },
                "visits": { "N": "0" },
            },
            "ConditionExpression": "(attribute_not_exists(#n0)) OR (#n1 = :v0)",
            "ExpressionAttributeNames": { "#n0": "PK", "#n1": "_type" },
            "ExpressionAttributeValues": { ":v0": { "S": "Person" } },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
    pin(
        bodies[1],
        json!({
            "TableName": "people",
            "Key": { "PK": { "S": "PERSON#p1" }, "SK": { "S": "PERSON" } },
            "UpdateExpression": "ADD #n0 :v0",
            "ConditionExpression": "((#n1 = :v1) AND (#n2 = :v2)) AND ((attribute_not_exists(#n0)) OR (#n0 <= :v3))",
            "ExpressionAttributeNames": { "#n0": "visits", "#n1": "_type", "#n2": "_shape" },
            "ExpressionAttributeValues": {
                ":v0": { "N": "1" },
                ":v1": { "S": "Person" },
                ":v2": { "N": "2" },
                ":v3": { "N": "18446744073709551614" },
            },
            "ReturnValues": "ALL_NEW",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
    // A delete takes exactly the shapes this binary reads: any it can return.
    pin(
        bodies[2],
        json!({
            "TableName": "people",
            "Key": { "PK": { "S": "PERSON#p1" }, "SK": { "S": "PERSON" } },
            "ConditionExpression": "(attribute_not_exists(#n0)) OR ((#n1 = :v0) AND ((attribute_not_exists(#n2)) OR (#n2 IN (:v1, :v2))))",
            "ExpressionAttributeNames": { "#n0": "PK", "#n1": "_type", "#n2": "_shape" },
            "ExpressionAttributeValues": { ":v0": { "S": "Person" }, ":v1": { "N": "1" }, ":v2": { "N": "2" } },
            "ReturnValues": "ALL_OLD",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }),
    );
}
