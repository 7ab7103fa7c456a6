//! [`WriteStream`]: puts and deletes taken from a `Stream`, written in constant memory —
//! an import of any size — with `batch_write`'s chunking, retries and per-item accounting.

use std::sync::Arc;

use std::collections::HashMap;

use futures::stream::{BoxStream, FuturesUnordered, StreamExt};

use super::partial::Partial;
use super::retry::RetryPolicy;
use super::write::{
    AnyDelete, AnyPut, Pending, Via, pending_delete, pending_put, send_chunk, send_guarded,
};
use super::{FailedWrite, Sent};
use crate::Error;
use crate::client::Inner;
use crate::entity::{Entity, EntityKey, PrimaryKey};
use crate::registry::Registry;
use crate::table::Table;

/// One write of a [`WriteStream`]: a put of an entity of any type of table `T`, or a
/// delete by key. Checked when it is made; an invalid one is reported by its position in
/// the stream ([`WriteStreamOutput::rejected`]) and never sent.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
/// use dynamorm::batch::StreamedWrite;
/// let put = StreamedWrite::put(&User { id: "u1".into() });
/// let delete: StreamedWrite<App> = StreamedWrite::delete(UserKey { id: "u2".into() });
/// # let _ = (put, delete);
/// ```
pub struct StreamedWrite<T> {
    write: Result<Pending, Error>,
    table: std::marker::PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for StreamedWrite<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the values: only the entity type.
        f.debug_struct("StreamedWrite")
            .field("entity", &self.write.as_ref().map(|w| w.entity()).ok())
            .finish_non_exhaustive()
    }
}

impl<T: Table> StreamedWrite<T> {
    /// Puts `entity` (replacing any item with its key).
    pub fn put<E: Entity<Table = T>>(entity: &E) -> Self {
        Self::of(pending_put(entity))
    }

    /// Deletes the item with `key`.
    pub fn delete<K: EntityKey>(key: K) -> Self
    where
        K::Entity: Entity<Table = T>,
    {
        Self::of(pending_delete(&key))
    }

    /// Puts a value of registry `R` (an item of any of its entity types); a raw item of an
    /// unknown type is rejected.
    pub fn put_any<R: Registry<Table = T>>(value: &R) -> Self {
        Self::of(value.visit(AnyPut))
    }

    /// Deletes the item at the key of a value of registry `R` (of whichever type it holds);
    /// a raw item of an unknown type is rejected.
    pub fn delete_any<R: Registry<Table = T>>(value: &R) -> Self {
        Self::of(value.visit(AnyDelete))
    }

    /// A write refused with `error` (reported by its position, never sent).
    pub fn rejected(error: Error) -> Self {
        Self::of(Err(error))
    }

    fn of(write: Result<Pending, Error>) -> Self {
        Self {
            write,
            table: std::marker::PhantomData,
        }
    }
}

/// Where a [`WriteStream`] stands, passed to its progress callback after each chunk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteProgress {
    /// Writes taken from the stream so far.
    pub taken: usize,
    /// Writes applied.
    pub written: usize,
    /// Writes not applied (or of unknown outcome) after their last attempt.
    pub failed: usize,
    /// Writes refused before sending (invalid).
    pub rejected: usize,
    /// Requests sent, retries included.
    pub requests: usize,
}

/// What a [`WriteStream`] did: every write taken from the stream is counted in `written`,
/// or listed in `failed` (by key) or `rejected` (by position).
#[derive(Debug)]
pub struct WriteStreamOutput {
    progress: WriteProgress,
    failed: Vec<FailedWrite>,
    rejected: Vec<(usize, Error)>,
}

impl WriteStreamOutput {
    /// The final counts.
    pub fn progress(&self) -> WriteProgress {
        self.progress
    }

    /// Writes not applied after their last attempt, by key.
    pub fn failed(&self) -> &[FailedWrite] {
        &self.failed
    }

    /// Writes refused before sending, by their position in the stream (0-based), with why.
    pub fn rejected(&self) -> &[(usize, Error)] {
        &self.rejected
    }
}

impl super::partial::Failures for WriteStreamOutput {
    /// The first rejected write's error, or [`Error::BatchIncomplete`].
    fn into_result(mut self) -> Result<Self, Error> {
        if !self.rejected.is_empty() {
            return Err(self.rejected.swap_remove(0).1);
        }
        if self.failed.is_empty() {
            Ok(self)
        } else {
            Err(Error::BatchIncomplete {
                done: self.progress.written,
                failed_writes: self.failed,
                failed_keys: Vec::new(),
            })
        }
    }
}

type Progress = Box<dyn FnMut(&WriteProgress) + Send>;

/// Writes from a `Stream` in constant memory, built by
/// [`Db::write_stream`](crate::Db::write_stream): the stream is read 25 writes at a time,
/// and at most `concurrency` chunks are in flight, so a slow table slows the reading (back
/// pressure) instead of filling memory. Chunks are sent and retried as
/// [`BatchWrite`](crate::BatchWrite) sends them (entity-type guards included). Writes of one
/// key apply in stream order: in one chunk they go in successive requests, and a chunk
/// holding a key that a chunk in flight holds waits for it.
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
/// use dynamorm::batch::StreamedWrite;
/// use futures::StreamExt;
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// let users = futures::stream::iter(0..1_000_000).map(|i| User { id: format!("u{i}") });
/// let out = db
///     .write_stream(users.map(|u| StreamedWrite::put(&u)))
///     .concurrency(8)
///     .on_progress(|p| eprintln!("{} written", p.written))
///     .send()
///     .await?;
/// for failed in out.failed() {
///     eprintln!("not written: {} {:?}", failed.entity, failed.key);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a stream write does nothing until `.send().await`"]
pub struct WriteStream<T> {
    db: Arc<Inner>,
    writes: BoxStream<'static, StreamedWrite<T>>,
    concurrency: usize,
    retry: RetryPolicy,
    progress: Option<Progress>,
}

