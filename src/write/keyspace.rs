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
pub(crate) fn of(entities: &'static [EntitySchema], open: bool) -> KeySpace {
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
        // A registry that keeps unknown types says the table holds more than it lists:
        // nothing is known to be alone, and every batch write is guarded.
        declared: if open {
            HashSet::new()
        } else {
            entities.iter().map(|e| e.name).collect()
        },
        shared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Inner;

    #[derive(crate::Table)]
    #[dynamo(name = "t")]
    struct T;

    #[derive(serde::Serialize, serde::Deserialize, crate::Entity)]
    #[dynamo(table = T, pk = "A#{id}", sk = "A")]
    struct A {
        id: String,
    }

    #[derive(serde::Serialize, serde::Deserialize, crate::Entity)]
    #[dynamo(table = T, pk = "B#{id}", sk = "B")]
    struct B {
        id: String,
    }

    /// Renders B's keys: `B#x` / `B`.
    #[derive(serde::Serialize, serde::Deserialize, crate::Entity)]
    #[dynamo(table = T, pk = "B#{code}", sk = "B")]
    struct Twin {
        code: String,
    }

    fn handle(keyspace: Option<KeySpace>) -> Inner {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .build();
        Inner {
            client: aws_sdk_dynamodb::Client::from_conf(config),
            table_name: "t".into(),
            capacity: Default::default(),
            keyspace: keyspace.map(std::sync::Arc::new),
            cursor_key: None,
            repair_shapes: false,
        }
    }

    const AB: &[EntitySchema] = &[<A as crate::Entity>::SCHEMA, <B as crate::Entity>::SCHEMA];
    const AB_TWIN: &[EntitySchema] = &[
        <A as crate::Entity>::SCHEMA,
        <B as crate::Entity>::SCHEMA,
        <Twin as crate::Entity>::SCHEMA,
    ];

    #[test]
    fn batch_guards_follow_the_declaration() {
        // No declaration: everything guarded.
        let none = handle(None);
        assert!(none.needs_guard("A") && none.needs_guard("B"));
        // A and B cannot collide with each other: unguarded; an undeclared type is guarded.
        let ab = handle(Some(of(AB, false)));
        assert!(!ab.needs_guard("A") && !ab.needs_guard("B") && ab.needs_guard("C"));
        // `Twin` renders B's keys: both are guarded, A is not.
        let twin = handle(Some(of(AB_TWIN, false)));
        assert!(!twin.needs_guard("A") && twin.needs_guard("B") && twin.needs_guard("Twin"));
        // A registry that keeps unknown types (`#[dynamo(other)]`): everything guarded.
        let open = handle(Some(of(AB, true)));
        assert!(open.needs_guard("A") && open.needs_guard("B"));
    }
}
