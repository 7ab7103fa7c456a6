//! What one scanned item needs, decided without sending anything: its keys re-rendered
//! with the current templates, compared with the stored ones, and the guard that the item
//! is still as read when the change is written.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::entity::{EntitySchema, PrimaryKey};
use crate::expr::{Node, all};
use crate::item::Item;
use crate::registry::Registry;
use crate::table::{Table, TableSchema};
use crate::{Error, InvalidInputKind};

/// What to do with one item.
pub(super) enum Decision {
    /// Nothing: a library item, another entity type than asked for, or keys up to date.
    Skip,
    /// The item cannot be migrated.
    Fail(Option<PrimaryKey>, Error),
    /// Its keys changed.
    Change(Change),
}

/// A key change of one item.
pub(super) struct Change {
    pub(super) discriminator: String,
    /// The item as the current templates render it.
    pub(super) rendered: Item,
    /// Key attributes whose stored value differs from the rendered one.
    pub(super) changed: Vec<&'static str>,
    /// Whether the primary key changed (a move) or only index keys (an update in place).
    pub(super) moves: bool,
    pub(super) entity: Option<&'static EntitySchema>,
    /// Every key attribute the migration maintains (with retired ones).
    pub(super) keys: Vec<&'static str>,
    /// The item is stored in an earlier shape: the whole item is rewritten as `rendered`.
    pub(super) reshape: bool,
}

/// The table's key attributes (primary and every template index), and the `retired` ones
/// an earlier design wrote (which the current one renders as absent, so they are removed).
pub(crate) fn all_key_attributes(t: &TableSchema, retired: &[&'static str]) -> Vec<&'static str> {
    let mut out = vec![t.partition_key()];
    out.extend(retired);
    out.extend(t.sort_key());
    // A multi-attribute index's keys are fields the item already has: nothing to render.
    for (pk, sk) in t.indexes().iter().filter_map(|i| i.template_keys()) {
        out.push(pk);
        out.extend(sk);
    }
    out
}

/// The primary-key attributes of an item.
pub(super) fn key_attributes<R: Registry>(item: &Item) -> Item {
    let t = &<R::Table as Table>::SCHEMA;
    [Some(t.partition_key()), t.sort_key()]
        .into_iter()
        .flatten()
        .filter_map(|a| item.get(a).map(|v| (a.to_owned(), v.clone())))
        .collect()
}

/// Decides what `item` needs under registry `R`'s current templates.
pub(super) fn decide<R: Registry>(
    item: &Item,
    only: Option<&str>,
    retired: &[&'static str],
) -> Decision {
    let table = &<R::Table as Table>::SCHEMA;
    let discriminator = match item.get(table.discriminator()) {
        Some(AttributeValue::S(d)) => d.clone(),
        _ => {
            return Decision::Fail(
                crate::entity::key_from(item, table),
                Error::MissingDiscriminator {
                    attribute: table.discriminator(),
                },
            );
        }
    };
    if crate::write::internal::is_internal(&discriminator)
        || only.is_some_and(|o| o != discriminator)
    {
        return Decision::Skip;
    }
    let key = || crate::entity::key_from(item, table);
    let rendered = match R::from_item(item.clone()).and_then(|decoded| decoded.to_stored_item()) {
        Ok(rendered) => rendered,
        Err(error) => return Decision::Fail(key(), error),
    };
    let mut keys = all_key_attributes(table, retired);
    // A multi-attribute index's attributes are fields, rendered as stored — except a `NULL`
    // an earlier design wrote for `None`, which the index would refuse: comparing them
    // turns such a `NULL` into a `REMOVE` (and keeps it out of a moved copy).
    if let Some(entity) = R::entity(&discriminator) {
        for index in entity.multi_indexes {
            if let Some((partition, sort)) = index.multi_keys() {
                for a in partition.iter().chain(sort) {
                    if !keys.contains(&a.name) {
                        keys.push(a.name);
                    }
                }
            }
        }
    }
    let changed: Vec<&'static str> = keys
        .iter()
        .copied()
        .filter(|a| item.get(*a) != rendered.get(*a))
        .collect();
    let entity = R::entity(&discriminator);
    let reshape = entity.is_some_and(|e| crate::entity::is_earlier(e, item));
    if changed.is_empty() && !reshape {
        return Decision::Skip;
    }
    let moves = changed
        .iter()
        .any(|a| *a == table.partition_key() || Some(*a) == table.sort_key());
    if moves && entity.is_some_and(|e| !e.unique.is_empty()) {
        // Its sentinels name the owner's key: a move would leave them naming the old one.
        return Decision::Fail(
            key(),
            Error::invalid(
                InvalidInputKind::NotSupported,
                "moving the primary key of an entity with unique fields is not supported: \
                 its unique-value sentinels name the old key",
            ),
        );
    }
    Decision::Change(Change {
        entity,
        discriminator,
        rendered,
        changed,
        moves,
        keys,
        reshape,
    })
}

/// The guard of an index-key update in place: every key attribute, the fields the
/// templates read and the version are as read. Other attributes may change meanwhile —
/// the update writes only key attributes, so it cannot lose those writes.
pub(super) fn keys_unchanged(item: &Item, table: &TableSchema, change: &Change) -> Option<Node> {
    let entity = change.entity;
    let mut guarded = change.keys.clone();
    guarded.push(table.discriminator());
    if let Some(e) = entity {
        guarded.extend(e.key_fields.iter().map(|k| k.attribute));
        guarded.extend(e.version);
    }
    guarded.sort_unstable();
    guarded.dedup();
    all(guarded.into_iter().map(|a| match item.get(a) {
        Some(v) => Node::Equals(a, v.clone()),
        None => Node::Exists(a, false),
    }))
}

/// The guard of a move: the whole item is as read — every stored attribute has its value,
/// and every attribute the entity declares (or the table maintains) that was absent is
/// still absent. A move copies the item, so any concurrent write must make it fail.
pub(super) fn item_unchanged(item: &Item, table: &TableSchema, change: &Change) -> Option<Node> {
    let mut declared: Vec<&'static str> = change.keys.clone();
    declared.extend(table.ttl());
    declared.push(crate::SHAPE_ATTRIBUTE);
    if let Some(e) = change.entity {
        declared.extend(e.attributes.iter().copied());
    }
    crate::write::guard::item_as_read(item, declared)
}
