//! `index(NAME, pk = .., sk = .., when = ..)`: one index (or one layout of an index) as the
//! table or an entity declares it.

use syn::meta::ParseNestedMeta;
use syn::{Ident, LitStr};

use crate::internals::attr::meta::{recover, set_once, skip};
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
    /// `projection = ...`: what the index holds besides its keys (tables only).
    pub(crate) projection: Option<ProjectionAttr>,
}

/// `projection = all`, `keys_only` or `include(a, "b-c")`.
pub(crate) struct ProjectionAttr {
    pub(crate) span: proc_macro2::Span,
    pub(crate) kind: ProjectionKind,
}

pub(crate) enum ProjectionKind {
    All,
    KeysOnly,
    /// The attributes named, each with its span.
    Include(Vec<(String, proc_macro2::Span)>),
}

impl syn::parse::Parse for ProjectionAttr {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let ident: Ident = input.parse()?;
        let span = ident.span();
        let kind = match ident.to_string().as_str() {
            "all" => ProjectionKind::All,
            "keys_only" => ProjectionKind::KeysOnly,
            "include" => {
                let content;
                syn::parenthesized!(content in input);
                let names = content.parse_terminated(attribute_name, syn::Token![,])?;
                ProjectionKind::Include(names.into_iter().collect())
            }
            _ => {
                return Err(syn::Error::new(
                    span,
                    "a projection is `all`, `keys_only` or `include(attribute, ..)`",
                ));
            }
        };
        Ok(ProjectionAttr { span, kind })
    }
}

/// An attribute name: an identifier or a string literal (for names that are not one).
fn attribute_name(input: syn::parse::ParseStream<'_>) -> syn::Result<(String, proc_macro2::Span)> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Ok((lit.value(), lit.span()));
    }
    let ident: Ident = input.call(syn::ext::IdentExt::parse_any)?;
    let name = ident.to_string().trim_start_matches("r#").to_owned();
    Ok((name, ident.span()))
}

impl IndexAttr {
    /// `index = NAME`: an index named and nothing more.
    pub(crate) fn named(name: Ident) -> Self {
        IndexAttr {
            name,
            pk: None,
            sk: None,
            pk_list: None,
            sk_list: None,
            when: None,
            projection: None,
        }
    }

    /// Whether the index is given as attribute lists (a multi-attribute index).
    pub(crate) fn is_multi(&self) -> bool {
        self.pk_list.is_some() || self.sk_list.is_some()
    }
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
            return parse_matches(input.parse()?);
        }
        Ok(When {
            field: input.parse()?,
            test: WhenTest::Flag,
        })
    }
}

/// `matches!(field, Pattern)`, the only macro `when` takes.
fn parse_matches(mac: syn::Macro) -> syn::Result<When> {
    if !mac.path.is_ident("matches") {
        return Err(syn::Error::new_spanned(
            &mac.path,
            "`when` takes `flag`, `!flag` or `matches!(field, Pattern)`",
        ));
    }
    mac.parse_body_with(|body: syn::parse::ParseStream<'_>| {
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
    })
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
            items.push(content.parse()?);
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

impl syn::parse::Parse for KeyListItem {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let (name, span) = if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            (lit.value(), lit.span())
        } else {
            let ident: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            let name = ident.to_string().trim_start_matches("r#").to_owned();
            (name, ident.span())
        };
        let scalar = if input.peek(syn::Token![:]) {
            let _: syn::Token![:] = input.parse()?;
            Some(input.parse::<Ident>()?)
        } else {
            None
        };
        Ok(KeyListItem { name, span, scalar })
    }
}

/// What `index(...)` says so far; it becomes an [`IndexAttr`] once it has a name.
#[derive(Default)]
struct IndexParts {
    name: Option<Ident>,
    pk: Option<LitStr>,
    sk: Option<LitStr>,
    pk_list: Option<KeyList>,
    sk_list: Option<KeyList>,
    when: Option<When>,
    projection: Option<ProjectionAttr>,
    /// A value did not parse (reported): the index is left out rather than reported again
    /// as missing that value.
    malformed: bool,
}

/// Parses `index(NAME, pk = .., sk = .., when = ..)`; `None` (reported) without a name.
pub(crate) fn index(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<IndexAttr>> {
    let mut parts = IndexParts::default();
    meta.parse_nested_meta(|inner| {
        let result = index_key(cx, &mut parts, &inner);
        parts.malformed |= result.is_err();
        recover(cx, &inner, result)
    })?;
    let IndexParts {
        name,
        pk,
        sk,
        pk_list,
        sk_list,
        when,
        projection,
        malformed,
    } = parts;
    if malformed {
        return Ok(None);
    }
    let Some(name) = name else {
        cx.error_spanned_by(
            &meta.path,
            "name the index first: `index(GSI1, pk = \"...\", sk = \"...\")`",
        );
        return Ok(None);
    };
    if (pk.is_some() || sk.is_some()) && (pk_list.is_some() || sk_list.is_some()) {
        cx.error_spanned_by(
            &name,
            "an index is keyed either by templates (`pk = \"...\"`) or by attribute lists \
             (`pk = [..]`), not both",
        );
    }
    Ok(Some(IndexAttr {
        name,
        pk,
        sk,
        pk_list,
        sk_list,
        when,
        projection,
    }))
}

/// One key inside `index(...)`.
fn index_key(
    cx: &mut Ctxt,
    parts: &mut IndexParts,
    inner: &ParseNestedMeta<'_>,
) -> syn::Result<()> {
    let list = inner.input.peek(syn::Token![=]) && inner.input.peek2(syn::token::Bracket);
    if inner.path.is_ident("pk") && list {
        let v: KeyList = inner.value()?.parse()?;
        set_once(cx, &mut parts.pk_list, v, inner);
    } else if inner.path.is_ident("sk") && list {
        let v: KeyList = inner.value()?.parse()?;
        set_once(cx, &mut parts.sk_list, v, inner);
    } else if inner.path.is_ident("when") {
        let v: When = inner.value()?.parse()?;
        set_once(cx, &mut parts.when, v, inner);
    } else if inner.path.is_ident("projection") {
        let v: ProjectionAttr = inner.value()?.parse()?;
        set_once(cx, &mut parts.projection, v, inner);
    } else if inner.path.is_ident("pk") {
        let v: LitStr = inner.value()?.parse()?;
        set_once(cx, &mut parts.pk, v, inner);
    } else if inner.path.is_ident("sk") {
        let v: LitStr = inner.value()?.parse()?;
        set_once(cx, &mut parts.sk, v, inner);
    } else if inner.input.is_empty() || inner.input.peek(syn::Token![,]) {
        match inner.path.get_ident() {
            Some(ident) if parts.name.is_none() => parts.name = Some(ident.clone()),
            _ => cx.error_spanned_by(
                &inner.path,
                "an index takes one name, e.g. `index(GSI1, pk = \"...\")`",
            ),
        }
    } else {
        cx.error_spanned_by(
            &inner.path,
            "expected the index name, `pk = \"...\"`, `sk = \"...\"`, `when = field` or \
             `projection = ..`",
        );
        skip(inner)?;
    }
    Ok(())
}
