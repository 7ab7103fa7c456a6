//! Semantic search over a small catalogue: products and help articles of two tenants carry
//! embeddings in one vector index; each search names a tenant, may narrow by category, and
//! returns the closest items — of one type, or of every type through the registry.
//!
//!     cargo run --example semantic_search
//!
//! Runs on the embedded engine with no set-up (the embeddings are made here from the words
//! of each text: no model to download). DynamoDB Local has no vector indexes; against AWS
//! (`DYNAMORM_TARGET=aws`) the index takes minutes to build before the first search.

use dynamorm::{Db, Registry};
use dynamorm_entities::catalog::{Article, Catalog, CatalogItem, Product, embed};

const PRODUCTS: &[(&str, u32, &str, &str)] = &[
    ("acme", 1, "merino wool scarf", "clothes"),
    ("acme", 2, "wool hiking socks", "clothes"),
    ("acme", 3, "rain jacket with hood", "clothes"),
    ("acme", 4, "garden hose reel", "garden"),
    ("acme", 5, "expanding garden hose", "garden"),
    ("acme", 6, "led desk lamp", "home"),
    ("globex", 7, "wool scarf", "clothes"),
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, target) = dynamorm_local::connect().await?;
    println!("server: {target:?}");
    let db =
        Db::<Catalog>::with_table_name(client, "catalog-search").with_registry::<CatalogItem>();
    // Creates the table with its vector index and waits until the index answers searches.
    db.ensure_table().await?;

    for (tenant, id, name, category) in PRODUCTS {
        let product = Product {
            tenant: (*tenant).into(),
            id: *id,
            name: (*name).into(),
            category: (*category).into(),
            price_cents: 1000 + id * 250,
            embedding: embed(name),
        };
        db.put(&product).send().await?;
    }
    let guide = Article {
        tenant: "acme".into(),
        slug: "wool-care".into(),
        title: "how to wash wool".into(),
        category: "clothes".into(),
        embedding: Some(embed("how to wash wool")),
    };
    db.put(&guide).send().await?;
    println!("wrote {} products and an article", PRODUCTS.len());

    // The three products of tenant `acme` closest to "warm wool", in one category.
    let query = embed("warm wool");
    let hits = db
        .search(Product::ByEmbedding.near(query).partition("acme"))
        .filter(Product::attrs().category.eq("clothes"))
        .top_k(3)
        .send()
        .await?;
    println!("\nacme's clothes closest to \"warm wool\":");
    for hit in &hits {
        println!("  {:.3}  {}", hit.score, hit.item.name);
    }
    assert!(
        hits.iter()
            .all(|h| h.item.tenant == "acme" && h.item.category == "clothes")
    );
    assert!(
        hits.windows(2).all(|w| w[0].score <= w[1].score),
        "closest first"
    );

    // Everything of acme's, products and articles alike, told apart by type.
    let anything = db
        .search(
            Product::ByEmbedding
                .near(embed("wash wool"))
                .partition("acme"),
        )
        .registry::<CatalogItem>()
        .top_k(4)
        .send()
        .await?;
    println!("\nanything of acme's closest to \"wash wool\":");
    for hit in &anything {
        let what = match &hit.item {
            CatalogItem::Product(p) => format!("product {}", p.name),
            CatalogItem::Article(a) => format!("article {}", a.title),
        };
        println!("  {:.3}  {what}", hit.score);
    }
    assert!(matches!(&anything[0].item, CatalogItem::Article(a) if a.slug == "wool-care"));
    assert_eq!(
        anything
            .iter()
            .filter_map(|h| h.item.discriminator())
            .count(),
        4
    );
    Ok(())
}
