//! `#[derive(Entity)]`: `<Name>Key`, `<Name>Attrs`, the `Entity` impl and compile-time checks.

mod attrs;
mod checks;
pub(crate) mod fits;
mod key;
mod lifecycle;
mod multi;
mod schema;
mod shape;
mod vector;
mod when;
mod writers;

use proc_macro2::TokenStream;
use quote::quote;
use syn::Path;

use crate::internals::model::entity::Entity;
use crate::internals::model::key::Template;

/// The derive's output for a checked entity.
pub(crate) fn expand(entity: &Entity<'_>) -> TokenStream {
    // The checks report a missing table or partition key, so both are here.
    let (Some(table), Some(pk)) = (&entity.table, &entity.pk) else {
        return TokenStream::new();
    };
    let key_struct = key::key_struct(entity);
    let attrs_struct = attrs::attrs_struct(entity);
    let inherent = inherent_impl(entity, table);
    let checks = checks::checks(entity, table);
    let entity_impl = entity_impl(entity, table, pk);
    let key_impl = key::entity_key_impl(entity);
    let fits = fits::fits_impls(entity, table);
    quote! {
        #key_struct
        #attrs_struct
        #inherent
        #checks
        #entity_impl
        #key_impl
        #fits
    }
}

/// `attrs()`, `key()` and the multi-attribute key shapes.
fn inherent_impl(entity: &Entity<'_>, table: &Path) -> TokenStream {
    let ident = entity.ident;
    let attrs_fn = attrs::attrs_fn(entity);
    let key_fn = key::key_fn(entity);
    let shapes = multi::shape_consts(entity, table);
    let vector_shapes = vector::shape_consts(entity, table);
    quote! {
        impl #ident {
            #attrs_fn

            #key_fn

            #shapes

            #vector_shapes
        }
    }
}

/// `impl Entity`.
fn entity_impl(entity: &Entity<'_>, table: &Path, pk: &Template) -> TokenStream {
    let (krate, ident) = (&entity.krate, entity.ident);
    let key_ident = key::key_ident(entity);
    let schema = schema::schema(entity, table, pk);
    let time_fns = lifecycle::time_fns(entity);
    let unique_fns = writers::unique_fns(entity);
    let key_part_fns = writers::key_part_fns(entity);
    let in_index = when::in_index_fn(entity);
    let check_field_value = attrs::check_field_value_fn(entity);
    let generated_fns = lifecycle::generated_fns(entity);
    let in_index_from = when::in_index_from_fn(entity);
    let decode_shape = shape::decode_shape_fn(entity);
    quote! {
        impl #krate::Entity for #ident {
            type Table = #table;
            type Key = #key_ident;
            const SCHEMA: #krate::EntitySchema = #schema;

            #time_fns

            #unique_fns

            #key_part_fns

            fn key(&self) -> #key_ident {
                #ident::key(self)
            }

            #in_index

            #check_field_value

            #generated_fns

            #in_index_from

            #decode_shape
        }
    }
}
