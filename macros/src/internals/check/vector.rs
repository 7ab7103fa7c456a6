//! DynamoDB's rules for vector indexes, checked on the user's tokens: on the table, a
//! vector attribute, 1–4096 dimensions, a distance function, a search schema of at most one
//! `HASH` and 18 `INLINE_FILTER` attributes typed S/N/B, none repeated nor written by the
//! library, at most 5 vector indexes, names unique among all indexes; on an entity, the
//! fields that feed one (their names and types are checked against the table by code the
//! derive emits).

use crate::internals::attr::index::{KeyListItem, ProjectionKind};
use crate::internals::attr::vector::VectorIndexAttr;
use crate::internals::ctxt::Ctxt;
use crate::internals::model::table::Table;

/// DynamoDB's limits.
const MAX_VECTOR_INDEXES: usize = 5;
const MAX_DIMENSIONS: u32 = 4096;
const MAX_FILTERS: usize = 18;

/// Reports every rule the table's vector indexes break.
pub(crate) fn table(cx: &mut Ctxt, table: &Table<'_>) {
    let attrs = &table.attrs;
    if attrs.vector_indexes.len() > MAX_VECTOR_INDEXES {
        cx.error_spanned_by(
            &attrs.vector_indexes[MAX_VECTOR_INDEXES].name,
            format!("a table has at most {MAX_VECTOR_INDEXES} vector indexes (DynamoDB's limit)"),
        );
    }
    let reserved = reserved(table);
    for (i, index) in attrs.vector_indexes.iter().enumerate() {
        let name = &index.name;
        let taken = attrs.indexes.iter().any(|other| other.name == *name)
            || attrs.vector_indexes[..i]
                .iter()
                .any(|other| other.name == *name);
        if taken {
            cx.error_spanned_by(name, format!("duplicate index `{name}`"));
        }
        let text = name.to_string();
        let valid = text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !(3..=255).contains(&text.len()) || !valid {
            cx.error_spanned_by(
                name,
                "an index name has 3 to 255 characters, each an ASCII letter, digit or `_`",
            );
        }
        declaration(cx, index, &reserved);
        included(cx, table, index);
        types(cx, table, i);
        // Reported once, against the first earlier index over the same attribute that
        // gives its dimensions.
        let earlier = attrs.vector_indexes[..i]
            .iter()
            .filter(|e| e.dimensions.is_some())
            .find(|e| e.vector.as_ref().map(|v| &v.0) == index.vector.as_ref().map(|v| &v.0));
        if let (Some(earlier), Some((d, _))) = (earlier, index.dimensions)
            && earlier.dimensions.is_some_and(|(e, _)| e != d)
        {
            cx.error_spanned_by(
                name,
                format!(
                    "`{name}` and `{}` index the same vector attribute with other dimensions; \
                     DynamoDB requires the same",
                    earlier.name
                ),
            );
        }
    }
}

