// Compile-time checks of an entity against the table's multi-attribute index: one failing
// check per entity (each is its own constant).
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "games", index(ByRound, pk = [tournament: S, region: S], sk = [round: N]))]
struct Games;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Games, pk = "A#{id}", sk = "A")]
#[dynamo(index(ByRound, pk = [tournament, region], sk = [round]))]
struct WrongType {
    id: String,
    tournament: String,
    region: String,
    round: String,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Games, pk = "B#{id}", sk = "B")]
#[dynamo(index(ByRound, pk = [region, tournament], sk = [round]))]
struct WrongOrder {
    id: String,
    tournament: String,
    region: String,
    round: u32,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Games, pk = "C#{id}", sk = "C")]
#[dynamo(index(ByRound, pk = [tournament], sk = [round]))]
struct TooFew {
    id: String,
    tournament: String,
    round: u32,
}

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Games, pk = "D#{id}", sk = "D")]
struct Undeclared {
    id: String,
    round: String,
}

fn main() {}
