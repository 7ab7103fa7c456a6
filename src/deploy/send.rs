//! The one place table administration reaches the SDK: create, describe, update (every
//! kind of change UpdateTable takes, one per request as DynamoDB requires), delete, and
//! the calls for the settings UpdateTable does not hold — each through `observe`, each
//! failure classified. An operation a server does not implement comes back as `None`
//! from the readers, so a drift check can say so instead of failing.

use std::pin::pin;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, ContributorInsightsAction, ContributorInsightsMode,
    GlobalSecondaryIndex, GlobalSecondaryIndexUpdate, GlobalTableWitnessGroupUpdate,
    KeySchemaElement, MultiRegionConsistency, OnDemandThroughput, PointInTimeRecoverySpecification,
    ProvisionedThroughput, ReplicationGroupUpdate, StreamSpecification, TableClass,
    TableDescription, Tag, TimeToLiveSpecification, VectorIndex, VectorIndexUpdate, WarmThroughput,
};

use crate::Error;
use crate::client::Inner;
use crate::observe::{Call, ObserveExt};

/// A table as CreateTable takes it.
#[derive(Default)]
pub(crate) struct TableSpec {
    pub(crate) attribute_definitions: Vec<AttributeDefinition>,
    pub(crate) key_schema: Vec<KeySchemaElement>,
    pub(crate) indexes: Vec<GlobalSecondaryIndex>,
    pub(crate) vector_indexes: Vec<VectorIndex>,
    pub(crate) billing: Option<(BillingMode, Option<ProvisionedThroughput>)>,
    pub(crate) on_demand: Option<OnDemandThroughput>,
    pub(crate) warm: Option<WarmThroughput>,
    pub(crate) stream: Option<StreamSpecification>,
    pub(crate) table_class: Option<TableClass>,
    pub(crate) deletion_protection: Option<bool>,
    pub(crate) tags: Vec<Tag>,
    pub(crate) resource_policy: Option<String>,
}

/// CreateTable.
pub(crate) async fn create_table(db: &Inner, spec: TableSpec) -> Result<(), Error> {
    let (mode, throughput) = spec.billing.unwrap_or((BillingMode::PayPerRequest, None));
    pin!(
        db.client
            .create_table()
            .table_name(&db.table_name)
            .billing_mode(mode)
            .set_provisioned_throughput(throughput)
            .set_attribute_definitions(Some(spec.attribute_definitions))
            .set_key_schema(Some(spec.key_schema))
            .set_global_secondary_indexes(non_empty(spec.indexes))
            .set_vector_indexes(non_empty(spec.vector_indexes))
            .set_on_demand_throughput(spec.on_demand)
            .set_warm_throughput(spec.warm)
            .set_stream_specification(spec.stream)
            .set_table_class(spec.table_class)
            .set_deletion_protection_enabled(spec.deletion_protection)
            .set_tags(non_empty(spec.tags))
            .set_resource_policy(spec.resource_policy)
            .send()
    )
    .observed(db, Call::new("CreateTable", "*"))
    .await
    .map(drop)
    .map_err(|e| crate::error::service("CreateTable", e))
}

fn non_empty<T>(list: Vec<T>) -> Option<Vec<T>> {
    (!list.is_empty()).then_some(list)
}

/// One change UpdateTable takes (DynamoDB takes one kind per request).
#[derive(Debug)]
pub(crate) enum TableChange {
    /// Add or delete an index (`definitions`: the attribute types a new index's keys or
    /// search schema need; empty for a deletion).
    Index {
        definitions: Vec<AttributeDefinition>,
        update: IndexUpdate,
    },
    /// Switch billing mode; to provisioned with the table's and each index's throughput.
    Billing {
        mode: BillingMode,
        throughput: Option<ProvisionedThroughput>,
        indexes: Vec<GlobalSecondaryIndexUpdate>,
    },
    OnDemand(OnDemandThroughput),
    Warm(WarmThroughput),
    /// An index's throughput settings.
    IndexSettings(GlobalSecondaryIndexUpdate),
    Class(TableClass),
    Stream(StreamSpecification),
    DeletionProtection(bool),
    Replicas {
        updates: Vec<ReplicationGroupUpdate>,
        consistency: Option<MultiRegionConsistency>,
        witness: Option<GlobalTableWitnessGroupUpdate>,
    },
}

