// Time buckets: only in index keys, only on timestamps, only `day` or `month`.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "A#{at:day}", sk = "A")]
struct InPrimary {
    at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "B#{id}", sk = "B")]
#[dynamo(index(GSI1, pk = "BY#{seconds:day}", sk = "B"))]
struct NotATimestamp {
    id: String,
    seconds: u64,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "C#{id}", sk = "C")]
#[dynamo(index(GSI1, pk = "BY#{at:week}", sk = "C"))]
struct UnknownBucket {
    id: String,
    at: chrono::DateTime<chrono::Utc>,
}

fn main() {}
