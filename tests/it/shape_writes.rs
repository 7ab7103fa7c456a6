//! Writes against items of shapes other than the writer's, where a write reads something
//! stored — the item it returns (a delete), the version it expects, the unique values it
//! releases: each either works on the upgraded item or is refused with nothing changed.
//! (Found by an attack on the write side of entity shapes; `shapes.rs` holds the rest.)

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::transact::CancelReason;
use dynamorm::{Db, Error, Item};
use rstest::rstest;

use crate::harness::{Backend, put_raw, scan_raw};
use crate::shapes::{People, people, person1, refused_as_shape, shape_of, v3};

/// A binary that retired shape 1: it reads shapes 2 and 3 only.
pub(crate) mod retired {
    use crate::shapes::{People, v2};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Person", pk = "PERSON#{id}", sk = "PERSON")]
    #[dynamo(index(GSI1, pk = "ORG#{org}", sk = "PERSON#{id}"))]
    #[dynamo(shape = 3, shapes(2 = v2::Person))]
    pub(crate) struct Person {
        pub id: String,
        pub org: String,
        pub first: String,
        pub last: String,
        pub age: u32,
        pub country: String,
        pub visits: u64,
    }

    impl From<v2::Person> for Person {
        fn from(v2: v2::Person) -> Self {
            crate::shapes::v3::Person::from(v2).into()
        }
    }

    impl From<crate::shapes::v3::Person> for Person {
        fn from(p: crate::shapes::v3::Person) -> Self {
            Person {
                id: p.id,
                org: p.org,
                first: p.first,
                last: p.last,
                age: p.age,
                country: p.country,
                visits: p.visits,
            }
        }
    }
}

/// Person `id` of shape 1 with `_shape` set to `shape` as it is.
fn with_shape(id: &str, shape: AttributeValue) -> Item {
    let mut item = dynamorm::to_item(&person1(id)).expect("encodes");
    item.insert(dynamorm::SHAPE_ATTRIBUTE.to_owned(), shape);
    item
}

/// Whether the item at `id` is still stored.
async fn stored(db: &Db<People>, id: &str) -> bool {
    scan_raw(db)
        .await
        .iter()
        .any(|i| i["PK"].as_s().is_ok_and(|pk| *pk == format!("PERSON#{id}")))
}

