//! What the workers of one migration share: settings, the state checkpoints save, counts,
//! failures and samples.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use super::checkpoint::{Checkpoint, MigrationState};
use super::report::{KeyChange, MigrationFailure, Progress};
use crate::Error;
use crate::client::Inner;
use crate::entity::PrimaryKey;

/// The progress callback: one worker calls it at a time.
pub(super) type ProgressFn = Mutex<Box<dyn FnMut(&Progress) + Send>>;

#[derive(Default)]
pub(super) struct Counts {
    pub(super) scanned: AtomicU64,
    pub(super) updated: AtomicU64,
    pub(super) moved: AtomicU64,
    pub(super) failed: AtomicU64,
    pub(super) reshaped: AtomicU64,
    pub(super) earlier_left: AtomicU64,
}

pub(super) struct Shared {
    pub(super) db: Arc<Inner>,
    pub(super) only: Option<&'static str>,
    pub(super) retired: Vec<&'static str>,
    pub(super) dry_run: bool,
    pub(super) page_size: i32,
    pub(super) items_per_second: Option<f64>,
    pub(super) capacity_per_second: Option<f64>,
    /// An async lock: a page's checkpoint is saved while it is held, so saves happen one
    /// at a time and in order.
    pub(super) state: tokio::sync::Mutex<MigrationState>,
    pub(super) checkpoint: Option<Arc<dyn Checkpoint>>,
    pub(super) stop: AtomicBool,
    pub(super) on_progress: Option<ProgressFn>,
    pub(super) counts: Counts,
    pub(super) failures: Mutex<Vec<MigrationFailure>>,
    pub(super) samples: Mutex<Vec<KeyChange>>,
    pub(super) started: Instant,
}

impl Shared {
    pub(super) fn progress(&self) -> Progress {
        Progress {
            consumed_capacity: self.db.capacity.collector.report().total,
            scanned: self.counts.scanned.load(Ordering::Relaxed),
            updated: self.counts.updated.load(Ordering::Relaxed),
            moved: self.counts.moved.load(Ordering::Relaxed),
            reshaped: self.counts.reshaped.load(Ordering::Relaxed),
            earlier_shapes_left: self.counts.earlier_left.load(Ordering::Relaxed),
            failed: self.counts.failed.load(Ordering::Relaxed),
            elapsed: self.started.elapsed(),
        }
    }

    pub(super) fn fail(&self, key: Option<PrimaryKey>, error: Error) {
        self.counts.failed.fetch_add(1, Ordering::Relaxed);
        unpoisoned(&self.failures).push(MigrationFailure { key, error });
    }
}

/// The list behind `lock`, even if a task panicked while holding it: a push or a take is
/// one step, so the list is valid whatever happened elsewhere, and losing the report of a
/// whole run to one panic would be worse.
pub(super) fn unpoisoned<T>(lock: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    lock.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
