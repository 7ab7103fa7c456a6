//! The compile-time checks of an entity, in one `const _: () = { .. }`: trait bounds on each
//! key field's type (spanned on the template that reads it), and `const` panics for what
//! only the table's schema can tell (sort keys, reserved attribute names, index attributes).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Path;

use crate::expand::entity::{lifecycle, multi, vector, when};
use crate::internals::model::entity::Entity;
use crate::internals::template::Cut;

/// The `const _` block.
pub(crate) fn checks(entity: &Entity<'_>, table: &Path) -> TokenStream {
    let krate = &entity.krate;
    let key_checks = key_type_checks(entity);
    let when_checks = when::type_checks(entity);
    let bucket_checks = bucket_checks(entity);
    let lifecycle_checks = lifecycle::type_checks(entity);
    let ttl_check = lifecycle::ttl_table_check(entity, table);
    let sort_key_checks = sort_key_checks(entity, table);
    let reserved_checks = reserved_checks(entity, table);
    let multi_checks = multi::checks(entity, table);
    let undeclared_checks = multi::undeclared_checks(entity, table);
    let vector_checks = vector::checks(entity, table);
    quote! {
        const _: () = {
            fn __dynamorm_assert_key_part<T: #krate::KeyPart + ?::core::marker::Sized>() {}
            fn __dynamorm_assert_primary_key_part<T: #krate::key::PrimaryKeyPart>() {}
            fn __dynamorm_assert_when<T: #krate::__private::WhenField>() {}
            fn __dynamorm_assert_bucketed<T: #krate::read::TimeBucketed>() {}
            fn __dynamorm_assert_version<T: #krate::__private::VersionField>() {}
            fn __dynamorm_assert_timestamp<T: #krate::Timestamp>() {}
            fn __dynamorm_assert_ttl<T: #krate::TtlValue>() {}
            fn __dynamorm_assert_generated<T: #krate::GeneratedId>() {}
            #[allow(dead_code)]
            fn __dynamorm_checks() {
                #key_checks
                #when_checks
                #bucket_checks
                #lifecycle_checks
            }
            #ttl_check
            #sort_key_checks
            #reserved_checks
            #multi_checks
            #undeclared_checks
            #vector_checks
        };
    }
}

/// Every key field is a key part; primary-key fields also parse back (`PrimaryKeyPart`).
fn key_type_checks(entity: &Entity<'_>) -> TokenStream {
    let key_parts = entity.slots.iter().map(|s| {
        let f = &entity.fields[s.field];
        let ty = f.option_of.unwrap_or(f.ty);
        quote_spanned!(s.span=> __dynamorm_assert_key_part::<#ty>();)
    });
    let primary = entity.slots[..entity.primary_slots].iter().map(|s| {
        let ty = entity.fields[s.field].ty;
        quote_spanned!(s.span=> __dynamorm_assert_primary_key_part::<#ty>();)
    });
    quote! {
        #(#key_parts)*
        #(#primary)*
    }
}

/// Fields cut into day or month buckets are timestamps, checked on the template's span.
fn bucket_checks(entity: &Entity<'_>) -> TokenStream {
    let bucketed = entity.templates().flat_map(|t| {
        let span = t.lit.span();
        let cut = t
            .fields()
            .filter(|(_, cut, _)| matches!(cut, Some(Cut::Day | Cut::Month)));
        cut.map(move |(_, _, slot)| (entity.slots[slot].field, span))
    });
    let checks = bucketed.map(|(field, span)| {
        let ty = entity.fields[field].ty;
        quote_spanned!(span=> __dynamorm_assert_bucketed::<#ty>();)
    });
    quote!(#(#checks)*)
}

/// The entity gives a sort-key template exactly where the table (or index) has a sort key.
fn sort_key_checks(entity: &Entity<'_>, table: &Path) -> TokenStream {
    let (krate, ident) = (&entity.krate, entity.ident);
    let has_sk = entity.sk.is_some();
    let table_sk_message = if has_sk {
        format!("`{ident}` has an `sk` template, but its table has no sort key")
    } else {
        format!("`{ident}` needs an `sk` template: its table has a sort key")
    };
    let index_sk_checks = entity.template_layouts().map(|(index, layout, _)| {
        let name = &index.attr.name;
        let has = layout.sk.is_some();
        let message = if has {
            format!("`{ident}` gives an `sk` template for index `{name}`, which has no sort key")
        } else {
            format!("`{ident}` needs an `sk` template for index `{name}`, which has a sort key")
        };
        quote_spanned! {name.span()=>
            if #krate::__private::template_index(#table::#name).has_sort_key() != #has {
                ::core::panic!(#message);
            }
        }
    });
    quote! {
        if <#table as #krate::Table>::SCHEMA.sort_key().is_some() != #has_sk {
            ::core::panic!(#table_sk_message);
        }
        #(#index_sk_checks)*
    }
}

/// No stored field may be named like an attribute the table reserves.
fn reserved_checks(entity: &Entity<'_>, table: &Path) -> TokenStream {
    let (krate, ident) = (&entity.krate, entity.ident);
    let checks = entity.fields.iter().filter(|f| !f.skipped).map(|f| {
        let attribute = &f.attribute;
        let message = format!(
            "field `{}` of `{ident}` is stored as attribute `{attribute}`, which the table \
             reserves for a key or the discriminator; rename the field (`#[serde(rename = \"...\")]`)",
            f.ident
        );
        quote! {
            if #krate::__private::table_reserves(&<#table as #krate::Table>::SCHEMA, #attribute) {
                ::core::panic!(#message);
            }
        }
    });
    quote!(#(#checks)*)
}
