//! The `const fn`s the entity derive calls to check the fields it lists for a vector index
//! against the table's declaration.

use crate::table::{ScalarType, TableSchema, VectorIndex, VectorIndexSchema, contains, str_eq};

/// The schema of a vector index (taking [`VectorIndex`] makes any other handle a type
/// error in the entity derive's checks).
pub const fn vector_index<T>(index: VectorIndex<T>) -> &'static VectorIndexSchema {
    index.schema()
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
        if !str_eq(index.attribute(), attribute) {
            return 1;
        }
        return if dimensions == index.dimensions() as usize {
            0
        } else {
            2
        };
    }
    let Some(found) = index.search_attribute_type(attribute) else {
        return 1;
    };
    let is_hash = match index.hash() {
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

/// Whether `attribute` is the vector attribute of a vector index not in `declared`.
pub const fn undeclared_vector_attribute(
    table: &TableSchema,
    attribute: &str,
    declared: &[&str],
) -> bool {
    let indexes = table.vector_indexes();
    let mut i = 0;
    while i < indexes.len() {
        let index = &indexes[i];
        if str_eq(index.attribute(), attribute) && !contains(declared, index.name()) {
            return true;
        }
        i += 1;
    }
    false
}
