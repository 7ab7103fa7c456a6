//! Consumed capacity (spans: `tests/spans.rs`, a binary of its own).

use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
use dynamorm_entities::sample::{assigned_task, project, tenant};
use rstest::rstest;

use crate::harness::{Backend, table};

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn capacity_is_aggregated_per_table_index_and_entity(#[case] backend: Backend) {
    let t = table(backend, "capacity").await;
    let db = t.db.with_consumed_capacity(ReturnConsumedCapacity::Indexes);
    // A task with an assignee and a due date is in both GSIs.
    db.put(&assigned_task("acme", "p", 1, "ann", 2))
        .send()
        .await
        .expect("put");
    let report = db.capacity().take();
    assert!(report.total > 0.0, "{report:?}");
    assert!(
        report.by_index.get("GSI1").is_some_and(|u| *u > 0.0),
        "{report:?}"
    );
    assert!(
        report.by_index.get("GSI2").is_some_and(|u| *u > 0.0),
        "{report:?}"
    );
    assert_eq!(report.by_entity.get("Task").copied(), Some(report.total));
    assert_eq!(
        report.by_table.get(db.table_name()).copied(),
        Some(report.total)
    );
    assert_eq!(db.capacity().report().total, 0.0, "take() resets");

    // Batches and transactions aggregate across their requests.
    let projects: Vec<_> = (0..30)
        .map(|i| project("acme", &format!("p{i}"), "ann"))
        .collect();
    let out = db
        .batch_write()
        .put_all(&projects)
        .send()
        .await
        .expect("batch");
    let on_result = out.consumed_capacity();
    out.into_result().expect("written");
    let batch = db.capacity().take();
    assert!(batch.responses >= 2 && batch.total >= 30.0, "{batch:?}");
    assert_eq!(
        on_result, batch.total,
        "the batch result carries what it consumed"
    );
    db.transact_write()
        .action(db.create(&tenant("acme")))
        .action(db.put(&project("acme", "q", "ann")))
        .send()
        .await
        .expect("transaction");
    assert!(db.capacity().report().total > 0.0);
    // Without asking, nothing is requested or recorded.
    t.db.put(&project("acme", "r", "ann"))
        .send()
        .await
        .expect("put");
    assert_eq!(t.db.capacity().report().responses, 0);
}
