//! The model of `#[derive(Projection)]`: the entity it reads, the index it is declared for
//! (if any) and its fields with their stored names.

use syn::{Data, DeriveInput, Fields, Generics, Ident, Path};

use crate::internals::attr::container::{self, ContainerKey};
use crate::internals::attr::index::IndexAttr;
use crate::internals::attr::serde_names;
use crate::internals::ctxt::Ctxt;
use crate::internals::model::field::{self, Field};

/// How many index positions a projection is checked against (one `Fits` verdict each):
/// DynamoDB's default quota of indexes per table. The table derive refuses an `include`
/// index past them.
pub(crate) const CHECKED_POSITIONS: usize = 20;

/// The keys `#[derive(Projection)]` reads.
const KEYS: &[ContainerKey] = &[
    ContainerKey::Entity,
    ContainerKey::Index,
    ContainerKey::Crate,
];

/// A projection declaration.
pub(crate) struct Projection<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    /// Whether the input is a struct with named fields.
    pub(crate) named: bool,
    pub(crate) krate: Path,
    pub(crate) entity: Option<Path>,
    /// `index = GSI1`, or `index(..)` given by mistake (the checks say so).
    pub(crate) indexes: Vec<IndexAttr>,
    pub(crate) fields: Vec<Field<'a>>,
    /// Whether `entity = ..` was given but did not parse (reported already).
    pub(crate) entity_malformed: bool,
}

impl<'a> Projection<'a> {
    /// Parses `input`, reporting what does not parse.
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
        let fields = named
            .map(|named| field::fields_with(cx, named, serde.rename_all.as_deref(), &[]))
            .unwrap_or_default();
        Projection {
            ident: &input.ident,
            generics: &input.generics,
            named: named.is_some(),
            krate: attrs.krate(),
            entity: attrs.entity.clone(),
            entity_malformed: attrs.malformed.contains(&ContainerKey::Entity),
            indexes: attrs.indexes,
            fields,
        }
    }

    /// The fields read (those serde does not skip).
    pub(crate) fn read_fields(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| !f.skipped)
    }
}
