//! Typed updates inside attributes: map values by key (`ADD reaction_counts.#heart :one`),
//! list elements by index, nested maps; set `ADD`/`DELETE` on fields serde stores as
//! DynamoDB sets; and fields with their own serde serializer written the same way by
//! conditions and updates. Attacked with adversarial map keys (delimiters, placeholder
//! look-alikes, dots, Unicode), concurrent counters, counters at their type's limits,
//! overlapping paths and empty keys (refused before sending).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::{Db, Error};
use rstest::rstest;
use serde::{Deserialize, Serialize};

use crate::harness::refused;
use crate::harness::{Backend, counting_client, scan_raw, unique_name};
use dynamorm::InvalidInputKind;

#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "posts")]
pub(crate) struct Posts;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Posts, pk = "POST#{id}", sk = "POST")]
pub(crate) struct Post {
    id: String,
    #[serde(default)]
    reaction_counts: HashMap<String, u64>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    scores: BTreeMap<String, BTreeMap<String, i8>>,
    /// Stored as a string set (`SS`), not a list.
    #[serde(with = "serde_dynamo::string_set", default)]
    labels: BTreeSet<String>,
    /// Stored as a number set (`NS`).
    #[serde(with = "serde_dynamo::number_set", default)]
    lucky: BTreeSet<i64>,
    /// A list, not a set: set actions are refused.
    #[serde(default)]
    plain: Vec<String>,
}

fn post(id: &str) -> Post {
    Post {
        id: id.into(),
        reaction_counts: HashMap::new(),
        tags: vec!["a".into(), "b".into(), "c".into()],
        scores: BTreeMap::from([("x".to_owned(), BTreeMap::new())]),
        labels: BTreeSet::from(["old".to_owned()]),
        lucky: BTreeSet::from([7]),
        plain: Vec::new(),
    }
}

