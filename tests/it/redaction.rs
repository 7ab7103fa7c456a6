//! Redaction everywhere: every public type that can hold an item value or a key, built
//! from values carrying a sentinel and formatted with `{:?}` and `{:#?}` (and `{}` where it
//! has `Display`, walking every error's `source()` chain), never shows the sentinel.
//!
//! The types are checked against `public-api.txt`: every public struct and enum is either
//! formatted here, or listed as holding no values (names, counts, settings), or as a
//! container of the caller's own types (printed by their own `Debug`). A new public type
//! fails this test until it is placed.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::batch::StreamedWrite;
use dynamorm::migrate::{KeyChange, MigrationState, SegmentState};
use dynamorm::{Condition, Cursor, EntityKey, KeyPart, RawUpdate, Redacted};
use dynamorm_entities::{Task, TaskKey, Tracker, TrackerItem, sample};
use rstest::rstest;

use crate::harness::{Backend, table};

/// In every key and value below; must never be printed.
const SECRET: &str = "S3cr3tV4lue";

/// Formats of one value, with what it is.
struct Formatted {
    what: String,
    text: String,
}

#[derive(Default)]
struct Seen {
    formatted: Vec<Formatted>,
    /// Type names covered (the last path segment, as `public-api.txt` names them).
    types: BTreeSet<&'static str>,
}

impl Seen {
    fn debug(&mut self, name: &'static str, value: &dyn std::fmt::Debug) {
        self.types.insert(name);
        for text in [format!("{value:?}"), format!("{value:#?}")] {
            self.formatted.push(Formatted {
                what: name.to_owned(),
                text,
            });
        }
    }

    fn error(&mut self, name: &'static str, error: &(dyn std::error::Error + 'static)) {
        self.types.insert("Error");
        self.debug(name, &error);
        let mut chain = Some(error);
        let mut depth = 0;
        while let Some(e) = chain {
            self.formatted.push(Formatted {
                what: format!("{name} (Display, source {depth})"),
                text: format!("{e}"),
            });
            chain = e.source();
            depth += 1;
        }
    }

    fn leaks(&self) -> Vec<String> {
        self.formatted
            .iter()
            .filter(|f| f.text.contains(SECRET))
            .map(|f| format!("{}: {}", f.what, f.text))
            .collect()
    }
}

fn secret(s: &str) -> String {
    format!("{s}-{SECRET}")
}

/// A task whose keys and values all hold the sentinel.
fn secret_task(n: u32) -> Task {
    let mut task = sample::task(&secret("tenant"), &secret("project"), n);
    task.title = secret("title");
    task.assignee = Some(secret("assignee"));
    task.tags = vec![secret("tag")];
    task
}

fn secret_key(n: u32) -> TaskKey {
    secret_task(n).key()
}

/// Types whose values are names, counts, settings or schemas: nothing from an item.
const NO_VALUES: &[&str] = &[
    "TypeConflict",
    "Export",
    "ExportProgress",
    "ExportSummary",
    "ExportType",
    "ImportFiles",
    "ImportTable",
    "ImportWriter",
    "Location",
    "Consistency",
    "ContributorInsights",
    "Drift",
    "MaxThroughput",
    "Setting",
    "ShapeCount",
    "TableClass",
    "Tool",
    "WarmThroughput",
    "DistanceFunction",
    "NoPartition",
    "VectorIndex",
    "VectorIndexSchema",
    "VectorShape",
    "WrongDimensions",
    "All",
    "AllAttributes",
    "Attr",
    "Billing",
    "CancelReason",
    "CapacityCollector",
    "CapacityReport",
    "ChangeKind",
    "Db",
    "DecodeError",
    "Deployment",
    "Doctor",
    "EncodeError",
    "EntitySchema",
    "ErrorKind",
    "FileCheckpoint",
    "Fixed",
    "Include",
    "Index",
    "IndexAttribute",
    "IndexProblem",
    "IndexProjection",
    "IndexSchema",
    "InvalidInput",
    "InvalidInputKind",
    "KeyTemplate",
    "KeysOnly",
    "Loader",
    "MemoryCheckpoint",
    "Migrate",
    "MultiIndex",
    "MultiKeyShape",
    "Problem",
    "Progress",
    "Report",
    "RetryPolicy",
    "ScalarType",
    "ServiceError",
    "Settable",
    "Size",
    "TableSchema",
    "TimeId",
    "UniqueField",
    "WriteKind",
    "WriteOutcome",
    "WriteProgress",
];

