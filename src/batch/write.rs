//! [`BatchWrite`]: puts and deletes of any entity types, chunked, sent concurrently, and
//! retried until every item is written or reported back.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, WriteRequest};
use futures::stream::{self, StreamExt};

use super::partial::Partial;
use super::retry::RetryPolicy;
use super::{FailedWrite, KeyOf, WriteKind, WriteOutcome};
use crate::client::Inner;
use crate::entity::{Def, Entity, EntityKey, PrimaryKey};
use crate::item::{Item, item_size};
use crate::registry::{EntityVisitor, Registry};
use crate::table::Table;
use crate::write::plan::Write;
use crate::{Error, InvalidInputKind};

/// DynamoDB's limits for one BatchWriteItem request.
pub(super) const MAX_WRITES: usize = 25;
const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// What a batch write did. Every write is either counted in `written` or listed in
/// [`failed`](BatchWriteOutput::failed): nothing is dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchWriteOutput {
    written: usize,
    failed: Vec<FailedWrite>,
    requests: usize,
    consumed_capacity: f64,
}

impl BatchWriteOutput {
    /// How many writes were applied.
    pub fn written(&self) -> usize {
        self.written
    }

    /// The writes not applied after the last attempt.
    pub fn failed(&self) -> &[FailedWrite] {
        &self.failed
    }

    /// How many BatchWriteItem requests were sent (retries included).
    pub fn requests(&self) -> usize {
        self.requests
    }

    /// Capacity units the batch consumed, summed over its requests (when the `Db` asks for
    /// consumed capacity with `with_consumed_capacity`; 0 otherwise).
    pub fn consumed_capacity(&self) -> f64 {
        self.consumed_capacity
    }
}

impl super::partial::Failures for BatchWriteOutput {
    fn into_result(self) -> Result<Self, Error> {
        if self.failed.is_empty() {
            Ok(self)
        } else {
            Err(Error::BatchIncomplete {
                done: self.written,
                failed_writes: self.failed,
                failed_keys: Vec::new(),
            })
        }
    }
}

#[derive(Clone)]
pub(super) struct Pending {
    def: &'static Def,
    pub(super) key: PrimaryKey,
    kind: WriteKind,
    pub(super) via: Via,
    size: usize,
    /// A request carrying it failed with an unknown outcome.
    maybe_applied: bool,
}

/// How a write is sent.
#[derive(Clone)]
pub(super) enum Via {
    /// In a BatchWriteItem request: for entity types no other type shares keys with.
    Batch(WriteRequest),
    /// As its own conditional request guarded by the entity type (the same plan `put` or
    /// `delete` sends): for entity types whose keys another declared type can render.
    Guarded(Box<crate::write::Plan>),
    /// Not routed yet: a write built without its `Db` (a streamed write).
    Unrouted(Box<Write>),
}

/// A BatchWriteItem over any number of items of any entity types, built by
/// [`Db::batch_write`](crate::Db::batch_write).
///
/// Writes are checked before anything is sent (keys render, items fit in 400 KB and hold
/// only values DynamoDB accepts, no key appears twice — DynamoDB rejects that — and no
/// entity with unique or version fields, whose conditions a batch cannot express), split
/// into requests of at most 25 writes and 16 MB, sent with bounded concurrency, and
/// unprocessed items and throttled requests are retried with backoff (see [`RetryPolicy`]).
///
/// **Entity types.** BatchWriteItem carries no conditions: a batch put replaces, and a batch
/// delete deletes, whatever is stored at the key. So only entity types whose primary-key
/// templates no other entity type of the table (nor a unique-value sentinel) can render go
/// into BatchWriteItem requests. The table's entity types are the registry the `Db` was
/// given ([`Db::with_registry`](crate::Db::with_registry)); writes of a type that can share
/// keys with another — the same analysis as [`Report`](crate::Report)'s "can collide"
/// warning — of a type the registry does not list, of any type when the registry has an
/// `#[dynamo(other)]` variant (the table holds types it does not know), and of every type
/// when the `Db` was given no registry, are sent as single PutItem/DeleteItem requests
/// guarded by the entity type, like `put` and `delete`: a write that would touch another
/// type's item is listed in [`failed`](BatchWriteOutput::failed) as
/// [`WriteOutcome::NotApplied`], and that item is untouched. What the binary links decides
/// nothing.
///
/// **Outcomes.** Every write is counted in [`written`](BatchWriteOutput::written) or listed
/// in `failed()` with its [`WriteOutcome`]: `NotApplied` when DynamoDB did not apply it,
/// `Unknown` when a request carrying it was lost in flight (a dropped connection, a timeout,
/// a 5xx) — it may have been applied.
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{user}", sk = "ORDER#{id}")] pub struct Order { user: String, id: u64 }
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// let out = db
///     .batch_write()
///     .put(&User { id: "u1".into() })
///     .put_all(&[Order { user: "u1".into(), id: 1 }, Order { user: "u1".into(), id: 2 }])
///     .delete(OrderKey { user: "u1".into(), id: 0 })
///     .concurrency(4)
///     .send()
///     .await?;
/// for failed in out.failed() {
///     eprintln!("not written: {} {:?}: {}", failed.entity, failed.key, failed.reason);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a batch does nothing until `.send().await`"]
pub struct BatchWrite<T> {
    db: Arc<Inner>,
    writes: Vec<Result<Pending, Error>>,
    concurrency: usize,
    retry: RetryPolicy,
    table: std::marker::PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for BatchWrite<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchWrite")
            .field("writes", &self.writes.len())
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl<T: Table> BatchWrite<T> {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self {
            db,
            writes: Vec::new(),
            concurrency: 4,
            retry: RetryPolicy::default(),
            table: std::marker::PhantomData,
        }
    }

