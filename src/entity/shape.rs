//! Shape versions: which shape of its entity type an item is stored in (`_shape`, absent
//! meaning 1), and whether this binary can read it — the current shape, an earlier one it
//! declares an upgrade path from, or neither (a typed [`Error::Shape`], never a misread).

use aws_sdk_dynamodb::types::AttributeValue;

use super::schema::EntitySchema;
use crate::Error;
use crate::item::Item;

pub use crate::table::SHAPE_ATTRIBUTE;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One step of an entity's shape history: a value of an earlier shape becomes the next
/// shape. Implemented for every `T` whose next shape implements `From<T>` — or `TryFrom<T>`
/// when the step can fail (its error becomes an [`Error::Upgrade`]).
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// #[derive(Deserialize)]
/// pub struct PriceV1 { id: u32, amount: String }
///
/// #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
/// #[dynamo(table = App, pk = "PRICE#{id}", sk = "PRICE", shape = 2, shapes(1 = PriceV1))]
/// pub struct Price { id: u32, cents: u64 }
///
/// impl TryFrom<PriceV1> for Price {
///     type Error = std::num::ParseIntError;
///     fn try_from(v1: PriceV1) -> Result<Self, Self::Error> {
///         Ok(Price { id: v1.id, cents: v1.amount.parse()? })
///     }
/// }
///
/// use dynamorm::UpgradeTo;
/// let ok: Result<Price, _> = PriceV1 { id: 1, amount: "250".into() }.upgrade();
/// assert_eq!(ok.unwrap().cents, 250);
/// assert!(UpgradeTo::<Price>::upgrade(PriceV1 { id: 1, amount: "2.50".into() }).is_err());
/// ```
#[diagnostic::on_unimplemented(
    message = "shape `{Self}` has no upgrade step to `{Next}`",
    label = "no upgrade step from this shape to the next",
    note = "implement `From<{Self}> for {Next}`, or `TryFrom` when the step can fail"
)]
pub trait UpgradeTo<Next>: Sized {
    /// The value in the next shape.
    fn upgrade(self) -> Result<Next, BoxError>;
}

impl<T, Next> UpgradeTo<Next> for T
where
    Next: TryFrom<T>,
    <Next as TryFrom<T>>::Error: Into<BoxError>,
{
    fn upgrade(self) -> Result<Next, BoxError> {
        Next::try_from(self).map_err(Into::into)
    }
}

/// How `item` relates to `schema`'s current shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stored {
    /// The current shape: serde decodes it as the entity.
    Current,
    /// An earlier shape the entity declares an upgrade path from.
    Earlier(u32),
}

/// The shape version `item` is stored in: 1 without the attribute, 0 when the attribute is
/// not a number a binary could have written.
pub(crate) fn stored_shape(item: &Item) -> u32 {
    shape_in(item.get(SHAPE_ATTRIBUTE))
}

/// The shape version a `_shape` value says (`None`: the attribute is absent, shape 1).
pub(crate) fn shape_in(value: Option<&AttributeValue>) -> u32 {
    match value {
        None => 1,
        Some(AttributeValue::N(n)) => n.parse().unwrap_or(0),
        Some(_) => 0,
    }
}

/// Whether this binary can read `item` as `schema`'s entity: its current shape, or an
/// earlier one it declares. A newer shape (written by a newer binary), one whose struct was
/// retired, or a malformed `_shape` is an [`Error::Shape`].
pub(crate) fn check(schema: &EntitySchema, item: &Item) -> Result<Stored, Error> {
    check_stored(schema, stored_shape(item))
}

/// [`check`] of a stored shape version.
pub(crate) fn check_stored(schema: &EntitySchema, stored: u32) -> Result<Stored, Error> {
    if stored == schema.shape {
        Ok(Stored::Current)
    } else if stored >= schema.oldest_shape && stored < schema.shape {
        Ok(Stored::Earlier(stored))
    } else {
        Err(mismatch(schema, stored))
    }
}

/// Refuses an item of any shape but the current one: what reads only part of an item (a
/// projection) cannot upgrade it.
pub(crate) fn require_current(schema: &EntitySchema, item: &Item) -> Result<(), Error> {
    match check(schema, item)? {
        Stored::Current => Ok(()),
        Stored::Earlier(stored) => Err(mismatch(schema, stored)),
    }
}

/// The error for an item of `schema`'s type stored in shape `stored`.
pub(crate) fn mismatch(schema: &EntitySchema, stored: u32) -> Error {
    Error::Shape {
        entity: schema.name,
        stored,
        current: schema.shape,
    }
}

/// Adds the shape attribute to an item being written (nothing for shape 1).
pub(crate) fn stamp(schema: &EntitySchema, item: &mut Item) {
    if schema.shape > 1 {
        item.insert(
            SHAPE_ATTRIBUTE.to_owned(),
            AttributeValue::N(itoa::Buffer::new().format(schema.shape).to_owned()),
        );
    }
}

/// Whether `item` is stored in an earlier shape that `schema`'s entity upgrades from (what
/// repair, an update's upgrade-first and `migrate` rewrite).
pub(crate) fn is_earlier(schema: &EntitySchema, item: &Item) -> bool {
    schema.reshape.is_some() && stored_shape(item) < schema.shape
}

/// The upgraded item an item of an earlier shape should be stored as (`None`: it is current
/// or this entity declares no earlier shapes) — what read repair and `migrate` write.
pub(crate) fn upgraded(schema: &EntitySchema, item: &Item) -> Option<Result<Item, Error>> {
    let reshape = schema.reshape?;
    match check(schema, item) {
        Ok(Stored::Current) => None,
        Ok(Stored::Earlier(_)) => Some(reshape(item.clone())),
        Err(e) => Some(Err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_attribute_is_shape_one_and_garbage_is_zero() {
        let mut item = Item::new();
        assert_eq!(stored_shape(&item), 1);
        item.insert(SHAPE_ATTRIBUTE.into(), AttributeValue::N("3".into()));
        assert_eq!(stored_shape(&item), 3);
        item.insert(SHAPE_ATTRIBUTE.into(), AttributeValue::N("-1".into()));
        assert_eq!(stored_shape(&item), 0);
        item.insert(SHAPE_ATTRIBUTE.into(), AttributeValue::S("3".into()));
        assert_eq!(stored_shape(&item), 0);
    }
}
