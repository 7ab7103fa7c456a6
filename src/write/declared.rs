//! What `#[derive(Entity)]` still submits to `inventory` — read by nothing any more: which
//! entity types a binary links no longer decides anything (see `keyspace.rs`). Removed with
//! the derive's submission.

use std::any::TypeId;

use crate::entity::EntitySchema;

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
