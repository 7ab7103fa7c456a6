//! The design page's aggregate view, read back from the HTML it emits and held to its
//! rules: every partition once, items in DynamoDB's sort-key order within a partition,
//! each item once in the table and once in each index whose key attributes it has (and in
//! no other), an index showing only what it projects, every row in its entity type's
//! colour, the user's values escaped. Then the tracker's is screenshot in Chromium.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Duration;
use dynamorm::{IndexProjection, Item, Registry, Report, ScalarType, Table, TableSchema};
use dynamorm_entities::{Session, TrackerItem, sample};

use super::pictured;
use crate::projections::{BoardItem, card, memo};

/// One row of a view, as the page shows it (values unescaped).
#[derive(Debug)]
struct Row {
    /// Its colour class.
    class: String,
    /// The partition it is in: the values of the partition key cells spanning it.
    partition: Vec<String>,
    /// Its sort key values.
    sort: Vec<String>,
    /// The other attributes it shows, named.
    attributes: BTreeMap<String, String>,
}

/// One view (the table's or an index's): its name and rows, and each partition's key
/// values in the order the page shows them.
#[derive(Debug)]
struct View {
    name: String,
    rows: Vec<Row>,
    partitions: Vec<Vec<String>>,
}

/// The text between `start` and the next `end` after it, and what follows.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<(&'a str, &'a str)> {
    let from = text.find(start)? + start.len();
    let to = from + text[from..].find(end)?;
    Some((&text[from..to], &text[to + end.len()..]))
}

/// Escaped text back to the user's: the page escapes these five.
fn unescape(text: &str) -> String {
    assert!(!text.contains(['<', '>', '"']), "unescaped markup: {text}");
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The aggregate views of a page, in its order.
fn views(html: &str) -> Vec<View> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some((name, after)) = between(rest, "<table class=\"aggregate\" data-view=\"", "\">")
    {
        let (body, after) = between(after, "", "</table>").expect("a closed table");
        out.push(view(&unescape(name), body));
        rest = after;
    }
    out
}

fn view(name: &str, body: &str) -> View {
    let mut view = View {
        name: name.to_owned(),
        rows: Vec::new(),
        partitions: Vec::new(),
    };
    let mut left = 0;
    let mut rest = body;
    while let Some((class, after)) = between(rest, "<tr class=\"", "\">") {
        let (cells, after) = between(after, "", "</tr>").expect("a closed row");
        rest = after;
        let mut row = Row {
            class: class.to_owned(),
            partition: Vec::new(),
            sort: Vec::new(),
            attributes: BTreeMap::new(),
        };
        let mut spans = Vec::new();
        let mut cells = cells;
        while let Some((kind, after)) = between(cells, "<td class=\"", "\"") {
            let (cell, after) = between(after, "", "</td>").expect("a closed cell");
            cells = after;
            match kind {
                "pk" => {
                    let (span, value) = between(cell, " rowspan=\"", "\">").expect("a span");
                    spans.push(span.parse::<usize>().expect("a number"));
                    row.partition.push(unescape(value));
                }
                "sk" => row.sort.push(unescape(&cell[1..])),
                "attr" => {
                    let (name, value) = between(cell, "<small>", "</small>").expect("a name");
                    let previous = row.attributes.insert(unescape(name), unescape(value));
                    assert!(previous.is_none(), "an attribute shown twice in {name}");
                }
                other => panic!("unknown cell {other}"),
            }
        }
        if row.partition.is_empty() {
            // A later row of the partition: its key cells span it from the first row.
            assert!(left > 0, "a row outside any partition in {}", view.name);
            row.partition = view.partitions.last().expect("a partition").clone();
        } else {
            assert!(left == 0, "a partition opened before the last one ended");
            assert!(spans.iter().all(|s| *s == spans[0]), "uneven spans");
            left = spans[0];
            view.partitions.push(row.partition.clone());
        }
        left -= 1;
        view.rows.push(row);
    }
    assert_eq!(
        left, 0,
        "{}: a partition's span runs past its rows",
        view.name
    );
    view
}

