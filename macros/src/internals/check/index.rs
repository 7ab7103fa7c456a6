//! The rules of an entity's index declarations: a template layout needs a partition key and
//! stored `when` fields, and only the last layout may apply to every item; a
//! multi-attribute index takes one list of fields, each once.

use crate::internals::attr::index::KeyList;
use crate::internals::check::key;
use crate::internals::ctxt::Ctxt;
use crate::internals::model::entity::Entity;
use crate::internals::model::index::{Index, Layout, MultiFields, TemplateLayout};

/// The rules for the `position`th `index(..)` attribute.
pub(crate) fn index(cx: &mut Ctxt, entity: &Entity<'_>, position: usize, index: &Index) {
    if let Some(projection) = &index.attr.projection {
        cx.syn_error(syn::Error::new(
            projection.span,
            "an index's projection is the table's: declare it on `#[derive(Table)]`'s `index(..)`",
        ));
    }
    match &index.layout {
        Layout::Multi(fields) => multi(cx, entity, index, fields),
        Layout::Template(layout) => template_layout(cx, entity, position, index, layout),
    }
}

fn template_layout(
    cx: &mut Ctxt,
    entity: &Entity<'_>,
    position: usize,
    index: &Index,
    layout: &TemplateLayout,
) {
    let name = &index.attr.name;
    if index.attr.pk.is_none() {
        cx.error_spanned_by(
            name,
            format!("give the `{name}` partition-key template: `pk = \"...\"`"),
        );
    }
    for template in layout.pk.iter().chain(&layout.sk) {
        key::template(cx, entity, template);
    }
    if let (Some(when), Some(field)) = (&index.attr.when, layout.when_field)
        && entity.fields[field].skipped
    {
        let field = &when.field;
        cx.error_spanned_by(
            field,
            format!("field `{field}` is skipped by serde; membership must be stored"),
        );
    }
    // Layouts of one index are tried in order; one without `when` takes every item left,
    // so a layout after it could never be used.
    let later = entity.indexes[position + 1..]
        .iter()
        .any(|i| i.attr.name == *name);
    if index.attr.when.is_none() && later {
        cx.error_spanned_by(
            name,
            format!(
                "this layout of `{name}` has no `when`, so the layouts after it are never used: \
                 give it `when = ..` or move it last"
            ),
        );
    }
}

fn multi(cx: &mut Ctxt, entity: &Entity<'_>, index: &Index, fields: &MultiFields) {
    let name = &index.attr.name;
    if let Some(when) = &index.attr.when {
        cx.error_spanned_by(
            &when.field,
            "`when` decides membership of a template index; a multi-attribute index leaves out \
             items whose attributes are absent (`Option` fields)",
        );
    }
    if entity
        .indexes
        .iter()
        .filter(|i| i.attr.name == *name)
        .count()
        > 1
    {
        cx.error_spanned_by(
            name,
            format!(
                "`{name}` is a multi-attribute index: it takes one list of fields, not several \
                 layouts"
            ),
        );
    }
    let Some(pk) = &index.attr.pk_list else {
        cx.error_spanned_by(
            name,
            format!("list the fields feeding `{name}`'s partition attributes: `pk = [field, ..]`"),
        );
        return;
    };
    let mut seen = Vec::new();
    let lists = [
        (Some(pk), &fields.partition),
        (index.attr.sk_list.as_ref(), &fields.sort),
    ];
    for (list, resolved) in lists {
        if let Some(list) = list {
            field_list(cx, entity, index, list, resolved, &mut seen);
        }
    }
}

/// The rules for one list of a multi-attribute index; `seen` carries the fields listed
/// before (in either list).
fn field_list(
    cx: &mut Ctxt,
    entity: &Entity<'_>,
    index: &Index,
    list: &KeyList,
    resolved: &[(usize, proc_macro2::Span)],
    seen: &mut Vec<usize>,
) {
    if list.items.len() > 4 {
        cx.syn_error(syn::Error::new(
            list.span,
            "a multi-attribute key has at most 4 attributes (DynamoDB's limit)",
        ));
    }
    for scalar in list.items.iter().filter_map(|item| item.scalar.as_ref()) {
        cx.error_spanned_by(
            scalar,
            "attribute types are declared once, on the table; list only fields here",
        );
    }
    let name = &index.attr.name;
    for &(position, span) in resolved {
        let field = entity.fields[position].ident.to_string();
        let field = field.trim_start_matches("r#");
        if entity.fields[position].skipped {
            let message = format!("field `{field}` is skipped by serde and cannot feed an index");
            cx.syn_error(syn::Error::new(span, message));
        }
        if seen.contains(&position) {
            let message = format!("field `{field}` is listed twice in `{name}`");
            cx.syn_error(syn::Error::new(span, message));
        }
        seen.push(position);
    }
}
