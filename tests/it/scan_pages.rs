//! A scan read page by page — parallel segments, a limit per page, resumed from each page's
//! cursor — returns exactly what the plain scan returns: every item once, nothing of
//! another type, while other writers insert and delete between pages.

use std::collections::BTreeMap;

use dynamorm::{Cursor, Error};
use dynamorm_entities::{Task, TrackerItem, sample};
use rstest::rstest;

use crate::harness::{Backend, seed, table};

/// Every task's id, as the plain scan sees it.
async fn all_ids(db: &dynamorm::Db<dynamorm_entities::Tracker>) -> Vec<u32> {
    let tasks: Vec<Task> = db.scan::<Task>().segments(3).all().await.expect("scan");
    let mut ids: Vec<u32> = tasks.iter().map(|t| t.task_id).collect();
    ids.sort_unstable();
    ids
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_pages_resume_exactly_across_segments(#[case] backend: Backend) {
    let t = table(backend, "scan-pages").await;
    let db = &t.db;
    // 90 tasks over 30 tenants (so every segment has some), users between them.
    let mut items = Vec::new();
    for n in 0..90u32 {
        items.push(TrackerItem::Task(sample::task(
            &format!("t{}", n % 30),
            "p",
            n,
        )));
        if n % 3 == 0 {
            items.push(TrackerItem::User(sample::user(&format!("t{n}"), "u")));
        }
    }
    seed(db, items).await;
    let want = all_ids(db).await;
    assert_eq!(want.len(), 90);

    for (segments, limit) in [(1, 7), (3, 7), (4, 1), (3, 50)] {
        let mut seen: BTreeMap<u32, usize> = BTreeMap::new();
        let mut cursor: Option<Cursor> = None;
        let mut pages = 0;
        loop {
            let mut scan = db
                .scan::<Task>()
                .segments(segments)
                .limit(limit)
                .page_size(5);
            if let Some(c) = &cursor {
                scan = scan.after(c);
            }
            let page = scan.page().await.expect("page");
            assert!(page.items.len() <= limit, "a page holds at most the limit");
            for task in &page.items {
                *seen.entry(task.task_id).or_default() += 1;
            }
            pages += 1;
            assert!(pages < 500, "the scan ends");
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let repeated = seen.values().filter(|&&n| n > 1).count();
        let ids: Vec<u32> = seen.keys().copied().collect();
        assert_eq!(
            repeated, 0,
            "{segments} segments, limit {limit}: no item twice"
        );
        assert_eq!(
            ids, want,
            "{segments} segments, limit {limit}: every item once"
        );
    }

    // `first`, `pages` and `count` agree with the plain read.
    let first = db.scan::<Task>().segments(3).first().await.expect("first");
    assert!(first.is_some_and(|t| want.contains(&t.task_id)));
    let streamed: usize = {
        use futures::TryStreamExt;
        let pages: Vec<dynamorm::Page<Task>> = db
            .scan::<Task>()
            .segments(3)
            .page_size(10)
            .pages()
            .try_collect()
            .await
            .expect("pages");
        pages.iter().map(|p| p.items.len()).sum()
    };
    assert_eq!(streamed, 90);
    assert_eq!(
        db.scan::<Task>().segments(3).count().await.expect("count"),
        90
    );

    // A cursor only resumes the scan it came from: not one with other segments, not a
    // registry scan, not an altered one.
    let page = db
        .scan::<Task>()
        .segments(3)
        .limit(5)
        .page()
        .await
        .expect("page");
    let cursor = page.cursor.expect("more");
    let other_segments = db.scan::<Task>().segments(4).after(&cursor).page().await;
    let other_type = db
        .scan::<TrackerItem>()
        .segments(3)
        .after(&cursor)
        .page()
        .await;
    let mut altered = cursor.as_str().to_owned();
    altered.replace_range(5..6, if &altered[5..6] == "A" { "B" } else { "A" });
    let altered = db
        .scan::<Task>()
        .segments(3)
        .after(&Cursor::from_string(altered))
        .page()
        .await;
    for result in [
        other_segments.map(drop),
        other_type.map(drop),
        altered.map(drop),
    ] {
        assert!(
            matches!(result, Err(Error::InvalidCursor { .. })),
            "{result:?}"
        );
    }
    // More segments than a cursor can hold: refused before sending.
    let too_many = db.scan::<Task>().segments(70_000).first().await;
    assert!(
        matches!(&too_many, Err(Error::InvalidInput(e)) if e.kind() == dynamorm::InvalidInputKind::Configuration),
        "{too_many:?}"
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_pages_under_concurrent_writes_never_repeat_and_never_skip(#[case] backend: Backend) {
    let t = table(backend, "scan-pages-writes").await;
    let db = &t.db;
    let items =
        (0..60u32).map(|n| TrackerItem::Task(sample::task(&format!("t{}", n % 20), "p", n)));
    seed(db, items).await;
    // Read page by page while a writer deletes some tasks already read and inserts new ones;
    // tasks present for the whole read are returned exactly once.
    let mut seen: BTreeMap<u32, usize> = BTreeMap::new();
    let mut cursor: Option<Cursor> = None;
    let mut next_new = 1_000u32;
    let mut deleted = Vec::new();
    loop {
        let mut scan = db.scan::<Task>().segments(3).limit(8).page_size(4);
        if let Some(c) = &cursor {
            scan = scan.after(c);
        }
        let page = scan.page().await.expect("page");
        for task in &page.items {
            *seen.entry(task.task_id).or_default() += 1;
        }
        if let Some(read) = page.items.first() {
            db.delete(read.key()).send().await.expect("delete");
            deleted.push(read.task_id);
        }
        db.put(&sample::task(&format!("t{}", next_new % 20), "p", next_new))
            .send()
            .await
            .expect("insert");
        next_new += 1;
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let repeated = seen.values().filter(|&&n| n > 1).count();
    let skipped = (0..60u32).filter(|id| !seen.contains_key(id)).count();
    assert_eq!(
        (repeated, skipped),
        (0, 0),
        "deleted after being read: {deleted:?}"
    );
}
