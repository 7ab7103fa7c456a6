//! Holes an adversarial review of the write pipeline found, each pinned on both servers:
//! a transaction action writing to the table its `Db` names, unique fields changed only by
//! `set`/`remove` (whose sentinels move with them), and two identical unique updates racing
//! each other both reported as what they are (a no-op for the loser, never a violation).

use dynamorm::{Db, Entity, Error};
use dynamorm_entities::sample::user;
use dynamorm_entities::{Tracker, User};
use rstest::rstest;

use super::{audit_unique, bounded, scan_raw};
use crate::harness::invalid_kind;
use crate::harness::{Backend, table, unique_name};
use dynamorm::InvalidInputKind;

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn transaction_actions_write_to_their_own_tables(#[case] backend: Backend) {
    let first = table(backend, "tx-own-table-a").await;
    // A second table on the same server, reached through the same client.
    let other: Db<Tracker> =
        Db::with_table_name(first.db.client().clone(), unique_name("tx-own-table-b"));
    other.create_table().await.expect("second table");
    let project = dynamorm_entities::sample::project("acme", "p1", "ann");
    bounded(30, "transaction", async {
        first
            .db
            .transact_write()
            .action(other.put(&project))
            .send()
            .await
            .expect("transaction");
    })
    .await;
    let in_first = scan_raw(&first.db).await.len();
    let in_second = scan_raw(&other).await.len();
    assert_eq!(
        (in_first, in_second),
        (0, 1),
        "the put lands in the table of the Db it was built from"
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn unique_fields_change_only_by_set_or_remove(#[case] backend: Backend) {
    let t = table(backend, "unique-set-only").await;
    let mut u = user("acme", "u1");
    u.email = "a@example.com".into();
    t.db.create(&u).send().await.expect("create");
    let a = User::attrs();
    let err =
        t.db.update(u.key())
            .set_if_not_exists(a.email, "b@example.com")
            .send()
            .await
            .expect_err("set_if_not_exists on a unique field is refused");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::KeyAttributeNotWritable),
        "{err:?}"
    );
    let problems = audit_unique(&scan_raw(&t.db).await, &[&User::SCHEMA]);
    assert_eq!(problems, Vec::<String>::new(), "audit");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn identical_unique_updates_racing_are_not_violations(#[case] backend: Backend) {
    let t = table(backend, "unique-identical-race").await;
    let a = User::attrs();
    let rounds = 20;
    let mut violations = 0;
    let mut other_errors = Vec::new();
    for round in 0..rounds {
        let mut u = user("acme", &format!("u{round}"));
        u.email = format!("old{round}@example.com");
        t.db.create(&u).send().await.expect("create");
        let new = format!("new{round}@example.com");
        let update = || t.db.update(u.key()).set(a.email, new.as_str()).send();
        let (x, y) = bounded(30, "racing updates", async {
            tokio::join!(update(), update())
        })
        .await;
        for result in [x, y] {
            match result {
                Ok(_) => {}
                Err(Error::UniqueViolation { .. }) => violations += 1,
                Err(e) => other_errors.push(format!("{e}")),
            }
        }
    }
    let problems = audit_unique(&scan_raw(&t.db).await, &[&User::SCHEMA]);
    println!(
        "{rounds} rounds: {violations} reported violations, {} other errors, {} audit problems",
        other_errors.len(),
        problems.len()
    );
    assert_eq!(
        violations, 0,
        "a lost race to the same value is not a violation"
    );
    assert!(other_errors.is_empty(), "{other_errors:?}");
    assert_eq!(problems, Vec::<String>::new(), "audit");
}
