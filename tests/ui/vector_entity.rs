// An entity's vector index fields checked against the table at compile time: dimensions,
// attribute names and types, the HASH attribute, the kind of index.

use dynamorm::vector::Vector;

#[derive(dynamorm::Table)]
#[dynamo(name = "catalog")]
#[dynamo(vector_index(ByEmbedding, vector = "embedding", dimensions = 8, distance = cosine, hash = tenant: S, filters = [category: S]))]
#[dynamo(index(GSI1, pk = "GSI1PK"))]
pub struct Catalog;

#[derive(serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Catalog, pk = "P#{id}", sk = "P")]
#[dynamo(vector_index(ByEmbedding, vector = embedding, hash = tenant, filters = [category]))]
pub struct WrongDimensions {
    id: u32,
    tenant: String,
    category: String,
    embedding: Vector<4>,
}

#[derive(serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Catalog, pk = "P#{id}", sk = "P")]
#[dynamo(vector_index(ByEmbedding, vector = embedding, hash = tenant))]
pub struct WrongType {
    id: u32,
    tenant: u64,
    embedding: Vector<8>,
}

#[derive(serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Catalog, pk = "P#{id}", sk = "P")]
#[dynamo(vector_index(ByEmbedding, vector = embedding, hash = tenant, filters = [kind]))]
pub struct NotAFilter {
    id: u32,
    tenant: String,
    kind: String,
    embedding: Vector<8>,
}

#[derive(serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Catalog, pk = "P#{id}", sk = "P")]
#[dynamo(vector_index(ByEmbedding, vector = embedding))]
pub struct NoHash {
    id: u32,
    embedding: Vector<8>,
}

#[derive(serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Catalog, pk = "P#{id}", sk = "P")]
#[dynamo(vector_index(ByEmbedding, vector = embedding, hash = tenant))]
pub struct NotAVector {
    id: u32,
    tenant: String,
    embedding: Vec<f32>,
}

#[derive(serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Catalog, pk = "P#{id}", sk = "P")]
#[dynamo(vector_index(GSI1, vector = embedding))]
pub struct NotAVectorIndex {
    id: u32,
    embedding: Vector<8>,
}

#[derive(serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Catalog, pk = "P#{id}", sk = "P")]
#[dynamo(vector_index(ByEmbedding, vector = embedding, hash = missing: S, dimensions = 8))]
pub struct TableSettings {
    id: u32,
    embedding: Vector<8>,
}

fn main() {}
