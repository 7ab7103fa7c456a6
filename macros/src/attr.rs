//! Parsing of `#[dynamo(...)]` attributes into plain data; unknown keys are errors.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Ident, LitStr, Path};

use crate::ctxt::Ctxt;

/// `index(NAME, pk = "...", sk = "...")`
pub(crate) struct IndexAttr {
    pub(crate) name: Ident,
    pub(crate) pk: Option<LitStr>,
    pub(crate) sk: Option<LitStr>,
}

/// Everything a container's `#[dynamo(...)]` attributes may say; each derive accepts a
/// subset (`allowed`).
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) table: Option<Path>,
    pub(crate) name: Option<LitStr>,
    pub(crate) pk: Option<LitStr>,
    pub(crate) sk: Option<LitStr>,
    pub(crate) no_sort_key: bool,
    pub(crate) discriminator: Option<LitStr>,
    pub(crate) ttl: Option<LitStr>,
    pub(crate) krate: Option<Path>,
    pub(crate) indexes: Vec<IndexAttr>,
}

fn set_once<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) {
    if slot.is_some() {
        let name = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        cx.error_spanned_by(&meta.path, format!("duplicate dynamo attribute `{name}`"));
    } else {
        *slot = Some(value);
    }
}

/// Parses the container attributes; `allowed` lists the keys this derive understands.
pub(crate) fn container(cx: &mut Ctxt, attrs: &[Attribute], allowed: &[&str]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("dynamo")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            if !allowed.contains(&key.as_str()) {
                let expected = allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                cx.error_spanned_by(
                    &meta.path,
                    format!("unknown dynamo attribute `{key}`; expected one of {expected}"),
                );
                return skip(&meta);
            }
            match key.as_str() {
                "table" => {
                    let v: Path = meta.value()?.parse()?;
                    set_once(cx, &mut out.table, v, &meta);
                }
                "crate" => {
                    let v: LitStr = meta.value()?.parse()?;
                    let path = v.parse::<Path>()?;
                    set_once(cx, &mut out.krate, path, &meta);
                }
                "name" => {
                    let v: LitStr = meta.value()?.parse()?;
                    set_once(cx, &mut out.name, v, &meta);
                }
                "pk" => {
                    let v: LitStr = meta.value()?.parse()?;
                    set_once(cx, &mut out.pk, v, &meta);
                }
                "sk" => {
                    let v: LitStr = meta.value()?.parse()?;
                    set_once(cx, &mut out.sk, v, &meta);
                }
                "discriminator" => {
                    let v: LitStr = meta.value()?.parse()?;
                    set_once(cx, &mut out.discriminator, v, &meta);
                }
                "ttl" => {
                    let v: LitStr = meta.value()?.parse()?;
                    set_once(cx, &mut out.ttl, v, &meta);
                }
                "no_sort_key" => out.no_sort_key = true,
                "index" if meta.input.peek(syn::Token![=]) => {
                    let name: Ident = meta.value()?.parse()?;
                    out.indexes.push(IndexAttr {
                        name,
                        pk: None,
                        sk: None,
                    });
                }
                "index" => {
                    let mut name = None;
                    let mut pk = None;
                    let mut sk = None;
                    meta.parse_nested_meta(|inner| {
                        if inner.path.is_ident("pk") {
                            let v: LitStr = inner.value()?.parse()?;
                            set_once(cx, &mut pk, v, &inner);
                        } else if inner.path.is_ident("sk") {
                            let v: LitStr = inner.value()?.parse()?;
                            set_once(cx, &mut sk, v, &inner);
                        } else if inner.input.is_empty() || inner.input.peek(syn::Token![,]) {
                            match inner.path.get_ident() {
                                Some(ident) if name.is_none() => name = Some(ident.clone()),
                                _ => cx.error_spanned_by(
                                    &inner.path,
                                    "an index takes one name, e.g. `index(GSI1, pk = \"...\")`",
                                ),
                            }
                        } else {
                            cx.error_spanned_by(
                                &inner.path,
                                "expected the index name, `pk = \"...\"` or `sk = \"...\"`",
                            );
                            skip(&inner)?;
                        }
                        Ok(())
                    })?;
                    match name {
                        Some(name) => {
                            if out.indexes.iter().any(|i| i.name == name) {
                                cx.error_spanned_by(&name, format!("duplicate index `{name}`"));
                            }
                            out.indexes.push(IndexAttr { name, pk, sk });
                        }
                        None => cx.error_spanned_by(
                            &meta.path,
                            "name the index first: `index(GSI1, pk = \"...\", sk = \"...\")`",
                        ),
                    }
                }
                _ => return skip(&meta),
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// Whether a variant or field carries the bare flag `#[dynamo(flag)]`; other keys are errors.
pub(crate) fn flags(cx: &mut Ctxt, attrs: &[Attribute], allowed: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("dynamo")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            if allowed.contains(&key.as_str()) {
                out.push(key);
            } else {
                cx.error_spanned_by(&meta.path, format!("unknown dynamo attribute `{key}`"));
                skip(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

fn skip(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip(&inner))?;
    }
    Ok(())
}
