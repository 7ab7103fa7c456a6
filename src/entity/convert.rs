//! An entity and its item: encoding (serde, then the non-generic [`render`](super::render)
//! of keys and lifecycle attributes) and decoding (the type checked by the non-generic
//! [`Def`](super::Def), then serde) — the thin generic shells of every read and write.

use serde::de::DeserializeOwned;

use super::def::def;
use super::key::KeyParts;
use super::render;
use super::{Entity, EntityKey};
use crate::item::Item;
use crate::key::KeyError;
use crate::{EncodeError, Error};

/// The encoded parts of a typed primary key, by slot.
pub(crate) fn key_parts<K: EntityKey>(key: &K) -> Result<KeyParts, KeyError> {
    KeyParts::write(&K::Entity::SCHEMA, &mut |slot, out| {
        key.write_key_part(slot, out)
    })
}

/// Encodes an entity as a DynamoDB item: its serde fields, its rendered key attributes
/// (primary and index keys; an index whose template has a `None` field is left out, which
/// keeps the index sparse) and its discriminator. Fails, before anything is sent, when a
/// key cannot be rendered or the item exceeds 400 KB.
///
/// A `#[dynamo(updated_at)]` field is stored as the time of this call, and an index template
/// that reads it is rendered from that same time.
pub fn to_item<E: Entity>(entity: &E) -> Result<Item, Error> {
    encode_item(entity, true)
}

/// The item as stored, with the lifecycle values the entity carries (`updated_at` as read,
/// not now): what a migration compares a stored item with.
#[doc(hidden)]
pub fn to_stored_item<E: Entity>(entity: &E) -> Result<Item, Error> {
    encode_item(entity, false)
}

/// The serde half of `to_item`, generic; the rest is [`render::finish_item`].
fn encode_item<E: Entity>(entity: &E, stamp: bool) -> Result<Item, Error> {
    let def = def::<E>();
    render::check_generated(def, entity)?;
    let item = crate::encode::to_item(entity, render::reserve(def))
        .map_err(|e| Error::Encode(Box::new(EncodeError::new("an item", e).of(def.name()))))?;
    render::finish_item(def, entity, item, stamp)
}

/// Decodes an item into entity `E`, checking that its discriminator names `E`.
pub fn from_item<E: Entity>(item: Item) -> Result<E, Error> {
    decode(item)
}

pub(crate) fn decode<E: Entity>(item: Item) -> Result<E, Error> {
    def::<E>().check_type(&item)?;
    decode_as::<E>(item)
}

/// The serde half of [`decode`], for items whose type the core already checked: the
/// current shape straight through serde, an earlier one through its upgrade steps.
#[doc(hidden)]
pub fn decode_as<E: Entity>(mut item: Item) -> Result<E, Error> {
    // Taken out rather than looked up: serde then has one attribute fewer to skip.
    let stored = super::shape::shape_in(item.remove(crate::SHAPE_ATTRIBUTE).as_ref());
    match super::shape::check_stored(&E::SCHEMA, stored)? {
        super::shape::Stored::Current => decode_unchecked(E::SCHEMA.name, item),
        super::shape::Stored::Earlier(shape) => E::decode_shape(shape, item),
    }
}

/// An item of an earlier shape as the current shape stores it (`EntitySchema::reshape`).
#[doc(hidden)]
pub fn reshape<E: Entity>(item: Item) -> Result<Item, Error> {
    to_stored_item(&decode_as::<E>(item)?)
}

/// One upgrade step of a `shapes(..)` chain: `Next::try_from(value)`, a failure reported
/// as [`Error::Upgrade`] from shape `from`.
#[doc(hidden)]
pub fn upgrade<T, Next>(entity: &'static str, from: u32, value: T) -> Result<Next, Error>
where
    T: crate::UpgradeTo<Next>,
{
    value.upgrade().map_err(|source| Error::Upgrade {
        entity,
        from,
        source: crate::Redacted::labelled(source, "upgrade error"),
    })
}

/// Decodes without looking at the discriminator (the registry already did).
#[doc(hidden)]
pub fn decode_unchecked<E: DeserializeOwned>(entity: &'static str, item: Item) -> Result<E, Error> {
    crate::decode::from_item(item).map_err(|e| Error::Decode(Box::new(e.of(entity))))
}

impl crate::ConditionFailed {
    /// The item as it was when the condition failed, decoded, if the operation asked for it
    /// with `return_old_on_failure()` and the item existed.
    pub fn old<E: Entity>(&self) -> Option<Result<E, Error>> {
        self.old_item().cloned().map(decode::<E>)
    }
}

impl crate::error::cancel::CanceledAction {
    /// The item as it was, decoded, when the action asked for it with
    /// `return_old_on_failure()` and the item existed.
    pub fn old<E: Entity>(&self) -> Option<Result<E, Error>> {
        self.old
            .as_ref()
            .filter(|_| self.keep_old)
            .map(|old| decode::<E>(old.expose().clone()))
    }
}
