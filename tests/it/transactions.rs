//! Write and read transactions across entity types.

use dynamorm::transact::CancelReason;
use dynamorm::{EntityKey, Error};
use dynamorm_entities::sample::{comment, project, task};
use dynamorm_entities::{Comment, Project, Task, TrackerItem};
use rstest::rstest;

use crate::crud::raw_get;
use crate::harness::{Backend, table};
use crate::harness::{invalid_kind, refused};
use dynamorm::InvalidInputKind;

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_failing_check_in_the_middle_writes_nothing(#[case] backend: Backend) {
    let t = table(backend, "tx-cancel").await;
    let p = project("acme", "p1", "u1");
    t.db.put(&p).send().await.expect("seed project");
    let p2 = project("acme", "p2", "u1");
    t.db.put(&p2).send().await.expect("seed project");
    let new_task = task("acme", "p1", 1);
    let new_comment = comment("acme", "p1", 1, "c1", "u1", 0);
    let pa = Project::attrs();
    let err =
        t.db.transact_write()
            .action(t.db.create(&new_task))
            .action(
                t.db.condition_check(
                    p.key(),
                    pa.status.eq(dynamorm_entities::ProjectStatus::Archived),
                )
                .return_old_on_failure(),
            )
            .action(t.db.create(&new_comment))
            .send()
            .await
            .expect_err("the check fails");
    let Error::TransactionCanceled(canceled) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        canceled.actions.len(),
        1,
        "`None` reasons are not failures: {canceled:?}"
    );
    let failed = &canceled.actions[0];
    assert_eq!((failed.index, failed.entity), (1, "Project"));
    assert_eq!(failed.reason, CancelReason::ConditionalCheckFailed);
    assert_eq!(failed.key, p.key().render().expect("key"));
    let old: Project = failed.old().expect("asked for").expect("decodes");
    assert_eq!(old, p);
    assert!(
        raw_get(&t.db, new_task.key()).await.is_none(),
        "nothing written"
    );
    assert!(
        raw_get(&t.db, new_comment.key()).await.is_none(),
        "nothing written"
    );

    // With the check satisfied, everything is written atomically. Tokens are account-wide
    // (DynamoDB Local enforces that too), so each run uses a fresh one.
    let token = t.db.table_name().to_owned();
    let transaction = || {
        t.db.transact_write()
            .action(t.db.create(&new_task))
            .action(t.db.condition_check(
                p.key(),
                pa.status.eq(dynamorm_entities::ProjectStatus::Active),
            ))
            .action(t.db.create(&new_comment))
            .action(t.db.update(p2.key()).set(pa.name, "renamed"))
            .client_request_token(token.clone())
    };
    transaction().send().await.expect("transaction");
    // Retrying with the same token is idempotent: the creates do not fail the second time.
    transaction().send().await.expect("idempotent retry");
    let read =
        t.db.transact_get()
            .get(new_task.key())
            .get(p2.key())
            .get(new_comment.key())
            .get(task("acme", "p1", 99).key())
            .send()
            .await
            .expect("transact get");
    assert_eq!(
        read.get::<Task>(0).expect("decodes"),
        Some(new_task.clone())
    );
    assert_eq!(
        read.get::<Project>(1)
            .expect("decodes")
            .map(|p| p.name)
            .as_deref(),
        Some("renamed")
    );
    assert_eq!(read.get::<Comment>(2).expect("decodes"), Some(new_comment));
    assert_eq!(read.get::<Task>(3).expect("decodes"), None);
    assert!(matches!(
        read.get::<Comment>(0),
        Err(Error::WrongEntity { .. })
    ));
    let all = read.into_registry::<TrackerItem>().expect("registry");
    assert_eq!(all.iter().filter(|i| i.is_some()).count(), 3);

    // A create that finds its item cancels with the item's key and entity.
    let err =
        t.db.transact_write()
            .action(t.db.create(&new_task))
            .action(t.db.delete(p.key()))
            .send()
            .await
            .expect_err("exists");
    let Error::TransactionCanceled(canceled) = err else {
        panic!("{err:?}")
    };
    assert_eq!(canceled.actions.len(), 1);
    assert_eq!(
        (
            canceled.actions[0].index,
            canceled.actions[0].entity,
            canceled.actions[0].exists
        ),
        (0, "Task", true)
    );
    assert!(
        t.db.get(p.key()).send().await.expect("get").is_some(),
        "the delete was rolled back"
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn invalid_transactions_fail_before_sending(#[case] backend: Backend) {
    let t = table(backend, "tx-invalid").await;
    let mut tx = t.db.transact_write();
    for i in 0..101 {
        tx = tx.action(t.db.put(&task("acme", "p", i)));
    }
    let err = tx.send().await.expect_err("101 actions");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::ActionCount),
        "{err:?}"
    );
    let a = task("acme", "p", 1);
    let err =
        t.db.transact_write()
            .action(t.db.put(&a))
            .action(t.db.update(a.key()).set(Task::attrs().title, "x"))
            .send()
            .await
            .expect_err("duplicate target");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::DuplicateKey),
        "{err:?}"
    );
    let err = t.db.transact_write().send().await.expect_err("empty");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::ActionCount),
        "{err:?}"
    );
    let mut get = t.db.transact_get();
    for i in 0..101 {
        get = get.get(task("acme", "p", i).key());
    }
    assert_eq!(
        refused(&get.send().await),
        Some(InvalidInputKind::ActionCount)
    );
    // Entities with unique fields keep their sentinels in transactions of their own.
    let err =
        t.db.transact_write()
            .action(t.db.put(&dynamorm_entities::sample::user("acme", "u")))
            .send()
            .await
            .expect_err("unique");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::NotSupported),
        "{err:?}"
    );
    assert_eq!(
        t.db.scan::<Task>().count().await.expect("count"),
        0,
        "nothing was sent"
    );
}
