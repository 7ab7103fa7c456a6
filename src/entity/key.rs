//! [`PrimaryKey`]: a rendered primary key, and how an entity type's key templates render
//! one from its key parts.

use aws_sdk_dynamodb::types::AttributeValue;

use super::primary_key::PrimaryKey;
use super::schema::EntitySchema;
use crate::item::Item;
use crate::key::{self, KeyError, KeyTemplate};
use crate::table::TableSchema;
use crate::{Error, InvalidInputKind};

/// A typed primary key's encoded parts, by slot, in one string: a part never contains the
/// key delimiter (checked as it is written), so the delimiter separates them, and an update
/// keeps its key in one allocation rather than one per part.
#[derive(Debug, Clone)]
pub(crate) struct KeyParts {
    text: String,
    count: usize,
}

impl KeyParts {
    /// Writes the `count` parts of a key by `part(slot, out)`.
    pub(crate) fn write(
        schema: &EntitySchema,
        part: &mut dyn FnMut(usize, &mut String) -> Result<bool, KeyError>,
    ) -> Result<Self, KeyError> {
        let count = schema.primary_key_fields;
        let mut text = String::with_capacity(16 * count);
        for slot in 0..count {
            if slot > 0 {
                text.push(key::DELIMITER);
            }
            let start = text.len();
            if !part(slot, &mut text)? {
                let field = schema.key_fields.get(slot).map_or("?", |f| f.field);
                return Err(KeyError::MissingField { field });
            }
            key::check_part(&text[start..])?;
        }
        Ok(Self { text, count })
    }

    /// The encoded part in `slot`.
    pub(crate) fn get(&self, slot: usize) -> Option<&str> {
        if slot < self.count {
            self.text.split(key::DELIMITER).nth(slot)
        } else {
            None
        }
    }
}

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
