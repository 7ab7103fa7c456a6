//! Key templates resolved against the struct: each `{field}` of a template bound to a slot,
//! the position of its field in the entity's list of key fields.

use proc_macro2::Span;
use syn::{Ident, LitStr};

use crate::internals::ctxt::Ctxt;
use crate::internals::model::field::{self, Field};
use crate::internals::template::{self, Cut, Segment};

/// Which key a template renders, which decides the rules it follows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Role {
    /// The table's primary key (it must parse back to the fields).
    pub(crate) primary: bool,
    /// A partition key (the only place a `:shard(..)` field may be, last).
    pub(crate) partition: bool,
}

/// A parsed template: its literal (for spans) and its segments, fields resolved to slots.
pub(crate) struct Template {
    pub(crate) lit: LitStr,
    pub(crate) role: Role,
    /// Every segment as parsed, with the slot of its field; `None` for fixed text and for a
    /// field that did not resolve (unknown, or a misplaced shard).
    pub(crate) segments: Vec<(Segment, Option<usize>)>,
}

impl Template {
    /// Whether segment `position` is a `:shard(..)` field anywhere but last in a partition
    /// key: such a field gets no slot.
    pub(crate) fn misplaced_shard(&self, position: usize) -> bool {
        let last_field = self
            .segments
            .iter()
            .rposition(|(s, _)| matches!(s, Segment::Field { .. }));
        matches!(
            self.segments[position].0,
            Segment::Field {
                bucket: Some(Cut::Shard(_)),
                ..
            }
        ) && (!self.role.partition || Some(position) != last_field)
    }

    /// The resolved fields: (name, cut, slot).
    pub(crate) fn fields(&self) -> impl Iterator<Item = (&str, Option<Cut>, usize)> {
        self.segments
            .iter()
            .filter_map(|(segment, slot)| match segment {
                Segment::Field { name, bucket, .. } => Some((name.as_str(), *bucket, (*slot)?)),
                Segment::Literal(_) => None,
            })
    }
}

/// A key field: which struct field, and the span of the template that first named it (where
/// its type checks point).
pub(crate) struct Slot {
    pub(crate) field: usize,
    pub(crate) span: Span,
}

/// What a template's fields resolve against.
pub(crate) struct Resolver<'f, 'a> {
    /// The entity, for errors.
    pub(crate) ident: &'f Ident,
    pub(crate) fields: &'f [Field<'a>],
    /// Slots given so far: primary-key fields first, then index fields, each once.
    pub(crate) slots: Vec<Slot>,
}

impl Resolver<'_, '_> {
    /// Parses `lit` and binds its fields to slots (new fields get the next slot); `None`
    /// when the template does not parse.
    pub(crate) fn template(&mut self, cx: &mut Ctxt, lit: &LitStr, role: Role) -> Option<Template> {
        let parsed = match template::parse(&lit.value()) {
            Ok(segments) => segments,
            Err(e) => {
                cx.error_spanned_by(lit, format!("invalid key template: {e}"));
                return None;
            }
        };
        let mut template = Template {
            lit: lit.clone(),
            role,
            segments: parsed.into_iter().map(|s| (s, None)).collect(),
        };
        for position in 0..template.segments.len() {
            if template.misplaced_shard(position) {
                continue;
            }
            if let Segment::Field { name, .. } = &template.segments[position].0 {
                template.segments[position].1 = self.slot(cx, lit, name);
            }
        }
        Some(template)
    }

    /// The slot of the field `name`, given one if new; `None` (reported) for no such field.
    fn slot(&mut self, cx: &mut Ctxt, lit: &LitStr, name: &str) -> Option<usize> {
        let Some(field) = field::position(self.fields, name) else {
            let (ident, known) = (self.ident, field::known(self.fields));
            cx.error_spanned_by(
                lit,
                format!("`{ident}` has no field `{name}` (fields: {known})"),
            );
            return None;
        };
        if let Some(slot) = self.slots.iter().position(|s| s.field == field) {
            return Some(slot);
        }
        self.slots.push(Slot {
            field,
            span: lit.span(),
        });
        Some(self.slots.len() - 1)
    }
}
