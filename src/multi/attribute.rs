//! [`KeyAttribute`]: the field types that can be key attributes of a multi-attribute index.

use crate::table::ScalarType;

/// A field type that can be a key attribute of a multi-attribute index: DynamoDB's string
/// (S), number (N) or binary (B), as the field serializes.
///
/// Implemented for `String`, `Box<str>`, the integer and float types, and `Option` of any of
/// them (an item whose field is `None` is not in the index). For your own type (say a unit
/// enum serialized as a string), say which type it serializes as; a value of another type
/// is then a typed error before sending:
///
/// ```
/// #[derive(serde::Serialize, serde::Deserialize)]
/// #[serde(rename_all = "lowercase")]
/// pub enum Region { Eu, Us }
///
/// impl dynamorm::KeyAttribute for Region {
///     const SCALAR: dynamorm::ScalarType = dynamorm::ScalarType::S;
///     type Value = Region;
/// }
/// ```
///
/// `chrono::DateTime` is deliberately not one: its serde form has a variable number of
/// fractional digits, so it does not sort as time does; store epoch seconds (an integer)
/// or use a template index, whose key encoding sorts.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a key attribute of a multi-attribute index",
    note = "key attributes are strings (S), numbers (N) or binary (B): `String`, integers, floats, \
            an `Option` of one (sparse), or a type of yours implementing `dynamorm::KeyAttribute`"
)]
pub trait KeyAttribute {
    /// The DynamoDB type the field serializes as.
    const SCALAR: ScalarType;
    /// The type a query gives for this attribute (the field type without `Option`).
    type Value: serde::Serialize;
}

macro_rules! key_attribute {
    ($scalar:ident: $($ty:ty),*) => {$(
        impl KeyAttribute for $ty {
            const SCALAR: ScalarType = ScalarType::$scalar;
            type Value = $ty;
        }
    )*};
}

key_attribute!(S: String, Box<str>);
key_attribute!(N: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

impl<T: KeyAttribute> KeyAttribute for Option<T> {
    const SCALAR: ScalarType = T::SCALAR;
    type Value = T::Value;
}
