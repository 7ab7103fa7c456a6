//! A container's `#[dynamo(...)]` keys (`table`, `pk`, `index(..)`, ..) parsed into plain
//! data; each derive accepts a subset, and a key outside it is an error.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr, Path};

use crate::internals::attr::index::{self, IndexAttr};
use crate::internals::attr::meta::{key_name, recover, set_once, skip};
use crate::internals::attr::vector::{self, VectorIndexAttr};
use crate::internals::ctxt::Ctxt;

/// One key of a container attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContainerKey {
    Table,
    Name,
    Pk,
    Sk,
    NoSortKey,
    Discriminator,
    Index,
    Ttl,
    Crate,
    SharesKeysWith,
    Entity,
    VectorIndex,
    Shape,
    Shapes,
    Fingerprint,
}

impl ContainerKey {
    /// The key as written in the attribute.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ContainerKey::Table => "table",
            ContainerKey::Name => "name",
            ContainerKey::Pk => "pk",
            ContainerKey::Sk => "sk",
            ContainerKey::NoSortKey => "no_sort_key",
            ContainerKey::Discriminator => "discriminator",
            ContainerKey::Index => "index",
            ContainerKey::Ttl => "ttl",
            ContainerKey::Crate => "crate",
            ContainerKey::SharesKeysWith => "shares_keys_with",
            ContainerKey::Entity => "entity",
            ContainerKey::VectorIndex => "vector_index",
            ContainerKey::Shape => "shape",
            ContainerKey::Shapes => "shapes",
            ContainerKey::Fingerprint => "fingerprint",
        }
    }
}

/// Everything a container's `#[dynamo(...)]` attributes may say; each derive accepts a
/// subset (`allowed`).
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) table: Option<Path>,
    /// `entity = Task`: the entity a projection reads.
    pub(crate) entity: Option<Path>,
    pub(crate) name: Option<LitStr>,
    pub(crate) pk: Option<LitStr>,
    pub(crate) sk: Option<LitStr>,
    pub(crate) no_sort_key: bool,
    pub(crate) discriminator: Option<LitStr>,
    pub(crate) ttl: Option<LitStr>,
    pub(crate) krate: Option<Path>,
    /// `shares_keys_with(Organization, ..)`: entity types meant to share key space.
    pub(crate) shares_keys_with: Vec<Path>,
    pub(crate) indexes: Vec<IndexAttr>,
    /// `vector_index(..)`: the vector indexes declared (table) or fed (entity).
    pub(crate) vector_indexes: Vec<VectorIndexAttr>,
    /// `shape = 3`: the entity's current shape version.
    pub(crate) shape: Option<syn::LitInt>,
    /// `shapes(1 = NoteV1, 2 = NoteV2)`: earlier shapes, by version.
    pub(crate) shapes: Vec<(syn::LitInt, Path)>,
    /// `fingerprint = "..."`: what the stored fields hashed to when the shape was declared.
    pub(crate) fingerprint: Option<LitStr>,
    /// Keys given with a value that did not parse (reported): not to be reported again as
    /// missing.
    pub(crate) malformed: Vec<ContainerKey>,
}

impl ContainerAttrs {
    /// The path generated code names the runtime crate by (`crate = "..."`).
    pub(crate) fn krate(&self) -> Path {
        self.krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::dynamorm))
    }
}

/// Parses the container attributes; `allowed` lists the keys this derive understands.
pub(crate) fn container(
    cx: &mut Ctxt,
    attrs: &[Attribute],
    allowed: &[ContainerKey],
) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("dynamo")) {
        let result = attr.parse_nested_meta(|meta| {
            let name = key_name(&meta);
            let Some(key) = allowed.iter().copied().find(|k| k.name() == name) else {
                let expected = allowed
                    .iter()
                    .map(|k| format!("`{}`", k.name()))
                    .collect::<Vec<_>>()
                    .join(", ");
                cx.error_spanned_by(
                    &meta.path,
                    format!("unknown dynamo attribute `{name}`; expected one of {expected}"),
                );
                let skipped = skip(&meta);
                return recover(cx, &meta, skipped);
            };
            let result = read_key(cx, &mut out, key, &meta);
            if result.is_err() {
                out.malformed.push(key);
            }
            recover(cx, &meta, result)
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// Reads the value of one known key into `out`.
fn read_key(
    cx: &mut Ctxt,
    out: &mut ContainerAttrs,
    key: ContainerKey,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<()> {
    let string = |slot: &mut Option<LitStr>, cx: &mut Ctxt| -> syn::Result<()> {
        let v: LitStr = meta.value()?.parse()?;
        set_once(cx, slot, v, meta);
        Ok(())
    };
    match key {
        ContainerKey::Table => {
            let v: Path = meta.value()?.parse()?;
            set_once(cx, &mut out.table, v, meta);
        }
        ContainerKey::Entity => {
            let v: Path = meta.value()?.parse()?;
            set_once(cx, &mut out.entity, v, meta);
        }
        ContainerKey::Crate => {
            let v: LitStr = meta.value()?.parse()?;
            let path = v.parse::<Path>()?;
            set_once(cx, &mut out.krate, path, meta);
        }
        ContainerKey::Name => string(&mut out.name, cx)?,
        ContainerKey::Pk => string(&mut out.pk, cx)?,
        ContainerKey::Sk => string(&mut out.sk, cx)?,
        ContainerKey::Discriminator => string(&mut out.discriminator, cx)?,
        ContainerKey::Ttl => string(&mut out.ttl, cx)?,
        ContainerKey::NoSortKey => out.no_sort_key = true,
        ContainerKey::Shape => {
            let v: syn::LitInt = meta.value()?.parse()?;
            set_once(cx, &mut out.shape, v, meta);
        }
        ContainerKey::Fingerprint => string(&mut out.fingerprint, cx)?,
        ContainerKey::Shapes => {
            let content;
            syn::parenthesized!(content in meta.input);
            let entries = content.parse_terminated(
                |input| {
                    let version: syn::LitInt = input.parse()?;
                    input.parse::<syn::Token![=]>()?;
                    Ok((version, input.parse::<Path>()?))
                },
                syn::Token![,],
            )?;
            out.shapes.extend(entries);
        }
        ContainerKey::SharesKeysWith => {
            let content;
            syn::parenthesized!(content in meta.input);
            let paths = content.parse_terminated(Path::parse_mod_style, syn::Token![,])?;
            out.shares_keys_with.extend(paths);
        }
        ContainerKey::Index if meta.input.peek(syn::Token![=]) => {
            let name = meta.value()?.parse()?;
            out.indexes.push(IndexAttr::named(name));
        }
        ContainerKey::Index => out.indexes.extend(index::index(cx, meta)?),
        ContainerKey::VectorIndex => {
            out.vector_indexes.extend(vector::vector_index(cx, meta)?);
        }
    }
    Ok(())
}
