// A field that cannot be a key attribute, and an index given the wrong kind of key.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "games", index(ByRound, pk = [tournament: S], sk = [round: N]))]
#[dynamo(index(GSI1, pk = "GSI1PK"))]
struct Games;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Games, pk = "MATCH#{id}", sk = "MATCH")]
#[dynamo(index(ByRound, pk = [tournament], sk = [round]))]
struct Listy {
    id: String,
    tournament: Vec<String>,
    round: u32,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Games, pk = "MATCH#{id}", sk = "MATCH")]
#[dynamo(index(ByRound, pk = "T#{id}"))]
#[dynamo(index(GSI1, pk = [id]))]
struct WrongKinds {
    id: String,
}

fn main() {}
