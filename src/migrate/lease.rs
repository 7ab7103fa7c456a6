//! Segment leases for a migration run by several processes together
//! ([`Migrate::shared`](super::Migrate::shared)): one item per scan segment in the table
//! itself, claimed with a conditional write, renewed after every page with the segment's
//! checkpoint, and taken over from that checkpoint once it expires — so a killed worker's
//! segment is finished by another, from where it stood.
//!
//! A lease item: partition key `_dynamorm.lease#{migration}` and sort key
//! `_dynamorm.lease#{segment}` (on a table without a sort key, the partition key
//! `_dynamorm.lease#{migration}#{segment}`), the discriminator `_dynamorm.lease` (so every
//! read path skips it, as it skips unique-value sentinels), and `owner`, `expires` (epoch
//! milliseconds), `segments` (the total: every worker must agree), `done` and `last_key`.
//! Expiry compares wall clocks, so workers' clocks must agree to well within a lease.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;

use super::checkpoint::SegmentState;
use crate::client::Inner;
use crate::item::Item;
use crate::table::Table;
use crate::write::internal::LEASE;
use crate::write::send::{self, InternalUpdate};
use crate::{Error, InvalidInputKind};

/// What claiming a segment found.
pub(super) enum Claim {
    /// Ours now, resuming from this state.
    Claimed(SegmentState),
    /// Another worker holds it and its lease has not expired.
    Held,
    /// Finished.
    Done,
}

/// This worker's view of one shared migration's leases.
pub(super) struct Leases {
    name: String,
    owner: String,
    duration: Duration,
    segments: u32,
    table: crate::TableSchema,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

impl Leases {
    pub(super) fn new<T: Table>(name: String, duration: Duration, segments: u32) -> Self {
        Self {
            name,
            // Unique per worker: a time-ordered random id.
            owner: uuid::Uuid::now_v7().simple().to_string(),
            duration,
            segments,
            table: T::SCHEMA,
        }
    }

    fn key(&self, segment: u32) -> Item {
        let mut key = HashMap::new();
        match self.table.sort_key() {
            Some(sk) => {
                key.insert(
                    self.table.partition_key().to_owned(),
                    s(&format!("{LEASE}#{}", self.name)),
                );
                key.insert(sk.to_owned(), s(&format!("{LEASE}#{segment:07}")));
            }
            None => {
                key.insert(
                    self.table.partition_key().to_owned(),
                    s(&format!("{LEASE}#{}#{segment:07}", self.name)),
                );
            }
        }
        key
    }

    fn names(&self) -> HashMap<String, String> {
        [
            ("#pk", self.table.partition_key()),
            ("#type", self.table.discriminator()),
            ("#owner", "owner"),
            ("#expires", "expires"),
            ("#segments", "segments"),
            ("#done", "done"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// Claims `segment` if it is free, expired, or already this worker's.
    pub(super) async fn claim(&self, db: &Inner, segment: u32) -> Result<Claim, Error> {
        let now = now_ms();
        let until = now + u64::try_from(self.duration.as_millis()).unwrap_or(u64::MAX);
        let values: HashMap<String, AttributeValue> = [
            (":lease", s(LEASE)),
            (":me", s(&self.owner)),
            (":now", n(now)),
            (":until", n(until)),
            (":n", n(u64::from(self.segments))),
            (":false", AttributeValue::Bool(false)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let request = InternalUpdate {
            key: self.key(segment),
            update: "SET #type = :lease, #owner = :me, #expires = :until, #segments = :n, \
                     #done = if_not_exists(#done, :false)"
                .into(),
            condition: "(attribute_not_exists(#pk) OR (#segments = :n AND \
                        (#expires < :now OR #owner = :me))) \
                        AND (attribute_not_exists(#done) OR #done = :false)"
                .into(),
            names: self.names(),
            values,
        };
        match send::internal_update(db, LEASE, request).await? {
            Ok(item) => Ok(Claim::Claimed(state_of(&item))),
            Err(old) => {
                if old.get("done") == Some(&AttributeValue::Bool(true)) {
                    return Ok(Claim::Done);
                }
                match old.get("segments") {
                    Some(AttributeValue::N(total)) if *total != self.segments.to_string() => {
                        Err(Error::invalid(
                            InvalidInputKind::Configuration,
                            format!(
                                "migration `{}` is being run with {total} segments elsewhere; \
                             every worker must use the same number",
                                self.name
                            ),
                        ))
                    }
                    _ => Ok(Claim::Held),
                }
            }
        }
    }

    /// Renews this worker's lease on `segment`, saving `state` as its checkpoint. `false`
    /// when the lease is no longer this worker's (it expired and another took it over).
    pub(super) async fn renew(
        &self,
        db: &Inner,
        segment: u32,
        state: &SegmentState,
    ) -> Result<bool, Error> {
        let until = now_ms() + u64::try_from(self.duration.as_millis()).unwrap_or(u64::MAX);
        let mut names = self.names();
        names.insert("#last".into(), "last_key".into());
        let mut values: HashMap<String, AttributeValue> = [
            (":me", s(&self.owner)),
            (":until", n(until)),
            (":done", AttributeValue::Bool(state.done)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let update = match &state.last_key {
            Some(last) => {
                values.insert(
                    ":last".into(),
                    AttributeValue::M(last.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
                );
                "SET #expires = :until, #done = :done, #last = :last"
            }
            None => "SET #expires = :until, #done = :done REMOVE #last",
        };
        names.retain(|k, _| update.contains(k.as_str()) || k == "#owner");
        let request = InternalUpdate {
            key: self.key(segment),
            update: update.into(),
            condition: "#owner = :me".into(),
            names,
            values,
        };
        Ok(send::internal_update(db, LEASE, request).await?.is_ok())
    }

    /// How long to wait before looking again at segments other workers hold.
    pub(super) fn poll_interval(&self) -> Duration {
        (self.duration / 4).clamp(Duration::from_millis(50), Duration::from_secs(5))
    }
}

/// The checkpoint a lease item holds.
fn state_of(item: &Item) -> SegmentState {
    let last_key = match item.get("last_key") {
        Some(AttributeValue::M(map)) => Some(
            map.iter()
                .filter_map(|(k, v)| v.as_s().ok().map(|v| (k.clone(), v.clone())))
                .collect::<BTreeMap<String, String>>(),
        ),
        _ => None,
    };
    SegmentState {
        done: item.get("done") == Some(&AttributeValue::Bool(true)),
        last_key,
    }
}
