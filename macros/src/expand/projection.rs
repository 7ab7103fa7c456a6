//! `#[derive(Projection)]`: the `Projection` impl, a check of each field against the
//! entity's (name, type, stored name), whether the named index holds them, and one `Fits`
//! verdict per index position, so any index of the table can be asked at the read.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Path};

use crate::internals::model::field::Field;
use crate::internals::model::projection::{CHECKED_POSITIONS, Projection};

/// The derive's output for a checked projection.
pub(crate) fn expand(projection: &Projection<'_>) -> TokenStream {
    let Some(entity) = &projection.entity else {
        return TokenStream::new();
    };
    let (krate, ident) = (&projection.krate, projection.ident);
    let attributes: Vec<&str> = projection
        .read_fields()
        .map(|f| f.attribute.as_str())
        .collect();
    let field_checks = projection
        .read_fields()
        .map(|f| field_check(krate, ident, entity, f));
    let index_check = projection
        .indexes
        .first()
        .map(|index| index_check(krate, ident, entity, &index.name, &attributes));
    let fits = (0..CHECKED_POSITIONS).map(|position| {
        quote! {
            impl #krate::__private::Fits<<#entity as #krate::Entity>::Table, #position> for #ident {
                type Verdict = <#krate::__private::Verdict<
                    { #krate::__private::carries_at::<<#entity as #krate::Entity>::Table>(
                        #position,
                        &[#(#attributes),*],
                    ) },
                > as #krate::__private::Pick>::Out;
            }
        }
    });
    quote! {
        impl #krate::Projection for #ident {
            type Entity = #entity;
            const ATTRIBUTES: &'static [&'static str] = &[#(#attributes),*];
        }

        const _: () = {
            #(#field_checks)*
            #index_check
        };

        #(#fits)*
    }
}

/// Field `f` is the entity's: a field of that name (an error on the user's field name
/// otherwise), of the same type (on the user's type), stored under the same name.
fn field_check(krate: &Path, ident: &Ident, entity: &Path, f: &Field<'_>) -> TokenStream {
    let (name, ty, attribute) = (f.ident, f.ty, &f.attribute);
    let typed = quote_spanned!(ty.span()=> #krate::__private::FieldOf<#ty>);
    let attr = quote_spanned!(name.span()=> <#entity>::attrs().#name);
    let message = format!(
        "field `{name}` of projection `{ident}` is stored as `{attribute}`, but the entity \
         stores it under another name: give it the entity's serde rename"
    );
    quote_spanned! {name.span()=>
        let _: fn() -> #typed = || #krate::__private::field_of(#attr);
        if !#krate::__private::same_name(#attr.name(), #attribute) {
            ::core::panic!(#message);
        }
    }
}

/// The index named with `index = ..` holds every field of the projection.
fn index_check(
    krate: &Path,
    ident: &Ident,
    entity: &Path,
    index: &Ident,
    attributes: &[&str],
) -> TokenStream {
    let message = format!(
        "index `{index}` does not project every field of `{ident}`: include them in its \
         `projection = include(..)`, or read `{ident}` through another index"
    );
    quote_spanned! {index.span()=>
        if !<<#entity as #krate::Entity>::Table>::#index.schema().carries(&[#(#attributes),*]) {
            ::core::panic!(#message);
        }
    }
}