/// Map keys that look like expression syntax or placeholders: each must land under exactly
/// that key, never change the expression.
const KEYS: [&str; 8] = [
    "heart",
    "a.b",
    "#n0",
    ":v0",
    "x]y[0",
    "with space",
    "🙂 ünï",
    "SET #n0 = :v0",
];

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn map_values_and_list_elements_update_in_place(#[case] backend: Backend) {
    let (client, _server, counter) = counting_client(backend);
    let db = Db::<Posts>::with_table_name(client, unique_name("nested"));
    db.create_table().await.expect("create");
    db.put(&post("p1")).send().await.expect("put");
    let a = Post::attrs();
    let key = || post("p1").key();

    // Concurrent counters under adversarial keys: none lost.
    const ROUNDS: u64 = 5;
    let mut tasks = Vec::new();
    for _ in 0..ROUNDS {
        for k in KEYS {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let a = Post::attrs();
                db.update(post("p1").key())
                    .add(a.reaction_counts.key(k), 1)
                    .send()
                    .await
            }));
        }
    }
    for t in tasks {
        t.await.expect("task").expect("add");
    }
    let stored = db.get(key()).send().await.expect("get").expect("exists");
    let want: HashMap<String, u64> = KEYS.iter().map(|k| ((*k).to_owned(), ROUNDS)).collect();
    assert_eq!(stored.reaction_counts, want);

    // List elements by index, a nested map, a removal, a typed condition on a path.
    let updated = db
        .update(key())
        .set(a.tags.at(0), "pinned")
        .remove(a.tags.at(2))
        .set(a.scores.key("x").key("y.z"), 5)
        .remove(a.reaction_counts.key("#n0"))
        .condition(a.reaction_counts.key("heart").eq(ROUNDS))
        .send()
        .await
        .expect("nested update");
    assert_eq!(updated.tags, ["pinned", "b"]);
    assert_eq!(updated.scores["x"]["y.z"], 5);
    assert!(!updated.reaction_counts.contains_key("#n0"));
    let failed = db
        .update(key())
        .set(a.tags.at(0), "again")
        .condition(a.reaction_counts.key("heart").gt(ROUNDS))
        .send()
        .await;
    assert!(
        matches!(failed, Err(Error::ConditionFailed { .. })),
        "{failed:?}"
    );

    // A counter inside a map stays in its type's range: `i8` at 127 cannot take +1, and
    // a `u64` cannot go below 0 — refused by a guard, the item still decodes.
    db.update(key())
        .set(a.scores.key("x").key("max"), i8::MAX)
        .send()
        .await
        .expect("set");
    let overflow = db
        .update(key())
        .add(a.scores.key("x").key("max"), 1)
        .send()
        .await;
    assert!(
        matches!(overflow, Err(Error::ConditionFailed { .. })),
        "{overflow:?}"
    );
    let below = db
        .update(key())
        .decrement(a.reaction_counts.key("heart"), ROUNDS + 1)
        .send()
        .await;
    assert!(
        matches!(below, Err(Error::ConditionFailed { .. })),
        "{below:?}"
    );
    let after = db
        .get(key())
        .send()
        .await
        .expect("decodes")
        .expect("exists");
    assert_eq!(after.scores["x"]["max"], i8::MAX);
    assert_eq!(after.reaction_counts["heart"], ROUNDS);

    // Refused before anything is sent: an empty map key, overlapping paths, a path under
    // 32 levels too deep is not expressible typed, so the empty key and overlaps it is.
    let sent = counter.get("UpdateItem");
    let empty = db
        .update(key())
        .add(a.reaction_counts.key(""), 1)
        .send()
        .await;
    assert_eq!(
        refused(&empty),
        Some(InvalidInputKind::InvalidPath),
        "{empty:?}"
    );
    let overlap = db
        .update(key())
        .set(a.reaction_counts, HashMap::new())
        .add(a.reaction_counts.key("heart"), 1)
        .send()
        .await;
    assert_eq!(
        refused(&overlap),
        Some(InvalidInputKind::OverlappingPaths),
        "{overlap:?}"
    );
    let twice = db
        .update(key())
        .set(a.tags.at(1), "x")
        .remove(a.tags.at(1))
        .send()
        .await;
    assert_eq!(
        refused(&twice),
        Some(InvalidInputKind::OverlappingPaths),
        "{twice:?}"
    );
    assert_eq!(
        counter.get("UpdateItem"),
        sent,
        "nothing sent for refused updates"
    );
    // Two different keys of one map do not overlap.
    db.update(key())
        .add(a.reaction_counts.key("heart"), 1)
        .add(a.reaction_counts.key("a.b"), 1)
        .send()
        .await
        .expect("siblings");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn sets_take_add_and_delete_and_serde_with_fields_keep_their_form(#[case] backend: Backend) {
    let (client, _server, counter) = counting_client(backend);
    let db = Db::<Posts>::with_table_name(client, unique_name("sets"));
    db.create_table().await.expect("create");
    db.put(&post("p1")).send().await.expect("put");
    let a = Post::attrs();
    let key = || post("p1").key();
    let updated = db
        .update(key())
        .add_to_set(
            a.labels,
            ["new".to_owned(), "old".to_owned(), "#x".to_owned()],
        )
        .add_to_set(a.lucky, [3, 7, -1])
        .send()
        .await
        .expect("add to sets");
    assert_eq!(
        updated.labels,
        BTreeSet::from(["#x".to_owned(), "new".to_owned(), "old".to_owned()])
    );
    assert_eq!(updated.lucky, BTreeSet::from([-1, 3, 7]));
    let updated = db
        .update(key())
        .delete_from_set(a.labels, ["old".to_owned(), "absent".to_owned()])
        .delete_from_set(a.lucky, [3])
        .send()
        .await
        .expect("delete from sets");
    assert_eq!(
        updated.labels,
        BTreeSet::from(["#x".to_owned(), "new".to_owned()])
    );
    assert_eq!(updated.lucky, BTreeSet::from([-1, 7]));
    // Deleting the last elements removes the attribute; the field's default reads it back.
    let emptied = db
        .update(key())
        .delete_from_set(a.lucky, [-1, 7])
        .send()
        .await
        .expect("empty");
    assert!(emptied.lucky.is_empty());

    // A `set` of a `string_set` field writes `SS` (not `L`), and a condition compares in
    // the same form — the stored item keeps decoding and matching.
    let labels = BTreeSet::from(["a".to_owned(), "b".to_owned()]);
    db.update(key())
        .set(a.labels, labels.clone())
        .send()
        .await
        .expect("set a set");
    let raw = scan_raw(&db).await;
    assert!(
        matches!(raw[0].get("labels"), Some(AttributeValue::Ss(_))),
        "{:?}",
        raw[0].get("labels")
    );
    db.update(key())
        .set(a.tags, vec!["t".to_owned()])
        .condition(a.labels.eq(labels))
        .send()
        .await
        .expect("a condition on a set field matches its stored form");

    // Set actions on a list field, and no elements at all: refused / no action, nothing
    // sent for the refusal.
    let sent = counter.get("UpdateItem");
    let list = db
        .update(key())
        .add_to_set(a.plain, ["x".to_owned()])
        .send()
        .await;
    assert_eq!(
        refused(&list),
        Some(InvalidInputKind::NotSupported),
        "{list:?}"
    );
    let nothing = db
        .update(key())
        .add_to_set(a.labels, Vec::<String>::new())
        .send()
        .await;
    assert_eq!(
        refused(&nothing),
        Some(InvalidInputKind::ActionCount),
        "{nothing:?}"
    );
    assert_eq!(counter.get("UpdateItem"), sent);
}

