// Key conditions on a multi-attribute index: every partition attribute, then the sort
// attributes left to right, a range only on the last one given.
use serde::{Deserialize, Serialize};

#[derive(dynamorm::Table)]
#[dynamo(name = "games")]
#[dynamo(index(ByRound, pk = [tournament: S, region: S], sk = [round: N, bracket: S]))]
struct Games;

#[derive(Serialize, Deserialize, dynamorm::Entity)]
#[dynamo(table = Games, pk = "MATCH#{id}", sk = "MATCH")]
#[dynamo(index(ByRound, pk = [tournament, region], sk = [round, bracket]))]
struct Match {
    id: String,
    tournament: String,
    region: String,
    round: u32,
    bracket: String,
}

fn main() {
    // A partition attribute left out.
    let _ = Match::ByRound.partition("spring");
    // A condition after a range.
    let _ = Match::ByRound.partition("spring", "eu").sort_ge(3).sort_eq("upper");
    // The second sort attribute before the first.
    let _ = Match::ByRound.partition("spring", "eu").sort_begins_with("up");
    // A value of the wrong type.
    let _ = Match::ByRound.partition("spring", "eu").sort_eq("three");
    // More sort conditions than attributes.
    let _ = Match::ByRound.partition("spring", "eu").sort_eq(3).sort_eq("upper").sort_eq(1);
}
