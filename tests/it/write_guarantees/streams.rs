//! Stream records: only the library's own sentinels are skipped; everything else is a
//! change or a reported failure, and a failure Lambda cannot name fails the whole batch.

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::Item;
use dynamorm::stream::Changes;
use dynamorm_entities::Tracker;

use super::{PK, SENTINEL, SK, TYPE, WgBare};

#[derive(Debug, Clone, PartialEq, dynamorm::Registry)]
#[dynamo(table = Tracker)]
enum WgStreamItem {
    Bare(WgBare),
    Task(dynamorm_entities::Task),
}

fn item(pairs: &[(&str, &str)]) -> Item {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), AttributeValue::S((*v).to_owned())))
        .collect()
}

fn keys(item: &Item) -> Item {
    item.iter()
        .filter(|(k, _)| *k == PK || *k == SK)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A Lambda DynamoDB event record inserting `new` (no `SequenceNumber` when `seq` is None).
fn insert(seq: Option<&str>, new: &Item) -> serde_json::Value {
    let wire =
        |i: &Item| serde_json::to_value(serde_dynamo::Item::from(i.clone())).expect("item as json");
    let mut change = serde_json::json!({
        "Keys": wire(&keys(new)),
        "NewImage": wire(new),
        "SizeBytes": 1,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    });
    if let Some(seq) = seq {
        change["SequenceNumber"] = serde_json::json!(seq);
    }
    serde_json::json!({
        "eventID": seq.unwrap_or("no-seq"),
        "eventName": "INSERT",
        "awsRegion": "us-east-1",
        "dynamodb": change,
    })
}

fn decode(records: Vec<serde_json::Value>) -> Changes<WgStreamItem> {
    let event =
        serde_json::from_value(serde_json::json!({ "Records": records })).expect("a Lambda event");
    dynamorm::stream::from_lambda_event(event)
}

fn a_sentinel() -> Item {
    item(&[
        (PK, "_dynamorm.unique#User#email#a@b.example"),
        (SK, SENTINEL),
        (TYPE, SENTINEL),
        ("owner", "TENANT#acme"),
        ("owner_sort", "USER#u1"),
    ])
}

#[test]
fn only_exact_sentinel_records_are_skipped() {
    let lookalike = item(&[
        (PK, "X#1"),
        (SK, "X"),
        (TYPE, "_dynamorm.somethingelse"),
        ("foo", "bar"),
    ]);
    let changes = decode(vec![
        insert(Some("1"), &a_sentinel()),
        insert(Some("2"), &lookalike),
    ]);
    let failed = changes.failed_sequence_numbers();
    println!(
        "sentinel + lookalike: {} changes, {} failures {failed:?}",
        changes.changes.len(),
        changes.failures.len()
    );
    assert_eq!(
        (changes.changes.len(), changes.failures.len(), failed),
        (0, 1, vec!["2".to_owned()]),
        "(changes, failures, failed sequence numbers): the real sentinel is skipped, the \
         `_dynamorm.somethingelse` record is a failure"
    );
}

#[test]
fn an_entity_whose_own_key_starts_with_the_internal_prefix_is_decoded() {
    let mut bare = item(&[
        (PK, "_dynamorm.x"),
        (SK, "BARE"),
        (TYPE, "WgBare"),
        ("id", "_dynamorm.x"),
    ]);
    bare.insert("n".into(), AttributeValue::N("7".into()));
    // The same item as the library encodes it (if it still lets such a key be written).
    if let Ok(encoded) = dynamorm::to_item(&WgBare {
        id: "_dynamorm.x".into(),
        n: 7,
    }) {
        assert_eq!(
            encoded, bare,
            "the hand-built image matches the library's encoding"
        );
    }
    let changes = decode(vec![insert(Some("1"), &bare)]);
    let decoded = changes
        .changes
        .iter()
        .filter(|c| {
            c.new
                == Some(WgStreamItem::Bare(WgBare {
                    id: "_dynamorm.x".into(),
                    n: 7,
                }))
        })
        .count();
    println!(
        "entity keyed `_dynamorm.x`: {} changes ({decoded} decoded as the entity), {} failures",
        changes.changes.len(),
        changes.failures.len()
    );
    assert_eq!(
        (decoded, changes.failures.len()),
        (1, 0),
        "(records decoded as the entity, failures)"
    );
}

#[test]
fn a_failure_without_a_sequence_number_fails_the_whole_batch() {
    let good = dynamorm::to_item(&dynamorm_entities::sample::task("acme", "p", 1)).expect("item");
    let unknown = item(&[(PK, "X#1"), (SK, "X"), (TYPE, "Invoice")]);
    let changes = decode(vec![insert(Some("1"), &good), insert(None, &unknown)]);
    let response = changes.lambda_response();
    let json = serde_json::to_value(&response).expect("response serializes");
    let entries = json["batchItemFailures"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Lambda fails the whole batch for an entry whose itemIdentifier is empty or null.
    let whole_batch = entries
        .iter()
        .filter(|e| e["itemIdentifier"].as_str().is_none_or(str::is_empty))
        .count();
    println!(
        "failure without sequence number: {} failures, response {json}",
        changes.failures.len()
    );
    assert_eq!(
        (changes.changes.len(), changes.failures.len(), whole_batch),
        (1, 1, 1),
        "(changes, failures, batchItemFailures entries that fail the whole batch): {json}"
    );
}
