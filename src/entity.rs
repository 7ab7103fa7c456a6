//! [`Entity`]: a serde struct stored as items of one type in a single table, and
//! [`EntityKey`], its generated typed primary key.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::item::{self, Item};
use crate::key::{self, KeyError, KeyTemplate};
use crate::table::{IndexSchema, Table};
use crate::{EncodeError, Error, InvalidInputKind};

/// An entity type of a single-table design, declared with `#[derive(Entity)]`.
///
/// The derive reads the serde field names (`rename`, `rename_all`), checks every key
/// template against the struct's fields at compile time, and generates the typed key
/// (`<Name>Key`) and typed attribute handles (`<Name>::attrs()`).
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use dynamorm::{Entity, Table};
///
/// #[derive(Table)]
/// #[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
/// pub struct App;
///
/// #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
/// #[dynamo(table = App, pk = "USER#{id}", sk = "PROFILE")]
/// #[dynamo(index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
/// pub struct User {
///     pub id: String,
///     pub email: String,
///     pub name: String,
/// }
///
/// let user = User { id: "u1".into(), email: "a@b.c".into(), name: "Ann".into() };
/// let item = dynamorm::to_item(&user).unwrap();
/// assert_eq!(item["PK"].as_s().unwrap(), "USER#u1");
/// assert_eq!(item["GSI1PK"].as_s().unwrap(), "EMAIL#a@b.c");
/// assert_eq!(item["_type"].as_s().unwrap(), "User");
/// assert_eq!(dynamorm::from_item::<User>(item).unwrap(), user);
///
/// let key = UserKey { id: "u1".into() };
/// assert_eq!(user.key(), key);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dynamorm entity",
    note = "declare it with `#[derive(serde::Serialize, serde::Deserialize, dynamorm::Entity)]`"
)]
pub trait Entity: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The table the entity lives in.
    type Table: Table;
    /// The typed primary key, e.g. `TaskKey`.
    type Key: EntityKey<Entity = Self>;
    /// The entity's key templates and fields.
    const SCHEMA: EntitySchema;

    /// Appends the key encoding of the key field in `slot`; `false` when it is `None`.
    #[doc(hidden)]
    fn write_key_part(&self, slot: usize, out: &mut String) -> Result<bool, KeyError>;

    /// Appends the key encoding of the key field in `slot` from an attribute value (as an
    /// update sets it); `false` when it is absent or null.
    #[doc(hidden)]
    fn write_key_part_from(
        slot: usize,
        value: &AttributeValue,
        out: &mut String,
    ) -> Result<bool, Error>;

    /// The entity's primary key.
    fn key(&self) -> Self::Key;

    /// Whether the entity uses its `index`-th index layout by that layout's `when` (`true`
    /// for a layout without one).
    #[doc(hidden)]
    fn in_index(&self, index: usize) -> bool {
        let _ = index;
        true
    }

    /// Whether `value` decodes as the field stored as `attribute` (raw updates check the
    /// whole fields they set).
    #[doc(hidden)]
    fn check_field_value(attribute: &str, value: &AttributeValue) -> Result<(), Error> {
        let _ = (attribute, value);
        Ok(())
    }

    /// Sets every `#[dynamo(generated)]` field that is still unset to a new id.
    #[doc(hidden)]
    fn fill_generated(&mut self) {}

    /// The first `#[dynamo(generated)]` field that is still unset.
    #[doc(hidden)]
    fn unset_generated(&self) -> Option<&'static str> {
        None
    }

    /// As [`Entity::in_index`], from the value an update sets for the `when` field
    /// (`None`: removed).
    #[doc(hidden)]
    fn in_index_from(index: usize, value: Option<&AttributeValue>) -> Result<bool, Error> {
        let _ = (index, value);
        Ok(true)
    }

    /// The current time for the `created_at`/`updated_at` field stored as `attribute`.
    #[doc(hidden)]
    fn timestamp_now(attribute: &str) -> Result<AttributeValue, Error> {
        Err(Error::invalid_for(
            Self::SCHEMA.name,
            InvalidInputKind::NotSupported,
            format!("`{attribute}` is not a timestamp field"),
        ))
    }

    /// The expiry of the `ttl` field, in epoch seconds.
    #[doc(hidden)]
    fn ttl_seconds(&self) -> Option<i64> {
        None
    }

    /// The expiry of the `ttl` field from the attribute value an update sets.
    #[doc(hidden)]
    fn ttl_seconds_from(value: &AttributeValue) -> Result<Option<i64>, Error> {
        let _ = value;
        Ok(None)
    }

    /// Appends the key encoding of unique field `index`; `false` when it is `None`.
    #[doc(hidden)]
    fn write_unique(&self, index: usize, out: &mut String) -> Result<bool, KeyError> {
        let _ = (index, out);
        Ok(false)
    }

    /// As [`Entity::write_unique`], from the attribute value an update sets.
    #[doc(hidden)]
    fn write_unique_from(
        index: usize,
        value: &AttributeValue,
        out: &mut String,
    ) -> Result<bool, Error> {
        let _ = (index, value, out);
        Ok(false)
    }
}