impl<T> std::fmt::Debug for WriteStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteStream")
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// What one chunk did.
#[derive(Default)]
struct Chunk {
    taken: usize,
    written: usize,
    sent: Sent,
    failed: Vec<FailedWrite>,
    rejected: Vec<(usize, Error)>,
}

impl<T: Table> WriteStream<T> {
    pub(crate) fn new(
        db: Arc<Inner>,
        writes: impl futures::Stream<Item = StreamedWrite<T>> + Send + 'static,
    ) -> Self {
        Self {
            db,
            writes: writes.boxed(),
            concurrency: 4,
            retry: RetryPolicy::default(),
            progress: None,
        }
    }

    /// How many requests are in flight at once (default 4); also bounds memory: at most this
    /// many chunks of 25 writes are held.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// How unprocessed items and throttled requests are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Called after each chunk with the counts so far.
    pub fn on_progress(mut self, f: impl FnMut(&WriteProgress) + Send + 'static) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Reads the stream to its end, writing as it goes.
    pub async fn send(self) -> Result<Partial<WriteStreamOutput>, Error> {
        let (db, retry, table) = (self.db, self.retry, T::SCHEMA);
        let mut source = self.writes.enumerate().chunks(super::write::MAX_WRITES);
        let mut in_flight = FuturesUnordered::new();
        // Keys of the chunks in flight: a chunk repeating one waits for them, so repeats of
        // a key apply in stream order however far apart they are.
        let mut busy: HashMap<PrimaryKey, usize> = HashMap::new();
        let mut tally = Tally {
            out: WriteStreamOutput {
                progress: WriteProgress::default(),
                failed: Vec::new(),
                rejected: Vec::new(),
            },
            progress: self.progress,
        };
        let mut exhausted = false;
        loop {
            if !exhausted && in_flight.len() < self.concurrency {
                match source.next().await {
                    Some(chunk) => {
                        let keys: Vec<PrimaryKey> = chunk
                            .iter()
                            .filter_map(|(_, w)| w.write.as_ref().ok().map(|p| p.key.clone()))
                            .collect();
                        while keys.iter().any(|k| busy.contains_key(k)) {
                            match in_flight.next().await {
                                Some(done) => tally.record(done, &mut busy),
                                None => break,
                            }
                        }
                        for key in &keys {
                            *busy.entry(key.clone()).or_default() += 1;
                        }
                        let write = write_chunk(Arc::clone(&db), chunk, retry, table);
                        in_flight.push(async move { (write.await, keys) });
                        continue;
                    }
                    None => exhausted = true,
                }
            }
            match in_flight.next().await {
                Some(done) => tally.record(done, &mut busy),
                None if exhausted => break,
                None => {}
            }
        }
        let mut out = tally.out;
        out.rejected.sort_by_key(|(position, _)| *position);
        Ok(Partial::new(out))
    }
}

/// The output so far, and the callback told of it.
struct Tally {
    out: WriteStreamOutput,
    progress: Option<Progress>,
}

impl Tally {
    fn record(
        &mut self,
        (chunk, keys): (Chunk, Vec<PrimaryKey>),
        busy: &mut HashMap<PrimaryKey, usize>,
    ) {
        for key in keys {
            if let Some(n) = busy.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    busy.remove(&key);
                }
            }
        }
        let p = &mut self.out.progress;
        p.taken += chunk.taken;
        p.written += chunk.written;
        p.failed += chunk.failed.len();
        p.rejected += chunk.rejected.len();
        p.requests += chunk.sent.requests;
        self.out.failed.extend(chunk.failed);
        self.out.rejected.extend(chunk.rejected);
        if let Some(f) = self.progress.as_mut() {
            f(&self.out.progress);
        }
    }
}

/// Sends one chunk: batchable writes in requests without a repeated key (a repeat goes in
/// a later request, after the earlier one is done), then guarded ones one by one.
async fn write_chunk<T>(
    db: Arc<Inner>,
    chunk: Vec<(usize, StreamedWrite<T>)>,
    retry: RetryPolicy,
    table: crate::TableSchema,
) -> Chunk {
    let mut out = Chunk {
        taken: chunk.len(),
        ..Chunk::default()
    };
    let mut rounds: Vec<Vec<Pending>> = Vec::new();
    let mut guarded = Vec::new();
    for (position, write) in chunk {
        match write.write.and_then(|w| w.route(&db)) {
            Err(error) => out.rejected.push((position, error)),
            Ok(w) if matches!(w.via, Via::Guarded(_)) => guarded.push(w),
            Ok(w) => {
                // After the last request holding its key, so repeats apply in stream order.
                let after = rounds
                    .iter()
                    .rposition(|round| round.iter().any(|o| o.key == w.key))
                    .map_or(0, |last| last + 1);
                match rounds.get_mut(after) {
                    Some(round) => round.push(w),
                    None => rounds.push(vec![w]),
                }
            }
        }
    }
    for round in rounds {
        let (written, sent, failed) = send_chunk(Arc::clone(&db), round, retry, table).await;
        out.add(written, sent, failed);
    }
    for write in guarded {
        let (written, sent, failed) = send_guarded(Arc::clone(&db), write, retry).await;
        out.add(written, sent, failed);
    }
    out
}

impl Chunk {
    fn add(&mut self, written: usize, sent: Sent, failed: Vec<FailedWrite>) {
        self.written += written;
        self.sent.requests += sent.requests;
        self.sent.capacity += sent.capacity;
        self.failed.extend(failed);
    }
}
