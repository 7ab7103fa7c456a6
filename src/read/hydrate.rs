//! Hydration: an index page's items replaced by the table's, fetched by key with
//! `BatchGetItem` (the batch reader's chunking and retries), in the index's order.
//!
//! The page keeps its `LastEvaluatedKey`, and each kept item is the table's item at the
//! index position it was read at, so limits and cursors work as for any page. An item is
//! left out when the table no longer has it (deleted between the two reads), when its index
//! key is no longer the one the index gave (moved, or gone from a sparse index), and when it
//! is of another entity type (a keys-only index does not hold the discriminator, so the
//! index read could not tell).

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{self, StreamExt};

use super::page::RawPage;
use crate::batch::{RetryPolicy, key_from, send_chunk};
use crate::client::Inner;
use crate::entity::PrimaryKey;
use crate::item::Item;
use crate::{Error, TableSchema};

/// What one chunk's requests return: items found, requests sent, keys not read.
type Sent = (Vec<Item>, crate::batch::Sent, Vec<crate::batch::FailedGet>);

/// The most keys one `BatchGetItem` takes.
const MAX_KEYS: usize = 100;

/// How many `BatchGetItem` requests of one page are in flight at once.
const CONCURRENCY: usize = 4;

/// What a hydrating read checks each fetched item against.
#[derive(Debug, Clone)]
pub(crate) struct Hydrate {
    pub(crate) table: &'static TableSchema,
    /// The index's key attributes: a fetched item must still have the values read.
    pub(crate) index_keys: Vec<&'static str>,
    /// The entity type results must be (`None`: any, a registry read).
    pub(crate) only: Option<&'static str>,
}

/// Why items of a page were left out (reported as a `tracing` event per page).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Skipped {
    deleted: usize,
    moved: usize,
    other_type: usize,
}

impl Hydrate {
    /// `page` with each index item replaced by the table's item, in order.
    pub(crate) async fn page(&self, db: &Arc<Inner>, page: RawPage) -> Result<RawPage, Error> {
        let mut skipped = Skipped::default();
        let keys: Vec<PrimaryKey> = page
            .items
            .iter()
            .filter_map(|item| key_from(item, self.table))
            .collect();
        let mut fetched = self.fetch(db, keys).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for read in page.items {
            let Some(key) = key_from(&read, self.table) else {
                continue;
            };
            match fetched.remove(&key) {
                None => skipped.deleted += 1,
                Some(item) if !self.same_index_key(&read, &item) => skipped.moved += 1,
                Some(item) if !self.of_type(&item) => skipped.other_type += 1,
                Some(item) => items.push(item),
            }
        }
        if skipped != Skipped::default() {
            tracing::debug!(
                deleted = skipped.deleted,
                moved = skipped.moved,
                other_type = skipped.other_type,
                "hydrated page: items left out"
            );
        }
        Ok(RawPage {
            items,
            last_key: page.last_key,
        })
    }

    /// The table's items at `keys`, by key; a key that could not be read after the retries
    /// fails the page (a cursor from before it still resumes the read).
    async fn fetch(
        &self,
        db: &Arc<Inner>,
        keys: Vec<PrimaryKey>,
    ) -> Result<HashMap<PrimaryKey, Item>, Error> {
        let chunks: Vec<Vec<(&'static str, PrimaryKey)>> = keys
            .chunks(MAX_KEYS)
            .map(|chunk| chunk.iter().map(|k| ("*", k.clone())).collect())
            .collect();
        // Boxed: the chunk futures are named once, whatever the caller's future.
        let requests: Vec<BoxFuture<'static, Sent>> = chunks
            .into_iter()
            .map(|chunk| {
                let db = Arc::clone(db);
                send_chunk(db, self.table, chunk, RetryPolicy::default(), true).boxed()
            })
            .collect();
        let results: Vec<_> = stream::iter(requests)
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut found = HashMap::with_capacity(keys.len());
        let mut failed = Vec::new();
        for (items, _, not_read) in results {
            for item in items {
                if let Some(key) = key_from(&item, self.table) {
                    found.insert(key, item);
                }
            }
            failed.extend(not_read);
        }
        if failed.is_empty() {
            Ok(found)
        } else {
            Err(Error::BatchIncomplete {
                done: found.len(),
                failed_writes: Vec::new(),
                failed_keys: failed,
            })
        }
    }

    /// Whether `item` still has the index key `read` was found under.
    fn same_index_key(&self, read: &Item, item: &Item) -> bool {
        self.index_keys
            .iter()
            .all(|a| read.get(*a).is_some() && read.get(*a) == item.get(*a))
    }

    /// Whether `item` is of the read's entity type (or the library's own, for a registry
    /// read to skip as it always does).
    fn of_type(&self, item: &Item) -> bool {
        let Some(only) = self.only else { return true };
        matches!(item.get(self.table.discriminator()), Some(AttributeValue::S(d)) if d == only)
    }
}
