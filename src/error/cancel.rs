//! Why a transaction was canceled, action by action: part of [`Error`](crate::Error), kept beside it
//! so that the error type, the transaction builders and the write pipeline all depend on
//! this module and not on each other.

use crate::Redacted;
use crate::entity::PrimaryKey;
use crate::item::Item;

/// Why DynamoDB canceled one action of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancelReason {
    /// The action was fine (DynamoDB's `None`); never listed as a failure.
    None,
    /// Its condition (or the library's guard: item exists / not exists / is this entity
    /// type) was not met.
    ConditionalCheckFailed,
    /// The action updates or conditions on an item of its type stored in shape `stored`,
    /// not the current one: a transaction does not upgrade items (read or migrate it first,
    /// or update it outside the transaction, which does).
    Shape {
        /// The shape the item is stored in.
        stored: u32,
        /// The entity's current shape.
        current: u32,
    },
    /// Another transaction or write touched the item at the same time; retry.
    TransactionConflict,
    /// Throttled; retry later.
    Throttled,
    /// An item collection of a local secondary index is too large.
    ItemCollectionSizeLimitExceeded,
    /// DynamoDB rejected the action as invalid.
    ValidationError,
    /// Any other code, as DynamoDB sent it.
    Other(String),
}

impl CancelReason {
    pub(crate) fn from_code(code: &str) -> Self {
        match code {
            "None" => Self::None,
            "ConditionalCheckFailed" => Self::ConditionalCheckFailed,
            "TransactionConflict" => Self::TransactionConflict,
            "ThrottlingError" | "ProvisionedThroughputExceeded" => Self::Throttled,
            "ItemCollectionSizeLimitExceeded" => Self::ItemCollectionSizeLimitExceeded,
            "ValidationError" => Self::ValidationError,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// One action that made a transaction fail.
///
/// `Debug` shows the key's length, not its text ([`PrimaryKey`]'s `Debug`), and whether the
/// old item was returned, not its values (it is [`Redacted`]); read them from
/// [`key`](Self::key) and [`old`](Self::old).
#[derive(Debug, Clone, PartialEq)]
pub struct CanceledAction {
    /// Its position in the transaction (0-based, in the order added).
    pub index: usize,
    /// Its entity type.
    pub entity: &'static str,
    /// Its item's key.
    pub key: PrimaryKey,
    /// Why it failed.
    pub reason: CancelReason,
    /// DynamoDB's message, if any.
    pub message: Option<String>,
    /// Whether the item existed when the action failed.
    pub exists: bool,
    pub(crate) old: Option<Redacted<Item>>,
    pub(crate) keep_old: bool,
}

/// A canceled transaction: only the actions that failed are listed (DynamoDB reports
/// `None` for the others).
///
/// `Debug` redacts keys and items (see [`CanceledAction`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionCanceled {
    /// The failed actions, by index.
    pub actions: Vec<CanceledAction>,
    /// DynamoDB's message.
    pub message: Option<String>,
}

impl std::fmt::Display for TransactionCanceled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "transaction canceled:")?;
        for a in &self.actions {
            write!(f, " action {} (`{}`): {:?};", a.index, a.entity, a.reason)?;
        }
        Ok(())
    }
}
