// Only `updated_at` may appear in an index template (the library renders it from the time
// it stores); `created_at` and `version` may not, nor any lifecycle field in a primary key.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "A#{id}", sk = "A")]
#[dynamo(index(GSI1, pk = "ALL", sk = "#{created_at}"))]
struct Created {
    id: String,
    #[dynamo(created_at)]
    created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "B#{updated_at}", sk = "B")]
struct InPrimary {
    #[dynamo(updated_at)]
    updated_at: chrono::DateTime<chrono::Utc>,
}

fn main() {}
