//! The single-item operations: one builder per file, each ending in `.send().await`.

mod delete;
mod get;
mod put;
mod update;

pub use delete::Delete;
pub use get::Get;
pub use put::Put;
pub use update::Update;

pub(crate) use put::unique_failure;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Error;
use crate::entity::Entity;
use crate::error::ConditionFailed;
use crate::expr::{Node, Placeholders};
use crate::item::Item;
use crate::table::Table;

/// A write rendered for DynamoDB — what `send` and transactions both need.
#[derive(Debug, Clone)]
pub(crate) struct Rendered {
    pub(crate) entity: &'static str,
    pub(crate) key: crate::entity::PrimaryKey,
    pub(crate) condition: Option<String>,
    pub(crate) names: Option<crate::expr::Names>,
    pub(crate) values: Option<crate::expr::Values>,
    pub(crate) keep_old: bool,
    /// `create`: a failed condition with an existing item means "already exists".
    pub(crate) create: bool,
    /// The version the write expects to find (optimistic locking).
    pub(crate) expected_version: Option<u64>,
}

/// `discriminator = E` — the guard that keeps a keyed write on its own entity type.
pub(crate) fn is_entity<E: Entity>() -> Node {
    Node::IsType(<E::Table as Table>::SCHEMA.discriminator(), E::SCHEMA.name)
}

/// `attribute_exists(pk)` or its negation.
pub(crate) fn exists<E: Entity>(exists: bool) -> Node {
    Node::Exists(<E::Table as Table>::SCHEMA.partition_key(), exists)
}

pub(crate) fn and(a: Node, b: Option<Node>) -> Node {
    match b {
        Some(b) => Node::And(Box::new(a), Box::new(b)),
        None => a,
    }
}

/// `existing AND node`, or just `node` (conditions given twice are combined with `and`).
pub(crate) fn also(existing: Option<Node>, node: Node) -> Node {
    match existing {
        Some(c) => Node::And(Box::new(c), Box::new(node)),
        None => node,
    }
}

/// Classifies a failed condition using the item as it was (`ALL_OLD` on failure).
pub(crate) fn condition_failed<E: Entity>(
    old: Option<Item>,
    keep_old: bool,
    expected_version: Option<u64>,
) -> Error {
    let Some(old) = old else {
        return match expected_version {
            Some(expected) if expected > 0 => Error::VersionConflict {
                entity: E::SCHEMA.name,
                expected,
                found: None,
            },
            _ => Error::NotFound {
                entity: E::SCHEMA.name,
            },
        };
    };
    let attribute = <E::Table as Table>::SCHEMA.discriminator();
    match old.get(attribute) {
        Some(AttributeValue::S(found)) if found == E::SCHEMA.name => {
            if let (Some(expected), Some(version_attr)) = (expected_version, E::SCHEMA.version) {
                let found = crate::lifecycle::version_of(&old, version_attr);
                if found != Some(expected) {
                    return Error::VersionConflict {
                        entity: E::SCHEMA.name,
                        expected,
                        found,
                    };
                }
            }
            Error::ConditionFailed(Box::new(ConditionFailed::new(
                E::SCHEMA.name,
                keep_old.then_some(old),
            )))
        }
        Some(AttributeValue::S(found)) => Error::WrongEntity {
            expected: E::SCHEMA.name,
            found: found.clone(),
        },
        _ => Error::MissingDiscriminator { attribute },
    }
}

/// Renders a condition into expression text and placeholder maps.
pub(crate) fn render(node: &Node, p: &mut Placeholders) -> Result<String, Error> {
    // Sized for a guard and a short condition, so it is rarely regrown.
    let mut text = String::with_capacity(64);
    node.render(p, &mut text)?;
    Ok(text)
}
