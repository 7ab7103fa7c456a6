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
/// assert_eq!(App::GSI1.schema().partition_key(), "GSI1PK");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dynamorm table",
    note = "declare it with `#[derive(dynamorm::Table)]`"
)]
pub trait Table: Send + Sync + 'static {
    /// The table's layout.
    const SCHEMA: TableSchema;
}

/// The layout of a [`Table`]: its default name, key attributes, discriminator and indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSchema {
    name: &'static str,
    partition_key: &'static str,
    sort_key: Option<&'static str>,
    discriminator: &'static str,
    indexes: &'static [IndexSchema],
    ttl: Option<&'static str>,
}

impl TableSchema {
    /// A table named `name` with partition key `PK`, sort key `SK`, discriminator `_type`
    /// and no index.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            partition_key: "PK",
            sort_key: Some("SK"),
            discriminator: "_type",
            indexes: &[],
            ttl: None,
        }
    }

    /// Sets the attribute DynamoDB's TTL deletes expired items by (epoch seconds).
    pub const fn with_ttl(mut self, attribute: Option<&'static str>) -> Self {
        self.ttl = attribute;
        self
    }

    /// The TTL attribute, if the table has one.
    pub const fn ttl(&self) -> Option<&'static str> {
        self.ttl
    }

    /// Sets the partition key attribute.
    pub const fn with_partition_key(mut self, attribute: &'static str) -> Self {
        self.partition_key = attribute;
        self
    }

    /// Sets the sort key attribute (`None` for a table without sort key).
    pub const fn with_sort_key(mut self, attribute: Option<&'static str>) -> Self {
        self.sort_key = attribute;
        self
    }

    /// Sets the attribute that stores each item's entity type.
    pub const fn with_discriminator(mut self, attribute: &'static str) -> Self {
        self.discriminator = attribute;
        self
    }

    /// Sets the global secondary indexes.
    pub const fn with_indexes(mut self, indexes: &'static [IndexSchema]) -> Self {
        self.indexes = indexes;
        self
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

    /// The global secondary indexes.
    pub const fn indexes(&self) -> &'static [IndexSchema] {
        self.indexes
    }

    /// The index named `name`.
    pub fn index(&self, name: &str) -> Option<&'static IndexSchema> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// Whether `attribute` is one the library writes itself: a key attribute of the table
    /// or of an index, or the discriminator. Entity fields may not use these names.
    pub const fn reserves(&self, attribute: &str) -> bool {
        if str_eq(self.partition_key, attribute) || str_eq(self.discriminator, attribute) {
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
            let index = &self.indexes[i];
            if str_eq(index.partition_key, attribute) {
                return true;
            }
            if let Some(sk) = index.sort_key
                && str_eq(sk, attribute)
            {
                return true;
            }
            i += 1;
        }
        false
    }
}

/// A global secondary index of a [`Table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndexSchema {
    name: &'static str,
    partition_key: &'static str,
    sort_key: Option<&'static str>,
}

impl IndexSchema {
    /// An index named `name` keyed by `partition_key` (and `sort_key`), projecting all
    /// attributes.
    pub const fn new(
        name: &'static str,
        partition_key: &'static str,
        sort_key: Option<&'static str>,
    ) -> Self {
        Self {
            name,
            partition_key,
            sort_key,
        }
    }

    /// The index name DynamoDB knows, e.g. `GSI1`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The index's partition key attribute, e.g. `GSI1PK`.
    pub const fn partition_key(&self) -> &'static str {
        self.partition_key
    }

    /// The index's sort key attribute, e.g. `GSI1SK`.
    pub const fn sort_key(&self) -> Option<&'static str> {
        self.sort_key
    }
}

/// A typed handle to an index of table `T`, generated by `#[derive(Table)]` as an associated
/// constant (`App::GSI1`), so a misspelled index name does not compile.
#[derive(Debug)]
pub struct Index<T> {
    schema: &'static IndexSchema,
    table: PhantomData<fn() -> T>,
}

impl<T> Clone for Index<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Index<T> {}

impl<T> Index<T> {
    /// A handle for `schema` (the derive writes these).
    pub const fn new(schema: &'static IndexSchema) -> Self {
        Self {
            schema,
            table: PhantomData,
        }
    }

    /// The index's layout.
    pub const fn schema(&self) -> &'static IndexSchema {
        self.schema
    }
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
