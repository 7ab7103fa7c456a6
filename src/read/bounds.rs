//! [`KeyBounds`]: the positions a read could have produced, as plain data — its key
//! attributes with their types and DynamoDB's length limits, and what its key condition
//! says of their values. A cursor is checked against them before anything is sent, so a
//! cursor the read could not have written is an [`Error::InvalidCursor`] in the library,
//! not a `ValidationException` from (or a silently different read on) the server.

use std::cmp::Ordering;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Error;
use crate::item::Item;
use crate::key::{MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES};
use crate::table::{IndexAttribute, IndexSchema, ScalarType, TableSchema};

/// A key attribute a position holds.
#[derive(Debug, Clone, PartialEq)]
struct Attribute {
    name: &'static str,
    scalar: ScalarType,
    /// DynamoDB's limit on its values, in bytes (2,048 in a partition key, 1,024 in a sort
    /// key; the smaller where one attribute is both).
    max: usize,
}

/// What a key condition says of one attribute's value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bound {
    Eq(AttributeValue),
    Lt(AttributeValue),
    Le(AttributeValue),
    Gt(AttributeValue),
    Ge(AttributeValue),
    /// Inclusive.
    Between(AttributeValue, AttributeValue),
    BeginsWith(AttributeValue),
}

impl Bound {
    /// `" < "` and the like, as multi-attribute conditions spell their operators.
    pub(crate) fn compare(op: &str, value: AttributeValue) -> Option<Self> {
        Some(match op.trim() {
            "=" => Self::Eq(value),
            "<" => Self::Lt(value),
            "<=" => Self::Le(value),
            ">" => Self::Gt(value),
            ">=" => Self::Ge(value),
            _ => return None,
        })
    }

    fn holds(&self, value: &AttributeValue) -> bool {
        let order = |bound: &AttributeValue| crate::multi::key_order(value, bound);
        let is =
            |bound: &AttributeValue, ok: &[Ordering]| order(bound).is_some_and(|o| ok.contains(&o));
        use Ordering::{Equal, Greater, Less};
        match self {
            Self::Eq(v) => is(v, &[Equal]),
            Self::Lt(v) => is(v, &[Less]),
            Self::Le(v) => is(v, &[Less, Equal]),
            Self::Gt(v) => is(v, &[Greater]),
            Self::Ge(v) => is(v, &[Greater, Equal]),
            Self::Between(low, high) => is(low, &[Greater, Equal]) && is(high, &[Less, Equal]),
            Self::BeginsWith(prefix) => match (value, prefix) {
                (AttributeValue::S(v), AttributeValue::S(p)) => v.starts_with(p.as_str()),
                (AttributeValue::B(v), AttributeValue::B(p)) => v.as_ref().starts_with(p.as_ref()),
                _ => false,
            },
        }
    }
}

