//! `#[derive(Collection)]`: routing of a query's items into `Vec`/`Option` fields, with a
//! compile-time check that all members can share one partition.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Data, DeriveInput, Fields, Path, Type};

use crate::internals::attr::container::{self as attr, ContainerKey};
use crate::internals::ctxt::Ctxt;

enum Kind {
    Many,
    One,
}

pub(crate) fn expand(input: &DeriveInput) -> Result<TokenStream, Vec<syn::Error>> {
    let mut cx = Ctxt::default();
    let attrs = attr::container(
        &mut cx,
        &input.attrs,
        &[
            ContainerKey::Table,
            ContainerKey::Index,
            ContainerKey::Crate,
        ],
    );
    let ident = &input.ident;
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => Some(&named.named),
            _ => None,
        },
        _ => None,
    };
    let Some(named) = named else {
        cx.error_spanned_by(
            ident,
            "`#[derive(Collection)]` needs a struct with named fields",
        );
        return Err(cx.check().err().unwrap_or_default());
    };
    let Some(table) = attrs.table.clone() else {
        cx.error_spanned_by(
            ident,
            "name the collection's table: `#[dynamo(table = MyTable)]`",
        );
        return Err(cx.check().err().unwrap_or_default());
    };
    if attrs.indexes.len() > 1 {
        cx.error_spanned_by(ident, "a collection is read from one index");
    }
    let mut members: Vec<(&syn::Ident, &Type, Kind)> = Vec::new();
    for field in named {
        let Some(fi) = field.ident.as_ref() else {
            continue;
        };
        match wrapped(&field.ty) {
            Some((kind, inner)) => members.push((fi, inner, kind)),
            None => cx.error_spanned_by(
                &field.ty,
                "collection fields are `Vec<Entity>` or `Option<Entity>`",
            ),
        }
    }
    if members.is_empty() {
        cx.error_spanned_by(ident, "a collection needs at least one member field");
    }
    cx.check()?;

    let krate: Path = attrs.krate();
    let name = ident.to_string();
    let (index_name, index_schema) = match attrs.indexes.first() {
        Some(index) => {
            let i = &index.name;
            (
                index.name.to_string(),
                quote!(::core::option::Option::Some(#table::#i.schema())),
            )
        }
        None => (String::new(), quote!(::core::option::Option::None)),
    };
    let checks = members.iter().map(|(fi, ty, _)| {
        let (first_field, first) = (members[0].0, members[0].1);
        let where_ = if index_name.is_empty() {
            "the table".to_owned()
        } else {
            format!("index `{index_name}`")
        };
        let missing = format!("member `{fi}` has no key template on {where_}");
        let differs = format!(
            "members `{first_field}` and `{fi}` cannot share a partition on {where_}: their \
             partition-key templates differ in shape"
        );
        quote_spanned! {syn::spanned::Spanned::span(ty)=>
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
    let same_table = members.iter().map(|(_, ty, _)| {
        quote_spanned!(syn::spanned::Spanned::span(ty)=> __dynamorm_same_table::<#ty>();)
    });
    let schemas = members
        .iter()
        .map(|(_, ty, _)| quote!(<#ty as #krate::Entity>::SCHEMA));
    let arms = members.iter().map(|(fi, ty, kind)| {
        let decode = quote! {
            #krate::__private::decode_unchecked::<#ty>(<#ty as #krate::Entity>::SCHEMA.name, item)?
        };
        let store = match kind {
            Kind::Many => quote!(self.#fi.push(#decode);),
            Kind::One => {
                let reason =
                    format!("field `{fi}` holds one item, but the query returned a second `{{}}`");
                quote! {
                    if self.#fi.is_some() {
                        return ::core::result::Result::Err(#krate::Error::Collection {
                            collection: #name,
                            reason: ::std::format!(#reason, discriminator),
                        });
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
    });

    Ok(quote! {
        const _: () = {
            fn __dynamorm_same_table<E: #krate::Entity<Table = #table>>() {}
            #[allow(dead_code)]
            fn __dynamorm_checks() {
                #(#same_table)*
            }
            #(#checks)*
        };

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
    })
}

/// `Vec<T>` → (Many, T); `Option<T>` → (One, T).
fn wrapped(ty: &Type) -> Option<(Kind, &Type)> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let kind = match last.ident.to_string().as_str() {
        "Vec" => Kind::Many,
        "Option" => Kind::One,
        _ => return None,
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => Some((kind, inner)),
        _ => None,
    }
}
