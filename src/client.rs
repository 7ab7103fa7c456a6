//! [`Inner`]: what every request needs — the SDK client, the table name and the capacity
//! settings — shared by a [`Db`](crate::Db) and every builder it hands out.
//!
//! It lives apart from `db.rs` so that the operations, `observe` and the write pipeline
//! depend on this small handle only, never on `Db` (which depends on all of them).

/// The shared handle behind a [`Db`](crate::Db) and its builders.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) client: aws_sdk_dynamodb::Client,
    pub(crate) table_name: String,
    pub(crate) capacity: crate::capacity::Capacity,
    /// The table's entity types, when the handle was given its registry: which batch
    /// writes can go without the entity-type guard.
    pub(crate) keyspace: Option<std::sync::Arc<KeySpace>>,
    /// Seals the cursors reads hand out, and opens those they resume from.
    pub(crate) cursor_key: Option<crate::CursorKey>,
    /// Reads write items of an earlier shape back in the current one ([`Db::with_shape_repair`](crate::Db::with_shape_repair)).
    pub(crate) repair_shapes: bool,
}

/// The entity types a table declares, and which of them can sit at a key another type (or
/// a unique-value sentinel) can render (`write/keyspace.rs` works it out).
#[derive(Debug)]
pub(crate) struct KeySpace {
    pub(crate) declared: std::collections::HashSet<&'static str>,
    pub(crate) shared: std::collections::HashSet<&'static str>,
}

impl Inner {
    /// Whether batch writes of entity type `name` must carry the entity-type guard: its
    /// keys can collide with another declared type's, the type is not declared, or the
    /// handle was given no declaration at all (nothing is known of what else is stored).
    pub(crate) fn needs_guard(&self, name: &str) -> bool {
        self.keyspace
            .as_ref()
            .is_none_or(|k| !k.declared.contains(name) || k.shared.contains(name))
    }

    /// What to ask DynamoDB about consumed capacity.
    pub(crate) fn capacity_mode(&self) -> Option<aws_sdk_dynamodb::types::ReturnConsumedCapacity> {
        self.capacity.mode.clone()
    }
}
