//! An entity's `vector_index(..)`: the fields that feed one of its table's vector indexes.

use proc_macro2::Span;

use crate::internals::attr::vector::VectorIndexAttr;
use crate::internals::ctxt::Ctxt;
use crate::internals::model::field::{self, Field};

/// The fields an entity stores a vector index's attributes in, resolved to positions.
pub(crate) struct VectorFeed {
    pub(crate) attr: VectorIndexAttr,
    pub(crate) vector: Option<(usize, Span)>,
    pub(crate) hash: Option<(usize, Span)>,
    pub(crate) filters: Vec<(usize, Span)>,
}

/// Resolves `attr`'s field names; names that are no field are reported and left out.
pub(crate) fn resolve(
    cx: &mut Ctxt,
    ident: &syn::Ident,
    fields: &[Field<'_>],
    attr: VectorIndexAttr,
) -> VectorFeed {
    let mut find = |name: &str, span: Span| {
        let found = field::position(fields, name);
        if found.is_none() {
            cx.syn_error(syn::Error::new(
                span,
                format!("`{ident}` has no field `{name}`"),
            ));
        }
        Some((found?, span))
    };
    let vector = attr
        .vector
        .as_ref()
        .and_then(|(name, span)| find(name, *span));
    let hash = attr
        .hash
        .as_ref()
        .and_then(|item| find(&item.name, item.span));
    let filters = attr
        .filters
        .iter()
        .flat_map(|f| &f.items)
        .filter_map(|item| find(&item.name, item.span))
        .collect();
    VectorFeed {
        attr,
        vector,
        hash,
        filters,
    }
}
