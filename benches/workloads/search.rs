//! A vector search: `db.search(..)` returning typed, scored products against the
//! `SearchVectors` call a user writes by hand with the raw SDK and `serde_dynamo` — the
//! same request (vector, tenant and type conditions, the entity's attributes projected)
//! and the same decoding.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::vector::Scored;
use dynamorm::{Db, Item};
use dynamorm_entities::catalog::{Catalog, Product, embed};
use serde_json::json;

use crate::overhead::{canned_by, wire_item};

/// Ten products of tenant `acme`.
fn products() -> Vec<Product> {
    (0..10)
        .map(|id| Product {
            tenant: "acme".into(),
            id,
            name: format!("product number {id}"),
            category: "clothes".into(),
            price_cents: 1000 + id * 10,
            embedding: embed(&format!("product number {id}")),
        })
        .collect()
}

/// One client, used by both sides.
pub(crate) struct Search {
    client: Client,
    db: Db<Catalog>,
    query: dynamorm::vector::Vector<{ dynamorm_entities::catalog::DIMENSIONS }>,
}

impl Search {
    /// Against a client answering every search with the ten products, closest first.
    pub(crate) fn canned() -> Self {
        let results: Vec<_> = products()
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let item = dynamorm::to_item(p).expect("encodes");
                json!({ "Item": wire_item(&item), "Score": 0.05 * i as f64 })
            })
            .collect();
        let body = json!({ "SearchResults": results }).to_string();
        let client = canned_by(move |_, _| body.clone());
        Self::over(client, "catalog")
    }

    /// Against a live server: creates the table and writes the ten products.
    pub(crate) async fn live(client: Client, table: &str) -> Self {
        let search = Self::over(client, table);
        search.db.create_table().await.expect("table");
        for p in products() {
            search.db.put(&p).send().await.expect("put");
        }
        search
    }

    fn over(client: Client, table: &str) -> Self {
        Self {
            db: Db::with_table_name(client.clone(), table),
            client,
            query: embed("product number 3"),
        }
    }

    /// dynamorm: the tenant's ten closest products.
    pub(crate) async fn dynamorm(&self) -> Vec<Scored<Product>> {
        self.db
            .search(Product::ByEmbedding.near(self.query).partition("acme"))
            .send()
            .await
            .expect("search")
    }

    /// The same by hand: the request dynamorm sends, each result decoded.
    pub(crate) async fn baseline(&self) -> Vec<(f64, Product)> {
        let vector: Vec<AttributeValue> = self
            .query
            .iter()
            .map(|v| AttributeValue::N(v.to_string()))
            .collect();
        let names: HashMap<String, String> = [
            ("#n0", "tenant"),
            ("#n1", "_type"),
            ("#n2", "id"),
            ("#n3", "name"),
            ("#n4", "category"),
            ("#n5", "price_cents"),
            ("#n6", "embedding"),
            ("#n7", "PK"),
            ("#n8", "SK"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let out = self
            .client
            .search_vectors()
            .table_name(self.db.table_name())
            .index_name("ByEmbedding")
            .set_search_vector(Some(vector))
            .top_k(10)
            .search_condition_expression("#n0 = :v0 AND #n1 = :v1")
            .projection_expression("#n0, #n2, #n3, #n4, #n5, #n6, #n7, #n8, #n1")
            .set_expression_attribute_names(Some(names))
            .expression_attribute_values(":v0", AttributeValue::S("acme".into()))
            .expression_attribute_values(":v1", AttributeValue::S("Product".into()))
            .send()
            .await
            .expect("search");
        out.search_results
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| {
                let item: Item = r.item?;
                Some((r.score, serde_dynamo::from_item(item).expect("decodes")))
            })
            .collect()
    }
}