/// One index change.
#[derive(Debug)]
pub(crate) enum IndexUpdate {
    Global(GlobalSecondaryIndexUpdate),
    Vector(VectorIndexUpdate),
}

/// UpdateTable with one change.
pub(crate) async fn update_table(db: &Inner, change: TableChange) -> Result<(), Error> {
    let request = db.client.update_table().table_name(&db.table_name);
    let request = match change {
        TableChange::Index {
            definitions,
            update,
        } => {
            let request = request.set_attribute_definitions(non_empty(definitions));
            match update {
                IndexUpdate::Global(update) => request.global_secondary_index_updates(update),
                IndexUpdate::Vector(update) => request.vector_index_updates(update),
            }
        }
        TableChange::Billing {
            mode,
            throughput,
            indexes,
        } => request
            .billing_mode(mode)
            .set_provisioned_throughput(throughput)
            .set_global_secondary_index_updates(non_empty(indexes)),
        TableChange::OnDemand(max) => request.on_demand_throughput(max),
        TableChange::Warm(warm) => request.warm_throughput(warm),
        TableChange::IndexSettings(update) => request.global_secondary_index_updates(update),
        TableChange::Class(class) => request.table_class(class),
        TableChange::Stream(stream) => request.stream_specification(stream),
        TableChange::DeletionProtection(on) => request.deletion_protection_enabled(on),
        TableChange::Replicas {
            updates,
            consistency,
            witness,
        } => request
            .set_replica_updates(Some(updates))
            .set_multi_region_consistency(consistency)
            .set_global_table_witness_updates(witness.map(|w| vec![w])),
    };
    pin!(request.send())
        .observed(db, Call::new("UpdateTable", "*"))
        .await
        .map(drop)
        .map_err(|e| crate::error::service("UpdateTable", e))
}

/// UpdateTimeToLive.
pub(crate) async fn update_ttl(db: &Inner, spec: TimeToLiveSpecification) -> Result<(), Error> {
    pin!(
        db.client
            .update_time_to_live()
            .table_name(&db.table_name)
            .time_to_live_specification(spec)
            .send()
    )
    .observed(db, Call::new("UpdateTimeToLive", "*"))
    .await
    .map(drop)
    .map_err(|e| crate::error::service("UpdateTimeToLive", e))
}

/// DeleteTable.
pub(crate) async fn delete_table(db: &Inner) -> Result<(), Error> {
    pin!(db.client.delete_table().table_name(&db.table_name).send())
        .observed(db, Call::new("DeleteTable", "*"))
        .await
        .map(drop)
        .map_err(|e| crate::error::service("DeleteTable", e))
}

/// DescribeTable; `None` when the table does not exist.
pub(crate) async fn describe_table(db: &Inner) -> Result<Option<TableDescription>, Error> {
    match pin!(db.client.describe_table().table_name(&db.table_name).send())
        .observed(db, Call::new("DescribeTable", "*"))
        .await
    {
        Ok(output) => Ok(output.table),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(crate::error::service("DescribeTable", e)),
    }
}

/// What a reader of one setting returns: the value, or why this server cannot say (it
/// does not implement the operation).
pub(crate) type Answer<T> = Result<T, Unavailable>;

/// A server's refusal of an operation it does not implement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unavailable(pub(crate) String);

/// Sorts an SDK failure into "not implemented here" (answered) and real errors.
fn answer<T, E, R>(
    operation: &'static str,
    result: Result<T, SdkError<E, R>>,
) -> Result<Answer<T>, Error>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(e) if e.code() == Some("UnknownOperationException") => Ok(Err(Unavailable(format!(
            "{operation} is not implemented by this server"
        )))),
        Err(e) => Err(crate::error::service(operation, e)),
    }
}

