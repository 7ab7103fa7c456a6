//! A data model for AWS's NoSQL Workbench for DynamoDB (its JSON import format, version
//! 3.0): the table, a facet per entity type with its key templates as aliases, the indexes,
//! and sample items rendered from the templates.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

use super::sample_items;
use crate::Item;
use crate::deploy::{Billing, Deployment};
use crate::registry::Registry;
use crate::table::Table;

/// The Workbench data model of registry `R`'s table, with `samples` as its data: each
/// sample is encoded as the library stores it (keys rendered from the templates) and kept
/// in its entity type's facet (`TableFacets[].TableData`, as AWS's published models with
/// facets keep them), without `NULL` attributes, so each facet shows real keys; attribute
/// types are read off the samples, and the attributes of multi-attribute and vector indexes
/// are declared with their types. Without samples the facets carry the key templates only.
///
/// Multi-attribute and vector indexes are not listed as indexes: the Workbench format names
/// one attribute per key and has no vector index.
pub fn workbench<R: Registry>(model_name: &str, samples: &[R], deployment: &Deployment) -> Value {
    let schema = &<R::Table as Table>::SCHEMA;
    let items = sample_items(samples);
    // Every non-key attribute the samples hold, with its type (the first seen; the others
    // are conflicts, said in the model's description).
    let table_keys: Vec<&str> = std::iter::once(schema.partition_key())
        .chain(schema.sort_key())
        .collect();
    let mut types: BTreeMap<String, &'static str> = BTreeMap::new();
    for (_, item) in &items {
        for (name, value) in item {
            if !table_keys.contains(&name.as_str()) {
                types.entry(name.clone()).or_insert(type_of(value));
            }
        }
    }
    let conflicts = conflicts_of(&items);
    let facets: Vec<Value> = R::ENTITIES
        .iter()
        .map(|e| facet(e, &items, &table_keys))
        .collect();
    let key = |name: &str, scalar: &str| json!({"AttributeName": name, "AttributeType": scalar});
    let mut key_attributes = serde_json::Map::new();
    key_attributes.insert("PartitionKey".into(), key(schema.partition_key(), "S"));
    if let Some(sk) = schema.sort_key() {
        key_attributes.insert("SortKey".into(), key(sk, "S"));
    }
    let indexes: Vec<Value> = schema
        .indexes()
        .iter()
        .filter_map(|index| {
            let (pk, sk) = index.template_keys()?;
            let mut keys = serde_json::Map::new();
            keys.insert("PartitionKey".into(), key(pk, "S"));
            if let Some(sk) = sk {
                keys.insert("SortKey".into(), key(sk, "S"));
            }
            Some(json!({
                "IndexName": index.name(),
                "KeyAttributes": Value::Object(keys),
                "Projection": index.projection().to_json(),
            }))
        })
        .collect();
    // Index key attributes are strings even when no sample carries them.
    for index in schema.indexes() {
        if let Some((pk, sk)) = index.template_keys() {
            for attribute in std::iter::once(pk).chain(sk) {
                types.entry(attribute.to_owned()).or_insert("S");
            }
        }
    }
    // Multi-attribute and vector index attributes are declared with their types even when
    // no sample carries them; a vector is a list.
    for index in schema.indexes() {
        if let Some((partition, sort)) = index.multi_keys() {
            for attribute in partition.iter().chain(sort) {
                types
                    .entry(attribute.name.to_owned())
                    .or_insert(attribute.scalar.as_str());
            }
        }
    }
    for index in schema.vector_indexes() {
        types.entry(index.attribute().to_owned()).or_insert("L");
        for (attribute, _) in index.search_schema() {
            types
                .entry(attribute.name.to_owned())
                .or_insert(attribute.scalar.as_str());
        }
    }
    types
        .entry(schema.discriminator().to_owned())
        .or_insert("S");
    let mut table = serde_json::Map::new();
    table.insert(
        "TableName".into(),
        json!(deployment.name_for(schema.name())),
    );
    table.insert("KeyAttributes".into(), Value::Object(key_attributes));
    table.insert(
        "NonKeyAttributes".into(),
        types
            .iter()
            .map(|(name, scalar)| json!({"AttributeName": name, "AttributeType": scalar}))
            .collect(),
    );
    table.insert("TableFacets".into(), Value::Array(facets));
    if !indexes.is_empty() {
        table.insert("GlobalSecondaryIndexes".into(), Value::Array(indexes));
    }
    table.insert("DataAccess".into(), json!({"MySql": {}}));
    match deployment.billing {
        Billing::OnDemand => {
            table.insert("BillingMode".into(), json!("PAY_PER_REQUEST"));
        }
        Billing::Provisioned { read, write } => {
            table.insert("BillingMode".into(), json!("PROVISIONED"));
            table.insert(
                "ProvisionedCapacitySettings".into(),
                json!({"ProvisionedThroughput": {"ReadCapacityUnits": read, "WriteCapacityUnits": write}}),
            );
        }
    }
    json!({
        "ModelName": model_name,
        "ModelMetadata": {
            "Author": "dynamorm",
            "DateCreated": date(std::time::SystemTime::now()),
            "DateLastModified": date(std::time::SystemTime::now()),
            "Description": description(schema.name(), &conflicts),
            "AWSService": "Amazon DynamoDB",
            "Version": "3.0",
        },
        "DataModel": [Value::Object(table)],
    })
}

