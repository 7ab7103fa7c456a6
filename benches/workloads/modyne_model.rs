//! The tracker's task, project and comment written for modyne 0.3, the other Rust
//! single-table library, the way its docs show: a `Table` impl, `#[derive(EntityDef)]`
//! structs and `Entity` impls rendering their keys with `format!`. The keys are those of
//! `dynamorm_entities` and the discriminator is dynamorm's (`_type` = the type name,
//! through modyne's documented `ENTITY_TYPE_ATTRIBUTE` override), so both libraries store
//! byte-identical items and read each other's: [`same_item`] checks it.

use chrono::{DateTime, SecondsFormat, Utc};
use dynamorm_entities::{ProjectStatus, TaskStatus};
use modyne::{Entity, EntityDef, EntityExt, QueryInput, expr, keys};
use serde::{Deserialize, Serialize};

/// The tracker table as modyne sees it.
#[derive(Debug, Clone)]
pub(crate) struct PeerTable {
    pub(crate) client: aws_sdk_dynamodb::Client,
    pub(crate) name: String,
}

impl modyne::Table for PeerTable {
    const ENTITY_TYPE_ATTRIBUTE: &'static str = "_type";
    type PrimaryKey = keys::Primary;
    type IndexKeys = (keys::Gsi1, keys::Gsi2);

    fn table_name(&self) -> &str {
        &self.name
    }

    fn client(&self) -> &aws_sdk_dynamodb::Client {
        &self.client
    }
}

/// A key timestamp as dynamorm renders it (fixed width, so keys sort by time).
fn key_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// `dynamorm_entities::Task` for modyne.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EntityDef)]
#[serde(rename = "Task")]
pub(crate) struct PeerTask {
    pub(crate) tenant_id: String,
    pub(crate) project_id: String,
    pub(crate) task_id: u32,
    pub(crate) title: String,
    pub(crate) status: TaskStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) assignee: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) due: Option<DateTime<Utc>>,
    pub(crate) points: u32,
    #[serde(default)]
    pub(crate) tags: Vec<String>,
}

/// The status as it appears in `GSI2PK`.
pub(crate) fn status_key(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Open => "OPEN",
        TaskStatus::InProgress => "IN_PROGRESS",
        TaskStatus::Done => "DONE",
    }
}

impl Entity for PeerTask {
    type KeyInput<'a> = (&'a str, &'a str, u32);
    type Table = PeerTable;
    type IndexKeys = (Option<keys::Gsi1>, keys::Gsi2);

    fn primary_key((tenant, project, task): Self::KeyInput<'_>) -> keys::Primary {
        keys::Primary {
            hash: format!("TENANT#{tenant}"),
            range: format!("PROJECT#{project}#TASK#{task:010}"),
        }
    }

    fn full_key(&self) -> keys::FullKey<keys::Primary, Self::IndexKeys> {
        // Sparse: only assigned tasks with a due date are in GSI1.
        let gsi1 = match (&self.assignee, &self.due) {
            (Some(assignee), Some(due)) => Some(keys::Gsi1 {
                hash: format!("USER#{assignee}"),
                range: format!("DUE#{}", key_time(due)),
            }),
            _ => None,
        };
        keys::FullKey {
            primary: Self::primary_key((&self.tenant_id, &self.project_id, self.task_id)),
            indexes: (
                gsi1,
                keys::Gsi2 {
                    hash: format!(
                        "PROJECT#{}#STATUS#{}",
                        self.project_id,
                        status_key(self.status)
                    ),
                    range: format!("TASK#{:010}", self.task_id),
                },
            ),
        }
    }
}

impl From<&dynamorm_entities::Task> for PeerTask {
    fn from(t: &dynamorm_entities::Task) -> Self {
        Self {
            tenant_id: t.tenant_id.clone(),
            project_id: t.project_id.clone(),
            task_id: t.task_id,
            title: t.title.clone(),
            status: t.status,
            assignee: t.assignee.clone(),
            due: t.due,
            points: t.points,
            tags: t.tags.clone(),
        }
    }
}

/// `dynamorm_entities::Project` for modyne.
#[allow(dead_code)] // only the batch write (examples/io_ratios.rs) writes projects
#[derive(Debug, Clone, Serialize, Deserialize, EntityDef)]
#[serde(rename = "Project")]
pub(crate) struct PeerProject {
    tenant_id: String,
    project_id: String,
    name: String,
    owner: String,
    status: ProjectStatus,
}

