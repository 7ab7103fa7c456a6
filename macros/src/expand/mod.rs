//! Code generation: one module per derive, each turning a checked model into tokens.

pub(crate) mod collection;
pub(crate) mod entity;
pub(crate) mod projection;
pub(crate) mod registry;
pub(crate) mod table;
pub(crate) mod tokens;
