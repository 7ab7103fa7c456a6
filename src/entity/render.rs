//! The non-generic half of `to_item`: given an entity's serde fields as an item, render its
//! primary and index keys, discriminator, TTL and `updated_at` into it, and check its size.

use aws_sdk_dynamodb::types::AttributeValue;

use super::def::{Def, EntityValue};
use super::key::render_required;
use super::primary_key::PrimaryKey;
use super::schema::EntityIndex;
use crate::item::{self, Item};
use crate::key::{self, KeyError};
use crate::{Error, InvalidInputKind};

/// Refuses an entity whose `#[dynamo(generated)]` id is unset: one shared placeholder would
/// be stored as every item's key.
pub(crate) fn check_generated(def: &Def, entity: &dyn EntityValue) -> Result<(), Error> {
    match entity.unset_generated() {
        Some(field) => Err(Error::invalid_for(
            def.name(),
            InvalidInputKind::UnsetGeneratedId,
            format!(
                "`{}.{field}` is a generated id that is still unset: write it with \
                 `db.insert(..)`, which makes one, or set it (`TimeId::new()`)",
                def.name()
            ),
        )),
        None => Ok(()),
    }
}

/// Room for the attributes `finish_item` adds: the primary key (2), every index key (2
/// each), the discriminator, the shape, the ttl and `updated_at`, so the map is allocated
/// once.
pub(crate) fn reserve(def: &Def) -> usize {
    6 + 2 * def.schema.indexes.len()
}

/// Adds the key attributes, discriminator, TTL and (with `stamp`) the `updated_at` of this
/// write to `item`, the entity's serde fields. An index template reading `updated_at` is
/// rendered from the same time the attribute stores.
pub(crate) fn finish_item(
    def: &Def,
    entity: &dyn EntityValue,
    mut item: Item,
    stamp: bool,
) -> Result<Item, Error> {
    let schema = def.schema;
    let table = def.table;
    let now = match (stamp, schema.updated_at) {
        (true, Some(attribute)) => Some((attribute, (def.timestamp_now)(attribute)?)),
        _ => None,
    };
    let now_part = match &now {
        Some((attribute, value)) => match schema.key_slot(attribute) {
            Some(slot) => {
                let mut encoded = String::new();
                (def.write_key_part_from)(slot, value, &mut encoded)?;
                Some((slot, encoded))
            }
            None => None,
        },
        None => None,
    };
    let write = |slot: usize, out: &mut String| match &now_part {
        Some((now_slot, encoded)) if *now_slot == slot => {
            out.push_str(encoded);
            Ok(true)
        }
        _ => entity.write_key_part(slot, out),
    };
    let pk = render_required(&schema.partition_key, write)?;
    let sk = match &schema.sort_key {
        Some(t) => Some(render_required(t, write)?),
        None => None,
    };
    let key = PrimaryKey::checked(pk, sk)?;
    use AttributeValue as V;
    item.insert(table.partition_key().to_owned(), V::S(key.partition_key));
    if let (Some(attr), Some(sk)) = (table.sort_key(), key.sort_key) {
        item.insert(attr.to_owned(), V::S(sk));
    }
    render_index_keys(def, entity, &write, &mut item)?;
    if !schema.multi_indexes.is_empty() || !table.vector_indexes().is_empty() {
        crate::multi::check_item(table, &mut item)?;
    }
    item.insert(
        table.discriminator().to_owned(),
        V::S(schema.name.to_owned()),
    );
    super::shape::stamp(schema, &mut item);
    if let (Some(attribute), Some(seconds)) = (table.ttl(), entity.ttl_seconds()) {
        item.insert(attribute.to_owned(), V::N(seconds.to_string()));
    }
    if let Some((attribute, value)) = now {
        item.insert(attribute.to_owned(), value);
    }
    let size = item::item_size(&item);
    if size > item::MAX_ITEM_BYTES {
        return Err(Error::ItemTooLarge {
            entity: schema.name,
            size,
            max: item::MAX_ITEM_BYTES,
        });
    }
    Ok(item)
}

/// Each item uses the first layout of an index whose `when` holds; with none, it gets no
/// keys, so it is not in the index (sparse).
fn render_index_keys(
    def: &Def,
    entity: &dyn EntityValue,
    write: &impl Fn(usize, &mut String) -> Result<bool, KeyError>,
    item: &mut Item,
) -> Result<(), Error> {
    let schema = def.schema;
    for (i, index) in schema.indexes.iter().enumerate() {
        if !entity.in_index(i)
            || (schema.layered && first_layout(schema.indexes, i, |j| entity.in_index(j)) != i)
        {
            continue;
        }
        if let Some((pk, sk)) = render_index(index, write)? {
            let (pk_attr, sk_attr) = index.key_attributes()?;
            item.insert(pk_attr.to_owned(), AttributeValue::S(pk));
            if let (Some(attr), Some(sk)) = (sk_attr, sk) {
                item.insert(attr.to_owned(), AttributeValue::S(sk));
            }
        }
    }
    Ok(())
}

/// The layout of `layouts[i]`'s index an item uses: the first whose `when` holds by
/// `applies` (`i` itself when none before it does). No allocation: encoding is hot.
fn first_layout(
    layouts: &[EntityIndex],
    i: usize,
    mut applies: impl FnMut(usize) -> bool,
) -> usize {
    let name = layouts[i].index.name();
    (0..i)
        .find(|&j| layouts[j].index.name() == name && applies(j))
        .unwrap_or(i)
}

/// Renders an index's key values; `None` when a template field is absent (sparse).
pub(crate) fn render_index<F>(
    index: &EntityIndex,
    mut part: F,
) -> Result<Option<(String, Option<String>)>, Error>
where
    F: FnMut(usize, &mut String) -> Result<bool, KeyError>,
{
    let Some(pk) = index.partition_key.render_with(&mut part)? else {
        return Ok(None);
    };
    key::check_len(index.key_attributes()?.0, &pk, key::MAX_PARTITION_KEY_BYTES)?;
    let sk = match &index.sort_key {
        Some(t) => match t.render_with(&mut part)? {
            Some(sk) => {
                key::check_len("index sort key", &sk, key::MAX_SORT_KEY_BYTES)?;
                Some(sk)
            }
            None => return Ok(None),
        },
        None => None,
    };
    Ok(Some((pk, sk)))
}
