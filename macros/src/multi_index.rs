//! An entity's multi-attribute index declarations (`index(ByRound, pk = [a, b], sk = [c])`):
//! the field lists resolved on the macro's tokens, the typed key shape (`Match::ByRound`),
//! and the compile-time checks against the table's declaration.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Ident, Path};

use crate::expand_entity::Field;
use crate::internals::attr::index as attr_index;
use crate::internals::ctxt::Ctxt;

/// An entity's declaration of a multi-attribute index: the fields feeding its partition
/// and sort attributes, in order.
pub(crate) struct MultiIndex<'a> {
    pub(crate) index: &'a attr_index::IndexAttr,
    /// (field position, span in the user's list)
    pub(crate) partition: Vec<(usize, Span)>,
    pub(crate) sort: Vec<(usize, Span)>,
}

pub(crate) fn resolve_multi<'a>(
    cx: &mut Ctxt,
    ident: &Ident,
    fields: &[Field<'_>],
    index: &'a attr_index::IndexAttr,
) -> Option<MultiIndex<'a>> {
    let name = &index.name;
    let Some(pk) = &index.pk_list else {
        cx.error_spanned_by(
            name,
            format!("list the fields feeding `{name}`'s partition attributes: `pk = [field, ..]`"),
        );
        return None;
    };
    let mut seen = Vec::new();
    let mut resolve = |cx: &mut Ctxt, list: &attr_index::KeyList| -> Vec<(usize, Span)> {
        if list.items.len() > 4 {
            cx.syn_error(syn::Error::new(
                list.span,
                "a multi-attribute key has at most 4 attributes (DynamoDB's limit)",
            ));
        }
        let mut out = Vec::new();
        for item in &list.items {
            if let Some(scalar) = &item.scalar {
                cx.error_spanned_by(
                    scalar,
                    "attribute types are declared once, on the table; list only fields here",
                );
            }
            let Some(position) = fields
                .iter()
                .position(|f| f.ident.to_string().trim_start_matches("r#") == item.name)
            else {
                cx.syn_error(syn::Error::new(
                    item.span,
                    format!("`{ident}` has no field `{}`", item.name),
                ));
                continue;
            };
            if fields[position].skipped {
                cx.syn_error(syn::Error::new(
                    item.span,
                    format!(
                        "field `{}` is skipped by serde and cannot feed an index",
                        item.name
                    ),
                ));
            }
            if seen.contains(&position) {
                cx.syn_error(syn::Error::new(
                    item.span,
                    format!("field `{}` is listed twice in `{name}`", item.name),
                ));
            }
            seen.push(position);
            out.push((position, item.span));
        }
        out
    };
    let partition = resolve(cx, pk);
    let sort = index
        .sk_list
        .as_ref()
        .map(|l| resolve(cx, l))
        .unwrap_or_default();
    Some(MultiIndex {
        index,
        partition,
        sort,
    })
}

/// `Match::ByRound`: the typed shape of the entity's key on a multi-attribute index.
pub(crate) fn multi_shape_const(
    krate: &Path,
    table: &Path,
    ident: &Ident,
    fields: &[Field<'_>],
    m: &MultiIndex<'_>,
) -> TokenStream {
    let name = &m.index.name;
    let value = |position: usize| {
        let ty = fields[position].ty;
        quote!(<#ty as #krate::KeyAttribute>::Value)
    };
    let partition = m.partition.iter().map(|(p, _)| value(*p));
    let sort = m.sort.iter().rev().fold(quote!(()), |rest, (p, _)| {
        let v = value(*p);
        quote!((#v, #rest))
    });
    let doc = format!(
        "`{ident}`'s key on multi-attribute index `{name}`: \
         `db.query_index({ident}::{name}.partition(..))`."
    );
    quote! {
        #[doc = #doc]
        #[allow(non_upper_case_globals)]
        pub const #name: #krate::MultiKeyShape<#ident, (#(#partition,)*), #sort> =
            #krate::MultiKeyShape::new(#table::#name);
    }
}

/// Compile-time checks that the listed fields are the index's attributes, in order, with
/// the declared types.
pub(crate) fn multi_checks(
    krate: &Path,
    table: &Path,
    ident: &Ident,
    fields: &[Field<'_>],
    m: &MultiIndex<'_>,
) -> TokenStream {
    let name = &m.index.name;
    let index = quote_spanned!(name.span()=> #krate::__private::multi_index(#table::#name));
    let mut out = TokenStream::new();
    for (partition, list, what) in [(true, &m.partition, "partition"), (false, &m.sort, "sort")] {
        let count = list.len();
        let count_message = format!(
            "`{ident}` lists {count} field(s) for the {what} key of `{name}`, which has a \
             different number of {what} attributes; list one field per attribute, in order"
        );
        out.extend(quote_spanned! {name.span()=>
            if #krate::__private::multi_attribute_count(#index, #partition) != #count {
                ::core::panic!(#count_message);
            }
        });
        for (position, (field, span)) in list.iter().enumerate() {
            let f = &fields[*field];
            let (attribute, ty) = (&f.attribute, f.ty);
            let n = position + 1;
            let missing = format!("`{name}` has no {what} attribute {n}");
            let renamed = format!(
                "field `{}` is stored as `{attribute}`, but {what} attribute {n} of `{name}` has \
                 another name; list the fields in the index's order (or rename with serde)",
                f.ident
            );
            let retyped = format!(
                "the type of field `{}` serializes as another DynamoDB type than `{name}` \
                 declares for `{attribute}` (S, N or B)",
                f.ident
            );
            out.extend(quote_spanned! {*span=>
                match #krate::__private::multi_attribute_mismatch(
                    #index,
                    #partition,
                    #position,
                    #attribute,
                    <#ty as #krate::KeyAttribute>::SCALAR,
                ) {
                    1 => ::core::panic!(#missing),
                    2 => ::core::panic!(#renamed),
                    3 => ::core::panic!(#retyped),
                    _ => {}
                }
            });
        }
    }
    out
}
