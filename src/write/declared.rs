//! Every entity type the program declares, per table, and which of them can share a key
//! with another type — what decides how a batch may write them.
//!
//! BatchWriteItem carries no conditions, so a batch put or delete replaces or deletes
//! whatever is stored at its key. That is only safe for an entity type whose primary-key
//! templates cannot render a key that another type of the same table (or a unique-value
//! sentinel) can render. `#[derive(Entity)]` registers each type here (with `inventory`,
//! at link time, so no registry has to be named), and the check is the design report's
//! collision analysis.

use std::any::TypeId;
use std::collections::HashSet;
use std::sync::OnceLock;

use crate::entity::{Entity, EntitySchema};
use crate::key::{KeyTemplate, Segment};
use crate::report::keys_can_collide;

/// One `#[derive(Entity)]` type: its table and schema (the derive submits these).
#[doc(hidden)]
#[derive(Debug)]
pub struct Declared {
    /// The table type's id.
    pub table: fn() -> TypeId,
    /// The entity's schema.
    pub schema: fn() -> &'static EntitySchema,
}

inventory::collect!(Declared);

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

/// Whether an item of `E` can sit at a key another declared type (or a sentinel) can
/// render: such writes must carry the entity-type guard.
pub(crate) fn shares_keys<E: Entity>() -> bool {
    static SHARED: OnceLock<HashSet<(TypeId, &'static str)>> = OnceLock::new();
    SHARED
        .get_or_init(compute)
        .contains(&(TypeId::of::<E::Table>(), E::SCHEMA.name))
}

fn compute() -> HashSet<(TypeId, &'static str)> {
    let all: Vec<(TypeId, &'static EntitySchema)> = inventory::iter::<Declared>
        .into_iter()
        .map(|d| ((d.table)(), (d.schema)()))
        .collect();
    let mut shared = HashSet::new();
    for (i, (table, a)) in all.iter().enumerate() {
        let sk = |e: &'static EntitySchema| e.sort_key.as_ref();
        let sentinel_sk = a.sort_key.is_some().then_some(&SENTINEL_SK);
        if keys_can_collide(&a.partition_key, sk(a), &SENTINEL_PK, sentinel_sk) {
            shared.insert((*table, a.name));
        }
        for (other_table, b) in &all[i + 1..] {
            if other_table == table
                && a.name != b.name
                && keys_can_collide(&a.partition_key, sk(a), &b.partition_key, sk(b))
            {
                shared.insert((*table, a.name));
                shared.insert((*table, b.name));
            }
        }
    }
    shared
}
