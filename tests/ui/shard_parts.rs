// `{field:shard(N)}` spreads a partition: the last part of a partition-key template only,
// whole elsewhere in a primary key (which must parse back), and 2 to 1,000 shards.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
struct App;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "POLL#{poll}#{voter:shard(10)}", sk = "VOTE")]
struct NotWholeElsewhere {
    poll: String,
    voter: String,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "{voter:shard(10)}#POLL#{poll}", sk = "VOTE#{voter}")]
struct NotLast {
    poll: String,
    voter: String,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "POLL#{poll}", sk = "VOTE#{voter}#{voter:shard(4)}")]
struct InSortKey {
    poll: String,
    voter: String,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = App, pk = "POLL#{poll}", sk = "VOTE#{voter}")]
#[dynamo(index(GSI1, pk = "C#{choice}#{voter:shard(1)}", sk = "{voter}"))]
struct OneShard {
    poll: String,
    voter: String,
    choice: String,
}

fn main() {}
