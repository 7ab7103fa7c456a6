//! Waiting for a table to settle after a change.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{IndexStatus, ReplicaStatus, TableStatus};

use super::send;
use crate::Error;
use crate::client::Inner;

/// How long table operations wait for the table (and its indexes) to become active.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(300);

/// Waits until the table, its indexes and its replicas are active (DynamoDB refuses the
/// next change until they are).
pub(crate) async fn wait_until_active(db: &Inner) -> Result<(), Error> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(20);
    loop {
        if let Some(table) = send::describe_table(db).await?
            && table.table_status == Some(TableStatus::Active)
            && table
                .global_secondary_indexes()
                .iter()
                .all(|i| i.index_status == Some(IndexStatus::Active))
            && table.replicas().iter().all(|r| {
                r.replica_status
                    .as_ref()
                    .is_none_or(|s| *s == ReplicaStatus::Active)
            })
        {
            return Ok(());
        }
        if started.elapsed() > ACTIVE_TIMEOUT {
            return Err(Error::TableMismatch {
                table: db.table_name.clone(),
                index: None,
                attribute: None,
                reason: format!("not active after {ACTIVE_TIMEOUT:?}"),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}
