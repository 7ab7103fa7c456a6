//! Typed updates and conditions on both servers.

use dynamorm::{Condition, Error};
use dynamorm_entities::sample::{assigned_task, task, user};
use dynamorm_entities::{Task, TaskStatus, User};
use rstest::rstest;

use crate::crud::raw_get;
use crate::harness::invalid_kind;
use crate::harness::{Backend, table};
use dynamorm::InvalidInputKind;

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn every_action_kind_applies(#[case] backend: Backend) {
    let t = table(backend, "actions").await;
    let mut original = assigned_task("acme", "p1", 1, "u1", 2);
    original.tags = vec!["b".into()];
    t.db.put(&original).send().await.expect("put");
    let a = Task::attrs();
    let updated =
        t.db.update(original.key())
            .set(a.status, TaskStatus::InProgress) // `status` is a reserved word
            .add(a.points, 4)
            .append(a.tags, ["c".to_string()])
            .set_if_not_exists(a.title, "ignored: title exists")
            .send()
            .await
            .expect("update");
    assert_eq!(updated.status, TaskStatus::InProgress);
    assert_eq!(updated.points, 5);
    assert_eq!(updated.tags, ["b", "c"]);
    assert_eq!(updated.title, original.title);

    let updated =
        t.db.update(original.key())
            .increment(a.points, 10)
            .prepend(a.tags, ["a".to_string()])
            .send()
            .await
            .expect("update");
    assert_eq!(updated.points, 15);
    assert_eq!(updated.tags, ["a", "b", "c"]);
    let updated =
        t.db.update(original.key())
            .decrement(a.points, 5)
            .send()
            .await
            .expect("update");
    assert_eq!(updated.points, 10);
    assert_eq!(
        t.db.get(original.key()).send().await.expect("get"),
        Some(updated)
    );

    let u = user("acme", "u9");
    t.db.put(&u).send().await.expect("put");
    let renamed =
        t.db.update(u.key())
            .set(User::attrs().name, "Renamed") // `name` is a reserved word too
            .send()
            .await
            .expect("update");
    assert_eq!(renamed.name, "Renamed");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn update_of_a_missing_item_is_not_found(#[case] backend: Backend) {
    let t = table(backend, "update-missing").await;
    let err =
        t.db.update(task("acme", "p1", 404).key())
            .set(Task::attrs().title, "x")
            .send()
            .await
            .expect_err("missing");
    assert!(
        matches!(err, Error::NotFound { entity: "Task", .. }),
        "{err:?}"
    );
    assert!(
        raw_get(&t.db, task("acme", "p1", 404).key())
            .await
            .is_none(),
        "no partial item was created"
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn failed_conditions_carry_the_old_item_when_asked(#[case] backend: Backend) {
    let t = table(backend, "condition-old").await;
    let original = task("acme", "p1", 1);
    t.db.put(&original).send().await.expect("put");
    let a = Task::attrs();

    let err =
        t.db.update(original.key())
            .set(a.title, "changed")
            .condition(a.status.eq(TaskStatus::Done))
            .return_old_on_failure()
            .send()
            .await
            .expect_err("condition is false");
    let Error::ConditionFailed(failed) = err else {
        panic!("expected ConditionFailed, got {err:?}")
    };
    assert_eq!(failed.entity(), "Task");
    let old: Task = failed.old().expect("old item requested").expect("decodes");
    assert_eq!(old, original);

    let err =
        t.db.put(&original)
            .condition(a.points.gt(100))
            .send()
            .await
            .expect_err("condition is false");
    let Error::ConditionFailed(failed) = err else {
        panic!("expected ConditionFailed, got {err:?}")
    };
    assert!(failed.old::<Task>().is_none(), "not asked for");
    assert_eq!(
        t.db.get(original.key()).send().await.expect("get"),
        Some(original)
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn conditions_evaluate_on_the_server_as_written(#[case] backend: Backend) {
    let t = table(backend, "conditions").await;
    let mut stored = assigned_task("acme", "p1", 1, "u1", 1);
    stored.points = 3;
    stored.tags = vec!["urgent".into(), "ui".into()];
    stored.title = "Fix login".into();
    t.db.put(&stored).send().await.expect("put");
    let a = Task::attrs();

    let cases: Vec<(&str, Condition<Task>, bool)> = vec![
        ("eq", a.points.eq(3), true),
        ("ne", a.points.ne(3), false),
        ("lt", a.points.lt(4), true),
        ("le", a.points.le(2), false),
        ("gt", a.points.gt(2), true),
        ("ge", a.points.ge(4), false),
        ("between", a.points.between(1u32, 3), true),
        ("between-out", a.points.between(4u32, 9), false),
        (
            "in",
            a.status.is_in([TaskStatus::Open, TaskStatus::Done]),
            true,
        ),
        ("in-out", a.status.is_in([TaskStatus::Done]), false),
        ("begins_with", a.title.begins_with("Fix"), true),
        ("begins_with-out", a.title.begins_with("fix"), false),
        ("contains_str", a.title.contains_str("log"), true),
        ("contains", a.tags.contains("urgent"), true),
        ("contains-out", a.tags.contains("backend"), false),
        ("size", a.tags.size().eq(2), true),
        ("size-out", a.tags.size().gt(2), false),
        ("exists", a.assignee.exists(), true),
        ("not_exists", a.assignee.not_exists(), false),
        ("not", !a.points.eq(3), false),
        ("and", a.points.eq(3).and(a.title.begins_with("Fix")), true),
        (
            "and-out",
            a.points.eq(3).and(a.title.begins_with("x")),
            false,
        ),
        ("or", a.points.eq(9).or(a.title.begins_with("Fix")), true),
        ("or-out", a.points.eq(9).or(a.title.begins_with("x")), false),
        ("eq_attr", a.title.eq_attr(a.tenant_id), false),
        (
            "raw",
            Condition::raw("#p > :min")
                .name("#p", "points")
                .value(":min", &2),
            true,
        ),
        (
            // Its own enclosing parentheses: the server rejects `((…))` as redundant, so
            // the library must not send them twice.
            "raw_parenthesised",
            Condition::raw("(#p > :min)")
                .name("#p", "points")
                .value(":min", &2),
            true,
        ),
        (
            "raw_negated",
            !Condition::raw("(#p > :min) OR (#p < :min)")
                .name("#p", "points")
                .value(":min", &2),
            false,
        ),
    ];
    let err =
        t.db.put(&stored)
            .condition(a.title.eq_attr(a.title))
            .send()
            .await
            .expect_err("DynamoDB rejects comparing an attribute with itself");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::InvalidCondition),
        "caught before sending: {err:?}"
    );
    for (name, condition, holds) in cases {
        let result = t.db.put(&stored).condition(condition).send().await;
        match (holds, result) {
            (true, Ok(())) => {}
            (false, Err(Error::ConditionFailed(_))) => {}
            (holds, other) => panic!("case `{name}`: expected {holds}, got {other:?}"),
        }
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn index_keys_follow_their_fields(#[case] backend: Backend) {
    let t = table(backend, "index-sync").await;
    let original = task("acme", "p1", 1);
    t.db.put(&original).send().await.expect("put");
    let a = Task::attrs();
    let due = dynamorm_entities::sample::epoch();

    // Setting every field of the GSI1 templates puts the item into the sparse index.
    let updated =
        t.db.update(original.key())
            .set(a.assignee, Some("u2".to_string()))
            .set(a.due, Some(due))
            .send()
            .await
            .expect("assign");
    assert_eq!(updated.assignee.as_deref(), Some("u2"));
    let raw = raw_get(&t.db, original.key()).await.expect("stored");
    assert_eq!(
        raw["GSI1PK"].as_s().ok().map(String::as_str),
        Some("USER#u2")
    );
    assert_eq!(
        raw["GSI1SK"].as_s().ok().map(String::as_str),
        Some("DUE#2026-01-05T09:00:00.000000000Z")
    );

    // Setting only one of them is refused before sending: the other is not known.
    let err =
        t.db.update(original.key())
            .set(a.assignee, Some("u3".to_string()))
            .send()
            .await
            .expect_err("partial index update");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::IncompleteIndexKey),
        "{err:?}"
    );

    // Removing one takes the item out of the index.
    t.db.update(original.key())
        .remove(a.assignee)
        .send()
        .await
        .expect("unassign");
    let raw = raw_get(&t.db, original.key()).await.expect("stored");
    assert!(
        !raw.contains_key("GSI1PK") && !raw.contains_key("GSI1SK"),
        "{raw:?}"
    );

    // A template that also reads primary-key fields takes them from the key: setting the
    // status alone re-renders GSI2 (`PROJECT#{project_id}#STATUS#{status}`).
    assert_eq!(
        raw["GSI2PK"].as_s().ok().map(String::as_str),
        Some("PROJECT#p1#STATUS#OPEN")
    );
    t.db.update(original.key())
        .set(a.status, TaskStatus::Done)
        .send()
        .await
        .expect("status");
    let raw = raw_get(&t.db, original.key()).await.expect("stored");
    assert_eq!(
        raw.get("GSI2PK")
            .and_then(|v| v.as_s().ok())
            .map(String::as_str),
        Some("PROJECT#p1#STATUS#DONE"),
        "{raw:?}"
    );
    let done =
        t.db.query((a.project_id.is("p1"), a.status.is(TaskStatus::Done)))
            .index(dynamorm_entities::Tracker::GSI2)
            .all()
            .await
            .expect("by status");
    assert_eq!(done.len(), 1);
    let open =
        t.db.query((a.project_id.is("p1"), a.status.is(TaskStatus::Open)))
            .index(dynamorm_entities::Tracker::GSI2)
            .count()
            .await
            .expect("count");
    assert_eq!(open, 0);

    // Writing one attribute twice is refused before sending.
    let err =
        t.db.update(original.key())
            .set(a.title, "a")
            .set(a.title, "b")
            .send()
            .await
            .expect_err("duplicate");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::OverlappingPaths),
        "{err:?}"
    );
}
