//! [`Scan`]: read a whole table or index — one entity type or all — optionally in parallel
//! segments merged into one stream.

use std::marker::PhantomData;
use std::pin::pin;
use std::sync::Arc;

use aws_sdk_dynamodb::types::Select;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::bounds::KeyBounds;
use super::cursor::{Binding, Cursor, Fingerprint, Position};
use super::page::{self, Fetch, Page, RawPage, Reader};
use super::query::{Described, Output};
use crate::client::Inner;
use crate::entity::Entity;
use crate::expr::{Condition, Node, Placeholders};
use crate::item::Item;
use crate::observe::{Call, ObserveExt};
use crate::table::{IndexSchema, Table};
use crate::{Error, InvalidInputKind};

/// The most segments a scan takes: a cursor holds a position for each (DynamoDB allows
/// 1,000,000; a table scanned in more than a few thousand is rare).
const MAX_SEGMENTS: u32 = u16::MAX as u32;

/// What a scan reads and returns: an entity type (its items only) or a registry (every
/// type of the table). `#[derive(Entity)]` and `#[derive(Registry)]` implement it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be scanned",
    note = "scan an entity type (`#[derive(Entity)]`) or a registry (`#[derive(Registry)]`)"
)]
pub trait Scannable: Sized + Send + 'static {
    /// The table the type's items live in.
    type Table: Table;

    /// How raw items become `Self`, and which items are read.
    #[doc(hidden)]
    fn output() -> Output<Self>;
}

impl<E: Entity> Scannable for E {
    type Table = E::Table;

    fn output() -> Output<Self> {
        super::query::entity_output::<E>()
    }
}

/// A Scan, built by [`Db::scan`](crate::Db::scan): of one entity type (`db.scan::<Task>()`),
/// or of every type, as a registry enum (`db.scan::<TrackerItem>()`).
///
/// With [`segments`](Scan::segments) above 1 it is a parallel scan: the segments are read
/// concurrently (at most [`concurrency`](Scan::concurrency) at a time) and merged into one
/// stream, in no particular order.
#[must_use = "a scan does nothing until it is sent (`all`, `first`, `count`, `page`, `stream`, …)"]
pub struct Scan<S, T> {
    core: ScanCore,
    output: Output<T>,
    subject: PhantomData<fn() -> S>,
}

/// A scan as plain data: what every entity type's (and registry's) `Scan` sends.
struct ScanCore {
    db: Arc<Inner>,
    table: &'static crate::TableSchema,
    index: Option<&'static IndexSchema>,
    filter: Option<Node>,
    segments: u32,
    concurrency: usize,
    limit: Option<usize>,
    page_size: Option<i32>,
    consistent_read: bool,
    after: Option<Cursor>,
}

impl<S, T> std::fmt::Debug for Scan<S, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan")
            .field("table", &self.core.db.table_name)
            .field("index", &self.core.index.map(|i| i.name()))
            .field("segments", &self.core.segments)
            .field("limit", &self.core.limit)
            .finish_non_exhaustive()
    }
}