    /// Puts an entity (replacing any item with its key).
    pub fn put<E: Entity<Table = T>>(mut self, entity: &E) -> Self {
        self.writes
            .push(pending_put(entity).and_then(|w| w.route(&self.db)));
        self
    }

    /// Puts every entity of `entities`.
    pub fn put_all<'a, E: Entity<Table = T>>(
        mut self,
        entities: impl IntoIterator<Item = &'a E>,
    ) -> Self {
        let db = &self.db;
        self.writes.extend(
            entities
                .into_iter()
                .map(|e| pending_put(e).and_then(|w| w.route(db))),
        );
        self
    }

    /// Deletes the item with this key.
    pub fn delete<K: EntityKey>(mut self, key: K) -> Self
    where
        K::Entity: Entity<Table = T>,
    {
        self.writes
            .push(pending_delete(&key).and_then(|w| w.route(&self.db)));
        self
    }

    /// Deletes the items with these keys.
    pub fn delete_all<K: EntityKey>(mut self, keys: impl IntoIterator<Item = K>) -> Self
    where
        K::Entity: Entity<Table = T>,
    {
        self.writes.extend(
            keys.into_iter()
                .map(|k| pending_delete(&k).and_then(|w| w.route(&self.db))),
        );
        self
    }

    /// Puts a value of registry `R` — an entity of any of its types — as that type's
    /// [`put`](Self::put) does: the same guard, chunking, accounting and errors. A raw item
    /// of an unknown type (an `#[dynamo(other)]` variant) fails the batch before anything
    /// is sent.
    ///
    /// ```no_run
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
    /// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "USER#{user}", sk = "ORDER#{id}")] pub struct Order { user: String, id: u64 }
    /// #[derive(Debug, dynamorm::Registry)]
    /// #[dynamo(table = App)]
    /// enum AppItem { User(User), Order(Order) }
    /// # async fn run(db: dynamorm::Db<App>, other: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// // A copy between tables: whatever the types, one batch.
    /// let items: Vec<AppItem> = db.scan::<AppItem>().all().await?;
    /// other.batch_write().put_all_any(&items).send().await?.into_result()?;
    /// # Ok(()) }
    /// ```
    pub fn put_any<R: Registry<Table = T>>(self, value: &R) -> Self {
        self.put_all_any([value])
    }

    /// Puts every value of `values` (see [`put_any`](Self::put_any)).
    pub fn put_all_any<'a, R: Registry<Table = T> + 'a>(
        self,
        values: impl IntoIterator<Item = &'a R>,
    ) -> Self {
        self.extend_any(values, AnyPut)
    }

    /// Deletes the item at the key of a registry value (of whichever type it holds), as
    /// that type's [`delete`](Self::delete) does.
    pub fn delete_any<R: Registry<Table = T>>(self, value: &R) -> Self {
        self.delete_all_any([value])
    }

    /// Deletes the items at the keys of `values` (see [`delete_any`](Self::delete_any)).
    pub fn delete_all_any<'a, R: Registry<Table = T> + 'a>(
        self,
        values: impl IntoIterator<Item = &'a R>,
    ) -> Self {
        self.extend_any(values, AnyDelete)
    }

    /// Adds the write `visitor` makes of each registry value's entity.
    fn extend_any<'a, R, V>(mut self, values: impl IntoIterator<Item = &'a R>, visitor: V) -> Self
    where
        R: Registry<Table = T> + 'a,
        V: EntityVisitor<T, Output = Result<Pending, Error>> + Copy,
    {
        let db = &self.db;
        self.writes.extend(
            values
                .into_iter()
                .map(|v| v.visit(visitor).and_then(|w| w.route(db))),
        );
        self
    }

    /// How many requests are in flight at once (default 4).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// How unprocessed items and throttled requests are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sends the batch. An invalid write fails the whole batch before anything is sent;
    /// otherwise the output accounts for every write.
    pub async fn send(self) -> Result<Partial<BatchWriteOutput>, Error> {
        let writes: Vec<Pending> = self.writes.into_iter().collect::<Result<_, _>>()?;
        let mut seen = HashSet::with_capacity(writes.len());
        for w in &writes {
            if !seen.insert(&w.key) {
                return Err(Error::invalid_for(
                    w.entity(),
                    InvalidInputKind::DuplicateKey,
                    format!(
                        "a `{}` key appears twice in one batch; DynamoDB rejects that",
                        w.entity()
                    ),
                ));
            }
        }
        let (guarded, plain): (Vec<Pending>, Vec<Pending>) = writes
            .into_iter()
            .partition(|w| matches!(w.via, Via::Guarded(_)));
        let chunks = chunk(plain);
        let db = self.db;
        let retry = self.retry;
        let table = T::SCHEMA;
        let batched = stream::iter(chunks)
            .map(|chunk| send_chunk(Arc::clone(&db), chunk, retry, table))
            .buffer_unordered(self.concurrency);
        let singles = stream::iter(guarded)
            .map(|w| send_guarded(Arc::clone(&db), w, retry))
            .buffer_unordered(self.concurrency);
        let mut results: Vec<(usize, super::Sent, Vec<FailedWrite>)> = batched.collect().await;
        results.extend(singles.collect::<Vec<_>>().await);
        let mut output = BatchWriteOutput {
            written: 0,
            failed: Vec::new(),
            requests: 0,
            consumed_capacity: 0.0,
        };
        for (written, sent, failed) in results {
            output.written += written;
            output.requests += sent.requests;
            output.consumed_capacity += sent.capacity;
            output.failed.extend(failed);
        }
        Ok(Partial::new(output))
    }
}

