//! A migration's workers: the segments each reads, page by page, and every item of a page
//! planned and applied.

use std::collections::BTreeMap;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::stream::{self, StreamExt};

use super::apply::migrate_item;
use super::lease::{Claim, Leases};
use super::plan::key_attributes;
use super::shared::{Shared, unpoisoned};
use crate::Error;
use crate::item::Item;
use crate::observe::{Call, ObserveExt};
use crate::registry::Registry;

/// Items of one page rewritten at once by each segment.
const ITEMS_IN_FLIGHT: usize = 8;

fn strings(item: &Item) -> BTreeMap<String, String> {
    item.iter()
        .filter_map(|(k, v)| v.as_s().ok().map(|s| (k.clone(), s.clone())))
        .collect()
}

/// One worker of a shared run: claims segments (each free or expired one in turn, from
/// `first`), migrates each it gets, and waits for segments others hold until every segment
/// is done (`true`) or the run is stopped (`false`).
pub(super) async fn run_worker<R: Registry>(
    shared: Arc<Shared>,
    leases: Leases,
    first: u32,
) -> Result<bool, Error> {
    let total = u32::try_from(shared.state.lock().await.segments.len()).unwrap_or(1);
    loop {
        let mut done = 0;
        let mut worked = false;
        for i in 0..total {
            if shared.stop.load(Ordering::SeqCst) {
                return Ok(false);
            }
            let segment = (first + i) % total;
            match leases.claim(&shared.db, segment).await? {
                Claim::Done => done += 1,
                Claim::Held => {}
                Claim::Claimed(state) => {
                    shared.state.lock().await.segments[segment as usize] = state;
                    run_segment::<R>(Arc::clone(&shared), segment, Some(&leases)).await?;
                    worked = true;
                }
            }
        }
        if done == total {
            return Ok(true);
        }
        if !worked {
            tokio::time::sleep(leases.poll_interval()).await;
        }
    }
}

/// Migrates one segment page by page from its saved position; in a shared run, renews the
/// segment's lease with each page's checkpoint and stops if the lease was lost.
pub(super) async fn run_segment<R: Registry>(
    shared: Arc<Shared>,
    segment: u32,
    lease: Option<&Leases>,
) -> Result<(), Error> {
    let total = shared.state.lock().await.segments.len();
    loop {
        let (done, start) = {
            let state = shared.state.lock().await;
            let s = &state.segments[segment as usize];
            (
                s.done,
                s.last_key.as_ref().map(|k| {
                    k.iter()
                        .map(|(a, v)| (a.clone(), AttributeValue::S(v.clone())))
                        .collect::<Item>()
                }),
            )
        };
        if done || shared.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        let mut request = shared
            .db
            .client
            .scan()
            .table_name(&shared.db.table_name)
            .consistent_read(true)
            .limit(shared.page_size)
            .set_exclusive_start_key(start)
            .set_return_consumed_capacity(shared.db.capacity_mode());
        if total > 1 {
            request = request
                .segment(i32::try_from(segment).unwrap_or(0))
                .total_segments(i32::try_from(total).unwrap_or(1));
        }
        let page = pin!(request.send())
            .observed(&shared.db, Call::new("Scan", "*"))
            .await
            .map_err(|e| crate::error::service("Scan", e))?;
        let items = page.items.unwrap_or_default();
        let last_processed = items.last().map(|i| key_attributes::<R>(i));
        // The items of a page are independent: rewritten a few at a time. The checkpoint
        // below is saved only once all of them are done.
        shared
            .counts
            .scanned
            .fetch_add(items.len() as u64, Ordering::Relaxed);
        stream::iter(items)
            .for_each_concurrent(ITEMS_IN_FLIGHT, |item| migrate_item::<R>(&shared, item))
            .await;
        let saved = {
            let mut state = shared.state.lock().await;
            let s = &mut state.segments[segment as usize];
            match page.last_evaluated_key {
                Some(key) => s.last_key = Some(strings(&key)),
                None => {
                    s.done = true;
                    s.last_key = last_processed.map(|k| strings(&k));
                }
            }
            let saved = s.clone();
            if let Some(c) = &shared.checkpoint {
                c.save(&state).await.map_err(Error::checkpoint)?;
            }
            saved
        };
        if let Some(lease) = lease
            && !lease.renew(&shared.db, segment, &saved).await?
        {
            // Expired and taken over: the new holder goes on from the last renewal.
            return Ok(());
        }
        if let Some(f) = &shared.on_progress {
            let progress = shared.progress();
            (unpoisoned(f))(&progress);
        }
        // Pacing: wait until the work done so far is due at the allowed rates.
        let mut due = Duration::ZERO;
        if let Some(rate) = shared.items_per_second {
            let scanned = shared.counts.scanned.load(Ordering::Relaxed) as f64;
            due = due.max(Duration::from_secs_f64(scanned / rate));
        }
        if let Some(units) = shared.capacity_per_second {
            let consumed = shared.db.capacity.collector.report().total;
            due = due.max(Duration::from_secs_f64(consumed / units));
        }
        if let Some(wait) = due.checked_sub(shared.started.elapsed()) {
            tokio::time::sleep(wait).await;
        }
    }
}
