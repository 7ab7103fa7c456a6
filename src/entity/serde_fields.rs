//! The attribute names a serde struct is read from, asked of serde itself: its derive hands
//! a struct's field names (renames applied) to `deserialize_struct`, which a deserializer
//! that only records them can catch. Used for the structs of earlier shapes, which the
//! entity's derive knows only by path.

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use super::schema::EntitySchema;

/// The field names `T` deserializes from, or `None` when serde does not list them (a struct
/// with a `flatten`ed field reads a map; a type that is not a struct).
#[doc(hidden)]
pub fn serde_fields<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    let mut names = FieldNames(None);
    // The deserializer fails on purpose once it has the names: nothing is decoded.
    let _ = T::deserialize(&mut names);
    names.0
}

/// The attributes of every earlier shape of `schema` that serde can list, each once and
/// none of the current shape's.
pub(crate) fn earlier_attributes(schema: &EntitySchema) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for fields in schema.earlier_attributes.iter().filter_map(|f| f()) {
        for name in fields {
            if !schema.attributes.contains(name) && !out.contains(name) {
                out.push(name);
            }
        }
    }
    out
}

/// Records the field names of the struct it is asked for, and fails.
struct FieldNames(Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for &mut FieldNames {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct with named fields"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = Some(fields);
        Err(de::Error::custom("field names recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::serde_fields;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    #[serde(rename_all = "camelCase")]
    struct Renamed {
        first_name: String,
        #[serde(rename = "yrs")]
        age: u32,
        #[serde(skip)]
        cache: u8,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Flattened {
        id: u32,
        #[serde(flatten)]
        rest: std::collections::HashMap<String, String>,
    }

    #[test]
    fn a_struct_lists_the_names_it_is_stored_under() {
        assert_eq!(serde_fields::<Renamed>(), Some(&["firstName", "yrs"][..]));
    }

    #[test]
    fn a_flattened_struct_or_a_non_struct_lists_nothing() {
        assert_eq!(serde_fields::<Flattened>(), None);
        assert_eq!(serde_fields::<String>(), None);
    }
}
