//! A live table's settings, read with every call that holds one: DescribeTable,
//! DescribeTimeToLive, DescribeContinuousBackups, ListTagsOfResource, GetResourcePolicy and
//! DescribeContributorInsights. What a server does not implement is an [`Answer`] saying
//! so, never a guess.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{
    BillingMode, ContributorInsightsMode, MultiRegionConsistency, ProvisionedThroughputDescription,
    ReplicaStatus, StreamViewType, TableDescription,
};

use super::send::{self, Answer};
use super::settings::{
    Billing, Consistency, ContributorInsights, IndexSettings, MaxThroughput, TableClass,
    WarmThroughput,
};
use crate::Error;
use crate::client::Inner;

/// Everything a drift check compares, as the live table has it.
#[derive(Debug, Clone)]
pub(crate) struct Live {
    pub(crate) arn: String,
    pub(crate) billing: Billing,
    pub(crate) max_throughput: MaxThroughput,
    pub(crate) warm_throughput: Option<WarmThroughput>,
    pub(crate) indexes: BTreeMap<String, IndexSettings>,
    /// Each index's provisioned (read, write) capacity, when it has any.
    pub(crate) index_capacity: BTreeMap<String, (u32, u32)>,
    pub(crate) stream: Option<StreamViewType>,
    pub(crate) deletion_protection: bool,
    pub(crate) table_class: TableClass,
    pub(crate) ttl: Option<String>,
    /// TTL is being turned on or off.
    pub(crate) ttl_changing: bool,
    pub(crate) replicas: Vec<String>,
    pub(crate) consistency: Consistency,
    pub(crate) point_in_time_recovery: Answer<Option<u8>>,
    pub(crate) tags: Answer<BTreeMap<String, String>>,
    pub(crate) resource_policy: Answer<Option<String>>,
    pub(crate) contributor_insights: Answer<ContributorInsights>,
}

/// Reads the live settings of the table `db` addresses (`None` when it does not exist).
pub(crate) async fn read(db: &Inner) -> Result<Option<Live>, Error> {
    let Some(table) = send::describe_table(db).await? else {
        return Ok(None);
    };
    let arn = table.table_arn().unwrap_or_default().to_owned();
    let (ttl, ttl_changing) = send::describe_ttl(db).await?;
    let point_in_time_recovery = send::describe_backups(db).await?;
    let tags = send::list_tags(db, &arn).await?.map(|tags| {
        // `aws:` tags belong to AWS (CloudFormation stacks set them): never declared,
        // never drift, never removed.
        tags.into_iter()
            .filter(|t| !t.key.starts_with("aws:"))
            .map(|t| (t.key, t.value))
            .collect()
    });
    let resource_policy = send::get_policy(db, &arn).await?;
    let contributor_insights = send::describe_insights(db).await?.map(|mode| match mode {
        None => ContributorInsights::Off,
        Some(ContributorInsightsMode::ThrottledKeys) => ContributorInsights::ThrottledKeys,
        Some(_) => ContributorInsights::AccessedAndThrottledKeys,
    });
    Ok(Some(Live {
        arn,
        billing: billing(&table),
        max_throughput: max_throughput(table.on_demand_throughput()),
        warm_throughput: table
            .warm_throughput()
            .and_then(|w| warm(w.read_units_per_second(), w.write_units_per_second())),
        indexes: indexes(&table),
        index_capacity: index_capacity(&table),
        stream: table
            .stream_specification()
            .filter(|s| s.stream_enabled())
            .and_then(|s| s.stream_view_type().cloned()),
        deletion_protection: table.deletion_protection_enabled().unwrap_or(false),
        table_class: match table.table_class_summary().and_then(|c| c.table_class()) {
            Some(aws_sdk_dynamodb::types::TableClass::StandardInfrequentAccess) => {
                TableClass::StandardInfrequentAccess
            }
            _ => TableClass::Standard,
        },
        ttl,
        ttl_changing,
        replicas: table
            .replicas()
            .iter()
            .filter(|r| {
                // A replica being deleted, or one that failed, holds no copy to count on.
                r.replica_status().is_none_or(|s| {
                    matches!(
                        s,
                        ReplicaStatus::Active | ReplicaStatus::Creating | ReplicaStatus::Updating
                    )
                })
            })
            .filter_map(|r| r.region_name().map(str::to_owned))
            .collect(),
        consistency: consistency(&table),
        point_in_time_recovery,
        tags,
        resource_policy,
        contributor_insights,
    }))
}

/// On-demand unless DynamoDB says provisioned (a table created before billing modes
/// existed reports none: provisioned).
fn billing(table: &TableDescription) -> Billing {
    let on_demand = table
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .is_some_and(|m| *m == BillingMode::PayPerRequest);
    if on_demand {
        return Billing::OnDemand;
    }
    let (read, write) = capacity(table.provisioned_throughput());
    Billing::Provisioned { read, write }
}

/// Provisioned (read, write) units as DynamoDB reports them.
fn capacity(throughput: Option<&ProvisionedThroughputDescription>) -> (u32, u32) {
    let units = |n: Option<i64>| u32::try_from(n.unwrap_or(0)).unwrap_or(u32::MAX);
    (
        units(throughput.and_then(|t| t.read_capacity_units())),
        units(throughput.and_then(|t| t.write_capacity_units())),
    )
}

/// The indexes with provisioned capacity (an on-demand table's report zeros or none).
fn index_capacity(table: &TableDescription) -> BTreeMap<String, (u32, u32)> {
    table
        .global_secondary_indexes()
        .iter()
        .filter_map(|index| {
            let capacity = capacity(index.provisioned_throughput());
            let name = index.index_name()?.to_owned();
            (capacity != (0, 0)).then_some((name, capacity))
        })
        .collect()
}

/// A maximum as DynamoDB reports it: absent or `-1` is unlimited.
fn max_throughput(max: Option<&aws_sdk_dynamodb::types::OnDemandThroughput>) -> MaxThroughput {
    let limit = |n: Option<i64>| n.and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0);
    MaxThroughput {
        read: limit(max.and_then(|m| m.max_read_request_units())),
        write: limit(max.and_then(|m| m.max_write_request_units())),
    }
}

fn warm(read: Option<i64>, write: Option<i64>) -> Option<WarmThroughput> {
    Some(WarmThroughput {
        reads_per_second: u32::try_from(read?).ok()?,
        writes_per_second: u32::try_from(write?).ok()?,
    })
}

fn indexes(table: &TableDescription) -> BTreeMap<String, IndexSettings> {
    table
        .global_secondary_indexes()
        .iter()
        .filter_map(|index| {
            let settings = IndexSettings {
                max_throughput: Some(max_throughput(index.on_demand_throughput())),
                warm_throughput: index
                    .warm_throughput()
                    .and_then(|w| warm(w.read_units_per_second(), w.write_units_per_second())),
            };
            Some((index.index_name()?.to_owned(), settings))
        })
        .collect()
}

fn consistency(table: &TableDescription) -> Consistency {
    if table.multi_region_consistency() != Some(&MultiRegionConsistency::Strong) {
        return Consistency::Eventual;
    }
    Consistency::Strong {
        witness: table
            .global_table_witnesses()
            .first()
            .and_then(|w| w.region_name().map(str::to_owned)),
    }
}
