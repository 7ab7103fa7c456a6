//! Serde → the SDK's `AttributeValue` in one pass, in serde_dynamo's format.
//!
//! serde_dynamo defines the format (it decodes every item we read), but it encodes into its
//! own `AttributeValue` and then converts to the SDK's, building every map twice. Encoding
//! is on the path of every write, and an entity's map also receives the rendered key
//! attributes, so the common shapes — structs, strings, integers, booleans, options, unit
//! enum variants and sequences — are built here directly, the top-level map allocated once
//! at its final size. Every other shape (floats, bytes, maps, newtypes such as
//! serde_dynamo's set wrappers, enum variants with data) is handed to serde_dynamo's own
//! serializer, so the format stays serde_dynamo's by construction; the tests below and the
//! property tests compare the two outputs.

use std::collections::HashMap;
use std::fmt::{Display, Write};

use aws_sdk_dynamodb::types::AttributeValue;
use serde::ser::{self, Serialize, Serializer};

use crate::Item;

use serde_dynamo::Serializer as Sd;
type SdValue = serde_dynamo::AttributeValue;
type Error = serde_dynamo::Error;

/// Encodes `value`, which must serialize as a struct or map, as an item with room for
/// `reserve` more attributes.
pub(crate) fn to_item<T: Serialize + ?Sized>(value: &T, reserve: usize) -> Result<Item, Error> {
    match value.serialize(Encoder { reserve })? {
        AttributeValue::M(mut item) => {
            item.reserve(reserve);
            Ok(item)
        }
        _ => Err(ser::Error::custom(
            "an item must serialize as a struct or a map",
        )),
    }
}

/// Encodes one attribute value.
pub(crate) fn to_attribute_value<T: Serialize + ?Sized>(
    value: &T,
) -> Result<AttributeValue, Error> {
    value.serialize(Encoder { reserve: 0 })
}

/// The serializer; `reserve` extra capacity goes to a struct's map (only the top level
/// asks for any).
#[derive(Clone, Copy)]
struct Encoder {
    reserve: usize,
}

const NESTED: Encoder = Encoder { reserve: 0 };

fn number(n: impl itoa::Integer) -> AttributeValue {
    AttributeValue::N(itoa::Buffer::new().format(n).to_owned())
}

macro_rules! integers {
    ($($method:ident: $ty:ty),* $(,)?) => {$(
        fn $method(self, v: $ty) -> Result<AttributeValue, Error> {
            Ok(number(v))
        }
    )*};
}

impl Serializer for Encoder {
    type Ok = AttributeValue;
    type Error = Error;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = Delegated<<Sd as Serializer>::SerializeTupleVariant>;
    type SerializeMap = Delegated<<Sd as Serializer>::SerializeMap>;
    type SerializeStruct = Struct;
    type SerializeStructVariant = Delegated<<Sd as Serializer>::SerializeStructVariant>;

