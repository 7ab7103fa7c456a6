//! Whether the entity fits each index it declares: one `Fits` impl per index, its verdict
//! a type picked by a `const fn` over the index's projection and the entity's stored
//! attributes, so a full-entity read through an index that leaves some out does not compile.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Path;

use crate::internals::model::entity::Entity;

/// The `Fits` impls, one per distinct index the entity declares (layouts share one).
pub(crate) fn fits_impls(entity: &Entity<'_>, table: &Path) -> TokenStream {
    let mut names: Vec<&syn::Ident> = Vec::new();
    for index in &entity.indexes {
        if !names.contains(&&index.attr.name) {
            names.push(&index.attr.name);
        }
    }
    let attributes: Vec<&str> = entity
        .fields
        .iter()
        .filter(|f| !f.skipped)
        .map(|f| f.attribute.as_str())
        .collect();
    let impls = names
        .iter()
        .map(|name| fits_impl(&entity.krate, entity.ident, table, name, &attributes));
    quote!(#(#impls)*)
}

/// `impl Fits<Table, N> for Type`: whether index `name` carries every one of `attributes`.
/// The projection derive writes the same for its fields.
pub(crate) fn fits_impl(
    krate: &Path,
    ident: &syn::Ident,
    table: &Path,
    name: &syn::Ident,
    attributes: &[&str],
) -> TokenStream {
    quote! {
        impl #krate::__private::Fits<#table, { #table::#name.position() }> for #ident {
            type Verdict = <#krate::__private::Verdict<
                { #table::#name.schema().carries(&[#(#attributes),*]) },
            > as #krate::__private::Pick>::Out;
        }
    }
}
