//! [`PrimaryKey`]: a rendered primary key, and how an entity type's key templates render
//! one from its key parts.

use aws_sdk_dynamodb::types::AttributeValue;

use super::schema::EntitySchema;
use crate::item::Item;
use crate::key::{self, KeyError, KeyTemplate};
use crate::table::{Table, TableSchema};
use crate::{Error, InvalidInputKind};

/// Renders an entity type's primary key from a writer of its key parts, by slot.
pub(crate) fn render_primary_key(
    schema: &EntitySchema,
    part: &mut dyn FnMut(usize, &mut String) -> Result<bool, KeyError>,
) -> Result<PrimaryKey, KeyError> {
    let pk = render_required(&schema.partition_key, &mut *part)?;
    let sk = match &schema.sort_key {
        Some(t) => Some(render_required(t, &mut *part)?),
        None => None,
    };
    PrimaryKey::checked(pk, sk)
}

pub(super) fn render_required(
    template: &KeyTemplate,
    mut part: impl FnMut(usize, &mut String) -> Result<bool, KeyError>,
) -> Result<String, KeyError> {
    let mut missing = None;
    let rendered = template.render_with(|slot, out| {
        let present = part(slot, out)?;
        if !present {
            missing = Some(slot);
        }
        Ok(present)
    })?;
    rendered.ok_or_else(|| KeyError::MissingField {
        field: template
            .segments()
            .iter()
            .find_map(|s| match s {
                key::Segment::Part { field, slot, .. } if Some(*slot) == missing => Some(*field),
                _ => None,
            })
            .unwrap_or("?"),
    })
}

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

/// The primary key of an item of a table with `schema`.
pub(crate) fn key_of_item(item: &Item, schema: &TableSchema) -> Result<PrimaryKey, Error> {
    key_from(item, schema).ok_or_else(|| {
        Error::invalid(
            InvalidInputKind::MissingKeyAttributes,
            "an item lacks its table's key attributes",
        )
    })
}

/// The primary key of an item, if it has string key attributes.
pub(crate) fn key_from(item: &Item, table: &crate::TableSchema) -> Option<PrimaryKey> {
    let s = |attr: &str| match item.get(attr) {
        Some(AttributeValue::S(s)) => Some(s.clone()),
        _ => None,
    };
    Some(PrimaryKey {
        partition_key: s(table.partition_key())?,
        sort_key: match table.sort_key() {
            Some(attr) => Some(s(attr)?),
            None => None,
        },
    })
}
