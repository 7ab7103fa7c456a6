//! [`Error`]: the one error type of every dynamorm operation.
//!
//! No error's `Display` or `Debug` output carries an item's values, key text or the raw HTTP
//! response, and neither does anything reached through [`std::error::Error::source`]: what
//! could hold them is [`Redacted`] — keys print as `<redacted, N bytes>`, items as
//! `<redacted, N attributes>`, the serde error behind a decode or encode error as
//! `<redacted serde error>` and the SDK error behind a service, timeout or transport error as
//! `<redacted SDK error>`. Explicit accessors reach the values ([`DecodeError::expose_source`],
//! [`ServiceError::sdk_error`], [`ConditionFailed::old_item`], [`Redacted::expose`]).

pub(crate) mod cancel;
mod codec;
pub(crate) mod failed;
mod invalid;

use std::any::Any;
use std::fmt;

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{BuildError, ConnectorError, ProvideErrorMetadata, SdkError};

pub use codec::{DecodeError, EncodeError};
pub use invalid::{InvalidInput, InvalidInputKind};

use crate::Item;
use crate::Redacted;
use crate::key::KeyError;
use cancel::CancelReason;

/// A boxed error: the SDK error of the transport variants, a checkpoint store's error.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What the placeholder of a redacted SDK error says.
const SDK_ERROR: &str = "SDK error";

