//! [`Item`]: a raw DynamoDB item, and the checks every item passes before it is sent or
//! decoded.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// A raw DynamoDB item, as the SDK represents it.
pub type Item = HashMap<String, AttributeValue>;

/// DynamoDB's item size limit: 400 KB, names and values included.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// The size of an item as DynamoDB counts it against the 400 KB limit.
///
/// Attribute names count their UTF-8 length; strings and binaries their length; numbers
/// one byte per two significant digits plus one; booleans and nulls one byte; lists and
/// maps three bytes plus one per element, plus their contents.
///
/// ```
/// use aws_sdk_dynamodb::types::AttributeValue;
/// let mut item = dynamorm::Item::new();
/// item.insert("id".into(), AttributeValue::S("abc".into()));
/// item.insert("n".into(), AttributeValue::N("12345".into()));
/// assert_eq!(dynamorm::item_size(&item), 2 + 3 + 1 + 4);
/// ```
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

pub(crate) fn value_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
        AttributeValue::Ns(v) => v.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(v) => v.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(v) => 3 + v.iter().map(|e| 1 + value_size(e)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, e)| 1 + k.len() + value_size(e))
                .sum::<usize>()
        }
        // The SDK's `Unknown` only arrives in responses, which are not size-checked.
        _ => 0,
    }
}

fn number_size(n: &str) -> usize {
    // Significant digits: the mantissa's digits without leading and trailing zeros (the
    // decimal point does not count). Counted without allocating: this runs on every encode.
    let mantissa = n.split(['e', 'E']).next().unwrap_or_default();
    let digits = || mantissa.bytes().filter(u8::is_ascii_digit);
    let leading = digits().take_while(|d| *d == b'0').count();
    let total = digits().count();
    let trailing = if leading == total {
        0
    } else {
        mantissa
            .bytes()
            .rev()
            .filter(u8::is_ascii_digit)
            .take_while(|d| *d == b'0')
            .count()
    };
    (total - leading - trailing).div_ceil(2) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_sizes() {
        for (n, size) in [
            ("0", 1),
            ("1", 2),
            ("12", 2),
            ("123", 3),
            ("-12.50", 3),
            ("1000", 2),
            ("1.5e10", 2),
        ] {
            assert_eq!(number_size(n), size, "{n}");
        }
    }
}
