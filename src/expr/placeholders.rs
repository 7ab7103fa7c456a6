//! Allocation of `#n`/`:v` placeholders shared by every expression of one request.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::Value;
use crate::{Error, InvalidInputKind};

/// `ExpressionAttributeNames` of a request.
pub(crate) type Names = HashMap<String, String>;
/// `ExpressionAttributeValues` of a request.
pub(crate) type Values = HashMap<String, AttributeValue>;

/// The `ExpressionAttributeNames` and `ExpressionAttributeValues` of one request.
#[derive(Debug)]
pub(crate) struct Placeholders {
    names: Vec<String>,
    values: Vec<AttributeValue>,
    raw_names: Vec<(String, String)>,
    raw_values: Vec<(String, AttributeValue)>,
}

impl Default for Placeholders {
    fn default() -> Self {
        // Room for a typical request's placeholders without regrowing.
        Self {
            names: Vec::with_capacity(8),
            values: Vec::with_capacity(8),
            raw_names: Vec::new(),
            raw_values: Vec::new(),
        }
    }
}

impl Placeholders {
    /// Appends the placeholder for attribute `name` (reusing one already allocated).
    pub(crate) fn name(&mut self, name: &str, out: &mut String) {
        let i = match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_owned());
                self.names.len() - 1
            }
        };
        out.push_str("#n");
        push_index(i, out);
    }

    /// Appends a fresh placeholder for `value`.
    pub(crate) fn value(&mut self, value: &Value, out: &mut String) -> Result<(), Error> {
        self.values.push(value.get()?.clone());
        out.push_str(":v");
        push_index(self.values.len() - 1, out);
        Ok(())
    }

    /// Appends a fresh placeholder for `value`, taking it.
    pub(crate) fn value_owned(&mut self, value: Value, out: &mut String) -> Result<(), Error> {
        self.raw_value(value.into_inner()?, out);
        Ok(())
    }

    /// Appends a fresh placeholder for an attribute value the library supplies.
    pub(crate) fn raw_value(&mut self, value: AttributeValue, out: &mut String) {
        self.values.push(value);
        out.push_str(":v");
        push_index(self.values.len() - 1, out);
    }

    /// The values allocated so far, in order, as text for query fingerprints: a string as
    /// itself (so template queries keep the fingerprints their cursors carry), a number or
    /// binary value tagged with its type.
    pub(crate) fn fingerprint_values(&self) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        self.values.iter().filter_map(|v| match v {
            AttributeValue::S(s) => Some(Cow::Borrowed(s.as_str())),
            AttributeValue::N(n) => Some(Cow::Owned(format!("\u{0}N{n}"))),
            AttributeValue::B(b) => Some(Cow::Owned(format!("\u{0}B{:?}", b.as_ref()))),
            _ => None,
        })
    }

    /// The maps for the request (`None` when empty, as DynamoDB rejects empty maps).
    pub(crate) fn into_maps(self) -> (Option<Names>, Option<Values>) {
        let placeholder = |prefix: &str, i: usize| {
            let mut p = String::with_capacity(prefix.len() + 3);
            p.push_str(prefix);
            push_index(i, &mut p);
            p
        };
        let mut names = Names::with_capacity(self.names.len() + self.raw_names.len());
        for (i, n) in self.names.into_iter().enumerate() {
            names.insert(placeholder("#n", i), n);
        }
        names.extend(self.raw_names);
        let mut values = Values::with_capacity(self.values.len() + self.raw_values.len());
        for (i, v) in self.values.into_iter().enumerate() {
            values.insert(placeholder(":v", i), v);
        }
        values.extend(self.raw_values);
        (
            (!names.is_empty()).then_some(names),
            (!values.is_empty()).then_some(values),
        )
    }

    /// Adds a raw expression's own names and values, checking they cannot clash with the
    /// generated `#n…`/`:v…` placeholders, nor with another raw expression of the request.
    ///
    /// Why the second check: the maps are keyed by placeholder, so two raw conditions
    /// declaring `#p` (or `:min`) differently would silently leave one of them reading the
    /// other's attribute (or value). The same declaration twice (a condition reused) is fine.
    pub(crate) fn add_raw(
        &mut self,
        names: &[(String, String)],
        values: &[(String, Value)],
    ) -> Result<(), Error> {
        for (placeholder, name) in names {
            if !placeholder.starts_with('#') || is_library_placeholder(placeholder, "#n") {
                return Err(Error::invalid(
                    InvalidInputKind::RawExpression,
                    format!(
                        "raw expression name placeholder `{placeholder}` must start with `#` but not `#n`"
                    ),
                ));
            }
            match self.raw_names.iter().find(|(p, _)| p == placeholder) {
                Some((_, existing)) if existing == name => {}
                Some(_) => {
                    return Err(Error::invalid(
                        InvalidInputKind::RawExpression,
                        format!(
                            "raw expression name placeholder `{placeholder}` is declared by two raw conditions with different attributes"
                        ),
                    ));
                }
                None => self.raw_names.push((placeholder.clone(), name.clone())),
            }
        }
        for (placeholder, value) in values {
            if !placeholder.starts_with(':') || is_library_placeholder(placeholder, ":v") {
                return Err(Error::invalid(
                    InvalidInputKind::RawExpression,
                    format!(
                        "raw expression value placeholder `{placeholder}` must start with `:` but not `:v`"
                    ),
                ));
            }
            let value = value.get()?;
            match self.raw_values.iter().find(|(p, _)| p == placeholder) {
                Some((_, existing)) if existing == value => {}
                // The values themselves stay out of the message: they may be personal data.
                Some(_) => {
                    return Err(Error::invalid(
                        InvalidInputKind::RawExpression,
                        format!(
                            "raw expression value placeholder `{placeholder}` is declared by two raw conditions with different values"
                        ),
                    ));
                }
                None => self.raw_values.push((placeholder.clone(), value.clone())),
            }
        }
        Ok(())
    }
}

/// Whether `placeholder` is one the library generates: `prefix` followed by digits only
/// (`#n0`, `:v12`). `#name` and `:value` are the caller's to use.
pub(crate) fn is_library_placeholder(placeholder: &str, prefix: &str) -> bool {
    placeholder
        .strip_prefix(prefix)
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
}

fn push_index(i: usize, out: &mut String) {
    out.push_str(itoa::Buffer::new().format(i));
}