impl Entity for PeerProject {
    type KeyInput<'a> = (&'a str, &'a str);
    type Table = PeerTable;
    type IndexKeys = keys::Gsi2;

    fn primary_key((tenant, project): Self::KeyInput<'_>) -> keys::Primary {
        keys::Primary {
            hash: format!("TENANT#{tenant}"),
            range: format!("PROJECT#{project}"),
        }
    }

    fn full_key(&self) -> keys::FullKey<keys::Primary, Self::IndexKeys> {
        keys::FullKey {
            primary: Self::primary_key((&self.tenant_id, &self.project_id)),
            indexes: keys::Gsi2 {
                hash: format!("OWNER#{}", self.owner),
                range: format!("PROJECT#{}", self.project_id),
            },
        }
    }
}

impl From<&dynamorm_entities::Project> for PeerProject {
    fn from(p: &dynamorm_entities::Project) -> Self {
        Self {
            tenant_id: p.tenant_id.clone(),
            project_id: p.project_id.clone(),
            name: p.name.clone(),
            owner: p.owner.clone(),
            status: p.status,
        }
    }
}

/// `dynamorm_entities::Comment` for modyne.
#[allow(dead_code)] // only the batch write (examples/io_ratios.rs) writes comments
#[derive(Debug, Clone, Serialize, Deserialize, EntityDef)]
#[serde(rename = "Comment")]
pub(crate) struct PeerComment {
    tenant_id: String,
    project_id: String,
    task_id: u32,
    created_at: DateTime<Utc>,
    comment_id: String,
    author: String,
    body: String,
}

impl Entity for PeerComment {
    type KeyInput<'a> = (&'a str, &'a str, u32, &'a DateTime<Utc>, &'a str);
    type Table = PeerTable;
    type IndexKeys = keys::Gsi2;

    fn primary_key(
        (tenant, project, task, created_at, comment): Self::KeyInput<'_>,
    ) -> keys::Primary {
        keys::Primary {
            hash: format!("TENANT#{tenant}"),
            range: format!(
                "PROJECT#{project}#TASK#{task:010}#COMMENT#{}#{comment}",
                key_time(created_at)
            ),
        }
    }

    fn full_key(&self) -> keys::FullKey<keys::Primary, Self::IndexKeys> {
        keys::FullKey {
            primary: Self::primary_key((
                &self.tenant_id,
                &self.project_id,
                self.task_id,
                &self.created_at,
                &self.comment_id,
            )),
            indexes: keys::Gsi2 {
                hash: format!("AUTHOR#{}", self.author),
                range: format!("COMMENT#{}", key_time(&self.created_at)),
            },
        }
    }
}

impl From<&dynamorm_entities::Comment> for PeerComment {
    fn from(c: &dynamorm_entities::Comment) -> Self {
        Self {
            tenant_id: c.tenant_id.clone(),
            project_id: c.project_id.clone(),
            task_id: c.task_id,
            created_at: c.created_at,
            comment_id: c.comment_id.clone(),
            author: c.author.clone(),
            body: c.body.clone(),
        }
    }
}

/// A tenant's tasks whose sort key starts with `prefix`: modyne's `QueryInput`, read into
/// its `Vec<PeerTask>` aggregate. The filter on `_type` is the one dynamorm sends.
#[derive(Debug)]
pub(crate) struct TenantTasks<'a> {
    pub(crate) tenant: &'a str,
    pub(crate) prefix: &'a str,
}

impl QueryInput for TenantTasks<'_> {
    type Index = keys::Primary;
    type Aggregate = Vec<PeerTask>;

    fn key_condition(&self) -> expr::KeyCondition<keys::Primary> {
        expr::KeyCondition::in_partition(format!("TENANT#{}", self.tenant)).begins_with(self.prefix)
    }

    fn filter_expression(&self) -> Option<expr::Filter> {
        Some(
            expr::Filter::new("#t = :t")
                .name("#t", "_type")
                .value(":t", "Task"),
        )
    }
}

/// Panics unless modyne stores `entity` exactly as dynamorm does: both sides of a peer
/// benchmark must write and read the same items.
pub(crate) fn same_item<'a, E, P>(entity: &'a E)
where
    E: dynamorm::Entity,
    P: From<&'a E> + EntityExt + Serialize,
{
    let ours = dynamorm::to_item(entity).expect("encodes");
    let theirs = P::from(entity).into_item();
    assert_eq!(ours, theirs, "modyne's item differs from dynamorm's");
}
