//! Vector search (#24), held against a brute-force model: every distance function over
//! random vectors (recall@k = 1.0 on the exact engine, order and scores equal within f32
//! rounding), hash and inline filters, mixed entity types in one index, items moving in and
//! out of the index by update, an index added to a populated table, invalid searches
//! sending nothing, and vectors stored exactly on every write path.
//!
//! DynamoDB Local 3.3 has no vector indexes: its cases say so and skip — except the write
//! paths (a vector is a list of numbers, stored by any server) and the test that shows it
//! refusing a vector index.

use dynamorm::doctor::IndexProblem;
use dynamorm::vector::{DistanceFunction, Scored, Vector};
use dynamorm::{Db, Entity, InvalidInputKind, Registry, Table};
use dynamorm_entities::catalog::{Article, Catalog, CatalogItem, DIMENSIONS, Product, embed};
use dynamorm_local::FaultConfig;
use futures::StreamExt;
use rstest::rstest;
use serde::{Deserialize, Serialize};

use crate::harness::{Backend, client, faulty_table_of, refused, unique_name};

/// A proxy that only counts requests.
fn no_faults() -> FaultConfig {
    FaultConfig {
        seed: 24,
        unprocessed: 0.0,
        throttle: 0.0,
        drop_connection: 0.0,
    }
}

/// Whether `backend` can run a vector search; says so when it cannot.
fn searchable(backend: Backend, test: &str) -> bool {
    if matches!(backend, Backend::DdbLocal) {
        println!("{test}: skipped on DynamoDB Local, which has no vector indexes (3.3.x)");
        return false;
    }
    true
}

const D: usize = 16;

/// What a product search returns.
type SearchResult = Result<Vec<Scored<Product>>, dynamorm::Error>;

/// Three vector indexes over one attribute, one per distance function.
#[derive(Debug, Table)]
#[dynamo(name = "space")]
#[dynamo(vector_index(ByCosine, vector = "v", dimensions = 16, distance = cosine, hash = group: S, filters = [color: S]))]
#[dynamo(vector_index(ByEuclid, vector = "v", dimensions = 16, distance = euclidean, hash = group: S, filters = [color: S]))]
#[dynamo(vector_index(ByDot, vector = "v", dimensions = 16, distance = dot_product, hash = group: S, filters = [color: S]))]
struct Space;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Space, pk = "POINT#{id}", sk = "POINT")]
#[dynamo(vector_index(ByCosine, vector = v, hash = group, filters = [color]))]
#[dynamo(vector_index(ByEuclid, vector = v, hash = group, filters = [color]))]
#[dynamo(vector_index(ByDot, vector = v, hash = group, filters = [color]))]
struct Point {
    id: u32,
    group: String,
    color: String,
    v: Vector<D>,
}

fn random_vector(rng: &mut fastrand::Rng) -> [f32; D] {
    std::array::from_fn(|_| rng.f32() * 2.0 - 1.0)
}

/// The score DynamoDB defines: f32 elements, f64 sums, saturated to the f32 range.
fn model_score(distance: DistanceFunction, q: &[f32], v: &[f32]) -> f64 {
    let pairs = q.iter().zip(v).map(|(a, b)| (f64::from(*a), f64::from(*b)));
    let score = match distance {
        DistanceFunction::DotProduct => pairs.map(|(a, b)| a * b).sum(),
        DistanceFunction::Euclidean => pairs.map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt(),
        DistanceFunction::Cosine => {
            let (mut dot, mut qq, mut vv) = (0.0, 0.0, 0.0);
            for (a, b) in pairs {
                dot += a * b;
                qq += a * a;
                vv += b * b;
            }
            if qq == 0.0 || vv == 0.0 {
                1.0
            } else {
                (1.0 - dot / (qq.sqrt() * vv.sqrt())).clamp(0.0, 2.0)
            }
        }
    };
    score.clamp(-f64::from(f32::MAX), f64::from(f32::MAX))
}

/// The model's top `k` of `points` for `q`, closest first: (id, score).
fn model_top_k(
    distance: DistanceFunction,
    points: &[Point],
    q: &[f32],
    k: usize,
    keep: impl Fn(&Point) -> bool,
) -> Vec<(u32, f64)> {
    let mut scored: Vec<(u32, f64)> = points
        .iter()
        .filter(|p| keep(p))
        .map(|p| (p.id, model_score(distance, q, p.v.as_slice())))
        .collect();
    scored.sort_by(|a, b| {
        let order = a.1.total_cmp(&b.1);
        if distance.larger_is_closer() {
            order.reverse()
        } else {
            order
        }
    });
    scored.truncate(k);
    scored
}

