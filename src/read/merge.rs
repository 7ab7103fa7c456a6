//! A sharded partition read as one: every shard queried, their pages merged in sort-key
//! order (a k-way merge), limits exact, and one cursor that resumes every shard.
//!
//! Each shard is read page by page, as an unsharded query is. The merge only ever emits an
//! item when every unfinished shard has its next item in hand, so the order is exact; a page
//! ends when a shard's buffer runs dry (its next page decides what comes next). The cursor
//! records, per shard, the last item taken from it — not the last item fetched — so items
//! fetched but not yet emitted are read again on resume, never lost.
//!
//! Under concurrent writes a merged read keeps an unsharded read's semantics. A shard
//! resumes after its own last item, and another writer may meanwhile insert into it an item
//! that sorts between that and the last item the read returned from *any* shard; returned,
//! it would take the read back. So the read also keeps its [`Mark`] — the sort key and shard
//! of the last item it returned, in the cursor too — and drops what sorts at or before it,
//! as DynamoDB does not return an item inserted behind a cursor in one partition. Items
//! present for the whole read are returned exactly once, in order.

use std::collections::VecDeque;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::stream::{self, Stream};

use super::bounds::KeyBounds;
use super::cursor::{Binding, Cursor, Mark, Position};
use super::page::{Page, RawPage, Reader, key_of};
use crate::Error;
use crate::item::Item;

/// The shards of one logical partition, each read like an unsharded query.
pub(crate) trait Shards: Send + Sync + 'static {
    /// How many shards there are.
    fn count(&self) -> usize;

    /// One page of shard `shard`, starting after `start`.
    fn fetch(
        &self,
        shard: usize,
        start: Option<Item>,
        limit: Option<i32>,
    ) -> impl Future<Output = Result<RawPage, Error>> + Send;

    /// The attributes that make up a position (table and index keys).
    fn key_attributes(&self) -> &[&'static str];

    /// The sort-key attribute the shards are ordered by (none: one item per shard).
    fn sort_attribute(&self) -> Option<&'static str>;

    /// Ascending (`true`) or descending.
    fn forward(&self) -> bool;

    /// What the read's cursors are bound to and sealed with.
    fn binding(&self) -> &Binding;

    /// The positions the read could produce: every cursor's is checked against them.
    fn bounds(&self) -> &KeyBounds;
}

/// One shard's state in the merge.
struct Shard {
    /// Fetched, not yet emitted.
    buffer: VecDeque<Item>,
    /// Where its next page starts (`LastEvaluatedKey`), `None` at its start.
    next: Option<Item>,
    /// No page left to fetch.
    exhausted: bool,
    /// Where a resumed read of this shard starts while its buffer is not empty.
    taken: Position,
}

impl Shard {
    fn at(position: Position) -> Self {
        let (next, exhausted) = match &position {
            Position::Start => (None, false),
            Position::After(key) => (Some(key.clone()), false),
            Position::Done => (None, true),
        };
        Self {
            buffer: VecDeque::new(),
            next,
            exhausted,
            taken: position,
        }
    }

    /// Needs a page before the merge can go on.
    fn starved(&self) -> bool {
        self.buffer.is_empty() && !self.exhausted
    }

    fn finished(&self) -> bool {
        self.buffer.is_empty() && self.exhausted
    }

    /// Where a read resumed now would start this shard.
    fn position(&self) -> Position {
        if !self.buffer.is_empty() {
            self.taken.clone()
        } else if self.exhausted {
            Position::Done
        } else {
            self.next.clone().map_or(Position::Start, Position::After)
        }
    }
}

struct State {
    shards: Vec<Shard>,
    /// The last item returned, in merged order.
    mark: Option<Mark>,
    remaining: Option<usize>,
    done: bool,
}

/// Where a merged read starts: each shard's position and the merged order's mark (a
/// cursor's), or the beginning.
#[derive(Debug)]
pub(crate) struct Start {
    pub(crate) positions: Vec<Position>,
    pub(crate) mark: Option<Mark>,
}

/// Where every shard starts: from a cursor's positions, or at the beginning.
pub(crate) fn start<S: Shards>(shards: &S, after: Option<&Cursor>) -> Result<Start, Error> {
    let (positions, mark) = match after {
        Some(cursor) => {
            cursor.decode_shards(shards.binding(), shards.count(), shards.bounds(), true)?
        }
        None => (vec![Position::Start; shards.count()], None),
    };
    Ok(Start { positions, mark })
}

