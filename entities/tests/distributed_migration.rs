//! A migration run by three processes together (`tracker-admin migrate --shared`): 20,000
//! tasks stored before `GSI2` existed get their `GSI2` keys while the application keeps
//! changing their status and title; one process is killed with SIGKILL midway, and the other
//! two take its segments over from their checkpoints when its leases expire. Counted: tasks
//! lost, duplicated, with a wrong `GSI2` key, and acknowledged application writes lost —
//! all zero — on the embedded engine and on DynamoDB Local.

use std::collections::{BTreeMap, HashMap};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use dynamorm::{Db, Entity};
use dynamorm_entities::{Task, TaskKey, TaskStatus, Tracker};
use dynamorm_local::LocalServer;
use rstest::rstest;
use serde::{Deserialize, Serialize};

const TASKS: u32 = 20_000;
const SEGMENTS: &str = "12";

/// `Task` as stored before `GSI2` (tasks by project and status) was added to the design.
#[derive(Debug, Clone, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, name = "Task", pk = "TENANT#{tenant_id}", sk = "PROJECT#{project_id}#TASK#{task_id}")]
struct TaskV1 {
    tenant_id: String,
    project_id: String,
    task_id: u32,
    title: String,
    status: TaskStatus,
    points: u32,
}

const STATUSES: [TaskStatus; 3] = [TaskStatus::Open, TaskStatus::InProgress, TaskStatus::Done];

fn key(i: u32) -> TaskKey {
    TaskKey {
        tenant_id: format!("t{}", i % 500),
        project_id: format!("p{}", i % 5),
        task_id: i,
    }
}

#[derive(Debug, Clone, Copy)]
enum Backend {
    Embedded,
    DdbLocal,
}

fn client(backend: Backend) -> (aws_sdk_dynamodb::Client, String, Option<LocalServer>) {
    match backend {
        Backend::Embedded => {
            let server = LocalServer::start().expect("embedded server starts");
            (server.client(), server.endpoint(), Some(server))
        }
        Backend::DdbLocal => {
            let endpoint = std::env::var("DYNAMORM_DDB_LOCAL_ENDPOINT")
                .expect("DYNAMORM_DDB_LOCAL_ENDPOINT: run `bash scripts/test.sh`");
            let client =
                aws_sdk_dynamodb::Client::from_conf(dynamorm_local::loopback_config(&endpoint));
            (client, endpoint, None)
        }
    }
}

/// Writes the old tasks with the raw SDK, 25 per request, 8 requests at a time.
async fn seed(client: &aws_sdk_dynamodb::Client, table: &str) {
    use futures::StreamExt;
    let requests: Vec<Vec<WriteRequest>> = (0..TASKS)
        .map(|i| {
            let k = key(i);
            let item = dynamorm::to_item(&TaskV1 {
                tenant_id: k.tenant_id,
                project_id: k.project_id,
                task_id: i,
                title: format!("task {i}"),
                status: STATUSES[(i % 3) as usize],
                points: 1,
            })
            .expect("encodes");
            WriteRequest::builder()
                .put_request(
                    PutRequest::builder()
                        .set_item(Some(item))
                        .build()
                        .expect("put"),
                )
                .build()
        })
        .collect::<Vec<_>>()
        .chunks(25)
        .map(<[WriteRequest]>::to_vec)
        .collect();
    futures::stream::iter(requests)
        .for_each_concurrent(8, |mut chunk| async move {
            while !chunk.is_empty() {
                let out = client
                    .batch_write_item()
                    .request_items(table, chunk.clone())
                    .send()
                    .await
                    .expect("seed batch");
                chunk = out
                    .unprocessed_items
                    .and_then(|mut m| m.remove(table))
                    .unwrap_or_default();
            }
        })
        .await;
}

fn worker(endpoint: &str, table: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tracker-admin"))
        .args([
            "--endpoint",
            endpoint,
            "--table",
            table,
            "migrate",
            "--shared",
            "gsi2",
            "--segments",
            SEGMENTS,
            "--lease-seconds",
            "2",
            "--parallel",
            "2",
            "--page-size",
            "200",
        ])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_ENDPOINT_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tracker-admin starts")
}

