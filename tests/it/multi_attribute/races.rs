//! The seams of a multi-attribute index: a batch of two entity types sharing the index,
//! sent through a fault-injecting proxy (unprocessed items, throttling, dropped
//! connections), while another writer moves items within the index by update. Outcomes are
//! counted: every write accounted for, none mis-reported, no acknowledged update lost, and
//! the index holding exactly the stored members — none missing, duplicated or extra, no
//! `NULL` in a key attribute.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use dynamorm::batch::WriteOutcome;
use dynamorm::{EntityKey, PrimaryKey, RetryPolicy};
use dynamorm_local::FaultConfig;
use rstest::rstest;

use super::{GameItem, Games, Match, MatchKey, Pick, a_match};
use crate::harness::{Backend, faulty_table_of, scan_raw};

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_faulty_mixed_batch_racing_key_updates_keeps_the_index_exact(#[case] backend: Backend) {
    let faults = FaultConfig {
        seed: 0x14,
        unprocessed: 0.1,
        throttle: 0.02,
        drop_connection: 0.05,
    };
    let t = faulty_table_of::<Games>(backend, "multi-races", faults).await;
    // Items another writer moves while the batch runs (written without faults).
    let seeded: Vec<Match> = (0..30)
        .map(|i| a_match(&format!("s{i}"), "eu", i, Some("upper")))
        .collect();
    for m in &seeded {
        t.direct.put(m).send().await.expect("seed");
    }
    let matches: Vec<Match> = (0..300)
        .map(|i| {
            let region = if i % 2 == 0 { "eu" } else { "us" };
            let bracket = (i % 3 != 0).then_some(if i % 4 == 0 { "upper" } else { "lower" });
            a_match(&format!("b{i}"), region, i64::from(i % 17) - 8, bracket)
        })
        .collect();
    let picks: Vec<Pick> = (0..100)
        .map(|i| Pick {
            user: format!("p{i}"),
            tournament: "spring".into(),
            region: if i % 2 == 0 { "eu" } else { "us" }.into(),
            round: i64::from(i % 5),
            bracket: "upper".into(),
        })
        .collect();
    let mut requested: HashSet<PrimaryKey> = HashSet::new();
    let mut batch = t.db.batch_write();
    for m in &matches {
        requested.insert(m.key().render().expect("key"));
        batch = batch.put(m);
    }
    for p in &picks {
        requested.insert(p.key().render().expect("key"));
        batch = batch.put(p);
    }
    let policy = RetryPolicy::default()
        .max_attempts(2)
        .base(Duration::from_millis(1))
        .cap(Duration::from_millis(20));

    // The other writer: moves each seeded match (round, and in or out of the index) and
    // remembers what was acknowledged last.
    let direct = t.direct.clone();
    let seeded_ids: Vec<String> = seeded.iter().map(|m| m.id.clone()).collect();
    let updater = tokio::spawn(async move {
        let a = Match::attrs();
        let mut acknowledged: HashMap<String, (i64, Option<String>)> = HashMap::new();
        for step in 0..4i64 {
            for (n, id) in seeded_ids.iter().enumerate() {
                let round = 100 + step * 10 + i64::try_from(n).expect("small");
                let bracket = (step % 2 == 0).then(|| "lower".to_owned());
                direct
                    .update(MatchKey { id: id.clone() })
                    .set(a.round, round)
                    .set(a.bracket, bracket.clone())
                    .send()
                    .await
                    .expect("an update without faults");
                acknowledged.insert(id.clone(), (round, bracket));
            }
        }
        acknowledged
    });
    let out = batch
        .concurrency(8)
        .retry(policy)
        .send()
        .await
        .expect("a valid batch");
    let acknowledged = updater.await.expect("updater");

    let stored: Vec<GameItem> = t.direct.scan::<GameItem>().all().await.expect("scan");
    let stored_keys: HashSet<PrimaryKey> = stored
        .iter()
        .map(|i| match i {
            GameItem::Match(m) => m.key().render().expect("key"),
            GameItem::Pick(p) => p.key().render().expect("key"),
            GameItem::Cell(c) => c.key().render().expect("key"),
        })
        .collect();
    let mut failed: HashMap<&PrimaryKey, WriteOutcome> = HashMap::new();
    let mut listed_twice = 0;
    for f in out.failed() {
        if failed.insert(&f.key, f.outcome).is_some() {
            listed_twice += 1;
        }
    }
    let unaccounted = requested
        .iter()
        .filter(|k| !stored_keys.contains(*k) && !failed.contains_key(k))
        .count();
    let misreported = failed
        .iter()
        .filter(|(k, o)| **o == WriteOutcome::NotApplied && stored_keys.contains(**k))
        .count();
    let lost_updates = stored
        .iter()
        .filter_map(|i| match i {
            GameItem::Match(m) => acknowledged.get(&m.id).map(|want| (m, want)),
            _ => None,
        })
        .filter(|(m, (round, bracket))| m.round != *round || m.bracket != *bracket)
        .count();
    let nulls = scan_raw(&t.direct)
        .await
        .iter()
        .filter(|i| {
            ["tournament", "region", "round", "bracket"]
                .iter()
                .any(|a| {
                    matches!(
                        i.get(*a),
                        Some(aws_sdk_dynamodb::types::AttributeValue::Null(_))
                    )
                })
        })
        .count();

    // The index holds exactly the stored members, in (round, bracket) order.
    let (mut missing, mut duplicated, mut extra, mut out_of_order) = (0, 0, 0, 0);
    for region in ["eu", "us"] {
        let got: Vec<GameItem> = t
            .direct
            .query_index(Match::ByRound.partition("spring", region))
            .registry::<GameItem>()
            .all()
            .await
            .expect("index query");
        let ident = |i: &GameItem| match i {
            GameItem::Match(m) => (format!("m{}", m.id), m.round, m.bracket.clone()),
            GameItem::Pick(p) => (format!("p{}", p.user), p.round, Some(p.bracket.clone())),
            GameItem::Cell(c) => (format!("c{}", c.id), 0, None),
        };
        let got: Vec<(String, i64, Option<String>)> = got.iter().map(ident).collect();
        let model: HashSet<String> = stored
            .iter()
            .filter(|i| match i {
                GameItem::Match(m) => m.region == region && m.bracket.is_some(),
                GameItem::Pick(p) => p.region == region,
                GameItem::Cell(_) => false,
            })
            .map(|i| ident(i).0)
            .collect();
        let ids: HashSet<String> = got.iter().map(|g| g.0.clone()).collect();
        duplicated += got.len() - ids.len();
        missing += model.difference(&ids).count();
        extra += ids.difference(&model).count();
        out_of_order += got
            .windows(2)
            .filter(|w| (w[0].1, &w[0].2) > (w[1].1, &w[1].2))
            .count();
    }
    let stats = t.proxy.stats();
    assert!(
        stats.unprocessed + stats.throttled + stats.dropped > 0,
        "no fault was injected: {stats:?}"
    );
    assert_eq!(
        (
            unaccounted,
            misreported,
            listed_twice,
            lost_updates,
            nulls,
            missing,
            duplicated,
            extra,
            out_of_order
        ),
        (0, 0, 0, 0, 0, 0, 0, 0, 0),
        "(unaccounted, misreported, listed twice, lost updates, NULLs, missing, duplicated, extra, out of order); faults {stats:?}"
    );
}
