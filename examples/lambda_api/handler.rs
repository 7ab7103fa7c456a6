//! The API handler's logic, separate from the runtime so tests can call it directly.

use dynamorm::{Db, Error};
use dynamorm_entities::{Project, ProjectBoard, Task, TaskStatus, Tracker};
use serde::{Deserialize, Serialize};

/// What the function is asked to do.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum Request {
    /// Create a task.
    CreateTask {
        tenant: String,
        project: String,
        task_id: u32,
        title: String,
    },
    /// Fetch a project with its tasks and comments.
    GetBoard { tenant: String, project: String },
}

/// The answer.
#[derive(Debug, Serialize, PartialEq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub(crate) enum Response {
    /// The task was created.
    Created { task_id: u32 },
    /// A task with that id exists.
    Conflict { message: String },
    /// A project board.
    Board {
        project: Option<String>,
        tasks: Vec<(u32, String)>,
        comments: usize,
    },
}

pub(crate) async fn handle(db: &Db<Tracker>, request: Request) -> Result<Response, Error> {
    match request {
        Request::CreateTask {
            tenant,
            project,
            task_id,
            title,
        } => {
            let task = Task {
                tenant_id: tenant,
                project_id: project,
                task_id,
                title,
                status: TaskStatus::Open,
                assignee: None,
                due: None,
                points: 1,
                tags: Vec::new(),
            };
            match db.create(&task).send().await {
                Ok(()) => Ok(Response::Created { task_id }),
                Err(e @ Error::AlreadyExists { .. }) => Ok(Response::Conflict {
                    message: e.to_string(),
                }),
                Err(e) => Err(e),
            }
        }
        Request::GetBoard { tenant, project } => {
            let p = Project::attrs();
            let board: ProjectBoard = db
                .query(p.tenant_id.is(tenant))
                .sort_begins_with(p.project_id.is(project))
                .collection()
                .await?;
            Ok(Response::Board {
                project: board.project.map(|p| p.name),
                tasks: board
                    .tasks
                    .into_iter()
                    .map(|t| (t.task_id, t.title))
                    .collect(),
                comments: board.comments.len(),
            })
        }
    }
}
