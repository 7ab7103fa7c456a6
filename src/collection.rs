//! [`Collection`]: a struct of `Vec`s and `Option`s of entity types, filled from one query
//! over an item collection (items that share a partition key).

use crate::Error;
use crate::entity::EntitySchema;
use crate::item::Item;
use crate::key::{KeyTemplate, Segment};
use crate::table::{IndexSchema, Table, str_eq};

/// An item collection, declared with `#[derive(Collection)]` on a struct whose fields are
/// `Vec<E>` (any number of `E`s) or `Option<E>` (at most one) of entity types.
///
/// The derive checks at compile time that every member's partition-key template (on the
/// collection's index, if one is given with `#[dynamo(index = GSI1)]`) has the same shape,
/// so one query can return them all. Fill it with
/// [`Query::collection`](crate::Query::collection).
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "ORDER#{order}", sk = "ORDER")]
/// # pub struct Order { order: String }
/// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "ORDER#{order}", sk = "LINE#{line}")]
/// # pub struct Line { order: String, line: u16 }
/// #[derive(Debug, Default, dynamorm::Collection)]
/// #[dynamo(table = App)]
/// pub struct OrderWithLines {
///     pub order: Option<Order>,
///     pub lines: Vec<Line>,
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dynamorm collection",
    note = "declare it with `#[derive(Default, dynamorm::Collection)]`"
)]
pub trait Collection: Default + Send + 'static {
    /// The table the members live in.
    type Table: Table;
    /// The collection's name, for errors.
    const NAME: &'static str;
    /// The index the collection is read from (`None`: the table).
    const INDEX: Option<&'static IndexSchema>;
    /// The member entity types.
    const MEMBERS: &'static [EntitySchema];

    /// Adds an item of type `discriminator`; `Ok(false)` when that type is not a member.
    #[doc(hidden)]
    fn insert(&mut self, discriminator: &str, item: Item) -> Result<bool, Error>;
}

/// Whether two key templates have the same shape: the same fixed text, and fields in the
/// same places.
pub(crate) const fn same_shape(a: &KeyTemplate, b: &KeyTemplate) -> bool {
    let (a, b) = (a.segments(), b.segments());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        match (&a[i], &b[i]) {
            (Segment::Literal(x), Segment::Literal(y)) => {
                if !str_eq(x, y) {
                    return false;
                }
            }
            (
                Segment::Part {
                    prefix: p1,
                    suffix: s1,
                    ..
                },
                Segment::Part {
                    prefix: p2,
                    suffix: s2,
                    ..
                },
            ) => {
                if !str_eq(p1, p2) || !str_eq(s1, s2) {
                    return false;
                }
            }
            _ => return false,
        }
        i += 1;
    }
    true
}

/// The partition-key template of `entity` on `index` (`""`: the table).
pub(crate) const fn partition_template(entity: &EntitySchema, index: &str) -> Option<KeyTemplate> {
    nth_partition_template(entity, index, 0)
}

/// The partition-key template of the `n`-th layout of `entity` on `index` (`""`: the table,
/// which has one).
const fn nth_partition_template(
    entity: &EntitySchema,
    index: &str,
    mut n: usize,
) -> Option<KeyTemplate> {
    if index.is_empty() {
        return if n == 0 {
            Some(entity.partition_key)
        } else {
            None
        };
    }
    let mut i = 0;
    while i < entity.indexes.len() {
        if str_eq(entity.indexes[i].index.name(), index) {
            if n == 0 {
                return Some(entity.indexes[i].partition_key);
            }
            n -= 1;
        }
        i += 1;
    }
    None
}

/// Whether `a` and `b` can share a partition on `index` (`""`: the table); the collection
/// derive asserts this at compile time.
pub const fn share_partition(a: &EntitySchema, b: &EntitySchema, index: &str) -> bool {
    // On a multi-attribute index every member's partition is the same attributes.
    if declares_multi_index(a, index) && declares_multi_index(b, index) {
        return true;
    }
    if partition_template(a, index).is_none() || partition_template(b, index).is_none() {
        return false;
    }
    // Every layout of one against every layout of the other: whichever an item uses, the
    // collection's query finds it.
    let mut i = 0;
    while let Some(x) = nth_partition_template(a, index, i) {
        let mut j = 0;
        while let Some(y) = nth_partition_template(b, index, j) {
            if !same_shape(&x, &y) {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

/// Whether `entity` has a partition-key template on `index` (`""`: the table).
pub const fn has_template(entity: &EntitySchema, index: &str) -> bool {
    partition_template(entity, index).is_some() || declares_multi_index(entity, index)
}

/// Whether `entity` feeds multi-attribute index `index`.
pub(crate) const fn declares_multi_index(entity: &EntitySchema, index: &str) -> bool {
    let mut i = 0;
    while i < entity.multi_indexes.len() {
        if str_eq(entity.multi_indexes[i].name(), index) {
            return true;
        }
        i += 1;
    }
    false
}
