//! Design tooling: infrastructure exports pinned in fixtures and checked by AWS's own
//! linter (`cfn-lint`, from PyPI), the NoSQL Workbench model pinned, and the HTML picture
//! rendered in a real headless Chromium (Debian's `chromium`) and checked to show
//! something. `.ci/run` installs both tools.
//!
//! `DYNAMORM_UPDATE_FIXTURES=1 cargo test --test it design` rewrites the fixtures and
//! `docs/guide/src/images/` after a deliberate change.

use crate::projections::{Board, BoardItem};
use std::path::{Path, PathBuf};
use std::process::Command;

use aws_sdk_dynamodb::types::StreamViewType;
use dynamorm::deploy::{
    Billing, Consistency, ContributorInsights, Deployment, MaxThroughput, TableClass,
    WarmThroughput,
};
use dynamorm::design;
use dynamorm_entities::catalog::Catalog;
use dynamorm_entities::{Tracker, TrackerItem, sample};

use crate::multi_attribute::{GameItem, Games};

mod aggregate;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var_os("DYNAMORM_UPDATE_FIXTURES").is_some()
}

/// A Workbench model's dates (the time of the export) as `<date>`, so fixtures compare.
fn undated(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.contains("\"DateCreated\"") || line.contains("\"DateLastModified\"") {
                let key = line.split(':').next().unwrap_or_default();
                format!("{key}: \"<date>\",\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}

/// Compares `text` with fixture `name` (or rewrites it when updating).
fn pinned(name: &str, text: &str) {
    let text = &undated(text);
    let path = root().join("tests/fixtures/design").join(name);
    if updating() {
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("fixture directory");
        std::fs::write(&path, text).expect("fixture written");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `DYNAMORM_UPDATE_FIXTURES=1 cargo test --test it design`",
            path.display()
        )
    });
    assert!(
        expected == *text,
        "{name} changed; if deliberately, rerun with DYNAMORM_UPDATE_FIXTURES=1.\n--- expected\n{expected}\n--- got\n{text}"
    );
}

fn tracker_samples() -> Vec<TrackerItem> {
    vec![
        sample::tenant("acme").into(),
        sample::user("acme", "ann").into(),
        sample::project("acme", "p1", "ann").into(),
        sample::assigned_task("acme", "p1", 7, "ann", 3).into(),
        sample::comment("acme", "p1", 7, "c1", "ann", 5).into(),
    ]
}

fn production() -> Deployment {
    Deployment::production().stream(StreamViewType::NewAndOldImages)
}

/// Every table setting a deployment holds, on one table.
pub(crate) fn every_setting() -> Deployment {
    Deployment::production()
        .stream(StreamViewType::NewAndOldImages)
        .max_throughput(MaxThroughput {
            read: Some(4_000),
            write: None,
        })
        .warm_throughput(WarmThroughput {
            reads_per_second: 15_000,
            writes_per_second: 6_000,
        })
        .index_max_throughput(
            Tracker::GSI1,
            MaxThroughput {
                read: Some(800),
                write: Some(200),
            },
        )
        .index_warm_throughput(
            Tracker::GSI2,
            WarmThroughput {
                reads_per_second: 13_000,
                writes_per_second: 4_500,
            },
        )
        .recovery_period_days(14)
        .table_class(TableClass::StandardInfrequentAccess)
        .resource_policy(POLICY)
        .tag("team", "tracker")
        .tag("cost-centre", "42")
        .contributor_insights(ContributorInsights::ThrottledKeys)
}

/// A resource policy denying table deletion to everyone.
pub(crate) const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"KeepTable","Effect":"Deny","Principal":"*","Action":"dynamodb:DeleteTable","Resource":"*"}]}"#;

/// [`every_setting`] as a global table with two eventually consistent replicas.
fn global() -> Deployment {
    every_setting().replica("us-west-2").replica("eu-west-1")
}

/// A multi-Region strongly consistent table: one replica and a witness.
fn strongly_consistent() -> Deployment {
    Deployment::production()
        .replica("us-east-2")
        .consistency(Consistency::Strong {
            witness: Some("us-west-2".into()),
        })
}

