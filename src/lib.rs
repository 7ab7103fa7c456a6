//! Typed single-table design for Amazon DynamoDB.
//!
//! dynamorm lets you declare the entity types of a single-table design once — their key
//! templates, their overloaded and sparse index keys — and then read and write them through
//! the real `aws-sdk-dynamodb` client without formatting a key or writing an expression
//! string by hand.
//!
//! - [`Table`] (derive): the physical table — key attributes, indexes, discriminator.
//! - [`Entity`] (derive): a serde struct with key templates such as
//!   `pk = "TENANT#{tenant_id}"`, `sk = "PROJECT#{project_id}#TASK#{task_id}"`, checked at
//!   compile time; it generates a typed key (`TaskKey`) and typed attributes (`Task::attrs()`).
//! - [`Projection`] (derive): some of an entity's fields, read alone — through the table, or
//!   through an index that projects only them.
//! - [`Registry`] (derive): an enum of a table's entity types that routes any raw item to
//!   its type by the discriminator attribute.
//! - [`Db`]: `get`, `put`, `create`, `update`, `delete`, table creation — builders that end
//!   in `.send().await`, with typed [`Condition`]s and update actions.
//! - [`key`]: the injection-proof, order-preserving key encoding.
//!
//! ```no_run
//! use dynamorm::{Db, Entity, Registry, Table};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Table)]
//! #[dynamo(name = "tracker", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
//! pub struct Tracker;
//!
//! #[derive(Debug, Serialize, Deserialize, Entity)]
//! #[dynamo(table = Tracker, pk = "TENANT#{tenant}", sk = "TASK#{id}")]
//! #[dynamo(index(GSI1, pk = "USER#{assignee}", sk = "TASK#{id}"))]
//! pub struct Task {
//!     pub tenant: String,
//!     pub id: u64,
//!     pub title: String,
//!     pub assignee: Option<String>, // no assignee: not in GSI1 (sparse)
//! }
//!
//! # async fn run(client: aws_sdk_dynamodb::Client) -> Result<(), dynamorm::Error> {
//! let db = Db::<Tracker>::new(client);
//! db.ensure_table().await?;
//! let task = Task { tenant: "acme".into(), id: 1, title: "Ship".into(), assignee: None };
//! db.create(&task).send().await?;
//!
//! let a = Task::attrs();
//! let task = db
//!     .update(TaskKey { tenant: "acme".into(), id: 1 })
//!     .set(a.title, "Ship it")
//!     .condition(a.title.eq("Ship"))
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```
#![doc = include_str!("../docs/attributes.md")]

extern crate self as dynamorm;

pub mod batch;
#[cfg(feature = "s3")]
pub mod bulk;
mod capacity;
#[cfg(feature = "cli")]
pub mod cli;
mod client;
mod collection;
mod db;
mod decode;
pub mod deploy;
pub mod design;
pub mod doctor;
mod encode;
mod entity;
mod error;
pub mod expr;
mod item;
pub mod key;
mod lifecycle;
pub mod migrate;
pub mod multi;
mod observe;
mod ops;
mod plain;
pub mod projection;
pub mod read;
mod redact;
mod registry;
mod registry_dispatch;
mod repair;
mod report;
pub mod stream;
mod table;
pub mod transact;
mod unique;
mod value_check;
pub mod vector;
mod write;

pub use batch::{BatchGet, BatchWrite, RetryPolicy};
pub use capacity::{CapacityCollector, CapacityReport};
pub use collection::Collection;
pub use db::Db;
pub use entity::{
    Entity, EntityIndex, EntityKey, EntitySchema, KeyField, PrimaryKey, SHAPE_ATTRIBUTE, UpgradeTo,
    When, from_item, to_item,
};
pub use error::{
    ConditionFailed, DecodeError, EncodeError, Error, ErrorKind, InvalidInput, InvalidInputKind,
    ServiceError,
};
pub use expr::{Attr, AttrPath, Condition, RawUpdate};
pub use item::{Item, MAX_ITEM_BYTES, item_size};
#[cfg(feature = "chrono")]
pub use key::{GeneratedId, TimeId};
pub use key::{KeyError, KeyPart};
pub use lifecycle::{Timestamp, TtlValue, UniqueField};
pub use multi::{KeyAttribute, MultiKey, MultiKeyShape};
pub use ops::{Delete, Get, Insert, Put, Update};
pub use projection::Projection;
pub use read::{Cursor, CursorKey, KeyValue, Page, Query, Scan, Scannable};
pub use redact::Redacted;
#[doc(hidden)]
pub use registry::EntityVisitor;
pub use registry::Registry;
pub use report::Report;
pub use table::{
    Index, IndexAttribute, IndexHandle, IndexProjection, IndexSchema, MultiIndex, ScalarType,
    Table, TableSchema,
};
pub use transact::{ConditionCheck, TransactGet, TransactWrite};

/// Store a `HashSet`/`BTreeSet`/`Vec` field as a DynamoDB set (`SS`, `NS`, `BS`) rather
/// than a list: `#[serde(with = "dynamorm::string_set")]` (serde_dynamo's modules,
/// re-exported so a crate needs no direct dependency). Typed updates write such fields in
/// the same form, and [`Update::add_to_set`]/[`Update::delete_from_set`] need it.
pub use serde_dynamo::{binary_set, number_set, string_set};

