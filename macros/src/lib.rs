//! Derive macros for dynamorm: `Table`, `Entity`, `Projection`, `Registry` and `Collection`.
//!
//! Use them through the `dynamorm` crate, which re-exports them and documents every
//! attribute. The layout follows serde_derive: each derive parses its input into a model
//! (`internals::model`, from the attributes in `internals::attr`), checks the rules across
//! it (`internals::check`), and only then generates code (`expand`). Every mistake is
//! collected in one context (`internals::ctxt`) and reported at once, each on the offending
//! token.

mod expand;
mod internals;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

use internals::ctxt::{self, Ctxt};
use internals::{check, model};

/// Derives `dynamorm::Table`. See the `dynamorm` crate documentation.
#[proc_macro_derive(Table, attributes(dynamo))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let mut cx = Ctxt::default();
    let table = model::table::Table::from_ast(&mut cx, &input);
    check::table::check(&mut cx, &table);
    finish(cx, || expand::table::expand(&table))
}

/// Derives `dynamorm::Entity`. See the `dynamorm` crate documentation.
#[proc_macro_derive(Entity, attributes(dynamo))]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let mut cx = Ctxt::default();
    let entity = model::entity::Entity::from_ast(&mut cx, &input);
    check::entity::check(&mut cx, &entity);
    finish(cx, || expand::entity::expand(&entity))
}

/// Derives `dynamorm::Projection`. See the `dynamorm` crate documentation.
#[proc_macro_derive(Projection, attributes(dynamo))]
pub fn derive_projection(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let mut cx = Ctxt::default();
    let projection = model::projection::Projection::from_ast(&mut cx, &input);
    check::projection::check(&mut cx, &projection);
    finish(cx, || expand::projection::expand(&projection))
}

/// Derives `dynamorm::Registry`. See the `dynamorm` crate documentation.
#[proc_macro_derive(Registry, attributes(dynamo))]
pub fn derive_registry(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let mut cx = Ctxt::default();
    let registry = model::registry::Registry::from_ast(&mut cx, &input);
    check::registry::check(&mut cx, &registry);
    finish(cx, || expand::registry::expand(&registry))
}

/// Derives `dynamorm::Collection`. See the `dynamorm` crate documentation.
#[proc_macro_derive(Collection, attributes(dynamo))]
pub fn derive_collection(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let mut cx = Ctxt::default();
    let collection = model::collection::Collection::from_ast(&mut cx, &input);
    check::collection::check(&mut cx, &collection);
    finish(cx, || expand::collection::expand(&collection))
}

/// The errors collected, or, when there are none, the generated code.
fn finish(cx: Ctxt, expand: impl FnOnce() -> proc_macro2::TokenStream) -> TokenStream {
    match cx.check() {
        Ok(()) => expand(),
        Err(errors) => ctxt::to_compile_errors(errors),
    }
    .into()
}
