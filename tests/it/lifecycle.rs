//! Optimistic locking, timestamps, TTL and unique constraints.

use std::sync::Arc;

use chrono::{Duration, Utc};
use dynamorm::Error;
use dynamorm_entities::sample::{tenant, user};
use dynamorm_entities::{Session, Tenant, User};
use rstest::rstest;

use crate::crud::raw_get;
use crate::harness::invalid_kind;
use crate::harness::{Backend, table};
use dynamorm::InvalidInputKind;

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_increments_with_optimistic_locking_lose_nothing(#[case] backend: Backend) {
    let t = table(backend, "versions").await;
    t.db.create(&tenant("acme")).send().await.expect("create");
    let db = Arc::new(t.db.clone());
    let key = tenant("acme").key();
    let workers: Vec<_> = (0..20)
        .map(|_| {
            let db = Arc::clone(&db);
            let key = key.clone();
            tokio::spawn(async move {
                let mut conflicts = 0u32;
                for _ in 0..25 {
                    loop {
                        let mut current = db
                            .get(key.clone())
                            .consistent_read()
                            .send()
                            .await
                            .expect("get")
                            .expect("tenant");
                        current.task_count += 1;
                        match db.put(&current).send().await {
                            Ok(()) => break,
                            Err(Error::VersionConflict { .. }) => conflicts += 1,
                            Err(e) => panic!("{e:?}"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    let mut conflicts = 0;
    for w in workers {
        conflicts += w.await.expect("worker");
    }
    let final_tenant =
        t.db.get(key)
            .consistent_read()
            .send()
            .await
            .expect("get")
            .expect("tenant");
    assert_eq!(final_tenant.task_count, 500);
    assert_eq!(final_tenant.version, 501, "1 create + 500 puts");
    println!("optimistic locking: 500 increments, {conflicts} conflicts retried");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn stale_writes_are_version_conflicts(#[case] backend: Backend) {
    let t = table(backend, "stale").await;
    t.db.create(&tenant("acme")).send().await.expect("create");
    let key = tenant("acme").key();
    let read =
        t.db.get(key.clone())
            .send()
            .await
            .expect("get")
            .expect("tenant");
    assert_eq!(read.version, 1);
    let a = Tenant::attrs();
    let updated =
        t.db.update(key.clone())
            .set(a.name, "Acme")
            .if_version(1)
            .send()
            .await
            .expect("update");
    assert_eq!(updated.version, 2);

    let err = t.db.put(&read).send().await.expect_err("stale put");
    assert!(
        matches!(
            err,
            Error::VersionConflict {
                entity: "Tenant",
                expected: 1,
                found: Some(2),
                ..
            }
        ),
        "{err:?}"
    );
    let err =
        t.db.update(key.clone())
            .set(a.name, "x")
            .if_version(1)
            .send()
            .await
            .expect_err("stale update");
    assert!(
        matches!(
            err,
            Error::VersionConflict {
                expected: 1,
                found: Some(2),
                ..
            }
        ),
        "{err:?}"
    );
    let err =
        t.db.delete(key.clone())
            .if_version(1)
            .send()
            .await
            .expect_err("stale delete");
    assert!(matches!(err, Error::VersionConflict { .. }), "{err:?}");
    // A new entity (version 0) can only be created once.
    let err =
        t.db.put(&tenant("acme"))
            .send()
            .await
            .expect_err("version 0 over an existing item");
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err:?}");
    let err =
        t.db.update(key.clone())
            .set(a.version, 9u64)
            .send()
            .await
            .expect_err("managed");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::LifecycleAttributeNotWritable),
        "{err:?}"
    );
    assert!(
        t.db.delete(key)
            .if_version(2)
            .send()
            .await
            .expect("delete")
            .is_some()
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn created_at_is_set_once_and_updated_at_on_every_write(#[case] backend: Backend) {
    let t = table(backend, "timestamps").await;
    let before = Utc::now() - Duration::seconds(1);
    t.db.create(&tenant("acme")).send().await.expect("create");
    let key = tenant("acme").key();
    let first =
        t.db.get(key.clone())
            .send()
            .await
            .expect("get")
            .expect("tenant");
    assert!(
        first.created_at >= before,
        "set by the library, not the caller's value"
    );
    let first_updated = first.updated_at.expect("set");

    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let mut changed = first.clone();
    changed.name = "Acme".into();
    changed.created_at = before - Duration::days(365); // a caller's attempt to rewrite it
    t.db.put(&changed).send().await.expect("put");
    let second =
        t.db.get(key.clone())
            .send()
            .await
            .expect("get")
            .expect("tenant");
    assert_eq!(
        second.created_at, first.created_at,
        "never overwritten by a put"
    );
    assert_eq!(second.name, "Acme");
    assert!(second.updated_at.expect("set") > first_updated);

    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let third =
        t.db.update(key)
            .set(Tenant::attrs().name, "ACME")
            .send()
            .await
            .expect("update");
    assert_eq!(
        third.created_at, first.created_at,
        "never overwritten by an update"
    );
    assert!(third.updated_at > second.updated_at);
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn ttl_is_stored_as_epoch_seconds_and_enabled_on_the_table(#[case] backend: Backend) {
    let t = table(backend, "ttl").await;
    let expired = Session {
        tenant_id: "acme".into(),
        session_id: "old".into(),
        user_id: "u1".into(),
        expires_at: Utc::now() - Duration::hours(1),
    };
    let live = Session {
        session_id: "new".into(),
        expires_at: Utc::now() + Duration::hours(1),
        ..expired.clone()
    };
    t.db.put(&expired).send().await.expect("put");
    t.db.put(&live).send().await.expect("put");
    let raw = raw_get(&t.db, live.key()).await.expect("stored");
    assert_eq!(
        raw["expires"].as_n().ok().map(String::as_str),
        Some(live.expires_at.timestamp().to_string().as_str())
    );
    let ttl =
        t.db.client()
            .describe_time_to_live()
            .table_name(t.db.table_name())
            .send()
            .await
            .expect("describe ttl")
            .time_to_live_description
            .expect("description");
    assert_eq!(ttl.attribute_name(), Some("expires"));
    assert_eq!(
        ttl.time_to_live_status().map(|s| s.as_str()),
        Some("ENABLED")
    );
    // Moving the expiry with an update moves the TTL attribute too.
    let later = Utc::now() + Duration::hours(5);
    t.db.update(live.key())
        .set(Session::attrs().expires_at, later)
        .send()
        .await
        .expect("update");
    let raw = raw_get(&t.db, live.key()).await.expect("stored");
    assert_eq!(
        raw["expires"].as_n().ok().cloned(),
        Some(later.timestamp().to_string())
    );
    if let Some(server) = &t.server {
        // The embedded engine expires items only when swept.
        assert_eq!(server.sweep_ttl().expect("sweep"), 1);
        assert!(t.db.get(expired.key()).send().await.expect("get").is_none());
        assert!(t.db.get(live.key()).send().await.expect("get").is_some());
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unique_values_are_claimed_moved_and_freed(#[case] backend: Backend) {
    let t = table(backend, "unique").await;
    let mut ann = user("acme", "ann");
    ann.email = "shared@example.com".into();
    let mut bob = user("acme", "bob");
    bob.email = "shared@example.com".into();
    // Two concurrent creates with the same e-mail: exactly one wins.
    let (a, b) = tokio::join!(t.db.create(&ann).send(), t.db.create(&bob).send());
    let results = [a, b];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    let loser_err = results
        .into_iter()
        .find_map(Result::err)
        .expect("one failed");
    assert!(
        matches!(
            loser_err,
            Error::UniqueViolation {
                entity: "User",
                field: "email",
                ..
            } | Error::TransactionCanceled(_)
        ),
        "{loser_err:?}"
    );
    let winner = if t.db.get(ann.key()).send().await.expect("get").is_some() {
        ann.clone()
    } else {
        bob.clone()
    };
    let loser = if winner.user_id == "ann" {
        bob.clone()
    } else {
        ann.clone()
    };
    // Sequentially, a taken value is a UniqueViolation naming the field.
    let err = t.db.create(&loser).send().await.expect_err("taken");
    assert!(
        matches!(err, Error::UniqueViolation { field: "email", .. }),
        "{err:?}"
    );

    let mut loser = loser;
    loser.email = "loser@example.com".into();
    t.db.create(&loser).send().await.expect("a free value");
    // Updating to a taken value fails; to a free one moves the sentinel.
    let u = User::attrs();
    let err =
        t.db.update(loser.key())
            .set(u.email, "shared@example.com")
            .send()
            .await
            .expect_err("taken");
    assert!(
        matches!(err, Error::UniqueViolation { field: "email", .. }),
        "{err:?}"
    );
    let moved =
        t.db.update(winner.key())
            .set(u.email, "winner@example.com")
            .send()
            .await
            .expect("move");
    assert_eq!(moved.email, "winner@example.com");
    // The old value is free again.
    t.db.update(loser.key())
        .set(u.email, "shared@example.com")
        .send()
        .await
        .expect("now free");
    // A put that changes the value moves it too.
    let mut winner2 = moved.clone();
    winner2.email = "w2@example.com".into();
    t.db.put(&winner2).send().await.expect("put moves");
    let mut third = user("acme", "cy");
    third.email = "winner@example.com".into();
    t.db.create(&third).send().await.expect("freed by the put");
    // Deleting frees the value.
    let deleted = t.db.delete(third.key()).send().await.expect("delete");
    assert_eq!(deleted.map(|u| u.user_id).as_deref(), Some("cy"));
    let mut fourth = user("acme", "dee");
    fourth.email = "winner@example.com".into();
    t.db.create(&fourth)
        .send()
        .await
        .expect("freed by the delete");
    assert_eq!(
        t.db.delete(user("acme", "nobody").key())
            .send()
            .await
            .expect("missing"),
        None
    );
    let users: Vec<User> = t.db.scan::<User>().all().await.expect("scan");
    assert_eq!(users.len(), 3);
}
