//! [`Doctor`]: checks a live table against its declaration — declared indexes missing or
//! projecting other attributes than declared, items that do not decode, stored keys that
//! differ from what the templates render, lifecycle attributes missing or wrong, unique
//! values without their sentinel and sentinels without an owner, unknown entity types.
//! Read-only: it scans, it never writes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, TableDescription};
use futures::StreamExt;

use crate::Error;
use crate::client::Inner;
use crate::deploy::send as admin;
use crate::entity::{EntitySchema, PrimaryKey, key_from};
use crate::item::Item;
use crate::registry::Registry;
use crate::table::{Table, TableSchema};
use crate::write::internal::is_internal;

/// The progress callback.
type ProgressFn = Box<dyn FnMut(&Progress) + Send>;

/// Where a checkup stands, passed to [`Doctor::on_progress`] after each item.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// Items read so far.
    pub scanned: u64,
    /// Problems found so far (unique values are reconciled at the end, so theirs come last).
    pub findings: usize,
    /// Time since the checkup started.
    pub elapsed: Duration,
}

/// A check of a live table against registry `R`'s declarations, built by
/// [`Db::doctor`](crate::Db::doctor); `run` scans the whole table (in parallel segments,
/// optionally rate-limited) and returns a [`Checkup`].
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
/// # #[derive(Debug, dynamorm::Registry)] #[dynamo(table = App)] pub enum AppItem { User(User) }
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// let checkup = db.doctor::<AppItem>().segments(4).run().await?;
/// for finding in &checkup.findings {
///     println!("{finding}");
/// }
/// assert!(checkup.is_healthy() || !checkup.findings.is_empty());
/// # Ok(()) }
/// ```
#[must_use = "a doctor does nothing until `.run().await`"]
pub struct Doctor<R> {
    db: Arc<Inner>,
    segments: u32,
    page_size: Option<u32>,
    items_per_second: Option<f64>,
    on_progress: Option<ProgressFn>,
    deployment: Option<crate::deploy::Deployment>,
    registry: std::marker::PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for Doctor<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Doctor")
            .field("table", &self.db.table_name)
            .field("segments", &self.segments)
            .finish_non_exhaustive()
    }
}

/// What a [`Doctor`] run found.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[non_exhaustive]
pub struct Checkup {
    /// Items read.
    pub scanned: u64,
    /// How the live table's indexes differ from the declaration, in declaration order.
    pub indexes: Vec<IndexProblem>,
    /// Every problem of an item, ordered by the item's key, then kind.
    pub findings: Vec<Finding>,
    /// How the table's settings differ from the deployment given to
    /// [`Doctor::settings`] (empty without one).
    pub settings: Vec<crate::deploy::Drift>,
    /// How many items of each entity type are stored in each shape version, by entity type
    /// then shape (items of a shape this binary cannot read are also `undecodable`
    /// findings). When an earlier shape's count is 0, and no binary still writes it, its
    /// struct can be deleted from `shapes(..)`.
    pub shapes: Vec<ShapeCount>,
}

/// The items of one entity type stored in one shape version: a row of
/// [`Checkup::shapes`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ShapeCount {
    /// The entity type.
    pub entity: String,
    /// The shape version the items are stored in (0: a `_shape` that is not a version).
    pub shape: u32,
    /// The entity's current shape in this binary.
    pub current: u32,
    /// How many items.
    pub items: u64,
}

impl Checkup {
    /// Whether nothing was found.
    pub fn is_healthy(&self) -> bool {
        self.indexes.is_empty() && self.findings.is_empty() && self.settings.is_empty()
    }

    /// How many problems of each kind ([`IndexProblem::kind`], [`Problem::kind`], and
    /// `setting_drift` for each drifted setting).
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        if !self.settings.is_empty() {
            counts.insert("setting_drift", self.settings.len());
        }
        let kinds = self.indexes.iter().map(IndexProblem::kind);
        for kind in kinds.chain(self.findings.iter().map(|f| f.problem.kind())) {
            *counts.entry(kind).or_default() += 1;
        }
        counts
    }
}

