//! Unique values under concurrent writes: never duplicated, never locked by a stale
//! sentinel, and every write's result matches what it did.

use dynamorm::{Db, Entity, Error};
use dynamorm_entities::sample::user;
use dynamorm_entities::{Tracker, User};
use rstest::rstest;

use super::{audit_unique, bounded, email_sentinel_owner, scan_raw};
use crate::harness::{Backend, table};

/// What went wrong over a number of rounds.
#[derive(Debug, Default)]
struct Counts {
    rounds: u32,
    /// The stored user's e-mail has no sentinel owned by it.
    no_sentinel: u32,
    /// A second user could be created with an e-mail a stored user holds.
    duplicated: u32,
    /// A value no one holds could not be taken (a stale or orphaned sentinel).
    locked: u32,
    /// A write returned an error but its effect is stored, or returned Ok for something
    /// that cannot have happened.
    misreported: u32,
    /// Both concurrent creates of one value succeeded.
    both_created: u32,
    /// Errors other than the acceptable ones.
    unexpected: Vec<String>,
    /// How many writes failed with an acceptable error (informational).
    acceptable_errors: u32,
}

impl Counts {
    fn error(&mut self, err: &Error) {
        if matches!(
            err,
            Error::ConditionFailed(_)
                | Error::TransactionCanceled(_)
                | Error::UniqueViolation { .. }
                | Error::NotFound { .. }
        ) {
            self.acceptable_errors += 1;
        } else {
            self.unexpected.push(format!("{err:?}"));
        }
    }

    fn assert_clean(&self, what: &str) {
        println!("{what}: {self:?}");
        assert_eq!(
            (
                self.no_sentinel,
                self.duplicated,
                self.locked,
                self.misreported,
                self.both_created,
                self.unexpected.len()
            ),
            (0, 0, 0, 0, 0, 0),
            "{what}: (no sentinel, duplicated, locked, misreported, both created, unexpected \
             errors) over {} rounds: {self:?}",
            self.rounds
        );
    }
}

fn user_with(user_id: &str, email: &str) -> User {
    let mut u = user("race", user_id);
    u.email = email.to_owned();
    u
}

/// The stored user's value must have a sentinel it owns, and no one else may take it.
async fn check_held(db: &Db<Tracker>, stored: &User, tag: &str, counts: &mut Counts) {
    let key = dynamorm::EntityKey::render(&stored.key()).expect("key renders");
    match email_sentinel_owner(db, &stored.email).await {
        Some((pk, sk)) if pk == key.partition_key && sk == key.sort_key => {}
        _ => counts.no_sentinel += 1,
    }
    let dup = user_with(&format!("dup-{tag}"), &stored.email);
    if db.create(&dup).send().await.is_ok() {
        counts.duplicated += 1;
    }
}

/// A value no stored item holds must be free: taking it must work.
async fn check_free(db: &Db<Tracker>, email: &str, tag: &str, counts: &mut Counts) {
    let taker = user_with(&format!("taker-{tag}"), email);
    match db.create(&taker).send().await {
        Ok(()) => {}
        Err(Error::UniqueViolation { .. }) => counts.locked += 1,
        Err(e) => counts
            .unexpected
            .push(format!("taking a free value: {e:?}")),
    }
}

async fn stored(db: &Db<Tracker>, u: &User) -> Option<User> {
    db.get(u.key()).consistent_read().send().await.expect("get")
}

