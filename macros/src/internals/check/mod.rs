//! The rules across attributes, run over each derive's model.
//!
//! Every broken rule is reported to the context, so one compilation shows every mistake.

pub(crate) mod collection;
pub(crate) mod entity;
pub(crate) mod index;
pub(crate) mod key;
pub(crate) mod lifecycle;
pub(crate) mod projection;
pub(crate) mod registry;
pub(crate) mod shape;
pub(crate) mod table;
pub(crate) mod vector;
