//! Per-operation workloads: dynamorm against the hand-written raw-SDK equivalent (with
//! `serde_dynamo`) sending the same request. Either without a network — the SDK's HTTP
//! client answers canned responses, so what is measured is request building, signing,
//! serialization, response parsing and decoding — or end to end against a live server.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use aws_smithy_http_client::test_util::infallible_client_fn;
use chrono::SecondsFormat;
use dynamorm::read::Page;
use dynamorm::{Db, Item};
use dynamorm_entities::sample::assigned_task;
use dynamorm_entities::{Task, TaskStatus, Tracker};
use serde_json::{Value, json};

/// An attribute value in DynamoDB's JSON wire format.
fn wire(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::L(l) => json!({ "L": l.iter().map(wire).collect::<Vec<_>>() }),
        AttributeValue::M(m) => {
            json!({ "M": m.iter().map(|(k, v)| (k.clone(), wire(v))).collect::<serde_json::Map<_, _>>() })
        }
        _ => json!({ "NULL": true }),
    }
}

pub(crate) fn wire_item(item: &Item) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), wire(v))).collect())
}

/// A client whose every request is answered from `responses` by operation name.
fn canned(responses: HashMap<&'static str, String>) -> Client {
    canned_by(move |operation, _| {
        responses
            .get(operation)
            .cloned()
            .unwrap_or_else(|| "{}".into())
    })
}

/// A client whose every request is answered by `answer(operation name, request body)`.
pub(crate) fn canned_by(answer: impl Fn(&str, &[u8]) -> String + Send + Sync + 'static) -> Client {
    // `BENCH_SHOW_REQUESTS=1` prints every request body: the way to check that both sides
    // of a benchmark send the same request.
    let show = std::env::var_os("BENCH_SHOW_REQUESTS").is_some();
    let http = infallible_client_fn(move |request| {
        let body = request.body().bytes().unwrap_or_default();
        if show {
            eprintln!("{}", String::from_utf8_lossy(body));
        }
        let target = request
            .headers()
            .get("x-amz-target")
            .and_then(|t| t.to_str().ok())
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("");
        http::Response::builder()
            .status(200)
            .header("content-type", "application/x-amz-json-1.0")
            .body(answer(target, body))
            .unwrap_or_default()
    });
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "bench"))
        .endpoint_url("http://127.0.0.1:1")
        .http_client(http)
        .build();
    Client::from_conf(config)
}

/// The task every single-item workload reads and writes.
fn the_task() -> Task {
    assigned_task("acme", "apollo", 7, "ann", 3)
}

/// One client, used by both sides.
pub(crate) struct Overhead {
    pub(crate) client: Client,
    pub(crate) db: Db<Tracker>,
    pub(crate) task: Task,
}

