//! Every access pattern of *The DynamoDB Book*'s ch. 20 "Big Time Deals", as modelled in
//! `dynamorm_entities::deals`, on both servers — with the seams attacked where the design
//! has them: concurrent and repeated likes (counted exactly once each), the day walk-back
//! across empty days and the window's edge, cursors that continue it, the sparse indexes
//! holding exactly their members, and a migration that finds nothing to fix.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use dynamorm::{Db, Error, TimeId};
use dynamorm_entities::deals::{self, *};
use rstest::rstest;

use crate::harness::{Backend, client, scan_raw, unique_name};
use dynamorm::InvalidInputKind;

use crate::harness::invalid_kind;

async fn table(backend: Backend) -> (Db<Deals>, Option<dynamorm_local::LocalServer>) {
    let (client, server) = client(backend);
    let db = Db::<Deals>::with_table_name(client, unique_name("bigtimedeals"));
    db.create_table().await.expect("create");
    deals::install(&db).await.expect("install");
    deals::install(&db).await.expect("install twice");
    (db, server)
}

/// A transaction refused because its first action, a create, found its item taken (a
/// brand name in use, a second like by one user).
fn taken(result: &Result<(), Error>) -> bool {
    matches!(result, Err(Error::TransactionCanceled(t)) if t.actions.len() == 1
        && t.actions[0].index == 0
        && t.actions[0].exists
        && t.actions[0].reason == dynamorm::transact::CancelReason::ConditionalCheckFailed)
}

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, d, 12, 0, 0)
        .single()
        .expect("a date")
}

