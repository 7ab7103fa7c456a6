//! Creating a table with multi-attribute indexes, and adding one to a populated table.

use aws_sdk_dynamodb::types::{KeyType, ScalarAttributeType};
use dynamorm::Db;
use rstest::rstest;

use super::{Games, Match, a_match, games};
use crate::harness::Backend;
use crate::harness::refused;
use dynamorm::InvalidInputKind;

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn creates_the_declared_key_schemas_and_types(#[case] backend: Backend) {
    let (db, _server) = games(backend, "multi-create").await;
    // Idempotent: the described table matches the declaration, multi-attribute keys too.
    db.ensure_table().await.expect("ensure accepts the table");
    let table = db
        .client()
        .describe_table()
        .table_name(db.table_name())
        .send()
        .await
        .expect("describe")
        .table
        .expect("table");
    let index = |name: &str| {
        table
            .global_secondary_indexes()
            .iter()
            .find(|i| i.index_name() == Some(name))
            .unwrap_or_else(|| panic!("index {name}"))
            .key_schema()
            .iter()
            .map(|k| (k.attribute_name().to_owned(), k.key_type().clone()))
            .collect::<Vec<_>>()
    };
    let keys = |list: &[(&str, KeyType)]| {
        list.iter()
            .map(|(n, k)| ((*n).to_owned(), k.clone()))
            .collect::<Vec<_>>()
    };
    use KeyType::{Hash, Range};
    assert_eq!(
        index("ByRound"),
        keys(&[
            ("tournament", Hash),
            ("region", Hash),
            ("round", Range),
            ("bracket", Range)
        ])
    );
    assert_eq!(
        index("Deep"),
        keys(&[
            ("a", Hash),
            ("w", Range),
            ("x", Range),
            ("y", Range),
            ("z", Range)
        ])
    );
    assert_eq!(
        index("Four"),
        keys(&[("a", Hash), ("b", Hash), ("c", Hash), ("d", Hash)])
    );
    let types: Vec<(String, ScalarAttributeType)> = table
        .attribute_definitions()
        .iter()
        .map(|d| (d.attribute_name().to_owned(), d.attribute_type().clone()))
        .collect();
    for (name, expected) in [
        ("tournament", ScalarAttributeType::S),
        ("round", ScalarAttributeType::N),
        ("b", ScalarAttributeType::N),
        ("y", ScalarAttributeType::N),
        ("GSI1PK", ScalarAttributeType::S),
    ] {
        assert!(
            types.contains(&(name.to_owned(), expected.clone())),
            "{name} should be {expected:?}: {types:?}"
        );
    }
    // One definition per attribute although `a`, `b`, `c`, `w` key several indexes.
    let mut names: Vec<&String> = types.iter().map(|(n, _)| n).collect();
    let count = names.len();
    names.dedup();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), count);
}

/// The same table before `ByRound` existed (DynamoDB Local adds one index at a time, so
/// the others exist already).
#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "games")]
#[dynamo(index(Deep, pk = [a: S], sk = [w: N, x: S, y: N, z: S]))]
#[dynamo(index(Three, pk = [a: S, b: N, c: S], sk = [w: N]))]
#[dynamo(index(Four, pk = [a: S, b: N, c: S, d: S]))]
#[dynamo(index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
pub(crate) struct GamesBefore;

/// `Match` as it was declared then: the same fields, no multi-attribute index.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = GamesBefore, pk = "MATCH#{id}", sk = "MATCH", name = "Match")]
#[dynamo(index(GSI1, pk = "T#{tournament}", sk = "MATCH#{id}"))]
pub(crate) struct MatchBefore {
    pub(crate) id: String,
    pub(crate) tournament: String,
    pub(crate) region: String,
    pub(crate) round: i64,
    #[serde(default)]
    pub(crate) bracket: Option<String>,
    pub(crate) score: u32,
}

