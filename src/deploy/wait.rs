//! Waiting for a table to settle after a change.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{IndexStatus, ReplicaStatus, TableDescription, TableStatus};

use super::send;
use crate::Error;
use crate::client::Inner;

/// How long table operations wait for the table, its indexes and replicas to become active:
/// a replica or an index backfill of a large table takes many minutes on DynamoDB.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// Waits until the table, its indexes (and their warm throughput) and its replicas are
/// active — DynamoDB refuses the next change until they are. A replica that can never
/// become active (creation failed, Region disabled, …) fails at once, named.
pub(crate) async fn wait_until_active(db: &Inner) -> Result<(), Error> {
    let active = |table: Option<&TableDescription>| {
        let Some(table) = table else {
            return Ok(false);
        };
        if let Some(replica) = table.replicas().iter().find(|r| stuck(r.replica_status())) {
            return Err(Error::TableMismatch {
                table: db.table_name.clone(),
                index: None,
                attribute: None,
                reason: format!(
                    "replica in {} is {}",
                    replica.region_name().unwrap_or("?"),
                    replica.replica_status().map_or("?", |s| s.as_str())
                ),
            });
        }
        let warm_table = table.warm_throughput().and_then(|w| w.status());
        Ok(table.table_status == Some(TableStatus::Active)
            && warm_table.is_none_or(|s| *s == TableStatus::Active)
            && table.global_secondary_indexes().iter().all(|i| {
                i.index_status == Some(IndexStatus::Active)
                    && i.warm_throughput()
                        .and_then(|w| w.status())
                        .is_none_or(|s| *s == IndexStatus::Active)
            })
            && table.replicas().iter().all(|r| {
                r.replica_status
                    .as_ref()
                    .is_none_or(|s| *s == ReplicaStatus::Active)
            }))
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

/// A replica status that never turns active by waiting.
fn stuck(status: Option<&ReplicaStatus>) -> bool {
    matches!(
        status,
        Some(
            ReplicaStatus::CreationFailed
                | ReplicaStatus::RegionDisabled
                | ReplicaStatus::InaccessibleEncryptionCredentials
                | ReplicaStatus::ReplicationNotAuthorized
                | ReplicaStatus::Archived
        )
    )
}

/// Describes the table until `done` holds for its description (`None`: no table), backing
/// off from `delay` to 2 s; after `timeout`, a [`Error::TableMismatch`] saying `still`.
pub(crate) async fn poll(
    db: &Inner,
    timeout: Duration,
    mut delay: Duration,
    still: &str,
    done: impl Fn(Option<&TableDescription>) -> Result<bool, Error>,
) -> Result<(), Error> {
    let started = Instant::now();
    loop {
        if done(send::describe_table(db).await?.as_ref())? {
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
