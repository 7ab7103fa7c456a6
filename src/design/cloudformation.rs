//! An `AWS::DynamoDB::Table` CloudFormation resource for a declared table (an
//! `AWS::DynamoDB::GlobalTable` when the deployment has replicas).

use serde_json::{Value, json};

use crate::Table;
use crate::deploy::{Billing, Deployment, MaxThroughput, WarmThroughput};

/// The CloudFormation template (a `serde_json::Value`) declaring table `T`: key schema,
/// attribute definitions, every index (template and multi-attribute, projecting all
/// attributes), TTL, and the [`Deployment`] settings. The resource's logical id is the
/// table's name in PascalCase plus `Table` (`tracker` → `TrackerTable`). Vector indexes
/// are `VectorIndexes` (cfn-lint ≥ 1.57 knows them; its rule E3039 does not yet count a
/// search schema's attribute definitions, so the resource says to skip that rule).
///
/// A provisioned table with a vector index is refused
/// ([`InvalidInputKind::Configuration`](crate::InvalidInputKind::Configuration)): DynamoDB
/// builds vector indexes on on-demand tables only.
pub fn cloudformation<T: Table>(deployment: &Deployment) -> Result<Value, crate::Error> {
    crate::deploy::check(&T::SCHEMA, deployment)?;
    let schema = &T::SCHEMA;
    let name = deployment.name_for(schema.name());
    let mut properties = serde_json::Map::new();
    properties.insert("TableName".into(), json!(name));
    properties.insert(
        "AttributeDefinitions".into(),
        schema
            .attribute_definitions()
            .iter()
            .map(|a| json!({"AttributeName": a.name, "AttributeType": a.scalar.as_str()}))
            .collect(),
    );
    let table_keys: Vec<(&str, bool)> = std::iter::once((schema.partition_key(), true))
        .chain(schema.sort_key().map(|sk| (sk, false)))
        .collect();
    properties.insert("KeySchema".into(), key_schema(&table_keys));
    match deployment.billing {
        Billing::OnDemand => {
            properties.insert("BillingMode".into(), json!("PAY_PER_REQUEST"));
        }
        Billing::Provisioned { .. } => {
            properties.insert("BillingMode".into(), json!("PROVISIONED"));
            properties.insert("ProvisionedThroughput".into(), throughput(deployment));
        }
    }
    if !schema.indexes().is_empty() {
        let indexes: Vec<Value> = schema
            .indexes()
            .iter()
            .map(|index| {
                let mut gsi = serde_json::Map::new();
                gsi.insert("IndexName".into(), json!(index.name()));
                gsi.insert("KeySchema".into(), key_schema(&index.key_elements()));
                gsi.insert("Projection".into(), index.projection().to_json());
                if matches!(deployment.billing, Billing::Provisioned { .. }) {
                    gsi.insert("ProvisionedThroughput".into(), throughput(deployment));
                }
                let settings = deployment.indexes.get(index.name());
                if let Some(max) = settings.and_then(|s| s.max_throughput) {
                    insert_some(&mut gsi, "OnDemandThroughput", on_demand(max));
                }
                if let Some(warm) = settings.and_then(|s| s.warm_throughput) {
                    gsi.insert("WarmThroughput".into(), warm_throughput(warm));
                }
                Value::Object(gsi)
            })
            .collect();
        properties.insert("GlobalSecondaryIndexes".into(), Value::Array(indexes));
    }
    if !schema.vector_indexes().is_empty() {
        let indexes: Vec<Value> = schema.vector_indexes().iter().map(vector_index).collect();
        properties.insert("VectorIndexes".into(), Value::Array(indexes));
    }
    if let Some(attribute) = schema.ttl() {
        properties.insert(
            "TimeToLiveSpecification".into(),
            json!({"AttributeName": attribute, "Enabled": true}),
        );
    }
    if let Some(view) = &deployment.stream {
        properties.insert(
            "StreamSpecification".into(),
            json!({"StreamViewType": view.as_str()}),
        );
    }
    if let Some(max) = deployment.max_throughput {
        insert_some(&mut properties, "OnDemandThroughput", on_demand(max));
    }
    if let Some(warm) = deployment.warm_throughput {
        properties.insert("WarmThroughput".into(), warm_throughput(warm));
    }
    properties.insert("TableClass".into(), json!(deployment.table_class.as_str()));
    per_replica(deployment, &mut properties);
    if !deployment.replicas.is_empty() {
        return super::global_table::template::<T>(deployment, properties);
    }
    let mut resource = serde_json::Map::new();
    resource.insert("Type".into(), json!("AWS::DynamoDB::Table"));
    if deployment.deletion_protection {
        // The stack keeps the table (and its data) when the resource leaves the template.
        resource.insert("DeletionPolicy".into(), json!("Retain"));
        resource.insert("UpdateReplacePolicy".into(), json!("Retain"));
    }
    let search_schema = schema
        .vector_indexes()
        .iter()
        .any(|i| i.search_schema().next().is_some());
    if search_schema {
        // cfn-lint's E3039 compares attribute definitions with key schemas only, so a
        // search schema's (required) definitions read as unused.
        resource.insert(
            "Metadata".into(),
            json!({"cfn-lint": {"config": {"ignore_checks": ["E3039"]}}}),
        );
    }
    resource.insert("Properties".into(), Value::Object(properties));
    Ok(json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("DynamoDB table `{name}`, generated by dynamorm from its declaration"),
        "Resources": { super::logical_id(schema.name()): Value::Object(resource) },
        "Outputs": {
            "TableName": {"Value": {"Ref": super::logical_id(schema.name())}},
            "TableArn": {"Value": {"Fn::GetAtt": [super::logical_id(schema.name()), "Arn"]}},
        },
    }))
}

