//! The access-pattern report: a Markdown description of a single-table design, generated
//! from its registry, with the design problems that can be found statically.

use std::fmt::Write as _;

use crate::collection::Collection;
use crate::entity::EntitySchema;
use crate::key::{KeyTemplate, Segment};
use crate::registry::Registry;
use crate::table::{Table, TableSchema};

/// The lifecycle attributes of an entity type: what each does, and its attribute.
pub(crate) fn lifecycle(e: &EntitySchema) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    out.extend(e.version.map(|v| ("version", v)));
    out.extend(e.created_at.map(|v| ("created at", v)));
    out.extend(e.updated_at.map(|v| ("updated at", v)));
    out.extend(e.ttl.map(|v| ("expires by", v)));
    out.extend(e.unique.iter().map(|u| ("unique", u.attribute)));
    out
}

/// A Markdown report of a table design: entity key templates, what lives in each index,
/// collections, lifecycle attributes, and warnings.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "PROFILE")] pub struct User { id: String }
/// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "{name}")] pub struct Alias { id: String, name: String }
/// # #[derive(Debug, dynamorm::Registry)] #[dynamo(table = App)] pub enum AppItem { User(User), Alias(Alias) }
/// let report = dynamorm::Report::new::<AppItem>().render();
/// assert!(report.contains("### User"));
/// // `Alias { name: "PROFILE" }` would overwrite a user's profile item:
/// assert!(report.contains("`User` and `Alias` keys can collide on the table"));
/// ```
#[derive(Debug, Clone)]
pub struct Report {
    pub(crate) table: TableSchema,
    pub(crate) entities: &'static [EntitySchema],
    /// Each collection: its name, index (`None`: the table) and member entity types.
    pub(crate) collections: Vec<(&'static str, Option<&'static str>, Vec<&'static str>)>,
}

impl Report {
    /// A report of registry `R`'s table and entity types.
    pub fn new<R: Registry>() -> Self {
        Self {
            table: <R::Table as Table>::SCHEMA,
            entities: R::ENTITIES,
            collections: Vec::new(),
        }
    }

    /// Adds a collection to the report.
    pub fn collection<C: Collection>(mut self) -> Self {
        self.collections.push((
            C::NAME,
            C::INDEX.map(|i| i.name()),
            C::MEMBERS.iter().map(|m| m.name).collect(),
        ));
        self
    }

