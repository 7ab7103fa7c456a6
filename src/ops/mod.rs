//! The single-item operations: one builder per file, each ending in `.send().await`.

mod delete;
mod get;
mod put;
mod update;

pub use delete::Delete;
pub use get::Get;
pub use put::Put;
pub use update::Update;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Error;
use crate::entity::Entity;
use crate::error::ConditionFailed;
use crate::expr::{Node, Placeholders};
use crate::item::Item;
use crate::table::Table;

/// `discriminator = E` — the guard that keeps a keyed write on its own entity type.
pub(crate) fn is_entity<E: Entity>() -> Node {
    Node::Equals(
        <E::Table as Table>::SCHEMA.discriminator(),
        AttributeValue::S(E::SCHEMA.name.to_owned()),
    )
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

/// Classifies a failed condition using the item as it was (`ALL_OLD` on failure).
pub(crate) fn condition_failed<E: Entity>(old: Option<Item>, keep_old: bool) -> Error {
    let Some(old) = old else {
        return Error::NotFound {
            entity: E::SCHEMA.name,
        };
    };
    let attribute = <E::Table as Table>::SCHEMA.discriminator();
    match old.get(attribute) {
        Some(AttributeValue::S(found)) if found == E::SCHEMA.name => {
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
    let mut text = String::new();
    node.render(p, &mut text)?;
    Ok(text)
}