/// An index over attributes the items already have needs no backfill: `ensure_table` adds
/// it and the existing items are in it. DynamoDB Local 3.3.0 leaves an index added to an
/// existing table `CREATING` (REFERENCE.md), so there the test pins that instead.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn an_index_added_to_a_populated_table_serves_existing_items(#[case] backend: Backend) {
    let (client, _server) = crate::harness::client(backend);
    let name = crate::harness::unique_name("multi-added");
    let before = Db::<GamesBefore>::with_table_name(client.clone(), name.clone());
    before.create_table().await.expect("create");
    for round in [10, 9, 2] {
        let m = a_match(&format!("m{round}"), "eu", round, Some("upper"));
        let m = MatchBefore {
            id: m.id,
            tournament: m.tournament,
            region: m.region,
            round: m.round,
            bracket: m.bracket,
            score: m.score,
        };
        before.put(&m).send().await.expect("put");
    }

    let after = Db::<Games>::with_table_name(client, name);
    match backend {
        Backend::Embedded => {
            after.ensure_table().await.expect("adds the new indexes");
            let rounds: Vec<i64> = after
                .query_index(Match::ByRound.partition("spring", "eu"))
                .all()
                .await
                .expect("query")
                .iter()
                .map(|m| m.round)
                .collect();
            // No migration ran: the items were indexed by their own attributes.
            assert_eq!(rounds, vec![2, 9, 10]);
        }
        Backend::DdbLocal => {
            after
                .ensure_table_with(
                    &dynamorm::deploy::Deployment::default().wait_for_new_indexes(false),
                )
                .await
                .expect("UpdateTable is accepted");
            let status = index_status(&after, "ByRound").await;
            assert_eq!(
                status,
                Some(aws_sdk_dynamodb::types::IndexStatus::Creating),
                "DynamoDB Local activated the added index: update REFERENCE.md and this test"
            );
        }
    }
}

/// A design serving one pattern from both kinds of index …
#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "moving", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
#[dynamo(index(ByRound, pk = [tournament: S, region: S], sk = [round: N]))]
pub(crate) struct Both;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Both, name = "Game", pk = "G#{id}", sk = "G")]
#[dynamo(index(GSI1, pk = "T#{tournament}#R#{region}", sk = "ROUND#{round}"))]
#[dynamo(index(ByRound, pk = [tournament, region], sk = [round]))]
pub(crate) struct GameBoth {
    id: u32,
    tournament: String,
    region: String,
    round: i64,
}

/// … and after the template index was retired.
#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "moving", index(ByRound, pk = [tournament: S, region: S], sk = [round: N]))]
pub(crate) struct Moved;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Moved, name = "Game", pk = "G#{id}", sk = "G")]
#[dynamo(index(ByRound, pk = [tournament, region], sk = [round]))]
pub(crate) struct Game {
    id: u32,
    tournament: String,
    region: String,
    round: i64,
}

#[derive(Debug, Clone, PartialEq, dynamorm::Registry)]
#[dynamo(table = Moved)]
pub(crate) enum MovedItem {
    Game(Game),
}

#[derive(Debug, Clone, PartialEq, dynamorm::Registry)]
#[dynamo(table = Both)]
pub(crate) enum BothItem {
    Game(GameBoth),
}

/// The last step of a move: a migration removes the template index's key attributes from
/// every item (which leaves that index empty), then the index is deleted; the
/// multi-attribute index keeps serving every item.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn retiring_a_template_index_removes_its_attributes(#[case] backend: Backend) {
    let (client, _server) = crate::harness::client(backend);
    let name = crate::harness::unique_name("multi-retire");
    let both = Db::<Both>::with_table_name(client.clone(), name.clone());
    both.create_table().await.expect("create");
    let games: Vec<GameBoth> = (0..40)
        .map(|id| GameBoth {
            id,
            tournament: "spring".into(),
            region: if id % 2 == 0 { "eu" } else { "us" }.into(),
            round: i64::from(id % 7) - 3,
        })
        .collect();
    both.batch_write()
        .put_all(&games)
        .send()
        .await
        .expect("seed")
        .into_result()
        .expect("all");

    let moved = Db::<Moved>::with_table_name(client, name);
    // Refused: an index the declaration still has; attributes the design still uses.
    let declared = both.delete_index(Both::GSI1).await;
    assert_eq!(
        refused(&declared),
        Some(InvalidInputKind::Configuration),
        "{declared:?}"
    );
    let in_use = both
        .migrate::<BothItem>()
        .retire_index(Both::GSI1)
        .run()
        .await;
    assert_eq!(
        refused(&in_use),
        Some(InvalidInputKind::Configuration),
        "{in_use:?}"
    );

    let report = moved
        .migrate::<MovedItem>()
        .retire_index(Both::GSI1)
        .run()
        .await
        .expect("migration");
    assert!(report.complete && report.failures.is_empty(), "{report:?}");
    assert_eq!(report.progress.updated, 40);

    let raw = crate::harness::scan_raw(&moved).await;
    assert_eq!(raw.len(), 40);
    let stale = raw
        .iter()
        .filter(|i| i.contains_key("GSI1PK") || i.contains_key("GSI1SK"))
        .count();
    assert_eq!(stale, 0, "items still carrying the retired attributes");
    let eu: Vec<i64> = moved
        .query_index(Game::ByRound.partition("spring", "eu"))
        .all()
        .await
        .expect("query")
        .iter()
        .map(|g| g.round)
        .collect();
    let mut want: Vec<i64> = games
        .iter()
        .filter(|g| g.region == "eu")
        .map(|g| g.round)
        .collect();
    want.sort_unstable();
    assert_eq!(eu, want);
    // A second run finds nothing left to do.
    let again = moved
        .migrate::<MovedItem>()
        .retire_index(Both::GSI1)
        .run()
        .await
        .expect("again");
    assert_eq!(again.progress.updated, 0);
    // Then the index goes. (In this order nothing is written after the deletion:
    // DynamoDB Local 3.3.0 keeps a deleted index `DELETING` and then fails every write to
    // the table with InternalFailure.)
    moved.delete_index(Both::GSI1).await.expect("index deleted");
    let status = index_status(&moved, "GSI1").await;
    // Gone, or going (DynamoDB Local 3.3.0 keeps it `DELETING` for good).
    assert!(
        matches!(
            status,
            None | Some(aws_sdk_dynamodb::types::IndexStatus::Deleting)
        ),
        "{status:?}"
    );
}

