//! `const fn`s the derives call to check multi-attribute index declarations at compile
//! time (each failing check is a `const` panic on the user's tokens).

use crate::table::{
    Index, IndexAttribute, IndexSchema, MultiIndex, ScalarType, TableSchema, contains, str_eq,
};

/// The schema of a template index; taking [`Index`] makes a multi-attribute index given
/// templates a type error.
pub const fn template_index<T, P>(index: Index<T, P>) -> &'static IndexSchema {
    index.schema()
}

/// The schema of a multi-attribute index; taking [`MultiIndex`] makes a template index
/// given a field list a type error.
pub const fn multi_index<T, P>(index: MultiIndex<T, P>) -> &'static IndexSchema {
    index.schema()
}

/// How many partition (or sort) attributes a multi-attribute index has.
pub const fn multi_attribute_count(index: &IndexSchema, partition: bool) -> usize {
    match index.multi_keys() {
        Some((p, s)) => {
            if partition {
                p.len()
            } else {
                s.len()
            }
        }
        None => 0,
    }
}

/// The partition (or sort) attribute at `position`, if the index has one there.
pub const fn multi_attribute_at(
    index: &IndexSchema,
    partition: bool,
    position: usize,
) -> Option<IndexAttribute> {
    let Some((p, s)) = index.multi_keys() else {
        return None;
    };
    let list = if partition { p } else { s };
    if position < list.len() {
        Some(list[position])
    } else {
        None
    }
}

/// `a == b` for scalar types, in a `const fn`.
pub const fn same_scalar(a: ScalarType, b: ScalarType) -> bool {
    a as u8 == b as u8
}

/// Whether `attribute` is a key attribute of a multi-attribute index not in `declared`.
pub const fn undeclared_multi_attribute(
    table: &TableSchema,
    attribute: &str,
    declared: &[&str],
) -> bool {
    let indexes = table.indexes();
    let mut i = 0;
    while i < indexes.len() {
        let index = &indexes[i];
        if index.is_multi_attribute()
            && index.attribute_type(attribute).is_some()
            && !contains(declared, index.name())
        {
            return true;
        }
        i += 1;
    }
    false
}

/// How a listed field matches the multi-attribute index's attribute at `position`:
/// 0 when it does, 1 when the index has no attribute there, 2 when the attribute has
/// another name, 3 when it has another type.
pub const fn multi_attribute_mismatch(
    index: &IndexSchema,
    partition: bool,
    position: usize,
    attribute: &str,
    scalar: ScalarType,
) -> u8 {
    match multi_attribute_at(index, partition, position) {
        None => 1,
        Some(a) if !str_eq(a.name, attribute) => 2,
        Some(a) if !same_scalar(a.scalar, scalar) => 3,
        Some(_) => 0,
    }
}