/// Each entity type's colour class, from the page's legend.
fn legend(html: &str) -> BTreeMap<String, String> {
    let (legend, _) = between(html, "<p class=\"legend\">", "</p>").expect("a legend");
    legend
        .split("<span class=\"")
        .skip(1)
        .map(|span| {
            let (class, name) = span.split_once("\">").expect("a class");
            let name = name.strip_suffix("</span>").expect("a span");
            (unescape(name), class.to_owned())
        })
        .collect()
}

/// Key attributes, each with whether it is a number.
type Keys = Vec<(String, bool)>;

/// A view's key attributes as the test reads them off the schema's public API: the
/// partition's, then the sort's.
fn keys_of(schema: &TableSchema, view: &str) -> (Keys, Keys) {
    let named = |names: &[&str]| names.iter().map(|n| ((*n).to_owned(), false)).collect();
    let typed = |attributes: &[dynamorm::IndexAttribute]| {
        attributes
            .iter()
            .map(|a| (a.name.to_owned(), a.scalar == ScalarType::N))
            .collect()
    };
    if view == "Table" {
        let sort: Vec<&str> = schema.sort_key().into_iter().collect();
        return (named(&[schema.partition_key()]), named(&sort));
    }
    let index = schema.index(view).expect("a declared index");
    match (index.template_keys(), index.multi_keys()) {
        (Some((pk, sk)), _) => (named(&[pk]), named(&sk.into_iter().collect::<Vec<_>>())),
        (None, Some((partition, sort))) => (typed(partition), typed(sort)),
        (None, None) => unreachable!("an index is keyed one way or the other"),
    }
}

/// A value as the page shows a key or string: its text.
fn text(value: &AttributeValue) -> Option<String> {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => Some(s.clone()),
        _ => None,
    }
}

/// DynamoDB's order of two key values: numbers by value, strings bytewise.
fn dynamo_order(a: &str, b: &str, number: bool) -> Ordering {
    if number {
        let (x, y): (f64, f64) = (a.parse().expect("N"), b.parse().expect("N"));
        x.total_cmp(&y)
    } else {
        a.as_bytes().cmp(b.as_bytes())
    }
}

/// What the rules were checked on: rows and partitions, over all views.
#[derive(Debug, Default)]
struct Checked {
    rows: usize,
    partitions: usize,
    views: usize,
}

/// Checks every rule of the aggregate view of `samples` on `html`.
fn check_rules<R: Registry>(html: &str, samples: &[R]) -> Checked {
    let schema = <R::Table as Table>::SCHEMA;
    let stored: Vec<(&str, Item)> = samples
        .iter()
        .map(|s| {
            (
                s.discriminator().expect("a type"),
                s.to_stored_item().expect("encodes"),
            )
        })
        .collect();
    let colours = legend(html);
    let views = views(html);
    let names: Vec<&str> = std::iter::once("Table")
        .chain(schema.indexes().iter().map(|i| i.name()))
        .collect();
    assert_eq!(
        views.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        names
    );
    let mut checked = Checked::default();
    for view in &views {
        let (partition, sort) = keys_of(&schema, &view.name);
        let keys: Vec<&str> = partition
            .iter()
            .chain(&sort)
            .map(|k| k.0.as_str())
            .collect();
        // The items in the view: those with every key attribute of it.
        let expected: Vec<&(&str, Item)> = stored
            .iter()
            .filter(|(_, item)| keys.iter().all(|k| item.contains_key(*k)))
            .collect();
        check_partitions(view, &expected, &partition);
        check_order(view, &sort);
        check_rows(view, &schema, &expected, &keys, &colours);
        checked.rows += view.rows.len();
        checked.partitions += view.partitions.len();
        checked.views += 1;
    }
    checked
}

