//! Sharded partitions (`{voter:shard(10)}`): a poll's votes are spread over 10 physical
//! partitions, and every read of the poll — query, pages with cursors, count, collection,
//! an index sharded 4 ways — returns exactly the logical partition, in sort-key order,
//! across shards, with adversarial voter names, against an independent model built from
//! what a raw scan finds stored; also through a proxy that throttles and drops connections.
//! Counted outcomes (lost, duplicated, out of order, foreign) must be zero.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::{Cursor, Db, Error};
use dynamorm_entities::votes::{Comment, PollActivity, Polls, PollsItem, Vote, VoteKey};
use dynamorm_local::FaultConfig;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use rstest::rstest;

use crate::harness::invalid_kind;
use crate::harness::{Backend, client, scan_raw, unique_name};
use dynamorm::InvalidInputKind;

/// Voter names that attack the encoding: empty, delimiters, escape characters, Unicode.
fn voters() -> Vec<String> {
    let mut out: Vec<String> = [
        "",
        "#",
        "%",
        "$",
        "%23",
        "a#b",
        "a",
        "a ",
        "é",
        "日本",
        "\u{10FFFF}",
        "v1#",
        "v",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    out.extend((0..300).map(|i| format!("v{i}")));
    out
}

fn vote(poll: &str, voter: &str) -> Vote {
    Vote {
        poll: poll.to_owned(),
        voter: voter.to_owned(),
        choice: if voter.len().is_multiple_of(2) {
            "yes"
        } else {
            "no"
        }
        .to_owned(),
    }
}

/// Stores poll `p` (votes and comments), and neighbours that must never leak into it: poll
/// `p#` (a delimiter in the poll name), poll `p2`, and poll `P`.
async fn seed(db: &Db<Polls>) {
    let mut votes = Vec::new();
    for poll in ["p", "p#", "p2", "P"] {
        for voter in voters() {
            if poll == "p" || voter.len() % 3 == 0 {
                votes.push(vote(poll, &voter));
            }
        }
    }
    let comments: Vec<Comment> = ["", "#", "a", "v1"]
        .iter()
        .flat_map(|author| {
            (0..3).map(|id| Comment {
                poll: "p".into(),
                author: (*author).to_owned(),
                id,
                text: format!("comment {id}"),
            })
        })
        .collect();
    db.batch_write()
        .put_all(&votes)
        .put_all(&comments)
        .send()
        .await
        .expect("seed")
        .into_result()
        .expect("every item written");
}

fn text(item: &dynamorm::Item, attribute: &str) -> String {
    match item.get(attribute) {
        Some(AttributeValue::S(s)) => s.clone(),
        other => panic!("{attribute}: {other:?}"),
    }
}

/// The model, from what is stored: poll `p`'s votes as (SK, voter), in SK order, and the
/// physical partitions they are in.
async fn model(db: &Db<Polls>) -> (Vec<(String, String)>, BTreeSet<String>) {
    let mut votes = Vec::new();
    let mut partitions = BTreeSet::new();
    for item in scan_raw(db).await {
        if text(&item, "_type") == "Vote" && text(&item, "poll") == "p" {
            partitions.insert(text(&item, "PK"));
            votes.push((text(&item, "SK"), text(&item, "voter")));
        }
    }
    votes.sort();
    (votes, partitions)
}

/// Compares a read with the model, counting what went wrong.
fn tally(got: &[String], want: &[String]) -> [usize; 4] {
    let wanted: BTreeSet<&String> = want.iter().collect();
    let mut seen = BTreeMap::new();
    for v in got {
        *seen.entry(v).or_insert(0usize) += 1;
    }
    let lost = want.iter().filter(|v| !seen.contains_key(v)).count();
    let duplicated = seen.values().filter(|&&n| n > 1).count();
    let foreign = got.iter().filter(|v| !wanted.contains(v)).count();
    let misordered = usize::from(lost == 0 && duplicated == 0 && foreign == 0 && got != want);
    [lost, duplicated, foreign, misordered]
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_sharded_poll_is_spread_over_its_shards_and_read_back_whole(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Polls>::with_table_name(client, unique_name("sharding"));
    db.create_table().await.expect("create");
    seed(&db).await;
    let (stored, partitions) = model(&db).await;
    assert_eq!(stored.len(), voters().len());
    let want_partitions: BTreeSet<String> = (0..10).map(|s| format!("POLL#p#{s}")).collect();
    assert_eq!(
        partitions, want_partitions,
        "spread over exactly the 10 shards"
    );
    let want: Vec<String> = stored.iter().map(|(_, v)| v.clone()).collect();

    let a = Vote::attrs();
    let got: Vec<String> = db
        .query(a.poll.is("p"))
        .all()
        .await
        .expect("merged read")
        .into_iter()
        .map(|v| v.voter)
        .collect();
    assert_eq!(
        tally(&got, &want),
        [0; 4],
        "lost, duplicated, foreign, misordered"
    );
    let mut reversed = want.clone();
    reversed.reverse();
    let got: Vec<String> = db
        .query(a.poll.is("p"))
        .descending()
        .all()
        .await
        .expect("descending")
        .into_iter()
        .map(|v| v.voter)
        .collect();
    assert_eq!(tally(&got, &reversed), [0; 4]);
    assert_eq!(
        db.query(a.poll.is("p")).count().await.expect("count"),
        want.len()
    );

    // Every vote is still found, changed and removed by its key: the shard is rendered.
    for voter in ["", "#", "日本", "v7"] {
        let key = VoteKey {
            poll: "p".into(),
            voter: voter.into(),
        };
        assert_eq!(
            db.get(key.clone()).send().await.expect("get"),
            Some(vote("p", voter))
        );
    }
    let key = VoteKey {
        poll: "p".into(),
        voter: "v7".into(),
    };
    db.update(key.clone())
        .set(a.choice, "maybe")
        .send()
        .await
        .expect("update");
    let maybe: Vec<Vote> = db
        .query(a.choice.is("maybe"))
        .index(Polls::ByChoice)
        .all()
        .await
        .expect("index read");
    assert_eq!(
        maybe.iter().map(|v| v.voter.as_str()).collect::<Vec<_>>(),
        ["v7"]
    );
    db.delete(key).send().await.expect("delete");
    assert_eq!(
        db.query(a.poll.is("p")).count().await.expect("count"),
        want.len() - 1
    );
}

/// The sharded index: votes for one choice across polls, 4 shards merged in `GSI1SK` order.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_sharded_index_reads_every_shard_in_order(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Polls>::with_table_name(client, unique_name("sharding-index"));
    db.create_table().await.expect("create");
    seed(&db).await;
    let mut want: Vec<(String, String)> = scan_raw(&db)
        .await
        .into_iter()
        .filter(|i| text(i, "_type") == "Vote" && text(i, "choice") == "yes")
        .map(|i| {
            (
                text(&i, "GSI1SK"),
                format!("{}/{}", text(&i, "poll"), text(&i, "voter")),
            )
        })
        .collect();
    want.sort();
    let want: Vec<String> = want.into_iter().map(|(_, v)| v).collect();
    let got: Vec<String> = db
        .query(Vote::attrs().choice.is("yes"))
        .index(Polls::ByChoice)
        .all()
        .await
        .expect("index read")
        .into_iter()
        .map(|v| format!("{}/{}", v.poll, v.voter))
        .collect();
    assert!(want.len() > 100);
    assert_eq!(tally(&got, &want), [0; 4]);
}

/// A sort-key condition for the random cases, with its meaning over stored sort keys.
#[derive(Debug, Clone)]
enum Range {
    All,
    BeginsWith(&'static str),
    Gt(&'static str),
}

impl Range {
    fn holds(&self, sk: &str) -> bool {
        match self {
            Range::All => true,
            // A whole field: that voter and the keys filed under it, never `v10`. (`v1` and
            // `v2` need no escaping, so stored keys hold them as given.)
            Range::BeginsWith(p) => {
                sk == format!("VOTE#{p}") || sk.starts_with(&format!("VOTE#{p}#"))
            }
            Range::Gt(v) => sk > format!("VOTE#{v}").as_str(),
        }
    }
}

/// Random limits, page sizes, directions and ranges, each read to the end page by page
/// through cursors, against the model: the pages join up to exactly the model's sequence.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn paged_reads_with_cursors_match_the_model(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Polls>::with_table_name(client, unique_name("sharding-pages"));
    db.create_table().await.expect("create");
    seed(&db).await;
    let (stored, _) = model(&db).await;
    let a = Vote::attrs();
    let strategy = (
        1usize..120,
        proptest::option::of(1u32..40),
        any::<bool>(),
        prop_oneof![
            Just(Range::All),
            Just(Range::BeginsWith("v1")),
            Just(Range::Gt("v2")),
            Just(Range::Gt("")),
        ],
    );
    let mut runner = TestRunner::deterministic();
    let mut pages_read = 0;
    for _ in 0..12 {
        let (limit, page_size, descending, range) =
            strategy.new_tree(&mut runner).expect("case").current();
        let mut want: Vec<String> = stored
            .iter()
            .filter(|(sk, _)| range.holds(sk))
            .map(|(_, v)| v.clone())
            .collect();
        if descending {
            want.reverse();
        }
        let mut got = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let mut query = db.query(a.poll.is("p")).limit(limit);
            query = match range {
                Range::All => query,
                Range::BeginsWith(p) => query.sort_begins_with(a.voter.is(p)),
                Range::Gt(v) => query.sort_gt(a.voter.is(v)),
            };
            if let Some(size) = page_size {
                query = query.page_size(size);
            }
            if descending {
                query = query.descending();
            }
            if let Some(c) = &cursor {
                query = query.after(c);
            }
            let page = query.page().await.expect("page");
            pages_read += 1;
            assert!(page.items.len() <= limit);
            let full = page.items.len() == limit;
            got.extend(page.items.into_iter().map(|v| v.voter));
            match page.cursor {
                Some(c) => {
                    assert!(full, "a page short of its limit has no successor");
                    cursor = Some(c);
                }
                None => break,
            }
        }
        assert_eq!(
            tally(&got, &want),
            [0; 4],
            "limit {limit}, page size {page_size:?}, descending {descending}, {range:?}"
        );
    }
    assert!(pages_read > 12);
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_collection_fills_from_every_shard(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Polls>::with_table_name(client, unique_name("sharding-collection"));
    db.create_table().await.expect("create");
    seed(&db).await;
    let (stored, _) = model(&db).await;
    let activity: PollActivity = db
        .query(Vote::attrs().poll.is("p"))
        .collection()
        .await
        .expect("collection");
    let got: Vec<String> = activity.votes.iter().map(|v| v.voter.clone()).collect();
    let want: Vec<String> = stored.iter().map(|(_, v)| v.clone()).collect();
    assert_eq!(tally(&got, &want), [0; 4]);
    // Comments sort by their key: author (escaped: `#` → `%23` sorts first), then id.
    let comments: Vec<(String, u32)> = activity
        .comments
        .iter()
        .map(|c| (c.author.clone(), c.id))
        .collect();
    let mut want_comments: Vec<(String, u32)> = ["", "#", "a", "v1"]
        .iter()
        .flat_map(|a| (0..3).map(|id| ((*a).to_owned(), id)))
        .collect();
    want_comments.sort_by_key(|(author, id)| (author.replace('#', "%23"), *id));
    assert_eq!(comments, want_comments);
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn misuse_is_refused_before_sending(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Polls>::with_table_name(client, unique_name("sharding-misuse"));
    db.create_table().await.expect("create");
    seed(&db).await;
    let a = Vote::attrs();
    // Naming the sharded field: a query reads the whole logical partition.
    let err = db
        .query((a.poll.is("p"), a.voter.is("v1")))
        .all()
        .await
        .expect_err("the shard field is not a query field");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::QueryShape),
        "{err}"
    );
    // Cursors resume only their own read.
    let page = db
        .query(a.poll.is("p"))
        .limit(5)
        .page()
        .await
        .expect("page");
    let cursor = page.cursor.expect("more");
    for other in [
        db.query(a.poll.is("p2")).after(&cursor),
        db.query(a.poll.is("p")).descending().after(&cursor),
    ] {
        assert!(matches!(
            other.all().await,
            Err(Error::InvalidCursor { .. })
        ));
    }
    // Every single-character change is detected (a shard position or the checksum).
    let text = cursor.as_str();
    for at in (0..text.len()).step_by(7) {
        let mut bytes = text.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let altered = Cursor::from_string(String::from_utf8(bytes).expect("ascii"));
        let resumed = db.query(a.poll.is("p")).after(&altered).all().await;
        assert!(
            matches!(resumed, Err(Error::InvalidCursor { .. })),
            "position {at}"
        );
    }
}

/// Through a proxy that throttles 20 % of requests and drops 5 % of connections (the SDK's
/// retries on, as in production): the merged read is still exact.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn merged_reads_are_exact_through_faults(#[case] backend: Backend) {
    let (direct, server) = client(backend);
    let name = unique_name("sharding-faults");
    let db = Db::<Polls>::with_table_name(direct, name.clone());
    db.create_table().await.expect("create");
    seed(&db).await;
    let (stored, _) = model(&db).await;
    let want: Vec<String> = stored.iter().map(|(_, v)| v.clone()).collect();
    let endpoint = match &server {
        Some(s) => s.endpoint(),
        None => std::env::var("DYNAMORM_DDB_LOCAL_ENDPOINT").expect("endpoint"),
    };
    let proxy = dynamorm_local::FaultProxy::start(
        &endpoint,
        FaultConfig {
            seed: 11,
            unprocessed: 0.0,
            throttle: 0.2,
            drop_connection: 0.05,
        },
    )
    .expect("proxy");
    // Ten attempts: at these rates three in a row fail about once in a hundred requests.
    let retrying = proxy
        .sdk_config()
        .to_builder()
        .retry_config(
            aws_sdk_dynamodb::config::retry::RetryConfig::standard()
                .with_max_attempts(10)
                .with_initial_backoff(std::time::Duration::from_millis(5))
                .with_max_backoff(std::time::Duration::from_millis(100)),
        )
        .build();
    let faulty = Db::<Polls>::with_table_name(aws_sdk_dynamodb::Client::from_conf(retrying), name);
    let mut totals = [0usize; 4];
    for limit in [7, 50, 1000] {
        let mut got = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let mut query = faulty
                .query(Vote::attrs().poll.is("p"))
                .limit(limit)
                .page_size(20);
            if let Some(c) = &cursor {
                query = query.after(c);
            }
            let page = query.page().await.expect("page (the SDK retries faults)");
            got.extend(page.items.into_iter().map(|v| v.voter));
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        for (t, n) in totals.iter_mut().zip(tally(&got, &want)) {
            *t += n;
        }
    }
    assert_eq!(totals, [0; 4], "lost, duplicated, foreign, misordered");
    let stats = proxy.stats();
    assert!(stats.throttled > 0 && stats.dropped > 0, "{stats:?}");
}

