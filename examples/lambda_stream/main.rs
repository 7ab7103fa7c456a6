//! A Lambda function for the tracker table's DynamoDB stream: keeps each tenant's
//! `task_count` in step with task inserts and removes, and reports records it cannot
//! decode as batch item failures (enable `ReportBatchItemFailures` on the event source).
//!
//! Start-up path: the SDK configuration, client and `Db` are built once, at init, outside
//! the handler; each invocation only decodes records and sends updates.
//!
//!     cargo build --release --example lambda_stream   # then package with cargo-lambda

mod handler;

use aws_lambda_events::event::dynamodb::Event;
use dynamorm::Db;
use dynamorm_entities::Tracker;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Init: runs once per execution environment.
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "tracker".into());
    let db = Db::<Tracker>::with_table_name(aws_sdk_dynamodb::Client::new(&config), table);
    let db = &db;
    // Per request: only the handler.
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| async move {
        handler::handle(db, event.payload)
            .await
            .map_err(Error::from)
    }))
    .await
}
