//! Typed condition and update expressions, rendered with placeholders only.
//!
//! `#[derive(Entity)]` generates `<Entity>::attrs()`, a struct with one [`Attr`] per field.
//! An `Attr<E, T>` knows its entity `E` and its field type `T`, so a condition on a `Task`
//! cannot be attached to a `User` write, a value of the wrong type does not compile, and a
//! misspelled field is a compile error. Every attribute name and value is sent as an
//! `ExpressionAttributeNames`/`Values` placeholder, so reserved words (`status`, `name`)
//! just work and no value is ever spliced into expression text.

mod attr;
mod combine;
mod compare;
mod condition;
mod path;
mod placeholders;
mod raw;
mod raw_update;
mod update;
mod value;

pub use attr::{Attr, Container, Fixed, IntoValue, Numeric, Settable, Text};
pub use condition::{Condition, Size};
pub use path::Path;
pub use path::{AttrPath, Indexed, Keyed, Removable, UpdateTarget};
pub use raw_update::RawUpdate;

pub(crate) use combine::{absent, all, also, and, at_least, at_most, less_than, one_of, or};
pub(crate) use condition::render_condition;
pub(crate) use condition::{CmpOp, Node, Operand};
pub(crate) use path::Name;
pub(crate) use placeholders::{Names, Placeholders, Values};
pub(crate) use update::{Action, render_actions};
#[doc(hidden)]
pub use value::Value;
pub(crate) use value::check_between;
