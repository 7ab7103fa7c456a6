//! Index projections: what a narrower index saves (bytes stored per item, bytes of a query
//! page) and what reading whole items through a keys-only index costs — `.hydrate()` against
//! the query + `BatchGetItem` loop a user writes by hand with the raw SDK and `serde_dynamo`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use chrono::{DateTime, Utc};
use dynamorm::read::Page;
use dynamorm::{Db, Entity, Item, Projection, Table};
use dynamorm_entities::TaskStatus;
use dynamorm_entities::sample::assigned_task;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::overhead::{canned_by, wire_item};

/// The sample domain's table with its assignee index (`GSI1`) projecting only keys.
#[derive(Debug, Table)]
#[dynamo(name = "bench-narrow")]
#[dynamo(index(GSI1, pk = "GSI1PK", sk = "GSI1SK", projection = keys_only))]
pub(crate) struct Narrow;

/// The sample domain's task (`dynamorm_entities::Task`), on [`Narrow`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(
    table = Narrow,
    name = "Task",
    pk = "TENANT#{tenant_id}",
    sk = "PROJECT#{project_id}#TASK#{task_id}"
)]
#[dynamo(index(GSI1, pk = "USER#{assignee}", sk = "DUE#{due}"))]
pub(crate) struct NarrowTask {
    tenant_id: String,
    project_id: String,
    task_id: u32,
    title: String,
    status: TaskStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    assignee: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    due: Option<DateTime<Utc>>,
    points: u32,
    #[serde(default)]
    tags: Vec<String>,
}

/// What a task list shows.
#[derive(Debug, Deserialize, Projection)]
#[dynamo(entity = NarrowTask)]
pub(crate) struct TaskCard {
    #[allow(dead_code)] // read by the benchmark's decode only
    title: String,
    #[allow(dead_code)]
    status: TaskStatus,
}

/// The 25 tasks of a page: one project's, all assigned to `ann`, due on 25 different days.
fn tasks() -> Vec<NarrowTask> {
    (0..25)
        .map(|i| {
            let t = assigned_task("acme", "apollo", i, "ann", i64::from(i));
            NarrowTask {
                tenant_id: t.tenant_id,
                project_id: t.project_id,
                task_id: t.task_id,
                title: t.title,
                status: t.status,
                assignee: t.assignee,
                due: t.due,
                points: t.points,
                tags: t.tags,
            }
        })
        .collect()
}

