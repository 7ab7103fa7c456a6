//! The rules of `#[derive(Collection)]`: a table, at most one index, at least one member.

use crate::internals::attr::container::ContainerKey;
use crate::internals::ctxt::Ctxt;
use crate::internals::model::collection::Collection;

/// Reports every rule `collection` breaks.
pub(crate) fn check(cx: &mut Ctxt, collection: &Collection<'_>) {
    let ident = collection.ident;
    // A table given with a malformed value is reported already, not as missing.
    if collection.table.is_none() && !collection.malformed.contains(&ContainerKey::Table) {
        cx.error_spanned_by(
            ident,
            "name the collection's table: `#[dynamo(table = MyTable)]`",
        );
    }
    if collection.indexes.len() > 1 {
        cx.error_spanned_by(ident, "a collection is read from one index");
    }
    if collection.members.as_ref().is_some_and(Vec::is_empty) {
        cx.error_spanned_by(ident, "a collection needs at least one member field");
    }
}
