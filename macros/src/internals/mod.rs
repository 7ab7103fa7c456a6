//! What the derives know before generating code: attributes, models, rules and errors.
//!
//! Attributes are parsed into plain data (`attr`), each declaration into a model (`model`),
//! the rules across it are checked (`check`), and every error goes to one sink (`ctxt`).

pub(crate) mod attr;
pub(crate) mod check;
pub(crate) mod ctxt;
pub(crate) mod model;
pub(crate) mod template;
