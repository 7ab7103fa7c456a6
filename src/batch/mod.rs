//! Batch reads and writes across entity types: chunking, bounded concurrency, and retries
//! with backoff, so that nothing is silently dropped.

mod get;
mod retry;
mod write;

pub use get::{BatchGet, BatchGetOutput, FailedGet};
pub use retry::RetryPolicy;
pub use write::{BatchWrite, BatchWriteOutput, FailedWrite, WriteKind};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Error;
use crate::entity::PrimaryKey;
use crate::item::Item;
use crate::table::{Table, TableSchema};

/// Items are matched to requests by their primary key.
pub(crate) type KeyOf = PrimaryKey;

/// The primary key of an item of table `T`.
pub(crate) fn key_of<T: Table>(item: &Item) -> Result<PrimaryKey, Error> {
    key_from(item, &T::SCHEMA)
        .ok_or_else(|| Error::validation("an item lacks its table's key attributes"))
}

/// The primary key of an item, if it has string key attributes.
pub(crate) fn key_from(item: &Item, table: &TableSchema) -> Option<PrimaryKey> {
    let s = |attr: &str| match item.get(attr) {
        Some(AttributeValue::S(s)) => Some(s.clone()),
        _ => None,
    };
    Some(PrimaryKey {
        partition_key: s(table.partition_key())?,
        sort_key: match table.sort_key() {
            Some(attr) => Some(s(attr)?),
            None => None,
        },
    })
}
