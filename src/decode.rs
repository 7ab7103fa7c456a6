//! The SDK's item → a serde type, in one pass, in serde_dynamo's format.
//!
//! `serde_dynamo::from_item` first converts the SDK's map into its own, hashing every
//! attribute name again, and the conversion panics on a value type the SDK version does
//! not know. Every item read goes through here, so the top-level map is walked once,
//! directly: each name is handed to the type's field visitor and each value converted on
//! its own — failing with an error, never a panic, on an unknown type — and decoded by
//! serde_dynamo's own deserializer, so the format stays serde_dynamo's by construction.
//! The walk knows which attribute it is decoding, so a failure names it
//! ([`DecodeError::attribute`]).

use std::borrow::Cow;
use std::cell::Cell;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;

use crate::{DecodeError, Item};

type SdValue = serde_dynamo::AttributeValue;
type Error = serde_dynamo::Error;

/// Decodes an item as `T`; a failure names the top-level attribute being decoded, if any.
pub(crate) fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, DecodeError> {
    let failed_at = Cell::new(None);
    T::deserialize(ItemDeserializer {
        item,
        failed_at: &failed_at,
    })
    .map_err(|e| DecodeError::new(failed_at.take().map(Cow::Owned), e))
}

/// Decodes one attribute value as `T`. A string is read in place, without copying it into
/// serde_dynamo's value type (the path of every key field an update sets); anything else,
/// or a string `T` does not take that way, goes through serde_dynamo.
pub(crate) fn from_value<T: DeserializeOwned>(value: &AttributeValue) -> Result<T, Error> {
    if let AttributeValue::S(s) = value
        && let Ok(decoded) = T::deserialize(Text(s))
    {
        return Ok(decoded);
    }
    serde_dynamo::from_attribute_value(value.clone())
}

/// Converts a value to serde_dynamo's representation, refusing unknown types.
fn convert(name: &str, value: AttributeValue) -> Result<SdValue, Error> {
    Ok(match value {
        AttributeValue::S(s) => SdValue::S(s),
        AttributeValue::N(n) => SdValue::N(n),
        AttributeValue::Bool(b) => SdValue::Bool(b),
        AttributeValue::Null(n) => SdValue::Null(n),
        AttributeValue::B(b) => SdValue::B(b.into_inner()),
        AttributeValue::Ss(v) => SdValue::Ss(v),
        AttributeValue::Ns(v) => SdValue::Ns(v),
        AttributeValue::Bs(v) => SdValue::Bs(v.into_iter().map(|b| b.into_inner()).collect()),
        AttributeValue::L(l) => SdValue::L(
            l.into_iter()
                .map(|v| convert(name, v))
                .collect::<Result<_, _>>()?,
        ),
        AttributeValue::M(m) => SdValue::M(
            m.into_iter()
                .map(|(k, v)| Ok((k, convert(name, v)?)))
                .collect::<Result<_, Error>>()?,
        ),
        _ => {
            return Err(de::Error::custom(format_args!(
                "attribute `{name}` has a type this SDK version does not know"
            )));
        }
    })
}

/// A whole item; anything but a map or struct request goes to serde_dynamo. `failed_at`
/// receives the name of the attribute whose value failed to decode.
struct ItemDeserializer<'a> {
    item: Item,
    failed_at: &'a Cell<Option<String>>,
}

impl ItemDeserializer<'_> {
    fn delegate(self) -> Result<serde_dynamo::Deserializer, Error> {
        let map = self
            .item
            .into_iter()
            .map(|(k, v)| {
                let v = convert(&k, v)?;
                Ok((k, v))
            })
            .collect::<Result<_, Error>>()?;
        Ok(serde_dynamo::Deserializer::from_attribute_value(
            SdValue::M(map),
        ))
    }
}