impl<S, T: Send + 'static> Scan<S, T> {
    pub(crate) fn new<Tb: Table>(db: Arc<Inner>, output: Output<T>) -> Self {
        Self {
            core: ScanCore {
                db,
                table: &Tb::SCHEMA,
                index: None,
                filter: None,
                segments: 1,
                concurrency: 4,
                limit: None,
                page_size: None,
                consistent_read: false,
                after: None,
            },
            output,
            subject: PhantomData,
        }
    }

    /// Keeps only items for which `condition` holds (a `FilterExpression`: items are still
    /// read, and counted against DynamoDB's 1 MB page).
    pub fn filter(mut self, condition: Condition<S>) -> Self {
        let core = &mut self.core;
        core.filter = Some(crate::expr::also(core.filter.take(), condition.into_node()));
        self
    }

    /// Splits the scan into `n` parallel segments (1 to 65,535; DynamoDB's `Segment`/`TotalSegments`),
    /// read concurrently and merged as their pages arrive: results come in no defined order.
    pub fn segments(mut self, n: u32) -> Self {
        self.core.segments = n.max(1);
        self
    }

    /// How many segments are read at once (default 4).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.core.concurrency = n.max(1);
        self
    }

    /// At most `n` results in all (across pages and segments), stopping exactly there; with
    /// [`Scan::page`], the page size.
    pub fn limit(mut self, n: usize) -> Self {
        self.core.limit = Some(n);
        self
    }

    /// How many items DynamoDB evaluates per request (its `Limit`).
    pub fn page_size(mut self, n: u32) -> Self {
        self.core.page_size = Some(i32::try_from(n).unwrap_or(i32::MAX).max(1));
        self
    }

    /// Reads with strong consistency; DynamoDB does not offer it on global secondary
    /// indexes, so asking for it there fails before sending.
    pub fn consistent_read(mut self) -> Self {
        self.core.consistent_read = true;
        self
    }

    /// Resumes after the position `cursor` marks — one position per segment; it must come
    /// from this same scan (table, index, result type and number of segments).
    pub fn after(mut self, cursor: &Cursor) -> Self {
        self.core.after = Some(cursor.clone());
        self
    }

    /// Every result, following all pages of every segment (up to the limit).
    pub async fn all(self) -> Result<Vec<T>, Error> {
        let decode = self.output.decode;
        let items: Vec<Item> = self.core.items(self.output.described).try_collect().await?;
        page::map_all(items, decode)
    }

    /// The first result, if any.
    pub async fn first(self) -> Result<Option<T>, Error> {
        let mut all = self.limit(1).all().await?;
        Ok(all.pop())
    }

    /// One page of at most `limit` results (or one DynamoDB page of one segment without a
    /// limit), with the cursor to resume after it.
    pub async fn page(self) -> Result<Page<T>, Error> {
        let decode = self.output.decode;
        self.core.page(self.output.described).await?.try_map(decode)
    }

    /// Results page by page, as an async stream; each page carries its cursor.
    pub fn pages(self) -> BoxStream<'static, Result<Page<T>, Error>> {
        let decode = self.output.decode;
        self.core
            .pages(self.output.described)
            .map(move |page| page?.try_map(decode))
            .boxed()
    }

    /// Results one by one, as an async stream in constant memory (segments merged as their
    /// pages arrive).
    pub fn stream(self) -> BoxStream<'static, Result<T, Error>> {
        let decode = self.output.decode;
        self.core
            .items(self.output.described)
            .map(move |item| decode(item?))
            .boxed()
    }

    /// How many items match, counted by DynamoDB (`Select::COUNT`) without returning them;
    /// segments are counted concurrently.
    pub fn count(self) -> impl Future<Output = Result<usize, Error>> + Send {
        self.core.count(self.output.described)
    }
}

impl<S: Scannable, T> Scan<S, T> {
    /// Scans a global secondary index of the scanned type's table instead of the table
    /// (any index kind; another table's index does not compile). The index must project
    /// `ALL`: a scan returns whole entities ([`InvalidInputKind::NotProjected`] otherwise).
    pub fn index(mut self, index: impl crate::table::IndexHandle<S::Table>) -> Self {
        self.core.index = Some(index.index_schema());
        self
    }
}

/// A prepared scan: its segments, where each starts, and what each page keeps.
struct Prepared {
    segments: Vec<ScanSegment>,
    start: Vec<Position>,
    reader: Reader,
}

/// Results of the merged segments as they arrive, each batch with every segment's position
/// after it (what a cursor holds).
type Positioned = BoxStream<'static, Result<(Vec<Item>, Vec<Position>), Error>>;