/// Everything that can go wrong in dynamorm, as one matchable enum.
///
/// Inputs are checked before any request is sent: an invalid key, an oversized item or a
/// malformed expression never reaches DynamoDB ([`Error::InvalidInput`], [`Error::Key`],
/// [`Error::ItemTooLarge`], ...).
///
/// `Display` and `Debug` never show an item's values, key text or the raw HTTP response,
/// and neither does any error of the [`source`](std::error::Error::source) chain, so an
/// error can be logged with `{:?}`. The values stay reachable through explicit accessors
/// (e.g. [`ConditionFailed::old_item`], [`DecodeError::expose_source`],
/// [`ServiceError::sdk_error`]).
///
/// To act on an error, match on its variant, or on [`kind`](Self::kind) (one
/// [`ErrorKind`] per variant, for metrics labels too), and ask
/// [`is_retryable`](Self::is_retryable), [`is_conflict`](Self::is_conflict) and
/// [`outcome_unknown`](Self::outcome_unknown). Never match on the message text: it may
/// change in any release.
///
/// Every struct variant is `#[non_exhaustive]`: match it with `..`
/// (`Error::NotFound { entity, .. }`). Errors cannot be built outside dynamorm, and a test
/// never needs to: it gets them from the operations it exercises (DynamoDB Local, or the
/// in-memory server of `dynamorm-local`), or, for a [`KeyError`], from `Error::from`.
///
/// ```
/// use dynamorm::{Error, ErrorKind, InvalidInputKind};
///
/// fn describe(err: &Error) -> &'static str {
///     match err {
///         Error::NotFound { .. } => "no such item",
///         Error::AlreadyExists { .. } => "taken",
///         Error::ConditionFailed(_) => "someone changed it",
///         Error::VersionExhausted { .. } => "no more versions",
///         Error::InvalidInput(e) if e.kind() == InvalidInputKind::DuplicateKey => "a key twice",
///         e if e.is_retryable() && !e.outcome_unknown() => "retry after a pause",
///         e if e.outcome_unknown() => "may or may not have been applied: read before retrying",
///         Error::Service(e) if e.code() == Some("ValidationException") => "bad request",
///         _ => "other",
///     }
/// }
///
/// let err = Error::from(dynamorm::KeyError::MissingField { field: "email" });
/// assert_eq!(describe(&err), "other");
/// assert_eq!(err.kind(), ErrorKind::Key);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The item addressed by the operation does not exist.
    #[error("no `{entity}` item with that key exists")]
    #[non_exhaustive]
    NotFound {
        /// The entity type that was addressed.
        entity: &'static str,
    },
    /// `create` found an item with the same key.
    #[error("a `{entity}` item with that key already exists")]
    #[non_exhaustive]
    AlreadyExists {
        /// The entity type that was created.
        entity: &'static str,
    },
    /// A condition on a write was not met.
    #[error("{0}")]
    ConditionFailed(Box<ConditionFailed>),
    /// Optimistic locking: the item's version is not the one the write expected.
    #[error("`{entity}` was changed concurrently: expected version {expected}, found {}", found.map_or("no item".to_owned(), |v| v.to_string()))]
    #[non_exhaustive]
    VersionConflict {
        /// The entity type.
        entity: &'static str,
        /// The version the write expected.
        expected: u64,
        /// The stored version (`None`: no item).
        found: Option<u64>,
    },
    /// Optimistic locking: the item's version is at the maximum its field type can hold; it
    /// can no longer be changed with optimistic locking. Nothing was written.
    #[error(
        "`{entity}` item's version is at the maximum its field type can hold; it can no longer be changed with optimistic locking"
    )]
    #[non_exhaustive]
    VersionExhausted {
        /// The entity type.
        entity: &'static str,
    },
    /// A write that re-reads and re-plans after losing a race to a concurrent write (a
    /// unique-value write, a migration move) lost it every time; nothing was written by the
    /// last attempt. Retry later ([`is_retryable`](Error::is_retryable)).
    #[error(
        "`{entity}` item kept changing: {attempts} attempts lost the race to concurrent writes"
    )]
    #[non_exhaustive]
    Contended {
        /// The entity type (`*` when the item's type is not a declared one).
        entity: &'static str,
        /// How many times the write was planned and sent.
        attempts: usize,
    },
    /// A `#[dynamo(unique)]` value is taken by another item.
    #[error("`{entity}` field `{field}` must be unique, and the value is taken")]
    #[non_exhaustive]
    UniqueViolation {
        /// The entity type.
        entity: &'static str,
        /// The unique field.
        field: &'static str,
    },
    /// The item with that key belongs to another entity type.
    ///
    /// The discriminator found is stored data (another writer may have put anything
    /// there): it is [`Redacted`], `found.expose()` reads it.
    #[error("expected a `{expected}` item, found an item of another entity type ({found})")]
    #[non_exhaustive]
    WrongEntity {
        /// The entity type that was addressed.
        expected: &'static str,
        /// The discriminator stored on the item.
        found: Redacted<String>,
    },
    /// A key could not be rendered or parsed; nothing was sent.
    ///
    /// The key text a [`KeyError::Malformed`] or [`KeyError::Mismatch`] carries is
    /// [`Redacted`].
    #[error("{0}")]
    Key(KeyError),
    /// A request would break one of DynamoDB's rules or the entity's declaration; nothing
    /// was sent. Match on its [`kind`](InvalidInput::kind).
    #[error("{0}")]
    InvalidInput(Box<InvalidInput>),
    /// The item is larger than DynamoDB's 400 KB limit; nothing was sent.
    #[error("`{entity}` item is {size} bytes; DynamoDB allows at most {max} bytes")]
    #[non_exhaustive]
    ItemTooLarge {
        /// The entity type.
        entity: &'static str,
        /// The item's size as DynamoDB counts it.
        size: usize,
        /// The limit (409 600 bytes).
        max: usize,
    },
    /// An item's discriminator names no entity type of the registry.
    ///
    /// The value is stored data: it is [`Redacted`], `value.expose()` reads it.
    #[error("unknown entity type ({value}) in attribute `{attribute}`")]
    #[non_exhaustive]
    UnknownDiscriminator {
        /// The discriminator attribute.
        attribute: &'static str,
        /// The value found.
        value: Redacted<String>,
    },
    /// An item has no (string) discriminator attribute.
    #[error("item has no string attribute `{attribute}` naming its entity type")]
    #[non_exhaustive]
    MissingDiscriminator {
        /// The discriminator attribute.
        attribute: &'static str,
    },
    /// An item, or a value an update sets, could not be decoded into its type.
    ///
    /// The serde error is its [`source`](std::error::Error::source), redacted (its message
    /// may quote the value); read it with [`DecodeError::expose_source`].
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// An item is stored in a shape version this binary cannot use here: a newer one (a
    /// newer binary wrote it during a rolling deploy), one whose struct was retired, or —
    /// for a transaction action or a projection, which cannot upgrade it first — an earlier
    /// one. Nothing was misread or written.
    #[error("`{entity}` item is stored in shape {stored}; {}", Self::shape_advice(*.stored, *.current))]
    #[non_exhaustive]
    Shape {
        /// The entity type.
        entity: &'static str,
        /// The shape the item is stored in (0: its `_shape` attribute is not a version).
        stored: u32,
        /// The entity's current shape in this binary.
        current: u32,
    },
    /// An item of an earlier shape could not be upgraded: an upgrade step (`TryFrom`)
    /// refused it. Its error is the [`source`](std::error::Error::source), redacted (it may
    /// quote a value): read it with [`Redacted::expose`].
    #[error("`{entity}` item of shape {from} could not be upgraded")]
    #[non_exhaustive]
    Upgrade {
        /// The entity type.
        entity: &'static str,
        /// The shape of the step that failed.
        from: u32,
        /// The upgrade step's error.
        source: Redacted<BoxError>,
    },
    /// A value could not be encoded as a DynamoDB attribute value (or as JSON); nothing was
    /// sent. The serde error is its source, redacted, as for [`Error::Decode`].
    #[error(transparent)]
    Encode(Box<EncodeError>),
    /// A cursor could not be used: altered, truncated, or from another query.
    #[error("invalid cursor: {reason}")]
    #[non_exhaustive]
    InvalidCursor {
        /// Why.
        reason: &'static str,
    },
    /// A typed collection could not hold a query's result: an item of a type that is not
    /// a member, or a second item for a member that holds one.
    #[error("collection `{collection}`: {}", match field {
        Some(field) => format!("field `{field}` holds one item, but the query returned a second ({item_type})"),
        None => format!("the query returned an item of a type that is not a member ({item_type})"),
    })]
    #[non_exhaustive]
    Collection {
        /// The collection type.
        collection: &'static str,
        /// The entity type (discriminator) of the item that did not fit.
        item_type: Redacted<String>,
        /// The member field that already held an item, when that was the problem (`None`:
        /// the item's type is not a member).
        field: Option<&'static str>,
    },
    /// A transaction was canceled; nothing was written.
    #[error("{0}")]
    TransactionCanceled(Box<cancel::TransactionCanceled>),
    /// A batch finished with writes or keys still unprocessed after the last attempt.
    #[error("batch incomplete: {done} done, {} writes and {} keys failed", failed_writes.len(), failed_keys.len())]
    #[non_exhaustive]
    BatchIncomplete {
        /// Writes applied, or items read.
        done: usize,
        /// Writes not applied.
        failed_writes: Vec<failed::FailedWrite>,
        /// Keys not read.
        failed_keys: Vec<failed::FailedGet>,
    },
    /// The table exists but does not match its declaration.
    #[error("table `{table}` does not match its declaration: {reason}")]
    #[non_exhaustive]
    TableMismatch {
        /// The table name.
        table: String,
        /// The index that differs, if the difference is in one.
        index: Option<&'static str>,
        /// The key attribute that differs, if the difference is one attribute's type.
        attribute: Option<&'static str>,
        /// The difference, for people (names and types, never item values).
        reason: String,
    },
    /// A stream record (a Lambda event or a DynamoDB Streams record) does not have the
    /// shape of a change of the table: it is not a request of yours, and nothing about it
    /// can be fixed by retrying.
    #[error("malformed stream record: {reason}")]
    #[non_exhaustive]
    StreamRecord {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A file of an S3 export (or import) does not have the format DynamoDB writes: a
    /// manifest or a line that does not parse, a data file holding another number of items
    /// than its manifest says, or one whose checksum differs. File names, line numbers and
    /// counts only: never the content.
    #[error("export file `{file}`: {reason}")]
    #[non_exhaustive]
    ExportFile {
        /// The file's key.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A migration's [`Checkpoint`](crate::migrate::Checkpoint) store failed to load or
    /// save the run's state (e.g. the checkpoint file could not be read or written).
    #[error("the migration checkpoint store failed")]
    #[non_exhaustive]
    Checkpoint {
        /// The store's error: for [`FileCheckpoint`](crate::migrate::FileCheckpoint), a
        /// `std::io::Error`, or the JSON error of a damaged file as a [`Redacted`] boxed
        /// error (it may quote a key).
        source: BoxError,
    },
    /// Local I/O failed, e.g. the command-line tool could not write its output.
    #[error("I/O error on {what}")]
    #[non_exhaustive]
    Io {
        /// What was being read or written, e.g. `the standard output`.
        what: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The SDK refused to build a request or one of its parts (a required field was
    /// missing): a bug in dynamorm, never the data. Nothing was sent.
    #[error("the SDK could not build a `{what}`")]
    #[non_exhaustive]
    Build {
        /// The SDK type that could not be built, e.g. `KeySchemaElement` or `PutRequest`.
        what: &'static str,
        /// The SDK's error, which names the missing field.
        source: BuildError,
    },
    /// The request timed out (the SDK's operation or attempt timeout, or a connect or read
    /// timeout of the HTTP client).
    ///
    /// **The request's outcome is unknown**: it may have reached DynamoDB and been applied.
    /// Before retrying a write that is not idempotent, read the item (or make the write
    /// conditional).
    #[error("DynamoDB {operation} timed out ({}); it may or may not have been applied", TransportDetail::timeout(.source.expose().as_ref()))]
    #[non_exhaustive]
    Timeout {
        /// The DynamoDB operation, e.g. `PutItem`.
        operation: &'static str,
        /// The SDK error (an `aws_sdk_dynamodb::error::SdkError`), redacted: read it with
        /// [`Redacted::expose`].
        source: Redacted<BoxError>,
    },
    /// The request or its response was lost or unreadable: the connection was refused, reset
    /// or dropped, or the response could not be read or parsed.
    ///
    /// **The request's outcome is unknown**: it may have reached DynamoDB and been applied.
    /// Before retrying a write that is not idempotent, read the item (or make the write
    /// conditional).
    #[error("DynamoDB {operation} failed in transport ({}); it may or may not have been applied", TransportDetail::transport(.source.expose().as_ref()))]
    #[non_exhaustive]
    Transport {
        /// The DynamoDB operation, e.g. `PutItem`.
        operation: &'static str,
        /// The SDK error (an `aws_sdk_dynamodb::error::SdkError`, which may hold the raw
        /// response), redacted: read it with [`Redacted::expose`].
        source: Redacted<BoxError>,
    },
    /// DynamoDB returned an error (or the SDK could not send the request at all, e.g. for
    /// want of a region or credentials).
    #[error(transparent)]
    Service(Box<ServiceError>),
}

impl From<KeyError> for Error {
    fn from(err: KeyError) -> Self {
        Self::Key(err)
    }
}

/// What kind of [`Error`] an error is: one per variant, plus [`Throttled`](Self::Throttled)
/// for a throttled request, so that metrics can label errors without matching.
///
/// ```
/// use dynamorm::{Error, ErrorKind, KeyError};
///
/// let err = Error::from(KeyError::MissingField { field: "email" });
/// assert_eq!(err.kind(), ErrorKind::Key);
/// assert_eq!(err.kind().as_str(), "key");
/// assert_eq!(ErrorKind::Throttled.to_string(), "throttled");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::AlreadyExists`].
    AlreadyExists,
    /// [`Error::ConditionFailed`].
    ConditionFailed,
    /// [`Error::VersionConflict`].
    VersionConflict,
    /// [`Error::VersionExhausted`].
    VersionExhausted,
    /// [`Error::Contended`].
    Contended,
    /// [`Error::UniqueViolation`].
    UniqueViolation,
    /// [`Error::WrongEntity`].
    WrongEntity,
    /// [`Error::Key`].
    Key,
    /// [`Error::InvalidInput`].
    InvalidInput,
    /// [`Error::ItemTooLarge`].
    ItemTooLarge,
    /// [`Error::UnknownDiscriminator`].
    UnknownDiscriminator,
    /// [`Error::MissingDiscriminator`].
    MissingDiscriminator,
    /// [`Error::Decode`].
    Decode,
    /// [`Error::Shape`].
    Shape,
    /// [`Error::Upgrade`].
    Upgrade,
    /// [`Error::Encode`].
    Encode,
    /// [`Error::InvalidCursor`].
    InvalidCursor,
    /// [`Error::Collection`].
    Collection,
    /// [`Error::TransactionCanceled`].
    TransactionCanceled,
    /// [`Error::BatchIncomplete`].
    BatchIncomplete,
    /// [`Error::TableMismatch`].
    TableMismatch,
    /// [`Error::StreamRecord`].
    StreamRecord,
    /// [`Error::ExportFile`].
    ExportFile,
    /// [`Error::Checkpoint`].
    Checkpoint,
    /// [`Error::Io`].
    Io,
    /// [`Error::Build`].
    Build,
    /// [`Error::Timeout`].
    Timeout,
    /// [`Error::Transport`].
    Transport,
    /// An [`Error::Service`] that is throttling ([`Error::is_throttling`]).
    Throttled,
    /// Any other [`Error::Service`].
    Service,
}

impl ErrorKind {
    /// The kind in `snake_case`, e.g. `not_found`: a stable label for metrics.
    ///
    /// ```
    /// use dynamorm::ErrorKind;
    ///
    /// assert_eq!(ErrorKind::VersionConflict.as_str(), "version_conflict");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::AlreadyExists => "already_exists",
            Self::ConditionFailed => "condition_failed",
            Self::VersionConflict => "version_conflict",
            Self::VersionExhausted => "version_exhausted",
            Self::Contended => "contended",
            Self::UniqueViolation => "unique_violation",
            Self::WrongEntity => "wrong_entity",
            Self::Key => "key",
            Self::InvalidInput => "invalid_input",
            Self::ItemTooLarge => "item_too_large",
            Self::UnknownDiscriminator => "unknown_discriminator",
            Self::MissingDiscriminator => "missing_discriminator",
            Self::Decode => "decode",
            Self::Shape => "shape",
            Self::Upgrade => "upgrade",
            Self::Encode => "encode",
            Self::InvalidCursor => "invalid_cursor",
            Self::Collection => "collection",
            Self::TransactionCanceled => "transaction_canceled",
            Self::BatchIncomplete => "batch_incomplete",
            Self::TableMismatch => "table_mismatch",
            Self::StreamRecord => "stream_record",
            Self::ExportFile => "export_file",
            Self::Checkpoint => "checkpoint",
            Self::Io => "io",
            Self::Build => "build",
            Self::Timeout => "timeout",
            Self::Transport => "transport",
            Self::Throttled => "throttled",
            Self::Service => "service",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The AWS error codes of throttling.
const THROTTLING_CODES: [&str; 3] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
];

/// The AWS error codes of server-side failures, after which a write may have been applied.
const SERVER_ERROR_CODES: [&str; 3] = [
    "InternalServerError",
    "ServiceUnavailable",
    "InternalFailure",
];

/// The AWS error codes of a single request that lost to another write: a transaction in
/// progress on the item, or a failed condition.
const CONFLICT_CODES: [&str; 2] = [
    "TransactionConflictException",
    "ConditionalCheckFailedException",
];

impl Error {
    /// An [`Error::InvalidInput`] of `kind`; `message` names fields, attributes and
    /// numbers, never a value.
    pub(crate) fn invalid(
        kind: InvalidInputKind,
        message: impl Into<std::borrow::Cow<'static, str>>,
    ) -> Self {
        Self::InvalidInput(Box::new(InvalidInput::new(kind, None, message.into())))
    }

    /// An [`Error::InvalidInput`] of `kind` about entity type `entity`.
    pub(crate) fn invalid_for(
        entity: &'static str,
        kind: InvalidInputKind,
        message: impl Into<std::borrow::Cow<'static, str>>,
    ) -> Self {
        Self::InvalidInput(Box::new(InvalidInput::new(
            kind,
            Some(entity),
            message.into(),
        )))
    }

    /// An [`Error::Build`] of SDK type `what`.
    pub(crate) fn build(what: &'static str, source: BuildError) -> Self {
        Self::Build { what, source }
    }

    /// What [`Error::Shape`] says after the stored shape.
    fn shape_advice(stored: u32, current: u32) -> String {
        if stored == 0 {
            format!("its `_shape` attribute is not a version (current shape {current})")
        } else if stored > current {
            format!("this binary knows shapes up to {current} (a newer version wrote it)")
        } else {
            format!(
                "this binary reads shape {current} and its declared earlier shapes, and this \
                 operation does not upgrade (read the item, or migrate, first)"
            )
        }
    }

    /// An [`Error::Checkpoint`] holding a store's error.
    pub(crate) fn checkpoint(source: BoxError) -> Self {
        Self::Checkpoint { source }
    }

    /// What kind of error this is: one [`ErrorKind`] per variant, and
    /// [`ErrorKind::Throttled`] for a throttled service error.
    ///
    /// ```
    /// use dynamorm::{Error, ErrorKind};
    ///
    /// fn metric_label(err: &Error) -> &'static str {
    ///     err.kind().as_str()
    /// }
    /// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
    /// assert_eq!(metric_label(&err), "key");
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::AlreadyExists { .. } => ErrorKind::AlreadyExists,
            Self::ConditionFailed(_) => ErrorKind::ConditionFailed,
            Self::VersionConflict { .. } => ErrorKind::VersionConflict,
            Self::VersionExhausted { .. } => ErrorKind::VersionExhausted,
            Self::Contended { .. } => ErrorKind::Contended,
            Self::UniqueViolation { .. } => ErrorKind::UniqueViolation,
            Self::WrongEntity { .. } => ErrorKind::WrongEntity,
            Self::Key(_) => ErrorKind::Key,
            Self::InvalidInput(_) => ErrorKind::InvalidInput,
            Self::ItemTooLarge { .. } => ErrorKind::ItemTooLarge,
            Self::UnknownDiscriminator { .. } => ErrorKind::UnknownDiscriminator,
            Self::MissingDiscriminator { .. } => ErrorKind::MissingDiscriminator,
            Self::Decode(_) => ErrorKind::Decode,
            Self::Shape { .. } => ErrorKind::Shape,
            Self::Upgrade { .. } => ErrorKind::Upgrade,
            Self::Encode(_) => ErrorKind::Encode,
            Self::InvalidCursor { .. } => ErrorKind::InvalidCursor,
            Self::Collection { .. } => ErrorKind::Collection,
            Self::TransactionCanceled(_) => ErrorKind::TransactionCanceled,
            Self::BatchIncomplete { .. } => ErrorKind::BatchIncomplete,
            Self::TableMismatch { .. } => ErrorKind::TableMismatch,
            Self::StreamRecord { .. } => ErrorKind::StreamRecord,
            Self::ExportFile { .. } => ErrorKind::ExportFile,
            Self::Checkpoint { .. } => ErrorKind::Checkpoint,
            Self::Io { .. } => ErrorKind::Io,
            Self::Build { .. } => ErrorKind::Build,
            Self::Timeout { .. } => ErrorKind::Timeout,
            Self::Transport { .. } => ErrorKind::Transport,
            Self::Service(_) if self.is_throttling() => ErrorKind::Throttled,
            Self::Service(_) => ErrorKind::Service,
        }
    }

    /// The AWS error code (e.g. `ThrottlingException`) when DynamoDB returned one.
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// fn is_validation(err: &Error) -> bool {
    ///     err.code() == Some("ValidationException")
    /// }
    /// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
    /// assert!(!is_validation(&err));
    /// ```
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Service(e) => e.code(),
            _ => None,
        }
    }

    /// Whether the request timed out ([`Error::Timeout`]). Its outcome is unknown.
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// fn give_up(err: &Error) -> bool {
    ///     err.is_timeout()
    /// }
    /// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
    /// assert!(!give_up(&err));
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// Whether the connection failed or the response could not be read
    /// ([`Error::Transport`]). Its outcome is unknown.
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// fn network_trouble(err: &Error) -> bool {
    ///     err.is_transport() || err.is_timeout()
    /// }
    /// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
    /// assert!(!network_trouble(&err));
    /// ```
    pub fn is_transport(&self) -> bool {
        matches!(self, Self::Transport { .. })
    }

    /// Whether DynamoDB throttled the request (`ThrottlingException`,
    /// `ProvisionedThroughputExceededException` or `RequestLimitExceeded`): nothing was
    /// applied, and the request can be retried after a pause.
    ///
    /// The SDK already retries throttled requests (per its retry configuration); this is
    /// what is left when it gave up.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use dynamorm::Error;
    ///
    /// fn pause_before_retry(err: &Error) -> Option<Duration> {
    ///     err.is_throttling().then(|| Duration::from_millis(500))
    /// }
    /// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
    /// assert_eq!(pause_before_retry(&err), None);
    /// ```
    pub fn is_throttling(&self) -> bool {
        self.code().is_some_and(|c| THROTTLING_CODES.contains(&c))
    }

    /// Whether the request may or may not have been applied: a timeout, a transport
    /// failure, or a server-side error (HTTP 5xx, e.g. `InternalServerError` or
    /// `ServiceUnavailable`).
    ///
    /// After such an error a write may have happened even though it reported a failure.
    /// Retrying an idempotent write (a put of the same item, a delete) is safe; otherwise,
    /// read the item first, or make the retry conditional.
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// fn safe_to_resend(err: &Error, idempotent: bool) -> bool {
    ///     err.is_retryable() && (idempotent || !err.outcome_unknown())
    /// }
    /// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
    /// // A key error is definite: nothing was sent.
    /// assert!(!err.outcome_unknown() && !safe_to_resend(&err, true));
    /// ```
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Transport { .. } | Self::Timeout { .. } => true,
            Self::Service(e) => e.is_server_error(),
            _ => false,
        }
    }

    /// Whether the same request may succeed if sent again later, unchanged: throttling, a
    /// server-side error (HTTP 5xx), a timeout, a transport failure, [`Error::Contended`],
    /// a `TransactionConflictException`, or a transaction canceled only because of
    /// conflicts with other transactions or throttling (no failed condition, no invalid
    /// action).
    ///
    /// It says nothing about whether the failed attempt was applied:
    /// [`outcome_unknown`](Self::outcome_unknown) still decides whether a write that is not
    /// idempotent may be retried blindly (after a timeout, transport failure or 5xx it may
    /// have been applied). A failed condition or a version conflict is not retryable as is:
    /// it needs a fresh read and a new decision ([`is_conflict`](Self::is_conflict)).
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// async fn with_retries<T, F, Fut>(mut send: F) -> Result<T, Error>
    /// where
    ///     F: FnMut() -> Fut,
    ///     Fut: std::future::Future<Output = Result<T, Error>>,
    /// {
    ///     let mut attempt = 0;
    ///     loop {
    ///         match send().await {
    ///             // Only for idempotent writes and reads: see `outcome_unknown`.
    ///             Err(e) if e.is_retryable() && attempt < 3 => attempt += 1,
    ///             other => return other,
    ///         }
    ///     }
    /// }
    /// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
    /// assert!(!err.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Timeout { .. } | Self::Transport { .. } | Self::Contended { .. } => true,
            Self::Service(e) => {
                e.is_server_error()
                    || self.is_throttling()
                    || e.code() == Some("TransactionConflictException")
            }
            Self::TransactionCanceled(t) => {
                !t.actions.is_empty()
                    && t.actions.iter().all(|a| {
                        matches!(
                            a.reason,
                            CancelReason::TransactionConflict | CancelReason::Throttled
                        )
                    })
            }
            _ => false,
        }
    }

    /// Whether another write got there first — the 409 Conflict of an HTTP API:
    /// [`Error::VersionConflict`], [`Error::AlreadyExists`], [`Error::UniqueViolation`],
    /// [`Error::ConditionFailed`], [`Error::Contended`], a `TransactionConflictException`
    /// or `ConditionalCheckFailedException` from DynamoDB, or a transaction canceled only
    /// by failed conditions and conflicts with other transactions.
    ///
    /// The request was well formed; the item's state did not allow it. Read the item again
    /// and decide anew (or report the conflict to the caller).
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// fn http_status(err: &Error) -> u16 {
    ///     match err {
    ///         Error::NotFound { .. } => 404,
    ///         e if e.is_conflict() => 409,
    ///         Error::InvalidInput(_) | Error::Key(_) | Error::ItemTooLarge { .. } => 400,
    ///         e if e.is_throttling() => 429,
    ///         _ => 500,
    ///     }
    /// }
    /// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
    /// assert_eq!(http_status(&err), 400);
    /// ```
    pub fn is_conflict(&self) -> bool {
        match self {
            Self::VersionConflict { .. }
            | Self::AlreadyExists { .. }
            | Self::UniqueViolation { .. }
            | Self::ConditionFailed(_)
            | Self::Contended { .. } => true,
            Self::Service(e) => e.code().is_some_and(|c| CONFLICT_CODES.contains(&c)),
            Self::TransactionCanceled(t) => {
                !t.actions.is_empty()
                    && t.actions.iter().all(|a| {
                        matches!(
                            a.reason,
                            CancelReason::ConditionalCheckFailed
                                | CancelReason::TransactionConflict
                        )
                    })
            }
            _ => false,
        }
    }
}