fn assert_audit_clean(items: &[dynamorm::Item], what: &str) {
    let problems = audit_unique(items, &[&User::SCHEMA]);
    println!(
        "{what}: table audit: {} items, {} problems",
        items.len(),
        problems.len()
    );
    assert!(
        problems.is_empty(),
        "{what}: {} sentinel problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// A put that changes another field races an update that moves the e-mail: the put must
/// not write the old e-mail back without its sentinel.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unique_put_racing_an_email_update_never_duplicates_the_value(#[case] backend: Backend) {
    let t = table(backend, "wg-unique-put-update").await;
    let db = &t.db;
    let attrs = User::attrs();
    let mut counts = Counts::default();
    bounded(240, "40 put/update rounds", async {
        for i in 0..40 {
            counts.rounds += 1;
            let a = format!("a{i}@race.example");
            let b = format!("b{i}@race.example");
            let u = user_with(&format!("u{i}"), &a);
            db.create(&u).send().await.expect("create");
            let mut renamed = u.clone();
            renamed.name = format!("Renamed {i}");
            let (put, update) = tokio::join!(
                db.put(&renamed).send(),
                db.update(u.key()).set(attrs.email, b.as_str()).send()
            );
            let Some(now) = stored(db, &u).await else {
                counts.misreported += 1; // neither write deletes
                continue;
            };
            if put.is_err() && now.name == renamed.name {
                counts.misreported += 1;
            }
            if update.is_err() && now.email == b {
                counts.misreported += 1;
            }
            if put.is_ok() && now.name != renamed.name {
                counts.misreported += 1;
            }
            for e in [put.err(), update.err()].into_iter().flatten() {
                counts.error(&e);
            }
            check_held(db, &now, &format!("{i}"), &mut counts).await;
            let other = if now.email == a { &b } else { &a };
            check_free(db, other, &format!("{i}"), &mut counts).await;
        }
    })
    .await;
    let items = scan_raw(db).await;
    let problems = audit_unique(&items, &[&User::SCHEMA]);
    println!(
        "put vs update of the e-mail: table audit: {} items, {} problems",
        items.len(),
        problems.len()
    );
    counts.assert_clean("put vs update of the e-mail");
    assert_audit_clean(&items, "put vs update of the e-mail");
}

/// Create vs create of one value, update vs delete, a put and an update that both move the
/// value, and a put keeping the value vs a delete: afterwards every value has exactly one
/// sentinel, owned by its holder.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unique_races_leave_every_value_with_exactly_one_sentinel(#[case] backend: Backend) {
    let t = table(backend, "wg-unique-races").await;
    let db = &t.db;
    let attrs = User::attrs();

    // Create vs create of the same value: at most one wins.
    let mut creates = Counts::default();
    bounded(120, "create/create rounds", async {
        for i in 0..20 {
            creates.rounds += 1;
            let email = format!("c{i}@race.example");
            let x = user_with(&format!("cx{i}"), &email);
            let y = user_with(&format!("cy{i}"), &email);
            let (rx, ry) = tokio::join!(db.create(&x).send(), db.create(&y).send());
            if rx.is_ok() && ry.is_ok() {
                creates.both_created += 1;
            }
            for (r, who) in [(rx, &x), (ry, &y)] {
                match r {
                    Ok(()) => {
                        if stored(db, who).await.is_none() {
                            creates.misreported += 1;
                        }
                    }
                    Err(e) => {
                        if stored(db, who).await.is_some() {
                            creates.misreported += 1;
                        }
                        creates.error(&e);
                    }
                }
            }
            let winner = match (stored(db, &x).await, stored(db, &y).await) {
                (Some(w), None) | (None, Some(w)) => Some(w),
                (Some(w), Some(_)) => Some(w),
                (None, None) => None,
            };
            match winner {
                Some(w) => check_held(db, &w, &format!("c{i}"), &mut creates).await,
                None => check_free(db, &email, &format!("c{i}"), &mut creates).await,
            }
        }
    })
    .await;

    // Update (moving the value) vs delete.
    let mut deletes = Counts::default();
    bounded(120, "update/delete rounds", async {
        for i in 0..20 {
            deletes.rounds += 1;
            let a = format!("d{i}a@race.example");
            let b = format!("d{i}b@race.example");
            let u = user_with(&format!("d{i}"), &a);
            db.create(&u).send().await.expect("create");
            let (update, delete) = tokio::join!(
                db.update(u.key()).set(attrs.email, b.as_str()).send(),
                db.delete(u.key()).send()
            );
            let now = stored(db, &u).await;
            if matches!(&delete, Ok(Some(_))) && now.is_some() {
                deletes.misreported += 1; // reported deleted, still there
            }
            if update.is_err() && now.as_ref().is_some_and(|n| n.email == b) {
                deletes.misreported += 1;
            }
            for e in [update.err(), delete.err()].into_iter().flatten() {
                deletes.error(&e);
            }
            match &now {
                Some(n) => {
                    check_held(db, n, &format!("d{i}"), &mut deletes).await;
                    let other = if n.email == a { &b } else { &a };
                    check_free(db, other, &format!("d{i}"), &mut deletes).await;
                }
                None => {
                    check_free(db, &a, &format!("d{i}a"), &mut deletes).await;
                    check_free(db, &b, &format!("d{i}b"), &mut deletes).await;
                }
            }
        }
    })
    .await;

    // A put moving the value to C vs an update moving it to B.
    let mut moves = Counts::default();
    bounded(120, "put/update move rounds", async {
        for i in 0..20 {
            moves.rounds += 1;
            let a = format!("m{i}a@race.example");
            let b = format!("m{i}b@race.example");
            let c = format!("m{i}c@race.example");
            let u = user_with(&format!("m{i}"), &a);
            db.create(&u).send().await.expect("create");
            let mut moved = u.clone();
            moved.email = c.clone();
            let (put, update) = tokio::join!(
                db.put(&moved).send(),
                db.update(u.key()).set(attrs.email, b.as_str()).send()
            );
            let Some(now) = stored(db, &u).await else {
                moves.misreported += 1;
                continue;
            };
            if put.is_err() && now.email == c {
                moves.misreported += 1;
            }
            if update.is_err() && now.email == b {
                moves.misreported += 1;
            }
            for e in [put.err(), update.err()].into_iter().flatten() {
                moves.error(&e);
            }
            check_held(db, &now, &format!("m{i}"), &mut moves).await;
            for (n, other) in [&a, &b, &c].into_iter().enumerate() {
                if *other != now.email {
                    check_free(db, other, &format!("m{i}-{n}"), &mut moves).await;
                }
            }
        }
    })
    .await;

    // A put that keeps the value (changing another field) vs a delete: the put must not
    // bring the item back without its sentinel.
    let mut put_delete = Counts::default();
    bounded(120, "put/delete rounds", async {
        for i in 0..20 {
            put_delete.rounds += 1;
            let a = format!("p{i}@race.example");
            let u = user_with(&format!("p{i}"), &a);
            db.create(&u).send().await.expect("create");
            let mut renamed = u.clone();
            renamed.name = format!("Renamed {i}");
            let (put, delete) = tokio::join!(db.put(&renamed).send(), db.delete(u.key()).send());
            let now = stored(db, &u).await;
            if put.is_err() && now.as_ref().is_some_and(|n| n.name == renamed.name) {
                put_delete.misreported += 1;
            }
            for e in [put.err(), delete.err()].into_iter().flatten() {
                put_delete.error(&e);
            }
            match &now {
                Some(n) => check_held(db, n, &format!("p{i}"), &mut put_delete).await,
                None => check_free(db, &a, &format!("p{i}"), &mut put_delete).await,
            }
        }
    })
    .await;

    let items = scan_raw(db).await;
    let problems = audit_unique(&items, &[&User::SCHEMA]);
    println!(
        "all unique races: table audit: {} items, {} problems",
        items.len(),
        problems.len()
    );
    for (what, c) in [
        ("put (same value) vs delete", &put_delete),
        ("create vs create", &creates),
        ("update vs delete", &deletes),
        ("put (move) vs update (move)", &moves),
    ] {
        println!("{what}: {c:?}");
    }
    put_delete.assert_clean("put (same value) vs delete");
    creates.assert_clean("create vs create");
    deletes.assert_clean("update vs delete");
    moves.assert_clean("put (move) vs update (move)");
    assert_audit_clean(&items, "all unique races");
}
