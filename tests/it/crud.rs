//! get / put / create / delete on both servers.

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::{EntityKey, Error, Item};
use dynamorm_entities::sample::{assigned_task, comment, project, task, tenant, user};
use dynamorm_entities::{CommentKey, ProjectKey, TaskKey, TenantKey};
use rstest::rstest;

use crate::harness::{Backend, caller_fields, table};

/// The raw stored item, read with the plain SDK.
pub(crate) async fn raw_get(
    db: &dynamorm::Db<dynamorm_entities::Tracker>,
    key: impl EntityKey,
) -> Option<Item> {
    let key = key.render().expect("key renders");
    db.client()
        .get_item()
        .table_name(db.table_name())
        .key("PK", AttributeValue::S(key.partition_key))
        .key(
            "SK",
            AttributeValue::S(key.sort_key.expect("table has a sort key")),
        )
        .consistent_read(true)
        .send()
        .await
        .expect("raw get")
        .item
}

fn s(item: &Item, attribute: &str) -> Option<String> {
    item.get(attribute).and_then(|v| v.as_s().ok()).cloned()
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn every_entity_type_round_trips(#[case] backend: Backend) {
    let t = table(backend, "round-trip").await;
    let db = &t.db;
    let (te, us, pr) = (
        tenant("acme"),
        user("acme", "u1"),
        project("acme", "p1", "u1"),
    );
    let (ta, co) = (
        assigned_task("acme", "p1", 7, "u1", 3),
        comment("acme", "p1", 7, "c1", "u1", 5),
    );
    db.put(&te).send().await.expect("put tenant");
    db.put(&us).send().await.expect("put user");
    db.put(&pr).send().await.expect("put project");
    db.put(&ta).send().await.expect("put task");
    db.put(&co).send().await.expect("put comment");

    let stored = db.get(te.key()).send().await.expect("get").expect("tenant");
    assert_eq!(caller_fields(stored), te);
    assert_eq!(
        db.get(us.key()).send().await.expect("get"),
        Some(us.clone())
    );
    assert_eq!(db.get(pr.key()).send().await.expect("get"), Some(pr));
    assert_eq!(
        db.get(ta.key()).send().await.expect("get"),
        Some(ta.clone())
    );
    assert_eq!(
        db.get(co.key()).send().await.expect("get"),
        Some(co.clone())
    );

    // The stored layout, pinned: keys, overloaded index keys, discriminator, serde names.
    let raw = raw_get(db, ta.key()).await.expect("task stored");
    assert_eq!(s(&raw, "PK").as_deref(), Some("TENANT#acme"));
    assert_eq!(s(&raw, "SK").as_deref(), Some("PROJECT#p1#TASK#0000000007"));
    assert_eq!(s(&raw, "GSI1PK").as_deref(), Some("USER#u1"));
    assert_eq!(
        s(&raw, "GSI1SK").as_deref(),
        Some("DUE#2026-01-08T09:00:00.000000000Z")
    );
    assert_eq!(s(&raw, "_type").as_deref(), Some("Task"));
    let raw = raw_get(db, us.key()).await.expect("user stored");
    assert_eq!(s(&raw, "GSI1PK").as_deref(), Some("EMAIL#u1@acme.example"));
    assert_eq!(
        s(&raw, "tenantId").as_deref(),
        Some("acme"),
        "rename_all = camelCase"
    );
    let raw = raw_get(db, co.key()).await.expect("comment stored");
    assert_eq!(
        s(&raw, "SK").as_deref(),
        Some("PROJECT#p1#TASK#0000000007#COMMENT#2026-01-05T09:05:00.000000000Z#c1")
    );
    assert_eq!(s(&raw, "GSI2PK").as_deref(), Some("AUTHOR#u1"));
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_task_without_assignee_stays_out_of_the_sparse_index(#[case] backend: Backend) {
    let t = table(backend, "sparse").await;
    let unassigned = task("acme", "p1", 1);
    t.db.put(&unassigned).send().await.expect("put");
    let raw = raw_get(&t.db, unassigned.key()).await.expect("stored");
    assert!(
        !raw.contains_key("GSI1PK") && !raw.contains_key("GSI1SK"),
        "{raw:?}"
    );
    assert!(!raw.contains_key("assignee"), "None is not stored as NULL");

    // Assigned but without due date: the GSI1 sort key cannot be rendered, so neither is set.
    let mut half = task("acme", "p1", 2);
    half.assignee = Some("u1".into());
    t.db.put(&half).send().await.expect("put");
    let raw = raw_get(&t.db, half.key()).await.expect("stored");
    assert!(
        !raw.contains_key("GSI1PK") && !raw.contains_key("GSI1SK"),
        "{raw:?}"
    );

    // The index really is sparse on the server: only the assigned task is in it.
    let assigned = assigned_task("acme", "p1", 3, "u1", 1);
    t.db.put(&assigned).send().await.expect("put");
    let in_index =
        t.db.client()
            .scan()
            .table_name(t.db.table_name())
            .index_name("GSI1")
            .send()
            .await
            .expect("scan GSI1")
            .items
            .unwrap_or_default();
    assert_eq!(in_index.len(), 1);
    assert_eq!(
        s(&in_index[0], "SK").as_deref(),
        Some("PROJECT#p1#TASK#0000000003")
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn create_refuses_an_existing_item(#[case] backend: Backend) {
    let t = table(backend, "create").await;
    let first = user("acme", "u1");
    t.db.create(&first).send().await.expect("first create");
    let mut second = first.clone();
    second.name = "Impostor".into();
    let err =
        t.db.create(&second)
            .send()
            .await
            .expect_err("second create");
    assert!(
        matches!(err, Error::AlreadyExists { entity: "User", .. }),
        "{err:?}"
    );
    let stored = t.db.get(first.key()).send().await.expect("get");
    assert_eq!(stored, Some(first), "the first item is untouched");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn get_and_delete_of_missing_items(#[case] backend: Backend) {
    let t = table(backend, "missing").await;
    let key = TenantKey {
        tenant_id: "nobody".into(),
    };
    assert_eq!(t.db.get(key.clone()).send().await.expect("get"), None);
    assert_eq!(t.db.delete(key.clone()).send().await.expect("delete"), None);

    let a = dynamorm_entities::Tenant::attrs();
    let err =
        t.db.delete(key)
            .condition(a.name.exists())
            .send()
            .await
            .expect_err("conditional delete of a missing item");
    assert!(
        matches!(
            err,
            Error::NotFound {
                entity: "Tenant",
                ..
            }
        ),
        "{err:?}"
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn delete_returns_what_it_deleted(#[case] backend: Backend) {
    let t = table(backend, "delete").await;
    let p = project("acme", "p1", "u1");
    t.db.put(&p).send().await.expect("put");
    let key = ProjectKey {
        tenant_id: "acme".into(),
        project_id: "p1".into(),
    };
    assert_eq!(
        t.db.delete(key.clone()).send().await.expect("delete"),
        Some(p)
    );
    assert_eq!(t.db.get(key).send().await.expect("get"), None);
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn keyed_operations_never_touch_another_entity_type(#[case] backend: Backend) {
    let t = table(backend, "wrong-entity").await;
    // An item under a Task's key that says it is a Comment (written around the library).
    let victim = task("acme", "p1", 1);
    let mut item = dynamorm::to_item(&victim).expect("encode");
    item.insert("_type".into(), AttributeValue::S("Comment".into()));
    t.db.client()
        .put_item()
        .table_name(t.db.table_name())
        .set_item(Some(item))
        .send()
        .await
        .expect("raw put");

    let is_wrong = |e: &Error| matches!(e, Error::WrongEntity { expected: "Task", found, .. } if found.expose() == "Comment");
    let err = t.db.get(victim.key()).send().await.expect_err("get");
    assert!(is_wrong(&err), "{err:?}");
    let err = t.db.put(&victim).send().await.expect_err("put");
    assert!(is_wrong(&err), "{err:?}");
    let a = dynamorm_entities::Task::attrs();
    let err =
        t.db.update(victim.key())
            .set(a.title, "x")
            .send()
            .await
            .expect_err("update");
    assert!(is_wrong(&err), "{err:?}");
    let err = t.db.delete(victim.key()).send().await.expect_err("delete");
    assert!(is_wrong(&err), "{err:?}");
    let raw = raw_get(&t.db, victim.key()).await.expect("still there");
    assert_eq!(s(&raw, "_type").as_deref(), Some("Comment"));
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn delimiters_in_values_cannot_forge_keys(#[case] backend: Backend) {
    let t = table(backend, "injection").await;
    // Without escaping, project "p#TASK#0000000001" task 2 and project "p" task 1 could collide
    // with crafted keys; here every one is its own item.
    let honest = task("acme", "p", 1);
    let crafty = task("acme", "p#TASK#0000000001", 1);
    let spaced = task("acme", "p 1%", 1);
    for t_ in [&honest, &crafty, &spaced] {
        t.db.create(t_).send().await.expect("create");
    }
    for t_ in [&honest, &crafty, &spaced] {
        assert_eq!(
            t.db.get(t_.key()).send().await.expect("get").as_ref(),
            Some(t_)
        );
    }
    let raw = raw_get(&t.db, crafty.key()).await.expect("stored");
    assert_eq!(
        s(&raw, "SK").as_deref(),
        Some("PROJECT#p%23TASK%230000000001#TASK#0000000001")
    );
    let key = TaskKey::parse("TENANT#acme", s(&raw, "SK").as_deref()).expect("parses back");
    assert_eq!(key, crafty.key());
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn oversized_items_and_keys_fail_before_sending(#[case] backend: Backend) {
    let t = table(backend, "limits").await;
    let mut big = task("acme", "p1", 1);
    big.title = "x".repeat(dynamorm::MAX_ITEM_BYTES);
    let err = t.db.put(&big).send().await.expect_err("too large");
    assert!(
        matches!(err, Error::ItemTooLarge { entity: "Task", .. }),
        "{err:?}"
    );
    assert!(
        raw_get(&t.db, big.key()).await.is_none(),
        "nothing was written"
    );

    // Our size arithmetic agrees with the server's: an item just under the limit is accepted.
    let mut fits = task("acme", "p1", 2);
    fits.title.clear();
    let base = dynamorm::item_size(&dynamorm::to_item(&fits).expect("encode"));
    fits.title = "y".repeat(dynamorm::MAX_ITEM_BYTES - base - 64);
    t.db.put(&fits)
        .send()
        .await
        .expect("just under 400 KB is accepted");
    // …and the server also refuses what we refuse (sent raw, around the library's check).
    let mut item = dynamorm::to_item(&fits).expect("encode");
    item.insert("pad".into(), AttributeValue::S("z".repeat(200)));
    assert!(dynamorm::item_size(&item) > dynamorm::MAX_ITEM_BYTES);
    let raw =
        t.db.client()
            .put_item()
            .table_name(t.db.table_name())
            .set_item(Some(item))
            .send()
            .await;
    assert!(
        raw.is_err(),
        "the server must reject an item we count as over 400 KB"
    );

    let long = tenant(&"t".repeat(3000));
    let err =
        t.db.put(&long)
            .send()
            .await
            .expect_err("partition key too long");
    assert!(
        matches!(
            err,
            Error::Key(dynamorm::KeyError::TooLong {
                len: 3007,
                max: 2048,
                ..
            })
        ),
        "{err:?}"
    );
    let err =
        t.db.get(CommentKey {
            tenant_id: "acme".into(),
            project_id: "p".repeat(1100),
            task_id: 1,
            created_at: dynamorm_entities::sample::epoch(),
            comment_id: "c".into(),
        })
        .send()
        .await
        .expect_err("sort key too long");
    assert!(
        matches!(
            err,
            Error::Key(dynamorm::KeyError::TooLong { max: 1024, .. })
        ),
        "{err:?}"
    );
}