/// Compares a search with the model: the same ids in the same order (recall@k = 1.0) and
/// scores equal within f32 rounding.
fn assert_matches(got: &[Scored<Point>], want: &[(u32, f64)], what: &str) {
    let got_ids: Vec<u32> = got.iter().map(|s| s.item.id).collect();
    let want_ids: Vec<u32> = want.iter().map(|w| w.0).collect();
    let recalled = want_ids.iter().filter(|id| got_ids.contains(id)).count();
    assert_eq!(recalled, want_ids.len(), "recall@k = 1.0 ({what})");
    assert_eq!(got_ids, want_ids, "closest first ({what})");
    for (s, (_, score)) in got.iter().zip(want) {
        let tolerance = 1e-5 * score.abs().max(1.0);
        assert!(
            (s.score - score).abs() <= tolerance,
            "{what}: score {} vs model {score}",
            s.score
        );
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn searches_match_a_brute_force_model_for_every_distance_function(#[case] backend: Backend) {
    if !searchable(backend, "distance functions") {
        return;
    }
    let (client, _server) = client(backend);
    let db = Db::<Space>::with_table_name(client, unique_name("vectors-model"));
    db.create_table()
        .await
        .expect("table with three vector indexes");
    let mut rng = fastrand::Rng::with_seed(24);
    let groups = ["a", "b", "c"];
    let colors = ["red", "green", "blue", "gold"];
    let points: Vec<Point> = (0..300)
        .map(|id| Point {
            id,
            group: groups[id as usize % 3].into(),
            color: colors[rng.usize(..colors.len())].into(),
            v: Vector::new(random_vector(&mut rng)),
        })
        .collect();
    let out = db
        .batch_write()
        .put_all(&points)
        .send()
        .await
        .expect("batch");
    out.into_result().expect("every point written");

    let p = Point::attrs();
    let mut searches = 0;
    for round in 0..12 {
        let q = random_vector(&mut rng);
        let group = groups[round % 3];
        let color = colors[round % colors.len()];
        let k = [1, 5, 10, 37][round % 4];
        for (shape, distance) in [
            (Point::ByCosine, DistanceFunction::Cosine),
            (Point::ByEuclid, DistanceFunction::Euclidean),
            (Point::ByDot, DistanceFunction::DotProduct),
        ] {
            assert_eq!(shape.index().distance(), distance);
            let got = db
                .search(shape.near(q).partition(group))
                .top_k(k as u32)
                .send()
                .await
                .expect("search");
            let want = model_top_k(distance, &points, &q, k, |pt| pt.group == group);
            assert_matches(&got, &want, &format!("{distance:?}, group {group}, k {k}"));
            for hit in &got {
                let stored = &points[hit.item.id as usize];
                assert_eq!(
                    &hit.item, stored,
                    "the result is the stored item, vector exact"
                );
            }
            let got = db
                .search(shape.near(q).partition(group))
                .filter(p.color.eq(color))
                .top_k(k as u32)
                .send()
                .await
                .expect("filtered search");
            let want = model_top_k(distance, &points, &q, k, |pt| {
                pt.group == group && pt.color == color
            });
            assert_matches(
                &got,
                &want,
                &format!("{distance:?}, {group}/{color}, k {k}"),
            );
            searches += 2;
        }
    }
    println!("vector model: {searches} searches over 300 points, every one equal to the model");
}

fn product(tenant: &str, id: u32, name: &str, category: &str) -> Product {
    Product {
        tenant: tenant.into(),
        id,
        name: name.into(),
        category: category.into(),
        price_cents: 100 * id,
        embedding: embed(name),
    }
}

fn article(tenant: &str, slug: &str, title: &str, embedded: bool) -> Article {
    Article {
        tenant: tenant.into(),
        slug: slug.into(),
        title: title.into(),
        category: "help".into(),
        embedding: embedded.then(|| embed(title)),
    }
}

async fn catalog(
    backend: Backend,
    test: &str,
) -> (Db<Catalog>, Option<dynamorm_local::LocalServer>) {
    let (client, server) = client(backend);
    let db =
        Db::<Catalog>::with_table_name(client, unique_name(test)).with_registry::<CatalogItem>();
    db.create_table().await.expect("catalog table");
    (db, server)
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn one_index_serves_several_entity_types(#[case] backend: Backend) {
    if !searchable(backend, "mixed types") {
        return;
    }
    let (db, _server) = catalog(backend, "vectors-mixed").await;
    let names = [
        "red wool scarf",
        "blue wool hat",
        "garden hose",
        "wool socks",
        "hose reel",
    ];
    for (i, name) in names.iter().enumerate() {
        db.put(&product(
            "acme",
            i as u32,
            name,
            if name.contains("wool") {
                "clothes"
            } else {
                "garden"
            },
        ))
        .send()
        .await
        .expect("put");
    }
    db.put(&product("other", 99, "wool scarf", "clothes"))
        .send()
        .await
        .expect("put");
    db.put(&article("acme", "care", "wool care guide", true))
        .send()
        .await
        .expect("put");
    db.put(&article("acme", "draft", "wool draft", false))
        .send()
        .await
        .expect("put");

    let query = embed("wool scarf");
    // The registry: both types, one tenant, closest first.
    let all = db
        .search(Product::ByEmbedding.near(query).partition("acme"))
        .registry::<CatalogItem>()
        .top_k(100)
        .send()
        .await
        .expect("registry search");
    let kinds: Vec<&str> = all.iter().filter_map(|s| s.item.discriminator()).collect();
    assert_eq!(
        all.len(),
        names.len() + 1,
        "5 products and the embedded article: {kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| **k == "Article").count(), 1);
    assert!(
        all.windows(2).all(|w| w[0].score <= w[1].score),
        "closest first"
    );
    // Each score is the model's cosine distance of that item's stored embedding.
    for hit in &all {
        let stored = match &hit.item {
            CatalogItem::Product(p) => p.embedding,
            CatalogItem::Article(a) => a.embedding.expect("only embedded articles are indexed"),
        };
        let model = model_score(
            DistanceFunction::Cosine,
            query.as_slice(),
            stored.as_slice(),
        );
        assert!(
            (hit.score - model).abs() < 1e-5,
            "score {} vs model {model}",
            hit.score
        );
    }

    // An entity search: the discriminator is an inline filter, so DynamoDB returns only
    // that type and top_k is exact.
    let products = db
        .search(Product::ByEmbedding.near(query).partition("acme"))
        .top_k(5)
        .send()
        .await
        .expect("product search");
    assert_eq!(products.len(), 5);
    let articles = db
        .search(Article::ByEmbedding.near(query).partition("acme"))
        .top_k(5)
        .send()
        .await
        .expect("article search");
    assert_eq!(
        articles.len(),
        1,
        "the draft has no embedding: not in the index"
    );
    assert_eq!(
        articles[0].item,
        article("acme", "care", "wool care guide", true)
    );

    // An inline filter, and the other tenant's partition.
    let garden = db
        .search(Product::ByEmbedding.near(query).partition("acme"))
        .filter(Product::attrs().category.eq("garden"))
        .send()
        .await
        .expect("filtered");
    let mut ids: Vec<u32> = garden.iter().map(|s| s.item.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, vec![2, 4]);
    let other = db
        .search(Product::ByEmbedding.near(query).partition("other"))
        .send()
        .await
        .expect("other tenant");
    assert_eq!(other.len(), 1);
    assert_eq!(other[0].item.id, 99);
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn items_move_in_and_out_of_the_index_by_update(#[case] backend: Backend) {
    if !searchable(backend, "membership by update") {
        return;
    }
    let (db, _server) = catalog(backend, "vectors-membership").await;
    let a = Article::attrs();
    let draft = article("acme", "faq", "shipping faq", false);
    db.put(&draft).send().await.expect("put");
    let search = |tenant: &'static str| {
        db.search(
            Article::ByEmbedding
                .near(embed("shipping"))
                .partition(tenant),
        )
        .send()
    };
    assert!(
        search("acme").await.expect("search").is_empty(),
        "no embedding yet"
    );

    db.update(draft.key())
        .set(a.embedding, Some(embed("shipping faq")))
        .send()
        .await
        .expect("embed");
    let found = search("acme").await.expect("search");
    assert_eq!(found.len(), 1, "in the index once embedded");
    assert_eq!(
        found[0].item.embedding,
        Some(embed("shipping faq")),
        "exact"
    );

    db.update(draft.key())
        .remove(a.embedding)
        .send()
        .await
        .expect("remove");
    assert!(
        search("acme").await.expect("search").is_empty(),
        "out once removed"
    );

    // A product moved to another category is found by the new filter only.
    let scarf = product("acme", 1, "wool scarf", "clothes");
    db.put(&scarf).send().await.expect("put");
    db.update(scarf.key())
        .set(Product::attrs().category, "sale")
        .send()
        .await
        .expect("recategorise");
    let in_category = |category: &'static str| {
        db.search(Product::ByEmbedding.near(embed("scarf")).partition("acme"))
            .filter(Product::attrs().category.eq(category))
            .send()
    };
    assert!(in_category("clothes").await.expect("search").is_empty());
    assert_eq!(in_category("sale").await.expect("search").len(), 1);
    db.delete(scarf.key()).send().await.expect("delete");
    assert!(
        in_category("sale").await.expect("search").is_empty(),
        "gone once deleted"
    );
}

/// The catalogue as it was before semantic search: no vector index.
#[derive(Debug, Table)]
#[dynamo(name = "catalog")]
struct CatalogBefore;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = CatalogBefore, name = "Product", pk = "TENANT#{tenant}", sk = "PRODUCT#{id}")]
struct ProductBefore {
    tenant: String,
    id: u32,
    name: String,
    category: String,
    price_cents: u32,
    embedding: Vector<DIMENSIONS>,
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_vector_index_added_to_a_populated_table_is_waited_for(#[case] backend: Backend) {
    if !searchable(backend, "index added to a live table") {
        return;
    }
    let (client, _server) = client(backend);
    let name = unique_name("vectors-added");
    let before = Db::<CatalogBefore>::with_table_name(client.clone(), name.clone());
    before
        .create_table()
        .await
        .expect("table without vector index");
    let names = [
        "wool scarf",
        "wool hat",
        "garden hose",
        "lamp",
        "desk lamp",
        "hose",
    ];
    for (id, n) in names.iter().enumerate() {
        let p = product("acme", id as u32, n, "any");
        let old = ProductBefore {
            tenant: p.tenant,
            id: p.id,
            name: p.name,
            category: p.category,
            price_cents: p.price_cents,
            embedding: p.embedding,
        };
        before.put(&old).send().await.expect("put");
    }
    let after = Db::<Catalog>::with_table_name(client, name);
    let checkup = after.doctor::<CatalogItem>().run().await.expect("doctor");
    assert_eq!(
        checkup.indexes,
        vec![IndexProblem::MissingIndex {
            index: "ByEmbedding".into()
        }],
        "the doctor sees the index missing"
    );
    assert!(checkup.findings.is_empty(), "{:?}", checkup.findings);
    let started = std::time::Instant::now();
    after
        .ensure_table()
        .await
        .expect("the index is added and waited for");
    println!(
        "vector index added and searchable after {:?}",
        started.elapsed()
    );
    // Searchable at once: `ensure_table` returned only when the index answered a search.
    let found = after
        .search(Product::ByEmbedding.near(embed("lamp")).partition("acme"))
        .top_k(10)
        .send()
        .await
        .expect("search right after ensure_table");
    assert_eq!(found.len(), names.len(), "every existing item was indexed");
    assert_eq!(found[0].item.name, "lamp");
    after.ensure_table().await.expect("idempotent");
    let checkup = after.doctor::<CatalogItem>().run().await.expect("doctor");
    assert!(
        checkup.indexes.is_empty(),
        "as declared now: {:?}",
        checkup.indexes
    );
}

/// The same index declared otherwise: the doctor says how, and `ensure_table` refuses to
/// go on (DynamoDB changes no vector index in place).
#[derive(Debug, Table)]
#[dynamo(name = "catalog")]
#[dynamo(vector_index(
    ByEmbedding,
    vector = "embedding",
    dimensions = 32,
    distance = euclidean,
    hash = tenant: S,
    filters = [_type: S, category: S]
))]
struct CatalogEuclidean;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = CatalogEuclidean, name = "Product", pk = "TENANT#{tenant}", sk = "PRODUCT#{id}")]
#[dynamo(vector_index(ByEmbedding, vector = embedding, hash = tenant, filters = [category]))]
struct EuclideanProduct {
    tenant: String,
    id: u32,
    category: String,
    embedding: Vector<DIMENSIONS>,
}