/// DescribeTimeToLive: the attribute when TTL is on (or being turned on), and whether it is
/// changing (`ENABLING`/`DISABLING`: DynamoDB takes no other change for up to an hour).
pub(crate) async fn describe_ttl(db: &Inner) -> Result<(Option<String>, bool), Error> {
    let out = pin!(
        db.client
            .describe_time_to_live()
            .table_name(&db.table_name)
            .send()
    )
    .observed(db, Call::new("DescribeTimeToLive", "*"))
    .await
    .map_err(|e| crate::error::service("DescribeTimeToLive", e))?;
    use aws_sdk_dynamodb::types::TimeToLiveStatus::{Disabling, Enabled, Enabling};
    let Some(description) = out.time_to_live_description else {
        return Ok((None, false));
    };
    let status = description.time_to_live_status;
    let on = matches!(status, Some(Enabled | Enabling));
    let changing = matches!(status, Some(Enabling | Disabling));
    Ok((description.attribute_name.filter(|_| on), changing))
}

/// DescribeContinuousBackups: the recovery period in days when point-in-time recovery is on.
pub(crate) async fn describe_backups(db: &Inner) -> Result<Answer<Option<u8>>, Error> {
    let result = pin!(
        db.client
            .describe_continuous_backups()
            .table_name(&db.table_name)
            .send()
    )
    .observed(db, Call::new("DescribeContinuousBackups", "*"))
    .await;
    Ok(answer("DescribeContinuousBackups", result)?.map(|out| {
        use aws_sdk_dynamodb::types::PointInTimeRecoveryStatus::Enabled;
        out.continuous_backups_description
            .and_then(|d| d.point_in_time_recovery_description)
            .filter(|p| p.point_in_time_recovery_status == Some(Enabled))
            .map(|p| {
                p.recovery_period_in_days
                    .and_then(|d| u8::try_from(d).ok())
                    .unwrap_or(crate::deploy::settings::MAX_RECOVERY_DAYS)
            })
    }))
}

/// UpdateContinuousBackups.
pub(crate) async fn update_backups(
    db: &Inner,
    spec: PointInTimeRecoverySpecification,
) -> Result<(), Error> {
    pin!(
        db.client
            .update_continuous_backups()
            .table_name(&db.table_name)
            .point_in_time_recovery_specification(spec)
            .send()
    )
    .observed(db, Call::new("UpdateContinuousBackups", "*"))
    .await
    .map(drop)
    .map_err(|e| crate::error::service("UpdateContinuousBackups", e))
}

/// ListTagsOfResource, every page.
pub(crate) async fn list_tags(db: &Inner, arn: &str) -> Result<Answer<Vec<Tag>>, Error> {
    let mut tags = Vec::new();
    let mut next = None;
    loop {
        let result = pin!(
            db.client
                .list_tags_of_resource()
                .resource_arn(arn)
                .set_next_token(next.take())
                .send()
        )
        .observed(db, Call::new("ListTagsOfResource", "*"))
        .await;
        match answer("ListTagsOfResource", result)? {
            Err(unavailable) => return Ok(Err(unavailable)),
            Ok(out) => {
                tags.extend(out.tags.unwrap_or_default());
                match out.next_token {
                    Some(token) => next = Some(token),
                    None => return Ok(Ok(tags)),
                }
            }
        }
    }
}

/// TagResource.
pub(crate) async fn tag(db: &Inner, arn: &str, tags: Vec<Tag>) -> Result<(), Error> {
    pin!(
        db.client
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags))
            .send()
    )
    .observed(db, Call::new("TagResource", "*"))
    .await
    .map(drop)
    .map_err(|e| crate::error::service("TagResource", e))
}

/// UntagResource.
pub(crate) async fn untag(db: &Inner, arn: &str, keys: Vec<String>) -> Result<(), Error> {
    pin!(
        db.client
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys))
            .send()
    )
    .observed(db, Call::new("UntagResource", "*"))
    .await
    .map(drop)
    .map_err(|e| crate::error::service("UntagResource", e))
}

