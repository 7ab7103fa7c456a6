//! The rules of `#[derive(Table)]`, and DynamoDB's rules for multi-attribute keys checked on
//! the user's tokens: 1–4 partition and 0–4 sort attributes, each typed `S`, `N` or `B`, none
//! repeated, none a key attribute the library writes, and one type per attribute across
//! indexes.

use crate::internals::attr::index::{IndexAttr, KeyList, KeyListItem, ProjectionKind};
use crate::internals::ctxt::Ctxt;
use crate::internals::model::projection::CHECKED_POSITIONS;
use crate::internals::model::table::Table;

/// Reports every rule `table` breaks.
pub(crate) fn check(cx: &mut Ctxt, table: &Table<'_>) {
    let attrs = &table.attrs;
    if !table.is_struct {
        cx.error_spanned_by(table.ident, "`#[derive(Table)]` goes on a (unit) struct");
    }
    if !table.generics.params.is_empty() {
        cx.error_spanned_by(table.generics, "a table cannot be generic");
    }
    if attrs.no_sort_key && attrs.sk.is_some() {
        cx.error_spanned_by(table.ident, "`no_sort_key` and `sk` contradict each other");
    }
    multi_attribute_indexes(cx, table);
    projections(cx, table);
    super::vector::table(cx, table);
    for (i, index) in attrs.indexes.iter().enumerate() {
        let name = &index.name;
        if attrs.indexes[..i].iter().any(|other| other.name == *name) {
            cx.error_spanned_by(name, format!("duplicate index `{name}`"));
        }
        if let Some(when) = &index.when {
            cx.error_spanned_by(
                &when.field,
                "`when` belongs on an entity's index layout, not on the table",
            );
        }
    }
    for index in attrs.indexes.iter().filter(|i| !i.is_multi()) {
        if index.pk.is_none() {
            let name = &index.name;
            cx.error_spanned_by(
                name,
                format!("index `{name}` needs its partition key attribute: `pk = \"...\"`"),
            );
        }
    }
}

/// DynamoDB's limit on the non-key attributes all of a table's indexes project, counted
/// once per index that names them.
const MAX_PROJECTED_ATTRIBUTES: usize = 100;

/// The rules of `projection = include(..)`: attributes named once, none a key attribute of the
/// table or of the index (it holds those) nor the discriminator (the library includes it), at
/// most 100 in all. Another index's key attributes and the TTL attribute may be included.
fn projections(cx: &mut Ctxt, table: &Table<'_>) {
    let discriminator = table.discriminator();
    let mut total = 0;
    for (position, index) in table.attrs.indexes.iter().enumerate() {
        let Some(ProjectionKind::Include(names)) = index.projection.as_ref().map(|p| &p.kind)
        else {
            continue;
        };
        if position >= CHECKED_POSITIONS {
            cx.error_spanned_by(
                &index.name,
                format!(
                    "reads through an `include` index are checked at compile time for the \
                     first {CHECKED_POSITIONS} indexes of a table (DynamoDB's default \
                     quota); declare this one among them"
                ),
            );
        }
        if names.is_empty() {
            let span = index.projection.as_ref().map(|p| p.span);
            cx.syn_error(syn::Error::new(
                span.unwrap_or_else(|| index.name.span()),
                "`include(..)` names at least one attribute; an index of keys alone is \
                 `projection = keys_only`",
            ));
        }
        // The library adds the discriminator and the shape version to every include list.
        total += names.len() + 2;
        for (i, (name, span)) in names.iter().enumerate() {
            let message = if names[..i].iter().any(|(n, _)| n == name) {
                format!("attribute `{name}` is included twice")
            } else if *name == discriminator {
                format!("the discriminator `{name}` is always included; leave it out")
            } else if name == "_shape" {
                "the shape version `_shape` is always included; leave it out".to_owned()
            } else if own_keys(table, index).contains(name) {
                format!(
                    "`{name}` is a key attribute of the index or the table: it holds it already"
                )
            } else {
                continue;
            };
            cx.syn_error(syn::Error::new(*span, message));
        }
    }
    if total > MAX_PROJECTED_ATTRIBUTES {
        cx.error_spanned_by(
            table.ident,
            format!(
                "the indexes project {total} non-key attributes in all (the discriminator and \
                 the shape version count once per `include` index); DynamoDB allows \
                 {MAX_PROJECTED_ATTRIBUTES}"
            ),
        );
    }
}

/// What `index` holds whatever it projects: the table's key attributes and its own.
fn own_keys(table: &Table<'_>, index: &IndexAttr) -> Vec<String> {
    let mut keys = vec![table.partition_key()];
    keys.extend(table.sort_key());
    keys.extend(index.pk.as_ref().map(syn::LitStr::value));
    keys.extend(index.sk.as_ref().map(syn::LitStr::value));
    keys.extend(index_keys(index));
    keys
}