#[derive(Debug, Clone, PartialEq, Registry)]
#[dynamo(table = CatalogEuclidean)]
enum EuclideanItem {
    Product(EuclideanProduct),
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_vector_index_declared_otherwise_is_reported_and_refused(#[case] backend: Backend) {
    if !searchable(backend, "index declared otherwise") {
        return;
    }
    let (db, _server) = catalog(backend, "vectors-otherwise").await;
    let other = Db::<CatalogEuclidean>::with_table_name(db.client().clone(), db.table_name());
    let err = other
        .ensure_table()
        .await
        .expect_err("the live index measures by COSINE");
    assert!(
        matches!(err, dynamorm::Error::TableMismatch { .. }),
        "{err:?}"
    );
    let checkup = other.doctor::<EuclideanItem>().run().await;
    let checkup = checkup.expect("doctor");
    assert!(
        matches!(&checkup.indexes[..], [IndexProblem::VectorIndex { index, .. }] if index == "ByEmbedding"),
        "{:?}",
        checkup.indexes
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn invalid_searches_send_nothing(#[case] backend: Backend) {
    if !searchable(backend, "invalid searches") {
        return;
    }
    let t = faulty_table_of::<Catalog>(backend, "vectors-invalid", no_faults()).await;
    let db = &t.db;
    let p = Product::attrs();
    let q = embed("scarf");
    let before = t.proxy.stats().requests;
    let near = || Product::ByEmbedding.near(q).partition("acme");
    let cases: Vec<(&str, SearchResult)> = vec![
        (
            "too few values",
            db.search(
                Product::ByEmbedding
                    .near([0.5; DIMENSIONS - 1])
                    .partition("acme"),
            )
            .send()
            .await,
        ),
        (
            "too many values",
            db.search(
                Product::ByEmbedding
                    .near([0.5; DIMENSIONS + 1])
                    .partition("acme"),
            )
            .send()
            .await,
        ),
        (
            "no values",
            db.search(Product::ByEmbedding.near([]).partition("acme"))
                .send()
                .await,
        ),
        (
            "NaN",
            db.search(
                Product::ByEmbedding
                    .near([f32::NAN; DIMENSIONS])
                    .partition("acme"),
            )
            .send()
            .await,
        ),
        (
            "infinity",
            db.search(
                Product::ByEmbedding
                    .near([f32::INFINITY; DIMENSIONS])
                    .partition("acme"),
            )
            .send()
            .await,
        ),
        ("top_k 0", db.search(near()).top_k(0).send().await),
        ("top_k 101", db.search(near()).top_k(101).send().await),
        (
            "no partition",
            db.search(Product::ByEmbedding.near(q)).send().await,
        ),
        (
            "empty partition",
            db.search(Product::ByEmbedding.near(q).partition(""))
                .send()
                .await,
        ),
        (
            "a range on a filter",
            db.search(near()).filter(p.category.lt("m")).send().await,
        ),
        (
            "not equal",
            db.search(near()).filter(p.category.ne("m")).send().await,
        ),
        (
            "or",
            db.search(near())
                .filter(p.category.eq("a").or(p.category.eq("b")))
                .send()
                .await,
        ),
        (
            "not",
            db.search(near()).filter(!p.category.eq("a")).send().await,
        ),
        (
            "a function",
            db.search(near())
                .filter(p.name.begins_with("wool"))
                .send()
                .await,
        ),
        (
            "not a filter attribute",
            db.search(near()).filter(p.name.eq("x")).send().await,
        ),
        (
            "the hash as a filter",
            db.search(near()).filter(p.tenant.eq("acme")).send().await,
        ),
        (
            "twice",
            db.search(near())
                .filter(p.category.eq("a"))
                .filter(p.category.eq("b"))
                .send()
                .await,
        ),
        (
            "a raw condition",
            db.search(near())
                .filter(
                    dynamorm::Condition::raw("size(#c) > :n")
                        .name("#c", "category")
                        .value(":n", &1),
                )
                .send()
                .await,
        ),
    ];
    let sent = t.proxy.stats().requests - before;
    for (what, result) in &cases {
        assert_eq!(
            refused(result),
            Some(InvalidInputKind::InvalidSearch),
            "{what}: {result:?}"
        );
    }
    assert_eq!(sent, 0, "{} invalid searches sent nothing", cases.len());
    // A subnormal value and -0 are numbers DynamoDB searches with.
    let mut tiny = [0.25f32; DIMENSIONS];
    tiny[0] = f32::MIN_POSITIVE / 4.0;
    tiny[1] = -0.0;
    let ok = db
        .search(Product::ByEmbedding.near(tiny).partition("acme"))
        .send()
        .await;
    assert!(ok.is_ok(), "subnormal and -0 are sent: {ok:?}");
    println!("invalid searches: {} refused, 0 requests", cases.len());
}

/// A plain table and an entity with a vector, on any server.
#[derive(Debug, Table)]
#[dynamo(name = "plain")]
struct Plain;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Plain, pk = "DOC#{id}", sk = "DOC")]
struct Doc {
    id: u32,
    v: Vector<7>,
}

#[derive(Debug, Clone, PartialEq, Registry)]
#[dynamo(table = Plain)]
enum PlainItem {
    Doc(Doc),
}

/// The plain table before its documents moved to `DOC#{id}`.
#[derive(Debug, Table)]
#[dynamo(name = "plain")]
struct PlainBefore;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = PlainBefore, name = "Doc", pk = "OLD#{id}", sk = "DOC")]
struct DocBefore {
    id: u32,
    v: Vector<7>,
}

