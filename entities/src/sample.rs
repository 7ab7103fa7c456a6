//! Sample values of the tracker entities, shared by examples, tests and benches.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::{Comment, Plan, Project, ProjectStatus, Role, Task, TaskStatus, Tenant, User};

/// A fixed point in time, so samples are reproducible.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// A tenant on the pro plan.
pub fn tenant(tenant_id: &str) -> Tenant {
    Tenant {
        tenant_id: tenant_id.into(),
        name: format!("Tenant {tenant_id}"),
        plan: Plan::Pro,
        task_count: 0,
        version: 0,
        created_at: epoch(),
        updated_at: None,
    }
}

/// A member of `tenant_id`, with e-mail `<user_id>@<tenant_id>.example`.
pub fn user(tenant_id: &str, user_id: &str) -> User {
    User {
        tenant_id: tenant_id.into(),
        user_id: user_id.into(),
        email: format!("{user_id}@{tenant_id}.example"),
        name: format!("User {user_id}"),
        role: Role::Member,
    }
}

/// An active project owned by `owner`.
pub fn project(tenant_id: &str, project_id: &str, owner: &str) -> Project {
    Project {
        tenant_id: tenant_id.into(),
        project_id: project_id.into(),
        name: format!("Project {project_id}"),
        owner: owner.into(),
        status: ProjectStatus::Active,
    }
}

/// An open, unassigned task (so it is not in the sparse `GSI1`).
pub fn task(tenant_id: &str, project_id: &str, task_id: u32) -> Task {
    Task {
        tenant_id: tenant_id.into(),
        project_id: project_id.into(),
        task_id,
        title: format!("Task {task_id}"),
        status: TaskStatus::Open,
        assignee: None,
        due: None,
        points: 1,
        tags: Vec::new(),
    }
}

/// A task assigned to `assignee`, due `days` after [`epoch`] (so it is in `GSI1`).
pub fn assigned_task(
    tenant_id: &str,
    project_id: &str,
    task_id: u32,
    assignee: &str,
    days: i64,
) -> Task {
    Task {
        assignee: Some(assignee.into()),
        due: Some(epoch() + Duration::days(days)),
        ..task(tenant_id, project_id, task_id)
    }
}

/// A comment written `minutes` after [`epoch`].
pub fn comment(
    tenant_id: &str,
    project_id: &str,
    task_id: u32,
    comment_id: &str,
    author: &str,
    minutes: i64,
) -> Comment {
    Comment {
        tenant_id: tenant_id.into(),
        project_id: project_id.into(),
        task_id,
        created_at: epoch() + Duration::minutes(minutes),
        comment_id: comment_id.into(),
        author: author.into(),
        body: format!("Comment {comment_id}"),
    }
}