    integers!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
    );

    // serde_dynamo refuses 128-bit integers; so do we, with its error.
    fn serialize_i128(self, v: i128) -> Result<AttributeValue, Error> {
        Sd.serialize_i128(v).map(Into::into)
    }

    fn serialize_u128(self, v: u128) -> Result<AttributeValue, Error> {
        Sd.serialize_u128(v).map(Into::into)
    }

    fn serialize_bool(self, v: bool) -> Result<AttributeValue, Error> {
        Ok(AttributeValue::Bool(v))
    }

    fn serialize_f32(self, v: f32) -> Result<AttributeValue, Error> {
        Sd.serialize_f32(v).map(Into::into)
    }

    fn serialize_f64(self, v: f64) -> Result<AttributeValue, Error> {
        Sd.serialize_f64(v).map(Into::into)
    }

    fn serialize_char(self, v: char) -> Result<AttributeValue, Error> {
        Ok(AttributeValue::S(v.to_string()))
    }

    fn serialize_str(self, v: &str) -> Result<AttributeValue, Error> {
        Ok(AttributeValue::S(v.to_owned()))
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<AttributeValue, Error> {
        // Timestamps and ids arrive here, a character at a time: a string sized for an
        // RFC 3339 timestamp or a ULID grows not at all, rather than three times.
        let mut s = String::with_capacity(32);
        write!(s, "{value}").map_err(|_| ser::Error::custom("Display failed"))?;
        Ok(AttributeValue::S(s))
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<AttributeValue, Error> {
        Sd.serialize_bytes(v).map(Into::into)
    }

    fn serialize_none(self) -> Result<AttributeValue, Error> {
        Ok(AttributeValue::Null(true))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<AttributeValue, Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<AttributeValue, Error> {
        Ok(AttributeValue::Null(true))
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<AttributeValue, Error> {
        Ok(AttributeValue::Null(true))
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<AttributeValue, Error> {
        Ok(AttributeValue::S(variant.to_owned()))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<AttributeValue, Error> {
        // The name may be one of serde_dynamo's set markers: it decides.
        Sd.serialize_newtype_struct(name, value).map(Into::into)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<AttributeValue, Error> {
        Sd.serialize_newtype_variant(name, index, variant, value)
            .map(Into::into)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Seq, Error> {
        Ok(Seq(Vec::with_capacity(len.unwrap_or(0))))
    }

    fn serialize_tuple(self, len: usize) -> Result<Seq, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Sd.serialize_tuple_variant(name, index, variant, len)
            .map(Delegated)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Sd.serialize_map(len).map(Delegated)
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Struct, Error> {
        Ok(Struct(HashMap::with_capacity(len + self.reserve)))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Sd.serialize_struct_variant(name, index, variant, len)
            .map(Delegated)
    }
}

/// A list being built.
pub(crate) struct Seq(Vec<AttributeValue>);

impl Seq {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.0.push(value.serialize(NESTED)?);
        Ok(())
    }
}

// One list builder behind serde's three sequence traits.
macro_rules! list {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for Seq {
            type Ok = AttributeValue;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.push(value)
            }
            fn end(self) -> Result<AttributeValue, Error> {
                Ok(AttributeValue::L(self.0))
            }
        }
    )*};
}

list!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

/// A struct's map being built.
pub(crate) struct Struct(Item);

impl ser::SerializeStruct for Struct {
    type Ok = AttributeValue;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.0.insert(key.to_owned(), value.serialize(NESTED)?);
        Ok(())
    }
    fn end(self) -> Result<AttributeValue, Error> {
        Ok(AttributeValue::M(self.0))
    }
}

/// One of serde_dynamo's compound serializers, converted to the SDK's value at the end.
pub(crate) struct Delegated<S>(S);

impl<S: ser::SerializeMap<Ok = SdValue, Error = Error>> ser::SerializeMap for Delegated<S> {
    type Ok = AttributeValue;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.0.serialize_key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.0.serialize_value(value)
    }
    fn end(self) -> Result<AttributeValue, Error> {
        self.0.end().map(Into::into)
    }
}

impl<S: ser::SerializeTupleVariant<Ok = SdValue, Error = Error>> ser::SerializeTupleVariant
    for Delegated<S>
{
    type Ok = AttributeValue;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.0.serialize_field(value)
    }
    fn end(self) -> Result<AttributeValue, Error> {
        self.0.end().map(Into::into)
    }
}