/// The typed primary key of an entity, generated by `#[derive(Entity)]` as `<Name>Key`
/// with one public field per field of the primary-key templates.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the key of a dynamorm entity",
    note = "use the `<Entity>Key` struct that `#[derive(Entity)]` generates, or `entity.key()`"
)]
pub trait EntityKey: Send + Sync + Sized {
    /// The entity this key addresses.
    type Entity: Entity<Key = Self>;

    /// Appends the key encoding of the primary-key field in `slot`.
    #[doc(hidden)]
    fn write_key_part(&self, slot: usize, out: &mut String) -> Result<bool, KeyError>;

    /// Builds the key from the encoded parts of a stored key, by slot.
    #[doc(hidden)]
    fn from_parts(parts: &[Option<&str>]) -> Result<Self, KeyError>;

    /// Renders the key attributes (partition key, and sort key if the table has one).
    fn render(&self) -> Result<PrimaryKey, KeyError> {
        render_primary_key::<Self::Entity>(|slot, out| self.write_key_part(slot, out))
    }

    /// Parses stored key attribute values back into the typed key.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "ORG#{org}", sk = "USER#{id}")]
    /// # pub struct User { org: String, id: u32 }
    /// use dynamorm::EntityKey;
    /// let key = UserKey::parse("ORG#a%23b", Some("USER#0000000007")).unwrap();
    /// assert_eq!(key, UserKey { org: "a#b".into(), id: 7 });
    /// assert!(UserKey::parse("ORG#a", Some("USER#x")).is_err());
    /// ```
    fn parse(partition_key: &str, sort_key: Option<&str>) -> Result<Self, KeyError> {
        let schema = &Self::Entity::SCHEMA;
        let mut parts: Vec<Option<&str>> = vec![None; schema.key_fields.len()];
        schema.partition_key.split(partition_key, &mut parts)?;
        match (&schema.sort_key, sort_key) {
            (Some(t), Some(sk)) => t.split(sk, &mut parts)?,
            (None, None) => {}
            (Some(t), None) => {
                return Err(KeyError::Mismatch {
                    key: crate::Redacted::text(String::new()),
                    template: t.source(),
                });
            }
            (None, Some(sk)) => {
                return Err(KeyError::Mismatch {
                    key: crate::Redacted::text(sk.to_owned()),
                    template: "",
                });
            }
        }
        Self::from_parts(&parts)
    }
}

/// Renders `E`'s primary key from a writer of its key parts, by slot.
pub(crate) fn render_primary_key<E: Entity>(
    mut part: impl FnMut(usize, &mut String) -> Result<bool, KeyError>,
) -> Result<PrimaryKey, KeyError> {
    let schema = &E::SCHEMA;
    let pk = render_required(&schema.partition_key, &mut part)?;
    let sk = match &schema.sort_key {
        Some(t) => Some(render_required(t, &mut part)?),
        None => None,
    };
    PrimaryKey::checked(pk, sk)
}

fn render_required(
    template: &KeyTemplate,
    mut part: impl FnMut(usize, &mut String) -> Result<bool, KeyError>,
) -> Result<String, KeyError> {
    let mut missing = None;
    let rendered = template.render_with(|slot, out| {
        let present = part(slot, out)?;
        if !present {
            missing = Some(slot);
        }
        Ok(present)
    })?;
    rendered.ok_or_else(|| KeyError::MissingField {
        field: template
            .segments()
            .iter()
            .find_map(|s| match s {
                key::Segment::Part { field, slot, .. } if Some(*slot) == missing => Some(*field),
                _ => None,
            })
            .unwrap_or("?"),
    })
}

/// Rendered primary-key attribute values.
///
/// `Debug` shows each key's length, not its text (keys are built from field values, which
/// may be personal data); read the public fields to see them.
///
/// ```
/// use dynamorm::PrimaryKey;
///
/// let key = PrimaryKey { partition_key: "USER#ada".into(), sort_key: Some("PROFILE".into()) };
/// assert_eq!(
///     format!("{key:?}"),
///     "PrimaryKey { partition_key: <redacted, 8 bytes>, sort_key: Some(<redacted, 7 bytes>) }"
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PrimaryKey {
    /// The partition key value.
    pub partition_key: String,
    /// The sort key value, when the table has a sort key.
    pub sort_key: Option<String>,
}