/// Writes `votes` in one batch, every one of them.
async fn write_votes(db: &Db<Polls>, votes: &[Vote]) {
    db.batch_write()
        .put_all(votes)
        .send()
        .await
        .expect("valid batch")
        .into_result()
        .expect("all written");
}

/// How a merged read fared while others wrote: each count must be 0.
#[derive(Debug, Default)]
struct Under {
    pages: usize,
    returned: usize,
    inserted: usize,
    deleted: usize,
    /// An item that sorts at or before the one returned before it.
    went_back: usize,
    repeated: usize,
    /// Present from the start, never deleted, never returned.
    skipped: usize,
    /// Neither stored at the start nor inserted.
    foreign: usize,
}

/// Which merged read is paged: poll `poll`'s partition (10 shards) or the votes of choice
/// `poll` through the index (4 shards); `SK`-like sort key and shard of a voter's item.
#[derive(Clone, Copy)]
struct Merged<'a> {
    poll: &'a str,
    index: bool,
    forward: bool,
}

impl Merged<'_> {
    fn vote(&self, voter: &str) -> Vote {
        Vote {
            poll: self.poll.into(),
            voter: voter.into(),
            choice: self.poll.into(),
        }
    }

    /// The item's place in the merged order: (sort key, shard).
    fn place(&self, voter: &str) -> (String, u16) {
        if self.index {
            (
                format!("{}#{voter}", self.poll),
                dynamorm::key::shard_of(voter, 4),
            )
        } else {
            (format!("VOTE#{voter}"), dynamorm::key::shard_of(voter, 10))
        }
    }

    fn before(&self, a: &(String, u16), b: &(String, u16)) -> bool {
        let order = a.0.cmp(&b.0);
        let order = if self.forward { order } else { order.reverse() };
        order.then(a.1.cmp(&b.1)).is_lt()
    }

    /// One page of at most 37 voters, resumed from `after` by a fresh query.
    async fn page(
        &self,
        db: &Db<Polls>,
        after: Option<&Cursor>,
    ) -> Result<dynamorm::Page<Vote>, Error> {
        let a = Vote::attrs();
        let mut q = if self.index {
            db.query(a.choice.is(self.poll)).index(Polls::ByChoice)
        } else {
            db.query(a.poll.is(self.poll))
        };
        if !self.forward {
            q = q.descending();
        }
        if let Some(c) = after {
            q = q.after(c);
        }
        q.limit(37).page().await
    }
}

