//! The guards the library puts on writes, composed with the caller's condition in one
//! place so that every path carries the same ones.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::entity::Def;
use crate::expr::{Node, all, one_of, or};
use crate::item::Item;

/// What a write may find stored at its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    /// Nothing (`create`, a first version, a put planned from a read that found nothing).
    Absent,
    /// Nothing, or an item of the same entity type (`put`, an unconditional `delete`).
    AbsentOrSame,
    /// An item of the same entity type (`update`, a conditional `delete`, a check).
    Same,
}

/// Who a guard is for: the attributes it names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    pub(crate) entity: &'static str,
    pub(crate) discriminator: &'static str,
    pub(crate) partition_key: &'static str,
    pub(crate) sort_key: Option<&'static str>,
    /// The entity type's current shape version (`None`: writes of no declared type).
    pub(crate) shape: Option<u32>,
    /// The oldest shape the entity type still reads (its current one without `shapes`).
    pub(crate) oldest_shape: u32,
}

impl Target {
    pub(crate) fn of(def: &Def) -> Self {
        Self {
            shape: Some(def.schema.shape),
            oldest_shape: def.schema.oldest_shape,
            ..Self::raw(def.name(), def.table)
        }
    }

    /// Writes of no declared entity type on table `schema` (sentinels, migration moves).
    pub(crate) fn raw(entity: &'static str, schema: &crate::TableSchema) -> Self {
        Self {
            entity,
            discriminator: schema.discriminator(),
            partition_key: schema.partition_key(),
            sort_key: schema.sort_key(),
            shape: None,
            oldest_shape: 1,
        }
    }

    /// The key as the attribute map DynamoDB expects.
    pub(crate) fn key_item(&self, key: &crate::PrimaryKey) -> Item {
        self.key_item_from(key.clone())
    }

    /// [`key_item`](Self::key_item) from an owned key (no string copies on the request path).
    pub(crate) fn key_item_from(&self, key: crate::PrimaryKey) -> Item {
        let mut item = Item::with_capacity(2);
        item.insert(
            self.partition_key.to_owned(),
            AttributeValue::S(key.partition_key),
        );
        if let (Some(attribute), Some(sk)) = (self.sort_key, key.sort_key) {
            item.insert(attribute.to_owned(), AttributeValue::S(sk));
        }
        item
    }

    /// `discriminator = entity`.
    pub(crate) fn is_same(&self) -> Node {
        Node::IsType(self.discriminator, self.entity)
    }

    /// The stored item is in the current shape: `_shape = N`, or no `_shape` for shape 1.
    pub(crate) fn is_current_shape(&self) -> Option<Node> {
        let shape = self.shape?;
        Some(if shape > 1 {
            Node::Equals(crate::SHAPE_ATTRIBUTE, version::number(u64::from(shape)))
        } else {
            Node::Exists(crate::SHAPE_ATTRIBUTE, false)
        })
    }

    /// The stored item is in a shape this binary decodes — one of the versions from the
    /// oldest it still reads to the current, exactly (never a malformed, retired or newer
    /// `_shape`): `_shape IN (oldest, .., N)`, or no `_shape` while shape 1 is read.
    pub(crate) fn is_known_shape(&self) -> Option<Node> {
        let shape = self.shape?;
        let oldest = self.oldest_shape.clamp(1, shape);
        let versions = (oldest..=shape)
            .map(|v| version::number(u64::from(v)))
            .collect();
        let stamped = one_of(crate::SHAPE_ATTRIBUTE, versions);
        Some(if oldest == 1 {
            or(Node::Exists(crate::SHAPE_ATTRIBUTE, false), stamped)
        } else {
            stamped
        })
    }

    /// `attribute_not_exists(pk)`.
    pub(crate) fn is_absent(&self) -> Node {
        Node::Exists(self.partition_key, false)
    }
}

