//! [`PrimaryKey`]: a rendered primary key — plain strings, checked against DynamoDB's key
//! limits, printed redacted.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::item::Item;
use crate::key::{self, KeyError};
use crate::table::{Table, TableSchema};

/// Rendered primary-key attribute values.
///
/// `Debug` shows each key's length, not its text (keys are built from field values, which
/// may be personal data); read the public fields to see them.
///
/// ```
/// use dynamorm::PrimaryKey;
///
/// let key = PrimaryKey { partition_key: "USER#ada".into(), sort_key: Some("PROFILE".into()) };
/// assert_eq!(
///     format!("{key:?}"),
///     "PrimaryKey { partition_key: <redacted, 8 bytes>, sort_key: Some(<redacted, 7 bytes>) }"
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PrimaryKey {
    /// The partition key value.
    pub partition_key: String,
    /// The sort key value, when the table has a sort key.
    pub sort_key: Option<String>,
}

impl std::fmt::Debug for PrimaryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrimaryKey")
            .field("partition_key", &crate::Redacted::text(&self.partition_key))
            .field(
                "sort_key",
                &self.sort_key.as_ref().map(crate::Redacted::text),
            )
            .finish()
    }
}

impl PrimaryKey {
    pub(super) fn checked(
        partition_key: String,
        sort_key: Option<String>,
    ) -> Result<Self, KeyError> {
        key::check_len(
            "partition key",
            &partition_key,
            key::MAX_PARTITION_KEY_BYTES,
        )?;
        if let Some(sk) = &sort_key {
            key::check_len("sort key", sk, key::MAX_SORT_KEY_BYTES)?;
        }
        Ok(Self {
            partition_key,
            sort_key,
        })
    }

    /// The key as the attribute map DynamoDB expects for table `T` (a request's `Key`).
    pub fn key_map<T: Table>(&self) -> Item {
        self.clone().into_item(&T::SCHEMA)
    }

    /// [`key_map`](Self::key_map) for a table with `schema`, taking the key.
    pub(crate) fn into_item(self, schema: &TableSchema) -> Item {
        let mut item = Item::with_capacity(2);
        item.insert(
            schema.partition_key().to_owned(),
            AttributeValue::S(self.partition_key),
        );
        if let (Some(attr), Some(sk)) = (schema.sort_key(), self.sort_key) {
            item.insert(attr.to_owned(), AttributeValue::S(sk));
        }
        item
    }
}
