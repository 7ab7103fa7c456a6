//! A self-contained HTML page of a design: per index (and the table), a grid of entity
//! types × key attributes holding the templates; collections; lifecycle attributes; the
//! report's warnings; with sample items, first their aggregate view (`aggregate.rs`). No
//! script, no external resource: it opens anywhere.

use std::fmt::Write as _;

use super::aggregate::{self, Sample};
use super::escape;
use crate::registry::Registry;
use crate::report::{Report, lifecycle};
use crate::table::IndexSchema;

/// The design of registry `R` as an HTML page ([`Report::html`] of [`Report::new`]).
pub fn html<R: Registry>() -> String {
    Report::new::<R>().html()
}

/// The design of registry `R` as an HTML page with the aggregate view of `samples`
/// ([`Report::html_with_samples`] of [`Report::new`]).
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Debug, dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
/// # #[derive(Debug, Clone, PartialEq, dynamorm::Registry)] #[dynamo(table = App)] pub enum AppItem { User(User) }
/// let samples = [AppItem::User(User { id: "ann".into() })];
/// let page = dynamorm::design::html_with_samples(&samples);
/// assert!(page.contains("<td class=\"pk\" rowspan=\"1\">USER#ann</td>"));
/// ```
pub fn html_with_samples<R: Registry>(samples: &[R]) -> String {
    Report::new::<R>().html_with_samples(samples)
}

impl Report {
    /// The report as a self-contained HTML page: one grid per place an item is keyed (the
    /// table, then each index), entity types × key attributes, each cell the template (with
    /// what makes the item absent there); then collections, lifecycle attributes and
    /// warnings.
    pub fn html(&self) -> String {
        self.page(&[])
    }

    /// [`Report::html`]'s page with, first, the aggregate view of `samples` (as NoSQL
    /// Workbench shows one): for the table and for each index, the samples stored there
    /// grouped by partition and in sort-key order, each row coloured by its entity type.
    /// An index shows only the samples carrying all its key attributes, and only the
    /// attributes it projects; vector indexes are left out. `samples` are values of the
    /// report's registry, stored as a put would store them (keys rendered from the
    /// templates); without any, the page is [`Report::html`]'s.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Debug, dynamorm::Table)]
    /// # #[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))] pub struct App;
    /// #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
    /// #[dynamo(table = App, pk = "TEAM#{team}", sk = "USER#{id}")]
    /// #[dynamo(index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
    /// pub struct User { team: String, id: String, email: String }
    /// # #[derive(Debug, Clone, PartialEq, dynamorm::Registry)] #[dynamo(table = App)] pub enum AppItem { User(User) }
    ///
    /// let user = |id: &str| User { team: "red".into(), id: id.into(), email: format!("{id}@x") };
    /// let samples = [AppItem::User(user("bo")), AppItem::User(user("al"))];
    /// let page = dynamorm::Report::new::<AppItem>().html_with_samples(&samples);
    /// // One partition on the table, its rows in sort-key order; two in the index.
    /// assert!(page.contains("<h3>Table: 2 items in 1 partition</h3>"));
    /// assert!(page.find("USER#al").unwrap() < page.find("USER#bo").unwrap());
    /// assert!(page.contains("<h3>GSI1, projects all attributes: 2 items in 2 partitions</h3>"));
    /// ```
    pub fn html_with_samples<R: Registry>(&self, samples: &[R]) -> String {
        self.page(&super::sample_items(samples))
    }

    /// The page, with the aggregate view of `samples` when there are any.
    fn page(&self, samples: &[Sample]) -> String {
        let mut s = String::with_capacity(8 * 1024);
        let names: Vec<&'static str> = self.entities.iter().map(|e| e.name).collect();
        let colours = if samples.is_empty() {
            String::new()
        } else {
            aggregate::colours(&names)
        };
        self.head(&mut s, &colours);
        if !samples.is_empty() {
            aggregate::aggregate(&mut s, &self.table, &names, samples);
        }
        self.table_grid(&mut s);
        for index in self.table.indexes() {
            self.index_grid(index, &mut s);
        }
        for index in self.table.vector_indexes() {
            self.vector_grid(index, &mut s);
        }
        self.collections_list(&mut s);
        self.lifecycle_list(&mut s);
        self.warnings_list(&mut s);
        s.push_str("</body>\n</html>\n");
        s
    }

