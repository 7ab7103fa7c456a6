//! An entity's shape history: its current shape version (`shape = N`), the earlier shapes it
//! still reads (`shapes(1 = NoteV1, ..)`) and the fingerprint of its stored fields.

use syn::{LitInt, LitStr, Path};

use crate::internals::model::field::Field;

/// The shape declaration of an entity.
#[derive(Default)]
pub(crate) struct Shapes {
    /// `shape = N` as written (absent: shape 1).
    pub(crate) current: Option<LitInt>,
    /// `shapes(..)` entries, as written.
    pub(crate) earlier: Vec<Earlier>,
    /// `fingerprint = "..."` as written.
    pub(crate) fingerprint: Option<LitStr>,
}

/// One earlier shape: its version and the serde struct items of that shape decode as.
pub(crate) struct Earlier {
    pub(crate) lit: LitInt,
    pub(crate) ty: Path,
}

impl Earlier {
    /// The version, when it is a `u32` (reported otherwise).
    pub(crate) fn version(&self) -> Option<u32> {
        self.lit.base10_parse().ok()
    }
}

impl Shapes {
    /// The current shape version (1 when not declared or not a valid number: reported).
    pub(crate) fn version(&self) -> u32 {
        self.current
            .as_ref()
            .and_then(|lit| lit.base10_parse().ok())
            .filter(|v| *v > 0)
            .unwrap_or(1)
    }

    /// The earlier shapes by ascending version (valid versions only).
    pub(crate) fn chain(&self) -> Vec<(u32, &Path)> {
        let mut chain: Vec<(u32, &Path)> = self
            .earlier
            .iter()
            .filter_map(|e| Some((e.version()?, &e.ty)))
            .filter(|(v, _)| *v < self.version())
            .collect();
        chain.sort_by_key(|(v, _)| *v);
        chain.dedup_by_key(|(v, _)| *v);
        chain
    }

    /// The oldest shape this binary reads.
    pub(crate) fn oldest(&self) -> u32 {
        self.chain().first().map_or(self.version(), |(v, _)| *v)
    }
}

/// What an entity's stored fields hash to at shape `version`: each stored attribute with
/// its type as written, in attribute order, and the version. Eight hex digits of 64-bit
/// FNV-1a — a tripwire for an edit that forgot to bump the shape, not a security hash.
pub(crate) fn fingerprint(fields: &[Field<'_>], version: u32) -> String {
    let mut parts: Vec<String> = fields
        .iter()
        .filter(|f| !f.skipped)
        .map(|f| {
            let ty = quote::ToTokens::to_token_stream(f.ty).to_string();
            format!("{}:{}", f.attribute, ty.replace(' ', ""))
        })
        .collect();
    parts.sort();
    parts.push(format!("shape:{version}"));
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in parts.join(";").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", (hash >> 32) as u32 ^ hash as u32)
}