/// The status DescribeTable reports for index `name`, if the table lists it.
async fn index_status<T: dynamorm::Table>(
    db: &Db<T>,
    name: &str,
) -> Option<aws_sdk_dynamodb::types::IndexStatus> {
    db.client()
        .describe_table()
        .table_name(db.table_name())
        .send()
        .await
        .expect("describe")
        .table
        .expect("table")
        .global_secondary_indexes()
        .iter()
        .find(|i| i.index_name() == Some(name))
        .and_then(|i| i.index_status().cloned())
}

#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "typed", index(ByR, pk = [g: S], sk = [r: S]))]
pub(crate) struct RAsString;

#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "typed", index(ByR, pk = [g: S], sk = [r: N]))]
pub(crate) struct RAsNumber;

/// A live index whose key attribute has another type than the declaration is a mismatch,
/// not a table every write to would fail on.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn ensure_table_refuses_an_index_whose_attribute_types_differ(#[case] backend: Backend) {
    let (client, _server) = crate::harness::client(backend);
    let name = crate::harness::unique_name("multi-types");
    Db::<RAsString>::with_table_name(client.clone(), name.clone())
        .create_table()
        .await
        .expect("create");
    let result = Db::<RAsNumber>::with_table_name(client.clone(), name.clone())
        .ensure_table()
        .await;
    assert!(
        matches!(
            &result,
            Err(dynamorm::Error::TableMismatch {
                index: Some("ByR"),
                attribute: Some("r"),
                ..
            })
        ),
        "{result:?}"
    );
    Db::<RAsString>::with_table_name(client, name)
        .ensure_table()
        .await
        .expect("the declaration it was made from matches");
}

/// A match as a design without the index stored it: `None` as `NULL`, key `OLD#…`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = GamesBefore, name = "Bout", pk = "OLD#{id}", sk = "BOUT")]
pub(crate) struct BoutBefore {
    id: u32,
    tournament: String,
    region: String,
    round: i64,
    bracket: Option<String>,
}

/// The new design: in `ByRound`, and keyed `NEW#…`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Games, name = "Bout", pk = "NEW#{id}", sk = "BOUT")]
#[dynamo(index(ByRound, pk = [tournament, region], sk = [round, bracket]))]
pub(crate) struct Bout {
    id: u32,
    tournament: String,
    region: String,
    round: i64,
    bracket: Option<String>,
}

#[derive(Debug, Clone, PartialEq, dynamorm::Registry)]
#[dynamo(table = Games)]
pub(crate) enum BoutItem {
    Bout(Bout),
}

