//! The table doctor on a live table: a clean table has no findings; a table seeded —
//! behind the library's back, with the raw SDK — with each kind of problem has exactly
//! those findings, counted and named, on both servers. The same run is repeated through
//! the command-line tool in `tests/it/cli.rs`.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Duration;
use dynamorm::Db;
use dynamorm::doctor::Problem;
use dynamorm_entities::{Session, Tracker, TrackerItem, sample};
use rstest::rstest;

use crate::harness::{Backend, client, unique_name};

/// Writes a clean sample of every entity type through the library.
pub(crate) async fn seed_clean(db: &Db<Tracker>) {
    db.put(&sample::tenant("acme"))
        .send()
        .await
        .expect("tenant");
    for user in ["ann", "bob"] {
        db.put(&sample::user("acme", user))
            .send()
            .await
            .expect("user");
    }
    db.put(&sample::project("acme", "p1", "ann"))
        .send()
        .await
        .expect("project");
    for id in 1..=4 {
        db.put(&sample::task("acme", "p1", id))
            .send()
            .await
            .expect("task");
    }
    db.put(&sample::assigned_task("acme", "p1", 5, "ann", 2))
        .send()
        .await
        .expect("assigned");
    db.put(&sample::comment("acme", "p1", 1, "c1", "bob", 3))
        .send()
        .await
        .expect("comment");
    db.put(&Session {
        tenant_id: "acme".into(),
        session_id: "s1".into(),
        user_id: "ann".into(),
        expires_at: sample::epoch() + Duration::days(30),
    })
    .send()
    .await
    .expect("session");
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

async fn raw_put(db: &Db<Tracker>, item: HashMap<String, AttributeValue>) {
    db.client()
        .put_item()
        .table_name(db.table_name())
        .set_item(Some(item))
        .send()
        .await
        .expect("raw put");
}

async fn raw_update(
    db: &Db<Tracker>,
    pk: &str,
    sk: &str,
    expression: &str,
    values: &[(&str, AttributeValue)],
) {
    let mut request = db
        .client()
        .update_item()
        .table_name(db.table_name())
        .key("PK", s(pk))
        .key("SK", s(sk))
        .update_expression(expression);
    for (name, value) in values {
        request = request.expression_attribute_values(*name, value.clone());
    }
    request.send().await.expect("raw update");
}

async fn raw_delete(db: &Db<Tracker>, pk: &str, sk: &str) {
    db.client()
        .delete_item()
        .table_name(db.table_name())
        .key("PK", s(pk))
        .key("SK", s(sk))
        .send()
        .await
        .expect("raw delete");
}

/// Seeds one or more items with each kind of problem, behind the library's back. Returns
/// the findings expected, by kind.
pub(crate) async fn seed_problems(db: &Db<Tracker>) -> BTreeMap<&'static str, usize> {
    // An item without a discriminator, and one of a type the registry does not know.
    raw_put(
        db,
        HashMap::from([("PK".into(), s("TENANT#acme")), ("SK".into(), s("LOOSE"))]),
    )
    .await;
    raw_put(
        db,
        HashMap::from([
            ("PK".into(), s("TENANT#acme")),
            ("SK".into(), s("GHOST#1")),
            ("_type".into(), s("Ghost")),
        ]),
    )
    .await;
    // A task whose `points` is text: it no longer decodes.
    raw_update(
        db,
        "TENANT#acme",
        "PROJECT#p1#TASK#0000000001",
        "SET points = :p",
        &[(":p", s("many"))],
    )
    .await;
    // A stale index key, an item in an index it should not be in, and a hand-written
    // primary key (not zero-padded: the templates render another key for its fields).
    raw_update(
        db,
        "TENANT#acme",
        "PROJECT#p1#TASK#0000000002",
        "SET GSI2PK = :k",
        &[(":k", s("PROJECT#p1#STATUS#done"))],
    )
    .await;
    raw_update(
        db,
        "TENANT#acme",
        "PROJECT#p1#TASK#0000000003",
        "SET GSI1PK = :a, GSI1SK = :b",
        &[(":a", s("USER#ann")), (":b", s("DUE#x"))],
    )
    .await;
    let task4 = db
        .client()
        .get_item()
        .table_name(db.table_name())
        .key("PK", s("TENANT#acme"))
        .key("SK", s("PROJECT#p1#TASK#0000000004"))
        .send()
        .await
        .expect("get")
        .item
        .expect("task 4");
    let mut hand_written = task4.clone();
    hand_written.insert("SK".into(), s("PROJECT#p1#TASK#4"));
    raw_delete(db, "TENANT#acme", "PROJECT#p1#TASK#0000000004").await;
    raw_put(db, hand_written).await;
    // A tenant whose version and `updated_at` were removed.
    raw_update(
        db,
        "TENANT#acme",
        "TENANT",
        "REMOVE version, updated_at",
        &[],
    )
    .await;
    // A session whose TTL attribute was changed by hand.
    raw_update(
        db,
        "TENANT#acme",
        "SESSION#s1",
        "SET expires = :e",
        &[(":e", AttributeValue::N("1".into()))],
    )
    .await;
    // Unique e-mails: ann's sentinel deleted; bob's sentinel names someone else; and a
    // sentinel left behind by a user deleted by hand.
    // (`@` and `.` are above `%`, so the key keeps the e-mail as it is.)
    let sentinel = |email: &str| format!("_dynamorm.unique#User#email#{email}");
    raw_delete(db, &sentinel("ann@acme.example"), "_dynamorm.unique").await;
    db.client()
        .update_item()
        .table_name(db.table_name())
        .key("PK", s(&sentinel("bob@acme.example")))
        .key("SK", s("_dynamorm.unique"))
        .update_expression("SET #o = :o")
        .expression_attribute_names("#o", "owner")
        .expression_attribute_values(":o", s("TENANT#other"))
        .send()
        .await
        .expect("raw update of the sentinel");
    db.put(&sample::user("acme", "cyd"))
        .send()
        .await
        .expect("cyd");
    raw_delete(db, "TENANT#acme", "USER#cyd").await;
    BTreeMap::from([
        ("missing_discriminator", 1),
        ("unknown_type", 1),
        ("undecodable", 1),
        // GSI2PK of task 2; GSI1PK and GSI1SK of task 3; SK of the hand-written task 4.
        ("stale_key", 4),
        ("bad_version", 1),
        ("missing_timestamp", 1),
        ("bad_ttl", 1),
        ("missing_sentinel", 1),
        ("sentinel_of_another", 1),
        ("orphan_sentinel", 1),
    ])
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn the_doctor_finds_every_seeded_problem_and_nothing_on_a_clean_table(
    #[case] backend: Backend,
) {
    let (client, _server) = client(backend);
    let db = Db::<Tracker>::with_table_name(client, unique_name("doctor"));
    db.create_table().await.expect("create");
    seed_clean(&db).await;
    let clean = db
        .doctor::<TrackerItem>()
        .segments(3)
        .run()
        .await
        .expect("doctor");
    assert!(clean.is_healthy(), "{:#?}", clean.findings);
    // 11 entity items and the 2 users' e-mail sentinels.
    assert_eq!(clean.scanned, 13);

    let expected = seed_problems(&db).await;
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = progress.clone();
    let checkup = db
        .doctor::<TrackerItem>()
        .segments(2)
        .page_size(3)
        .on_progress(move |n| seen.store(n, std::sync::atomic::Ordering::Relaxed))
        .run()
        .await
        .expect("doctor");
    assert_eq!(checkup.counts(), expected, "{:#?}", checkup.findings);
    assert_eq!(
        progress.load(std::sync::atomic::Ordering::Relaxed),
        checkup.scanned
    );
    // The findings name the items and say what is wrong.
    let stale = checkup
        .findings
        .iter()
        .find(
            |f| matches!(&f.problem, Problem::StaleKey { attribute, .. } if attribute == "GSI2PK"),
        )
        .expect("the stale GSI2PK");
    assert_eq!(
        stale.sort_key.as_deref(),
        Some("PROJECT#p1#TASK#0000000002")
    );
    assert_eq!(stale.entity.as_deref(), Some("Task"));
    assert!(
        stale.to_string().contains("PROJECT#p1#STATUS#done")
            && stale.to_string().contains("PROJECT#p1#STATUS#OPEN"),
        "{stale}"
    );
    let json = serde_json::to_value(&checkup).expect("json");
    assert_eq!(
        json["findings"].as_array().map(Vec::len),
        Some(checkup.findings.len())
    );
    assert!(
        json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["problem"]["kind"].is_string())
    );
}