/// Batch writes are unconditional: they cannot keep unique-value sentinels or versions
/// consistent, so such entities are refused.
fn batchable(def: &Def) -> Result<(), Error> {
    if !def.schema.unique.is_empty() || def.schema.version.is_some() {
        return Err(Error::invalid_for(
            def.name(),
            InvalidInputKind::NotSupported,
            format!(
                "`{}` has unique or version fields, which batch writes cannot check; use put, \
                 update, delete or a transaction",
                def.name()
            ),
        ));
    }
    Ok(())
}

/// The entity-type guard of a batch write sent on its own: the key holds nothing, or an
/// item of this type.
fn guarded(def: &Def, key: PrimaryKey, write: Write) -> Result<Via, Error> {
    let plan = crate::write::Plan::new(
        key,
        write,
        crate::write::Guards::new(crate::write::Presence::AbsentOrSame),
        &crate::write::guard::Target::of(def),
        crate::write::Outcome::of(def),
    )?;
    Ok(Via::Guarded(Box::new(plan)))
}

/// A put of `entity` in a batch, still to be routed ([`Pending::route`]).
/// The pending put of whichever entity a registry value holds.
#[derive(Clone, Copy)]
pub(super) struct AnyPut;

impl<T: Table> EntityVisitor<T> for AnyPut {
    type Output = Result<Pending, Error>;

    fn entity<E: Entity<Table = T>>(self, entity: &E) -> Self::Output {
        pending_put(entity)
    }

    fn unknown(self) -> Self::Output {
        Err(crate::registry::unknown_type())
    }
}

/// The pending delete of the key of whichever entity a registry value holds.
#[derive(Clone, Copy)]
pub(super) struct AnyDelete;

