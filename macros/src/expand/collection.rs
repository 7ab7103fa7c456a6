//! `#[derive(Collection)]`: routing of a query's items into `Vec`/`Option` fields, with a
//! compile-time check that all members can share one partition.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Path;
use syn::spanned::Spanned;

use crate::internals::model::collection::{Collection, Kind, Member};

/// The derive's output for a checked collection.
pub(crate) fn expand(collection: &Collection<'_>) -> TokenStream {
    // The checks report a missing table and a struct without members.
    let (Some(table), Some(members)) = (&collection.table, &collection.members) else {
        return TokenStream::new();
    };
    if members.is_empty() {
        return TokenStream::new();
    }
    let (krate, ident) = (&collection.krate, collection.ident);
    let name = ident.to_string();
    let (index_name, index_schema) = match collection.indexes.first() {
        Some(index) => {
            let i = &index.name;
            (
                index.name.to_string(),
                quote!(::core::option::Option::Some(#table::#i.schema())),
            )
        }
        None => (String::new(), quote!(::core::option::Option::None)),
    };
    let checks = checks(krate, table, members, &index_name);
    let schemas = members
        .iter()
        .map(|m| m.ty)
        .map(|ty| quote!(<#ty as #krate::Entity>::SCHEMA));
    let arms = members
        .iter()
        .map(|member| insert_arm(krate, &name, member));
    quote! {
        #checks

        impl #krate::Collection for #ident {
            type Table = #table;
            const NAME: &'static str = #name;
            const INDEX: ::core::option::Option<&'static #krate::IndexSchema> = #index_schema;
            const MEMBERS: &'static [#krate::EntitySchema] = &[#(#schemas),*];

            fn insert(
                &mut self,
                discriminator: &str,
                item: #krate::Item,
            ) -> ::core::result::Result<bool, #krate::Error> {
                #(#arms)*
                ::core::result::Result::Ok(false)
            }
        }
    }
}

/// Every member is an entity of the table with a template on the index, and all share the
/// first member's partition.
fn checks(krate: &Path, table: &Path, members: &[Member<'_>], index_name: &str) -> TokenStream {
    let (first_field, first) = (members[0].ident, members[0].ty);
    let where_ = if index_name.is_empty() {
        "the table".to_owned()
    } else {
        format!("index `{index_name}`")
    };
    let checks = members.iter().map(|Member { ident: fi, ty, .. }| {
        let missing = format!("member `{fi}` has no key template on {where_}");
        let differs = format!(
            "members `{first_field}` and `{fi}` cannot share a partition on {where_}: their \
             partition-key templates differ in shape"
        );
        quote_spanned! {ty.span()=>
            if !#krate::__private::has_template(&<#ty as #krate::Entity>::SCHEMA, #index_name) {
                ::core::panic!(#missing);
            }
            if !#krate::__private::share_partition(
                &<#first as #krate::Entity>::SCHEMA,
                &<#ty as #krate::Entity>::SCHEMA,
                #index_name,
            ) {
                ::core::panic!(#differs);
            }
        }
    });
    let same_table = members
        .iter()
        .map(|Member { ty, .. }| quote_spanned!(ty.span()=> __dynamorm_same_table::<#ty>();));
    quote! {
        const _: () = {
            fn __dynamorm_same_table<E: #krate::Entity<Table = #table>>() {}
            #[allow(dead_code)]
            fn __dynamorm_checks() {
                #(#same_table)*
            }
            #(#checks)*
        };
    }
}

/// Stores an item of the member's type in its field.
fn insert_arm(krate: &Path, collection: &str, member: &Member<'_>) -> TokenStream {
    let (fi, ty) = (member.ident, member.ty);
    let decode = quote! {
        #krate::__private::decode_as::<#ty>(item)?
    };
    let store = match member.kind {
        Kind::Many => quote!(self.#fi.push(#decode);),
        Kind::One => {
            let field = fi.to_string();
            quote! {
                if self.#fi.is_some() {
                    return ::core::result::Result::Err(#krate::__private::second_collection_item(
                        #collection,
                        #field,
                        discriminator,
                    ));
                }
                self.#fi = ::core::option::Option::Some(#decode);
            }
        }
    };
    quote! {
        if discriminator == <#ty as #krate::Entity>::SCHEMA.name {
            #store
            return ::core::result::Result::Ok(true);
        }
    }
}
