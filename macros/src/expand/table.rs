//! `#[derive(Table)]`: a `Table` impl and one typed `Index` constant per index.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Ident, LitStr, Path};

use crate::expand::tokens::option;
use crate::internals::attr::index::{
    IndexAttr, KeyList, KeyListItem, ProjectionAttr, ProjectionKind,
};
use crate::internals::attr::vector::VectorIndexAttr;
use crate::internals::model::table::Table;

/// What the index constants of one table share.
struct Ctx<'a> {
    krate: &'a Path,
    table: &'a Ident,
    discriminator: String,
}

/// The derive's output for a checked table.
pub(crate) fn expand(table: &Table<'_>) -> TokenStream {
    let (krate, ident, attrs) = (&table.krate, table.ident, &table.attrs);
    let name = table.name();
    let pk = table.partition_key();
    let sk = option(table.sort_key());
    let discriminator = table.discriminator();
    let ttl = option(attrs.ttl.as_ref());
    let ctx = Ctx {
        krate,
        table: ident,
        discriminator: discriminator.clone(),
    };
    let index_consts = attrs.indexes.iter().enumerate().map(|(position, index)| {
        if index.is_multi() {
            multi_index_const(&ctx, position, index)
        } else {
            template_index_const(&ctx, position, index)
        }
    });
    let index_at = attrs.indexes.iter().enumerate().map(|(position, index)| {
        let handle = handle_type(&ctx, position, index);
        quote! {
            impl #krate::__private::IndexAt<#position> for #ident {
                type Handle = #handle;
            }
        }
    });
    let index_refs = attrs.indexes.iter().map(|index| {
        let hidden = hidden_const(&index.name);
        quote!(#ident::#hidden)
    });
    let vector_consts = attrs
        .vector_indexes
        .iter()
        .map(|index| vector_index_const(&ctx, index));
    let vector_refs = attrs.vector_indexes.iter().map(|index| {
        let hidden = hidden_const(&index.name);
        quote!(#ident::#hidden)
    });
    quote! {
        impl #ident {
            #(#index_consts)*
            #(#vector_consts)*
        }

        #(#index_at)*

        impl #krate::Table for #ident {
            const SCHEMA: #krate::TableSchema = #krate::TableSchema::new(#name)
                .with_partition_key(#pk)
                .with_sort_key(#sk)
                .with_discriminator(#discriminator)
                .with_indexes(&[#(#index_refs),*])
                .with_vector_indexes(&[#(#vector_refs),*])
                .with_ttl(#ttl);
        }
    }
}

/// The constant holding an index's schema, which the typed constant points to.
fn hidden_const(index: &Ident) -> Ident {
    quote::format_ident!("__DYNAMORM_INDEX_{}", index)
}

/// The handle type of the `position`th index: its kind and projection mark.
fn handle_type(ctx: &Ctx<'_>, position: usize, index: &IndexAttr) -> TokenStream {
    let (krate, table) = (ctx.krate, ctx.table);
    let handle = if index.is_multi() {
        quote!(MultiIndex)
    } else {
        quote!(Index)
    };
    let mark = match index.projection.as_ref().map(|p| &p.kind) {
        None | Some(ProjectionKind::All) => quote!(All),
        Some(ProjectionKind::KeysOnly) => quote!(KeysOnly),
        Some(ProjectionKind::Include(_)) => quote!(Include),
    };
    quote!(#krate::#handle<#table, #krate::projection::#mark<#position>>)
}

/// `.with_projection(..)` for an index's schema: the discriminator and the shape version
/// join an include list.
fn projection(ctx: &Ctx<'_>, index: &IndexAttr) -> TokenStream {
    projection_of(ctx, index.projection.as_ref())
}

/// `.with_projection(..)` for `projection`.
fn projection_of(ctx: &Ctx<'_>, projection: Option<&ProjectionAttr>) -> TokenStream {
    let krate = ctx.krate;
    let value = match projection.map(|p| &p.kind) {
        None | Some(ProjectionKind::All) => return TokenStream::new(),
        Some(ProjectionKind::KeysOnly) => quote!(#krate::IndexProjection::KeysOnly),
        Some(ProjectionKind::Include(names)) => {
            // The library reads the discriminator and the shape version of every item.
            let shape = "_shape".to_owned();
            let names = names
                .iter()
                .map(|(n, _)| n)
                .chain([&ctx.discriminator, &shape]);
            quote!(#krate::IndexProjection::Include(&[#(#names),*]))
        }
    };
    quote!(.with_projection(#value))
}

/// The typed constant and schema of a template index.
fn template_index_const(ctx: &Ctx<'_>, position: usize, index: &IndexAttr) -> TokenStream {
    let krate = ctx.krate;
    let const_name = &index.name;
    let index_name = index.name.to_string();
    let ipk = index.pk.as_ref().map(LitStr::value).unwrap_or_default();
    let isk = option(index.sk.as_ref());
    let doc = format!(
        "The `{index_name}` index (partition key `{ipk}`; projection {}).",
        projection_doc(index)
    );
    let hidden = hidden_const(const_name);
    let projection = projection(ctx, index);
    let handle = handle_type(ctx, position, index);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        pub const #hidden: #krate::IndexSchema =
            #krate::IndexSchema::new(#index_name, #ipk, #isk)#projection;
        #[doc = #doc]
        #[allow(non_upper_case_globals)]
        pub const #const_name: #handle = #krate::Index::new(&Self::#hidden);
    }
}

/// The projection as the handle's documentation says it.
fn projection_doc(index: &IndexAttr) -> String {
    match index.projection.as_ref().map(|p| &p.kind) {
        None | Some(ProjectionKind::All) => "`ALL`".to_owned(),
        Some(ProjectionKind::KeysOnly) => "`KEYS_ONLY`".to_owned(),
        Some(ProjectionKind::Include(names)) => {
            let names: Vec<String> = names.iter().map(|(n, _)| format!("`{n}`")).collect();
            format!("`INCLUDE` {}", names.join(", "))
        }
    }
}

/// The typed constant and schema of a multi-attribute index.
fn multi_index_const(ctx: &Ctx<'_>, position: usize, index: &IndexAttr) -> TokenStream {
    let krate = ctx.krate;
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
        "The `{index_name}` multi-attribute index (partition {}; sort {sort_names}; projection {}).",
        names(&index.pk_list),
        projection_doc(index),
    );
    let hidden = hidden_const(const_name);
    let projection = projection(ctx, index);
    let handle = handle_type(ctx, position, index);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        pub const #hidden: #krate::IndexSchema =
            #krate::IndexSchema::multi_attribute(#index_name, #partition, #sort)#projection;
        #[doc = #doc]
        #[allow(non_upper_case_globals)]
        pub const #const_name: #handle = #krate::MultiIndex::new(&Self::#hidden);
    }
}

/// The typed constant and schema of a vector index.
fn vector_index_const(ctx: &Ctx<'_>, index: &VectorIndexAttr) -> TokenStream {
    let krate = ctx.krate;
    let const_name = &index.name;
    let index_name = index.name.to_string();
    let attribute = index
        .vector
        .as_ref()
        .map(|v| v.0.clone())
        .unwrap_or_default();
    let dimensions = index.dimensions.map_or(0, |d| d.0);
    let distance = syn::Ident::new(
        index.distance_variant().unwrap_or("Cosine"),
        proc_macro2::Span::call_site(),
    );
    let search = |item: &KeyListItem| {
        let name = &item.name;
        let scalar = item
            .scalar
            .clone()
            .unwrap_or_else(|| syn::Ident::new("S", item.span));
        quote!(#krate::IndexAttribute::new(#name, #krate::ScalarType::#scalar))
    };
    let hash = match &index.hash {
        Some(item) => {
            let h = search(item);
            quote!(::core::option::Option::Some(#h))
        }
        None => quote!(::core::option::Option::None),
    };
    let filters = index.filters.iter().flat_map(|f| &f.items).map(search);
    let projection = projection_of(ctx, index.projection.as_ref());
    let hidden = hidden_const(const_name);
    let doc = format!(
        "The `{index_name}` vector index (`{attribute}`, {dimensions} dimensions, {}).",
        index
            .distance
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        pub const #hidden: #krate::vector::VectorIndexSchema =
            #krate::vector::VectorIndexSchema::new(
                #index_name,
                #attribute,
                #dimensions,
                #krate::vector::DistanceFunction::#distance,
            )
            .with_search_schema(#hash, &[#(#filters),*])
            #projection;
        #[doc = #doc]
        #[allow(non_upper_case_globals)]
        pub const #const_name: #krate::vector::VectorIndex<Self> =
            #krate::vector::VectorIndex::new(&Self::#hidden);
    }
}
