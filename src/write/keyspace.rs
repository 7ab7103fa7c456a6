//! Which entity types of a table can share a key with another type — what decides how a
//! batch may write them.
//!
//! BatchWriteItem carries no conditions, so a batch put or delete replaces or deletes
//! whatever is stored at its key. That is only safe for an entity type whose primary-key
//! templates cannot render a key that another type of the same table (or a unique-value
//! sentinel) can render. The table's declarations say which types exist: the [`Registry`]
//! a `Db` is given with [`Db::with_registry`](crate::Db::with_registry). Without one, the
//! library cannot know what else lives in the table, and every batch write is guarded —
//! whatever the binary happens to link.
//!
//! [`Registry`]: crate::Registry

use std::collections::HashSet;

use crate::client::KeySpace;
use crate::entity::EntitySchema;
use crate::key::{KeyTemplate, Segment};
use crate::report::keys_can_collide;

/// The key shape of unique-value sentinels: `_dynamorm.unique#<entity>#<field>#<value>` /
/// `_dynamorm.unique`.
const SENTINEL_PK: KeyTemplate = KeyTemplate::new(
    "_dynamorm.unique#{entity}#{field}#{value}",
    &[
        Segment::Literal(crate::write::internal::SENTINEL),
        Segment::part("entity", 0),
        Segment::part("field", 1),
        Segment::part("value", 2),
    ],
);
const SENTINEL_SK: KeyTemplate = KeyTemplate::new(
    "_dynamorm.unique",
    &[Segment::Literal(crate::write::internal::SENTINEL)],
);

/// The key space of a table whose entity types are `entities` (a registry's): which of
/// them can sit at a key another type (or a sentinel) can render.
pub(crate) fn of(entities: &'static [EntitySchema]) -> KeySpace {
    let mut shared = HashSet::new();
    for (i, a) in entities.iter().enumerate() {
        let sentinel_sk = a.sort_key.is_some().then_some(&SENTINEL_SK);
        if keys_can_collide(
            &a.partition_key,
            a.sort_key.as_ref(),
            &SENTINEL_PK,
            sentinel_sk,
        ) {
            shared.insert(a.name);
        }
        for b in &entities[i + 1..] {
            let collide = keys_can_collide(
                &a.partition_key,
                a.sort_key.as_ref(),
                &b.partition_key,
                b.sort_key.as_ref(),
            );
            if a.name != b.name && collide {
                shared.insert(a.name);
                shared.insert(b.name);
            }
        }
    }
    KeySpace {
        declared: entities.iter().map(|e| e.name).collect(),
        shared,
    }
}
