//! The model of `#[derive(Table)]`: the table's key, discriminator and TTL attribute names
//! and its indexes, with the library's defaults applied.

use syn::{Data, DeriveInput, Generics, Ident, LitStr, Path};

use crate::internals::attr::container::{self, ContainerAttrs, ContainerKey};
use crate::internals::ctxt::Ctxt;

/// The keys `#[derive(Table)]` reads.
const KEYS: &[ContainerKey] = &[
    ContainerKey::Name,
    ContainerKey::Pk,
    ContainerKey::Sk,
    ContainerKey::NoSortKey,
    ContainerKey::Discriminator,
    ContainerKey::Index,
    ContainerKey::VectorIndex,
    ContainerKey::Ttl,
    ContainerKey::Crate,
];

/// A table declaration.
pub(crate) struct Table<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    /// Whether the input is a struct (the only shape a table takes).
    pub(crate) is_struct: bool,
    pub(crate) krate: Path,
    pub(crate) attrs: ContainerAttrs,
}

impl<'a> Table<'a> {
    /// Parses `input`, reporting what does not parse.
    pub(crate) fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput) -> Self {
        let attrs = container::container(cx, &input.attrs, KEYS);
        Table {
            ident: &input.ident,
            generics: &input.generics,
            is_struct: matches!(input.data, Data::Struct(_)),
            krate: attrs.krate(),
            attrs,
        }
    }

    /// The table's name in DynamoDB.
    pub(crate) fn name(&self) -> String {
        let name = self.attrs.name.as_ref();
        name.map(LitStr::value)
            .unwrap_or_else(|| self.ident.to_string())
    }

    /// The partition-key attribute (`PK` unless named).
    pub(crate) fn partition_key(&self) -> String {
        or_default(self.attrs.pk.as_ref(), "PK")
    }

    /// The sort-key attribute (`SK` unless named); `None` with `no_sort_key`.
    pub(crate) fn sort_key(&self) -> Option<String> {
        (!self.attrs.no_sort_key).then(|| or_default(self.attrs.sk.as_ref(), "SK"))
    }

    /// The discriminator attribute (`_type` unless named).
    pub(crate) fn discriminator(&self) -> String {
        or_default(self.attrs.discriminator.as_ref(), "_type")
    }
}

fn or_default(lit: Option<&LitStr>, default: &str) -> String {
    lit.map_or_else(|| default.to_owned(), LitStr::value)
}
