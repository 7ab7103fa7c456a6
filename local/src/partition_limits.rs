//! [`PartitionLimit`]: DynamoDB's per-partition throughput, simulated by [`FaultProxy`]
//! (`FaultProxy::start_limited`), so hot-partition behaviour is measurable on loopback.
//!
//! DynamoDB serves at most 1,000 write units and 3,000 read units per second from one
//! partition, whatever the table's capacity; past that it throttles. Here every partition
//! key value gets a bucket of each, holding at most one second's worth and refilled
//! continuously. What a request costs, as DynamoDB counts it:
//!
//! - `PutItem`: 1 write unit per KB of the item, at least 1; `UpdateItem`, `DeleteItem`: 1
//!   (the stored item's size is not known to a proxy). A request the bucket cannot pay for
//!   is answered `ProvisionedThroughputExceededException`.
//! - `BatchWriteItem`: each item as its own put or delete; items their partition cannot pay
//!   for come back as `UnprocessedItems`, and when none can be paid for the whole request
//!   is throttled — as DynamoDB does.
//! - `GetItem`: ½ read unit (1 strongly consistent); `BatchGetItem` per key, unpaid keys
//!   come back as `UnprocessedKeys`.
//! - `Query` of the table: admitted while its partition's read bucket is not empty, then
//!   charged ½ unit per 4 KB returned (1 strongly consistent), so a burst can overdraw the
//!   bucket and the next request waits for the refill.
//!
//! Item sizes are estimated from their JSON, a little above DynamoDB's own count. Index
//! queries, scans and transactions are not limited.
//!
//! [`FaultProxy`]: crate::FaultProxy

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::Value;

/// Per-partition throughput limits for a [`FaultProxy`](crate::FaultProxy).
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionLimit {
    /// The table's partition-key attribute (e.g. `PK`).
    pub attribute: String,
    /// Write units per second one partition serves (DynamoDB: 1,000).
    pub write_units: f64,
    /// Read units per second one partition serves (DynamoDB: 3,000).
    pub read_units: f64,
}

impl PartitionLimit {
    /// DynamoDB's own limits: 1,000 write and 3,000 read units per second per partition.
    ///
    /// ```
    /// use dynamorm_local::PartitionLimit;
    /// let limit = PartitionLimit::dynamodb("PK").scaled(0.1); // 100 WCU/s, 300 RCU/s
    /// assert_eq!(limit.write_units, 100.0);
    /// ```
    pub fn dynamodb(attribute: impl Into<String>) -> Self {
        Self {
            attribute: attribute.into(),
            write_units: 1000.0,
            read_units: 3000.0,
        }
    }

    /// The same limits times `factor`: a machine that cannot drive DynamoDB's real rates
    /// through a loopback proxy measures the same effects at a proportionally lower rate.
    pub fn scaled(mut self, factor: f64) -> Self {
        self.write_units *= factor;
        self.read_units *= factor;
        self
    }
}

/// Units of throughput.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Write,
    Read,
}

struct Bucket {
    write: f64,
    read: f64,
    at: Instant,
}

/// Every partition's buckets.
pub(crate) struct Partitions {
    limit: PartitionLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Partitions {
    pub(crate) fn new(limit: PartitionLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `f` on the partition's bucket balance of `kind`, refilled to now.
    fn with<R>(&self, partition: &str, kind: Kind, f: impl FnOnce(&mut f64) -> R) -> R {
        let now = Instant::now();
        let (wcu, rcu) = (self.limit.write_units, self.limit.read_units);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.entry(partition.to_owned()).or_insert(Bucket {
            write: wcu,
            read: rcu,
            at: now,
        });
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        bucket.write = (bucket.write + elapsed * wcu).min(wcu);
        bucket.read = (bucket.read + elapsed * rcu).min(rcu);
        bucket.at = now;
        f(match kind {
            Kind::Write => &mut bucket.write,
            Kind::Read => &mut bucket.read,
        })
    }

    /// Pays `units` from the partition's bucket if it holds them.
    pub(crate) fn take(&self, partition: &str, kind: Kind, units: f64) -> bool {
        self.with(partition, kind, |balance| {
            let paid = *balance >= units;
            if paid {
                *balance -= units;
            }
            paid
        })
    }

    /// Whether the partition's bucket holds anything (a read is admitted, then charged).
    pub(crate) fn open(&self, partition: &str, kind: Kind) -> bool {
        self.with(partition, kind, |balance| *balance > 0.0)
    }

    /// Charges `units` after the fact; the bucket may go below zero.
    pub(crate) fn charge(&self, partition: &str, kind: Kind, units: f64) {
        self.with(partition, kind, |balance| *balance -= units);
    }

    /// The partition an item or key is in (its partition-key value as JSON), if it has one.
    pub(crate) fn partition_of(&self, item_or_key: &Value) -> Option<String> {
        item_or_key.get(&self.limit.attribute).map(Value::to_string)
    }

    /// The partition a table `Query` reads: the value its key condition compares the
    /// partition key with (`#n = :v`), or `None` for an index query.
    pub(crate) fn queried_partition(&self, body: &Value) -> Option<String> {
        if body.get("IndexName").is_some() {
            return None;
        }
        let condition = body.get("KeyConditionExpression")?.as_str()?;
        let mut names = vec![self.limit.attribute.clone()];
        if let Some(map) = body
            .get("ExpressionAttributeNames")
            .and_then(Value::as_object)
        {
            names.extend(
                map.iter()
                    .filter(|(_, v)| v.as_str() == Some(self.limit.attribute.as_str()))
                    .map(|(k, _)| k.clone()),
            );
        }
        let values = body.get("ExpressionAttributeValues")?;
        names.iter().find_map(|name| {
            let mut rest = condition;
            while let Some(at) = rest.find(name.as_str()) {
                let after = rest[at + name.len()..].trim_start();
                if let Some(value) = after.strip_prefix('=') {
                    let placeholder: String = value
                        .trim_start()
                        .chars()
                        .take_while(|c| *c == ':' || c.is_alphanumeric() || *c == '_')
                        .collect();
                    return values.get(&placeholder).map(Value::to_string);
                }
                rest = &rest[at + name.len()..];
            }
            None
        })
    }
}

/// Write units for an item of this JSON: 1 per KB, at least 1.
pub(crate) fn write_units(item: &Value) -> f64 {
    (item.to_string().len() as f64 / 1024.0).ceil().max(1.0)
}

/// Read units for `bytes` of items: ½ per 4 KB (1 strongly consistent), at least ½.
pub(crate) fn read_units(bytes: usize, consistent: bool) -> f64 {
    let units = (bytes as f64 / 4096.0).ceil().max(1.0);
    if consistent { units } else { units / 2.0 }
}
