//! A tracker table in a known state for the table doctor's tests and demos: a clean
//! sample of every entity type, and, written behind the library's back with the raw SDK,
//! one or more items with each kind of problem the doctor finds.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Duration;
use dynamorm::Db;

use crate::{Session, Tracker, sample};

/// Any error of the seeding (the library's, or the raw SDK's).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Writes a clean sample of every entity type through the library.
pub async fn seed_clean(db: &Db<Tracker>) -> Result<(), BoxError> {
    db.put(&sample::tenant("acme")).send().await?;
    for user in ["ann", "bob"] {
        db.put(&sample::user("acme", user)).send().await?;
    }
    db.put(&sample::project("acme", "p1", "ann")).send().await?;
    for id in 1..=4 {
        db.put(&sample::task("acme", "p1", id)).send().await?;
    }
    db.put(&sample::assigned_task("acme", "p1", 5, "ann", 2))
        .send()
        .await?;
    db.put(&sample::comment("acme", "p1", 1, "c1", "bob", 3))
        .send()
        .await?;
    db.put(&Session {
        tenant_id: "acme".into(),
        session_id: "s1".into(),
        user_id: "ann".into(),
        expires_at: sample::epoch() + Duration::days(30),
    })
    .send()
    .await?;
    Ok(())
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

async fn raw_put(db: &Db<Tracker>, item: HashMap<String, AttributeValue>) -> Result<(), BoxError> {
    db.client()
        .put_item()
        .table_name(db.table_name())
        .set_item(Some(item))
        .send()
        .await?;
    Ok(())
}

async fn raw_update(
    db: &Db<Tracker>,
    pk: &str,
    sk: &str,
    expression: &str,
    values: &[(&str, AttributeValue)],
) -> Result<(), BoxError> {
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
    request.send().await?;
    Ok(())
}

async fn raw_delete(db: &Db<Tracker>, pk: &str, sk: &str) -> Result<(), BoxError> {
    db.client()
        .delete_item()
        .table_name(db.table_name())
        .key("PK", s(pk))
        .key("SK", s(sk))
        .send()
        .await?;
    Ok(())
}

/// Seeds one or more items with each kind of problem, behind the library's back (on a
/// table [`seed_clean`] filled). Returns the findings expected, by kind.
pub async fn seed_problems(db: &Db<Tracker>) -> Result<BTreeMap<&'static str, usize>, BoxError> {
    // An item without a discriminator, and one of a type the registry does not know.
    raw_put(
        db,
        HashMap::from([("PK".into(), s("TENANT#acme")), ("SK".into(), s("LOOSE"))]),
    )
    .await?;
    raw_put(
        db,
        HashMap::from([
            ("PK".into(), s("TENANT#acme")),
            ("SK".into(), s("GHOST#1")),
            ("_type".into(), s("Ghost")),
        ]),
    )
    .await?;
    // A task whose `points` is text: it no longer decodes.
    raw_update(
        db,
        "TENANT#acme",
        "PROJECT#p1#TASK#0000000001",
        "SET points = :p",
        &[(":p", s("many"))],
    )
    .await?;
    // A stale index key, an item in an index it should not be in, and a hand-written
    // primary key (not zero-padded: the templates render another key for its fields).
    raw_update(
        db,
        "TENANT#acme",
        "PROJECT#p1#TASK#0000000002",
        "SET GSI2PK = :k",
        &[(":k", s("PROJECT#p1#STATUS#done"))],
    )
    .await?;
    raw_update(
        db,
        "TENANT#acme",
        "PROJECT#p1#TASK#0000000003",
        "SET GSI1PK = :a, GSI1SK = :b",
        &[(":a", s("USER#ann")), (":b", s("DUE#x"))],
    )
    .await?;
    let task4 = db
        .client()
        .get_item()
        .table_name(db.table_name())
        .key("PK", s("TENANT#acme"))
        .key("SK", s("PROJECT#p1#TASK#0000000004"))
        .send()
        .await?
        .item
        .ok_or("task 4 was not written")?;
    let mut hand_written = task4.clone();
    hand_written.insert("SK".into(), s("PROJECT#p1#TASK#4"));
    raw_delete(db, "TENANT#acme", "PROJECT#p1#TASK#0000000004").await?;
    raw_put(db, hand_written).await?;
    // A tenant whose version and `updated_at` were removed.
    raw_update(
        db,
        "TENANT#acme",
        "TENANT",
        "REMOVE version, updated_at",
        &[],
    )
    .await?;
    // A session whose TTL attribute was changed by hand.
    raw_update(
        db,
        "TENANT#acme",
        "SESSION#s1",
        "SET expires = :e",
        &[(":e", AttributeValue::N("1".into()))],
    )
    .await?;
    // Unique e-mails: ann's sentinel deleted; bob's sentinel names someone else; and a
    // sentinel left behind by a user deleted by hand.
    // (`@` and `.` are above `%`, so the key keeps the e-mail as it is.)
    let sentinel = |email: &str| format!("_dynamorm.unique#User#email#{email}");
    raw_delete(db, &sentinel("ann@acme.example"), "_dynamorm.unique").await?;
    db.client()
        .update_item()
        .table_name(db.table_name())
        .key("PK", s(&sentinel("bob@acme.example")))
        .key("SK", s("_dynamorm.unique"))
        .update_expression("SET #o = :o")
        .expression_attribute_names("#o", "owner")
        .expression_attribute_values(":o", s("TENANT#other"))
        .send()
        .await?;
    db.put(&sample::user("acme", "cyd")).send().await?;
    raw_delete(db, "TENANT#acme", "USER#cyd").await?;
    Ok(BTreeMap::from([
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
    ]))
}
