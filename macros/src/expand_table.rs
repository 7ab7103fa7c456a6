//! `#[derive(Table)]`: a `Table` impl and one typed `Index` constant per index.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput};

use crate::attr;
use crate::ctxt::Ctxt;

pub(crate) fn expand(input: &DeriveInput) -> Result<TokenStream, Vec<syn::Error>> {
    let mut cx = Ctxt::default();
    let attrs = attr::container(
        &mut cx,
        &input.attrs,
        &[
            "name",
            "pk",
            "sk",
            "no_sort_key",
            "discriminator",
            "index",
            "ttl",
            "crate",
        ],
    );
    if !matches!(input.data, Data::Struct(_)) {
        cx.error_spanned_by(&input.ident, "`#[derive(Table)]` goes on a (unit) struct");
    }
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(&input.generics, "a table cannot be generic");
    }
    if attrs.no_sort_key && attrs.sk.is_some() {
        cx.error_spanned_by(&input.ident, "`no_sort_key` and `sk` contradict each other");
    }
    for index in &attrs.indexes {
        if index.pk.is_none() {
            cx.error_spanned_by(
                &index.name,
                format!(
                    "index `{}` needs its partition key attribute: `pk = \"...\"`",
                    index.name
                ),
            );
        }
    }
    cx.check()?;

    let krate = attrs
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::dynamorm));
    let ident = &input.ident;
    let name = attrs
        .name
        .as_ref()
        .map(syn::LitStr::value)
        .unwrap_or_else(|| ident.to_string());
    let pk = attrs
        .pk
        .as_ref()
        .map_or_else(|| "PK".to_owned(), syn::LitStr::value);
    let sk = if attrs.no_sort_key {
        quote!(::core::option::Option::None)
    } else {
        let sk = attrs
            .sk
            .as_ref()
            .map_or_else(|| "SK".to_owned(), syn::LitStr::value);
        quote!(::core::option::Option::Some(#sk))
    };
    let discriminator = attrs
        .discriminator
        .as_ref()
        .map_or_else(|| "_type".to_owned(), syn::LitStr::value);

    let ttl = match &attrs.ttl {
        Some(t) => quote!(::core::option::Option::Some(#t)),
        None => quote!(::core::option::Option::None),
    };
    let index_consts = attrs.indexes.iter().map(|index| {
        let const_name = &index.name;
        let index_name = index.name.to_string();
        let ipk = index.pk.as_ref().map(syn::LitStr::value).unwrap_or_default();
        let isk = match &index.sk {
            Some(sk) => quote!(::core::option::Option::Some(#sk)),
            None => quote!(::core::option::Option::None),
        };
        let doc = format!("The `{index_name}` index (partition key `{ipk}`).");
        let hidden = hidden_const(const_name);
        quote! {
            #[doc(hidden)]
            #[allow(non_upper_case_globals)]
            pub const #hidden: #krate::IndexSchema = #krate::IndexSchema::new(#index_name, #ipk, #isk);
            #[doc = #doc]
            #[allow(non_upper_case_globals)]
            pub const #const_name: #krate::Index<#ident> = #krate::Index::new(&Self::#hidden);
        }
    });
    let index_refs = attrs.indexes.iter().map(|index| {
        let hidden = hidden_const(&index.name);
        quote!(#ident::#hidden)
    });

    Ok(quote! {
        impl #ident {
            #(#index_consts)*
        }

        impl #krate::Table for #ident {
            const SCHEMA: #krate::TableSchema = #krate::TableSchema::new(#name)
                .with_partition_key(#pk)
                .with_sort_key(#sk)
                .with_discriminator(#discriminator)
                .with_indexes(&[#(#index_refs),*])
                .with_ttl(#ttl);
        }
    })
}

fn hidden_const(index: &syn::Ident) -> syn::Ident {
    quote::format_ident!("__DYNAMORM_INDEX_{}", index)
}