/// Values whose decimal forms are long, tiny, huge, negative zero and subnormal.
fn awkward(seed: u32) -> Vector<7> {
    let s = seed as f32;
    Vector::new([
        0.1 + s,
        1.0 / 3.0 * (s + 1.0),
        f32::MIN_POSITIVE / 3.0,
        -0.0,
        f32::MAX / (s + 1.0),
        -1.0e-30 * (s + 1.0),
        std::f32::consts::PI * s,
    ])
}

/// The same `f32`s, bit for bit — except the sign of zero: a DynamoDB number has none,
/// so the embedded engine, like DynamoDB, reads `-0` back as `0`.
fn same_bits(a: &Vector<7>, b: &Vector<7>) -> bool {
    a.iter()
        .zip(b.iter())
        .all(|(x, y)| x.to_bits() == y.to_bits() || (*x == 0.0 && *y == 0.0))
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn vectors_are_stored_exactly_on_every_write_path(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Plain>::with_table_name(client, unique_name("vectors-exact"))
        .with_registry::<PlainItem>();
    db.create_table().await.expect("table");
    let doc = |id: u32| Doc { id, v: awkward(id) };
    db.put(&doc(1)).send().await.expect("put");
    db.put(&Doc {
        id: 2,
        v: awkward(0),
    })
    .send()
    .await
    .expect("put");
    db.update(doc(2).key())
        .set(Doc::attrs().v, awkward(2))
        .send()
        .await
        .expect("update");
    db.batch_write()
        .put(&doc(3))
        .send()
        .await
        .expect("batch")
        .into_result()
        .expect("written");
    db.transact_write()
        .action(db.put(&doc(4)))
        .send()
        .await
        .expect("transaction");
    let streamed = futures::stream::iter([dynamorm::batch::StreamedWrite::put(&doc(5))]);
    let out = db.write_stream(streamed).send().await.expect("stream");
    out.into_result().expect("streamed");
    // A migration moving a document to its new key re-encodes it (decoded, then written).
    let before = Db::<PlainBefore>::with_table_name(db.client().clone(), db.table_name());
    before
        .put(&DocBefore {
            id: 6,
            v: awkward(6),
        })
        .send()
        .await
        .expect("put");
    let report = db.migrate::<PlainItem>().run().await.expect("migration");
    assert_eq!(report.progress.moved, 1, "{report:?}");
    for id in 1..=6 {
        let got = db
            .get(doc(id).key())
            .send()
            .await
            .expect("get")
            .expect("stored");
        assert!(
            same_bits(&got.v, &awkward(id)),
            "write path {id}: {:?} vs {:?}",
            got.v,
            awkward(id)
        );
    }
    let scanned: Vec<PlainItem> = db.scan::<PlainItem>().all().await.expect("scan");
    assert_eq!(scanned.len(), 6);
    let n = db.query(Doc::attrs().id.is(3)).stream().count().await;
    assert_eq!(n, 1);
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn search_results_hold_exact_vectors_and_dynamodb_local_refuses_the_index(
    #[case] backend: Backend,
) {
    let (client, _server) = client(backend);
    let db = Db::<Catalog>::with_table_name(client, unique_name("vectors-server"));
    let created = db.create_table().await;
    if matches!(backend, Backend::DdbLocal) {
        // Shown, not assumed: DynamoDB Local rejects the CreateTable.
        let err = created.expect_err("DynamoDB Local has no vector indexes");
        println!("DynamoDB Local refuses a vector index: {:?}", err.kind());
        return;
    }
    created.expect("embedded engine creates vector indexes");
    let mut v = [0.0f32; DIMENSIONS];
    for (i, x) in v.iter_mut().enumerate() {
        *x = 1.0 / 3.0 + i as f32 * 1.0e-7;
    }
    let p = Product {
        embedding: Vector::new(v),
        ..product("acme", 7, "exact", "x")
    };
    db.put(&p).send().await.expect("put");
    let found = db
        .search(Product::ByEmbedding.near(v).partition("acme"))
        .send()
        .await
        .expect("search");
    assert_eq!(found.len(), 1);
    assert!(
        found[0].score.abs() < 1e-6,
        "a vector is at distance 0 of itself"
    );
    let back = found[0].item.embedding;
    assert!(
        back.iter().zip(&v).all(|(a, b)| a.to_bits() == b.to_bits()),
        "exact through the index"
    );
    // What a search consumed is collected like every other read's (in bytes: a search is
    // billed by the bytes it reads, not in capacity units).
    let counted = db.with_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total);
    counted
        .search(Product::ByEmbedding.near(v).partition("acme"))
        .send()
        .await
        .expect("search");
    let report = counted.capacity().report();
    assert!(report.vector_search_bytes >= 1024.0, "{report:?}");
    assert_eq!(report.responses, 1);
}

/// Every vector index attribute optional, none skipped by serde: `None` is written as a
/// `NULL`, which DynamoDB refuses in a vector or search attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Catalog, pk = "MEMO#{slug}", sk = "MEMO")]
#[dynamo(vector_index(ByEmbedding, vector = embedding, hash = tenant, filters = [category]))]
struct Memo {
    slug: String,
    tenant: Option<String>,
    category: Option<String>,
    embedding: Option<Vector<DIMENSIONS>>,
}

/// Another type on the table whose fields share the search attributes' names, listing no
/// vector index: it compiles, and its values are type-checked by every write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Catalog, pk = "ORDER#{id}", sk = "ORDER")]
struct Order {
    id: u32,
    tenant: String,
    category: u32,
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn none_leaves_an_item_out_of_the_index_on_every_write_path(#[case] backend: Backend) {
    if !searchable(backend, "None in vector attributes") {
        return;
    }
    let t = faulty_table_of::<Catalog>(backend, "vectors-none", no_faults()).await;
    let db = &t.db;
    let m = Memo::attrs();
    let memo = |slug: &str, tenant: Option<&str>, embedded: bool| Memo {
        slug: slug.into(),
        tenant: tenant.map(Into::into),
        category: Some("notes".into()),
        embedding: embedded.then(|| embed(slug)),
    };
    let search = || {
        db.search(Memo::ByEmbedding.near(embed("memo")).partition("acme"))
            .top_k(100)
            .send()
    };
    // Written with NULLs dropped: DynamoDB would refuse each of these otherwise.
    db.put(&memo("no vector", Some("acme"), false))
        .send()
        .await
        .expect("put");
    db.put(&memo("no tenant", None, true))
        .send()
        .await
        .expect("put");
    db.batch_write()
        .put(&memo("batched", Some("acme"), false))
        .send()
        .await
        .expect("batch")
        .into_result()
        .expect("written");
    db.transact_write()
        .action(db.put(&memo("in a transaction", None, false)))
        .send()
        .await
        .expect("transaction");
    let streamed = futures::stream::iter([dynamorm::batch::StreamedWrite::put(&memo(
        "streamed",
        Some("acme"),
        false,
    ))]);
    db.write_stream(streamed)
        .send()
        .await
        .expect("stream")
        .into_result()
        .expect("streamed");
    assert!(
        search().await.expect("search").is_empty(),
        "none of them is in the index"
    );

    // In once it has both; out again when an update sets either to None.
    let full = memo("full", Some("acme"), true);
    db.put(&full).send().await.expect("put");
    assert_eq!(search().await.expect("search").len(), 1);
    db.update(full.key())
        .set(m.embedding, None)
        .send()
        .await
        .expect("update");
    assert!(search().await.expect("search").is_empty(), "no vector: out");
    db.update(full.key())
        .set(m.embedding, Some(embed("full")))
        .send()
        .await
        .expect("update");
    let by_category = db
        .search(Memo::ByEmbedding.near(embed("memo")).partition("acme"))
        .filter(m.category.eq("notes"))
        .send();
    assert_eq!(by_category.await.expect("search").len(), 1);
    db.update(full.key())
        .set(m.category, None)
        .send()
        .await
        .expect("update");
    assert_eq!(
        search().await.expect("search").len(),
        1,
        "still in the index"
    );
    let by_category = db
        .search(Memo::ByEmbedding.near(embed("memo")).partition("acme"))
        .filter(m.category.eq("notes"))
        .send();
    assert!(
        by_category.await.expect("search").is_empty(),
        "no category: no match"
    );
    db.update(full.key())
        .set(m.tenant, None)
        .send()
        .await
        .expect("update");
    assert!(search().await.expect("search").is_empty(), "no tenant: out");

    // An empty partition value is refused before sending, as DynamoDB would refuse it; so is
    // a search attribute of another type than declared (`category` is S).
    let before = t.proxy.stats().requests;
    let order = Order {
        id: 1,
        tenant: "acme".into(),
        category: 7,
    };
    let retyped = db.put(&order).send().await;
    assert_eq!(
        refused(&retyped),
        Some(InvalidInputKind::InvalidValue),
        "{retyped:?}"
    );
    let empty = db.put(&memo("empty", Some(""), true)).send().await;
    assert!(matches!(empty, Err(dynamorm::Error::Key(_))), "{empty:?}");
    assert_eq!(t.proxy.stats().requests, before, "nothing sent");
}

/// A vector index holding the titles and vectors only, and one holding only keys.
#[derive(Debug, Table)]
#[dynamo(name = "slim")]
#[dynamo(vector_index(ByTitle, vector = "v", dimensions = 4, distance = cosine, projection = include(title, v)))]
#[dynamo(vector_index(KeysOnly, vector = "v", dimensions = 4, distance = euclidean, projection = keys_only))]
struct Slim;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Slim, pk = "CARD#{id}", sk = "CARD")]
#[dynamo(vector_index(ByTitle, vector = v))]
#[dynamo(vector_index(KeysOnly, vector = v))]
struct Card {
    id: u32,
    title: String,
    body: String,
    v: Vector<4>,
}