/// One type per attribute across the table: a search attribute of the `i`th vector index
/// against the multi-attribute indexes' attributes and the earlier vector indexes'; the
/// discriminator, a string, may be an inline filter only as `S`; the vector attribute is
/// neither the discriminator nor any index's key or search attribute.
fn types(cx: &mut Ctxt, table: &Table<'_>, i: usize) {
    let attrs = &table.attrs;
    let index = &attrs.vector_indexes[i];
    let discriminator = table.discriminator();
    let mut known: Vec<(String, String)> = vec![(discriminator.clone(), "S".to_owned())];
    let multi = attrs.indexes.iter().flat_map(|x| [&x.pk_list, &x.sk_list]);
    let earlier = attrs.vector_indexes[..i]
        .iter()
        .flat_map(|v| v.hash.iter().chain(v.filters.iter().flat_map(|f| &f.items)));
    for item in multi.flatten().flat_map(|l| &l.items).chain(earlier) {
        if let Some(scalar) = &item.scalar {
            known.push((item.name.clone(), scalar.to_string()));
        }
    }
    // Every index's vector attribute: none is also a search attribute (DynamoDB defines no
    // type for a vector attribute). Two indexes may share one vector attribute.
    let vectors: Vec<&str> = attrs
        .vector_indexes
        .iter()
        .filter_map(|v| v.vector.as_ref().map(|(a, _)| a.as_str()))
        .collect();
    let own = index
        .hash
        .iter()
        .chain(index.filters.iter().flat_map(|f| &f.items));
    for item in own {
        let own_vector = index.vector.as_ref().is_some_and(|(v, _)| *v == item.name);
        if vectors.contains(&item.name.as_str()) && !own_vector {
            cx.syn_error(syn::Error::new(
                item.span,
                format!(
                    "`{}` holds a vector index's vectors; it cannot be searched by",
                    item.name
                ),
            ));
        }
        let Some(scalar) = item.scalar.as_ref().map(ToString::to_string) else {
            continue;
        };
        if let Some((_, other)) = known.iter().find(|(n, s)| *n == item.name && *s != scalar) {
            cx.syn_error(syn::Error::new(
                item.span,
                format!(
                    "`{}` has type {other} elsewhere in the table (another index, or the \
                     discriminator); an attribute has one type",
                    item.name
                ),
            ));
        }
    }
    let search_anywhere = attrs
        .vector_indexes
        .iter()
        .flat_map(|v| v.hash.iter().chain(v.filters.iter().flat_map(|f| &f.items)))
        .map(|item| item.name.clone());
    let typed: Vec<String> = known
        .iter()
        .map(|(n, _)| n.clone())
        .chain(search_anywhere)
        .collect();
    if let Some((vector, span)) = &index.vector
        && typed.contains(vector)
    {
        cx.syn_error(syn::Error::new(
            *span,
            format!("`{vector}` is the discriminator or an index's attribute, not a vector"),
        ));
    }
}

/// An `include(..)` list: not empty, and without what every entry holds already (the
/// table's keys) or the library adds (the discriminator).
fn included(cx: &mut Ctxt, table: &Table<'_>, index: &VectorIndexAttr) {
    let Some(ProjectionKind::Include(names)) = index.projection.as_ref().map(|p| &p.kind) else {
        return;
    };
    if names.is_empty() {
        cx.error_spanned_by(&index.name, "`include(..)` names at least one attribute");
    }
    let mut held = vec![table.partition_key(), table.discriminator()];
    held.extend(table.sort_key());
    for (attribute, span) in names {
        if held.contains(attribute) {
            cx.syn_error(syn::Error::new(
                *span,
                format!(
                    "`{attribute}` is a table key or the discriminator, which the index holds \
                     (or the library adds) already"
                ),
            ));
        }
    }
}

/// The attributes the library writes itself: none may be a vector or search attribute.
fn reserved(table: &Table<'_>) -> Vec<String> {
    let attrs = &table.attrs;
    let mut reserved = vec![table.partition_key()];
    reserved.extend(table.sort_key());
    reserved.extend(attrs.ttl.as_ref().map(syn::LitStr::value));
    for index in attrs.indexes.iter().filter(|i| !i.is_multi()) {
        reserved.extend(index.pk.as_ref().map(syn::LitStr::value));
        reserved.extend(index.sk.as_ref().map(syn::LitStr::value));
    }
    reserved
}

