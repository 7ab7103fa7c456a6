//! The rules of `#[derive(Registry)]`: a table, no generics, one entity per variant and at
//! most one `#[dynamo(other)]` variant.

use crate::internals::attr::container::ContainerKey;
use crate::internals::ctxt::Ctxt;
use crate::internals::model::registry::Registry;

/// Reports every rule `registry` breaks.
pub(crate) fn check(cx: &mut Ctxt, registry: &Registry<'_>) {
    if !registry.generics.params.is_empty() {
        cx.error_spanned_by(registry.generics, "a registry cannot be generic");
    }
    // A table given with a malformed value is reported already, not as missing.
    if registry.table.is_none() && !registry.malformed.contains(&ContainerKey::Table) {
        cx.error_spanned_by(
            registry.ident,
            "name the registry's table: `#[dynamo(table = MyTable)]`",
        );
    }
    let mut other = false;
    for variant in &registry.variants {
        if variant.ty.is_none() {
            cx.error_spanned_by(variant.ident, "each variant holds one entity: `Task(Task)`");
            continue;
        }
        if variant.other {
            if other {
                cx.error_spanned_by(variant.ident, "only one variant can be `#[dynamo(other)]`");
            }
            other = true;
        }
    }
}
