//! [`Scan`]: read a whole table or index — one entity type or all — optionally in parallel
//! segments merged into one stream.

use std::marker::PhantomData;
use std::pin::pin;
use std::sync::Arc;

use aws_sdk_dynamodb::types::Select;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::cursor::Fingerprint;
use super::page::{self, Fetch, RawPage, Reader};
use super::query::Output;
use crate::client::Inner;
use crate::expr::{Condition, Node, Placeholders};
use crate::item::Item;
use crate::observe::{Call, ObserveExt};
use crate::table::{IndexSchema, Table};
use crate::{Error, InvalidInputKind};

/// A Scan, built by [`Db::scan`](crate::Db::scan) (one entity type) or
/// [`Db::scan_all`](crate::Db::scan_all) (every type, as a registry enum).
///
/// With [`segments`](Scan::segments) above 1 it is a parallel scan: the segments are read
/// concurrently (at most [`concurrency`](Scan::concurrency) at a time) and merged into one
/// stream, in no particular order.
#[must_use = "a scan does nothing until it is sent (`all`, `count`, `stream`)"]
pub struct Scan<S, T> {
    db: Arc<Inner>,
    table: fn() -> &'static crate::TableSchema,
    index: Option<&'static IndexSchema>,
    filter: Option<Node>,
    segments: u32,
    concurrency: usize,
    limit: Option<usize>,
    page_size: Option<i32>,
    consistent_read: bool,
    output: Output<T>,
    subject: PhantomData<fn() -> S>,
}

impl<S, T> std::fmt::Debug for Scan<S, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan")
            .field("table", &self.db.table_name)
            .field("segments", &self.segments)
            .finish_non_exhaustive()
    }
}

impl<S, T: Send + 'static> Scan<S, T> {
    pub(crate) fn new<Tb: Table>(db: Arc<Inner>, output: Output<T>) -> Self {
        Self {
            db,
            table: || &Tb::SCHEMA,
            index: None,
            filter: None,
            segments: 1,
            concurrency: 4,
            limit: None,
            page_size: None,
            consistent_read: false,
            output,
            subject: PhantomData,
        }
    }

    /// Scans a global secondary index (template or multi-attribute) instead of the table.
    pub fn index<Tb>(mut self, index: impl crate::table::IndexHandle<Tb>) -> Self {
        self.index = Some(index.index_schema());
        self
    }

    /// Keeps only items for which `condition` holds.
    pub fn filter(mut self, condition: Condition<S>) -> Self {
        self.filter = Some(crate::expr::also(self.filter.take(), condition.into_node()));
        self
    }

    /// Splits the scan into `n` segments (1 to 1 000 000) read in parallel.
    pub fn segments(mut self, n: u32) -> Self {
        self.segments = n.max(1);
        self
    }

    /// How many segments are read at once (default 4).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// At most `n` results in all.
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }

    /// How many items DynamoDB evaluates per request.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(i32::try_from(n).unwrap_or(i32::MAX).max(1));
        self
    }

    /// Reads with strong consistency (not on a global secondary index).
    pub fn consistent_read(mut self, consistent: bool) -> Self {
        self.consistent_read = consistent;
        self
    }

    /// Every result.
    pub async fn all(self) -> Result<Vec<T>, Error> {
        self.stream().try_collect().await
    }

    /// How many items match, counted by DynamoDB (`Select::COUNT`), over all segments.
    pub async fn count(self) -> Result<usize, Error> {
        let concurrency = self.concurrency;
        let segments = self.prepare()?;
        stream::iter(segments)
            .map(|segment| async move {
                let mut start = None;
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

    /// Results one by one, as an async stream (segments merged as they arrive).
    pub fn stream(self) -> BoxStream<'static, Result<T, Error>> {
        let limit = self.limit;
        let concurrency = self.concurrency;
        let reader = Reader {
            decode: self.output.decode,
            limit: None,
            page_size: self.page_size,
        };
        let prepared = self.prepare();
        let merged = stream::once(async move { prepared })
            .map_ok(move |segments| {
                let reader = reader.clone();
                stream::iter(segments.into_iter().map(move |segment| {
                    page::items(Arc::new(segment), None, reader.clone()).boxed()
                }))
                .flatten_unordered(concurrency)
            })
            .try_flatten();
        merged.take(limit.unwrap_or(usize::MAX)).boxed()
    }

    fn prepare(self) -> Result<Vec<ScanSegment>, Error> {
        let table = (self.table)();
        if self.consistent_read && self.index.is_some() {
            return Err(Error::invalid(
                InvalidInputKind::ConsistentReadOnIndex,
                "DynamoDB does not support consistent reads on global secondary indexes",
            ));
        }
        let mut p = Placeholders::default();
        let filter = match (self.output.only, self.filter) {
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
        let fingerprint = Fingerprint::default()
            .add(&self.db.table_name)
            .add(self.index.map_or("", |i| i.name()))
            .add(self.output.name)
            .finish();
        let mut key_attributes = vec![table.partition_key()];
        key_attributes.extend(table.sort_key());
        if let Some(index) = self.index {
            key_attributes.extend(index.key_attributes().iter().map(|a| a.name));
        }
        let shared = Arc::new(ScanShared {
            entity: self.output.only.unwrap_or("*"),
            db: self.db,
            index: self.index.map(|i| i.name()),
            filter,
            names,
            values,
            consistent_read: self.consistent_read,
            key_attributes,
            fingerprint,
            total: self.segments,
        });
        Ok((0..self.segments)
            .map(|segment| ScanSegment {
                shared: Arc::clone(&shared),
                segment,
            })
            .collect())
    }
}

struct ScanShared {
    db: Arc<Inner>,
    entity: &'static str,
    index: Option<&'static str>,
    filter: Option<String>,
    names: Option<crate::expr::Names>,
    values: Option<crate::expr::Values>,
    consistent_read: bool,
    key_attributes: Vec<&'static str>,
    fingerprint: u64,
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
        Ok(RawPage {
            items: output.items.unwrap_or_default(),
            last_key: output.last_evaluated_key,
        })
    }

    fn key_attributes(&self) -> &[&'static str] {
        &self.shared.key_attributes
    }

    fn fingerprint(&self) -> u64 {
        self.shared.fingerprint
    }
}
