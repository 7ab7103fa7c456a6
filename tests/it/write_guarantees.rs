//! Regression tests for the write path's guarantees, asserted with numbers: values that
//! must stay unique, versions that must not overflow, batch writes that must not cross
//! entity types, raw conditions that must not escape the library's guards, invalid input
//! that must never be sent, stream records that must not be skipped, and errors that must
//! not print stored values.
//!
//! Each server test runs on both backends and counts what went wrong (lost, duplicated,
//! misreported) instead of stopping at the first symptom, then asserts every count is 0.

mod batch;
mod leaks;
mod nothing_sent;
mod raw_condition;
mod review;
mod streams;
mod unique;
mod version;

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::{Db, EntitySchema, Item, KeyPart};
use dynamorm_entities::Tracker;
use serde::{Deserialize, Serialize};

/// The table's key and discriminator attributes (`Tracker`'s defaults).
pub(crate) const PK: &str = "PK";
pub(crate) const SK: &str = "SK";
pub(crate) const TYPE: &str = "_type";
/// The discriminator and sort key of unique-value sentinels (see `src/unique.rs`).
pub(crate) const SENTINEL: &str = "_dynamorm.unique";

/// Runs `f`, failing the test if it takes longer than `secs` seconds.
pub(crate) async fn bounded<F: Future>(secs: u64, what: &str, f: F) -> F::Output {
    match tokio::time::timeout(Duration::from_secs(secs), f).await {
        Ok(out) => out,
        Err(_) => panic!("{what} did not finish within {secs} s"),
    }
}

pub(crate) use crate::harness::scan_raw;

/// A string attribute of a raw item.
pub(crate) fn s<'a>(item: &'a Item, attribute: &str) -> Option<&'a str> {
    item.get(attribute)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// One key part, escaped as the library escapes it.
pub(crate) fn enc(raw: &str) -> String {
    let mut out = String::new();
    raw.write_key(&mut out).expect("a string always encodes");
    out
}

/// The partition key of the sentinel of (already encoded) value `encoded` of unique field
/// `field` of entity `entity`.
pub(crate) fn sentinel_pk(entity: &str, field: &str, encoded: &str) -> String {
    format!("{SENTINEL}#{}#{}#{encoded}", enc(entity), enc(field))
}

/// The owner (partition key, sort key) recorded on the sentinel of `email` of a `User`,
/// if the sentinel exists.
pub(crate) async fn email_sentinel_owner(
    db: &Db<Tracker>,
    email: &str,
) -> Option<(String, Option<String>)> {
    let key = HashMap::from([
        (
            PK.to_owned(),
            AttributeValue::S(sentinel_pk("User", "email", &enc(email))),
        ),
        (SK.to_owned(), AttributeValue::S(SENTINEL.to_owned())),
    ]);
    let item = db
        .client()
        .get_item()
        .table_name(db.table_name())
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .expect("raw get")
        .item?;
    Some((
        s(&item, "owner").unwrap_or_default().to_owned(),
        s(&item, "owner_sort").map(str::to_owned),
    ))
}

