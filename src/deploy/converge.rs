//! Brings a live table to its [`Deployment`]: the drifts, each fixed by the call DynamoDB
//! takes for it, one change per UpdateTable and waiting for the table to be active
//! between them (DynamoDB refuses an update while another is running). What `ensure` never
//! does: delete a replica (its Region's copy of the data), or change TTL or consistency
//! where DynamoDB cannot in one step — those are refused with the drift named.

use aws_sdk_dynamodb::types::{
    BillingMode, ContributorInsightsMode, CreateGlobalTableWitnessGroupMemberAction,
    CreateReplicationGroupMemberAction, GlobalSecondaryIndexUpdate, GlobalTableWitnessGroupUpdate,
    MultiRegionConsistency, OnDemandThroughput, PointInTimeRecoverySpecification,
    ProvisionedThroughput, ReplicationGroupUpdate, StreamSpecification, Tag,
    TimeToLiveSpecification, UpdateGlobalSecondaryIndexAction,
};

use super::drift::{Drift, Setting};
use super::live::Live;
use super::send::{self, TableChange};
use super::settings::{
    Billing, Consistency, ContributorInsights, Deployment, MaxThroughput, TableClass,
    WarmThroughput,
};
use super::wait::wait_until_active;
use crate::Error;
use crate::client::Inner;
use crate::table::TableSchema;

/// Applies `drifts` (of `live` from `deployment`) in DynamoDB's order.
pub(crate) async fn converge(
    db: &Inner,
    schema: &TableSchema,
    deployment: &Deployment,
    live: &Live,
    drifts: &[Drift],
) -> Result<(), Error> {
    let has = |s: &Setting| drifts.iter().any(|d| &d.setting == s);
    for drift in drifts {
        if let Some(change) = table_change(schema, deployment, live, &drift.setting)? {
            send::update_table(db, change).await?;
            wait_until_active(db).await?;
        }
    }
    if has(&Setting::Stream) {
        stream(db, deployment, live).await?;
    }
    if has(&Setting::TimeToLive) {
        ttl(db, schema, live).await?;
    }
    if drifts.iter().any(|d| matches!(d.setting, Setting::Tag(_))) {
        tags(db, deployment, live).await?;
    }
    if has(&Setting::ResourcePolicy) {
        match &deployment.resource_policy {
            Some(policy) => send::put_policy(db, &live.arn, policy).await?,
            None => send::delete_policy(db, &live.arn).await?,
        }
    }
    if has(&Setting::PointInTimeRecovery) {
        let spec = PointInTimeRecoverySpecification::builder()
            .point_in_time_recovery_enabled(deployment.point_in_time_recovery.is_some())
            .set_recovery_period_in_days(deployment.point_in_time_recovery.map(i32::from))
            .build()
            .map_err(|e| Error::build("PointInTimeRecoverySpecification", e))?;
        backups(db, spec).await?;
    }
    if has(&Setting::ContributorInsights) {
        send::update_insights(db, insights_mode(deployment.contributor_insights)).await?;
    }
    replicas(db, deployment, live, drifts).await
}

/// The UpdateTable change fixing `setting`, for the settings UpdateTable holds alone.
fn table_change(
    schema: &TableSchema,
    deployment: &Deployment,
    live: &Live,
    setting: &Setting,
) -> Result<Option<TableChange>, Error> {
    let index = |name: &str| deployment.indexes.get(name).cloned().unwrap_or_default();
    Ok(Some(match setting {
        Setting::Billing => billing(schema, deployment.billing, live.billing)?,
        Setting::IndexCapacity(name) => match deployment.billing {
            Billing::Provisioned { read, write } => {
                let capacity = provisioned(read, write)?;
                TableChange::IndexSettings(index_update(name, |u| {
                    u.provisioned_throughput(capacity)
                })?)
            }
            Billing::OnDemand => return Ok(None),
        },
        Setting::MaxThroughput => {
            TableChange::OnDemand(on_demand(deployment.max_throughput.unwrap_or_default()))
        }
        Setting::WarmThroughput => match deployment.warm_throughput {
            Some(warm) => TableChange::Warm(warm_throughput(warm)),
            None => return Ok(None),
        },
        Setting::IndexMaxThroughput(name) => {
            let max = on_demand(index(name).max_throughput.unwrap_or_default());
            TableChange::IndexSettings(index_update(name, |u| u.on_demand_throughput(max))?)
        }
        Setting::IndexWarmThroughput(name) => match index(name).warm_throughput {
            Some(warm) => TableChange::IndexSettings(index_update(name, |u| {
                u.warm_throughput(warm_throughput(warm))
            })?),
            None => return Ok(None),
        },
        Setting::TableClass => TableChange::Class(table_class(deployment.table_class)),
        Setting::DeletionProtection => {
            TableChange::DeletionProtection(deployment.deletion_protection)
        }
        _ => return Ok(None),
    }))
}