/// Every condition one write carries, before rendering.
#[derive(Debug)]
pub(crate) struct Guards {
    pub(crate) presence: Presence,
    /// The version the stored item must have, or that it is below the maximum.
    pub(crate) version: Option<Node>,
    /// The stored unique values are still the ones read.
    pub(crate) unique: Option<Node>,
    /// The caller's condition.
    pub(crate) user: Option<Node>,
    /// The write reads the stored item's fields (an update).
    pub(crate) reads_fields: bool,
    /// The write returns the stored item, decoded (a delete).
    pub(crate) returns_item: bool,
}

/// The shapes a write accepts the stored item in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShapeRule {
    /// Any: the write replaces the item whatever it holds (a put).
    Any,
    /// The current one: the write reads the item's fields.
    Current,
    /// The current one or an earlier one: the write returns the item, which must decode
    /// (a newer shape is a newer binary's, refused before anything changes).
    Known,
}

impl Guards {
    pub(crate) fn new(presence: Presence) -> Self {
        Self {
            presence,
            version: None,
            unique: None,
            user: None,
            reads_fields: false,
            returns_item: false,
        }
    }

    /// The shapes the write accepts. One that depends on the stored item's fields — an
    /// update, a caller's condition, an expected version — requires the current shape: an
    /// earlier shape's field names would be misread or written beside the current ones. One
    /// that returns
    /// the item (a delete) requires a shape this binary can decode, so that it never
    /// removes an item and then fails to return it. A put replaces the item whatever its
    /// shape.
    pub(crate) fn shape_rule(&self) -> ShapeRule {
        if self.reads_fields || self.user.is_some() || self.version.is_some() {
            ShapeRule::Current
        } else if self.returns_item {
            ShapeRule::Known
        } else {
            ShapeRule::Any
        }
    }

    /// The whole condition: `presence AND version AND unique AND (user)`, where presence
    /// includes the [shape rule](Self::shape_rule). Each operand is a grouped subtree, so
    /// the caller's condition cannot weaken the library's.
    pub(crate) fn into_node(self, target: &Target) -> Node {
        let shape = match self.shape_rule() {
            ShapeRule::Any => None,
            ShapeRule::Current => target.is_current_shape(),
            ShapeRule::Known => target.is_known_shape(),
        };
        let same = crate::expr::and(target.is_same(), shape);
        let presence = match self.presence {
            Presence::Absent => target.is_absent(),
            Presence::AbsentOrSame => or(target.is_absent(), same),
            Presence::Same => same,
        };
        let rest = all([self.version, self.unique, self.user].into_iter().flatten());
        crate::expr::and(presence, rest)
    }
}

/// The guard of a write that replaces an item with a rewritten copy (a migration's move, a
/// shape repair): the whole item is as read — every stored attribute has its value, and
/// each `declared` attribute (what the entity and the table may store) that was absent is
/// still absent. Any concurrent write makes it fail.
pub(crate) fn item_as_read(item: &Item, mut declared: Vec<&'static str>) -> Option<Node> {
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    let present = names
        .into_iter()
        .map(|name| Node::Stored(name.clone().into(), item[name].clone()));
    declared.sort_unstable();
    declared.dedup();
    let absent = declared
        .into_iter()
        .filter(|a| !item.contains_key(*a))
        .map(|a| Node::Exists(a, false));
    all(present.chain(absent))
}

/// Optimistic locking, in one place: what a write expects, and what it stores next.
pub(crate) mod version {
    use super::*;

    /// `version = expected`.
    pub(crate) fn is(attribute: &'static str, expected: u64) -> Node {
        Node::Equals(attribute, number(expected))
    }

    /// `attribute_not_exists(version) OR version < max`: an increment stays in range.
    pub(crate) fn below(attribute: &'static str, max: u64) -> Node {
        or(
            Node::Exists(attribute, false),
            crate::expr::less_than(attribute, number(max)),
        )
    }

    /// The version after `current`, or [`Error::VersionExhausted`] when the field's type
    /// cannot hold it (nothing is sent).
    /// The version stored in `item` under `attribute`, if it is a number.
    pub(crate) fn of(item: &Item, attribute: &str) -> Option<u64> {
        match item.get(attribute) {
            Some(AttributeValue::N(n)) => n.parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn number(n: u64) -> AttributeValue {
        AttributeValue::N(itoa::Buffer::new().format(n).to_owned())
    }
}
