//! Entity shapes that evolve: a table holding three shapes of one entity (a renamed field, a
//! field split in two, a type change, a new required field) read through every read path;
//! binaries of different shapes side by side; read repair racing writers; a migration that
//! finishes the job, interrupted and resumed; the doctor's counts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_dynamodb::types::{AttributeValue, StreamViewType};
use dynamorm::deploy::Deployment;
use dynamorm::migrate::MemoryCheckpoint;
use dynamorm::transact::CancelReason;
use dynamorm::{Db, Entity, Error, Item};
use futures::future::join_all;
use rstest::rstest;

use crate::harness::{Backend, client, unique_name};

/// The table the three binaries share.
#[derive(dynamorm::Table)]
#[dynamo(name = "people", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
pub(crate) struct People;

/// The first binary: no shape declared (shape 1).
pub(crate) mod v1 {
    use super::People;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Person", pk = "PERSON#{id}", sk = "PERSON")]
    #[dynamo(index(GSI1, pk = "ORG#{org}", sk = "PERSON#{id}"))]
    pub(crate) struct Person {
        pub id: String,
        pub org: String,
        pub name: String,
        pub age: String,
        pub visits: u64,
    }

    #[derive(Debug, dynamorm::Registry)]
    #[dynamo(table = People)]
    pub(crate) enum Stored {
        Person(Person),
    }
}

/// The second binary: `name` renamed `full_name`, `age` a number.
pub(crate) mod v2 {
    use super::People;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Person", pk = "PERSON#{id}", sk = "PERSON")]
    #[dynamo(index(GSI1, pk = "ORG#{org}", sk = "PERSON#{id}"))]
    #[dynamo(shape = 2, shapes(1 = super::v1::Person))]
    pub(crate) struct Person {
        pub id: String,
        pub org: String,
        pub full_name: String,
        pub age: u32,
        pub visits: u64,
    }

    impl TryFrom<super::v1::Person> for Person {
        type Error = std::num::ParseIntError;
        fn try_from(v1: super::v1::Person) -> Result<Self, Self::Error> {
            Ok(Person {
                id: v1.id,
                org: v1.org,
                full_name: v1.name,
                age: v1.age.trim().parse()?,
                visits: v1.visits,
            })
        }
    }

    #[derive(Debug, dynamorm::Registry)]
    #[dynamo(table = People)]
    pub(crate) enum Stored {
        Person(Person),
    }
}

/// The third binary: `full_name` split in two, `country` a new required field.
pub(crate) mod v3 {
    use super::People;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Person", pk = "PERSON#{id}", sk = "PERSON")]
    #[dynamo(index(GSI1, pk = "ORG#{org}", sk = "PERSON#{id}"))]
    #[dynamo(shape = 3, shapes(1 = super::v1::Person, 2 = super::v2::Person))]
    pub(crate) struct Person {
        pub id: String,
        pub org: String,
        pub first: String,
        pub last: String,
        pub age: u32,
        pub country: String,
        pub visits: u64,
    }

    impl From<super::v2::Person> for Person {
        fn from(v2: super::v2::Person) -> Self {
            let (first, last) = match v2.full_name.split_once(' ') {
                Some((first, last)) => (first.to_owned(), last.to_owned()),
                None => (v2.full_name, String::new()),
            };
            Person {
                id: v2.id,
                org: v2.org,
                first,
                last,
                age: v2.age,
                country: "unknown".to_owned(),
                visits: v2.visits,
            }
        }
    }

    #[derive(Debug, dynamorm::Registry)]
    #[dynamo(table = People)]
    pub(crate) enum Stored {
        Person(Person),
    }

    /// Everyone of an organization, read through `GSI1`.
    #[derive(Debug, Default, dynamorm::Collection)]
    #[dynamo(table = People, index = GSI1)]
    pub(crate) struct Org {
        pub people: Vec<Person>,
    }
}

pub(crate) fn person1(id: &str) -> v1::Person {
    v1::Person {
        id: id.into(),
        org: "acme".into(),
        name: format!("Ada {id}"),
        age: " 36".into(),
        visits: 0,
    }
}

fn person2(id: &str) -> v2::Person {
    v2::Person {
        id: id.into(),
        org: "acme".into(),
        full_name: format!("Bob {id}"),
        age: 41,
        visits: 0,
    }
}

fn person3(id: &str) -> v3::Person {
    v3::Person {
        id: id.into(),
        org: "acme".into(),
        first: "Cy".into(),
        last: id.into(),
        age: 29,
        country: "NZ".into(),
        visits: 0,
    }
}

/// What the third binary reads for a shape-1 item `x*`.
fn expected_x(id: &str) -> v3::Person {
    v3::Person {
        first: "Ada".into(),
        last: id.into(),
        age: 36,
        country: "unknown".into(),
        ..person3(id)
    }
}

/// What the third binary must read for an item of any shape written above.
pub(crate) fn expected(id: &str) -> v3::Person {
    match &id[..1] {
        "a" => v3::Person {
            first: "Ada".into(),
            last: id.into(),
            age: 36,
            country: "unknown".into(),
            ..person3(id)
        },
        "b" => v3::Person {
            first: "Bob".into(),
            last: id.into(),
            age: 41,
            country: "unknown".into(),
            ..person3(id)
        },
        _ => person3(id),
    }
}

/// A fresh `People` table for `test` (with a stream when `stream`), and the endpoint of the
/// server behind it.
pub(crate) async fn people(
    backend: Backend,
    test: &str,
    stream: bool,
) -> (Db<People>, String, Option<dynamorm_local::LocalServer>) {
    let (client, server) = client(backend);
    let endpoint = match &server {
        Some(s) => s.endpoint(),
        None => std::env::var("DYNAMORM_DDB_LOCAL_ENDPOINT").expect("endpoint"),
    };
    let db = Db::<People>::with_table_name(client, unique_name(test));
    let deployment = if stream {
        Deployment::default().stream(StreamViewType::NewAndOldImages)
    } else {
        Deployment::default()
    };
    db.create_table_with(&deployment).await.expect("table");
    (db, endpoint, server)
}

/// Three of each shape: `a*` written by the first binary, `b*` by the second, `c*` by the
/// third.
async fn three_shapes(db: &Db<People>) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..3 {
        let (a, b, c) = (format!("a{i}"), format!("b{i}"), format!("c{i}"));
        db.put(&person1(&a)).send().await.expect("shape 1");
        db.put(&person2(&b)).send().await.expect("shape 2");
        db.put(&person3(&c)).send().await.expect("shape 3");
        ids.extend([a, b, c]);
    }
    ids.sort();
    ids
}

/// Writes a shape-1 person (`person1`) for each of `ids`; returns the ids.
async fn shape_1_people(db: &Db<People>, ids: impl Iterator<Item = String>) -> Vec<String> {
    let ids: Vec<String> = ids.collect();
    for id in &ids {
        db.put(&person1(id)).send().await.expect("seed shape 1");
    }
    ids
}