fn provisioned() -> Deployment {
    Deployment::production()
        .table_name("tracker-dev")
        .billing(Billing::Provisioned { read: 5, write: 5 })
        .point_in_time_recovery(false)
        .deletion_protection(false)
}

#[test]
fn exports_are_pinned() {
    pinned(
        "tracker.cloudformation.json",
        &design::cloudformation_json::<Tracker>(&production()).expect("exports"),
    );
    pinned(
        "tracker.cloudformation.yaml",
        &design::cloudformation_yaml::<Tracker>(&production()).expect("exports"),
    );
    pinned(
        "tracker-dev.cloudformation.yaml",
        &design::cloudformation_yaml::<Tracker>(&provisioned()).expect("exports"),
    );
    pinned(
        "tracker.tf.json",
        &design::terraform_json::<Tracker>(&production()).expect("exports"),
    );
    // Every table setting, as a table and as a global table.
    pinned(
        "tracker-every-setting.cloudformation.yaml",
        &design::cloudformation_yaml::<Tracker>(&every_setting()).expect("exports"),
    );
    pinned(
        "tracker-global.cloudformation.yaml",
        &design::cloudformation_yaml::<Tracker>(&global()).expect("exports"),
    );
    pinned(
        "tracker-every-setting.tf.json",
        &design::terraform_json::<Tracker>(&global()).expect("exports"),
    );
    pinned(
        "games.cloudformation.json",
        &design::cloudformation_json::<Games>(&Deployment::production()).expect("exports"),
    );
    pinned(
        "games.tf.json",
        &design::terraform_json::<Games>(&provisioned()).expect("exports"),
    );
    pinned(
        "tracker.workbench.json",
        &design::workbench_json::<TrackerItem>("Tracker", &tracker_samples(), &provisioned()),
    );
    pinned(
        "games.workbench.json",
        &design::workbench_json::<GameItem>("Games", &[], &Deployment::production()),
    );
    // Every projection kind, on template and multi-attribute indexes.
    pinned(
        "board.cloudformation.json",
        &design::cloudformation_json::<Board>(&Deployment::production()).expect("exports"),
    );
    pinned(
        "board.tf.json",
        &design::terraform_json::<Board>(&provisioned()).expect("exports"),
    );
    pinned(
        "board.workbench.json",
        &design::workbench_json::<BoardItem>("Board", &[], &Deployment::production()),
    );
}