/// Every partition of the view's items appears once, and only those.
fn check_partitions(view: &View, expected: &[&(&str, Item)], partition: &[(String, bool)]) {
    let wanted: BTreeSet<Vec<String>> = expected
        .iter()
        .map(|(_, item)| {
            partition
                .iter()
                .map(|(k, _)| text(&item[k]).expect("a key value"))
                .collect()
        })
        .collect();
    let shown: BTreeSet<Vec<String>> = view.partitions.iter().cloned().collect();
    assert_eq!(
        shown.len(),
        view.partitions.len(),
        "{}: a partition twice",
        view.name
    );
    assert_eq!(shown, wanted, "{}: the partitions", view.name);
}

/// Within each partition, rows are in DynamoDB's order of the sort key attributes.
fn check_order(view: &View, sort: &[(String, bool)]) {
    for pair in view.rows.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.partition != b.partition {
            continue;
        }
        let order = a
            .sort
            .iter()
            .zip(&b.sort)
            .zip(sort)
            .map(|((x, y), (_, number))| dynamo_order(x, y, *number))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal);
        assert!(
            order.is_le(),
            "{}: {:?} before {:?}",
            view.name,
            a.sort,
            b.sort
        );
    }
}

/// Each expected item is shown once, in its type's colour, with exactly the attributes
/// the view projects, values as stored; no other item is shown.
fn check_rows(
    view: &View,
    schema: &TableSchema,
    expected: &[&(&str, Item)],
    keys: &[&str],
    colours: &BTreeMap<String, String>,
) {
    let table_keys: Vec<&str> = std::iter::once(schema.partition_key())
        .chain(schema.sort_key())
        .collect();
    let projection = match schema.index(&view.name) {
        Some(index) => index.projection(),
        None => IndexProjection::All,
    };
    let identity = |item: &Item| -> Vec<String> {
        table_keys
            .iter()
            .map(|k| text(&item[*k]).expect("a key"))
            .collect()
    };
    let mut left: BTreeMap<Vec<String>, &(&str, Item)> =
        expected.iter().map(|e| (identity(&e.1), *e)).collect();
    assert_eq!(left.len(), expected.len(), "samples with equal keys");
    for row in &view.rows {
        // The row's item, named by the table's keys: key cells in the table's view,
        // attributes in an index's (every index projects them).
        let mut shown = row.attributes.clone();
        for (k, v) in keys.iter().zip(row.partition.iter().chain(&row.sort)) {
            shown.insert((*k).to_owned(), v.clone());
        }
        let id: Vec<String> = table_keys.iter().map(|k| shown[*k].clone()).collect();
        let (entity, item) = left
            .remove(&id)
            .unwrap_or_else(|| panic!("{}: {id:?} shown twice or not in it", view.name));
        assert_eq!(
            row.class, colours[*entity],
            "{}: {id:?}'s colour",
            view.name
        );
        let projected = |name: &str| match projection {
            IndexProjection::All => true,
            _ => {
                table_keys.contains(&name)
                    || keys.contains(&name)
                    || projection.included().contains(&name)
            }
        };
        let wanted: BTreeMap<String, String> = item
            .iter()
            .filter(|(name, value)| projected(name) && !matches!(value, AttributeValue::Null(_)))
            .map(|(name, value)| {
                // Lists, maps and the like: shown as plain JSON, not compared here.
                let other = || shown.get(name).cloned().unwrap_or_default();
                (name.clone(), text(value).unwrap_or_else(other))
            })
            .collect();
        assert_eq!(shown, wanted, "{}: {id:?}'s attributes", view.name);
    }
    assert!(left.is_empty(), "{}: missing {:?}", view.name, left.keys());
}