/// Checks the unique-value sentinels of a whole table against the items holding the values.
///
/// Every unique value held by a stored item of one of `schemas` must have exactly one
/// sentinel, owned by that item; every sentinel's owner must exist, be of the sentinel's
/// entity type, and still hold the sentinel's value. Returns one line per problem.
pub(crate) fn audit_unique(items: &[Item], schemas: &[&EntitySchema]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut sentinels: HashMap<String, Vec<&Item>> = HashMap::new();
    let mut owners: HashMap<(String, Option<String>), &Item> = HashMap::new();
    for item in items {
        match s(item, TYPE) {
            Some(SENTINEL) => sentinels
                .entry(s(item, PK).unwrap_or_default().to_owned())
                .or_default()
                .push(item),
            Some(t) if t.starts_with("_dynamorm.") => {
                problems.push(format!("an item with internal-looking discriminator `{t}`"));
            }
            Some(_) => {
                owners.insert(
                    (
                        s(item, PK).unwrap_or_default().to_owned(),
                        s(item, SK).map(str::to_owned),
                    ),
                    item,
                );
            }
            None => problems.push(format!(
                "an item without a discriminator at {:?}/{:?}",
                s(item, PK),
                s(item, SK)
            )),
        }
    }
    // Values held → exactly one sentinel, owned by the holder.
    for ((pk, sk), item) in &owners {
        let Some(schema) = schemas.iter().find(|e| Some(e.name) == s(item, TYPE)) else {
            continue;
        };
        for field in schema.unique {
            let encoded = match item.get(field.attribute) {
                None | Some(AttributeValue::Null(_)) => continue,
                Some(AttributeValue::S(v)) => enc(v),
                Some(other) => {
                    problems.push(format!(
                        "{pk}/{sk:?}: unique `{}` is not a string ({other:?}); the audit \
                         only handles strings",
                        field.field
                    ));
                    continue;
                }
            };
            let spk = sentinel_pk(schema.name, field.field, &encoded);
            match sentinels.get(&spk).map(Vec::as_slice) {
                None | Some([]) => problems.push(format!(
                    "{pk}/{sk:?}: `{}.{}` value has no sentinel (another item can take it)",
                    schema.name, field.field
                )),
                Some([one]) => {
                    if s(one, "owner") != Some(pk.as_str())
                        || s(one, "owner_sort").map(str::to_owned) != *sk
                    {
                        problems.push(format!(
                            "{pk}/{sk:?}: the sentinel of its `{}.{}` value is owned by \
                             {:?}/{:?} (a duplicated value)",
                            schema.name,
                            field.field,
                            s(one, "owner"),
                            s(one, "owner_sort")
                        ));
                    }
                }
                Some(many) => problems.push(format!(
                    "{pk}/{sk:?}: {} sentinels for one value",
                    many.len()
                )),
            }
        }
    }
    // Sentinels → an owner that exists and holds the value.
    for (spk, list) in &sentinels {
        for sentinel in list {
            let owner = (
                s(sentinel, "owner").unwrap_or_default().to_owned(),
                s(sentinel, "owner_sort").map(str::to_owned),
            );
            let rest = spk
                .strip_prefix(&format!("{SENTINEL}#"))
                .unwrap_or_default();
            let parts: Vec<&str> = rest.splitn(3, '#').collect();
            let [entity, field, value] = parts[..] else {
                problems.push(format!("sentinel {spk}: malformed partition key"));
                continue;
            };
            let Some(item) = owners.get(&owner) else {
                problems.push(format!(
                    "sentinel {spk}: owner {:?}/{:?} does not exist (an orphan: the value is \
                     locked forever)",
                    owner.0, owner.1
                ));
                continue;
            };
            if s(item, TYPE).map(enc).as_deref() != Some(entity) {
                problems.push(format!(
                    "sentinel {spk}: owner is a `{:?}`, not a `{entity}`",
                    s(item, TYPE)
                ));
                continue;
            }
            let Some(schema) = schemas.iter().find(|e| enc(e.name) == entity) else {
                continue;
            };
            let Some(unique) = schema.unique.iter().find(|u| enc(u.field) == field) else {
                problems.push(format!(
                    "sentinel {spk}: `{entity}` has no unique `{field}`"
                ));
                continue;
            };
            let held = s(item, unique.attribute).map(enc);
            if held.as_deref() != Some(value) {
                problems.push(format!(
                    "sentinel {spk}: owner {:?}/{:?} now holds another value (a stale \
                     sentinel: the value is locked forever)",
                    owner.0, owner.1
                ));
            }
        }
    }
    problems.sort();
    problems
}

// --- entity types of these tests ---------------------------------------------------------

/// An entity whose key template renders the same keys as [`WgBeta`]'s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Tracker, pk = "SAME#{id}", sk = "X")]
pub(crate) struct WgAlpha {
    pub(crate) id: String,
    pub(crate) secret: String,
}

/// Same key template as [`WgAlpha`]: a write of one must never touch an item of the other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Tracker, pk = "SAME#{id}", sk = "X")]
pub(crate) struct WgBeta {
    pub(crate) id: String,
    pub(crate) note: String,
}

/// An entity whose partition key is just its id (so the id can be empty, or start with
/// `_dynamorm.`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Tracker, pk = "{id}", sk = "BARE")]
pub(crate) struct WgBare {
    pub(crate) id: String,
    pub(crate) n: u32,
}

/// An entity with a float field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Tracker, pk = "MEASURE#{id}", sk = "MEASURE")]
pub(crate) struct WgMeasure {
    pub(crate) id: String,
    pub(crate) value: f64,
    pub(crate) label: String,
}

/// An entity with a DynamoDB string set (a `Vec`, so it can be empty or hold duplicates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Tracker, pk = "TAGGED#{id}", sk = "TAGGED")]
pub(crate) struct WgTagged {
    pub(crate) id: String,
    #[serde(with = "serde_dynamo::string_set")]
    pub(crate) tags: Vec<String>,
    pub(crate) label: String,
}

/// Whether an error is `Error::VersionExhausted`.
pub(crate) fn is_version_exhausted(err: &dynamorm::Error) -> bool {
    matches!(err, dynamorm::Error::VersionExhausted { .. })
}