impl<T: Table> EntityVisitor<T> for AnyDelete {
    type Output = Result<Pending, Error>;

    fn entity<E: Entity<Table = T>>(self, entity: &E) -> Self::Output {
        pending_delete(&entity.key())
    }

    fn unknown(self) -> Self::Output {
        Err(crate::registry::unknown_type())
    }
}

pub(super) fn pending_put<E: Entity>(entity: &E) -> Result<Pending, Error> {
    let def = crate::entity::def::<E>();
    batchable(def)?;
    let item = crate::entity::to_item(entity)?;
    let key = crate::entity::key_of_item(&item, def.table)?;
    Ok(Pending::unrouted(
        def,
        key,
        WriteKind::Put,
        item_size(&item),
        Write::Put(item),
    ))
}

/// A delete of `key` in a batch, still to be routed ([`Pending::route`]).
pub(super) fn pending_delete<K: EntityKey>(key: &K) -> Result<Pending, Error> {
    let def = crate::entity::def::<K::Entity>();
    batchable(def)?;
    let key = key.render()?;
    let size = item_size(&key.clone().into_item(def.table));
    Ok(Pending::unrouted(
        def,
        key,
        WriteKind::Delete,
        size,
        Write::Delete,
    ))
}

impl Pending {
    fn unrouted(
        def: &'static Def,
        key: PrimaryKey,
        kind: WriteKind,
        size: usize,
        write: Write,
    ) -> Self {
        Self {
            def,
            key,
            kind,
            via: Via::Unrouted(Box::new(write)),
            size,
            maybe_applied: false,
        }
    }

    /// Decides how the write goes through `db`: in a `BatchWriteItem`, or as a guarded
    /// single write when its keys can collide with another type's (or nothing is known of
    /// the table's other types).
    pub(super) fn route(mut self, db: &Inner) -> Result<Self, Error> {
        let Via::Unrouted(write) = self.via else {
            return Ok(self);
        };
        self.via = if db.needs_guard(self.def.name()) {
            guarded(self.def, self.key.clone(), *write)?
        } else {
            Via::Batch(batch_request(self.def, &self.key, *write)?)
        };
        Ok(self)
    }

    /// The entity type written.
    pub(super) fn entity(&self) -> &'static str {
        self.def.name()
    }
}

fn batch_request(def: &Def, key: &PrimaryKey, write: Write) -> Result<WriteRequest, Error> {
    let request = match write {
        Write::Put(item) => {
            crate::value_check::check_item(&item).map_err(|p| p.into_error("an item"))?;
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(|e| Error::build("PutRequest", e))?;
            WriteRequest::builder().put_request(put).build()
        }
        _ => {
            let delete = DeleteRequest::builder()
                .set_key(Some(key.clone().into_item(def.table)))
                .build()
                .map_err(|e| Error::build("DeleteRequest", e))?;
            WriteRequest::builder().delete_request(delete).build()
        }
    };
    Ok(request)
}

