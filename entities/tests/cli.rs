//! The tracker's command-line tool (`tracker-admin`, three lines over `dynamorm::cli`), run
//! as a user runs it — a separate process, arguments, exit codes, stdout and stderr —
//! against the embedded engine and DynamoDB Local: report and exports, ensure-table, get,
//! query, a dry-run migration, and the doctor on a clean table and on one seeded with each
//! kind of problem (found, counted, named; exit code 1).

use std::process::{Command, Output};

use dynamorm::Db;
use dynamorm::design;
use dynamorm_entities::Tracker;
use dynamorm_entities::checkup::{seed_clean, seed_problems};
use dynamorm_entities::deployment;
use dynamorm_local::LocalServer;
use rstest::rstest;

#[derive(Debug, Clone, Copy)]
enum Backend {
    Embedded,
    DdbLocal,
}

/// The endpoint of `backend` (and the embedded server, kept alive by the caller).
fn endpoint(backend: Backend) -> (String, Option<LocalServer>) {
    match backend {
        Backend::Embedded => {
            let server = LocalServer::start().expect("embedded server starts");
            (server.endpoint(), Some(server))
        }
        Backend::DdbLocal => (
            std::env::var("DYNAMORM_DDB_LOCAL_ENDPOINT")
                .expect("DYNAMORM_DDB_LOCAL_ENDPOINT: run `bash scripts/test.sh`"),
            None,
        ),
    }
}

