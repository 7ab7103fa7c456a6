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