/// Derives [`Collection`]; see the [crate documentation](crate#collection-attributes).
pub use dynamorm_macros::Collection;
/// Derives [`Entity`]; see the [crate documentation](crate#entity-attributes).
pub use dynamorm_macros::Entity;
/// Derives [`Projection`]; see the [crate documentation](crate#projection-attributes).
pub use dynamorm_macros::Projection;
/// Derives [`Registry`]; see the [crate documentation](crate#registry-attributes).
pub use dynamorm_macros::Registry;
/// Derives [`Table`]; see the [crate documentation](crate#table-attributes).
pub use dynamorm_macros::Table;

/// The user guide's chapters (`docs/guide/src`), compiled as doctests so the guide cannot
/// rot. The tooling chapter shows the `cli` feature, so it is checked with it.
#[cfg(doctest)]
pub mod guide {
    #[doc = include_str!("../docs/guide/src/first-table.md")]
    pub struct FirstTable;
    #[doc = include_str!("../docs/guide/src/keys.md")]
    pub struct Keys;
    #[doc = include_str!("../docs/guide/src/queries.md")]
    pub struct Queries;
    #[doc = include_str!("../docs/guide/src/projections.md")]
    pub struct Projections;
    #[doc = include_str!("../docs/guide/src/vectors.md")]
    pub struct Vectors;
    #[doc = include_str!("../docs/guide/src/updates.md")]
    pub struct Updates;
    #[doc = include_str!("../docs/guide/src/batches.md")]
    pub struct Batches;
    #[doc = include_str!("../docs/guide/src/lifecycle.md")]
    pub struct Lifecycle;
    #[doc = include_str!("../docs/guide/src/streams.md")]
    pub struct Streams;
    #[doc = include_str!("../docs/guide/src/migrations.md")]
    pub struct Migrations;
    #[doc = include_str!("../docs/guide/src/shapes.md")]
    pub struct Shapes;
    #[doc = include_str!("../docs/guide/src/testing.md")]
    pub struct Testing;
    #[cfg(feature = "cli")]
    #[doc = include_str!("../docs/guide/src/tooling.md")]
    pub struct Tooling;
    #[cfg(all(feature = "cli", feature = "s3"))]
    #[doc = include_str!("../docs/guide/src/production.md")]
    pub struct Production;
}