/// Pages of the merged shards' raw items, stopping exactly at the reader's limit.
pub(crate) fn pages<S: Shards>(
    source: Arc<S>,
    start: Start,
    reader: Reader,
) -> impl Stream<Item = Result<Page<Item>, Error>> + Send {
    let state = State {
        shards: start.positions.into_iter().map(Shard::at).collect(),
        mark: start.mark,
        remaining: reader.limit,
        done: reader.limit == Some(0),
    };
    stream::try_unfold(state, move |mut state| {
        let source = Arc::clone(&source);
        async move {
            if state.done || state.shards.iter().all(Shard::finished) {
                return Ok(None);
            }
            refill(source.as_ref(), &mut state, &reader).await?;
            let page = emit(source.as_ref(), &mut state, &reader)?;
            Ok(Some((page, state)))
        }
    })
}

/// Fetches, concurrently, a page for every shard whose buffer is empty, until each has an
/// item or is exhausted (a filtered page can be empty and still have a successor).
async fn refill<S: Shards>(source: &S, state: &mut State, reader: &Reader) -> Result<(), Error> {
    let limit = reader.request_limit(state.remaining);
    let fetches = state
        .shards
        .iter_mut()
        .enumerate()
        .filter(|(_, shard)| shard.starved())
        .map(|(n, shard)| async move {
            while shard.starved() {
                let page = source.fetch(n, shard.next.clone(), limit).await?;
                shard.buffer.extend(page.items);
                shard.exhausted = page.last_key.is_none();
                shard.next = page.last_key;
            }
            Ok::<(), Error>(())
        });
    futures::future::try_join_all(fetches).await?;
    Ok(())
}

/// Emits items in merged order until the limit, or until a shard runs dry and needs its
/// next page.
fn emit<S: Shards>(source: &S, state: &mut State, reader: &Reader) -> Result<Page<Item>, Error> {
    let sort = source.sort_attribute();
    let forward = source.forward();
    let mut items = Vec::new();
    while state.remaining != Some(0) {
        let Some(n) = next_shard(&state.shards, sort, forward) else {
            break;
        };
        let shard = &mut state.shards[n];
        let Some(item) = shard.buffer.pop_front() else {
            break;
        };
        shard.taken = Position::After(key_of(&item, source.key_attributes()));
        let dry = shard.starved();
        let value = sort_value(&item, sort);
        // Inserted into this shard behind where the read stands: not returned, as DynamoDB
        // does not return an item inserted behind a cursor.
        let behind = state
            .mark
            .as_ref()
            .is_some_and(|m| m.covers(value, n, forward));
        if !behind {
            Mark::advance(&mut state.mark, n, value);
            if reader.keeps(&item) {
                items.push(item);
                if let Some(r) = state.remaining.as_mut() {
                    *r -= 1;
                }
            }
        }
        if dry {
            break;
        }
    }
    let finished = state.shards.iter().all(Shard::finished);
    state.done = finished || state.remaining == Some(0);
    let cursor = if finished {
        None
    } else {
        let positions: Vec<Position> = state.shards.iter().map(Shard::position).collect();
        Some(Cursor::encode_shards(
            source.binding(),
            &positions,
            Some(state.mark.as_ref()),
        )?)
    };
    Ok(Page { items, cursor })
}

/// The shard whose next item comes first (ties: the lower shard), among shards with items.
fn next_shard(shards: &[Shard], sort: Option<&'static str>, forward: bool) -> Option<usize> {
    let head = |n: usize| shards[n].buffer.front().and_then(|i| sort_value(i, sort));
    (0..shards.len())
        .filter(|&n| !shards[n].buffer.is_empty())
        .min_by(|&a, &b| {
            let order = head(a).cmp(&head(b));
            let order = if forward { order } else { order.reverse() };
            order.then(a.cmp(&b))
        })
}

