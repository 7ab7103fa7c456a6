//! The values DynamoDB accepts in a multi-attribute index key, checked before sending.
//!
//! DynamoDB rejects a write whose index key attribute has another type than the index
//! declares, is an empty string or binary, or is longer than a key may be; and a `NULL`
//! (serde's `None`) is "another type". `None` must instead leave the attribute out, which
//! takes the item out of the index.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::item::Item;
use crate::key::{KeyError, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES};
use crate::table::{IndexAttribute, ScalarType, TableSchema};
use crate::{Error, InvalidInputKind};

/// Checks every multi-attribute index key attribute `item` carries, and drops those that
/// are `NULL` (an `Option` field that is `None`: the item is not in that index).
pub(crate) fn check_item(table: &TableSchema, item: &mut Item) -> Result<(), Error> {
    check_vector_attributes(table, item)?;
    for index in table.indexes() {
        let Some((partition, sort)) = index.multi_keys() else {
            continue;
        };
        for (attribute, max) in with_limits(partition, sort) {
            let Some(value) = item.get(attribute.name) else {
                continue;
            };
            if !check_value(index.name(), attribute, max, value)? {
                item.remove(attribute.name);
            }
        }
    }
    Ok(())
}

/// Drops the `NULL`s of `item`'s vector index attributes (an `Option` that is `None`: no
/// vector, or no value to filter by, leaves the item out of the index or out of the
/// filter — DynamoDB refuses a `NULL` there) and checks the search attributes' values: the
/// declared type, and for the `HASH` attribute a key's (not empty, not too long).
fn check_vector_attributes(table: &TableSchema, item: &mut Item) -> Result<(), Error> {
    for index in table.vector_indexes() {
        if matches!(item.get(index.attribute()), Some(AttributeValue::Null(_))) {
            item.remove(index.attribute());
        }
        for (attribute, hash) in index.search_schema() {
            let Some(value) = item.get(attribute.name) else {
                continue;
            };
            if !vector_value(index.name(), &attribute, hash, value)? {
                item.remove(attribute.name);
            }
        }
    }
    Ok(())
}

/// One search attribute's value: `Ok(false)` when `NULL` (to leave out).
fn vector_value(
    index: &str,
    attribute: &IndexAttribute,
    hash: bool,
    value: &AttributeValue,
) -> Result<bool, Error> {
    if matches!(value, AttributeValue::Null(_)) {
        return Ok(false);
    }
    if hash {
        return check_value(index, attribute, MAX_PARTITION_KEY_BYTES, value);
    }
    let same = matches!(
        (attribute.scalar, value),
        (ScalarType::S, AttributeValue::S(_))
            | (ScalarType::N, AttributeValue::N(_))
            | (ScalarType::B, AttributeValue::B(_))
    );
    if same {
        return Ok(true);
    }
    let found = type_name(value);
    Err(Error::invalid(
        InvalidInputKind::InvalidValue,
        format!(
            "attribute `{}` is an inline filter of vector index `{index}` of type {}, but the \
             value is {found}; DynamoDB refuses the write",
            attribute.name,
            attribute.scalar.as_str()
        ),
    ))
}

/// An index's key attributes in key order, each with DynamoDB's size limit for its role.
pub(crate) fn with_limits<'a>(
    partition: &'a [IndexAttribute],
    sort: &'a [IndexAttribute],
) -> impl Iterator<Item = (&'a IndexAttribute, usize)> {
    partition
        .iter()
        .map(|a| (a, MAX_PARTITION_KEY_BYTES))
        .chain(sort.iter().map(|a| (a, MAX_SORT_KEY_BYTES)))
}

/// Checks a value an update sets on `attribute`; `Ok(false)` when it is `NULL`, which the
/// update must send as `REMOVE` instead. Attributes of no multi-attribute index pass.
pub(crate) fn check_update_value(
    table: &TableSchema,
    attribute: &str,
    value: &AttributeValue,
) -> Result<bool, Error> {
    // Every index holding the attribute: it may be a partition key in one (2048 bytes) and
    // a sort key in another (1024), as `check_item` sees it on a put.
    let mut present = true;
    for index in table.vector_indexes() {
        if attribute == index.attribute() {
            present &= !matches!(value, AttributeValue::Null(_));
        }
        if let Some((a, hash)) = index.search_schema().find(|(a, _)| a.name == attribute) {
            present &= vector_value(index.name(), &a, hash, value)?;
        }
    }
    for index in table.indexes() {
        let Some((partition, sort)) = index.multi_keys() else {
            continue;
        };
        let found = with_limits(partition, sort).find(|(a, _)| a.name == attribute);
        if let Some((a, max)) = found {
            present &= check_value(index.name(), a, max, value)?;
        }
    }
    Ok(present)
}