macro_rules! delegated {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            de::Deserializer::$method(self.delegate()?, visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ItemDeserializer<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(Attributes {
            iter: self.item.into_iter(),
            value: None,
            failed_at: self.failed_at,
        })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_enum(self.delegate()?, name, variants, visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_unit_struct(self.delegate()?, name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_newtype_struct(self.delegate()?, name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_tuple(self.delegate()?, len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_tuple_struct(self.delegate()?, name, len, visitor)
    }

    delegated!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_identifier,
        deserialize_ignored_any,
    );
}

/// The item's attributes, consumed one by one. The name of an attribute whose value fails
/// to decode goes to `failed_at` (moved there: a value that decodes costs nothing).
struct Attributes<'a> {
    iter: std::collections::hash_map::IntoIter<String, AttributeValue>,
    value: Option<(String, AttributeValue)>,
    failed_at: &'a Cell<Option<String>>,
}

impl<'de> MapAccess<'de> for Attributes<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((name, value)) = self.iter.next() else {
            return Ok(None);
        };
        // The name is given to the visitor by reference: most are field names, matched
        // and dropped, so only the (rare) map keys that keep it pay for a copy.
        let key = seed.deserialize(Name(&name)).map(Some);
        self.value = Some((name, value));
        key
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (name, value) = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a value was asked for before its name"))?;
        let decoded = convert(&name, value).and_then(|value| {
            seed.deserialize(serde_dynamo::Deserializer::from_attribute_value(value))
        });
        if decoded.is_err() {
            self.failed_at.set(Some(name));
        }
        decoded
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// A string value, decoded as serde_dynamo decodes an `S`: a string, `Some` for an
/// option, the inner value of a newtype, or a unit variant's name.
struct Text<'a>(&'a str);

impl<'de> de::Deserializer<'de> for Text<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_str(self.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// An attribute name, decoded as serde_dynamo decodes map keys: as a string, or parsed
/// when the key type is a number or a boolean.
struct Name<'a>(&'a str);

macro_rules! parsed {
    ($($method:ident => $visit:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0.parse() {
                Ok(n) => visitor.$visit(n),
                Err(_) => Err(de::Error::custom(format_args!("expected a number, got `{}`", self.0))),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Name<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_str(self.0)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            other => Err(de::Error::custom(format_args!(
                "expected `true` or `false`, got `{other}`"
            ))),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    parsed!(
        deserialize_i8 => visit_i8, deserialize_i16 => visit_i16, deserialize_i32 => visit_i32,
        deserialize_i64 => visit_i64, deserialize_i128 => visit_i128, deserialize_u8 => visit_u8,
        deserialize_u16 => visit_u16, deserialize_u32 => visit_u32, deserialize_u64 => visit_u64,
        deserialize_u128 => visit_u128,
    );

    forward_to_deserialize_any! {
        f32 f64 char str string bytes byte_buf option unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Shape {
        Dot,
        Circle(f64),
        Rect { w: u16, h: u16 },
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Everything {
        b: bool,
        n: i64,
        f: f64,
        s: String,
        opt: Option<String>,
        missing: Option<u8>,
        list: Vec<Option<u32>>,
        shapes: Vec<Shape>,
        map: BTreeMap<String, i32>,
        numbered: BTreeMap<u32, String>,
        #[serde(with = "serde_dynamo::string_set")]
        set: Vec<String>,
        time: chrono::DateTime<chrono::Utc>,
    }

    fn everything() -> Everything {
        Everything {
            b: true,
            n: -42,
            f: 0.25,
            s: "text".into(),
            opt: Some("x".into()),
            missing: None,
            list: vec![Some(1), None],
            shapes: vec![Shape::Dot, Shape::Circle(1.5), Shape::Rect { w: 1, h: 2 }],
            map: BTreeMap::from([("k".into(), 1)]),
            numbered: BTreeMap::from([(7, "seven".into())]),
            set: vec!["a".into()],
            time: chrono::DateTime::from_timestamp(1_700_000_000, 5).expect("valid"),
        }
    }

    #[test]
    fn decodes_what_serde_dynamo_decodes() {
        let mut item: Item = serde_dynamo::to_item(everything()).expect("encodes");
        item.insert("PK".into(), AttributeValue::S("extra".into()));
        let ours: Everything = from_item(item.clone()).expect("decodes");
        let theirs: Everything = serde_dynamo::from_item(item).expect("decodes");
        assert_eq!(ours, everything());
        assert_eq!(theirs, ours);
    }

    #[test]
    fn top_level_maps_and_flattened_structs() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Flat {
            id: u8,
            #[serde(flatten)]
            rest: HashMap<String, String>,
        }
        let item = Item::from([
            ("id".into(), AttributeValue::N("3".into())),
            ("a".into(), AttributeValue::S("b".into())),
        ]);
        let flat: Flat = from_item(item.clone()).expect("decodes");
        assert_eq!(flat.rest, HashMap::from([("a".into(), "b".into())]));
        let map: HashMap<String, serde_json::Value> = from_item(item).expect("decodes");
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn errors_match_serde_dynamo() {
        let item = Item::from([("b".into(), AttributeValue::S("not a bool".into()))]);
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct B {
            b: bool,
        }
        let ours = from_item::<B>(item.clone()).expect_err("wrong type");
        let theirs = serde_dynamo::from_item::<_, B>(item).expect_err("wrong type");
        assert_eq!(ours.expose_source(), &theirs);
        assert_eq!(ours.attribute(), Some("b"));
    }

    #[test]
    fn values_decode_as_serde_dynamo_decodes_them() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Id(String);
        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Status {
            InProgress,
        }
        fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug>(value: AttributeValue) {
            let theirs = serde_dynamo::from_attribute_value::<_, T>(value.clone());
            match (from_value::<T>(&value), theirs) {
                (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs),
                (Err(ours), Err(theirs)) => assert_eq!(ours.to_string(), theirs.to_string()),
                (ours, theirs) => panic!("{value:?}: ours {ours:?}, serde_dynamo {theirs:?}"),
            }
        }
        let s = |text: &str| AttributeValue::S(text.into());
        same::<String>(s("a#b"));
        same::<Option<String>>(s("x"));
        same::<Option<String>>(AttributeValue::Null(true));
        same::<Id>(s("u1"));
        same::<Status>(s("in_progress"));
        same::<Status>(s("unknown"));
        same::<chrono::DateTime<chrono::Utc>>(s("2024-05-01T10:00:00.000000005Z"));
        same::<u32>(AttributeValue::N("7".into()));
        same::<u32>(s("7"));
        same::<bool>(s("true"));
    }
}
