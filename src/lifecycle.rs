//! Item lifecycle attributes declared on entity fields: `version` (optimistic locking),
//! `created_at`/`updated_at` (timestamps the library sets), `ttl` (expiry) and `unique`.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::Error;

/// A field marked `#[dynamo(unique)]`: its value is unique across the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqueField {
    /// The Rust field name.
    pub field: &'static str,
    /// The attribute it is stored under.
    pub attribute: &'static str,
}

/// A field type for `#[dynamo(created_at)]` and `#[dynamo(updated_at)]`: the library sets
/// it to the current time.
///
/// ```
/// use dynamorm::Timestamp;
/// let now: chrono::DateTime<chrono::Utc> = Timestamp::now();
/// let epoch: i64 = Timestamp::now();
/// assert!((now.timestamp() - epoch).abs() <= 1);
/// ```
pub trait Timestamp: Serialize {
    /// The current time.
    fn now() -> Self;
}

#[cfg(feature = "chrono")]
impl Timestamp for chrono::DateTime<chrono::Utc> {
    fn now() -> Self {
        chrono::Utc::now()
    }
}

impl<T: Timestamp> Timestamp for Option<T> {
    fn now() -> Self {
        Some(T::now())
    }
}

/// Seconds since the Unix epoch.
impl Timestamp for i64 {
    fn now() -> Self {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }
}

/// Seconds since the Unix epoch.
impl Timestamp for u64 {
    fn now() -> Self {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// A field type for `#[dynamo(ttl)]`: when the item expires. The library writes it, as
/// epoch seconds, into the table's TTL attribute (`#[dynamo(ttl = "...")]` on the table),
/// which DynamoDB's TTL deletes by.
///
/// ```
/// use dynamorm::TtlValue;
/// assert_eq!(TtlValue::epoch_seconds(&Some(1_700_000_000i64)), Some(1_700_000_000));
/// assert_eq!(TtlValue::epoch_seconds(&None::<i64>), None);
/// ```
pub trait TtlValue: serde::de::DeserializeOwned {
    /// The expiry in seconds since the Unix epoch; `None`: never expires.
    fn epoch_seconds(&self) -> Option<i64>;
}

#[cfg(feature = "chrono")]
impl TtlValue for chrono::DateTime<chrono::Utc> {
    fn epoch_seconds(&self) -> Option<i64> {
        Some(self.timestamp())
    }
}

impl TtlValue for i64 {
    fn epoch_seconds(&self) -> Option<i64> {
        Some(*self)
    }
}

impl TtlValue for u64 {
    fn epoch_seconds(&self) -> Option<i64> {
        i64::try_from(*self).ok()
    }
}

impl<T: TtlValue> TtlValue for Option<T> {
    fn epoch_seconds(&self) -> Option<i64> {
        self.as_ref().and_then(TtlValue::epoch_seconds)
    }
}

/// Field types for `#[dynamo(version)]`, with the largest version each can hold: a write
/// whose next version would pass it is refused, so a stored version always decodes.
#[doc(hidden)]
pub trait VersionField {
    /// The largest version the type holds.
    const MAX: u64;
}
impl VersionField for u64 {
    const MAX: u64 = u64::MAX;
}
impl VersionField for u32 {
    const MAX: u64 = u32::MAX as u64;
}
impl VersionField for i64 {
    const MAX: u64 = i64::MAX as u64;
}

/// The current time as field type `T` would serialize it.
pub(crate) fn timestamp_now<T: Timestamp>() -> Result<AttributeValue, Error> {
    crate::encode::to_attribute_value(&T::now())
        .map_err(|e| Error::Encode(Box::new(crate::EncodeError::new("a timestamp", e))))
}

/// The expiry of a TTL field from the attribute value an update sets.
pub(crate) fn ttl_from<T: TtlValue>(value: &AttributeValue) -> Result<Option<i64>, Error> {
    if matches!(value, AttributeValue::Null(_)) {
        return Ok(None);
    }
    let decoded: T = serde_dynamo::from_attribute_value(value.clone())
        .map_err(|e| Error::Encode(Box::new(crate::EncodeError::new("a TTL value", e))))?;
    Ok(decoded.epoch_seconds())
}
