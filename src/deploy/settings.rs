//! [`Deployment`]: every setting of a deployed table that its declaration does not hold.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::StreamViewType;

use crate::table::IndexHandle;

/// How the table is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    /// On-demand (`PAY_PER_REQUEST`), the default.
    OnDemand,
    /// Provisioned capacity, the same for the table and each index.
    Provisioned {
        /// Read capacity units.
        read: u32,
        /// Write capacity units.
        write: u32,
    },
}

/// The most request units per second an on-demand table (or index) may consume; `None`
/// leaves that side unlimited (DynamoDB's `-1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MaxThroughput {
    /// Read request units per second, at most.
    pub read: Option<u32>,
    /// Write request units per second, at most.
    pub write: Option<u32>,
}

/// Throughput a table (or index) is prepared to serve at once. DynamoDB computes a default
/// for every table and raises it with use; a declared value is a floor (it can only be
/// raised).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarmThroughput {
    /// Read units per second.
    pub reads_per_second: u32,
    /// Write units per second.
    pub writes_per_second: u32,
}

/// The table's storage class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TableClass {
    /// `STANDARD`, DynamoDB's default.
    #[default]
    Standard,
    /// `STANDARD_INFREQUENT_ACCESS`: cheaper storage, dearer requests.
    StandardInfrequentAccess,
}

impl TableClass {
    /// DynamoDB's name for the class.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "STANDARD",
            Self::StandardInfrequentAccess => "STANDARD_INFREQUENT_ACCESS",
        }
    }
}

/// CloudWatch Contributor Insights on the table (its indexes are not set here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContributorInsights {
    /// Off, DynamoDB's default.
    #[default]
    Off,
    /// The most accessed and the most throttled keys.
    AccessedAndThrottledKeys,
    /// The most throttled keys only.
    ThrottledKeys,
}

impl ContributorInsights {
    /// DynamoDB's `ContributorInsightsMode` of an enabled setting.
    pub fn mode(self) -> Option<&'static str> {
        match self {
            Self::Off => None,
            Self::AccessedAndThrottledKeys => Some("ACCESSED_AND_THROTTLED_KEYS"),
            Self::ThrottledKeys => Some("THROTTLED_KEYS"),
        }
    }
}

/// How replicas of a global table agree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Consistency {
    /// Multi-Region eventual consistency, DynamoDB's default.
    #[default]
    Eventual,
    /// Multi-Region strong consistency: the table's Region plus exactly two more — two
    /// replicas, or one replica and this witness Region. DynamoDB turns it on for an
    /// empty table only.
    Strong {
        /// A witness Region (holds no data; votes) when there is one replica.
        witness: Option<String>,
    },
}

/// Settings of one index beyond its declaration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IndexSettings {
    pub(crate) max_throughput: Option<MaxThroughput>,
    pub(crate) warm_throughput: Option<WarmThroughput>,
}

/// Every setting of a deployed table beyond its declaration: billing and throughput, warm
/// throughput, stream, point-in-time recovery and its period, deletion protection, table
/// class, resource-based policy, tags, Contributor Insights and global-table replicas.
/// [`Db::ensure_table_with`](crate::Db::ensure_table_with) creates and updates a table to
/// it, [`Db::drift`](crate::Db::drift) compares a live table with it, and the
/// infrastructure exports ([`design`](crate::design)) write it.
///
/// `Deployment::default()` is what DynamoDB gives a table nobody configured (on-demand,
/// no stream, no backups, no protection, `STANDARD`, no tags, no policy, no replicas);
/// [`Deployment::production`] adds point-in-time recovery and deletion protection.
///
/// ```
/// use dynamorm::deploy::{Billing, Deployment, MaxThroughput, TableClass};
/// use aws_sdk_dynamodb::types::StreamViewType;
/// let deployment = Deployment::production()
///     .table_name("tracker-prod")
///     .max_throughput(MaxThroughput { read: Some(4_000), write: Some(1_000) })
///     .stream(StreamViewType::NewAndOldImages)
///     .recovery_period_days(14)
///     .table_class(TableClass::StandardInfrequentAccess)
///     .tag("team", "tracker");
/// assert_eq!(deployment.name_for("tracker"), "tracker-prod");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub(crate) table_name: Option<String>,
    pub(crate) billing: Billing,
    pub(crate) max_throughput: Option<MaxThroughput>,
    pub(crate) warm_throughput: Option<WarmThroughput>,
    pub(crate) indexes: BTreeMap<&'static str, IndexSettings>,
    pub(crate) stream: Option<StreamViewType>,
    /// The recovery period in days when point-in-time recovery is on.
    pub(crate) point_in_time_recovery: Option<u8>,
    pub(crate) deletion_protection: bool,
    pub(crate) table_class: TableClass,
    pub(crate) resource_policy: Option<String>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) contributor_insights: ContributorInsights,
    pub(crate) replicas: Vec<String>,
    pub(crate) consistency: Consistency,
    /// Whether `ensure_table_with` waits for indexes it adds to become active.
    pub(crate) wait_for_new_indexes: bool,
}