/// A write's condition was not met.
///
/// `Debug` shows whether the old item was returned, not its values (it is [`Redacted`]);
/// read them with [`ConditionFailed::old_item`] or [`ConditionFailed::old`].
#[derive(Debug)]
pub struct ConditionFailed {
    entity: &'static str,
    old: Option<Redacted<Item>>,
}

impl ConditionFailed {
    pub(crate) fn new(entity: &'static str, old: Option<Item>) -> Self {
        Self {
            entity,
            old: old.map(Redacted::item),
        }
    }

    /// The entity type that was written.
    pub fn entity(&self) -> &'static str {
        self.entity
    }

    /// The raw item as it was when the condition failed (see [`ConditionFailed::old`]).
    pub fn old_item(&self) -> Option<&Item> {
        self.old.as_ref().map(Redacted::expose)
    }
}

impl fmt::Display for ConditionFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the condition on the `{}` write was not met",
            self.entity
        )
    }
}

/// An error returned by DynamoDB, with the AWS error code.
///
/// `Display` and `Debug` show the operation, the code, DynamoDB's message and the HTTP
/// status. The SDK error (which holds the raw HTTP response, and for a failed condition
/// the item) is its [`source`](std::error::Error::source) as a [`Redacted`] (printing
/// `<redacted SDK error>`), and is reachable with [`sdk_error`](Self::sdk_error) and
/// [`downcast_sdk`](Self::downcast_sdk).
#[derive(Debug, thiserror::Error)]
#[error("DynamoDB {operation} failed{}{}", code.as_deref().map(|c| format!(": {c}")).unwrap_or_default(), message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
pub struct ServiceError {
    operation: &'static str,
    code: Option<String>,
    message: Option<String>,
    http_status: Option<u16>,
    source: Redacted<BoxError>,
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

