//! Batch reads and writes across entity types: chunking, bounded concurrency, and retries
//! with backoff, so that nothing is silently dropped.

mod get;
mod loader;
mod partial;
mod retry;
mod stream_write;
mod write;

pub use crate::error::failed::{FailedGet, FailedWrite, WriteKind, WriteOutcome};
pub use get::{BatchGet, BatchGetOutput};
pub use loader::{Loader, LoaderGet};
pub use partial::Partial;
pub use retry::RetryPolicy;
pub use stream_write::{StreamedWrite, WriteProgress, WriteStream, WriteStreamOutput};
pub use write::{BatchWrite, BatchWriteOutput};

use crate::entity::PrimaryKey;

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

pub(crate) use crate::entity::key_from;
pub(crate) use get::send_chunk;