/// Splits writes into requests of at most 25 writes and 16 MB.
fn chunk(writes: Vec<Pending>) -> Vec<Vec<Pending>> {
    let mut chunks = Vec::new();
    let mut current: Vec<Pending> = Vec::new();
    let mut bytes = 0;
    for w in writes {
        if current.len() == MAX_WRITES
            || (bytes + w.size > MAX_REQUEST_BYTES && !current.is_empty())
        {
            chunks.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += w.size;
        current.push(w);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// Sends one chunk until every write is applied or out of attempts. Returns (written,
/// requests sent, failed).
pub(super) async fn send_chunk(
    db: Arc<Inner>,
    chunk: Vec<Pending>,
    retry: RetryPolicy,
    table: crate::TableSchema,
) -> (usize, super::Sent, Vec<FailedWrite>) {
    // Only writes routed to a batch request belong here: anything else is reported failed,
    // never counted written by a request that did not carry it.
    let (chunk, misrouted): (Vec<Pending>, Vec<Pending>) = chunk
        .into_iter()
        .partition(|w| matches!(w.via, Via::Batch(_)));
    let misrouted = failed(
        misrouted.into_iter().map(|w| (w.key.clone(), w)).collect(),
        "not routed to a batch request",
    );
    let (written, sent, mut failures) = send_batch(db, chunk, retry, table).await;
    failures.extend(misrouted);
    (written, sent, failures)
}

/// [`send_chunk`] of writes that all go in `BatchWriteItem` requests.
async fn send_batch(
    db: Arc<Inner>,
    chunk: Vec<Pending>,
    retry: RetryPolicy,
    table: crate::TableSchema,
) -> (usize, super::Sent, Vec<FailedWrite>) {
    let total = chunk.len();
    let mut pending: HashMap<KeyOf, Pending> =
        chunk.into_iter().map(|w| (w.key.clone(), w)).collect();
    let mut sent = super::Sent::default();
    let mut last_error = String::new();
    for attempt in 0..retry.attempts() {
        if attempt > 0 {
            retry.backoff(attempt).await;
        }
        let batch: Vec<WriteRequest> = pending
            .values()
            .filter_map(|w| match &w.via {
                Via::Batch(request) => Some(request.clone()),
                Via::Guarded(_) | Via::Unrouted(_) => None,
            })
            .collect();
        sent.requests += 1;
        match crate::write::send::batch_write(&db, batch).await {
            Ok(output) => {
                sent.add(output.consumed_capacity.as_deref());
                let unprocessed = output
                    .unprocessed_items
                    .and_then(|mut m| m.remove(&db.table_name))
                    .unwrap_or_default();
                let still: HashSet<KeyOf> = unprocessed
                    .iter()
                    .filter_map(|r| request_key(r, &table))
                    .collect();
                pending.retain(|k, _| still.contains(k));
                if pending.is_empty() {
                    return (total, sent, Vec::new());
                }
                last_error = "still unprocessed after the last attempt".into();
            }
            Err(err) => {
                let error = crate::error::service("BatchWriteItem", err);
                if error.outcome_unknown() {
                    // The request may have been applied: its writes are no longer known
                    // to be unapplied, whatever happens to the retries.
                    for w in pending.values_mut() {
                        w.maybe_applied = true;
                    }
                }
                last_error = error.to_string();
                if !(error.outcome_unknown() || error.is_throttling()) {
                    return (total - pending.len(), sent, failed(pending, &last_error));
                }
            }
        }
    }
    (total - pending.len(), sent, failed(pending, &last_error))
}

/// Sends one guarded write, retrying throttling and unknown outcomes (a put or delete
/// re-sent has the same effect). Returns (written, requests sent, failed).
pub(super) async fn send_guarded(
    db: Arc<Inner>,
    write: Pending,
    retry: RetryPolicy,
) -> (usize, super::Sent, Vec<FailedWrite>) {
    let Via::Guarded(plan) = &write.via else {
        // Not a guarded write: reported failed, never silently dropped.
        let one: HashMap<KeyOf, Pending> = [(write.key.clone(), write)].into_iter().collect();
        return (
            0,
            super::Sent::default(),
            failed(one, "not routed to a guarded write"),
        );
    };
    let mut sent = super::Sent::default();
    let mut maybe_applied = false;
    let mut reason = String::new();
    for attempt in 0..retry.attempts() {
        if attempt > 0 {
            retry.backoff(attempt).await;
        }
        sent.requests += 1;
        let plan = crate::write::Plan::clone(plan);
        match crate::write::send::single(&db, plan, crate::write::send::Returns::Nothing).await {
            Ok(_) => return (1, sent, Vec::new()),
            Err(error) => {
                maybe_applied |= error.outcome_unknown();
                reason = error.to_string();
                if !(error.outcome_unknown() || error.is_throttling()) {
                    break;
                }
            }
        }
    }
    let mut write = write;
    write.maybe_applied |= maybe_applied;
    let one: HashMap<KeyOf, Pending> = [(write.key.clone(), write)].into_iter().collect();
    (0, sent, failed(one, &reason))
}

fn failed(pending: HashMap<KeyOf, Pending>, reason: &str) -> Vec<FailedWrite> {
    pending
        .into_values()
        .map(|w| FailedWrite {
            entity: w.entity(),
            key: w.key,
            kind: w.kind,
            reason: reason.to_owned(),
            outcome: if w.maybe_applied {
                WriteOutcome::Unknown
            } else {
                WriteOutcome::NotApplied
            },
        })
        .collect()
}

fn request_key(request: &WriteRequest, table: &crate::TableSchema) -> Option<KeyOf> {
    let item: &Item = match (&request.put_request, &request.delete_request) {
        (Some(put), _) => &put.item,
        (_, Some(delete)) => &delete.key,
        _ => return None,
    };
    super::key_from(item, table)
}
