//! The model of `#[derive(Registry)]`: an enum with one variant per entity type, and perhaps
//! one `#[dynamo(other)]` variant that keeps items of unknown types.

use syn::{Data, DeriveInput, Fields, Generics, Ident, Path, Type, Visibility};

use crate::internals::attr::container::{self, ContainerKey};
use crate::internals::attr::flag::{self, Flag};
use crate::internals::ctxt::Ctxt;

/// A registry declaration.
pub(crate) struct Registry<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) generics: &'a Generics,
    pub(crate) krate: Path,
    pub(crate) table: Option<Path>,
    pub(crate) variants: Vec<Variant<'a>>,
    /// Keys whose value did not parse (reported already).
    pub(crate) malformed: Vec<ContainerKey>,
}

/// One variant of the registry enum.
pub(crate) struct Variant<'a> {
    pub(crate) ident: &'a Ident,
    /// The type it holds, when it holds exactly one.
    pub(crate) ty: Option<&'a Type>,
    /// `#[dynamo(other)]`.
    pub(crate) other: bool,
}

impl<'a> Registry<'a> {
    /// Parses `input`, reporting what does not parse.
    pub(crate) fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput) -> Self {
        let attrs = container::container(
            cx,
            &input.attrs,
            &[ContainerKey::Table, ContainerKey::Crate],
        );
        let variants = match &input.data {
            Data::Enum(data) => data.variants.iter().map(|v| variant(cx, v)).collect(),
            _ => {
                cx.error_spanned_by(
                    &input.ident,
                    "`#[derive(Registry)]` goes on an enum with one variant per entity type",
                );
                Vec::new()
            }
        };
        Registry {
            ident: &input.ident,
            vis: &input.vis,
            generics: &input.generics,
            krate: attrs.krate(),
            table: attrs.table,
            variants,
            malformed: attrs.malformed,
        }
    }

    /// The entity variants: (variant, entity type), in order.
    pub(crate) fn entities(&self) -> Vec<(&'a Ident, &'a Type)> {
        let entities = self.variants.iter().filter(|v| !v.other);
        entities.filter_map(|v| Some((v.ident, v.ty?))).collect()
    }

    /// The `#[dynamo(other)]` variant, if any.
    pub(crate) fn other(&self) -> Option<&'a Ident> {
        let others = self.variants.iter().filter(|v| v.other && v.ty.is_some());
        others.map(|v| v.ident).next_back()
    }
}

fn variant<'a>(cx: &mut Ctxt, variant: &'a syn::Variant) -> Variant<'a> {
    let flags = flag::flags(cx, &variant.attrs, Flag::VARIANT);
    let ty = match &variant.fields {
        Fields::Unnamed(f) if f.unnamed.len() == 1 => f.unnamed.first().map(|f| &f.ty),
        _ => None,
    };
    Variant {
        ident: &variant.ident,
        ty,
        other: flags.contains(&Flag::Other),
    }
}