    /// The page's head (its style, and `extra_style`), title and key attributes.
    fn head(&self, s: &mut String, extra_style: &str) {
        let t = &self.table;
        let title = format!("Table {}", t.name());
        let _ = write!(
            s,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>{}</title>\n<style>{STYLE}{extra_style}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
            escape(&title),
            escape(&title)
        );
        let _ = writeln!(
            s,
            "<p class=\"keys\">Partition key <code>{}</code>{}, discriminator <code>{}</code>{}; \
             {} entity types, {} indexes.</p>",
            escape(t.partition_key()),
            t.sort_key()
                .map_or(String::from(", no sort key"), |k| format!(
                    ", sort key <code>{}</code>",
                    escape(k)
                )),
            escape(t.discriminator()),
            t.ttl().map_or(String::new(), |a| format!(
                ", TTL attribute <code>{}</code>",
                escape(a)
            )),
            self.entities.len(),
            t.indexes().len()
        );
    }

    fn collections_list(&self, s: &mut String) {
        if self.collections.is_empty() {
            return;
        }
        s.push_str("<h2>Collections</h2>\n<ul>\n");
        for (name, index, members) in &self.collections {
            let _ = writeln!(
                s,
                "<li><b>{}</b> on {}: {}</li>",
                escape(name),
                escape(index.unwrap_or("the table")),
                escape(&members.join(", "))
            );
        }
        s.push_str("</ul>\n");
    }

    fn lifecycle_list(&self, s: &mut String) {
        let lifecycles: Vec<String> = self
            .entities
            .iter()
            .filter_map(|e| {
                let attrs = lifecycle(e);
                (!attrs.is_empty()).then(|| {
                    let list: Vec<String> = attrs
                        .iter()
                        .map(|(what, a)| format!("{} <code>{}</code>", what, escape(a)))
                        .collect();
                    format!("<li><b>{}</b>: {}</li>", escape(e.name), list.join(", "))
                })
            })
            .collect();
        if !lifecycles.is_empty() {
            let _ = writeln!(
                s,
                "<h2>Lifecycle attributes</h2>\n<ul>\n{}\n</ul>",
                lifecycles.join("\n")
            );
        }
    }

    fn warnings_list(&self, s: &mut String) {
        let warnings = self.warnings();
        let _ = writeln!(s, "<h2>Warnings ({})</h2>", warnings.len());
        if warnings.is_empty() {
            s.push_str("<p class=\"ok\">None.</p>\n");
        } else {
            s.push_str("<ul class=\"warnings\">\n");
            for w in warnings {
                let _ = writeln!(s, "<li>{}</li>", escape(&w));
            }
            s.push_str("</ul>\n");
        }
    }

    fn table_grid(&self, s: &mut String) {
        let t = &self.table;
        let columns: Vec<&str> = std::iter::once(t.partition_key())
            .chain(t.sort_key())
            .collect();
        let rows = self.entities.iter().map(|e| {
            let cells = std::iter::once(Some(e.partition_key.source()))
                .chain(t.sort_key().map(|_| e.sort_key.map(|k| k.source())))
                .map(|c| c.map(code))
                .collect();
            (e.name, cells, String::new())
        });
        grid(s, "Table", "", &columns, rows);
    }

    fn index_grid(&self, index: &IndexSchema, s: &mut String) {
        let columns: Vec<&str> = index.key_elements().iter().map(|(a, _)| *a).collect();
        let mut rows = Vec::new();
        for e in self.entities {
            // Template layouts (one row each), or the fields feeding a multi-attribute index.
            for layout in e.indexes.iter().filter(|l| l.index.name() == index.name()) {
                let cells = std::iter::once(Some(code(layout.partition_key.source())))
                    .chain(layout.sort_key.map(|k| Some(code(k.source()))))
                    .collect();
                let mut note: Vec<String> = Vec::new();
                note.extend(
                    layout
                        .when
                        .map(|w| format!("when <code>{}</code>", escape(w.source))),
                );
                let optional: Vec<&str> = [Some(layout.partition_key), layout.sort_key]
                    .into_iter()
                    .flatten()
                    .flat_map(|t| t.fields().collect::<Vec<_>>())
                    .filter(|f| e.key_fields.iter().any(|k| k.field == *f && k.optional))
                    .collect();
                if !optional.is_empty() {
                    note.push(format!("sparse: {}", escape(&optional.join(", "))));
                }
                rows.push((e.name, cells, note.join("; ")));
            }
            if e.multi_indexes.iter().any(|m| m.name() == index.name()) {
                let cells = columns
                    .iter()
                    .map(|a| Some(format!("<code>{}</code> (field)", escape(a))))
                    .collect();
                let sparse: Vec<&str> = columns
                    .iter()
                    .copied()
                    .filter(|a| e.multi_sparse.contains(a))
                    .collect();
                let note = if sparse.is_empty() {
                    String::new()
                } else {
                    format!("sparse: {}", escape(&sparse.join(", ")))
                };
                rows.push((e.name, cells, note));
            }
        }
        let kind = format!(
            "{}, projects {}",
            if index.is_multi_attribute() {
                " (multi-attribute)"
            } else {
                ""
            },
            escape(&index.projection().describe()),
        );
        grid(s, index.name(), &kind, &columns, rows.into_iter());
    }
}

