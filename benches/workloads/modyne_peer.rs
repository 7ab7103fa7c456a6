//! The per-request workloads of `overhead.rs` done with modyne 0.3 (see `modyne_model.rs`),
//! sending the requests dynamorm sends as far as modyne can express them. What differs:
//! modyne adds `ReturnConsumedCapacity: TOTAL` to every request, cannot ask for
//! `ReturnValuesOnConditionCheckFailure` outside transactions (so put and update lack it),
//! and its query aggregate asks for a `ProjectionExpression` of the entity's fields (what
//! `#[derive(EntityDef)]` generates), so the key attributes are not sent back.

use aws_sdk_dynamodb::types::ReturnValue;
use dynamorm::Item;
use dynamorm_entities::{Task, TaskStatus};
use modyne::{Aggregate, EntityExt, ProjectionExt, ProjectionSet, QueryInputExt, expr};

use crate::modyne_model::{PeerTable, PeerTask, TenantTasks, same_item};

/// modyne's table and the task every single-item workload reads and writes.
pub(crate) struct Peer {
    table: PeerTable,
    pub(crate) task: PeerTask,
}

impl Peer {
    /// For the table `table` that `client` reaches; `task` as dynamorm's side has it.
    pub(crate) fn new(client: aws_sdk_dynamodb::Client, table: &str, task: &Task) -> Self {
        same_item::<Task, PeerTask>(task);
        Self {
            table: PeerTable {
                client,
                name: table.to_owned(),
            },
            task: PeerTask::from(task),
        }
    }

    /// `into_item` consumes the entity: callers clone it outside the timed part.
    pub(crate) fn encode(task: PeerTask) -> Item {
        task.into_item()
    }

    /// Through modyne's projection set (reads the entity type, then decodes), as its
    /// aggregates do.
    pub(crate) fn decode(item: Item) -> PeerTask {
        PeerTask::try_from_item(item)
            .expect("decodes")
            .expect("a task")
    }

    fn key(&self) -> (&str, &str, u32) {
        let t = &self.task;
        (&t.tenant_id, &t.project_id, t.task_id)
    }

    pub(crate) async fn get(&self) -> Option<PeerTask> {
        let out = PeerTask::get(self.key())
            .execute(&self.table)
            .await
            .expect("get");
        out.item
            .map(PeerTask::from_item)
            .transpose()
            .expect("decodes")
    }

    /// `put` consumes the entity, so the task is cloned, as a caller holding it must.
    pub(crate) async fn put(&self) {
        self.task
            .clone()
            .put()
            .condition(
                expr::Condition::new("attribute_not_exists(#pk) OR #t = :t")
                    .name("#pk", "PK")
                    .name("#t", "_type")
                    .value(":t", "Task"),
            )
            .execute(&self.table)
            .await
            .expect("put");
    }

    /// modyne leaves re-rendering GSI2's keys to the caller (its docs say so).
    pub(crate) async fn update(&self) -> PeerTask {
        let t = &self.task;
        let out = PeerTask::update(self.key())
            .expression(
                expr::Update::new("SET #s = :s, #g = :g, #h = :h ADD #p :p")
                    .name("#s", "status")
                    .name("#g", "GSI2PK")
                    .name("#h", "GSI2SK")
                    .name("#p", "points")
                    .value(":s", TaskStatus::Done)
                    .value(":g", format!("PROJECT#{}#STATUS#DONE", t.project_id))
                    .value(":h", format!("TASK#{:010}", t.task_id))
                    .value(":p", 1),
            )
            .condition(
                expr::Condition::new("(#t = :t) AND ((attribute_not_exists(#p)) OR (#p <= :max))")
                    .name("#t", "_type")
                    .name("#p", "points")
                    .value(":t", "Task")
                    .value(":max", u32::MAX - 1),
            )
            .execute_with_return(&self.table, ReturnValue::AllNew)
            .await
            .expect("update");
        PeerTask::from_item(out.attributes.expect("item")).expect("decodes")
    }

    pub(crate) async fn query(&self) -> Vec<PeerTask> {
        let out = TenantTasks {
            tenant: "acme",
            prefix: "PROJECT#apollo#TASK#",
        }
        .query()
        .execute(&self.table)
        .await
        .expect("query");
        let mut tasks = Vec::new();
        tasks
            .reduce(out.items.unwrap_or_default())
            .expect("decodes");
        tasks
    }
}
