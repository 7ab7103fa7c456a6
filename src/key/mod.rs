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

mod error;
mod escape;
mod part;
mod shard;
mod template;
#[cfg(feature = "chrono")]
mod time_id;

pub use error::{KeyError, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES};
pub(crate) use error::{check_len, check_part};
pub use part::{KeyPart, PrimaryKeyPart};
pub use shard::shard_of;
pub(crate) use shard::{fnv1a, is_shard, write_shard};
pub use template::{Bucket, DELIMITER, KeyTemplate, Segment};

#[cfg(feature = "chrono")]
pub use time_id::{GeneratedId, TimeId};