/// The attributes `samples` store with more than one type across entity types (or items):
/// a Workbench model declares one type per attribute, the first seen, so these are shown
/// with another type than some items hold. [`workbench`] names them in the model's
/// description; the CLI prints them as warnings.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Debug, dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
/// #[dynamo(table = App, pk = "A#{id}", sk = "A")]
/// pub struct A { id: u32, size: String }
/// #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
/// #[dynamo(table = App, pk = "B#{id}", sk = "B")]
/// pub struct B { id: u32, size: u32 }
/// #[derive(Debug, Clone, PartialEq, dynamorm::Registry)]
/// #[dynamo(table = App)]
/// pub enum AppItem { A(A), B(B) }
///
/// let samples = [AppItem::A(A { id: 1, size: "large".into() }), AppItem::B(B { id: 2, size: 3 })];
/// let conflicts = dynamorm::design::workbench_conflicts(&samples);
/// assert_eq!(conflicts[0].attribute, "size");
/// assert_eq!(conflicts[0].types, vec![("S", vec!["A"]), ("N", vec!["B"])]);
/// let deployment = dynamorm::deploy::Deployment::default();
/// let model = dynamorm::design::workbench("App", &samples, &deployment);
/// let description = model["ModelMetadata"]["Description"].as_str().unwrap_or_default();
/// assert!(description.contains("attribute `size` holds S (A) and N (B)"), "{description}");
/// ```
pub fn workbench_conflicts<R: Registry>(samples: &[R]) -> Vec<TypeConflict> {
    let items = sample_items(samples);
    conflicts_of(&items)
}

/// An attribute the samples store with several types.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TypeConflict {
    /// The attribute.
    pub attribute: String,
    /// Each type it holds (the declared one first) with the entity types holding it so.
    pub types: Vec<(&'static str, Vec<&'static str>)>,
}

impl std::fmt::Display for TypeConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held: Vec<String> = self
            .types
            .iter()
            .map(|(t, entities)| format!("{t} ({})", entities.join(", ")))
            .collect();
        let declared = self.types.first().map_or("", |(t, _)| t);
        write!(
            f,
            "attribute `{}` holds {}; the model declares {declared}",
            self.attribute,
            held.join(" and ")
        )
    }
}