/// One key value of index `index`: `Ok(true)` when valid, `Ok(false)` when `NULL`.
pub(crate) fn check_value(
    index: &str,
    attribute: &IndexAttribute,
    max: usize,
    value: &AttributeValue,
) -> Result<bool, Error> {
    let len = match (attribute.scalar, value) {
        (_, AttributeValue::Null(_)) => return Ok(false),
        (ScalarType::S, AttributeValue::S(s)) => s.len(),
        (ScalarType::B, AttributeValue::B(b)) => b.as_ref().len(),
        (ScalarType::N, AttributeValue::N(_)) => {
            // A key condition's number is checked here too: NaN, infinities and numbers
            // outside DynamoDB's range never reach the server.
            crate::value_check::check_value(value).map_err(|p| {
                p.into_error(&format!(
                    "key attribute `{}` of index `{index}`",
                    attribute.name
                ))
            })?;
            return Ok(true);
        }
        (declared, found) => {
            return Err(Error::invalid(
                InvalidInputKind::InvalidValue,
                format!(
                    "attribute `{}` is a key attribute of index `{index}` of type {}, but the \
                 value is {}; a key attribute's field must serialize as its type",
                    attribute.name,
                    declared.as_str(),
                    type_name(found)
                ),
            ));
        }
    };
    if len == 0 {
        return Err(KeyError::Empty {
            attribute: attribute.name,
        }
        .into());
    }
    if len > max {
        return Err(KeyError::TooLong {
            attribute: attribute.name,
            len,
            max,
        }
        .into());
    }
    Ok(true)
}

fn type_name(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "a string (S)",
        AttributeValue::N(_) => "a number (N)",
        AttributeValue::B(_) => "binary (B)",
        AttributeValue::Bool(_) => "a boolean (BOOL)",
        AttributeValue::L(_) => "a list (L)",
        AttributeValue::M(_) => "a map (M)",
        AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_) => "a set",
        _ => "of another type",
    }
}

/// How DynamoDB orders two key values of one type: strings and binary byte-wise, numbers by
/// value; `None` for values of different types or a number it cannot read.
pub(crate) fn key_order(a: &AttributeValue, b: &AttributeValue) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (AttributeValue::S(a), AttributeValue::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (AttributeValue::B(a), AttributeValue::B(b)) => Some(a.as_ref().cmp(b.as_ref())),
        (AttributeValue::N(a), AttributeValue::N(b)) => number_order(a, b),
        _ => None,
    }
}

/// Orders two decimal numbers exactly (DynamoDB numbers have up to 38 digits, more than an
/// `f64` tells apart); exponent notation falls back to `f64`.
fn number_order(a: &str, b: &str) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    if a.contains(['e', 'E']) || b.contains(['e', 'E']) {
        return a.parse::<f64>().ok()?.partial_cmp(&b.parse::<f64>().ok()?);
    }
    // (negative, integer digits without leading zeros, fraction without trailing zeros)
    let parts = |n: &str| -> Option<(bool, String, String)> {
        let (negative, digits) = match n.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, n.strip_prefix('+').unwrap_or(n)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if !int.bytes().chain(frac.bytes()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let int = int.trim_start_matches('0').to_owned();
        let frac = frac.trim_end_matches('0').to_owned();
        let zero = int.is_empty() && frac.is_empty();
        Some((negative && !zero, int, frac))
    };
    let (an, ai, af) = parts(a)?;
    let (bn, bi, bf) = parts(b)?;
    let magnitude = ai
        .len()
        .cmp(&bi.len())
        .then_with(|| ai.cmp(&bi))
        .then_with(|| af.cmp(&bf));
    Some(match (an, bn) {
        (false, false) => magnitude,
        (true, true) => magnitude.reverse(),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::{Equal, Greater, Less};

    fn n(s: &str) -> AttributeValue {
        AttributeValue::N(s.to_owned())
    }

    #[test]
    fn numbers_order_by_value_exactly() {
        for (a, b, want) in [
            ("9", "10", Less),
            ("-10", "-9", Less),
            ("-0.5", "0", Less),
            ("0", "-0", Equal),
            ("2", "2.000", Equal),
            ("0.05", "0.5", Less),
            (
                "12345678901234567890123456789012345678",
                "12345678901234567890123456789012345679",
                Less,
            ),
            ("1e3", "999", Greater),
            ("007", "7", Equal),
        ] {
            assert_eq!(key_order(&n(a), &n(b)), Some(want), "{a} vs {b}");
            assert_eq!(key_order(&n(b), &n(a)), Some(want.reverse()), "{b} vs {a}");
        }
        assert_eq!(key_order(&n("1"), &AttributeValue::S("1".into())), None);
    }
}
