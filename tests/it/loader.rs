//! Request coalescing: 1,000 concurrent `get`s of two entity types — present, absent and
//! repeated keys — through one [`Loader`](dynamorm::batch::Loader) are answered exactly as
//! 1,000 single `get`s would be, with at least 5× fewer requests; and through a proxy that
//! leaves keys unprocessed and drops connections, still every answer right.

use std::collections::HashMap;

use dynamorm::Db;
use dynamorm_entities::{Task, TaskKey, Tracker, User, UserKey, sample};
use dynamorm_local::FaultConfig;
use futures::future::join_all;
use rstest::rstest;

use crate::harness::{Backend, counting_client, faulty_table_of, unique_name};

async fn seed(db: &Db<Tracker>) {
    let tasks: Vec<Task> = (0..300).map(|i| sample::task("acme", "p1", i)).collect();
    let users: Vec<User> = (0..50)
        .map(|i| sample::user("acme", &format!("u{i}")))
        .collect();
    db.batch_write()
        .put_all(&tasks)
        .send()
        .await
        .expect("tasks")
        .into_result()
        .expect("all tasks");
    // Users have a unique e-mail: written one by one (batches refuse them).
    for u in &users {
        db.put(u).send().await.expect("user");
    }
}

/// What each of the 1,000 callers asks: tasks 0..400 (300 exist) twice over, users
/// 0..100 (50 exist) twice over.
fn questions() -> Vec<Question> {
    let mut out = Vec::new();
    for round in 0..2 {
        for i in 0..400u32 {
            out.push(Question::Task(i));
        }
        for i in 0..100 {
            out.push(Question::User(format!("u{i}")));
        }
        let _ = round;
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Question {
    Task(u32),
    User(String),
}

#[derive(Debug, PartialEq)]
enum Answer {
    Task(Option<Task>),
    User(Option<User>),
}

async fn ask_loader(loader: &dynamorm::batch::Loader<Tracker>, q: &Question) -> Answer {
    match q {
        Question::Task(i) => Answer::Task(
            loader
                .get(TaskKey {
                    tenant_id: "acme".into(),
                    project_id: "p1".into(),
                    task_id: *i,
                })
                .await
                .expect("loaded"),
        ),
        Question::User(id) => Answer::User(
            loader
                .get(UserKey {
                    tenant_id: "acme".into(),
                    user_id: id.clone(),
                })
                .await
                .expect("loaded"),
        ),
    }
}

async fn ask_alone(db: &Db<Tracker>, q: &Question) -> Answer {
    match q {
        Question::Task(i) => Answer::Task(
            db.get(TaskKey {
                tenant_id: "acme".into(),
                project_id: "p1".into(),
                task_id: *i,
            })
            .send()
            .await
            .expect("get"),
        ),
        Question::User(id) => Answer::User(
            db.get(UserKey {
                tenant_id: "acme".into(),
                user_id: id.clone(),
            })
            .send()
            .await
            .expect("get"),
        ),
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_gets_become_a_few_batches_with_exact_answers(
    #[case] backend: Backend,
) {
    let (client, _server, counter) = counting_client(backend);
    let db = Db::<Tracker>::with_table_name(client, unique_name("loader"));
    db.create_table().await.expect("create");
    seed(&db).await;
    let questions = questions();
    assert_eq!(questions.len(), 1_000);

    let before = counter.snapshot();
    let loader = db.loader();
    // Each caller on its own task, as resolvers are.
    let answers: Vec<Answer> = join_all(questions.iter().cloned().map(|q| {
        let loader = loader.clone();
        tokio::spawn(async move { ask_loader(&loader, &q).await })
    }))
    .await
    .into_iter()
    .map(|a| a.expect("task"))
    .collect();
    let after = counter.snapshot();
    let sent =
        |op: &str| after.get(op).copied().unwrap_or(0) - before.get(op).copied().unwrap_or(0);
    let (batches, singles) = (sent("BatchGetItem"), sent("GetItem"));
    eprintln!("{batches} BatchGetItem requests answered 1,000 gets");
    assert_eq!(singles, 0, "no caller fell back to a single read");
    assert!(
        batches * 5 <= 1_000,
        "{batches} BatchGetItem requests for 1,000 gets"
    );

    // Every answer is what a single `get` says.
    let mut alone: HashMap<Question, Answer> = HashMap::new();
    for q in &questions {
        if !alone.contains_key(q) {
            alone.insert(q.clone(), ask_alone(&db, q).await);
        }
    }
    let wrong = questions
        .iter()
        .zip(&answers)
        .filter(|(q, a)| alone.get(*q) != Some(*a))
        .count();
    let found = answers
        .iter()
        .filter(|a| matches!(a, Answer::Task(Some(_)) | Answer::User(Some(_))))
        .count();
    assert_eq!((wrong, found), (0, 700), "(wrong answers, found)");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn coalesced_gets_stay_exact_under_unprocessed_keys_and_dropped_connections(
    #[case] backend: Backend,
) {
    let faults = FaultConfig {
        seed: 0x16,
        unprocessed: 0.3,
        throttle: 0.05,
        drop_connection: 0.05,
    };
    let t = faulty_table_of::<Tracker>(backend, "loader-faults", faults).await;
    seed(&t.direct).await;
    let questions = questions();
    let loader = t.db.loader();
    let answers: Vec<Answer> = join_all(questions.iter().map(|q| ask_loader(&loader, q))).await;
    let mut wrong = 0;
    for (q, a) in questions.iter().zip(&answers) {
        if &ask_alone(&t.direct, q).await != a {
            wrong += 1;
        }
    }
    let stats = t.proxy.stats();
    assert!(
        stats.unprocessed + stats.dropped + stats.throttled > 0,
        "no fault was injected: {stats:?}"
    );
    assert_eq!(wrong, 0, "wrong answers under faults {stats:?}");
}

/// An item of another entity type at the key: the loader answers as `get` does.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn another_entity_type_at_the_key_is_reported_as_a_single_get_reports_it(
    #[case] backend: Backend,
) {
    use dynamorm::EntityKey;
    let (client, _server) = crate::harness::client(backend);
    let db = Db::<Tracker>::with_table_name(client, unique_name("loader-type"));
    db.create_table().await.expect("create");
    let user = sample::user("acme", "ann");
    db.put(&user).send().await.expect("user");
    // A raw copy of the user's item under a task's key.
    let key = TaskKey {
        tenant_id: "acme".into(),
        project_id: "p1".into(),
        task_id: 9,
    };
    let rendered = key.render().expect("key");
    let mut item = dynamorm::to_item(&user).expect("item");
    item.insert(
        "SK".into(),
        aws_sdk_dynamodb::types::AttributeValue::S(rendered.sort_key.clone().expect("sk")),
    );
    crate::harness::put_raw(&db, item).await;
    let loaded = db.loader().get(key.clone()).await;
    let alone = db.get(key).send().await;
    assert!(
        matches!(
            (&loaded, &alone),
            (
                Err(dynamorm::Error::WrongEntity { .. }),
                Err(dynamorm::Error::WrongEntity { .. })
            )
        ),
        "{loaded:?} / {alone:?}"
    );
}
