// A field stored under a vector index's vector attribute must feed that index, so its
// dimensions are checked.

use dynamorm::vector::Vector;

#[derive(dynamorm::Table)]
#[dynamo(name = "catalog")]
#[dynamo(vector_index(ByEmbedding, vector = "embedding", dimensions = 8, distance = cosine))]
pub struct Catalog;

#[derive(serde::Serialize, serde::Deserialize, dynamorm::Entity)]
#[dynamo(table = Catalog, pk = "P#{id}", sk = "P")]
pub struct Undeclared {
    id: u32,
    embedding: Vector<4>,
}

fn main() {}
