//! The rules of `#[derive(Entity)]`, in the order the user reads the declaration: the
//! container, the primary key, each index layout, the lifecycle fields, then the shapes.

use crate::internals::attr::container::ContainerKey;
use crate::internals::check::{index, key, lifecycle, shape};
use crate::internals::ctxt::Ctxt;
use crate::internals::model::entity::Entity;

/// Reports every rule `entity` breaks.
pub(crate) fn check(cx: &mut Ctxt, entity: &Entity<'_>) {
    container(cx, entity);
    for template in entity.pk.iter().chain(&entity.sk) {
        key::template(cx, entity, template);
    }
    key::shards_parse_back(cx, entity);
    for (position, index) in entity.indexes.iter().enumerate() {
        index::index(cx, entity, position, index);
    }
    reserved_name(cx, entity);
    lifecycle::check(cx, entity);
    shape::check(cx, entity);
    for feed in &entity.vectors {
        super::vector::entity(cx, &feed.attr);
    }
}

/// What the container must say: a table and a partition-key template, no generics.
fn container(cx: &mut Ctxt, entity: &Entity<'_>) {
    let ident = entity.ident;
    if !entity.generics.params.is_empty() {
        cx.error_spanned_by(entity.generics, "an entity cannot be generic");
    }
    // A key given with a malformed value is reported already, not as missing.
    let missing = |key| !entity.malformed.contains(&key);
    if entity.table.is_none() && missing(ContainerKey::Table) {
        cx.error_spanned_by(
            ident,
            "name the entity's table: `#[dynamo(table = MyTable)]`",
        );
    }
    if entity.pk_lit.is_none() && missing(ContainerKey::Pk) {
        cx.error_spanned_by(
            ident,
            "give the partition-key template: `#[dynamo(pk = \"USER#{id}\")]`",
        );
    }
}

/// The library's own items (unique-value sentinels) carry discriminators under this prefix;
/// an entity named into it could be mistaken for one (and skipped by streams).
fn reserved_name(cx: &mut Ctxt, entity: &Entity<'_>) {
    if let Some(name) = &entity.name
        && name.value().starts_with("_dynamorm.")
    {
        cx.error_spanned_by(
            name,
            "entity names starting with `_dynamorm.` are reserved for the library's own items",
        );
    }
}