pub(crate) async fn raw(db: &Db<People>, id: &str) -> Item {
    db.client()
        .get_item()
        .table_name(db.table_name())
        .key("PK", AttributeValue::S(format!("PERSON#{id}")))
        .key("SK", AttributeValue::S("PERSON".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("raw get")
        .item
        .expect("item")
}

pub(crate) fn shape_of(item: &Item) -> u32 {
    match item.get(dynamorm::SHAPE_ATTRIBUTE) {
        None => 1,
        Some(v) => v.as_n().expect("number").parse().expect("version"),
    }
}

/// Asserts `result` is an `Error::Shape` of an item stored in `shapes.0` read by a binary
/// whose current shape is `shapes.1`.
pub(crate) fn refused_as_shape<T: std::fmt::Debug>(
    result: &Result<T, Error>,
    shapes: (u32, u32),
    what: &str,
) {
    match result {
        Err(Error::Shape {
            stored, current, ..
        }) => assert_eq!((*stored, *current), shapes, "{what}"),
        other => panic!("{what}: expected a shape error, got {other:?}"),
    }
}

fn key(id: &str) -> v3::PersonKey {
    v3::PersonKey { id: id.into() }
}

fn sorted(mut people: Vec<v3::Person>) -> Vec<v3::Person> {
    people.sort_by(|a, b| a.id.cmp(&b.id));
    people
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn every_read_path_upgrades_each_stored_shape(#[case] backend: Backend) {
    let (db, endpoint, _server) = people(backend, "shapes-reads", true).await;
    let ids = three_shapes(&db).await;
    let all: Vec<v3::Person> = ids.iter().map(|id| expected(id)).collect();
    let shapes: Vec<u32> = join_all(ids.iter().map(|id| raw(&db, id)))
        .await
        .iter()
        .map(shape_of)
        .collect();
    assert_eq!(
        shapes,
        [1, 1, 1, 2, 2, 2, 3, 3, 3],
        "stored as each binary wrote"
    );

    // get
    for id in &ids {
        let read = db.get(key(id)).send().await.expect("get");
        assert_eq!(read.as_ref(), Some(&expected(id)), "get {id}");
    }
    // query by the primary key, and through the index
    for id in &ids {
        let read = db
            .query(v3::Person::attrs().id.is(id.as_str()))
            .all()
            .await
            .expect("query");
        assert_eq!(read, [expected(id)], "query {id}");
    }
    let by_org = db
        .query(v3::Person::attrs().org.is("acme"))
        .index(People::GSI1)
        .all()
        .await
        .expect("index query");
    assert_eq!(by_org, all, "index query");
    // scan, through the entity and the registry
    let scanned = db.scan::<v3::Person>().all().await.expect("scan");
    assert_eq!(sorted(scanned), all, "scan");
    let registry = db.scan::<v3::Stored>().all().await.expect("registry scan");
    let registry: Vec<v3::Person> = registry
        .into_iter()
        .map(|v3::Stored::Person(p)| p)
        .collect();
    assert_eq!(sorted(registry), all, "registry scan");
    // a collection
    let org: v3::Org = db
        .query(v3::Person::attrs().org.is("acme"))
        .index(People::GSI1)
        .collection()
        .await
        .expect("collection");
    assert_eq!(org.people, all, "collection");
    // batch get, the loader, a transaction
    let mut batch = db
        .batch_get()
        .get_all(ids.iter().map(|id| key(id)))
        .send()
        .await
        .expect("batch get")
        .into_result()
        .expect("complete");
    assert_eq!(sorted(batch.take::<v3::Person>().expect("decodes")), all);
    let loader = db.loader();
    let loaded = join_all(ids.iter().map(|id| loader.get(key(id)))).await;
    for (id, read) in ids.iter().zip(loaded) {
        assert_eq!(read.expect("load"), Some(expected(id)), "loader {id}");
    }
    let mut get = db.transact_get();
    for id in &ids {
        get = get.get(key(id));
    }
    let read = get.send().await.expect("transact get");
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            read.get::<v3::Person>(i).expect("decodes"),
            Some(expected(id))
        );
    }
    // Nothing above wrote: read repair is off by default.
    let shapes: Vec<u32> = join_all(ids.iter().map(|id| raw(&db, id)))
        .await
        .iter()
        .map(shape_of)
        .collect();
    assert_eq!(shapes, [1, 1, 1, 2, 2, 2, 3, 3, 3], "reads do not write");

    // Stream records: an update of a shape-1 item upgrades it first, so its records carry
    // the old image in shape 1 and the new one in shape 3; both decode as shape 3.
    db.update(key("a0"))
        .add(v3::Person::attrs().visits, 1)
        .send()
        .await
        .expect("update");
    let records = crate::streams::stream_records(&db, &endpoint).await;
    let changes = dynamorm::stream::from_stream_records::<v3::Stored>(records);
    assert!(changes.failures.is_empty(), "{:?}", changes.failures);
    let images: Vec<(Option<v3::Person>, Option<v3::Person>)> = changes
        .changes
        .into_iter()
        .map(|c| {
            let person = |i: Option<v3::Stored>| i.map(|v3::Stored::Person(p)| p);
            (person(c.old), person(c.new))
        })
        .collect();
    assert_eq!(images.len(), 9 + 2, "9 inserts, the upgrade, the update");
    let a0 = expected("a0");
    assert!(
        images.contains(&(None, Some(a0.clone()))),
        "the shape-1 insert decodes as shape 3"
    );
    assert!(
        images.contains(&(
            Some(a0.clone()),
            Some(v3::Person {
                visits: 1,
                ..a0.clone()
            })
        )),
        "the update's old image (upgraded first) and new image"
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn an_older_binary_meets_a_newer_shape_as_a_typed_error(#[case] backend: Backend) {
    let (db, _endpoint, _server) = people(backend, "shapes-newer", false).await;
    db.put(&person3("c0")).send().await.expect("shape 3");
    db.put(&person2("b0")).send().await.expect("shape 2");
    let before = raw(&db, "c0").await;

    let got = db.get(v2::PersonKey { id: "c0".into() }).send().await;
    refused_as_shape(&got, (3, 2), "get");
    let queried = db
        .query(v2::Person::attrs().org.is("acme"))
        .index(People::GSI1)
        .all()
        .await;
    refused_as_shape(&queried, (3, 2), "query");
    let old = db.get(v1::PersonKey { id: "b0".into() }).send().await;
    refused_as_shape(&old, (2, 1), "shape 1 reads 2");

    // Updates by the older binaries are refused: none writes its field names into an item
    // of a shape it does not know.
    let updated = db
        .update(v2::PersonKey { id: "c0".into() })
        .set(v2::Person::attrs().full_name, "Old Writer")
        .send()
        .await;
    refused_as_shape(&updated, (3, 2), "v2 update");
    let updated = db
        .update(v1::PersonKey { id: "b0".into() })
        .set(v1::Person::attrs().name, "Old Writer")
        .send()
        .await;
    refused_as_shape(&updated, (2, 1), "v1 update");
    let conditioned = db
        .put(&v2::Person {
            visits: 7,
            ..person2("c0")
        })
        .condition(v2::Person::attrs().visits.eq(0))
        .send()
        .await;
    refused_as_shape(
        &conditioned,
        (3, 2),
        "a put whose condition reads the stored item",
    );
    // A delete returns the item it removes: one this binary cannot decode is refused, not
    // deleted and then reported as an error — alone and in a transaction.
    let deleted = db.delete(v2::PersonKey { id: "c0".into() }).send().await;
    refused_as_shape(&deleted, (3, 2), "v2 delete");
    let canceled = db
        .transact_write()
        .action(db.delete(v2::PersonKey { id: "c0".into() }))
        .send()
        .await;
    let Err(Error::TransactionCanceled(canceled)) = canceled else {
        panic!("expected a cancellation: {canceled:?}");
    };
    assert_eq!(
        canceled.actions[0].reason,
        CancelReason::Shape {
            stored: 3,
            current: 2
        }
    );
    assert_eq!(raw(&db, "c0").await, before, "nothing was written");
    assert!(!raw(&db, "b0").await.contains_key("name"));

    // A malformed `_shape` is no version at all.
    db.client()
        .update_item()
        .table_name(db.table_name())
        .key("PK", AttributeValue::S("PERSON#c0".into()))
        .key("SK", AttributeValue::S("PERSON".into()))
        .update_expression("SET #s = :s")
        .expression_attribute_names("#s", dynamorm::SHAPE_ATTRIBUTE)
        .expression_attribute_values(":s", AttributeValue::S("three".into()))
        .send()
        .await
        .expect("raw update");
    let got = db.get(key("c0")).send().await;
    refused_as_shape(&got, (0, 3), "garbage");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn an_update_upgrades_an_earlier_shape_first_and_a_transaction_refuses(
    #[case] backend: Backend,
) {
    let (db, _endpoint, _server) = people(backend, "shapes-updates", false).await;
    db.put(&person1("a0")).send().await.expect("shape 1");
    db.put(&person1("a1")).send().await.expect("shape 1");
    db.put(&person2("b0")).send().await.expect("shape 2");

    let updated = db
        .update(key("a0"))
        .set(v3::Person::attrs().country, "FR")
        .add(v3::Person::attrs().visits, 2)
        .send()
        .await
        .expect("update of a shape-1 item");
    assert_eq!(
        updated,
        v3::Person {
            country: "FR".into(),
            visits: 2,
            ..expected("a0")
        }
    );
    let stored = raw(&db, "a0").await;
    assert_eq!(shape_of(&stored), 3);
    assert!(
        !stored.contains_key("name") && !stored.contains_key("full_name"),
        "no earlier shape's field is left: {:?}",
        stored.keys().collect::<Vec<_>>()
    );

    // A transaction cannot upgrade first: the action is canceled with the shape named.
    let canceled = db
        .transact_write()
        .action(db.update(key("b0")).add(v3::Person::attrs().visits, 1))
        .action(db.condition_check(key("a1"), v3::Person::attrs().visits.eq(0)))
        .send()
        .await;
    let Err(Error::TransactionCanceled(canceled)) = canceled else {
        panic!("expected a cancellation: {canceled:?}");
    };
    let reasons: Vec<CancelReason> = canceled.actions.iter().map(|a| a.reason.clone()).collect();
    assert_eq!(
        reasons,
        [
            CancelReason::Shape {
                stored: 2,
                current: 3
            },
            CancelReason::Shape {
                stored: 1,
                current: 3
            }
        ]
    );
    assert_eq!(shape_of(&raw(&db, "b0").await), 2, "nothing written");
    // Outside the transaction the same update upgrades first.
    db.update(key("b0"))
        .add(v3::Person::attrs().visits, 1)
        .send()
        .await
        .expect("update");
    assert_eq!(shape_of(&raw(&db, "b0").await), 3);

    // Any write with a condition upgrades first too; a delete returns the item upgraded.
    db.put(&person1("a3")).send().await.expect("shape 1");
    db.put(&person1("a4")).send().await.expect("shape 1");
    db.put(&v3::Person {
        visits: 5,
        ..expected("a3")
    })
    .condition(v3::Person::attrs().visits.eq(0))
    .send()
    .await
    .expect("a conditioned put over a shape-1 item");
    let stored = raw(&db, "a3").await;
    assert_eq!(
        (shape_of(&stored), stored["visits"].as_n()),
        (3, Ok(&"5".to_owned()))
    );
    assert!(!stored.contains_key("name"), "no earlier field left");
    let deleted = db
        .delete(key("a4"))
        .condition(v3::Person::attrs().visits.eq(0))
        .send()
        .await
        .expect("a conditioned delete of a shape-1 item");
    assert_eq!(deleted, Some(expected("a4")));
    let deleted = db.delete(key("a1")).send().await.expect("a plain delete");
    assert_eq!(deleted, Some(expected("a1")), "returned upgraded");
    for id in ["a1", "a4"] {
        assert!(
            db.get(key(id)).send().await.expect("get").is_none(),
            "{id} deleted"
        );
    }

    // An upgrade step that fails is a typed error naming the shape; nothing is written.
    db.put(&v1::Person {
        age: "unknown".into(),
        ..person1("a2")
    })
    .send()
    .await
    .expect("shape 1");
    let got = db.get(key("a2")).send().await;
    assert!(
        matches!(got, Err(Error::Upgrade { from: 1, .. })),
        "{got:?}"
    );
    let updated = db
        .update(key("a2"))
        .add(v3::Person::attrs().visits, 1)
        .send()
        .await;
    assert!(
        matches!(updated, Err(Error::Upgrade { from: 1, .. })),
        "{updated:?}"
    );
    assert_eq!(shape_of(&raw(&db, "a2").await), 1);
}

/// Increments `visits` of `id` through `db` as binary `V` would, `n` times; how many were
/// acknowledged, and how many refused as a newer shape.
async fn bump<E: Entity<Table = People>>(
    db: &Db<People>,
    key: impl Fn() -> E::Key,
    visits: dynamorm::Attr<E, u64>,
    n: usize,
) -> (u64, u64) {
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..n {
        match db.update(key()).add(visits, 1).send().await {
            Ok(_) => ok += 1,
            Err(Error::Shape {
                stored, current, ..
            }) if stored > current => refused += 1,
            Err(e) => panic!("unexpected: {e:?}"),
        }
    }
    (ok, refused)
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rolling_deploy_loses_no_write(#[case] backend: Backend) {
    let (db, _endpoint, _server) = people(backend, "shapes-rolling", false).await;
    const ITEMS: usize = 12;
    const BUMPS: usize = 6;
    let ids: Vec<String> = (0..ITEMS).map(|i| format!("b{i:02}")).collect();
    for id in &ids {
        db.put(&person2(id)).send().await.expect("seed shape 2");
    }
    // The old binary (shape 2) and the new one (shape 3) increment the same items at once;
    // the new one only touches the first half.
    let new_half = ITEMS / 2;
    let old = join_all(ids.iter().map(|id| {
        let (db, id) = (db.clone(), id.clone());
        tokio::spawn(async move {
            let key = || v2::PersonKey { id: id.clone() };
            bump(&db, key, v2::Person::attrs().visits, BUMPS).await
        })
    }));
    let new = join_all(ids[..new_half].iter().map(|id| {
        let (db, id) = (db.clone(), id.clone());
        tokio::spawn(async move {
            let key = || v3::PersonKey { id: id.clone() };
            bump(&db, key, v3::Person::attrs().visits, BUMPS).await
        })
    }));
    let (old, new) = futures::join!(old, new);
    let old: Vec<(u64, u64)> = old.into_iter().map(|r| r.expect("task")).collect();
    let new: Vec<(u64, u64)> = new.into_iter().map(|r| r.expect("task")).collect();
    for (i, id) in ids.iter().enumerate() {
        let item = raw(&db, id).await;
        let acknowledged = old[i].0 + new.get(i).map_or(0, |n| n.0);
        let visits: u64 = item["visits"].as_n().expect("n").parse().expect("u64");
        assert_eq!(
            visits, acknowledged,
            "{id}: every acknowledged increment is stored"
        );
        assert_eq!(
            old[i].0 + old[i].1,
            BUMPS as u64,
            "{id}: each old write acked or refused"
        );
        if i < new_half {
            assert_eq!(
                new[i],
                (BUMPS as u64, 0),
                "{id}: the new binary is never refused"
            );
            assert_eq!(shape_of(&item), 3, "{id}: upgraded by the new binary");
        } else {
            assert_eq!(
                old[i],
                (BUMPS as u64, 0),
                "{id}: untouched by the new binary"
            );
            assert_eq!(shape_of(&item), 2, "{id}: still readable by the old binary");
            let read = db.get(v2::PersonKey { id: id.clone() }).send().await;
            assert_eq!(
                read.expect("old reader").map(|p| p.visits),
                Some(BUMPS as u64)
            );
        }
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_repair_racing_writers_loses_nothing(#[case] backend: Backend) {
    let (db, _endpoint, _server) = people(backend, "shapes-repair", false).await;
    const ITEMS: usize = 16;
    const BUMPS: usize = 5;
    let ids = shape_1_people(&db, (0..ITEMS).map(|i| format!("a{i:02}"))).await;
    let repairing = db.with_shape_repair();
    let reads = Arc::new(AtomicU64::new(0));
    let readers = (0..3).map(|r| {
        let (db, ids, reads) = (repairing.clone(), ids.clone(), Arc::clone(&reads));
        tokio::spawn(async move {
            for round in 0..4 {
                match (r + round) % 3 {
                    0 => {
                        db.scan::<v3::Person>().all().await.expect("scan");
                    }
                    1 => {
                        db.query(v3::Person::attrs().org.is("acme"))
                            .index(People::GSI1)
                            .all()
                            .await
                            .expect("query");
                    }
                    _ => {
                        for id in &ids {
                            db.get(key(id)).send().await.expect("get");
                        }
                    }
                }
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    });
    // Writers of the first binary (they may meet upgraded items: refused, counted) and of
    // the current one (upgrade first).
    let writers = ids.iter().flat_map(|id| {
        let old = {
            let (db, id) = (db.clone(), id.clone());
            tokio::spawn(async move {
                let key = || v1::PersonKey { id: id.clone() };
                bump(&db, key, v1::Person::attrs().visits, BUMPS).await
            })
        };
        let new = {
            let (db, id) = (db.clone(), id.clone());
            tokio::spawn(
                async move { bump(&db, || key(&id), v3::Person::attrs().visits, BUMPS).await },
            )
        };
        [old, new]
    });
    let (readers, writers) =
        futures::join!(join_all(readers), join_all(writers.collect::<Vec<_>>()));
    readers.into_iter().for_each(|r| r.expect("reader"));
    let writers: Vec<(u64, u64)> = writers.into_iter().map(|r| r.expect("writer")).collect();
    assert_eq!(reads.load(Ordering::Relaxed), 12);
    let mut refused = 0;
    for (i, id) in ids.iter().enumerate() {
        let (old, new) = (writers[2 * i], writers[2 * i + 1]);
        assert_eq!(
            new,
            (BUMPS as u64, 0),
            "{id}: the current binary is never refused"
        );
        refused += old.1;
        let read = repairing
            .get(key(id))
            .send()
            .await
            .expect("get")
            .expect("item");
        assert_eq!(read.visits, old.0 + new.0, "{id}: 0 lost");
        assert_eq!(
            shape_of(&raw(&db, id).await),
            3,
            "{id}: repaired or upgraded"
        );
    }
    println!("old-binary increments refused after an upgrade: {refused}");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrate_finishes_the_job_interrupted_and_resumed(#[case] backend: Backend) {
    let (db, _endpoint, _server) = people(backend, "shapes-migrate", false).await;
    const EACH: usize = 40;
    for i in 0..EACH {
        db.put(&person1(&format!("a{i:03}")))
            .send()
            .await
            .expect("1");
        db.put(&person2(&format!("b{i:03}")))
            .send()
            .await
            .expect("2");
        db.put(&person3(&format!("c{i:03}")))
            .send()
            .await
            .expect("3");
    }
    // One item of a shape no binary here knows, one whose upgrade step fails.
    db.put(&person3("z-newer")).send().await.expect("put");
    db.client()
        .update_item()
        .table_name(db.table_name())
        .key("PK", AttributeValue::S("PERSON#z-newer".into()))
        .key("SK", AttributeValue::S("PERSON".into()))
        .update_expression("SET #s = :s")
        .expression_attribute_names("#s", dynamorm::SHAPE_ATTRIBUTE)
        .expression_attribute_values(":s", AttributeValue::N("9".into()))
        .send()
        .await
        .expect("raw update");
    db.put(&v1::Person {
        age: "n/a".into(),
        ..person1("z-bad")
    })
    .send()
    .await
    .expect("put");

    let counts = |checkup: &dynamorm::doctor::Checkup| -> BTreeMap<u32, u64> {
        checkup
            .shapes
            .iter()
            .map(|c| {
                assert_eq!((c.entity.as_str(), c.current), ("Person", 3));
                (c.shape, c.items)
            })
            .collect()
    };
    let before = db.doctor::<v3::Stored>().run().await.expect("doctor");
    assert_eq!(
        counts(&before),
        BTreeMap::from([
            (1, EACH as u64 + 1),
            (2, EACH as u64),
            (3, EACH as u64),
            (9, 1)
        ])
    );
    assert_eq!(
        before.counts().get("undecodable"),
        Some(&2),
        "{:?}",
        before.findings
    );

    let preview = db
        .migrate::<v3::Stored>()
        .dry_run()
        .run()
        .await
        .expect("dry run");
    // Every earlier-shape item, with the one whose upgrade fails.
    assert_eq!(preview.progress.earlier_shapes_left, 2 * EACH as u64 + 1);
    assert_eq!(preview.progress.reshaped, 0);

    let checkpoint = MemoryCheckpoint::default();
    let (on_progress, stop) = crate::harness::stop_after_scanned(60);
    let first = db
        .migrate::<v3::Stored>()
        .segments(2)
        .page_size(25)
        .checkpoint(checkpoint.clone())
        .on_progress(on_progress)
        .stop_on(stop)
        .run()
        .await
        .expect("first part");
    assert!(!first.complete, "stopped part-way: {:?}", first.progress);
    let second = db
        .migrate::<v3::Stored>()
        .segments(2)
        .page_size(25)
        .checkpoint(checkpoint)
        .run()
        .await
        .expect("resumed");
    assert!(second.complete);
    assert_eq!(
        first.progress.reshaped + second.progress.reshaped,
        2 * EACH as u64,
        "every earlier-shape item rewritten once"
    );
    // A whole run now: nothing to rewrite, and the report says what is left.
    let check = db.migrate::<v3::Stored>().run().await.expect("third run");
    assert!(check.complete);
    assert_eq!(check.progress.reshaped, 0);
    assert_eq!(
        check.progress.earlier_shapes_left, 1,
        "the one that cannot upgrade"
    );
    let mut failed: Vec<_> = check.failures.iter().map(|f| f.error.kind()).collect();
    failed.sort_by_key(|k| k.as_str());
    assert_eq!(
        failed,
        [dynamorm::ErrorKind::Shape, dynamorm::ErrorKind::Upgrade]
    );

    let after = db.doctor::<v3::Stored>().run().await.expect("doctor");
    assert_eq!(
        counts(&after),
        BTreeMap::from([(1, 1), (3, 3 * EACH as u64), (9, 1)])
    );
    let everyone = db.scan::<v3::Person>().all().await;
    assert!(everyone.is_err(), "the newer item still fails a whole scan");
    // Once the last item of shape 1 is gone, a run reports that none is left.
    db.client()
        .delete_item()
        .table_name(db.table_name())
        .key("PK", AttributeValue::S("PERSON#z-bad".into()))
        .key("SK", AttributeValue::S("PERSON".into()))
        .send()
        .await
        .expect("raw delete");
    let last = db.migrate::<v3::Stored>().run().await.expect("last run");
    assert!(last.complete && last.progress.earlier_shapes_left == 0);
    for i in [0, EACH - 1] {
        for prefix in ["a", "b", "c"] {
            let id = format!("{prefix}{i:03}");
            let read = db.get(key(&id)).send().await.expect("get");
            assert_eq!(read, Some(expected(&id)), "{id}");
        }
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn read_repair_writes_back_what_each_read_path_read(#[case] backend: Backend) {
    let (db, _endpoint, _server) = people(backend, "shapes-repair-paths", false).await;
    let ids = three_shapes(&db).await;
    let shapes = |db: Db<People>, ids: Vec<String>| async move {
        let items = join_all(ids.iter().map(|id| raw(&db, id))).await;
        items.iter().map(shape_of).collect::<Vec<u32>>()
    };
    let repairing = db.with_shape_repair();
    // A projection reads part of an item: it neither repairs nor misreads an earlier shape.
    let projected = repairing
        .query(v3::Person::attrs().id.is("a0"))
        .project::<Visits>()
        .all()
        .await;
    assert!(matches!(
        projected,
        Err(Error::Shape {
            stored: 1,
            current: 3,
            ..
        })
    ));
    // get: one item
    repairing.get(key("a0")).send().await.expect("get");
    assert_eq!(
        shapes(db.clone(), ids.clone()).await,
        [3, 1, 1, 2, 2, 2, 3, 3, 3]
    );
    // batch get: the items it read
    let batch = repairing
        .batch_get()
        .get(key("a1"))
        .get(key("b0"))
        .send()
        .await
        .expect("batch")
        .into_result()
        .expect("complete");
    assert_eq!(batch.len(), 2);
    assert_eq!(
        shapes(db.clone(), ids.clone()).await,
        [3, 3, 1, 3, 2, 2, 3, 3, 3]
    );
    // query: every item of the page
    repairing
        .query(v3::Person::attrs().org.is("acme"))
        .index(People::GSI1)
        .page_size(4)
        .page()
        .await
        .expect("query");
    assert_eq!(
        shapes(db.clone(), ids.clone()).await,
        [3, 3, 3, 3, 2, 2, 3, 3, 3]
    );
    // scan: the rest
    repairing.scan::<v3::Stored>().all().await.expect("scan");
    assert_eq!(shapes(db.clone(), ids.clone()).await, [3; 9]);
    let projected = db
        .query(v3::Person::attrs().id.is("a0"))
        .project::<Visits>()
        .all()
        .await
        .expect("projection of the current shape");
    assert_eq!(projected.len(), 1);
    // The loader and a collection repair too.
    for id in ["x0", "x1"] {
        db.put(&person1(id)).send().await.expect("shape 1");
    }
    let loaded = repairing.loader().get(key("x0")).await.expect("load");
    assert_eq!(loaded, Some(expected_x("x0")));
    assert_eq!(shape_of(&raw(&db, "x0").await), 3, "the loader repaired");
    let org: v3::Org = repairing
        .query(v3::Person::attrs().org.is("acme"))
        .index(People::GSI1)
        .collection()
        .await
        .expect("collection");
    assert_eq!(org.people.len(), 11);
    assert_eq!(
        shape_of(&raw(&db, "x1").await),
        3,
        "the collection repaired"
    );
    // What was written back is exactly the upgraded entity, as a put of it would store it.
    for id in &ids {
        let stored = raw(&db, id).await;
        let put = dynamorm::to_item(&expected(id)).expect("encodes");
        assert_eq!(stored, put, "{id}");
    }
}

/// A projection of the current shape.
#[derive(Debug, serde::Deserialize, dynamorm::Projection)]
#[dynamo(entity = v3::Person)]
pub(crate) struct Visits {
    #[allow(dead_code)]
    visits: u64,
}

/// A document whose second shape also moved its sort key: the re-key migration and the
/// shape upgrade compose in one run.
pub(crate) mod doc1 {
    use super::People;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Doc", pk = "DOC#{id}", sk = "DOC")]
    pub(crate) struct Doc {
        pub(crate) id: String,
        pub(crate) text: String,
    }
}

pub(crate) mod doc2 {
    use super::People;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Doc", pk = "DOC#{id}", sk = "DOC#{kind}")]
    #[dynamo(shape = 2, shapes(1 = super::doc1::Doc))]
    pub(crate) struct Doc {
        pub(crate) id: String,
        pub(crate) kind: String,
        pub(crate) body: String,
    }

    impl From<super::doc1::Doc> for Doc {
        fn from(v1: super::doc1::Doc) -> Self {
            Doc {
                id: v1.id,
                kind: "note".into(),
                body: v1.text,
            }
        }
    }

    #[derive(Debug, dynamorm::Registry)]
    #[dynamo(table = People)]
    pub(crate) enum Stored {
        Doc(Doc),
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_shape_that_moves_the_key_is_upgraded_by_the_re_key_migration(#[case] backend: Backend) {
    let (db, _endpoint, _server) = people(backend, "shapes-move", false).await;
    const N: usize = 30;
    for i in 0..N {
        let doc = doc1::Doc {
            id: format!("d{i:02}"),
            text: format!("text {i}"),
        };
        db.put(&doc).send().await.expect("shape 1");
    }
    let moved_key = |i: usize| doc2::DocKey {
        id: format!("d{i:02}"),
        kind: "note".into(),
    };
    // Before the migration the new key finds nothing, and neither an update nor read repair
    // moves an item: that is the migration's job.
    assert_eq!(db.get(moved_key(0)).send().await.expect("get"), None);
    let update = db
        .update(moved_key(0))
        .set(doc2::Doc::attrs().body, "new")
        .send()
        .await;
    assert!(matches!(update, Err(Error::NotFound { .. })), "{update:?}");
    let scanned = db
        .with_shape_repair()
        .scan::<doc2::Doc>()
        .all()
        .await
        .expect("scan upgrades in memory");
    assert_eq!(scanned.len(), N);
    assert!(scanned.iter().all(|d| d.kind == "note"));
    assert_eq!(
        db.get(moved_key(0)).send().await.expect("get"),
        None,
        "not moved by repair"
    );

    let report = db.migrate::<doc2::Stored>().run().await.expect("migrate");
    assert!(
        report.complete && report.failures.is_empty(),
        "{:?}",
        report.failures
    );
    assert_eq!(
        (report.progress.moved, report.progress.reshaped),
        (N as u64, N as u64)
    );
    assert_eq!(report.progress.earlier_shapes_left, 0);
    for i in 0..N {
        let doc = db
            .get(moved_key(i))
            .send()
            .await
            .expect("get")
            .expect("moved");
        assert_eq!(doc.body, format!("text {i}"));
    }
    let raw_items = crate::harness::scan_raw(&db).await;
    assert_eq!(raw_items.len(), N, "the old keys are gone");
    for item in &raw_items {
        assert_eq!(shape_of(item), 2);
        assert!(!item.contains_key("text"), "no earlier field left");
    }
}

/// A member with a unique e-mail, whose second shape renamed `nick` to `handle`.
pub(crate) mod member1 {
    use super::People;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Member", pk = "MEMBER#{id}", sk = "MEMBER")]
    pub(crate) struct Member {
        pub(crate) id: String,
        #[dynamo(unique)]
        pub(crate) email: String,
        pub(crate) nick: String,
    }
}

pub(crate) mod member2 {
    use super::People;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Member", pk = "MEMBER#{id}", sk = "MEMBER")]
    #[dynamo(shape = 2, shapes(1 = super::member1::Member))]
    pub(crate) struct Member {
        pub(crate) id: String,
        #[dynamo(unique)]
        pub(crate) email: String,
        pub(crate) handle: String,
    }

    impl From<super::member1::Member> for Member {
        fn from(v1: super::member1::Member) -> Self {
            Member {
                id: v1.id,
                email: v1.email,
                handle: v1.nick,
            }
        }
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn an_update_of_a_unique_value_upgrades_first_too(#[case] backend: Backend) {
    let (db, _endpoint, _server) = people(backend, "shapes-unique", false).await;
    let ann = member1::Member {
        id: "m1".into(),
        email: "ann@old.example".into(),
        nick: "ann".into(),
    };
    db.create(&ann)
        .send()
        .await
        .expect("shape 1 with its sentinel");
    let key = || member2::MemberKey { id: "m1".into() };
    let moved = db
        .update(key())
        .set(member2::Member::attrs().email, "ann@new.example")
        .send()
        .await
        .expect("the unique value moves, the item upgraded first");
    assert_eq!(
        (moved.email.as_str(), moved.handle.as_str()),
        ("ann@new.example", "ann")
    );
    let items = crate::harness::scan_raw(&db).await;
    let member = items
        .iter()
        .find(|i| {
            i.get("_type")
                .and_then(|t| t.as_s().ok())
                .map(String::as_str)
                == Some("Member")
        })
        .expect("member");
    assert_eq!(shape_of(member), 2);
    assert!(!member.contains_key("nick"));
    // One sentinel, for the new value: the old one was released.
    assert_eq!(items.len(), 2, "the member and one sentinel");
    let doctor = db.doctor::<MemberStored>().run().await.expect("doctor");
    assert!(doctor.is_healthy(), "{:?}", doctor.findings);
}

/// A log line stamped with `created_at`, whose second shape renamed `line` to `body`: a
/// put over a stored log keeps its `created_at`, so it is an update underneath.
pub(crate) mod log1 {
    use super::People;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Log", pk = "LOG#{id}", sk = "LOG")]
    pub(crate) struct Log {
        pub(crate) id: String,
        pub(crate) line: String,
        #[dynamo(created_at)]
        pub(crate) created_at: chrono::DateTime<chrono::Utc>,
    }
}

pub(crate) mod log2 {
    use super::People;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Log", pk = "LOG#{id}", sk = "LOG")]
    #[dynamo(shape = 2, shapes(1 = super::log1::Log))]
    pub(crate) struct Log {
        pub(crate) id: String,
        pub(crate) body: String,
        #[dynamo(created_at)]
        pub(crate) created_at: chrono::DateTime<chrono::Utc>,
    }

    impl From<super::log1::Log> for Log {
        fn from(v1: super::log1::Log) -> Self {
            Log {
                id: v1.id,
                body: v1.line,
                created_at: v1.created_at,
            }
        }
    }
}

/// The writes that keep or check stored fields — a put that keeps `created_at`, a
/// conditioned delete, both with unique values too — upgrade an earlier-shape item first
/// (no earlier field is left beside the current ones) and refuse a newer one unchanged.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn writes_that_keep_or_check_stored_fields_upgrade_first(#[case] backend: Backend) {
    let (db, _endpoint, _server) = people(backend, "shapes-keep", false).await;
    let created = chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
        .expect("time")
        .to_utc();
    let old = log1::Log {
        id: "l1".into(),
        line: "first".into(),
        created_at: created,
    };
    db.create(&old).send().await.expect("shape 1");
    let stored_at = raw_log(&db, "l1").await["created_at"].clone();
    db.put(&log2::Log {
        id: "l1".into(),
        body: "second".into(),
        created_at: chrono::Utc::now(),
    })
    .send()
    .await
    .expect("a put over a shape-1 log");
    let stored = raw_log(&db, "l1").await;
    assert_eq!(shape_of(&stored), 2);
    assert!(
        !stored.contains_key("line"),
        "no earlier field left: {stored:?}"
    );
    assert_eq!(stored["body"].as_s().map(String::as_str), Ok("second"));
    assert_eq!(stored["created_at"], stored_at, "created_at kept");
    // The first binary's put over the shape-2 log is refused, the log unchanged.
    let refused = db.put(&old).send().await;
    refused_as_shape(&refused, (2, 1), "an older put that keeps a stored field");
    assert_eq!(raw_log(&db, "l1").await, stored);

    // A conditioned delete of a shape-1 member: upgraded, deleted, its sentinel released.
    let (db, _endpoint, _server) = people(backend, "shapes-keep-unique", false).await;
    let ann = member1::Member {
        id: "m1".into(),
        email: "ann@example.com".into(),
        nick: "ann".into(),
    };
    db.create(&ann)
        .send()
        .await
        .expect("shape 1 with its sentinel");
    let deleted = db
        .delete(member2::MemberKey { id: "m1".into() })
        .condition(member2::Member::attrs().handle.eq("ann"))
        .send()
        .await
        .expect("a conditioned delete of a shape-1 member");
    assert_eq!(
        deleted.map(|m| m.handle),
        Some("ann".to_owned()),
        "returned upgraded"
    );
    let left = crate::harness::scan_raw(&db).await;
    assert!(left.is_empty(), "member and sentinel gone: {left:?}");
    // A conditioned put of a member stored in shape 1 upgrades it first too.
    db.create(&ann).send().await.expect("shape 1 again");
    db.put(&member2::Member {
        id: "m1".into(),
        email: "ann@example.org".into(),
        handle: "ann2".into(),
    })
    .condition(member2::Member::attrs().handle.eq("ann"))
    .send()
    .await
    .expect("a conditioned put over a shape-1 member");
    let doctor = db.doctor::<MemberStored>().run().await.expect("doctor");
    assert!(doctor.is_healthy(), "{:?}", doctor.findings);
}

async fn raw_log(db: &Db<People>, id: &str) -> Item {
    let pk = format!("LOG#{id}");
    crate::harness::scan_raw(db)
        .await
        .into_iter()
        .find(|i| i["PK"].as_s().is_ok_and(|stored| *stored == pk))
        .expect("log")
}

#[derive(Debug, dynamorm::Registry)]
#[dynamo(table = People)]
pub(crate) enum MemberStored {
    Member(member2::Member),
}

/// `People` behind a `FaultProxy` dropping 15 % of connections and throttling 10 % (`seed`
/// picks which), the SDK's own retries off.
async fn faulty_people(
    backend: Backend,
    test: &str,
    seed: u64,
) -> crate::harness::FaultyTable<People> {
    let faults = dynamorm_local::FaultConfig {
        seed,
        unprocessed: 0.0,
        throttle: 0.1,
        drop_connection: 0.15,
    };
    crate::harness::faulty_table_of::<People>(backend, test, faults).await
}

/// The outcomes of writes sent through faults: acknowledged (by id), unknown (the connection
/// dropped: applied or not) and refused (throttled: not applied).
#[derive(Default)]
struct Outcomes {
    acked: Vec<String>,
    unknown: usize,
    refused: usize,
}

impl Outcomes {
    /// Counts the write to `id` and returns what it answered, if it was acknowledged; any
    /// other error fails the test.
    fn count<T>(&mut self, id: &str, result: Result<T, Error>) -> Option<T> {
        match result {
            Ok(value) => {
                self.acked.push(id.to_owned());
                return Some(value);
            }
            Err(Error::Transport { .. } | Error::Timeout { .. }) => self.unknown += 1,
            Err(e) if e.is_throttling() => self.refused += 1,
            Err(e) => panic!("{id}: unexpected {e:?}"),
        }
        None
    }

    /// Asserts `applied` writes lie between the acknowledged and acknowledged + unknown.
    fn check_applied(&self, applied: usize) {
        assert!(
            applied >= self.acked.len() && applied <= self.acked.len() + self.unknown,
            "applied {applied}, {self:?}"
        );
    }
}

impl std::fmt::Debug for Outcomes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} acknowledged, {} unknown, {} throttled",
            self.acked.len(),
            self.unknown,
            self.refused
        )
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrades_under_faults_never_mix_shapes_or_lose_an_acknowledged_write(
    #[case] backend: Backend,
) {
    let t = faulty_people(backend, "shapes-faults", 25).await;
    const N: usize = 40;
    let ids = shape_1_people(&t.direct, (0..N).map(|i| format!("a{i:02}"))).await;
    // Through the faulty proxy: repairing reads, then one increment per item (each upgrades
    // its item first), every outcome counted.
    let repairing = t.db.with_shape_repair();
    let _ = repairing.scan::<v3::Person>().all().await;
    let mut outcomes = Outcomes::default();
    for id in &ids {
        let sent =
            t.db.update(key(id))
                .add(v3::Person::attrs().visits, 1)
                .send()
                .await;
        if let Some(p) = outcomes.count(id, sent) {
            assert_eq!(p.visits, 1);
        }
    }
    let stats = t.proxy.stats();
    assert!(stats.dropped > 0 && stats.throttled > 0, "{stats:?}");
    let mut applied = 0;
    for id in &ids {
        let item = raw(&t.direct, id).await;
        let shape = shape_of(&item);
        assert!(
            !(item.contains_key("name") && item.contains_key("first")),
            "{id}: never two shapes' fields in one item"
        );
        let visits: u64 = item["visits"].as_n().expect("n").parse().expect("u64");
        if outcomes.acked.contains(id) {
            assert_eq!(
                (shape, visits),
                (3, 1),
                "{id}: an acknowledged increment is stored"
            );
        }
        if visits == 1 {
            assert_eq!(
                shape, 3,
                "{id}: an update applies to the current shape only"
            );
            applied += 1;
        }
        let read = t
            .direct
            .get(key(id))
            .send()
            .await
            .expect("decodes")
            .expect("item");
        assert_eq!(read.visits, visits);
    }
    outcomes.check_applied(applied);
    // A migration through the faults, then one without, finishes the job with every
    // increment kept.
    let _ = t.db.migrate::<v3::Stored>().run().await;
    let report = t
        .direct
        .migrate::<v3::Stored>()
        .run()
        .await
        .expect("migrate");
    assert!(
        report.complete && report.failures.is_empty(),
        "{:?}",
        report.failures
    );
    let mut after = 0;
    for id in &ids {
        let item = raw(&t.direct, id).await;
        assert_eq!(shape_of(&item), 3, "{id}");
        after += u64::from(item["visits"].as_n().expect("n") == "1");
    }
    assert_eq!(
        after, applied as u64,
        "the migration kept every applied increment"
    );
    println!("faults {stats:?}: {outcomes:?}, {applied} applied");
}

/// The warnings and errors a test's own thread emits through `tracing`: each event's fields
/// as text.
#[derive(Clone, Default)]
struct Events(Arc<std::sync::Mutex<Vec<Fields>>>);

/// One event's fields: (name, value as text).
type Fields = Vec<(String, String)>;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Events {
    fn enabled(
        &self,
        metadata: &tracing::Metadata<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        // Levels are ordered by verbosity: WARN and ERROR are the ones at or below WARN.
        *metadata.level() <= tracing::Level::WARN
    }
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Record(Fields);
        impl tracing::field::Visit for Record {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.push((field.name().to_owned(), format!("{value:?}")));
            }
        }
        let mut fields = Record(Vec::new());
        event.record(&mut fields);
        if let Ok(mut events) = self.0.lock() {
            events.push(fields.0);
        }
    }
}

/// Read repair through faults: every read that succeeds returns the upgraded item whether
/// its repair landed or not, each failed repair is one `tracing` warning naming the entity
/// type and the error but no value, and the next repairing read finishes the job.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn read_repair_under_faults_reads_upgraded_and_warns_without_values(
    #[case] backend: Backend,
) {
    use tracing_subscriber::layer::SubscriberExt;
    let t = faulty_people(backend, "shapes-repair-faults", 27).await;
    const N: usize = 40;
    // `a*`: shape 1, read back as `expected`; "secret" marks what no warning may print.
    let ids = shape_1_people(&t.direct, (0..N).map(|i| format!("asecret{i:02}"))).await;
    // This test's thread only (a current-thread runtime polls every repair here).
    let events = Events::default();
    let _scope =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(events.clone()));
    let repairing = t.db.with_shape_repair();
    let (mut read, mut failed) = (Vec::new(), 0);
    for id in &ids {
        match repairing.get(key(id)).send().await {
            Ok(found) => {
                assert_eq!(found, Some(expected(id)), "{id}: read upgraded");
                read.push(id.clone());
            }
            Err(e) if e.is_retryable() => failed += 1,
            Err(e) => panic!("unexpected: {e:?}"),
        }
    }
    let warnings: Vec<Fields> = events
        .0
        .lock()
        .expect("events")
        .iter()
        .filter(|fields| {
            fields
                .iter()
                .any(|(_, v)| v.contains("read repair of an item of an earlier shape failed"))
        })
        .cloned()
        .collect();
    let mut stale = 0;
    for id in &read {
        stale += usize::from(shape_of(&raw(&t.direct, id).await) == 1);
    }
    assert!(
        stale <= warnings.len() && warnings.len() <= read.len(),
        "{stale} read and left in shape 1, {} warnings, {} read",
        warnings.len(),
        read.len()
    );
    assert!(
        stale > 0,
        "the faults failed some repairs: {:?}",
        t.proxy.stats()
    );
    for fields in &warnings {
        let text = format!("{fields:?}");
        assert!(text.contains(r#"("entity", "\"Person\"")"#), "{text}");
        assert!(fields.iter().any(|(name, _)| name == "error"), "{text}");
        for value in ["secret", "Ada", "acme", "PERSON#"] {
            assert!(!text.contains(value), "a warning prints {value:?}: {text}");
        }
    }
    // Without faults, one repairing read of each finishes the job and warns no more.
    let before = events.0.lock().expect("events").len();
    for id in &ids {
        let found = t.direct.with_shape_repair().get(key(id)).send().await;
        assert_eq!(found.expect("reads"), Some(expected(id)));
        assert_eq!(shape_of(&raw(&t.direct, id).await), 3, "{id}: repaired");
    }
    assert_eq!(events.0.lock().expect("events").len(), before, "no warning");
    println!(
        "faults {:?}: {} read, {failed} failed, {} warnings, {stale} left stale",
        t.proxy.stats(),
        read.len(),
        warnings.len()
    );
}

/// Moving the unique value of items stored in an earlier shape, through faults: the
/// upgrade-first path (a guarded repair, then the unique-value transaction) never leaves an
/// item holding two shapes' fields, a value without its sentinel or a sentinel without its
/// value, and every acknowledged move is stored in the current shape.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unique_value_moves_of_earlier_shapes_under_faults_keep_one_sentinel_each(
    #[case] backend: Backend,
) {
    use crate::write_guarantees::{audit_unique, scan_raw};
    let t = faulty_people(backend, "shapes-unique-faults", 26).await;
    const N: usize = 30;
    let id = |i: usize| format!("m{i:02}");
    for i in 0..N {
        let member = member1::Member {
            id: id(i),
            email: format!("{}@old.example", id(i)),
            nick: format!("nick {i}"),
        };
        t.direct
            .create(&member)
            .send()
            .await
            .expect("shape 1 with its sentinel");
    }
    let mut outcomes = Outcomes::default();
    for i in 0..N {
        let moved =
            t.db.update(member2::MemberKey { id: id(i) })
                .set(
                    member2::Member::attrs().email,
                    format!("{}@new.example", id(i)),
                )
                .send()
                .await;
        if let Some(m) = outcomes.count(&id(i), moved) {
            assert_eq!(m.handle, format!("nick {i}"), "upgraded before the move");
        }
    }
    let stats = t.proxy.stats();
    assert!(stats.dropped > 0 && stats.throttled > 0, "{stats:?}");

    let items = scan_raw(&t.direct).await;
    let problems = audit_unique(&items, &[&member2::Member::SCHEMA]);
    assert!(problems.is_empty(), "{problems:#?}");
    let members: Vec<&Item> = items
        .iter()
        .filter(|i| {
            i.get("_type")
                .and_then(|t| t.as_s().ok())
                .map(String::as_str)
                == Some("Member")
        })
        .collect();
    assert_eq!(members.len(), N, "no member lost or added");
    let mut applied = 0;
    for member in members {
        let email = member["email"].as_s().expect("email");
        let who = email.split('@').next().expect("id").to_owned();
        assert!(
            !(member.contains_key("nick") && member.contains_key("handle")),
            "{who}: never two shapes' fields in one item"
        );
        let moved = email.ends_with("@new.example");
        if moved {
            assert_eq!(
                shape_of(member),
                2,
                "{who}: a move applies to the current shape only"
            );
            applied += 1;
        }
        if outcomes.acked.contains(&who) {
            assert!(moved, "{who}: an acknowledged move is stored");
        }
    }
    // Members and sentinels only: every released value's sentinel is gone.
    assert_eq!(items.len(), 2 * N, "one sentinel per member");
    outcomes.check_applied(applied);
    println!("faults {stats:?}: {outcomes:?}, {applied} applied");
}

/// An S3 export holds whatever shapes the table held: read through the registry, every item
/// comes back upgraded to the reader's shape, and a binary older than an item meets it as a
/// typed error — one per such item, the others still read. (The export's files are the
/// import writer's, in a local directory: the same format, read by the same reader.)
#[tokio::test]
async fn an_export_reads_every_stored_shape_upgraded() {
    use dynamorm::bulk::{Export, ImportWriter, Location};
    use futures::StreamExt as _;

    let dir = std::env::temp_dir().join(format!("dynamorm-shapes-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let location = Location::local(&dir, "exports/people").expect("location");
    // Each binary wrote ten people: `a*` in shape 1, `b*` in shape 2, `c*` in shape 3.
    let mut writer = ImportWriter::<People>::new(location.clone());
    let mut ids = Vec::new();
    for i in 0..10 {
        let (a, b, c) = (format!("a{i:02}"), format!("b{i:02}"), format!("c{i:02}"));
        writer.write(&person1(&a)).await.expect("shape 1");
        writer.write(&person2(&b)).await.expect("shape 2");
        writer.write(&person3(&c)).await.expect("shape 3");
        ids.extend([a, b, c]);
    }
    assert_eq!(writer.finish().await.expect("finished").items(), 30);
    ids.sort();

    // The newest binary: all thirty, each as a shape-3 person.
    let export = Export::open(location.clone()).await.expect("opens");
    let read: Vec<v3::Person> = export
        .items::<v3::Stored>()
        .map(|item| match item.expect("decodes") {
            v3::Stored::Person(p) => p,
        })
        .collect()
        .await;
    let expected_all: Vec<v3::Person> = ids.iter().map(|id| expected(id)).collect();
    assert_eq!(sorted(read), expected_all);

    // The second binary: shapes 1 and 2 read as shape 2; each shape-3 person is
    // `Error::Shape { stored: 3, current: 2 }`, never a misread, and the stream goes on.
    let export = Export::open(location).await.expect("opens");
    let results: Vec<Result<v2::Stored, Error>> = export.items::<v2::Stored>().collect().await;
    assert_eq!(results.len(), 30);
    let (mut read, mut refused) = (Vec::new(), 0);
    for result in &results {
        match result {
            Ok(v2::Stored::Person(p)) => read.push(p.clone()),
            Err(_) => {
                refused_as_shape(result, (3, 2), "a shape-3 item read by the second binary");
                refused += 1;
            }
        }
    }
    assert_eq!(refused, 10);
    read.sort_by(|a, b| a.id.cmp(&b.id));
    let expected_v2: Vec<v2::Person> = ids
        .iter()
        .filter(|id| !id.starts_with('c'))
        .map(|id| match &id[..1] {
            "a" => v2::Person {
                full_name: format!("Ada {id}"),
                age: 36,
                ..person2(id)
            },
            _ => person2(id),
        })
        .collect();
    assert_eq!(read, expected_v2);
    let _ = std::fs::remove_dir_all(&dir);
}
