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

use crate::{EncodeError, Error, InvalidInputKind};

/// A value encoded for an expression, or the reason it could not be (reported on send).
#[derive(Debug, Clone)]
#[doc(hidden)]
pub struct Value(Result<AttributeValue, Unencodable>);

/// Why a [`Value`] has no attribute value.
#[derive(Debug, Clone)]
enum Unencodable {
    /// serde_dynamo refused it (an [`Error::Encode`] on send).
    Serde(serde_dynamo::Error),
    /// The field's declaration does not allow the operation (an
    /// [`InvalidInputKind::NotSupported`] on send); names only.
    NotSupported(String),
}

impl Value {
    pub(crate) fn encode<T: serde::Serialize + ?Sized>(value: &T) -> Self {
        Self(crate::encode::to_attribute_value(value).map_err(Unencodable::Serde))
    }

    pub(crate) fn from_result(value: Result<AttributeValue, serde_dynamo::Error>) -> Self {
        Self(value.map_err(Unencodable::Serde))
    }

    /// A value the field's declaration does not allow; `message` names, never values.
    pub(crate) fn unsupported(message: String) -> Self {
        Self(Err(Unencodable::NotSupported(message)))
    }

    pub(crate) fn raw(value: AttributeValue) -> Self {
        Self(Ok(value))
    }

    pub(crate) fn into_inner(self) -> Result<AttributeValue, Error> {
        self.0.map_err(|e| unencodable(&e))
    }

    pub(crate) fn get(&self) -> Result<&AttributeValue, Error> {
        self.0.as_ref().map_err(unencodable)
    }
}

fn unencodable(reason: &Unencodable) -> Error {
    match reason {
        Unencodable::Serde(e) => {
            Error::Encode(Box::new(EncodeError::new("an expression value", e.clone())))
        }
        Unencodable::NotSupported(message) => {
            Error::invalid(InvalidInputKind::NotSupported, message.clone())
        }
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
            return Err(Error::invalid(
                InvalidInputKind::InvalidCondition,
                "the bounds of BETWEEN must be two strings, two numbers or two binaries",
            ));
        }
    };
    if !ordered {
        return Err(Error::invalid(
            InvalidInputKind::InvalidCondition,
            "the lower bound of BETWEEN is above the upper bound, which DynamoDB rejects",
        ));
    }
    Ok(())
}
