//! Start-up baseline: a minimal raw-SDK program that reads one item, as a Lambda would on a
//! cold start. Measured by `scripts/startup.py` against `examples/startup_dynamorm.rs`.

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm_entities::Task;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "tracker-startup".into());
    let out = client
        .get_item()
        .table_name(table)
        .key("PK", AttributeValue::S("TENANT#acme".into()))
        .key(
            "SK",
            AttributeValue::S(format!("PROJECT#{}#TASK#{:010}", "apollo", 1)),
        )
        .send()
        .await?;
    let task: Task = serde_dynamo::from_item(out.item.ok_or("no item")?)?;
    std::hint::black_box(task);
    Ok(())
}
