//! Batches across entity types under injected faults: nothing is lost or duplicated.

use std::collections::HashSet;
use std::time::Duration;

use dynamorm::batch::WriteOutcome;
use dynamorm::{Error, PrimaryKey, RetryPolicy};
use dynamorm_entities::sample::{comment, project, task, user};
use dynamorm_entities::{Comment, Project, Task, TaskKey, TrackerItem, User, UserKey};
use dynamorm_local::FaultConfig;
use rstest::rstest;

use crate::harness::invalid_kind;
use crate::harness::{Backend, faulty_table, table};
use dynamorm::InvalidInputKind;

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .base(Duration::from_millis(1))
        .cap(Duration::from_millis(20))
}

/// 10 000 items of three entity types over 100 tenants.
fn mixed_items() -> (Vec<Task>, Vec<Project>, Vec<Comment>) {
    let mut tasks = Vec::new();
    let mut users = Vec::new();
    let mut comments = Vec::new();
    for t in 0..100 {
        let tenant = format!("t{t}");
        for i in 0..60 {
            tasks.push(task(&tenant, "p", i));
        }
        for i in 0..20 {
            users.push(project(&tenant, &format!("p{i}"), "u1"));
        }
        for i in 0..20 {
            comments.push(comment(
                &tenant,
                "p",
                1,
                &format!("c{i}"),
                "u1",
                i64::from(i),
            ));
        }
    }
    (tasks, users, comments)
}

