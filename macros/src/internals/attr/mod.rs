//! Parsing of `#[dynamo(...)]` and the serde attributes we read into plain data.

pub(crate) mod container;
pub(crate) mod flag;
pub(crate) mod index;
pub(crate) mod meta;
pub(crate) mod serde_names;
pub(crate) mod vector;