/// The billing change: a switch of mode carries every index's capacity (DynamoDB wants
/// them in the same request); a provisioned table's new capacity is the table's alone
/// (an index unchanged would be refused as "will not change").
fn billing(schema: &TableSchema, billing: Billing, live: Billing) -> Result<TableChange, Error> {
    let Billing::Provisioned { read, write } = billing else {
        return Ok(TableChange::Billing {
            mode: BillingMode::PayPerRequest,
            throughput: None,
            indexes: Vec::new(),
        });
    };
    let throughput = provisioned(read, write)?;
    if matches!(live, Billing::Provisioned { .. }) {
        return Ok(TableChange::Billing {
            mode: BillingMode::Provisioned,
            throughput: Some(throughput),
            indexes: Vec::new(),
        });
    }
    let indexes = schema
        .indexes()
        .iter()
        .map(|i| index_update(i.name(), |u| u.provisioned_throughput(throughput.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TableChange::Billing {
        mode: BillingMode::Provisioned,
        throughput: Some(throughput),
        indexes,
    })
}

pub(crate) fn provisioned(read: u32, write: u32) -> Result<ProvisionedThroughput, Error> {
    ProvisionedThroughput::builder()
        .read_capacity_units(i64::from(read))
        .write_capacity_units(i64::from(write))
        .build()
        .map_err(|e| Error::build("ProvisionedThroughput", e))
}

/// An UpdateTable index update changing one index's throughput settings.
fn index_update(
    name: &str,
    set: impl FnOnce(
        aws_sdk_dynamodb::types::builders::UpdateGlobalSecondaryIndexActionBuilder,
    ) -> aws_sdk_dynamodb::types::builders::UpdateGlobalSecondaryIndexActionBuilder,
) -> Result<GlobalSecondaryIndexUpdate, Error> {
    let action = set(UpdateGlobalSecondaryIndexAction::builder().index_name(name))
        .build()
        .map_err(|e| Error::build("UpdateGlobalSecondaryIndexAction", e))?;
    Ok(GlobalSecondaryIndexUpdate::builder().update(action).build())
}

/// A maximum as UpdateTable takes it: `-1` lifts a side's limit.
pub(crate) fn on_demand(max: MaxThroughput) -> OnDemandThroughput {
    let side = |n: Option<u32>| n.map_or(-1, i64::from);
    OnDemandThroughput::builder()
        .max_read_request_units(side(max.read))
        .max_write_request_units(side(max.write))
        .build()
}

/// A maximum as CreateTable takes it: only the limited sides (`-1` is for updates).
pub(crate) fn on_demand_created(max: MaxThroughput) -> Option<OnDemandThroughput> {
    (max != MaxThroughput::default()).then(|| {
        OnDemandThroughput::builder()
            .set_max_read_request_units(max.read.map(i64::from))
            .set_max_write_request_units(max.write.map(i64::from))
            .build()
    })
}

pub(crate) fn warm_throughput(warm: WarmThroughput) -> aws_sdk_dynamodb::types::WarmThroughput {
    aws_sdk_dynamodb::types::WarmThroughput::builder()
        .read_units_per_second(i64::from(warm.reads_per_second))
        .write_units_per_second(i64::from(warm.writes_per_second))
        .build()
}

pub(crate) fn table_class(class: TableClass) -> aws_sdk_dynamodb::types::TableClass {
    match class {
        TableClass::Standard => aws_sdk_dynamodb::types::TableClass::Standard,
        TableClass::StandardInfrequentAccess => {
            aws_sdk_dynamodb::types::TableClass::StandardInfrequentAccess
        }
    }
}

pub(crate) fn stream_spec(
    view: Option<&aws_sdk_dynamodb::types::StreamViewType>,
) -> Result<StreamSpecification, Error> {
    StreamSpecification::builder()
        .stream_enabled(view.is_some())
        .set_stream_view_type(view.cloned())
        .build()
        .map_err(|e| Error::build("StreamSpecification", e))
}

/// A stream's view cannot change while it runs: off first, then on with the new view.
async fn stream(db: &Inner, deployment: &Deployment, live: &Live) -> Result<(), Error> {
    if live.stream.is_some() {
        send::update_table(db, TableChange::Stream(stream_spec(None)?)).await?;
        wait_until_active(db).await?;
    }
    if let Some(view) = &deployment.stream {
        send::update_table(db, TableChange::Stream(stream_spec(Some(view))?)).await?;
        wait_until_active(db).await?;
    }
    Ok(())
}

/// Turns TTL on for the declared attribute (or off); moving it to another attribute takes
/// two changes an hour apart on DynamoDB, so that is refused.
async fn ttl(db: &Inner, schema: &TableSchema, live: &Live) -> Result<(), Error> {
    if live.ttl_changing {
        return Err(refused(
            db,
            "time to live is being turned on or off (ENABLING or DISABLING), and DynamoDB takes \
             no other TTL change until it is done (up to an hour): run again later"
                .into(),
        ));
    }
    let (attribute, enabled) = match (schema.ttl(), &live.ttl) {
        (Some(declared), None) => (declared, true),
        (None, Some(found)) => (found.as_str(), false),
        (declared, found) => {
            return Err(refused(
                db,
                format!(
                    "time to live is on `{}` but declared on `{}`: DynamoDB takes one TTL change \
                     per hour; turn it off, and let `ensure_table_with` turn it on later",
                    found.as_deref().unwrap_or("nothing"),
                    declared.unwrap_or("nothing")
                ),
            ));
        }
    };
    let spec = TimeToLiveSpecification::builder()
        .attribute_name(attribute)
        .enabled(enabled)
        .build()
        .map_err(|e| Error::build("TimeToLiveSpecification", e))?;
    send::update_ttl(db, spec).await
}

async fn tags(db: &Inner, deployment: &Deployment, live: &Live) -> Result<(), Error> {
    let live_tags = live.tags.as_ref().ok();
    let set: Vec<Tag> = deployment
        .tags
        .iter()
        .filter(|(k, v)| live_tags.and_then(|t| t.get(*k)) != Some(*v))
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<_, _>>()
        .map_err(|e| Error::build("Tag", e))?;
    let removed: Vec<String> = live_tags
        .into_iter()
        .flat_map(|t| t.keys())
        .filter(|k| !deployment.tags.contains_key(*k))
        .cloned()
        .collect();
    if !set.is_empty() {
        send::tag(db, &live.arn, set).await?;
    }
    if !removed.is_empty() {
        send::untag(db, &live.arn, removed).await?;
    }
    Ok(())
}

fn insights_mode(insights: ContributorInsights) -> Option<ContributorInsightsMode> {
    insights.mode().map(ContributorInsightsMode::from)
}

/// Adds the declared replicas the table lacks — all in one request with the consistency
/// when they are its first (DynamoDB sets multi-Region strong consistency only then) —
/// and refuses what it will not do: delete a replica, or change the consistency of
/// replicas that exist.
async fn replicas(
    db: &Inner,
    deployment: &Deployment,
    live: &Live,
    drifts: &[Drift],
) -> Result<(), Error> {
    let missing: Vec<&String> = drifts
        .iter()
        .filter_map(|d| match &d.setting {
            Setting::Replica(region) if deployment.replicas.contains(region) => Some(region),
            _ => None,
        })
        .collect();
    if let Some(extra) = drifts
        .iter()
        .find(|d| matches!(&d.setting, Setting::Replica(r) if !deployment.replicas.contains(r)))
    {
        return Err(refused(
            db,
            format!(
                "{extra}: `ensure_table_with` never deletes a replica (its Region's copy of the data)"
            ),
        ));
    }
    let consistency = drifts.iter().find(|d| d.setting == Setting::Consistency);
    if let Some(drift) = consistency.filter(|_| !live.replicas.is_empty()) {
        return Err(refused(
            db,
            format!("{drift}: DynamoDB sets it only when the first replicas are added"),
        ));
    }
    if missing.is_empty() {
        return Ok(());
    }
    let updates = missing
        .iter()
        .map(|region| {
            let create = CreateReplicationGroupMemberAction::builder()
                .region_name(region.as_str())
                .build()
                .map_err(|e| Error::build("CreateReplicationGroupMemberAction", e))?;
            Ok(ReplicationGroupUpdate::builder().create(create).build())
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let Consistency::Strong { witness } = &deployment.consistency else {
        // An eventually consistent global table grows one Region at a time (DynamoDB
        // refuses replicas "created simultaneously").
        for update in updates {
            let change = TableChange::Replicas {
                updates: vec![update],
                consistency: None,
                witness: None,
            };
            send::update_table(db, change).await?;
            wait_until_active(db).await?;
        }
        return Ok(());
    };
    // Strong consistency is set once, with all its Regions in one request.
    let change = TableChange::Replicas {
        updates,
        consistency: Some(MultiRegionConsistency::Strong),
        witness: witness.as_deref().map(witness_create).transpose()?,
    };
    send::update_table(db, change).await?;
    wait_until_active(db).await
}

/// UpdateContinuousBackups, retried while DynamoDB is still turning backups on for a new
/// table (`ContinuousBackupsUnavailableException`, for up to two minutes).
async fn backups(db: &Inner, spec: PointInTimeRecoverySpecification) -> Result<(), Error> {
    let started = std::time::Instant::now();
    let mut delay = std::time::Duration::from_secs(1);
    loop {
        match send::update_backups(db, spec.clone()).await {
            Err(e)
                if e.code() == Some("ContinuousBackupsUnavailableException")
                    && started.elapsed() < std::time::Duration::from_secs(120) =>
            {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(10));
            }
            other => return other,
        }
    }
}

fn witness_create(region: &str) -> Result<GlobalTableWitnessGroupUpdate, Error> {
    let create = CreateGlobalTableWitnessGroupMemberAction::builder()
        .region_name(region)
        .build()
        .map_err(|e| Error::build("CreateGlobalTableWitnessGroupMemberAction", e))?;
    Ok(GlobalTableWitnessGroupUpdate::builder()
        .create(create)
        .build())
}

fn refused(db: &Inner, reason: String) -> Error {
    Error::TableMismatch {
        table: db.table_name.clone(),
        index: None,
        attribute: None,
        reason,
    }
}
