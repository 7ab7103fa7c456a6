//! [`VectorIndexSchema`], the `const` layout of a vector index, and [`VectorIndex`], its
//! typed handle on the table.

use std::marker::PhantomData;

use crate::table::{IndexAttribute, IndexProjection, ScalarType, str_eq};

/// How a vector index measures how close two vectors are (its `DistanceFunction`).
///
/// ```
/// use dynamorm::vector::DistanceFunction;
/// assert_eq!(DistanceFunction::Cosine.as_str(), "COSINE");
/// // Cosine and Euclidean scores are distances (smaller is closer); a dot product is a
/// // similarity (larger is closer).
/// assert!(!DistanceFunction::Euclidean.larger_is_closer());
/// assert!(DistanceFunction::DotProduct.larger_is_closer());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DistanceFunction {
    /// `1 - cos(a, b)`, from 0 (same direction) to 2 (opposite).
    Cosine,
    /// The Euclidean distance `sqrt(Σ (a - b)²)`.
    Euclidean,
    /// The dot product `Σ a·b` (a similarity: larger is closer).
    DotProduct,
}

impl DistanceFunction {
    /// DynamoDB's name for it: `COSINE`, `EUCLIDEAN` or `DOT_PRODUCT`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DistanceFunction::Cosine => "COSINE",
            DistanceFunction::Euclidean => "EUCLIDEAN",
            DistanceFunction::DotProduct => "DOT_PRODUCT",
        }
    }

    /// Whether a larger score means a closer match (`DOT_PRODUCT`); search results come
    /// closest first either way.
    pub const fn larger_is_closer(self) -> bool {
        matches!(self, DistanceFunction::DotProduct)
    }
}

/// A vector index of a table, declared with `vector_index(..)` on `#[derive(Table)]`.
///
/// ```
/// #[derive(dynamorm::Table)]
/// #[dynamo(name = "catalog")]
/// #[dynamo(vector_index(ByEmbedding, vector = "embedding", dimensions = 3, distance = euclidean))]
/// pub struct Catalog;
///
/// let index = Catalog::ByEmbedding.schema();
/// assert_eq!((index.name(), index.attribute(), index.dimensions()), ("ByEmbedding", "embedding", 3));
/// assert!(index.hash().is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VectorIndexSchema {
    name: &'static str,
    attribute: &'static str,
    dimensions: u32,
    distance: DistanceFunction,
    hash: Option<IndexAttribute>,
    filters: &'static [IndexAttribute],
    projection: IndexProjection,
}

impl VectorIndexSchema {
    /// A vector index over `attribute` (the derive writes these).
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        attribute: &'static str,
        dimensions: u32,
        distance: DistanceFunction,
    ) -> Self {
        Self {
            name,
            attribute,
            dimensions,
            distance,
            hash: None,
            filters: &[],
            projection: IndexProjection::All,
        }
    }

    /// Sets the search schema: the `HASH` attribute and the `INLINE_FILTER` attributes.
    #[doc(hidden)]
    pub const fn with_search_schema(
        mut self,
        hash: Option<IndexAttribute>,
        filters: &'static [IndexAttribute],
    ) -> Self {
        self.hash = hash;
        self.filters = filters;
        self
    }

    /// Sets what the index holds.
    #[doc(hidden)]
    pub const fn with_projection(mut self, projection: IndexProjection) -> Self {
        self.projection = projection;
        self
    }

    /// The index name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The attribute holding the vectors (a list of numbers).
    pub const fn attribute(&self) -> &'static str {
        self.attribute
    }

    /// How many numbers each vector has.
    pub const fn dimensions(&self) -> u32 {
        self.dimensions
    }

    /// How closeness is measured.
    pub const fn distance(&self) -> DistanceFunction {
        self.distance
    }

    /// The `HASH` attribute: a search names one value of it, and an item without it is not
    /// in the index.
    pub const fn hash(&self) -> Option<IndexAttribute> {
        self.hash
    }

    /// The `INLINE_FILTER` attributes a search can narrow by.
    pub const fn filters(&self) -> &'static [IndexAttribute] {
        self.filters
    }

    /// What the index holds besides the table's keys and the search schema.
    pub const fn projection(&self) -> IndexProjection {
        self.projection
    }

    /// The search schema: the `HASH` attribute, then the inline filters.
    pub fn search_schema(&self) -> impl Iterator<Item = (IndexAttribute, bool)> + '_ {
        let hash = self.hash.map(|h| (h, true));
        hash.into_iter()
            .chain(self.filters.iter().map(|f| (*f, false)))
    }

    /// The type of search-schema attribute `name`, if it is one.
    pub const fn search_attribute_type(&self, name: &str) -> Option<ScalarType> {
        if let Some(hash) = self.hash
            && str_eq(hash.name, name)
        {
            return Some(hash.scalar);
        }
        let mut i = 0;
        while i < self.filters.len() {
            if str_eq(self.filters[i].name, name) {
                return Some(self.filters[i].scalar);
            }
            i += 1;
        }
        None
    }

    /// Whether a search result carries attribute `name`: every attribute under `ALL`; the
    /// search schema always; the vector and the included attributes under `INCLUDE`.
    pub(crate) fn carries(&self, name: &str) -> bool {
        match self.projection {
            IndexProjection::All => true,
            _ if self.search_attribute_type(name).is_some() => true,
            IndexProjection::KeysOnly => false,
            IndexProjection::Include(names) => name == self.attribute || names.contains(&name),
        }
    }
}

/// A typed handle to a vector index of table `T`, generated by `#[derive(Table)]` as an
/// associated constant (`Catalog::ByEmbedding`).
pub struct VectorIndex<T> {
    schema: &'static VectorIndexSchema,
    table: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for VectorIndex<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("VectorIndex")
            .field(&self.schema.name)
            .finish()
    }
}

impl<T> Clone for VectorIndex<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for VectorIndex<T> {}

impl<T> VectorIndex<T> {
    /// A handle for `schema` (the derive writes these).
    #[doc(hidden)]
    pub const fn new(schema: &'static VectorIndexSchema) -> Self {
        Self {
            schema,
            table: PhantomData,
        }
    }

    /// The index's layout.
    pub const fn schema(&self) -> &'static VectorIndexSchema {
        self.schema
    }
}

/// The schema of a vector index (taking [`VectorIndex`] makes any other handle a type
/// error in the entity derive's checks).
pub const fn vector_index<T>(index: VectorIndex<T>) -> &'static VectorIndexSchema {
    index.schema
}

/// How a field an entity lists for a vector index matches it: 0 when it does, 1 when the
/// index has no such attribute (for the vector: another attribute name), 2 when it has
/// another type (for the vector: other dimensions), 3 when the role differs (a `hash`
/// field that is an inline filter of the index, or the reverse).
pub const fn vector_mismatch(
    index: &VectorIndexSchema,
    role: u8,
    attribute: &str,
    scalar: Option<ScalarType>,
    dimensions: usize,
) -> u8 {
    if role == 0 {
        if !str_eq(index.attribute, attribute) {
            return 1;
        }
        return if dimensions == index.dimensions as usize {
            0
        } else {
            2
        };
    }
    let Some(found) = index.search_attribute_type(attribute) else {
        return 1;
    };
    let is_hash = match index.hash {
        Some(h) => str_eq(h.name, attribute),
        None => false,
    };
    if is_hash != (role == 1) {
        return 3;
    }
    match scalar {
        Some(s) if s as u8 != found as u8 => 2,
        _ => 0,
    }
}
