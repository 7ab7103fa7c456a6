//! `#[derive(Registry)]`: routing of raw items to the variants of an enum of entities, and
//! the field-less `<Name>Kind` enum.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{Data, DeriveInput, Fields, Path, Type};

use crate::internals::attr::container::{self as attr, ContainerKey};
use crate::internals::attr::flag::{self, Flag};
use crate::internals::ctxt::Ctxt;

pub(crate) fn expand(input: &DeriveInput) -> Result<TokenStream, Vec<syn::Error>> {
    let mut cx = Ctxt::default();
    let attrs = attr::container(
        &mut cx,
        &input.attrs,
        &[ContainerKey::Table, ContainerKey::Crate],
    );
    let ident = &input.ident;
    let Data::Enum(data) = &input.data else {
        cx.error_spanned_by(
            ident,
            "`#[derive(Registry)]` goes on an enum with one variant per entity type",
        );
        return Err(cx.check().err().unwrap_or_default());
    };
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(&input.generics, "a registry cannot be generic");
    }
    let Some(table) = attrs.table.clone() else {
        cx.error_spanned_by(
            ident,
            "name the registry's table: `#[dynamo(table = MyTable)]`",
        );
        return Err(cx.check().err().unwrap_or_default());
    };
    let mut entities: Vec<(&syn::Ident, &Type)> = Vec::new();
    let mut other: Option<&syn::Ident> = None;
    for variant in &data.variants {
        let flags = flag::flags(&mut cx, &variant.attrs, Flag::VARIANT);
        let ty = match &variant.fields {
            Fields::Unnamed(f) if f.unnamed.len() == 1 => f.unnamed.first().map(|f| &f.ty),
            _ => None,
        };
        let Some(ty) = ty else {
            cx.error_spanned_by(
                &variant.ident,
                "each variant holds one entity: `Task(Task)`",
            );
            continue;
        };
        if flags.contains(&Flag::Other) {
            if other.is_some() {
                cx.error_spanned_by(&variant.ident, "only one variant can be `#[dynamo(other)]`");
            }
            other = Some(&variant.ident);
        } else {
            entities.push((&variant.ident, ty));
        }
    }
    cx.check()?;

    let krate: Path = attrs.krate();
    let vis = &input.vis;
    let kind_ident = format_ident!("{}Kind", ident);
    let strum_path = quote!(#krate::__private::strum)
        .to_string()
        .replace(' ', "");

    let table_checks = entities.iter().map(
        |(_, ty)| quote_spanned!(syn::spanned::Spanned::span(ty)=> __dynamorm_same_table::<#ty>();),
    );
    let krate_ref = &krate;
    let unique_checks = entities.iter().enumerate().flat_map(|(i, (a_ident, a))| {
        entities[i + 1..].iter().map(move |(b_ident, b)| {
            let krate = krate_ref;
            let message = format!(
                "variants `{a_ident}` and `{b_ident}` have the same discriminator; give one a \
                 different `#[dynamo(name = \"...\")]`"
            );
            quote! {
                if #krate::__private::str_eq(
                    <#a as #krate::Entity>::SCHEMA.name,
                    <#b as #krate::Entity>::SCHEMA.name,
                ) {
                    ::core::panic!(#message);
                }
            }
        })
    });
    let schemas = entities
        .iter()
        .map(|(_, ty)| quote!(<#ty as #krate::Entity>::SCHEMA));
    let decode_branches = entities.iter().map(|(v, ty)| {
        quote! {
            if discriminator == <#ty as #krate::Entity>::SCHEMA.name {
                return #krate::__private::decode_unchecked::<#ty>(
                    <#ty as #krate::Entity>::SCHEMA.name,
                    item,
                )
                .map(Self::#v);
            }
        }
    });
    let fallback = match other {
        Some(v) => quote!(::core::result::Result::Ok(Self::#v(item))),
        None => quote! {
            ::core::result::Result::Err(#krate::Error::UnknownDiscriminator {
                attribute: <#table as #krate::Table>::SCHEMA.discriminator(),
                value: ::std::string::ToString::to_string(discriminator),
            })
        },
    };
    let discriminator_arms = entities.iter().map(|(v, ty)| {
        quote!(Self::#v(_) => ::core::option::Option::Some(<#ty as #krate::Entity>::SCHEMA.name),)
    });
    let other_arm = other.map(|v| quote!(Self::#v(_) => ::core::option::Option::None,));
    let encode_arms = entities
        .iter()
        .map(|(v, _)| quote!(Self::#v(entity) => #krate::__private::to_stored_item(entity),));
    let other_encode = other.map(|v| quote!(Self::#v(item) => ::core::result::Result::Ok(::core::clone::Clone::clone(item)),));
    let sentinel_arms = entities
        .iter()
        .map(|(v, _)| quote!(Self::#v(entity) => #krate::__private::unique_sentinels(entity),));
    let visit_arms = entities
        .iter()
        .map(|(v, _)| quote!(Self::#v(entity) => visitor.entity(entity),));
    let other_visit = other.map(|v| quote!(Self::#v(_) => visitor.unknown(),));
    let other_sentinels =
        other.map(|v| quote!(Self::#v(_) => ::core::result::Result::Ok(::std::vec::Vec::new()),));
    let kind_variants = entities.iter().map(|(v, ty)| {
        let doc = format!("A [`{}`] item.", quote!(#ty).to_string().replace(' ', ""));
        quote!(#[doc = #doc] #v,)
    });
    let kind_arms = entities
        .iter()
        .map(|(v, _)| quote!(Self::#v(_) => ::core::option::Option::Some(#kind_ident::#v),));
    let other_kind_arm = other.map(|v| quote!(Self::#v(_) => ::core::option::Option::None,));
    let kind_discriminators = entities
        .iter()
        .map(|(v, ty)| quote!(Self::#v => <#ty as #krate::Entity>::SCHEMA.name,));
    let froms = entities.iter().map(|(v, ty)| {
        quote! {
            impl ::core::convert::From<#ty> for #ident {
                fn from(value: #ty) -> Self {
                    Self::#v(value)
                }
            }
        }
    });
    let kind_doc = format!("The entity types of [`{ident}`], generated by `#[derive(Registry)]`.");

    Ok(quote! {
        #[doc = #kind_doc]
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            #krate::__private::strum::Display,
            #krate::__private::strum::EnumString,
            #krate::__private::strum::IntoStaticStr,
            #krate::__private::strum::EnumIter,
            #krate::__private::strum::EnumCount,
        )]
        #[strum(crate = #strum_path)]
        #vis enum #kind_ident {
            #(#kind_variants)*
        }

        impl #kind_ident {
            /// The discriminator value stored on items of this type.
            #vis const fn discriminator(self) -> &'static str {
                match self {
                    #(#kind_discriminators)*
                }
            }
        }

        impl #ident {
            /// The entity type of this item (`None` for a raw, unknown item).
            #vis fn kind(&self) -> ::core::option::Option<#kind_ident> {
                match self {
                    #(#kind_arms)*
                    #other_kind_arm
                }
            }
        }

        const _: () = {
            fn __dynamorm_same_table<E: #krate::Entity<Table = #table>>() {}
            #[allow(dead_code)]
            fn __dynamorm_checks() {
                #(#table_checks)*
            }
            #(#unique_checks)*
        };

        impl #krate::Registry for #ident {
            type Table = #table;
            const ENTITIES: &'static [#krate::EntitySchema] = &[#(#schemas),*];

            fn decode_as(
                discriminator: &str,
                item: #krate::Item,
            ) -> ::core::result::Result<Self, #krate::Error> {
                #(#decode_branches)*
                #fallback
            }

            fn discriminator(&self) -> ::core::option::Option<&'static str> {
                match self {
                    #(#discriminator_arms)*
                    #other_arm
                }
            }

            fn to_item(&self) -> ::core::result::Result<#krate::Item, #krate::Error> {
                match self {
                    #(#encode_arms)*
                    #other_encode
                }
            }

            fn unique_sentinels(
                &self,
            ) -> ::core::result::Result<
                ::std::vec::Vec<(&'static str, #krate::PrimaryKey)>,
                #krate::Error,
            > {
                match self {
                    #(#sentinel_arms)*
                    #other_sentinels
                }
            }

            fn visit<V: #krate::EntityVisitor<#table>>(&self, visitor: V) -> V::Output {
                match self {
                    #(#visit_arms)*
                    #other_visit
                }
            }
        }

        #(#froms)*
    })
}
