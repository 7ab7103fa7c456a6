//! The named fields of an entity struct: type, stored attribute name (serde's renames
//! applied) and `#[dynamo(..)]` flags.

use syn::punctuated::Punctuated;
use syn::{Ident, Type};

use crate::internals::attr::flag::{self, Flag};
use crate::internals::attr::serde_names;
use crate::internals::ctxt::Ctxt;

/// A named field of the entity struct.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    /// `T` when the field is `Option<T>`.
    pub(crate) option_of: Option<&'a Type>,
    /// The attribute the field is stored as.
    pub(crate) attribute: String,
    /// Not serialized (`#[serde(skip)]`, `skip_serializing`).
    pub(crate) skipped: bool,
    /// serde's `with`/`serialize_with` function for the field.
    pub(crate) serialize_with: Option<syn::ExprPath>,
    /// `#[dynamo(version | created_at | updated_at | ttl | unique | generated)]`
    pub(crate) flags: Vec<Flag>,
}

impl Field<'_> {
    /// Whether the field carries `flag`.
    pub(crate) fn has(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }

    /// Whether the field is named `name` as attributes write it (no `r#`).
    fn is_named(&self, name: &str) -> bool {
        self.ident.to_string().trim_start_matches("r#") == name.trim_start_matches("r#")
    }
}

/// The fields of `named`, their attributes parsed; `rename_all` is the container's serde rule.
pub(crate) fn fields<'a>(
    cx: &mut Ctxt,
    named: &'a Punctuated<syn::Field, syn::Token![,]>,
    rename_all: Option<&str>,
) -> Vec<Field<'a>> {
    fields_with(cx, named, rename_all, Flag::FIELD)
}

/// As [`fields`], accepting the `#[dynamo(..)]` field flags `allowed`.
pub(crate) fn fields_with<'a>(
    cx: &mut Ctxt,
    named: &'a Punctuated<syn::Field, syn::Token![,]>,
    rename_all: Option<&str>,
    allowed: &[Flag],
) -> Vec<Field<'a>> {
    named
        .iter()
        .filter_map(|f| {
            let ident = f.ident.as_ref()?;
            let names = serde_names::field(cx, &f.attrs);
            let flags = flag::flags(cx, &f.attrs, allowed);
            let plain = ident.to_string().trim_start_matches("r#").to_owned();
            let attribute = names.rename.unwrap_or_else(|| {
                rename_all
                    .and_then(|rule| serde_names::apply(rule, &plain))
                    .unwrap_or(plain)
            });
            Some(Field {
                ident,
                ty: &f.ty,
                option_of: option_inner(&f.ty),
                attribute,
                skipped: names.skipped,
                serialize_with: names.serialize_with,
                flags,
            })
        })
        .collect()
}

/// The position of the field named `name` (as written in an attribute).
pub(crate) fn position(fields: &[Field<'_>], name: &str) -> Option<usize> {
    fields.iter().position(|f| f.is_named(name))
}

/// The struct's fields in the order declared, as "`a`, `b`" (skipped fields left out): what
/// an error about an unknown field lists.
pub(crate) fn known(fields: &[Field<'_>]) -> String {
    fields
        .iter()
        .filter(|f| !f.skipped)
        .map(|f| format!("`{}`", f.ident))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `T` when `ty` is written `Option<T>` (or a path ending in `Option<T>`).
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}
