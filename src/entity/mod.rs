//! [`Entity`]: a serde struct stored as items of one type in a single table, and
//! [`EntityKey`], its generated typed primary key.

mod convert;
mod def;
mod key;
mod primary_key;
mod render;
mod schema;
mod serde_fields;
mod shape;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::item::Item;
use crate::key::KeyError;
use crate::table::Table;
use crate::{Error, InvalidInputKind};

pub(crate) use convert::{decode, key_parts};
pub use convert::{
    decode_as, decode_unchecked, from_item, reshape, to_item, to_stored_item, upgrade,
};
pub(crate) use def::{Def, EntityValue, def, schemas};
pub(crate) use key::{KeyParts, key_from, key_of_item, render_primary_key};
pub use primary_key::PrimaryKey;
pub(crate) use render::render_index;
pub use schema::{EntityIndex, EntitySchema, KeyField, When};
pub(crate) use serde_fields::earlier_attributes;
pub use serde_fields::serde_fields;
pub use shape::{SHAPE_ATTRIBUTE, UpgradeTo};
pub(crate) use shape::{is_earlier, mismatch, require_current, stored_shape, upgraded};

/// An entity type of a single-table design, declared with `#[derive(Entity)]`.
///
/// The derive reads the serde field names (`rename`, `rename_all`), checks every key
/// template against the struct's fields at compile time, and generates the typed key
/// (`<Name>Key`) and typed attribute handles (`<Name>::attrs()`).
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use dynamorm::{Entity, Table};
///
/// #[derive(Table)]
/// #[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
/// pub struct App;
///
/// #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
/// #[dynamo(table = App, pk = "USER#{id}", sk = "PROFILE")]
/// #[dynamo(index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
/// pub struct User {
///     pub id: String,
///     pub email: String,
///     pub name: String,
/// }
///
/// let user = User { id: "u1".into(), email: "a@b.c".into(), name: "Ann".into() };
/// let item = dynamorm::to_item(&user).unwrap();
/// assert_eq!(item["PK"].as_s().unwrap(), "USER#u1");
/// assert_eq!(item["GSI1PK"].as_s().unwrap(), "EMAIL#a@b.c");
/// assert_eq!(item["_type"].as_s().unwrap(), "User");
/// assert_eq!(dynamorm::from_item::<User>(item).unwrap(), user);
///
/// let key = UserKey { id: "u1".into() };
/// assert_eq!(user.key(), key);
/// ```
///
/// # Shape versions
///
/// `#[dynamo(shape = N, shapes(1 = UserV1, ..))]` declares the entity's current shape and
/// the earlier serde structs its stored items may still have, each with an upgrade step
/// ([`UpgradeTo`]) to the next. Every read decodes an item by its stored shape
/// ([`SHAPE_ATTRIBUTE`], absent meaning 1) and upgrades it; a newer shape is an
/// [`Error::Shape`]; writes store the current shape; an update of an item of an earlier
/// shape upgrades it first. See the guide's *Evolving entity shapes*.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dynamorm entity",
    note = "declare it with `#[derive(serde::Serialize, serde::Deserialize, dynamorm::Entity)]`"
)]
pub trait Entity: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The table the entity lives in.
    type Table: Table;
    /// The typed primary key, e.g. `TaskKey`.
    type Key: EntityKey<Entity = Self>;
    /// The entity's key templates and fields.
    const SCHEMA: EntitySchema;

    /// Appends the key encoding of the key field in `slot`; `false` when it is `None`.
    #[doc(hidden)]
    fn write_key_part(&self, slot: usize, out: &mut String) -> Result<bool, KeyError>;

    /// Appends the key encoding of the key field in `slot` from an attribute value (as an
    /// update sets it); `false` when it is absent or null.
    #[doc(hidden)]
    fn write_key_part_from(
        slot: usize,
        value: &AttributeValue,
        out: &mut String,
    ) -> Result<bool, Error>;

    /// The entity's primary key.
    fn key(&self) -> Self::Key;

    /// Whether the entity uses its `index`-th index layout by that layout's `when` (`true`
    /// for a layout without one).
    #[doc(hidden)]
    fn in_index(&self, index: usize) -> bool {
        let _ = index;
        true
    }

    /// Whether `value` decodes as the field stored as `attribute` (raw updates check the
    /// whole fields they set).
    #[doc(hidden)]
    fn check_field_value(attribute: &str, value: &AttributeValue) -> Result<(), Error> {
        let _ = (attribute, value);
        Ok(())
    }

    /// Sets every `#[dynamo(generated)]` field that is still unset to a new id.
    #[doc(hidden)]
    fn fill_generated(&mut self) {}

    /// The first `#[dynamo(generated)]` field that is still unset.
    #[doc(hidden)]
    fn unset_generated(&self) -> Option<&'static str> {
        None
    }

    /// As [`Entity::in_index`], from the value an update sets for the `when` field
    /// (`None`: removed).
    #[doc(hidden)]
    fn in_index_from(index: usize, value: Option<&AttributeValue>) -> Result<bool, Error> {
        let _ = (index, value);
        Ok(true)
    }

    /// The current time for the `created_at`/`updated_at` field stored as `attribute`.
    #[doc(hidden)]
    fn timestamp_now(attribute: &str) -> Result<AttributeValue, Error> {
        Err(Error::invalid_for(
            Self::SCHEMA.name,
            InvalidInputKind::NotSupported,
            format!("`{attribute}` is not a timestamp field"),
        ))
    }

    /// The expiry of the `ttl` field, in epoch seconds.
    #[doc(hidden)]
    fn ttl_seconds(&self) -> Option<i64> {
        None
    }

    /// The expiry of the `ttl` field from the attribute value an update sets.
    #[doc(hidden)]
    fn ttl_seconds_from(value: &AttributeValue) -> Result<Option<i64>, Error> {
        let _ = value;
        Ok(None)
    }

    /// Decodes an item stored in earlier shape `shape` and upgrades it, step by step, to
    /// this one (generated with `#[dynamo(shapes(..))]`).
    #[doc(hidden)]
    fn decode_shape(shape: u32, item: Item) -> Result<Self, Error> {
        let _ = item;
        Err(Error::Shape {
            entity: Self::SCHEMA.name,
            stored: shape,
            current: Self::SCHEMA.shape,
        })
    }

    /// Appends the key encoding of unique field `index`; `false` when it is `None`.
    #[doc(hidden)]
    fn write_unique(&self, index: usize, out: &mut String) -> Result<bool, KeyError> {
        let _ = (index, out);
        Ok(false)
    }

    /// As [`Entity::write_unique`], from the attribute value an update sets.
    #[doc(hidden)]
    fn write_unique_from(
        index: usize,
        value: &AttributeValue,
        out: &mut String,
    ) -> Result<bool, Error> {
        let _ = (index, value, out);
        Ok(false)
    }
}

