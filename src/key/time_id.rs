//! [`TimeId`]: a time-ordered unique id (UUID version 7, from the `uuid` crate), and
//! [`GeneratedId`], the ids `#[dynamo(generated)]` fields hold.

use std::fmt;
use std::str::FromStr;

use super::{KeyError, KeyPart};

/// A unique id that sorts by the time it was made: a UUID version 7 (RFC 9562) from the
/// [`uuid`] crate, written as 32 lower-case hex digits.
///
/// As a key part (`sk = "DEAL#{id}"`), ids made later sort after earlier ones — the role
/// KSUIDs play in *The DynamoDB Book* — so a partition lists items newest last, and
/// [`TimeId::first_at`]/[`TimeId::last_at`] bound a time range. Ids made by one process are
/// strictly increasing, even within a millisecond; across processes, they are ordered by
/// millisecond. The default value is [`TimeId::UNSET`], which a `#[dynamo(generated)]`
/// field replaces with a new id when the entity is inserted.
///
/// ```
/// use dynamorm::{KeyPart, TimeId};
///
/// let first = TimeId::new();
/// let second = TimeId::new();
/// assert!(first < second);
/// assert!(first.to_string() < second.to_string());
///
/// let mut key = String::new();
/// first.write_key(&mut key).unwrap();
/// assert_eq!(key.len(), 32);
/// assert_eq!(TimeId::parse_key(&key).unwrap(), first);
/// assert!(TimeId::first_at(first.time().unwrap()) <= first);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TimeId(uuid::Uuid);

impl TimeId {
    /// The id that is not set yet (all zeros).
    pub const UNSET: TimeId = TimeId(uuid::Uuid::nil());

    /// A new id, after every id this process made before.
    pub fn new() -> Self {
        TimeId(uuid::Uuid::now_v7())
    }

    /// Whether this is [`TimeId::UNSET`].
    pub fn is_unset(&self) -> bool {
        self.0.is_nil()
    }

    /// The smallest id of the millisecond of `time`: with [`TimeId::last_at`], the bounds
    /// of a time range (`sort_between(a.id.is(TimeId::first_at(t1)), a.id.is(TimeId::last_at(t2)))`).
    pub fn first_at(time: chrono::DateTime<chrono::Utc>) -> Self {
        Self::at(time, [0; 10])
    }

    /// The largest id of the millisecond of `time`.
    pub fn last_at(time: chrono::DateTime<chrono::Utc>) -> Self {
        Self::at(time, [0xff; 10])
    }

    fn at(time: chrono::DateTime<chrono::Utc>, rest: [u8; 10]) -> Self {
        // Before 1970 there is no UUIDv7 time: the epoch is the smallest.
        let millis = u64::try_from(time.timestamp_millis()).unwrap_or(0);
        TimeId(uuid::Builder::from_unix_timestamp_millis(millis, &rest).into_uuid())
    }

    /// The millisecond the id was made in; `None` for an id that is not a UUIDv7.
    pub fn time(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let (seconds, nanos) = self.0.get_timestamp()?.to_unix();
        chrono::DateTime::from_timestamp(i64::try_from(seconds).ok()?, nanos)
    }

    /// The UUID.
    pub fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }
}

impl From<uuid::Uuid> for TimeId {
    fn from(uuid: uuid::Uuid) -> Self {
        TimeId(uuid)
    }
}

impl fmt::Display for TimeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.simple(), f)
    }
}

impl fmt::Debug for TimeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimeId({})", self.0.simple())
    }
}

impl FromStr for TimeId {
    type Err = KeyError;

    /// Parses the 32 hex digits [`Display`](fmt::Display) writes (hyphenated UUIDs too).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::try_parse(s)
            .map(TimeId)
            .map_err(|_| KeyError::malformed(s, "expected a UUID (32 hex digits)"))
    }
}

impl KeyPart for TimeId {
    fn write_key(&self, out: &mut String) -> Result<(), KeyError> {
        // Lower-case hex sorts as the bytes do, so key order is id order.
        let mut buffer = uuid::Uuid::encode_buffer();
        out.push_str(self.0.simple().encode_lower(&mut buffer));
        Ok(())
    }

    fn parse_key(encoded: &str) -> Result<Self, KeyError> {
        if encoded.len() != 32 {
            return Err(KeyError::malformed(encoded, "expected 32 hex digits"));
        }
        encoded.parse()
    }
}

impl serde::Serialize for TimeId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buffer = uuid::Uuid::encode_buffer();
        serializer.serialize_str(self.0.simple().encode_lower(&mut buffer))
    }
}

impl<'de> serde::Deserialize<'de> for TimeId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The type of a `#[dynamo(generated)]` field: an id the library makes when the entity is
/// inserted ([`Db::insert`](crate::Db::insert)) while the field is still unset. Implemented
/// by [`TimeId`]; implement it for your own id type (a KSUID newtype, say) to generate
/// those instead.
///
/// ```
/// use dynamorm::{GeneratedId, TimeId};
///
/// let mut id = TimeId::UNSET;
/// assert!(id.is_unset());
/// id = TimeId::generate();
/// assert!(!id.is_unset());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `#[dynamo(generated)]` field",
    note = "generated fields hold `dynamorm::TimeId` (or a type implementing `dynamorm::GeneratedId`)"
)]
pub trait GeneratedId: Sized {
    /// A new id.
    fn generate() -> Self;
    /// Whether the value still has to be generated.
    fn is_unset(&self) -> bool;
}

impl GeneratedId for TimeId {
    fn generate() -> Self {
        TimeId::new()
    }
    fn is_unset(&self) -> bool {
        TimeId::is_unset(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_made_in_a_row_sort_in_order_as_keys_and_text() {
        let ids: Vec<TimeId> = (0..10_000).map(|_| TimeId::new()).collect();
        let keys: Vec<String> = ids
            .iter()
            .map(|id| {
                let mut key = String::new();
                id.write_key(&mut key).expect("writes");
                key
            })
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        for (id, key) in ids.iter().zip(&keys) {
            assert_eq!(TimeId::parse_key(key).expect("parses"), *id);
        }
    }

    #[test]
    fn bounds_enclose_the_ids_of_their_millisecond() {
        let id = TimeId::new();
        let at = id.time().expect("a v7 id has a time");
        assert!(TimeId::first_at(at) <= id && id <= TimeId::last_at(at));
        let next = at + chrono::Duration::milliseconds(1);
        assert!(id < TimeId::first_at(next));
        assert_eq!(
            TimeId::first_at(chrono::DateTime::UNIX_EPOCH - chrono::Duration::days(1)).time(),
            Some(chrono::DateTime::UNIX_EPOCH)
        );
    }

    #[test]
    fn malformed_text_is_an_error_not_a_panic() {
        for bad in ["", "xyz", "0", &"g".repeat(32), &"0".repeat(33)] {
            assert!(TimeId::parse_key(bad).is_err(), "{bad:?}");
        }
        assert!(TimeId::parse_key(&"0".repeat(32)).expect("nil").is_unset());
    }
}
