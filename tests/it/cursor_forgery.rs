//! Cursors from untrusted clients, on both servers: forged as an attacker holding a genuine
//! cursor would (the documented format, the FNV checksum recomputed) — another tenant's
//! partition, another shard, renamed, repeated, missing, extra, retyped, empty or oversized
//! key attributes, a sort key outside the query's condition, every format version against
//! every read kind, and 5,000 random mutations. Counted: requests sent for a cursor the read
//! could not have produced (checked by a model of each read written here from its key
//! condition, not by the library), panics, and errors other than `InvalidCursor` — all 0.
//! With a cursor key, every mutation of a sealed cursor is refused.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dynamorm::{Cursor, CursorKey, Db, Error, Page};
use dynamorm_entities::sample::assigned_task;
use dynamorm_entities::votes::{Polls, Vote};
use dynamorm_entities::{Task, Tracker, TrackerItem};
use futures::FutureExt;
use rstest::rstest;

use crate::harness::{Backend, OperationCounter, counting_client, seed, unique_name};
use crate::multi_attribute::{Games, Match, a_match};

// ---------------------------------------------------------------------------------------
// The documented cursor format (`Cursor`'s rustdoc), written and read independently.

/// A key as a cursor lists it: (name, type byte, value bytes).
type Key = Vec<(Vec<u8>, u8, Vec<u8>)>;

#[derive(Debug, Clone, PartialEq)]
enum Pos {
    Start,
    After(Key),
    Done,
}

