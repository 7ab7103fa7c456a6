//! A Lambda function that reads and writes tracker entities: create a task, or fetch a
//! project board (the project, its tasks and their comments) in one query.
//!
//! Start-up path: configuration, client and `Db` are built once at init; a request only
//! runs the handler.
//!
//!     cargo build --release --example lambda_api   # then package with cargo-lambda

mod handler;

use dynamorm::Db;
use dynamorm_entities::Tracker;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "tracker".into());
    let db = Db::<Tracker>::with_table_name(aws_sdk_dynamodb::Client::new(&config), table);
    let db = &db;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<handler::Request>| async move {
            handler::handle(db, event.payload)
                .await
                .map_err(Error::from)
        },
    ))
    .await
}
