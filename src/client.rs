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
}

impl Inner {
    /// What to ask DynamoDB about consumed capacity.
    pub(crate) fn capacity_mode(&self) -> Option<aws_sdk_dynamodb::types::ReturnConsumedCapacity> {
        self.capacity.mode.clone()
    }
}
