//! The rules of an entity's shape history: versions from 1, every earlier version declared
//! once and below the current one, no gap between the oldest and the current (each stored
//! shape has a path to the current one), and the fingerprint of the stored fields unchanged.

use std::collections::BTreeMap;

use crate::internals::ctxt::Ctxt;
use crate::internals::model::entity::Entity;
use crate::internals::model::shape::{Shapes, fingerprint};

/// Reports every rule the shape declaration of `entity` breaks.
pub(crate) fn check(cx: &mut Ctxt, entity: &Entity<'_>) {
    let shapes = &entity.shapes;
    current(cx, shapes);
    let declared = earlier(cx, shapes);
    gaps(cx, shapes, &declared);
    if let Some(lit) = &shapes.fingerprint {
        fingerprint_unchanged(cx, entity, lit);
    }
}

/// `shape = N`: a version from 1; required when earlier shapes are listed.
fn current(cx: &mut Ctxt, shapes: &Shapes) {
    match &shapes.current {
        Some(lit) => match lit.base10_parse::<u32>() {
            Ok(0) | Err(_) => cx.error_spanned_by(
                lit,
                "a shape version is a number from 1 (items without one are shape 1)",
            ),
            Ok(_) => {}
        },
        None => {
            if let Some(first) = shapes.earlier.first() {
                cx.error_spanned_by(
                    &first.lit,
                    "earlier shapes need the current one: add `shape = N` (N above every \
                     version in `shapes(..)`)",
                );
            }
        }
    }
}

/// Each earlier version once, below the current one; the versions declared.
fn earlier(cx: &mut Ctxt, shapes: &Shapes) -> BTreeMap<u32, ()> {
    let current = shapes.version();
    let mut seen = BTreeMap::new();
    for entry in &shapes.earlier {
        let Some(version) = entry.version().filter(|v| *v > 0) else {
            cx.error_spanned_by(&entry.lit, "a shape version is a number from 1");
            continue;
        };
        if seen.insert(version, ()).is_some() {
            cx.error_spanned_by(
                &entry.lit,
                format!(
                    "two shapes declared with version {version}: each stored version decodes \
                     as exactly one struct"
                ),
            );
        } else if shapes.current.is_some() && version >= current {
            cx.error_spanned_by(
                &entry.lit,
                format!(
                    "shape {version} is not earlier than the current shape {current}: bump \
                     `shape` above every earlier version"
                ),
            );
        }
    }
    seen
}

/// Every version from the oldest declared to the current one has a struct: an item of a
/// missing version would have no upgrade path.
fn gaps(cx: &mut Ctxt, shapes: &Shapes, declared: &BTreeMap<u32, ()>) {
    let (Some(current_lit), Some((&oldest, _))) = (&shapes.current, declared.first_key_value())
    else {
        return;
    };
    let current = shapes.version();
    for version in oldest..current {
        if !declared.contains_key(&version) {
            cx.error_spanned_by(
                current_lit,
                format!(
                    "shape {version} has no struct: declare `{version} = ..` in `shapes(..)` \
                     (every shape from the oldest declared to the current one needs an \
                     upgrade step to the next)"
                ),
            );
        }
    }
}

/// `fingerprint = "..."` still matches the stored fields and the shape version.
fn fingerprint_unchanged(cx: &mut Ctxt, entity: &Entity<'_>, lit: &syn::LitStr) {
    let version = entity.shapes.version();
    let now = fingerprint(&entity.fields, version);
    if lit.value() == now {
        return;
    }
    let next = fingerprint(&entity.fields, version + 1);
    cx.error_spanned_by(
        lit,
        format!(
            "the stored fields of `{}` changed since shape {version}'s fingerprint was taken: \
             if items stored before no longer decode, declare the old struct as \
             `shapes({version} = ..)` with an upgrade step, and set `shape = {}, \
             fingerprint = \"{next}\"`; if they still decode (a new `Option` or \
             `#[serde(default)]` field), set `fingerprint = \"{now}\"`",
            entity.ident,
            version + 1
        ),
    );
}