/// How a live index differs from its declaration; the doctor reads the table's
/// description before it scans (if `DescribeTable` fails, it says so in a `tracing` warning
/// and checks the items only). (`ensure_table` adds a missing index, and refuses one that
/// projects otherwise: DynamoDB cannot change a projection in place.)
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)]
/// # #[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK", projection = keys_only))]
/// # pub struct App;
/// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
/// # #[derive(Debug, dynamorm::Registry)] #[dynamo(table = App)] pub enum AppItem { User(User) }
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// use dynamorm::doctor::IndexProblem;
/// let checkup = db.doctor::<AppItem>().run().await?;
/// for problem in &checkup.indexes {
///     if let IndexProblem::Projection { index, live, declared } = problem {
///         eprintln!("recreate `{index}`: it projects {live}, the declaration {declared}");
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum IndexProblem {
    /// A declared index the table does not have: reads through it fail.
    MissingIndex {
        /// The index.
        index: String,
    },
    /// The index holds other attributes than declared: narrower, and entity reads through
    /// it fail to decode; wider, and every write pays for attributes no read needs.
    Projection {
        /// The index.
        index: String,
        /// What the live index projects (`ALL`, `KEYS_ONLY`, `INCLUDE (a, b)`).
        live: String,
        /// What the declaration projects.
        declared: String,
    },
    /// A vector index that differs from its declaration (vector attribute, dimensions,
    /// distance function, search schema or projection): DynamoDB changes none in place.
    VectorIndex {
        /// The index.
        index: String,
        /// How it differs, in words.
        difference: String,
    },
}

impl IndexProblem {
    /// A short name of the kind, as in the JSON output (`missing_index`, `projection`).
    pub fn kind(&self) -> &'static str {
        match self {
            IndexProblem::MissingIndex { .. } => "missing_index",
            IndexProblem::Projection { .. } => "projection",
            IndexProblem::VectorIndex { .. } => "vector_index",
        }
    }

    /// The problems of `table`'s declared indexes in the described `live` table.
    fn of(table: &TableSchema, live: &TableDescription) -> Vec<Self> {
        let described = live.global_secondary_indexes();
        table
            .indexes()
            .iter()
            .filter_map(|index| {
                let name = index.name().to_owned();
                let Some(found) = described
                    .iter()
                    .find(|d| d.index_name() == Some(index.name()))
                else {
                    return Some(IndexProblem::MissingIndex { index: name });
                };
                let (live, declared) = index.projection_mismatch(found.projection())?;
                Some(IndexProblem::Projection {
                    index: name,
                    live,
                    declared,
                })
            })
            .chain(Self::vector(table, live))
            .collect()
    }

    /// The problems of `table`'s declared vector indexes.
    fn vector<'a>(
        table: &'a TableSchema,
        live: &'a TableDescription,
    ) -> impl Iterator<Item = Self> + 'a {
        table.vector_indexes().iter().filter_map(|index| {
            let name = index.name().to_owned();
            let found = live
                .vector_indexes()
                .iter()
                .find(|d| d.index_name() == Some(index.name()));
            match found {
                None => Some(IndexProblem::MissingIndex { index: name }),
                Some(found) => crate::vector::admin::difference(found, index).map(|difference| {
                    IndexProblem::VectorIndex {
                        index: name,
                        difference,
                    }
                }),
            }
        })
    }
}

impl std::fmt::Display for IndexProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IndexProblem::MissingIndex { index } => {
                write!(f, "index `{index}` is declared but the table lacks it")
            }
            IndexProblem::Projection {
                index,
                live,
                declared,
            } => write!(
                f,
                "index `{index}` projects {live}, the declaration {declared}"
            ),
            IndexProblem::VectorIndex { difference, .. } => f.write_str(difference),
        }
    }
}

/// One problem with one item.
///
/// `Debug` and `Display` show the item's key and the values a problem quotes (a stored
/// discriminator, a stored or rendered key) as `<redacted, N bytes>`; the fields hold them,
/// and the JSON the CLI writes has them (an operator's tool, run against their own table).
#[derive(Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// The item's partition key.
    pub partition_key: String,
    /// The item's sort key, when the table has one.
    pub sort_key: Option<String>,
    /// The item's entity type, when known.
    pub entity: Option<String>,
    /// What is wrong.
    pub problem: Problem,
}

