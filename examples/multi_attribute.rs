//! One access pattern — a tournament region's matches, by round and bracket — served by a
//! template index and by a multi-attribute index side by side, then the move of a live
//! table from the one to the other:
//!
//! 1. **before**: `GSI1` keys are strings rendered from templates
//!    (`T#spring#R#eu` / `ROUND#0000000009#B#upper`);
//! 2. **add**: the multi-attribute index `ByRound` over the fields the items already have
//!    (`tournament`, `region` / `round`, `bracket`) — `ensure_table` adds it, nothing is
//!    backfilled;
//! 3. **verify**: for sampled partitions, both indexes return the same matches in the same
//!    order, for whole partitions and for a range;
//! 4. **switch** the reads to `ByRound`;
//! 5. **retire** `GSI1`: a migration removes its now-unused key attributes from every item,
//!    then the index is deleted.
//!
//! Runs on the embedded engine: `cargo run --example multi_attribute`. (DynamoDB Local 3.3.0
//! leaves an index added to an existing table `CREATING`; see docs/multi_attribute.md.)

use dynamorm::{Db, Entity, Registry, Table};
use serde::{Deserialize, Serialize};

/// Before: the template index only.
#[derive(Debug, Table)]
#[dynamo(name = "games", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
struct Before;

/// During the move: both indexes.
#[derive(Debug, Table)]
#[dynamo(name = "games", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
#[dynamo(index(ByRound, pk = [tournament: S, region: S], sk = [round: N, bracket: S]))]
struct During;

/// After: the multi-attribute index only.
#[derive(Debug, Table)]
#[dynamo(name = "games")]
#[dynamo(index(ByRound, pk = [tournament: S, region: S], sk = [round: N, bracket: S]))]
struct After;

/// The match as the old design declared it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Before, name = "Match", pk = "MATCH#{id}", sk = "MATCH")]
#[dynamo(index(
    GSI1,
    pk = "T#{tournament}#R#{region}",
    sk = "ROUND#{round}#B#{bracket}"
))]
struct MatchBefore {
    id: String,
    tournament: String,
    region: String,
    round: u32,
    bracket: String,
}

/// The same match, in both indexes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = During, name = "Match", pk = "MATCH#{id}", sk = "MATCH")]
#[dynamo(index(
    GSI1,
    pk = "T#{tournament}#R#{region}",
    sk = "ROUND#{round}#B#{bracket}"
))]
#[dynamo(index(ByRound, pk = [tournament, region], sk = [round, bracket]))]
struct MatchDuring {
    id: String,
    tournament: String,
    region: String,
    round: u32,
    bracket: String,
}

/// The match as the new design declares it: nothing rendered, nothing concatenated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = After, name = "Match", pk = "MATCH#{id}", sk = "MATCH")]
#[dynamo(index(ByRound, pk = [tournament, region], sk = [round, bracket]))]
struct Match {
    id: String,
    tournament: String,
    region: String,
    round: u32,
    bracket: String,
}

/// The new design's entity types, for the retiring migration.
#[derive(Debug, Clone, PartialEq, Registry)]
#[dynamo(table = After)]
enum AfterItem {
    Match(Match),
}

