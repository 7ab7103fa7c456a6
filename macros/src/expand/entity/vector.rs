//! Vector indexes an entity feeds: the shape constant a search starts from
//! (`Product::ByEmbedding`) and the compile-time checks that the listed fields are the
//! index's attributes — the vector of the declared dimensions, the `HASH` and inline
//! filter attributes of the declared types.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Path;

use crate::internals::model::entity::Entity;
use crate::internals::model::vector::VectorFeed;

/// The shape constants, one per vector index fed.
pub(crate) fn shape_consts(entity: &Entity<'_>, table: &Path) -> TokenStream {
    let (krate, ident) = (&entity.krate, entity.ident);
    // An entity that lists an index without storing vectors in it is never in it: no shape
    // to search it by.
    let feeds = entity.vectors.iter().filter(|feed| feed.vector.is_some());
    let consts = feeds.map(|feed| {
        let name = &feed.attr.name;
        let hash = match feed.hash {
            Some((field, _)) => {
                let ty = entity.fields[field].ty;
                quote!(<#ty as #krate::KeyAttribute>::Value)
            }
            None => quote!(#krate::vector::NoPartition),
        };
        let doc = format!(
            "`{ident}`'s view of vector index `{name}`: \
             `db.search({ident}::{name}.near(&vector))`."
        );
        quote! {
            #[doc = #doc]
            #[allow(non_upper_case_globals)]
            pub const #name: #krate::vector::VectorShape<#ident, #hash> =
                #krate::vector::VectorShape::new(#table::#name);
        }
    });
    quote!(#(#consts)*)
}

/// The checks of every vector index fed, and that no other field is stored under a vector
/// attribute's name (its dimensions would go unchecked). A search attribute's value is
/// checked against its declared type by every write, before sending.
pub(crate) fn checks(entity: &Entity<'_>, table: &Path) -> TokenStream {
    let checks = entity
        .vectors
        .iter()
        .map(|feed| feed_checks(entity, table, feed));
    let undeclared = undeclared_checks(entity, table);
    quote!(#(#checks)* #undeclared)
}

/// A field stored under the vector attribute of a vector index the entity does not feed
/// with `vector = ..`.
fn undeclared_checks(entity: &Entity<'_>, table: &Path) -> TokenStream {
    let (krate, ident) = (&entity.krate, entity.ident);
    // Only a listing that names the vector field counts: it is what checks the dimensions.
    let declared: Vec<String> = entity
        .vectors
        .iter()
        .filter(|f| f.vector.is_some())
        .map(|f| f.attr.name.to_string())
        .collect();
    let checks = entity.fields.iter().filter(|f| !f.skipped).map(|f| {
        let attribute = &f.attribute;
        let message = format!(
            "field `{}` of `{ident}` is stored as `{attribute}`, the vector attribute of a vector \
             index `{ident}` does not feed: add `#[dynamo(vector_index(Name, vector = {}, ..))]` \
             so its dimensions are checked, or store it under another name \
             (`#[serde(rename = \"...\")]`)",
            f.ident, f.ident
        );
        quote_spanned! {f.ident.span()=>
            if #krate::vector::undeclared_vector_attribute(
                &<#table as #krate::Table>::SCHEMA,
                #attribute,
                &[#(#declared),*],
            ) {
                ::core::panic!(#message);
            }
        }
    });
    quote!(#(#checks)*)
}

/// One role's check: 0 the vector, 1 the hash attribute, 2 an inline filter.
fn field_check(
    entity: &Entity<'_>,
    index: &TokenStream,
    feed: &VectorFeed,
    role: u8,
    (field, span): (usize, Span),
) -> TokenStream {
    let krate = &entity.krate;
    let f = &entity.fields[field];
    let (attribute, ty, name) = (&f.attribute, f.ty, &feed.attr.name);
    let (scalar, dimensions) = if role == 0 {
        (
            quote!(::core::option::Option::None),
            quote!(<#ty as #krate::vector::VectorField>::DIMENSIONS),
        )
    } else {
        (
            quote!(::core::option::Option::Some(<#ty as #krate::KeyAttribute>::SCALAR)),
            quote!(0),
        )
    };
    let what = [
        "the vector attribute",
        "the HASH attribute",
        "an inline filter attribute",
    ][role as usize];
    let missing = format!(
        "field `{}` is stored as `{attribute}`, which is not {what} of `{name}`",
        f.ident
    );
    let other = if role == 0 {
        format!(
            "the vectors of field `{}` have other dimensions than `{name}` declares",
            f.ident
        )
    } else {
        format!(
            "the type of field `{}` serializes as another DynamoDB type than `{name}` declares \
             for `{attribute}` (S, N or B)",
            f.ident
        )
    };
    let role_message = format!(
        "`{attribute}` is {} of `{name}`: list field `{}` as {}",
        if role == 1 {
            "an inline filter"
        } else {
            "the HASH attribute"
        },
        f.ident,
        if role == 1 { "a filter" } else { "`hash = ..`" },
    );
    quote_spanned! {span=>
        match #krate::vector::vector_mismatch(#index, #role, #attribute, #scalar, #dimensions) {
            1 => ::core::panic!(#missing),
            2 => ::core::panic!(#other),
            3 => ::core::panic!(#role_message),
            _ => {}
        }
    }
}

fn feed_checks(entity: &Entity<'_>, table: &Path, feed: &VectorFeed) -> TokenStream {
    let krate = &entity.krate;
    let name = &feed.attr.name;
    let index = quote_spanned!(name.span()=> #krate::vector::vector_index(#table::#name));
    let mut out = TokenStream::new();
    let roles = feed.vector.iter().map(|f| (0, *f));
    let roles = roles
        .chain(feed.hash.iter().map(|f| (1, *f)))
        .chain(feed.filters.iter().map(|f| (2, *f)));
    for (role, field) in roles {
        out.extend(field_check(entity, &index, feed, role, field));
    }
    let hashed = feed.attr.hash.is_some();
    let message = if hashed {
        format!("`{name}` has no HASH attribute; drop `hash = ..`")
    } else {
        format!(
            "`{name}` has a HASH attribute: name the field that holds it with `hash = field` \
             (an item without it is not in the index)"
        )
    };
    out.extend(quote_spanned! {name.span()=>
        if #index.hash().is_some() != #hashed {
            ::core::panic!(#message);
        }
    });
    out
}
