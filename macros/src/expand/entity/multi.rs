//! Multi-attribute indexes: the typed key shape (`Match::ByRound`) and the compile-time
//! checks that the listed fields are the table's index attributes, in order, with the
//! declared types, and that no other field is stored under one of their names.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Path;

use crate::internals::model::entity::Entity;
use crate::internals::model::index::{Index, MultiFields};

/// The shape constants, one per multi-attribute index.
pub(crate) fn shape_consts(entity: &Entity<'_>, table: &Path) -> TokenStream {
    let consts = entity
        .multi_indexes()
        .map(|(index, fields)| shape_const(entity, table, index, fields));
    quote!(#(#consts)*)
}

/// `Match::ByRound`: the typed shape of the entity's key on a multi-attribute index.
fn shape_const(entity: &Entity<'_>, table: &Path, index: &Index, m: &MultiFields) -> TokenStream {
    let (krate, ident) = (&entity.krate, entity.ident);
    let name = &index.attr.name;
    let value = |position: usize| {
        let ty = entity.fields[position].ty;
        quote!(<#ty as #krate::KeyAttribute>::Value)
    };
    let partition = m.partition.iter().map(|(p, _)| value(*p));
    let sort = m.sort.iter().rev().fold(quote!(()), |rest, (p, _)| {
        let v = value(*p);
        quote!((#v, #rest))
    });
    let doc = format!(
        "`{ident}`'s key on multi-attribute index `{name}`: \
         `db.query_index({ident}::{name}.partition(..))`."
    );
    quote! {
        #[doc = #doc]
        #[allow(non_upper_case_globals)]
        pub const #name: #krate::MultiKeyShape<
            #ident,
            <#table as #krate::__private::IndexAt<{ #table::#name.position() }>>::Handle,
            (#(#partition,)*),
            #sort,
        > = #krate::MultiKeyShape::new(#table::#name);
    }
}

/// The checks of every multi-attribute index's field lists.
pub(crate) fn checks(entity: &Entity<'_>, table: &Path) -> TokenStream {
    let checks = entity
        .multi_indexes()
        .map(|(index, fields)| index_checks(entity, table, index, fields));
    quote!(#(#checks)*)
}

/// Compile-time checks that the listed fields are the index's attributes, in order, with
/// the declared types.
fn index_checks(entity: &Entity<'_>, table: &Path, index: &Index, m: &MultiFields) -> TokenStream {
    let (krate, ident) = (&entity.krate, entity.ident);
    let name = &index.attr.name;
    let index = quote_spanned!(name.span()=> #krate::__private::multi_index(#table::#name));
    let mut out = TokenStream::new();
    for (partition, list, what) in [(true, &m.partition, "partition"), (false, &m.sort, "sort")] {
        let count = list.len();
        let count_message = format!(
            "`{ident}` lists {count} field(s) for the {what} key of `{name}`, which has a \
             different number of {what} attributes; list one field per attribute, in order"
        );
        out.extend(quote_spanned! {name.span()=>
            if #krate::__private::multi_attribute_count(#index, #partition) != #count {
                ::core::panic!(#count_message);
            }
        });
        for (position, (field, span)) in list.iter().enumerate() {
            let f = &entity.fields[*field];
            let (attribute, ty) = (&f.attribute, f.ty);
            let n = position + 1;
            let missing = format!("`{name}` has no {what} attribute {n}");
            let renamed = format!(
                "field `{}` is stored as `{attribute}`, but {what} attribute {n} of `{name}` has \
                 another name; list the fields in the index's order (or rename with serde)",
                f.ident
            );
            let retyped = format!(
                "the type of field `{}` serializes as another DynamoDB type than `{name}` \
                 declares for `{attribute}` (S, N or B)",
                f.ident
            );
            out.extend(quote_spanned! {*span=>
                match #krate::__private::multi_attribute_mismatch(
                    #index,
                    #partition,
                    #position,
                    #attribute,
                    <#ty as #krate::KeyAttribute>::SCALAR,
                ) {
                    1 => ::core::panic!(#missing),
                    2 => ::core::panic!(#renamed),
                    3 => ::core::panic!(#retyped),
                    _ => {}
                }
            });
        }
    }
    out
}

/// No stored field may carry the name of a multi-attribute index key the entity does not
/// declare: its type would go unchecked.
pub(crate) fn undeclared_checks(entity: &Entity<'_>, table: &Path) -> TokenStream {
    let (krate, ident) = (&entity.krate, entity.ident);
    let declared: Vec<String> = entity
        .multi_indexes()
        .map(|(index, _)| index.attr.name.to_string())
        .collect();
    let checks = entity.fields.iter().filter(|f| !f.skipped).map(|f| {
        let attribute = &f.attribute;
        let message = format!(
            "field `{}` of `{ident}` is stored as `{attribute}`, a key attribute of a \
             multi-attribute index `{ident}` does not declare; list the field in that index \
             (`#[dynamo(index(Name, pk = [..], sk = [..]))]`) so its type is checked, or store \
             it under another name (`#[serde(rename = \"...\")]`)",
            f.ident
        );
        quote_spanned! {f.ident.span()=>
            if #krate::__private::undeclared_multi_attribute(
                &<#table as #krate::Table>::SCHEMA,
                #attribute,
                &[#(#declared),*],
            ) {
                ::core::panic!(#message);
            }
        }
    });
    quote!(#(#checks)*)
}
