//! The rules of lifecycle fields: one field per role, serialized, out of key templates (but
//! `updated_at` in index keys), no `ttl` beside `unique`, and `generated` alone.

use crate::internals::attr::flag::Flag;
use crate::internals::ctxt::Ctxt;
use crate::internals::model::entity::Entity;
use crate::internals::model::lifecycle::flagged;

/// Reports every lifecycle rule `entity` breaks.
pub(crate) fn check(cx: &mut Ctxt, entity: &Entity<'_>) {
    for flag in [Flag::Version, Flag::CreatedAt, Flag::UpdatedAt, Flag::Ttl] {
        if let Some(second) = flagged(&entity.fields, flag).nth(1) {
            let message = format!("only one field can be `{}`", flag.name());
            cx.error_spanned_by(entity.fields[second].ident, message);
        }
    }
    for field in entity.lifecycle.keyed() {
        keyed(cx, entity, field);
    }
    ttl_with_unique(cx, entity);
    for &field in &entity.lifecycle.generated {
        let f = &entity.fields[field];
        if f.skipped {
            cx.error_spanned_by(f.ident, "a generated id must be serialized");
        }
        if f.flags.len() > 1 {
            cx.error_spanned_by(
                f.ident,
                "a `generated` field cannot also be a version, timestamp, ttl or unique field",
            );
        }
    }
}

/// A version, timestamp, TTL or unique field: stored, and out of the keys that cannot hold
/// it.
fn keyed(cx: &mut Ctxt, entity: &Entity<'_>, field: usize) {
    let f = &entity.fields[field];
    if f.skipped {
        cx.error_spanned_by(f.ident, "a lifecycle field must be serialized");
    }
    let only_unique = f.flags.iter().all(|flag| *flag == Flag::Unique);
    let updated_at = f.has(Flag::UpdatedAt);
    let in_primary = entity.in_key(field, true);
    let in_index = entity.in_key(field, false);
    if (in_primary && !only_unique) || (in_index && !only_unique && !updated_at) {
        cx.error_spanned_by(
            f.ident,
            "a lifecycle field cannot be part of this key template; only `updated_at` may \
             appear in an index template (every write renders it from the time it stores)",
        );
    }
}

/// TTL deletes the item but not its unique-value sentinels, which would then hold the values
/// forever.
fn ttl_with_unique(cx: &mut Ctxt, entity: &Entity<'_>) {
    let lifecycle = &entity.lifecycle;
    if let (Some(ttl), Some(&unique)) = (lifecycle.ttl, lifecycle.unique.first()) {
        cx.error_spanned_by(
            entity.fields[unique].ident,
            format!(
                "an entity with a `ttl` field (`{}`) cannot have `unique` fields: expiry deletes \
                 the item but not the sentinels that hold its unique values",
                entity.fields[ttl].ident
            ),
        );
    }
}
