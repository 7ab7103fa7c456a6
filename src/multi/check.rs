//! The values DynamoDB accepts in a multi-attribute index key, checked before sending.
//!
//! DynamoDB rejects a write whose index key attribute has another type than the index
//! declares, is an empty string or binary, or is longer than a key may be; and a `NULL`
//! (serde's `None`) is "another type". `None` must instead leave the attribute out, which
//! takes the item out of the index.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Error;
use crate::item::Item;
use crate::key::{KeyError, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES};
use crate::table::{IndexAttribute, ScalarType, TableSchema};

/// Checks every multi-attribute index key attribute `item` carries, and drops those that
/// are `NULL` (an `Option` field that is `None`: the item is not in that index).
pub(crate) fn check_item(table: &TableSchema, item: &mut Item) -> Result<(), Error> {
    for index in table.indexes() {
        let Some((partition, sort)) = index.multi_keys() else {
            continue;
        };
        for (attribute, max) in partition
            .iter()
            .map(|a| (a, MAX_PARTITION_KEY_BYTES))
            .chain(sort.iter().map(|a| (a, MAX_SORT_KEY_BYTES)))
        {
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

/// Checks a value an update sets on `attribute`; `Ok(false)` when it is `NULL`, which the
/// update must send as `REMOVE` instead. Attributes of no multi-attribute index pass.
pub(crate) fn check_update_value(
    table: &TableSchema,
    attribute: &str,
    value: &AttributeValue,
) -> Result<bool, Error> {
    let Some(index) = table.multi_attribute_index_of(attribute) else {
        return Ok(true);
    };
    let Some((partition, sort)) = index.multi_keys() else {
        return Ok(true);
    };
    if let Some(a) = partition.iter().find(|a| a.name == attribute) {
        return check_value(index.name(), a, MAX_PARTITION_KEY_BYTES, value);
    }
    match sort.iter().find(|a| a.name == attribute) {
        Some(a) => check_value(index.name(), a, MAX_SORT_KEY_BYTES, value),
        None => Ok(true),
    }
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
            return Err(Error::validation(format!(
                "attribute `{}` is a key attribute of multi-attribute index `{index}` of type \
                 {}, but the value is {}; a key attribute's field must serialize as its type",
                attribute.name,
                declared.as_str(),
                type_name(found)
            )));
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
