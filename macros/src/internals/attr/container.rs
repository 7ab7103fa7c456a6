//! Parsing of `#[dynamo(...)]` attributes into plain data; unknown keys are errors.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Ident, LitStr, Path};

use crate::internals::ctxt::Ctxt;

/// `index(NAME, pk = "...", sk = "...")`, or for a multi-attribute index
/// `index(NAME, pk = [a: S, b: N], sk = [c: S])` (table) / `pk = [a, b], sk = [c]` (entity).
pub(crate) struct IndexAttr {
    pub(crate) name: Ident,
    pub(crate) pk: Option<LitStr>,
    pub(crate) sk: Option<LitStr>,
    pub(crate) pk_list: Option<KeyList>,
    pub(crate) sk_list: Option<KeyList>,
    /// `when = ...`: which items use this layout of the index.
    pub(crate) when: Option<When>,
}

/// `when = flag`, `when = !flag` or `when = matches!(field, Pattern)`: the condition under
/// which an item uses one layout of an index (or is in it at all).
pub(crate) struct When {
    /// The field the condition reads.
    pub(crate) field: Ident,
    pub(crate) test: WhenTest,
}

pub(crate) enum WhenTest {
    /// A `bool` field is `true`.
    Flag,
    /// A `bool` field is `false`.
    NotFlag,
    /// The field matches a pattern (with an optional `if` guard).
    Matches(proc_macro2::TokenStream),
}

impl syn::parse::Parse for When {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(syn::Token![!]) {
            input.parse::<syn::Token![!]>()?;
            return Ok(When {
                field: input.parse()?,
                test: WhenTest::NotFlag,
            });
        }
        if input.peek(Ident) && input.peek2(syn::Token![!]) {
            let mac: syn::Macro = input.parse()?;
            if !mac.path.is_ident("matches") {
                return Err(syn::Error::new_spanned(
                    &mac.path,
                    "`when` takes `flag`, `!flag` or `matches!(field, Pattern)`",
                ));
            }
            return mac.parse_body_with(|body: syn::parse::ParseStream<'_>| {
                let field: Ident = body.parse()?;
                body.parse::<syn::Token![,]>()?;
                let pattern: proc_macro2::TokenStream = body.parse()?;
                if pattern.is_empty() {
                    return Err(body.error("give the pattern: `matches!(field, Pattern)`"));
                }
                Ok(When {
                    field,
                    test: WhenTest::Matches(pattern),
                })
            });
        }
        Ok(When {
            field: input.parse()?,
            test: WhenTest::Flag,
        })
    }
}

impl When {
    /// The condition as the user wrote it, for reports and errors.
    pub(crate) fn source(&self) -> String {
        let field = self.field.to_string();
        match &self.test {
            WhenTest::Flag => field,
            WhenTest::NotFlag => format!("!{field}"),
            WhenTest::Matches(pattern) => {
                let pattern = pattern
                    .to_string()
                    .replace(" :: ", "::")
                    .replace(":: ", "::")
                    .replace(" (", "(")
                    .replace("( ", "(")
                    .replace(" )", ")")
                    .replace(" ,", ",");
                format!("matches!({field}, {pattern})")
            }
        }
    }
}

impl IndexAttr {
    /// Whether the index is given as attribute lists (a multi-attribute index).
    pub(crate) fn is_multi(&self) -> bool {
        self.pk_list.is_some() || self.sk_list.is_some()
    }
}

/// `[a: S, "b-c": N]` or `[a, b]`: the attributes (or fields) of a multi-attribute key.
pub(crate) struct KeyList {
    pub(crate) span: proc_macro2::Span,
    pub(crate) items: Vec<KeyListItem>,
}

/// One element of a [`KeyList`].
pub(crate) struct KeyListItem {
    pub(crate) name: String,
    pub(crate) span: proc_macro2::Span,
    /// `S`, `N` or `B` after a colon, if given.
    pub(crate) scalar: Option<Ident>,
}

impl syn::parse::Parse for KeyList {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let content;
        let bracket = syn::bracketed!(content in input);
        let mut items = Vec::new();
        while !content.is_empty() {
            let (name, span) = if content.peek(LitStr) {
                let lit: LitStr = content.parse()?;
                (lit.value(), lit.span())
            } else {
                let ident: Ident = content.call(syn::ext::IdentExt::parse_any)?;
                let name = ident.to_string().trim_start_matches("r#").to_owned();
                (name, ident.span())
            };
            let scalar = if content.peek(syn::Token![:]) {
                let _: syn::Token![:] = content.parse()?;
                Some(content.parse::<Ident>()?)
            } else {
                None
            };
            items.push(KeyListItem { name, span, scalar });
            if content.is_empty() {
                break;
            }
            let _: syn::Token![,] = content.parse()?;
        }
        Ok(KeyList {
            span: bracket.span.join(),
            items,
        })
    }
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
    /// `shares_keys_with(Organization, ..)`: entity types meant to share key space.
    pub(crate) shares_keys_with: Vec<Path>,
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
                "shares_keys_with" => {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let paths = content.parse_terminated(Path::parse_mod_style, syn::Token![,])?;
                    out.shares_keys_with.extend(paths);
                }
                "index" if meta.input.peek(syn::Token![=]) => {
                    let name: Ident = meta.value()?.parse()?;
                    out.indexes.push(IndexAttr {
                        name,
                        pk: None,
                        sk: None,
                        pk_list: None,
                        sk_list: None,
                        when: None,
                    });
                }
                "index" => {
                    let mut name = None;
                    let mut pk = None;
                    let mut sk = None;
                    let mut pk_list = None;
                    let mut sk_list = None;
                    let mut when = None;
                    meta.parse_nested_meta(|inner| {
                        let list = inner.input.peek(syn::Token![=])
                            && inner.input.peek2(syn::token::Bracket);
                        if inner.path.is_ident("pk") && list {
                            let v: KeyList = inner.value()?.parse()?;
                            set_once(cx, &mut pk_list, v, &inner);
                        } else if inner.path.is_ident("sk") && list {
                            let v: KeyList = inner.value()?.parse()?;
                            set_once(cx, &mut sk_list, v, &inner);
                        } else if inner.path.is_ident("when") {
                            let v: When = inner.value()?.parse()?;
                            set_once(cx, &mut when, v, &inner);
                        } else if inner.path.is_ident("pk") {
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
                                "expected the index name, `pk = \"...\"`, `sk = \"...\"` or `when = field`",
                            );
                            skip(&inner)?;
                        }
                        Ok(())
                    })?;
                    match name {
                        Some(name) => {
                            if (pk.is_some() || sk.is_some())
                                && (pk_list.is_some() || sk_list.is_some())
                            {
                                cx.error_spanned_by(
                                    &name,
                                    "an index is keyed either by templates (`pk = \"...\"`) or \
                                     by attribute lists (`pk = [..]`), not both",
                                );
                            }
                            out.indexes.push(IndexAttr {
                                name,
                                pk,
                                sk,
                                pk_list,
                                sk_list,
                                when,
                            });
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