impl<S: ser::SerializeStructVariant<Ok = SdValue, Error = Error>> ser::SerializeStructVariant
    for Delegated<S>
{
    type Ok = AttributeValue;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.0.serialize_field(key, value)
    }
    fn end(self) -> Result<AttributeValue, Error> {
        self.0.end().map(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde::Serialize;

    use super::*;

    fn same_as_serde_dynamo<T: Serialize>(value: &T) {
        let ours = to_attribute_value(value).expect("encodes");
        let theirs: AttributeValue = serde_dynamo::to_attribute_value(value).expect("encodes");
        assert_eq!(ours, theirs);
    }

    #[derive(Serialize)]
    struct Newtype(String);

    #[derive(Serialize)]
    struct Tuple(u8, String);

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    enum Shape {
        Dot,
        Circle(f64),
        Pair(i32, i32),
        Rect { w: u16, h: u16 },
    }

    #[derive(Serialize)]
    #[serde(tag = "kind")]
    enum Tagged {
        A { x: u8 },
    }

    #[derive(Serialize)]
    struct Everything {
        b: bool,
        small: i8,
        big: u64,
        neg: i64,
        f: f64,
        c: char,
        s: String,
        bytes: Bytes,
        none: Option<u8>,
        some: Option<String>,
        unit: (),
        unit_struct: Unit,
        newtype: Newtype,
        tuple: Tuple,
        list: Vec<Option<u32>>,
        nested: Vec<Vec<String>>,
        shapes: Vec<Shape>,
        tagged: Tagged,
        map: BTreeMap<String, i32>,
        #[serde(with = "serde_dynamo::string_set")]
        set: BTreeSet<String>,
        #[serde(with = "serde_dynamo::number_set")]
        numbers: Vec<u32>,
        time: chrono::DateTime<chrono::Utc>,
    }

    /// Serializes through `serialize_bytes`, as `serde_bytes` does.
    struct Bytes(Vec<u8>);

    impl Serialize for Bytes {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }

    fn everything() -> Everything {
        Everything {
            b: true,
            small: -3,
            big: u64::MAX,
            neg: i64::MIN,
            f: 1.5e-7,
            c: '#',
            s: "text".into(),
            bytes: Bytes(vec![0, 1, 255]),
            none: None,
            some: Some("x".into()),
            unit: (),
            unit_struct: Unit,
            newtype: Newtype("inner".into()),
            tuple: Tuple(1, "one".into()),
            list: vec![Some(1), None],
            nested: vec![vec!["a".into()], vec![]],
            shapes: vec![
                Shape::Dot,
                Shape::Circle(2.0),
                Shape::Pair(-1, 1),
                Shape::Rect { w: 3, h: 4 },
            ],
            tagged: Tagged::A { x: 9 },
            map: BTreeMap::from([("k".into(), 1), ("l".into(), -2)]),
            set: BTreeSet::from(["a".into(), "b".into()]),
            numbers: vec![1, 2, 3],
            time: chrono::DateTime::from_timestamp(1_700_000_000, 123_000).expect("valid"),
        }
    }

    #[test]
    fn every_shape_matches_serde_dynamo() {
        same_as_serde_dynamo(&everything());
        same_as_serde_dynamo(&Shape::Rect { w: 1, h: 2 });
        same_as_serde_dynamo(&"top-level string");
        same_as_serde_dynamo(&f64::NAN);
        assert!(to_attribute_value(&1_u128).is_err());
        assert!(serde_dynamo::to_attribute_value::<_, AttributeValue>(1_u128).is_err());
    }

    #[test]
    fn items_are_sized_for_the_keys_to_come() {
        let item = to_item(&everything(), 7).expect("encodes");
        let theirs: Item = serde_dynamo::to_item(everything()).expect("encodes");
        assert_eq!(item, theirs);
        assert!(item.capacity() >= theirs.len() + 7);
    }

    #[test]
    fn flattened_structs_go_through_the_map_path() {
        #[derive(Serialize)]
        struct Outer {
            id: u8,
            #[serde(flatten)]
            inner: BTreeMap<String, String>,
        }
        let value = Outer {
            id: 1,
            inner: BTreeMap::from([("a".into(), "b".into())]),
        };
        let ours = to_item(&value, 2).expect("encodes");
        let theirs: Item = serde_dynamo::to_item(&value).expect("encodes");
        assert_eq!(ours, theirs);
        assert!(ours.capacity() >= ours.len() + 2);
    }

    /// `Display` values of every length, written in pieces, multi-byte characters included.
    #[test]
    fn displayed_values_of_any_length_match_serde_dynamo() {
        struct Pieces(Vec<String>);
        impl Display for Pieces {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.iter().try_for_each(|p| f.write_str(p))
            }
        }
        impl Serialize for Pieces {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        for len in [0, 1, 30, 47, 48, 49, 95, 200] {
            for piece in ["a", "é", "日本", "xyz12"] {
                let whole: String = piece.chars().cycle().take(len).collect();
                let pieces = Pieces(whole.chars().map(String::from).collect());
                let ours = to_attribute_value(&pieces).expect("encodes");
                assert_eq!(ours, AttributeValue::S(whole.clone()), "{len} of {piece}");
                same_as_serde_dynamo(&pieces);
            }
        }
    }

    #[test]
    fn a_value_that_is_not_a_map_is_not_an_item() {
        assert!(to_item(&42_u8, 0).is_err());
        assert!(to_item(&vec![1_u8], 0).is_err());
    }
}