/// The positions a read could have produced (see the module docs).
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyBounds {
    /// Sorted by name: the order a cursor lists them in.
    attributes: Vec<Attribute>,
    conditions: Vec<(&'static str, Bound)>,
    /// A sharded partition: the attribute that holds each shard's key, and the keys.
    shards: Option<(&'static str, Vec<String>)>,
    /// The attribute a sharded partition's items are merged by.
    merged_by: Option<&'static str>,
}

impl KeyBounds {
    /// The key attributes of a read of `table`, or of its `index`: the table's keys, and
    /// the index's (DynamoDB's `LastEvaluatedKey` of an index read holds both).
    pub(crate) fn of(table: &TableSchema, index: Option<&IndexSchema>) -> Self {
        let mut bounds = Self::default();
        bounds.add(
            table.partition_key(),
            ScalarType::S,
            MAX_PARTITION_KEY_BYTES,
        );
        if let Some(sk) = table.sort_key() {
            bounds.add(sk, ScalarType::S, MAX_SORT_KEY_BYTES);
        }
        if let Some(index) = index {
            let roles = index.key_elements();
            for (a, (_, partition)) in index.key_attributes().iter().zip(roles) {
                let max = if partition {
                    MAX_PARTITION_KEY_BYTES
                } else {
                    MAX_SORT_KEY_BYTES
                };
                bounds.add(a.name, a.scalar, max);
            }
        }
        bounds.attributes.sort_by_key(|a| a.name);
        bounds
    }

    fn add(&mut self, name: &'static str, scalar: ScalarType, max: usize) {
        match self.attributes.iter_mut().find(|a| a.name == name) {
            Some(known) => known.max = known.max.min(max),
            None => self.attributes.push(Attribute { name, scalar, max }),
        }
    }

    /// The key condition says `bound` of `attribute`.
    pub(crate) fn require(&mut self, attribute: &'static str, bound: Bound) {
        self.conditions.push((attribute, bound));
    }

    /// Shard `n` of the read is the partition whose `attribute` is `keys[n]`; the shards'
    /// items are merged in the order of `sort` (none: one item per shard).
    pub(crate) fn sharded(
        &mut self,
        attribute: &'static str,
        keys: Vec<String>,
        sort: Option<&'static str>,
    ) {
        self.shards = Some((attribute, keys));
        self.merged_by = sort;
    }

    /// Checks the sort key of a merged read's mark: one the read's sort attribute can hold
    /// and its key condition allows (none where the read has no sort attribute).
    pub(crate) fn check_sort(&self, sort: Option<&str>) -> Result<(), Error> {
        let attribute = self
            .merged_by
            .and_then(|name| self.attributes.iter().find(|a| a.name == name));
        match (attribute, sort) {
            (None, None) => Ok(()),
            (Some(attribute), Some(sort)) => {
                let value = AttributeValue::S(sort.to_owned());
                check_value(attribute, &value)?;
                let allowed = self
                    .conditions
                    .iter()
                    .filter(|(name, _)| *name == attribute.name)
                    .all(|(_, bound)| bound.holds(&value));
                if allowed {
                    Ok(())
                } else {
                    Err(invalid("its position is outside the read's key condition"))
                }
            }
            _ => Err(invalid("a mark that does not fit the read's sort key")),
        }
    }

    /// How many key attributes a position holds.
    pub(crate) fn attribute_count(&self) -> usize {
        self.attributes.len()
    }

    /// The most bytes a position of this read can take in a cursor.
    pub(crate) fn max_position_bytes(&self) -> usize {
        1 + self
            .attributes
            .iter()
            .map(|a| 2 + a.name.len() + 1 + 2 + a.max)
            .sum::<usize>()
    }

    /// The declared type of `name`, when it is one of the read's key attributes; the
    /// cursor reader refuses any other name as it meets it.
    pub(crate) fn scalar(&self, name: &str) -> Option<ScalarType> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.scalar)
    }

    /// Checks a position of shard `shard` (`0` for an unsharded read): exactly the key
    /// attributes, each of its type and within its length limit, and every condition of
    /// the key condition holding.
    pub(crate) fn check(&self, key: &Item, shard: usize) -> Result<(), Error> {
        if key.len() != self.attributes.len() {
            return Err(invalid(
                "it does not hold exactly the key attributes of the read",
            ));
        }
        for attribute in &self.attributes {
            let Some(value) = key.get(attribute.name) else {
                return Err(invalid(
                    "it does not hold exactly the key attributes of the read",
                ));
            };
            check_value(attribute, value)?;
        }
        for (name, bound) in &self.conditions {
            if self.shards.as_ref().is_some_and(|(a, _)| a == name) {
                continue;
            }
            if !key.get(*name).is_some_and(|v| bound.holds(v)) {
                return Err(invalid("its position is outside the read's key condition"));
            }
        }
        if let Some((attribute, keys)) = &self.shards {
            let own = keys.get(shard).map(|k| AttributeValue::S(k.clone()));
            if own.is_none() || key.get(*attribute) != own.as_ref() {
                return Err(invalid("its position is in another shard's partition"));
            }
        }
        Ok(())
    }
}

/// A key value of the attribute's type, not empty, within its length limit (numbers: one
/// DynamoDB accepts) — the check a multi-attribute key condition's values pass.
fn check_value(attribute: &Attribute, value: &AttributeValue) -> Result<(), Error> {
    let declared = IndexAttribute::new(attribute.name, attribute.scalar);
    match crate::multi::check_value("", &declared, attribute.max, value) {
        Ok(true) => Ok(()),
        Ok(false) | Err(_) => Err(invalid(
            "a key value of another type than the read's, empty, or longer than DynamoDB allows",
        )),
    }
}

fn invalid(reason: &'static str) -> Error {
    Error::InvalidCursor { reason }
}
