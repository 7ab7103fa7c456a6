// An entity's field lists for a multi-attribute index, checked on the macro's tokens.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "games", index(ByRound, pk = [tournament: S], sk = [round: N]))]
struct Games;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Games, pk = "MATCH#{id}", sk = "MATCH")]
#[dynamo(index(ByRound, pk = [tournamnet], sk = [round: N, round]))]
struct Match {
    id: String,
    tournament: String,
    round: u32,
}

fn main() {}
