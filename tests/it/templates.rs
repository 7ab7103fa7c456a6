//! Template shapes from published single-table designs: a leading delimiter that sorts a
//! parent first (`#REPO#{name}`), fixed text and one field in a segment (`USER_{id}`,
//! `{target}REACTION`) — still injective (every key parses back to exactly its values,
//! adversarial values included) and exact in queries.

use dynamorm::{Db, EntityKey};
use rstest::rstest;
use serde::{Deserialize, Serialize};

use crate::harness::refused;
use crate::harness::{Backend, client, unique_name};
use dynamorm::InvalidInputKind;

#[derive(Debug, dynamorm::Table)]
#[dynamo(name = "repos", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
pub(crate) struct Repos;

/// The repository item sorts before its issues: `#REPO#…` < `ISSUE#…`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Repos, pk = "REPO#{owner}#{name}", sk = "#REPO#{name}")]
pub(crate) struct Repo {
    owner: String,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Repos, pk = "REPO#{owner}#{repo}", sk = "ISSUE#{number}")]
pub(crate) struct Issue {
    owner: String,
    repo: String,
    number: u32,
}

/// A reaction keyed `USER_{user}` / `{target}REACTION`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Repos, pk = "USER_{user}", sk = "{target}REACTION")]
pub(crate) struct Reaction {
    user: String,
    target: String,
    kind: String,
}

/// An account's repositories, listed by last update through `GSI1`: the index key reads
/// the lifecycle field the library sets on every write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Repos, pk = "LISTED#{owner}#{name}", sk = "LISTED")]
#[dynamo(index(GSI1, pk = "ACCOUNT#{owner}", sk = "#{updated_at}"))]
pub(crate) struct Listed {
    owner: String,
    name: String,
    stars: u32,
    #[dynamo(updated_at)]
    #[serde(default)]
    updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Deals by the day they were posted (a computed key part: the day of a timestamp).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Repos, pk = "DEAL#{id}", sk = "DEAL")]
#[dynamo(index(GSI1, pk = "DEALS#{posted:day}", sk = "DEAL#{posted}#{id}"))]
pub(crate) struct Deal {
    id: String,
    posted: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, dynamorm::Registry)]
#[dynamo(table = Repos)]
pub(crate) enum RepoItem {
    Repo(Repo),
    Issue(Issue),
    Reaction(Reaction),
    Listed(Listed),
    Deal(Deal),
    Message(Message),
    Ticket(Ticket),
}

/// Open tickets by queue: the index key reads a settable field and membership a flag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Repos, pk = "TICKET#{id}", sk = "TICKET")]
#[dynamo(index(GSI1, pk = "QUEUE#{queue}", sk = "TICKET#{id}", when = open))]
pub(crate) struct Ticket {
    id: u32,
    queue: String,
    open: bool,
}

const ADVERSARIAL: [&str; 9] = [
    "",
    "#",
    "%",
    "$",
    "xREACTION",
    "REACTION",
    "USER_",
    "é#%",
    "a b",
];