impl Finding {
    /// The finding as text with its key and values shown: what the CLI prints for the
    /// operator who asked.
    #[cfg(feature = "cli")]
    pub(crate) fn revealed(&self) -> String {
        let mut text = String::new();
        let _ = self.write(&mut text, true);
        text
    }

    fn write(&self, f: &mut dyn std::fmt::Write, reveal: bool) -> std::fmt::Result {
        write_value(f, &self.partition_key, reveal)?;
        if let Some(sk) = &self.sort_key {
            write!(f, " / ")?;
            write_value(f, sk, reveal)?;
        }
        if let Some(e) = &self.entity {
            write!(f, " ({e})")?;
        }
        write!(f, ": ")?;
        self.problem.write(f, reveal)
    }
}

/// A key or value from the table: as it is when revealed, otherwise redacted.
fn write_value(f: &mut dyn std::fmt::Write, value: &str, reveal: bool) -> std::fmt::Result {
    if reveal {
        f.write_str(value)
    } else {
        write!(f, "{}", crate::Redacted::text(value))
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write(f, false)
    }
}

impl std::fmt::Debug for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finding")
            .field("partition_key", &crate::Redacted::text(&self.partition_key))
            .field(
                "sort_key",
                &self.sort_key.as_ref().map(crate::Redacted::text),
            )
            .field("entity", &self.entity)
            .field("problem", &self.problem)
            .finish()
    }
}

/// The kinds of problem a [`Doctor`] finds. `Debug` and `Display` redact the values a
/// problem quotes from the table (a stored discriminator, stored and rendered keys).
#[derive(Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Problem {
    /// The item has no discriminator attribute.
    MissingDiscriminator,
    /// The discriminator names no entity type of the registry.
    UnknownType {
        /// The stored discriminator.
        discriminator: String,
    },
    /// The item does not decode as its entity type.
    Undecodable {
        /// Why.
        reason: String,
    },
    /// A key attribute differs from what the templates render from the item's fields: a
    /// stale or hand-written key, or membership of an index the item should not be in
    /// (`expected: None`) or is missing from (`stored: None`).
    StaleKey {
        /// The key attribute.
        attribute: String,
        /// What is stored.
        stored: Option<String>,
        /// What the declaration renders.
        expected: Option<String>,
    },
    /// The `#[dynamo(version)]` attribute is missing, or not a version number.
    BadVersion {
        /// The attribute.
        attribute: String,
    },
    /// A `created_at`/`updated_at` attribute is missing.
    MissingTimestamp {
        /// The attribute.
        attribute: String,
    },
    /// The table's TTL attribute differs from the entity's `ttl` field (missing, not a
    /// number, or another time).
    BadTtl {
        /// The TTL attribute.
        attribute: String,
    },
    /// A unique value has no sentinel item (another item could take the value).
    MissingSentinel {
        /// The unique field.
        field: String,
    },
    /// A unique value's sentinel names another owner.
    SentinelOfAnother {
        /// The unique field.
        field: String,
    },
    /// A sentinel item whose owner does not hold the value (or does not exist).
    OrphanSentinel,
}

impl Problem {
    /// A short name of the kind, as in the JSON output (`stale_key`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::MissingDiscriminator => "missing_discriminator",
            Problem::UnknownType { .. } => "unknown_type",
            Problem::Undecodable { .. } => "undecodable",
            Problem::StaleKey { .. } => "stale_key",
            Problem::BadVersion { .. } => "bad_version",
            Problem::MissingTimestamp { .. } => "missing_timestamp",
            Problem::BadTtl { .. } => "bad_ttl",
            Problem::MissingSentinel { .. } => "missing_sentinel",
            Problem::SentinelOfAnother { .. } => "sentinel_of_another",
            Problem::OrphanSentinel => "orphan_sentinel",
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write(f, false)
    }
}

