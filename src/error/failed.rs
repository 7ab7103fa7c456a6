//! The writes and keys a batch could not complete, by key: part of
//! [`Error::BatchIncomplete`](crate::Error::BatchIncomplete) and of the batch outputs, kept
//! beside the error type so that it and `batch` do not depend on each other.

use crate::entity::PrimaryKey;

/// Whether a batch entry puts or deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// A put of a whole item.
    Put,
    /// A delete by key.
    Delete,
}

/// A write that was not applied after the last attempt, by key.
///
/// `Debug` shows the key's length, not its text ([`PrimaryKey`]'s `Debug`); read it from
/// [`key`](Self::key).
#[derive(Debug, Clone, PartialEq)]
pub struct FailedWrite {
    /// The entity type.
    pub entity: &'static str,
    /// The item's key.
    pub key: PrimaryKey,
    /// Put or delete.
    pub kind: WriteKind,
    /// Why: still unprocessed after the last attempt, or the error DynamoDB returned.
    pub reason: String,
    /// Whether the write is known not to be applied, or its outcome is unknown.
    pub outcome: WriteOutcome,
}

/// What is known about a write listed in [`BatchWriteOutput::failed`](crate::batch::BatchWriteOutput::failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// DynamoDB did not apply it: it came back unprocessed, was refused (e.g. another
    /// entity type's item is stored at its key), or was never sent.
    NotApplied,
    /// A request carrying it failed in a way that leaves the outcome unknown (a dropped
    /// connection, a timeout, a 5xx): it may have been applied. Read the key to know.
    /// Re-sending is safe in effect — batch writes are whole-item puts and deletes — but
    /// may overwrite a newer write made meanwhile.
    Unknown,
}

/// A key a batch get could not read after the last attempt.
///
/// `Debug` shows the key's length, not its text ([`PrimaryKey`]'s `Debug`); read it from
/// [`key`](Self::key).
#[derive(Debug, Clone, PartialEq)]
pub struct FailedGet {
    /// The entity type.
    pub entity: &'static str,
    /// The key.
    pub key: PrimaryKey,
    /// Why.
    pub reason: String,
}
