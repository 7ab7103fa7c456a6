//! Index projections: tables created and checked with each projection kind, projected reads
//! through template and multi-attribute indexes and the table, and hydrated reads held to
//! the plain read's semantics (order, exactly once, limits, cursors) under faults and under
//! a concurrent writer deleting and moving items.

// Clippy reads two indexes keyed alike (`sk = "CARD#{id}"` on GSI1 and GSI3, the same key
// for two projections) as one attribute written twice (`duplicated_attributes`).
#![allow(clippy::duplicated_attributes)]

use std::collections::HashSet;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use dynamorm::doctor::IndexProblem;
use dynamorm::{Condition, Db, Error, IndexProjection, InvalidInputKind, Table};
use dynamorm_local::FaultConfig;
use rstest::rstest;
use serde::{Deserialize, Serialize};

use crate::harness::{Backend, client, faulty_table_of, refused, unique_name};

/// A board of cards: one index per projection kind and key kind.
#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "board")]
#[dynamo(index(GSI1, pk = "GSI1PK", sk = "GSI1SK", projection = keys_only))]
#[dynamo(index(GSI2, pk = "GSI2PK", sk = "GSI2SK", projection = include(title, lane)))]
#[dynamo(index(ByLane, pk = [lane: S], sk = [rank: N], projection = include(title)))]
#[dynamo(index(ByOwner, pk = [owner: S], sk = [rank: N], projection = keys_only))]
#[dynamo(index(GSI3, pk = "GSI3PK", sk = "GSI3SK"))]
pub(crate) struct Board;

/// A card: in every index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Board, pk = "BOARD#{board}", sk = "CARD#{id}")]
#[dynamo(index(GSI1, pk = "OWNER#{owner}", sk = "CARD#{id}"))]
#[dynamo(index(GSI2, pk = "BOARD#{board}#LANE#{lane}", sk = "CARD#{id}"))]
#[dynamo(index(ByLane, pk = [lane], sk = [rank]))]
#[dynamo(index(ByOwner, pk = [owner], sk = [rank]))]
#[dynamo(index(GSI3, pk = "OWNER#{owner}", sk = "CARD#{id}"))]
pub(crate) struct Card {
    board: String,
    id: u32,
    owner: String,
    lane: String,
    rank: u32,
    title: String,
    body: String,
}

/// A memo about a card: another type at the same `GSI1` key as its card (a keys-only index
/// cannot tell them apart; the hydrated read must).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Board, pk = "BOARD#{board}", sk = "MEMO#{memo}")]
#[dynamo(index(GSI1, pk = "OWNER#{author}", sk = "CARD#{card}"))]
pub(crate) struct Memo {
    board: String,
    memo: u32,
    author: String,
    card: u32,
    text: String,
}

#[derive(Debug, Clone, PartialEq, dynamorm::Registry)]
#[dynamo(table = Board)]
pub(crate) enum BoardItem {
    Card(Card),
    Memo(Memo),
}

/// What a lane shows of a card: `GSI2` and `ByLane` hold it.
#[derive(Debug, Clone, PartialEq, Deserialize, dynamorm::Projection)]
#[dynamo(entity = Card, index = ByLane)]
pub(crate) struct CardTitle {
    title: String,
}

/// A card's lane and title, declared for `GSI2` (which includes both).
#[derive(Debug, Clone, PartialEq, Deserialize, dynamorm::Projection)]
#[dynamo(entity = Card, index = GSI2)]
pub(crate) struct CardPlace {
    lane: String,
    title: String,
}

/// Everything of an owner's desk, read through the keys-only index and hydrated.
#[derive(Debug, Default, dynamorm::Collection)]
#[dynamo(table = Board, index = GSI1)]
pub(crate) struct Desk {
    cards: Vec<Card>,
    memos: Vec<Memo>,
}

/// Everything on a board, read from the table.
#[derive(Debug, Default, dynamorm::Collection)]
#[dynamo(table = Board)]
pub(crate) struct BoardContents {
    cards: Vec<Card>,
    memos: Vec<Memo>,
}

const OWNERS: [&str; 2] = ["ada", "bob"];
const LANES: [&str; 3] = ["todo", "doing", "done"];

pub(crate) fn card(id: u32) -> Card {
    Card {
        board: "b1".into(),
        id,
        owner: OWNERS[id as usize % 2].into(),
        lane: LANES[id as usize % 3].into(),
        rank: id * 10,
        title: format!("card {id}"),
        body: "x".repeat(200),
    }
}

