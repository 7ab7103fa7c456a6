//! [`Loader`]: request coalescing for reads. The `get`s issued concurrently within one
//! scheduler tick (the "N+1" of GraphQL resolvers and fan-out handlers) are sent as
//! `BatchGetItem`s of up to 100 keys — entity types mixed, equal keys read once,
//! unprocessed keys retried — and each caller gets its own typed answer, as a single `get`
//! would give it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::stream::{self, StreamExt};
use tokio::sync::oneshot;

use super::RetryPolicy;
use super::get::send_chunk;
use crate::Error;
use crate::client::Inner;
use crate::entity::{Def, Entity, EntityKey, PrimaryKey, key_from};
use crate::item::Item;
use crate::key::KeyError;
use crate::table::Table;

/// DynamoDB's limit on keys per `BatchGetItem`.
const MAX_KEYS: usize = 100;

/// Coalesces concurrent `get`s of table `T` into batch reads, built by
/// [`Db::loader`](crate::Db::loader). Clone it freely: clones share the queue.
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// let loader = db.loader();
/// // 50 resolvers asking at once: one BatchGetItem, each its own answer.
/// let users = futures::future::join_all(
///     (0..50).map(|i| loader.get(UserKey { id: format!("u{i}") })),
/// )
/// .await;
/// # Ok(()) }
/// ```
pub struct Loader<T> {
    shared: Arc<Shared>,
    table: std::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for Loader<T> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            table: std::marker::PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Loader<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loader")
            .field("table", &self.shared.db.table_name)
            .finish_non_exhaustive()
    }
}

struct Shared {
    db: Arc<Inner>,
    table: &'static crate::TableSchema,
    retry: RetryPolicy,
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    pending: Vec<Pending>,
    /// Whether a flush is already on its way for `pending`.
    scheduled: bool,
}

struct Pending {
    entity: &'static str,
    key: PrimaryKey,
    consistent: bool,
    reply: oneshot::Sender<Reply>,
}

/// What the batch says about one key.
enum Reply {
    /// The item, or `None`: no item at the key.
    Found(Option<Item>),
    /// The batch could not answer (failed request, unprocessed after every retry): the
    /// caller reads alone, and gets the error a single `get` gives.
    Alone,
}

impl<T: Table> Loader<T> {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self {
            shared: Arc::new(Shared {
                db,
                table: &T::SCHEMA,
                retry: RetryPolicy::default(),
                queue: Mutex::new(Queue::default()),
            }),
            table: std::marker::PhantomData,
        }
    }

    /// The item at `key`, read in a batch with the other gets of this tick (eventually
    /// consistent, as `get`; add [`.consistent_read()`](LoaderGet::consistent_read) for a
    /// strongly consistent read, batched with the other consistent gets). A future: await it.
    pub fn get<K>(&self, key: K) -> LoaderGet<K::Entity>
    where
        K: EntityKey,
        K::Entity: Entity<Table = T>,
    {
        LoaderGet {
            shared: Some(Arc::clone(&self.shared)),
            def: crate::entity::def::<K::Entity>(),
            key: Some(key.render()),
            consistent: false,
            running: None,
            entity: std::marker::PhantomData,
        }
    }
}

/// One coalesced get, built by [`Loader::get`]; it is a future (nothing is queued before it
/// is first polled).
#[must_use = "a coalesced get does nothing until it is awaited"]
pub struct LoaderGet<E> {
    shared: Option<Arc<Shared>>,
    def: &'static Def,
    key: Option<Result<PrimaryKey, KeyError>>,
    consistent: bool,
    running: Option<futures::future::BoxFuture<'static, Result<Option<Item>, Error>>>,
    entity: std::marker::PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for LoaderGet<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is left out: keys can hold personal data.
        f.debug_struct("LoaderGet")
            .field("entity", &self.def.name())
            .field("consistent", &self.consistent)
            .finish_non_exhaustive()
    }
}

impl<E> LoaderGet<E> {
    /// Reads with strong consistency (batched with the other consistent gets of the tick).
    pub fn consistent_read(mut self) -> Self {
        self.consistent = true;
        self
    }
}

impl<E: Entity> Future for LoaderGet<E> {
    type Output = Result<Option<E>, Error>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let this = &mut *self;
        let running = match (&mut this.running, this.shared.take(), this.key.take()) {
            (Some(running), _, _) => running,
            (None, Some(shared), Some(key)) => {
                let load = load_item(shared, this.def, key, this.consistent);
                this.running.insert(Box::pin(load))
            }
            // `shared` and `key` are taken together, when `running` is set: unreachable.
            _ => {
                return std::task::Poll::Ready(Err(Error::invalid(
                    crate::InvalidInputKind::NotSupported,
                    "a coalesced get was polled after it was taken apart",
                )));
            }
        };
        running
            .as_mut()
            .poll(cx)
            .map(|item| item?.map(crate::entity::decode_as::<E>).transpose())
    }
}

