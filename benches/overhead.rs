//! Client-side cost per operation, without a network: the SDK's HTTP client is replaced by
//! one that answers canned responses, so what is measured is request building, signing,
//! serialization, response parsing and decoding — dynamorm against the hand-written raw-SDK
//! equivalent (with `serde_dynamo`) that a user would otherwise write.
//!
//! Run with `bash scripts/bench.sh`, which prints the ratios.

use std::collections::HashMap;
use std::hint::black_box;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_smithy_http_client::test_util::infallible_client_fn;
use criterion::{Criterion, criterion_group, criterion_main};
use dynamorm::{Db, Item};
use dynamorm_entities::sample::assigned_task;
use dynamorm_entities::{Task, TaskStatus, Tracker};
use serde_json::{Value, json};

/// An attribute value in DynamoDB's JSON wire format.
fn wire(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::L(l) => json!({ "L": l.iter().map(wire).collect::<Vec<_>>() }),
        AttributeValue::M(m) => {
            json!({ "M": m.iter().map(|(k, v)| (k.clone(), wire(v))).collect::<serde_json::Map<_, _>>() })
        }
        _ => json!({ "NULL": true }),
    }
}

fn wire_item(item: &Item) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), wire(v))).collect())
}

/// A client whose every request is answered from `responses` by operation name.
fn canned(responses: HashMap<&'static str, String>) -> Client {
    let http = infallible_client_fn(move |request| {
        let target = request
            .headers()
            .get("x-amz-target")
            .and_then(|t| t.to_str().ok())
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("");
        let body = responses
            .get(target)
            .cloned()
            .unwrap_or_else(|| "{}".into());
        http::Response::builder()
            .status(200)
            .header("content-type", "application/x-amz-json-1.0")
            .body(body)
            .unwrap_or_default()
    });
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "bench"))
        .endpoint_url("http://127.0.0.1:1")
        .http_client(http)
        .build();
    Client::from_conf(config)
}

fn overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let task = assigned_task("acme", "apollo", 7, "ann", 3);
    let item = dynamorm::to_item(&task).expect("encodes");
    let page: Vec<Value> = (0..25)
        .map(|i| {
            wire_item(
                &dynamorm::to_item(&assigned_task("acme", "apollo", i, "ann", 3)).expect("encodes"),
            )
        })
        .collect();
    let responses: HashMap<&'static str, String> = [
        ("GetItem", json!({ "Item": wire_item(&item) }).to_string()),
        ("PutItem", "{}".to_string()),
        (
            "UpdateItem",
            json!({ "Attributes": wire_item(&item) }).to_string(),
        ),
        (
            "Query",
            json!({ "Items": page, "Count": 25, "ScannedCount": 25 }).to_string(),
        ),
    ]
    .into_iter()
    .collect();
    let client = canned(responses);
    let db = Db::<Tracker>::with_table_name(client.clone(), "bench");
    let raw_key = |task: &Task| {
        // What a user writes by hand without dynamorm.
        HashMap::from([
            (
                "PK".to_string(),
                AttributeValue::S(format!("TENANT#{}", task.tenant_id)),
            ),
            (
                "SK".to_string(),
                AttributeValue::S(format!(
                    "PROJECT#{}#TASK#{:010}",
                    task.project_id, task.task_id
                )),
            ),
        ])
    };

    let mut get = c.benchmark_group("get");
    get.bench_function("baseline", |b| {
        b.to_async(&runtime).iter(|| async {
            let out = client
                .get_item()
                .table_name("bench")
                .set_key(Some(raw_key(&task)))
                .send()
                .await
                .expect("get");
            let decoded: Task = serde_dynamo::from_item(out.item.expect("item")).expect("decodes");
            black_box(decoded)
        })
    });
    get.bench_function("dynamorm", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(db.get(task.key()).send().await.expect("get")) })
    });
    get.finish();

    let mut put = c.benchmark_group("put");
    put.bench_function("baseline", |b| {
        b.to_async(&runtime).iter(|| async {
            let mut item: Item = serde_dynamo::to_item(&task).expect("encodes");
            item.extend(raw_key(&task));
            item.insert(
                "GSI1PK".into(),
                AttributeValue::S(format!("USER#{}", "ann")),
            );
            item.insert(
                "GSI1SK".into(),
                AttributeValue::S(format!("DUE#{}", "2026-01-08T09:00:00.000000000Z")),
            );
            item.insert("_type".into(), AttributeValue::S("Task".into()));
            client
                .put_item()
                .table_name("bench")
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(#pk) OR #t = :t")
                .expression_attribute_names("#pk", "PK")
                .expression_attribute_names("#t", "_type")
                .expression_attribute_values(":t", AttributeValue::S("Task".into()))
                .send()
                .await
                .expect("put")
        })
    });
    put.bench_function("dynamorm", |b| {
        b.to_async(&runtime)
            .iter(|| async { db.put(&task).send().await.expect("put") })
    });
    put.finish();

    let mut update = c.benchmark_group("update");
    update.bench_function("baseline", |b| {
        b.to_async(&runtime).iter(|| async {
            let out = client
                .update_item()
                .table_name("bench")
                .set_key(Some(raw_key(&task)))
                .update_expression("SET #s = :s ADD #p :p")
                .condition_expression("#t = :t")
                .expression_attribute_names("#s", "status")
                .expression_attribute_names("#p", "points")
                .expression_attribute_names("#t", "_type")
                .expression_attribute_values(":s", AttributeValue::S("done".into()))
                .expression_attribute_values(":p", AttributeValue::N("1".into()))
                .expression_attribute_values(":t", AttributeValue::S("Task".into()))
                .return_values(ReturnValue::AllNew)
                .send()
                .await
                .expect("update");
            let decoded: Task =
                serde_dynamo::from_item(out.attributes.expect("item")).expect("decodes");
            black_box(decoded)
        })
    });
    let a = Task::attrs();
    update.bench_function("dynamorm", |b| {
        b.to_async(&runtime).iter(|| async {
            black_box(
                db.update(task.key())
                    .set(a.status, TaskStatus::Done)
                    .add(a.points, 1)
                    .send()
                    .await
                    .expect("update"),
            )
        })
    });
    update.finish();

    let mut query = c.benchmark_group("query_page");
    query.bench_function("baseline", |b| {
        b.to_async(&runtime).iter(|| async {
            let out = client
                .query()
                .table_name("bench")
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :sk)")
                .filter_expression("#t = :t")
                .expression_attribute_names("#pk", "PK")
                .expression_attribute_names("#sk", "SK")
                .expression_attribute_names("#t", "_type")
                .expression_attribute_values(":pk", AttributeValue::S("TENANT#acme".into()))
                .expression_attribute_values(
                    ":sk",
                    AttributeValue::S("PROJECT#apollo#TASK#".into()),
                )
                .expression_attribute_values(":t", AttributeValue::S("Task".into()))
                .send()
                .await
                .expect("query");
            let tasks: Vec<Task> = out
                .items
                .unwrap_or_default()
                .into_iter()
                .map(|i| serde_dynamo::from_item(i).expect("decodes"))
                .collect();
            black_box(tasks)
        })
    });
    query.bench_function("dynamorm", |b| {
        b.to_async(&runtime).iter(|| async {
            black_box(
                db.query(a.tenant_id.is("acme"))
                    .sort_begins_with(a.project_id.is("apollo"))
                    .page()
                    .await
                    .expect("query"),
            )
        })
    });
    query.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
