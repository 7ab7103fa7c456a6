//! One plain-data model per derive: the declaration with its names resolved, and no tokens.
//!
//! Resolution binds template fields to key slots, and `when` conditions and index field
//! lists to struct fields; building a model reports only what does not parse or resolve.

pub(crate) mod collection;
pub(crate) mod entity;
pub(crate) mod field;
pub(crate) mod index;
pub(crate) mod key;
pub(crate) mod lifecycle;
pub(crate) mod projection;
pub(crate) mod registry;
pub(crate) mod shape;
pub(crate) mod table;
pub(crate) mod vector;
