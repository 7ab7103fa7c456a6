//! `when = ..` conditions: which layout of an index (if any) an item uses, decided from the
//! entity (`in_index`) and from the value an update sets (`in_index_from`), and the check
//! that a `when = flag` field is a `bool`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::internals::attr::index::{When, WhenTest};
use crate::internals::model::entity::Entity;
use crate::internals::model::field::Field;

/// The template layouts with a `when` on a known field: (layout number, condition, field).
fn whens<'e, 'a>(entity: &'e Entity<'a>) -> Vec<(usize, &'e When, &'e Field<'a>)> {
    let layouts = entity.template_layouts().enumerate();
    let whens = layouts.filter_map(|(i, (index, layout, _))| {
        let when = index.attr.when.as_ref()?;
        Some((i, when, &entity.fields[layout.when_field?]))
    });
    whens.collect()
}

/// The condition applied to `value`.
fn test(krate: &syn::Path, when: &When, value: TokenStream) -> TokenStream {
    match &when.test {
        WhenTest::Flag => quote!(#krate::__private::WhenField::member(&#value)),
        WhenTest::NotFlag => quote!(!#krate::__private::WhenField::member(&#value)),
        WhenTest::Matches(pattern) => quote!(::core::matches!(&#value, #pattern)),
    }
}

/// `in_index`: whether the entity uses layout `index`.
pub(crate) fn in_index_fn(entity: &Entity<'_>) -> TokenStream {
    if whens(entity).is_empty() {
        return TokenStream::new();
    }
    let krate = &entity.krate;
    let arms = whens(entity).into_iter().map(|(i, when, f)| {
        let fi = f.ident;
        let test = test(krate, when, quote!(self.#fi));
        quote!(#i => #test,)
    });
    quote! {
        fn in_index(&self, index: usize) -> bool {
            match index {
                #(#arms)*
                _ => true,
            }
        }
    }
}

/// `in_index_from`: whether an item uses layout `index` after an update sets its `when`
/// field to `value`.
pub(crate) fn in_index_from_fn(entity: &Entity<'_>) -> TokenStream {
    if whens(entity).is_empty() {
        return TokenStream::new();
    }
    let krate = &entity.krate;
    let arms = whens(entity).into_iter().map(|(i, when, f)| {
        let ty = f.ty;
        let attribute = &f.attribute;
        let test = test(krate, when, quote!(value));
        quote!(#i => {
            let ::core::option::Option::Some(value) =
                #krate::__private::when_value::<#ty>(#attribute, value)?
            else {
                return ::core::result::Result::Ok(false);
            };
            ::core::result::Result::Ok(#test)
        })
    });
    quote! {
        fn in_index_from(
            index: usize,
            value: ::core::option::Option<&#krate::__private::AttributeValue>,
        ) -> ::core::result::Result<bool, #krate::Error> {
            let _ = &value;
            match index {
                #(#arms)*
                _ => ::core::result::Result::Ok(true),
            }
        }
    }
}

/// `when = flag` and `when = !flag` read a `bool`; the check points at the field's name.
pub(crate) fn type_checks(entity: &Entity<'_>) -> TokenStream {
    let checks = whens(entity).into_iter().filter_map(|(_, when, f)| {
        if matches!(when.test, WhenTest::Matches(_)) {
            return None;
        }
        let ty = f.ty;
        Some(quote_spanned!(when.field.span()=> __dynamorm_assert_when::<#ty>();))
    });
    quote!(#(#checks)*)
}