async fn stored_keys(db: &dynamorm::Db<dynamorm_entities::Tracker>) -> HashSet<PrimaryKey> {
    let items: Vec<TrackerItem> = db.scan().segments(4).all().await.expect("scan");
    items
        .iter()
        .map(|item| match item {
            TrackerItem::Task(e) => dynamorm::EntityKey::render(&e.key()),
            TrackerItem::User(e) => dynamorm::EntityKey::render(&e.key()),
            TrackerItem::Comment(e) => dynamorm::EntityKey::render(&e.key()),
            TrackerItem::Tenant(e) => dynamorm::EntityKey::render(&e.key()),
            TrackerItem::Project(e) => dynamorm::EntityKey::render(&e.key()),
            TrackerItem::Session(e) => dynamorm::EntityKey::render(&e.key()),
        })
        .collect::<Result<_, _>>()
        .expect("keys render")
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_writes_under_faults_are_all_accounted_for(#[case] backend: Backend) {
    let faults = FaultConfig {
        seed: 42,
        unprocessed: 0.3,
        throttle: 0.1,
        drop_connection: 0.0,
    };
    let t = faulty_table(backend, "batch-10k", faults).await;
    let (tasks, users, comments) = mixed_items();
    let out =
        t.db.batch_write()
            .put_all(&tasks)
            .put_all(&users)
            .put_all(&comments)
            .concurrency(8)
            .retry(fast_retries(12))
            .send()
            .await
            .expect("valid batch");
    assert_eq!(
        out.written() + out.failed().len(),
        10_000,
        "every write accounted for"
    );
    let stats = t.proxy.stats();
    assert!(
        stats.unprocessed > 1_000 && stats.throttled > 10,
        "faults were injected: {stats:?}"
    );
    assert!(
        out.requests() > 400,
        "{} requests for 400 chunks plus retries",
        out.requests()
    );

    // The table holds exactly what was reported written.
    let stored = stored_keys(&t.direct).await;
    let failed: HashSet<PrimaryKey> = out.failed().iter().map(|f| f.key.clone()).collect();
    assert_eq!(stored.len(), out.written());
    assert!(stored.is_disjoint(&failed));
    println!("10k batch: {} requests, faults {stats:?}", out.requests());
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_that_run_out_of_attempts_are_reported_by_key(#[case] backend: Backend) {
    let faults = FaultConfig {
        seed: 7,
        unprocessed: 0.6,
        throttle: 0.2,
        drop_connection: 0.0,
    };
    let t = faulty_table(backend, "batch-failing", faults).await;
    let tasks: Vec<Task> = (0..300).map(|i| task("acme", "p", i)).collect();
    let out =
        t.db.batch_write()
            .put_all(&tasks)
            .retry(fast_retries(2))
            .send()
            .await
            .expect("valid");
    assert!(
        !out.failed().is_empty(),
        "with two attempts at 60 % some writes must fail"
    );
    assert_eq!(out.written() + out.failed().len(), 300);
    let stored = stored_keys(&t.direct).await;
    for f in out.failed() {
        assert_eq!(f.entity, "Task");
        assert!(
            !stored.contains(&f.key),
            "a failed write is not in the table"
        );
    }
    assert_eq!(stored.len(), out.written());
    match out.into_result() {
        Err(Error::BatchIncomplete {
            done,
            failed_writes,
            ..
        }) => {
            assert_eq!(done + failed_writes.len(), 300);
        }
        other => panic!("{other:?}"),
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_get_under_faults_returns_each_item_exactly_once(#[case] backend: Backend) {
    let faults = FaultConfig {
        seed: 3,
        unprocessed: 0.3,
        throttle: 0.1,
        drop_connection: 0.15,
    };
    let t = faulty_table(backend, "batch-get", faults).await;
    let tasks: Vec<Task> = (0..700).map(|i| task("acme", "p", i)).collect();
    let users: Vec<Project> = (0..200)
        .map(|i| project("acme", &format!("p{i}"), "u"))
        .collect();
    t.direct
        .batch_write()
        .put_all(&tasks)
        .put_all(&users)
        .send()
        .await
        .expect("seed")
        .into_result()
        .expect("all written");

    // 1 000 keys: 700 tasks, 200 users, and 100 keys with no item.
    let mut out =
        t.db.batch_get()
            .get_all(tasks.iter().map(Task::key))
            .get_all(users.iter().map(Project::key))
            .get_all((0..100).map(|i| UserKey {
                tenant_id: "acme".into(),
                user_id: format!("ghost{i}"),
            }))
            .retry(fast_retries(15))
            .send()
            .await
            .expect("valid")
            .into_result()
            .expect("every key answered");
    let mut got_tasks: Vec<Task> = out.take().expect("tasks decode");
    let mut got_users: Vec<Project> = out.take().expect("projects decode");
    assert!(out.is_empty());
    got_tasks.sort_by_key(|t| t.task_id);
    got_users.sort_by(|a, b| a.project_id.cmp(&b.project_id));
    let mut want_users = users.clone();
    want_users.sort_by(|a, b| a.project_id.cmp(&b.project_id));
    assert_eq!(got_tasks, tasks, "every task exactly once");
    assert_eq!(got_users, want_users, "every user exactly once");
    let stats = t.proxy.stats();
    assert!(stats.unprocessed > 100 && stats.dropped > 0, "{stats:?}");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn invalid_batches_fail_before_sending(#[case] backend: Backend) {
    let t = table(backend, "batch-invalid").await;
    let a = task("acme", "p", 1);
    let err =
        t.db.batch_write()
            .put(&a)
            .delete(a.key())
            .send()
            .await
            .expect_err("duplicate key");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::DuplicateKey),
        "{err:?}"
    );
    let err =
        t.db.batch_get()
            .get(a.key())
            .get(TaskKey {
                tenant_id: "acme".into(),
                project_id: "p".into(),
                task_id: 1,
            })
            .send()
            .await
            .expect_err("duplicate key");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::DuplicateKey),
        "{err:?}"
    );
    let mut big = task("acme", "p", 2);
    big.title = "x".repeat(dynamorm::MAX_ITEM_BYTES);
    let err =
        t.db.batch_write()
            .put(&a)
            .put(&big)
            .send()
            .await
            .expect_err("too large");
    assert!(matches!(err, Error::ItemTooLarge { .. }), "{err:?}");
    assert!(
        t.db.get(a.key()).send().await.expect("get").is_none(),
        "nothing was sent"
    );

    // Entities whose unique or version fields a batch cannot check are refused.
    let err =
        t.db.batch_write()
            .put(&user("acme", "u1"))
            .send()
            .await
            .expect_err("unique field");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::NotSupported),
        "{err:?}"
    );
    let err =
        t.db.batch_write()
            .put(&dynamorm_entities::sample::tenant("acme"))
            .send()
            .await
            .expect_err("version field");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::NotSupported),
        "{err:?}"
    );
    let _: Option<User> = None;

    // Deletes and a mixed batch of every type.
    let items: Vec<dynamorm_entities::Project> = (0..30)
        .map(|i| project("acme", &format!("p{i}"), "u"))
        .collect();
    t.db.batch_write()
        .put_all(&items)
        .send()
        .await
        .expect("send")
        .into_result()
        .expect("written");
    let out =
        t.db.batch_write()
            .delete_all(items.iter().map(|p| p.key()))
            .send()
            .await
            .expect("send");
    assert_eq!(out.into_result().expect("deleted").written(), 30);
    assert_eq!(
        t.db.scan::<dynamorm_entities::Project>()
            .count()
            .await
            .expect("count"),
        0
    );
}

