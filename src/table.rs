//! [`Table`]: the physical table of a single-table design — key attributes, indexes and the
//! discriminator attribute.

use std::marker::PhantomData;

/// A DynamoDB table declared with `#[derive(Table)]`.
///
/// ```
/// #[derive(dynamorm::Table)]
/// #[dynamo(name = "app", pk = "PK", sk = "SK", discriminator = "_type")]
/// #[dynamo(index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
/// pub struct App;
///
/// use dynamorm::Table;
/// assert_eq!(App::SCHEMA.partition_key(), "PK");
/// assert_eq!(App::GSI1.schema().template_keys(), Some(("GSI1PK", Some("GSI1SK"))));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dynamorm table",
    note = "declare it with `#[derive(dynamorm::Table)]`"
)]
pub trait Table: Send + Sync + 'static {
    /// The table's layout.
    const SCHEMA: TableSchema;
}

/// The attribute an item's shape version is stored under (see
/// [`Entity`'s shape versions](crate::Entity#shape-versions)). Items of shape 1 do not
/// carry it, so a table written before its entities declared shapes needs no rewrite. Like
/// the discriminator, the library writes it: no field may be stored under it.
pub const SHAPE_ATTRIBUTE: &str = "_shape";

/// The layout of a [`Table`]: its default name, key attributes, discriminator and indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSchema {
    name: &'static str,
    partition_key: &'static str,
    sort_key: Option<&'static str>,
    discriminator: &'static str,
    indexes: &'static [IndexSchema],
    vector_indexes: &'static [VectorIndexSchema],
    ttl: Option<&'static str>,
}