fn a_deal(title: &str, brand: &str, category: &str, at: DateTime<Utc>) -> Deal {
    Deal {
        id: TimeId::UNSET,
        title: title.into(),
        link: format!("https://deals.example/{title}"),
        price: 9.99,
        brand: brand.into(),
        category: category.into(),
        created_at: at,
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn deals_walk_back_day_by_day_newest_first(#[case] backend: Backend) {
    let (db, _server) = table(backend).await;
    // Posted oldest first (ids are time-ordered): 5 deals on Jan 4 (outside a window that
    // starts on Jan 10), 20 on Jan 7, none on Jan 8, 10 on Jan 9, 3 on Jan 10.
    let mut created: Vec<Deal> = Vec::new();
    for (d, n) in [(4, 5), (7, 20), (9, 10), (10, 3)] {
        for i in 0..n {
            let brand = if i % 2 == 0 { "Acme" } else { "Zeta#1" };
            let category = if i % 3 == 0 { "tech" } else { "home" };
            let deal = a_deal(
                &format!("d{d}-{i}"),
                brand,
                category,
                day(d) + Duration::minutes(i),
            );
            let stored = deals::create_deal(&db, deal).await.expect("create");
            assert!(!stored.id.is_unset(), "the id is generated");
            created.push(stored);
        }
    }
    assert_eq!(
        deals::deal(&db, created[0].id).await.expect("get").as_ref(),
        Some(&created[0])
    );
    // The model: deals from Jan 6..=Jan 10 (five days back from Jan 10), newest first.
    let window = |filter: &dyn Fn(&Deal) -> bool| -> Vec<TimeId> {
        let mut ids: Vec<&Deal> = created
            .iter()
            .filter(|d| d.created_at >= day(6) - Duration::hours(12) && filter(d))
            .collect();
        ids.sort_by_key(|d| std::cmp::Reverse(d.id));
        ids.into_iter().map(|d| d.id).collect()
    };
    let ids = |deals: Vec<Deal>| deals.into_iter().map(|d| d.id).collect::<Vec<_>>();

    let all = window(&|_| true);
    let first = deals::latest_deals(&db, day(10), None, PAGE)
        .await
        .expect("latest");
    assert_eq!(ids(first.clone()), all[..PAGE]);
    // Continue after the last one shown: the rest of the window, never Jan 4.
    let last_seen = first.last().map(|d| d.id);
    let rest = deals::latest_deals(&db, day(10), last_seen, PAGE)
        .await
        .expect("more");
    assert_eq!(ids(rest), all[PAGE..]);
    // A window with no deals at all, and a limit of 0.
    assert!(
        deals::latest_deals(&db, day(30), None, PAGE)
            .await
            .expect("empty")
            .is_empty()
    );
    assert!(
        deals::latest_deals(&db, day(10), None, 0)
            .await
            .expect("none")
            .is_empty()
    );

    // By brand (a name with the delimiter in it) and by category, same walk.
    let acme = window(&|d| d.brand == "Zeta#1");
    let got = deals::latest_brand_deals(&db, "Zeta#1", day(10), None, 100)
        .await
        .expect("brand");
    assert_eq!(ids(got), acme);
    let tech = window(&|d| d.category == "tech");
    let page = deals::latest_category_deals(&db, "tech", day(10), None, 4)
        .await
        .expect("category");
    assert_eq!(ids(page.clone()), tech[..4]);
    let next = deals::latest_category_deals(&db, "tech", day(10), page.last().map(|d| d.id), 100)
        .await
        .expect("category, continued");
    assert_eq!(ids(next), tech[4..]);
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn brands_categories_likes_watches_and_featured_pages(#[case] backend: Backend) {
    let (db, _server) = table(backend).await;
    let brand = |name: &str| Brand {
        name: name.into(),
        logo_url: format!("https://logos.example/{name}"),
        likes: 0,
        watchers: 0,
    };
    for name in ["Acme", "Zeta#1", "Ünï"] {
        deals::create_brand(&db, &brand(name)).await.expect("brand");
    }
    // A taken name: refused, and the set of brands is unchanged by the failed transaction.
    let again = deals::create_brand(&db, &brand("Acme")).await;
    assert!(taken(&again), "{again:?}");
    assert_eq!(
        deals::all_brands(&db).await.expect("brands"),
        BTreeSet::from(["Acme".to_owned(), "Zeta#1".to_owned(), "Ünï".to_owned()])
    );

    // 30 concurrent likes from 10 users (each user three times): counted exactly once per user.
    let mut likes = Vec::new();
    for i in 0..30 {
        let db = db.clone();
        likes.push(tokio::spawn(async move {
            deals::like_brand(&db, "Acme", &format!("user{}", i % 10)).await
        }));
    }
    let (mut accepted, mut repeats, mut conflicts) = (0, 0, 0);
    for like in likes {
        let result = like.await.expect("task");
        match &result {
            Ok(()) => accepted += 1,
            // A repeat: nothing counted.
            _ if taken(&result) => repeats += 1,
            // Two transactions on one like at once: DynamoDB cancels one; nothing counted.
            Err(Error::TransactionCanceled(t))
                if t.actions
                    .iter()
                    .all(|a| a.reason == dynamorm::transact::CancelReason::TransactionConflict) =>
            {
                conflicts += 1
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(accepted + repeats + conflicts, 30);
    let acme = db
        .get(BrandKey {
            name: "Acme".into(),
        })
        .send()
        .await
        .expect("get")
        .expect("exists");
    // Likes are keyed by brand and user in the partition key: count them by scanning.
    assert_eq!(acme.likes, accepted);
    assert!(accepted <= 10, "{accepted} likes from 10 users");
    let like_items = scan_raw(&db)
        .await
        .iter()
        .filter(|i| matches!(i.get("_type"), Some(aws_sdk_dynamodb::types::AttributeValue::S(t)) if t == "BrandLike"))
        .count();
    assert_eq!(u32::try_from(like_items).expect("small"), accepted);
    // Liking a brand that does not exist counts nothing and leaves no like behind.
    assert!(deals::like_brand(&db, "Nope", "user1").await.is_err());

    deals::watch_brand(&db, "Zeta#1", "ann")
        .await
        .expect("watch");
    deals::watch_brand(&db, "Zeta#1", "bob")
        .await
        .expect("watch");
    assert!(taken(&deals::watch_brand(&db, "Zeta#1", "bob").await));
    assert_eq!(
        deals::brand_watchers(&db, "Zeta#1")
            .await
            .expect("watchers"),
        ["ann", "bob"]
    );
    let zeta = db
        .get(BrandKey {
            name: "Zeta#1".into(),
        })
        .send()
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(zeta.watchers, 2);

    let category = Category {
        name: "tech".into(),
        featured: Vec::new(),
        likes: 0,
        watchers: 0,
    };
    deals::create_category(&db, &category)
        .await
        .expect("category");
    deals::like_category(&db, "tech", "ann")
        .await
        .expect("like");
    deals::watch_category(&db, "tech", "carol")
        .await
        .expect("watch");
    assert_eq!(
        deals::category_watchers(&db, "tech")
            .await
            .expect("watchers"),
        ["carol"]
    );
    let featured = vec![FeaturedDeal {
        id: TimeId::new(),
        title: "Half off".into(),
    }];
    let tech = deals::set_category_featured(&db, "tech", featured.clone())
        .await
        .expect("featured");
    assert_eq!(
        (tech.featured.clone(), tech.likes, tech.watchers),
        (featured.clone(), 1, 1)
    );
    assert!(
        deals::set_category_featured(&db, "nope", featured.clone())
            .await
            .is_err()
    );

    assert_eq!(
        deals::front_page(&db).await.expect("front"),
        FrontPage::default()
    );
    deals::set_front_page(&db, featured.clone())
        .await
        .expect("set");
    assert_eq!(
        deals::front_page(&db).await.expect("front").featured,
        featured
    );
    deals::set_editors_choice(&db, featured.clone())
        .await
        .expect("set");
    assert_eq!(
        deals::editors_choice(&db).await.expect("choice").featured,
        featured
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn users_messages_and_fan_out(#[case] backend: Backend) {
    let (db, _server) = table(backend).await;
    let names: Vec<String> = (0..40).map(|i| format!("user{i:02}")).collect();
    for name in &names {
        let user = deals::create_user(&db, name).await.expect("user");
        assert!(user.created_at.is_some(), "set by the library");
    }
    assert!(matches!(
        deals::create_user(&db, "user00").await,
        Err(Error::AlreadyExists { .. })
    ));
    // The users index holds users and nothing else, whatever else the table holds.
    deals::create_brand(
        &db,
        &Brand {
            name: "Acme".into(),
            logo_url: String::new(),
            likes: 0,
            watchers: 0,
        },
    )
    .await
    .expect("brand");
    let mut scanned: Vec<String> = deals::all_users(&db, 4)
        .await
        .expect("scan")
        .into_iter()
        .map(|u| u.name)
        .collect();
    scanned.sort();
    assert_eq!(scanned, names);

    // Messages: newest first, unread ones in the sparse index until read.
    let mut sent = Vec::new();
    for i in 0..6 {
        sent.push(
            deals::send_message(&db, "user01", &format!("s{i}"), "body")
                .await
                .expect("send"),
        );
    }
    let newest_first: Vec<TimeId> = sent.iter().rev().map(|m| m.id).collect();
    let ids = |m: Vec<Message>| m.into_iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(
        ids(deals::messages(&db, "user01", None, 10).await.expect("all")),
        newest_first
    );
    deals::mark_read(&db, "user01", sent[5].id)
        .await
        .expect("read");
    deals::mark_read(&db, "user01", sent[2].id)
        .await
        .expect("read");
    let unread = deals::unread_messages(&db, "user01", None, 2)
        .await
        .expect("unread");
    assert_eq!(ids(unread.clone()), [sent[4].id, sent[3].id]);
    let more = deals::unread_messages(&db, "user01", unread.last().map(|m| m.id), 10)
        .await
        .expect("unread, continued");
    assert_eq!(ids(more), [sent[1].id, sent[0].id]);
    let raw_unread = scan_raw(&db)
        .await
        .iter()
        .filter(|i| i.contains_key("GSI1PK"))
        .count();
    assert_eq!(raw_unread, 4, "read messages carry no GSI1 keys");

    // A hot deal to every user; a brand's deal to its watchers.
    let deal = deals::create_deal(&db, a_deal("hot", "Acme", "tech", day(3)))
        .await
        .expect("deal");
    assert_eq!(
        deals::send_hot_deal(&db, &deal).await.expect("fan out"),
        names.len()
    );
    deals::watch_brand(&db, "Acme", "user07")
        .await
        .expect("watch");
    assert_eq!(
        deals::notify_brand_watchers(&db, &deal)
            .await
            .expect("notify"),
        1
    );
    let user07 = deals::unread_messages(&db, "user07", None, 10)
        .await
        .expect("unread");
    assert_eq!(user07.len(), 2);
    assert!(user07.iter().all(|m| m.subject == "New deal: hot"));

    // Everything decodes through the registry, and is stored as the declarations render
    // it: a migration has nothing to fix.
    let items = db.scan::<DealsItem>().all().await.expect("registry scan");
    assert_eq!(items.len(), scan_raw(&db).await.len());
    let migration = db.migrate::<DealsItem>().run().await.expect("migration");
    assert_eq!(
        (migration.progress.updated, migration.progress.moved),
        (0, 0)
    );
}

/// The header's line count: the entity declarations of `deals.rs`, counted as modyne's.
#[test]
fn the_declarations_take_the_lines_the_header_states() {
    let source = include_str!("../../entities/src/deals.rs");
    let start = source
        .find("// ---- entity declarations")
        .expect("start marker");
    let end = source
        .find("// ---- end of entity declarations")
        .expect("end marker");
    let counted = source[start..end]
        .lines()
        .filter(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with("//")
        })
        .count();
    assert!(
        source.contains(&format!("**{counted} lines** here")),
        "the header must state {counted}"
    );
    assert!(counted < 333, "{counted} lines: more than modyne's 333");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn generated_ids_are_made_on_insert_and_refused_unset_on_every_other_path(
    #[case] backend: Backend,
) {
    let (client, _server, counter) = crate::harness::counting_client(backend);
    let db = Db::<Deals>::with_table_name(client, unique_name("generated"));
    db.create_table().await.expect("create");
    // Concurrent inserts: every id distinct, and the day partition lists them in id order.
    let mut tasks = Vec::new();
    for i in 0..50 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            db.insert(a_deal(&format!("c{i}"), "Acme", "tech", day(2)))
                .send()
                .await
        }));
    }
    let mut made = Vec::new();
    for t in tasks {
        made.push(t.await.expect("task").expect("insert").id);
    }
    let distinct: BTreeSet<TimeId> = made.iter().copied().collect();
    assert_eq!(distinct.len(), 50);
    let listed: Vec<TimeId> = db
        .query(Deal::attrs().created_at.day(day(2)))
        .index(Deals::GSI1)
        .all()
        .await
        .expect("query")
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(listed, distinct.into_iter().collect::<Vec<_>>());
    // An id the caller set is kept; inserting it again is taken.
    let mine = Deal {
        id: TimeId::new(),
        ..a_deal("mine", "Acme", "tech", day(2))
    };
    let stored = db.insert(mine.clone()).send().await.expect("insert");
    assert_eq!(stored, mine);
    let again = db.insert(mine.clone()).send().await;
    assert!(
        matches!(again, Err(Error::AlreadyExists { .. })),
        "{again:?}"
    );

    // An unset id anywhere else would store one placeholder key for every item: refused
    // before anything is sent, on every write path.
    let unset = a_deal("unset", "Acme", "tech", day(2));
    let before = counter.snapshot();
    let put = db.put(&unset).send().await;
    let create = db.create(&unset).send().await;
    let batch = db.batch_write().put(&unset).send().await;
    let transaction = db.transact_write().action(db.put(&unset)).send().await;
    for (what, failed) in [
        ("put", put.err()),
        ("create", create.err()),
        ("batch", batch.err()),
        ("transaction", transaction.err()),
    ] {
        assert_eq!(
            failed.as_ref().and_then(invalid_kind),
            Some(InvalidInputKind::UnsetGeneratedId),
            "{what}: {failed:?}"
        );
    }
    assert_eq!(counter.snapshot(), before, "nothing sent");
}
