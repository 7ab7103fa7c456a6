//! Errors end to end: transport failures get their own variants, and no error's `Display`
//! or `Debug` — nor any error of its `source()` chain — shows a stored value or the raw HTTP
//! response.

use std::time::Duration;

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::get_item::GetItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_http_client::test_util::infallible_client_fn;
use dynamorm::{Db, EntityKey, Error, ErrorKind};
use dynamorm_entities::sample::tenant;
use dynamorm_entities::{Plan, Tenant, TenantKey, Tracker};

use crate::harness::{Backend, table};

const SECRET: &str = "s3cr3t-value";

/// Formats the error and every error of its source chain every way; none shows the secret.
fn assert_no_secret(err: &Error) {
    let mut link: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = link {
        for text in [format!("{e}"), format!("{e:?}"), format!("{e:#?}")] {
            assert!(!text.contains(SECRET), "leaks the secret: {text}");
        }
        link = e.source();
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
async fn refused_connection_is_a_transport_error() {
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
    assert!(err.is_transport(), "{err:?}");
    assert!(err.outcome_unknown() && !err.is_timeout() && !err.is_throttling());
    assert!(err.is_retryable() && !err.is_conflict());
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(err.code(), None);
    let Error::Transport { source, .. } = &err else {
        panic!("a transport error: {err:?}")
    };
    assert!(source.expose().is::<SdkError<GetItemError, HttpResponse>>());
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
    assert!(err.outcome_unknown() && !err.is_transport());
    assert!(err.is_retryable());
    assert_eq!(err.kind(), ErrorKind::Timeout);
    drop(listener);
}

#[tokio::test]
async fn server_error_hides_the_response() {
    let db = answering(500, error_body("InternalServerError"));
    let err = db.get(key()).send().await.expect_err("a server error");
    assert_eq!(err.code(), Some("InternalServerError"));
    assert!(matches!(&err, Error::Service(e) if e.http_status() == Some(500)));
    assert!(err.outcome_unknown() && !err.is_throttling() && err.is_retryable());
    assert_no_secret(&err);
    // The SDK error, with the raw response, only through the explicit accessor.
    let Error::Service(e) = &err else {
        panic!("a service error: {err:?}")
    };
    let sdk = e
        .downcast_sdk::<GetItemError>()
        .expect("a GetItem SDK error");
    assert!(sdk.raw_response().is_some());
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
        assert!(!err.outcome_unknown() && err.is_retryable(), "{code}");
        assert_eq!(err.kind(), ErrorKind::Throttled, "{code}");
        assert_no_secret(&err);
    }
}

#[tokio::test]
async fn failed_condition_hides_the_old_item() {
    let db = answering(400, error_body("ConditionalCheckFailedException"));
    let mut t = tenant(SECRET);
    t.name = SECRET.to_owned();
    let err = db.put(&t).send().await.expect_err("the condition fails");
    assert!(!err.outcome_unknown() && !err.is_retryable(), "{err:?}");
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
    let Error::Decode(e) = &err else {
        panic!("a decode error: {err:?}");
    };
    assert_eq!(e.entity(), Some("Tenant"));
    assert_eq!(e.attribute(), Some("plan"));
    assert_eq!(
        err.to_string(),
        "could not decode attribute `plan` of a `Tenant` item"
    );
    assert_no_secret(&err);
    // serde's error, whose message quotes the value, only through the explicit accessor.
    let serde_error =
        serde_dynamo::from_attribute_value::<_, Plan>(AttributeValue::S(SECRET.to_owned()))
            .expect_err("not a plan");
    assert_eq!(e.expose_source(), &serde_error);
}
