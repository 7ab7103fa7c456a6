//! Tracing spans: every request is described by its operation, table, entity type, latency,
//! outcome and consumed capacity — never by a key or attribute value.
//!
//! A binary of its own, so its subscriber can be the global one and sees exactly the
//! requests this test makes (the embedded engine; no server needed).

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
use dynamorm::Db;
use dynamorm_entities::Tracker;
use dynamorm_entities::catalog::{Catalog, Product, embed};
use dynamorm_entities::sample::assigned_task;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Collects every span's fields as text.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<(String, String)>>>);

struct Collect<'a>(&'a Capture);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if let Ok(mut fields) = self.0.0.lock() {
            fields.push((field.name().to_owned(), format!("{value:?}")));
        }
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Capture {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: Context<'_, S>,
    ) {
        attrs.record(&mut Collect(self));
    }
    fn on_record(
        &self,
        _: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: Context<'_, S>,
    ) {
        values.record(&mut Collect(self));
    }
}

#[tokio::test]
async fn spans_describe_requests_without_key_or_attribute_values() {
    let server = dynamorm_local::LocalServer::start().expect("embedded server starts");
    let db = Db::<Tracker>::with_table_name(server.client(), "spans")
        .with_consumed_capacity(ReturnConsumedCapacity::Total);
    db.create_table().await.expect("table is created");
    let catalog = Db::<Catalog>::with_table_name(server.client(), "spans-catalog");
    catalog.create_table().await.expect("catalog is created");
    // The global subscriber: this binary has no other test, and a thread-scoped one can
    // miss spans when other threads cache the callsite's interest first.
    let capture = Capture::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(capture.clone()))
        .expect("the only subscriber");

    let mut secret = assigned_task("secret-tenant", "secret-project", 7, "secret-user", 1);
    secret.title = "secret-title".into();
    db.put(&secret).send().await.expect("put");
    db.get(secret.key()).send().await.expect("get");
    let a = dynamorm_entities::Task::attrs();
    db.query(a.tenant_id.is("secret-tenant"))
        .all()
        .await
        .expect("query");
    let near = Product::ByEmbedding
        .near(embed("secret words"))
        .partition("secret-tenant");
    catalog.search(near).send().await.expect("search");

    let fields = capture.0.lock().expect("fields").clone();
    let value = |name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    assert_eq!(
        value("db.operation"),
        [
            "\"PutItem\"",
            "\"GetItem\"",
            "\"Query\"",
            "\"SearchVectors\""
        ]
    );
    assert_eq!(
        value("entity"),
        ["\"Task\"", "\"Task\"", "\"Task\"", "\"Product\""]
    );
    assert_eq!(value("db.index")[3], "\"ByEmbedding\"");
    assert_eq!(value("latency_ms").len(), 4);
    assert_eq!(value("outcome"), ["\"ok\"", "\"ok\"", "\"ok\"", "\"ok\""]);
    // A search reports bytes, not capacity units (`CapacityReport::vector_search_bytes`).
    assert_eq!(value("consumed_capacity").len(), 3);
    assert!(value("db.table").iter().all(|t| t.contains("spans")));
    for (name, value) in &fields {
        assert!(
            !value.contains("secret"),
            "field `{name}` leaks a value: {value}"
        );
    }
}