const REGIONS: [&str; 4] = ["eu", "us", "apac", "latam"];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = dynamorm_local::LocalServer::start()?;
    let name = "games-multi-attribute";

    // 1. Before: 400 matches keyed for GSI1.
    let before = Db::<Before>::with_table_name(server.client(), name);
    before.ensure_table().await?;
    let mut batch = before.batch_write();
    for i in 0..400u32 {
        batch = batch.put(&MatchBefore {
            id: format!("m{i:03}"),
            tournament: if i % 2 == 0 { "spring" } else { "autumn" }.into(),
            region: REGIONS[(i / 2 % 4) as usize].into(),
            round: i % 13,
            bracket: if i % 3 == 0 { "upper" } else { "lower" }.into(),
        });
    }
    batch.send().await?.into_result()?;
    let sample_item = raw_item(&before, "m007").await?;
    println!(
        "1. before: 400 matches; one stores GSI1PK = {:?}, GSI1SK = {:?} ({} bytes)",
        sample_item["GSI1PK"].as_s().ok(),
        sample_item["GSI1SK"].as_s().ok(),
        dynamorm::item_size(&sample_item)
    );

    // 2. Add ByRound: the items already have its attributes, so nothing is backfilled.
    let during = Db::<During>::with_table_name(server.client(), name);
    during.ensure_table().await?;
    println!("2. added `ByRound` with ensure_table (no migration)");

    // 3. Verify: the same matches, in the same order, from both indexes.
    let mut compared = 0;
    for tournament in ["spring", "autumn"] {
        for region in REGIONS {
            let a = MatchDuring::attrs();
            let old: Vec<String> = during
                .query((a.tournament.is(tournament), a.region.is(region)))
                .index(During::GSI1)
                .all()
                .await?
                .into_iter()
                .map(|m| m.id)
                .collect();
            let new: Vec<String> = during
                .query_index(MatchDuring::ByRound.partition(tournament, region))
                .all()
                .await?
                .into_iter()
                .map(|m| m.id)
                .collect();
            check(old == new, "whole partition", tournament, region)?;
            let old_range: Vec<String> = during
                .query((a.tournament.is(tournament), a.region.is(region)))
                .index(During::GSI1)
                .sort_ge(a.round.is(9))
                .all()
                .await?
                .into_iter()
                .map(|m| m.id)
                .collect();
            let new_range: Vec<String> = during
                .query_index(
                    MatchDuring::ByRound
                        .partition(tournament, region)
                        .sort_ge(9),
                )
                .all()
                .await?
                .into_iter()
                .map(|m| m.id)
                .collect();
            check(old_range == new_range, "rounds from 9", tournament, region)?;
            compared += old.len() + old_range.len();
        }
    }
    println!("3. verified: both indexes return the same {compared} results for 8 partitions");

    // 4. Switch the reads: the application now uses the new declaration.
    let after = Db::<After>::with_table_name(server.client(), name);
    let late: Vec<Match> = after
        .query_index(Match::ByRound.partition("spring", "eu").sort_ge(10))
        .all()
        .await?;
    println!(
        "4. reads switched: spring/eu from round 10: {:?}",
        late.iter()
            .map(|m| (m.round, m.bracket.as_str()))
            .collect::<Vec<_>>()
    );

    // 5. Retire GSI1: remove its key attributes from every item, then delete the index.
    let report = after
        .migrate::<AfterItem>()
        .retire_index(Before::GSI1)
        .segments(2)
        .run()
        .await?;
    if !report.complete || !report.failures.is_empty() {
        return Err(format!("migration incomplete: {report:?}").into());
    }
    after.delete_index(Before::GSI1).await?;
    let sample_after = raw_item(&after, "m007").await?;
    if sample_after.contains_key("GSI1PK") || sample_after.contains_key("GSI1SK") {
        return Err("GSI1 attributes are still stored".into());
    }
    println!(
        "5. retired GSI1: {} items rewritten, index deleted; the match is now {} bytes (was {})",
        report.progress.updated,
        dynamorm::item_size(&sample_after),
        dynamorm::item_size(&sample_item)
    );
    Ok(())
}

fn check(
    same: bool,
    what: &str,
    tournament: &str,
    region: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    if same {
        Ok(())
    } else {
        Err(format!("{what} of {tournament}/{region}: the indexes differ").into())
    }
}

/// The stored item, as DynamoDB has it.
async fn raw_item<T: Table>(
    db: &Db<T>,
    id: &str,
) -> Result<dynamorm::Item, Box<dyn std::error::Error>> {
    use aws_sdk_dynamodb::types::AttributeValue;
    db.client()
        .get_item()
        .table_name(db.table_name())
        .key("PK", AttributeValue::S(format!("MATCH#{id}")))
        .key("SK", AttributeValue::S("MATCH".into()))
        .send()
        .await?
        .item
        .ok_or_else(|| format!("{id} is missing").into())
}
