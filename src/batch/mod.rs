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

/// What one chunk's requests cost.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Sent {
    pub(crate) requests: usize,
    pub(crate) capacity: f64,
}

impl Sent {
    pub(crate) fn add(&mut self, consumed: Option<&[aws_sdk_dynamodb::types::ConsumedCapacity]>) {
        self.capacity += consumed
            .unwrap_or_default()
            .iter()
            .map(|c| c.capacity_units.unwrap_or_default())
            .sum::<f64>();
    }
}

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