fn conflicts_of(items: &[(Option<&'static str>, Item)]) -> Vec<TypeConflict> {
    let mut seen: BTreeMap<&str, Vec<(&'static str, Vec<&'static str>)>> = BTreeMap::new();
    for (entity, item) in items {
        let entity = entity.unwrap_or("?");
        for (name, value) in item {
            let types = seen.entry(name.as_str()).or_default();
            let t = type_of(value);
            match types.iter_mut().find(|(known, _)| *known == t) {
                Some((_, entities)) if entities.contains(&entity) => {}
                Some((_, entities)) => entities.push(entity),
                None => types.push((t, vec![entity])),
            }
        }
    }
    seen.into_iter()
        .filter(|(_, types)| types.len() > 1)
        .map(|(attribute, types)| TypeConflict {
            attribute: attribute.to_owned(),
            types,
        })
        .collect()
}

/// The model's description: where it comes from, and the type conflicts it could not show.
fn description(table: &str, conflicts: &[TypeConflict]) -> String {
    let mut text = format!("Generated by dynamorm from the `{table}` table's registry");
    if !conflicts.is_empty() {
        let said: Vec<String> = conflicts.iter().map(ToString::to_string).collect();
        text.push_str(&format!(". Type conflicts: {}.", said.join("; ")));
    }
    text
}

/// A time as Workbench writes its model dates (`Jun 16, 2023, 04:27 PM`), in UTC.
fn date(time: std::time::SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, of_day) = (secs / 86_400, secs % 86_400);
    // Days since the epoch to a civil date (Howard Hinnant's `civil_from_days`).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (hour, minute) = (of_day / 3_600, of_day % 3_600 / 60);
    let (hour12, half) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    let month = MONTHS[(month - 1) as usize];
    format!("{month} {day}, {year}, {hour12:02}:{minute:02} {half}")
}

/// [`workbench`] as JSON text.
pub fn workbench_json<R: Registry>(
    model_name: &str,
    samples: &[R],
    deployment: &Deployment,
) -> String {
    super::pretty(&workbench::<R>(model_name, samples, deployment))
}

/// One entity type's facet: its key templates as aliases, the attributes its samples hold,
/// and those samples.
fn facet(
    e: &crate::EntitySchema,
    items: &[(Option<&'static str>, Item)],
    table_keys: &[&str],
) -> Value {
    let mut alias = serde_json::Map::new();
    alias.insert("PartitionKeyAlias".into(), json!(e.partition_key.source()));
    if let Some(sk) = e.sort_key {
        alias.insert("SortKeyAlias".into(), json!(sk.source()));
    }
    let mut attributes: Vec<&str> = items
        .iter()
        .filter(|(d, _)| *d == Some(e.name))
        .flat_map(|(_, i)| i.keys())
        .map(String::as_str)
        .filter(|a| !table_keys.contains(a))
        .collect();
    attributes.sort_unstable();
    attributes.dedup();
    // A model with facets keeps each facet's sample items in that facet, as AWS's
    // published models do: Workbench shows a facet's data from there.
    let data: Vec<Value> = items
        .iter()
        .filter(|(d, _)| *d == Some(e.name))
        .map(|(_, i)| item_json(i))
        .collect();
    json!({
        "FacetName": e.name,
        "KeyAttributeAlias": Value::Object(alias),
        "NonKeyAttributes": attributes,
        "TableData": data,
        "DataAccess": {"MySql": {}},
    })
}

/// Workbench's name for a value's type.
fn type_of(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "S",
        AttributeValue::N(_) => "N",
        AttributeValue::B(_) => "B",
        AttributeValue::Bool(_) => "BOOL",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::M(_) => "M",
        AttributeValue::L(_) => "L",
        AttributeValue::Ss(_) => "SS",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::Bs(_) => "BS",
        _ => "S",
    }
}

/// An item in DynamoDB's JSON form (`{"PK": {"S": "..."}}`), attributes sorted by name.
fn item_json(item: &Item) -> Value {
    let sorted: BTreeMap<&String, &AttributeValue> = item.iter().collect();
    Value::Object(
        sorted
            .into_iter()
            .map(|(name, value)| (name.clone(), value_json(value)))
            .collect(),
    )
}

fn value_json(value: &AttributeValue) -> Value {
    use base64::Engine as _;
    let b64 = |b: &aws_sdk_dynamodb::primitives::Blob| {
        base64::engine::general_purpose::STANDARD.encode(b.as_ref())
    };
    match value {
        AttributeValue::S(s) => json!({"S": s}),
        AttributeValue::N(n) => json!({"N": n}),
        AttributeValue::B(b) => json!({"B": b64(b)}),
        AttributeValue::Bool(b) => json!({"BOOL": b}),
        AttributeValue::Null(_) => json!({"NULL": true}),
        AttributeValue::M(m) => {
            let sorted: BTreeMap<&String, &AttributeValue> = m.iter().collect();
            json!({"M": sorted.into_iter().map(|(k, v)| (k.clone(), value_json(v))).collect::<serde_json::Map<_, _>>()})
        }
        AttributeValue::L(l) => json!({"L": l.iter().map(value_json).collect::<Vec<_>>()}),
        AttributeValue::Ss(s) => json!({"SS": s}),
        AttributeValue::Ns(n) => json!({"NS": n}),
        AttributeValue::Bs(b) => json!({"BS": b.iter().map(b64).collect::<Vec<_>>()}),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn dates_are_written_as_workbench_writes_them() {
        for (secs, text) in [
            (1_686_932_820, "Jun 16, 2023, 04:27 PM"),
            (1_709_165_100, "Feb 29, 2024, 12:05 AM"),
            (43_200, "Jan 1, 1970, 12:00 PM"),
            (1_798_761_540, "Dec 31, 2026, 11:59 PM"),
        ] {
            assert_eq!(super::date(UNIX_EPOCH + Duration::from_secs(secs)), text);
        }
    }
}