impl std::fmt::Debug for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = |v: &String| crate::Redacted::text(v.clone());
        match self {
            Problem::UnknownType { discriminator } => f
                .debug_struct("UnknownType")
                .field("discriminator", &text(discriminator))
                .finish(),
            Problem::StaleKey {
                attribute,
                stored,
                expected,
            } => f
                .debug_struct("StaleKey")
                .field("attribute", attribute)
                .field("stored", &stored.as_ref().map(text))
                .field("expected", &expected.as_ref().map(text))
                .finish(),
            // The others hold names only (`Undecodable`'s reason is an error's redacted text).
            Problem::MissingDiscriminator => f.write_str("MissingDiscriminator"),
            Problem::OrphanSentinel => f.write_str("OrphanSentinel"),
            Problem::Undecodable { reason } => f
                .debug_struct("Undecodable")
                .field("reason", reason)
                .finish(),
            Problem::BadVersion { attribute } => f
                .debug_struct("BadVersion")
                .field("attribute", attribute)
                .finish(),
            Problem::MissingTimestamp { attribute } => f
                .debug_struct("MissingTimestamp")
                .field("attribute", attribute)
                .finish(),
            Problem::BadTtl { attribute } => f
                .debug_struct("BadTtl")
                .field("attribute", attribute)
                .finish(),
            Problem::MissingSentinel { field } => f
                .debug_struct("MissingSentinel")
                .field("field", field)
                .finish(),
            Problem::SentinelOfAnother { field } => f
                .debug_struct("SentinelOfAnother")
                .field("field", field)
                .finish(),
        }
    }
}

impl Problem {
    fn write(&self, f: &mut dyn std::fmt::Write, reveal: bool) -> std::fmt::Result {
        let show = |f: &mut dyn std::fmt::Write, v: &Option<String>| match v {
            Some(v) => write_value(f, v, reveal),
            None => f.write_str("(absent)"),
        };
        match self {
            Problem::MissingDiscriminator => write!(f, "no discriminator"),
            Problem::UnknownType { discriminator } => {
                write!(f, "unknown entity type ")?;
                write_value(f, discriminator, reveal)
            }
            Problem::Undecodable { reason } => write!(f, "does not decode: {reason}"),
            Problem::StaleKey {
                attribute,
                stored,
                expected,
            } => {
                write!(f, "`{attribute}` is ")?;
                show(f, stored)?;
                write!(f, " but the templates render ")?;
                show(f, expected)
            }
            Problem::BadVersion { attribute } => {
                write!(f, "version `{attribute}` missing or not a version")
            }
            Problem::MissingTimestamp { attribute } => write!(f, "`{attribute}` missing"),
            Problem::BadTtl { attribute } => {
                write!(
                    f,
                    "TTL attribute `{attribute}` does not match the ttl field"
                )
            }
            Problem::MissingSentinel { field } => {
                write!(f, "unique `{field}` has no sentinel item")
            }
            Problem::SentinelOfAnother { field } => {
                write!(f, "unique `{field}`'s sentinel names another owner")
            }
            Problem::OrphanSentinel => write!(f, "sentinel without an owner holding its value"),
        }
    }
}