    /// The design problems found: key collisions and unsafe prefixes.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, a) in self.entities.iter().enumerate() {
            // Declared sharing (a user and an organisation under `ACCOUNT#{name}`) is the
            // design, not a mistake: the report lists it instead of warning.
            for b in self.entities[i + 1..]
                .iter()
                .filter(|b| !a.declares_sharing_with(b))
            {
                if keys_can_collide(
                    &a.partition_key,
                    a.sort_key.as_ref(),
                    &b.partition_key,
                    b.sort_key.as_ref(),
                ) {
                    out.push(format!(
                        "`{}` and `{}` keys can collide on the table: their templates match the same keys",
                        a.name, b.name
                    ));
                }
                for ia in a.indexes {
                    for ib in b
                        .indexes
                        .iter()
                        .filter(|ib| ib.index.name() == ia.index.name())
                    {
                        if keys_can_collide(
                            &ia.partition_key,
                            ia.sort_key.as_ref(),
                            &ib.partition_key,
                            ib.sort_key.as_ref(),
                        ) {
                            out.push(format!(
                                "`{}` and `{}` keys can collide on index `{}`: a query there returns both",
                                a.name,
                                b.name,
                                ia.index.name()
                            ));
                        }
                    }
                }
            }
        }
        for e in self.entities {
            let mut templates = vec![("the table", e.partition_key)];
            templates.extend(e.indexes.iter().map(|i| (i.index.name(), i.partition_key)));
            for (place, t) in templates {
                if matches!(t.segments().first(), Some(Segment::Part { .. })) {
                    out.push(format!(
                        "`{}` partition key `{}` on {place} starts with a field: other entity types \
                         cannot be told apart by a fixed prefix",
                        e.name,
                        t.source()
                    ));
                }
            }
            // Fixed text after a field (`{target}REACTION`) breaks the sort order by that
            // field: say so where a sort key does it, since ranges over it are refused.
            let sort_keys = e.sort_key.iter().map(|t| ("the table", t)).chain(
                e.indexes
                    .iter()
                    .filter_map(|i| Some((i.index.name(), i.sort_key.as_ref()?))),
            );
            for (place, t) in sort_keys {
                for segment in t.segments() {
                    if let Segment::Part { field, suffix, .. } = segment
                        && !suffix.is_empty()
                    {
                        out.push(format!(
                            "`{}` sort key `{}` on {place} has fixed text after `{field}`: keys do \
                             not sort by `{field}`, so range conditions on it are refused \
                             (equality and begins_with work)",
                            e.name,
                            t.source()
                        ));
                    }
                }
            }
        }
        out
    }

    /// The report as Markdown.
    pub fn render(&self) -> String {
        let t = &self.table;
        let mut s = String::new();
        let _ = writeln!(s, "# Table `{}`\n", t.name());
        let _ = writeln!(
            s,
            "Partition key `{}`, sort key {}, discriminator `{}`{}.\n",
            t.partition_key(),
            t.sort_key().map_or("none".to_owned(), |k| format!("`{k}`")),
            t.discriminator(),
            t.ttl()
                .map_or(String::new(), |a| format!(", TTL attribute `{a}`"))
        );
        let _ = writeln!(s, "## Entities\n");
        for e in self.entities {
            let _ = writeln!(s, "### {}\n", e.name);
            let _ = writeln!(s, "| where | partition key | sort key | sparse on |");
            let _ = writeln!(s, "|---|---|---|---|");
            let _ = writeln!(
                s,
                "| table | `{}` | {} | |",
                e.partition_key.source(),
                e.sort_key
                    .map_or("".into(), |t| format!("`{}`", t.source()))
            );
            for i in e.indexes {
                let mut optional: Vec<String> = [Some(i.partition_key), i.sort_key]
                    .into_iter()
                    .flatten()
                    .flat_map(|t| t.fields().collect::<Vec<_>>())
                    .filter(|f| e.key_fields.iter().any(|k| k.field == *f && k.optional))
                    .map(|f| format!("`{f}`"))
                    .collect();
                optional.extend(i.when.map(|w| format!("when `{}`", w.source)));
                let _ = writeln!(
                    s,
                    "| {} | `{}` | {} | {} |",
                    i.index.name(),
                    i.partition_key.source(),
                    i.sort_key
                        .map_or("".into(), |t| format!("`{}`", t.source())),
                    optional.join(", ")
                );
            }
            for index in e.multi_indexes {
                let Some((partition, sort)) = index.multi_keys() else {
                    continue;
                };
                let names = |list: &[crate::IndexAttribute]| {
                    list.iter()
                        .map(|a| format!("`{}`", a.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let sparse: Vec<String> = partition
                    .iter()
                    .chain(sort)
                    .filter(|a| e.multi_sparse.contains(&a.name))
                    .map(|a| format!("`{}`", a.name))
                    .collect();
                let _ = writeln!(
                    s,
                    "| {} (multi-attribute) | {} | {} | {} |",
                    index.name(),
                    names(partition),
                    names(sort),
                    sparse.join(", ")
                );
            }
            if !e.shares_keys_with.is_empty() {
                let _ = writeln!(
                    s,
                    "\nShares key space with (declared): {}.",
                    e.shares_keys_with
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let lifecycle: Vec<String> = lifecycle(e)
                .into_iter()
                .map(|(what, attribute)| format!("{what} `{attribute}`"))
                .collect();
            if !lifecycle.is_empty() {
                let _ = writeln!(s, "\nLifecycle: {}.", lifecycle.join(", "));
            }
            let _ = writeln!(s);
        }
        let _ = writeln!(s, "## Indexes\n");
        for index in t.indexes() {
            let _ = writeln!(s, "### {} ({})\n", index.name(), index_keys(index));
            let members: Vec<String> = self
                .entities
                .iter()
                .flat_map(|e| {
                    e.indexes
                        .iter()
                        .filter(|i| i.index.name() == index.name())
                        .map(move |i| {
                            format!(
                                "- {}: `{}`{}{}",
                                e.name,
                                i.partition_key.source(),
                                i.sort_key
                                    .map_or(String::new(), |t| format!(" / `{}`", t.source())),
                                i.when
                                    .map_or(String::new(), |w| format!(" when `{}`", w.source))
                            )
                        })
                })
                .chain(
                    self.entities
                        .iter()
                        .filter(|e| e.multi_indexes.iter().any(|i| i.name() == index.name()))
                        .map(|e| format!("- {}: its own attributes, nothing rendered", e.name)),
                )
                .collect();
            if members.is_empty() {
                let _ = writeln!(s, "No entity type writes keys to this index.\n");
            } else {
                let _ = writeln!(s, "{}\n", members.join("\n"));
            }
        }
        self.render_vector_indexes(&mut s);
        if !self.collections.is_empty() {
            let _ = writeln!(s, "## Collections\n");
            for (name, index, members) in &self.collections {
                let _ = writeln!(
                    s,
                    "- {name} (on {}): {}",
                    index.map_or("the table".to_owned(), |i| format!("index `{i}`")),
                    members.join(", ")
                );
            }
            let _ = writeln!(s);
        }
        let warnings = self.warnings();
        let _ = writeln!(s, "## Warnings\n");
        if warnings.is_empty() {
            let _ = writeln!(s, "None.");
        } else {
            for w in warnings {
                let _ = writeln!(s, "- {w}");
            }
        }
        s
    }
}

impl Report {
    /// The table's vector indexes, and the entity types that store vectors in each.
    fn render_vector_indexes(&self, s: &mut String) {
        let indexes = self.table.vector_indexes();
        if indexes.is_empty() {
            return;
        }
        let _ = writeln!(s, "## Vector indexes\n");
        for index in indexes {
            let _ = writeln!(
                s,
                "### {} (`{}`, {} dimensions, {})\n",
                index.name(),
                index.attribute(),
                index.dimensions(),
                index.distance().as_str()
            );
            if let Some(hash) = index.hash() {
                let _ = writeln!(
                    s,
                    "- searched per `{}` ({})",
                    hash.name,
                    hash.scalar.as_str()
                );
            }
            let filters: Vec<String> = index
                .filters()
                .iter()
                .map(|f| format!("`{}` ({})", f.name, f.scalar.as_str()))
                .collect();
            if !filters.is_empty() {
                let _ = writeln!(s, "- filtered by {}", filters.join(", "));
            }
            let _ = writeln!(s, "- projects {}", index.projection().describe());
            let members: Vec<&str> = self
                .entities
                .iter()
                .filter(|e| e.attributes().contains(&index.attribute()))
                .map(|e| e.name)
                .collect();
            if members.is_empty() {
                let _ = writeln!(s, "- no entity type stores vectors in it\n");
            } else {
                let _ = writeln!(s, "- vectors of {}\n", members.join(", "));
            }
        }
    }
}

/// Whether two templates can render the same key: same number of segments, and at each
/// position equal fixed text, or a field whose fixed text around it (`USER_{id}`) fits the
/// other side — fixed text with that prefix and suffix, or another field whose affixes
/// are compatible (one prefix starts the other, one suffix ends the other).
fn templates_can_match(a: &KeyTemplate, b: &KeyTemplate) -> bool {
    let (a, b) = (a.segments(), b.segments());
    a.len() == b.len()
        && a.iter().zip(b).all(|pair| match pair {
            (Segment::Literal(x), Segment::Literal(y)) => x == y,
            (Segment::Literal(text), Segment::Part { prefix, suffix, .. })
            | (Segment::Part { prefix, suffix, .. }, Segment::Literal(text)) => {
                text.len() >= prefix.len() + suffix.len()
                    && text.starts_with(prefix)
                    && text.ends_with(suffix)
            }
            (
                Segment::Part {
                    prefix: p1,
                    suffix: s1,
                    ..
                },
                Segment::Part {
                    prefix: p2,
                    suffix: s2,
                    ..
                },
            ) => {
                (p1.starts_with(p2) || p2.starts_with(p1)) && (s1.ends_with(s2) || s2.ends_with(s1))
            }
        })
}

pub(crate) fn keys_can_collide(
    pa: &KeyTemplate,
    sa: Option<&KeyTemplate>,
    pb: &KeyTemplate,
    sb: Option<&KeyTemplate>,
) -> bool {
    templates_can_match(pa, pb)
        && match (sa, sb) {
            (Some(x), Some(y)) => templates_can_match(x, y),
            (None, None) => true,
            _ => false,
        }
}

/// The report as Markdown, as [`Report::render`] writes it.
impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

/// How an index is keyed, for the report's heading.
fn index_keys(index: &crate::IndexSchema) -> String {
    let list = |attributes: &[crate::IndexAttribute]| {
        attributes
            .iter()
            .map(|a| format!("`{}` {}", a.name, a.scalar.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (index.template_keys(), index.multi_keys()) {
        (Some((pk, sk)), _) => format!(
            "`{pk}`{}, projects {}",
            sk.map_or(String::new(), |k| format!(" / `{k}`")),
            index.projection().describe(),
        ),
        (None, Some((partition, sort))) => format!(
            "multi-attribute: partition {}{}, projects {}",
            list(partition),
            if sort.is_empty() {
                String::new()
            } else {
                format!("; sort {}", list(sort))
            },
            index.projection().describe(),
        ),
        (None, None) => String::new(),
    }
}
