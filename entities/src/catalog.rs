//! A fourth sample domain: **a multi-tenant catalogue with semantic search**. Products and
//! articles carry embeddings in one vector index; a search names one tenant (the index's
//! `HASH` attribute), may narrow by category (an inline filter), and returns both types,
//! told apart by the discriminator — itself an inline filter, so a search for one type
//! asks DynamoDB for that type alone.
//!
//! | access pattern | where | how |
//! |---|---|---|
//! | a product by id | table | `db.get(ProductKey { tenant, id })` |
//! | a tenant's products closest to a query | `ByEmbedding` | `db.search(Product::ByEmbedding.near(&v).partition(tenant))` |
//! | the same, in one category | `ByEmbedding` | `.filter(Product::attrs().category.eq(c))` |
//! | anything of a tenant closest to a query | `ByEmbedding` | `.registry::<CatalogItem>()` |

use dynamorm::vector::Vector;
use dynamorm::{Entity, Registry, Table};
use serde::{Deserialize, Serialize};

/// How many numbers an embedding has here (real models use hundreds or thousands).
pub const DIMENSIONS: usize = 32;

/// The catalogue table and its vector index.
#[derive(Debug, Table)]
#[dynamo(name = "catalog")]
#[dynamo(vector_index(
    ByEmbedding,
    vector = "embedding",
    dimensions = 32,
    distance = cosine,
    hash = tenant: S,
    filters = [_type: S, category: S]
))]
pub struct Catalog;

/// A product of a tenant's catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Catalog, pk = "TENANT#{tenant}", sk = "PRODUCT#{id}")]
#[dynamo(vector_index(ByEmbedding, vector = embedding, hash = tenant, filters = [category]))]
pub struct Product {
    /// The tenant.
    pub tenant: String,
    /// The product id.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// Its category.
    pub category: String,
    /// Its price in cents.
    pub price_cents: u32,
    /// Its embedding.
    pub embedding: Vector<DIMENSIONS>,
}

/// A help article of a tenant; in the index only once it has an embedding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Catalog, pk = "TENANT#{tenant}", sk = "ARTICLE#{slug}")]
#[dynamo(vector_index(ByEmbedding, vector = embedding, hash = tenant, filters = [category]))]
pub struct Article {
    /// The tenant.
    pub tenant: String,
    /// The article's slug.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Its category.
    pub category: String,
    /// Its embedding, once computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Vector<DIMENSIONS>>,
}

/// Everything in the catalogue table.
#[derive(Debug, Clone, PartialEq, Registry)]
#[dynamo(table = Catalog)]
pub enum CatalogItem {
    /// A product.
    Product(Product),
    /// An article.
    Article(Article),
}

/// A deterministic embedding of `text` (no model download): each word adds a pseudo-random
/// direction derived from its bytes, so texts that share words point the same way.
pub fn embed(text: &str) -> Vector<DIMENSIONS> {
    let mut v = [0.0f32; DIMENSIONS];
    for word in text.split_whitespace() {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in word.to_lowercase().bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        for x in &mut v {
            h ^= h >> 33;
            h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
            *x += ((h >> 40) as f32 / (1u64 << 24) as f32) - 0.5;
        }
    }
    Vector::new(v)
}