impl<R: Registry> Doctor<R> {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self {
            db,
            segments: 1,
            page_size: None,
            items_per_second: None,
            on_progress: None,
            deployment: None,
            registry: std::marker::PhantomData,
        }
    }

    /// Scans in `n` parallel segments (default 1).
    pub fn segments(mut self, n: u32) -> Self {
        self.segments = n.max(1);
        self
    }

    /// Items per Scan page.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }

    /// At most this many items read per second (a live table keeps serving its traffic).
    pub fn rate_limit(mut self, items_per_second: f64) -> Self {
        self.items_per_second = Some(items_per_second);
        self
    }

    /// Called after each item with where the checkup stands.
    pub fn on_progress(mut self, f: impl FnMut(&Progress) + Send + 'static) -> Self {
        self.on_progress = Some(Box::new(f));
        self
    }

    /// Also checks the table's settings against `deployment` ([`Db::drift`]), before the
    /// scan: [`Checkup::settings`].
    ///
    /// [`Db::drift`]: crate::Db::drift
    pub fn settings(mut self, deployment: crate::deploy::Deployment) -> Self {
        self.deployment = Some(deployment);
        self
    }

    /// Scans the table and checks every item.
    pub async fn run(mut self) -> Result<Checkup, Error> {
        let table = &<R::Table as Table>::SCHEMA;
        let mut scan = crate::read::Scan::<(), Item>::new::<R::Table>(
            self.db.clone(),
            crate::read::raw_output(),
        )
        .segments(self.segments)
        .concurrency(self.segments as usize);
        if let Some(n) = self.page_size {
            scan = scan.page_size(n);
        }
        let mut checkup = Checkup::default();
        // A role allowed to scan may not be allowed to describe: the items are still checked.
        match admin::describe_table(&self.db).await {
            Ok(Some(live)) => checkup.indexes = IndexProblem::of(table, &live),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "the doctor could not describe the table: indexes not checked")
            }
        }
        if let Some(deployment) = &self.deployment {
            checkup.settings = crate::deploy::drift(&self.db, table, deployment).await?;
        }
        let mut items = scan.stream();
        let mut uniques = Uniques::default();
        let mut shapes = BTreeMap::new();
        let started = Instant::now();
        while let Some(item) = items.next().await {
            let item = item?;
            checkup.scanned += 1;
            count_shape::<R>(table, &item, &mut shapes);
            examine::<R>(table, item, &mut checkup.findings, &mut uniques);
            if let Some(f) = &mut self.on_progress {
                f(&Progress {
                    scanned: checkup.scanned,
                    findings: checkup.findings.len(),
                    elapsed: started.elapsed(),
                });
            }
            if let Some(rate) = self.items_per_second {
                let due = Duration::from_secs_f64(checkup.scanned as f64 / rate);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    tokio::time::sleep(wait).await;
                }
            }
        }
        uniques.reconcile(&mut checkup.findings);
        checkup.shapes = shapes
            .into_iter()
            .map(|((entity, current, shape), items)| ShapeCount {
                entity: entity.to_owned(),
                shape,
                current,
                items,
            })
            .collect();
        // Segments interleave and the unique values are reconciled from maps: sort, so two
        // runs over the same table print the same.
        checkup.findings.sort_by(|a, b| {
            (
                &a.partition_key,
                &a.sort_key,
                a.problem.kind(),
                a.problem.to_string(),
            )
                .cmp(&(
                    &b.partition_key,
                    &b.sort_key,
                    b.problem.kind(),
                    b.problem.to_string(),
                ))
        });
        Ok(checkup)
    }
}

/// Who holds which unique value, and which sentinels exist, collected over the scan.
#[derive(Default)]
struct Uniques {
    /// Sentinel key → (owner key, owner's entity type, field) each owner expects.
    expected: HashMap<PrimaryKey, (PrimaryKey, &'static str, &'static str)>,
    /// Sentinel key → the owner key it names.
    found: HashMap<PrimaryKey, Option<PrimaryKey>>,
}

impl Uniques {
    fn reconcile(self, findings: &mut Vec<Finding>) {
        for (sentinel, (owner, entity, field)) in &self.expected {
            let problem = match self.found.get(sentinel) {
                None => Problem::MissingSentinel {
                    field: (*field).to_owned(),
                },
                Some(named) if named.as_ref() != Some(owner) => Problem::SentinelOfAnother {
                    field: (*field).to_owned(),
                },
                Some(_) => continue,
            };
            findings.push(finding(owner, Some(entity), problem));
        }
        // A sentinel no owner expects (one naming another owner was reported above).
        for sentinel in self.found.keys() {
            if !self.expected.contains_key(sentinel) {
                findings.push(finding(
                    sentinel,
                    Some(crate::write::internal::SENTINEL),
                    Problem::OrphanSentinel,
                ));
            }
        }
    }
}

fn finding(key: &PrimaryKey, entity: Option<&str>, problem: Problem) -> Finding {
    Finding {
        partition_key: key.partition_key.clone(),
        sort_key: key.sort_key.clone(),
        entity: entity.map(str::to_owned),
        problem,
    }
}

fn text(value: Option<&AttributeValue>) -> Option<String> {
    match value? {
        AttributeValue::S(s) | AttributeValue::N(s) => Some(s.clone()),
        other => Some(format!("{other:?}")),
    }
}

