//! The aggregate view of sample items, as NoSQL Workbench shows one: for the table and for
//! each index, the items that are there, grouped by partition (the partition key cell spans
//! the partition's rows) and in DynamoDB's sort-key order within it, each row coloured by
//! its entity type. An index shows only the items carrying all its key attributes (a sparse
//! index leaves the others out) and only the attributes it projects.

use std::cmp::Ordering;
use std::fmt::Write as _;

use aws_sdk_dynamodb::types::AttributeValue;

use super::escape;
use crate::Item;
use crate::table::{IndexProjection, IndexSchema, TableSchema};

/// A sample as stored, with its entity type ([`super::sample_items`]).
pub(super) type Sample = (Option<&'static str>, Item);

/// One place items are keyed: the table or an index.
struct View {
    /// `Table`, or the index's name.
    name: &'static str,
    /// What the heading says of it besides its name (an index's projection).
    kind: String,
    /// The partition key attributes: several for a multi-attribute index, whose HASH
    /// attributes together make the partition.
    partition: Vec<&'static str>,
    /// The sort key attributes, in order.
    sort: Vec<&'static str>,
    /// What an index holds besides its keys; `None` for the table, which holds everything.
    projection: Option<IndexProjection>,
    /// The table's key attributes, which every index projects.
    table_keys: Vec<&'static str>,
    /// The discriminator attribute: a row shows its type first.
    discriminator: &'static str,
}

impl View {
    fn table(t: &TableSchema) -> Self {
        Self {
            name: "Table",
            kind: String::new(),
            partition: vec![t.partition_key()],
            sort: t.sort_key().into_iter().collect(),
            projection: None,
            table_keys: table_keys(t),
            discriminator: t.discriminator(),
        }
    }

    fn index(t: &TableSchema, index: &IndexSchema) -> Self {
        let elements = index.key_elements();
        let names = |hash: bool| elements.iter().filter(move |e| e.1 == hash).map(|e| e.0);
        Self {
            name: index.name(),
            kind: format!(
                "{}, projects {}",
                if index.is_multi_attribute() {
                    " (multi-attribute)"
                } else {
                    ""
                },
                index.projection().describe()
            ),
            partition: names(true).collect(),
            sort: names(false).collect(),
            projection: Some(index.projection()),
            table_keys: table_keys(t),
            discriminator: t.discriminator(),
        }
    }

    fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.partition.iter().chain(&self.sort).copied()
    }

    /// Whether `item` is in the view: DynamoDB puts an item in an index only when it has
    /// every key attribute of the index (a sparse index).
    fn holds(&self, item: &Item) -> bool {
        self.keys().all(|a| item.contains_key(a))
    }

    /// Whether the view shows attribute `name`: a keys-only index holds its keys and the
    /// table's, an include index those and the listed attributes.
    fn projects(&self, name: &str) -> bool {
        match self.projection {
            None | Some(IndexProjection::All) => true,
            Some(projection) => {
                self.table_keys.contains(&name)
                    || self.keys().any(|k| k == name)
                    || projection.included().contains(&name)
            }
        }
    }

    /// The attributes a row shows after its key cells: the table's keys first (in an index
    /// they name the item), the entity type, then the others by name.
    fn attributes<'i>(&self, item: &'i Item) -> Vec<(&'i str, &'i AttributeValue)> {
        let mut shown: Vec<(&str, &AttributeValue)> = item
            .iter()
            .map(|(name, value)| (name.as_str(), value))
            .filter(|(name, _)| self.projects(name) && !self.keys().any(|k| k == *name))
            .collect();
        let rank = |name: &str| {
            if self.table_keys.contains(&name) {
                0
            } else if name == self.discriminator {
                1
            } else {
                2
            }
        };
        shown.sort_by_key(|(name, _)| (rank(name), *name));
        shown
    }

    /// DynamoDB's order of two items in the view: by partition (so a partition's items are
    /// together), then by the sort key attributes in turn.
    fn compare(&self, a: &Item, b: &Item) -> Ordering {
        self.keys()
            .map(|k| match (a.get(k), b.get(k)) {
                (Some(a), Some(b)) => compare_values(a, b),
                (a, b) => a.is_some().cmp(&b.is_some()),
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }

    fn same_partition(&self, a: &Item, b: &Item) -> bool {
        self.partition.iter().all(|k| match (a.get(*k), b.get(*k)) {
            (Some(a), Some(b)) => compare_values(a, b).is_eq(),
            _ => false,
        })
    }
}

fn table_keys(t: &TableSchema) -> Vec<&'static str> {
    std::iter::once(t.partition_key())
        .chain(t.sort_key())
        .collect()
}