#[test]
fn affixed_keys_render_and_parse_back_exactly() {
    // The report says where fixed text after a field breaks the sort order by it.
    let warnings = dynamorm::Report::new::<RepoItem>().warnings();
    assert_eq!(
        warnings
            .iter()
            .filter(|w| w.contains("fixed text after `target`"))
            .count(),
        1,
        "{warnings:?}"
    );
    for user in ADVERSARIAL {
        for target in ADVERSARIAL {
            let reaction = Reaction {
                user: user.into(),
                target: target.into(),
                kind: "+1".into(),
            };
            let key = reaction.key();
            let rendered = key.render().expect("renders");
            assert!(rendered.partition_key.starts_with("USER_"), "{rendered:?}");
            assert!(
                rendered
                    .sort_key
                    .as_deref()
                    .is_some_and(|s| s.ends_with("REACTION"))
            );
            let parsed = ReactionKey::parse(&rendered.partition_key, rendered.sort_key.as_deref())
                .expect("parses back");
            assert_eq!(parsed, key, "{user:?} / {target:?}");
        }
    }
    // A key without the fixed text is not one of these keys.
    assert!(ReactionKey::parse("USR_a", Some("xREACTION")).is_err());
    assert!(ReactionKey::parse("USER_a", Some("xREACT")).is_err());
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn leading_delimiters_and_affixed_segments_work_on_the_server(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Repos>::with_table_name(client, unique_name("templates"));
    db.create_table().await.expect("create");
    let repo = Repo {
        owner: "ann".into(),
        name: "dynamorm".into(),
    };
    db.put(&repo).send().await.expect("put");
    for number in [1, 2] {
        let issue = Issue {
            owner: "ann".into(),
            repo: "dynamorm".into(),
            number,
        };
        db.put(&issue).send().await.expect("put");
    }
    // The parent first, then its issues, from one query of the partition.
    let a = Repo::attrs();
    let items: Vec<RepoItem> = db
        .query((a.owner.is("ann"), a.name.is("dynamorm")))
        .registry::<RepoItem>()
        .all()
        .await
        .expect("query");
    assert!(
        matches!(items.first(), Some(RepoItem::Repo(r)) if *r == repo),
        "{items:?}"
    );
    assert_eq!(items.len(), 3);

    for target in ADVERSARIAL {
        let reaction = Reaction {
            user: "bob".into(),
            target: target.into(),
            kind: "+1".into(),
        };
        db.put(&reaction).send().await.expect("put");
        let back = db.get(reaction.key()).send().await.expect("get");
        assert_eq!(back, Some(reaction));
    }
    let r = Reaction::attrs();
    let one: Vec<Reaction> = db
        .query(r.user.is("bob"))
        .sort_eq(r.target.is("xREACTION"))
        .all()
        .await
        .expect("exact");
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].target, "xREACTION");
    let all = db.query(r.user.is("bob")).all().await.expect("all");
    assert_eq!(all.len(), ADVERSARIAL.len());
    // Keys do not sort by a part with fixed text after it: ranges over it are refused.
    let range = db
        .query(r.user.is("bob"))
        .sort_lt(r.target.is("b"))
        .all()
        .await;
    assert_eq!(
        refused(&range),
        Some(InvalidInputKind::QueryShape),
        "{range:?}"
    );
}

/// The index key and the `updated_at` attribute hold the same time after every kind of
/// write; the list is ordered by last update; a migration finds nothing to rewrite.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn an_index_template_reading_updated_at_follows_every_write(#[case] backend: Backend) {
    use dynamorm::KeyPart;
    let (client, _server) = client(backend);
    let db = Db::<Repos>::with_table_name(client, unique_name("updated-at-index"));
    db.create_table().await.expect("create");
    let repo = |name: &str| Listed {
        owner: "ann".into(),
        name: name.into(),
        stars: 0,
        updated_at: None,
    };
    // Consistent: GSI1SK is `#` and the stored `updated_at`, in the key encoding.
    let consistent = |item: &dynamorm::Item| {
        let stored: chrono::DateTime<chrono::Utc> = item["updated_at"]
            .as_s()
            .expect("a timestamp")
            .parse()
            .expect("RFC 3339");
        let mut expected = String::from("#");
        stored.write_key(&mut expected).expect("encodes");
        item["GSI1SK"].as_s().expect("a key") == &expected
    };
    db.put(&repo("a")).send().await.expect("put");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    db.batch_write()
        .put(&repo("b"))
        .send()
        .await
        .expect("batch")
        .into_result()
        .expect("written");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    db.transact_write()
        .action(db.put(&repo("c")))
        .send()
        .await
        .expect("transaction");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    // Updating `a` moves it to the front of the list.
    db.update(repo("a").key())
        .add(Listed::attrs().stars, 1)
        .send()
        .await
        .expect("update");

    let raw = crate::harness::scan_raw(&db).await;
    assert_eq!(raw.len(), 3);
    for item in &raw {
        assert!(consistent(item), "index key and attribute differ: {item:?}");
    }
    let newest_first: Vec<String> = db
        .query(Listed::attrs().owner.is("ann"))
        .index(Repos::GSI1)
        .descending()
        .all()
        .await
        .expect("query")
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(newest_first, ["a", "c", "b"]);

    let report = db.migrate::<RepoItem>().run().await.expect("migration");
    assert!(report.complete && report.failures.is_empty(), "{report:?}");
    assert_eq!(
        (report.progress.updated, report.progress.moved),
        (0, 0),
        "nothing is stale"
    );
}

