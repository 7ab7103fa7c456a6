//! One raw item by key, read with strong consistency.

use std::pin::pin;

use crate::Error;
use crate::client::Inner;
use crate::observe::{Call, ObserveExt};

/// Reads the raw item at `key` with strong consistency: what a write planned from a read
/// (unique values, migration moves) reads before planning, and re-reads after a lost race.
pub(crate) async fn read_consistent(
    db: &Inner,
    key: crate::Item,
    entity: &'static str,
) -> Result<Option<crate::Item>, Error> {
    let output = pin!(
        db.client
            .get_item()
            .table_name(&db.table_name)
            .set_key(Some(key))
            .consistent_read(true)
            .set_return_consumed_capacity(db.capacity_mode())
            .send()
    )
    .observed(db, Call::new("GetItem", entity))
    .await
    .map_err(|e| crate::error::service("GetItem", e))?;
    Ok(output.item)
}
