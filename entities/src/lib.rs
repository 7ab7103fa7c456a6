//! A sample single-table design: a multi-tenant project tracker.
//!
//! One table, `Tracker`, holds five entity types. The access patterns:
//!
//! | access pattern | index | key |
//! |---|---|---|
//! | a tenant and everything in it | table | `PK = TENANT#{tenant_id}` |
//! | a project's tasks and their comments | table | `PK = TENANT#…`, `SK begins_with PROJECT#{project_id}#` |
//! | a user by e-mail, across tenants | `GSI1` | `GSI1PK = EMAIL#{email}` |
//! | a user's assigned tasks by due date (sparse: only assigned tasks with a due date) | `GSI1` | `GSI1PK = USER#{assignee}`, `GSI1SK = DUE#{due}` |
//! | an author's comments by time | `GSI2` | `GSI2PK = AUTHOR#{author}`, `GSI2SK = COMMENT#{created_at}` |
//! | an owner's projects | `GSI2` | `GSI2PK = OWNER#{owner}`, `GSI2SK = PROJECT#{project_id}` |
//! | a project's tasks in one status | `GSI2` | `GSI2PK = PROJECT#{project_id}#STATUS#{status}`, `GSI2SK = TASK#{task_id}` |
//!
//! `GSI1` and `GSI2` are overloaded: several entity types write their own keys into the same
//! index attributes.

pub mod bulk;
pub mod catalog;
pub mod checkup;
pub mod deals;
pub mod sample;
pub mod votes;

use chrono::{DateTime, Utc};
use dynamorm::{Collection, Entity, Registry, Table};
use serde::{Deserialize, Serialize};

/// How the tracker's table is deployed (what `tracker-admin` applies and checks): a stream
/// for its consumers and deletion protection — settings both local servers hold.
pub fn deployment() -> dynamorm::deploy::Deployment {
    dynamorm::deploy::Deployment::default()
        .stream(aws_sdk_dynamodb::types::StreamViewType::NewAndOldImages)
        .deletion_protection(true)
}

/// The tracker's one table.
#[derive(Debug, Table)]
#[dynamo(name = "tracker", ttl = "expires")]
#[dynamo(index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
#[dynamo(index(GSI2, pk = "GSI2PK", sk = "GSI2SK"))]
pub struct Tracker;

/// A customer organisation; everything else lives in its partition. Versioned
/// (optimistic locking) and timestamped by the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, pk = "TENANT#{tenant_id}", sk = "TENANT")]
pub struct Tenant {
    /// Tenant id.
    pub tenant_id: String,
    /// Display name.
    pub name: String,
    /// Billing plan.
    pub plan: Plan,
    /// How many tasks were ever created (a counter).
    #[serde(default)]
    pub task_count: u64,
    /// Optimistic-locking version: 0 for a tenant not yet stored.
    #[dynamo(version)]
    #[serde(default)]
    pub version: u64,
    /// When the tenant was first stored (set by the library, never overwritten).
    #[dynamo(created_at)]
    pub created_at: DateTime<Utc>,
    /// When the tenant was last written (set by the library).
    #[dynamo(updated_at)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// A billing plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    /// Free tier.
    Free,
    /// Paying.
    Pro,
}

/// A member of a tenant, findable by e-mail through `GSI1`. E-mail addresses are unique
/// across the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, pk = "TENANT#{tenant_id}", sk = "USER#{user_id}")]
#[dynamo(index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Tenant id.
    pub tenant_id: String,
    /// User id.
    pub user_id: String,
    /// E-mail address, unique across the table.
    #[dynamo(unique)]
    pub email: String,
    /// Display name (`name` is a DynamoDB reserved word; placeholders make it work).
    pub name: String,
    /// Role in the tenant.
    pub role: Role,
}

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Full control.
    Admin,
    /// Can edit.
    Member,
}

/// A project of a tenant, listed by owner through `GSI2`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, pk = "TENANT#{tenant_id}", sk = "PROJECT#{project_id}")]
#[dynamo(index(GSI2, pk = "OWNER#{owner}", sk = "PROJECT#{project_id}"))]
pub struct Project {
    /// Tenant id.
    pub tenant_id: String,
    /// Project id.
    pub project_id: String,
    /// Display name.
    pub name: String,
    /// The owning user's id.
    pub owner: String,
    /// Open or archived.
    pub status: ProjectStatus,
}

/// A project's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectStatus {
    /// In use.
    Active,
    /// Read-only.
    Archived,
}

