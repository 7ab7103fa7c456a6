//! Per-item index layouts: one index, several templates, the one an item uses chosen by its
//! state (`when = matches!(kind, Kind::Fork)`, `when = !archived`, a guard on a number).
//! Every write path renders the chosen layout; updates move an item between layouts or are
//! refused; queries pick the layout from the fields they give; and racing writers of every
//! kind, through a fault-injecting proxy, never leave a stored index key that differs from
//! what the stored item's own fields choose and render.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::{Db, RetryPolicy};
use dynamorm_local::FaultConfig;
use rstest::rstest;
use serde::{Deserialize, Serialize};

use crate::harness::refused;
use crate::harness::{Backend, client, faulty_table_of, scan_raw, unique_name};
use dynamorm::InvalidInputKind;

#[derive(Debug, dynamorm::Table)]
#[dynamo(
    name = "forks",
    index(GSI1, pk = "GSI1PK", sk = "GSI1SK"),
    index(GSI2, pk = "GSI2PK", sk = "GSI2SK")
)]
pub(crate) struct Forks;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) enum Kind {
    Original,
    Fork,
}

/// The DynamoDB Book's GitHub design (ch. 21): a fork is filed under its source repository
/// (`REPO#{source}` / `FORK#{owner}`), an original under itself (`#REPO#{name}` sorts it
/// first); an account's live repositories by last update. No field exists only for a key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Forks, pk = "REPO#{owner}#{name}", sk = "REPO#{owner}#{name}")]
#[dynamo(index(
    GSI1,
    pk = "REPO#{source_owner}#{source_name}",
    sk = "FORK#{owner}",
    when = matches!(kind, Kind::Fork)
))]
#[dynamo(index(GSI1, pk = "REPO#{owner}#{name}", sk = "#REPO#{name}"))]
#[dynamo(index(GSI2, pk = "ACCOUNT#{owner}", sk = "#{updated_at}", when = !archived))]
pub(crate) struct Repo {
    owner: String,
    name: String,
    kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_name: Option<String>,
    archived: bool,
    stars: u32,
    #[serde(default)]
    views: u32,
    #[dynamo(updated_at)]
    #[serde(default)]
    updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Hot tickets: in the index only while `priority >= 3` (a predicate on a number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Forks, pk = "TICKET#{id}", sk = "TICKET")]
#[dynamo(index(GSI1, pk = "HOT#{queue}", sk = "TICKET#{id}", when = matches!(priority, p if *p >= 3)))]
pub(crate) struct Ticket {
    id: u32,
    queue: String,
    priority: i64,
}

#[derive(Debug, Clone, PartialEq, dynamorm::Registry)]
#[dynamo(table = Forks)]
pub(crate) enum ForkItem {
    Repo(Repo),
    Ticket(Ticket),
}

fn original(owner: &str, name: &str) -> Repo {
    Repo {
        owner: owner.into(),
        name: name.into(),
        kind: Kind::Original,
        source_owner: None,
        source_name: None,
        archived: false,
        stars: 0,
        views: 0,
        updated_at: None,
    }
}

fn fork(owner: &str, of: (&str, &str)) -> Repo {
    Repo {
        kind: Kind::Fork,
        source_owner: Some(of.0.into()),
        source_name: Some(of.1.into()),
        ..original(owner, of.1)
    }
}

fn s(item: &dynamorm::Item, attribute: &str) -> Option<String> {
    match item.get(attribute) {
        Some(AttributeValue::S(s)) => Some(s.clone()),
        _ => None,
    }
}

