//! [`Def`]: an entity type as plain data — its schema, its table's schema and a small table
//! of its generated functions — so that the read and write pipeline is compiled once, not
//! once per entity type.
//!
//! Everything generic over `E: Entity` is a thin shell: it encodes or decodes with serde
//! (which is per type by nature) and hands [`def::<E>()`](def) and, where the entity's own
//! fields are read, the entity as a `&dyn` [`EntityValue`] to a non-generic core.

use aws_sdk_dynamodb::types::AttributeValue;

use super::schema::EntitySchema;
use super::{Entity, Item};
use crate::Error;
use crate::key::KeyError;
use crate::table::{Table, TableSchema};

/// An entity type for the non-generic core: schemas and the derive's static functions.
#[derive(Debug)]
pub(crate) struct Def {
    pub(crate) schema: &'static EntitySchema,
    pub(crate) table: &'static TableSchema,
    pub(crate) write_key_part_from: fn(usize, &AttributeValue, &mut String) -> Result<bool, Error>,
    pub(crate) in_index_from: fn(usize, Option<&AttributeValue>) -> Result<bool, Error>,
    pub(crate) timestamp_now: fn(&str) -> Result<AttributeValue, Error>,
    pub(crate) ttl_seconds_from: fn(&AttributeValue) -> Result<Option<i64>, Error>,
    pub(crate) write_unique_from: fn(usize, &AttributeValue, &mut String) -> Result<bool, Error>,
    pub(crate) check_field_value: fn(&str, &AttributeValue) -> Result<(), Error>,
}

impl Def {
    /// The entity type's name, its discriminator value.
    pub(crate) fn name(&self) -> &'static str {
        self.schema.name
    }

    /// Checks that `item`'s discriminator names this entity type.
    pub(crate) fn check_type(&self, item: &Item) -> Result<(), Error> {
        let attribute = self.table.discriminator();
        match item.get(attribute) {
            Some(AttributeValue::S(found)) if found == self.schema.name => Ok(()),
            Some(AttributeValue::S(found)) => Err(Error::WrongEntity {
                expected: self.schema.name,
                found: crate::Redacted::text(found.clone()),
            }),
            _ => Err(Error::MissingDiscriminator { attribute }),
        }
    }

    /// The version after `current`, refused past the version field's type's maximum.
    pub(crate) fn next_version(&self, current: u64) -> Result<u64, Error> {
        match current.checked_add(1) {
            Some(next) if next <= self.schema.version_max => Ok(next),
            _ => Err(Error::VersionExhausted {
                entity: self.schema.name,
            }),
        }
    }
}

/// `E`'s [`Def`], built at compile time from its trait impl.
pub(crate) fn def<E: Entity>() -> &'static Def {
    <E as Described>::DEF
}

/// `E`'s schema as a one-entity list (what a read of `E` may meet).
pub(crate) fn schemas<E: Entity>() -> &'static [EntitySchema] {
    <E as Described>::SCHEMAS
}

trait Described {
    const DEF: &'static Def;
    const SCHEMAS: &'static [EntitySchema];
}

impl<E: Entity> Described for E {
    const SCHEMAS: &'static [EntitySchema] = &[E::SCHEMA];
    const DEF: &'static Def = &Def {
        schema: &E::SCHEMA,
        table: &<E::Table as Table>::SCHEMA,
        write_key_part_from: E::write_key_part_from,
        in_index_from: E::in_index_from,
        timestamp_now: E::timestamp_now,
        ttl_seconds_from: E::ttl_seconds_from,
        write_unique_from: E::write_unique_from,
        check_field_value: E::check_field_value,
    };
}

/// What the core reads from an entity value itself, as a trait object: one vtable per type
/// instead of one copy of the pipeline per type.
pub(crate) trait EntityValue {
    fn write_key_part(&self, slot: usize, out: &mut String) -> Result<bool, KeyError>;
    fn in_index(&self, index: usize) -> bool;
    fn ttl_seconds(&self) -> Option<i64>;
    fn unset_generated(&self) -> Option<&'static str>;
    fn write_unique(&self, index: usize, out: &mut String) -> Result<bool, KeyError>;
}

impl<E: Entity> EntityValue for E {
    fn write_key_part(&self, slot: usize, out: &mut String) -> Result<bool, KeyError> {
        Entity::write_key_part(self, slot, out)
    }

    fn in_index(&self, index: usize) -> bool {
        Entity::in_index(self, index)
    }

    fn ttl_seconds(&self) -> Option<i64> {
        Entity::ttl_seconds(self)
    }

    fn unset_generated(&self) -> Option<&'static str> {
        Entity::unset_generated(self)
    }

    fn write_unique(&self, index: usize, out: &mut String) -> Result<bool, KeyError> {
        Entity::write_unique(self, index, out)
    }
}
