//! [`Registry`]: every entity type of a table, and the routing of a raw item to its type by
//! the discriminator attribute.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Error;
use crate::entity::{Entity, EntitySchema};
use crate::item::Item;
use crate::table::Table;

/// The entity types of one table, declared with `#[derive(Registry)]` on an enum with one
/// single-field variant per entity type.
///
/// The derive also generates `<Name>Kind`, a field-less enum of the entity types (with
/// strum's `Display`, `EnumString`, `IntoStaticStr` and `EnumIter`). An item whose
/// discriminator names no variant is an [`Error::UnknownDiscriminator`], unless the enum has
/// a variant marked `#[dynamo(other)]` holding an [`Item`], which then keeps it raw.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use dynamorm::{Entity, Registry, Table};
///
/// #[derive(Table)]
/// #[dynamo(name = "app")]
/// pub struct App;
///
/// #[derive(Debug, Serialize, Deserialize, Entity)]
/// #[dynamo(table = App, pk = "USER#{id}", sk = "USER")]
/// pub struct User { id: String }
///
/// #[derive(Debug, Serialize, Deserialize, Entity)]
/// #[dynamo(table = App, pk = "USER#{user}", sk = "ORDER#{id}")]
/// pub struct Order { user: String, id: u64 }
///
/// #[derive(Debug, Registry)]
/// #[dynamo(table = App)]
/// pub enum AppItem { User(User), Order(Order) }
///
/// let item = dynamorm::to_item(&Order { user: "u1".into(), id: 7 }).unwrap();
/// match AppItem::from_item(item).unwrap() {
///     AppItem::Order(order) => assert_eq!(order.id, 7),
///     other => panic!("routed to {other:?}"),
/// }
/// assert_eq!(AppItemKind::User.to_string(), "User");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dynamorm registry",
    note = "declare it with `#[derive(dynamorm::Registry)]` on an enum of the table's entities"
)]
pub trait Registry: Sized + Send + 'static {
    /// The table whose entity types this registry lists.
    type Table: Table;

    /// The schemas of the registered entity types.
    const ENTITIES: &'static [EntitySchema];

    /// Whether the registry keeps items of types it does not know (an `#[dynamo(other)]`
    /// variant): the table then holds more than `ENTITIES`.
    #[doc(hidden)]
    const OPEN: bool = false;

    /// Decodes an item whose discriminator is `discriminator` (the derive writes this).
    #[doc(hidden)]
    fn decode_as(discriminator: &str, item: Item) -> Result<Self, Error>;

    /// Routes a raw item to its entity type by the discriminator attribute and decodes it.
    fn from_item(item: Item) -> Result<Self, Error> {
        let attribute = Self::Table::SCHEMA.discriminator();
        let discriminator = match item.get(attribute) {
            Some(AttributeValue::S(s)) => s.clone(),
            _ => return Err(Error::MissingDiscriminator { attribute }),
        };
        Self::decode_as(&discriminator, item)
    }

    /// The discriminator of this value's entity type (`None` for a raw, unknown item).
    fn discriminator(&self) -> Option<&'static str>;

    /// Encodes the value as an item with the entity's *current* key templates and the
    /// lifecycle values it carries (`updated_at` as read, not now — what a migration
    /// compares a stored item with); a raw item kept by an `other` variant is returned as
    /// it is.
    fn to_stored_item(&self) -> Result<Item, Error>;

    /// The sentinel keys of this value's unique fields (the doctor checks they exist).
    #[doc(hidden)]
    fn unique_sentinels(&self) -> Result<Vec<(&'static str, crate::PrimaryKey)>, Error> {
        Ok(Vec::new())
    }

    /// Hands this value's entity, typed, to `visitor` (the derive writes this; a raw item
    /// of an unknown type goes to `unknown`). How code elsewhere — `write_stream`'s
    /// `put_any` — acts on any entity type of a registry without the registry knowing it.
    #[doc(hidden)]
    fn visit<V: EntityVisitor<Self::Table>>(&self, visitor: V) -> V::Output {
        visitor.unknown()
    }

    /// The schema of the entity type named `discriminator`.
    fn entity(discriminator: &str) -> Option<&'static EntitySchema> {
        Self::ENTITIES.iter().find(|e| e.name == discriminator)
    }
}

/// The error for writing a raw item of an unknown entity type (a registry's `other`
/// variant) by type: there is no type to write it as.
pub(crate) fn unknown_type() -> Error {
    Error::invalid(
        crate::InvalidInputKind::NotSupported,
        "a raw item of an unknown entity type cannot be written by type",
    )
}

/// Something done with a registry value's entity, whatever its type: see
/// [`Registry::visit`].
#[doc(hidden)]
pub trait EntityVisitor<T: Table> {
    /// What the visit returns.
    type Output;
    /// The value is an entity of type `E`.
    fn entity<E: Entity<Table = T>>(self, entity: &E) -> Self::Output;
    /// The value is a raw item of a type the registry does not know.
    fn unknown(self) -> Self::Output;
}
