//! Queries of a multi-attribute index behave as template-index queries do: limits, pages,
//! cursors, streams, projections, filters; numbers in numeric order.

use dynamorm::Page;
use futures::TryStreamExt;
use rstest::rstest;

use super::{Match, a_match, games};

/// A match's round and bracket, read alone.
#[derive(Debug, serde::Deserialize, dynamorm::Projection)]
#[dynamo(entity = Match)]
struct MatchRound {
    round: i64,
    #[serde(default)]
    bracket: Option<String>,
}
use crate::harness::Backend;
use crate::harness::refused;
use dynamorm::InvalidInputKind;

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn pages_cursors_limits_and_projections_work_as_on_template_indexes(
    #[case] backend: Backend,
) {
    let (db, _server) = games(backend, "multi-pages").await;
    // Rounds -3..=21: numeric order puts 9 before 10 and negatives first.
    let rounds: Vec<i64> = (-3..=21).collect();
    for r in &rounds {
        let mut m = a_match(&format!("m{r}"), "eu", *r, Some("upper"));
        m.score = u32::try_from(r.rem_euclid(3)).expect("small");
        db.put(&m).send().await.expect("put");
    }
    let key = || Match::ByRound.partition("spring", "eu");
    let all: Vec<i64> = db
        .query_index(key())
        .page_size(4)
        .stream()
        .map_ok(|m| m.round)
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(all, rounds);

    // A limit stops exactly; the cursor resumes right after it, through every page.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let mut q = db.query_index(key().sort_ge(0)).limit(6).page_size(4);
        if let Some(c) = &cursor {
            q = q.after(c);
        }
        let page: Page<Match> = q.page().await.expect("page");
        assert!(page.items.len() <= 6);
        seen.extend(page.items.iter().map(|m| m.round));
        match page.cursor {
            Some(c) if !page.items.is_empty() => cursor = Some(c),
            _ => break,
        }
    }
    assert_eq!(seen, (0..=21).collect::<Vec<_>>());

    // A cursor of another query is refused.
    let first = db.query_index(key()).limit(2).page().await.expect("page");
    let other = db
        .query_index(key().sort_ge(5))
        .after(first.cursor.as_ref().expect("more"))
        .page()
        .await;
    assert!(
        matches!(other, Err(dynamorm::Error::InvalidCursor { .. })),
        "{other:?}"
    );

    // Descending, filtered, projected: only the projection's attributes are decoded.
    let a = Match::attrs();
    let top: Vec<MatchRound> = db
        .query_index(key().sort_between(8, 11))
        .descending()
        .filter(a.score.eq(0))
        .project::<MatchRound>()
        .all()
        .await
        .expect("projected");
    assert_eq!(top.iter().map(|m| m.round).collect::<Vec<_>>(), vec![9]);
    assert_eq!(top[0].bracket.as_deref(), Some("upper"));

    // Cursors are bound to every value of the key condition, numbers included: a cursor of
    // `sort_ge(3)` does not resume `sort_ge(1)` (which would silently skip rounds 1–4).
    let from_3 = db
        .query_index(key().sort_ge(3))
        .limit(2)
        .page()
        .await
        .expect("page");
    let reused = db
        .query_index(key().sort_ge(1))
        .after(from_3.cursor.as_ref().expect("more"))
        .all()
        .await;
    assert!(
        matches!(reused, Err(dynamorm::Error::InvalidCursor { .. })),
        "{reused:?}"
    );
    let reversed = db.query_index(key().sort_between(11, 8)).all().await;
    assert_eq!(
        refused(&reversed),
        Some(InvalidInputKind::InvalidCondition),
        "{reversed:?}"
    );

    let count = db
        .query_index(key().sort_lt(0))
        .count()
        .await
        .expect("count");
    assert_eq!(count, 3);
    // A template sort condition on an index query is refused before sending.
    let mixed = db.query_index(key()).sort_eq(a.id.is("m1")).all().await;
    assert_eq!(
        refused(&mixed),
        Some(InvalidInputKind::QueryShape),
        "{mixed:?}"
    );
}

/// The report shows each multi-attribute index with its typed attributes and members, and
/// a migration finds nothing to rewrite for it (there is nothing rendered).
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn the_report_and_migrations_know_multi_attribute_indexes(#[case] backend: Backend) {
    let report = dynamorm::Report::new::<super::GameItem>().render();
    for expected in [
        "### ByRound (multi-attribute: partition `tournament` S, `region` S; sort `round` N, `bracket` S, projects all attributes)",
        "- Match: its own attributes, nothing rendered",
        "- Pick: its own attributes, nothing rendered",
        "| ByRound (multi-attribute) | `tournament`, `region` | `round`, `bracket` | `bracket` |",
        "| Four (multi-attribute) | `a`, `b`, `c`, `d` |  |  |",
    ] {
        assert!(
            report.contains(expected),
            "missing {expected:?} in\n{report}"
        );
    }

    let (db, _server) = games(backend, "multi-migrate").await;
    db.put(&a_match("m1", "eu", 1, Some("upper")))
        .send()
        .await
        .expect("put");
    db.put(&a_match("m2", "eu", 2, None))
        .send()
        .await
        .expect("put");
    let run = db
        .migrate::<super::GameItem>()
        .run()
        .await
        .expect("migration");
    assert!(run.complete && run.failures.is_empty(), "{run:?}");
    assert_eq!(
        (
            run.progress.scanned,
            run.progress.updated,
            run.progress.moved
        ),
        (2, 0, 0)
    );
}
