//! One plain-data model per derive: the declaration with its attributes parsed and its names
//! resolved (template fields to slots, `when` and index fields to struct fields); no tokens
//! are generated here.

pub(crate) mod collection;
pub(crate) mod entity;
pub(crate) mod field;
pub(crate) mod index;
pub(crate) mod key;
pub(crate) mod lifecycle;
pub(crate) mod registry;
pub(crate) mod table;
