//! `Entity::decode_shape`: an item of an earlier shape decoded as that shape's struct and
//! upgraded one step at a time to the entity — each step a `UpgradeTo` bound spanned on the
//! user's `shapes(..)` entry, so a missing `From` is reported there.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::internals::model::entity::Entity;

/// `shape`, `oldest_shape`, `reshape` and `earlier_attributes` of the `EntitySchema` literal.
pub(crate) fn schema_fields(entity: &Entity<'_>) -> TokenStream {
    let (krate, ident) = (&entity.krate, entity.ident);
    let shapes = &entity.shapes;
    let (current, oldest) = (shapes.version(), shapes.oldest());
    let reshape = if shapes.chain().is_empty() {
        quote!(::core::option::Option::None)
    } else {
        quote!(::core::option::Option::Some(#krate::__private::reshape::<#ident>))
    };
    let chain = shapes.chain();
    let earlier = chain
        .iter()
        .map(|(_, ty)| quote!(#krate::__private::serde_fields::<#ty>));
    quote! {
        shape: #current,
        oldest_shape: #oldest,
        reshape: #reshape,
        earlier_attributes: &[#(#earlier),*],
    }
}

/// `fn decode_shape` (the trait's default, an error, without earlier shapes): one local
/// function per earlier shape, each upgrading one step and calling the next.
pub(crate) fn decode_shape_fn(entity: &Entity<'_>) -> TokenStream {
    let chain = entity.shapes.chain();
    if chain.is_empty() {
        return TokenStream::new();
    }
    let (krate, ident) = (&entity.krate, entity.ident);
    let name = entity.entity_name();
    let step = |v: u32| format_ident!("from_shape_{}", v);
    let steps = chain.iter().enumerate().map(|(i, (version, ty))| {
        let this = step(*version);
        let upgraded = match chain.get(i + 1) {
            Some((next_version, next_ty)) => {
                let next = step(*next_version);
                quote_spanned! {ty.span()=>
                    #next(#krate::__private::upgrade::<#ty, #next_ty>(#name, #version, value)?)
                }
            }
            None => quote_spanned! {ty.span()=>
                #krate::__private::upgrade::<#ty, #ident>(#name, #version, value)
            },
        };
        quote! {
            fn #this(value: #ty) -> ::core::result::Result<#ident, #krate::Error> {
                #upgraded
            }
        }
    });
    let arms = chain.iter().map(|(version, ty)| {
        let this = step(*version);
        quote! {
            #version => #this(#krate::__private::decode_unchecked::<#ty>(#name, item)?),
        }
    });
    quote! {
        fn decode_shape(
            shape: u32,
            item: #krate::Item,
        ) -> ::core::result::Result<Self, #krate::Error> {
            #(#steps)*
            match shape {
                #(#arms)*
                _ => ::core::result::Result::Err(#krate::__private::shape_mismatch(
                    &<Self as #krate::Entity>::SCHEMA,
                    shape,
                )),
            }
        }
    }
}
