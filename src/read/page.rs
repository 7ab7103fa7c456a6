//! [`Page`], and the paging loop shared by queries and scans.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::stream::{self, Stream, TryStreamExt};

use super::cursor::Cursor;
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

    /// Identifies the read for cursors.
    fn fingerprint(&self) -> u64;
}

/// What to do with raw items: decode them, and stop after `limit` results.
pub(crate) struct Reader<T> {
    pub(crate) decode: fn(Item) -> Result<Option<T>, Error>,
    pub(crate) limit: Option<usize>,
    pub(crate) page_size: Option<i32>,
}

impl<T> Reader<T> {
    /// DynamoDB's `Limit` for the next request: the page size, cut to what the limit leaves.
    pub(crate) fn request_limit(&self, remaining: Option<usize>) -> Option<i32> {
        let remaining = remaining.map(|r| i32::try_from(r).unwrap_or(i32::MAX));
        match (self.page_size, remaining) {
            (Some(p), Some(r)) => Some(p.min(r)),
            (p, r) => p.or(r),
        }
    }
}

impl<T> Clone for Reader<T> {
    fn clone(&self) -> Self {
        Self {
            decode: self.decode,
            limit: self.limit,
            page_size: self.page_size,
        }
    }
}

struct State {
    start: Option<Item>,
    remaining: Option<usize>,
    done: bool,
}

/// Decoded pages, following `LastEvaluatedKey` until it is absent (also past empty pages),
/// and stopping exactly at the reader's `limit` without another request. Each page's cursor
/// resumes right after the page's last item.
pub(crate) fn pages<F: Fetch, T: Send + 'static>(
    fetch: Arc<F>,
    start: Option<Item>,
    reader: Reader<T>,
) -> impl Stream<Item = Result<Page<T>, Error>> + Send {
    let state = State {
        start,
        remaining: reader.limit,
        done: reader.limit == Some(0),
    };
    stream::try_unfold(state, move |mut state| {
        let fetch = Arc::clone(&fetch);
        let reader = reader.clone();
        async move {
            if state.done {
                return Ok(None);
            }
            let limit = reader.request_limit(state.remaining);
            let raw = fetch.fetch(state.start.take(), limit).await?;
            let (page, next) = decode_page(raw, &mut state.remaining, &reader, fetch.as_ref())?;
            state.done = next.is_none() || state.remaining == Some(0);
            state.start = next;
            Ok(Some((page, state)))
        }
    })
}

/// Decodes a raw page up to the remaining limit. Returns the page and where the read goes
/// on (`None`: nothing more).
fn decode_page<T, F: Fetch>(
    raw: RawPage,
    remaining: &mut Option<usize>,
    reader: &Reader<T>,
    fetch: &F,
) -> Result<(Page<T>, Option<Item>), Error> {
    let mut items = Vec::with_capacity(raw.items.len());
    let mut rest = raw.items.into_iter().peekable();
    while let Some(item) = rest.next() {
        // Only the item that reaches the limit needs its position kept.
        let position = (*remaining == Some(1)).then(|| key_of(&item, fetch.key_attributes()));
        if let Some(decoded) = (reader.decode)(item)? {
            items.push(decoded);
            if let Some(r) = remaining.as_mut() {
                *r -= 1;
                if *r == 0 {
                    let exhausted = rest.peek().is_none() && raw.last_key.is_none();
                    let next = if exhausted { None } else { position };
                    let cursor = next
                        .as_ref()
                        .map(|k| Cursor::encode(fetch.fingerprint(), k))
                        .transpose()?;
                    return Ok((Page { items, cursor }, next));
                }
            }
        }
    }
    let cursor = raw
        .last_key
        .as_ref()
        .map(|k| Cursor::encode(fetch.fingerprint(), k))
        .transpose()?;
    Ok((Page { items, cursor }, raw.last_key))
}

pub(crate) fn key_of(item: &Item, attributes: &[&'static str]) -> Item {
    attributes
        .iter()
        .filter_map(|a| item.get(*a).map(|v| ((*a).to_owned(), v.clone())))
        .collect::<HashMap<String, AttributeValue>>()
}

/// Items one by one, in constant memory.
pub(crate) fn items<F: Fetch, T: Send + 'static>(
    fetch: Arc<F>,
    start: Option<Item>,
    reader: Reader<T>,
) -> impl Stream<Item = Result<T, Error>> + Send {
    pages(fetch, start, reader)
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
}
