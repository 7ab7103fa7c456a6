//! Vector search: DynamoDB's vector indexes in a single-table design.
//!
//! A table declares each vector index — the attribute holding the vectors, their
//! dimensions, the distance function, the projection, and the search schema: at most one
//! `HASH` attribute (a search must name one value of it) and the `INLINE_FILTER`
//! attributes a search can narrow by. An entity opts in with a [`Vector<N>`] field and
//! names the fields that feed the search schema; the derive checks them against the table
//! at compile time (attribute names, `N` against the declared dimensions, S/N/B types).
//!
//! ```
//! use dynamorm::vector::Vector;
//! # use serde::{Deserialize, Serialize};
//! #[derive(dynamorm::Table)]
//! #[dynamo(name = "catalog")]
//! #[dynamo(vector_index(
//!     ByEmbedding,
//!     vector = "embedding",
//!     dimensions = 4,
//!     distance = cosine,
//!     hash = tenant: S,
//!     filters = [category: S]
//! ))]
//! pub struct Catalog;
//!
//! #[derive(Serialize, Deserialize, dynamorm::Entity)]
//! #[dynamo(table = Catalog, pk = "PRODUCT#{id}", sk = "PRODUCT")]
//! #[dynamo(vector_index(ByEmbedding, vector = embedding, hash = tenant, filters = [category]))]
//! pub struct Product {
//!     id: u32,
//!     tenant: String,
//!     category: String,
//!     embedding: Vector<4>,
//! }
//!
//! # async fn run(db: dynamorm::Db<Catalog>) -> Result<(), dynamorm::Error> {
//! let hits = db
//!     .search(Product::ByEmbedding.near([0.1, 0.2, 0.3, 0.4]).partition("acme"))
//!     .filter(Product::attrs().category.eq("books"))
//!     .top_k(5)
//!     .send()
//!     .await?;
//! for hit in &hits {
//!     println!("{} scored {}", hit.item.id, hit.score);
//! }
//! # Ok(()) }
//! ```
//!
//! Searches go to DynamoDB's `SearchVectors`; DynamoDB Local does not implement it (the
//! embedded engine does).

pub(crate) mod admin;
mod schema;
mod search;
mod value;

pub use crate::table::{DistanceFunction, VectorIndex, VectorIndexSchema};
pub use search::{DEFAULT_TOP_K, MAX_TOP_K, Near, NoPartition, Scored, Search, VectorShape};
pub use value::{Vector, VectorField, WrongDimensions};

#[doc(hidden)]
pub use schema::{undeclared_vector_attribute, vector_index, vector_mismatch};