/// GetResourcePolicy: the policy document, `None` when the table has none.
pub(crate) async fn get_policy(db: &Inner, arn: &str) -> Result<Answer<Option<String>>, Error> {
    let result = pin!(db.client.get_resource_policy().resource_arn(arn).send())
        .observed(db, Call::new("GetResourcePolicy", "*"))
        .await;
    match result {
        Err(e) if e.code() == Some("PolicyNotFoundException") => Ok(Ok(None)),
        result => Ok(answer("GetResourcePolicy", result)?.map(|out| out.policy)),
    }
}

/// PutResourcePolicy.
pub(crate) async fn put_policy(db: &Inner, arn: &str, policy: &str) -> Result<(), Error> {
    pin!(
        db.client
            .put_resource_policy()
            .resource_arn(arn)
            .policy(policy)
            .send()
    )
    .observed(db, Call::new("PutResourcePolicy", "*"))
    .await
    .map(drop)
    .map_err(|e| crate::error::service("PutResourcePolicy", e))
}

/// DeleteResourcePolicy.
pub(crate) async fn delete_policy(db: &Inner, arn: &str) -> Result<(), Error> {
    pin!(db.client.delete_resource_policy().resource_arn(arn).send())
        .observed(db, Call::new("DeleteResourcePolicy", "*"))
        .await
        .map(drop)
        .map_err(|e| crate::error::service("DeleteResourcePolicy", e))
}

/// DescribeContributorInsights (the table's): the mode when it is on.
pub(crate) async fn describe_insights(
    db: &Inner,
) -> Result<Answer<Option<ContributorInsightsMode>>, Error> {
    let result = pin!(
        db.client
            .describe_contributor_insights()
            .table_name(&db.table_name)
            .send()
    )
    .observed(db, Call::new("DescribeContributorInsights", "*"))
    .await;
    Ok(answer("DescribeContributorInsights", result)?.map(|out| {
        use aws_sdk_dynamodb::types::ContributorInsightsStatus::{Enabled, Enabling};
        matches!(out.contributor_insights_status, Some(Enabled | Enabling)).then(|| {
            out.contributor_insights_mode
                .unwrap_or(ContributorInsightsMode::AccessedAndThrottledKeys)
        })
    }))
}

/// UpdateContributorInsights (the table's).
pub(crate) async fn update_insights(
    db: &Inner,
    mode: Option<ContributorInsightsMode>,
) -> Result<(), Error> {
    let action = if mode.is_some() {
        ContributorInsightsAction::Enable
    } else {
        ContributorInsightsAction::Disable
    };
    pin!(
        db.client
            .update_contributor_insights()
            .table_name(&db.table_name)
            .contributor_insights_action(action)
            .set_contributor_insights_mode(mode)
            .send()
    )
    .observed(db, Call::new("UpdateContributorInsights", "*"))
    .await
    .map(drop)
    .map_err(|e| crate::error::service("UpdateContributorInsights", e))
}

/// An ImportTable request's parts.
#[cfg(feature = "s3")]
pub(crate) struct ImportRequest {
    pub(crate) source: aws_sdk_dynamodb::types::S3BucketSource,
    pub(crate) format: aws_sdk_dynamodb::types::InputFormat,
    pub(crate) compression: aws_sdk_dynamodb::types::InputCompressionType,
    pub(crate) parameters: aws_sdk_dynamodb::types::TableCreationParameters,
    pub(crate) token: Option<String>,
}

/// ImportTable.
#[cfg(feature = "s3")]
pub(crate) async fn import_table(
    db: &Inner,
    request: ImportRequest,
) -> Result<aws_sdk_dynamodb::types::ImportTableDescription, Error> {
    let out = pin!(
        db.client
            .import_table()
            .s3_bucket_source(request.source)
            .input_format(request.format)
            .input_compression_type(request.compression)
            .table_creation_parameters(request.parameters)
            .set_client_token(request.token)
            .send()
    )
    .observed(db, Call::new("ImportTable", "*"))
    .await
    .map_err(|e| crate::error::service("ImportTable", e))?;
    out.import_table_description.ok_or_else(|| {
        Error::build(
            "ImportTableDescription",
            aws_sdk_dynamodb::error::BuildError::missing_field(
                "import_table_description",
                "the import's description",
            ),
        )
    })
}
