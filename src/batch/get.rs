//! [`BatchGet`]: reads keys of any entity types, chunked by 100, retried until every key is
//! answered or reported back.

use std::collections::{HashMap, HashSet};
use std::pin::pin;
use std::sync::Arc;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use futures::stream::{self, StreamExt};

use super::partial::Partial;
use super::retry::{RetryPolicy, is_retryable};
use super::{FailedGet, KeyOf, key_from};
use crate::client::Inner;
use crate::entity::{Entity, EntityKey, PrimaryKey};
use crate::item::Item;
use crate::observe::{Call, ObserveExt};
use crate::registry::Registry;
use crate::table::Table;
use crate::{Error, InvalidInputKind};

const MAX_KEYS: usize = 100;

/// What a batch get read: the items found (keys with no item are simply absent), and the
/// keys that could not be read after the last attempt.
#[derive(Clone, PartialEq)]
pub struct BatchGetOutput<T> {
    items: Vec<Item>,
    failed: Vec<FailedGet>,
    requests: usize,
    consumed_capacity: f64,
    table: std::marker::PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for BatchGetOutput<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The items are left out: they hold the entities' values.
        f.debug_struct("BatchGetOutput")
            .field("items", &crate::redact::RedactedItems(&self.items))
            .field("failed", &self.failed)
            .field("requests", &self.requests)
            .field("consumed_capacity", &self.consumed_capacity)
            .finish()
    }
}

impl<T: Table> BatchGetOutput<T> {
    /// Removes and decodes the items of entity `E` (in no particular order).
    pub fn take<E: Entity<Table = T>>(&mut self) -> Result<Vec<E>, Error> {
        let attribute = T::SCHEMA.discriminator();
        let (mine, rest): (Vec<Item>, Vec<Item>) = std::mem::take(&mut self.items)
            .into_iter()
            .partition(|item| matches!(item.get(attribute), Some(AttributeValue::S(d)) if d == E::SCHEMA.name));
        self.items = rest;
        mine.into_iter().map(crate::entity::decode::<E>).collect()
    }

    /// Decodes every remaining item as registry `R`.
    pub fn into_registry<R: Registry<Table = T>>(self) -> Result<Vec<R>, Error> {
        self.items.into_iter().map(R::from_item).collect()
    }

    /// How many items were found (and not yet taken).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no item is left.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The keys not read after the last attempt.
    pub fn failed(&self) -> &[FailedGet] {
        &self.failed
    }

    /// How many BatchGetItem requests were sent (retries included).
    pub fn requests(&self) -> usize {
        self.requests
    }

    /// Capacity units the batch consumed, summed over its requests (when the `Db` asks for
    /// consumed capacity with `with_consumed_capacity`; 0 otherwise).
    pub fn consumed_capacity(&self) -> f64 {
        self.consumed_capacity
    }
}

impl<T> super::partial::Failures for BatchGetOutput<T> {
    fn into_result(self) -> Result<Self, Error> {
        if self.failed.is_empty() {
            Ok(self)
        } else {
            Err(Error::BatchIncomplete {
                done: self.items.len(),
                failed_writes: Vec::new(),
                failed_keys: self.failed,
            })
        }
    }
}