/// Items stored before the index existed hold `NULL` for `None`, which the index refuses; a
/// migration drops it (here in a moved copy: the primary key changed too). Embedded engine
/// only: DynamoDB Local cannot add an index to a populated table (pinned above).
#[tokio::test]
async fn a_migration_drops_nulls_an_earlier_design_stored_in_index_attributes() {
    let (client, _server) = crate::harness::client(Backend::Embedded);
    let name = crate::harness::unique_name("multi-nulls");
    let before = Db::<GamesBefore>::with_table_name(client.clone(), name.clone());
    before.create_table().await.expect("create");
    for id in 0..6 {
        let bout = BoutBefore {
            id,
            tournament: "spring".into(),
            region: "eu".into(),
            round: i64::from(id),
            bracket: (id % 2 == 0).then(|| "upper".to_owned()),
        };
        before.put(&bout).send().await.expect("put");
    }
    let nulls = |items: &[dynamorm::Item]| {
        items
            .iter()
            .filter(|i| {
                matches!(
                    i.get("bracket"),
                    Some(aws_sdk_dynamodb::types::AttributeValue::Null(_))
                )
            })
            .count()
    };
    assert_eq!(
        nulls(&crate::harness::scan_raw(&before).await),
        3,
        "the old design wrote NULLs"
    );

    let after = Db::<Games>::with_table_name(client, name);
    after.ensure_table().await.expect("adds the indexes");
    let report = after.migrate::<BoutItem>().run().await.expect("migration");
    assert!(report.complete && report.failures.is_empty(), "{report:?}");
    assert_eq!(report.progress.moved, 6);
    let raw = crate::harness::scan_raw(&after).await;
    assert_eq!(nulls(&raw), 0);
    assert_eq!(raw.len(), 6);
    let indexed: Vec<u32> = after
        .query_index(Bout::ByRound.partition("spring", "eu"))
        .all()
        .await
        .expect("query")
        .iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(indexed, vec![0, 2, 4]);
}

/// Retiring an index is a migration like any other: stopped half-way it resumes from its
/// checkpoint — nothing twice, nothing skipped — while the application, already on the new
/// design, keeps moving items in the multi-attribute index; no acknowledged write is lost
/// and no item keeps a retired attribute.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retiring_an_index_stopped_half_way_resumes_while_the_app_writes(#[case] backend: Backend) {
    use dynamorm::migrate::MemoryCheckpoint;
    const ITEMS: u32 = 300;
    let (client, _server) = crate::harness::client(backend);
    let name = crate::harness::unique_name("multi-retire-resume");
    let both = Db::<Both>::with_table_name(client.clone(), name.clone());
    both.create_table().await.expect("create");
    let games: Vec<GameBoth> = (0..ITEMS)
        .map(|id| GameBoth {
            id,
            tournament: "spring".into(),
            region: "eu".into(),
            round: 0,
        })
        .collect();
    both.batch_write()
        .put_all(&games)
        .send()
        .await
        .expect("seed")
        .into_result()
        .expect("all");
    let moved = Db::<Moved>::with_table_name(client, name);

    // The application: moves every item to a new round, twice, acknowledging each write.
    let app = {
        let moved = moved.clone();
        tokio::spawn(async move {
            let mut acknowledged = std::collections::HashMap::new();
            for pass in 1..=2i64 {
                for id in (0..ITEMS).rev() {
                    let round = pass * 1_000 + i64::from(id);
                    moved
                        .update(GameKey { id })
                        .set(Game::attrs().round, round)
                        .send()
                        .await
                        .expect("app write");
                    acknowledged.insert(id, round);
                }
            }
            acknowledged
        })
    };
    let checkpoint = MemoryCheckpoint::default();
    let (on_progress, stop) = crate::harness::stop_after_scanned(100);
    let first = moved
        .migrate::<MovedItem>()
        .retire_index(Both::GSI1)
        .page_size(25)
        .checkpoint(checkpoint.clone())
        .on_progress(on_progress)
        .stop_on(stop)
        .run()
        .await
        .expect("first part");
    assert!(!first.complete, "stopped part-way: {:?}", first.progress);
    let second = moved
        .migrate::<MovedItem>()
        .retire_index(Both::GSI1)
        .page_size(25)
        .checkpoint(checkpoint)
        .run()
        .await
        .expect("resumed");
    assert!(second.complete && second.failures.is_empty(), "{second:?}");
    let acknowledged = app.await.expect("app");
    assert_eq!(
        first.progress.updated + second.progress.updated,
        u64::from(ITEMS),
        "every item retired once: nothing twice, nothing skipped"
    );
    let raw = crate::harness::scan_raw(&moved).await;
    let still_keyed = raw
        .iter()
        .filter(|i| i.contains_key("GSI1PK") || i.contains_key("GSI1SK"))
        .count();
    let stored: Vec<Game> = moved.scan::<Game>().all().await.expect("scan");
    let lost = stored
        .iter()
        .filter(|g| acknowledged.get(&g.id) != Some(&g.round))
        .count();
    assert_eq!(
        (raw.len(), still_keyed, lost),
        (ITEMS as usize, 0, 0),
        "(items, still keyed by the retired index, lost app writes)"
    );
}