impl Overhead {
    /// Against a client answering canned responses.
    pub(crate) fn new() -> Self {
        let task = the_task();
        let item = dynamorm::to_item(&task).expect("encodes");
        let page: Vec<Value> = (0..25)
            .map(|i| {
                let task = assigned_task("acme", "apollo", i, "ann", 3);
                wire_item(&dynamorm::to_item(&task).expect("encodes"))
            })
            .collect();
        let responses: HashMap<&'static str, String> = [
            ("GetItem", json!({ "Item": wire_item(&item) }).to_string()),
            ("PutItem", "{}".to_string()),
            (
                "UpdateItem",
                json!({ "Attributes": wire_item(&item) }).to_string(),
            ),
            (
                "Query",
                json!({ "Items": page, "Count": 25, "ScannedCount": 25 }).to_string(),
            ),
        ]
        .into_iter()
        .collect();
        let client = canned(responses);
        let db = Db::<Tracker>::with_table_name(client.clone(), "bench")
            .with_registry::<dynamorm_entities::TrackerItem>();
        Self { client, db, task }
    }

    /// Against a live server: creates table `table` holding the task and a 25-task page.
    #[allow(dead_code)] // the criterion bench measures only the canned variant
    pub(crate) async fn live(client: Client, table: &str) -> Self {
        let db = Db::<Tracker>::with_table_name(client.clone(), table);
        db.create_table().await.expect("table");
        let page: Vec<Task> = (0..25)
            .map(|i| assigned_task("acme", "apollo", i, "ann", 3))
            .collect();
        db.batch_write()
            .put_all(&page)
            .send()
            .await
            .expect("batch")
            .into_result()
            .expect("written");
        Self {
            client,
            db,
            task: the_task(),
        }
    }

    /// The primary key, as a user writes it by hand without dynamorm.
    fn raw_key(&self) -> Item {
        let task = &self.task;
        HashMap::from([
            (
                "PK".to_string(),
                AttributeValue::S(format!("TENANT#{}", task.tenant_id)),
            ),
            (
                "SK".to_string(),
                AttributeValue::S(format!(
                    "PROJECT#{}#TASK#{:010}",
                    task.project_id, task.task_id
                )),
            ),
        ])
    }

    pub(crate) async fn get_baseline(&self) -> Task {
        let out = self
            .client
            .get_item()
            .table_name(self.db.table_name())
            .set_key(Some(self.raw_key()))
            .send()
            .await
            .expect("get");
        serde_dynamo::from_item(out.item.expect("item")).expect("decodes")
    }

    pub(crate) async fn get_dynamorm(&self) -> Option<Task> {
        self.db.get(self.task.key()).send().await.expect("get")
    }

    pub(crate) async fn put_baseline(&self) {
        let task = &self.task;
        let mut item: Item = serde_dynamo::to_item(task).expect("encodes");
        item.extend(self.raw_key());
        // The same item dynamorm writes: both index keys and the discriminator.
        if let (Some(assignee), Some(due)) = (&task.assignee, &task.due) {
            item.insert(
                "GSI1PK".into(),
                AttributeValue::S(format!("USER#{assignee}")),
            );
            item.insert(
                "GSI1SK".into(),
                AttributeValue::S(format!(
                    "DUE#{}",
                    due.to_rfc3339_opts(SecondsFormat::Nanos, true)
                )),
            );
        }
        item.insert(
            "GSI2PK".into(),
            AttributeValue::S(format!("PROJECT#{}#STATUS#OPEN", task.project_id)),
        );
        item.insert(
            "GSI2SK".into(),
            AttributeValue::S(format!("TASK#{:010}", task.task_id)),
        );
        item.insert("_type".into(), AttributeValue::S("Task".into()));
        self.client
            .put_item()
            .table_name(self.db.table_name())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk) OR #t = :t")
            .expression_attribute_names("#pk", "PK")
            .expression_attribute_names("#t", "_type")
            .expression_attribute_values(":t", AttributeValue::S("Task".into()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await
            .expect("put");
    }

    pub(crate) async fn put_dynamorm(&self) {
        self.db.put(&self.task).send().await.expect("put");
    }

    pub(crate) async fn update_baseline(&self) -> Task {
        let out = self
            .client
            .update_item()
            .table_name(self.db.table_name())
            .set_key(Some(self.raw_key()))
            // Status is part of GSI2's partition key: the index keys are written with it,
            // as dynamorm does.
            .update_expression("SET #s = :s, #g = :g, #h = :h ADD #p :p")
            // The entity guard, and `points` (a u32) kept in range by the increment, as
            // dynamorm does.
            .condition_expression("(#t = :t) AND ((attribute_not_exists(#p)) OR (#p <= :max))")
            .expression_attribute_names("#s", "status")
            .expression_attribute_names("#g", "GSI2PK")
            .expression_attribute_names("#h", "GSI2SK")
            .expression_attribute_names("#p", "points")
            .expression_attribute_names("#t", "_type")
            .expression_attribute_values(":s", AttributeValue::S("done".into()))
            .expression_attribute_values(
                ":g",
                AttributeValue::S(format!("PROJECT#{}#STATUS#DONE", self.task.project_id)),
            )
            .expression_attribute_values(
                ":h",
                AttributeValue::S(format!("TASK#{:010}", self.task.task_id)),
            )
            .expression_attribute_values(":p", AttributeValue::N("1".into()))
            .expression_attribute_values(":t", AttributeValue::S("Task".into()))
            .expression_attribute_values(":max", AttributeValue::N((u32::MAX - 1).to_string()))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await
            .expect("update");
        serde_dynamo::from_item(out.attributes.expect("item")).expect("decodes")
    }

    pub(crate) async fn update_dynamorm(&self) -> Task {
        let a = Task::attrs();
        self.db
            .update(self.task.key())
            .set(a.status, TaskStatus::Done)
            .add(a.points, 1)
            .send()
            .await
            .expect("update")
    }

    pub(crate) async fn query_baseline(&self) -> Vec<Task> {
        let out = self
            .client
            .query()
            .table_name(self.db.table_name())
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :sk)")
            .filter_expression("#t = :t")
            .expression_attribute_names("#pk", "PK")
            .expression_attribute_names("#sk", "SK")
            .expression_attribute_names("#t", "_type")
            .expression_attribute_values(":pk", AttributeValue::S("TENANT#acme".into()))
            .expression_attribute_values(":sk", AttributeValue::S("PROJECT#apollo#TASK#".into()))
            .expression_attribute_values(":t", AttributeValue::S("Task".into()))
            .send()
            .await
            .expect("query");
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|i| serde_dynamo::from_item(i).expect("decodes"))
            .collect()
    }

    pub(crate) async fn query_dynamorm(&self) -> Page<Task> {
        let a = Task::attrs();
        self.db
            .query(a.tenant_id.is("acme"))
            .sort_begins_with(a.project_id.is("apollo"))
            .page()
            .await
            .expect("query")
    }
}

/// Resuming a query page from a cursor (and handing out the next one): unsigned, and
/// signed with HMAC-SHA256 — the cost of a [`dynamorm::CursorKey`] on a read.
#[allow(dead_code)] // a row of the ratio table only
pub(crate) struct Resume {
    unsigned: (Db<Tracker>, dynamorm::Cursor),
    signed: (Db<Tracker>, dynamorm::Cursor),
}

#[allow(dead_code)] // a row of the ratio table only
impl Resume {
    pub(crate) async fn new(w: &Overhead) -> Self {
        let signed =
            w.db.with_cursor_key(dynamorm::CursorKey::signing(&[7; 32]).expect("a 32-byte secret"));
        let cursor = |db: Db<Tracker>| async move {
            let first = Self::query(&db)
                .limit(1)
                .page()
                .await
                .expect("query")
                .cursor
                .expect("more");
            (db, first)
        };
        Self {
            unsigned: cursor(w.db.clone()).await,
            signed: cursor(signed).await,
        }
    }

    fn query(db: &Db<Tracker>) -> dynamorm::Query<Task> {
        let a = Task::attrs();
        db.query(a.tenant_id.is("acme"))
            .sort_begins_with(a.project_id.is("apollo"))
    }

    /// A page of 24 of the canned 25 items: the page's cursor is the 24th item's key.
    async fn page((db, cursor): &(Db<Tracker>, dynamorm::Cursor)) -> Page<Task> {
        Self::query(db)
            .limit(24)
            .after(cursor)
            .page()
            .await
            .expect("resumes")
    }

    pub(crate) async fn unsigned(&self) -> Page<Task> {
        Self::page(&self.unsigned).await
    }

    pub(crate) async fn signed(&self) -> Page<Task> {
        Self::page(&self.signed).await
    }
}
