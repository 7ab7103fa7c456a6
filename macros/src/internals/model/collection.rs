//! The model of `#[derive(Collection)]`: a struct of `Vec<Entity>` and `Option<Entity>`
//! fields filled from one query.

use syn::{Data, DeriveInput, Fields, Ident, Path, Type};

use crate::internals::attr::container::{self, ContainerKey};
use crate::internals::attr::index::IndexAttr;
use crate::internals::ctxt::Ctxt;

/// A collection declaration.
pub(crate) struct Collection<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) krate: Path,
    pub(crate) table: Option<Path>,
    /// `index(..)`: the index the collection is read from (at most one is valid).
    pub(crate) indexes: Vec<IndexAttr>,
    /// The member fields; `None` when the input is not a struct with named fields.
    pub(crate) members: Option<Vec<Member<'a>>>,
    /// Keys whose value did not parse (reported already).
    pub(crate) malformed: Vec<ContainerKey>,
}

/// One field of the collection.
pub(crate) struct Member<'a> {
    pub(crate) ident: &'a Ident,
    /// The entity type the field holds.
    pub(crate) ty: &'a Type,
    pub(crate) kind: Kind,
}

/// How many items of its type a member holds.
pub(crate) enum Kind {
    /// `Vec<T>`: any number.
    Many,
    /// `Option<T>`: at most one.
    One,
}

impl<'a> Collection<'a> {
    /// Parses `input`, reporting what does not parse or has the wrong shape.
    pub(crate) fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput) -> Self {
        let keys = [
            ContainerKey::Table,
            ContainerKey::Index,
            ContainerKey::Crate,
        ];
        let attrs = container::container(cx, &input.attrs, &keys);
        let named = match &input.data {
            Data::Struct(s) => match &s.fields {
                Fields::Named(named) => Some(&named.named),
                _ => None,
            },
            _ => None,
        };
        if named.is_none() {
            cx.error_spanned_by(
                &input.ident,
                "`#[derive(Collection)]` needs a struct with named fields",
            );
        }
        Collection {
            ident: &input.ident,
            krate: attrs.krate(),
            table: attrs.table,
            indexes: attrs.indexes,
            members: named.map(|named| named.iter().filter_map(|f| member(cx, f)).collect()),
            malformed: attrs.malformed,
        }
    }
}

fn member<'a>(cx: &mut Ctxt, field: &'a syn::Field) -> Option<Member<'a>> {
    let ident = field.ident.as_ref()?;
    let Some((kind, ty)) = wrapped(&field.ty) else {
        cx.error_spanned_by(
            &field.ty,
            "collection fields are `Vec<Entity>` or `Option<Entity>`",
        );
        return None;
    };
    Some(Member { ident, ty, kind })
}

/// `Vec<T>` → (Many, T); `Option<T>` → (One, T).
fn wrapped(ty: &Type) -> Option<(Kind, &Type)> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let kind = match last.ident.to_string().as_str() {
        "Vec" => Kind::Many,
        "Option" => Kind::One,
        _ => return None,
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => Some((kind, inner)),
        _ => None,
    }
}
