//! The actions of an update expression and their rendering.

use aws_sdk_dynamodb::types::AttributeValue;

use super::path::Path;
use super::placeholders::Placeholders;
use super::value::Value;
use crate::{Error, InvalidInputKind};

/// One action of an update expression.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// `SET #a = :v`
    Set(Path, Value),
    /// `SET #a = if_not_exists(#a, :v)`
    SetIfNotExists(Path, Value),
    /// `SET #a = #a + :v` (or `-` when `negate`)
    Increment(Path, Value, bool),
    /// `SET #a = list_append(if_not_exists(#a, :empty), :v)` (or the reverse to prepend)
    Append(Path, Value, bool),
    /// `REMOVE #a`
    Remove(Path),
    /// `ADD #a :v`: to a number, or elements to a set
    Add(Path, Value),
    /// `DELETE #a :v`: elements from a set
    Delete(Path, Value),
    /// `SET #a = …` with a right-hand side of a raw update that none of the forms above
    /// writes (`#a = #b + :v`, `list_append(:v, #a)`, …).
    SetExpr(Path, SetExpr),
}

/// The right-hand side of a raw `SET`: an operand, or the sum or difference of two.
#[derive(Debug, Clone)]
pub(crate) enum SetExpr {
    One(SetOperand),
    Plus(SetOperand, SetOperand),
    Minus(SetOperand, SetOperand),
}

/// An operand of a raw `SET`.
#[derive(Debug, Clone)]
pub(crate) enum SetOperand {
    Path(Path),
    Value(Value),
    IfNotExists(Path, Box<SetOperand>),
    ListAppend(Box<SetOperand>, Box<SetOperand>),
}

impl SetOperand {
    fn render(self, p: &mut Placeholders, out: &mut String) -> Result<(), Error> {
        match self {
            SetOperand::Path(path) => path.render(p, out),
            SetOperand::Value(v) => p.value_owned(v, out)?,
            SetOperand::IfNotExists(path, or) => {
                out.push_str("if_not_exists(");
                path.render(p, out);
                out.push_str(", ");
                or.render(p, out)?;
                out.push(')');
            }
            SetOperand::ListAppend(a, b) => {
                out.push_str("list_append(");
                a.render(p, out)?;
                out.push_str(", ");
                b.render(p, out)?;
                out.push(')');
            }
        }
        Ok(())
    }
}

impl Action {
    /// The top-level attribute the action writes (in).
    pub(crate) fn attribute(&self) -> &str {
        self.path().attribute()
    }

    /// The path the action writes.
    pub(crate) fn path(&self) -> &Path {
        match self {
            Action::Set(a, _)
            | Action::SetIfNotExists(a, _)
            | Action::Increment(a, _, _)
            | Action::Append(a, _, _)
            | Action::Remove(a)
            | Action::Add(a, _)
            | Action::Delete(a, _)
            | Action::SetExpr(a, _) => a,
        }
    }
}

/// The clause of an update expression an action belongs to, in rendering order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Clause {
    Set,
    Remove,
    Add,
    Delete,
}

impl Clause {
    fn of(action: &Action) -> Self {
        match action {
            Action::Remove(_) => Clause::Remove,
            Action::Add(..) => Clause::Add,
            Action::Delete(..) => Clause::Delete,
            _ => Clause::Set,
        }
    }

    fn keyword(self) -> &'static str {
        match self {
            Clause::Set => "SET ",
            Clause::Remove => "REMOVE ",
            Clause::Add => "ADD ",
            Clause::Delete => "DELETE ",
        }
    }
}

/// Renders `SET … REMOVE … ADD … DELETE …` for `actions`.
/// Consumes the actions: their values move into the request instead of being copied.
pub(crate) fn render_actions(
    mut actions: Vec<Action>,
    p: &mut Placeholders,
) -> Result<String, Error> {
    // Grouped by clause (a stable sort keeps the caller's order within each), so the
    // expression is written in one pass into one string.
    actions.sort_by_key(Clause::of);
    // ~24 bytes per action (`SET #n0 = :v0, `); sized once rather than grown.
    let mut out = String::with_capacity(24 * actions.len());
    let mut current = None;
    for action in actions {
        let clause = Clause::of(&action);
        if current == Some(clause) {
            out.push_str(", ");
        } else {
            if current.is_some() {
                out.push(' ');
            }
            out.push_str(clause.keyword());
            current = Some(clause);
        }
        match action {
            Action::Set(a, v) => {
                a.render(p, &mut out);
                out.push_str(" = ");
                p.value_owned(v, &mut out)?;
            }
            Action::SetIfNotExists(a, v) => {
                a.render(p, &mut out);
                out.push_str(" = if_not_exists(");
                a.render(p, &mut out);
                out.push_str(", ");
                p.value_owned(v, &mut out)?;
                out.push(')');
            }
            Action::Increment(a, v, negate) => {
                a.render(p, &mut out);
                out.push_str(" = ");
                a.render(p, &mut out);
                out.push_str(if negate { " - " } else { " + " });
                p.value_owned(v, &mut out)?;
            }
            Action::Append(a, v, prepend) => {
                a.render(p, &mut out);
                out.push_str(" = list_append(");
                let mut v = Some(v);
                if prepend && let Some(v) = v.take() {
                    p.value_owned(v, &mut out)?;
                    out.push_str(", ");
                }
                // An absent list counts as empty.
                out.push_str("if_not_exists(");
                a.render(p, &mut out);
                out.push_str(", ");
                p.raw_value(AttributeValue::L(Vec::new()), &mut out);
                out.push(')');
                if let Some(v) = v {
                    out.push_str(", ");
                    p.value_owned(v, &mut out)?;
                }
                out.push(')');
            }
            Action::Remove(a) => a.render(p, &mut out),
            Action::SetExpr(a, expr) => {
                a.render(p, &mut out);
                out.push_str(" = ");
                let (l, op, r) = match expr {
                    SetExpr::One(o) => (o, "", None),
                    SetExpr::Plus(l, r) => (l, " + ", Some(r)),
                    SetExpr::Minus(l, r) => (l, " - ", Some(r)),
                };
                l.render(p, &mut out)?;
                if let Some(r) = r {
                    out.push_str(op);
                    r.render(p, &mut out)?;
                }
            }
            Action::Add(a, v) | Action::Delete(a, v) => {
                a.render(p, &mut out);
                out.push(' ');
                p.value_owned(v, &mut out)?;
            }
        }
    }
    if out.is_empty() {
        return Err(Error::invalid(
            InvalidInputKind::ActionCount,
            "an update needs at least one action",
        ));
    }
    Ok(out)
}