pub(crate) fn memo(memo: u32) -> Memo {
    Memo {
        board: "b1".into(),
        memo,
        author: "ada".into(),
        card: memo * 2,
        text: format!("memo {memo}"),
    }
}

async fn board(backend: Backend, test: &str) -> (Db<Board>, Option<dynamorm_local::LocalServer>) {
    let (client, server) = client(backend);
    let db = Db::<Board>::with_table_name(client, unique_name(test));
    db.create_table().await.expect("table is created");
    (db, server)
}

async fn seed(db: &Db<Board>, cards: u32, memos: u32) {
    for id in 0..cards {
        db.put(&card(id)).send().await.expect("card");
    }
    for m in 0..memos {
        db.put(&memo(m)).send().await.expect("memo");
    }
}

/// Ada's cards as the table has them, in `GSI1` order (by id, as the key pads it).
fn adas_cards(cards: u32) -> Vec<Card> {
    (0..cards).map(card).filter(|c| c.owner == "ada").collect()
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn tables_are_created_with_each_projection_and_checked_against_it(#[case] backend: Backend) {
    let (db, _server) = board(backend, "projections-create").await;
    let described = db
        .client()
        .describe_table()
        .table_name(db.table_name())
        .send()
        .await
        .expect("describe")
        .table
        .expect("table");
    for declared in Board::SCHEMA.indexes() {
        let live = described
            .global_secondary_indexes()
            .iter()
            .find(|i| i.index_name() == Some(declared.name()))
            .and_then(|i| i.projection())
            .expect("index with a projection");
        let kind = live.projection_type().map(ProjectionType::as_str);
        assert_eq!(
            kind,
            Some(declared.projection().as_str()),
            "{}",
            declared.name()
        );
        let mut live: Vec<&str> = live
            .non_key_attributes()
            .iter()
            .map(String::as_str)
            .collect();
        let mut wanted = declared.projection().included().to_vec();
        live.sort_unstable();
        wanted.sort_unstable();
        assert_eq!(live, wanted, "{}", declared.name());
    }
    assert_eq!(
        Board::GSI2.schema().projection(),
        IndexProjection::Include(&["title", "lane", "_type", "_shape"])
    );
    db.ensure_table().await.expect("the live table matches");
    db.delete_table().await.expect("delete");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn ensure_table_and_the_doctor_name_an_index_projecting_otherwise(#[case] backend: Backend) {
    // The table as it was before `GSI1` was narrowed and `GSI3` added: `GSI1` projecting
    // `ALL`, no `GSI3`, every other index as declared.
    let (client, _server) = client(backend);
    let name = unique_name("projections-ensure");
    let definitions = Board::SCHEMA.attribute_definitions();
    let mut create = client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range));
    for a in definitions.iter().filter(|a| !a.name.starts_with("GSI3")) {
        let scalar = ScalarAttributeType::from(a.scalar.as_str());
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(a.name)
                .attribute_type(scalar)
                .build()
                .expect("definition"),
        );
    }
    for index in Board::SCHEMA
        .indexes()
        .iter()
        .filter(|i| i.name() != "GSI3")
    {
        let mut gsi = GlobalSecondaryIndex::builder().index_name(index.name());
        for (attribute, partition) in index.key_elements() {
            let kind = if partition {
                KeyType::Hash
            } else {
                KeyType::Range
            };
            gsi = gsi.key_schema(key(attribute, kind));
        }
        let declared = index.projection();
        let projection = if index.name() == "GSI1" {
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build()
        } else {
            Projection::builder()
                .projection_type(ProjectionType::from(declared.as_str()))
                .set_non_key_attributes(
                    (!declared.included().is_empty())
                        .then(|| declared.included().iter().map(|a| a.to_string()).collect()),
                )
                .build()
        };
        create = create.global_secondary_indexes(gsi.projection(projection).build().expect("gsi"));
    }
    create.send().await.expect("created by hand");
    let db = Db::<Board>::with_table_name(client, name);
    let err = db.ensure_table().await.expect_err("GSI1 projects ALL");
    match &err {
        Error::TableMismatch { index, .. } => assert_eq!(*index, Some("GSI1")),
        other => panic!("expected TableMismatch, got {other:?}"),
    }
    // The doctor reports both, before any item (the table is empty and healthy otherwise).
    let checkup = db.doctor::<BoardItem>().run().await.expect("doctor");
    assert_eq!(
        checkup.indexes,
        vec![
            IndexProblem::Projection {
                index: "GSI1".into(),
                live: "ALL".into(),
                declared: "KEYS_ONLY".into(),
            },
            IndexProblem::MissingIndex {
                index: "GSI3".into()
            },
        ]
    );
    assert_eq!(
        checkup.indexes[0].to_string(),
        "index `GSI1` projects ALL, the declaration KEYS_ONLY"
    );
    assert!(!checkup.is_healthy() && checkup.findings.is_empty());
    assert_eq!(
        checkup.counts(),
        [("missing_index", 1), ("projection", 1)]
            .into_iter()
            .collect()
    );
    db.delete_table().await.expect("delete");
}

