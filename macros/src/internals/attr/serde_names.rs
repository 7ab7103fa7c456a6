//! The attribute names serde gives fields (`rename`, `rename_all`), and the serde
//! attributes dynamorm cannot honour.

use syn::{Attribute, LitStr};

use crate::internals::ctxt::Ctxt;

/// What the serde attributes of a container say.
#[derive(Default)]
pub(crate) struct Container {
    pub(crate) rename_all: Option<String>,
}

/// What the serde attributes of a field say.
#[derive(Default)]
pub(crate) struct Field {
    pub(crate) rename: Option<String>,
    pub(crate) skipped: bool,
    /// `with = "module"` (its `serialize`) or `serialize_with = "function"`: how the field
    /// is written, which typed conditions and updates must write the same way.
    pub(crate) serialize_with: Option<syn::ExprPath>,
}

pub(crate) fn container(cx: &mut Ctxt, attrs: &[Attribute]) -> Container {
    let mut out = Container::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                if meta.input.peek(syn::Token![=]) {
                    let rule: LitStr = meta.value()?.parse()?;
                    if apply(&rule.value(), "x").is_none() {
                        cx.error_spanned_by(&rule, "unknown `rename_all` rule");
                    }
                    out.rename_all = Some(rule.value());
                } else {
                    let mut ser = None;
                    let mut de = None;
                    meta.parse_nested_meta(|inner| {
                        let v: LitStr = inner.value()?.parse()?;
                        if inner.path.is_ident("serialize") {
                            ser = Some(v.value());
                        } else {
                            de = Some(v.value());
                        }
                        Ok(())
                    })?;
                    if ser != de {
                        cx.error_spanned_by(
                            &meta.path,
                            "dynamorm needs one attribute name per field: `rename_all` must be \
                             the same for serialize and deserialize",
                        );
                    }
                    out.rename_all = ser;
                }
            } else if meta.path.is_ident("flatten") || meta.path.is_ident("tag") {
                cx.error_spanned_by(
                    &meta.path,
                    "dynamorm entities cannot use this serde attribute: key templates and typed \
                     attributes need each field stored as its own attribute",
                );
            } else if meta.path.is_ident("deny_unknown_fields") {
                cx.error_spanned_by(
                    &meta.path,
                    "dynamorm items carry key and discriminator attributes besides the fields; \
                     `deny_unknown_fields` would reject every stored item",
                );
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

pub(crate) fn field(cx: &mut Ctxt, attrs: &[Attribute]) -> Field {
    let mut out = Field::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if meta.input.peek(syn::Token![=]) {
                    let name: LitStr = meta.value()?.parse()?;
                    out.rename = Some(name.value());
                } else {
                    let mut ser = None;
                    let mut de = None;
                    meta.parse_nested_meta(|inner| {
                        let v: LitStr = inner.value()?.parse()?;
                        if inner.path.is_ident("serialize") {
                            ser = Some(v.value());
                        } else {
                            de = Some(v.value());
                        }
                        Ok(())
                    })?;
                    if ser != de {
                        cx.error_spanned_by(
                            &meta.path,
                            "dynamorm needs one attribute name per field: `rename` must be the \
                             same for serialize and deserialize",
                        );
                    }
                    out.rename = ser;
                }
            } else if meta.path.is_ident("with") || meta.path.is_ident("serialize_with") {
                let path: LitStr = meta.value()?.parse()?;
                let mut function: syn::ExprPath = path.parse()?;
                if meta.path.is_ident("with") {
                    function.path.segments.push(syn::parse_quote!(serialize));
                }
                out.serialize_with = Some(function);
            } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_serializing") {
                out.skipped = true;
            } else if meta.path.is_ident("flatten") {
                cx.error_spanned_by(
                    &meta.path,
                    "dynamorm entities cannot use `#[serde(flatten)]`: key templates and typed \
                     attributes need each field stored as its own attribute",
                );
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// Consumes `= value` or `(…)` of a serde attribute dynamorm does not interpret.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.parse_nested_meta(|inner| skip_value(&inner));
    }
    Ok(())
}

/// Applies a serde `rename_all` rule to a snake_case field name.
pub(crate) fn apply(rule: &str, field: &str) -> Option<String> {
    let words = || field.split('_').filter(|w| !w.is_empty());
    let capitalize = |w: &str| {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    Some(match rule {
        "lowercase" => field.to_lowercase(),
        "UPPERCASE" => field.to_uppercase(),
        "PascalCase" => words().map(capitalize).collect(),
        "camelCase" => {
            let pascal: String = words().map(capitalize).collect();
            let mut c = pascal.chars();
            c.next()
                .map(|f| f.to_lowercase().chain(c).collect())
                .unwrap_or_default()
        }
        "snake_case" => field.to_owned(),
        "SCREAMING_SNAKE_CASE" => field.to_uppercase(),
        "kebab-case" => field.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => field.to_uppercase().replace('_', "-"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::apply;

    #[test]
    fn rename_rules_match_serde() {
        let cases = [
            ("camelCase", "created_at", "createdAt"),
            ("PascalCase", "created_at", "CreatedAt"),
            ("SCREAMING_SNAKE_CASE", "created_at", "CREATED_AT"),
            ("kebab-case", "created_at", "created-at"),
            ("SCREAMING-KEBAB-CASE", "created_at", "CREATED-AT"),
            ("lowercase", "created_at", "created_at"),
            ("UPPERCASE", "id", "ID"),
        ];
        for (rule, field, expected) in cases {
            assert_eq!(apply(rule, field).as_deref(), Some(expected), "{rule}");
        }
        assert_eq!(apply("Title Case", "x"), None);
    }
}
