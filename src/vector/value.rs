//! [`Vector<N>`]: an embedding of `N` 32-bit floats, stored exactly.

use serde::de::{Error as _, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An embedding of `N` `f32`s: the field type of a vector index's attribute.
///
/// Stored as a list of numbers (DynamoDB's `L` of `N`), each written as the shortest
/// decimal that reads back as the same `f32`, so a vector read back equals the vector
/// written, bit for bit, and stores no more digits than it needs. `N` is checked against
/// the index's declared dimensions when the entity compiles; NaN and infinities are not
/// numbers DynamoDB stores, and every write refuses them before sending.
///
/// ```
/// use dynamorm::vector::Vector;
/// let v = Vector::new([0.1, -2.5, 3.0e-3]);
/// assert_eq!(v.as_slice(), &[0.1, -2.5, 3.0e-3]);
/// let from_model: Vec<f32> = vec![1.0, 2.0, 3.0];
/// let v: Vector<3> = Vector::try_from(from_model.as_slice()).unwrap();
/// assert_eq!(v[2], 3.0);
/// assert!(Vector::<4>::try_from(from_model.as_slice()).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vector<const N: usize>([f32; N]);

impl<const N: usize> Vector<N> {
    /// The vector of these values.
    pub const fn new(values: [f32; N]) -> Self {
        Self(values)
    }

    /// The values.
    pub const fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// The values, by value.
    pub const fn into_inner(self) -> [f32; N] {
        self.0
    }
}

impl<const N: usize> From<[f32; N]> for Vector<N> {
    fn from(values: [f32; N]) -> Self {
        Self(values)
    }
}

/// A slice of another length than the vector's (the length it had).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongDimensions(pub usize);

impl std::fmt::Display for WrongDimensions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a vector of {} values has other dimensions", self.0)
    }
}

impl std::error::Error for WrongDimensions {}

impl<const N: usize> TryFrom<&[f32]> for Vector<N> {
    type Error = WrongDimensions;

    fn try_from(values: &[f32]) -> Result<Self, Self::Error> {
        <[f32; N]>::try_from(values)
            .map(Self)
            .map_err(|_| WrongDimensions(values.len()))
    }
}

impl<const N: usize> std::ops::Deref for Vector<N> {
    type Target = [f32; N];

    fn deref(&self) -> &[f32; N] {
        &self.0
    }
}

impl<const N: usize> AsRef<[f32]> for Vector<N> {
    fn as_ref(&self) -> &[f32] {
        &self.0
    }
}

impl<const N: usize> Serialize for Vector<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Each element as an `f32`: its shortest decimal, which reads back exactly.
        let mut seq = serializer.serialize_seq(Some(N))?;
        for value in &self.0 {
            seq.serialize_element(value)?;
        }
        seq.end()
    }
}

impl<'de, const N: usize> Deserialize<'de> for Vector<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Values<const N: usize>;

        impl<'de, const N: usize> Visitor<'de> for Values<N> {
            type Value = Vector<N>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "a list of {N} numbers")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vector<N>, A::Error> {
                let mut values = [0.0; N];
                for (i, slot) in values.iter_mut().enumerate() {
                    *slot = seq
                        .next_element()?
                        .ok_or_else(|| A::Error::invalid_length(i, &self))?;
                }
                if seq.next_element::<f32>()?.is_some() {
                    return Err(A::Error::invalid_length(N + 1, &self));
                }
                Ok(Vector(values))
            }
        }

        deserializer.deserialize_seq(Values::<N>)
    }
}

/// A field type that can hold a vector index's vectors: [`Vector<N>`], or an `Option` of
/// one (an item whose field is `None` is not in the index).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold the vectors of a vector index",
    note = "use `dynamorm::vector::Vector<N>` (or `Option<Vector<N>>`), with `N` the index's dimensions"
)]
pub trait VectorField {
    /// The number of values.
    const DIMENSIONS: usize;
}

impl<const N: usize> VectorField for Vector<N> {
    const DIMENSIONS: usize = N;
}

impl<const N: usize> VectorField for Option<Vector<N>> {
    const DIMENSIONS: usize = N;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip_exactly_through_an_item() {
        let values = [
            0.1,
            f32::MIN_POSITIVE / 3.0,
            -0.0,
            1.0e-7,
            f32::MAX,
            -f32::MAX,
            3.0,
        ];
        let v = Vector::new(values);
        let item: serde_dynamo::Item = serde_dynamo::to_item(Wrap { v }).expect("encodes");
        let back: Wrap = serde_dynamo::from_item(item).expect("decodes");
        for (a, b) in values.iter().zip(back.v.as_slice()) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
    }

    #[test]
    fn a_list_of_other_length_does_not_decode() {
        let item: serde_dynamo::Item =
            serde_dynamo::to_item(Wrap2 { v: vec![1.0, 2.0] }).expect("encodes");
        assert!(serde_dynamo::from_item::<_, Wrap>(item).is_err());
    }

    #[derive(Serialize, Deserialize)]
    struct Wrap {
        v: Vector<7>,
    }

    #[derive(Serialize)]
    struct Wrap2 {
        v: Vec<f32>,
    }
}
