//! [`Error`]: the one error type of every dynamorm operation.

use std::borrow::Cow;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;

use crate::Item;
use crate::key::KeyError;

/// Everything that can go wrong in dynamorm, as one matchable enum.
///
/// Inputs are validated before any request is sent: an invalid key, an oversized item or a
/// malformed expression never reaches DynamoDB.
///
/// ```
/// use dynamorm::Error;
///
/// fn describe(err: &Error) -> &'static str {
///     match err {
///         Error::NotFound { .. } => "no such item",
///         Error::AlreadyExists { .. } => "taken",
///         Error::ConditionFailed(_) => "someone changed it",
///         Error::Service(e) if e.code() == Some("ThrottlingException") => "slow down",
///         _ => "other",
///     }
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The item addressed by the operation does not exist.
    #[error("no `{entity}` item with that key exists")]
    NotFound {
        /// The entity type that was addressed.
        entity: &'static str,
    },
    /// `create` found an item with the same key.
    #[error("a `{entity}` item with that key already exists")]
    AlreadyExists {
        /// The entity type that was created.
        entity: &'static str,
    },
    /// A condition on a write was not met.
    #[error("{0}")]
    ConditionFailed(Box<ConditionFailed>),
    /// Optimistic locking: the item's version is not the one the write expected.
    #[error("`{entity}` was changed concurrently: expected version {expected}, found {}", found.map_or("no item".to_owned(), |v| v.to_string()))]
    VersionConflict {
        /// The entity type.
        entity: &'static str,
        /// The version the write expected.
        expected: u64,
        /// The stored version (`None`: no item).
        found: Option<u64>,
    },
    /// A `#[dynamo(unique)]` value is taken by another item.
    #[error("`{entity}` field `{field}` must be unique, and the value is taken")]
    UniqueViolation {
        /// The entity type.
        entity: &'static str,
        /// The unique field.
        field: &'static str,
    },
    /// The item with that key belongs to another entity type.
    #[error("expected a `{expected}` item, found a `{found}` item")]
    WrongEntity {
        /// The entity type that was addressed.
        expected: &'static str,
        /// The discriminator stored on the item.
        found: String,
    },
    /// A key could not be rendered or parsed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A request would break one of DynamoDB's rules; nothing was sent.
    #[error("invalid request: {reason}")]
    Validation {
        /// What is wrong.
        reason: Cow<'static, str>,
    },
    /// The item is larger than DynamoDB's 400 KB limit; nothing was sent.
    #[error("`{entity}` item is {size} bytes; DynamoDB allows at most {max} bytes")]
    ItemTooLarge {
        /// The entity type.
        entity: &'static str,
        /// The item's size as DynamoDB counts it.
        size: usize,
        /// The limit (409 600 bytes).
        max: usize,
    },
    /// An item's discriminator names no entity type of the registry.
    #[error("unknown entity type `{value}` in attribute `{attribute}`")]
    UnknownDiscriminator {
        /// The discriminator attribute.
        attribute: &'static str,
        /// The value found.
        value: String,
    },
    /// An item has no (string) discriminator attribute.
    #[error("item has no string attribute `{attribute}` naming its entity type")]
    MissingDiscriminator {
        /// The discriminator attribute.
        attribute: &'static str,
    },
    /// An item could not be decoded into its entity type.
    #[error("could not decode a `{entity}` item: {message}")]
    Decode {
        /// The entity type.
        entity: &'static str,
        /// What went wrong.
        message: String,
    },
    /// A value could not be encoded as a DynamoDB attribute value.
    #[error("could not encode {what}: {message}")]
    Encode {
        /// What was being encoded.
        what: Cow<'static, str>,
        /// What went wrong.
        message: String,
    },
    /// A cursor could not be used: altered, truncated, or from another query.
    #[error("invalid cursor: {reason}")]
    InvalidCursor {
        /// Why.
        reason: &'static str,
    },
    /// A typed collection could not hold a result.
    #[error("collection `{collection}`: {reason}")]
    Collection {
        /// The collection type.
        collection: &'static str,
        /// What did not fit.
        reason: String,
    },
    /// A transaction was cancelled; nothing was written.
    #[error("{0}")]
    TransactionCanceled(Box<crate::transact::TransactionCanceled>),
    /// A batch finished with writes or keys still unprocessed after the last attempt.
    #[error("batch incomplete: {done} done, {} writes and {} keys failed", failed_writes.len(), failed_keys.len())]
    BatchIncomplete {
        /// Writes applied, or items read.
        done: usize,
        /// Writes not applied.
        failed_writes: Vec<crate::batch::FailedWrite>,
        /// Keys not read.
        failed_keys: Vec<crate::batch::FailedGet>,
    },
    /// The table exists but does not match its declaration.
    #[error("table `{table}` does not match its declaration: {reason}")]
    TableMismatch {
        /// The table name.
        table: String,
        /// The difference.
        reason: String,
    },
    /// DynamoDB (or the SDK) returned an error.
    #[error(transparent)]
    Service(Box<ServiceError>),
}

impl Error {
    pub(crate) fn validation(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::Validation {
            reason: reason.into(),
        }
    }

    /// The AWS error code (e.g. `ThrottlingException`) when DynamoDB returned one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Service(e) => e.code(),
            _ => None,
        }
    }
}

/// A write's condition was not met.
#[derive(Debug)]
pub struct ConditionFailed {
    entity: &'static str,
    old: Option<Item>,
}

impl ConditionFailed {
    pub(crate) fn new(entity: &'static str, old: Option<Item>) -> Self {
        Self { entity, old }
    }

    /// The entity type that was written.
    pub fn entity(&self) -> &'static str {
        self.entity
    }

    /// The item as it was when the condition failed, decoded, if the operation asked for it
    /// with `return_old_on_failure()` and the item existed.
    pub fn old<E: crate::Entity>(&self) -> Option<Result<E, Error>> {
        self.old.clone().map(crate::entity::decode::<E>)
    }

    /// The raw item as it was when the condition failed (see [`ConditionFailed::old`]).
    pub fn old_item(&self) -> Option<&Item> {
        self.old.as_ref()
    }
}

impl std::fmt::Display for ConditionFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the condition on the `{}` write was not met",
            self.entity
        )
    }
}

/// An error returned by DynamoDB or raised by the SDK, with the AWS error code.
#[derive(Debug, thiserror::Error)]
#[error("DynamoDB {operation} failed{}{}", code.as_deref().map(|c| format!(": {c}")).unwrap_or_default(), message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
pub struct ServiceError {
    operation: &'static str,
    code: Option<String>,
    message: Option<String>,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl ServiceError {
    /// The DynamoDB operation, e.g. `PutItem`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The AWS error code, e.g. `ValidationException`.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The error message DynamoDB sent.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

/// Wraps an SDK error, keeping its code and message.
pub(crate) fn service<E>(operation: &'static str, err: E) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    Error::Service(Box::new(ServiceError {
        operation,
        code: err.code().map(str::to_owned),
        message: err.message().map(str::to_owned),
        source: Box::new(err),
    }))
}