/// Re-exports for the code the derives generate. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::expr::{Path, Value};
    pub use crate::projection::{
        FieldOf, Fits, IndexAt, IndexKind, Pick, Verdict, carries_at, field_of, same_name,
    };
    pub use crate::read::{Output, registry_output};
    pub use aws_sdk_dynamodb::types::AttributeValue;
    pub use serde;
    pub use serde_dynamo;

    /// [`Error::Shape`](crate::Error::Shape) for an item of `schema`'s type stored in shape
    /// `stored`.
    pub fn shape_mismatch(schema: &crate::EntitySchema, stored: u32) -> crate::Error {
        crate::entity::mismatch(schema, stored)
    }

    /// [`Error::UnknownDiscriminator`](crate::Error::UnknownDiscriminator) for a registry.
    pub fn unknown_discriminator(attribute: &'static str, value: &str) -> crate::Error {
        crate::Error::UnknownDiscriminator {
            attribute,
            value: crate::Redacted::text(value.to_owned()),
        }
    }

    /// [`Error::Collection`](crate::Error::Collection) for a second item of a member
    /// `field` that holds one.
    pub fn second_collection_item(
        collection: &'static str,
        field: &'static str,
        item_type: &str,
    ) -> crate::Error {
        crate::Error::Collection {
            collection,
            item_type: crate::Redacted::text(item_type.to_owned()),
            field: Some(field),
        }
    }

    /// The sentinel keys of `entity`'s unique values.
    pub fn unique_sentinels<E: crate::Entity>(
        entity: &E,
    ) -> Result<Vec<(&'static str, crate::PrimaryKey)>, crate::Error> {
        crate::unique::sentinels_of(crate::entity::def::<E>(), entity)
    }

    /// Whether `value` decodes as a `T`, the type of field `attribute` of `entity`.
    pub fn check_decodes<T: serde::de::DeserializeOwned>(
        entity: &'static str,
        attribute: &str,
        value: &AttributeValue,
    ) -> Result<(), crate::Error> {
        crate::decode::from_value::<T>(value)
            .map(drop)
            .map_err(|e| {
                let attribute = std::borrow::Cow::Owned(attribute.to_owned());
                crate::Error::Decode(Box::new(
                    crate::DecodeError::new(Some(attribute), e).of(entity),
                ))
            })
    }

    /// A value as serde_dynamo writes it (for fields with their own serializer).
    pub fn encode_value<T: serde::Serialize + ?Sized>(
        value: &T,
    ) -> Result<AttributeValue, serde_dynamo::Error> {
        crate::encode::to_attribute_value(value)
    }
    pub use strum;

    pub use crate::collection::{has_template, share_partition};
    pub use crate::entity::{
        decode_as, decode_unchecked, reshape, serde_fields, to_stored_item, upgrade,
    };
    pub use crate::multi::declare::*;
    pub use crate::registry_dispatch::{
        DiscriminatorTable, DuplicateMessage, duplicate_discriminator, find_discriminator,
        sort_discriminators,
    };

    /// The field types `when = field` (and `when = !field`) take: a `bool`.
    #[diagnostic::on_unimplemented(
        message = "`when = ..` takes a `bool` field, not `{Self}`",
        note = "the item uses this layout while the field is `true` (`!field`: `false`); \
                for other types write `when = matches!(field, Pattern)`"
    )]
    pub trait WhenField {
        /// Whether the item is a member.
        fn member(&self) -> bool;
    }
    impl WhenField for bool {
        fn member(&self) -> bool {
            *self
        }
    }

    /// The value of a `when` field as an update sets it (`None`: removed). A removed field
    /// that does not decode from `NULL` (a `bool`, an enum) is `None`: no layout that needs
    /// it applies.
    pub fn when_value<T: serde::de::DeserializeOwned>(
        attribute: &'static str,
        value: Option<&AttributeValue>,
    ) -> Result<Option<T>, crate::Error> {
        match value {
            Some(value) if !matches!(value, AttributeValue::Null(_)) => {
                crate::decode::from_value(value).map(Some).map_err(|e| {
                    let attribute = std::borrow::Cow::Borrowed(attribute);
                    crate::Error::Decode(Box::new(crate::DecodeError::new(Some(attribute), e)))
                })
            }
            _ => Ok(crate::decode::from_value(&AttributeValue::Null(true)).ok()),
        }
    }
    /// Decodes one key-template field from an attribute value an update sets, and writes
    /// its key encoding; `false` when the value is null (an optional field set to `None`).
    pub fn write_part_from<T>(
        entity: &'static str,
        field: &'static str,
        value: &AttributeValue,
        out: &mut String,
    ) -> Result<bool, crate::Error>
    where
        T: crate::KeyPart + serde::de::DeserializeOwned,
    {
        if matches!(value, AttributeValue::Null(_)) {
            return Ok(false);
        }
        let decoded: T = crate::decode::from_value(value).map_err(|e| {
            let field = std::borrow::Cow::Borrowed(field);
            crate::Error::Decode(Box::new(crate::DecodeError::new(Some(field), e).of(entity)))
        })?;
        decoded.write_key(out)?;
        Ok(true)
    }

    /// Writes an optional key part; `false` when `None`.
    pub fn write_option<T: crate::KeyPart>(
        value: &Option<T>,
        out: &mut String,
    ) -> Result<bool, crate::KeyError> {
        match value {
            Some(v) => v.write_key(out).map(|()| true),
            None => Ok(false),
        }
    }

    /// Parses one key part for a typed key, naming the field on failure.
    pub fn parse_part<T: crate::KeyPart>(
        parts: &[Option<&str>],
        slot: usize,
        field: &'static str,
    ) -> Result<T, crate::KeyError> {
        match parts.get(slot).copied().flatten() {
            Some(encoded) => T::parse_key(encoded),
            None => Err(crate::KeyError::MissingField { field }),
        }
    }

    pub use crate::lifecycle::VersionField;

    /// The expiry of a TTL field from the attribute value an update sets.
    pub fn ttl_from<T: crate::TtlValue>(
        value: &AttributeValue,
    ) -> Result<Option<i64>, crate::Error> {
        crate::lifecycle::ttl_from::<T>(value)
    }

    /// The current time as field type `T` serializes it.
    pub fn timestamp_now<T: crate::Timestamp>() -> Result<AttributeValue, crate::Error> {
        crate::lifecycle::timestamp_now::<T>()
    }

    /// `a == b` in a `const fn`.
    pub const fn str_eq(a: &str, b: &str) -> bool {
        crate::table::str_eq(a, b)
    }

    /// Compile-time checks the derives emit.
    pub const fn table_reserves(schema: &crate::TableSchema, attribute: &str) -> bool {
        schema.reserves(attribute)
    }
}
