//! One access pattern, two index kinds: the same entity written for a template index
//! (two rendered string keys) and for a multi-attribute index (its own fields, checked).

use std::hint::black_box;

use dynamorm::{Entity, Item, Table};
use serde::{Deserialize, Serialize};

#[derive(Debug, Table)]
#[dynamo(name = "bench-template", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
pub(crate) struct WithTemplate;

#[derive(Debug, Table)]
#[dynamo(name = "bench-multi")]
#[dynamo(index(ByRound, pk = [tournament: S, region: S], sk = [round: N, bracket: S]))]
pub(crate) struct WithMulti;

/// A match keyed for the template index.
#[derive(Debug, Clone, Serialize, Deserialize, Entity)]
#[dynamo(table = WithTemplate, name = "Match", pk = "MATCH#{id}", sk = "MATCH")]
#[dynamo(index(
    GSI1,
    pk = "T#{tournament}#R#{region}",
    sk = "ROUND#{round}#B#{bracket}"
))]
pub(crate) struct TemplateMatch {
    id: String,
    tournament: String,
    region: String,
    round: u32,
    bracket: String,
    home: String,
    away: String,
    score: (u8, u8),
}

/// The same match feeding the multi-attribute index.
#[derive(Debug, Clone, Serialize, Deserialize, Entity)]
#[dynamo(table = WithMulti, name = "Match", pk = "MATCH#{id}", sk = "MATCH")]
#[dynamo(index(ByRound, pk = [tournament, region], sk = [round, bracket]))]
pub(crate) struct MultiMatch {
    id: String,
    tournament: String,
    region: String,
    round: u32,
    bracket: String,
    home: String,
    away: String,
    score: (u8, u8),
}

/// The inputs, built once.
pub(crate) struct Indexes {
    template: TemplateMatch,
    multi: MultiMatch,
}

impl Indexes {
    pub(crate) fn new() -> Self {
        let template = TemplateMatch {
            id: "m-2026-spring-eu-0042".into(),
            tournament: "spring-open-2026".into(),
            region: "europe-west".into(),
            round: 7,
            bracket: "upper".into(),
            home: "Northern Lights".into(),
            away: "Harbour City".into(),
            score: (3, 2),
        };
        let multi = MultiMatch {
            id: template.id.clone(),
            tournament: template.tournament.clone(),
            region: template.region.clone(),
            round: template.round,
            bracket: template.bracket.clone(),
            home: template.home.clone(),
            away: template.away.clone(),
            score: template.score,
        };
        Self { template, multi }
    }

    pub(crate) fn encode_template(&self) -> Item {
        dynamorm::to_item(black_box(&self.template)).expect("encodes")
    }

    pub(crate) fn encode_multi(&self) -> Item {
        dynamorm::to_item(black_box(&self.multi)).expect("encodes")
    }

    /// The stored sizes (DynamoDB's item-size rule), template then multi-attribute.
    pub(crate) fn bytes(&self) -> (usize, usize) {
        (
            dynamorm::item_size(&self.encode_template()),
            dynamorm::item_size(&self.encode_multi()),
        )
    }
}
