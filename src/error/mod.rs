//! [`Error`]: the one error type of every dynamorm operation.
//!
//! No error's `Display` or `Debug` output carries an item's values or the raw HTTP response:
//! keys print as `<redacted, N bytes>`, items as `<redacted, N attributes>`, quoted values in
//! decode and encode messages as `<redacted>`, and the SDK error behind a
//! [`ServiceError`] is only reachable through [`std::error::Error::source`].

pub(crate) mod cancel;
pub(crate) mod failed;

use std::any::Any;
use std::borrow::Cow;
use std::fmt;

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ConnectorError, ProvideErrorMetadata, SdkError};

use crate::key::KeyError;
use crate::{Item, Redacted};

/// A boxed error, the source of the transport variants.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong in dynamorm, as one matchable enum.
///
/// Inputs are validated before any request is sent: an invalid key, an oversized item or a
/// malformed expression never reaches DynamoDB.
///
/// `Display` and `Debug` never show an item's values or the raw HTTP response, so an error
/// can be logged with `{:?}`: keys print as `<redacted, N bytes>`, items as
/// `<redacted, N attributes>`, values quoted in decode and encode messages as `<redacted>`.
/// The values stay reachable through the public fields and accessors (e.g.
/// [`ConditionFailed::old_item`]), and the SDK error through
/// [`source`](std::error::Error::source).
///
/// ```
/// use dynamorm::Error;
///
/// fn describe(err: &Error) -> &'static str {
///     match err {
///         Error::NotFound { .. } => "no such item",
///         Error::AlreadyExists { .. } => "taken",
///         Error::ConditionFailed(_) => "someone changed it",
///         Error::VersionExhausted { .. } => "no more versions",
///         e if e.is_throttling() => "slow down",
///         e if e.outcome_unknown() => "may or may not have been applied: read before retrying",
///         Error::Service(e) if e.code() == Some("ValidationException") => "bad request",
///         _ => "other",
///     }
/// }
///
/// assert_eq!(describe(&Error::NotFound { entity: "Task" }), "no such item");
/// ```
#[derive(thiserror::Error)]
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
    /// Optimistic locking: the item's version is at the maximum its field type can hold; it
    /// can no longer be changed with optimistic locking. Nothing was written.
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// let err = Error::VersionExhausted { entity: "Task" };
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`Task` item's version is at the maximum its field type can hold; \
    ///      it can no longer be changed with optimistic locking"
    /// );
    /// ```
    #[error(
        "`{entity}` item's version is at the maximum its field type can hold; it can no longer be changed with optimistic locking"
    )]
    VersionExhausted {
        /// The entity type.
        entity: &'static str,
    },
    /// A write that re-reads and re-plans after losing a race to a concurrent write (a
    /// unique-value write, a migration move) lost it every time; nothing was written by the
    /// last attempt. Retry later.
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// let err = Error::Contended { entity: "User", attempts: 8 };
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`User` item kept changing: 8 attempts lost the race to concurrent writes"
    /// );
    /// ```
    #[error(
        "`{entity}` item kept changing: {attempts} attempts lost the race to concurrent writes"
    )]
    Contended {
        /// The entity type (`*` when the item's type is not a declared one).
        entity: &'static str,
        /// How many times the write was planned and sent.
        attempts: usize,
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
    ///
    /// The key text a [`KeyError::Malformed`] or [`KeyError::Mismatch`] carries is
    /// [`Redacted`](crate::Redacted); match on the [`KeyError`] to read it.
    #[error("{0}")]
    Key(KeyError),
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
    ///
    /// `Display` and `Debug` show the message with every value quoted from the item
    /// replaced by `<redacted>` (see [`Error::redacted_message`]); the `message` field
    /// holds it as it was.
    #[error("could not decode a `{entity}` item: {}", redact_message(.message))]
    Decode {
        /// The entity type.
        entity: &'static str,
        /// What went wrong, unredacted: it may quote values of the item.
        message: String,
    },
    /// A value could not be encoded as a DynamoDB attribute value.
    ///
    /// `Display` and `Debug` redact quoted values in the message, as for
    /// [`Error::Decode`]; the `message` field holds it as it was.
    #[error("could not encode {what}: {}", redact_message(.message))]
    Encode {
        /// What was being encoded.
        what: Cow<'static, str>,
        /// What went wrong, unredacted: it may quote the value.
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
    TransactionCanceled(Box<cancel::TransactionCanceled>),
    /// A batch finished with writes or keys still unprocessed after the last attempt.
    #[error("batch incomplete: {done} done, {} writes and {} keys failed", failed_writes.len(), failed_keys.len())]
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
    TableMismatch {
        /// The table name.
        table: String,
        /// The difference.
        reason: String,
    },
    /// The request timed out (the SDK's operation or attempt timeout, or a connect or read
    /// timeout of the HTTP client).
    ///
    /// **The request's outcome is unknown**: it may have reached DynamoDB and been applied.
    /// Before retrying a write that is not idempotent, read the item (or make the write
    /// conditional).
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// let err = Error::Timeout { operation: "PutItem", source: "request has timed out".into() };
    /// assert!(err.is_timeout() && err.outcome_unknown());
    /// assert_eq!(
    ///     err.to_string(),
    ///     "DynamoDB PutItem timed out (request has timed out); it may or may not have been applied"
    /// );
    /// ```
    #[error("DynamoDB {operation} timed out ({}); it may or may not have been applied", TransportDetail::timeout(.source.as_ref()))]
    Timeout {
        /// The DynamoDB operation, e.g. `PutItem`.
        operation: &'static str,
        /// The SDK error (an `aws_sdk_dynamodb::error::SdkError`).
        #[source]
        source: BoxError,
    },
    /// The request or its response was lost or unreadable: the connection was refused, reset
    /// or dropped, or the response could not be read or parsed.
    ///
    /// **The request's outcome is unknown**: it may have reached DynamoDB and been applied.
    /// Before retrying a write that is not idempotent, read the item (or make the write
    /// conditional).
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// let err = Error::Io { operation: "GetItem", source: "dispatch failure".into() };
    /// assert!(err.is_io() && err.outcome_unknown() && !err.is_timeout());
    /// ```
    #[error("DynamoDB {operation} failed with an I/O error ({}); it may or may not have been applied", TransportDetail::io(.source.as_ref()))]
    Io {
        /// The DynamoDB operation, e.g. `PutItem`.
        operation: &'static str,
        /// The SDK error (an `aws_sdk_dynamodb::error::SdkError`).
        #[source]
        source: BoxError,
    },
    /// DynamoDB returned an error (or the SDK could not build the request).
    #[error(transparent)]
    Service(Box<ServiceError>),
}

impl From<KeyError> for Error {
    fn from(err: KeyError) -> Self {
        Self::Key(err)
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

impl Error {
    pub(crate) fn validation(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::Validation {
            reason: reason.into(),
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
    /// assert!(!is_validation(&Error::NotFound { entity: "Task" }));
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
    /// let err = Error::Timeout { operation: "Query", source: "request has timed out".into() };
    /// assert!(err.is_timeout());
    /// assert!(!Error::NotFound { entity: "Task" }.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// Whether the connection failed or the response could not be read ([`Error::Io`]).
    /// Its outcome is unknown.
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// let err = Error::Io { operation: "Query", source: "dispatch failure".into() };
    /// assert!(err.is_io());
    /// assert!(!Error::NotFound { entity: "Task" }.is_io());
    /// ```
    pub fn is_io(&self) -> bool {
        matches!(self, Self::Io { .. })
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
    /// assert_eq!(pause_before_retry(&Error::NotFound { entity: "Task" }), None);
    /// ```
    pub fn is_throttling(&self) -> bool {
        self.code().is_some_and(|c| THROTTLING_CODES.contains(&c))
    }

    /// Whether the request may or may not have been applied: a timeout, an I/O error, or a
    /// server-side error (HTTP 5xx, e.g. `InternalServerError` or `ServiceUnavailable`).
    ///
    /// After such an error a write may have happened even though it reported a failure.
    /// Retrying an idempotent write (a put of the same item, a delete) is safe; otherwise,
    /// read the item first, or make the retry conditional.
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// let timeout = Error::Timeout { operation: "UpdateItem", source: "request has timed out".into() };
    /// assert!(timeout.outcome_unknown());
    /// // A failed condition is definite: nothing was written.
    /// assert!(!Error::AlreadyExists { entity: "Task" }.outcome_unknown());
    /// ```
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Io { .. } | Self::Timeout { .. } => true,
            Self::Service(e) => e.is_server_error(),
            _ => false,
        }
    }

    /// The message of an [`Error::Decode`] or [`Error::Encode`] as `Display` and `Debug`
    /// show it: every value quoted from the data replaced by `<redacted>`, the field name
    /// the library puts first kept. `None` for other variants.
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// let err = Error::Decode {
    ///     entity: "User",
    ///     message: "field `age`: invalid type: string \"s3cr3t\", expected u32".to_owned(),
    /// };
    /// assert_eq!(
    ///     err.redacted_message().as_deref(),
    ///     Some("field `age`: invalid type: string <redacted>, expected u32")
    /// );
    /// ```
    pub fn redacted_message(&self) -> Option<Cow<'_, str>> {
        match self {
            Self::Decode { message, .. } | Self::Encode { message, .. } => {
                Some(redact_message(message))
            }
            _ => None,
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound { entity } => {
                f.debug_struct("NotFound").field("entity", entity).finish()
            }
            Self::AlreadyExists { entity } => f
                .debug_struct("AlreadyExists")
                .field("entity", entity)
                .finish(),
            Self::ConditionFailed(e) => f.debug_tuple("ConditionFailed").field(e).finish(),
            Self::VersionConflict {
                entity,
                expected,
                found,
            } => f
                .debug_struct("VersionConflict")
                .field("entity", entity)
                .field("expected", expected)
                .field("found", found)
                .finish(),
            Self::VersionExhausted { entity } => f
                .debug_struct("VersionExhausted")
                .field("entity", entity)
                .finish(),
            Self::Contended { entity, attempts } => f
                .debug_struct("Contended")
                .field("entity", entity)
                .field("attempts", attempts)
                .finish(),
            Self::UniqueViolation { entity, field } => f
                .debug_struct("UniqueViolation")
                .field("entity", entity)
                .field("field", field)
                .finish(),
            Self::WrongEntity { expected, found } => f
                .debug_struct("WrongEntity")
                .field("expected", expected)
                .field("found", found)
                .finish(),
            Self::Key(e) => f.debug_tuple("Key").field(e).finish(),
            Self::Validation { reason } => f
                .debug_struct("Validation")
                .field("reason", reason)
                .finish(),
            Self::ItemTooLarge { entity, size, max } => f
                .debug_struct("ItemTooLarge")
                .field("entity", entity)
                .field("size", size)
                .field("max", max)
                .finish(),
            Self::UnknownDiscriminator { attribute, value } => f
                .debug_struct("UnknownDiscriminator")
                .field("attribute", attribute)
                .field("value", value)
                .finish(),
            Self::MissingDiscriminator { attribute } => f
                .debug_struct("MissingDiscriminator")
                .field("attribute", attribute)
                .finish(),
            Self::Decode { entity, message } => f
                .debug_struct("Decode")
                .field("entity", entity)
                .field("message", &redact_message(message))
                .finish(),
            Self::Encode { what, message } => f
                .debug_struct("Encode")
                .field("what", what)
                .field("message", &redact_message(message))
                .finish(),
            Self::InvalidCursor { reason } => f
                .debug_struct("InvalidCursor")
                .field("reason", reason)
                .finish(),
            Self::Collection { collection, reason } => f
                .debug_struct("Collection")
                .field("collection", collection)
                .field("reason", reason)
                .finish(),
            Self::TransactionCanceled(e) => f.debug_tuple("TransactionCanceled").field(e).finish(),
            Self::BatchIncomplete {
                done,
                failed_writes,
                failed_keys,
            } => f
                .debug_struct("BatchIncomplete")
                .field("done", done)
                .field("failed_writes", failed_writes)
                .field("failed_keys", failed_keys)
                .finish(),
            Self::TableMismatch { table, reason } => f
                .debug_struct("TableMismatch")
                .field("table", table)
                .field("reason", reason)
                .finish(),
            Self::Timeout { operation, source } => f
                .debug_struct("Timeout")
                .field("operation", operation)
                .field(
                    "source",
                    &format_args!("{}", TransportDetail::timeout(source.as_ref())),
                )
                .finish(),
            Self::Io { operation, source } => f
                .debug_struct("Io")
                .field("operation", operation)
                .field(
                    "source",
                    &format_args!("{}", TransportDetail::io(source.as_ref())),
                )
                .finish(),
            Self::Service(e) => f.debug_tuple("Service").field(e).finish(),
        }
    }
}

/// A write's condition was not met.
///
/// `Debug` shows whether the old item was returned, not its values (it is
/// [`Redacted`](crate::Redacted)); read them with [`ConditionFailed::old_item`] or
/// [`ConditionFailed::old`].
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

    /// The item as it was when the condition failed, decoded, if the operation asked for it
    /// with `return_old_on_failure()` and the item existed.
    pub fn old<E: crate::Entity>(&self) -> Option<Result<E, Error>> {
        self.old
            .as_ref()
            .map(|old| crate::entity::decode::<E>(old.expose().clone()))
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

/// An error returned by DynamoDB or raised by the SDK, with the AWS error code.
///
/// `Display` and `Debug` show the operation, the code, DynamoDB's message and the HTTP
/// status. The SDK error (which holds the raw HTTP response, and for a failed condition
/// the item) is only reachable through [`std::error::Error::source`].
#[derive(thiserror::Error)]
#[error("DynamoDB {operation} failed{}{}", code.as_deref().map(|c| format!(": {c}")).unwrap_or_default(), message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
pub struct ServiceError {
    operation: &'static str,
    code: Option<String>,
    message: Option<String>,
    status: Option<u16>,
    #[source]
    source: BoxError,
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
    /// could not build the request).
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// fn is_server_side(err: &Error) -> bool {
    ///     matches!(err, Error::Service(e) if e.http_status().is_some_and(|s| s >= 500))
    /// }
    /// assert!(!is_server_side(&Error::NotFound { entity: "Task" }));
    /// ```
    pub fn http_status(&self) -> Option<u16> {
        self.status
    }

    /// An HTTP 5xx or a code of a server-side failure.
    fn is_server_error(&self) -> bool {
        self.status.is_some_and(|s| (500..600).contains(&s))
            || self
                .code
                .as_deref()
                .is_some_and(|c| SERVER_ERROR_CODES.contains(&c))
    }
}

impl fmt::Debug for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceError")
            .field("operation", &self.operation)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("http_status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Wraps an SDK error: a timeout becomes [`Error::Timeout`], a dispatch failure or an
/// unreadable response [`Error::Io`], anything else [`Error::Service`] with its code,
/// message and HTTP status.
pub(crate) fn service<E, R>(operation: &'static str, err: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    enum Kind {
        Timeout,
        Io,
        Service,
    }
    let kind = match &err {
        SdkError::TimeoutError(_) => Kind::Timeout,
        SdkError::DispatchFailure(d) if d.is_timeout() => Kind::Timeout,
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => Kind::Io,
        _ => Kind::Service,
    };
    match kind {
        Kind::Timeout => Error::Timeout {
            operation,
            source: Box::new(err),
        },
        Kind::Io => Error::Io {
            operation,
            source: Box::new(err),
        },
        Kind::Service => {
            let status = err
                .raw_response()
                .and_then(|raw| (raw as &dyn Any).downcast_ref::<HttpResponse>())
                .map(|raw| raw.status().as_u16());
            Error::Service(Box::new(ServiceError {
                operation,
                code: err.code().map(str::to_owned),
                message: err.message().map(str::to_owned),
                status,
                source: Box::new(err),
            }))
        }
    }
}

/// The SDK error of a timeout or I/O error, as `Display` shows it: the SDK's kind (e.g.
/// `dispatch failure`), then the error chain below it when it cannot quote the response: the
/// whole chain of a timeout, the HTTP client's chain (which describes the connection only)
/// of an I/O error. Anything below a response error is left out.
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

    fn io(source: &'a (dyn std::error::Error + Send + Sync + 'static)) -> Self {
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

/// What replaces a value quoted from the data.
const REDACTED: &str = "<redacted>";

/// The prefix the library puts before a serde message about one field.
const FIELD_PREFIX: &str = "field `";

/// Redacts the values a decode or encode message quotes from the data, keeping the field
/// name the library puts first (``field `name`: ``) and what serde says about the type.
///
/// serde's own messages are recognised and only their data part is redacted:
///
/// * ``invalid type: string "x", expected u32`` → `invalid type: string <redacted>, expected u32`
///   (same for `invalid value:` and every kind: ``integer `5` ``, ``boolean `true` ``, ...);
/// * ``unknown variant `x`, expected one of `A`, `B` `` → ``unknown variant <redacted>, expected
///   one of `A`, `B` `` (same for `unknown field`);
/// * serde_dynamo's `Failed to parse 'x' as an integer: ...` and the library's own
///   ``expected a number, got `x` ``;
/// * ``missing field `f` ``, ``duplicate field `f` ``, `invalid length 3, expected ...` and the
///   library's ``attribute `a` has a type this SDK version does not know`` name no value and
///   are kept, as is serde_json's ` at line L column C` suffix.
///
/// Any other message is redacted from its first quote (`` ` ``, `"`, or `'` opening a word)
/// to the last quote of the same kind (for `'`, the last one closing a word), repeatedly:
/// whatever a custom error quotes is gone, even if it contains the quote character. Values a
/// custom error shows without quotes cannot be recognised.
pub(crate) fn redact_message(message: &str) -> Cow<'_, str> {
    let (prefix, body) = split_field_prefix(message);
    let (body, position) = split_position(body);
    match redact_body(body) {
        Cow::Borrowed(_) => Cow::Borrowed(message),
        Cow::Owned(body) => Cow::Owned(format!("{prefix}{body}{position}")),
    }
}

/// ``field `name`: `` and the rest, or `""` and the whole message.
fn split_field_prefix(message: &str) -> (&str, &str) {
    if let Some(rest) = message.strip_prefix(FIELD_PREFIX)
        && let Some(end) = rest.find('`')
        && rest[end..].starts_with("`: ")
    {
        return message.split_at(FIELD_PREFIX.len() + end + "`: ".len());
    }
    ("", message)
}

/// serde_json's ` at line L column C` suffix, split off.
fn split_position(body: &str) -> (&str, &str) {
    if let Some(at) = body.rfind(" at line ") {
        let suffix = &body[at + " at line ".len()..];
        if let Some((line, column)) = suffix.split_once(" column ")
            && is_number(line)
            && is_number(column)
        {
            return body.split_at(at);
        }
    }
    (body, "")
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A name in backticks and nothing else, e.g. `` `email` ``.
fn is_quoted_name(s: &str) -> bool {
    s.len() >= 2 && s.starts_with('`') && s.ends_with('`') && !s[1..s.len() - 1].contains('`')
}

/// Splits `rest` before the last of `separators` (the type-derived tail), if any.
fn split_tail<'a>(rest: &'a str, separators: &[&str]) -> (&'a str, &'a str) {
    separators
        .iter()
        .filter_map(|sep| rest.rfind(sep))
        .max()
        .map_or((rest, ""), |at| rest.split_at(at))
}

fn redact_body(body: &str) -> Cow<'_, str> {
    // `invalid type: <unexpected>, expected <type>` / `invalid value: ...`
    for head in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = body.strip_prefix(head) {
            let (unexpected, tail) = split_tail(rest, &[", expected "]);
            return match redact_unexpected(unexpected) {
                None => Cow::Borrowed(body),
                Some(u) => Cow::Owned(format!("{head}{u}{tail}")),
            };
        }
    }
    // `unknown variant `x`, expected ...` / `unknown field `x`, there are no fields`
    for head in ["unknown variant ", "unknown field "] {
        if let Some(rest) = body.strip_prefix(head) {
            let (_, tail) = split_tail(
                rest,
                &[
                    ", expected ",
                    ", there are no variants",
                    ", there are no fields",
                ],
            );
            return Cow::Owned(format!("{head}{REDACTED}{tail}"));
        }
    }
    // serde_dynamo: `Failed to parse 'x' as an integer: <ParseIntError>`
    if let Some(rest) = body.strip_prefix("Failed to parse '") {
        let (_, tail) = split_tail(rest, &["' as an integer: ", "' as a float: "]);
        let tail = tail.strip_prefix('\'').unwrap_or(tail);
        return Cow::Owned(format!("Failed to parse {REDACTED}{tail}"));
    }
    // The library's map-key decoding.
    for head in [
        "expected a number, got ",
        "expected `true` or `false`, got ",
    ] {
        if body.starts_with(head) {
            return Cow::Owned(format!("{head}{REDACTED}"));
        }
    }
    // Messages that name fields and types only.
    for head in ["missing field ", "duplicate field "] {
        if let Some(rest) = body.strip_prefix(head)
            && is_quoted_name(rest)
        {
            return Cow::Borrowed(body);
        }
    }
    if let Some(rest) = body.strip_prefix("invalid length ")
        && let Some((len, _)) = rest.split_once(", expected ")
        && is_number(len)
    {
        return Cow::Borrowed(body);
    }
    if let Some(rest) = body.strip_prefix("attribute ")
        && let Some(name) = rest.strip_suffix(" has a type this SDK version does not know")
        && is_quoted_name(name)
    {
        return Cow::Borrowed(body);
    }
    redact_quoted(body)
}

/// serde's `Unexpected` as displayed: its kind kept, its value redacted (`None`: it has no
/// value, e.g. `sequence`).
fn redact_unexpected(unexpected: &str) -> Option<String> {
    const NO_VALUE: [&str; 12] = [
        "byte array",
        "unit value",
        "Option value",
        "newtype struct",
        "sequence",
        "map",
        "enum",
        "unit variant",
        "newtype variant",
        "tuple variant",
        "struct variant",
        "null",
    ];
    if NO_VALUE.contains(&unexpected) {
        return None;
    }
    for kind in [
        "boolean ",
        "integer ",
        "floating point ",
        "character ",
        "string ",
    ] {
        if unexpected.starts_with(kind) {
            return Some(format!("{kind}{REDACTED}"));
        }
    }
    Some(REDACTED.to_owned())
}

/// Redacts from each opening quote to the last quote of the same kind.
fn redact_quoted(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut rest = text;
    let mut redacted = false;
    while let Some((at, quote)) = opening_quote(rest) {
        out.push_str(&rest[..at]);
        out.push_str(REDACTED);
        redacted = true;
        let after = &rest[at + 1..];
        rest = closing_quote(after, quote).map_or("", |end| &after[end + 1..]);
    }
    if !redacted {
        return Cow::Borrowed(text);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The last `quote` in `text`; for `'`, the last one that ends a word (not an apostrophe).
fn closing_quote(text: &str, quote: char) -> Option<usize> {
    if quote != '\'' {
        return text.rfind(quote);
    }
    text.char_indices()
        .rev()
        .find(|&(at, c)| {
            c == quote
                && text[at + 1..]
                    .chars()
                    .next()
                    .is_none_or(|next| !next.is_alphanumeric())
        })
        .map(|(at, _)| at)
}

/// The first `` ` `` or `"`, or `'` at the start of a word (not an apostrophe).
fn opening_quote(text: &str) -> Option<(usize, char)> {
    let mut previous = None;
    for (at, c) in text.char_indices() {
        match c {
            '`' | '"' => return Some((at, c)),
            '\'' if previous.is_none_or(|p: char| !p.is_alphanumeric()) => return Some((at, c)),
            _ => {}
        }
        previous = Some(c);
    }
    None
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
    use crate::error::cancel::{CancelReason, CancelledAction, TransactionCanceled};
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

    /// Every message serde, serde_dynamo, serde_json and the library produce that quotes a
    /// value, with the secret as that value.
    fn decode_messages() -> Vec<String> {
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
                Err(format!("not an e-mail: \"{s}\", nor 'x{s}' nor `{s}`"))
            }
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        #[serde(deny_unknown_fields)]
        struct Strict {
            a: u32,
        }
        fn dynamo<T: serde::de::DeserializeOwned + fmt::Debug>(value: AttributeValue) -> String {
            crate::decode::from_value::<T>(&value)
                .expect_err("does not decode")
                .to_string()
        }
        fn json<T: serde::de::DeserializeOwned + fmt::Debug>(text: &str) -> String {
            serde_json::from_str::<T>(text)
                .expect_err("does not decode")
                .to_string()
        }
        let s = || AttributeValue::S(SECRET.to_owned());
        let n = || AttributeValue::N(SECRET_NUMBER.to_owned());
        vec![
            dynamo::<u32>(s()),
            dynamo::<bool>(s()),
            dynamo::<u8>(n()),
            dynamo::<i8>(AttributeValue::N(format!("-{SECRET_NUMBER}"))),
            dynamo::<u32>(AttributeValue::N(format!("{SECRET}1.5"))),
            dynamo::<f32>(AttributeValue::N(SECRET.to_owned())),
            dynamo::<String>(n()),
            dynamo::<String>(AttributeValue::Bool(true)),
            dynamo::<char>(s()),
            dynamo::<Status>(s()),
            dynamo::<Email>(s()),
            dynamo::<HashMap<u32, String>>(AttributeValue::M(HashMap::from([(
                SECRET.to_owned(),
                s(),
            )]))),
            dynamo::<HashMap<bool, String>>(AttributeValue::M(HashMap::from([(
                SECRET.to_owned(),
                s(),
            )]))),
            json::<u64>(&format!("\"{SECRET}\"")),
            json::<u8>(SECRET_NUMBER),
            json::<f32>(&format!("\"{SECRET}\"")),
            json::<Status>(&format!("\"{SECRET}\"")),
            json::<Strict>(&format!("{{\"a\": 1, \"{SECRET}\": 2}}")),
            json::<char>(&format!("\"{SECRET}\"")),
            // A quote inside the value must not end the redaction early.
            json::<u64>(&format!("\"a`, expected \\\" {SECRET} \"")),
            json::<Status>(&format!("\"x`, expected {SECRET}\"")),
        ]
    }

    /// Every error kind this module can build, each carrying the secret somewhere.
    fn all_errors() -> Vec<Error> {
        let item_error =
            crate::entity::decode_unchecked::<HashMap<String, u32>>("User", secret_item())
                .expect_err("strings are not numbers");
        let field_error = crate::__private::write_part_from::<u32>(
            "User",
            "age",
            &AttributeValue::S(SECRET.to_owned()),
            &mut String::new(),
        )
        .expect_err("not a number");
        let action = CancelledAction {
            index: 1,
            entity: "User",
            key: secret_key(),
            reason: CancelReason::ConditionalCheckFailed,
            message: Some("The conditional request failed".to_owned()),
            exists: true,
            old: Some(Redacted::item(secret_item())),
            keep_old: true,
        };
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
            Error::WrongEntity {
                expected: "User",
                found: "Order".to_owned(),
            },
            Error::Key(KeyError::malformed(SECRET, "not a number")),
            Error::Key(KeyError::Mismatch {
                key: Redacted::text(format!("USER#{SECRET}")),
                template: "USER#{email}",
            }),
            Error::Key(KeyError::MissingField { field: "email" }),
            Error::validation("a key attribute cannot be updated"),
            Error::ItemTooLarge {
                entity: "User",
                size: 500_000,
                max: 409_600,
            },
            Error::UnknownDiscriminator {
                attribute: "_type",
                value: "Invoice".to_owned(),
            },
            Error::MissingDiscriminator { attribute: "_type" },
            item_error,
            field_error,
            Error::InvalidCursor { reason: "altered" },
            Error::Collection {
                collection: "Feed",
                reason: "the query returned a `Invoice` item, which is not a member".to_owned(),
            },
            Error::TransactionCanceled(Box::new(TransactionCanceled {
                actions: vec![action],
                message: Some("Transaction cancelled".to_owned()),
            })),
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
                reason: "partition key is `pk`, declared `PK`".to_owned(),
            },
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
        for message in decode_messages() {
            errors.push(Error::Decode {
                entity: "User",
                message: format!("field `email`: {message}"),
            });
            errors.push(Error::Decode {
                entity: "User",
                message: message.clone(),
            });
            errors.push(Error::Encode {
                what: "a migration checkpoint".into(),
                message,
            });
        }
        errors
    }

    fn assert_no_secret(text: &str) {
        assert!(
            !text.contains(SECRET) && !text.contains("s3cr3t") && !text.contains(SECRET_NUMBER),
            "leaks the secret: {text}"
        );
    }

    #[test]
    fn error_formats_never_show_values() {
        let errors = all_errors();
        assert!(errors.len() > 60);
        for err in &errors {
            for text in [format!("{err}"), format!("{err:?}"), format!("{err:#?}")] {
                assert_no_secret(&text);
            }
        }
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
        for text in [
            format!("{failed_write:?}"),
            format!("{failed_write:#?}"),
            format!("{failed_get:?}"),
            format!("{failed_get:#?}"),
            format!("{condition:?}"),
            format!("{condition:#?}"),
            format!("{condition}"),
            format!("{service_error:?}"),
            format!("{service_error:#?}"),
            format!("{service_error}"),
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
    fn error_values_stay_reachable() {
        let err = service("PutItem", condition_failed_sdk_error());
        let source = err.source().expect("the SDK error is the source");
        let sdk = source
            .downcast_ref::<PutSdkError>()
            .expect("source() is the SdkError");
        let Some(PutItemError::ConditionalCheckFailedException(e)) = sdk.as_service_error() else {
            panic!("a failed condition");
        };
        assert_eq!(e.item(), Some(&secret_item()));
        assert_eq!(err.code(), Some("ConditionalCheckFailedException"));
        let Error::Service(e) = &err else {
            panic!("a service error")
        };
        assert_eq!(e.operation(), "PutItem");
        assert_eq!(e.message(), Some("The conditional request failed"));
        assert_eq!(e.http_status(), Some(400));
        assert_eq!(
            err.to_string(),
            "DynamoDB PutItem failed: ConditionalCheckFailedException: The conditional request failed"
        );

        let condition = ConditionFailed::new("User", Some(secret_item()));
        assert_eq!(condition.old_item(), Some(&secret_item()));
        let err = Error::Decode {
            entity: "User",
            message: format!("invalid type: string \"{SECRET}\", expected u32"),
        };
        assert!(matches!(&err, Error::Decode { message, .. } if message.contains(SECRET)));
    }

    #[test]
    fn error_kinds_of_sdk_errors() {
        let timeout = service(
            "GetItem",
            PutSdkError::timeout_error("operation timeout occurred after 300ms"),
        );
        assert!(timeout.is_timeout() && !timeout.is_io() && timeout.outcome_unknown());
        assert_eq!(
            timeout.to_string(),
            "DynamoDB GetItem timed out (request has timed out: operation timeout occurred after \
             300ms); it may or may not have been applied"
        );
        assert!(timeout.source().is_some_and(|s| s.is::<PutSdkError>()));
        assert_eq!(timeout.code(), None);

        let connect_timeout = service(
            "GetItem",
            PutSdkError::dispatch_failure(ConnectorError::timeout("connect timed out".into())),
        );
        assert!(connect_timeout.is_timeout() && connect_timeout.outcome_unknown());

        let refused = service("PutItem", connection_refused());
        assert!(refused.is_io() && !refused.is_timeout() && refused.outcome_unknown());
        assert!(refused.source().is_some_and(|s| s.is::<PutSdkError>()));
        assert_eq!(
            refused.to_string(),
            "DynamoDB PutItem failed with an I/O error (dispatch failure: io error: \
             Connection refused (os error 111)); it may or may not have been applied"
        );
        assert_eq!(
            format!("{refused:?}"),
            "Io { operation: \"PutItem\", source: dispatch failure: io error: \
             Connection refused (os error 111) }"
        );

        let unreadable = service(
            "PutItem",
            PutSdkError::response_error("truncated", raw(200, "{")),
        );
        assert!(unreadable.is_io() && unreadable.outcome_unknown());
        assert_eq!(
            unreadable.to_string(),
            "DynamoDB PutItem failed with an I/O error (response error); it may or may not have been applied"
        );

        let condition = service("PutItem", condition_failed_sdk_error());
        assert!(!condition.is_io() && !condition.is_timeout() && !condition.is_throttling());
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

    #[test]
    fn error_decode_redaction() {
        let cases = [
            (
                "field `age`: invalid type: string \"x\", expected u32",
                "field `age`: invalid type: string <redacted>, expected u32",
            ),
            (
                "invalid value: integer `300`, expected u8",
                "invalid value: integer <redacted>, expected u8",
            ),
            (
                "invalid type: floating point `1.5`, expected a string",
                "invalid type: floating point <redacted>, expected a string",
            ),
            (
                "invalid type: boolean `true`, expected u32",
                "invalid type: boolean <redacted>, expected u32",
            ),
            (
                "invalid value: character `c`, expected a digit",
                "invalid value: character <redacted>, expected a digit",
            ),
            (
                "invalid type: sequence, expected a map",
                "invalid type: sequence, expected a map",
            ),
            (
                "invalid type: something odd, expected a map",
                "invalid type: <redacted>, expected a map",
            ),
            (
                "unknown variant `x`, expected `Open` or `Closed`",
                "unknown variant <redacted>, expected `Open` or `Closed`",
            ),
            (
                "unknown variant `a, expected b`, expected one of `A`, `B`",
                "unknown variant <redacted>, expected one of `A`, `B`",
            ),
            (
                "unknown field `x`, there are no fields",
                "unknown field <redacted>, there are no fields",
            ),
            (
                "unknown variant `x`, expected `A` at line 1 column 3",
                "unknown variant <redacted>, expected `A` at line 1 column 3",
            ),
            (
                "invalid type: string \"a\\\", expected \", expected u64 at line 1 column 9",
                "invalid type: string <redacted>, expected u64 at line 1 column 9",
            ),
            (
                "Failed to parse 'x' as an integer: invalid digit found in string",
                "Failed to parse <redacted> as an integer: invalid digit found in string",
            ),
            (
                "Failed to parse '1' as an integer: x' as an integer: number too large",
                "Failed to parse <redacted> as an integer: number too large",
            ),
            (
                "Failed to parse 'x' as a float: invalid float literal",
                "Failed to parse <redacted> as a float: invalid float literal",
            ),
            (
                "expected a number, got `x`",
                "expected a number, got <redacted>",
            ),
            (
                "expected `true` or `false`, got `x`",
                "expected `true` or `false`, got <redacted>",
            ),
            ("missing field `email`", "missing field `email`"),
            ("duplicate field `email`", "duplicate field `email`"),
            (
                "missing field `email` at line 1 column 2",
                "missing field `email` at line 1 column 2",
            ),
            (
                "invalid length 3, expected a tuple of size 2",
                "invalid length 3, expected a tuple of size 2",
            ),
            (
                "attribute `tags` has a type this SDK version does not know",
                "attribute `tags` has a type this SDK version does not know",
            ),
            (
                "input contains invalid characters",
                "input contains invalid characters",
            ),
            (
                "not an e-mail: \"x\", nor 'y' nor `z` (can't be)",
                "not an e-mail: <redacted>, nor <redacted> nor <redacted> (can't be)",
            ),
            ("bad `x` and `y` done", "bad <redacted> done"),
            ("unterminated `x", "unterminated <redacted>"),
            ("field `f`: bad `x`", "field `f`: bad <redacted>"),
            ("field `f` bad `x`", "field <redacted>"),
        ];
        for (message, expected) in cases {
            assert_eq!(redact_message(message), expected, "{message}");
        }
        assert!(matches!(
            redact_message("missing field `email`"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn error_decode_display_and_debug() {
        let err = Error::Decode {
            entity: "User",
            message: format!("field `age`: invalid type: string \"{SECRET}\", expected u32"),
        };
        assert_eq!(
            err.to_string(),
            "could not decode a `User` item: field `age`: invalid type: string <redacted>, expected u32"
        );
        assert_eq!(
            format!("{err:?}"),
            "Decode { entity: \"User\", message: \"field `age`: invalid type: string <redacted>, \
             expected u32\" }"
        );
        assert_eq!(
            err.redacted_message().as_deref(),
            Some("field `age`: invalid type: string <redacted>, expected u32")
        );
        assert_eq!(Error::NotFound { entity: "User" }.redacted_message(), None);
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