impl std::fmt::Debug for PrimaryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrimaryKey")
            .field("partition_key", &crate::Redacted::text(&self.partition_key))
            .field(
                "sort_key",
                &self.sort_key.as_ref().map(crate::Redacted::text),
            )
            .finish()
    }
}

impl PrimaryKey {
    fn checked(partition_key: String, sort_key: Option<String>) -> Result<Self, KeyError> {
        key::check_len(
            "partition key",
            &partition_key,
            key::MAX_PARTITION_KEY_BYTES,
        )?;
        if let Some(sk) = &sort_key {
            key::check_len("sort key", sk, key::MAX_SORT_KEY_BYTES)?;
        }
        Ok(Self {
            partition_key,
            sort_key,
        })
    }

    /// The key as the attribute map DynamoDB expects for table `T`.
    pub fn to_item<T: Table>(&self) -> Item {
        self.clone().into_item::<T>()
    }

    /// [`to_item`](Self::to_item), taking the key.
    pub(crate) fn into_item<T: Table>(self) -> Item {
        let mut item = Item::with_capacity(2);
        item.insert(
            T::SCHEMA.partition_key().to_owned(),
            AttributeValue::S(self.partition_key),
        );
        if let (Some(attr), Some(sk)) = (T::SCHEMA.sort_key(), self.sort_key) {
            item.insert(attr.to_owned(), AttributeValue::S(sk));
        }
        item
    }
}

/// The key templates and fields of an [`Entity`], written by the derive.
#[derive(Debug, Clone, Copy)]
pub struct EntitySchema {
    /// The discriminator value stored on every item, e.g. `Task`.
    pub name: &'static str,
    /// The partition-key template.
    pub partition_key: KeyTemplate,
    /// The sort-key template, when the table has a sort key.
    pub sort_key: Option<KeyTemplate>,
    /// The entity's index templates.
    pub indexes: &'static [EntityIndex],
    /// The fields used by key templates, by slot; primary-key fields come first.
    pub key_fields: &'static [KeyField],
    /// How many of `key_fields` belong to the primary key.
    pub primary_key_fields: usize,
    /// Every attribute the entity's fields are stored under.
    pub attributes: &'static [&'static str],
    /// The `#[dynamo(version)]` attribute.
    pub version: Option<&'static str>,
    /// The largest version the version field's type can hold (`u64::MAX` without one).
    pub version_max: u64,
    /// The `#[dynamo(created_at)]` attribute.
    pub created_at: Option<&'static str>,
    /// The `#[dynamo(updated_at)]` attribute.
    pub updated_at: Option<&'static str>,
    /// The `#[dynamo(ttl)]` field's attribute.
    pub ttl: Option<&'static str>,
    /// The `#[dynamo(unique)]` fields.
    pub unique: &'static [crate::UniqueField],
    /// The multi-attribute indexes the entity's fields feed.
    pub multi_indexes: &'static [&'static IndexSchema],
    /// The attributes of `Option` fields that feed a multi-attribute index (an item whose
    /// field is `None` is not in that index).
    pub multi_sparse: &'static [&'static str],
    /// Entity types (by name) this one is meant to share key space with
    /// (`#[dynamo(shares_keys_with(Organization))]`): the report does not warn about them.
    pub shares_keys_with: &'static [&'static str],
    /// Whether some index has several layouts in `indexes` (so encoding must pick the first
    /// that applies; without, every layout is its index's only one).
    pub layered: bool,
}

impl EntitySchema {
    /// Whether `self` or `other` declares that the two share key space.
    pub fn declares_sharing_with(&self, other: &EntitySchema) -> bool {
        self.shares_keys_with.contains(&other.name) || other.shares_keys_with.contains(&self.name)
    }
}

/// A field read by a key template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyField {
    /// The Rust field name.
    pub field: &'static str,
    /// The attribute it is stored under (after serde renaming).
    pub attribute: &'static str,
    /// Whether the field is an `Option` (which makes an index sparse).
    pub optional: bool,
}

/// An entity's key templates on one global secondary index.
#[derive(Debug, Clone, Copy)]
pub struct EntityIndex {
    /// The index.
    pub index: &'static IndexSchema,
    /// The template of the index's partition key.
    pub partition_key: KeyTemplate,
    /// The template of the index's sort key, when the index has one.
    pub sort_key: Option<KeyTemplate>,
    /// Which items use this layout (`when = unread`, `when = !is_fork`,
    /// `when = matches!(kind, Kind::Fork)`). An entity can give one index several layouts:
    /// each item uses the first whose `when` holds (one without `when` takes the rest), and
    /// is not in the index when none does.
    pub when: Option<When>,
}