/// The value DynamoDB orders a partition by. Sharded keys are template keys, whose sort keys
/// are strings, ordered by their UTF-8 bytes — which is `str`'s order.
pub(crate) fn sort_value<'i>(item: &'i Item, sort: Option<&'static str>) -> Option<&'i str> {
    match item.get(sort?) {
        Some(AttributeValue::S(s)) => Some(s.as_str()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    //! The merge against a model: shards held in memory, paged the way DynamoDB pages
    //! (`Limit` counts evaluated items, a filter can empty a page), read with random limits,
    //! page sizes, directions and resumptions, must give exactly the sorted, filtered
    //! partition.
    use super::*;
    use futures::TryStreamExt;
    use proptest::prelude::*;
    use std::collections::HashMap;

    use std::collections::BTreeSet;
    use std::sync::Mutex;

    struct Memory {
        /// Per shard: sort keys; an item is kept by the filter when its key's last
        /// character is not `x`. Writers change them between pages.
        shards: Mutex<Vec<BTreeSet<String>>>,
        count: usize,
        forward: bool,
        /// Merged by `SK`; otherwise as an index keyed by a partition key alone is.
        sorted: bool,
        keys: Vec<&'static str>,
        binding: Binding,
        bounds: KeyBounds,
    }

    impl Memory {
        fn new(shards: &[BTreeSet<String>], forward: bool) -> Arc<Self> {
            Self::merged_by(shards, forward, true)
        }

        fn merged_by(shards: &[BTreeSet<String>], forward: bool, sorted: bool) -> Arc<Self> {
            let mut bounds = KeyBounds::of(&crate::table::TableSchema::new("t"), None);
            bounds.sharded(
                "PK",
                (0..shards.len()).map(|n| format!("P#{n}")).collect(),
                sorted.then_some("SK"),
            );
            Arc::new(Self {
                shards: Mutex::new(shards.to_vec()),
                count: shards.len(),
                forward,
                sorted,
                keys: vec!["PK", "SK"],
                binding: Binding {
                    fingerprint: 7,
                    key: None,
                },
                bounds,
            })
        }

        fn write(&self, shard: usize, key: &str, insert: bool) {
            let mut shards = self.shards.lock().expect("not poisoned");
            if insert {
                shards[shard].insert(key.to_owned());
            } else {
                shards[shard].remove(key);
            }
        }
    }

    fn item(shard: usize, sk: &str) -> Item {
        HashMap::from([
            ("PK".to_owned(), AttributeValue::S(format!("P#{shard}"))),
            ("SK".to_owned(), AttributeValue::S(sk.to_owned())),
        ])
    }

    impl Shards for Memory {
        fn count(&self) -> usize {
            self.count
        }

        async fn fetch(
            &self,
            shard: usize,
            start: Option<Item>,
            limit: Option<i32>,
        ) -> Result<RawPage, Error> {
            let mut keys: Vec<String> = self.shards.lock().expect("not poisoned")[shard]
                .iter()
                .cloned()
                .collect();
            if !self.forward {
                keys.reverse();
            }
            let after = start.map(|k| match k.get("SK") {
                Some(AttributeValue::S(s)) => s.clone(),
                _ => panic!("a start key without SK"),
            });
            let from = after.map_or(0, |a| {
                keys.iter()
                    .position(|k| if self.forward { *k > a } else { *k < a })
                    .unwrap_or(keys.len())
            });
            let limit = limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(0));
            let evaluated: Vec<&String> = keys[from..].iter().take(limit).collect();
            let last_key = (from + evaluated.len() < keys.len())
                .then(|| evaluated.last().map(|k| item(shard, k)))
                .flatten();
            Ok(RawPage {
                items: evaluated
                    .iter()
                    .filter(|k| !k.ends_with('x'))
                    .map(|k| item(shard, k))
                    .collect(),
                last_key,
            })
        }

        fn key_attributes(&self) -> &[&'static str] {
            &self.keys
        }

        fn sort_attribute(&self) -> Option<&'static str> {
            self.sorted.then_some("SK")
        }

        fn forward(&self) -> bool {
            self.forward
        }

        fn binding(&self) -> &Binding {
            &self.binding
        }

        fn bounds(&self) -> &KeyBounds {
            &self.bounds
        }
    }

    /// An item as (sort key, shard).
    fn sort_key(item: Item) -> Result<(String, usize), Error> {
        match (item.get("SK"), item.get("PK")) {
            (Some(AttributeValue::S(s)), Some(AttributeValue::S(pk))) => {
                Ok((s.clone(), pk[2..].parse().unwrap_or(usize::MAX)))
            }
            _ => Err(Error::invalid(
                crate::InvalidInputKind::MissingKeyAttributes,
                "no SK",
            )),
        }
    }

    /// Reads every page with `limit` per page, resuming each from the previous cursor, and
    /// calling `between(n)` after the `n`th.
    fn read_all(
        source: &Arc<Memory>,
        limit: Option<usize>,
        page_size: Option<i32>,
        between: &mut dyn FnMut(usize),
    ) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        let mut cursor: Option<Cursor> = None;
        for resumed in 0..10_000 {
            let start = start(source.as_ref(), cursor.as_ref()).expect("cursor decodes");
            let reader = Reader {
                skip_internal: None,
                limit,
                page_size,
            };
            let page: Vec<Page<Item>> =
                futures::executor::block_on(pages(Arc::clone(source), start, reader).try_collect())
                    .expect("reads");
            let page: Vec<Page<(String, usize)>> = page
                .into_iter()
                .map(|p| p.try_map(sort_key).expect("sort keys"))
                .collect();
            // Without a limit every page is read in one go; with one, the pages up to it.
            let got: usize = page.iter().map(|p| p.items.len()).sum();
            if let Some(l) = limit {
                assert!(got <= l, "{got} items for a limit of {l}");
            }
            out.extend(page.iter().flat_map(|p| p.items.clone()));
            cursor = page.last().and_then(|p| p.cursor.clone());
            if cursor.is_none() {
                return out;
            }
            if let Some(l) = limit {
                assert_eq!(got, l, "a page short of its limit still had a cursor");
            }
            between(resumed);
        }
        panic!("the read never finished")
    }

    /// Whether `a` comes before `b` in the merged order.
    fn before(a: &(String, usize), b: &(String, usize), forward: bool) -> bool {
        let order = a.0.cmp(&b.0);
        let order = if forward { order } else { order.reverse() };
        order.then(a.1.cmp(&b.1)).is_lt()
    }

    /// Without a sort key (an index keyed by a partition key alone, sharded) the shards are
    /// read one after another, and every item of each comes back: the mark orders shards,
    /// not the items of one.
    #[test]
    fn without_a_sort_key_every_item_of_every_shard_comes_back() {
        let set = |keys: &[&str]| keys.iter().map(|k| (*k).to_owned()).collect();
        let shards: Vec<BTreeSet<String>> = vec![
            set(&["a", "b", "c"]),
            set(&[]),
            set(&["d", "e"]),
            set(&["f"]),
        ];
        for forward in [true, false] {
            let want: Vec<(String, usize)> = shards
                .iter()
                .enumerate()
                .flat_map(|(n, keys)| {
                    let mut keys: Vec<&String> = keys.iter().collect();
                    if !forward {
                        keys.reverse();
                    }
                    keys.into_iter().map(move |k| (k.clone(), n))
                })
                .collect();
            for limit in [1, 2, 3, 6] {
                let source = Memory::merged_by(&shards, forward, false);
                let got = read_all(&source, Some(limit), None, &mut |_| {});
                assert_eq!(got, want, "limit {limit}, forward {forward}");
            }
        }
    }

    fn shards() -> impl Strategy<Value = Vec<BTreeSet<String>>> {
        proptest::collection::vec(proptest::collection::btree_set("[a-dx]{1,3}", 0..8), 1..6)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn merged_pages_equal_the_sorted_partition(
            shards in shards(),
            limit in proptest::option::of(1usize..6),
            page_size in proptest::option::of(1i32..4),
            forward in any::<bool>(),
        ) {
            let source = Memory::new(&shards, forward);
            let mut want: Vec<(String, usize)> = shards
                .iter()
                .enumerate()
                .flat_map(|(n, s)| s.iter().map(move |k| (k.clone(), n)))
                .filter(|(k, _)| !k.ends_with('x'))
                .collect();
            want.sort_by(|a, b| if before(a, b, forward) {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            });
            let got = read_all(&source, limit, page_size, &mut |_| {});
            prop_assert_eq!(got, want);
        }

        /// Writers insert (behind and ahead of the read) and delete between pages: the
        /// pages never go back, and every item present throughout comes back exactly once.
        #[test]
        fn merged_pages_never_go_back_under_writes(
            shards in shards(),
            writes in proptest::collection::vec(
                (0usize..8, 0usize..6, "[a-dx]{1,3}", any::<bool>()), 0..24),
            limit in 1usize..5,
            page_size in proptest::option::of(1i32..4),
            forward in any::<bool>(),
        ) {
            let source = Memory::new(&shards, forward);
            let count = shards.len();
            let mut deleted: BTreeSet<(String, usize)> = BTreeSet::new();
            let got = read_all(&source, Some(limit), page_size, &mut |page| {
                for (_, shard, key, insert) in writes.iter().filter(|w| w.0 == page) {
                    let shard = shard % count;
                    source.write(shard, key, *insert);
                    if !insert {
                        deleted.insert((key.clone(), shard));
                    }
                }
            });
            for pair in got.windows(2) {
                prop_assert!(before(&pair[0], &pair[1], forward), "went back: {:?}", pair);
            }
            let returned: BTreeSet<&(String, usize)> = got.iter().collect();
            prop_assert_eq!(returned.len(), got.len(), "an item came back twice");
            for (n, keys) in shards.iter().enumerate() {
                for key in keys.iter().filter(|k| !k.ends_with('x')) {
                    let item = (key.clone(), n);
                    prop_assert!(
                        returned.contains(&item) || deleted.contains(&item),
                        "{:?} was skipped", item
                    );
                }
            }
        }
    }
}
