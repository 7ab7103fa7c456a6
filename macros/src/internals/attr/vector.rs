//! `vector_index(NAME, vector = .., dimensions = .., distance = .., hash = .., filters = [..],
//! projection = ..)`: a vector index as the table declares it, or as an entity feeds it
//! (`vector_index(NAME, vector = field, hash = field, filters = [field, ..])`).

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Ident, LitInt};

use crate::internals::attr::index::{KeyList, KeyListItem, ProjectionAttr};
use crate::internals::attr::meta::{set_once, skip};
use crate::internals::ctxt::Ctxt;

/// One `vector_index(..)`, as written.
pub(crate) struct VectorIndexAttr {
    pub(crate) name: Ident,
    /// The vector attribute (table) or field (entity), with its span.
    pub(crate) vector: Option<(String, Span)>,
    pub(crate) dimensions: Option<(u32, Span)>,
    /// `cosine`, `euclidean` or `dot_product`.
    pub(crate) distance: Option<Ident>,
    pub(crate) hash: Option<KeyListItem>,
    pub(crate) filters: Option<KeyList>,
    pub(crate) projection: Option<ProjectionAttr>,
}

/// Parses `vector_index(..)`; `None` (reported) without a name or with a malformed value.
pub(crate) fn vector_index(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<VectorIndexAttr>> {
    let mut name: Option<Ident> = None;
    let mut out = VectorIndexAttr {
        name: Ident::new("_", Span::call_site()),
        vector: None,
        dimensions: None,
        distance: None,
        hash: None,
        filters: None,
        projection: None,
    };
    meta.parse_nested_meta(|inner| {
        let key = inner
            .path
            .get_ident()
            .map(Ident::to_string)
            .unwrap_or_default();
        match key.as_str() {
            "vector" => {
                let v = attribute_name(inner.value()?)?;
                set_once(cx, &mut out.vector, v, &inner);
            }
            "dimensions" => {
                let lit: LitInt = inner.value()?.parse()?;
                let v = (lit.base10_parse::<u32>()?, lit.span());
                set_once(cx, &mut out.dimensions, v, &inner);
            }
            "distance" => {
                let v: Ident = inner.value()?.parse()?;
                set_once(cx, &mut out.distance, v, &inner);
            }
            "hash" => {
                let v: KeyListItem = inner.value()?.parse()?;
                set_once(cx, &mut out.hash, v, &inner);
            }
            "filters" => {
                let v: KeyList = inner.value()?.parse()?;
                set_once(cx, &mut out.filters, v, &inner);
            }
            "projection" => {
                let v: ProjectionAttr = inner.value()?.parse()?;
                set_once(cx, &mut out.projection, v, &inner);
            }
            _ if inner.input.is_empty() || inner.input.peek(syn::Token![,]) => {
                match inner.path.get_ident() {
                    Some(ident) if name.is_none() => name = Some(ident.clone()),
                    _ => cx.error_spanned_by(&inner.path, "a vector index takes one name"),
                }
            }
            _ => {
                cx.error_spanned_by(
                    &inner.path,
                    "expected the index name, `vector = ..`, `dimensions = N`, \
                     `distance = cosine | euclidean | dot_product`, `hash = ..`, \
                     `filters = [..]` or `projection = ..`",
                );
                skip(&inner)?;
            }
        }
        Ok(())
    })?;
    let Some(name) = name else {
        cx.error_spanned_by(
            &meta.path,
            "name the vector index first: `vector_index(ByEmbedding, vector = ..)`",
        );
        return Ok(None);
    };
    out.name = name;
    Ok(Some(out))
}

/// An attribute or field name: an identifier or a string literal.
fn attribute_name(input: syn::parse::ParseStream<'_>) -> syn::Result<(String, Span)> {
    if input.peek(syn::LitStr) {
        let lit: syn::LitStr = input.parse()?;
        return Ok((lit.value(), lit.span()));
    }
    let ident: Ident = input.call(syn::ext::IdentExt::parse_any)?;
    Ok((
        ident.to_string().trim_start_matches("r#").to_owned(),
        ident.span(),
    ))
}

impl VectorIndexAttr {
    /// DynamoDB's name for the distance function, if it is one.
    pub(crate) fn distance_variant(&self) -> Option<&'static str> {
        match self.distance.as_ref()?.to_string().as_str() {
            "cosine" => Some("Cosine"),
            "euclidean" => Some("Euclidean"),
            "dot_product" => Some("DotProduct"),
            _ => None,
        }
    }
}