/// The condition under which an item uses one layout of an index: `when = ..` in
/// `#[dynamo(index(..))]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    /// The attribute of the field the condition reads.
    pub attribute: &'static str,
    /// The condition as declared (`unread`, `!is_fork`, `matches!(kind, Kind::Fork)`).
    pub source: &'static str,
}

impl EntityIndex {
    /// The index's partition and sort key attributes. The derive only builds an
    /// `EntityIndex` for a template index (it takes an [`Index`](crate::Index), never a
    /// [`MultiIndex`](crate::MultiIndex), for templates); a hand-built one naming a
    /// multi-attribute index is an error here, not a write to a made-up attribute.
    pub fn key_attributes(&self) -> Result<(&'static str, Option<&'static str>), Error> {
        self.index.template_keys().ok_or_else(|| {
            Error::invalid(
                InvalidInputKind::WrongIndexKind,
                format!(
                    "index `{}` is a multi-attribute index: it takes no key templates",
                    self.index.name()
                ),
            )
        })
    }
}

impl EntitySchema {
    /// The slot of the key field stored as `attribute`, if any.
    pub fn key_slot(&self, attribute: &str) -> Option<usize> {
        self.key_fields
            .iter()
            .position(|f| f.attribute == attribute)
    }
}

/// Encodes an entity as a DynamoDB item: its serde fields, its rendered key attributes
/// (primary and index keys; an index whose template has a `None` field is left out, which
/// keeps the index sparse) and its discriminator. Fails, before anything is sent, when a
/// key cannot be rendered or the item exceeds 400 KB.
///
/// A `#[dynamo(updated_at)]` field is stored as the time of this call, and an index template
/// that reads it is rendered from that same time.
pub fn to_item<E: Entity>(entity: &E) -> Result<Item, Error> {
    encode_item(entity, true)
}

/// The item as stored, with the lifecycle values the entity carries (`updated_at` as read,
/// not now): what a migration compares a stored item with.
#[doc(hidden)]
pub fn to_stored_item<E: Entity>(entity: &E) -> Result<Item, Error> {
    encode_item(entity, false)
}

fn encode_item<E: Entity>(entity: &E, stamp: bool) -> Result<Item, Error> {
    // An unset generated id would store one shared placeholder as every item's key.
    if let Some(field) = entity.unset_generated() {
        return Err(Error::invalid_for(
            E::SCHEMA.name,
            InvalidInputKind::UnsetGeneratedId,
            format!(
                "`{}.{field}` is a generated id that is still unset: write it with `db.insert(..)`, \
             which makes one, or set it (`TimeId::new()`)",
                E::SCHEMA.name
            ),
        ));
    }
    // Room for the primary key (2), every index key (2 each), the discriminator, the ttl and
    // `updated_at`: the map is allocated once at its final size.
    let reserve = 5 + 2 * E::SCHEMA.indexes.len();
    let mut item = crate::encode::to_item(entity, reserve)
        .map_err(|e| Error::Encode(Box::new(EncodeError::new("an item", e).of(E::SCHEMA.name))))?;
    let table = &<E::Table as Table>::SCHEMA;
    let schema = &E::SCHEMA;
    // The `updated_at` this write stores, and its key encoding when an index template
    // reads it: the index key and the attribute always hold the same time.
    let now = match (stamp, schema.updated_at) {
        (true, Some(attribute)) => Some((attribute, E::timestamp_now(attribute)?)),
        _ => None,
    };
    let now_part = match &now {
        Some((attribute, value)) => match schema.key_slot(attribute) {
            Some(slot) => {
                let mut encoded = String::new();
                E::write_key_part_from(slot, value, &mut encoded)?;
                Some((slot, encoded))
            }
            None => None,
        },
        None => None,
    };
    let write = |slot: usize, out: &mut String| match &now_part {
        Some((now_slot, encoded)) if *now_slot == slot => {
            out.push_str(encoded);
            Ok(true)
        }
        _ => entity.write_key_part(slot, out),
    };
    let pk = render_required(&schema.partition_key, write)?;
    let sk = match &schema.sort_key {
        Some(t) => Some(render_required(t, write)?),
        None => None,
    };
    let key = PrimaryKey::checked(pk, sk)?;
    use AttributeValue as V;
    item.insert(table.partition_key().to_owned(), V::S(key.partition_key));
    if let (Some(attr), Some(sk)) = (table.sort_key(), key.sort_key) {
        item.insert(attr.to_owned(), V::S(sk));
    }
    for (i, index) in schema.indexes.iter().enumerate() {
        // Each item uses the first layout of an index whose `when` holds; with none, it gets
        // no keys, so it is not in the index (sparse).
        if !entity.in_index(i)
            || (schema.layered && first_layout(schema.indexes, i, |j| entity.in_index(j)) != i)
        {
            continue;
        }
        if let Some((pk, sk)) = render_index(index, write)? {
            let (pk_attr, sk_attr) = index.key_attributes()?;
            item.insert(pk_attr.to_owned(), V::S(pk));
            if let (Some(attr), Some(sk)) = (sk_attr, sk) {
                item.insert(attr.to_owned(), V::S(sk));
            }
        }
    }
    if !schema.multi_indexes.is_empty() {
        crate::multi::check_item(table, &mut item)?;
    }
    item.insert(
        table.discriminator().to_owned(),
        V::S(schema.name.to_owned()),
    );
    if let (Some(attribute), Some(seconds)) = (table.ttl(), entity.ttl_seconds()) {
        item.insert(attribute.to_owned(), V::N(seconds.to_string()));
    }
    if let Some((attribute, value)) = now {
        item.insert(attribute.to_owned(), value);
    }
    item::check_size(schema.name, &item)?;
    Ok(item)
}

