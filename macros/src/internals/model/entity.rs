//! The model of `#[derive(Entity)]`: the struct's fields, its key templates resolved to
//! slots, its index layouts and its lifecycle fields.

use syn::{Data, DeriveInput, Fields, Generics, Ident, LitStr, Path, Visibility};

use crate::internals::attr::container::{self, ContainerAttrs, ContainerKey};
use crate::internals::attr::serde_names;
use crate::internals::ctxt::Ctxt;
use crate::internals::model::field::{self, Field};
use crate::internals::model::index::{Index, Layout, MultiFields, TemplateLayout};
use crate::internals::model::key::{Resolver, Role, Slot, Template};
use crate::internals::model::lifecycle::Lifecycle;
use crate::internals::model::shape::{Earlier, Shapes};
use crate::internals::model::vector::{self, VectorFeed};

/// The keys `#[derive(Entity)]` reads.
const KEYS: &[ContainerKey] = &[
    ContainerKey::Table,
    ContainerKey::Name,
    ContainerKey::Pk,
    ContainerKey::Sk,
    ContainerKey::Index,
    ContainerKey::VectorIndex,
    ContainerKey::Crate,
    ContainerKey::SharesKeysWith,
    ContainerKey::Shape,
    ContainerKey::Shapes,
    ContainerKey::Fingerprint,
];

/// An entity declaration.
pub(crate) struct Entity<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) generics: &'a Generics,
    /// Whether the input is a struct with named fields; if not, nothing field-related was
    /// resolved.
    pub(crate) named: bool,
    pub(crate) krate: Path,
    pub(crate) table: Option<Path>,
    /// `name = "..."`: the discriminator, if not the type's name.
    pub(crate) name: Option<LitStr>,
    /// `pk = "..."` as written.
    pub(crate) pk_lit: Option<LitStr>,
    pub(crate) pk: Option<Template>,
    pub(crate) sk: Option<Template>,
    pub(crate) fields: Vec<Field<'a>>,
    /// Key fields: the primary key's first, then the index templates'.
    pub(crate) slots: Vec<Slot>,
    /// How many of `slots` the primary key reads.
    pub(crate) primary_slots: usize,
    pub(crate) indexes: Vec<Index>,
    /// `vector_index(..)`: the vector indexes the entity feeds.
    pub(crate) vectors: Vec<VectorFeed>,
    pub(crate) lifecycle: Lifecycle,
    pub(crate) shares_keys_with: Vec<Path>,
    /// `shape`, `shapes(..)` and `fingerprint`: the entity's shape history.
    pub(crate) shapes: Shapes,
    /// Keys whose value did not parse (reported already).
    pub(crate) malformed: Vec<ContainerKey>,
}

impl<'a> Entity<'a> {
    /// Parses and resolves `input`, reporting what does not parse or resolve.
    pub(crate) fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput) -> Self {
        let attrs = container::container(cx, &input.attrs, KEYS);
        let serde = serde_names::container(cx, &input.attrs);
        let named = match &input.data {
            Data::Struct(s) => match &s.fields {
                Fields::Named(named) => Some(&named.named),
                _ => None,
            },
            _ => None,
        };
        if named.is_none() {
            cx.error_spanned_by(
                &input.ident,
                "`#[derive(Entity)]` needs a struct with named fields",
            );
        }
        let fields = named
            .map(|named| field::fields(cx, named, serde.rename_all.as_deref()))
            .unwrap_or_default();
        let mut entity = Entity {
            ident: &input.ident,
            vis: &input.vis,
            generics: &input.generics,
            named: named.is_some(),
            krate: attrs.krate(),
            table: attrs.table.clone(),
            name: attrs.name.clone(),
            pk_lit: attrs.pk.clone(),
            pk: None,
            sk: None,
            lifecycle: Lifecycle::of(&fields),
            fields,
            slots: Vec::new(),
            primary_slots: 0,
            indexes: Vec::new(),
            vectors: Vec::new(),
            shares_keys_with: Vec::new(),
            shapes: Shapes {
                current: attrs.shape.clone(),
                earlier: (attrs.shapes.iter())
                    .map(|(lit, ty)| Earlier {
                        lit: lit.clone(),
                        ty: ty.clone(),
                    })
                    .collect(),
                fingerprint: attrs.fingerprint.clone(),
            },
            malformed: attrs.malformed.clone(),
        };
        if entity.named {
            entity.resolve(cx, attrs);
        }
        entity
    }

    /// Binds the templates, `when` conditions and index field lists to the fields.
    fn resolve(&mut self, cx: &mut Ctxt, attrs: ContainerAttrs) {
        let mut resolver = Resolver {
            ident: self.ident,
            fields: &self.fields,
            slots: Vec::new(),
        };
        let primary = |partition| Role {
            primary: true,
            partition,
        };
        let pk = attrs.pk.as_ref();
        let pk = pk.and_then(|lit| resolver.template(cx, lit, primary(true)));
        let sk = attrs.sk.as_ref();
        let sk = sk.and_then(|lit| resolver.template(cx, lit, primary(false)));
        let primary_slots = resolver.slots.len();
        let indexes = attrs
            .indexes
            .into_iter()
            .map(|index| resolver.index(cx, index))
            .collect();
        self.slots = resolver.slots;
        (self.pk, self.sk, self.primary_slots) = (pk, sk, primary_slots);
        self.indexes = indexes;
        self.vectors = attrs
            .vector_indexes
            .into_iter()
            .map(|attr| vector::resolve(cx, self.ident, &self.fields, attr))
            .collect();
        self.shares_keys_with = attrs.shares_keys_with;
    }

    /// The discriminator stored on the entity's items.
    pub(crate) fn entity_name(&self) -> String {
        self.name
            .as_ref()
            .map(LitStr::value)
            .unwrap_or_else(|| self.ident.to_string())
    }

    /// The field in key slot `slot`.
    pub(crate) fn slot_field(&self, slot: usize) -> &Field<'a> {
        &self.fields[self.slots[slot].field]
    }

    /// Whether the primary key (`primary`) or an index template reads field `field`.
    pub(crate) fn in_key(&self, field: usize, primary: bool) -> bool {
        let (head, tail) = self.slots.split_at(self.primary_slots);
        let slots = if primary { head } else { tail };
        slots.iter().any(|s| s.field == field)
    }

    /// Every template in resolution order: the primary key's, then each index layout's.
    pub(crate) fn templates(&self) -> impl Iterator<Item = &Template> {
        let layouts = self.indexes.iter().filter_map(|index| match &index.layout {
            Layout::Template(layout) => Some(layout),
            Layout::Multi(_) => None,
        });
        let index_templates = layouts.flat_map(|l| l.pk.iter().chain(&l.sk));
        self.pk.iter().chain(&self.sk).chain(index_templates)
    }

    /// The template index layouts the schema lists, in order (their position is the index
    /// number the runtime asks `in_index` about).
    pub(crate) fn template_layouts(
        &self,
    ) -> impl Iterator<Item = (&Index, &TemplateLayout, &Template)> {
        self.indexes.iter().filter_map(|index| match &index.layout {
            Layout::Template(layout) => Some((index, layout, layout.pk.as_ref()?)),
            Layout::Multi(_) => None,
        })
    }

    /// The multi-attribute indexes, in order.
    pub(crate) fn multi_indexes(&self) -> impl Iterator<Item = (&Index, &MultiFields)> {
        self.indexes.iter().filter_map(|index| match &index.layout {
            Layout::Multi(fields) => Some((index, fields)),
            Layout::Template(_) => None,
        })
    }
}
