//! Consumed capacity and tracing spans.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
use dynamorm_entities::sample::{assigned_task, project, tenant};
use rstest::rstest;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use crate::harness::{Backend, table};

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn capacity_is_aggregated_per_table_index_and_entity(#[case] backend: Backend) {
    let t = table(backend, "capacity").await;
    let db = t.db.with_consumed_capacity(ReturnConsumedCapacity::Indexes);
    // A task with an assignee and a due date is in both GSIs.
    db.put(&assigned_task("acme", "p", 1, "ann", 2))
        .send()
        .await
        .expect("put");
    let report = db.capacity().take();
    assert!(report.total > 0.0, "{report:?}");
    assert!(
        report.by_index.get("GSI1").is_some_and(|u| *u > 0.0),
        "{report:?}"
    );
    assert!(
        report.by_index.get("GSI2").is_some_and(|u| *u > 0.0),
        "{report:?}"
    );
    assert_eq!(report.by_entity.get("Task").copied(), Some(report.total));
    assert_eq!(
        report.by_table.get(db.table_name()).copied(),
        Some(report.total)
    );
    assert_eq!(db.capacity().report().total, 0.0, "take() resets");

    // Batches and transactions aggregate across their requests.
    let projects: Vec<_> = (0..30)
        .map(|i| project("acme", &format!("p{i}"), "ann"))
        .collect();
    let out = db
        .batch_write()
        .put_all(&projects)
        .send()
        .await
        .expect("batch");
    let on_result = out.consumed_capacity();
    out.into_result().expect("written");
    let batch = db.capacity().take();
    assert!(batch.responses >= 2 && batch.total >= 30.0, "{batch:?}");
    assert_eq!(
        on_result, batch.total,
        "the batch result carries what it consumed"
    );
    db.transact_write()
        .action(db.create(&tenant("acme")))
        .action(db.put(&project("acme", "q", "ann")))
        .send()
        .await
        .expect("transaction");
    assert!(db.capacity().report().total > 0.0);
    // Without asking, nothing is requested or recorded.
    t.db.put(&project("acme", "r", "ann"))
        .send()
        .await
        .expect("put");
    assert_eq!(t.db.capacity().report().responses, 0);
}

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
    let t = table(Backend::Embedded, "spans").await;
    let db = t.db.with_consumed_capacity(ReturnConsumedCapacity::Total);
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut secret = assigned_task("secret-tenant", "secret-project", 7, "secret-user", 1);
    secret.title = "secret-title".into();
    db.put(&secret).send().await.expect("put");
    db.get(secret.key()).send().await.expect("get");
    let a = dynamorm_entities::Task::attrs();
    db.query(a.tenant_id.is("secret-tenant"))
        .all()
        .await
        .expect("query");

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
        ["\"PutItem\"", "\"GetItem\"", "\"Query\""]
    );
    assert!(
        value("entity").iter().all(|e| e == "\"Task\""),
        "{:?}",
        value("entity")
    );
    assert_eq!(value("latency_ms").len(), 3);
    assert_eq!(value("outcome"), ["\"ok\"", "\"ok\"", "\"ok\""]);
    assert_eq!(value("consumed_capacity").len(), 3);
    assert!(value("db.table").iter().all(|t| t.contains("spans")));
    for (name, value) in &fields {
        assert!(
            !value.contains("secret"),
            "field `{name}` leaks a value: {value}"
        );
    }
}
