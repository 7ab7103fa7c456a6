//! Table creation from the declaration.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use dynamorm::{Db, Error, Table};
use dynamorm_entities::Tracker;
use rstest::rstest;

use crate::harness::{Backend, client, unique_name};

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn ensure_creates_once_and_then_accepts_the_table(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Tracker>::with_table_name(client, unique_name("ensure"));
    db.ensure_table().await.expect("creates");
    db.ensure_table().await.expect("idempotent");

    let table = db
        .client()
        .describe_table()
        .table_name(db.table_name())
        .send()
        .await
        .expect("describe")
        .table
        .expect("table");
    let mut indexes: Vec<String> = table
        .global_secondary_indexes()
        .iter()
        .filter_map(|i| i.index_name().map(str::to_owned))
        .collect();
    indexes.sort();
    let declared: Vec<&str> = Tracker::SCHEMA.indexes().iter().map(|i| i.name()).collect();
    assert_eq!(indexes, declared);
    assert_eq!(
        table.billing_mode_summary().and_then(|b| b.billing_mode()),
        Some(&BillingMode::PayPerRequest)
    );
    db.delete_table().await.expect("delete");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn ensure_rejects_a_table_with_another_layout(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let name = unique_name("mismatch");
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("definition"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .expect("key"),
        )
        .send()
        .await
        .expect("raw create");
    let db = Db::<Tracker>::with_table_name(client, name);
    let err = db.ensure_table().await.expect_err("mismatch");
    assert!(matches!(err, Error::TableMismatch { .. }), "{err:?}");
}

/// The tracker table as it was before `GSI2` was added to the design.
#[derive(dynamorm::Table)]
#[dynamo(name = "tracker", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
struct TrackerV1;

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn ensure_adds_a_declared_index_the_table_lacks(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let name = unique_name("add-index");
    Db::<TrackerV1>::with_table_name(client.clone(), name.clone())
        .create_table()
        .await
        .expect("v1 table");
    let db = Db::<Tracker>::with_table_name(client, name);
    match backend {
        Backend::Embedded => db.ensure_table().await.expect("adds GSI2 and waits"),
        // DynamoDB Local never reports an index added to an existing table as ACTIVE.
        Backend::DdbLocal => db
            .ensure_table_with(&dynamorm::deploy::Deployment::default().wait_for_new_indexes(false))
            .await
            .expect("adds GSI2"),
    }
    let table = db
        .client()
        .describe_table()
        .table_name(db.table_name())
        .send()
        .await
        .expect("describe")
        .table
        .expect("table");
    let mut indexes: Vec<&str> = table
        .global_secondary_indexes()
        .iter()
        .filter_map(|i| i.index_name())
        .collect();
    indexes.sort_unstable();
    assert_eq!(indexes, ["GSI1", "GSI2"]);
    if matches!(backend, Backend::DdbLocal) {
        // DynamoDB Local keeps the added index CREATING forever and then fails every write
        // with InternalFailure; the request itself is what can be checked there. Deleting
        // the table frees its slot (it allows 5 tables with indexes being created at once).
        db.delete_table().await.expect("delete");
        return;
    }
    // And the new index is usable at once.
    let task = dynamorm_entities::sample::task("acme", "p", 1);
    db.put(&task).send().await.expect("put");
    let a = dynamorm_entities::Task::attrs();
    let found = db
        .query((
            a.project_id.is("p"),
            a.status.is(dynamorm_entities::TaskStatus::Open),
        ))
        .index(Tracker::GSI2)
        .all()
        .await
        .expect("query GSI2");
    assert_eq!(found, [task]);
}
