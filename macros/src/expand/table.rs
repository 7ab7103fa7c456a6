//! `#[derive(Table)]`: a `Table` impl and one typed `Index` constant per index.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Ident, LitStr, Path};

use crate::expand::tokens::option;
use crate::internals::attr::index::{IndexAttr, KeyList};
use crate::internals::model::table::Table;

/// The derive's output for a checked table.
pub(crate) fn expand(table: &Table<'_>) -> TokenStream {
    let (krate, ident, attrs) = (&table.krate, table.ident, &table.attrs);
    let name = table.name();
    let pk = table.partition_key();
    let sk = option(table.sort_key());
    let discriminator = table.discriminator();
    let ttl = option(attrs.ttl.as_ref());
    let index_consts = attrs.indexes.iter().map(|index| {
        if index.is_multi() {
            multi_index_const(krate, ident, index)
        } else {
            template_index_const(krate, ident, index)
        }
    });
    let index_refs = attrs.indexes.iter().map(|index| {
        let hidden = hidden_const(&index.name);
        quote!(#ident::#hidden)
    });
    quote! {
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
    }
}

/// The constant holding an index's schema, which the typed constant points to.
fn hidden_const(index: &Ident) -> Ident {
    quote::format_ident!("__DYNAMORM_INDEX_{}", index)
}

/// The typed constant and schema of a template index.
fn template_index_const(krate: &Path, table: &Ident, index: &IndexAttr) -> TokenStream {
    let const_name = &index.name;
    let index_name = index.name.to_string();
    let ipk = index.pk.as_ref().map(LitStr::value).unwrap_or_default();
    let isk = option(index.sk.as_ref());
    let doc = format!("The `{index_name}` index (partition key `{ipk}`).");
    let hidden = hidden_const(const_name);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        pub const #hidden: #krate::IndexSchema = #krate::IndexSchema::new(#index_name, #ipk, #isk);
        #[doc = #doc]
        #[allow(non_upper_case_globals)]
        pub const #const_name: #krate::Index<#table> = #krate::Index::new(&Self::#hidden);
    }
}

/// The typed constant and schema of a multi-attribute index.
fn multi_index_const(krate: &Path, table: &Ident, index: &IndexAttr) -> TokenStream {
    let const_name = &index.name;
    let index_name = index.name.to_string();
    let attributes = |list: &Option<KeyList>| {
        let items = list.iter().flat_map(|l| &l.items).map(|item| {
            let name = &item.name;
            let scalar = item
                .scalar
                .clone()
                .unwrap_or_else(|| Ident::new("S", item.span));
            quote!(#krate::IndexAttribute::new(#name, #krate::ScalarType::#scalar))
        });
        quote!(&[#(#items),*])
    };
    let (partition, sort) = (attributes(&index.pk_list), attributes(&index.sk_list));
    let names = |list: &Option<KeyList>| {
        let names = list
            .iter()
            .flat_map(|l| &l.items)
            .map(|i| format!("`{}`", i.name));
        names.collect::<Vec<_>>().join(", ")
    };
    let sort_names = match names(&index.sk_list) {
        n if n.is_empty() => "none".to_owned(),
        n => n,
    };
    let doc = format!(
        "The `{index_name}` multi-attribute index (partition {}; sort {sort_names}).",
        names(&index.pk_list),
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