/// Containers of the caller's own types, printed by those types' `Debug` (their own fields
/// that hold keys are formatted here separately).
/// `Vector` is the value type of a caller's own field, printed as its `f32`s (as a `String`
/// field prints its text); `Scored` holds the caller's decoded item.
const CALLERS_TYPES: &[&str] = &[
    "Page",
    "Change",
    "Changes",
    "ExportChange",
    "Partial",
    "Scored",
    "Vector",
];

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_public_type_prints_a_value_or_key(#[case] backend: Backend) {
    let t = table(backend, "redaction").await;
    let db = &t.db;
    let mut seen = Seen::default();
    builders(db, &mut seen);
    keys_and_expressions(&mut seen);
    outputs_and_errors(db, &mut seen).await;
    migration_records(&mut seen);

    let leaks = seen.leaks();
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    assert!(
        seen.formatted.len() > 80,
        "formatted {} values",
        seen.formatted.len()
    );

    let public = public_types();
    let placed: BTreeSet<&str> = seen
        .types
        .iter()
        .copied()
        .chain(NO_VALUES.iter().copied())
        .chain(CALLERS_TYPES.iter().copied())
        .collect();
    let unplaced: Vec<&String> = public
        .iter()
        .filter(|t| !placed.contains(t.as_str()))
        .collect();
    assert!(
        unplaced.is_empty(),
        "public types neither formatted here nor listed as holding no values: {unplaced:?}"
    );
    let stale: Vec<&&str> = NO_VALUES.iter().filter(|t| !public.contains(**t)).collect();
    assert!(
        stale.is_empty(),
        "listed types the public API no longer has: {stale:?}"
    );
}

/// A vector search, its vector and partition value secret (the vector's values are
/// distinctive numbers: 0.7310585 never appears otherwise).
fn searches(db: &dynamorm::Db<Tracker>, seen: &mut Seen) {
    use dynamorm_entities::catalog::{Catalog, Product};
    let catalog = dynamorm::Db::<Catalog>::with_table_name(db.client().clone(), "catalog");
    let near = || {
        Product::ByEmbedding
            .near([0.731_058_5; 32])
            .partition(secret("tenant"))
    };
    seen.debug("Near", &near());
    let filtered = Product::attrs().category.eq(secret("category"));
    let search = catalog.search(near()).filter(filtered).top_k(3);
    for text in [format!("{search:?}"), format!("{search:#?}")] {
        assert!(
            !text.contains("0.731"),
            "a search prints no vector value: {text}"
        );
    }
    seen.debug("Search", &search);
}

/// Every request builder, built from secret keys and values (nothing is sent).
fn builders(db: &dynamorm::Db<Tracker>, seen: &mut Seen) {
    let a = Task::attrs();
    let task = secret_task(1);
    seen.debug("Get", &db.get(secret_key(1)));
    seen.debug("Put", &db.put(&task).condition(a.title.eq(secret("cond"))));
    seen.debug("Put", &db.create(&task));
    seen.debug("Insert", &db.insert(secret_task(2)));
    searches(db, seen);
    let update = db
        .update(secret_key(1))
        .set(a.title, secret("new"))
        .condition(a.assignee.eq(secret("who")))
        .raw(
            RawUpdate::new("SET #t = :v")
                .name("#t", "title")
                .value(":v", &secret("raw")),
        );
    seen.debug("Update", &update);
    seen.debug(
        "Delete",
        &db.delete(secret_key(1))
            .condition(a.title.eq(secret("del"))),
    );
    let check = db.condition_check(secret_key(3), a.title.eq(secret("check")));
    seen.debug("ConditionCheck", &check);
    let transaction = db.transact_write().action(db.put(&task)).action(check);
    seen.debug("TransactWrite", &transaction);
    seen.debug("TransactGet", &db.transact_get().get(secret_key(4)));
    seen.debug(
        "BatchWrite",
        &db.batch_write().put(&task).delete(secret_key(5)),
    );
    seen.debug("BatchGet", &db.batch_get().get(secret_key(6)));
    let streamed = StreamedWrite::put(&task);
    seen.debug("StreamedWrite", &streamed);
    let writes = futures::stream::iter(vec![streamed]);
    seen.debug("WriteStream", &db.write_stream(writes));
    let query = db
        .query(a.tenant_id.is(secret("tenant")))
        .sort_begins_with(a.project_id.is(secret("project")))
        .filter(a.title.eq(secret("filter")));
    seen.debug("Query", &query);
    seen.debug(
        "Scan",
        &db.scan::<Task>().filter(a.title.eq(secret("scan"))),
    );
    seen.debug("LoaderGet", &db.loader().get(secret_key(7)));
}

