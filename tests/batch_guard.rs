//! A service that declares only its own entity type, writing in batches to a table where
//! another service stores another type at the same keys. The other type is not linked into
//! this binary — nothing here names it — and its items are still never replaced or deleted:
//! without the table's registry, every batch write carries the entity-type guard.
//!
//! (A binary of its own, so that no other entity type of the workspace is linked into it.)

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::batch::{BatchWriteOutput, WriteOutcome};
use dynamorm::{Db, Entity, Table};
use dynamorm_local::LocalServer;
use rstest::rstest;
use serde::{Deserialize, Serialize};

#[derive(Table)]
#[dynamo(name = "shared")]
struct Shared;

/// This service's type. Another service stores its `Profile`s under the same keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Shared, pk = "ACCOUNT#{id}", sk = "PROFILE")]
struct Account {
    id: String,
    plan: String,
}

/// Where the test's table lives.
#[derive(Debug, Clone, Copy)]
enum Backend {
    Embedded,
    DdbLocal,
}

fn client(backend: Backend) -> (aws_sdk_dynamodb::Client, Option<LocalServer>) {
    match backend {
        Backend::Embedded => {
            let server = LocalServer::start().expect("embedded server starts");
            (server.client(), Some(server))
        }
        Backend::DdbLocal => {
            let endpoint = std::env::var("DYNAMORM_DDB_LOCAL_ENDPOINT")
                .expect("DYNAMORM_DDB_LOCAL_ENDPOINT (scripts/test.sh starts DynamoDB Local)");
            let config = dynamorm_local::loopback_config(&endpoint);
            (aws_sdk_dynamodb::Client::from_conf(config), None)
        }
    }
}

/// The other service's item, written as that service stores it.
async fn put_profile(client: &aws_sdk_dynamodb::Client, table: &str, id: usize) {
    let s = |v: String| AttributeValue::S(v);
    client
        .put_item()
        .table_name(table)
        .item("PK", s(format!("ACCOUNT#{id}")))
        .item("SK", s("PROFILE".into()))
        .item("_type", s("Profile".into()))
        .item("secret", s(format!("profile-{id}")))
        .send()
        .await
        .expect("profile stored");
}

/// Every stored item: (partition key, discriminator, `secret` or `plan`).
async fn stored(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        for item in page.items() {
            let s = |k: &str| {
                item.get(k)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default()
            };
            let value = if s("_type") == "Profile" {
                s("secret")
            } else {
                s("plan")
            };
            out.push((s("PK"), s("_type"), value));
        }
        match page.last_evaluated_key {
            Some(key) => start = Some(key),
            None => return out,
        }
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_never_overwrite_a_type_this_binary_does_not_link(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let table = format!("batch-guard-{}-{:?}", std::process::id(), backend);
    let db = Db::<Shared>::with_table_name(client.clone(), &table);
    db.create_table().await.expect("table created");
    for id in 0..20 {
        put_profile(&client, &table, id).await;
    }
    // 40 accounts, the first 20 at a profile's key; then deletes of 10 of those keys.
    let accounts: Vec<Account> = (0..40)
        .map(|i| Account {
            id: i.to_string(),
            plan: format!("plan-{i}"),
        })
        .collect();
    let puts = db
        .batch_write()
        .put_all(&accounts)
        .send()
        .await
        .expect("sent");
    let deletes = db
        .batch_write()
        .delete_all((0..10).map(|i| AccountKey { id: i.to_string() }))
        .send()
        .await
        .expect("sent");

    let refused = |out: &BatchWriteOutput| {
        out.failed()
            .iter()
            .filter(|f| f.outcome == WriteOutcome::NotApplied)
            .count()
    };
    assert_eq!(
        (puts.written(), refused(&puts)),
        (20, 20),
        "puts at a profile's key refused"
    );
    assert_eq!(
        (deletes.written(), refused(&deletes)),
        (0, 10),
        "deletes of a profile refused"
    );

    let items = stored(&client, &table).await;
    let profiles_intact = (0..20)
        .filter(|id| {
            items.contains(&(
                format!("ACCOUNT#{id}"),
                "Profile".to_owned(),
                format!("profile-{id}"),
            ))
        })
        .count();
    let accounts_stored = items
        .iter()
        .filter(|(_, kind, _)| kind == "Account")
        .count();
    let overwritten = 20 - profiles_intact;
    assert_eq!(overwritten, 0, "profiles replaced or deleted by a batch");
    assert_eq!(accounts_stored, 20, "every account at a free key written");
    assert_eq!(items.len(), 40, "nothing else written");
}
