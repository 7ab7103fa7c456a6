//! [`DecodeError`] and [`EncodeError`]: serde's error kept as a redacted source.
//!
//! serde's messages quote the value they choke on (``invalid type: string "ada@…"``), so the
//! error is never printed: it is the [`source`](std::error::Error::source) as a
//! [`Redacted`], and only an explicit `expose_source` reads it.

use std::borrow::Cow;
use std::fmt;

use crate::Redacted;

/// What the placeholder of a redacted serde error says.
const SERDE_ERROR: &str = "serde error";

/// An item, or a value an update sets, could not be decoded into its type. The payload of
/// [`Error::Decode`](crate::Error::Decode).
///
/// `Display` names the entity type and the top-level attribute being decoded, when known
/// (attribute names are schema, not data). serde's message may quote the value, so the
/// serde error is the [`source`](std::error::Error::source) as a [`Redacted`], printing
/// `<redacted serde error>`; read it with [`expose_source`](Self::expose_source).
///
/// ```
/// use dynamorm::Error;
///
/// fn log_decode_failure(err: &Error) -> Option<String> {
///     let Error::Decode(e) = err else { return None };
///     // Safe to log: names only.
///     Some(format!("{e} (entity {:?}, attribute {:?})", e.entity(), e.attribute()))
/// }
/// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
/// assert_eq!(log_decode_failure(&err), None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    entity: Option<&'static str>,
    attribute: Option<Cow<'static, str>>,
    source: Redacted<serde_dynamo::Error>,
}

impl DecodeError {
    /// A decode error of `source`, at top-level attribute `attribute` when known.
    pub(crate) fn new(attribute: Option<Cow<'static, str>>, source: serde_dynamo::Error) -> Self {
        Self {
            entity: None,
            attribute,
            source: Redacted::labelled(source, SERDE_ERROR),
        }
    }

    /// The same error, about entity type `entity`.
    pub(crate) fn of(mut self, entity: &'static str) -> Self {
        self.entity = Some(entity);
        self
    }

    /// The entity type being decoded, when known.
    pub fn entity(&self) -> Option<&'static str> {
        self.entity
    }

    /// The top-level attribute whose value did not decode, when known: an error about the
    /// item as a whole (a missing field) has none.
    pub fn attribute(&self) -> Option<&str> {
        self.attribute.as_deref()
    }

    /// serde_dynamo's error, unredacted. Its message may quote a value of the item: do not
    /// log it where values must not go.
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// fn serde_message(err: &Error) -> Option<String> {
    ///     match err {
    ///         Error::Decode(e) => Some(e.expose_source().to_string()),
    ///         _ => None,
    ///     }
    /// }
    /// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
    /// assert_eq!(serde_message(&err), None);
    /// ```
    pub fn expose_source(&self) -> &serde_dynamo::Error {
        self.source.expose()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.entity, &self.attribute) {
            (Some(entity), Some(attribute)) => write!(
                f,
                "could not decode attribute `{attribute}` of a `{entity}` item"
            ),
            (Some(entity), None) => write!(f, "could not decode a `{entity}` item"),
            (None, Some(attribute)) => write!(f, "could not decode the value of `{attribute}`"),
            (None, None) => write!(f, "could not decode a value"),
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A value could not be encoded as a DynamoDB attribute value (or as JSON); nothing was
/// sent. The payload of [`Error::Encode`](crate::Error::Encode).
///
/// As for [`DecodeError`], the serde error is the [`source`](std::error::Error::source) as
/// a [`Redacted`], printing `<redacted serde error>`; read it with
/// [`expose_source`](Self::expose_source).
///
/// ```
/// use dynamorm::Error;
///
/// fn what_failed(err: &Error) -> Option<&str> {
///     match err {
///         Error::Encode(e) => Some(e.what()),
///         _ => None,
///     }
/// }
/// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
/// assert_eq!(what_failed(&err), None);
/// ```
#[derive(Debug)]
pub struct EncodeError {
    what: Cow<'static, str>,
    entity: Option<&'static str>,
    source: Redacted<Box<dyn std::error::Error + Send + Sync>>,
}

impl EncodeError {
    /// An encode error of `source` while encoding `what` (e.g. `a timestamp`).
    pub(crate) fn new(
        what: impl Into<Cow<'static, str>>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            what: what.into(),
            entity: None,
            source: Redacted::labelled(source.into(), SERDE_ERROR),
        }
    }

    /// The same error, about entity type `entity`.
    pub(crate) fn of(mut self, entity: &'static str) -> Self {
        self.entity = Some(entity);
        self
    }

    /// What was being encoded, e.g. `a timestamp` or `an expression value`.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The entity type being encoded, when known.
    pub fn entity(&self) -> Option<&'static str> {
        self.entity
    }

    /// The serde error (serde_dynamo's, or serde_json's for JSON), unredacted. Its message
    /// may quote the value.
    ///
    /// ```
    /// use dynamorm::Error;
    ///
    /// fn is_serde_dynamo(err: &Error) -> bool {
    ///     matches!(err, Error::Encode(e) if e.expose_source().is::<serde_dynamo::Error>())
    /// }
    /// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
    /// assert!(!is_serde_dynamo(&err));
    /// ```
    pub fn expose_source(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self.source.expose().as_ref()
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.entity {
            Some(entity) => write!(f, "could not encode {} (entity `{entity}`)", self.what),
            None => write!(f, "could not encode {}", self.what),
        }
    }
}

impl std::error::Error for EncodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