/// Keys, key values, conditions, cursors and the redaction type itself.
fn keys_and_expressions(seen: &mut Seen) {
    let a = Task::attrs();
    seen.debug("TaskKey (generated <Name>Key)", &secret_key(8));
    seen.types.insert("EntityKey");
    let rendered = secret_key(8).render().expect("renders");
    seen.debug("PrimaryKey", &rendered);
    let parsed = TaskKey::parse(&format!("TENANT#{SECRET}#"), Some(SECRET));
    seen.debug("KeyError", &parsed.as_ref().expect_err("does not parse"));
    let bad = <u32 as KeyPart>::parse_key(SECRET).expect_err("not a number");
    seen.error("KeyError", &bad);
    seen.debug("KeyValue", &a.tenant_id.is(secret("kv")));
    let condition: Condition<Task> = a.title.eq(secret("c")).and(a.tags.contains(secret("t")));
    seen.debug("Condition", &condition);
    seen.debug(
        "RawUpdate",
        &RawUpdate::<Task>::new("SET #t = :v").value(":v", &secret("r")),
    );
    seen.debug("AttrPath", &a.tags.at(0));
    seen.debug("Cursor", &Cursor::from_string(secret("cursor")));
    // Its secret is bytes; the sentinel padded to the 32 a key takes.
    let key_secret = format!("{:>40}", secret("key"));
    let key = dynamorm::CursorKey::encrypting(key_secret.as_bytes())
        .and_then(|k| k.with_previous(key_secret.as_bytes()))
        .expect("a long enough secret");
    seen.debug("CursorKey", &key);
    seen.debug("Redacted", &Redacted::new(secret("redacted")));
    seen.debug("Redacted", &Redacted::text(secret("text")));
    seen.debug(
        "MultiKey",
        &crate::multi_attribute::Match::ByRound.partition(secret("t"), secret("r")),
    );
}

/// What comes back from the server, and the errors that carry items or keys.
async fn outputs_and_errors(db: &dynamorm::Db<Tracker>, seen: &mut Seen) {
    let a = Task::attrs();
    let task = secret_task(10);
    db.put(&task).send().await.expect("put");
    // An item decoded as the wrong shape: the decode error.
    let mut item = dynamorm::to_item(&task).expect("encodes");
    item.insert("points".into(), AttributeValue::S(secret("points")));
    let decode = dynamorm::from_item::<Task>(item).expect_err("points is not a number");
    seen.error("Error (Decode)", &decode);
    // A failed condition carrying the old item.
    let failed = db
        .update(task.key())
        .set(a.points, 2)
        .condition(a.title.eq("something else"))
        .return_old_on_failure()
        .send()
        .await
        .expect_err("condition fails");
    seen.error("Error (ConditionFailed)", &failed);
    if let dynamorm::Error::ConditionFailed(c) = &failed {
        seen.debug("ConditionFailed", c);
    }
    // A canceled transaction naming the key and carrying the old item.
    let canceled = db
        .transact_write()
        .action(
            db.condition_check(task.key(), a.title.eq("something else"))
                .return_old_on_failure(),
        )
        .send()
        .await
        .expect_err("canceled");
    seen.error("Error (TransactionCanceled)", &canceled);
    if let dynamorm::Error::TransactionCanceled(c) = &canceled {
        seen.debug("TransactionCanceled", c);
        for action in &c.actions {
            seen.debug("CanceledAction", action);
        }
    }
    // Batch reads and transactional reads hold items.
    let got = db
        .batch_get()
        .get(task.key())
        .send()
        .await
        .expect("batch get");
    seen.debug("BatchGetOutput", &*got);
    let read = db
        .transact_get()
        .get(task.key())
        .send()
        .await
        .expect("transact get");
    seen.debug("TransactGetOutput", &read);
    // An item of an unknown type at a task's key: a guarded batch write there is refused
    // (a failure naming the key), the doctor reports it, a migration cannot decode it.
    let clash = secret_task(11);
    let mut unknown = dynamorm::to_item(&clash).expect("encodes");
    unknown.insert("_type".into(), AttributeValue::S(secret("Unknown")));
    crate::harness::put_raw(db, unknown).await;
    let guarded = dynamorm::Db::<Tracker>::with_table_name(db.client().clone(), db.table_name());
    let written = guarded
        .batch_write()
        .put(&clash)
        .delete(secret_key(12))
        .send()
        .await
        .expect("batch");
    seen.debug("BatchWriteOutput", &*written);
    for failure in written.failed() {
        seen.debug("FailedWrite", failure);
    }
    let incomplete = written.into_result().err();
    if let Some(e) = &incomplete {
        seen.error("Error (BatchIncomplete)", e);
    }
    let stream_out = db
        .write_stream(futures::stream::iter(vec![StreamedWrite::put(
            &secret_task(13),
        )]))
        .send()
        .await
        .expect("stream");
    seen.debug("WriteStreamOutput", &*stream_out);
    let failed_get = dynamorm::batch::FailedGet {
        entity: "Task",
        key: secret_key(14).render().expect("key"),
        reason: "unprocessed".to_owned(),
    };
    seen.debug("FailedGet", &failed_get);
    // The doctor's findings name keys.
    let checkup = db.doctor::<TrackerItem>().run().await.expect("doctor");
    assert!(!checkup.findings.is_empty(), "the unknown item is found");
    seen.debug("Checkup", &checkup);
    for finding in &checkup.findings {
        seen.debug("Finding", finding);
    }
    let page = db
        .query(a.tenant_id.is(task.tenant_id.clone()))
        .limit(1)
        .page()
        .await
        .expect("page");
    if let Some(cursor) = &page.cursor {
        seen.debug("Cursor", cursor);
    }
    let report = db
        .migrate::<TrackerItem>()
        .dry_run()
        .run()
        .await
        .expect("migration runs");
    assert!(
        !report.failures.is_empty(),
        "the unknown item fails to decode"
    );
    seen.debug("MigrationReport", &report);
    for failure in &report.failures {
        seen.debug("MigrationFailure", failure);
    }
    stream_records(seen);
}

