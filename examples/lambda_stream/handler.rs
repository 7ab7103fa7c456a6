//! The stream handler's logic, separate from the runtime so tests can call it directly.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use dynamorm::Db;
use dynamorm::stream::{ChangeKind, Changes};
use dynamorm_entities::{Tenant, TenantKey, Tracker, TrackerItem};

/// Counts task inserts and removes on their tenant; returns the records to retry.
pub(crate) async fn handle(
    db: &Db<Tracker>,
    event: Event,
) -> Result<DynamoDbEventResponse, dynamorm::Error> {
    let mut changes: Changes<TrackerItem> = dynamorm::stream::from_lambda_event(event);
    let mut retry = Vec::new();
    for change in &changes.changes {
        let (task, delta) = match (change.kind, &change.new, &change.old) {
            (ChangeKind::Insert, Some(TrackerItem::Task(task)), _) => (task, 1i64),
            (ChangeKind::Remove, _, Some(TrackerItem::Task(task))) => (task, -1i64),
            _ => continue,
        };
        let key = TenantKey {
            tenant_id: task.tenant_id.clone(),
        };
        let a = Tenant::attrs();
        let update = if delta > 0 {
            db.update(key).add(a.task_count, 1u64)
        } else {
            db.update(key).decrement(a.task_count, 1u64)
        };
        if let Err(error) = update.send().await {
            // Not fatal for the batch: this record is retried on its own.
            eprintln!("task count not updated: {error}");
            retry.extend(change.sequence_number.clone());
        }
    }
    let mut response = changes.lambda_response();
    for id in retry {
        let mut failure = aws_lambda_events::event::streams::DynamoDbBatchItemFailure::default();
        failure.item_identifier = Some(id);
        response.batch_item_failures.push(failure);
    }
    changes.changes.clear();
    Ok(response)
}
