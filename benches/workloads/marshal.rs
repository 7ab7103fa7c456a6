//! Marshalling workloads: an entity → item (dynamorm renders keys, index keys and the
//! discriminator; the baseline is plain `serde_dynamo` on the same struct) and item →
//! entity (through the registry vs `serde_dynamo::from_item` into the known type).

use std::hint::black_box;

use dynamorm::{Item, Registry};
use dynamorm_entities::sample::assigned_task;
use dynamorm_entities::{Task, TrackerItem};

/// A realistic task: assigned (so it is in GSI1), a long title, three tags.
fn sample() -> Task {
    let mut task = assigned_task("acme-corporation", "apollo-launch", 4_711, "ann.lee", 3);
    task.title = "Write the launch checklist and review it with the team".into();
    task.tags = vec!["launch".into(), "docs".into(), "q3".into()];
    task
}

/// The inputs, built once.
pub(crate) struct Marshal {
    pub(crate) task: Task,
    /// The task as dynamorm stores it (with keys and discriminator).
    pub(crate) item: Item,
}

impl Marshal {
    pub(crate) fn new() -> Self {
        let task = sample();
        let item = dynamorm::to_item(&task).expect("encodes");
        Self { task, item }
    }

    pub(crate) fn encode_baseline(&self) -> Item {
        serde_dynamo::to_item(black_box(&self.task)).expect("encodes")
    }

    pub(crate) fn encode_dynamorm(&self) -> Item {
        dynamorm::to_item(black_box(&self.task)).expect("encodes")
    }

    /// Decoding consumes the item: callers clone `item` outside the timed part.
    pub(crate) fn decode_baseline(item: Item) -> Task {
        serde_dynamo::from_item(black_box(item)).expect("decodes")
    }

    pub(crate) fn decode_dynamorm(item: Item) -> TrackerItem {
        TrackerItem::from_item(black_box(item)).expect("decodes")
    }
}
