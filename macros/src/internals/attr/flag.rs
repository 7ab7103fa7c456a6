//! Bare flags on fields and variants: `#[dynamo(version)]`, `#[dynamo(other)]`.

use syn::Attribute;

use crate::internals::attr::meta::{key_name, recover, skip};
use crate::internals::ctxt::Ctxt;

/// One bare flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flag {
    /// The optimistic-locking version field.
    Version,
    /// Set once, when the item is created.
    CreatedAt,
    /// Set on every write.
    UpdatedAt,
    /// The item's expiry.
    Ttl,
    /// A value no two items of the entity may share.
    Unique,
    /// An id made on insert while unset.
    Generated,
    /// The registry variant that keeps items of unknown types.
    Other,
}

impl Flag {
    /// The flags a field of an entity may carry.
    pub(crate) const FIELD: &'static [Flag] = &[
        Flag::Version,
        Flag::CreatedAt,
        Flag::UpdatedAt,
        Flag::Ttl,
        Flag::Unique,
        Flag::Generated,
    ];

    /// The flags a variant of a registry may carry.
    pub(crate) const VARIANT: &'static [Flag] = &[Flag::Other];

    /// The flag as written in the attribute.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Flag::Version => "version",
            Flag::CreatedAt => "created_at",
            Flag::UpdatedAt => "updated_at",
            Flag::Ttl => "ttl",
            Flag::Unique => "unique",
            Flag::Generated => "generated",
            Flag::Other => "other",
        }
    }
}

/// The flags in `attrs`' `#[dynamo(...)]`, in order; keys outside `allowed` are errors.
pub(crate) fn flags(cx: &mut Ctxt, attrs: &[Attribute], allowed: &[Flag]) -> Vec<Flag> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("dynamo")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = key_name(&meta);
            match allowed.iter().find(|flag| flag.name() == key) {
                Some(flag) => out.push(*flag),
                None => {
                    cx.error_spanned_by(&meta.path, format!("unknown dynamo attribute `{key}`"));
                    let skipped = skip(&meta);
                    recover(cx, &meta, skipped)?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}
