//! A [`Deployment`] checked against the declared table before anything is sent: each
//! refusal is an [`InvalidInputKind::Configuration`] naming the setting.

use super::settings::{Billing, Consistency, Deployment, MAX_RECOVERY_DAYS};
use crate::table::TableSchema;
use crate::{Error, InvalidInputKind};

/// DynamoDB's most tags per resource.
const MAX_TAGS: usize = 50;

/// Refuses a deployment DynamoDB would refuse, or one naming an index the table lacks.
pub(crate) fn check(schema: &TableSchema, deployment: &Deployment) -> Result<(), Error> {
    let refuse = |message: String| Err(Error::invalid(InvalidInputKind::Configuration, message));
    let table = schema.name();
    let provisioned = matches!(deployment.billing, Billing::Provisioned { .. });
    if let Billing::Provisioned { read: 0, .. } | Billing::Provisioned { write: 0, .. } =
        deployment.billing
    {
        return refuse("provisioned capacity is at least 1 read and 1 write unit".into());
    }
    if provisioned && !deployment.replicas.is_empty() {
        // DynamoDB wants a global table's writes on-demand or auto-scaled, and a
        // deployment declares no auto scaling.
        return refuse(format!(
            "table `{table}` has replicas: deploy it with on-demand billing (DynamoDB \
             refuses fixed provisioned write capacity for a global table)"
        ));
    }
    if let Some(vector) = schema.vector_indexes().first().filter(|_| provisioned) {
        return refuse(format!(
            "table `{table}` has vector index `{}`, which DynamoDB builds on on-demand tables \
             only: deploy it with on-demand billing",
            vector.name()
        ));
    }
    if let Some(name) = deployment
        .indexes
        .keys()
        .find(|n| schema.index(n).is_none())
    {
        return refuse(format!(
            "the deployment sets index `{name}`, which table `{table}` does not declare"
        ));
    }
    let maxima = std::iter::once(deployment.max_throughput)
        .chain(deployment.indexes.values().map(|i| i.max_throughput));
    for max in maxima.flatten() {
        if provisioned {
            return refuse("a maximum on-demand throughput is for on-demand billing only".into());
        }
        if max.read == Some(0) || max.write == Some(0) {
            return refuse(
                "a maximum on-demand throughput is at least 1 unit (or unlimited)".into(),
            );
        }
    }
    let warm = std::iter::once(deployment.warm_throughput)
        .chain(deployment.indexes.values().map(|i| i.warm_throughput));
    if warm
        .flatten()
        .any(|w| w.reads_per_second == 0 || w.writes_per_second == 0)
    {
        return refuse("a warm throughput is at least 1 unit per second on each side".into());
    }
    if let Some(days) = deployment.point_in_time_recovery
        && !(1..=MAX_RECOVERY_DAYS).contains(&days)
    {
        return refuse(format!(
            "a recovery period of {days} days: DynamoDB keeps 1 to 35"
        ));
    }
    check_policy(deployment)?;
    check_tags(deployment)?;
    check_replicas(deployment)
}

fn check_policy(deployment: &Deployment) -> Result<(), Error> {
    let Some(policy) = &deployment.resource_policy else {
        return Ok(());
    };
    match serde_json::from_str::<serde_json::Value>(policy) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(Error::invalid(
            InvalidInputKind::Configuration,
            "the resource policy is not a JSON policy document (an object)",
        )),
    }
}

fn check_tags(deployment: &Deployment) -> Result<(), Error> {
    let refuse = |message: String| Err(Error::invalid(InvalidInputKind::Configuration, message));
    if deployment.tags.len() > MAX_TAGS {
        return refuse(format!(
            "{} tags: DynamoDB takes at most {MAX_TAGS}",
            deployment.tags.len()
        ));
    }
    for (key, value) in &deployment.tags {
        let key_chars = key.chars().count();
        if key_chars == 0 || key_chars > 128 || key.starts_with("aws:") {
            return refuse(format!(
                "tag key `{key}`: 1 to 128 characters, not starting with `aws:`"
            ));
        }
        if value.chars().count() > 256 {
            return refuse(format!("the value of tag `{key}` is over 256 characters"));
        }
    }
    Ok(())
}

fn check_replicas(deployment: &Deployment) -> Result<(), Error> {
    let refuse = |message: String| Err(Error::invalid(InvalidInputKind::Configuration, message));
    let replicas = &deployment.replicas;
    if let Some(twice) = replicas
        .iter()
        .enumerate()
        .find_map(|(i, r)| replicas[..i].contains(r).then_some(r))
    {
        return refuse(format!("replica Region {twice} is listed twice"));
    }
    let eventual = deployment.consistency == Consistency::Eventual;
    let new_and_old =
        deployment.stream == Some(aws_sdk_dynamodb::types::StreamViewType::NewAndOldImages);
    if !replicas.is_empty() && eventual && !new_and_old {
        // DynamoDB replicates an eventually consistent global table through its stream,
        // which it turns on with this view; undeclared, it would show as drift.
        return refuse(
            "replicas with eventual consistency replicate through a stream: declare \
             `.stream(StreamViewType::NewAndOldImages)`"
                .into(),
        );
    }
    if let Consistency::Strong { witness } = &deployment.consistency {
        if replicas.len() + usize::from(witness.is_some()) != 2 {
            return refuse(
                "multi-Region strong consistency takes exactly three Regions: the table's and \
                 two replicas, or one replica and a witness"
                    .into(),
            );
        }
        if let Some(witness) = witness.as_ref().filter(|w| replicas.contains(w)) {
            return refuse(format!("witness Region {witness} is also a replica"));
        }
    }
    Ok(())
}