/// One vector index as the table declares it.
fn declaration(cx: &mut Ctxt, index: &VectorIndexAttr, reserved: &[String]) {
    let name = &index.name;
    match &index.vector {
        None => cx.error_spanned_by(
            name,
            format!("vector index `{name}` needs its vector attribute: `vector = \"embedding\"`"),
        ),
        Some((attribute, span)) if reserved.contains(attribute) => cx.syn_error(syn::Error::new(
            *span,
            format!("`{attribute}` is a key attribute the library writes; vectors go in an attribute of their own"),
        )),
        Some(_) => {}
    }
    match index.dimensions {
        None => cx.error_spanned_by(
            name,
            format!("vector index `{name}` needs its dimensions: `dimensions = 1024`"),
        ),
        Some((d, span)) if d == 0 || d > MAX_DIMENSIONS => cx.syn_error(syn::Error::new(
            span,
            format!("a vector index has 1 to {MAX_DIMENSIONS} dimensions"),
        )),
        Some(_) => {}
    }
    match (&index.distance, index.distance_variant()) {
        (None, _) => cx.error_spanned_by(
            name,
            format!(
                "vector index `{name}` needs its distance function: \
                 `distance = cosine | euclidean | dot_product`"
            ),
        ),
        (Some(distance), None) => cx.error_spanned_by(
            distance,
            "the distance function is `cosine`, `euclidean` or `dot_product`",
        ),
        _ => {}
    }
    search_schema(cx, index, reserved);
}

/// The `HASH` and `INLINE_FILTER` attributes.
fn search_schema(cx: &mut Ctxt, index: &VectorIndexAttr, reserved: &[String]) {
    let filters = index
        .filters
        .as_ref()
        .map(|f| f.items.as_slice())
        .unwrap_or_default();
    if filters.len() > MAX_FILTERS {
        cx.error_spanned_by(
            &index.name,
            format!("a vector index has at most {MAX_FILTERS} inline filter attributes"),
        );
    }
    let vector = index.vector.as_ref().map(|v| v.0.as_str());
    let mut seen: Vec<&str> = Vec::new();
    for item in index.hash.iter().chain(filters) {
        let error =
            |cx: &mut Ctxt, message: String| cx.syn_error(syn::Error::new(item.span, message));
        scalar(cx, item);
        if seen.contains(&item.name.as_str()) {
            error(cx, format!("`{}` is in the search schema twice", item.name));
        }
        if Some(item.name.as_str()) == vector {
            error(
                cx,
                format!(
                    "`{}` holds the vectors; it cannot also be searched by",
                    item.name
                ),
            );
        }
        if reserved.contains(&item.name) {
            error(
                cx,
                format!(
                    "`{}` is a key attribute the library writes; a search schema is made of \
                     entity fields",
                    item.name
                ),
            );
        }
        seen.push(&item.name);
    }
}

/// A search attribute's type, which the table must give.
fn scalar(cx: &mut Ctxt, item: &KeyListItem) {
    match item.scalar.as_ref().map(ToString::to_string).as_deref() {
        Some("S" | "N" | "B") => {}
        Some(_) => cx.error_spanned_by(
            item.scalar.as_ref(),
            "a search attribute's type is `S` (string), `N` (number) or `B` (binary)",
        ),
        None => cx.syn_error(syn::Error::new(
            item.span,
            format!(
                "give the attribute's type: `{}: S`, `: N` or `: B`",
                item.name
            ),
        )),
    }
}

/// Reports what an entity's `vector_index(..)` may not say: the table's settings. (Without
/// `vector = ..` the entity stores no vectors, and only its search fields are checked.)
pub(crate) fn entity(cx: &mut Ctxt, index: &VectorIndexAttr) {
    let settings = [
        index.dimensions.map(|(_, span)| span),
        index.distance.as_ref().map(syn::Ident::span),
        index.projection.as_ref().map(|p| p.span),
    ];
    for span in settings.into_iter().flatten() {
        cx.syn_error(syn::Error::new(
            span,
            "dimensions, distance and projection are the table's: declare them on its \
             `vector_index(..)`",
        ));
    }
    let items = index
        .hash
        .iter()
        .chain(index.filters.iter().flat_map(|f| &f.items));
    for item in items {
        if let Some(scalar) = &item.scalar {
            cx.error_spanned_by(
                scalar,
                "the table declares the attribute's type; an entity names the field only",
            );
        }
    }
}