/// Counts `item` under its entity type and stored shape (the library's own items and items
/// of unknown types are not entities: not counted).
fn count_shape<R: Registry>(
    table: &TableSchema,
    item: &Item,
    shapes: &mut BTreeMap<(&'static str, u32, u32), u64>,
) {
    let Some(AttributeValue::S(discriminator)) = item.get(table.discriminator()) else {
        return;
    };
    if let Some(entity) = R::entity(discriminator) {
        let stored = crate::entity::stored_shape(item);
        *shapes
            .entry((entity.name, entity.shape, stored))
            .or_default() += 1;
    }
}

/// Checks one item, recording its unique values and sentinels for the end of the scan.
fn examine<R: Registry>(
    table: &TableSchema,
    item: Item,
    findings: &mut Vec<Finding>,
    uniques: &mut Uniques,
) {
    let key = key_from(&item, table).unwrap_or(PrimaryKey {
        partition_key: String::new(),
        sort_key: None,
    });
    let discriminator = match item.get(table.discriminator()) {
        Some(AttributeValue::S(d)) => d.clone(),
        _ => {
            findings.push(finding(&key, None, Problem::MissingDiscriminator));
            return;
        }
    };
    if discriminator == crate::write::internal::LEASE {
        return; // a shared migration's lease: no entity, no key to check
    }
    if is_internal(&discriminator) {
        let owner = match item.get("owner") {
            Some(AttributeValue::S(pk)) => Some(PrimaryKey {
                partition_key: pk.clone(),
                sort_key: text(item.get("owner_sort")),
            }),
            _ => None,
        };
        uniques.found.insert(key, owner);
        return;
    }
    let Some(entity) = R::entity(&discriminator) else {
        findings.push(finding(&key, None, Problem::UnknownType { discriminator }));
        return;
    };
    let push = |findings: &mut Vec<Finding>, problem| {
        findings.push(finding(&key, Some(entity.name), problem));
    };
    let decoded = match R::from_item(item.clone()) {
        Ok(decoded) => decoded,
        Err(e) => {
            push(
                findings,
                Problem::Undecodable {
                    reason: e.to_string(),
                },
            );
            return;
        }
    };
    let rendered = match decoded.to_stored_item() {
        Ok(rendered) => rendered,
        Err(e) => {
            push(
                findings,
                Problem::Undecodable {
                    reason: format!("its keys do not render: {e}"),
                },
            );
            return;
        }
    };
    // The table's key attributes and every template index's (an attribute the item's
    // entity does not render must be absent); a multi-attribute index's attributes are
    // the entity's own fields, which decoding checked.
    for attribute in crate::migrate::all_key_attributes(table, &[]) {
        let (stored, expected) = (item.get(attribute), rendered.get(attribute));
        if stored != expected {
            push(
                findings,
                Problem::StaleKey {
                    attribute: attribute.to_owned(),
                    stored: text(stored),
                    expected: text(expected),
                },
            );
        }
    }
    lifecycle(table, entity, &item, &rendered, |p| push(findings, p));
    match decoded.unique_sentinels() {
        Ok(sentinels) => {
            for (field, sentinel) in sentinels {
                uniques
                    .expected
                    .insert(sentinel, (key.clone(), entity.name, field));
            }
        }
        Err(e) => push(
            findings,
            Problem::Undecodable {
                reason: format!("a unique value has no sentinel key: {e}"),
            },
        ),
    }
}

fn lifecycle(
    table: &TableSchema,
    entity: &EntitySchema,
    item: &Item,
    rendered: &Item,
    mut push: impl FnMut(Problem),
) {
    if let Some(attribute) = entity.version {
        let ok =
            matches!(item.get(attribute), Some(AttributeValue::N(n)) if n.parse::<u64>().is_ok());
        if !ok {
            push(Problem::BadVersion {
                attribute: attribute.to_owned(),
            });
        }
    }
    for attribute in [entity.created_at, entity.updated_at].into_iter().flatten() {
        if !item.contains_key(attribute) {
            push(Problem::MissingTimestamp {
                attribute: attribute.to_owned(),
            });
        }
    }
    if let (Some(_), Some(attribute)) = (entity.ttl, table.ttl())
        && item.get(attribute) != rendered.get(attribute)
    {
        push(Problem::BadTtl {
            attribute: attribute.to_owned(),
        });
    }
}