/// A template can cut a timestamp to its day: items land in day partitions, a query names
/// the day with `day(..)`, a whole timestamp there is refused, and an update that moves the
/// time moves the item to its new day.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn day_buckets_partition_by_day_on_every_path(#[case] backend: Backend) {
    use chrono::{TimeZone, Utc};
    let (client, _server) = client(backend);
    let db = Db::<Repos>::with_table_name(client, unique_name("day-buckets"));
    db.create_table().await.expect("create");
    let at = |d: u32, h: u32, m: u32, s: u32| {
        Utc.with_ymd_and_hms(2020, 1, d, h, m, s)
            .single()
            .expect("a time")
    };
    let deals = [
        ("late-3rd", at(3, 23, 59, 59)),
        ("early-4th", at(4, 0, 0, 0)),
        ("noon-4th", at(4, 12, 0, 0)),
        ("late-4th", at(4, 23, 59, 59)),
        ("5th", at(5, 0, 0, 1)),
    ];
    for (id, posted) in deals {
        db.put(&Deal {
            id: id.into(),
            posted,
        })
        .send()
        .await
        .expect("put");
    }
    let raw = crate::harness::scan_raw(&db).await;
    assert!(
        raw.iter()
            .any(|i| i["GSI1PK"].as_s().is_ok_and(|k| k == "DEALS#2020-01-04")),
        "{raw:?}"
    );

    let a = Deal::attrs();
    let on = |day: chrono::DateTime<Utc>| {
        let db = &db;
        async move {
            db.query(a.posted.day(day))
                .index(Repos::GSI1)
                .all()
                .await
                .expect("query")
                .into_iter()
                .map(|d| d.id)
                .collect::<Vec<_>>()
        }
    };
    // Any time of the day names the day; the sort key keeps time order within it.
    assert_eq!(
        on(at(4, 18, 30, 0)).await,
        ["early-4th", "noon-4th", "late-4th"]
    );
    // Walking back a day.
    assert_eq!(
        on(at(4, 18, 30, 0) - chrono::Duration::days(1)).await,
        ["late-3rd"]
    );
    // A whole timestamp where the template wants a day would match nothing: refused.
    let whole = db
        .query(a.posted.is(at(4, 0, 0, 0)))
        .index(Repos::GSI1)
        .all()
        .await;
    assert_eq!(
        refused(&whole),
        Some(InvalidInputKind::QueryShape),
        "{whole:?}"
    );
    let month = db
        .query(a.posted.month(at(4, 0, 0, 0)))
        .index(Repos::GSI1)
        .all()
        .await;
    assert_eq!(
        refused(&month),
        Some(InvalidInputKind::QueryShape),
        "{month:?}"
    );

    // Moving the time moves the item to its day.
    db.update(DealKey { id: "5th".into() })
        .set(a.posted, at(4, 6, 0, 0))
        .send()
        .await
        .expect("update");
    assert_eq!(
        on(at(4, 0, 0, 0)).await,
        ["early-4th", "5th", "noon-4th", "late-4th"]
    );
    assert!(on(at(5, 0, 0, 0)).await.is_empty());
}