/// The layout of `layouts[i]`'s index an item uses: the first whose `when` holds by
/// `applies` (`i` itself when none before it does). No allocation: encoding is hot.
pub(crate) fn first_layout(
    layouts: &[EntityIndex],
    i: usize,
    mut applies: impl FnMut(usize) -> bool,
) -> usize {
    let name = layouts[i].index.name();
    (0..i)
        .find(|&j| layouts[j].index.name() == name && applies(j))
        .unwrap_or(i)
}

/// Renders an index's key values; `None` when a template field is absent (sparse).
pub(crate) fn render_index<F>(
    index: &EntityIndex,
    mut part: F,
) -> Result<Option<(String, Option<String>)>, Error>
where
    F: FnMut(usize, &mut String) -> Result<bool, KeyError>,
{
    let Some(pk) = index.partition_key.render_with(&mut part)? else {
        return Ok(None);
    };
    key::check_len(index.key_attributes()?.0, &pk, key::MAX_PARTITION_KEY_BYTES)?;
    let sk = match &index.sort_key {
        Some(t) => match t.render_with(&mut part)? {
            Some(sk) => {
                key::check_len("index sort key", &sk, key::MAX_SORT_KEY_BYTES)?;
                Some(sk)
            }
            None => return Ok(None),
        },
        None => None,
    };
    Ok(Some((pk, sk)))
}

/// Decodes an item into entity `E`, checking that its discriminator names `E`.
pub fn from_item<E: Entity>(item: Item) -> Result<E, Error> {
    decode(item)
}

pub(crate) fn decode<E: Entity>(item: Item) -> Result<E, Error> {
    let attribute = <E::Table as Table>::SCHEMA.discriminator();
    match item.get(attribute) {
        Some(AttributeValue::S(found)) if found == E::SCHEMA.name => {}
        Some(AttributeValue::S(found)) => {
            return Err(Error::WrongEntity {
                expected: E::SCHEMA.name,
                found: found.clone(),
            });
        }
        _ => return Err(Error::MissingDiscriminator { attribute }),
    }
    decode_unchecked(E::SCHEMA.name, item)
}

/// Decodes without looking at the discriminator (the registry already did).
#[doc(hidden)]
pub fn decode_unchecked<E: DeserializeOwned>(entity: &'static str, item: Item) -> Result<E, Error> {
    crate::decode::from_item(item).map_err(|e| Error::Decode(Box::new(e.of(entity))))
}

/// The primary key of an item of table `T`.
pub(crate) fn key_of<T: Table>(item: &Item) -> Result<PrimaryKey, Error> {
    key_from(item, &T::SCHEMA).ok_or_else(|| {
        Error::invalid(
            InvalidInputKind::MissingKeyAttributes,
            "an item lacks its table's key attributes",
        )
    })
}

/// The primary key of an item, if it has string key attributes.
pub(crate) fn key_from(item: &Item, table: &crate::TableSchema) -> Option<PrimaryKey> {
    let s = |attr: &str| match item.get(attr) {
        Some(AttributeValue::S(s)) => Some(s.clone()),
        _ => None,
    };
    Some(PrimaryKey {
        partition_key: s(table.partition_key())?,
        sort_key: match table.sort_key() {
            Some(attr) => Some(s(attr)?),
            None => None,
        },
    })
}
