//! Start-up with dynamorm: the same read as `examples/startup_raw.rs` through a `Db`.
//! `--setup` creates the table and the item first (run once before measuring).

use dynamorm::Db;
use dynamorm_entities::sample::task;
use dynamorm_entities::{TaskKey, Tracker};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "tracker-startup".into());
    let db = Db::<Tracker>::with_table_name(aws_sdk_dynamodb::Client::new(&config), table);
    if std::env::args().any(|a| a == "--setup") {
        db.ensure_table().await?;
        db.put(&task("acme", "apollo", 1)).send().await?;
        return Ok(());
    }
    let key = TaskKey {
        tenant_id: "acme".into(),
        project_id: "apollo".into(),
        task_id: 1,
    };
    let task = db.get(key).send().await?.ok_or("no item")?;
    std::hint::black_box(task);
    Ok(())
}