/// Runs `tracker-admin` with `args`, with dummy credentials and nothing else from the
/// environment's AWS configuration.
fn admin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracker-admin"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("tracker-admin runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn report_and_exports_need_no_table() {
    let report = admin(&["report"]);
    assert!(report.status.success(), "{}", stderr(&report));
    assert!(stdout(&report).contains("# Table `tracker`"));
    let cfn = admin(&["export", "cloudformation"]);
    assert_eq!(
        stdout(&cfn),
        design::cloudformation_json::<Tracker>(&deployment()).expect("exports")
    );
    let yaml = admin(&[
        "export",
        "cloudformation",
        "--yaml",
        "--table",
        "tracker-prod",
    ]);
    assert_eq!(
        stdout(&yaml),
        design::cloudformation_yaml::<Tracker>(&deployment().table_name("tracker-prod"))
            .expect("exports")
    );
    // The deployment comes from the tool's code, not from flags: one definition.
    let tf = admin(&["export", "terraform"]);
    assert_eq!(
        stdout(&tf),
        design::terraform_json::<Tracker>(&deployment()).expect("exports")
    );
    let html = admin(&["export", "html"]);
    assert!(stdout(&html).starts_with("<!DOCTYPE html>"));
    let workbench = admin(&["export", "workbench", "--name", "Tracker"]);
    let model: serde_json::Value = serde_json::from_slice(&workbench.stdout).expect("json");
    assert_eq!(model["ModelName"], "Tracker");
    // Samples from a file of DynamoDB JSON items: an export's `{"Item": ..}` lines, or an
    // array; each lands in its type's facet, keys as stored.
    let dir = std::env::temp_dir().join(format!("dynamorm-cli-samples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let items: Vec<serde_json::Value> = [
        dynamorm::to_item(&dynamorm_entities::sample::tenant("acme")),
        dynamorm::to_item(&dynamorm_entities::sample::user("acme", "ann")),
    ]
    .into_iter()
    .map(|item| {
        let item: dynamorm::__private::serde_dynamo::Item = item.expect("encodes").into();
        serde_json::to_value(item).expect("json")
    })
    .collect();
    let lines: String = items
        .iter()
        .map(|i| format!("{}\n", serde_json::json!({ "Item": i })))
        .collect();
    for (name, text) in [
        ("lines.json", lines),
        ("array.json", serde_json::to_string(&items).expect("json")),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("written");
        let path = path.to_str().expect("a path");
        let out = admin(&["export", "workbench", "--samples", path]);
        assert!(out.status.success(), "{}", stderr(&out));
        let model: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let facets = model["DataModel"][0]["TableFacets"]
            .as_array()
            .expect("facets");
        let data = |facet: usize| facets[facet]["TableData"].as_array().map(Vec::len);
        assert_eq!(
            (data(0), data(1)),
            (Some(1), Some(1)),
            "{name}: tenant and user"
        );
        assert_eq!(facets[0]["TableData"][0]["PK"]["S"], "TENANT#acme");
        // The same samples make the design page's aggregate view.
        let page = admin(&["export", "html", "--samples", path]);
        assert!(page.status.success(), "{}", stderr(&page));
        let page = stdout(&page);
        assert!(
            page.contains("<h3>Table: 2 items in 1 partition</h3>"),
            "{name}: the aggregate view"
        );
    }
    std::fs::write(dir.join("bad.json"), "{ not json").expect("written");
    let bad_path = dir.join("bad.json");
    let bad = admin(&[
        "export",
        "workbench",
        "--samples",
        bad_path.to_str().expect("a path"),
    ]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    // A mistake on the command line: exit code 2 and clap's message.
    let wrong = admin(&["export", "nope"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("unrecognized subcommand"),
        "{}",
        stderr(&wrong)
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tool_runs_against_a_live_table(#[case] backend: Backend) {
    let (endpoint, _server) = endpoint(backend);
    let table = format!(
        "cli-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    let live = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--endpoint", &endpoint, "--table", &table]);
        admin(&all)
    };
    let ensured = live(&["ensure-table"]);
    assert!(ensured.status.success(), "{}", stderr(&ensured));
    let client = aws_sdk_dynamodb::Client::from_conf(dynamorm_local::loopback_config(&endpoint));
    let db = Db::<Tracker>::with_table_name(client.clone(), table.clone());
    let drift = live(&["drift"]);
    assert_eq!(drift.status.code(), Some(0), "{}", stderr(&drift));
    assert!(
        stderr(&drift).contains("0 settings drifted"),
        "{}",
        stderr(&drift)
    );
    // A setting changed by hand is drift, exit 1, named with both values, also as JSON.
    client
        .update_table()
        .table_name(&table)
        .deletion_protection_enabled(false)
        .send()
        .await
        .expect("protection off");
    let drift = live(&["drift", "--json"]);
    assert_eq!(drift.status.code(), Some(1), "{}", stderr(&drift));
    let drifts: serde_json::Value = serde_json::from_slice(&drift.stdout).expect("json");
    assert_eq!(
        drifts,
        serde_json::json!([{"setting": "deletion protection", "declared": "on", "live": "off"}])
    );
    let ensured = live(&["ensure-table"]);
    assert!(ensured.status.success(), "{}", stderr(&ensured));
    assert_eq!(live(&["drift"]).status.code(), Some(0));
    seed_clean(&db).await.expect("seeded");

    let workbench = live(&["export", "workbench", "--samples-from-table", "5"]);
    assert!(workbench.status.success(), "{}", stderr(&workbench));
    let model: serde_json::Value = serde_json::from_slice(&workbench.stdout).expect("json");
    let sampled: usize = model["DataModel"][0]["TableFacets"]
        .as_array()
        .expect("facets")
        .iter()
        .map(|f| f["TableData"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(
        sampled, 5,
        "five items of the live table, each in its facet"
    );
    let page = live(&["export", "html", "--samples-from-table", "5"]);
    assert!(page.status.success(), "{}", stderr(&page));
    assert!(
        stdout(&page).contains("Aggregate view (5 sample items)"),
        "five items of the live table in the aggregate view"
    );

    let doctor = live(&["doctor", "--segments", "2"]);
    assert_eq!(doctor.status.code(), Some(0), "{}", stderr(&doctor));
    assert!(
        stderr(&doctor).contains("13 items checked, no findings"),
        "{}",
        stderr(&doctor)
    );

    let get = live(&["get", "TENANT#acme", "TENANT"]);
    assert!(get.status.success(), "{}", stderr(&get));
    let tenant: serde_json::Value = serde_json::from_slice(&get.stdout).expect("json");
    assert_eq!(tenant["entity"], "Tenant");
    assert_eq!(tenant["item"]["plan"], "pro");
    let missing = live(&["get", "TENANT#nobody", "TENANT"]);
    assert_eq!(missing.status.code(), Some(1));

    let query = live(&[
        "query",
        "TENANT#acme",
        "--sort-key-prefix",
        "PROJECT#p1#TASK#",
        "--limit",
        "3",
    ]);
    assert!(query.status.success(), "{}", stderr(&query));
    let lines: Vec<serde_json::Value> = stdout(&query)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a json line"))
        .collect();
    assert_eq!(lines.len(), 3);
    // Task 1, its comment (filed under it), task 2.
    let kinds: Vec<&str> = lines
        .iter()
        .map(|l| l["entity"].as_str().expect("a type"))
        .collect();
    assert_eq!(kinds, ["Task", "Comment", "Task"]);
    let by_index = live(&["query", "USER#ann", "--index", "GSI1"]);
    assert_eq!(
        stdout(&by_index).lines().count(),
        1,
        "{}",
        stderr(&by_index)
    );

    let migration = live(&["migrate", "--dry-run", "--segments", "2"]);
    assert!(migration.status.success(), "{}", stderr(&migration));
    assert!(
        stderr(&migration)
            .contains("dry run: 13 scanned, 0 updated, 0 moved, 0 reshaped, 0 left in an earlier shape, 0 failed"),
        "{}",
        stderr(&migration)
    );

    let expected = seed_problems(&db).await.expect("seeded");
    let sick = live(&["doctor", "--json"]);
    assert_eq!(sick.status.code(), Some(1), "{}", stderr(&sick));
    let checkup: serde_json::Value = serde_json::from_slice(&sick.stdout).expect("json");
    let mut counts = std::collections::BTreeMap::new();
    for finding in checkup["findings"].as_array().expect("findings") {
        let kind = finding["problem"]["kind"]
            .as_str()
            .expect("a kind")
            .to_owned();
        *counts.entry(kind).or_insert(0usize) += 1;
    }
    let expected: std::collections::BTreeMap<String, usize> = expected
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    assert_eq!(counts, expected);
    // The human form names each finding, and the summary counts them.
    let text = live(&["doctor"]);
    assert_eq!(text.status.code(), Some(1));
    assert!(
        stdout(&text).contains("`GSI2PK` is PROJECT#p1#STATUS#done"),
        "{}",
        stdout(&text)
    );
    assert!(stderr(&text).contains("4 stale_key"), "{}", stderr(&text));
    // The doctor never writes: a second run finds the same.
    let again = live(&["doctor", "--json"]);
    assert_eq!(stdout(&again), stdout(&sick));
}