impl ScanCore {
    /// Every raw result, one by one.
    fn items(self, output: Described) -> BoxStream<'static, Result<Item, Error>> {
        self.positioned(output)
            .map_ok(|(items, _)| stream::iter(items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Raw pages with their cursors.
    fn pages(self, output: Described) -> BoxStream<'static, Result<Page<Item>, Error>> {
        let binding = self.binding(&output);
        self.positioned(output)
            .and_then(move |(items, positions)| {
                let cursor = cursor(&binding, &positions);
                async move {
                    Ok(Page {
                        items,
                        cursor: cursor?,
                    })
                }
            })
            .boxed()
    }

    /// One page of raw results (see [`Scan::page`]).
    async fn page(self, output: Described) -> Result<Page<Item>, Error> {
        let limited = self.limit.is_some();
        let mut pages = self.pages(output);
        let mut out = Page {
            items: Vec::new(),
            cursor: None,
        };
        // Pages shorter than the limit (filtered, or 1 MB) continue until it is reached.
        while let Some(page) = pages.try_next().await? {
            out.items.extend(page.items);
            out.cursor = page.cursor;
            if !limited {
                break;
            }
        }
        Ok(out)
    }

    /// The segments' pages merged as they arrive, cut exactly at the limit, with every
    /// segment's position after each (only what was handed out moves a position, so a
    /// cursor never skips a page fetched but not yet returned).
    fn positioned(self, output: Described) -> Positioned {
        let (concurrency, limit) = (self.concurrency, self.limit);
        let prepared = match self.prepare(&output) {
            Ok(prepared) => prepared,
            Err(e) => return stream::once(async move { Err(e) }).boxed(),
        };
        let Prepared {
            segments,
            start,
            reader,
            ..
        } = prepared;
        let key_attributes = segments
            .first()
            .map(|s| s.shared.key_attributes.clone())
            .unwrap_or_default();
        let merged = stream::iter(
            segments
                .into_iter()
                .zip(start.clone())
                .enumerate()
                .filter_map(move |(n, (segment, position))| {
                    let from = match position {
                        Position::Start => None,
                        Position::After(key) => Some(key),
                        Position::Done => return None,
                    };
                    Some(
                        page::taken(Arc::new(segment), from, reader)
                            .map_ok(move |t| (n, t))
                            .boxed(),
                    )
                }),
        )
        .flatten_unordered(concurrency);
        let state = Cut {
            positions: start,
            remaining: limit,
            key_attributes,
        };
        let done = state.remaining == Some(0);
        stream::unfold(
            (Box::pin(merged), state, done),
            |(mut merged, mut state, done)| async move {
                if done {
                    return None;
                }
                match merged.next().await? {
                    Ok((n, taken)) => {
                        let items = state.take(n, taken);
                        let done = state.remaining == Some(0);
                        Some((Ok((items, state.positions.clone())), (merged, state, done)))
                    }
                    Err(e) => Some((Err(e), (merged, state, true))),
                }
            },
        )
        .boxed()
    }

    /// How many items match (see [`Scan::count`]).
    async fn count(self, output: Described) -> Result<usize, Error> {
        let concurrency = self.concurrency;
        let Prepared {
            segments, start, ..
        } = self.prepare(&output)?;
        stream::iter(segments.into_iter().zip(start))
            .map(|(segment, position)| async move {
                let mut start = match position {
                    Position::Start => None,
                    Position::After(key) => Some(key),
                    Position::Done => return Ok(0),
                };
                let mut total = 0usize;
                loop {
                    let output = pin!(
                        segment
                            .request(start.take(), None)
                            .select(Select::Count)
                            .send()
                    )
                    .observed(
                        &segment.shared.db,
                        Call::new("Scan", segment.shared.entity).index(segment.shared.index),
                    )
                    .await
                    .map_err(|e| crate::error::service("Scan", e))?;
                    total += usize::try_from(output.count).unwrap_or_default();
                    match output.last_evaluated_key {
                        Some(key) => start = Some(key),
                        None => return Ok::<_, Error>(total),
                    }
                }
            })
            .buffer_unordered(concurrency)
            .try_fold(0, |a, b| async move { Ok(a + b) })
            .await
    }

    /// What a cursor of this scan is bound to and sealed with.
    fn binding(&self, output: &Described) -> Binding {
        let fingerprint = Fingerprint::default()
            .add(&self.db.table_name)
            .add(self.index.map_or("", |i| i.name()))
            .add(output.name)
            .add(&self.segments.to_string())
            .finish();
        Binding {
            fingerprint,
            key: self.db.cursor_key.clone(),
        }
    }

    fn prepare(self, output: &Described) -> Result<Prepared, Error> {
        let table = self.table;
        if self.consistent_read && self.index.is_some() {
            return Err(Error::invalid(
                InvalidInputKind::ConsistentReadOnIndex,
                "DynamoDB does not support consistent reads on global secondary indexes",
            ));
        }
        if let Some(index) = self.index
            && index.projection() != crate::IndexProjection::All
            && output.name != "*"
        {
            // Entities and registries decode whole items; only the doctor's raw scan reads
            // what a narrower index holds.
            return Err(Error::invalid(
                InvalidInputKind::NotProjected,
                format!(
                    "index `{}` projects {}: scan the table for whole items, or query the \
                     index with `.project::<P>()` or `.hydrate()`",
                    index.name(),
                    index.projection().describe(),
                ),
            ));
        }
        if self.segments > MAX_SEGMENTS {
            return Err(Error::invalid(
                InvalidInputKind::Configuration,
                format!(
                    "a scan takes 1 to {MAX_SEGMENTS} segments (a cursor holds a position \
                     for each), got {}",
                    self.segments
                ),
            ));
        }
        let binding = self.binding(output);
        // A scan has no key condition, and DynamoDB does not say which segment a key is
        // in: a position is checked for its attributes, their types and lengths.
        let bounds = KeyBounds::of(table, self.index);
        let start = match &self.after {
            Some(cursor) => {
                cursor
                    .decode_shards(&binding, self.segments as usize, &bounds, false)?
                    .0
            }
            None => vec![Position::Start; self.segments as usize],
        };
        let mut p = Placeholders::default();
        let filter = match (output.only, self.filter) {
            (Some(name), user) => Some(crate::expr::and(
                Node::IsType(table.discriminator(), name),
                user,
            )),
            (None, user) => user,
        };
        let filter = filter
            .map(|node| crate::expr::render_condition(&node, &mut p))
            .transpose()?;
        let (names, values) = p.into_maps();
        let mut key_attributes = vec![table.partition_key()];
        key_attributes.extend(table.sort_key());
        if let Some(index) = self.index {
            key_attributes.extend(index.key_attributes().iter().map(|a| a.name));
        }
        let shared = Arc::new(ScanShared {
            repair: (self.db.repair_shapes && !output.entities.is_empty())
                .then_some((table, output.entities)),
            entity: output.only.unwrap_or("*"),
            db: self.db,
            index: self.index.map(|i| i.name()),
            filter,
            names,
            values,
            consistent_read: self.consistent_read,
            key_attributes,
            binding,
            total: self.segments,
        });
        // Each segment stops at the limit too (no segment need give more than the whole
        // read): DynamoDB's `Limit` is cut to it, so a small page reads little.
        let reader = Reader {
            skip_internal: output.skip_internal.then_some(table.discriminator()),
            limit: self.limit,
            page_size: self.page_size,
        };
        Ok(Prepared {
            segments: (0..self.segments)
                .map(|segment| ScanSegment {
                    shared: Arc::clone(&shared),
                    segment,
                })
                .collect(),
            start,
            reader,
        })
    }
}

/// The merged read's positions and remaining limit.
struct Cut {
    positions: Vec<Position>,
    remaining: Option<usize>,
    key_attributes: Vec<&'static str>,
}

impl Cut {
    /// Hands out segment `n`'s page, cut at the limit, and moves its position past what
    /// was handed out.
    fn take(&mut self, n: usize, taken: page::Taken) -> Vec<Item> {
        let mut items = taken.items;
        let mut next = taken.next;
        if let Some(r) = self.remaining.as_mut() {
            if items.len() > *r {
                items.truncate(*r);
                // The segment goes on right after the last item handed out.
                next = items.last().map(|i| page::key_of(i, &self.key_attributes));
            }
            *r -= items.len();
        }
        self.positions[n] = match next {
            Some(key) => Position::After(key),
            None => Position::Done,
        };
        items
    }
}

/// The cursor for `positions`: `None` when every segment is done.
fn cursor(binding: &Binding, positions: &[Position]) -> Result<Option<Cursor>, Error> {
    if positions.iter().all(|p| matches!(p, Position::Done)) {
        return Ok(None);
    }
    Cursor::encode_shards(binding, positions, None).map(Some)
}

struct ScanShared {
    db: Arc<Inner>,
    /// Read repair: the table and the entity types whose items of an earlier shape each
    /// page writes back.
    repair: Option<(&'static crate::TableSchema, &'static [crate::EntitySchema])>,
    entity: &'static str,
    index: Option<&'static str>,
    filter: Option<String>,
    names: Option<crate::expr::Names>,
    values: Option<crate::expr::Values>,
    consistent_read: bool,
    key_attributes: Vec<&'static str>,
    binding: Binding,
    total: u32,
}

/// One segment of a (parallel) scan.
pub(crate) struct ScanSegment {
    shared: Arc<ScanShared>,
    segment: u32,
}

impl ScanSegment {
    fn request(
        &self,
        start: Option<Item>,
        limit: Option<i32>,
    ) -> aws_sdk_dynamodb::operation::scan::builders::ScanFluentBuilder {
        let s = &self.shared;
        let mut request =
            s.db.client
                .scan()
                .table_name(&s.db.table_name)
                .set_index_name(s.index.map(str::to_owned))
                .set_filter_expression(s.filter.clone())
                .set_expression_attribute_names(s.names.clone())
                .set_expression_attribute_values(s.values.clone())
                .consistent_read(s.consistent_read)
                .set_limit(limit)
                .set_exclusive_start_key(start)
                .set_return_consumed_capacity(s.db.capacity_mode());
        if s.total > 1 {
            request = request
                .segment(i32::try_from(self.segment).unwrap_or(i32::MAX))
                .total_segments(i32::try_from(s.total).unwrap_or(i32::MAX));
        }
        request
    }
}

impl Fetch for ScanSegment {
    async fn fetch(&self, start: Option<Item>, limit: Option<i32>) -> Result<RawPage, Error> {
        let output = pin!(self.request(start, limit).send())
            .observed(
                &self.shared.db,
                Call::new("Scan", self.shared.entity).index(self.shared.index),
            )
            .await
            .map_err(|e| crate::error::service("Scan", e))?;
        let items = output.items.unwrap_or_default();
        if let Some((table, entities)) = self.shared.repair {
            let entities: Vec<_> = entities.iter().collect();
            crate::repair::page(&self.shared.db, table, &entities, &items).await;
        }
        Ok(RawPage {
            items,
            last_key: output.last_evaluated_key,
        })
    }

    fn key_attributes(&self) -> &[&'static str] {
        &self.shared.key_attributes
    }

    fn binding(&self) -> &Binding {
        &self.shared.binding
    }
}