/// The stored index keys that differ from those the stored item's own fields choose and
/// render (the invariant every write path keeps).
fn stale_index_keys(raw: &[dynamorm::Item]) -> usize {
    raw.iter()
        .filter(|item| {
            let entity: ForkItem = dynamorm::Registry::from_item((*item).clone()).expect("decodes");
            let rendered = match &entity {
                ForkItem::Repo(r) => dynamorm::__private::to_stored_item(r),
                ForkItem::Ticket(t) => dynamorm::__private::to_stored_item(t),
            }
            .expect("renders");
            ["GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"]
                .iter()
                .any(|a| s(item, a) != s(&rendered, a))
        })
        .count()
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn an_item_uses_the_layout_its_state_chooses_on_every_write_path(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Forks>::with_table_name(client, unique_name("layouts"));
    db.create_table().await.expect("create");
    db.put(&original("alice", "proj"))
        .send()
        .await
        .expect("put");
    db.put(&fork("bob", ("alice", "proj")))
        .send()
        .await
        .expect("put");
    db.batch_write()
        .put(&fork("carol", ("alice", "proj")))
        .put(&original("bob", "other"))
        .send()
        .await
        .expect("batch")
        .into_result()
        .expect("all");
    db.transact_write()
        .action(db.put(&fork("dave", ("alice", "proj"))))
        .send()
        .await
        .expect("transaction");
    let raw = scan_raw(&db).await;
    let bob = raw
        .iter()
        .find(|i| s(i, "PK").as_deref() == Some("REPO#bob#proj"))
        .expect("bob's fork");
    assert_eq!(s(bob, "GSI1PK").as_deref(), Some("REPO#alice#proj"));
    assert_eq!(s(bob, "GSI1SK").as_deref(), Some("FORK#bob"));
    assert_eq!(stale_index_keys(&raw), 0);

    // The original's partition holds it first (`#REPO` < `FORK`), then its forks; a query
    // may name the partition by either layout's fields, and without a sort-key condition
    // returns the entity's items of every layout there.
    let a = Repo::attrs();
    let owners = |query: dynamorm::Query<Repo>| async move {
        let repos = query.index(Forks::GSI1).all().await.expect("query");
        repos.into_iter().map(|r| r.owner).collect::<Vec<_>>()
    };
    let by_original = owners(db.query((a.owner.is("alice"), a.name.is("proj")))).await;
    assert_eq!(by_original, ["alice", "bob", "carol", "dave"]);
    let by_source = || db.query((a.source_owner.is("alice"), a.source_name.is("proj")));
    assert_eq!(owners(by_source()).await, by_original);
    // A sort-key condition names one layout: the forks alone.
    let only_forks = owners(by_source().sort_begins_with(())).await;
    assert_eq!(only_forks, ["bob", "carol", "dave"]);
    let after_bob: Vec<String> = db
        .query((a.source_owner.is("alice"), a.source_name.is("proj")))
        .index(Forks::GSI1)
        .sort_gt(a.owner.is("bob"))
        .all()
        .await
        .expect("query")
        .into_iter()
        .map(|r| r.owner)
        .collect();
    assert_eq!(after_bob, ["carol", "dave"]);
    // Fields no layout reads in that order: refused before sending.
    let wrong = db
        .query((a.name.is("proj"), a.owner.is("alice")))
        .index(Forks::GSI1)
        .all()
        .await;
    assert_eq!(
        refused(&wrong),
        Some(InvalidInputKind::QueryShape),
        "{wrong:?}"
    );

    let report = dynamorm::Report::new::<ForkItem>().render();
    assert!(
        report.contains(
            "`REPO#{source_owner}#{source_name}` / `FORK#{owner}` when `matches!(kind, Kind::Fork)`"
        ),
        "{report}"
    );
    assert!(report.contains("when `!archived`"), "{report}");
    // Everything as the declaration renders it: a migration has nothing to fix.
    let migration = db.migrate::<ForkItem>().run().await.expect("migration");
    assert_eq!(
        (migration.progress.updated, migration.progress.moved),
        (0, 0)
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn updates_move_items_between_layouts_or_are_refused(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Forks>::with_table_name(client, unique_name("layout-updates"));
    db.create_table().await.expect("create");
    let repo = original("erin", "proj");
    db.put(&repo).send().await.expect("put");
    let a = Repo::attrs();
    let keys = |db: &Db<Forks>| {
        let db = db.clone();
        async move {
            let raw = scan_raw(&db).await;
            assert_eq!(stale_index_keys(&raw), 0, "{raw:?}");
            let r = raw
                .iter()
                .find(|i| s(i, "PK").as_deref() == Some("REPO#erin#proj"))
                .expect("repo")
                .clone();
            (s(&r, "GSI1PK"), s(&r, "GSI1SK"), s(&r, "GSI2PK"))
        }
    };
    // Every update stores a new `updated_at`, which GSI2's key reads; whether the item is
    // in GSI2 depends on `archived`, which this update does not set: the key follows the
    // stored membership (read first, guarded).
    let starred = db
        .update(repo.key())
        .set(a.stars, 1)
        .send()
        .await
        .expect("stars");
    let gsi2_sk = |db: &Db<Forks>| {
        let db = db.clone();
        async move {
            let raw = scan_raw(&db).await;
            assert_eq!(stale_index_keys(&raw), 0, "{raw:?}");
            raw.iter()
                .find(|i| s(i, "PK").as_deref() == Some("REPO#erin#proj"))
                .and_then(|i| s(i, "GSI2SK"))
        }
    };
    let mut rendered = String::new();
    dynamorm::KeyPart::write_key(&starred.updated_at.expect("stamped"), &mut rendered)
        .expect("renders");
    assert_eq!(gsi2_sk(&db).await, Some(format!("#{rendered}")));
    // In a transaction the item cannot be read first: refused, nothing written.
    let in_transaction = db
        .transact_write()
        .action(db.update(repo.key()).set(a.stars, 2))
        .send()
        .await;
    assert_eq!(
        refused(&in_transaction),
        Some(InvalidInputKind::IncompleteIndexKey),
        "{in_transaction:?}"
    );
    // Becoming a fork moves it to the fork layout.
    db.update(repo.key())
        .set(a.kind, Kind::Fork)
        .set(a.source_owner, Some("alice".to_owned()))
        .set(a.source_name, Some("proj".to_owned()))
        .set(a.archived, false)
        .send()
        .await
        .expect("fork");
    assert_eq!(
        keys(&db).await,
        (
            Some("REPO#alice#proj".into()),
            Some("FORK#erin".into()),
            Some("ACCOUNT#erin".into())
        )
    );
    // Changing a field one layout reads without saying which layout applies: refused, and
    // nothing is written.
    let guess = db
        .update(repo.key())
        .set(a.source_owner, Some("zed".to_owned()))
        .set(a.archived, false)
        .send()
        .await;
    assert_eq!(
        refused(&guess),
        Some(InvalidInputKind::IncompleteIndexKey),
        "{guess:?}"
    );
    // A fork layout without all its fields: refused.
    let partial = db
        .update(repo.key())
        .set(a.kind, Kind::Fork)
        .set(a.source_owner, Some("zed".to_owned()))
        .set(a.archived, false)
        .send()
        .await;
    assert_eq!(
        refused(&partial),
        Some(InvalidInputKind::IncompleteIndexKey),
        "{partial:?}"
    );
    assert_eq!(keys(&db).await.0.as_deref(), Some("REPO#alice#proj"));
    // Back to an original: its layout reads only primary-key fields.
    db.update(repo.key())
        .set(a.kind, Kind::Original)
        .remove(a.source_owner)
        .remove(a.source_name)
        .set(a.archived, false)
        .send()
        .await
        .expect("unfork");
    assert_eq!(
        keys(&db).await.0.as_deref(),
        Some("REPO#erin#proj"),
        "original layout"
    );
    // `!archived`: archiving takes it out of GSI2, unarchiving puts it back keyed by the
    // `updated_at` the update stores.
    db.update(repo.key())
        .set(a.archived, true)
        .send()
        .await
        .expect("archive");
    assert_eq!(keys(&db).await.2, None);
    // Not a member now: an update of another field leaves it out.
    db.update(repo.key())
        .set(a.stars, 3)
        .send()
        .await
        .expect("stars while archived");
    assert_eq!(keys(&db).await.2, None);
    let back = db
        .update(repo.key())
        .set(a.archived, false)
        .send()
        .await
        .expect("unarchive");
    assert_eq!(keys(&db).await.2.as_deref(), Some("ACCOUNT#erin"));
    let listed = db
        .query(a.owner.is("erin"))
        .index(Forks::GSI2)
        .all()
        .await
        .expect("query");
    assert_eq!(listed, [back]);

    // A predicate on a number: in the hot index only while `priority >= 3`.
    let t = Ticket::attrs();
    let ticket = Ticket {
        id: 7,
        queue: "ops".into(),
        priority: 1,
    };
    db.put(&ticket).send().await.expect("put");
    let hot = || async {
        db.query(t.queue.is("ops"))
            .index(Forks::GSI1)
            .all()
            .await
            .expect("query")
            .len()
    };
    assert_eq!(hot().await, 0);
    db.update(ticket.key())
        .set(t.priority, 5)
        .set(t.queue, "ops")
        .send()
        .await
        .expect("raise");
    assert_eq!(hot().await, 1);
    // Raising further keeps it (the key needs `queue`, which this update does not set).
    let no_queue = db.update(ticket.key()).set(t.priority, 9).send().await;
    assert_eq!(
        refused(&no_queue),
        Some(InvalidInputKind::IncompleteIndexKey),
        "{no_queue:?}"
    );
    db.update(ticket.key())
        .set(t.priority, i64::MIN)
        .send()
        .await
        .expect("lower");
    assert_eq!(hot().await, 0);
    assert_eq!(stale_index_keys(&scan_raw(&db).await), 0);
}

/// One write of the race: which item, its unique `stars`, when it was sent and answered.
struct Write {
    name: String,
    stars: u32,
    sent: Instant,
    answered: Instant,
    ok: bool,
}

/// Racing writers of every kind (put, update, batch, transaction) flip repositories between
/// layouts and in and out of `GSI2`, through a proxy that drops connections, throttles and
/// leaves batch items unprocessed. Counted: stored index keys that differ from what the
/// stored item's fields render (stale), items that mix two writes (torn), acknowledged
/// writes missing from every later state (lost), and index queries that disagree with the
/// stored items (missing, extra).
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn racing_writers_of_every_kind_keep_every_layout_exact(#[case] backend: Backend) {
    let faults = FaultConfig {
        seed: 0x13,
        unprocessed: 0.1,
        throttle: 0.03,
        drop_connection: 0.05,
    };
    let t = faulty_table_of::<Forks>(backend, "layout-races", faults).await;
    const REPOS: u32 = 24;
    const ROUNDS: u32 = 6;
    let names: Vec<String> = (0..REPOS).map(|i| format!("r{i}")).collect();
    for name in &names {
        t.direct
            .put(&original("own", name))
            .send()
            .await
            .expect("seed");
    }
    // Every write carries a unique `stars`, and the state it writes is a function of it:
    // a stored item whose fields are not exactly that write's state is torn.
    fn state(name: &str, stars: u32) -> Repo {
        let mut r = match stars % 3 {
            0 => original("own", name),
            1 => fork("own", ("src", name)),
            _ => fork("own", ("other", name)),
        };
        r.name = name.into();
        r.archived = stars.is_multiple_of(2);
        r.stars = stars;
        r
    }
    let policy = RetryPolicy::default()
        .max_attempts(3)
        .base(Duration::from_millis(1))
        .cap(Duration::from_millis(20));
    let mut writers = Vec::new();
    for kind in 0..4u32 {
        let db = t.db.clone();
        let names = names.clone();
        writers.push(tokio::spawn(async move {
            let a = Repo::attrs();
            // Every write: item, stars, when it was sent and answered, acknowledged or not.
            let mut writes: Vec<Write> = Vec::new();
            for round in 0..ROUNDS {
                for (n, name) in names.iter().enumerate() {
                    let n = u32::try_from(n).expect("small");
                    let stars = 1 + kind + 4 * (n + REPOS * round);
                    let r = state(name, stars);
                    let sent = Instant::now();
                    let ok = match kind {
                        0 => db.put(&r).send().await.is_ok(),
                        1 => db
                            .update(r.key())
                            .set(a.kind, r.kind)
                            .set(a.source_owner, r.source_owner.clone())
                            .set(a.source_name, r.source_name.clone())
                            .set(a.archived, r.archived)
                            .set(a.stars, r.stars)
                            .send()
                            .await
                            .is_ok(),
                        2 => db
                            .batch_write()
                            .put(&r)
                            .retry(policy)
                            .send()
                            .await
                            .is_ok_and(|o| o.into_result().is_ok()),
                        _ => db.transact_write().action(db.put(&r)).send().await.is_ok(),
                    };
                    writes.push(Write {
                        name: name.clone(),
                        stars,
                        sent,
                        answered: Instant::now(),
                        ok,
                    });
                }
            }
            writes
        }));
    }
    // A fifth writer counts views: its updates set no field that decides `GSI2`, yet move
    // `GSI2`'s key (it reads `updated_at`), which must follow the membership stored at
    // that moment while the others flip it.
    let viewer = {
        let db = t.db.clone();
        let names = names.clone();
        tokio::spawn(async move {
            let a = Repo::attrs();
            let mut acknowledged = 0;
            for _ in 0..ROUNDS {
                for name in &names {
                    let key = original("own", name).key();
                    if db.update(key).add(a.views, 1).send().await.is_ok() {
                        acknowledged += 1;
                    }
                }
            }
            acknowledged
        })
    };
    let mut writes: Vec<Write> = Vec::new();
    for w in writers {
        writes.extend(w.await.expect("writer"));
    }
    let views = viewer.await.expect("viewer");
    assert!(views > 0, "no view was counted");
    let acknowledged = writes.iter().filter(|w| w.ok).count();
    let raw = scan_raw(&t.direct).await;
    let stale = stale_index_keys(&raw);
    let stored: HashMap<String, Repo> = raw
        .iter()
        .map(|i| dynamorm::from_item::<Repo>(i.clone()).expect("a repo"))
        .map(|r| (r.name.clone(), r))
        .collect();
    let torn = stored
        .values()
        .filter(|r| {
            let want = state(&r.name, r.stars);
            (r.stars != 0)
                && (r.kind, &r.source_owner, &r.source_name, r.archived)
                    != (
                        want.kind,
                        &want.source_owner,
                        &want.source_name,
                        want.archived,
                    )
        })
        .count();
    // Lost: an acknowledged write sent after the stored write was answered (so it was
    // applied later) is not what is stored. Writers drift apart, so rounds do not order
    // writes; real time does.
    let by_stars: HashMap<u32, &Write> = writes.iter().map(|w| (w.stars, w)).collect();
    let lost = stored
        .values()
        .filter(|r| {
            let stored_answered = by_stars.get(&r.stars).map(|w| w.answered);
            writes.iter().any(|w| {
                w.ok && w.name == r.name && stored_answered.is_none_or(|answered| w.sent > answered)
            })
        })
        .count();
    // The index agrees with the stored items.
    let a = Repo::attrs();
    let (mut missing, mut extra) = (0, 0);
    // Names an index query returned against the stored items that should be there.
    let mut tally = |got: Vec<Repo>, want: &dyn Fn(&Repo) -> bool| {
        let got: HashSet<String> = got.into_iter().map(|r| r.name).collect();
        let want: HashSet<String> = stored
            .values()
            .filter(|r| want(r))
            .map(|r| r.name.clone())
            .collect();
        missing += want.difference(&got).count();
        extra += got.difference(&want).count();
    };
    for source in ["src", "other"] {
        for name in &names {
            let got = t
                .direct
                .query((a.source_owner.is(source), a.source_name.is(name.as_str())))
                .index(Forks::GSI1)
                .all()
                .await
                .expect("query");
            tally(got, &|r| {
                r.source_owner.as_deref() == Some(source) && &r.name == name
            });
        }
    }
    let live = t
        .direct
        .query(a.owner.is("own"))
        .index(Forks::GSI2)
        .all()
        .await
        .expect("query");
    tally(live, &|r| !r.archived);
    let stats = t.proxy.stats();
    assert!(
        stats.unprocessed + stats.throttled + stats.dropped > 0,
        "no fault was injected: {stats:?}"
    );
    assert!(acknowledged > 100, "too few writes got through");
    assert_eq!(
        (stale, torn, lost, missing, extra),
        (0, 0, 0, 0, 0),
        "(stale index keys, torn, lost, missing, extra); faults {stats:?}"
    );
}

/// Flips `archived` of one repository on the server the moment the library sends its
/// `UpdateItem` — after the library read the item, before its write lands — once.
#[derive(Debug, Clone)]
struct FlipBeforeWrite {
    endpoint: String,
    table: String,
    armed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl aws_sdk_dynamodb::config::Intercept for FlipBeforeWrite {
    fn name(&self) -> &'static str {
        "layouts::FlipBeforeWrite"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &aws_sdk_dynamodb::config::RuntimeComponents,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let update = crate::harness::operation_of(context) == "UpdateItem";
        if !update || !self.armed.swap(false, std::sync::atomic::Ordering::SeqCst) {
            return Ok(());
        }
        // Another writer, on its own thread, runtime and connections (the test's runtime is
        // blocked right here), archives the repository.
        let (endpoint, table) = (self.endpoint.clone(), self.table.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let client =
                    aws_sdk_dynamodb::Client::from_conf(dynamorm_local::loopback_config(&endpoint));
                Db::<Forks>::with_table_name(client, table)
                    .update(original("flip", "proj").key())
                    .set(Repo::attrs().archived, true)
                    .send()
                    .await
                    .expect("the other writer archives it");
            });
        })
        .join()
        .expect("the other writer");
        Ok(())
    }
}