/// Asserts a transaction of one delete of `id` is canceled as shape `stored` against
/// `current`.
fn canceled_as_shape(result: Result<(), Error>, stored: u32, current: u32) {
    let Err(Error::TransactionCanceled(canceled)) = result else {
        panic!("expected a cancellation: {result:?}");
    };
    assert_eq!(
        canceled.actions[0].reason,
        CancelReason::Shape { stored, current }
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_delete_never_removes_an_item_it_cannot_return(#[case] backend: Backend) {
    let (db, _endpoint, _server) = people(backend, "shape-writes-delete", false).await;
    // `_shape` values no binary writes: not a version, whatever DynamoDB's number order says.
    let malformed = [
        ("z0", AttributeValue::N("0".into())),
        ("zneg", AttributeValue::N("-1".into())),
        ("zfrac", AttributeValue::N("1.5".into())),
        ("zfrac2", AttributeValue::N("2.5".into())),
        ("zs", AttributeValue::S("2".into())),
    ];
    for (id, shape) in malformed {
        put_raw(&db, with_shape(id, shape)).await;
        let deleted = db.delete(v3::PersonKey { id: id.into() }).send().await;
        refused_as_shape(&deleted, (0, 3), id);
        let in_transaction = db
            .transact_write()
            .action(db.delete(v3::PersonKey { id: id.into() }))
            .send()
            .await;
        canceled_as_shape(in_transaction, 0, 3);
        assert!(stored(&db, id).await, "{id}: not deleted");
    }
    // A retired shape: this binary no longer reads shape 1.
    db.put(&person1("r1")).send().await.expect("shape 1");
    let deleted = db
        .delete(retired::PersonKey { id: "r1".into() })
        .send()
        .await;
    refused_as_shape(&deleted, (1, 3), "a retired shape");
    let in_transaction = db
        .transact_write()
        .action(db.delete(retired::PersonKey { id: "r1".into() }))
        .send()
        .await;
    canceled_as_shape(in_transaction, 1, 3);
    assert!(stored(&db, "r1").await, "r1: not deleted");
    // Every shape it does read is deleted and returned upgraded, `_shape = 1` written out
    // by another tool included.
    put_raw(&db, with_shape("a1", AttributeValue::N("1".into()))).await;
    let deleted = db.delete(v3::PersonKey { id: "a1".into() }).send().await;
    assert_eq!(
        deleted.expect("deletes"),
        Some(crate::shapes::expected("a1"))
    );
    assert!(!stored(&db, "a1").await);
}

/// An entity that gained a version field in its second shape: shape-1 items read back at
/// version 1.
pub(crate) mod counter1 {
    use crate::shapes::People;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Counter", pk = "COUNTER#{id}", sk = "COUNTER")]
    pub(crate) struct Counter {
        pub(crate) id: String,
        pub(crate) n: u64,
    }
}

pub(crate) mod counter2 {
    use crate::shapes::People;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Counter", pk = "COUNTER#{id}", sk = "COUNTER")]
    #[dynamo(shape = 2, shapes(1 = super::counter1::Counter))]
    pub(crate) struct Counter {
        pub(crate) id: String,
        pub(crate) count: u64,
        #[dynamo(version)]
        pub(crate) version: u64,
    }

    impl From<super::counter1::Counter> for Counter {
        fn from(v1: super::counter1::Counter) -> Self {
            Counter {
                id: v1.id,
                count: v1.n,
                version: 1,
            }
        }
    }
}

/// A write that expects the version it read works on the item it read — the upgrade —
/// whatever shape the item is stored in: upgraded first, then the version checked.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn versioned_writes_of_an_earlier_shape_upgrade_first(#[case] backend: Backend) {
    use counter2::{Counter, CounterKey};
    let (db, _endpoint, _server) = people(backend, "shape-writes-version", false).await;
    for id in ["c1", "c2", "c3"] {
        db.put(&counter1::Counter {
            id: id.into(),
            n: 7,
        })
        .send()
        .await
        .expect("shape 1");
    }
    let key = |id: &str| CounterKey { id: id.into() };
    let read = db.get(key("c1")).send().await.expect("get").expect("item");
    assert_eq!((read.count, read.version), (7, 1));
    let deleted = db
        .delete(key("c1"))
        .if_version(read.version)
        .send()
        .await
        .expect("a delete at the version read");
    assert_eq!(deleted, Some(read));
    let updated = db
        .update(key("c2"))
        .if_version(1)
        .add(Counter::attrs().count, 1)
        .send()
        .await
        .expect("an update at the version read");
    assert_eq!((updated.count, updated.version), (8, 2));
    db.put(&Counter {
        id: "c3".into(),
        count: 9,
        version: 1,
    })
    .send()
    .await
    .expect("a put at the version read");
    for (id, version) in [("c2", "2"), ("c3", "2")] {
        let item = scan_raw(&db)
            .await
            .into_iter()
            .find(|i| {
                i["PK"]
                    .as_s()
                    .is_ok_and(|pk| *pk == format!("COUNTER#{id}"))
            })
            .expect("stored");
        assert_eq!(shape_of(&item), 2, "{id}");
        assert!(!item.contains_key("n"), "{id}: no earlier field left");
        assert_eq!(item["version"].as_n().map(String::as_str), Ok(version));
    }
    // A stale version is still a conflict, on the upgraded item.
    let stale = db.delete(key("c3")).if_version(1).send().await;
    assert!(
        matches!(
            stale,
            Err(Error::VersionConflict {
                expected: 1,
                found: Some(2),
                ..
            })
        ),
        "{stale:?}"
    );
}

/// A unique field whose attribute was renamed between shapes (`mail`, then `email`): the
/// same field, so the same sentinels.
pub(crate) mod mail1 {
    use crate::shapes::People;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Subscriber", pk = "SUB#{id}", sk = "SUB")]
    pub(crate) struct Subscriber {
        pub(crate) id: String,
        #[dynamo(unique)]
        #[serde(rename = "mail")]
        pub(crate) email: String,
    }
}

pub(crate) mod mail2 {
    use crate::shapes::People;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = People, name = "Subscriber", pk = "SUB#{id}", sk = "SUB")]
    #[dynamo(shape = 2, shapes(1 = super::mail1::Subscriber))]
    pub(crate) struct Subscriber {
        pub(crate) id: String,
        #[dynamo(unique)]
        pub(crate) email: String,
    }

    impl From<super::mail1::Subscriber> for Subscriber {
        fn from(v1: super::mail1::Subscriber) -> Self {
            Subscriber {
                id: v1.id,
                email: v1.email,
            }
        }
    }

    #[derive(Debug, dynamorm::Registry)]
    #[dynamo(table = People)]
    pub(crate) enum Stored {
        Subscriber(Subscriber),
    }
}

/// A plain put or delete releases the unique values the stored item holds — read from the
/// upgraded item, so a value stored under an earlier shape's attribute name is released
/// too, never left claimed by no one.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn unique_values_stored_under_an_earlier_name_are_released(#[case] backend: Backend) {
    use mail2::{Subscriber, SubscriberKey};
    let (db, _endpoint, _server) = people(backend, "shape-writes-unique", false).await;
    let old = |id: &str, email: &str| mail1::Subscriber {
        id: id.into(),
        email: email.into(),
    };
    let new = |id: &str, email: &str| Subscriber {
        id: id.into(),
        email: email.into(),
    };
    db.create(&old("s1", "ann@example.com"))
        .send()
        .await
        .expect("shape 1");
    db.create(&old("s2", "cy@example.com"))
        .send()
        .await
        .expect("shape 1");
    let deleted = db
        .delete(SubscriberKey { id: "s1".into() })
        .send()
        .await
        .expect("a plain delete");
    assert_eq!(deleted, Some(new("s1", "ann@example.com")));
    db.put(&new("s2", "cy2@example.com"))
        .send()
        .await
        .expect("a plain put moving the value");
    // Both released values can be taken again.
    for (id, email) in [("s3", "ann@example.com"), ("s4", "cy@example.com")] {
        db.create(&new(id, email)).send().await.expect(email);
    }
    let items = scan_raw(&db).await;
    assert_eq!(items.len(), 6, "three subscribers, three sentinels");
    let doctor = db.doctor::<mail2::Stored>().run().await.expect("doctor");
    assert!(doctor.is_healthy(), "{:?}", doctor.findings);
    // An older binary's plain put over the upgraded item is refused: it cannot read the
    // unique values it would release.
    let refused = db.put(&old("s2", "cy3@example.com")).send().await;
    refused_as_shape(&refused, (2, 1), "an older unique-value put");
    assert_eq!(scan_raw(&db).await, items, "nothing changed");
}