#[derive(Debug, PartialEq, Deserialize, dynamorm::Projection)]
#[dynamo(entity = Card)]
struct CardTitle {
    title: String,
    v: Vector<4>,
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn searches_read_only_what_the_index_projects(#[case] backend: Backend) {
    if !searchable(backend, "projections") {
        return;
    }
    let t = faulty_table_of::<Slim>(backend, "vectors-projections", no_faults()).await;
    let db = &t.db;
    for id in 0..4u32 {
        let mut v = [0.1f32; 4];
        v[id as usize] = 1.0;
        let card = Card {
            id,
            title: format!("card {id}"),
            body: "long".into(),
            v: Vector::new(v),
        };
        db.put(&card).send().await.expect("put");
    }
    let q = [1.0, 0.1, 0.1, 0.1];
    // What the INCLUDE index holds comes back, the vector (named) exact.
    let titles = db
        .search(Card::ByTitle.near(q))
        .project::<CardTitle>()
        .top_k(2)
        .send()
        .await
        .expect("projected search");
    assert_eq!(titles.len(), 2);
    assert_eq!(titles[0].item.title, "card 0");
    assert_eq!(titles[0].item.v, Vector::new([1.0, 0.1, 0.1, 0.1]));
    // Whole cards need `body`, which neither index holds; the keys-only index lacks even
    // the discriminator: both refused before sending.
    let before = t.proxy.stats().requests;
    let whole = db.search(Card::ByTitle.near(q)).send().await;
    assert_eq!(
        refused(&whole),
        Some(InvalidInputKind::NotProjected),
        "{whole:?}"
    );
    let keys = db
        .search(Card::KeysOnly.near(q))
        .project::<CardTitle>()
        .send()
        .await;
    assert_eq!(
        refused(&keys),
        Some(InvalidInputKind::NotProjected),
        "{keys:?}"
    );
    assert_eq!(t.proxy.stats().requests, before, "nothing sent");
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_provisioned_table_gets_no_vector_index(#[case] backend: Backend) {
    if !searchable(backend, "provisioned table") {
        return;
    }
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ProvisionedThroughput,
        ScalarAttributeType,
    };
    let (client, _server) = client(backend);
    let name = unique_name("vectors-provisioned");
    let key = |n: &str, k| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(k)
            .build()
    };
    let def = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let throughput = ProvisionedThroughput::builder()
        .read_capacity_units(5)
        .write_capacity_units(5)
        .build();
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(throughput.expect("throughput"))
        .key_schema(key("PK", KeyType::Hash).expect("key"))
        .key_schema(key("SK", KeyType::Range).expect("key"))
        .attribute_definitions(def("PK").expect("def"))
        .attribute_definitions(def("SK").expect("def"))
        .send()
        .await
        .expect("a provisioned table");
    let db = Db::<Catalog>::with_table_name(client, name);
    let err = db.ensure_table().await.expect_err("refused");
    assert!(
        matches!(
            &err,
            dynamorm::Error::TableMismatch {
                index: Some("ByEmbedding"),
                ..
            }
        ),
        "{err:?}"
    );
}

