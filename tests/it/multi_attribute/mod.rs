//! Multi-attribute indexes on both servers: table creation, every query shape against an
//! in-memory model, numeric order, sparse membership, overloading, updates that move an
//! item in the index, values refused before sending, and an index added to a populated
//! table.

mod queries;
mod races;
mod shapes;
mod table;
mod writes;

use dynamorm::{Collection, Db, Entity, Registry, Table};
use serde::{Deserialize, Serialize};

use crate::harness::{Backend, client, unique_name};

/// A table with one 2+2 index shared by two entity types, and three more indexes that
/// together cover 1–4 partition and 0–4 sort attributes.
#[derive(Debug, Table)]
#[dynamo(name = "games")]
#[dynamo(index(ByRound, pk = [tournament: S, region: S], sk = [round: N, bracket: S]))]
#[dynamo(index(Deep, pk = [a: S], sk = [w: N, x: S, y: N, z: S]))]
#[dynamo(index(Three, pk = [a: S, b: N, c: S], sk = [w: N]))]
#[dynamo(index(Four, pk = [a: S, b: N, c: S, d: S]))]
#[dynamo(index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
pub(crate) struct Games;

/// A match; in `ByRound` only once it has a bracket (sparse).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Games, pk = "MATCH#{id}", sk = "MATCH")]
#[dynamo(index(ByRound, pk = [tournament, region], sk = [round, bracket]))]
#[dynamo(index(GSI1, pk = "T#{tournament}", sk = "MATCH#{id}"))]
pub(crate) struct Match {
    pub(crate) id: String,
    pub(crate) tournament: String,
    pub(crate) region: String,
    pub(crate) round: i64,
    #[serde(default)]
    pub(crate) bracket: Option<String>,
    pub(crate) score: u32,
}

/// A spectator's pick for a round: the same index attributes as a match (overloading).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Games, pk = "PICK#{user}", sk = "ROUND#{round}")]
#[dynamo(index(ByRound, pk = [tournament, region], sk = [round, bracket]))]
pub(crate) struct Pick {
    pub(crate) user: String,
    pub(crate) tournament: String,
    pub(crate) region: String,
    pub(crate) round: i64,
    pub(crate) bracket: String,
}

/// A row of generated values for the shape tests: in `Deep`, `Three` and `Four`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Games, pk = "CELL#{id}", sk = "CELL")]
#[dynamo(index(Deep, pk = [a], sk = [w, x, y, z]))]
#[dynamo(index(Three, pk = [a, b, c], sk = [w]))]
#[dynamo(index(Four, pk = [a, b, c, d]))]
pub(crate) struct Cell {
    pub(crate) id: u32,
    pub(crate) a: String,
    pub(crate) b: i64,
    pub(crate) c: String,
    pub(crate) d: String,
    pub(crate) w: i64,
    pub(crate) x: String,
    pub(crate) y: f64,
    pub(crate) z: String,
}

/// Every entity type of `Games`.
#[derive(Debug, Clone, PartialEq, Registry)]
#[dynamo(table = Games)]
pub(crate) enum GameItem {
    Match(Match),
    Pick(Pick),
    Cell(Cell),
}

/// A round of a region: its matches and the picks for it, from one `ByRound` partition.
#[derive(Debug, Clone, Default, PartialEq, Collection)]
#[dynamo(table = Games, index = ByRound)]
pub(crate) struct RegionBoard {
    pub(crate) matches: Vec<Match>,
    pub(crate) picks: Vec<Pick>,
}

/// A fresh `Games` table on `backend` (the embedded server is kept alive with it).
pub(crate) async fn games(
    backend: Backend,
    test: &str,
) -> (Db<Games>, Option<dynamorm_local::LocalServer>) {
    let (client, server) = client(backend);
    let db = Db::<Games>::with_table_name(client, unique_name(test));
    db.create_table().await.expect("table is created");
    (db, server)
}

pub(crate) fn a_match(id: &str, region: &str, round: i64, bracket: Option<&str>) -> Match {
    Match {
        id: id.into(),
        tournament: "spring".into(),
        region: region.into(),
        round,
        bracket: bracket.map(Into::into),
        score: 0,
    }
}
