//! A third sample domain: **a live poll**, whose partitions are hot — thousands of votes a
//! second land on one poll. Each poll's partition is spread over 10 physical partitions
//! (write sharding, as in AWS's "Using write sharding to distribute workloads evenly"): the
//! shard is a stable hash of the voter (`{voter:shard(10)}`), so a vote is still found by
//! its key, and a query of the poll reads all 10 shards and merges them into one stream in
//! sort-key order, with exact limits and one cursor.
//!
//! | access pattern | where | how |
//! |---|---|---|
//! | a voter's vote in a poll | table | `db.get(VoteKey { poll, voter })` |
//! | every vote of a poll, by voter | table, 10 shards merged | `db.query(Vote::attrs().poll.is(..))` |
//! | a poll's votes and comments together | table, 10 shards merged | `.collection::<PollActivity>()` |
//! | the votes for one choice, across polls | `ByChoice`, 4 shards merged | `.index(Polls::ByChoice)` |

use dynamorm::{Collection, Entity, Registry, Table};
use serde::{Deserialize, Serialize};

/// The polls table, with an index of votes by choice.
#[derive(Debug, Table)]
#[dynamo(name = "polls", index(ByChoice, pk = "GSI1PK", sk = "GSI1SK"))]
pub struct Polls;

/// One voter's vote in one poll; at most one per voter (the key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Polls, pk = "POLL#{poll}#{voter:shard(10)}", sk = "VOTE#{voter}")]
#[dynamo(index(
    ByChoice,
    pk = "CHOICE#{choice}#{voter:shard(4)}",
    sk = "{poll}#{voter}"
))]
pub struct Vote {
    /// The poll.
    pub poll: String,
    /// Who voted.
    pub voter: String,
    /// What they chose.
    pub choice: String,
}

/// A comment on a poll, in the same sharded partition as its votes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Polls, pk = "POLL#{poll}#{author:shard(10)}", sk = "COMMENT#{author}#{id}")]
pub struct Comment {
    /// The poll.
    pub poll: String,
    /// Who wrote it.
    pub author: String,
    /// The author's n-th comment on the poll.
    pub id: u32,
    /// What it says.
    pub text: String,
}

/// A poll's votes and comments, from one (merged) query of its partition.
#[derive(Debug, Clone, Default, PartialEq, Collection)]
#[dynamo(table = Polls)]
pub struct PollActivity {
    /// Its comments, in sort-key order (author, then id).
    pub comments: Vec<Comment>,
    /// Its votes, in sort-key order (voter).
    pub votes: Vec<Vote>,
}

/// Every entity type of the polls table.
#[derive(Debug, Clone, PartialEq, Registry)]
#[dynamo(table = Polls)]
pub enum PollsItem {
    /// A vote.
    Vote(Vote),
    /// A comment.
    Comment(Comment),
}