/// The typed primary key of an entity, generated by `#[derive(Entity)]` as `<Name>Key`
/// with one public field per field of the primary-key templates.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the key of a dynamorm entity",
    note = "use the `<Entity>Key` struct that `#[derive(Entity)]` generates, or `entity.key()`"
)]
pub trait EntityKey: Send + Sync + Sized {
    /// The entity this key addresses.
    type Entity: Entity<Key = Self>;

    /// Appends the key encoding of the primary-key field in `slot`.
    #[doc(hidden)]
    fn write_key_part(&self, slot: usize, out: &mut String) -> Result<bool, KeyError>;

    /// Builds the key from the encoded parts of a stored key, by slot.
    #[doc(hidden)]
    fn from_parts(parts: &[Option<&str>]) -> Result<Self, KeyError>;

    /// Renders the key attributes (partition key, and sort key if the table has one).
    fn render(&self) -> Result<PrimaryKey, KeyError> {
        render_primary_key(&Self::Entity::SCHEMA, &mut |slot, out| {
            self.write_key_part(slot, out)
        })
    }

    /// Parses stored key attribute values back into the typed key.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "ORG#{org}", sk = "USER#{id}")]
    /// # pub struct User { org: String, id: u32 }
    /// use dynamorm::EntityKey;
    /// let key = UserKey::parse("ORG#a%23b", Some("USER#0000000007")).unwrap();
    /// assert_eq!(key, UserKey { org: "a#b".into(), id: 7 });
    /// assert!(UserKey::parse("ORG#a", Some("USER#x")).is_err());
    /// ```
    fn parse(partition_key: &str, sort_key: Option<&str>) -> Result<Self, KeyError> {
        let schema = &Self::Entity::SCHEMA;
        let mut parts: Vec<Option<&str>> = vec![None; schema.key_fields.len()];
        schema.partition_key.split(partition_key, &mut parts)?;
        match (&schema.sort_key, sort_key) {
            (Some(t), Some(sk)) => t.split(sk, &mut parts)?,
            (None, None) => {}
            (Some(t), None) => {
                return Err(KeyError::Mismatch {
                    key: crate::Redacted::text(String::new()),
                    template: t.source(),
                });
            }
            (None, Some(sk)) => {
                return Err(KeyError::Mismatch {
                    key: crate::Redacted::text(sk.to_owned()),
                    template: "",
                });
            }
        }
        Self::from_parts(&parts)
    }
}