    /// The HTTP status code of DynamoDB's response, when there was one (none when the SDK
    /// could not send the request).
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// fn is_server_side(err: &Error) -> bool {
    ///     matches!(err, Error::Service(e) if e.http_status().is_some_and(|s| s >= 500))
    /// }
    /// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
    /// assert!(!is_server_side(&err));
    /// ```
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// The SDK error, unredacted: an `aws_sdk_dynamodb::error::SdkError<OperationError,
    /// HttpResponse>`. Its `Debug` shows the raw HTTP response, which may hold item values.
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// fn sdk_detail(err: &Error) -> Option<String> {
    ///     match err {
    ///         Error::Service(e) => Some(format!("{:?}", e.sdk_error())),
    ///         _ => None,
    ///     }
    /// }
    /// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
    /// assert_eq!(sdk_detail(&err), None);
    /// ```
    pub fn sdk_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self.source.expose().as_ref()
    }

    /// The SDK error of operation error type `E`, if it is one, e.g.
    /// `downcast_sdk::<PutItemError>()` for a failed `PutItem`.
    ///
    /// ```
    /// use aws_sdk_dynamodb::operation::put_item::PutItemError;
    /// use dynamorm::Error;
    ///
    /// fn old_item_size(err: &Error) -> Option<usize> {
    ///     let Error::Service(e) = err else { return None };
    ///     let sdk = e.downcast_sdk::<PutItemError>()?;
    ///     match sdk.as_service_error()? {
    ///         PutItemError::ConditionalCheckFailedException(c) => c.item().map(|i| i.len()),
    ///         _ => None,
    ///     }
    /// }
    /// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
    /// assert_eq!(old_item_size(&err), None);
    /// ```
    pub fn downcast_sdk<E>(&self) -> Option<&SdkError<E, HttpResponse>>
    where
        E: std::error::Error + 'static,
    {
        self.sdk_error().downcast_ref()
    }

    /// An HTTP 5xx or a code of a server-side failure.
    fn is_server_error(&self) -> bool {
        self.http_status.is_some_and(|s| (500..600).contains(&s))
            || self
                .code
                .as_deref()
                .is_some_and(|c| SERVER_ERROR_CODES.contains(&c))
    }
}

