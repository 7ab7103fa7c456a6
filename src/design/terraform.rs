//! An `aws_dynamodb_table` Terraform resource, in Terraform's JSON syntax (`*.tf.json`).

use serde_json::{Value, json};

use crate::Table;
use crate::deploy::{Billing, Consistency, Deployment, MaxThroughput, WarmThroughput};

/// The Terraform configuration (a `serde_json::Value`, for a `.tf.json` file) declaring
/// table `T` as an `aws_dynamodb_table`: keys, attributes, every index, TTL and the
/// [`Deployment`] settings. The resource is named after the table (`aws_dynamodb_table.tracker`).
/// A multi-attribute index is written with the provider's `key_schema` blocks (one per
/// attribute, in key order; AWS provider ≥ 6.37, which the configuration requires then); a
/// template index with `hash_key`/`range_key`.
///
/// The AWS provider has no vector indexes yet (hashicorp/terraform-provider-aws#49350):
/// the configuration says so in a `//` comment naming them, and `ensure_table` adds them to
/// the table Terraform created. A provisioned table with a vector index is refused, as for
/// [`cloudformation`](super::cloudformation).
pub fn terraform<T: Table>(deployment: &Deployment) -> Result<Value, crate::Error> {
    crate::deploy::check(&T::SCHEMA, deployment)?;
    let schema = &T::SCHEMA;
    let name = deployment.name_for(schema.name());
    let mut table = serde_json::Map::new();
    table.insert("name".into(), json!(name));
    table.insert(
        "billing_mode".into(),
        json!(match deployment.billing {
            Billing::OnDemand => "PAY_PER_REQUEST",
            Billing::Provisioned { .. } => "PROVISIONED",
        }),
    );
    if let Billing::Provisioned { read, write } = deployment.billing {
        table.insert("read_capacity".into(), json!(read));
        table.insert("write_capacity".into(), json!(write));
    }
    table.insert("hash_key".into(), json!(schema.partition_key()));
    if let Some(sk) = schema.sort_key() {
        table.insert("range_key".into(), json!(sk));
    }
    // The provider refuses attributes no key uses: a search schema's go with the vector
    // index it cannot declare.
    table.insert(
        "attribute".into(),
        schema
            .key_attribute_definitions()
            .iter()
            .map(|a| json!({"name": a.name, "type": a.scalar.as_str()}))
            .collect(),
    );
    if !schema.indexes().is_empty() {
        let indexes: Vec<Value> = schema
            .indexes()
            .iter()
            .map(|index| {
                let mut gsi = serde_json::Map::new();
                gsi.insert("name".into(), json!(index.name()));
                match index.template_keys() {
                    Some((pk, sk)) => {
                        gsi.insert("hash_key".into(), json!(pk));
                        if let Some(sk) = sk {
                            gsi.insert("range_key".into(), json!(sk));
                        }
                    }
                    None => {
                        let keys: Vec<Value> = index
                            .key_elements()
                            .iter()
                            .map(|(attribute, partition)| {
                                json!({
                                    "attribute_name": attribute,
                                    "key_type": if *partition { "HASH" } else { "RANGE" },
                                })
                            })
                            .collect();
                        gsi.insert("key_schema".into(), Value::Array(keys));
                    }
                }
                let projection = index.projection();
                gsi.insert("projection_type".into(), json!(projection.as_str()));
                if !projection.included().is_empty() {
                    gsi.insert("non_key_attributes".into(), json!(projection.included()));
                }
                if let Billing::Provisioned { read, write } = deployment.billing {
                    gsi.insert("read_capacity".into(), json!(read));
                    gsi.insert("write_capacity".into(), json!(write));
                }
                let settings = deployment.indexes.get(index.name());
                if let Some(max) = settings.and_then(|s| s.max_throughput) {
                    gsi.insert("on_demand_throughput".into(), on_demand(max));
                }
                if let Some(warm) = settings.and_then(|s| s.warm_throughput) {
                    gsi.insert("warm_throughput".into(), warm_throughput(warm));
                }
                Value::Object(gsi)
            })
            .collect();
        table.insert("global_secondary_index".into(), Value::Array(indexes));
    }
    if let Some(attribute) = schema.ttl() {
        table.insert(
            "ttl".into(),
            json!([{"attribute_name": attribute, "enabled": true}]),
        );
    }
    if let Some(view) = &deployment.stream {
        table.insert("stream_enabled".into(), json!(true));
        table.insert("stream_view_type".into(), json!(view.as_str()));
    }
    settings(deployment, &mut table);
    // Multi-attribute keys (`key_schema` blocks) arrived in the AWS provider 6.29.0; 6.37.0
    // fixed index updates that would otherwise churn or drop them, and has every setting
    // below (recovery periods, warm throughput, consistency modes, witnesses).
    let recent = schema.indexes().iter().any(|i| i.is_multi_attribute())
        || needs_recent_provider(deployment);
    let provider = if recent { ">= 6.37.0" } else { ">= 5.0.0" };
    let resource = resource_name(schema.name());
    let mut resources = serde_json::Map::new();
    resources.insert(
        "aws_dynamodb_table".into(),
        json!({ resource.clone(): Value::Object(table) }),
    );
    separate_resources(deployment, &resource, &mut resources);
    let mut config = json!({
        "terraform": {
            "required_providers": {"aws": {"source": "hashicorp/aws", "version": provider}}
        },
        "resource": Value::Object(resources),
    });
    if !schema.vector_indexes().is_empty() {
        let names: Vec<&str> = schema.vector_indexes().iter().map(|i| i.name()).collect();
        config["//"] = json!(format!(
            "vector indexes {} are not declared here: the AWS provider has no vector indexes \
             yet (hashicorp/terraform-provider-aws#49350); `ensure_table` adds them, with the \
             attribute definitions of their search schemas, which this resource does not list \
             (the provider refuses attributes no key uses): `terraform plan` then shows them \
             as removed, and applying that would fail",
            names.join(", ")
        ));
    }
    Ok(config)
}

