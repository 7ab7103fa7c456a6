//! [`KeyError`], and the checks every rendered key and key part passes: DynamoDB's
//! length limits, and no delimiter or range character inside a part.

use crate::Redacted;

/// A key could not be rendered or parsed.
///
/// `Debug` and `Display` never show key text: the component of a
/// [`Malformed`](Self::Malformed) and the key of a [`Mismatch`](Self::Mismatch) are
/// [`Redacted`] and print as `<redacted, N bytes>`; read them with
/// [`Redacted::expose`].
///
/// ```
/// use dynamorm::KeyError;
///
/// let err = KeyError::malformed("USER#ada", "not a number");
/// assert_eq!(err.to_string(), "malformed key component <redacted, 8 bytes>: not a number");
/// if let KeyError::Malformed { value, .. } = &err {
///     assert_eq!(value.expose(), "USER#ada");
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A key component is not something its type can have written.
    #[error("malformed key component {value}: {reason}")]
    Malformed {
        /// The offending encoded component (redacted when printed).
        value: Redacted<String>,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A stored key does not have the shape of the template.
    #[error("key {key} does not match the template `{template}`")]
    Mismatch {
        /// The stored key (redacted when printed).
        key: Redacted<String>,
        /// The template it was parsed with.
        template: &'static str,
    },
    /// A value cannot be encoded, e.g. a timestamp outside the years 0000..=9999.
    #[error("{reason}")]
    OutOfRange {
        /// Why.
        reason: &'static str,
    },
    /// A rendered key is longer than DynamoDB allows for its attribute.
    #[error("key attribute `{attribute}` would be {len} bytes; DynamoDB allows at most {max}")]
    TooLong {
        /// The key attribute, e.g. `PK`.
        attribute: &'static str,
        /// The rendered length in bytes.
        len: usize,
        /// DynamoDB's limit in bytes.
        max: usize,
    },
    /// A rendered key is empty, which DynamoDB rejects for every key attribute (e.g.
    /// `pk = "{id}"` with an empty `id`).
    #[error("key attribute `{attribute}` would be empty; DynamoDB rejects empty key values")]
    Empty {
        /// The key attribute, e.g. `PK`.
        attribute: &'static str,
    },
    /// A key needs a field that has no value.
    #[error("key field `{field}` has no value")]
    MissingField {
        /// The field.
        field: &'static str,
    },
}

impl KeyError {
    /// A [`KeyError::Malformed`] for `value`.
    pub fn malformed(value: &str, reason: &'static str) -> Self {
        Self::Malformed {
            value: Redacted::text(value.to_owned()),
            reason,
        }
    }
}

/// The largest partition key DynamoDB accepts, in bytes.
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
/// The largest sort key DynamoDB accepts, in bytes.
pub const MAX_SORT_KEY_BYTES: usize = 1024;

/// Checks a rendered key against DynamoDB's limits for its attribute: not empty, not too long.
pub(crate) fn check_len(attribute: &'static str, key: &str, max: usize) -> Result<(), KeyError> {
    if key.is_empty() {
        return Err(KeyError::Empty { attribute });
    }
    if key.len() > max {
        return Err(KeyError::TooLong {
            attribute,
            len: key.len(),
            max,
        });
    }
    Ok(())
}

/// Checks the encoding of one key part, as a [`KeyPart`] wrote it: it may not contain the
/// `#` delimiter, the `$` that ends ranges, or any character below them. The built-in parts
/// never do (text is escaped); a custom `KeyPart` that did could forge another item's key
/// (`x#y`) or fall outside a range, so its key is refused before anything is sent.
pub(crate) fn check_part(encoded: &str) -> Result<(), KeyError> {
    // Every byte of a multi-byte UTF-8 character is above `$`.
    if encoded.bytes().any(|b| b <= b'$') {
        return Err(KeyError::Malformed {
            value: Redacted::text(encoded.to_owned()),
            reason: "a key part may not contain `#`, `$` or a character below them \
                     (a custom `KeyPart` must escape what it writes, e.g. through `String`'s)",
        });
    }
    Ok(())
}
