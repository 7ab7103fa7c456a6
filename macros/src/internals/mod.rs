//! What the derives know before generating code: attributes parsed into plain data, a model
//! of each declaration, the rules checked across it, and the error sink they all report to.

pub(crate) mod attr;
pub(crate) mod check;
pub(crate) mod ctxt;
pub(crate) mod model;
pub(crate) mod template;
