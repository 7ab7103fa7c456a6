//! Multi-attribute indexes: a global secondary index keyed by up to four native attributes
//! for its partition key and up to four for its sort key (DynamoDB, November 2025).
//!
//! A template index stores one rendered string per key (`GSI1PK = "TOURNAMENT#t#REGION#r"`);
//! a multi-attribute index is keyed by the entities' own fields, so nothing is rendered on
//! write or parsed on read, numbers sort as numbers, and an index added to a table over
//! attributes its items already have needs no backfill. Declare it on the table with each
//! attribute's type, and on each entity with the fields that feed it, in order:
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use dynamorm::{Entity, Table};
//!
//! #[derive(Table)]
//! #[dynamo(name = "games")]
//! #[dynamo(index(ByRound, pk = [tournament: S, region: S], sk = [round: N, bracket: S]))]
//! pub struct Games;
//!
//! #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
//! #[dynamo(table = Games, pk = "MATCH#{id}", sk = "MATCH")]
//! #[dynamo(index(ByRound, pk = [tournament, region], sk = [round, bracket]))]
//! pub struct Match {
//!     pub id: String,
//!     pub tournament: String,
//!     pub region: String,
//!     pub round: u32,
//!     pub bracket: String,
//! }
//!
//! // Equality on every partition attribute, then the sort attributes left to right, a
//! // range (or `begins_with`) only on the last one given. Another order does not compile.
//! # async fn run(db: dynamorm::Db<Games>) -> Result<(), dynamorm::Error> {
//! let later_rounds: Vec<Match> = db
//!     .query_index(Match::ByRound.partition("spring", "eu").sort_ge(3))
//!     .all()
//!     .await?;
//! let upper_bracket_of_round_2: Vec<Match> = db
//!     .query_index(Match::ByRound.partition("spring", "eu").sort_eq(2).sort_begins_with("upper"))
//!     .all()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! What the library guarantees: the table declares each attribute's type once and every
//! entity field that is stored under a key attribute's name must declare the index, with
//! a field type of that type ([`KeyAttribute`]); both are compile errors otherwise. Values
//! DynamoDB would reject in an index key (an empty string or binary, a string over the key
//! size limits, a value of another type from a hand-written [`KeyAttribute`]) are typed
//! errors before sending, on every write path. An `Option` field that is `None` leaves the
//! attribute out (never `NULL`), so the item is not in the index (sparse).

mod attribute;
mod check;
pub(crate) mod declare;
mod key;

pub use attribute::KeyAttribute;
pub use key::{MultiKey, MultiKeyShape};

pub(crate) use check::{check_item, check_update_value, check_value, key_order};
pub(crate) use key::NativeKeyCondition;