impl TableSchema {
    /// A table named `name` with partition key `PK`, sort key `SK`, discriminator `_type`
    /// and no index.
    #[doc(hidden)]
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            partition_key: "PK",
            sort_key: Some("SK"),
            discriminator: "_type",
            indexes: &[],
            vector_indexes: &[],
            ttl: None,
        }
    }

    /// Sets the attribute DynamoDB's TTL deletes expired items by (epoch seconds).
    #[doc(hidden)]
    pub const fn with_ttl(mut self, attribute: Option<&'static str>) -> Self {
        self.ttl = attribute;
        self
    }

    /// The TTL attribute, if the table has one.
    pub const fn ttl(&self) -> Option<&'static str> {
        self.ttl
    }

    /// Sets the partition key attribute.
    #[doc(hidden)]
    pub const fn with_partition_key(mut self, attribute: &'static str) -> Self {
        self.partition_key = attribute;
        self
    }

    /// Sets the sort key attribute (`None` for a table without sort key).
    #[doc(hidden)]
    pub const fn with_sort_key(mut self, attribute: Option<&'static str>) -> Self {
        self.sort_key = attribute;
        self
    }

    /// Sets the attribute that stores each item's entity type.
    #[doc(hidden)]
    pub const fn with_discriminator(mut self, attribute: &'static str) -> Self {
        self.discriminator = attribute;
        self
    }

    /// Sets the global secondary indexes.
    #[doc(hidden)]
    pub const fn with_indexes(mut self, indexes: &'static [IndexSchema]) -> Self {
        self.indexes = indexes;
        self
    }

    /// Sets the vector indexes.
    #[doc(hidden)]
    pub const fn with_vector_indexes(mut self, indexes: &'static [VectorIndexSchema]) -> Self {
        self.vector_indexes = indexes;
        self
    }

    /// The vector indexes ([`vector`](crate::vector)).
    pub const fn vector_indexes(&self) -> &'static [VectorIndexSchema] {
        self.vector_indexes
    }

    /// The vector index named `name`.
    pub fn vector_index(&self, name: &str) -> Option<&'static VectorIndexSchema> {
        self.vector_indexes.iter().find(|i| i.name() == name)
    }

    /// The default table name; [`Db::with_table_name`](crate::Db::with_table_name) overrides it.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The partition key attribute, e.g. `PK`.
    pub const fn partition_key(&self) -> &'static str {
        self.partition_key
    }

    /// The sort key attribute, e.g. `SK`.
    pub const fn sort_key(&self) -> Option<&'static str> {
        self.sort_key
    }

    /// The attribute holding each item's entity type.
    pub const fn discriminator(&self) -> &'static str {
        self.discriminator
    }

    /// Every attribute a key schema of the table or an index names, with its type, once
    /// each (table keys first): the table's attribute definitions.
    #[doc(hidden)]
    pub fn attribute_definitions(&self) -> Vec<IndexAttribute> {
        let mut attributes = self.key_attribute_definitions();
        // A vector index's search schema is declared too (its vector attribute is not).
        for index in self.vector_indexes {
            for (attribute, _) in index.search_schema() {
                if !attributes.iter().any(|a| a.name == attribute.name) {
                    attributes.push(attribute);
                }
            }
        }
        attributes
    }

    /// The attribute definitions a key of the table or of a global secondary index uses:
    /// what a definition without vector indexes may list (DynamoDB, ImportTable and the
    /// Terraform provider refuse a definition no key uses).
    #[doc(hidden)]
    pub fn key_attribute_definitions(&self) -> Vec<IndexAttribute> {
        let mut attributes: Vec<IndexAttribute> = std::iter::once(self.partition_key())
            .chain(self.sort_key())
            .map(|name| IndexAttribute::new(name, ScalarType::S))
            .collect();
        for index in self.indexes() {
            // Indexes may share attributes (`#[derive(Table)]` refuses two types for one).
            for attribute in index.key_attributes() {
                if !attributes.iter().any(|a| a.name == attribute.name) {
                    attributes.push(attribute);
                }
            }
        }
        attributes
    }

    /// The global secondary indexes.
    pub const fn indexes(&self) -> &'static [IndexSchema] {
        self.indexes
    }

    /// The index named `name`.
    pub fn index(&self, name: &str) -> Option<&'static IndexSchema> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// Whether `attribute` is one the library writes itself: a key attribute of the table
    /// or of an index, the discriminator, or the shape version. Entity fields may not use these names.
    #[doc(hidden)]
    pub const fn reserves(&self, attribute: &str) -> bool {
        if str_eq(self.partition_key, attribute)
            || str_eq(self.discriminator, attribute)
            || str_eq(SHAPE_ATTRIBUTE, attribute)
        {
            return true;
        }
        if let Some(sk) = self.sort_key
            && str_eq(sk, attribute)
        {
            return true;
        }
        if let Some(ttl) = self.ttl
            && str_eq(ttl, attribute)
        {
            return true;
        }
        let mut i = 0;
        while i < self.indexes.len() {
            // A multi-attribute index's keys are entity fields, not the library's.
            if !self.indexes[i].is_multi_attribute()
                && self.indexes[i].attribute_type(attribute).is_some()
            {
                return true;
            }
            i += 1;
        }
        false
    }

    /// The multi-attribute index, if any, that has `attribute` as a key attribute. An
    /// entity field stored under such a name must declare that index (checked at compile
    /// time), so its type always matches.
    #[doc(hidden)]
    pub const fn multi_attribute_index_of(&self, attribute: &str) -> Option<&'static IndexSchema> {
        let mut i = 0;
        while i < self.indexes.len() {
            let index = &self.indexes[i];
            if index.is_multi_attribute() && index.attribute_type(attribute).is_some() {
                return Some(index);
            }
            i += 1;
        }
        None
    }
}

/// A global secondary index of a [`Table`]: either keyed by one rendered string attribute
/// per key (a *template* index, `GSI1PK = "USER#{id}"`), or by up to four native attributes
/// per key (a *multi-attribute* index over the entities' own fields; see
/// [`multi`](crate::multi)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndexSchema {
    name: &'static str,
    keys: IndexKeys,
    projection: IndexProjection,
}

/// Which attributes an index holds besides its keys (its DynamoDB `Projection`), declared
/// with `projection = all | keys_only | include(a, b)` on the table's `index(..)`.
///
/// ```
/// #[derive(dynamorm::Table)]
/// #[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK", projection = include(title)))]
/// pub struct App;
///
/// use dynamorm::{IndexProjection, Table};
/// // The discriminator and the shape version are always included: reads through the index
/// // tell types and shapes apart.
/// assert_eq!(
///     App::GSI1.schema().projection(),
///     IndexProjection::Include(&["title", "_type", "_shape"])
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexProjection {
    /// Every attribute (`ALL`), the default.
    All,
    /// Only the table's and the index's key attributes (`KEYS_ONLY`): entities read through
    /// it are fetched from the table with [`Query::hydrate`](crate::read::Query::hydrate).
    KeysOnly,
    /// The keys and these attributes (`INCLUDE`, its `NonKeyAttributes`), the
    /// discriminator among them.
    Include(&'static [&'static str]),
}

