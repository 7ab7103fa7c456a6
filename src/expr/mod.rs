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
mod condition;
mod path;
mod placeholders;
mod raw;
mod raw_update;
mod update;

pub use attr::{Attr, Container, Fixed, IntoValue, Numeric, Settable, Text};
pub use condition::{Condition, Size};
pub use path::Path;
pub use path::{AttrPath, Indexed, Keyed, Removable, UpdateTarget};
pub use raw_update::RawUpdate;

pub(crate) use combine::{absent, all, also, and, at_least, at_most, less_than, or};
pub(crate) use condition::Node;
pub(crate) use placeholders::{Names, Placeholders, Values};
pub(crate) use update::{Action, Name, render_actions};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Error;

/// A value encoded for an expression, or the reason it could not be (reported on send).
#[derive(Debug, Clone)]
#[doc(hidden)]
pub struct Value(Result<AttributeValue, String>);

impl Value {
    pub(crate) fn encode<T: serde::Serialize + ?Sized>(value: &T) -> Self {
        Self(crate::encode::to_attribute_value(value).map_err(|e| e.to_string()))
    }

    pub(crate) fn from_result(value: Result<AttributeValue, String>) -> Self {
        Self(value)
    }

    pub(crate) fn raw(value: AttributeValue) -> Self {
        Self(Ok(value))
    }

    pub(crate) fn into_inner(self) -> Result<AttributeValue, Error> {
        self.0.map_err(unencodable)
    }

    pub(crate) fn get(&self) -> Result<&AttributeValue, Error> {
        self.0
            .as_ref()
            .map_err(|message| unencodable(message.clone()))
    }
}

fn unencodable(message: String) -> Error {
    Error::Encode {
        what: "an expression value".into(),
        message,
    }
}

/// Renders a condition into expression text, allocating its placeholders in `p`.
pub(crate) fn render_condition(node: &Node, p: &mut Placeholders) -> Result<String, Error> {
    // Sized for a guard and a short condition, so it is rarely regrown.
    let mut text = String::with_capacity(64);
    node.render(p, &mut text)?;
    Ok(text)
}

/// Checks the bounds of `BETWEEN` as DynamoDB does: both of one type (string, number or
/// binary) and the lower one not above the upper one.
pub(crate) fn check_between(lo: &AttributeValue, hi: &AttributeValue) -> Result<(), Error> {
    let ordered = match (lo, hi) {
        (AttributeValue::S(a), AttributeValue::S(b)) => a <= b,
        (AttributeValue::B(a), AttributeValue::B(b)) => a.as_ref() <= b.as_ref(),
        (AttributeValue::N(a), AttributeValue::N(b)) => {
            match (a.parse::<f64>(), b.parse::<f64>()) {
                (Ok(a), Ok(b)) => a <= b,
                // Malformed numbers are the value check's to report.
                _ => true,
            }
        }
        _ => {
            return Err(Error::validation(
                "the bounds of BETWEEN must be two strings, two numbers or two binaries",
            ));
        }
    };
    if !ordered {
        return Err(Error::validation(
            "the lower bound of BETWEEN is above the upper bound, which DynamoDB rejects",
        ));
    }
    Ok(())
}
