//! [`Migrate`]: re-key and backfill a live table after its design changed — every item's
//! key attributes recomputed from the entity's *current* templates, and only the items
//! whose stored keys differ rewritten, each guarded so a concurrent write is never
//! clobbered. Resumable from checkpoints, rate-limited, with progress reports.

//!
//! - `checkpoint.rs`: where a run stands, and where that is kept;
//! - `plan.rs`: what one item needs (nothing, index keys rewritten, or a move) and the
//!   guard that it is still as read;
//! - `apply.rs`: sending that through the write pipeline, re-reading on a lost race;
//! - `shared.rs`: what the workers of a run share; `run.rs`: a worker's segments, page by
//!   page; `report.rs`: progress and the report;
//! - this file: the builder and the start of a run.

mod apply;
mod checkpoint;
mod lease;
mod plan;
mod report;
mod run;
mod shared;

pub use checkpoint::{
    Checkpoint, CheckpointError, FileCheckpoint, MemoryCheckpoint, MigrationState, SegmentState,
};
pub use report::{KeyChange, MigrationFailure, MigrationReport, Progress};

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};

use crate::client::Inner;
use crate::registry::Registry;
use crate::{Error, InvalidInputKind};
use lease::Leases;
pub(crate) use plan::all_key_attributes;
use run::{run_segment, run_worker};
use shared::{Counts, ProgressFn, Shared, unpoisoned};

type StopSignal = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How a migration's capacity is limited.
#[derive(Debug, Clone, Copy)]
enum CapacityLimit {
    Units(f64),
    Share(f64),
}
/// A migration of a table to its entities' current key templates, built by
/// [`Db::migrate`](crate::Db::migrate).
///
/// - an index key that changed is rewritten in place (UpdateItem), on the condition that
///   the attributes it was computed from, the stored keys and the version are still what
///   was read; a lost race is retried from a fresh read;
/// - a changed primary key is a move: the item (all its attributes) is put under the new key
///   and deleted under the old one in one transaction, under the same condition;
/// - items that do not decode are reported, not touched.
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))] pub struct App;
/// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER", index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
/// # pub struct User { id: String, email: String }
/// # #[derive(Debug, dynamorm::Registry)] #[dynamo(table = App)] pub enum AppItem { User(User) }
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// use dynamorm::migrate::FileCheckpoint;
/// let preview = db.migrate::<AppItem>().dry_run().run().await?;
/// println!("would rewrite {} items, e.g. {:?}", preview.progress.updated, preview.samples.first());
/// let report = db
///     .migrate::<AppItem>()
///     .segments(4)
///     .rate_limit(500.0)
///     .checkpoint(FileCheckpoint::new("migration.json"))
///     .stop_on(async { let _ = tokio::signal::ctrl_c().await; })
///     .run()
///     .await?;
/// assert!(report.complete && report.failures.is_empty());
/// # Ok(()) }
/// ```
#[must_use = "a migration does nothing until `.run().await`"]
pub struct Migrate<R> {
    db: Arc<Inner>,
    only: Option<&'static str>,
    retired: Vec<&'static str>,
    segments: u32,
    page_size: i32,
    items_per_second: Option<f64>,
    dry_run: bool,
    checkpoint: Option<Arc<dyn Checkpoint>>,
    stop: Option<StopSignal>,
    on_progress: Option<ProgressFn>,
    /// The most capacity units per second the migration's own requests may consume.
    capacity: Option<CapacityLimit>,
    /// Run together with other processes under this name, with segment leases this long.
    shared: Option<(String, Duration)>,
    /// Segments this process works on at once in a shared run.
    parallel: u32,
    registry: std::marker::PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for Migrate<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migrate")
            .field("only", &self.only)
            .field("segments", &self.segments)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

impl<R: Registry> Migrate<R> {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self {
            db,
            only: None,
            retired: Vec::new(),
            segments: 1,
            page_size: 100,
            items_per_second: None,
            dry_run: false,
            checkpoint: None,
            stop: None,
            on_progress: None,
            capacity: None,
            shared: None,
            parallel: 2,
            registry: std::marker::PhantomData,
        }
    }

    /// Migrates only items of entity `E` (others are read and left alone).
    pub fn only<E: crate::Entity<Table = R::Table>>(mut self) -> Self {
        self.only = Some(E::SCHEMA.name);
        self
    }

    /// Removes the key attributes of a template index the design no longer has (declared
    /// on the table type of the earlier design) from every item, in place and guarded like
    /// any key rewrite — the last step of moving an access pattern to another index (see
    /// `examples/multi_attribute.rs`): items leave that index as their attributes go, so run
    /// it once no reader uses the index, then delete the index
    /// ([`Db::delete_index`](crate::Db::delete_index)). An attribute the current table or
    /// one of the registry's entities still uses is refused when the run starts.
    pub fn retire_index<Old, P>(mut self, index: crate::Index<Old, P>) -> Self {
        if let Some((pk, sk)) = index.schema().template_keys() {
            self.retired.push(pk);
            self.retired.extend(sk);
        }
        self
    }