impl IndexProjection {
    /// DynamoDB's name for it: `ALL`, `KEYS_ONLY` or `INCLUDE`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            IndexProjection::All => "ALL",
            IndexProjection::KeysOnly => "KEYS_ONLY",
            IndexProjection::Include(_) => "INCLUDE",
        }
    }

    /// What the index holds, for people: `all attributes`, `keys only`, or
    /// `keys and `a`, `b``.
    pub fn describe(&self) -> String {
        match self {
            IndexProjection::All => "all attributes".to_owned(),
            IndexProjection::KeysOnly => "keys only".to_owned(),
            IndexProjection::Include(names) => {
                let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                format!("keys and {}", names.join(", "))
            }
        }
    }

    /// The projection as CloudFormation and NoSQL Workbench write it:
    /// `{"ProjectionType": .., "NonKeyAttributes": [..]}`.
    #[doc(hidden)]
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            IndexProjection::Include(names) => serde_json::json!({
                "ProjectionType": self.as_str(),
                "NonKeyAttributes": names,
            }),
            _ => serde_json::json!({ "ProjectionType": self.as_str() }),
        }
    }

    /// The live projection and the declared one (each written `INCLUDE (a, b)`), when a
    /// described index projects otherwise than declared (any kind of index).
    pub(crate) fn mismatch(
        &self,
        found: Option<&aws_sdk_dynamodb::types::Projection>,
    ) -> Option<(String, String)> {
        let declared = *self;
        let kind = found.and_then(|p| p.projection_type.as_ref());
        let kind = kind.map_or("ALL", aws_sdk_dynamodb::types::ProjectionType::as_str);
        let mut live: Vec<&str> = found
            .map(|p| p.non_key_attributes().iter().map(String::as_str).collect())
            .unwrap_or_default();
        let mut wanted: Vec<&str> = declared.included().to_vec();
        live.sort_unstable();
        wanted.sort_unstable();
        let show = |kind: &str, attributes: &[&str]| {
            if attributes.is_empty() {
                kind.to_owned()
            } else {
                format!("{kind} ({})", attributes.join(", "))
            }
        };
        (kind != declared.as_str() || live != wanted)
            .then(|| (show(kind, &live), show(declared.as_str(), &wanted)))
    }

    /// The projection as the SDK takes it.
    pub(crate) fn to_sdk(self) -> aws_sdk_dynamodb::types::Projection {
        use aws_sdk_dynamodb::types::ProjectionType;
        let kind = match self {
            IndexProjection::All => ProjectionType::All,
            IndexProjection::KeysOnly => ProjectionType::KeysOnly,
            IndexProjection::Include(_) => ProjectionType::Include,
        };
        let included = self.included();
        aws_sdk_dynamodb::types::Projection::builder()
            .projection_type(kind)
            .set_non_key_attributes(
                (!included.is_empty()).then(|| included.iter().map(|a| (*a).to_owned()).collect()),
            )
            .build()
    }

    /// The non-key attributes an `INCLUDE` projection names (empty otherwise).
    pub const fn included(&self) -> &'static [&'static str] {
        match self {
            IndexProjection::Include(attributes) => attributes,
            _ => &[],
        }
    }
}

/// How an index is keyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum IndexKeys {
    /// One string attribute per key, rendered from each entity's templates.
    Template {
        partition_key: &'static str,
        sort_key: Option<&'static str>,
    },
    /// Native attributes, in order: 1–4 for the partition key, 0–4 for the sort key.
    Multi {
        partition: &'static [IndexAttribute],
        sort: &'static [IndexAttribute],
    },
}

/// The DynamoDB type of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarType {
    /// String (`S`).
    S,
    /// Number (`N`).
    N,
    /// Binary (`B`).
    B,
}

impl ScalarType {
    /// `"S"`, `"N"` or `"B"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }
}

/// One key attribute of an index: its name and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndexAttribute {
    /// The attribute name.
    pub name: &'static str,
    /// Its type.
    pub scalar: ScalarType,
}

impl IndexAttribute {
    /// The attribute's `AttributeDefinition`, as CreateTable and UpdateTable take it.
    pub(crate) fn definition(
        self,
    ) -> Result<aws_sdk_dynamodb::types::AttributeDefinition, aws_sdk_dynamodb::error::BuildError>
    {
        use aws_sdk_dynamodb::types::ScalarAttributeType;
        let scalar = match self.scalar {
            ScalarType::S => ScalarAttributeType::S,
            ScalarType::N => ScalarAttributeType::N,
            ScalarType::B => ScalarAttributeType::B,
        };
        aws_sdk_dynamodb::types::AttributeDefinition::builder()
            .attribute_name(self.name)
            .attribute_type(scalar)
            .build()
    }

