//! Writes and multi-attribute indexes: sparse membership, overloading, updates that move
//! an item in the index with nothing re-rendered, and values DynamoDB would reject refused
//! before sending on every write path.

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::{Db, Error, KeyError};
use rstest::rstest;

use super::{GameItem, Games, Match, MatchKey, Pick, a_match, games};
use crate::harness::Backend;
use dynamorm::InvalidInputKind;

async fn in_round(db: &Db<Games>, region: &str) -> Vec<GameItem> {
    db.query_index(Match::ByRound.partition("spring", region))
        .registry::<GameItem>()
        .all()
        .await
        .expect("query")
}

fn ids(items: &[GameItem]) -> Vec<String> {
    items
        .iter()
        .map(|i| match i {
            GameItem::Match(m) => format!("match {}", m.id),
            GameItem::Pick(p) => format!("pick {}", p.user),
            GameItem::Cell(c) => format!("cell {}", c.id),
        })
        .collect()
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn sparse_membership_follows_the_option_through_updates(#[case] backend: Backend) {
    let (db, _server) = games(backend, "multi-sparse").await;
    db.put(&a_match("m1", "eu", 1, Some("upper")))
        .send()
        .await
        .expect("put");
    db.put(&a_match("m2", "eu", 1, None))
        .send()
        .await
        .expect("put");
    assert_eq!(ids(&in_round(&db, "eu").await), ["match m1"]);
    // `None` is stored as no attribute at all (a NULL would be refused by the index).
    let raw = db
        .client()
        .get_item()
        .table_name(db.table_name())
        .key(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S("MATCH#m2".into()),
        )
        .key(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S("MATCH".into()),
        )
        .send()
        .await
        .expect("raw get")
        .item
        .expect("stored");
    assert!(!raw.contains_key("bracket"), "{:?}", raw.keys());

    let a = Match::attrs();
    let key = |id: &str| MatchKey { id: id.into() };
    // Setting the field puts the item in the index; nothing else needs to be written.
    db.update(key("m2"))
        .set(a.bracket, Some("lower".to_owned()))
        .send()
        .await
        .expect("join");
    assert_eq!(
        ids(&in_round(&db, "eu").await),
        ["match m2", "match m1"],
        "lower < upper"
    );
    // `None` through an update becomes REMOVE: the item leaves the index.
    db.update(key("m1"))
        .set(a.bracket, None::<String>)
        .send()
        .await
        .expect("leave");
    assert_eq!(ids(&in_round(&db, "eu").await), ["match m2"]);
    let m1 = db
        .get(key("m1"))
        .send()
        .await
        .expect("get")
        .expect("still stored");
    assert_eq!(m1.bracket, None);
    // Changing a key attribute moves the item within the index (round 1 → 12).
    db.update(key("m2"))
        .set(a.round, 12)
        .send()
        .await
        .expect("move");
    let later: Vec<Match> = db
        .query_index(Match::ByRound.partition("spring", "eu").sort_ge(10))
        .all()
        .await
        .expect("query");
    assert_eq!(later.len(), 1);
    assert_eq!((later[0].id.as_str(), later[0].round), ("m2", 12));
    db.update(key("m2"))
        .set(a.region, "us")
        .send()
        .await
        .expect("to another partition");
    assert!(in_round(&db, "eu").await.is_empty());
    assert_eq!(ids(&in_round(&db, "us").await), ["match m2"]);
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn two_entity_types_share_the_index_by_attribute_names(#[case] backend: Backend) {
    let (db, _server) = games(backend, "multi-overload").await;
    db.put(&a_match("m1", "eu", 2, Some("upper")))
        .send()
        .await
        .expect("put");
    db.put(&a_match("m2", "eu", 10, Some("lower")))
        .send()
        .await
        .expect("put");
    let pick = Pick {
        user: "ann".into(),
        tournament: "spring".into(),
        region: "eu".into(),
        round: 2,
        bracket: "upper".into(),
    };
    db.put(&pick).send().await.expect("put");
    db.put(&Pick {
        region: "us".into(),
        user: "bob".into(),
        ..pick.clone()
    })
    .send()
    .await
    .expect("put");

    // Both types in one partition, in (round, bracket) order: 2/upper (match and pick), 10.
    let all = in_round(&db, "eu").await;
    let mut head = ids(&all[..2]);
    head.sort();
    assert_eq!(head, ["match m1", "pick ann"]);
    assert_eq!(ids(&all[2..]), ["match m2"]);
    // A typed query keeps its own type only.
    let picks: Vec<Pick> = db
        .query_index(Pick::ByRound.partition("spring", "eu").sort_eq(2))
        .all()
        .await
        .expect("picks");
    assert_eq!(picks, vec![pick]);
    // A collection fills from one partition of the index.
    let board: super::RegionBoard = db
        .query_index(Match::ByRound.partition("spring", "eu"))
        .collection()
        .await
        .expect("collection");
    assert_eq!(board.matches.len(), 2);
    assert_eq!(board.picks.len(), 1);

    // A scan of the index sees every member of both types (and nothing else: the sparse
    // match without a bracket is not in it).
    db.put(&a_match("m3", "eu", 3, None))
        .send()
        .await
        .expect("put");
    let scanned = db
        .scan::<GameItem>()
        .index(super::Games::ByRound)
        .all()
        .await
        .expect("scan");
    assert_eq!(scanned.len(), 4, "{:?}", ids(&scanned));

    // Capacity is counted against the index by name.
    let counted =
        db.with_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Indexes);
    counted
        .put(&a_match("m4", "eu", 4, Some("upper")))
        .send()
        .await
        .expect("put");
    let report = counted.capacity().take();
    assert!(
        report.by_index.get("ByRound").is_some_and(|u| *u > 0.0),
        "{report:?}"
    );
}

/// An empty string in a key attribute, or a value of another type, is refused on every
/// write path before a request is sent (DynamoDB would reject the write).
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn values_an_index_key_cannot_hold_are_refused_before_sending(#[case] backend: Backend) {
    let (client, _server, counter) = crate::harness::counting_client(backend);
    let db = Db::<Games>::with_table_name(client, crate::harness::unique_name("multi-refuse"));
    db.create_table().await.expect("create");
    let before = counter.snapshot();

    let empty_region = a_match("m1", "", 1, Some("upper"));
    let empty_bracket = a_match("m2", "eu", 1, Some(""));
    let long = "x".repeat(1025);
    let long_bracket = a_match("m3", "eu", 1, Some(&long));
    let a = Match::attrs();
    let key = MatchKey { id: "m1".into() };
    let mut refused = Vec::new();
    refused.push(("put", db.put(&empty_region).send().await.map(|_| ())));
    refused.push(("put sort", db.put(&empty_bracket).send().await.map(|_| ())));
    refused.push(("put long", db.put(&long_bracket).send().await.map(|_| ())));
    refused.push(("create", db.create(&empty_region).send().await.map(|_| ())));
    refused.push((
        "update",
        db.update(key.clone())
            .set(a.region, "")
            .send()
            .await
            .map(|_| ()),
    ));
    refused.push((
        "update option",
        db.update(key.clone())
            .set(a.bracket, Some(String::new()))
            .send()
            .await
            .map(|_| ()),
    ));
    refused.push((
        "batch",
        db.batch_write().put(&empty_region).send().await.map(|_| ()),
    ));
    refused.push((
        "transaction",
        db.transact_write()
            .action(db.put(&empty_bracket))
            .send()
            .await
            .map(|_| ()),
    ));
    refused.push((
        "query",
        db.query_index(Match::ByRound.partition("spring", ""))
            .all()
            .await
            .map(|_| ()),
    ));
    refused.push((
        "query range",
        db.query_index(
            Match::ByRound
                .partition("spring", "eu")
                .sort_eq(1)
                .sort_ge(""),
        )
        .all()
        .await
        .map(|_| ()),
    ));
    let mut wrong = Vec::new();
    for (what, result) in &refused {
        match result {
            Err(Error::Key(KeyError::Empty { .. } | KeyError::TooLong { .. })) => {}
            other => wrong.push(format!("{what}: {other:?}")),
        }
    }
    assert!(wrong.is_empty(), "not refused as key errors: {wrong:#?}");
    assert_eq!(
        counter.snapshot(),
        before,
        "a refused write reached the server"
    );
    // A number DynamoDB cannot store is refused in a key condition too (nothing sent).
    let nan = db
        .query_index(
            super::Cell::Deep
                .partition("p")
                .sort_eq(1)
                .sort_eq("x")
                .sort_ge(f64::NAN),
        )
        .all()
        .await;
    assert_eq!(
        crate::harness::refused(&nan),
        Some(InvalidInputKind::InvalidValue),
        "{nan:?}"
    );
    assert_eq!(
        counter.snapshot(),
        before,
        "a NaN key condition reached the server"
    );

    // What the refusals spare the caller: both servers reject these items sent raw.
    let raw = |attribute: &str, value: AttributeValue| {
        let mut item = dynamorm::to_item(&a_match("raw", "eu", 1, Some("upper"))).expect("item");
        item.insert(attribute.to_owned(), value);
        db.client()
            .put_item()
            .table_name(db.table_name())
            .set_item(Some(item))
            .send()
    };
    for (attribute, value) in [
        ("region", AttributeValue::S(String::new())),
        ("bracket", AttributeValue::Null(true)),
        ("round", AttributeValue::S("1".into())),
    ] {
        let result = raw(attribute, value.clone()).await;
        let code = result
            .as_ref()
            .err()
            .and_then(|e| e.as_service_error())
            .and_then(|e| e.meta().code())
            .map(str::to_owned);
        assert_eq!(
            code.as_deref(),
            Some("ValidationException"),
            "{attribute} = {value:?} sent raw: {result:?}"
        );
    }

    // `begins_with("")` is every value, not an error.
    db.put(&a_match("m4", "eu", 1, Some("upper")))
        .send()
        .await
        .expect("put");
    let all = db
        .query_index(
            Match::ByRound
                .partition("spring", "eu")
                .sort_eq(1)
                .sort_begins_with(""),
        )
        .all()
        .await
        .expect("begins_with empty");
    assert_eq!(all.len(), 1);
}

/// A type of the user's that claims to serialize as one DynamoDB type but does not.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Liar(u32);

impl dynamorm::KeyAttribute for Liar {
    const SCALAR: dynamorm::ScalarType = dynamorm::ScalarType::S;
    type Value = Liar;
}

#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "liars", index(ByLie, pk = [lie: S]))]
pub(crate) struct Liars;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Liars, pk = "L#{id}", sk = "L")]
#[dynamo(index(ByLie, pk = [lie]))]
pub(crate) struct Lied {
    id: String,
    lie: Liar,
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_key_attribute_of_the_wrong_type_is_a_typed_error(#[case] backend: Backend) {
    let (client, _server) = crate::harness::client(backend);
    let db = Db::<Liars>::with_table_name(client, crate::harness::unique_name("multi-liar"));
    db.create_table().await.expect("create");
    let item = Lied {
        id: "1".into(),
        lie: Liar(7),
    };
    let put = db.put(&item).send().await;
    assert_eq!(
        crate::harness::refused(&put),
        Some(InvalidInputKind::InvalidValue),
        "{put:?}"
    );
    let query = db.query_index(Lied::ByLie.partition(Liar(7))).all().await;
    assert_eq!(
        crate::harness::refused(&query),
        Some(InvalidInputKind::InvalidValue),
        "{query:?}"
    );
}

/// A binary key attribute: a user type that serializes as bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Digest(Vec<u8>);

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl serde::de::Visitor<'_> for Bytes {
            type Value = Digest;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Digest, E> {
                Ok(Digest(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Digest, E> {
                Ok(Digest(v))
            }
        }
        d.deserialize_byte_buf(Bytes)
    }
}

impl dynamorm::KeyAttribute for Digest {
    const SCALAR: dynamorm::ScalarType = dynamorm::ScalarType::B;
    type Value = Digest;
}

#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "blobs", index(ByDigest, pk = [bucket: S], sk = [digest: B]))]
pub(crate) struct Blobs;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Blobs, pk = "BLOB#{id}", sk = "BLOB")]
#[dynamo(index(ByDigest, pk = [bucket], sk = [digest]))]
pub(crate) struct Blob {
    id: u32,
    bucket: String,
    digest: Digest,
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn binary_key_attributes_sort_bytewise_and_page_with_cursors(#[case] backend: Backend) {
    let (client, _server) = crate::harness::client(backend);
    let db = Db::<Blobs>::with_table_name(client, crate::harness::unique_name("multi-blob"));
    db.create_table().await.expect("create");
    let digests: Vec<Vec<u8>> = vec![
        vec![0],
        vec![0, 0],
        vec![1],
        vec![127],
        vec![128],
        vec![255, 1],
        vec![255],
    ];
    for (id, d) in digests.iter().enumerate() {
        let blob = Blob {
            id: u32::try_from(id).expect("small"),
            bucket: "b".into(),
            digest: Digest(d.clone()),
        };
        db.put(&blob).send().await.expect("put");
    }
    let mut want = digests.clone();
    want.sort();
    // Paged two at a time, through typed (binary) cursors.
    let mut got = Vec::new();
    let mut cursor = None;
    loop {
        let mut q = db.query_index(Blob::ByDigest.partition("b")).limit(2);
        if let Some(c) = &cursor {
            q = q.after(c);
        }
        let page = q.page().await.expect("page");
        got.extend(page.items.iter().map(|b| b.digest.0.clone()));
        match page.cursor {
            Some(c) if !page.items.is_empty() => cursor = Some(c),
            _ => break,
        }
    }
    assert_eq!(got, want);
    let high: Vec<Vec<u8>> = db
        .query_index(Blob::ByDigest.partition("b").sort_gt(Digest(vec![127])))
        .all()
        .await
        .expect("range")
        .into_iter()
        .map(|b| b.digest.0)
        .collect();
    assert_eq!(high, vec![vec![128], vec![255], vec![255, 1]]);
    let empty = db
        .put(&Blob {
            id: 99,
            bucket: "b".into(),
            digest: Digest(Vec::new()),
        })
        .send()
        .await;
    assert!(
        matches!(empty, Err(Error::Key(KeyError::Empty { .. }))),
        "{empty:?}"
    );
}

#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "things", index(ByName, pk = [name: S]))]
#[dynamo(index(ByGroup, pk = [group: S], sk = [name: S]))]
pub(crate) struct Things;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Things, pk = "THING#{id}", sk = "THING")]
#[dynamo(index(ByName, pk = [name]))]
#[dynamo(index(ByGroup, pk = [group], sk = [name]))]
pub(crate) struct Thing {
    id: u32,
    group: String,
    name: String,
}

/// An attribute that is a partition key in one index (2048 bytes) and a sort key in another
/// (1024) is held to the smaller limit by put and update alike.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_key_attribute_in_two_indexes_meets_both_limits_on_every_path(#[case] backend: Backend) {
    let (client, _server) = crate::harness::client(backend);
    let db = Db::<Things>::with_table_name(client, crate::harness::unique_name("multi-two"));
    db.create_table().await.expect("create");
    let fits = Thing {
        id: 1,
        group: "g".into(),
        name: "n".repeat(1024),
    };
    db.put(&fits).send().await.expect("1024 bytes fit both");
    let long = "n".repeat(1500);
    let put = db
        .put(&Thing {
            name: long.clone(),
            ..fits.clone()
        })
        .send()
        .await;
    let update = db
        .update(ThingKey { id: 1 })
        .set(Thing::attrs().name, long)
        .send()
        .await;
    for (what, result) in [("put", put.map(|_| ())), ("update", update.map(|_| ()))] {
        assert!(
            matches!(result, Err(Error::Key(KeyError::TooLong { max: 1024, .. }))),
            "{what}: {result:?}"
        );
    }
}