/// The attributes of `item` an index entry holds for `projection`'s index `GSI1`: what
/// DynamoDB stores (and bills) per item in that index, less its 100-byte overhead.
fn index_entry(item: &Item, all: bool) -> Item {
    let schema = Narrow::SCHEMA;
    let index = schema.index("GSI1").expect("GSI1");
    let mut keys: Vec<&str> = index.key_elements().into_iter().map(|(a, _)| a).collect();
    keys.push(schema.partition_key());
    keys.extend(schema.sort_key());
    item.iter()
        .filter(|(name, _)| all || keys.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// Bytes DynamoDB stores per task in `GSI1`: (projecting `ALL`, projecting `KEYS_ONLY`),
/// each with the 100 bytes of overhead DynamoDB adds to every index entry.
pub(crate) fn stored_bytes() -> (usize, usize) {
    let item = dynamorm::to_item(&tasks()[0]).expect("encodes");
    let size = |all| dynamorm::item_size(&index_entry(&item, all)) + 100;
    (size(true), size(false))
}

/// Adds up the bytes of every response body the client reads.
#[derive(Debug, Clone, Default)]
struct ResponseBytes(Arc<AtomicUsize>);

impl Intercept for ResponseBytes {
    fn name(&self) -> &'static str {
        "bench::ResponseBytes"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = context.response().body().bytes().map_or(0, <[u8]>::len);
        self.0.fetch_add(body, Ordering::Relaxed);
        Ok(())
    }
}

/// One client, used by both sides of each row.
pub(crate) struct Projections {
    client: Client,
    db: Db<Narrow>,
}

impl Projections {
    /// Against a client answering canned responses: a query through the index gets the
    /// keys-only page, a projected query the cards, any other query the whole tasks.
    pub(crate) fn canned() -> Self {
        let items: Vec<Item> = tasks()
            .iter()
            .map(|t| dynamorm::to_item(t).expect("encodes"))
            .collect();
        let page = |of: &dyn Fn(&Item) -> Item| {
            let items: Vec<_> = items.iter().map(|i| wire_item(&of(i))).collect();
            json!({ "Items": items, "Count": 25, "ScannedCount": 25 }).to_string()
        };
        let keys = page(&|i| index_entry(i, false));
        let cards = page(&|i| {
            i.iter()
                .filter(|(name, _)| ["title", "status", "_type"].contains(&name.as_str()))
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect()
        });
        let whole = page(&Item::clone);
        let fetched = json!({
            "Responses": { Narrow::SCHEMA.name(): items.iter().map(wire_item).collect::<Vec<_>>() },
            "UnprocessedKeys": {}
        })
        .to_string();
        let contains =
            |body: &[u8], what: &str| body.windows(what.len()).any(|w| w == what.as_bytes());
        let client = canned_by(move |operation, body| match operation {
            "BatchGetItem" => fetched.clone(),
            _ if contains(body, "\"IndexName\"") => keys.clone(),
            _ if contains(body, "\"ProjectionExpression\"") => cards.clone(),
            _ => whole.clone(),
        });
        let db = Db::with_table_name(client.clone(), Narrow::SCHEMA.name());
        Self { client, db }
    }

    /// Against a live server: creates the table and writes the page's 25 tasks.
    pub(crate) async fn live(client: Client, table: &str) -> Self {
        let db = Db::<Narrow>::with_table_name(client.clone(), table);
        db.create_table().await.expect("table");
        db.batch_write()
            .put_all(&tasks())
            .send()
            .await
            .expect("batch")
            .into_result()
            .expect("written");
        Self { client, db }
    }

    /// Response bytes of the whole-task page and of the card page, read once each.
    pub(crate) async fn response_bytes(&self) -> (usize, usize) {
        let counter = ResponseBytes::default();
        let config = self
            .client
            .config()
            .to_builder()
            .interceptor(counter.clone())
            .build();
        let client = Client::from_conf(config);
        let counted = Self {
            db: Db::with_table_name(client.clone(), self.db.table_name()),
            client,
        };
        counter.0.store(0, Ordering::Relaxed);
        counted.page_whole().await;
        let whole = counter.0.swap(0, Ordering::Relaxed);
        counted.page_cards().await;
        (whole, counter.0.load(Ordering::Relaxed))
    }

    /// The project's tasks, whole.
    pub(crate) async fn page_whole(&self) -> Page<NarrowTask> {
        let a = NarrowTask::attrs();
        self.db
            .query(a.tenant_id.is("acme"))
            .sort_begins_with(a.project_id.is("apollo"))
            .page()
            .await
            .expect("query")
    }

    /// The project's tasks as cards: a `ProjectionExpression` of the card's attributes.
    pub(crate) async fn page_cards(&self) -> Page<TaskCard> {
        let a = NarrowTask::attrs();
        self.db
            .query(a.tenant_id.is("acme"))
            .sort_begins_with(a.project_id.is("apollo"))
            .project::<TaskCard>()
            .page()
            .await
            .expect("query")
    }

    /// `ann`'s tasks through the keys-only index, each fetched from the table.
    pub(crate) async fn hydrate_dynamorm(&self) -> Page<NarrowTask> {
        let a = NarrowTask::attrs();
        self.db
            .query(a.assignee.is("ann"))
            .index(Narrow::GSI1)
            .hydrate()
            .page()
            .await
            .expect("hydrate")
    }

    /// The same by hand: the index page, then its keys with `BatchGetItem` (strongly
    /// consistent, unprocessed keys sent again), the items put back in the index's order.
    pub(crate) async fn hydrate_baseline(&self) -> Vec<NarrowTask> {
        let table = self.db.table_name();
        let out = self
            .client
            .query()
            .table_name(table)
            .index_name("GSI1")
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", "GSI1PK")
            .expression_attribute_values(":pk", AttributeValue::S("USER#ann".into()))
            .send()
            .await
            .expect("query");
        let key_of = |item: &Item| -> (String, String) {
            let s = |name: &str| match item.get(name) {
                Some(AttributeValue::S(s)) => s.clone(),
                _ => String::new(),
            };
            (s("PK"), s("SK"))
        };
        let order: Vec<(String, String)> = out.items().iter().map(key_of).collect();
        let mut pending: Vec<Item> = out
            .items()
            .iter()
            .map(|i| {
                i.iter()
                    .filter(|(name, _)| *name == "PK" || *name == "SK")
                    .map(|(n, v)| (n.clone(), v.clone()))
                    .collect()
            })
            .collect();
        let mut found: HashMap<(String, String), Item> = HashMap::new();
        while !pending.is_empty() {
            let keys = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .consistent_read(true)
                .build()
                .expect("keys");
            let out = self
                .client
                .batch_get_item()
                .request_items(table, keys)
                .send()
                .await
                .expect("batch get");
            for item in out
                .responses
                .unwrap_or_default()
                .remove(table)
                .unwrap_or_default()
            {
                found.insert(key_of(&item), item);
            }
            if let Some(mut unprocessed) = out.unprocessed_keys
                && let Some(again) = unprocessed.remove(table)
            {
                pending = again.keys;
            }
        }
        order
            .iter()
            .filter_map(|key| found.remove(key))
            .map(|item| serde_dynamo::from_item(item).expect("decodes"))
            .collect()
    }
}