    /// Attribute `name` of type `scalar`.
    #[doc(hidden)]
    pub const fn new(name: &'static str, scalar: ScalarType) -> Self {
        Self { name, scalar }
    }
}

impl IndexSchema {
    /// A template index named `name` keyed by the string attributes `partition_key` (and
    /// `sort_key`), projecting all attributes.
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        partition_key: &'static str,
        sort_key: Option<&'static str>,
    ) -> Self {
        Self {
            name,
            keys: IndexKeys::Template {
                partition_key,
                sort_key,
            },
            projection: IndexProjection::All,
        }
    }

    /// A multi-attribute index named `name`: its partition key is the attributes
    /// `partition` (1–4), its sort key the attributes `sort` (0–4), in order; projecting all
    /// attributes. `#[derive(Table)]` checks the counts at compile time.
    #[doc(hidden)]
    pub const fn multi_attribute(
        name: &'static str,
        partition: &'static [IndexAttribute],
        sort: &'static [IndexAttribute],
    ) -> Self {
        Self {
            name,
            keys: IndexKeys::Multi { partition, sort },
            projection: IndexProjection::All,
        }
    }

    /// Sets which attributes the index holds besides its keys.
    #[doc(hidden)]
    pub const fn with_projection(mut self, projection: IndexProjection) -> Self {
        self.projection = projection;
        self
    }

    /// The index name DynamoDB knows, e.g. `GSI1`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Which attributes the index holds besides its keys.
    pub const fn projection(&self) -> IndexProjection {
        self.projection
    }

    /// The live projection and the declared one (each written `INCLUDE (a, b)`), when a
    /// described index projects otherwise than declared.
    pub(crate) fn projection_mismatch(
        &self,
        found: Option<&aws_sdk_dynamodb::types::Projection>,
    ) -> Option<(String, String)> {
        self.projection.mismatch(found)
    }

    /// Whether a read through the index sees every one of `attributes` (stored attribute
    /// names) and the discriminator: all of them projected, or key attributes of the index.
    /// A keys-only index carries no entity field (nor the discriminator); the table's own
    /// key attributes are never entity fields.
    pub const fn carries(&self, attributes: &[&str]) -> bool {
        let included = match self.projection {
            IndexProjection::All => return true,
            IndexProjection::KeysOnly => return false,
            IndexProjection::Include(included) => included,
        };
        let mut i = 0;
        while i < attributes.len() {
            let a = attributes[i];
            if self.attribute_type(a).is_none() && !contains(included, a) {
                return false;
            }
            i += 1;
        }
        true
    }

    /// Whether the index is keyed by native attributes (a multi-attribute index).
    pub const fn is_multi_attribute(&self) -> bool {
        matches!(self.keys, IndexKeys::Multi { .. })
    }

    /// A template index's partition and sort key attributes (`GSI1PK`, `GSI1SK`), which
    /// the library renders; `None` for a multi-attribute index, whose key attributes are
    /// the entities' own fields.
    pub const fn template_keys(&self) -> Option<(&'static str, Option<&'static str>)> {
        match self.keys {
            IndexKeys::Template {
                partition_key,
                sort_key,
            } => Some((partition_key, sort_key)),
            IndexKeys::Multi { .. } => None,
        }
    }

    /// A multi-attribute index's partition and sort key attributes, in order; `None` for
    /// a template index.
    pub const fn multi_keys(
        &self,
    ) -> Option<(&'static [IndexAttribute], &'static [IndexAttribute])> {
        match self.keys {
            IndexKeys::Multi { partition, sort } => Some((partition, sort)),
            IndexKeys::Template { .. } => None,
        }
    }

    /// The index's key schema: each key attribute and whether it is a partition (`true`)
    /// or sort key attribute, in order.
    #[doc(hidden)]
    pub fn key_elements(&self) -> Vec<(&'static str, bool)> {
        match self.keys {
            IndexKeys::Template {
                partition_key,
                sort_key,
            } => std::iter::once((partition_key, true))
                .chain(sort_key.map(|sk| (sk, false)))
                .collect(),
            IndexKeys::Multi { partition, sort } => partition
                .iter()
                .map(|a| (a.name, true))
                .chain(sort.iter().map(|a| (a.name, false)))
                .collect(),
        }
    }

    /// Every key attribute of the index with its type, partition key first (a template
    /// index's keys are strings).
    #[doc(hidden)]
    pub fn key_attributes(&self) -> Vec<IndexAttribute> {
        match self.keys {
            IndexKeys::Template {
                partition_key,
                sort_key,
            } => std::iter::once(partition_key)
                .chain(sort_key)
                .map(|name| IndexAttribute::new(name, ScalarType::S))
                .collect(),
            IndexKeys::Multi { partition, sort } => partition.iter().chain(sort).copied().collect(),
        }
    }

    /// Whether the index has a sort key.
    pub const fn has_sort_key(&self) -> bool {
        match self.keys {
            IndexKeys::Template { sort_key, .. } => sort_key.is_some(),
            IndexKeys::Multi { sort, .. } => !sort.is_empty(),
        }
    }

    /// The type of key attribute `attribute`, if it is one of this index's.
    #[doc(hidden)]
    pub const fn attribute_type(&self, attribute: &str) -> Option<ScalarType> {
        match self.keys {
            IndexKeys::Template {
                partition_key,
                sort_key,
            } => {
                if str_eq(partition_key, attribute) {
                    return Some(ScalarType::S);
                }
                if let Some(sk) = sort_key
                    && str_eq(sk, attribute)
                {
                    return Some(ScalarType::S);
                }
                None
            }
            IndexKeys::Multi { partition, sort } => {
                let mut i = 0;
                while i < partition.len() + sort.len() {
                    let a = if i < partition.len() {
                        partition[i]
                    } else {
                        sort[i - partition.len()]
                    };
                    if str_eq(a.name, attribute) {
                        return Some(a.scalar);
                    }
                    i += 1;
                }
                None
            }
        }
    }
}