/// Pages `read` from a fresh query per page while a writer inserts voters all over the key
/// space (behind and ahead of the read, in every shard) and deletes voters already read.
async fn page_while_writing(db: &Db<Polls>, read: Merged<'_>) -> Under {
    use std::sync::{Arc, Mutex};
    let initial: Vec<String> = (0..300).map(|i| format!("v{i:03}")).collect();
    let votes: Vec<Vote> = initial.iter().map(|v| read.vote(v)).collect();
    write_votes(db, &votes).await;
    let returned: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let inserts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writer = {
        let (db, returned, stop) = (db.clone(), Arc::clone(&returned), Arc::clone(&stop));
        let inserts = Arc::clone(&inserts);
        let (poll, index, forward) = (read.poll.to_owned(), read.index, read.forward);
        tokio::spawn(async move {
            let read = Merged {
                poll: &poll,
                index,
                forward,
            };
            let (mut inserted, mut deleted) = (BTreeSet::new(), BTreeSet::new());
            let mut rng = fastrand::Rng::with_seed(22);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let voter = format!("v{:03}{}", rng.u32(0..300), rng.alphanumeric());
                db.put(&read.vote(&voter)).send().await.expect("insert");
                inserted.insert(voter);
                inserts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let gone = returned.lock().expect("lock").pop();
                if let Some(voter) = gone.filter(|_| rng.bool()) {
                    let key = VoteKey {
                        poll: poll.clone(),
                        voter: voter.clone(),
                    };
                    db.delete(key).send().await.expect("delete");
                    deleted.insert(voter);
                }
            }
            (inserted, deleted)
        })
    };
    let mut under = Under::default();
    let mut order: Vec<(String, u16)> = Vec::new();
    let mut voters: Vec<String> = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = read.page(db, cursor.as_ref()).await.expect("page");
        under.pages += 1;
        for vote in &page.items {
            order.push(read.place(&vote.voter));
            voters.push(vote.voter.clone());
            returned.lock().expect("lock").push(vote.voter.clone());
        }
        // Between pages, at least 6 more inserts, whatever the machine's load.
        let want = 6 * under.pages;
        while inserts.load(std::sync::atomic::Ordering::Relaxed) < want {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (inserted, deleted) = writer.await.expect("writer");
    under.returned = voters.len();
    under.inserted = inserted.len();
    under.deleted = deleted.len();
    under.went_back = order
        .windows(2)
        .filter(|w| !read.before(&w[0], &w[1]))
        .count();
    let distinct: BTreeSet<&String> = voters.iter().collect();
    under.repeated = voters.len() - distinct.len();
    under.skipped = initial
        .iter()
        .filter(|v| !deleted.contains(*v) && !distinct.contains(v))
        .count();
    under.foreign = distinct
        .iter()
        .filter(|v| !initial.contains(v) && !inserted.contains(**v))
        .count();
    under
}