/// The item at `key`, its entity type checked: what every coalesced get does.
async fn load_item(
    shared: Arc<Shared>,
    def: &'static Def,
    key: Result<PrimaryKey, KeyError>,
    consistent: bool,
) -> Result<Option<Item>, Error> {
    let rendered = key?;
    let alone = rendered.clone();
    let (reply, answer) = oneshot::channel();
    let flush = {
        // A panic elsewhere while the queue was locked leaves it valid (each push and take
        // is one step): recover it rather than fail every later load.
        let mut queue = shared
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        queue.pending.push(Pending {
            entity: def.name(),
            key: rendered,
            consistent,
            reply,
        });
        !std::mem::replace(&mut queue.scheduled, true)
    };
    if flush {
        tokio::spawn(flush_after_tick(Arc::clone(&shared)));
    }
    match answer.await {
        Ok(Reply::Found(Some(item))) => {
            def.check_type(&item)?;
            if shared.db.repair_shapes {
                crate::repair::repair_logged(&shared.db, def.table, def.schema, &item).await;
            }
            Ok(Some(item))
        }
        Ok(Reply::Found(None)) => Ok(None),
        // Dropped (the flush task was canceled) or unanswered: read alone.
        Ok(Reply::Alone) | Err(_) => {
            let db = Arc::clone(&shared.db);
            crate::ops::GetCore::new(db, def, Ok(alone), consistent)
                .send()
                .await
        }
    }
}

/// Keys read together: their consistency, and each key with its entity type.
type Chunk = (bool, Vec<(&'static str, PrimaryKey)>);

/// One chunk as sent, with the items found and the keys left unanswered.
type Sent = (
    bool,
    Vec<(&'static str, PrimaryKey)>,
    Vec<Item>,
    Vec<PrimaryKey>,
);

async fn send_one(
    shared: Arc<Shared>,
    consistent: bool,
    chunk: Vec<(&'static str, PrimaryKey)>,
) -> Sent {
    let (found, _, failed) = send_chunk(
        Arc::clone(&shared.db),
        shared.table,
        chunk.clone(),
        shared.retry,
        consistent,
    )
    .await;
    let failed = failed.into_iter().map(|f| f.key).collect();
    (consistent, chunk, found, failed)
}

/// Lets the other tasks of this tick enqueue their gets, then sends them all.
async fn flush_after_tick(shared: Arc<Shared>) {
    tokio::task::yield_now().await;
    let pending = {
        // Poison-free as in `load`: the queue stays valid after a panic elsewhere.
        let mut queue = shared
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        queue.scheduled = false;
        std::mem::take(&mut queue.pending)
    };
    // Equal keys are read once; consistent and eventually consistent reads apart.
    let mut waiting: HashMap<(bool, PrimaryKey), Vec<oneshot::Sender<Reply>>> = HashMap::new();
    let mut batches: HashMap<bool, Vec<(&'static str, PrimaryKey)>> = HashMap::new();
    for p in pending {
        let slot = waiting.entry((p.consistent, p.key.clone())).or_default();
        if slot.is_empty() {
            batches
                .entry(p.consistent)
                .or_default()
                .push((p.entity, p.key));
        }
        slot.push(p.reply);
    }
    let table = shared.table;
    let chunks: Vec<Chunk> = batches
        .into_iter()
        .flat_map(|(consistent, keys)| {
            keys.chunks(MAX_KEYS)
                .map(|c| (consistent, c.to_vec()))
                .collect::<Vec<_>>()
        })
        .collect();
    // The futures are built in a loop, not a `map` closure: rustc cannot prove a closure
    // over `&'static str` tuples `Send` inside a spawned task (rust-lang/rust#64552).
    let mut sends = Vec::with_capacity(chunks.len());
    for (consistent, chunk) in chunks {
        sends.push(send_one(Arc::clone(&shared), consistent, chunk));
    }
    let results: Vec<Sent> = stream::iter(sends).buffer_unordered(8).collect().await;
    for (consistent, chunk, found, failed) in results {
        let mut items: HashMap<PrimaryKey, Item> = found
            .into_iter()
            .filter_map(|item| Some((key_from(&item, table)?, item)))
            .collect();
        for (_, key) in chunk {
            let answer = (!failed.contains(&key)).then(|| items.remove(&key));
            for sender in waiting.remove(&(consistent, key)).unwrap_or_default() {
                let reply = match &answer {
                    Some(item) => Reply::Found(item.clone()),
                    None => Reply::Alone,
                };
                let _ = sender.send(reply);
            }
        }
    }
}
