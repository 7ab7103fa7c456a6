//! `#[derive(Table)]`: a `Table` impl and one typed `Index` constant per index.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput};

use crate::internals::attr::container::{self as attr, ContainerKey};
use crate::internals::attr::index as attr_index;
use crate::internals::ctxt::Ctxt;

pub(crate) fn expand(input: &DeriveInput) -> Result<TokenStream, Vec<syn::Error>> {
    let mut cx = Ctxt::default();
    let attrs = attr::container(
        &mut cx,
        &input.attrs,
        &[
            ContainerKey::Name,
            ContainerKey::Pk,
            ContainerKey::Sk,
            ContainerKey::NoSortKey,
            ContainerKey::Discriminator,
            ContainerKey::Index,
            ContainerKey::Ttl,
            ContainerKey::Crate,
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
    check_multi_attribute_indexes(&mut cx, &attrs);
    for (i, index) in attrs.indexes.iter().enumerate() {
        if attrs.indexes[..i]
            .iter()
            .any(|other| other.name == index.name)
        {
            let name = &index.name;
            cx.error_spanned_by(name, format!("duplicate index `{name}`"));
        }
        if let Some(when) = &index.when {
            cx.error_spanned_by(
                &when.field,
                "`when` belongs on an entity's index layout, not on the table",
            );
        }
    }
    for index in attrs.indexes.iter().filter(|i| !i.is_multi()) {
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

    let krate = attrs.krate();
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
        if index.is_multi() {
            return multi_index_const(&krate, ident, index);
        }
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

/// The typed constant and schema of a multi-attribute index.
fn multi_index_const(
    krate: &syn::Path,
    table: &syn::Ident,
    index: &attr_index::IndexAttr,
) -> TokenStream {
    let const_name = &index.name;
    let index_name = index.name.to_string();
    let attributes = |list: &Option<attr_index::KeyList>| {
        let items = list.iter().flat_map(|l| &l.items).map(|item| {
            let name = &item.name;
            let scalar = item
                .scalar
                .clone()
                .unwrap_or_else(|| syn::Ident::new("S", item.span));
            quote!(#krate::IndexAttribute::new(#name, #krate::ScalarType::#scalar))
        });
        quote!(&[#(#items),*])
    };
    let (partition, sort) = (attributes(&index.pk_list), attributes(&index.sk_list));
    let names = |list: &Option<attr_index::KeyList>| {
        list.iter()
            .flat_map(|l| &l.items)
            .map(|i| format!("`{}`", i.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let doc = format!(
        "The `{index_name}` multi-attribute index (partition {}; sort {}).",
        names(&index.pk_list),
        match names(&index.sk_list) {
            n if n.is_empty() => "none".to_owned(),
            n => n,
        }
    );
    let hidden = hidden_const(const_name);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        pub const #hidden: #krate::IndexSchema =
            #krate::IndexSchema::multi_attribute(#index_name, #partition, #sort);
        #[doc = #doc]
        #[allow(non_upper_case_globals)]
        pub const #const_name: #krate::MultiIndex<#table> = #krate::MultiIndex::new(&Self::#hidden);
    }
}

/// DynamoDB's rules for multi-attribute keys, checked on the user's tokens: 1–4 partition
/// and 0–4 sort attributes, each typed `S`, `N` or `B`, none repeated, none a key attribute
/// the library writes, and one type per attribute across indexes.
fn check_multi_attribute_indexes(cx: &mut Ctxt, attrs: &attr::ContainerAttrs) {
    let mut reserved: Vec<String> = vec![
        attrs
            .pk
            .as_ref()
            .map_or_else(|| "PK".to_owned(), syn::LitStr::value),
        attrs
            .discriminator
            .as_ref()
            .map_or_else(|| "_type".to_owned(), syn::LitStr::value),
    ];
    if !attrs.no_sort_key {
        reserved.push(
            attrs
                .sk
                .as_ref()
                .map_or_else(|| "SK".to_owned(), syn::LitStr::value),
        );
    }
    reserved.extend(attrs.ttl.as_ref().map(syn::LitStr::value));
    for index in attrs.indexes.iter().filter(|i| !i.is_multi()) {
        reserved.extend(index.pk.as_ref().map(syn::LitStr::value));
        reserved.extend(index.sk.as_ref().map(syn::LitStr::value));
    }
    let mut types: Vec<(String, String)> = Vec::new();
    for index in attrs.indexes.iter().filter(|i| i.is_multi()) {
        let name = &index.name;
        let Some(pk) = &index.pk_list else {
            if index.pk.is_some() {
                // Reported already: templates and lists mixed.
                continue;
            }
            cx.error_spanned_by(
                name,
                format!("index `{name}` needs its partition attributes: `pk = [name: S, ..]`"),
            );
            continue;
        };
        let mut seen: Vec<&str> = Vec::new();
        for (what, list, min) in [
            ("partition", Some(pk), 1),
            ("sort", index.sk_list.as_ref(), 0),
        ] {
            let Some(list) = list else { continue };
            if list.items.len() < min || list.items.len() > 4 {
                cx.syn_error(syn::Error::new(
                    list.span,
                    format!(
                        "a multi-attribute {what} key has {min} to 4 attributes (DynamoDB's \
                         limit); `{name}` lists {}",
                        list.items.len()
                    ),
                ));
            }
            for item in &list.items {
                let scalar = item.scalar.as_ref().map(ToString::to_string);
                let valid = matches!(scalar.as_deref(), Some("S" | "N" | "B"));
                match scalar.as_deref() {
                    Some("S" | "N" | "B") => {}
                    Some(_) => cx.error_spanned_by(
                        item.scalar.as_ref(),
                        "a key attribute's type is `S` (string), `N` (number) or `B` (binary)",
                    ),
                    None => cx.syn_error(syn::Error::new(
                        item.span,
                        format!(
                            "give the attribute's type: `{}: S`, `: N` or `: B`",
                            item.name
                        ),
                    )),
                }
                if item.name.is_empty() {
                    cx.syn_error(syn::Error::new(
                        item.span,
                        "an attribute name cannot be empty",
                    ));
                }
                if seen.contains(&item.name.as_str()) {
                    cx.syn_error(syn::Error::new(
                        item.span,
                        format!("attribute `{}` is listed twice in `{name}`", item.name),
                    ));
                }
                seen.push(&item.name);
                if reserved.contains(&item.name) {
                    cx.syn_error(syn::Error::new(
                        item.span,
                        format!(
                            "attribute `{}` is a key attribute the library writes (table key, \
                             template index key, discriminator or TTL); a multi-attribute \
                             index is keyed by entity fields",
                            item.name
                        ),
                    ));
                }
                if let (Some(scalar), true) = (scalar, valid) {
                    match types.iter().find(|(n, _)| *n == item.name) {
                        Some((_, other)) if *other != scalar => cx.syn_error(syn::Error::new(
                            item.span,
                            format!(
                                "attribute `{}` is `{other}` in another index; one attribute \
                                 has one type",
                                item.name
                            ),
                        )),
                        Some(_) => {}
                        None => types.push((item.name.clone(), scalar)),
                    }
                }
            }
        }
    }
}