/// The key of a registry value, as its entity type renders it.
fn key_of(item: &TrackerItem) -> PrimaryKey {
    let render = |k: Result<PrimaryKey, dynamorm::KeyError>| k.expect("renders");
    match item {
        TrackerItem::Task(e) => render(dynamorm::EntityKey::render(&e.key())),
        TrackerItem::User(e) => render(dynamorm::EntityKey::render(&e.key())),
        TrackerItem::Comment(e) => render(dynamorm::EntityKey::render(&e.key())),
        TrackerItem::Tenant(e) => render(dynamorm::EntityKey::render(&e.key())),
        TrackerItem::Project(e) => render(dynamorm::EntityKey::render(&e.key())),
        TrackerItem::Session(e) => render(dynamorm::EntityKey::render(&e.key())),
    }
}

/// Stores an item of a type no registry here knows at `key`, as another service would.
async fn intrude(db: &dynamorm::Db<dynamorm_entities::Tracker>, key: &PrimaryKey) {
    let s = |v: &str| aws_sdk_dynamodb::types::AttributeValue::S(v.to_owned());
    db.client()
        .put_item()
        .table_name(db.table_name())
        .item("PK", s(&key.partition_key))
        .item("SK", s(key.sort_key.as_deref().unwrap_or_default()))
        .item("_type", s("Intruder"))
        .send()
        .await
        .expect("intruder stored");
}

/// A key as (partition key, sort key).
fn pair(key: &PrimaryKey) -> (String, String) {
    (
        key.partition_key.clone(),
        key.sort_key.clone().unwrap_or_default(),
    )
}

