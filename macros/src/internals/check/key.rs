//! The rules of key templates: what a primary key may hold (it must parse back to the
//! fields), where a shard may stand, and which fields a key may read.

use crate::internals::ctxt::Ctxt;
use crate::internals::model::entity::Entity;
use crate::internals::model::key::Template;
use crate::internals::template::{Cut, Segment};

/// The rules for each field of `template`.
pub(crate) fn template(cx: &mut Ctxt, entity: &Entity<'_>, template: &Template) {
    let lit = &template.lit;
    for (position, (segment, slot)) in template.segments.iter().enumerate() {
        let Segment::Field { name, bucket, .. } = segment else {
            continue;
        };
        if template.misplaced_shard(position) {
            cx.error_spanned_by(
                lit,
                format!(
                    "`{{{name}:shard(..)}}` spreads one partition over several: it must be the \
                     last field of a partition-key template"
                ),
            );
            continue;
        }
        let primary = template.role.primary;
        if primary && matches!(bucket, Some(Cut::Day | Cut::Month)) {
            cx.error_spanned_by(
                lit,
                format!(
                    "`{{{name}:..}}`: a primary key cannot hold a time bucket (it must parse \
                     back to the field); buckets belong in index keys"
                ),
            );
        }
        let Some(slot) = slot else { continue };
        let field = entity.slot_field(*slot);
        if field.skipped {
            cx.error_spanned_by(
                lit,
                format!("field `{name}` is skipped by serde and cannot be part of a key"),
            );
        }
        if primary && field.option_of.is_some() {
            cx.error_spanned_by(
                lit,
                format!(
                    "field `{name}` is an `Option`; a primary key must always exist (optional \
                     fields belong in index keys, which they make sparse)"
                ),
            );
        }
    }
}

/// A primary key parses back to its fields, and a shard number does not: the sharded field
/// must also be in the key whole (`pk = "VOTES#{poll}#{voter:shard(10)}"`,
/// `sk = "VOTER#{voter}"`).
pub(crate) fn shards_parse_back(cx: &mut Ctxt, entity: &Entity<'_>) {
    let Some(pk) = &entity.pk else { return };
    let primary = || {
        entity
            .pk
            .iter()
            .chain(&entity.sk)
            .flat_map(Template::fields)
    };
    for (name, cut, _) in pk.fields() {
        if !matches!(cut, Some(Cut::Shard(_))) {
            continue;
        }
        let whole = primary().any(|(n, cut, _)| n == name && cut.is_none());
        if !whole {
            cx.error_spanned_by(
                &pk.lit,
                format!(
                    "`{{{name}:shard(..)}}`: a primary key must parse back to its fields, and \
                     a shard number does not; put `{{{name}}}` whole in the sort key too"
                ),
            );
        }
    }
}