/// A gallery whose pictures changed shape: `caption` became `title`, `likes` was added.
#[derive(Debug, Table)]
#[dynamo(name = "gallery")]
#[dynamo(vector_index(ByLook, vector = "v", dimensions = 16, distance = euclidean, hash = album: S))]
struct Gallery;

/// The first binary's picture (shape 1).
mod pic_v1 {
    use super::{D, Gallery, Vector};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = Gallery, name = "Pic", pk = "PIC#{id}", sk = "PIC")]
    #[dynamo(vector_index(ByLook, vector = v, hash = album))]
    pub(super) struct Pic {
        pub id: u32,
        pub album: String,
        pub caption: String,
        pub v: Vector<D>,
    }
}

/// The second binary's picture (shape 2), reading shape 1 through `From`.
mod pic_v2 {
    use super::{D, Gallery, Vector};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = Gallery, name = "Pic", pk = "PIC#{id}", sk = "PIC")]
    #[dynamo(vector_index(ByLook, vector = v, hash = album))]
    #[dynamo(shape = 2, shapes(1 = super::pic_v1::Pic))]
    pub(super) struct Pic {
        pub id: u32,
        pub album: String,
        pub title: String,
        pub likes: u32,
        pub v: Vector<D>,
    }

    #[derive(Debug, dynamorm::Registry)]
    #[dynamo(table = Gallery)]
    pub(super) enum Stored {
        Pic(Pic),
    }

    impl From<super::pic_v1::Pic> for Pic {
        fn from(v1: super::pic_v1::Pic) -> Self {
            Pic {
                id: v1.id,
                album: v1.album,
                title: v1.caption,
                likes: 0,
                v: v1.v,
            }
        }
    }
}