/// How DynamoDB orders two key values: numbers by value, strings and binaries bytewise
/// (Rust's `str` order is the order of the UTF-8 bytes).
fn compare_values(a: &AttributeValue, b: &AttributeValue) -> Ordering {
    match (a, b) {
        // A picture's order needs no more than `f64`'s precision; equal ones by text, so the
        // order is total.
        (AttributeValue::N(x), AttributeValue::N(y)) => {
            number(x).total_cmp(&number(y)).then(x.cmp(y))
        }
        (AttributeValue::B(x), AttributeValue::B(y)) => x.as_ref().cmp(y.as_ref()),
        (AttributeValue::S(x), AttributeValue::S(y)) => x.cmp(y),
        _ => display(a).cmp(&display(b)),
    }
}

fn number(text: &str) -> f64 {
    text.trim().parse().unwrap_or(f64::NAN)
}

/// A value as the view shows it: a string or number as its text, anything else as plain
/// JSON.
fn display(value: &AttributeValue) -> String {
    match value {
        AttributeValue::S(s) => s.clone(),
        AttributeValue::N(n) => n.clone(),
        other => crate::plain::value(other).to_string(),
    }
}

/// The aggregate views of `samples`: a legend of the entity types' colours, the table's
/// view, each index's, and a line for the vector indexes it leaves out.
pub(super) fn aggregate(
    s: &mut String,
    table: &TableSchema,
    entities: &[&'static str],
    samples: &[Sample],
) {
    let _ = writeln!(
        s,
        "<h2 id=\"aggregate\">Aggregate view ({})</h2>",
        counted(samples.len(), "sample item")
    );
    let legend: String = entities
        .iter()
        .enumerate()
        .map(|(i, e)| format!("<span class=\"e{i}\">{}</span>", escape(e)))
        .collect();
    let _ = writeln!(s, "<p class=\"legend\">Entity types: {legend}</p>");
    render(s, &View::table(table), entities, samples);
    for index in table.indexes() {
        render(s, &View::index(table, index), entities, samples);
    }
    let vector: Vec<&str> = table.vector_indexes().iter().map(|v| v.name()).collect();
    if !vector.is_empty() {
        // A vector search ranks items by distance, not by key: there is no partition to
        // group by nor a sort key to order by.
        let _ = writeln!(
            s,
            "<p class=\"note\">Not shown: vector index {}, read by distance to a vector, not \
             by key.</p>",
            escape(&vector.join(", "))
        );
    }
}

/// CSS giving each entity type its row colour: hues a golden angle (137.5°) apart, so types
/// next to each other in the registry differ, and a type's colour depends only on its place
/// in the registry.
pub(super) fn colours(entities: &[&str]) -> String {
    (0..entities.len())
        .map(|i| {
            let hue = (i as f64 * 137.508) % 360.0;
            format!(".e{i}{{background:hsl({hue:.0} 70% 88%)}}")
        })
        .collect()
}

/// One view: its heading, a header row of key attributes, then its items partition by
/// partition.
fn render(s: &mut String, view: &View, entities: &[&'static str], samples: &[Sample]) {
    let mut items: Vec<&Sample> = samples.iter().filter(|(_, i)| view.holds(i)).collect();
    items.sort_by(|a, b| view.compare(&a.1, &b.1));
    let partitions: Vec<&[&Sample]> = items
        .chunk_by(|a, b| view.same_partition(&a.1, &b.1))
        .collect();
    // The attributes' heading spans the widest row's attribute cells.
    let widest = items.iter().map(|(_, i)| view.attributes(i).len()).max();
    let _ = writeln!(
        s,
        "<h3>{}{}: {} in {}</h3>\n<table class=\"aggregate\" \
         data-view=\"{}\">\n<tr>{}<th colspan=\"{}\">attributes</th></tr>",
        escape(view.name),
        escape(&view.kind),
        counted(items.len(), "item"),
        counted(partitions.len(), "partition"),
        escape(view.name),
        view.keys()
            .map(|k| format!("<th><code>{}</code></th>", escape(k)))
            .collect::<String>(),
        widest.unwrap_or(1).max(1)
    );
    for partition in &partitions {
        for (i, (entity, item)) in partition.iter().enumerate() {
            // The partition's key cells span its rows, so they open its first row only.
            let span = (i == 0).then_some(partition.len());
            row(s, view, item, &class(*entity, entities), span);
        }
    }
    if items.is_empty() {
        let _ = writeln!(
            s,
            "<tr><td colspan=\"{}\" class=\"none\">no sample item is here</td></tr>",
            view.keys().count() + 1
        );
    }
    s.push_str("</table>\n");
}

/// `n` and `noun`, plural unless one.
fn counted(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// An entity type's colour class (`e` and its place in the registry).
fn class(entity: Option<&str>, entities: &[&str]) -> String {
    entity
        .and_then(|e| entities.iter().position(|known| *known == e))
        .map_or_else(|| "unknown".to_owned(), |i| format!("e{i}"))
}

/// One item's row: the partition key cells (spanning `span` rows, on a partition's first
/// row), the sort key values, then each attribute the view shows, named.
fn row(s: &mut String, view: &View, item: &Item, class: &str, span: Option<usize>) {
    let value = |k: &str| item.get(k).map(display).unwrap_or_default();
    let _ = write!(s, "<tr class=\"{class}\">");
    if let Some(rows) = span {
        for k in &view.partition {
            let _ = write!(
                s,
                "<td class=\"pk\" rowspan=\"{rows}\">{}</td>",
                escape(&value(k))
            );
        }
    }
    for k in &view.sort {
        let _ = write!(s, "<td class=\"sk\">{}</td>", escape(&value(k)));
    }
    for (name, v) in view.attributes(item) {
        let _ = write!(
            s,
            "<td class=\"attr\"><small>{}</small>{}</td>",
            escape(name),
            escape(&display(v))
        );
    }
    s.push_str("</tr>\n");
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering;

    use aws_sdk_dynamodb::primitives::Blob;
    use aws_sdk_dynamodb::types::AttributeValue;

    use super::compare_values;

    #[test]
    fn key_values_are_ordered_as_dynamodb_orders_them() {
        let n = |t: &str| AttributeValue::N(t.into());
        let s = |t: &str| AttributeValue::S(t.into());
        let b = |t: &[u8]| AttributeValue::B(Blob::new(t));
        assert_eq!(compare_values(&n("9"), &n("10")), Ordering::Less);
        assert_eq!(compare_values(&n("-2.5"), &n("-2")), Ordering::Less);
        assert_eq!(compare_values(&s("Z"), &s("a")), Ordering::Less);
        assert_eq!(compare_values(&s("a"), &s("é")), Ordering::Less);
        assert_eq!(compare_values(&s("10"), &s("9")), Ordering::Less);
        assert_eq!(compare_values(&b(&[1, 255]), &b(&[2])), Ordering::Less);
    }
}
