//! A JSON value written as block-style YAML: enough for CloudFormation templates, without
//! a YAML dependency. Strings are always double-quoted JSON strings (valid YAML scalars),
//! so no value can be read back as another type (`"true"`, `"1.0"`, `"no"`).

use serde_json::Value;

/// `value` as YAML, ending in a newline.
pub(crate) fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => sequence(items, 0, &mut out),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

fn mapping(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (key, value) in map {
        out.push_str(&" ".repeat(indent));
        out.push_str(&key_text(key));
        out.push(':');
        nested(value, indent, out);
    }
}

fn sequence(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match item {
            // A mapping in a sequence starts on the dash's line, its keys aligned after it.
            Value::Object(map) if !map.is_empty() => {
                let mut first = true;
                for (key, value) in map {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        out.push_str(&" ".repeat(indent + 2));
                    }
                    out.push_str(&key_text(key));
                    out.push(':');
                    nested(value, indent + 2, out);
                }
            }
            other => nested(other, indent, out),
        }
    }
}

/// The value after `key:` (or `-`): inline for scalars and empty collections, else on the
/// following lines, indented.
fn nested(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            mapping(map, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            sequence(items, indent + 2, out);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

fn inline(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        // JSON's scalars are YAML's, strings quoted.
        other => other.to_string(),
    }
}

/// A key plain when it is a simple word, quoted otherwise.
fn key_text(key: &str) -> String {
    let plain = key.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if plain {
        key.to_owned()
    } else {
        Value::String(key.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_block_yaml_with_quoted_strings() {
        let value = serde_json::json!({
            "Resources": {
                "T": {"Type": "AWS::DynamoDB::Table", "Properties": {
                    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
                    "Enabled": true, "Count": 5, "Empty": [], "odd key": "no"
                }}
            }
        });
        let yaml = to_yaml(&value);
        assert_eq!(
            yaml,
            "Resources:\n  T:\n    Type: \"AWS::DynamoDB::Table\"\n    Properties:\n      KeySchema:\n        - AttributeName: \"PK\"\n          KeyType: \"HASH\"\n      Enabled: true\n      Count: 5\n      Empty: []\n      \"odd key\": \"no\"\n"
        );
    }
}