/// The two index handle types: the same shape, kept apart so each kind of index is only
/// accepted where it fits. `P` marks the index's position and projection
/// ([`All`](crate::projection::All), [`KeysOnly`](crate::projection::KeysOnly),
/// [`Include`](crate::projection::Include)), so reads it cannot answer do not compile.
macro_rules! index_handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<T, P> {
            schema: &'static IndexSchema,
            marks: PhantomData<fn() -> (T, P)>,
        }

        impl<T, P> std::fmt::Debug for $name<T, P> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.schema.name()).finish()
            }
        }

        impl<T, P> Clone for $name<T, P> {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<T, P> Copy for $name<T, P> {}

        impl<T, P> $name<T, P> {
            /// A handle for `schema` (the derive writes these).
            #[doc(hidden)]
            pub const fn new(schema: &'static IndexSchema) -> Self {
                Self {
                    schema,
                    marks: PhantomData,
                }
            }

            /// The index's layout.
            pub const fn schema(&self) -> &'static IndexSchema {
                self.schema
            }
        }

        impl<T, P> IndexHandle<T> for $name<T, P> {
            fn index_schema(&self) -> &'static IndexSchema {
                self.schema
            }
        }
    };
}

index_handle!(
    /// A typed handle to a template index of table `T`, generated by `#[derive(Table)]` as
    /// an associated constant (`App::GSI1`), so a misspelled index name does not compile.
    Index
);

index_handle!(
    /// A typed handle to a multi-attribute index of table `T` (`Games::ByRound`), generated
    /// by `#[derive(Table)]`; a different type from [`Index`], so an entity cannot give
    /// templates for it, nor a query use it as a template index.
    MultiIndex
);

/// Either kind of index handle ([`Index`] or [`MultiIndex`]), for reads that do not depend
/// on how the index is keyed (a scan).
pub trait IndexHandle<T> {
    /// The index's layout.
    #[doc(hidden)]
    fn index_schema(&self) -> &'static IndexSchema;
}

/// Whether `list` has `name`, in a `const fn`.
pub(crate) const fn contains(list: &[&str], name: &str) -> bool {
    let mut i = 0;
    while i < list.len() {
        if str_eq(list[i], name) {
            return true;
        }
        i += 1;
    }
    false
}

/// `a == b` in a `const fn`.
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

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
    /// search schema always; the included attributes (the vector only if named) under
    /// `INCLUDE`.
    pub(crate) fn carries(&self, name: &str) -> bool {
        match self.projection {
            IndexProjection::All => true,
            _ if self.search_attribute_type(name).is_some() => true,
            IndexProjection::KeysOnly => false,
            // The vector comes back from an `INCLUDE` index only when it is named.
            IndexProjection::Include(names) => names.contains(&name),
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