/// A task in a project. Assigned tasks with a due date are in `GSI1` (a sparse index); every
/// task is in `GSI2` by project and status (a key part chosen by an enum variant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(
    table = Tracker,
    pk = "TENANT#{tenant_id}",
    sk = "PROJECT#{project_id}#TASK#{task_id}"
)]
#[dynamo(index(GSI1, pk = "USER#{assignee}", sk = "DUE#{due}"))]
#[dynamo(index(
    GSI2,
    pk = "PROJECT#{project_id}#STATUS#{status}",
    sk = "TASK#{task_id}"
))]
pub struct Task {
    /// Tenant id.
    pub tenant_id: String,
    /// Project id.
    pub project_id: String,
    /// Task number within the project; zero-padded in the key so tasks sort numerically.
    pub task_id: u32,
    /// Title.
    pub title: String,
    /// Workflow state (`status` is a DynamoDB reserved word).
    pub status: TaskStatus,
    /// The assigned user's id, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Due date, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime<Utc>>,
    /// Story points.
    pub points: u32,
    /// Free-form labels.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A task's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    /// Not started.
    Open,
    /// Being worked on.
    InProgress,
    /// Finished.
    Done,
}

/// The typed escape hatch for key parts: an enum variant picks the key text.
impl dynamorm::KeyPart for TaskStatus {
    fn write_key(&self, out: &mut String) -> Result<(), dynamorm::KeyError> {
        out.push_str(match self {
            TaskStatus::Open => "OPEN",
            TaskStatus::InProgress => "IN_PROGRESS",
            TaskStatus::Done => "DONE",
        });
        Ok(())
    }

    fn parse_key(encoded: &str) -> Result<Self, dynamorm::KeyError> {
        match encoded {
            "OPEN" => Ok(TaskStatus::Open),
            "IN_PROGRESS" => Ok(TaskStatus::InProgress),
            "DONE" => Ok(TaskStatus::Done),
            other => Err(dynamorm::KeyError::malformed(
                other,
                "expected a task status",
            )),
        }
    }
}

/// A comment on a task, sorted by time under it; listed by author through `GSI2`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(
    table = Tracker,
    pk = "TENANT#{tenant_id}",
    sk = "PROJECT#{project_id}#TASK#{task_id}#COMMENT#{created_at}#{comment_id}"
)]
#[dynamo(index(GSI2, pk = "AUTHOR#{author}", sk = "COMMENT#{created_at}"))]
pub struct Comment {
    /// Tenant id.
    pub tenant_id: String,
    /// Project id.
    pub project_id: String,
    /// Task number.
    pub task_id: u32,
    /// When it was written; part of the sort key, so comments sort by time.
    pub created_at: DateTime<Utc>,
    /// Comment id (tie-breaker for equal timestamps).
    pub comment_id: String,
    /// The author's user id.
    pub author: String,
    /// Text.
    pub body: String,
}

/// A login session; DynamoDB's TTL deletes it after `expires_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, pk = "TENANT#{tenant_id}", sk = "SESSION#{session_id}")]
pub struct Session {
    /// Tenant id.
    pub tenant_id: String,
    /// Session id.
    pub session_id: String,
    /// The user's id.
    pub user_id: String,
    /// When the session expires; stored as epoch seconds in the table's `expires` attribute.
    #[dynamo(ttl)]
    pub expires_at: DateTime<Utc>,
}

/// Every entity type of the tracker table.
#[derive(Debug, Clone, PartialEq, Registry)]
#[dynamo(table = Tracker)]
pub enum TrackerItem {
    /// A tenant.
    Tenant(Tenant),
    /// A user.
    User(User),
    /// A project.
    Project(Project),
    /// A task.
    Task(Task),
    /// A comment.
    Comment(Comment),
    /// A session.
    Session(Session),
}

/// Everything in a tenant's partition: one query fills it.
#[derive(Debug, Clone, Default, PartialEq, Collection)]
#[dynamo(table = Tracker)]
pub struct TenantWorkspace {
    /// The tenant item itself.
    pub tenant: Option<Tenant>,
    /// Its users.
    pub users: Vec<User>,
    /// Its projects.
    pub projects: Vec<Project>,
    /// The tasks of all its projects.
    pub tasks: Vec<Task>,
    /// The comments on all those tasks.
    pub comments: Vec<Comment>,
    /// Its login sessions.
    pub sessions: Vec<Session>,
}

/// A project with its tasks and their comments: the items whose sort key starts with the
/// project's (`PROJECT#{project_id}`).
#[derive(Debug, Clone, Default, PartialEq, Collection)]
#[dynamo(table = Tracker)]
pub struct ProjectBoard {
    /// The project item.
    pub project: Option<Project>,
    /// Its tasks, by task id.
    pub tasks: Vec<Task>,
    /// Comments on its tasks, by task and time.
    pub comments: Vec<Comment>,
}
