//! [`Value`]: a value encoded for an expression (or why it could not be), and the checks
//! on values every expression kind shares.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::{EncodeError, Error, InvalidInputKind};

/// A value encoded for an expression, or the reason it could not be (reported on send).
#[derive(Clone)]
#[doc(hidden)]
pub struct Value(Result<AttributeValue, Unencodable>);

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The value is the caller's data; whether it encoded is not.
        match &self.0 {
            Ok(_) => f.write_str("Value(<redacted>)"),
            Err(_) => f.write_str("Value(<unencodable>)"),
        }
    }
}

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
