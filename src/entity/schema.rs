//! [`EntitySchema`]: an entity type's key templates and fields as `const` data, written by
//! `#[derive(Entity)]`.

use crate::key::KeyTemplate;
use crate::table::IndexSchema;
use crate::{Error, InvalidInputKind};

/// The key templates and fields of an [`Entity`](crate::Entity), written by the derive.
#[derive(Debug, Clone, Copy)]
pub struct EntitySchema {
    /// The discriminator value stored on every item, e.g. `Task`.
    #[doc(hidden)]
    pub name: &'static str,
    /// The partition-key template.
    #[doc(hidden)]
    pub partition_key: KeyTemplate,
    /// The sort-key template, when the table has a sort key.
    #[doc(hidden)]
    pub sort_key: Option<KeyTemplate>,
    /// The entity's index templates.
    #[doc(hidden)]
    pub indexes: &'static [EntityIndex],
    /// The fields used by key templates, by slot; primary-key fields come first.
    #[doc(hidden)]
    pub key_fields: &'static [KeyField],
    /// How many of `key_fields` belong to the primary key.
    #[doc(hidden)]
    pub primary_key_fields: usize,
    /// Every attribute the entity's fields are stored under.
    #[doc(hidden)]
    pub attributes: &'static [&'static str],
    /// The `#[dynamo(version)]` attribute.
    #[doc(hidden)]
    pub version: Option<&'static str>,
    /// The largest version the version field's type can hold (`u64::MAX` without one).
    #[doc(hidden)]
    pub version_max: u64,
    /// The `#[dynamo(created_at)]` attribute.
    #[doc(hidden)]
    pub created_at: Option<&'static str>,
    /// The `#[dynamo(updated_at)]` attribute.
    #[doc(hidden)]
    pub updated_at: Option<&'static str>,
    /// The `#[dynamo(ttl)]` field's attribute.
    #[doc(hidden)]
    pub ttl: Option<&'static str>,
    /// The `#[dynamo(unique)]` fields.
    #[doc(hidden)]
    pub unique: &'static [crate::UniqueField],
    /// The multi-attribute indexes the entity's fields feed.
    #[doc(hidden)]
    pub multi_indexes: &'static [&'static IndexSchema],
    /// The attributes of `Option` fields that feed a multi-attribute index (an item whose
    /// field is `None` is not in that index).
    #[doc(hidden)]
    pub multi_sparse: &'static [&'static str],
    /// Entity types (by name) this one is meant to share key space with
    /// (`#[dynamo(shares_keys_with(Organization))]`): the report does not warn about them.
    #[doc(hidden)]
    pub shares_keys_with: &'static [&'static str],
    /// Whether some index has several layouts in `indexes` (so encoding must pick the first
    /// that applies; without, every layout is its index's only one).
    #[doc(hidden)]
    pub layered: bool,
    /// The current shape version (`#[dynamo(shape = N)]`; 1 without).
    #[doc(hidden)]
    pub shape: u32,
    /// The oldest shape the entity still reads (its earliest `shapes(..)` entry; `shape`
    /// without earlier shapes).
    #[doc(hidden)]
    pub oldest_shape: u32,
    /// Re-encodes an item of an earlier shape as the current shape: decoded, upgraded and
    /// encoded as stored (`None` without earlier shapes).
    #[doc(hidden)]
    pub reshape: Option<fn(crate::item::Item) -> Result<crate::item::Item, Error>>,
    /// The attributes of each earlier shape's struct, oldest first, as serde names them
    /// (`None` for one serde cannot list: a `flatten`ed struct). Reads that ask for the
    /// entity's attributes by name (vector searches) ask for these too, so an item of an
    /// earlier shape comes back whole enough to upgrade.
    #[doc(hidden)]
    pub earlier_attributes: &'static [fn() -> Option<&'static [&'static str]>],
}

impl EntitySchema {
    /// The entity type's name: the discriminator value stored on its items.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The partition-key template.
    pub const fn partition_key(&self) -> &KeyTemplate {
        &self.partition_key
    }

    /// The sort-key template, when the table has a sort key.
    pub const fn sort_key(&self) -> Option<&KeyTemplate> {
        self.sort_key.as_ref()
    }

    /// Every attribute the entity's fields are stored under.
    pub const fn attributes(&self) -> &'static [&'static str] {
        self.attributes
    }

    /// The shape version this binary writes (`#[dynamo(shape = N)]`; 1 without).
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// #[derive(Deserialize)]
    /// pub struct NoteV1 { id: u32, text: String }
    ///
    /// #[derive(Serialize, Deserialize, dynamorm::Entity)]
    /// #[dynamo(table = App, pk = "NOTE#{id}", sk = "NOTE", shape = 2, shapes(1 = NoteV1))]
    /// pub struct Note { id: u32, body: String }
    ///
    /// impl From<NoteV1> for Note {
    ///     fn from(v1: NoteV1) -> Self { Note { id: v1.id, body: v1.text } }
    /// }
    ///
    /// use dynamorm::Entity;
    /// assert_eq!(Note::SCHEMA.shape(), 2);
    /// assert_eq!(Note::SCHEMA.oldest_shape(), 1);
    /// ```
    pub const fn shape(&self) -> u32 {
        self.shape
    }

    /// The oldest shape version this binary still reads: the earliest declared in
    /// `shapes(..)`, or [`shape`](Self::shape) when none is.
    pub const fn oldest_shape(&self) -> u32 {
        self.oldest_shape
    }

    /// Whether `self` or `other` declares that the two share key space.
    #[doc(hidden)]
    pub fn declares_sharing_with(&self, other: &EntitySchema) -> bool {
        self.shares_keys_with.contains(&other.name) || other.shares_keys_with.contains(&self.name)
    }
}

/// A field read by a key template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
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
#[doc(hidden)]
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
#[doc(hidden)]
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
    #[doc(hidden)]
    pub fn key_slot(&self, attribute: &str) -> Option<usize> {
        self.key_fields
            .iter()
            .position(|f| f.attribute == attribute)
    }
}