/// One `VectorIndexes` entry.
fn vector_index(index: &crate::vector::VectorIndexSchema) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("IndexName".into(), json!(index.name()));
    out.insert(
        "VectorAttribute".into(),
        json!({"AttributeName": index.attribute()}),
    );
    out.insert("Dimensions".into(), json!(index.dimensions()));
    out.insert("DistanceFunction".into(), json!(index.distance().as_str()));
    out.insert("Projection".into(), index.projection().to_json());
    let search: Vec<Value> = index
        .search_schema()
        .map(|(a, hash)| {
            let kind = if hash { "HASH" } else { "INLINE_FILTER" };
            json!({"AttributeName": a.name, "SearchSchemaElementType": kind})
        })
        .collect();
    if !search.is_empty() {
        out.insert("SearchSchema".into(), Value::Array(search));
    }
    Value::Object(out)
}

/// [`cloudformation`] as JSON text.
pub fn cloudformation_json<T: Table>(deployment: &Deployment) -> Result<String, crate::Error> {
    cloudformation::<T>(deployment).map(|v| super::pretty(&v))
}

/// [`cloudformation`] as YAML text.
pub fn cloudformation_yaml<T: Table>(deployment: &Deployment) -> Result<String, crate::Error> {
    cloudformation::<T>(deployment).map(|v| super::yaml::to_yaml(&v))
}

fn key_schema(elements: &[(&str, bool)]) -> Value {
    elements
        .iter()
        .map(|(name, partition)| {
            json!({"AttributeName": name, "KeyType": if *partition { "HASH" } else { "RANGE" }})
        })
        .collect()
}

/// The settings a global table keeps per replica (a table keeps them itself):
/// point-in-time recovery, deletion protection, policy, tags, Contributor Insights.
fn per_replica(deployment: &Deployment, properties: &mut serde_json::Map<String, Value>) {
    let mut recovery =
        json!({"PointInTimeRecoveryEnabled": deployment.point_in_time_recovery.is_some()});
    if let Some(days) = deployment.point_in_time_recovery {
        recovery["RecoveryPeriodInDays"] = json!(days);
    }
    properties.insert("PointInTimeRecoverySpecification".into(), recovery);
    properties.insert(
        "DeletionProtectionEnabled".into(),
        json!(deployment.deletion_protection),
    );
    if let Some(policy) = &deployment.resource_policy {
        // Checked to be a JSON object before anything is exported.
        let document: Value = serde_json::from_str(policy).unwrap_or_default();
        properties.insert("ResourcePolicy".into(), json!({"PolicyDocument": document}));
    }
    if !deployment.tags.is_empty() {
        let tags: Vec<Value> = deployment
            .tags
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect();
        properties.insert("Tags".into(), Value::Array(tags));
    }
    if let Some(mode) = deployment.contributor_insights.mode() {
        properties.insert(
            "ContributorInsightsSpecification".into(),
            json!({"Enabled": true, "Mode": mode}),
        );
    }
}

/// `OnDemandThroughput` with the limited sides (CloudFormation has no `-1`); `None` when
/// both are unlimited.
pub(super) fn on_demand(max: MaxThroughput) -> Option<Value> {
    let mut out = serde_json::Map::new();
    if let Some(read) = max.read {
        out.insert("MaxReadRequestUnits".into(), json!(read));
    }
    if let Some(write) = max.write {
        out.insert("MaxWriteRequestUnits".into(), json!(write));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

pub(super) fn warm_throughput(warm: WarmThroughput) -> Value {
    json!({"ReadUnitsPerSecond": warm.reads_per_second, "WriteUnitsPerSecond": warm.writes_per_second})
}

pub(super) fn insert_some(
    map: &mut serde_json::Map<String, Value>,
    key: &str,
    value: Option<Value>,
) {
    if let Some(value) = value {
        map.insert(key.into(), value);
    }
}

fn throughput(deployment: &Deployment) -> Value {
    match deployment.billing {
        Billing::Provisioned { read, write } => {
            json!({"ReadCapacityUnits": read, "WriteCapacityUnits": write})
        }
        Billing::OnDemand => Value::Null,
    }
}
