//! [`Page`], and the paging loop shared by queries and scans.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::stream::{self, Stream, TryStreamExt};

use super::cursor::{Binding, Cursor};
use crate::Error;
use crate::item::Item;

/// One page of results, with the cursor that resumes after its last item.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where to resume (`None` when the read is complete).
    pub cursor: Option<Cursor>,
}

/// A raw response page.
pub(crate) struct RawPage {
    pub(crate) items: Vec<Item>,
    pub(crate) last_key: Option<Item>,
}

/// Sends one request starting after `start`; implemented by queries and scan segments.
pub(crate) trait Fetch: Send + Sync + 'static {
    fn fetch(
        &self,
        start: Option<Item>,
        limit: Option<i32>,
    ) -> impl Future<Output = Result<RawPage, Error>> + Send;

    /// The attributes that make up a position (table and index keys).
    fn key_attributes(&self) -> &[&'static str];

    /// What the read's cursors are bound to and sealed with.
    fn binding(&self) -> &Binding;
}

/// Which raw items are results, and where to stop: after `limit` results. Decoding is the
/// typed caller's, after the page is read, so the paging loop is compiled once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader {
    /// The discriminator attribute, when the library's own items (unique-value sentinels,
    /// migration leases) are to be skipped rather than returned (registry reads).
    pub(crate) skip_internal: Option<&'static str>,
    pub(crate) limit: Option<usize>,
    pub(crate) page_size: Option<i32>,
}

impl Reader {
    /// Whether `item` is a result (not one of the library's own items being skipped).
    pub(crate) fn keeps(&self, item: &Item) -> bool {
        let Some(attribute) = self.skip_internal else {
            return true;
        };
        !matches!(item.get(attribute), Some(AttributeValue::S(d)) if crate::write::internal::is_internal(d))
    }

    /// DynamoDB's `Limit` for the next request: the page size, cut to what the limit leaves.
    pub(crate) fn request_limit(&self, remaining: Option<usize>) -> Option<i32> {
        let remaining = remaining.map(|r| i32::try_from(r).unwrap_or(i32::MAX));
        match (self.page_size, remaining) {
            (Some(p), Some(r)) => Some(p.min(r)),
            (p, r) => p.or(r),
        }
    }
}

struct State {
    start: Option<Item>,
    remaining: Option<usize>,
    done: bool,
}

/// One page's results and where the read goes on after them (`None`: nothing more) — the
/// key a cursor would hold, not encoded yet.
pub(crate) struct Taken {
    pub(crate) items: Vec<Item>,
    pub(crate) next: Option<Item>,
}

/// Pages of raw items, following `LastEvaluatedKey` until it is absent (also past empty
/// pages), and stopping exactly at the reader's `limit` without another request. Each page's
/// cursor resumes right after the page's last item.
pub(crate) fn pages<F: Fetch>(
    fetch: Arc<F>,
    start: Option<Item>,
    reader: Reader,
) -> impl Stream<Item = Result<Page<Item>, Error>> + Send {
    let binding = fetch.binding().clone();
    taken(fetch, start, reader).and_then(move |taken| {
        let cursor = taken
            .next
            .as_ref()
            .map(|k| Cursor::encode(&binding, k))
            .transpose();
        async move {
            let cursor = cursor?;
            Ok(Page {
                items: taken.items,
                cursor,
            })
        }
    })
}

/// As [`pages`], each page with the key it resumes after instead of a cursor.
pub(crate) fn taken<F: Fetch>(
    fetch: Arc<F>,
    start: Option<Item>,
    reader: Reader,
) -> impl Stream<Item = Result<Taken, Error>> + Send {
    let state = State {
        start,
        remaining: reader.limit,
        done: reader.limit == Some(0),
    };
    stream::try_unfold(state, move |mut state| {
        let fetch = Arc::clone(&fetch);
        async move {
            if state.done {
                return Ok(None);
            }
            let limit = reader.request_limit(state.remaining);
            let raw = fetch.fetch(state.start.take(), limit).await?;
            let taken = take_page(raw, &mut state.remaining, &reader, fetch.key_attributes());
            state.done = taken.next.is_none() || state.remaining == Some(0);
            state.start = taken.next.clone();
            Ok(Some((taken, state)))
        }
    })
}

/// Takes a raw page's results up to the remaining limit, and where the read goes on.
fn take_page(
    raw: RawPage,
    remaining: &mut Option<usize>,
    reader: &Reader,
    key_attributes: &[&'static str],
) -> Taken {
    let mut items = Vec::with_capacity(raw.items.len());
    let mut rest = raw.items.into_iter().peekable();
    while let Some(item) = rest.next() {
        // Only the item that reaches the limit needs its position kept.
        let position = (*remaining == Some(1)).then(|| key_of(&item, key_attributes));
        if reader.keeps(&item) {
            items.push(item);
            if let Some(r) = remaining.as_mut() {
                *r -= 1;
                if *r == 0 {
                    let exhausted = rest.peek().is_none() && raw.last_key.is_none();
                    let next = if exhausted { None } else { position };
                    return Taken { items, next };
                }
            }
        }
    }
    Taken {
        items,
        next: raw.last_key,
    }
}

pub(crate) fn key_of(item: &Item, attributes: &[&'static str]) -> Item {
    attributes
        .iter()
        .filter_map(|a| item.get(*a).map(|v| ((*a).to_owned(), v.clone())))
        .collect::<HashMap<String, AttributeValue>>()
}

impl<T> Page<T> {
    /// The page with each item turned into a `U` by `f` (the typed reads' decoding).
    pub(crate) fn try_map<U>(self, f: fn(T) -> Result<U, Error>) -> Result<Page<U>, Error> {
        Ok(Page {
            items: map_all(self.items, f)?,
            cursor: self.cursor,
        })
    }
}

/// `items` each turned into a `U` by `f`, stopping at the first error. A plain loop: this is
/// instantiated per result type, and iterator adapters over `Result` cost several
/// functions each.
pub(crate) fn map_all<T, U>(items: Vec<T>, f: fn(T) -> Result<U, Error>) -> Result<Vec<U>, Error> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(f(item)?);
    }
    Ok(out)
}
