//! The key-part writers of the `Entity` impl: one `match` arm per key slot (and per unique
//! field), from the entity or from a value an update sets.

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::model::entity::Entity;
use crate::internals::model::field::Field;

/// Writes field `f` (of the entity, `self`) as arm `arm`.
fn write_arm(krate: &syn::Path, arm: usize, f: &Field<'_>) -> TokenStream {
    let fi = f.ident;
    if f.option_of.is_some() {
        quote!(#arm => #krate::__private::write_option(&self.#fi, out),)
    } else {
        quote!(#arm => #krate::KeyPart::write_key(&self.#fi, out).map(|()| true),)
    }
}

/// Writes field `f` from an update's value as arm `arm`.
fn write_from_arm(entity: &Entity<'_>, arm: usize, f: &Field<'_>) -> TokenStream {
    let krate = &entity.krate;
    let entity_name = entity.entity_name();
    let inner = f.option_of.unwrap_or(f.ty);
    let field = f.ident.to_string();
    quote!(#arm => #krate::__private::write_part_from::<#inner>(#entity_name, #field, value, out),)
}

/// `write_unique` and `write_unique_from`: the unique fields' sentinel values (the trait's
/// defaults when there are none).
pub(crate) fn unique_fns(entity: &Entity<'_>) -> TokenStream {
    if entity.lifecycle.unique.is_empty() {
        return TokenStream::new();
    }
    let krate = &entity.krate;
    let unique = || {
        entity
            .lifecycle
            .unique
            .iter()
            .map(|&p| &entity.fields[p])
            .enumerate()
    };
    let write_arms = unique().map(|(i, f)| write_arm(krate, i, f));
    let from_arms = unique().map(|(i, f)| write_from_arm(entity, i, f));
    quote! {
        fn write_unique(
            &self,
            index: usize,
            out: &mut ::std::string::String,
        ) -> ::core::result::Result<bool, #krate::KeyError> {
            match index {
                #(#write_arms)*
                _ => ::core::result::Result::Ok(false),
            }
        }

        fn write_unique_from(
            index: usize,
            value: &#krate::__private::AttributeValue,
            out: &mut ::std::string::String,
        ) -> ::core::result::Result<bool, #krate::Error> {
            match index {
                #(#from_arms)*
                _ => ::core::result::Result::Ok(false),
            }
        }
    }
}

/// `write_key_part` and `write_key_part_from`: every key slot.
pub(crate) fn key_part_fns(entity: &Entity<'_>) -> TokenStream {
    let krate = &entity.krate;
    let slots = || (0..entity.slots.len()).map(|slot| (slot, entity.slot_field(slot)));
    let write_arms = slots().map(|(slot, f)| write_arm(krate, slot, f));
    let from_arms = slots().map(|(slot, f)| write_from_arm(entity, slot, f));
    quote! {
        fn write_key_part(
            &self,
            slot: usize,
            out: &mut ::std::string::String,
        ) -> ::core::result::Result<bool, #krate::KeyError> {
            match slot {
                #(#write_arms)*
                _ => ::core::result::Result::Err(#krate::KeyError::MissingField { field: "<slot>" }),
            }
        }

        fn write_key_part_from(
            slot: usize,
            value: &#krate::__private::AttributeValue,
            out: &mut ::std::string::String,
        ) -> ::core::result::Result<bool, #krate::Error> {
            match slot {
                #(#from_arms)*
                _ => ::core::result::Result::Err(#krate::KeyError::MissingField { field: "<slot>" }.into()),
            }
        }
    }
}
