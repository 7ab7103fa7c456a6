//! Waiting for a table to settle after a change.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{IndexStatus, ReplicaStatus, TableDescription, TableStatus};

use super::send;
use crate::Error;
use crate::client::Inner;

/// How long table operations wait for the table (and its indexes) to become active.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(300);

/// Waits until the table, its indexes and its replicas are active (DynamoDB refuses the
/// next change until they are).
pub(crate) async fn wait_until_active(db: &Inner) -> Result<(), Error> {
    let active = |table: Option<&TableDescription>| {
        table.is_some_and(|table| {
            table.table_status == Some(TableStatus::Active)
                && table
                    .global_secondary_indexes()
                    .iter()
                    .all(|i| i.index_status == Some(IndexStatus::Active))
                && table.replicas().iter().all(|r| {
                    r.replica_status
                        .as_ref()
                        .is_none_or(|s| *s == ReplicaStatus::Active)
                })
        })
    };
    poll(
        db,
        ACTIVE_TIMEOUT,
        Duration::from_millis(20),
        "not active",
        active,
    )
    .await
}

/// Describes the table until `done` holds for its description (`None`: no table), backing
/// off from `delay` to 2 s; after `timeout`, a [`Error::TableMismatch`] saying `still`.
pub(crate) async fn poll(
    db: &Inner,
    timeout: Duration,
    mut delay: Duration,
    still: &str,
    done: impl Fn(Option<&TableDescription>) -> bool,
) -> Result<(), Error> {
    let started = Instant::now();
    loop {
        if done(send::describe_table(db).await?.as_ref()) {
            return Ok(());
        }
        if started.elapsed() > timeout {
            return Err(Error::TableMismatch {
                table: db.table_name.clone(),
                index: None,
                attribute: None,
                reason: format!("{still} after {timeout:?}"),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}
