//! The access-pattern report of the sample domain, pinned.

use dynamorm::Report;
use dynamorm_entities::{ProjectBoard, TenantWorkspace, TrackerItem};

#[test]
fn the_sample_domain_report_is_pinned() {
    let report = Report::new::<TrackerItem>()
        .collection::<TenantWorkspace>()
        .collection::<ProjectBoard>()
        .render();
    // To accept a deliberate change: cargo run --example report > tests/fixtures/tracker_report.md
    assert_eq!(report, include_str!("../fixtures/tracker_report.md"));
    assert!(Report::new::<TrackerItem>().warnings().is_empty());
}

mod colliding {
    use serde::{Deserialize, Serialize};

    #[derive(dynamorm::Table)]
    #[dynamo(name = "bad", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
    pub(crate) struct Bad;

    #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = Bad, pk = "{org}#USER", sk = "USER#{id}")]
    #[dynamo(index(GSI1, pk = "ORG#{org}", sk = "{id}"))]
    pub(crate) struct User {
        org: String,
        id: String,
    }

    #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = Bad, pk = "ORG#{org}", sk = "{kind}#{id}")]
    #[dynamo(index(GSI1, pk = "ORG#{org}", sk = "TEAM"))]
    pub(crate) struct Team {
        org: String,
        kind: String,
        id: String,
    }

    #[derive(Debug, dynamorm::Registry)]
    #[dynamo(table = Bad)]
    #[allow(dead_code)] // only its schemas are read
    pub(crate) enum BadItem {
        User(User),
        Team(Team),
    }
}

#[test]
fn collisions_and_unsafe_prefixes_are_flagged() {
    let warnings = Report::new::<colliding::BadItem>().warnings();
    assert_eq!(
        warnings,
        [
            "`User` and `Team` keys can collide on the table: their templates match the same keys",
            "`User` and `Team` keys can collide on index `GSI1`: a query there returns both",
            "`User` partition key `{org}#USER` on the table starts with a field: other entity types cannot be told apart by a fixed prefix",
        ]
    );
}
