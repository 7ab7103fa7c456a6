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

mod sharing {
    use serde::{Deserialize, Serialize};

    #[derive(dynamorm::Table)]
    #[dynamo(name = "accounts")]
    pub(crate) struct Accounts;

    /// A user and an organisation share the `ACCOUNT#{name}` key space by design: a name
    /// is taken by one or the other.
    #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = Accounts, pk = "ACCOUNT#{name}", sk = "ACCOUNT")]
    #[dynamo(shares_keys_with(Organization))]
    pub(crate) struct Person {
        name: String,
    }

    #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = Accounts, pk = "ACCOUNT#{name}", sk = "ACCOUNT")]
    pub(crate) struct Organization {
        name: String,
    }

    /// Shares nothing by declaration: still flagged.
    #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
    #[dynamo(table = Accounts, pk = "ACCOUNT#{name}", sk = "ACCOUNT")]
    pub(crate) struct Squatter {
        name: String,
    }

    #[derive(Debug, dynamorm::Registry)]
    #[dynamo(table = Accounts)]
    #[allow(dead_code)] // only its schemas are read
    pub(crate) enum AccountItem {
        Person(Person),
        Organization(Organization),
        Squatter(Squatter),
    }
}

#[test]
fn declared_key_sharing_is_listed_not_warned_about() {
    let report = Report::new::<sharing::AccountItem>();
    assert_eq!(
        report.warnings(),
        [
            "`Person` and `Squatter` keys can collide on the table: their templates match the same keys",
            "`Organization` and `Squatter` keys can collide on the table: their templates match the same keys",
        ]
    );
    // `Display` is the Markdown rendering.
    let text = report.to_string();
    assert_eq!(text, report.render());
    assert!(
        text.contains("Shares key space with (declared): `Organization`."),
        "{text}"
    );
}