/// A search returns items as stored, of whatever shape: each is upgraded to the reader's
/// shape, in the model's order; a binary older than a result meets it as `Error::Shape`.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn search_results_of_an_earlier_shape_are_upgraded(#[case] backend: Backend) {
    if !searchable(backend, "earlier shapes") {
        return;
    }
    let (client, _server) = client(backend);
    let db = Db::<Gallery>::with_table_name(client, unique_name("vectors-shapes"));
    db.create_table().await.expect("table");
    let mut rng = fastrand::Rng::with_seed(25);
    // Twenty pictures, the even ones written by the first binary, the odd by the second.
    let mut current = Vec::new();
    for id in 0..20u32 {
        let v = Vector::new(random_vector(&mut rng));
        let old = pic_v1::Pic {
            id,
            album: "trip".into(),
            caption: format!("picture {id}"),
            v,
        };
        if id % 2 == 0 {
            db.put(&old).send().await.expect("shape 1");
            current.push(pic_v2::Pic::from(old));
        } else {
            let new = pic_v2::Pic {
                likes: id,
                ..pic_v2::Pic::from(old)
            };
            db.put(&new).send().await.expect("shape 2");
            current.push(new);
        }
    }
    let q = random_vector(&mut rng);
    let got = db
        .search(pic_v2::Pic::ByLook.near(q).partition("trip"))
        .top_k(20)
        .send()
        .await
        .expect("search");
    let mut want: Vec<(f64, &pic_v2::Pic)> = current
        .iter()
        .map(|p| {
            (
                model_score(DistanceFunction::Euclidean, &q, p.v.as_slice()),
                p,
            )
        })
        .collect();
    want.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(
        got.iter().map(|hit| &hit.item).collect::<Vec<_>>(),
        want.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
        "every result upgraded, in distance order"
    );
    // Through the registry: the same results.
    let through_registry: Vec<pic_v2::Pic> = db
        .search(pic_v2::Pic::ByLook.near(q).partition("trip"))
        .registry::<pic_v2::Stored>()
        .top_k(20)
        .send()
        .await
        .expect("registry search")
        .into_iter()
        .map(|hit| match hit.item {
            pic_v2::Stored::Pic(p) => p,
        })
        .collect();
    assert_eq!(
        through_registry,
        got.into_iter().map(|hit| hit.item).collect::<Vec<_>>()
    );
    // The first binary searching the same index: the shape-2 results are refused.
    let err = db
        .search(pic_v1::Pic::ByLook.near(q).partition("trip"))
        .top_k(20)
        .send()
        .await
        .expect_err("a newer shape among the results");
    assert!(
        matches!(
            err,
            dynamorm::Error::Shape {
                stored: 2,
                current: 1,
                ..
            }
        ),
        "{err:?}"
    );
}