fn key(attribute: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(attribute)
        .key_type(kind)
        .build()
        .expect("key")
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn projections_read_what_the_index_holds_in_the_plain_reads_order(#[case] backend: Backend) {
    let (db, _server) = board(backend, "projections-read").await;
    seed(&db, 30, 6).await;
    let a = Card::attrs();

    // Through a template INCLUDE index: the same items, in the same order, as the full
    // cards through an index projecting ALL with the same keys.
    let places: Vec<CardPlace> = db
        .query((a.board.is("b1"), a.lane.is("todo")))
        .index(Board::GSI2)
        .project::<CardPlace>()
        .all()
        .await
        .expect("projected through GSI2");
    let todo: Vec<Card> = (0..30).map(card).filter(|c| c.lane == "todo").collect();
    let expected: Vec<CardPlace> = todo
        .iter()
        .map(|c| CardPlace {
            lane: c.lane.clone(),
            title: c.title.clone(),
        })
        .collect();
    assert_eq!(places, expected);

    // Through a multi-attribute INCLUDE index, descending, paged by cursors.
    let mut titles = Vec::new();
    let mut cursor = None;
    loop {
        let mut query = db
            .query_index(Card::ByLane.partition("doing"))
            .descending()
            .limit(3)
            .project::<CardTitle>();
        if let Some(c) = &cursor {
            query = query.after(c);
        }
        let page = query.page().await.expect("page");
        titles.extend(page.items);
        cursor = page.cursor;
        if cursor.is_none() {
            break;
        }
    }
    let mut doing: Vec<Card> = (0..30).map(card).filter(|c| c.lane == "doing").collect();
    doing.sort_by_key(|c| std::cmp::Reverse(c.rank));
    let expected: Vec<CardTitle> = doing
        .iter()
        .map(|c| CardTitle {
            title: c.title.clone(),
        })
        .collect();
    assert_eq!(titles, expected);

    // Through the table, and a get.
    let from_table: Vec<CardTitle> = db
        .query(a.board.is("b1"))
        .project::<CardTitle>()
        .all()
        .await
        .expect("projected from the table");
    assert_eq!(from_table.len(), 30);
    let one = db
        .get(card(7).key())
        .project::<CardTitle>()
        .send()
        .await
        .expect("get");
    assert_eq!(
        one,
        Some(CardTitle {
            title: "card 7".into()
        })
    );

    // A filter on an attribute the index does not hold is refused before sending (DynamoDB
    // would silently drop every item); so is counting by type through a keys-only index.
    let filtered = db
        .query((a.board.is("b1"), a.lane.is("todo")))
        .index(Board::GSI2)
        .filter(a.body.exists())
        .project::<CardPlace>()
        .all()
        .await;
    assert_eq!(refused(&filtered), Some(InvalidInputKind::NotProjected));
    let counted = db.query(a.owner.is("ada")).index(Board::GSI1).count().await;
    assert_eq!(refused(&counted), Some(InvalidInputKind::NotProjected));
    // A scan returns whole entities: not from a narrower index.
    let scanned = db.scan::<Card>().index(Board::GSI2).all().await;
    assert_eq!(refused(&scanned), Some(InvalidInputKind::NotProjected));
    // Counting through an INCLUDE index (which holds the discriminator) works.
    let counted = db
        .query((a.board.is("b1"), a.lane.is("todo")))
        .index(Board::GSI2)
        .count()
        .await
        .expect("count");
    assert_eq!(counted, todo.len());

    // Raw filters are held to the same rule, by the paths they read: a plain name, a
    // declared `#name`, the root of a nested path.
    let lane = || {
        db.query((a.board.is("b1"), a.lane.is("todo")))
            .index(Board::GSI2)
    };
    for raw in [
        Condition::raw("attribute_exists(body)"),
        Condition::raw("#b = :b")
            .name("#b", "body")
            .value(":b", "x"),
        Condition::raw("#b.#k = :b")
            .name("#b", "body")
            .name("#k", "title")
            .value(":b", "x"),
    ] {
        let refused_raw = lane().filter(raw).project::<CardPlace>().all().await;
        assert_eq!(refused(&refused_raw), Some(InvalidInputKind::NotProjected));
    }
    let titled: Vec<CardPlace> = lane()
        .filter(
            Condition::raw("begins_with(#t, :t)")
                .name("#t", "title")
                .value(":t", "card"),
        )
        .project::<CardPlace>()
        .all()
        .await
        .expect("a raw filter on what the index holds");
    assert_eq!(titled.len(), todo.len());

    // A projection asked for before a registry or collection read is dropped: they read
    // whole items.
    let whole: Vec<BoardItem> = db
        .query(a.board.is("b1"))
        .registry::<BoardItem>()
        .all()
        .await
        .expect("registry");
    let after_projection: Vec<BoardItem> = db
        .query(a.board.is("b1"))
        .project::<CardTitle>()
        .registry::<BoardItem>()
        .all()
        .await
        .expect("registry after a projection");
    assert_eq!(after_projection, whole);
    let contents: BoardContents = db
        .query(a.board.is("b1"))
        .project::<CardTitle>()
        .collection::<BoardContents>()
        .await
        .expect("collection after a projection");
    assert_eq!(contents.cards.len() + contents.memos.len(), whole.len());
    assert!(contents.cards.iter().all(|c| c.body.len() == 200));
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn hydrated_reads_match_the_plain_read_on_every_kind_of_index(#[case] backend: Backend) {
    let (db, _server) = board(backend, "projections-hydrate").await;
    seed(&db, 40, 8).await;
    let a = Card::attrs();
    let adas = adas_cards(40);

    // Keys-only template index (memos at the same index keys are skipped by type), against
    // the same query through GSI3, which projects ALL.
    let plain: Vec<Card> = db
        .query(a.owner.is("ada"))
        .index(Board::GSI3)
        .all()
        .await
        .expect("plain");
    assert_eq!(plain, adas);
    let hydrated: Vec<Card> = db
        .query(a.owner.is("ada"))
        .index(Board::GSI1)
        .hydrate()
        .all()
        .await
        .expect("hydrated");
    assert_eq!(hydrated, plain);
    // A hydrated count is what the hydrated read returns (the index holds memos too).
    let counted = db
        .query(a.owner.is("ada"))
        .index(Board::GSI1)
        .hydrate()
        .limit(2)
        .count()
        .await
        .expect("count");
    assert_eq!(counted, plain.len());

    // Pages of exact size with cursors, both directions, concatenate to the plain read.
    for descending in [false, true] {
        let mut pages = Vec::new();
        let mut cursor = None;
        loop {
            let mut query = db.query(a.owner.is("ada")).index(Board::GSI1).limit(3);
            if descending {
                query = query.descending();
            }
            if let Some(c) = &cursor {
                query = query.after(c);
            }
            let page = query.hydrate().page().await.expect("page");
            assert!(
                page.items.len() == 3 || page.cursor.is_none(),
                "exact limit"
            );
            pages.extend(page.items);
            cursor = page.cursor;
            if cursor.is_none() {
                break;
            }
        }
        let mut expected = plain.clone();
        if descending {
            expected.reverse();
        }
        assert_eq!(pages, expected, "descending: {descending}");
    }

    // Keys-only multi-attribute index, and an INCLUDE index hydrated for the whole card.
    let by_owner: Vec<Card> = db
        .query_index(Card::ByOwner.partition("bob"))
        .hydrate()
        .all()
        .await
        .expect("hydrated by owner");
    let mut bobs: Vec<Card> = (0..40).map(card).filter(|c| c.owner == "bob").collect();
    bobs.sort_by_key(|c| c.rank);
    assert_eq!(by_owner, bobs);
    let todo: Vec<Card> = db
        .query((a.board.is("b1"), a.lane.is("todo")))
        .index(Board::GSI2)
        .hydrate()
        .all()
        .await
        .expect("hydrated through GSI2");
    assert_eq!(
        todo,
        (0..40)
            .map(card)
            .filter(|c| c.lane == "todo")
            .collect::<Vec<_>>()
    );

    // A registry read hydrates both types, in index order; so does a collection.
    let mixed: Vec<BoardItem> = db
        .query(a.owner.is("ada"))
        .index(Board::GSI1)
        .registry::<BoardItem>()
        .hydrate()
        .all()
        .await
        .expect("registry");
    assert_eq!(mixed.len(), adas.len() + 8);
    assert_eq!(
        mixed
            .iter()
            .filter(|i| matches!(i, BoardItem::Memo(_)))
            .count(),
        8
    );
    let desk: Desk = db
        .query(a.owner.is("ada"))
        .index(Board::GSI1)
        .hydrate()
        .collection()
        .await
        .expect("collection");
    assert_eq!((desk.cards.len(), desk.memos.len()), (adas.len(), 8));
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn hydrated_pages_resume_exactly_under_faults(#[case] backend: Backend) {
    let faults = FaultConfig {
        seed: 0x23,
        unprocessed: 0.3,
        throttle: 0.15,
        drop_connection: 0.05,
    };
    let t = faulty_table_of::<Board>(backend, "projections-faults", faults).await;
    seed(&t.direct, 120, 0).await;
    let a = Card::attrs();
    let mut got = Vec::new();
    let mut cursor = None;
    let (mut pages, mut failures) = (0, 0);
    loop {
        let mut query = t.db.query(a.owner.is("ada")).index(Board::GSI1).limit(7);
        if let Some(c) = &cursor {
            query = query.after(c);
        }
        match query.hydrate().page().await {
            Ok(page) => {
                pages += 1;
                got.extend(page.items);
                cursor = page.cursor;
                if cursor.is_none() {
                    break;
                }
            }
            // A page that failed (a dropped Query, keys still unprocessed after the
            // retries) is asked again from the same cursor.
            Err(_) => failures += 1,
        }
        assert!(failures < 200, "too many failures");
    }
    let stats = t.proxy.stats();
    println!("hydrate under faults: {pages} pages, {failures} failed and retried, {stats:?}");
    assert!(
        stats.unprocessed > 0 && stats.throttled > 0 && stats.dropped > 0,
        "every kind of fault was injected: {stats:?}"
    );
    assert_eq!(got, adas_cards(120), "every card once, in order");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn hydrated_reads_skip_what_a_concurrent_writer_deletes_or_moves(#[case] backend: Backend) {
    let (db, _server) = board(backend, "projections-writer").await;
    seed(&db, 200, 0).await;
    let a = Card::attrs();
    // Cards with id % 4 == 0 are Ada's and stay; ids % 4 == 2 are Ada's and the writer
    // deletes them or hands them to Bob while the reader pages.
    let touched: Vec<u32> = (0..200).filter(|id| id % 4 == 2).collect();
    let writer = {
        let db = db.clone();
        let touched = touched.clone();
        tokio::spawn(async move {
            for id in touched {
                if id % 8 == 2 {
                    db.delete(card(id).key()).send().await.expect("delete");
                } else {
                    let mut moved = card(id);
                    moved.owner = "bob".into();
                    db.put(&moved).send().await.expect("move");
                }
            }
        })
    };
    let mut got: Vec<Card> = Vec::new();
    let mut cursor = None;
    loop {
        let mut query = db.query(a.owner.is("ada")).index(Board::GSI1).limit(5);
        if let Some(c) = &cursor {
            query = query.after(c);
        }
        let page = query.hydrate().page().await.expect("page");
        got.extend(page.items);
        cursor = page.cursor;
        if cursor.is_none() {
            break;
        }
    }
    writer.await.expect("writer");
    let ids: Vec<u32> = got.iter().map(|c| c.id).collect();
    let unique: HashSet<u32> = ids.iter().copied().collect();
    let wrong_owner = got.iter().filter(|c| c.owner != "ada").count();
    let out_of_order = ids.windows(2).filter(|w| w[0] >= w[1]).count();
    let kept: Vec<u32> = (0..200).filter(|id| id % 4 == 0).collect();
    let missing_kept = kept.iter().filter(|id| !unique.contains(id)).count();
    let touched_seen = ids.iter().filter(|id| *id % 4 == 2).count();
    println!(
        "hydrate under a writer: {} read, {touched_seen} of {} touched seen before their write, \
         {missing_kept} untouched missing, {wrong_owner} of another owner, {out_of_order} out of order, \
         {} repeated",
        ids.len(),
        touched.len(),
        ids.len() - unique.len()
    );
    assert_eq!(ids.len(), unique.len(), "no card twice");
    assert_eq!(wrong_owner, 0, "no moved card returned under Ada");
    assert_eq!(out_of_order, 0, "index order");
    assert_eq!(missing_kept, 0, "every untouched card");
}

/// Before each `BatchGetItem` of the reader, has a writer (its own thread, runtime and
/// client) delete or move the cards of that batch with `id % 4 == 2`: exactly between the
/// index read and the fetch.
#[derive(Debug)]
struct WriteBeforeFetch {
    to_writer: std::sync::Mutex<std::sync::mpsc::Sender<Vec<u32>>>,
    done: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
}

impl aws_sdk_dynamodb::config::Intercept for WriteBeforeFetch {
    fn name(&self) -> &'static str {
        "projections::WriteBeforeFetch"
    }

    fn read_before_execution(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef<
            '_,
        >,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
        use aws_sdk_dynamodb::types::AttributeValue;
        let Some(input) = context.input().downcast_ref::<BatchGetItemInput>() else {
            return Ok(());
        };
        let ids: Vec<u32> = input
            .request_items()
            .into_iter()
            .flat_map(|m| m.values())
            .flat_map(|k| k.keys())
            .filter_map(|key| match key.get("SK") {
                Some(AttributeValue::S(sk)) => sk.strip_prefix("CARD#")?.parse().ok(),
                _ => None,
            })
            .filter(|id| id % 4 == 2)
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        self.to_writer.lock().expect("lock").send(ids)?;
        self.done.lock().expect("lock").recv()?;
        Ok(())
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn hydrated_reads_skip_items_deleted_or_moved_between_the_two_reads(
    #[case] backend: Backend,
) {
    let (direct, server) = board(backend, "projections-between").await;
    seed(&direct, 120, 0).await;
    let endpoint = match &server {
        Some(s) => s.endpoint(),
        None => std::env::var("DYNAMORM_DDB_LOCAL_ENDPOINT").expect("endpoint"),
    };
    let (to_writer, orders) = std::sync::mpsc::channel::<Vec<u32>>();
    let (acks, done) = std::sync::mpsc::channel::<()>();
    let writer_endpoint = endpoint.clone();
    let table = direct.table_name().to_owned();
    let writer = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let client =
            aws_sdk_dynamodb::Client::from_conf(dynamorm_local::loopback_config(&writer_endpoint));
        let db = Db::<Board>::with_table_name(client, table);
        let (mut deleted, mut moved) = (0, 0);
        for ids in orders {
            runtime.block_on(async {
                for id in ids {
                    if id % 8 == 2 {
                        db.delete(card(id).key()).send().await.expect("delete");
                        deleted += 1;
                    } else {
                        let mut card = card(id);
                        card.owner = "bob".into();
                        db.put(&card).send().await.expect("move");
                        moved += 1;
                    }
                }
            });
            acks.send(()).expect("ack");
        }
        (deleted, moved)
    });
    let interceptor = WriteBeforeFetch {
        to_writer: std::sync::Mutex::new(to_writer),
        done: std::sync::Mutex::new(done),
    };
    let config = dynamorm_local::loopback_config(&endpoint)
        .to_builder()
        .interceptor(interceptor)
        .build();
    let db = Db::<Board>::with_table_name(
        aws_sdk_dynamodb::Client::from_conf(config),
        direct.table_name(),
    );
    let a = Card::attrs();
    let mut got: Vec<Card> = Vec::new();
    let mut cursor = None;
    loop {
        let mut query = db.query(a.owner.is("ada")).index(Board::GSI1).limit(9);
        if let Some(c) = &cursor {
            query = query.after(c);
        }
        let page = query.hydrate().page().await.expect("page");
        assert!(
            page.items.len() == 9 || page.cursor.is_none(),
            "exact limit"
        );
        got.extend(page.items);
        cursor = page.cursor;
        if cursor.is_none() {
            break;
        }
    }
    drop(db);
    let (deleted, moved) = writer.join().expect("writer");
    let kept: Vec<Card> = (0..120).map(card).filter(|c| c.id % 4 == 0).collect();
    let wrong = got.iter().filter(|c| c.id % 4 != 0).count();
    println!(
        "between the two reads: {deleted} deleted and {moved} moved, {} returned, {wrong} wrong",
        got.len()
    );
    assert_eq!(
        (deleted, moved),
        (15, 15),
        "every touched card was written before its fetch"
    );
    assert_eq!(got, kept, "exactly the cards left in place, in order");
}