/// A Lambda stream event whose records hold secret keys and values, one of them bad.
fn stream_records(seen: &mut Seen) {
    let image = |kind: &str| {
        serde_json::json!({
            "PK": {"S": secret("TENANT#t")}, "SK": {"S": secret("USER#u")},
            "_type": {"S": kind}, "email": {"S": secret("mail")}
        })
    };
    let event = serde_json::json!({"Records": [
        {"eventID": "1", "eventName": "INSERT", "awsRegion": "us-east-1",
         "dynamodb": {"Keys": {"PK": {"S": secret("TENANT#t")}, "SK": {"S": secret("USER#u")}},
                      "NewImage": image(&secret("NoSuchType")), "SequenceNumber": "100",
                      "SizeBytes": 10, "StreamViewType": "NEW_IMAGE"}}
    ]});
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_value(event).expect("event parses");
    let changes: dynamorm::stream::Changes<TrackerItem> =
        dynamorm::stream::from_lambda_event(event);
    assert_eq!(
        changes.failures.len(),
        1,
        "the record of an unknown type fails"
    );
    for failure in &changes.failures {
        seen.debug("RecordFailure", failure);
    }
}

/// Migration records hold key attribute values.
fn migration_records(seen: &mut Seen) {
    let keys: BTreeMap<String, String> = BTreeMap::from([
        ("PK".to_owned(), secret("pk")),
        ("SK".to_owned(), secret("sk")),
    ]);
    seen.debug(
        "KeyChange",
        &KeyChange {
            entity: "Task".to_owned(),
            old: keys.clone(),
            new: keys.clone(),
        },
    );
    let segment = SegmentState {
        done: false,
        last_key: Some(keys),
    };
    seen.debug("SegmentState", &segment);
    seen.debug(
        "MigrationState",
        &MigrationState {
            segments: vec![segment],
        },
    );
}

/// The public structs and enums, by their last path segment.
fn public_types() -> BTreeSet<String> {
    let api = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/public-api.txt"))
        .expect("public-api.txt");
    api.lines()
        .filter_map(|line| {
            let rest = line
                .strip_prefix("pub struct ")
                .or_else(|| line.strip_prefix("pub enum "))?;
            let path = rest.split(['<', ' ']).next()?;
            Some(path.rsplit("::").next()?.to_owned())
        })
        .collect()
}
