//! Property tests: dynamorm's one-pass encoder and decoder agree with `serde_dynamo` (which
//! defines the format) on arbitrary entities, so items written by either are read by both.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{TimeZone, Utc};
use dynamorm::{Item, Registry, Table};
use dynamorm_entities::{Task, TaskStatus, Tracker, TrackerItem};
use proptest::prelude::*;

fn task() -> impl Strategy<Value = Task> {
    (
        (
            any::<String>(),
            any::<String>(),
            any::<u32>(),
            any::<String>(),
        ),
        prop_oneof![
            Just(TaskStatus::Open),
            Just(TaskStatus::InProgress),
            Just(TaskStatus::Done)
        ],
        proptest::option::of(any::<String>()),
        proptest::option::of(0i64..253_402_300_799),
        any::<u32>(),
        proptest::collection::vec(any::<String>(), 0..4),
    )
        .prop_map(
            |((tenant_id, project_id, task_id, title), status, assignee, due, points, tags)| Task {
                tenant_id,
                project_id,
                task_id,
                title,
                status,
                assignee,
                due: due.and_then(|s| Utc.timestamp_opt(s, 0).single()),
                points,
                tags,
            },
        )
}

proptest! {
    #[test]
    fn the_item_is_serde_dynamos_plus_keys(task in task()) {
        let ours = dynamorm::to_item(&task).expect("encodes");
        let plain: Item = serde_dynamo::to_item(&task).expect("encodes");
        for (name, value) in &plain {
            prop_assert_eq!(ours.get(name), Some(value), "attribute {}", name);
        }
        let extra: Vec<&String> = ours.keys().filter(|k| !plain.contains_key(*k)).collect();
        let indexed = if task.assignee.is_some() && task.due.is_some() { 7 } else { 5 };
        prop_assert_eq!(extra.len(), indexed, "key attributes: {:?}", extra);
        prop_assert_eq!(
            ours.get(Tracker::SCHEMA.discriminator()),
            Some(&AttributeValue::S("Task".into()))
        );
    }

    #[test]
    fn decoding_agrees_with_serde_dynamo(task in task()) {
        let item = dynamorm::to_item(&task).expect("encodes");
        let theirs: Task = serde_dynamo::from_item(item.clone()).expect("decodes");
        let ours = TrackerItem::from_item(item).expect("decodes");
        prop_assert_eq!(&theirs, &task);
        prop_assert_eq!(ours, TrackerItem::Task(task));
    }
}
