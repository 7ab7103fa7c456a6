// Two variants whose entities store the same discriminator could not be told apart when
// read back: the registry does not compile, and the message names both variants.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app")]
struct App;

#[derive(Debug, Clone, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "TASK#{id}", sk = "TASK", name = "Task")]
struct Task {
    id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "USER#{id}", sk = "PROFILE")]
struct User {
    id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "TODO#{id}", sk = "TODO", name = "Task")]
struct Todo {
    id: String,
}

#[derive(Debug, Clone, dynamorm::Registry)]
#[dynamo(table = App)]
enum AppItem {
    Task(Task),
    User(User),
    Todo(Todo),
}

fn main() {}
