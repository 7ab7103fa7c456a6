//! An `aws_dynamodb_table` Terraform resource, in Terraform's JSON syntax (`*.tf.json`).

use serde_json::{Value, json};

use super::Deployment;
use super::deployment::Billing;
use crate::Table;

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
    super::check_billing::<T>(deployment)?;
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
    let keyed = |name: &str| {
        name == schema.partition_key()
            || schema.sort_key() == Some(name)
            || schema
                .indexes()
                .iter()
                .any(|i| i.attribute_type(name).is_some())
    };
    table.insert(
        "attribute".into(),
        schema
            .attribute_definitions()
            .iter()
            .filter(|a| keyed(a.name))
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
    table.insert(
        "point_in_time_recovery".into(),
        json!([{"enabled": deployment.point_in_time_recovery}]),
    );
    table.insert(
        "deletion_protection_enabled".into(),
        json!(deployment.deletion_protection),
    );
    // Multi-attribute keys (`key_schema` blocks) arrived in the AWS provider 6.29.0; 6.37.0
    // fixed index updates that would otherwise churn or drop them.
    let provider = if schema.indexes().iter().any(|i| i.is_multi_attribute()) {
        ">= 6.37.0"
    } else {
        ">= 5.0.0"
    };
    let mut config = json!({
        "terraform": {
            "required_providers": {"aws": {"source": "hashicorp/aws", "version": provider}}
        },
        "resource": {
            "aws_dynamodb_table": { resource_name(schema.name()): Value::Object(table) }
        }
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