/// A multi-attribute index's own key attributes.
fn index_keys(index: &IndexAttr) -> Vec<String> {
    let lists = [index.pk_list.as_ref(), index.sk_list.as_ref()];
    let items = lists.into_iter().flatten().flat_map(|l| &l.items);
    items.map(|i| i.name.clone()).collect()
}

/// The attributes the library writes itself: no multi-attribute index may be keyed by one.
fn reserved(table: &Table<'_>) -> Vec<String> {
    let attrs = &table.attrs;
    let mut reserved = vec![table.partition_key(), table.discriminator()];
    reserved.extend(table.sort_key());
    reserved.extend(attrs.ttl.as_ref().map(syn::LitStr::value));
    for index in attrs.indexes.iter().filter(|i| !i.is_multi()) {
        reserved.extend(index.pk.as_ref().map(syn::LitStr::value));
        reserved.extend(index.sk.as_ref().map(syn::LitStr::value));
    }
    reserved
}

/// What the attribute lists of every multi-attribute index share: the reserved names and the
/// type each attribute was given first.
struct Lists {
    reserved: Vec<String>,
    types: Vec<(String, String)>,
}

fn multi_attribute_indexes(cx: &mut Ctxt, table: &Table<'_>) {
    let mut lists = Lists {
        reserved: reserved(table),
        types: Vec::new(),
    };
    for index in table.attrs.indexes.iter().filter(|i| i.is_multi()) {
        let name = &index.name;
        let Some(pk) = &index.pk_list else {
            // With a `pk` template, the mix of templates and lists is reported already.
            if index.pk.is_none() {
                cx.error_spanned_by(
                    name,
                    format!("index `{name}` needs its partition attributes: `pk = [name: S, ..]`"),
                );
            }
            continue;
        };
        let mut seen: Vec<&str> = Vec::new();
        let key_lists = [
            ("partition", Some(pk), 1),
            ("sort", index.sk_list.as_ref(), 0),
        ];
        for (what, list, min) in key_lists {
            if let Some(list) = list {
                lists.list(cx, index, what, list, min, &mut seen);
            }
        }
    }
}

impl Lists {
    /// The rules for one list; `seen` carries the attributes listed before in this index.
    fn list<'l>(
        &mut self,
        cx: &mut Ctxt,
        index: &IndexAttr,
        what: &str,
        list: &'l KeyList,
        min: usize,
        seen: &mut Vec<&'l str>,
    ) {
        let (name, count) = (&index.name, list.items.len());
        if count < min || count > 4 {
            cx.syn_error(syn::Error::new(
                list.span,
                format!(
                    "a multi-attribute {what} key has {min} to 4 attributes (DynamoDB's limit); \
                     `{name}` lists {count}"
                ),
            ));
        }
        for item in &list.items {
            self.item(cx, index, item, seen.contains(&item.name.as_str()));
            seen.push(&item.name);
        }
    }

    /// The rules for one attribute; `repeated` when listed before in the same index.
    fn item(&mut self, cx: &mut Ctxt, index: &IndexAttr, item: &KeyListItem, repeated: bool) {
        let error = |cx: &mut Ctxt, message: String| {
            cx.syn_error(syn::Error::new(item.span, message));
        };
        let scalar = item.scalar.as_ref().map(ToString::to_string);
        let valid = matches!(scalar.as_deref(), Some("S" | "N" | "B"));
        match scalar.as_deref() {
            Some("S" | "N" | "B") => {}
            Some(_) => cx.error_spanned_by(
                item.scalar.as_ref(),
                "a key attribute's type is `S` (string), `N` (number) or `B` (binary)",
            ),
            None => error(
                cx,
                format!(
                    "give the attribute's type: `{}: S`, `: N` or `: B`",
                    item.name
                ),
            ),
        }
        let (attribute, name) = (&item.name, &index.name);
        if attribute.is_empty() {
            error(cx, "an attribute name cannot be empty".to_owned());
        }
        if repeated {
            error(
                cx,
                format!("attribute `{attribute}` is listed twice in `{name}`"),
            );
        }
        if self.reserved.contains(attribute) {
            error(
                cx,
                format!(
                    "attribute `{attribute}` is a key attribute the library writes (table key, \
                     template index key, discriminator or TTL); a multi-attribute index is \
                     keyed by entity fields"
                ),
            );
        }
        let Some(scalar) = scalar.filter(|_| valid) else {
            return;
        };
        match self.types.iter().find(|(n, _)| n == attribute) {
            Some((_, other)) if *other != scalar => error(
                cx,
                format!(
                    "attribute `{attribute}` is `{other}` in another index; one attribute has one type"
                ),
            ),
            Some(_) => {}
            None => self.types.push((attribute.clone(), scalar)),
        }
    }
}