/// A BatchGetItem over keys of any entity types, built by
/// [`Db::batch_get`](crate::Db::batch_get).
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{user}", sk = "ORDER#{id}")] pub struct Order { user: String, id: u64 }
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// let mut out = db
///     .batch_get()
///     .get(UserKey { id: "u1".into() })
///     .get_all((1..=3).map(|id| OrderKey { user: "u1".into(), id }))
///     .send()
///     .await?
///     .into_result()?;
/// let users: Vec<User> = out.take()?;
/// let orders: Vec<Order> = out.take()?;
/// # Ok(()) }
/// ```
#[must_use = "a batch does nothing until `.send().await`"]
pub struct BatchGet<T> {
    db: Arc<Inner>,
    keys: Vec<Result<(&'static str, PrimaryKey), Error>>,
    /// The entity types asked for: what read repair upgrades.
    entities: Vec<&'static crate::EntitySchema>,
    consistent_read: bool,
    concurrency: usize,
    retry: RetryPolicy,
    table: std::marker::PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for BatchGet<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchGet")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl<T: Table> BatchGet<T> {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self {
            db,
            keys: Vec::new(),
            entities: Vec::new(),
            consistent_read: false,
            concurrency: 4,
            retry: RetryPolicy::default(),
            table: std::marker::PhantomData,
        }
    }

    /// Reads the item with this key.
    pub fn get<K: EntityKey>(mut self, key: K) -> Self
    where
        K::Entity: Entity<Table = T>,
    {
        let schema = crate::entity::def::<K::Entity>().schema;
        if !self.entities.iter().any(|e| std::ptr::eq(*e, schema)) {
            self.entities.push(schema);
        }
        self.keys.push(
            key.render()
                .map(|k| (K::Entity::SCHEMA.name, k))
                .map_err(Error::from),
        );
        self
    }

    /// Reads the items with these keys.
    pub fn get_all<K: EntityKey>(mut self, keys: impl IntoIterator<Item = K>) -> Self
    where
        K::Entity: Entity<Table = T>,
    {
        for key in keys {
            self = self.get(key);
        }
        self
    }

    /// Reads with strong consistency.
    pub fn consistent_read(mut self) -> Self {
        self.consistent_read = true;
        self
    }

    /// How many requests are in flight at once (default 4).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// How unprocessed keys and throttled requests are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sends the batch. An invalid or repeated key fails it before anything is sent.
    pub async fn send(self) -> Result<Partial<BatchGetOutput<T>>, Error> {
        let keys: Vec<(&'static str, PrimaryKey)> =
            self.keys.into_iter().collect::<Result<_, _>>()?;
        let mut seen = HashSet::with_capacity(keys.len());
        for (entity, key) in &keys {
            if !seen.insert(key) {
                return Err(Error::invalid_for(
                    entity,
                    InvalidInputKind::DuplicateKey,
                    format!("a `{entity}` key appears twice in one batch; DynamoDB rejects that"),
                ));
            }
        }
        let chunks: Vec<Vec<(&'static str, PrimaryKey)>> =
            keys.chunks(MAX_KEYS).map(<[_]>::to_vec).collect();
        let db = self.db;
        let (retry, consistent) = (self.retry, self.consistent_read);
        let results: Vec<(Vec<Item>, super::Sent, Vec<FailedGet>)> = stream::iter(chunks)
            .map(|chunk| send_chunk(Arc::clone(&db), &T::SCHEMA, chunk, retry, consistent))
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        let mut output = BatchGetOutput {
            items: Vec::new(),
            failed: Vec::new(),
            requests: 0,
            consumed_capacity: 0.0,
            table: std::marker::PhantomData,
        };
        for (items, sent, failed) in results {
            output.items.extend(items);
            output.requests += sent.requests;
            output.consumed_capacity += sent.capacity;
            output.failed.extend(failed);
        }
        if db.repair_shapes {
            crate::repair::page(&db, &T::SCHEMA, &self.entities, &output.items).await;
        }
        Ok(Partial::new(output))
    }
}

pub(crate) async fn send_chunk(
    db: Arc<Inner>,
    table: &'static crate::TableSchema,
    chunk: Vec<(&'static str, PrimaryKey)>,
    retry: RetryPolicy,
    consistent: bool,
) -> (Vec<Item>, super::Sent, Vec<FailedGet>) {
    let mut pending: HashMap<KeyOf, &'static str> = chunk
        .into_iter()
        .map(|(entity, key)| (key, entity))
        .collect();
    let mut found = Vec::new();
    let mut sent = super::Sent::default();
    let mut last_error = String::new();
    for attempt in 0..retry.attempts() {
        if attempt > 0 {
            retry.backoff(attempt).await;
        }
        let keys: Vec<Item> = pending.keys().map(|k| k.clone().into_item(table)).collect();
        let request = match KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(consistent)
            .build()
        {
            Ok(r) => r,
            Err(e) => return (found, sent, failed(pending, &e.to_string())),
        };
        sent.requests += 1;
        let result = pin!(
            db.client
                .batch_get_item()
                .request_items(&db.table_name, request)
                .set_return_consumed_capacity(db.capacity_mode())
                .send()
        )
        .observed(&db, Call::new("BatchGetItem", "*"))
        .await;
        match result {
            Ok(output) => {
                sent.add(output.consumed_capacity.as_deref());
                let items = output
                    .responses
                    .and_then(|mut m| m.remove(&db.table_name))
                    .unwrap_or_default();
                for item in items {
                    if let Some(key) = key_from(&item, table) {
                        // Only keys still pending count: a retried key is read once.
                        if pending.remove(&key).is_some() {
                            found.push(item);
                        }
                    }
                }
                let unprocessed: HashSet<KeyOf> = output
                    .unprocessed_keys
                    .and_then(|mut m| m.remove(&db.table_name))
                    .map(|k| k.keys)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|k| key_from(k, table))
                    .collect();
                // Keys neither returned nor unprocessed have no item.
                pending.retain(|k, _| unprocessed.contains(k));
                if pending.is_empty() {
                    return (found, sent, Vec::new());
                }
                last_error = "still unprocessed after the last attempt".into();
            }
            Err(err) if is_retryable(&err) => {
                last_error = crate::error::service("BatchGetItem", err).to_string();
            }
            Err(err) => {
                let reason = crate::error::service("BatchGetItem", err).to_string();
                return (found, sent, failed(pending, &reason));
            }
        }
    }
    (found, sent, failed(pending, &last_error))
}

fn failed(pending: HashMap<KeyOf, &'static str>, reason: &str) -> Vec<FailedGet> {
    pending
        .into_iter()
        .map(|(key, entity)| FailedGet {
            entity,
            key,
            reason: reason.to_owned(),
        })
        .collect()
}