/// How many of the migration's segments are done, from its lease items (12 small items:
/// cheap to poll, unlike counting the table).
async fn segments_done(client: &aws_sdk_dynamodb::Client, table: &str) -> usize {
    let out = client
        .query()
        .table_name(table)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", AttributeValue::S("_dynamorm.lease#gsi2".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("leases");
    out.items
        .unwrap_or_default()
        .iter()
        .filter(|i| i.get("done") == Some(&AttributeValue::Bool(true)))
        .count()
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_migrate_together_and_survive_a_kill(#[case] backend: Backend) {
    let (client, endpoint, _server) = client(backend);
    let table = format!("distributed-{}-{}", std::process::id(), rand_suffix());
    let db = Db::<Tracker>::with_table_name(client.clone(), table.clone());
    db.create_table().await.expect("table");
    seed(&client, &table).await;

    // The application, on the new design, keeps changing tasks meanwhile; the last
    // acknowledged write of each task is what must be stored at the end.
    let stop = Arc::new(AtomicBool::new(false));
    let app = {
        let (db, stop) = (db.clone(), Arc::clone(&stop));
        tokio::spawn(async move {
            let a = Task::attrs();
            let mut acknowledged: HashMap<u32, (TaskStatus, String)> = HashMap::new();
            let mut n = 0u32;
            while !stop.load(Ordering::SeqCst) {
                let i = (n.wrapping_mul(7_919)) % TASKS;
                let status = STATUSES[(n % 3) as usize];
                let title = format!("app write {n}");
                let sent = db
                    .update(key(i))
                    .set(a.status, status)
                    .set(a.title, title.clone())
                    .send()
                    .await;
                if sent.is_ok() {
                    acknowledged.insert(i, (status, title));
                }
                n += 1;
                // A steady stream of writes, not a flood that starves the workers.
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            acknowledged
        })
    };

    let mut workers = Workers((0..3).map(|_| worker(&endpoint, &table)).collect());
    let workers = &mut workers.0;
    let started = Instant::now();
    // Kill one midway: once a quarter of the segments are done.
    loop {
        let done = segments_done(&client, &table).await;
        if done >= 3 {
            break;
        }
        for w in workers.iter_mut() {
            if let Some(status) = w.try_wait().expect("worker state") {
                panic!("a worker ended before the kill: {status}");
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "no progress: {done}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("killing one worker after {:?}", started.elapsed());
    workers[0].kill().expect("SIGKILL"); // `Child::kill` is SIGKILL on Unix
    let killed = workers[0].wait().expect("reaped");
    assert!(!killed.success(), "the killed worker did not finish");
    for w in workers[1..].iter_mut() {
        let out = tokio::task::block_in_place(|| w.wait_with_output_ref());
        assert!(out.0.success(), "a surviving worker failed: {}", out.1);
        assert!(out.1.contains("migration:"), "{}", out.1);
    }
    eprintln!("the other two finished after {:?}", started.elapsed());
    stop.store(true, Ordering::SeqCst);
    let acknowledged = app.await.expect("app writer");
    assert!(acknowledged.len() > 50, "the application wrote meanwhile");

    // The outcome, from a raw scan.
    let items = scan_all(&client, &table).await;
    let mut tasks: BTreeMap<(String, String), dynamorm::Item> = BTreeMap::new();
    let mut duplicated = 0;
    let mut leases = 0;
    for item in items {
        let text = |a: &str| {
            item.get(a)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        match text("_type").as_str() {
            "Task" => {
                if tasks
                    .insert((text("PK"), text("SK")), item.clone())
                    .is_some()
                {
                    duplicated += 1;
                }
            }
            "_dynamorm.lease" => {
                leases += 1;
                assert_eq!(
                    item.get("done"),
                    Some(&AttributeValue::Bool(true)),
                    "every segment done"
                );
            }
            other => panic!("unexpected item type {other}"),
        }
    }
    let lost = usize::try_from(TASKS).expect("fits") - tasks.len();
    let mut wrong_key = 0;
    let mut lost_writes = 0;
    for item in tasks.values() {
        let task: Task = dynamorm::from_item(item.clone()).expect("decodes as the new Task");
        let want = dynamorm::to_item(&task).expect("renders");
        if item.get("GSI2PK") != want.get("GSI2PK") || item.get("GSI2SK") != want.get("GSI2SK") {
            wrong_key += 1;
        }
        if let Some((status, title)) = acknowledged.get(&task.task_id)
            && (task.status != *status || task.title != *title)
        {
            lost_writes += 1;
        }
    }
    assert_eq!(
        (lost, duplicated, wrong_key, lost_writes),
        (0, 0, 0, 0),
        "lost, duplicated, wrong GSI2 key, acknowledged write lost"
    );
    assert_eq!(leases, 12);
}

/// Every raw item, strongly consistent.
async fn scan_all(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<dynamorm::Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return items,
        }
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default()
}

/// The worker processes, killed if the test ends early (a failed assertion), so none
/// outlives it.
struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for w in &mut self.0 {
            let _ = w.kill();
            let _ = w.wait();
        }
    }
}

trait WaitOutput {
    fn wait_with_output_ref(&mut self) -> (std::process::ExitStatus, String);
}

impl WaitOutput for Child {
    fn wait_with_output_ref(&mut self) -> (std::process::ExitStatus, String) {
        use std::io::Read;
        let mut err = String::new();
        if let Some(mut e) = self.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        (self.wait().expect("waits"), err)
    }
}