/// Wraps an SDK error: a timeout becomes [`Error::Timeout`], a dispatch failure or an
/// unreadable response [`Error::Transport`], anything else [`Error::Service`] with its code,
/// message and HTTP status.
pub(crate) fn service<E, R>(operation: &'static str, err: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    enum Kind {
        Timeout,
        Transport,
        Service,
    }
    let kind = match &err {
        SdkError::TimeoutError(_) => Kind::Timeout,
        SdkError::DispatchFailure(d) if d.is_timeout() => Kind::Timeout,
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => Kind::Transport,
        _ => Kind::Service,
    };
    match kind {
        Kind::Timeout => Error::Timeout {
            operation,
            source: Redacted::labelled(Box::new(err), SDK_ERROR),
        },
        Kind::Transport => Error::Transport {
            operation,
            source: Redacted::labelled(Box::new(err), SDK_ERROR),
        },
        Kind::Service => {
            let http_status = err
                .raw_response()
                .and_then(|raw| (raw as &dyn Any).downcast_ref::<HttpResponse>())
                .map(|raw| raw.status().as_u16());
            Error::Service(Box::new(ServiceError {
                operation,
                code: err.code().map(str::to_owned),
                message: err.message().map(str::to_owned),
                http_status,
                source: Redacted::labelled(Box::new(err), SDK_ERROR),
            }))
        }
    }
}

/// The SDK error of a timeout or transport failure, as `Display` shows it: the SDK's kind
/// (e.g. `dispatch failure`), then the error chain below it when it cannot quote the
/// response: the whole chain of a timeout, the HTTP client's chain (which describes the
/// connection only) of a transport failure. Anything below a response error is left out.
struct TransportDetail<'a> {
    source: &'a (dyn std::error::Error + Send + Sync + 'static),
    whole_chain: bool,
}

impl<'a> TransportDetail<'a> {
    fn timeout(source: &'a (dyn std::error::Error + Send + Sync + 'static)) -> Self {
        Self {
            source,
            whole_chain: true,
        }
    }

    fn transport(source: &'a (dyn std::error::Error + Send + Sync + 'static)) -> Self {
        Self {
            source,
            whole_chain: false,
        }
    }
}

