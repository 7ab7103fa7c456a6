//! The actions of an update expression and their rendering.

use std::borrow::Cow;

use super::{Placeholders, Value};

/// An attribute name: static for declared fields, owned for attributes read off an item.
pub(crate) type Name = Cow<'static, str>;
use crate::Error;

/// One action of an update expression.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// `SET #a = :v`
    Set(Name, Value),
    /// `SET #a = if_not_exists(#a, :v)`
    SetIfNotExists(Name, Value),
    /// `SET #a = #a + :v` (or `-` when `negate`)
    Increment(Name, Value, bool),
    /// `SET #a = list_append(if_not_exists(#a, :empty), :v)` (or the reverse to prepend)
    Append(Name, Value, bool),
    /// `REMOVE #a`
    Remove(Name),
    /// `ADD #a :v`
    Add(Name, Value),
}

impl Action {
    /// The attribute the action writes.
    pub(crate) fn attribute(&self) -> &str {
        match self {
            Action::Set(a, _)
            | Action::SetIfNotExists(a, _)
            | Action::Increment(a, _, _)
            | Action::Append(a, _, _)
            | Action::Remove(a)
            | Action::Add(a, _) => a,
        }
    }
}

/// Renders `SET … REMOVE … ADD …` for `actions`.
/// Consumes the actions: their values move into the request instead of being copied.
pub(crate) fn render_actions(actions: Vec<Action>, p: &mut Placeholders) -> Result<String, Error> {
    // ~16 bytes per action (`#n0 = :v0, `); sized once rather than grown.
    let mut set = String::with_capacity(16 * actions.len());
    let mut remove = String::new();
    let mut add = String::new();
    for action in actions {
        let clause = match &action {
            Action::Remove(_) => &mut remove,
            Action::Add(..) => &mut add,
            _ => &mut set,
        };
        if !clause.is_empty() {
            clause.push_str(", ");
        }
        match action {
            Action::Set(a, v) => {
                p.name(&a, clause);
                clause.push_str(" = ");
                p.value_owned(v, clause)?;
            }
            Action::SetIfNotExists(a, v) => {
                p.name(&a, clause);
                clause.push_str(" = if_not_exists(");
                p.name(&a, clause);
                clause.push_str(", ");
                p.value_owned(v, clause)?;
                clause.push(')');
            }
            Action::Increment(a, v, negate) => {
                p.name(&a, clause);
                clause.push_str(" = ");
                p.name(&a, clause);
                clause.push_str(if negate { " - " } else { " + " });
                p.value_owned(v, clause)?;
            }
            Action::Append(a, v, prepend) => {
                p.name(&a, clause);
                clause.push_str(" = list_append(");
                let mut existing = String::from("if_not_exists(");
                p.name(&a, &mut existing);
                existing.push_str(", ");
                p.raw_value(
                    aws_sdk_dynamodb::types::AttributeValue::L(Vec::new()),
                    &mut existing,
                );
                existing.push(')');
                let mut new = String::new();
                p.value_owned(v, &mut new)?;
                let (first, second) = if prepend {
                    (&new, &existing)
                } else {
                    (&existing, &new)
                };
                clause.push_str(first);
                clause.push_str(", ");
                clause.push_str(second);
                clause.push(')');
            }
            Action::Remove(a) => p.name(&a, clause),
            Action::Add(a, v) => {
                p.name(&a, clause);
                clause.push(' ');
                p.value_owned(v, clause)?;
            }
        }
    }
    let mut out = String::with_capacity(set.len() + remove.len() + add.len() + 16);
    for (keyword, clause) in [("SET ", set), ("REMOVE ", remove), ("ADD ", add)] {
        if !clause.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(keyword);
            out.push_str(&clause);
        }
    }
    if out.is_empty() {
        return Err(Error::validation("an update needs at least one action"));
    }
    Ok(out)
}