/// The deployment's settings the table resource holds.
fn settings(deployment: &Deployment, table: &mut serde_json::Map<String, Value>) {
    let mut recovery = json!({"enabled": deployment.point_in_time_recovery.is_some()});
    if let Some(days) = deployment.point_in_time_recovery {
        recovery["recovery_period_in_days"] = json!(days);
    }
    table.insert("point_in_time_recovery".into(), json!([recovery]));
    table.insert(
        "deletion_protection_enabled".into(),
        json!(deployment.deletion_protection),
    );
    table.insert("table_class".into(), json!(deployment.table_class.as_str()));
    if let Some(max) = deployment.max_throughput {
        table.insert("on_demand_throughput".into(), on_demand(max));
    }
    if let Some(warm) = deployment.warm_throughput {
        table.insert("warm_throughput".into(), warm_throughput(warm));
    }
    if !deployment.tags.is_empty() {
        table.insert("tags".into(), json!(deployment.tags));
    }
    let strong = matches!(deployment.consistency, Consistency::Strong { .. });
    if !deployment.replicas.is_empty() {
        let replicas: Vec<Value> = deployment
            .replicas
            .iter()
            .map(|region| {
                json!({
                    "region_name": region,
                    "consistency_mode": if strong { "STRONG" } else { "EVENTUAL" },
                    "point_in_time_recovery": deployment.point_in_time_recovery.is_some(),
                    "deletion_protection_enabled": deployment.deletion_protection,
                    "propagate_tags": true,
                })
            })
            .collect();
        table.insert("replica".into(), Value::Array(replicas));
    }
    if let Consistency::Strong {
        witness: Some(witness),
    } = &deployment.consistency
    {
        table.insert(
            "global_table_witness".into(),
            json!([{"region_name": witness}]),
        );
    }
}

/// The settings the AWS provider keeps in resources of their own: the resource policy
/// (`aws_dynamodb_resource_policy`) and Contributor Insights
/// (`aws_dynamodb_contributor_insights`), each pointing at the table resource.
fn separate_resources(
    deployment: &Deployment,
    table: &str,
    resources: &mut serde_json::Map<String, Value>,
) {
    if let Some(policy) = &deployment.resource_policy {
        resources.insert(
            "aws_dynamodb_resource_policy".into(),
            json!({ table: {
                "resource_arn": format!("${{aws_dynamodb_table.{table}.arn}}"),
                "policy": policy,
            }}),
        );
    }
    if let Some(mode) = deployment.contributor_insights.mode() {
        resources.insert(
            "aws_dynamodb_contributor_insights".into(),
            json!({ table: {
                "table_name": format!("${{aws_dynamodb_table.{table}.name}}"),
                "mode": mode,
            }}),
        );
    }
}

/// Whether a setting needs a provider newer than 5.0.
fn needs_recent_provider(deployment: &Deployment) -> bool {
    deployment.point_in_time_recovery.is_some_and(|d| d != 35)
        || deployment.warm_throughput.is_some()
        || deployment
            .indexes
            .values()
            .any(|i| i.warm_throughput.is_some())
        || deployment.max_throughput.is_some()
        || deployment
            .indexes
            .values()
            .any(|i| i.max_throughput.is_some())
        || deployment.contributor_insights.mode().is_some()
        || matches!(deployment.consistency, Consistency::Strong { .. })
}

/// An `on_demand_throughput` block (`-1`: unlimited).
fn on_demand(max: MaxThroughput) -> Value {
    let side = |n: Option<u32>| n.map_or(-1, i64::from);
    json!([{"max_read_request_units": side(max.read), "max_write_request_units": side(max.write)}])
}

fn warm_throughput(warm: WarmThroughput) -> Value {
    json!([{"read_units_per_second": warm.reads_per_second, "write_units_per_second": warm.writes_per_second}])
}

/// [`terraform`] as JSON text.
pub fn terraform_json<T: Table>(deployment: &Deployment) -> Result<String, crate::Error> {
    terraform::<T>(deployment).map(|v| super::pretty(&v))
}

/// A Terraform resource name: letters, digits, `_` and `-`, starting with a letter or `_`.
fn resource_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}
