//! Routing raw items to entity types by discriminator.

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::{Entity, Error, Item, Registry};
use dynamorm_entities::sample::{comment, project, task, tenant, user};
use dynamorm_entities::{Tracker, TrackerItem, TrackerItemKind};
use rstest::rstest;
use strum::{EnumCount, IntoEnumIterator};

use crate::harness::{Backend, table};

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_scan_of_mixed_items_decodes_into_the_registry(#[case] backend: Backend) {
    let t = table(backend, "registry-scan").await;
    let written: Vec<TrackerItem> = vec![
        tenant("acme").into(),
        user("acme", "u1").into(),
        project("acme", "p1", "u1").into(),
        task("acme", "p1", 1).into(),
        comment("acme", "p1", 1, "c1", "u1", 0).into(),
    ];
    for item in &written {
        match item {
            TrackerItem::Tenant(e) => t.db.put(e).send().await,
            TrackerItem::User(e) => t.db.put(e).send().await,
            TrackerItem::Project(e) => t.db.put(e).send().await,
            TrackerItem::Task(e) => t.db.put(e).send().await,
            TrackerItem::Comment(e) => t.db.put(e).send().await,
            TrackerItem::Session(e) => t.db.put(e).send().await,
        }
        .expect("put");
    }
    let items =
        t.db.client()
            .scan()
            .table_name(t.db.table_name())
            .send()
            .await
            .expect("scan")
            .items
            .unwrap_or_default();
    // The raw table also holds the sentinel of the user's unique e-mail, which is not an
    // entity: routing it by hand names it; the library's scans skip it.
    let (sentinels, entities): (Vec<_>, Vec<_>) = items.into_iter().partition(|i| {
        i.get("_type")
            .and_then(|v| v.as_s().ok())
            .is_some_and(|d| d.starts_with("_dynamorm."))
    });
    assert_eq!(sentinels.len(), 1);
    assert!(matches!(
        TrackerItem::from_item(sentinels[0].clone()),
        Err(Error::UnknownDiscriminator { .. })
    ));
    let mut decoded: Vec<TrackerItem> = entities
        .into_iter()
        .map(TrackerItem::from_item)
        .collect::<Result<_, _>>()
        .expect("every item decodes");
    let scanned: Vec<TrackerItem> = t.db.scan().all().await.expect("library scan");
    assert_eq!(
        scanned.len(),
        decoded.len(),
        "a registry scan skips the sentinel"
    );
    decoded.sort_by_key(|i| i.kind().map(|k| k as u8));
    let decoded: Vec<TrackerItem> = decoded
        .into_iter()
        .map(|i| match i {
            TrackerItem::Tenant(t) => TrackerItem::Tenant(crate::harness::caller_fields(t)),
            other => other,
        })
        .collect();
    assert_eq!(decoded, written);
}

fn item(pairs: &[(&str, &str)]) -> Item {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), AttributeValue::S(v.to_string())))
        .collect()
}

#[test]
fn unknown_and_missing_discriminators_are_typed_errors() {
    let err =
        TrackerItem::from_item(item(&[("PK", "X"), ("_type", "Invoice")])).expect_err("unknown");
    assert!(
        matches!(&err, Error::UnknownDiscriminator { attribute: "_type", value, .. } if value.expose() == "Invoice"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "unknown entity type (<redacted, 7 bytes>) in attribute `_type`"
    );
    let err = TrackerItem::from_item(item(&[("PK", "X")])).expect_err("missing");
    assert!(
        matches!(
            err,
            Error::MissingDiscriminator {
                attribute: "_type",
                ..
            }
        ),
        "{err:?}"
    );
    let mut numeric = item(&[("PK", "X")]);
    numeric.insert("_type".into(), AttributeValue::N("1".into()));
    assert!(matches!(
        TrackerItem::from_item(numeric),
        Err(Error::MissingDiscriminator { .. })
    ));
    // A known type whose fields do not fit is a decode error naming the type.
    let err = TrackerItem::from_item(item(&[("_type", "Task"), ("tenant_id", "a")]))
        .expect_err("malformed");
    assert!(
        matches!(&err, Error::Decode(e) if e.entity() == Some("Task")),
        "{err:?}"
    );
}

/// A registry that keeps unknown items raw instead of failing.
#[derive(Debug, Registry)]
#[dynamo(table = Tracker)]
enum Lenient {
    Task(dynamorm_entities::Task),
    #[dynamo(other)]
    Other(Item),
}

#[test]
fn an_other_variant_keeps_unknown_items_raw() {
    let raw = item(&[("PK", "X"), ("_type", "Invoice")]);
    match Lenient::from_item(raw.clone()).expect("kept") {
        Lenient::Other(kept) => assert_eq!(kept, raw),
        other => panic!("{other:?}"),
    }
    let task_item = dynamorm::to_item(&task("a", "p", 1)).expect("encode");
    match Lenient::from_item(task_item).expect("decodes") {
        Lenient::Task(task) => assert_eq!(task.task_id, 1),
        other => panic!("{other:?}"),
    }
    assert_eq!(Lenient::from_item(raw).expect("kept").discriminator(), None);
}

#[test]
fn the_kind_enum_lists_every_entity_type() {
    assert_eq!(TrackerItemKind::COUNT, 6);
    let names: Vec<&str> = TrackerItemKind::iter()
        .map(TrackerItemKind::discriminator)
        .collect();
    assert_eq!(
        names,
        ["Tenant", "User", "Project", "Task", "Comment", "Session"]
    );
    assert_eq!("Task".parse::<TrackerItemKind>(), Ok(TrackerItemKind::Task));
    let schemas: Vec<&str> = TrackerItem::ENTITIES.iter().map(|e| e.name).collect();
    assert_eq!(schemas, names);
    assert_eq!(
        TrackerItem::entity("Comment").map(|e| e.partition_key.source()),
        Some(dynamorm_entities::Comment::SCHEMA.partition_key.source())
    );
}
