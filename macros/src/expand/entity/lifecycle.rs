//! The lifecycle methods of the `Entity` impl (timestamps, TTL, generated ids) and the
//! compile-time checks of the lifecycle fields' types.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Path;
use syn::spanned::Spanned;

use crate::internals::model::entity::Entity;
use crate::internals::model::field::Field;

fn fields<'e, 'a>(
    entity: &'e Entity<'a>,
    positions: impl IntoIterator<Item = &'e usize> + 'e,
) -> impl Iterator<Item = &'e Field<'a>> + 'e {
    positions.into_iter().map(|&p| &entity.fields[p])
}

/// `timestamp_now`, `ttl_seconds` and `ttl_seconds_from`.
pub(crate) fn time_fns(entity: &Entity<'_>) -> TokenStream {
    let (krate, lifecycle) = (&entity.krate, &entity.lifecycle);
    let timestamps: Vec<_> = fields(
        entity,
        lifecycle.created_at.iter().chain(&lifecycle.updated_at),
    )
    .collect();
    // Without timestamps or a TTL the trait's defaults stand: less code per entity.
    let timestamp_fn = (!timestamps.is_empty()).then(|| {
        let arms = timestamps.iter().map(|f| {
            let (attribute, ty) = (&f.attribute, f.ty);
            quote!(#attribute => #krate::__private::timestamp_now::<#ty>(),)
        });
        quote! {
            fn timestamp_now(
                attribute: &str,
            ) -> ::core::result::Result<#krate::__private::AttributeValue, #krate::Error> {
                match attribute {
                    #(#arms)*
                    _ => ::core::result::Result::Err(#krate::KeyError::MissingField { field: "<timestamp>" }.into()),
                }
            }
        }
    });
    let ttl_fns = fields(entity, &lifecycle.ttl).next().map(|f| {
        let (fi, ty) = (f.ident, f.ty);
        quote! {
            fn ttl_seconds(&self) -> ::core::option::Option<i64> {
                #krate::TtlValue::epoch_seconds(&self.#fi)
            }

            fn ttl_seconds_from(
                value: &#krate::__private::AttributeValue,
            ) -> ::core::result::Result<::core::option::Option<i64>, #krate::Error> {
                #krate::__private::ttl_from::<#ty>(value)
            }
        }
    });
    quote! {
        #timestamp_fn
        #ttl_fns
    }
}

/// `fill_generated` and `unset_generated` (`#[dynamo(generated)]`: ids made on insert while
/// unset, and refused unset elsewhere).
pub(crate) fn generated_fns(entity: &Entity<'_>) -> TokenStream {
    if entity.lifecycle.generated.is_empty() {
        return TokenStream::new();
    }
    let krate = &entity.krate;
    let generated = || fields(entity, &entity.lifecycle.generated);
    let fill = generated().map(|f| {
        let fi = f.ident;
        quote! {
            if #krate::GeneratedId::is_unset(&self.#fi) {
                self.#fi = #krate::GeneratedId::generate();
            }
        }
    });
    let unset = generated().map(|f| {
        let fi = f.ident;
        let name = fi.to_string();
        quote! {
            if #krate::GeneratedId::is_unset(&self.#fi) {
                return ::core::option::Option::Some(#name);
            }
        }
    });
    quote! {
        fn fill_generated(&mut self) {
            #(#fill)*
        }

        fn unset_generated(&self) -> ::core::option::Option<&'static str> {
            #(#unset)*
            ::core::option::Option::None
        }
    }
}

/// The trait bounds of the lifecycle fields' types, each on the field's type.
pub(crate) fn type_checks(entity: &Entity<'_>) -> TokenStream {
    let lifecycle = &entity.lifecycle;
    let version = fields(entity, &lifecycle.version).map(|f| {
        let ty = f.ty;
        quote_spanned!(ty.span()=> __dynamorm_assert_version::<#ty>();)
    });
    let timestamps = fields(
        entity,
        lifecycle.created_at.iter().chain(&lifecycle.updated_at),
    );
    let timestamps = timestamps.map(|f| {
        let ty = f.ty;
        quote_spanned!(ty.span()=> __dynamorm_assert_timestamp::<#ty>();)
    });
    let unique = fields(entity, &lifecycle.unique).map(|f| {
        let ty = f.option_of.unwrap_or(f.ty);
        quote_spanned!(ty.span()=> __dynamorm_assert_key_part::<#ty>();)
    });
    let generated = fields(entity, &lifecycle.generated).map(|f| {
        let ty = f.ty;
        quote_spanned!(ty.span()=> __dynamorm_assert_generated::<#ty>();)
    });
    let ttl = fields(entity, &lifecycle.ttl).map(|f| {
        let ty = f.ty;
        quote_spanned!(ty.span()=> __dynamorm_assert_ttl::<#ty>();)
    });
    quote! {
        #(#version)*
        #(#timestamps)*
        #(#unique)*
        #(#generated)*
        #(#ttl)*
    }
}

/// A `ttl` field needs a table that declares its TTL attribute.
pub(crate) fn ttl_table_check(entity: &Entity<'_>, table: &Path) -> TokenStream {
    let krate = &entity.krate;
    let ttl = fields(entity, &entity.lifecycle.ttl).map(|f| {
        let ty = f.ty;
        let message = format!(
            "`{}` has a `ttl` field, but its table declares no TTL attribute: add `ttl = \"...\"` to the table",
            entity.ident
        );
        quote_spanned! {ty.span()=>
            if <#table as #krate::Table>::SCHEMA.ttl().is_none() {
                ::core::panic!(#message);
            }
        }
    });
    quote!(#(#ttl)*)
}