#[test]
fn workbench_facets_carry_every_entity_type_and_rendered_samples() {
    let model = design::workbench::<TrackerItem>("Tracker", &tracker_samples(), &production());
    let table = &model["DataModel"][0];
    let facets = table["TableFacets"].as_array().expect("facets");
    let names: Vec<&str> = facets
        .iter()
        .map(|f| f["FacetName"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["Tenant", "User", "Project", "Task", "Comment", "Session"]
    );
    let task = &facets[3]["KeyAttributeAlias"];
    assert_eq!(task["PartitionKeyAlias"], "TENANT#{tenant_id}");
    assert_eq!(task["SortKeyAlias"], "PROJECT#{project_id}#TASK#{task_id}");
    // The samples' keys are rendered from the templates, as a put would store them, and
    // each sample is in its own type's facet (none at the table level, as in AWS's models).
    assert!(
        table.get("TableData").is_none(),
        "no table-level data beside facets"
    );
    let data: Vec<&serde_json::Value> = facets
        .iter()
        .flat_map(|f| f["TableData"].as_array().expect("facet data"))
        .collect();
    assert_eq!(data.len(), 5);
    for facet in facets {
        for item in facet["TableData"].as_array().expect("facet data") {
            assert_eq!(item["_type"]["S"], facet["FacetName"], "{item}");
        }
    }
    assert!(
        data.iter()
            .any(|i| i["SK"]["S"] == "PROJECT#p1#TASK#0000000007"),
        "{data:?}"
    );
    let created = model["ModelMetadata"]["DateCreated"]
        .as_str()
        .expect("a date");
    assert!(
        created.ends_with(" AM") || created.ends_with(" PM"),
        "a date as Workbench writes it: {created}"
    );
    let text = serde_json::to_string(&model).expect("json");
    assert!(
        !text.contains("\"NULL\""),
        "no NULL values: AWS's converter drops them"
    );
    // Every attribute a facet names is defined on the table.
    let defined: Vec<&str> = table["NonKeyAttributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|a| a["AttributeName"].as_str().expect("name"))
        .collect();
    for facet in facets {
        for attribute in facet["NonKeyAttributes"].as_array().expect("names") {
            let attribute = attribute.as_str().expect("a name");
            assert!(defined.contains(&attribute), "{attribute} is not defined");
        }
    }
}

/// The path of a tool `.ci/run` installs, or a failure saying how to get it.
fn tool(name: &str, install: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| panic!("`{name}` is not installed: {install} (`.ci/run` does)"))
}

#[test]
fn cloudformation_exports_pass_cfn_lint() {
    let cfn_lint = tool("cfn-lint", "pip install cfn-lint");
    let dir = std::env::temp_dir().join(format!("dynamorm-cfn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let files = [
        (
            "tracker.json",
            design::cloudformation_json::<Tracker>(&production()).expect("exports"),
        ),
        (
            "tracker.yaml",
            design::cloudformation_yaml::<Tracker>(&production()).expect("exports"),
        ),
        (
            "tracker-dev.yaml",
            design::cloudformation_yaml::<Tracker>(&provisioned()).expect("exports"),
        ),
        (
            "games.yaml",
            design::cloudformation_yaml::<Games>(&provisioned()).expect("exports"),
        ),
        (
            "deals.json",
            design::cloudformation_json::<dynamorm_entities::deals::Deals>(&production())
                .expect("exports"),
        ),
        (
            "board.yaml",
            design::cloudformation_yaml::<Board>(&provisioned()).expect("exports"),
        ),
        (
            "catalog.yaml",
            design::cloudformation_yaml::<Catalog>(&production()).expect("exports"),
        ),
        (
            "tracker-every-setting.yaml",
            design::cloudformation_yaml::<Tracker>(&every_setting()).expect("exports"),
        ),
        (
            "tracker-global.yaml",
            design::cloudformation_yaml::<Tracker>(&global()).expect("exports"),
        ),
        (
            "tracker-strong.json",
            design::cloudformation_json::<Tracker>(&strongly_consistent()).expect("exports"),
        ),
    ];
    for (name, text) in &files {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("template written");
        let out = Command::new(&cfn_lint)
            .arg("--")
            .arg(&path)
            .output()
            .expect("cfn-lint runs");
        assert!(
            out.status.success(),
            "cfn-lint rejected {name}:\n{}{}\n{text}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Renders `html` in headless Chromium and returns the screenshot's PNG bytes.
fn screenshot(html: &str, dir: &Path) -> Vec<u8> {
    let chromium = tool("chromium", "apt-get install chromium");
    let page = dir.join("design.html");
    std::fs::write(&page, html).expect("page written");
    let png = dir.join("design.png");
    // The flags keep Chromium off the network (this machine's is closed) and out of any
    // profile but a fresh one.
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,1200",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success() && png.is_file(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(&png).expect("screenshot read")
}

/// Fails unless a screenshot shows a page: text, tables and the header colours make many
/// colours and a real share of inked pixels.
fn assert_not_blank(bytes: &[u8]) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("a size")];
    let frame = reader.next_frame(&mut buffer).expect("a frame");
    let pixels = &buffer[..frame.buffer_size()];
    let channels = frame.color_type.samples();
    let colors: std::collections::HashSet<&[u8]> = pixels.chunks(channels).collect();
    let background = &pixels[..channels];
    let inked = pixels.chunks(channels).filter(|p| *p != background).count();
    let share = inked as f64 / (pixels.len() / channels) as f64;
    assert!(
        colors.len() > 50 && share > 0.05,
        "the page looks blank: {} colours, {:.1} % inked",
        colors.len(),
        share * 100.0
    );
}

#[test]
fn the_design_page_renders_in_headless_chromium() {
    let report =
        dynamorm::Report::new::<TrackerItem>().collection::<dynamorm_entities::ProjectBoard>();
    let html = report.html();
    // The page holds every template, collection and warning the report knows.
    for e in <TrackerItem as dynamorm::Registry>::ENTITIES {
        assert!(html.contains(&format!("<th class=\"entity\">{}</th>", e.name)));
    }
    assert!(html.contains("TENANT#{tenant_id}") && html.contains("ProjectBoard"));
    pictured(&html, "design.png");
}

/// Screenshots `html` in Chromium, checks the picture is not blank, and keeps it as
/// `docs/<picture>` when updating.
fn pictured(html: &str, picture: &str) {
    let dir = std::env::temp_dir().join(format!("dynamorm-{picture}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bytes = screenshot(html, &dir);
    assert_not_blank(&bytes);
    if updating() {
        // In the guide (mdBook copies only its `src/`), linked from the README too.
        let images = root().join("docs/guide/src/images");
        std::fs::write(images.join(picture), &bytes).expect("screenshot kept");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A vector index in the exports: CloudFormation's `VectorIndexes` with its search schema
/// declared as attributes; Terraform, whose provider has none yet, says so; a provisioned
/// table with a vector index is refused by both.
#[test]
fn vector_indexes_are_exported_or_said_to_be_missing() {
    let template = design::cloudformation::<Catalog>(&production()).expect("on-demand exports");
    let table = &template["Resources"]["CatalogTable"]["Properties"];
    let index = &table["VectorIndexes"][0];
    assert_eq!(index["IndexName"], "ByEmbedding");
    assert_eq!(index["VectorAttribute"]["AttributeName"], "embedding");
    assert_eq!(index["Dimensions"], 32);
    assert_eq!(index["DistanceFunction"], "COSINE");
    assert_eq!(index["Projection"]["ProjectionType"], "ALL");
    let search: Vec<(&str, &str)> = index["SearchSchema"]
        .as_array()
        .expect("search schema")
        .iter()
        .map(|e| {
            let name = e["AttributeName"].as_str().expect("name");
            (name, e["SearchSchemaElementType"].as_str().expect("type"))
        })
        .collect();
    assert_eq!(
        search,
        vec![
            ("tenant", "HASH"),
            ("_type", "INLINE_FILTER"),
            ("category", "INLINE_FILTER")
        ]
    );
    let defined: Vec<&str> = table["AttributeDefinitions"]
        .as_array()
        .expect("definitions")
        .iter()
        .map(|d| d["AttributeName"].as_str().expect("name"))
        .collect();
    assert_eq!(
        defined,
        vec!["PK", "SK", "tenant", "_type", "category"],
        "the vector is not"
    );

    let terraform = design::terraform::<Catalog>(&production()).expect("on-demand exports");
    let comment = terraform["//"]
        .as_str()
        .expect("a comment says what is missing");
    assert!(comment.contains("ByEmbedding"), "{comment}");
    let attributes = &terraform["resource"]["aws_dynamodb_table"]["catalog"]["attribute"];
    assert_eq!(
        attributes.as_array().map(Vec::len),
        Some(2),
        "only keyed attributes: {attributes}"
    );

    for refused in [
        design::cloudformation::<Catalog>(&provisioned()).err(),
        design::terraform::<Catalog>(&provisioned()).err(),
    ] {
        let kind = refused.as_ref().and_then(crate::harness::invalid_kind);
        assert_eq!(
            kind,
            Some(dynamorm::InvalidInputKind::Configuration),
            "{refused:?}"
        );
    }
}

/// The vector index's attributes are declared in a Workbench model with their types.
#[test]
fn workbench_declares_vector_index_attributes() {
    let model = design::workbench::<dynamorm_entities::catalog::CatalogItem>(
        "Catalog",
        &[],
        &Deployment::production(),
    );
    let declared: Vec<(String, String)> = model["DataModel"][0]["NonKeyAttributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|a| {
            (
                a["AttributeName"].to_string(),
                a["AttributeType"].to_string(),
            )
        })
        .collect();
    for (name, scalar) in [("embedding", "L"), ("tenant", "S"), ("category", "S")] {
        assert!(
            declared.contains(&(format!("\"{name}\""), format!("\"{scalar}\""))),
            "{name}: {declared:?}"
        );
    }
}