impl crate::Report {
    /// A vector index: its vector and search attributes, a row per entity type storing
    /// vectors in it (each attribute its own field).
    fn vector_grid(&self, index: &crate::vector::VectorIndexSchema, s: &mut String) {
        let columns: Vec<&str> = std::iter::once(index.attribute())
            .chain(index.search_schema().map(|(a, _)| a.name))
            .collect();
        let discriminator = self.table.discriminator();
        let rows = self
            .entities
            .iter()
            .filter(|e| e.attributes().contains(&index.attribute()))
            .map(|e| {
                let cells = columns
                    .iter()
                    .map(|a| {
                        if *a == discriminator {
                            Some(code(e.name))
                        } else if e.attributes().contains(a) {
                            Some(format!("<code>{}</code> (field)", escape(a)))
                        } else {
                            None
                        }
                    })
                    .collect();
                (e.name, cells, String::new())
            });
        let kind = format!(
            " (vector: {} dimensions, {}), projects {}",
            index.dimensions(),
            index.distance().as_str(),
            escape(&index.projection().describe()),
        );
        grid(s, index.name(), &kind, &columns, rows);
    }
}

/// One grid: a heading, a header row of key attributes, a row per entity layout.
fn grid(
    s: &mut String,
    title: &str,
    kind: &str,
    columns: &[&str],
    rows: impl Iterator<Item = (&'static str, Vec<Option<String>>, String)>,
) {
    let _ = writeln!(
        s,
        "<h2>{}{}</h2>\n<table>\n<tr><th>entity type</th>{}<th>notes</th></tr>",
        escape(title),
        escape(kind),
        columns
            .iter()
            .map(|c| format!("<th><code>{}</code></th>", escape(c)))
            .collect::<String>()
    );
    let mut any = false;
    for (entity, cells, note) in rows {
        any = true;
        let cells: String = cells
            .into_iter()
            .map(|c| match c {
                Some(c) => format!("<td>{c}</td>"),
                None => "<td class=\"none\">—</td>".to_owned(),
            })
            .collect();
        let _ = writeln!(
            s,
            "<tr><th class=\"entity\">{}</th>{cells}<td class=\"note\">{note}</td></tr>",
            escape(entity)
        );
    }
    if !any {
        let _ = writeln!(
            s,
            "<tr><td colspan=\"{}\" class=\"none\">no entity type is keyed here</td></tr>",
            columns.len() + 2
        );
    }
    s.push_str("</table>\n");
}

fn code(text: &str) -> String {
    format!("<code>{}</code>", escape(text))
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem;\
color:#1d2733;background:#fbfcfe}h1{color:#0b4f8a}h2{margin-top:2rem;color:#0b4f8a;\
border-bottom:2px solid #d7e3f0}table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px \
solid #c9d6e3;padding:.35rem .6rem;text-align:left;vertical-align:top}tr:first-child th{\
background:#0b4f8a;color:#fff}th.entity{background:#e8f0f8}td code{background:#fff4d6;\
padding:0 .2rem}td.none{color:#8a97a6}td.note{color:#5a6878;font-size:.9em}ul.warnings li{\
color:#9a3412}p.ok{color:#166534}table.aggregate td{padding:.2rem .45rem;font-size:.9em;white-space:nowrap}td.attr{\
max-width:16rem;overflow:hidden;text-overflow:ellipsis}table.aggregate td.pk{background:#fff;\
font-weight:600}td.attr small{display:block;color:#5a6878;font-size:.75em}p.legend span{\
padding:.15rem .5rem;margin-right:.4rem;border-radius:.3rem}p.note{color:#5a6878}";

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