/// Tenants, users, projects, tasks (half assigned, so in the sparse `GSI1`), comments and
/// sessions in three tenants' partitions, made out of order; some hold markup.
fn tracker_samples() -> Vec<TrackerItem> {
    let mut out: Vec<TrackerItem> = Vec::new();
    for tenant in ["globex", "acme", "r&d <lab>"] {
        let mut t = sample::tenant(tenant);
        t.name = "<script>alert(\"x\")</script> & 'co'".into();
        out.push(t.into());
        for user in ["cy", "ann", "bob"] {
            out.push(sample::user(tenant, user).into());
        }
        for project in ["p2", "p1"] {
            out.push(sample::project(tenant, project, "ann").into());
            for task in [10, 2, 7, 1] {
                out.push(if task % 2 == 0 {
                    sample::assigned_task(tenant, project, task, "bob", 30 - i64::from(task)).into()
                } else {
                    sample::task(tenant, project, task).into()
                });
            }
            let mut comment = sample::comment(tenant, project, 7, "c2", "cy", 9);
            comment.body = "</td></tr><tr><td>\"quoted\" & 'single'".into();
            out.push(comment.into());
            out.push(sample::comment(tenant, project, 7, "c1", "ann", 4).into());
        }
        out.push(
            Session {
                tenant_id: tenant.into(),
                session_id: "s1".into(),
                user_id: "ann".into(),
                expires_at: sample::epoch() + Duration::hours(1),
            }
            .into(),
        );
    }
    out
}

fn rows_in<'v>(views: &'v [View], name: &str) -> &'v [Row] {
    &views.iter().find(|v| v.name == name).expect("a view").rows
}

#[test]
fn the_aggregate_view_follows_dynamodbs_layout() {
    let samples = tracker_samples();
    let html = Report::new::<TrackerItem>().html_with_samples(&samples);
    let checked = check_rules(&html, &samples);
    assert_eq!(samples.len(), 57);
    assert_eq!(checked.views, 3);
    // The sparse GSI1 holds the users and the assigned tasks only; GSI2 the projects,
    // tasks and comments.
    let views = views(&html);
    let count = |name: &str| {
        samples
            .iter()
            .filter(|s| s.discriminator() == Some(name))
            .count()
    };
    assert_eq!(rows_in(&views, "Table").len(), 57);
    assert_eq!(
        rows_in(&views, "GSI1").len(),
        count("User") + count("Task") / 2
    );
    assert_eq!(
        rows_in(&views, "GSI2").len(),
        count("Project") + count("Task") + count("Comment")
    );
    assert_eq!(views[0].partitions.len(), 3, "one partition per tenant");
    // The user's values are escaped, never markup.
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;alert(&quot;x&quot;)"));
    assert!(html.contains("r&amp;d &lt;lab&gt;") && html.contains("&#39;single&#39;"));
    pictured(&html, "aggregate.png");
    eprintln!("checked {checked:?}");
}

/// Every projection kind, and multi-attribute indexes sorted by a number: the board's
/// cards and memos.
#[test]
fn the_aggregate_view_shows_what_each_index_projects_in_numeric_order() {
    let samples: Vec<BoardItem> = (1..=12)
        .rev()
        .map(|id| BoardItem::Card(card(id)))
        .chain((1..=4).map(|id| BoardItem::Memo(memo(id))))
        .collect();
    let html = Report::new::<BoardItem>().html_with_samples(&samples);
    let checked = check_rules(&html, &samples);
    eprintln!("checked {checked:?}");
    let views = views(&html);
    // Ranks 10 … 120 by value (as text, "100" would come before "20").
    let ranks: Vec<&str> = rows_in(&views, "ByOwner")
        .iter()
        .filter(|r| r.partition == ["ada"])
        .map(|r| r.sort[0].as_str())
        .collect();
    assert_eq!(ranks, ["20", "40", "60", "80", "100", "120"]);
    // Memos have no lane: ByLane is sparse.
    assert_eq!(rows_in(&views, "ByLane").len(), 12);
    assert_eq!(rows_in(&views, "GSI1").len(), 16);
    // Keys only: the table's keys and the index's, nothing else.
    let shown: BTreeSet<&str> = rows_in(&views, "GSI1")
        .iter()
        .flat_map(|r| r.attributes.keys().map(String::as_str))
        .collect();
    assert_eq!(shown, BTreeSet::from(["PK", "SK"]));
}
