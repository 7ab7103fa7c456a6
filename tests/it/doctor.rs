//! The table doctor on a live table: a clean table has no findings; a table seeded —
//! behind the library's back, with the raw SDK — with each kind of problem has exactly
//! those findings, counted and named, on both servers. The same run is repeated through
//! the command-line tool in `tests/it/cli.rs`.

use dynamorm::Db;
use dynamorm::doctor::Problem;
use dynamorm_entities::checkup::{seed_clean, seed_problems};
use dynamorm_entities::{Tracker, TrackerItem};
use rstest::rstest;

use crate::harness::{Backend, client, unique_name};

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn the_doctor_finds_every_seeded_problem_and_nothing_on_a_clean_table(
    #[case] backend: Backend,
) {
    let (client, _server) = client(backend);
    let db = Db::<Tracker>::with_table_name(client, unique_name("doctor"));
    db.create_table().await.expect("create");
    seed_clean(&db).await.expect("seeded");
    let clean = db
        .doctor::<TrackerItem>()
        .segments(3)
        .run()
        .await
        .expect("doctor");
    assert!(clean.is_healthy(), "{:#?}", clean.findings);
    // 11 entity items and the 2 users' e-mail sentinels.
    assert_eq!(clean.scanned, 13);

    let expected = seed_problems(&db).await.expect("seeded");
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = progress.clone();
    let checkup = db
        .doctor::<TrackerItem>()
        .segments(2)
        .page_size(3)
        .on_progress(move |p| seen.store(p.scanned, std::sync::atomic::Ordering::Relaxed))
        .run()
        .await
        .expect("doctor");
    assert_eq!(checkup.counts(), expected, "{:#?}", checkup.findings);
    assert_eq!(
        progress.load(std::sync::atomic::Ordering::Relaxed),
        checkup.scanned
    );
    // The findings name the items and say what is wrong.
    let stale = checkup
        .findings
        .iter()
        .find(
            |f| matches!(&f.problem, Problem::StaleKey { attribute, .. } if attribute == "GSI2PK"),
        )
        .expect("the stale GSI2PK");
    assert_eq!(
        stale.sort_key.as_deref(),
        Some("PROJECT#p1#TASK#0000000002")
    );
    assert_eq!(stale.entity.as_deref(), Some("Task"));
    assert!(
        matches!(&stale.problem, Problem::StaleKey { stored: Some(s), expected: Some(e), .. }
            if s == "PROJECT#p1#STATUS#done" && e == "PROJECT#p1#STATUS#OPEN"),
        "{stale:?}"
    );
    // Printed, the finding names the attribute and redacts the keys it quotes.
    assert_eq!(
        stale.to_string(),
        "<redacted, 11 bytes> / <redacted, 26 bytes> (Task): `GSI2PK` is <redacted, 22 bytes> \
         but the templates render <redacted, 22 bytes>"
    );
    let json = serde_json::to_value(&checkup).expect("json");
    assert_eq!(
        json["findings"].as_array().map(Vec::len),
        Some(checkup.findings.len())
    );
    assert!(
        json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["problem"]["kind"].is_string())
    );
}
