//! The Lambda examples' handlers, called directly against the embedded engine.

use dynamorm_entities::Tenant;
use dynamorm_entities::sample::{comment, project, task, tenant};

use crate::harness::{Backend, table};

#[path = "../../examples/lambda_stream/handler.rs"]
#[allow(dead_code, unreachable_pub)]
mod stream_handler;

#[path = "../../examples/lambda_api/handler.rs"]
#[allow(dead_code, unreachable_pub, missing_docs)]
mod api_handler;

fn record(
    name: &str,
    seq: &str,
    old: Option<&dynamorm::Item>,
    new: Option<&dynamorm::Item>,
    keys: &dynamorm::Item,
) -> serde_json::Value {
    fn wire(item: &dynamorm::Item) -> serde_json::Value {
        serde_json::to_value(serde_dynamo::Item::from(item.clone())).expect("json")
    }
    let mut change = serde_json::json!({ "Keys": wire(keys), "SequenceNumber": seq, "SizeBytes": 1, "StreamViewType": "NEW_AND_OLD_IMAGES" });
    if let Some(o) = old {
        change["OldImage"] = wire(o);
    }
    if let Some(n) = new {
        change["NewImage"] = wire(n);
    }
    serde_json::json!({ "eventID": seq, "eventName": name, "awsRegion": "us-east-1", "dynamodb": change })
}

#[tokio::test]
async fn the_stream_handler_counts_tasks_and_reports_bad_records() {
    let t = table(Backend::Embedded, "lambda-stream").await;
    t.db.create(&tenant("acme")).send().await.expect("tenant");
    let t1 = dynamorm::to_item(&task("acme", "p", 1)).expect("item");
    let t2 = dynamorm::to_item(&task("acme", "p", 2)).expect("item");
    let keys = |item: &dynamorm::Item| -> dynamorm::Item {
        item.iter()
            .filter(|(k, _)| *k == "PK" || *k == "SK")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let mut bad = t2.clone();
    bad.insert(
        "_type".into(),
        aws_sdk_dynamodb::types::AttributeValue::S("Invoice".into()),
    );
    let event = serde_json::json!({ "Records": [
        record("INSERT", "1", None, Some(&t1), &keys(&t1)),
        record("INSERT", "2", None, Some(&t2), &keys(&t2)),
        record("REMOVE", "3", Some(&t1), None, &keys(&t1)),
        record("INSERT", "4", None, Some(&bad), &keys(&bad)),
    ]});
    let event = serde_json::from_value(event).expect("event");
    let response = stream_handler::handle(&t.db, event).await.expect("handled");
    let failed: Vec<Option<String>> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, [Some("4".to_string())]);
    let tenant: Tenant =
        t.db.get(tenant("acme").key())
            .send()
            .await
            .expect("get")
            .expect("tenant");
    assert_eq!(tenant.task_count, 1, "two inserts and one remove");
}

#[tokio::test]
async fn the_api_handler_creates_tasks_and_reads_boards() {
    use api_handler::{Request, Response, handle};
    let t = table(Backend::Embedded, "lambda-api").await;
    t.db.put(&project("acme", "apollo", "ann"))
        .send()
        .await
        .expect("project");
    t.db.put(&comment("acme", "apollo", 1, "c1", "ann", 0))
        .send()
        .await
        .expect("comment");
    let create = || Request::CreateTask {
        tenant: "acme".into(),
        project: "apollo".into(),
        task_id: 1,
        title: "Ship".into(),
    };
    assert_eq!(
        handle(&t.db, create()).await.expect("create"),
        Response::Created { task_id: 1 }
    );
    assert!(matches!(
        handle(&t.db, create()).await.expect("again"),
        Response::Conflict { .. }
    ));
    let board = handle(
        &t.db,
        Request::GetBoard {
            tenant: "acme".into(),
            project: "apollo".into(),
        },
    )
    .await
    .expect("board");
    assert_eq!(
        board,
        Response::Board {
            project: Some("Project apollo".into()),
            tasks: vec![(1, "Ship".into())],
            comments: 1
        }
    );
}