/// Where a merged read's order stands (version 4): nowhere yet, or the shard and sort key
/// of the last item it returned.
#[derive(Debug, Clone, PartialEq)]
enum Mark {
    Nowhere,
    At { shard: u16, sort: Option<Vec<u8>> },
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    One {
        version: u8,
        fp: [u8; 8],
        key: Key,
    },
    /// Version 3 (`mark: None`) or 4.
    Shards {
        fp: [u8; 8],
        positions: Vec<Pos>,
        mark: Option<Mark>,
    },
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The body of an unsigned cursor (its checksum dropped).
fn unseal(cursor: &Cursor) -> Vec<u8> {
    let mut bytes = URL_SAFE_NO_PAD.decode(cursor.as_str()).expect("base64url");
    bytes.truncate(bytes.len() - 8);
    bytes
}

/// An unsigned cursor of `body`, with the checksum a forger recomputes.
fn seal(mut body: Vec<u8>) -> Cursor {
    let checksum = fnv1a(&body);
    body.extend_from_slice(&checksum.to_be_bytes());
    Cursor::from_string(URL_SAFE_NO_PAD.encode(body))
}

fn u16_len(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn write_key(out: &mut Vec<u8>, key: &Key, typed: bool) {
    out.push(key.len() as u8);
    for (name, kind, value) in key {
        u16_len(out, name);
        if typed {
            out.push(*kind);
        }
        u16_len(out, value);
    }
}

fn write(body: &Body) -> Vec<u8> {
    let mut out = Vec::new();
    match body {
        Body::One { version, fp, key } => {
            out.push(*version);
            out.extend_from_slice(fp);
            write_key(&mut out, key, *version != 1);
        }
        Body::Shards {
            fp,
            positions,
            mark,
        } => {
            out.push(if mark.is_some() { 4 } else { 3 });
            out.extend_from_slice(fp);
            out.extend_from_slice(&(positions.len() as u16).to_be_bytes());
            for p in positions {
                match p {
                    Pos::Start => out.push(0),
                    Pos::After(key) => {
                        out.push(1);
                        write_key(&mut out, key, true);
                    }
                    Pos::Done => out.push(2),
                }
            }
            match mark {
                None => {}
                Some(Mark::Nowhere) => out.push(0),
                Some(Mark::At { shard, sort }) => {
                    out.push(1);
                    out.extend_from_slice(&shard.to_be_bytes());
                    match sort {
                        None => out.push(0),
                        Some(sort) => {
                            out.push(1);
                            u16_len(&mut out, sort);
                        }
                    }
                }
            }
        }
    }
    out
}

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn take(&mut self, n: usize) -> Option<Vec<u8>> {
        (self.0.len() >= n).then(|| {
            let (head, tail) = self.0.split_at(n);
            self.0 = tail;
            head.to_vec()
        })
    }
    fn sized(&mut self) -> Option<Vec<u8>> {
        let len = self.take(2)?;
        self.take(usize::from(u16::from_be_bytes([len[0], len[1]])))
    }
    fn mark(&mut self) -> Option<Mark> {
        match self.take(1)?[0] {
            0 => Some(Mark::Nowhere),
            1 => {
                let shard = self.take(2)?;
                let shard = u16::from_be_bytes([shard[0], shard[1]]);
                let sort = match self.take(1)?[0] {
                    0 => None,
                    1 => Some(self.sized()?),
                    _ => return None,
                };
                Some(Mark::At { shard, sort })
            }
            _ => None,
        }
    }
    fn key(&mut self, typed: bool) -> Option<Key> {
        let count = self.take(1)?[0];
        (0..count)
            .map(|_| {
                let name = self.sized()?;
                let kind = if typed { self.take(1)?[0] } else { b'S' };
                Some((name, kind, self.sized()?))
            })
            .collect()
    }
}

/// Parses a body as the format defines it; `None` when it is not one.
fn parse(body: &[u8]) -> Option<Body> {
    let mut r = Bytes(body);
    let version = r.take(1)?[0];
    let fp: [u8; 8] = r.take(8)?.try_into().ok()?;
    let parsed = match version {
        1 | 2 => Body::One {
            version,
            fp,
            key: r.key(version == 2)?,
        },
        3 | 4 => {
            let count = r.take(2)?;
            let count = u16::from_be_bytes([count[0], count[1]]);
            let positions = (0..count)
                .map(|_| match r.take(1)?[0] {
                    0 => Some(Pos::Start),
                    1 => Some(Pos::After(r.key(true)?)),
                    2 => Some(Pos::Done),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            let mark = if version == 4 { Some(r.mark()?) } else { None };
            Body::Shards {
                fp,
                positions,
                mark,
            }
        }
        _ => return None,
    };
    r.0.is_empty().then_some(parsed)
}

// ---------------------------------------------------------------------------------------
// The reads attacked, and a model of the positions each could produce.

/// One attribute's rule in a read's model: its name, its type, its length limit, and what
/// the key condition says of it.
struct Rule {
    name: &'static str,
    kind: u8,
    max: usize,
    value: Condition,
}

enum Condition {
    Any,
    Equals(Vec<u8>),
    StartsWith(&'static str),
    /// A number the server accepts as a key (any here: the library must refuse the rest).
    Number,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Read {
    /// Tasks of tenant `acme`, project `p1`.
    TableQuery,
    /// Tasks assigned to `ann`, through the template index GSI1.
    IndexQuery,
    /// Matches of `spring`/`eu` from round 0, through the multi-attribute index ByRound.
    MultiQuery,
    /// Votes of poll `p`, spread over 10 shards.
    ShardedQuery,
    /// Every task, three segments.
    Scan,
    /// How many tasks tenant `acme` has in `p1` (resumed from a cursor too).
    Count,
}

const READS: [Read; 6] = [
    Read::TableQuery,
    Read::IndexQuery,
    Read::MultiQuery,
    Read::ShardedQuery,
    Read::Scan,
    Read::Count,
];

fn s(name: &'static str, max: usize, value: Condition) -> Rule {
    Rule {
        name,
        kind: b'S',
        max,
        value,
    }
}

/// Every key attribute of a position of `read`, as DynamoDB returns it (`LastEvaluatedKey`
/// of an index read holds the table's keys and the index's).
fn rules(read: Read, shard: usize) -> Vec<Rule> {
    use Condition::*;
    let table = |pk, sk| vec![s("PK", 2048, pk), s("SK", 1024, sk)];
    match read {
        Read::TableQuery | Read::Count => table(
            Equals(b"TENANT#acme".to_vec()),
            StartsWith("PROJECT#p1#TASK#"),
        ),
        Read::IndexQuery => {
            let mut r = table(Any, Any);
            r.push(s("GSI1PK", 2048, Equals(b"USER#ann".to_vec())));
            r.push(s("GSI1SK", 1024, StartsWith("DUE#")));
            r
        }
        Read::MultiQuery => {
            let mut r = table(Any, Any);
            r.push(s("tournament", 2048, Equals(b"spring".to_vec())));
            r.push(s("region", 2048, Equals(b"eu".to_vec())));
            r.push(Rule {
                name: "round",
                kind: b'N',
                max: 1024,
                value: Number,
            });
            r.push(s("bracket", 1024, Any));
            r
        }
        Read::ShardedQuery => table(
            Equals(format!("POLL#p#{shard}").into_bytes()),
            StartsWith("VOTE#"),
        ),
        Read::Scan => table(Any, Any),
    }
}

/// Whether `key` is a position `read` could have produced in `shard`.
fn producible_key(read: Read, shard: usize, key: &Key) -> bool {
    let mut rules = rules(read, shard);
    rules.sort_by_key(|r| r.name);
    key.len() == rules.len()
        && key.iter().zip(&rules).all(|((name, kind, value), rule)| {
            name.as_slice() == rule.name.as_bytes()
                && *kind == rule.kind
                && !value.is_empty()
                && value.len() <= rule.max
                && std::str::from_utf8(value).is_ok_and(|text| match &rule.value {
                    Condition::Any => true,
                    Condition::Equals(v) => value == v,
                    Condition::StartsWith(p) => text.starts_with(p),
                    // Round 0 and above, as the query's `sort_ge(0)` says, within
                    // DynamoDB's range (below 1e126).
                    Condition::Number => {
                        text.parse::<f64>().is_ok_and(|n| (0.0..1e126).contains(&n))
                    }
                })
        })
}

/// Whether a merged read's mark is one `read` could have written: a shard it has, a sort
/// key its key condition allows.
fn producible_mark(read: Read, shards: usize, mark: &Mark) -> bool {
    let Mark::At { shard, sort } = mark else {
        return true;
    };
    let sort_rule = rules(read, usize::from(*shard))
        .into_iter()
        .find(|r| r.name == "SK");
    usize::from(*shard) < shards
        && match (sort_rule, sort) {
            (Some(rule), Some(value)) => {
                !value.is_empty()
                    && value.len() <= rule.max
                    && std::str::from_utf8(value).is_ok_and(|text| match rule.value {
                        Condition::StartsWith(p) => text.starts_with(p),
                        Condition::Any => true,
                        _ => false,
                    })
            }
            _ => false,
        }
}

/// Whether `body` is a cursor `read` could have written (`genuine` is one it did: the same
/// fingerprint, the same kind of body).
fn producible(read: Read, genuine: &Body, body: &Body) -> bool {
    match (genuine, body) {
        // Version 1 (strings only) is what earlier releases wrote.
        (Body::One { fp: want, .. }, Body::One { fp, key, .. }) => {
            fp == want && producible_key(read, 0, key)
        }
        (
            Body::Shards {
                fp: want,
                positions: g,
                mark: merged,
            },
            Body::Shards {
                fp,
                positions,
                mark,
            },
        ) => {
            fp == want
                && positions.len() == g.len()
                && positions.iter().enumerate().all(|(n, p)| match p {
                    Pos::After(key) => producible_key(read, n, key),
                    Pos::Start | Pos::Done => true,
                })
                // A scan has no merged order; a merged read wrote version 3 before.
                && mark.as_ref().is_none_or(|mark| {
                    merged.is_some() && producible_mark(read, positions.len(), mark)
                })
        }
        _ => false,
    }
}

struct Fixture {
    tracker: Db<Tracker>,
    polls: Db<Polls>,
    games: Db<Games>,
    counter: OperationCounter,
    _server: Option<dynamorm_local::LocalServer>,
}

impl Fixture {
    async fn new(backend: Backend) -> Self {
        let (client, server, counter) = counting_client(backend);
        let tracker = Db::<Tracker>::with_table_name(client.clone(), unique_name("forgery"))
            .with_registry::<TrackerItem>();
        let polls = Db::<Polls>::with_table_name(client.clone(), unique_name("forgery-polls"));
        let games = Db::<Games>::with_table_name(client, unique_name("forgery-games"));
        tracker.create_table().await.expect("tracker table");
        polls.create_table().await.expect("polls table");
        games.create_table().await.expect("games table");
        let mut items: Vec<TrackerItem> = Vec::new();
        for (tenant, user) in [("acme", "ann"), ("globex", "bob")] {
            for id in 1..=12 {
                items.push(assigned_task(tenant, "p1", id, user, i64::from(id)).into());
                items.push(assigned_task(tenant, "p2", id, user, i64::from(id)).into());
            }
        }
        seed(&tracker, items).await;
        for poll in ["p", "q"] {
            for n in 0..40 {
                let vote = Vote {
                    poll: poll.into(),
                    voter: format!("voter{n}"),
                    choice: "yes".into(),
                };
                polls.put(&vote).send().await.expect("vote");
            }
        }
        for (region, rounds) in [("eu", 0..12), ("us", 0..12)] {
            for round in rounds {
                let id = format!("{region}{round}");
                let m = a_match(&id, region, round, Some("upper"));
                games.put(&m).send().await.expect("match");
            }
        }
        Self {
            tracker,
            polls,
            games,
            counter,
            _server: server,
        }
    }

    fn requests(&self) -> u64 {
        self.counter.snapshot().values().sum()
    }

    /// A page (or the count) of `read`, resumed from `after`; the keys of what came back.
    async fn resume(&self, read: Read, after: Option<&Cursor>) -> Result<Page<String>, Error> {
        let t = Task::attrs();
        let task_keys = |p: Page<Task>| Page {
            items: p
                .items
                .iter()
                .map(|t| format!("{}/{}/{}", t.tenant_id, t.project_id, t.task_id))
                .collect(),
            cursor: p.cursor,
        };
        match read {
            Read::TableQuery => {
                let q = self
                    .tracker
                    .query(t.tenant_id.is("acme"))
                    .sort_begins_with(t.project_id.is("p1"))
                    .limit(3);
                with_after(q, after, |q, c| q.after(c))
                    .page()
                    .await
                    .map(task_keys)
            }
            Read::Count => {
                let q = self
                    .tracker
                    .query(t.tenant_id.is("acme"))
                    .sort_begins_with(t.project_id.is("p1"));
                let n = with_after(q, after, |q, c| q.after(c)).count().await?;
                Ok(Page {
                    items: vec![format!("acme/p1/count {n}")],
                    cursor: None,
                })
            }
            Read::IndexQuery => {
                let q = self
                    .tracker
                    .query(t.assignee.is("ann"))
                    .index(Tracker::GSI1)
                    .limit(3);
                with_after(q, after, |q, c| q.after(c))
                    .page()
                    .await
                    .map(task_keys)
            }
            Read::Scan => {
                let q = self.tracker.scan::<Task>().segments(3).limit(4);
                with_after(q, after, |q, c| q.after(c))
                    .page()
                    .await
                    .map(task_keys)
            }
            Read::MultiQuery => {
                let q = self
                    .games
                    .query_index(Match::ByRound.partition("spring", "eu").sort_ge(0))
                    .limit(3);
                let page = with_after(q, after, |q, c| q.after(c)).page().await?;
                Ok(Page {
                    items: page
                        .items
                        .iter()
                        .map(|m| format!("{}/{}/{}", m.tournament, m.region, m.round))
                        .collect(),
                    cursor: page.cursor,
                })
            }
            Read::ShardedQuery => {
                let v = Vote::attrs();
                let q = self.polls.query(v.poll.is("p")).limit(5);
                let page = with_after(q, after, |q, c| q.after(c)).page().await?;
                Ok(Page {
                    items: page
                        .items
                        .iter()
                        .map(|v| format!("poll {}", v.poll))
                        .collect(),
                    cursor: page.cursor,
                })
            }
        }
    }

    /// A genuine cursor of `read`, from somewhere in its middle.
    async fn genuine(&self, read: Read) -> Cursor {
        let read = if read == Read::Count {
            Read::TableQuery
        } else {
            read
        };
        let first = self.resume(read, None).await.expect("first page");
        let cursor = first.cursor.expect("more pages");
        self.resume(read, Some(&cursor))
            .await
            .expect("second page")
            .cursor
            .expect("more pages")
    }
}

fn with_after<Q>(q: Q, after: Option<&Cursor>, set: impl FnOnce(Q, &Cursor) -> Q) -> Q {
    match after {
        Some(c) => set(q, c),
        None => q,
    }
}

/// Whether a returned item belongs to `read` (no foreign item ever comes back).
fn own(read: Read, item: &str) -> bool {
    match read {
        Read::TableQuery | Read::Count => item.starts_with("acme/p1/"),
        Read::IndexQuery => item.starts_with("acme/"),
        Read::MultiQuery => item.starts_with("spring/eu/"),
        Read::ShardedQuery => item == "poll p",
        Read::Scan => true,
    }
}

/// What one forged cursor did.
#[derive(Debug, Default)]
struct Tally {
    tried: usize,
    refused: usize,
    /// Producible positions the read accepted (and read from).
    accepted: usize,
    /// Requests sent for a cursor the read could not have produced.
    sent_for_impossible: usize,
    /// Items of another partition or type returned.
    foreign: usize,
    /// Any other outcome: an impossible cursor accepted, another error.
    other_errors: usize,
    /// Well-formed scan positions the server refused (see `attempt`).
    server_refused: usize,
    panics: usize,
}

impl Tally {
    async fn attempt(&mut self, f: &Fixture, read: Read, cursor: &Cursor, possible: bool) {
        self.tried += 1;
        let before = f.requests();
        let outcome = std::panic::AssertUnwindSafe(f.resume(read, Some(cursor)))
            .catch_unwind()
            .await;
        let sent = f.requests() - before;
        let Ok(result) = outcome else {
            self.panics += 1;
            return;
        };
        match result {
            Err(Error::InvalidCursor { .. }) if sent == 0 => self.refused += 1,
            Ok(page) if possible => {
                self.accepted += 1;
                self.foreign += page.items.iter().filter(|i| !own(read, i)).count();
            }
            // DynamoDB alone knows which segment of a parallel scan a key hashes to: a
            // well-formed position in another segment is sent, and the server answers.
            Err(Error::Service(_)) if possible && read == Read::Scan => self.server_refused += 1,
            other => {
                if sent > 0 && !possible {
                    self.sent_for_impossible += 1;
                }
                self.other_errors += 1;
                let body = URL_SAFE_NO_PAD
                    .decode(cursor.as_str())
                    .ok()
                    .and_then(|b| parse(&b[..b.len().saturating_sub(8)]));
                eprintln!("{read:?} (possible: {possible}, {sent} sent): {other:?}\n  {body:?}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The forgeries.

fn attr(name: &str, kind: u8, value: impl Into<Vec<u8>>) -> (Vec<u8>, u8, Vec<u8>) {
    (name.as_bytes().to_vec(), kind, value.into())
}

fn set(key: &mut Key, name: &str, value: impl Into<Vec<u8>>) {
    if let Some(a) = key.iter_mut().find(|a| a.0 == name.as_bytes()) {
        a.2 = value.into();
    }
}

/// Structural forgeries of one position, every one a key the read could not produce.
fn forged_keys(read: Read, key: &Key, other_shard: usize) -> Vec<Key> {
    let mut out = Vec::new();
    let mut with = |f: &dyn Fn(&mut Key)| {
        let mut k = key.clone();
        f(&mut k);
        out.push(k);
    };
    // Another partition: another tenant, assignee, tournament, shard.
    match read {
        Read::TableQuery | Read::Count => {
            with(&|k| set(k, "PK", "TENANT#globex"));
            with(&|k| set(k, "SK", "PROJECT#p2#TASK#0000000001"));
            with(&|k| set(k, "SK", "TENANT"));
        }
        Read::IndexQuery => {
            with(&|k| set(k, "GSI1PK", "USER#bob"));
            with(&|k| set(k, "GSI1SK", "COMMENT#x"));
        }
        Read::MultiQuery => {
            with(&|k| set(k, "tournament", "autumn"));
            with(&|k| set(k, "region", "us"));
            with(&|k| set(k, "round", "-1"));
            with(&|k| set(k, "round", "1e400"));
            with(&|k| set(k, "round", "NaN"));
        }
        Read::ShardedQuery => {
            with(&|k| set(k, "PK", format!("POLL#p#{other_shard}")));
            with(&|k| set(k, "PK", "POLL#q#0"));
            with(&|k| set(k, "SK", "COMMENT#a#1"));
        }
        Read::Scan => {}
    }
    // Attribute names: renamed, missing, extra, repeated, out of order.
    with(&|k| k[0].0 = b"pk".to_vec());
    with(&|k| {
        k.pop();
    });
    with(&|k| k.push(attr("zz", b'S', "x")));
    with(&|k| k.insert(0, attr("GSI9PK", b'S', "x")));
    with(&|k| {
        let first = k[0].clone();
        k.insert(1, first);
    });
    with(&|k| k.reverse());
    // Types, empty and oversized values, too many attributes.
    with(&|k| k[0].1 = b'N');
    with(&|k| k[0].1 = b'B');
    with(&|k| k[0].1 = b'X');
    with(&|k| {
        let last = k.len() - 1;
        k[last].2.clear();
    });
    with(&|k| {
        for a in k.iter_mut() {
            a.2.extend(std::iter::repeat_n(b'a', 2049));
        }
    });
    with(&|k| {
        for n in 0..17 {
            k.push(attr(&format!("z{n:02}"), b'S', vec![b'a'; 60_000]));
        }
    });
    with(&|k| k.iter_mut().for_each(|a| a.2 = vec![0xff, 0xfe]));
    out
}

/// Every structural forgery of `genuine`, as bodies.
fn forged_bodies(read: Read, genuine: &Body) -> Vec<Body> {
    let mut out = Vec::new();
    match genuine {
        Body::One { fp, key, .. } => {
            for k in forged_keys(read, key, 1) {
                out.push(Body::One {
                    version: 2,
                    fp: *fp,
                    key: k,
                });
            }
            // Every version against this read: 1 (strings only), 3 (shards), unknown.
            let strings: Key = key
                .iter()
                .map(|(n, _, v)| (n.clone(), b'S', v.clone()))
                .collect();
            for k in forged_keys(read, &strings, 1) {
                out.push(Body::One {
                    version: 1,
                    fp: *fp,
                    key: k,
                });
            }
            out.push(Body::Shards {
                fp: *fp,
                positions: vec![Pos::After(key.clone())],
                mark: None,
            });
        }
        Body::Shards {
            fp,
            positions,
            mark,
        } => {
            let shards = |positions: Vec<Pos>| Body::Shards {
                fp: *fp,
                positions,
                mark: mark.clone(),
            };
            let after = positions.iter().position(|p| matches!(p, Pos::After(_)));
            if let Some(n) = after {
                let Pos::After(key) = &positions[n] else {
                    unreachable!()
                };
                let other = (n + 1) % positions.len();
                for k in forged_keys(read, key, other) {
                    let mut p = positions.clone();
                    p[n] = Pos::After(k);
                    out.push(shards(p));
                }
                // A genuine position in another shard's slot.
                if read == Read::ShardedQuery {
                    let mut p = positions.clone();
                    p.swap(n, other);
                    if positions[other] != positions[n] {
                        out.push(shards(p));
                    }
                }
                out.push(Body::One {
                    version: 2,
                    fp: *fp,
                    key: key.clone(),
                });
            }
            let mut fewer = positions.clone();
            fewer.pop();
            out.push(shards(fewer));
            let mut more = positions.clone();
            more.push(Pos::Start);
            out.push(shards(more));
            // The merged order's mark: a shard the read lacks, a sort key outside its
            // condition, empty, too long or not UTF-8, none; any mark on a scan's cursor.
            let count = positions.len() as u16;
            let long = [b"VOTE#".to_vec(), vec![b'v'; 1100]].concat();
            for sort in [
                Some(b"COMMENT#a#1".to_vec()),
                Some(Vec::new()),
                Some(long),
                Some(vec![0xff, 0xfe]),
                None,
            ] {
                for shard in [0, count] {
                    out.push(Body::Shards {
                        fp: *fp,
                        positions: positions.clone(),
                        mark: Some(Mark::At {
                            shard,
                            sort: sort.clone(),
                        }),
                    });
                }
            }
        }
    }
    out
}

/// A random mutation of `body`: one to three byte edits (flip, set, insert, delete,
/// truncate, repeat a slice).
fn mutate(body: &[u8], rng: &mut fastrand::Rng) -> Vec<u8> {
    let mut b = body.to_vec();
    for _ in 0..rng.usize(1..=3) {
        if b.is_empty() {
            b.push(rng.u8(..));
            continue;
        }
        let at = rng.usize(..b.len());
        match rng.u8(..6) {
            0 => b[at] ^= 1 << rng.u8(..8),
            1 => b[at] = rng.u8(..),
            2 => b.insert(at, rng.u8(..)),
            3 => {
                b.remove(at);
            }
            4 => b.truncate(at),
            _ => {
                let end = rng.usize(at..=b.len().min(at + 12));
                let slice = b[at..end].to_vec();
                b.splice(at..at, slice);
            }
        }
    }
    b
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn forged_cursors_are_refused_before_anything_is_sent(#[case] backend: Backend) {
    let f = Fixture::new(backend).await;
    let mut tallies: BTreeMap<Read, Tally> = BTreeMap::new();
    let mut rng = fastrand::Rng::with_seed(27);
    for read in READS {
        let genuine = f.genuine(read).await;
        let body = parse(&unseal(&genuine)).expect("a genuine cursor parses as documented");
        // The model accepts the genuine cursor, and the library resumes from it.
        assert!(producible(read, &body, &body), "{read:?}: {body:?}");
        let tally = tallies.entry(read).or_default();
        tally.attempt(&f, read, &genuine, true).await;
        assert_eq!(tally.accepted, 1, "{read:?}: the genuine cursor resumes");

        let mut impossible = 0;
        for forged in forged_bodies(read, &body) {
            // As written: a version-1 body has no type bytes, so a retyped key is the
            // genuine one again.
            let bytes = write(&forged);
            let possible = parse(&bytes).is_some_and(|b| producible(read, &body, &b));
            impossible += usize::from(!possible);
            tally.attempt(&f, read, &seal(bytes), possible).await;
        }
        assert!(
            impossible >= 15,
            "{read:?}: {impossible} impossible forgeries"
        );
        let raw = write(&body);
        for _ in 0..5_000_usize.div_ceil(READS.len()) {
            let mutated = mutate(&raw, &mut rng);
            let possible = parse(&mutated).is_some_and(|m| producible(read, &body, &m));
            tally.attempt(&f, read, &seal(mutated), possible).await;
        }
    }
    let total = |field: fn(&Tally) -> usize| tallies.values().map(field).sum::<usize>();
    println!("{backend:?}: {tallies:#?}");
    assert!(total(|t| t.tried) >= 5_000 + READS.len() * 20);
    assert_eq!(total(|t| t.sent_for_impossible), 0, "{tallies:#?}");
    assert_eq!(total(|t| t.other_errors), 0, "{tallies:#?}");
    assert_eq!(total(|t| t.foreign), 0, "{tallies:#?}");
    assert_eq!(total(|t| t.panics), 0, "{tallies:#?}");
    // Each read refused forgeries, and accepted its own positions.
    for (read, t) in &tallies {
        assert!(t.refused > 20 && t.accepted >= 1, "{read:?}: {t:?}");
    }
}

/// `CursorKey::signing` or `CursorKey::encrypting`.
type KeyMaker = fn(&[u8]) -> Result<CursorKey, Error>;

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn sealed_cursors_refuse_every_mutation(#[case] backend: Backend) {
    let f = Fixture::new(backend).await;
    let secret = [0x5a_u8; 32];
    let mut rng = fastrand::Rng::with_seed(2027);
    let modes: [KeyMaker; 2] = [CursorKey::signing, CursorKey::encrypting];
    for mode in modes {
        let key = mode(&secret).expect("a 32-byte secret");
        let plain = f.tracker.clone();
        let sealed = Fixture {
            tracker: f.tracker.with_cursor_key(key.clone()),
            polls: f.polls.with_cursor_key(key.clone()),
            games: f.games.with_cursor_key(key.clone()),
            counter: f.counter.clone(),
            _server: None,
        };
        let mut tally = Tally::default();
        for read in READS {
            let genuine = sealed.genuine(read).await;
            tally.attempt(&sealed, read, &genuine, true).await;
            let bytes = URL_SAFE_NO_PAD.decode(genuine.as_str()).expect("base64url");
            // Every single-bit flip, then random edits: none is accepted.
            for at in 0..bytes.len() * 8 {
                let mut b = bytes.clone();
                b[at / 8] ^= 1 << (at % 8);
                let c = Cursor::from_string(URL_SAFE_NO_PAD.encode(b));
                tally.attempt(&sealed, read, &c, false).await;
            }
            for _ in 0..200 {
                let b = mutate(&bytes, &mut rng);
                if b != bytes {
                    let c = Cursor::from_string(URL_SAFE_NO_PAD.encode(b));
                    tally.attempt(&sealed, read, &c, false).await;
                }
            }
            // An unsigned cursor of the same read is refused by the sealed read, and the
            // sealed cursor by the unsigned one.
            let unsigned = f.genuine(read).await;
            tally.attempt(&sealed, read, &unsigned, false).await;
            tally.attempt(&f, read, &genuine, false).await;
        }
        println!("{backend:?} {key:?}: {tally:?}");
        assert_eq!(tally.accepted, READS.len(), "{tally:?}");
        assert_eq!(tally.refused + tally.accepted, tally.tried, "{tally:?}");
        assert_eq!(tally.panics, 0);

        // Rotation: a cursor sealed with the old secret resumes under a key that keeps it
        // as previous; one sealed with an unrelated secret does not.
        let genuine = sealed.genuine(Read::TableQuery).await;
        let rotated = mode(&[1u8; 32])
            .and_then(|k| k.with_previous(&secret))
            .expect("key");
        let t = Task::attrs();
        let resumed = plain
            .with_cursor_key(rotated)
            .query(t.tenant_id.is("acme"))
            .sort_begins_with(t.project_id.is("p1"))
            .limit(3)
            .after(&genuine)
            .page()
            .await;
        assert!(resumed.is_ok(), "{resumed:?}");
        let stranger = mode(&[2u8; 32]).expect("key");
        let refused = plain
            .with_cursor_key(stranger)
            .query(t.tenant_id.is("acme"))
            .sort_begins_with(t.project_id.is("p1"))
            .after(&genuine)
            .page()
            .await;
        assert!(matches!(refused, Err(Error::InvalidCursor { .. })));
    }
}