/// Issue #22: paging a sharded partition and the sharded index, in both directions, with a
/// fresh query per page, while a writer inserts behind and ahead of the cursor and deletes:
/// no page ever returns an item that sorts at or before one already returned, and every
/// voter present throughout comes back exactly once.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn merged_pages_never_go_back_under_concurrent_writes(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Polls>::with_table_name(client, unique_name("sharded-writes"));
    db.create_table().await.expect("create");
    let reads = [
        ("t-fwd", false, true),
        ("t-desc", false, false),
        ("i-fwd", true, true),
        ("i-desc", true, false),
    ];
    for (poll, index, forward) in reads {
        let read = Merged {
            poll,
            index,
            forward,
        };
        let under = page_while_writing(&db, read).await;
        println!("{backend:?} {poll}: {under:?}");
        assert!(
            under.pages >= 8 && under.inserted >= 48,
            "{poll}: {under:?}"
        );
        assert_eq!(
            (
                under.went_back,
                under.repeated,
                under.skipped,
                under.foreign
            ),
            (0, 0, 0, 0),
            "{poll}: {under:?}"
        );
    }
}

/// What was inserted behind a merged read's cursor is neither returned when it resumes nor
/// counted by a count from the cursor; the count equals what the pages return.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_resumed_read_and_its_count_skip_what_was_inserted_behind(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Polls>::with_table_name(client, unique_name("sharded-behind"));
    db.create_table().await.expect("create");
    for (poll, index, forward) in [("t", false, true), ("i", true, false)] {
        let read = Merged {
            poll,
            index,
            forward,
        };
        let votes: Vec<Vote> = (0..300).map(|i| read.vote(&format!("v{i:03}"))).collect();
        write_votes(&db, &votes).await;
        let first = read.page(&db, None).await.expect("page");
        let cursor = first.cursor.expect("more");
        // Voters that sort just after each one returned (`v012a` after `v012`): behind the
        // read's position — all but the last one's when ascending — in shards all over,
        // some ahead of their own shard's position.
        let returned = &first.items[..first.items.len() - usize::from(forward)];
        let behind: Vec<Vote> = returned
            .iter()
            .map(|v| read.vote(&format!("{}a", v.voter)))
            .collect();
        write_votes(&db, &behind).await;
        let a = Vote::attrs();
        let counted = if index {
            db.query(a.choice.is(poll)).index(Polls::ByChoice)
        } else {
            db.query(a.poll.is(poll))
        };
        let counted = if forward {
            counted
        } else {
            counted.descending()
        };
        let counted = counted.after(&cursor).count().await.expect("count");
        let mut rest = Vec::new();
        let mut next = Some(cursor);
        while let Some(c) = next {
            let page = read.page(&db, Some(&c)).await.expect("page");
            rest.extend(page.items.into_iter().map(|v| v.voter));
            next = page.cursor;
        }
        assert!(
            rest.iter().all(|v| !v.ends_with('a')),
            "{poll}: inserted behind, returned: {rest:?}"
        );
        assert_eq!(rest.len(), 300 - first.items.len(), "{poll}");
        assert_eq!(
            counted,
            rest.len(),
            "{poll}: the count agrees with the pages"
        );
    }

    // A registry query of the partition (mixed types routed by discriminator) alike.
    let read = Merged {
        poll: "r",
        index: false,
        forward: true,
    };
    let votes: Vec<Vote> = (0..300).map(|i| read.vote(&format!("v{i:03}"))).collect();
    write_votes(&db, &votes).await;
    let a = Vote::attrs();
    let registry = || db.query(a.poll.is("r")).registry::<PollsItem>().limit(40);
    let first = registry().page().await.expect("page");
    let behind: Vec<Vote> = (0..39).map(|i| read.vote(&format!("v{i:03}a"))).collect();
    write_votes(&db, &behind).await;
    let mut rest = Vec::new();
    let mut next = first.cursor;
    while let Some(c) = next {
        let page = registry().after(&c).page().await.expect("page");
        rest.extend(page.items.into_iter().map(|item| match item {
            PollsItem::Vote(v) => v.voter,
            other => format!("{other:?}"),
        }));
        next = page.cursor;
    }
    assert_eq!(rest.len(), 260, "{rest:?}");
    assert!(rest.iter().all(|v| !v.ends_with('a')), "{rest:?}");
}
