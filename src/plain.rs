//! Items as plain JSON for people (the CLI's output, the design page's sample values):
//! strings as strings, numbers as numbers (as text when they do not fit a JSON number
//! exactly), sets as arrays, binary as base64.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

/// `item` as a JSON object, attributes sorted by name.
#[cfg(feature = "cli")]
pub(crate) fn item(item: &crate::Item) -> Value {
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    Value::Object(
        names
            .into_iter()
            .map(|n| (n.clone(), value(&item[n])))
            .collect(),
    )
}

/// `value` as plain JSON.
pub(crate) fn value(value: &AttributeValue) -> Value {
    use base64::Engine as _;
    let b64 = |b: &aws_sdk_dynamodb::primitives::Blob| {
        Value::String(base64::engine::general_purpose::STANDARD.encode(b.as_ref()))
    };
    match value {
        AttributeValue::S(s) => json!(s),
        AttributeValue::N(n) => number(n),
        AttributeValue::B(b) => b64(b),
        AttributeValue::Bool(b) => json!(b),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::M(m) => {
            let mut names: Vec<&String> = m.keys().collect();
            names.sort();
            Value::Object(
                names
                    .into_iter()
                    .map(|k| (k.clone(), self::value(&m[k])))
                    .collect(),
            )
        }
        AttributeValue::L(l) => l.iter().map(self::value).collect(),
        AttributeValue::Ss(s) => json!(s),
        AttributeValue::Ns(n) => n.iter().map(|n| number(n)).collect(),
        AttributeValue::Bs(b) => b.iter().map(b64).collect(),
        _ => json!("<a type this version does not know>"),
    }
}

fn number(n: &str) -> Value {
    if let Ok(i) = n.parse::<i64>() {
        return json!(i);
    }
    match n.parse::<f64>() {
        // Only where the text round-trips: DynamoDB numbers have 38 digits.
        Ok(f) if f.is_finite() && f.to_string() == n => json!(f),
        _ => json!(n),
    }
}