impl fmt::Display for TransportDetail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        let mut link = self
            .source
            .source()
            .filter(|e| self.whole_chain || e.downcast_ref::<ConnectorError>().is_some());
        while let Some(e) = link {
            write!(f, ": {e}")?;
            link = e.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::error::Error as _;

    use aws_sdk_dynamodb::error::ErrorMetadata;
    use aws_sdk_dynamodb::operation::put_item::PutItemError;
    use aws_sdk_dynamodb::types::AttributeValue;
    use aws_sdk_dynamodb::types::error::ConditionalCheckFailedException;

    use super::*;
    use crate::entity::PrimaryKey;
    use crate::error::cancel::{CanceledAction, TransactionCanceled};
    use crate::error::failed::{FailedGet, FailedWrite, WriteKind, WriteOutcome};

    const SECRET: &str = "s3cr3t-value";
    const SECRET_NUMBER: &str = "987654321";

    type PutSdkError = SdkError<PutItemError, HttpResponse>;

    fn secret_item() -> Item {
        HashMap::from([
            ("PK".to_owned(), AttributeValue::S(format!("USER#{SECRET}"))),
            ("email".to_owned(), AttributeValue::S(SECRET.to_owned())),
            (
                "age".to_owned(),
                AttributeValue::N(SECRET_NUMBER.to_owned()),
            ),
        ])
    }

    fn secret_key() -> PrimaryKey {
        PrimaryKey {
            partition_key: format!("USER#{SECRET}"),
            sort_key: Some(format!("EMAIL#{SECRET}")),
        }
    }

    fn raw(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(
            status.try_into().expect("a valid status"),
            body.to_owned().into(),
        )
    }

    fn secret_body() -> String {
        format!(
            r#"{{"__type":"x","Item":{{"email":{{"S":"{SECRET}"}},"age":{{"N":"{SECRET_NUMBER}"}}}}}}"#
        )
    }

    /// `PutItem` failing its condition, the old item in the error and the raw response.
    fn condition_failed_sdk_error() -> PutSdkError {
        let exception = ConditionalCheckFailedException::builder()
            .message("The conditional request failed")
            .set_item(Some(secret_item()))
            .meta(
                ErrorMetadata::builder()
                    .code("ConditionalCheckFailedException")
                    .message("The conditional request failed")
                    .build(),
            )
            .build();
        SdkError::service_error(
            PutItemError::ConditionalCheckFailedException(exception),
            raw(400, &secret_body()),
        )
    }

    fn generic_sdk_error(status: u16, code: &str) -> PutSdkError {
        SdkError::service_error(
            PutItemError::generic(ErrorMetadata::builder().code(code).message("oops").build()),
            raw(status, &secret_body()),
        )
    }

    fn connection_refused() -> PutSdkError {
        SdkError::dispatch_failure(ConnectorError::io(Box::new(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        ))))
    }

    fn action(reason: CancelReason) -> CanceledAction {
        CanceledAction {
            index: 1,
            entity: "User",
            key: secret_key(),
            reason,
            message: Some("The conditional request failed".to_owned()),
            exists: true,
            old: Some(Redacted::item(secret_item())),
            keep_old: true,
        }
    }

    fn canceled(reasons: &[CancelReason]) -> Error {
        Error::TransactionCanceled(Box::new(TransactionCanceled {
            actions: reasons.iter().cloned().map(action).collect(),
            message: Some("Transaction canceled".to_owned()),
        }))
    }

    /// serde errors that quote the secret, as the library's decode paths produce them.
    fn decode_errors() -> Vec<Error> {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        enum Status {
            Open,
            Closed,
        }
        #[derive(Debug, serde::Deserialize)]
        #[serde(try_from = "String")]
        struct Email(#[allow(dead_code)] String);
        impl TryFrom<String> for Email {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Err(format!("not an e-mail: {s}"))
            }
        }
        fn field<T: serde::de::DeserializeOwned + fmt::Debug>(value: AttributeValue) -> Error {
            crate::__private::check_decodes::<T>("User", "email", &value)
                .expect_err("does not decode")
        }
        let s = || AttributeValue::S(SECRET.to_owned());
        let n = || AttributeValue::N(SECRET_NUMBER.to_owned());
        vec![
            crate::entity::decode_unchecked::<HashMap<String, u32>>("User", secret_item())
                .expect_err("strings are not numbers"),
            crate::__private::write_part_from::<u32>("User", "age", &s(), &mut String::new())
                .expect_err("not a number"),
            crate::__private::when_value::<bool>("active", Some(&s())).expect_err("not a bool"),
            field::<u32>(s()),
            field::<u8>(n()),
            field::<String>(n()),
            field::<char>(s()),
            field::<Status>(s()),
            field::<Email>(s()),
            field::<HashMap<u32, String>>(AttributeValue::M(HashMap::from([(
                SECRET.to_owned(),
                s(),
            )]))),
        ]
    }

    /// Every variant this module can build, each carrying the secret somewhere.
    fn all_errors() -> Vec<Error> {
        let json = serde_json::from_str::<u64>(&format!("\"{SECRET}\"")).expect_err("not a number");
        let mut errors = vec![
            Error::NotFound { entity: "User" },
            Error::AlreadyExists { entity: "User" },
            Error::ConditionFailed(Box::new(ConditionFailed::new("User", Some(secret_item())))),
            Error::VersionConflict {
                entity: "User",
                expected: 3,
                found: Some(4),
            },
            Error::VersionExhausted { entity: "User" },
            Error::Contended {
                entity: "User",
                attempts: 8,
            },
            Error::UniqueViolation {
                entity: "User",
                field: "email",
            },
            // A discriminator is stored data: another writer may put anything there.
            Error::WrongEntity {
                expected: "User",
                found: Redacted::text(SECRET.to_owned()),
            },
            Error::Key(KeyError::malformed(SECRET, "not a number")),
            Error::Key(KeyError::Mismatch {
                key: Redacted::text(format!("USER#{SECRET}")),
                template: "USER#{email}",
            }),
            Error::Key(KeyError::MissingField { field: "email" }),
            Error::Shape {
                entity: "User",
                stored: 3,
                current: 2,
            },
            Error::Shape {
                entity: "User",
                stored: 1,
                current: 2,
            },
            // An upgrade step's error may quote the value it refused.
            Error::Upgrade {
                entity: "User",
                from: 1,
                source: Redacted::labelled(format!("bad age {SECRET}").into(), "upgrade error"),
            },
            Error::invalid(
                InvalidInputKind::KeyAttributeNotWritable,
                "a key attribute cannot be updated",
            ),
            Error::invalid_for("User", InvalidInputKind::DuplicateKey, "a `User` key twice"),
            Error::ItemTooLarge {
                entity: "User",
                size: 500_000,
                max: 409_600,
            },
            Error::UnknownDiscriminator {
                attribute: "_type",
                value: Redacted::text(SECRET.to_owned()),
            },
            Error::MissingDiscriminator { attribute: "_type" },
            Error::Encode(Box::new(
                EncodeError::new(
                    "an item",
                    <serde_dynamo::Error as serde::ser::Error>::custom(SECRET),
                )
                .of("User"),
            )),
            Error::Encode(Box::new(EncodeError::new("the JSON output", json))),
            Error::InvalidCursor { reason: "altered" },
            Error::Collection {
                collection: "Feed",
                item_type: Redacted::text(SECRET.to_owned()),
                field: None,
            },
            Error::Collection {
                collection: "Feed",
                item_type: Redacted::text(SECRET.to_owned()),
                field: Some("invoice"),
            },
            canceled(&[CancelReason::ConditionalCheckFailed]),
            Error::BatchIncomplete {
                done: 3,
                failed_writes: vec![FailedWrite {
                    entity: "User",
                    key: secret_key(),
                    kind: WriteKind::Put,
                    reason: "still unprocessed after 5 attempts".to_owned(),
                    outcome: WriteOutcome::NotApplied,
                }],
                failed_keys: vec![FailedGet {
                    entity: "User",
                    key: secret_key(),
                    reason: "still unprocessed after 5 attempts".to_owned(),
                }],
            },
            Error::TableMismatch {
                table: "app".to_owned(),
                index: Some("GSI1"),
                attribute: Some("GSI1PK"),
                reason: "partition key is `pk`, declared `PK`".to_owned(),
            },
            Error::StreamRecord {
                reason: "its event name is not INSERT, MODIFY or REMOVE",
            },
            Error::ExportFile {
                file: "AWSDynamoDB/01/data/a.json.gz".to_owned(),
                reason: "line 3 is not a DynamoDB JSON line".to_owned(),
            },
            Error::checkpoint(Box::new(Redacted::labelled(
                Box::new(std::io::Error::other(SECRET)),
                "serde error",
            ))),
            Error::Io {
                what: "the standard output",
                source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            },
            Error::build("PutRequest", BuildError::missing_field("item", "an item")),
            service("PutItem", condition_failed_sdk_error()),
            service("PutItem", generic_sdk_error(500, "InternalServerError")),
            service("PutItem", generic_sdk_error(400, "ThrottlingException")),
            service(
                "PutItem",
                PutSdkError::timeout_error(SECRET_NUMBER.len().to_string()),
            ),
            service("PutItem", connection_refused()),
            service(
                "PutItem",
                PutSdkError::response_error(
                    format!("cannot parse {SECRET}"),
                    raw(200, &secret_body()),
                ),
            ),
            service(
                "PutItem",
                PutSdkError::construction_failure(format!("bad input {SECRET}")),
            ),
        ];
        errors.extend(decode_errors());
        errors
    }

    fn assert_no_secret(text: &str) {
        assert!(
            !text.contains(SECRET) && !text.contains("s3cr3t") && !text.contains(SECRET_NUMBER),
            "leaks the secret: {text}"
        );
    }

    /// Formats an error and every error of its source chain every way.
    fn formatted_chain(err: &Error) -> Vec<String> {
        let mut out = Vec::new();
        let mut link: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(e) = link {
            out.extend([format!("{e}"), format!("{e:?}"), format!("{e:#?}")]);
            link = e.source();
        }
        out
    }

    #[test]
    fn error_formats_never_show_values() {
        let errors = all_errors();
        assert!(errors.len() > 40);
        let mut kinds = std::collections::HashSet::new();
        for err in &errors {
            kinds.insert(err.kind());
            for text in formatted_chain(err) {
                assert_no_secret(&text);
            }
        }
        // Every variant is in the list (the service errors give three kinds).
        assert_eq!(kinds.len(), 31, "{kinds:?}");
    }

    #[test]
    fn error_parts_never_show_values() {
        let failed_write = FailedWrite {
            entity: "User",
            key: secret_key(),
            kind: WriteKind::Delete,
            reason: "throttled".to_owned(),
            outcome: WriteOutcome::Unknown,
        };
        let failed_get = FailedGet {
            entity: "User",
            key: secret_key(),
            reason: "throttled".to_owned(),
        };
        let condition = ConditionFailed::new("User", Some(secret_item()));
        let Error::Service(service_error) = service("PutItem", condition_failed_sdk_error()) else {
            panic!("a service error");
        };
        let canceled = action(CancelReason::ConditionalCheckFailed);
        for text in [
            format!("{failed_write:?}"),
            format!("{failed_write:#?}"),
            format!("{failed_get:?}"),
            format!("{failed_get:#?}"),
            format!("{condition:?}"),
            format!("{condition:#?}"),
            format!("{condition}"),
            format!("{canceled:?}"),
            format!("{canceled:#?}"),
            format!("{service_error:?}"),
            format!("{service_error:#?}"),
            format!("{service_error}"),
            format!("{:?}", secret_key()),
            format!("{:?}", KeyError::malformed(SECRET, "not a number")),
            format!("{}", KeyError::malformed(SECRET, "not a number")),
        ] {
            assert_no_secret(&text);
        }
        assert_eq!(
            format!("{failed_write:?}"),
            "FailedWrite { entity: \"User\", key: PrimaryKey { partition_key: <redacted, 17 bytes>, \
             sort_key: Some(<redacted, 18 bytes>) }, kind: Delete, reason: \"throttled\", \
             outcome: Unknown }"
        );
        assert_eq!(
            format!("{condition:?}"),
            "ConditionFailed { entity: \"User\", old: Some(<redacted, 3 attributes>) }"
        );
    }

    #[test]
    fn error_values_stay_reachable_through_explicit_accessors() {
        let err = service("PutItem", condition_failed_sdk_error());
        let source = err.source().expect("the redacted SDK error is the source");
        assert_eq!(source.to_string(), "<redacted SDK error>");
        assert!(
            source.source().is_none(),
            "the chain ends at the redacted error"
        );
        let Error::Service(e) = &err else {
            panic!("a service error")
        };
        assert!(e.sdk_error().is::<PutSdkError>());
        let sdk = e
            .downcast_sdk::<PutItemError>()
            .expect("a PutItem SDK error");
        let Some(PutItemError::ConditionalCheckFailedException(c)) = sdk.as_service_error() else {
            panic!("a failed condition");
        };
        assert_eq!(c.item(), Some(&secret_item()));
        assert!(
            e.downcast_sdk::<aws_sdk_dynamodb::operation::get_item::GetItemError>()
                .is_none()
        );
        assert_eq!(err.code(), Some("ConditionalCheckFailedException"));
        assert_eq!(e.operation(), "PutItem");
        assert_eq!(e.message(), Some("The conditional request failed"));
        assert_eq!(e.http_status(), Some(400));
        assert_eq!(
            err.to_string(),
            "DynamoDB PutItem failed: ConditionalCheckFailedException: The conditional request failed"
        );

        let condition = ConditionFailed::new("User", Some(secret_item()));
        assert_eq!(condition.old_item(), Some(&secret_item()));

        let Error::Key(KeyError::Malformed { value, .. }) =
            Error::from(KeyError::malformed(SECRET, "not a number"))
        else {
            panic!("a malformed key")
        };
        assert_eq!(value.expose(), SECRET);

        let Error::Transport { source, .. } = service("PutItem", connection_refused()) else {
            panic!("a transport error")
        };
        assert!(source.expose().is::<PutSdkError>());
    }

    #[test]
    fn decode_errors_name_the_attribute_and_hide_serde_message() {
        let age = AttributeValue::N(SECRET.to_owned());
        let item = HashMap::from([
            ("age".to_owned(), age.clone()),
            ("name".to_owned(), AttributeValue::S("Ada".to_owned())),
        ]);
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct User {
            name: String,
            age: u32,
        }
        let err = crate::entity::decode_unchecked::<User>("User", item).expect_err("age");
        let Error::Decode(e) = &err else {
            panic!("a decode error: {err:?}")
        };
        assert_eq!((e.entity(), e.attribute()), (Some("User"), Some("age")));
        assert_eq!(
            err.to_string(),
            "could not decode attribute `age` of a `User` item"
        );
        assert_eq!(
            format!("{err:?}"),
            "Decode(DecodeError { entity: Some(\"User\"), attribute: Some(\"age\"), \
             source: <redacted serde error> })"
        );
        assert_eq!(
            err.source().map(ToString::to_string).as_deref(),
            Some("<redacted serde error>")
        );
        let serde_error = serde_dynamo::from_attribute_value::<_, u32>(age).expect_err("not a u32");
        assert_eq!(e.expose_source(), &serde_error);

        let missing = crate::entity::decode_unchecked::<User>(
            "User",
            HashMap::from([("age".to_owned(), AttributeValue::N("3".to_owned()))]),
        )
        .expect_err("no name");
        let Error::Decode(e) = &missing else {
            panic!("a decode error: {missing:?}")
        };
        assert_eq!((e.entity(), e.attribute()), (Some("User"), None));
        assert_eq!(missing.to_string(), "could not decode a `User` item");

        let set = crate::__private::when_value::<bool>(
            "active",
            Some(&AttributeValue::N(SECRET_NUMBER.to_owned())),
        )
        .expect_err("not a bool");
        let Error::Decode(e) = &set else {
            panic!("a decode error: {set:?}")
        };
        assert_eq!((e.entity(), e.attribute()), (None, Some("active")));
        assert_eq!(set.to_string(), "could not decode the value of `active`");
    }

    #[test]
    fn error_kinds_of_sdk_errors() {
        let timeout = service(
            "GetItem",
            PutSdkError::timeout_error("operation timeout occurred after 300ms"),
        );
        assert!(timeout.is_timeout() && !timeout.is_transport() && timeout.outcome_unknown());
        assert_eq!(
            timeout.to_string(),
            "DynamoDB GetItem timed out (request has timed out: operation timeout occurred after \
             300ms); it may or may not have been applied"
        );
        assert!(timeout.source().is_some());
        assert_eq!(timeout.code(), None);

        let connect_timeout = service(
            "GetItem",
            PutSdkError::dispatch_failure(ConnectorError::timeout("connect timed out".into())),
        );
        assert!(connect_timeout.is_timeout() && connect_timeout.outcome_unknown());

        let refused = service("PutItem", connection_refused());
        assert!(refused.is_transport() && !refused.is_timeout() && refused.outcome_unknown());
        assert_eq!(
            refused.to_string(),
            "DynamoDB PutItem failed in transport (dispatch failure: io error: \
             Connection refused (os error 111)); it may or may not have been applied"
        );
        assert_eq!(
            format!("{refused:?}"),
            "Transport { operation: \"PutItem\", source: <redacted SDK error> }"
        );

        let unreadable = service(
            "PutItem",
            PutSdkError::response_error("truncated", raw(200, "{")),
        );
        assert!(unreadable.is_transport() && unreadable.outcome_unknown());
        assert_eq!(
            unreadable.to_string(),
            "DynamoDB PutItem failed in transport (response error); it may or may not have been applied"
        );

        let condition = service("PutItem", condition_failed_sdk_error());
        assert!(!condition.is_transport() && !condition.is_timeout() && !condition.is_throttling());
        assert!(!condition.outcome_unknown());

        for code in [
            "ThrottlingException",
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
        ] {
            let err = service("PutItem", generic_sdk_error(400, code));
            assert!(err.is_throttling() && !err.outcome_unknown(), "{code}");
        }
        for (status, code) in [
            (500, "InternalServerError"),
            (503, "ServiceUnavailable"),
            (502, "SomethingElse"),
        ] {
            let err = service("PutItem", generic_sdk_error(status, code));
            assert!(matches!(err, Error::Service(_)), "{code}");
            assert!(err.outcome_unknown() && !err.is_throttling(), "{code}");
        }
        let construction = service("PutItem", PutSdkError::construction_failure("no region"));
        assert!(matches!(construction, Error::Service(ref e) if e.http_status().is_none()));
        assert!(!construction.outcome_unknown());
        assert!(!Error::NotFound { entity: "User" }.outcome_unknown());
    }

    /// `kind()`, `is_retryable()` and `is_conflict()` of one error of each shape.
    #[test]
    fn kind_retryable_and_conflict() {
        use CancelReason as R;
        use ErrorKind as K;
        let cases: Vec<(Error, ErrorKind, bool, bool)> = vec![
            // error, kind, retryable, conflict
            (Error::NotFound { entity: "U" }, K::NotFound, false, false),
            (
                Error::AlreadyExists { entity: "U" },
                K::AlreadyExists,
                false,
                true,
            ),
            (
                Error::ConditionFailed(Box::new(ConditionFailed::new("U", None))),
                K::ConditionFailed,
                false,
                true,
            ),
            (
                Error::VersionConflict {
                    entity: "U",
                    expected: 1,
                    found: None,
                },
                K::VersionConflict,
                false,
                true,
            ),
            (
                Error::VersionExhausted { entity: "U" },
                K::VersionExhausted,
                false,
                false,
            ),
            (
                Error::Contended {
                    entity: "U",
                    attempts: 3,
                },
                K::Contended,
                true,
                true,
            ),
            (
                Error::UniqueViolation {
                    entity: "U",
                    field: "email",
                },
                K::UniqueViolation,
                false,
                true,
            ),
            (
                Error::WrongEntity {
                    expected: "U",
                    found: Redacted::text("V".to_owned()),
                },
                K::WrongEntity,
                false,
                false,
            ),
            (
                Error::from(KeyError::MissingField { field: "id" }),
                K::Key,
                false,
                false,
            ),
            (
                Error::invalid(InvalidInputKind::DuplicateKey, "twice"),
                K::InvalidInput,
                false,
                false,
            ),
            (
                Error::StreamRecord { reason: "bad" },
                K::StreamRecord,
                false,
                false,
            ),
            (
                Error::ExportFile {
                    file: "f".to_owned(),
                    reason: "bad".to_owned(),
                },
                K::ExportFile,
                false,
                false,
            ),
            (
                Error::checkpoint("disk full".into()),
                K::Checkpoint,
                false,
                false,
            ),
            (
                Error::Shape {
                    entity: "User",
                    stored: 3,
                    current: 2,
                },
                K::Shape,
                false,
                false,
            ),
            (
                Error::Upgrade {
                    entity: "User",
                    from: 1,
                    source: Redacted::labelled("bad".into(), "upgrade error"),
                },
                K::Upgrade,
                false,
                false,
            ),
            (
                Error::build("Get", BuildError::missing_field("key", "a key")),
                K::Build,
                false,
                false,
            ),
            (
                service("GetItem", PutSdkError::timeout_error("t")),
                K::Timeout,
                true,
                false,
            ),
            (
                service("GetItem", connection_refused()),
                K::Transport,
                true,
                false,
            ),
            (
                service("PutItem", generic_sdk_error(400, "ThrottlingException")),
                K::Throttled,
                true,
                false,
            ),
            (
                service("PutItem", generic_sdk_error(500, "InternalServerError")),
                K::Service,
                true,
                false,
            ),
            (
                service("PutItem", generic_sdk_error(400, "ValidationException")),
                K::Service,
                false,
                false,
            ),
            (
                service(
                    "PutItem",
                    generic_sdk_error(400, "TransactionConflictException"),
                ),
                K::Service,
                true,
                true,
            ),
            (
                service("PutItem", condition_failed_sdk_error()),
                K::Service,
                false,
                true,
            ),
            (
                canceled(&[R::TransactionConflict]),
                K::TransactionCanceled,
                true,
                true,
            ),
            (
                canceled(&[R::TransactionConflict, R::Throttled]),
                K::TransactionCanceled,
                true,
                false,
            ),
            (
                canceled(&[R::ConditionalCheckFailed]),
                K::TransactionCanceled,
                false,
                true,
            ),
            (
                canceled(&[R::ConditionalCheckFailed, R::TransactionConflict]),
                K::TransactionCanceled,
                false,
                true,
            ),
            (
                canceled(&[R::ValidationError]),
                K::TransactionCanceled,
                false,
                false,
            ),
            (canceled(&[]), K::TransactionCanceled, false, false),
        ];
        for (err, kind, retryable, conflict) in cases {
            assert_eq!(err.kind(), kind, "{err:?}");
            assert_eq!(err.is_retryable(), retryable, "retryable: {err:?}");
            assert_eq!(err.is_conflict(), conflict, "conflict: {err:?}");
        }
    }

    #[test]
    fn kind_labels_are_distinct_snake_case() {
        let errors = all_errors();
        let mut labels = std::collections::HashSet::new();
        for err in &errors {
            let label = err.kind().as_str();
            assert!(
                label.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{label}"
            );
            assert_eq!(err.kind().to_string(), label);
            labels.insert(label);
        }
        assert_eq!(labels.len(), 31);
    }

    #[test]
    fn invalid_input_carries_kind_entity_and_message() {
        let err = Error::invalid_for("Task", InvalidInputKind::NotSupported, "no version field");
        let Error::InvalidInput(e) = &err else {
            panic!("invalid input")
        };
        assert_eq!(e.kind(), InvalidInputKind::NotSupported);
        assert_eq!(e.entity(), Some("Task"));
        assert_eq!(e.message(), "no version field");
        assert_eq!(err.to_string(), "invalid request: no version field");
        assert!(err.source().is_none());
    }

    #[test]
    fn error_key_redaction() {
        let err = Error::from(KeyError::malformed(SECRET, "not a number"));
        assert_eq!(
            err.to_string(),
            "malformed key component <redacted, 12 bytes>: not a number"
        );
        assert_eq!(
            format!("{err:?}"),
            "Key(Malformed { value: <redacted, 12 bytes>, reason: \"not a number\" })"
        );
        assert!(err.source().is_none());
        let err = Error::from(KeyError::MissingField { field: "email" });
        assert_eq!(err.to_string(), "key field `email` has no value");
    }
}
