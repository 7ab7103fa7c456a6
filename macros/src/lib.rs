//! Derive macros for dynamorm: `Table`, `Entity` and `Registry`.
//!
//! Use them through the `dynamorm` crate, which re-exports them and documents every
//! attribute. The layout follows serde_derive: attributes are parsed into our own tree
//! (`attr`), checked (`template`, `serde_names`), and expanded by one file per derive; all
//! mistakes are collected (`ctxt`) and reported at once, each on the offending token.

mod expand_collection;
mod expand_entity;
mod expand_registry;
mod expand_table;
mod internals;
mod multi_index;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `dynamorm::Table`. See the `dynamorm` crate documentation.
#[proc_macro_derive(Table, attributes(dynamo))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_table::expand(&input)
        .unwrap_or_else(internals::ctxt::to_compile_errors)
        .into()
}

/// Derives `dynamorm::Entity`. See the `dynamorm` crate documentation.
#[proc_macro_derive(Entity, attributes(dynamo))]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_entity::expand(&input)
        .unwrap_or_else(internals::ctxt::to_compile_errors)
        .into()
}

/// Derives `dynamorm::Registry`. See the `dynamorm` crate documentation.
#[proc_macro_derive(Registry, attributes(dynamo))]
pub fn derive_registry(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_registry::expand(&input)
        .unwrap_or_else(internals::ctxt::to_compile_errors)
        .into()
}

/// Derives `dynamorm::Collection`. See the `dynamorm` crate documentation.
#[proc_macro_derive(Collection, attributes(dynamo))]
pub fn derive_collection(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_collection::expand(&input)
        .unwrap_or_else(internals::ctxt::to_compile_errors)
        .into()
}
