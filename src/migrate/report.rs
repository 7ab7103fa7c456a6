//! What a migration reports: [`Progress`] while it runs, and the [`MigrationReport`].

use std::collections::BTreeMap;
use std::time::Duration;

use crate::Error;
use crate::entity::PrimaryKey;

/// Counts reported while a migration runs, and in its final report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Items read.
    pub scanned: u64,
    /// Items whose index keys were rewritten in place.
    pub updated: u64,
    /// Items moved to a new primary key.
    pub moved: u64,
    /// Items stored in an earlier [shape](crate::Entity#shape-versions) rewritten in the
    /// current one (in place, or as part of a move).
    pub reshaped: u64,
    /// Items the run read in an earlier shape and left so (a dry run, or a failure): when a
    /// complete run ends with 0 here and no binary still writes the earlier shapes, no item
    /// needs their structs any more — the doctor's per-shape counts confirm it.
    pub earlier_shapes_left: u64,
    /// Items that could not be decoded or rewritten (see the report's `failures`).
    pub failed: u64,
    /// Time since the run started.
    pub elapsed: Duration,
    /// Capacity units the migration's requests consumed, as DynamoDB reported them (with
    /// [`Migrate::capacity_limit`](crate::migrate::Migrate::capacity_limit) or a `Db` that asks for consumed capacity; 0 otherwise).
    pub consumed_capacity: f64,
}

impl Progress {
    /// Items read per second.
    pub fn rate(&self) -> f64 {
        self.scanned as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// A key change, old and new key attributes (for dry-run samples). `Debug` shows the
/// attribute names, not the keys.
#[derive(Clone, PartialEq)]
pub struct KeyChange {
    /// The entity type.
    pub entity: String,
    /// The key attributes as stored.
    pub old: BTreeMap<String, String>,
    /// The key attributes the current templates render (absent ones are removed).
    pub new: BTreeMap<String, String>,
}

impl std::fmt::Debug for KeyChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyChange")
            .field("entity", &self.entity)
            .field("old", &crate::redact::RedactedKeyMap(&self.old))
            .field("new", &crate::redact::RedactedKeyMap(&self.new))
            .finish()
    }
}

/// An item the migration did not rewrite.
///
/// `Debug` shows the key's length, not its text ([`PrimaryKey`]'s `Debug`); read it from
/// [`key`](Self::key).
#[derive(Debug)]
pub struct MigrationFailure {
    /// Its primary key, when it had one.
    pub key: Option<PrimaryKey>,
    /// Why.
    pub error: Error,
}

/// What a migration run did.
#[must_use = "a migration can leave failed items behind; check `failures`"]
#[derive(Debug)]
pub struct MigrationReport {
    /// The counts.
    pub progress: Progress,
    /// Items not rewritten, with the reason.
    pub failures: Vec<MigrationFailure>,
    /// Up to 10 example key changes.
    pub samples: Vec<KeyChange>,
    /// `false` when the run was stopped before the end (re-run to continue).
    pub complete: bool,
    /// Whether anything was written (`false` for a dry run).
    pub dry_run: bool,
}
