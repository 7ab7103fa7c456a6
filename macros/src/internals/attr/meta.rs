//! Helpers shared by the `#[dynamo(...)]` parsers: keys set once, values we do not read, and
//! recovery after a malformed value so the keys after it are still read.

use syn::meta::ParseNestedMeta;

use crate::internals::ctxt::Ctxt;

/// The key of `meta` as written (`pk` in `pk = "..."`); empty for a path that is not one
/// identifier.
pub(crate) fn key_name(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// Stores `value` unless the key was already given; a duplicate is reported at the second
/// occurrence.
pub(crate) fn set_once<T>(
    cx: &mut Ctxt,
    slot: &mut Option<T>,
    value: T,
    meta: &ParseNestedMeta<'_>,
) {
    if slot.is_some() {
        let name = key_name(meta);
        cx.error_spanned_by(&meta.path, format!("duplicate dynamo attribute `{name}`"));
    } else {
        *slot = Some(value);
    }
}

/// Consumes the `= value` or `(...)` of a key we do not read.
pub(crate) fn skip(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip(&inner))?;
    }
    Ok(())
}

/// Records the error of one key's value and skips to the next key, so one malformed value
/// does not hide the mistakes after it.
pub(crate) fn recover(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    result: syn::Result<()>,
) -> syn::Result<()> {
    if let Err(error) = result {
        cx.syn_error(error);
        while !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
            meta.input.parse::<proc_macro2::TokenTree>()?;
        }
    }
    Ok(())
}