impl Default for Deployment {
    fn default() -> Self {
        Self {
            table_name: None,
            billing: Billing::OnDemand,
            max_throughput: None,
            warm_throughput: None,
            indexes: BTreeMap::new(),
            stream: None,
            point_in_time_recovery: None,
            deletion_protection: false,
            table_class: TableClass::Standard,
            resource_policy: None,
            tags: BTreeMap::new(),
            contributor_insights: ContributorInsights::Off,
            replicas: Vec::new(),
            consistency: Consistency::Eventual,
            wait_for_new_indexes: true,
        }
    }
}

/// DynamoDB's longest point-in-time recovery period, and its default.
pub(crate) const MAX_RECOVERY_DAYS: u8 = 35;

impl Deployment {
    /// A production table: point-in-time recovery (35 days) and deletion protection on.
    pub fn production() -> Self {
        Self::default()
            .point_in_time_recovery(true)
            .deletion_protection(true)
    }

    /// The deployed table's name (default: the declared one).
    pub fn table_name(mut self, name: impl Into<String>) -> Self {
        self.table_name = Some(name.into());
        self
    }

    /// Billing mode.
    pub fn billing(mut self, billing: Billing) -> Self {
        self.billing = billing;
        self
    }

    /// The on-demand table's maximum throughput.
    pub fn max_throughput(mut self, max: MaxThroughput) -> Self {
        self.max_throughput = Some(max);
        self
    }

    /// The table's warm throughput (a floor DynamoDB keeps ready).
    pub fn warm_throughput(mut self, warm: WarmThroughput) -> Self {
        self.warm_throughput = Some(warm);
        self
    }

    /// An on-demand index's maximum throughput. The index is named by its handle; one of
    /// another table is refused when the deployment is used.
    pub fn index_max_throughput<T>(
        mut self,
        index: impl IndexHandle<T>,
        max: MaxThroughput,
    ) -> Self {
        let name = index.index_schema().name();
        self.indexes.entry(name).or_default().max_throughput = Some(max);
        self
    }

    /// An index's warm throughput.
    pub fn index_warm_throughput<T>(
        mut self,
        index: impl IndexHandle<T>,
        warm: WarmThroughput,
    ) -> Self {
        let name = index.index_schema().name();
        self.indexes.entry(name).or_default().warm_throughput = Some(warm);
        self
    }

    /// A DynamoDB stream with this view (needed by `dynamorm::stream` consumers).
    pub fn stream(mut self, view: StreamViewType) -> Self {
        self.stream = Some(view);
        self
    }

    /// Point-in-time recovery (continuous backups), with DynamoDB's default period of 35
    /// days when on.
    pub fn point_in_time_recovery(mut self, enabled: bool) -> Self {
        self.point_in_time_recovery = enabled.then_some(MAX_RECOVERY_DAYS);
        self
    }

    /// Point-in-time recovery with a recovery period of `days` (1–35; others are refused
    /// when the deployment is used).
    pub fn recovery_period_days(mut self, days: u8) -> Self {
        self.point_in_time_recovery = Some(days);
        self
    }

    /// Deletion protection.
    pub fn deletion_protection(mut self, enabled: bool) -> Self {
        self.deletion_protection = enabled;
        self
    }

    /// The table class.
    pub fn table_class(mut self, class: TableClass) -> Self {
        self.table_class = class;
        self
    }

    /// A resource-based policy (an IAM policy document, JSON). Compared as JSON, not as
    /// text.
    pub fn resource_policy(mut self, policy: impl Into<String>) -> Self {
        self.resource_policy = Some(policy.into());
        self
    }

    /// A tag (DynamoDB takes up to 50).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// CloudWatch Contributor Insights.
    pub fn contributor_insights(mut self, mode: ContributorInsights) -> Self {
        self.contributor_insights = mode;
        self
    }

    /// A replica in `region`: the table becomes a global table (version 2019.11.21).
    pub fn replica(mut self, region: impl Into<String>) -> Self {
        self.replicas.push(region.into());
        self
    }

    /// How the replicas agree.
    pub fn consistency(mut self, consistency: Consistency) -> Self {
        self.consistency = consistency;
        self
    }

    /// Whether `ensure_table_with` waits until indexes it adds are active (the default:
    /// yes). DynamoDB Local never reports an index added to an existing table as active.
    /// Adding a vector index still waits for an index operation already running, as
    /// DynamoDB takes one at a time per table.
    pub fn wait_for_new_indexes(mut self, wait: bool) -> Self {
        self.wait_for_new_indexes = wait;
        self
    }

    /// The table name to deploy under: the override, or `declared`.
    pub fn name_for<'a>(&'a self, declared: &'a str) -> &'a str {
        self.table_name.as_deref().unwrap_or(declared)
    }
}
