//! The rules of `#[derive(Projection)]` that tokens show: a non-generic struct with named
//! fields, one entity, at most one index named (not declared), at least one field read.
//! That each field is the entity's, with its type and stored name, and that the named index
//! holds them, is checked by the generated code against the entity's own declaration.

use crate::internals::ctxt::Ctxt;
use crate::internals::model::projection::Projection;

/// Reports every rule `projection` breaks.
pub(crate) fn check(cx: &mut Ctxt, projection: &Projection<'_>) {
    let ident = projection.ident;
    if !projection.named {
        cx.error_spanned_by(
            ident,
            "`#[derive(Projection)]` needs a struct with named fields",
        );
    } else if projection.read_fields().next().is_none() {
        cx.error_spanned_by(ident, "a projection reads at least one field");
    }
    if !projection.generics.params.is_empty() {
        cx.error_spanned_by(projection.generics, "a projection cannot be generic");
    }
    if projection.entity.is_none() && !projection.entity_malformed {
        cx.error_spanned_by(
            ident,
            "name the entity whose fields these are: `#[dynamo(entity = Task)]`",
        );
    }
    for (i, index) in projection.indexes.iter().enumerate() {
        if i > 0 {
            cx.error_spanned_by(&index.name, "a projection names at most one index");
        }
        if index.pk.is_some() || index.sk.is_some() || index.is_multi() || index.when.is_some() {
            cx.error_spanned_by(
                &index.name,
                "a projection names the index it is read through (`index = GSI1`); the \
                 index's keys are the table's and the entity's to declare",
            );
        }
    }
}