    /// A retired attribute must be one nothing current writes, or removing it would delete
    /// data (a key the table still has, or a field of an entity).
    fn check_retired(&self) -> Result<(), Error> {
        let table = &<R::Table as crate::Table>::SCHEMA;
        for attribute in &self.retired {
            let in_use = table.reserves(attribute)
                || table.multi_attribute_index_of(attribute).is_some()
                || R::ENTITIES.iter().any(|e| e.attributes.contains(attribute));
            if in_use {
                return Err(Error::invalid(
                    InvalidInputKind::Configuration,
                    format!(
                        "attribute `{attribute}` cannot be retired: the current design still uses it"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Scans in `n` parallel segments.
    pub fn segments(mut self, n: u32) -> Self {
        // DynamoDB's parallel scan takes at most 1,000,000 segments.
        self.segments = n.clamp(1, 1_000_000);
        self
    }

    /// Items per scan request (default 100).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = i32::try_from(n).unwrap_or(i32::MAX).max(1);
        self
    }

    /// Reads at most `items_per_second` items per second, to leave capacity to the
    /// application.
    pub fn rate_limit(mut self, items_per_second: f64) -> Self {
        self.items_per_second = Some(items_per_second.max(0.001));
        self
    }

    /// Paces the migration so that the capacity units its own requests consume (scans and
    /// writes, as DynamoDB reports them) stay at or below `units_per_second` — a budget
    /// in the table's own currency, whatever the items' sizes.
    ///
    /// ```no_run
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
    /// # #[derive(Debug, dynamorm::Registry)] #[dynamo(table = App)] pub enum AppItem { User(User) }
    /// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// let report = db.migrate::<AppItem>().capacity_limit(200.0).run().await?;
    /// println!("{:.0} capacity units used", report.progress.consumed_capacity);
    /// # Ok(()) }
    /// ```
    pub fn capacity_limit(mut self, units_per_second: f64) -> Self {
        self.capacity = Some(CapacityLimit::Units(units_per_second.max(0.001)));
        self
    }

    /// Like [`capacity_limit`](Self::capacity_limit), as a share (0 to 1) of the table's
    /// provisioned read and write capacity, read when the run starts; an on-demand table has
    /// none to share, so it is refused (give `capacity_limit` units instead).
    pub fn capacity_share(mut self, share: f64) -> Self {
        self.capacity = Some(CapacityLimit::Share(share.clamp(0.0, 1.0)));
        self
    }

    /// The units per second the migration may consume, if limited.
    async fn capacity_budget(&self) -> Result<Option<f64>, Error> {
        match self.capacity {
            None => Ok(None),
            Some(CapacityLimit::Units(units)) => Ok(Some(units)),
            Some(CapacityLimit::Share(share)) => {
                let table = crate::deploy::send::describe_table(&self.db)
                    .await?
                    .and_then(|t| t.provisioned_throughput)
                    .map(|p| {
                        p.read_capacity_units.unwrap_or(0) + p.write_capacity_units.unwrap_or(0)
                    })
                    .unwrap_or(0);
                if table <= 0 {
                    return Err(Error::invalid(
                        InvalidInputKind::Configuration,
                        "the table has no provisioned capacity to take a share of (on-demand): \
                         give `capacity_limit(units per second)` instead",
                    ));
                }
                Ok(Some((share * table as f64).max(0.001)))
            }
        }
    }

    /// Counts what would change and samples old → new keys, writing nothing.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Saves progress after every page and resumes from the saved state.
    pub fn checkpoint(mut self, checkpoint: impl Checkpoint + 'static) -> Self {
        self.checkpoint = Some(Arc::new(checkpoint));
        self
    }

    /// Stops cleanly at the next page boundary (with a saved checkpoint) when `signal`
    /// completes, e.g. `tokio::signal::ctrl_c()`.
    pub fn stop_on(mut self, signal: impl Future<Output = ()> + Send + 'static) -> Self {
        self.stop = Some(Box::pin(signal));
        self
    }

    /// Runs this migration together with every other process (container, Lambda) that runs
    /// it under the same `name` and number of [`segments`](Self::segments): each segment is
    /// leased to one worker at a time by a conditional write to a lease item in the table
    /// itself, renewed after every page with the segment's checkpoint; a worker that stops
    /// (killed, timed out) loses its leases when they expire (30 s, see
    /// [`lease_duration`](Self::lease_duration)), and another takes each segment over from
    /// its checkpoint. Each process's report counts its own share; the run is `complete`
    /// once every segment is done. A re-run after completion finds every segment done: use
    /// a new name for a new migration. (Not with [`checkpoint`](Self::checkpoint): the
    /// lease items are the checkpoints.)
    ///
    /// ```no_run
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
    /// # #[derive(Debug, dynamorm::Registry)] #[dynamo(table = App)] pub enum AppItem { User(User) }
    /// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// // In every process: the same name and number of segments.
    /// let report = db.migrate::<AppItem>().shared("gsi2-backfill").segments(32).run().await?;
    /// println!("this process rewrote {} items", report.progress.updated);
    /// # Ok(()) }
    /// ```
    pub fn shared(mut self, name: impl Into<String>) -> Self {
        let duration = self
            .shared
            .take()
            .map_or(Duration::from_secs(30), |(_, d)| d);
        self.shared = Some((name.into(), duration));
        self
    }

    /// How long a shared run's segment lease lasts without renewal (default 30 s): longer
    /// than a page takes, short enough that a dead worker's segments are taken over soon.
    pub fn lease_duration(mut self, duration: Duration) -> Self {
        if let Some((_, d)) = self.shared.as_mut() {
            *d = duration.max(Duration::from_millis(100));
        }
        self
    }

    /// How many segments this process works on at once in a shared run (default 2).
    pub fn parallel(mut self, n: u32) -> Self {
        self.parallel = n.max(1);
        self
    }

    /// Called after every page with the counts so far (from one worker at a time).
    pub fn on_progress(mut self, f: impl FnMut(&Progress) + Send + 'static) -> Self {
        self.on_progress = Some(Mutex::new(Box::new(f)));
        self
    }

    /// Runs the migration.
    pub async fn run(self) -> Result<MigrationReport, Error> {
        self.check_retired()?;
        if self.shared.is_some() && self.checkpoint.is_some() {
            return Err(Error::invalid(
                InvalidInputKind::Configuration,
                "a shared migration keeps its checkpoints in its lease items; drop `checkpoint`",
            ));
        }
        let state = match &self.checkpoint {
            Some(c) => c.load().await.map_err(Error::checkpoint)?,
            None => None,
        };
        let mut state = state.unwrap_or_default();
        if state.segments.len() != self.segments as usize {
            if state
                .segments
                .iter()
                .any(|s| s.done || s.last_key.is_some())
            {
                return Err(Error::invalid(
                    InvalidInputKind::Configuration,
                    format!(
                        "the checkpoint has {} segments; resume with the same number",
                        state.segments.len()
                    ),
                ));
            }
            state.segments = vec![SegmentState::default(); self.segments as usize];
        }
        let budget = self.capacity_budget().await?;
        // Limited by capacity: the migration's own handle asks DynamoDB for the units each
        // request consumed, and counts them apart from the application's.
        let db = match budget {
            Some(_) => Arc::new(Inner {
                client: self.db.client.clone(),
                table_name: self.db.table_name.clone(),
                capacity: crate::capacity::Capacity {
                    mode: Some(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total),
                    collector: crate::CapacityCollector::default(),
                },
                keyspace: self.db.keyspace.clone(),
                cursor_key: self.db.cursor_key.clone(),
                repair_shapes: false,
            }),
            None => self.db,
        };
        let shared = Arc::new(Shared {
            capacity_per_second: budget,
            db,
            only: self.only,
            retired: self.retired,
            dry_run: self.dry_run,
            page_size: self.page_size,
            items_per_second: self.items_per_second,
            state: tokio::sync::Mutex::new(state),
            checkpoint: self.checkpoint,
            stop: AtomicBool::new(false),
            on_progress: self.on_progress,
            counts: Counts::default(),
            failures: Mutex::new(Vec::new()),
            samples: Mutex::new(Vec::new()),
            started: Instant::now(),
        });
        let watcher = self.stop.map(|signal| {
            let watcher = Arc::clone(&shared);
            tokio::spawn(async move {
                signal.await;
                watcher.stop.store(true, Ordering::SeqCst);
            })
        });
        let complete = match self.shared {
            None => {
                let results: Vec<Result<(), Error>> = stream::iter(0..self.segments)
                    .map(|segment| run_segment::<R>(Arc::clone(&shared), segment, None))
                    .buffer_unordered(self.segments as usize)
                    .collect()
                    .await;
                for r in results {
                    r?;
                }
                shared.state.lock().await.segments.iter().all(|s| s.done)
            }
            Some((name, duration)) => {
                let workers = self.parallel.min(self.segments);
                // Spread the workers' starting segments so they rarely race for one.
                let offset = fastrand::u32(0..self.segments);
                let results: Vec<Result<bool, Error>> = stream::iter(0..workers)
                    .map(|w| {
                        let leases = Leases::new::<R::Table>(name.clone(), duration, self.segments);
                        let first = (offset + w * self.segments / workers) % self.segments;
                        run_worker::<R>(Arc::clone(&shared), leases, first)
                    })
                    .buffer_unordered(workers as usize)
                    .collect()
                    .await;
                let mut complete = false;
                for r in results {
                    complete |= r?;
                }
                complete
            }
        };
        if let Some(watcher) = watcher {
            watcher.abort();
        }
        Ok(MigrationReport {
            progress: shared.progress(),
            failures: std::mem::take(&mut *unpoisoned(&shared.failures)),
            samples: std::mem::take(&mut *unpoisoned(&shared.samples)),
            complete,
            dry_run: shared.dry_run,
        })
    }
}