/// A message is in the "unread" index only while `unread` is true (no stored field that
/// exists only to feed a key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Repos, pk = "INBOX#{user}", sk = "MSG#{id}")]
#[dynamo(index(GSI1, pk = "UNREAD#{user}", sk = "MSG#{id}", when = unread))]
pub(crate) struct Message {
    user: String,
    id: u32,
    text: String,
    unread: bool,
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn when_membership_follows_the_flag_on_every_path(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Repos>::with_table_name(client, unique_name("when-unread"));
    db.create_table().await.expect("create");
    let message = |id: u32, unread: bool| Message {
        user: "ann".into(),
        id,
        text: "hi".into(),
        unread,
    };
    db.put(&message(1, true)).send().await.expect("put");
    db.put(&message(2, false)).send().await.expect("put");
    db.batch_write()
        .put(&message(3, true))
        .send()
        .await
        .expect("batch")
        .into_result()
        .expect("all");
    db.transact_write()
        .action(db.put(&message(4, false)))
        .send()
        .await
        .expect("transaction");
    let m = Message::attrs();
    let unread = || async {
        db.query(m.user.is("ann"))
            .index(Repos::GSI1)
            .all()
            .await
            .expect("query")
            .into_iter()
            .map(|m| m.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(unread().await, [1, 3]);
    // Reading a message takes it out; marking it unread again puts it back.
    db.update(message(1, true).key())
        .set(m.unread, false)
        .send()
        .await
        .expect("read");
    db.update(message(2, false).key())
        .set(m.unread, true)
        .send()
        .await
        .expect("unread");
    assert_eq!(unread().await, [2, 3]);
    // Items not in the index carry no index keys at all.
    let raw = crate::harness::scan_raw(&db).await;
    let keyed = raw.iter().filter(|i| i.contains_key("GSI1PK")).count();
    assert_eq!(keyed, 2);
    // An update that moves the index key without saying whether the item is a member
    // would guess: refused. (Here no template field is settable, so try the text: allowed.)
    db.update(message(3, true).key())
        .set(m.text, "edited")
        .send()
        .await
        .expect("other fields");
    assert_eq!(unread().await, [2, 3]);
    let report = dynamorm::Report::new::<RepoItem>().render();
    assert!(report.contains("when `unread`"), "{report}");
    let migration = db.migrate::<RepoItem>().run().await.expect("migration");
    assert_eq!(
        (migration.progress.updated, migration.progress.moved),
        (0, 0)
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn an_update_that_moves_a_when_index_key_must_say_whether_the_item_is_a_member(
    #[case] backend: Backend,
) {
    let (client, _server) = client(backend);
    let db = Db::<Repos>::with_table_name(client, unique_name("when-update"));
    db.create_table().await.expect("create");
    let closed = Ticket {
        id: 1,
        queue: "a".into(),
        open: false,
    };
    db.put(&closed).send().await.expect("put");
    let t = Ticket::attrs();
    let in_queue = |queue: &'static str| {
        let db = &db;
        async move {
            db.query(t.queue.is(queue))
                .index(Repos::GSI1)
                .all()
                .await
                .expect("query")
                .len()
        }
    };
    // Moving a closed ticket without naming `open` would put it in the index: refused.
    let guess = db.update(closed.key()).set(t.queue, "b").send().await;
    assert_eq!(
        refused(&guess),
        Some(InvalidInputKind::IncompleteIndexKey),
        "{guess:?}"
    );
    assert_eq!(in_queue("b").await, 0);
    db.update(closed.key())
        .set(t.queue, "b")
        .set(t.open, false)
        .send()
        .await
        .expect("closed move");
    assert_eq!(in_queue("b").await, 0);
    db.update(closed.key())
        .set(t.queue, "c")
        .set(t.open, true)
        .send()
        .await
        .expect("reopen");
    assert_eq!(in_queue("c").await, 1);
    // Opening without the queue in the update: the key needs it, so it is refused too.
    db.update(closed.key())
        .set(t.open, false)
        .send()
        .await
        .expect("close");
    let reopen = db.update(closed.key()).set(t.open, true).send().await;
    assert_eq!(
        refused(&reopen),
        Some(InvalidInputKind::IncompleteIndexKey),
        "{reopen:?}"
    );
}
