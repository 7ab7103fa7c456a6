//! The sort-key range a query's condition means, as plain data: what `sort_*` asks, in
//! terms of rendered keys, before it is written as an expression.
//!
//! Keys compare as DynamoDB compares strings (byte-wise). Every encoded part sorts above
//! the `#` delimiter and no key contains `$`, so:
//! - the keys with some leading parts are those from the partial key `P` (which ends with
//!   the delimiter) up to `P` with that delimiter replaced by `$`;
//! - a complete key `K` and the keys filed under it (`K#…`) run from `K` up to `K$`.
//!
//! Whether a key is partial or complete comes from how many parts were given, never from
//! its text: a complete key whose last part is empty also ends with the delimiter.

use super::keys::{Given, SortKey};
use crate::key::KeyTemplate;
use crate::{Error, InvalidInputKind};

/// A sort-key range in rendered keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SortRange {
    /// No condition: every key.
    All,
    /// No key can match (the query is answered without a request).
    Nothing,
    /// `= key`
    Eq(String),
    /// `< bound`
    Lt(String),
    /// `>= bound`
    Ge(String),
    /// `BETWEEN low AND high` (inclusive)
    Between(String, String),
    /// `begins_with(prefix)`
    BeginsWith(String),
}

/// The range `sort` asks for; `prefix` renders leading parts as (key, complete).
pub(crate) fn sort_range(
    sort: &SortKey,
    mut prefix: impl FnMut(&[Given]) -> Result<(String, bool), Error>,
    template: &KeyTemplate,
) -> Result<SortRange, Error> {
    // A part with fixed text after it (`{target}REACTION`) does not sort by its value, so
    // no order comparison may end on it.
    let ordered = |parts: &[Given]| match parts.len() {
        0 => Ok(()),
        n if template.part_has_suffix(n - 1) => Err(Error::invalid(
            InvalidInputKind::QueryShape,
            format!(
                "keys of `{template}` do not sort by `{}` (fixed text follows it in its segment): \
             use `sort_eq` or `sort_begins_with` on it",
                parts[n - 1].0
            ),
        )),
        _ => Ok(()),
    };
    match sort {
        SortKey::Lt(p) | SortKey::Le(p) | SortKey::Gt(p) | SortKey::Ge(p) => ordered(p)?,
        SortKey::Between(low, high) => {
            ordered(low)?;
            ordered(high)?;
        }
        SortKey::Eq(_) | SortKey::BeginsWith(_) => {}
    }
    Ok(match sort {
        SortKey::BeginsWith(parts) => match prefix(parts)? {
            (p, false) if p.is_empty() => SortRange::All,
            (p, false) => SortRange::BeginsWith(p),
            // The item and those filed under it, never a neighbour (`p10` for `p1`).
            (k, true) => {
                let high = format!("{k}$");
                between(k, Some(high))
            }
        },
        SortKey::Eq(parts) => match prefix(parts)? {
            (_, false) => {
                return Err(Error::invalid(
                    InvalidInputKind::QueryShape,
                    format!(
                        "`sort_eq` needs every field of `{template}`; use `sort_begins_with` for \
                     a prefix"
                    ),
                ));
            }
            // No stored key is empty (DynamoDB refuses empty keys).
            (k, true) if k.is_empty() => SortRange::Nothing,
            (k, true) => SortRange::Eq(k),
        },
        SortKey::Lt(parts) => match prefix(parts)?.0 {
            k if k.is_empty() => SortRange::Nothing,
            k => SortRange::Lt(k),
        },
        SortKey::Ge(parts) => match prefix(parts)?.0 {
            k if k.is_empty() => SortRange::All,
            k => SortRange::Ge(k),
        },
        SortKey::Le(parts) => match upper(prefix(parts)?) {
            Some(high) => SortRange::Lt(high),
            None => SortRange::All,
        },
        SortKey::Gt(parts) => match upper(prefix(parts)?) {
            Some(high) => SortRange::Ge(high),
            None => SortRange::Nothing,
        },
        SortKey::Between(low, high) => {
            let low = prefix(low)?.0;
            between(low, upper(prefix(high)?))
        }
    })
}

/// The smallest string above every key with these leading parts; `None` when that is every
/// key (no part given of a template that starts with one).
fn upper((key, complete): (String, bool)) -> Option<String> {
    let mut out = if complete {
        key
    } else if key.is_empty() {
        return None;
    } else {
        // A partial key ends with the delimiter before the next part.
        key.strip_suffix(crate::key::DELIMITER)
            .unwrap_or(&key)
            .to_owned()
    };
    out.push('$');
    Some(out)
}

/// `low ..= high`, where `high` is an upper bound (it ends with `$`, so no key equals it)
/// or `None` for no bound.
fn between(low: String, high: Option<String>) -> SortRange {
    match high {
        None if low.is_empty() => SortRange::All,
        None => SortRange::Ge(low),
        Some(high) if low.is_empty() => SortRange::Lt(high),
        // DynamoDB refuses a reversed BETWEEN; nothing lies between reversed bounds.
        Some(high) if low.as_bytes() > high.as_bytes() => SortRange::Nothing,
        Some(high) => SortRange::Between(low, high),
    }
}
