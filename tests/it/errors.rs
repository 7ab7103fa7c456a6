//! Errors end to end: transport failures get their own variants, and no error's `Display`
//! or `Debug` shows a stored value or the raw HTTP response.

use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_http_client::test_util::infallible_client_fn;
use dynamorm::{Db, EntityKey, Error};
use dynamorm_entities::sample::tenant;
use dynamorm_entities::{Tenant, TenantKey, Tracker};

use crate::harness::{Backend, table};

const SECRET: &str = "s3cr3t-value";

fn assert_no_secret(err: &Error) {
    for text in [format!("{err}"), format!("{err:?}"), format!("{err:#?}")] {
        assert!(!text.contains(SECRET), "leaks the secret: {text}");
    }
}

fn key() -> TenantKey {
    tenant("acme").key()
}

/// A `Db` whose every request gets `status` and `body` back, without SDK retries.
fn answering(status: u16, body: String) -> Db<Tracker> {
    let http = infallible_client_fn(move |_| {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/x-amz-json-1.0")
            .body(body.clone())
            .expect("a valid response")
    });
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .http_client(http)
        .retry_config(RetryConfig::disabled())
        .build();
    Db::<Tracker>::with_table_name(aws_sdk_dynamodb::Client::from_conf(config), "app")
}

/// A DynamoDB error response, with an item holding the secret in the body.
fn error_body(code: &str) -> String {
    format!(
        r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{code}","message":"it failed","Item":{{"PK":{{"S":"TENANT#{SECRET}"}},"name":{{"S":"{SECRET}"}}}}}}"#
    )
}

/// A `Db` on `endpoint` without SDK retries, with `timeouts`.
fn at(endpoint: &str, timeouts: TimeoutConfig) -> Db<Tracker> {
    let config = dynamorm_local::loopback_config(endpoint)
        .to_builder()
        .retry_config(RetryConfig::disabled())
        .timeout_config(timeouts)
        .build();
    Db::<Tracker>::with_table_name(aws_sdk_dynamodb::Client::from_conf(config), "app")
}

#[tokio::test]
async fn refused_connection_is_io() {
    // Nothing listens on a port just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let db = at(
        &format!("http://127.0.0.1:{port}"),
        TimeoutConfig::builder()
            .operation_timeout(Duration::from_secs(10))
            .build(),
    );
    let err = db.get(key()).send().await.expect_err("nothing listens");
    assert!(err.is_io(), "{err:?}");
    assert!(err.outcome_unknown() && !err.is_timeout() && !err.is_throttling());
    assert_eq!(err.code(), None);
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn unanswered_request_times_out() {
    // Connections are accepted by the kernel, but nobody ever answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("bound").port();
    let db = at(
        &format!("http://127.0.0.1:{port}"),
        TimeoutConfig::builder()
            .operation_timeout(Duration::from_millis(300))
            .build(),
    );
    let err = db.get(key()).send().await.expect_err("nobody answers");
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.outcome_unknown() && !err.is_io());
    drop(listener);
}

#[tokio::test]
async fn server_error_hides_the_response() {
    let db = answering(500, error_body("InternalServerError"));
    let err = db.get(key()).send().await.expect_err("a server error");
    assert_eq!(err.code(), Some("InternalServerError"));
    assert!(matches!(&err, Error::Service(e) if e.http_status() == Some(500)));
    assert!(err.outcome_unknown() && !err.is_throttling());
    assert_no_secret(&err);
}

#[tokio::test]
async fn throttling_is_recognised() {
    for code in [
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
    ] {
        let db = answering(400, error_body(code));
        let err = db.get(key()).send().await.expect_err("throttled");
        assert!(err.is_throttling(), "{code}: {err:?}");
        assert!(!err.outcome_unknown(), "{code}");
        assert_no_secret(&err);
    }
}

#[tokio::test]
async fn failed_condition_hides_the_old_item() {
    let db = answering(400, error_body("ConditionalCheckFailedException"));
    let mut t = tenant(SECRET);
    t.name = SECRET.to_owned();
    let err = db.put(&t).send().await.expect_err("the condition fails");
    assert!(!err.outcome_unknown(), "{err:?}");
    assert_no_secret(&err);
}

#[tokio::test]
async fn undecodable_item_hides_its_value() {
    let t = table(Backend::Embedded, "errors-decode").await;
    let db = &t.db;
    db.put(&tenant("acme")).send().await.expect("put tenant");
    let rendered = key().render().expect("key renders");
    db.client()
        .update_item()
        .table_name(db.table_name())
        .key("PK", AttributeValue::S(rendered.partition_key))
        .key(
            "SK",
            AttributeValue::S(rendered.sort_key.expect("table has a sort key")),
        )
        .update_expression("SET #plan = :plan")
        .expression_attribute_names("#plan", "plan")
        .expression_attribute_values(":plan", AttributeValue::S(SECRET.to_owned()))
        .send()
        .await
        .expect("raw update");
    let err = db
        .get(key())
        .send()
        .await
        .map(|found: Option<Tenant>| found.is_some())
        .expect_err("not a plan");
    let Error::Decode { entity, message } = &err else {
        panic!("a decode error: {err:?}");
    };
    assert_eq!(*entity, "Tenant");
    assert!(message.contains(SECRET), "the raw message stays: {message}");
    assert_no_secret(&err);
    assert!(err.to_string().contains("<redacted>"), "{err}");
}