/// A versioned entity with an index, to attack raw updates against what the library
/// maintains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = crate::layouts::Forks, pk = "NOTE#{id}", sk = "NOTE")]
#[dynamo(index(GSI1, pk = "FOLDER#{folder}", sk = "NOTE#{id}"))]
pub(crate) struct Note {
    id: String,
    folder: String,
    points: u32,
    best: u32,
    history: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    draft: Option<String>,
    #[serde(default)]
    counts: BTreeMap<String, i64>,
    #[serde(with = "serde_dynamo::string_set", default)]
    labels: BTreeSet<String>,
    #[dynamo(version)]
    #[serde(default)]
    version: u64,
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn raw_updates_become_checked_actions(#[case] backend: Backend) {
    use dynamorm::RawUpdate;
    let (client, _server, counter) = counting_client(backend);
    let db = Db::<crate::layouts::Forks>::with_table_name(client, unique_name("raw-update"));
    db.create_table().await.expect("create");
    let note = Note {
        id: "n1".into(),
        folder: "inbox".into(),
        points: 3,
        best: 0,
        history: vec![1],
        draft: Some("d".into()),
        counts: BTreeMap::new(),
        labels: BTreeSet::from(["a".to_owned(), "b".to_owned()]),
        version: 0,
    };
    db.put(&note).send().await.expect("put");
    let a = Note::attrs();
    let raw = RawUpdate::new(
        "SET #best = #points + :bonus, #h = list_append(:new, #h), #f = :folder \
         REMOVE #draft ADD #c.#k :one",
    )
    .name("#best", "best")
    .name("#points", "points")
    .name("#h", "history")
    .name("#f", "folder")
    .name("#draft", "draft")
    .name("#c", "counts")
    .name("#k", "#n0 :v0")
    .value(":bonus", &5u32)
    .value(":new", &vec![0u32])
    .value(":folder", "archive")
    .value(":one", &1);
    let updated = db
        .update(note.key())
        .raw(raw)
        .delete_from_set(a.labels, ["a".to_owned()])
        .send()
        .await
        .expect("raw update");
    assert_eq!(updated.best, 8);
    assert_eq!(updated.history, [0, 1]);
    assert_eq!(updated.folder, "archive");
    assert_eq!(updated.draft, None);
    assert_eq!(updated.counts["#n0 :v0"], 1);
    assert_eq!(updated.labels, BTreeSet::from(["b".to_owned()]));
    assert_eq!(
        updated.version, 2,
        "the library still maintains the version"
    );
    // A raw `SET` of an index-key field re-renders the index key, as a typed one does.
    let moved = db
        .query(a.folder.is("archive"))
        .index(crate::layouts::Forks::GSI1)
        .all()
        .await
        .expect("query");
    assert_eq!(moved, std::slice::from_ref(&updated));

    // Refused before sending: library attributes, unknown attributes, wrong types,
    // removing a required field, overlap with a typed action, library placeholders.
    let sent = counter.get("UpdateItem");
    let refusals: Vec<(&str, RawUpdate<Note>)> = vec![
        (
            "the table key",
            RawUpdate::new("SET #pk = :x")
                .name("#pk", "PK")
                .value(":x", "NOTE#n2"),
        ),
        (
            "an index key",
            RawUpdate::new("SET #g = :x")
                .name("#g", "GSI1PK")
                .value(":x", "X"),
        ),
        (
            "the discriminator",
            RawUpdate::new("SET #t = :x")
                .name("#t", "_type")
                .value(":x", "Other"),
        ),
        (
            "an unknown attribute",
            RawUpdate::new("SET #u = :x")
                .name("#u", "nope")
                .value(":x", "v"),
        ),
        (
            "the version",
            RawUpdate::new("SET #v = :x")
                .name("#v", "version")
                .value(":x", &9),
        ),
        (
            "a wrong type",
            RawUpdate::new("SET #p = :x")
                .name("#p", "points")
                .value(":x", "many"),
        ),
        (
            "a negative u32",
            RawUpdate::new("SET #p = :x")
                .name("#p", "points")
                .value(":x", &-1),
        ),
        (
            "a required field removed",
            RawUpdate::new("REMOVE #p").name("#p", "points"),
        ),
        (
            "a library placeholder",
            RawUpdate::new("SET #p = :v0")
                .name("#p", "points")
                .value(":v0", &1),
        ),
        (
            "DELETE of a list",
            RawUpdate::new("DELETE #l :x")
                .name("#l", "labels")
                .value(":x", &vec!["a"]),
        ),
        (
            "ADD of text",
            RawUpdate::new("ADD #p :x")
                .name("#p", "points")
                .value(":x", "1"),
        ),
        (
            "an escape",
            RawUpdate::new("SET #p = :x REMOVE #p) OR (#p")
                .name("#p", "points")
                .value(":x", &1),
        ),
    ];
    for (what, raw) in refusals {
        let result = db.update(note.key()).raw(raw).send().await;
        assert!(
            matches!(result, Err(Error::InvalidInput(_) | Error::Decode(_))),
            "{what}: {result:?}"
        );
    }
    let overlap = db
        .update(note.key())
        .set(a.best, 1)
        .raw(
            RawUpdate::new("SET #b = :x")
                .name("#b", "best")
                .value(":x", &2),
        )
        .send()
        .await;
    assert_eq!(
        refused(&overlap),
        Some(InvalidInputKind::OverlappingPaths),
        "{overlap:?}"
    );
    assert_eq!(
        counter.get("UpdateItem"),
        sent,
        "nothing sent for refused raw updates"
    );
    let stored = db
        .get(note.key())
        .send()
        .await
        .expect("decodes")
        .expect("exists");
    assert_eq!(stored, updated);
}