/// Every stored item's key and discriminator, read raw (an unknown type included).
async fn keys_by_type(
    db: &dynamorm::Db<dynamorm_entities::Tracker>,
) -> std::collections::HashMap<(String, String), String> {
    let text = |item: &dynamorm::Item, a: &str| {
        item.get(a)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    crate::harness::scan_raw(db)
        .await
        .iter()
        .map(|i| ((text(i, "PK"), text(i, "SK")), text(i, "_type")))
        .collect()
}

/// Issue #22: a `Vec` of registry values of mixed types is batch-written and deleted, and
/// transacted, as its entities would be — routed by type, chunked, retried and accounted
/// through a proxy that leaves 30 % of batch items unprocessed and throttles 10 % of
/// requests, the entity-type guard kept (another type's item at a key is never replaced or
/// deleted), the same refusals (a type with unique or version fields, a duplicate key).
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_values_batch_and_transact_as_their_entities(#[case] backend: Backend) {
    let faults = FaultConfig {
        seed: 22,
        unprocessed: 0.3,
        throttle: 0.1,
        drop_connection: 0.0,
    };
    let t = faulty_table(backend, "registry-batch", faults).await;
    let mut mixed: Vec<TrackerItem> = Vec::new();
    for n in 0..40 {
        let tenant = format!("t{n}");
        mixed.push(task(&tenant, "p", n).into());
        mixed.push(project(&tenant, "p", "u1").into());
        mixed.push(comment(&tenant, "p", 1, &format!("c{n}"), "u1", i64::from(n)).into());
    }
    // Through the table's registry: BatchWriteItem requests, chunked and retried.
    let out =
        t.db.batch_write()
            .put_all_any(&mixed)
            .retry(fast_retries(20))
            .send()
            .await
            .expect("valid batch")
            .into_result()
            .expect("all written");
    assert_eq!(out.written(), 120);
    assert!(t.proxy.stats().unprocessed > 10, "{:?}", t.proxy.stats());
    let stored: Vec<TrackerItem> = t.direct.scan().all().await.expect("scan");
    assert_eq!(stored.len(), 120);
    assert!(mixed.iter().all(|m| stored.contains(m)), "stored as given");

    // Without the registry every write is guarded: another type's item at a key stays.
    let guarded = dynamorm::Db::<dynamorm_entities::Tracker>::with_table_name(
        t.db.client().clone(),
        t.db.table_name(),
    );
    let intruded = key_of(&mixed[3]);
    intrude(&t.direct, &intruded).await;
    let out = guarded
        .batch_write()
        .put_all_any(&mixed[..30])
        .retry(fast_retries(20))
        .send()
        .await
        .expect("valid batch");
    assert_eq!(out.written(), 29);
    assert_eq!(
        out.failed()
            .iter()
            .map(|f| (f.entity, f.key.clone(), f.outcome))
            .collect::<Vec<_>>(),
        [("Task", intruded.clone(), WriteOutcome::NotApplied)]
    );
    let out = guarded
        .batch_write()
        .delete_all_any(&mixed[..60])
        .retry(fast_retries(20))
        .send()
        .await
        .expect("valid batch");
    assert_eq!((out.written(), out.failed().len()), (59, 1));
    let left = keys_by_type(&t.direct).await;
    assert_eq!(left.len(), 61, "60 of ours and the intruder");
    assert!(
        mixed[60..]
            .iter()
            .all(|m| left.contains_key(&pair(&key_of(m))))
    );
    assert_eq!(
        left.get(&pair(&intruded)).map(String::as_str),
        Some("Intruder"),
        "the intruder is untouched"
    );

    // The same refusals as entities, before anything is sent.
    let before = t.proxy.stats().requests;
    let with_user = vec![mixed[60].clone(), user("t1", "u1").into()];
    let refused = t.db.batch_write().put_all_any(&with_user).send().await;
    assert_eq!(
        refused.err().as_ref().and_then(invalid_kind),
        Some(InvalidInputKind::NotSupported),
        "a user has a unique field"
    );
    let twice =
        t.db.batch_write()
            .put_any(&mixed[60])
            .delete_any(&mixed[60])
            .send()
            .await;
    assert_eq!(
        twice.err().as_ref().and_then(invalid_kind),
        Some(InvalidInputKind::DuplicateKey)
    );
    assert_eq!(t.proxy.stats().requests, before, "nothing sent");

    // Transactions: puts and deletes of mixed types in one, guarded alike.
    let fresh: Vec<TrackerItem> = vec![
        task("tx", "p", 1).into(),
        project("tx", "p", "u1").into(),
        comment("tx", "p", 1, "c", "u1", 1).into(),
    ];
    t.direct
        .transact_write()
        .put_all_any(&fresh)
        .delete_any(&mixed[60])
        .delete_all_any(&mixed[61..63])
        .send()
        .await
        .expect("transaction");
    let now = keys_by_type(&t.direct).await;
    assert!(fresh.iter().all(|m| now.contains_key(&pair(&key_of(m)))));
    assert!(
        mixed[60..63]
            .iter()
            .all(|m| !now.contains_key(&pair(&key_of(m))))
    );
    let failed = t
        .direct
        .transact_write()
        .put_any(&TrackerItem::from(task("tx", "p", 2)))
        .put_any(&mixed[3])
        .send()
        .await;
    assert!(
        matches!(failed, Err(Error::TransactionCanceled(_))),
        "{failed:?}"
    );
    assert!(
        !keys_by_type(&t.direct)
            .await
            .contains_key(&pair(&key_of(&task("tx", "p", 2).into()))),
        "nothing of a canceled transaction is applied"
    );
    let refused = t
        .direct
        .transact_write()
        .put_any(&TrackerItem::from(user("tx", "u1")))
        .send()
        .await;
    assert_eq!(
        refused.err().as_ref().and_then(invalid_kind),
        Some(InvalidInputKind::NotSupported),
        "a type with unique fields is refused in a transaction, as its put is"
    );
}
