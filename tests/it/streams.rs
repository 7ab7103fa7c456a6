//! Stream records → typed changes: a Lambda event fixture, and a real stream read from the
//! local servers with `aws-sdk-dynamodbstreams`.

use aws_sdk_dynamodb::types::StreamViewType;
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use dynamorm::deploy::Deployment;
use dynamorm::stream::{ChangeKind, Changes};
use dynamorm::{Db, Error};
use dynamorm_entities::sample::{comment, project, task, user};
use dynamorm_entities::{Task, TaskStatus, Tracker, TrackerItem};
use rstest::rstest;

use crate::harness::{Backend, client, unique_name};

#[test]
fn a_lambda_event_decodes_record_by_record_with_partial_failures() {
    let json = include_str!("../fixtures/lambda_dynamodb_event.json");
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_str(json).expect("fixture parses");
    let changes: Changes<TrackerItem> = dynamorm::stream::from_lambda_event(event);
    let kinds: Vec<ChangeKind> = changes.changes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::Insert,
            ChangeKind::Modify,
            ChangeKind::Remove,
            ChangeKind::Remove
        ]
    );

    let insert = &changes.changes[0];
    assert!(matches!(&insert.new, Some(TrackerItem::User(u)) if u.email == "ann@acme.example"));
    assert!(insert.old.is_none());
    let modify = &changes.changes[1];
    match (&modify.old, &modify.new) {
        (Some(TrackerItem::Task(old)), Some(TrackerItem::Task(new))) => {
            assert_eq!(
                (old.status, new.status),
                (TaskStatus::Open, TaskStatus::Done)
            );
            assert_eq!(new.tags, ["shipped"]);
        }
        other => panic!("{other:?}"),
    }
    let remove = &changes.changes[2];
    assert!(matches!(&remove.old, Some(TrackerItem::Project(p)) if p.project_id == "apollo"));
    assert_eq!(remove.key.sort_key.as_deref(), Some("PROJECT#apollo"));
    // A KEYS_ONLY record still carries its key.
    let keys_only = &changes.changes[3];
    assert!(keys_only.old.is_none() && keys_only.new.is_none());
    assert_eq!(keys_only.key.sort_key.as_deref(), Some("SESSION#s1"));
    assert_eq!(keys_only.sequence_number.as_deref(), Some("666"));

    // The unknown type and the malformed image are reported, not fatal.
    assert_eq!(changes.failures.len(), 2);
    assert!(
        matches!(&changes.failures[0].error, Error::UnknownDiscriminator { value, .. } if value.expose() == "Invoice")
    );
    assert!(matches!(
        &changes.failures[1].error,
        Error::Decode(e) if e.entity() == Some("Task")
    ));
    assert_eq!(changes.failed_sequence_numbers(), ["444", "555"]);
    let response = changes.lambda_response();
    let ids: Vec<Option<String>> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(ids, [Some("444".to_string()), Some("555".to_string())]);
    let json = serde_json::to_value(&response).expect("serializes");
    assert_eq!(json["batchItemFailures"][0]["itemIdentifier"], "444");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn records_read_from_a_real_stream_decode_into_entities(#[case] backend: Backend) {
    let (dynamo, server) = client(backend);
    let endpoint = match (&server, backend) {
        (Some(s), _) => s.endpoint(),
        (None, _) => std::env::var("DYNAMORM_DDB_LOCAL_ENDPOINT").expect("endpoint"),
    };
    let db = Db::<Tracker>::with_table_name(dynamo, unique_name("streams"));
    db.create_table_with(&Deployment::default().stream(StreamViewType::NewAndOldImages))
        .await
        .expect("table with a stream");

    // Writes, updates and deletes of several entity types.
    let t = task("acme", "p", 1);
    db.put(&t).send().await.expect("put task");
    db.put(&project("acme", "p", "ann"))
        .send()
        .await
        .expect("put project");
    db.put(&comment("acme", "p", 1, "c1", "ann", 0))
        .send()
        .await
        .expect("put comment");
    db.update(t.key())
        .set(Task::attrs().status, TaskStatus::Done)
        .send()
        .await
        .expect("update");
    db.delete(project("acme", "p", "ann").key())
        .send()
        .await
        .expect("delete");
    db.create(&user("acme", "ann"))
        .send()
        .await
        .expect("create user (with its unique sentinel)");

    let records = stream_records(&db, &endpoint).await;
    let changes: Changes<TrackerItem> = dynamorm::stream::from_stream_records(records);
    // The user's unique-e-mail sentinel is the library's own item: skipped, neither a
    // change nor a failure (a failure would make Lambda retry the batch forever).
    assert!(changes.failures.is_empty(), "{:?}", changes.failures);
    let summary: Vec<(ChangeKind, &str)> = changes
        .changes
        .iter()
        .map(|c| {
            let item = c.new.as_ref().or(c.old.as_ref()).expect("images");
            (c.kind, item.kind().map_or("?", |k| k.discriminator()))
        })
        .collect();
    assert_eq!(
        summary,
        [
            (ChangeKind::Insert, "Task"),
            (ChangeKind::Insert, "Project"),
            (ChangeKind::Insert, "Comment"),
            (ChangeKind::Modify, "Task"),
            (ChangeKind::Remove, "Project"),
            (ChangeKind::Insert, "User"),
        ]
    );
    match (&changes.changes[3].old, &changes.changes[3].new) {
        (Some(TrackerItem::Task(old)), Some(TrackerItem::Task(new))) => {
            assert_eq!(
                (old.status, new.status),
                (TaskStatus::Open, TaskStatus::Done)
            );
        }
        other => panic!("{other:?}"),
    }
}

/// Every record of `db`'s table's stream so far, read from the server at `endpoint` with
/// `aws-sdk-dynamodbstreams` (each shard from its start until it is drained).
pub(crate) async fn stream_records<T: dynamorm::Table>(
    db: &Db<T>,
    endpoint: &str,
) -> Vec<aws_sdk_dynamodbstreams::types::Record> {
    let streams = aws_sdk_dynamodbstreams::Client::from_conf(
        aws_sdk_dynamodbstreams::Config::builder()
            .behavior_version(aws_sdk_dynamodbstreams::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodbstreams::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodbstreams::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .endpoint_url(endpoint)
            .build(),
    );
    let arn = db
        .client()
        .describe_table()
        .table_name(db.table_name())
        .send()
        .await
        .expect("describe")
        .table
        .and_then(|t| t.latest_stream_arn)
        .expect("the table has a stream");
    let shards = streams
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .expect("describe stream")
        .stream_description
        .map(|d| d.shards.unwrap_or_default())
        .unwrap_or_default();
    let mut records = Vec::new();
    for shard in shards {
        let mut iterator = streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(shard.shard_id.unwrap_or_default())
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("iterator")
            .shard_iterator;
        // An open shard always returns a next iterator: stop after a few empty reads.
        let mut empty = 0;
        while let Some(it) = iterator {
            let out = streams
                .get_records()
                .shard_iterator(it)
                .send()
                .await
                .expect("records");
            let page = out.records.unwrap_or_default();
            empty = if page.is_empty() { empty + 1 } else { 0 };
            records.extend(page);
            if empty >= 3 {
                break;
            }
            iterator = out.next_shard_iterator;
        }
    }
    records
}