/// The stored membership decides where an `updated_at`-only update puts the key; when it
/// changes between the library's read and its write, the guard catches it and the write
/// is retried from a fresh read — never a key for a membership that is no longer stored.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_membership_change_between_read_and_write_is_caught_and_retried(
    #[case] backend: Backend,
) {
    let (direct, server) = client(backend);
    let endpoint = match &server {
        Some(s) => s.endpoint(),
        None => std::env::var("DYNAMORM_DDB_LOCAL_ENDPOINT").expect("endpoint"),
    };
    let table = unique_name("layout-flip");
    let db = Db::<Forks>::with_table_name(direct.clone(), table.clone());
    db.create_table().await.expect("create");
    db.put(&original("flip", "proj")).send().await.expect("put");
    let counter = crate::harness::OperationCounter::default();
    let flip = FlipBeforeWrite {
        endpoint,
        table: table.clone(),
        armed: std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true)),
    };
    let racing = Db::<Forks>::with_table_name(
        aws_sdk_dynamodb::Client::from_conf(
            direct
                .config()
                .to_builder()
                .interceptor(flip)
                .interceptor(counter.clone())
                .build(),
        ),
        table,
    );
    let updated = racing
        .update(original("flip", "proj").key())
        .add(Repo::attrs().views, 1)
        .send()
        .await
        .expect("retried after the flip");
    assert!(updated.archived, "the retry read the flipped item");
    let raw = scan_raw(&db).await;
    assert_eq!(stale_index_keys(&raw), 0, "{raw:?}");
    assert!(
        raw.iter()
            .all(|i| !i.contains_key("GSI2PK") && !i.contains_key("GSI2SK"))
    );
    // Read, write (refused by the guard), re-read, read, write.
    assert_eq!(
        (counter.get("GetItem"), counter.get("UpdateItem")),
        (3, 2),
        "{:?}",
        counter.snapshot()
    );
}
