//! Key templates and the encoding of key parts.
//!
//! A key such as `PROJECT#a%231#TASK#00042` is rendered from a [`KeyTemplate`]
//! (`PROJECT#{project_id}#TASK#{task_id}`) and the values of its fields, each written by its
//! [`KeyPart`] implementation. The encoding guarantees, for every template:
//!
//! - **No injection or aliasing.** Text parts are escaped: every character from U+0000 to
//!   `%` (U+0025) — which includes the `#` delimiter, space and `%` itself — becomes `%`
//!   followed by two upper-case hex digits (`#` → `%23`, space → `%20`, `%` → `%25`). Encoded
//!   parts therefore never contain `#`, so distinct values always render distinct keys and
//!   every key parses back to exactly the values that rendered it. A user id `x#b_y` cannot
//!   forge the key of user `x` with suffix `b_y`.
//! - **No prefix leak.** The prefix of a partial key ends at a delimiter, so a `begins_with`
//!   for project `a` never matches project `ab`.
//! - **Order preservation.** Integers are zero-padded to their type's width, negative ones
//!   written as `-` and their offset from the type's minimum; timestamps are fixed-width
//!   RFC 3339 with nanoseconds; the escaping keeps text in code-point order (escaped
//!   characters sort below all others, and above the delimiter). So the string order
//!   DynamoDB uses for sort keys equals the natural order of the parts, part by part.

mod escape;
mod part;
mod shard;
mod template;
#[cfg(feature = "chrono")]
mod time_id;

pub use part::{KeyPart, PrimaryKeyPart};
pub use shard::shard_of;
pub(crate) use shard::{fnv1a, is_shard, write_shard};
pub use template::{Bucket, DELIMITER, KeyTemplate, Segment};

use crate::Redacted;
#[cfg(feature = "chrono")]
pub use time_id::{GeneratedId, TimeId};

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
