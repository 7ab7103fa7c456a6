//! Import files and exports (`dynamorm::bulk`): entities written as `ImportTable` input
//! and read back as an export through the registry, in a local directory and on a real
//! S3-compatible server (moto's, started by `scripts/test.sh`); the files decoded by hand
//! into the SDK's own `AttributeValue`s and compared with what a put stores; AWS's own
//! manifest files parsed; an incremental export's changes typed; damaged files refused;
//! the `ImportTable` request pinned on the wire (neither local server implements it).

use std::collections::HashMap;
use std::io::Read as _;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::bulk::{Export, ExportType, ImportWriter, Location};
use dynamorm::deploy::{Deployment, MaxThroughput};
use dynamorm::stream::ChangeKind;
use dynamorm::{Db, Error, InvalidInputKind, Registry as _};
use dynamorm_entities::bulk::entity;
use dynamorm_entities::{Tracker, TrackerItem, sample};
use futures::TryStreamExt as _;
use serde_json::{Value, json};

use crate::harness::invalid_kind;
use crate::wire::Wire;

fn temp_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dynamorm-bulk-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn write(location: Location, n: u64, file_size: usize) -> dynamorm::bulk::ImportFiles {
    let mut writer = ImportWriter::<Tracker>::new(location).file_size(file_size);
    for k in 0..n {
        writer.write_any(&entity(k)).await.expect("written");
    }
    writer.finish().await.expect("finished")
}

/// Reads every item back and checks it is the `k`th entity, in order.
async fn read_back(location: Location, n: u64) -> u64 {
    let export = Export::open(location).await.expect("opens");
    assert_eq!(export.summary().export_type, ExportType::FullExport);
    let items: Vec<TrackerItem> = export
        .items::<TrackerItem>()
        .try_collect()
        .await
        .expect("read");
    assert_eq!(items.len() as u64, n);
    for (k, item) in items.iter().enumerate() {
        assert_eq!(item, &entity(k as u64), "entity {k}");
    }
    items.len() as u64
}

#[tokio::test]
async fn import_files_read_back_as_an_export_item_for_item() {
    let dir = temp_dir("local");
    let location = Location::local(&dir, "snapshots/2026-12-07").expect("location");
    let n = 2_000;
    let files = write(location.clone(), n, 64 * 1024).await;
    // 3 users per 20 entities each claim their e-mail: a sentinel each.
    assert_eq!(files.items(), n + 3 * n / 20);
    assert!(
        files.files() > 3,
        "several files of about 64 KiB: {}",
        files.files()
    );
    assert_eq!(files.data_prefix(), "snapshots/2026-12-07/data/");
    // Only data files under the prefix ImportTable reads.
    let data: Vec<_> = std::fs::read_dir(dir.join("snapshots/2026-12-07/data"))
        .expect("data dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    assert!(data.iter().all(|f| f.ends_with(".json.gz")), "{data:?}");
    assert_eq!(data.len(), files.files());
    assert_eq!(read_back(location, n).await, n);
}

/// The files as DynamoDB reads them: each line decoded by hand into the SDK's own
/// `AttributeValue`s is exactly what a put stores for the entity, then each sentinel.
#[tokio::test]
async fn every_line_is_the_item_a_put_stores_in_the_sdks_own_types() {
    let dir = temp_dir("sdk");
    let location = Location::local(&dir, "p").expect("location");
    let mut writer = ImportWriter::<Tracker>::new(location);
    let mut expected = Vec::new();
    for k in 0..40 {
        let value = entity(k);
        writer.write_any(&value).await.expect("written");
        expected.push(value.to_stored_item().expect("encodes"));
        if let TrackerItem::User(user) = &value {
            expected.push(sentinel(&user.email, &value));
        }
    }
    writer.finish().await.expect("finished");
    let mut found = Vec::new();
    for file in sorted_files(&dir.join("p/data")) {
        let mut text = String::new();
        let bytes = std::fs::read(&file).expect("read");
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .expect("gzip");
        assert!(text.ends_with('\n'), "every line ends in a newline");
        for line in text.lines() {
            let value: Value = serde_json::from_str(line).expect("a JSON line");
            let object = value.as_object().expect("an object");
            assert_eq!(
                object.keys().collect::<Vec<_>>(),
                ["Item"],
                "only `Item` on a line"
            );
            found.push(item_by_hand(&value["Item"]));
        }
    }
    assert_eq!(found, expected);
}

/// A sentinel as `dynamorm::unique` stores it: the owner's key, the library's own type.
fn sentinel(email: &str, owner: &TrackerItem) -> HashMap<String, AttributeValue> {
    let key = owner.to_stored_item().expect("encodes");
    let s = |v: &str| AttributeValue::S(v.to_owned());
    HashMap::from([
        (
            "PK".to_owned(),
            s(&format!("_dynamorm.unique#User#email#{email}")),
        ),
        ("SK".to_owned(), s("_dynamorm.unique")),
        ("_type".to_owned(), s("_dynamorm.unique")),
        ("owner".to_owned(), key["PK"].clone()),
        ("owner_sort".to_owned(), key["SK"].clone()),
    ])
}

fn sorted_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

/// DynamoDB JSON → the SDK's `AttributeValue`, written here from the format's definition
/// (not with the library's converter).
fn item_by_hand(value: &Value) -> HashMap<String, AttributeValue> {
    value
        .as_object()
        .expect("an item is an object")
        .iter()
        .map(|(k, v)| (k.clone(), value_by_hand(v)))
        .collect()
}

fn value_by_hand(value: &Value) -> AttributeValue {
    use base64::Engine as _;
    let (tag, inner) = value
        .as_object()
        .and_then(|o| o.iter().next())
        .expect("one tag");
    let strings = || -> Vec<String> {
        inner
            .as_array()
            .expect("a list")
            .iter()
            .map(|s| s.as_str().expect("text").to_owned())
            .collect()
    };
    let blob = |s: &Value| {
        Blob::new(
            base64::engine::general_purpose::STANDARD
                .decode(s.as_str().expect("base64"))
                .expect("base64"),
        )
    };
    match tag.as_str() {
        "S" => AttributeValue::S(inner.as_str().expect("text").to_owned()),
        "N" => AttributeValue::N(inner.as_str().expect("a number as text").to_owned()),
        "B" => AttributeValue::B(blob(inner)),
        "BOOL" => AttributeValue::Bool(inner.as_bool().expect("a bool")),
        "NULL" => AttributeValue::Null(true),
        "M" => AttributeValue::M(item_by_hand(inner)),
        "L" => AttributeValue::L(
            inner
                .as_array()
                .expect("a list")
                .iter()
                .map(value_by_hand)
                .collect(),
        ),
        "SS" => AttributeValue::Ss(strings()),
        "NS" => AttributeValue::Ns(strings()),
        "BS" => AttributeValue::Bs(inner.as_array().expect("a list").iter().map(blob).collect()),
        other => panic!("not a DynamoDB JSON type: {other}"),
    }
}

/// The same round trip through a real S3-compatible server on loopback.
#[tokio::test]
async fn import_files_round_trip_through_s3() {
    let Some(endpoint) = s3_endpoint() else {
        return;
    };
    let bucket = format!("dynamorm-{}", std::process::id());
    create_bucket(&endpoint, &bucket).await;
    let location = s3(&endpoint, &format!("s3://{bucket}/imports/tracker"));
    let n = 1_000;
    let files = write(location.clone(), n, 32 * 1024).await;
    assert!(files.files() > 1);
    assert_eq!(files.location().bucket(), Some(bucket.as_str()));
    assert_eq!(read_back(location, n).await, n);
}

/// The S3-compatible server the tests need (`scripts/test.sh` starts moto's).
fn s3_endpoint() -> Option<String> {
    Some(std::env::var("DYNAMORM_S3_ENDPOINT").expect(
        "DYNAMORM_S3_ENDPOINT is not set: run the tests with `bash scripts/test.sh`, which \
         starts an S3-compatible server (`scripts/s3-local.sh start`)",
    ))
}

fn s3(endpoint: &str, url: &str) -> Location {
    Location::s3_at(url, Some(endpoint)).expect("an S3 location")
}

async fn create_bucket(endpoint: &str, bucket: &str) {
    let status = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT"])
        .arg(format!("{endpoint}/{bucket}"))
        .output()
        .expect("curl runs");
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "200",
        "bucket created"
    );
}

/// AWS's own manifests (a real export of 2022-11-12, published in sabuat/db-dynamo-aws)
/// parse, and the writer's manifests have their shape.
#[tokio::test]
async fn aws_published_manifests_parse_and_the_writers_have_their_shape() {
    let dir = temp_dir("aws-manifest");
    let root = "AWSDynamoDB/01668227450456-b6733290";
    std::fs::create_dir_all(dir.join(root)).expect("dir");
    let summary = r#"{"version":"2020-06-30","exportArn":"arn:aws:dynamodb:sa-east-1:326717626617:table/livros_por_ler/export/01668227450456-b6733290","startTime":"2022-11-12T04:30:50.456Z","endTime":"2022-11-12T04:34:56.208Z","tableArn":"arn:aws:dynamodb:sa-east-1:326717626617:table/livros_por_ler","tableId":"659732b0-5ce6-4e60-a804-f224014bdef3","exportTime":"2022-11-12T04:30:50.456Z","s3Bucket":"outroslivros","s3Prefix":null,"s3SseAlgorithm":"AES256","s3SseKmsKeyId":null,"manifestFilesS3Key":"AWSDynamoDB/01668227450456-b6733290/manifest-files.json","billedSizeBytes":0,"itemCount":6,"outputFormat":"DYNAMODB_JSON"}"#;
    let files = "{\"itemCount\":6,\"md5Checksum\":\"EV+2HwdmZ3AyD9j+Yxd+Mg==\",\"etag\":\"a88f6b426e940985d4ef97076c8f40f6-1\",\"dataFileS3Key\":\"AWSDynamoDB/01668227450456-b6733290/data/enpvklgbwq7gta42yshirxd6ea.json.gz\"}\n";
    std::fs::write(dir.join(root).join("manifest-summary.json"), summary).expect("written");
    std::fs::write(dir.join(root).join("manifest-files.json"), files).expect("written");
    let export = Export::open(Location::local(&dir, root).expect("location"))
        .await
        .expect("opens");
    let s = export.summary();
    assert_eq!(
        s.export_type,
        ExportType::FullExport,
        "no exportType: a full export"
    );
    assert_eq!(s.item_count, 6);
    assert_eq!(s.s3_bucket.as_deref(), Some("outroslivros"));
    assert_eq!(export.files(), 1);
    // The data file itself is not published: reading says which file is missing.
    let err = export
        .items::<TrackerItem>()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("no data");
    assert!(matches!(err, Error::Io { .. }), "{err}");

    // The writer's manifests: the same keys as AWS's (the ones a reader needs).
    let mine = temp_dir("my-manifest");
    let files = write(Location::local(&mine, "x").expect("location"), 20, 1 << 20).await;
    let summary: Value = serde_json::from_slice(
        &std::fs::read(mine.join("x/manifest-summary.json")).expect("summary"),
    )
    .expect("JSON");
    for key in [
        "version",
        "exportType",
        "outputFormat",
        "itemCount",
        "manifestFilesS3Key",
        "s3Prefix",
    ] {
        assert!(summary.get(key).is_some(), "{key} in {summary}");
    }
    assert_eq!(summary["itemCount"], files.items());
    let line = std::fs::read_to_string(mine.join("x/manifest-files.json")).expect("files");
    assert!(line.ends_with('\n'));
    let line: Value = serde_json::from_str(line.trim_end()).expect("a line");
    for key in ["itemCount", "md5Checksum", "dataFileS3Key"] {
        assert!(line.get(key).is_some(), "{key} in {line}");
    }
}

/// An incremental export (the documented summary of 2023-08-01 and its line format, the
/// timestamp wrapped as AWS writes it) read as typed changes; sentinels passed over.
#[tokio::test]
async fn an_incremental_export_reads_as_typed_changes() {
    let dir = temp_dir("incremental");
    let root = "exports/AWSDynamoDB/01693685934212-ac809da5";
    let user = TrackerItem::from(sample::user("acme", "ann"));
    let mut renamed = sample::user("acme", "ann");
    renamed.name = "Ann B".into();
    let renamed = TrackerItem::from(renamed);
    let project = TrackerItem::from(sample::project("acme", "p1", "ann"));
    let item = |v: &TrackerItem| {
        serde_json::to_value(serde_dynamo::Item::from(
            v.to_stored_item().expect("encodes"),
        ))
        .expect("JSON")
    };
    let keys = |v: &TrackerItem| {
        let stored = item(v);
        json!({"PK": stored["PK"], "SK": stored["SK"]})
    };
    let sentinel_keys = json!({"PK": {"S": "_dynamorm.unique#User#email#ann@acme.example"}, "SK": {"S": "_dynamorm.unique"}});
    let lines = [
        json!({"Metadata": {"WriteTimestampMicros": {"N": "1693685934212000"}}, "Keys": keys(&user), "NewImage": item(&user)}),
        json!({"Metadata": {"WriteTimestampMicros": {"N": "1693685934213000"}}, "Keys": sentinel_keys, "NewImage": {"PK": sentinel_keys["PK"], "SK": sentinel_keys["SK"], "_type": {"S": "_dynamorm.unique"}}}),
        json!({"Metadata": {"WriteTimestampMicros": {"N": "1693685934214000"}}, "Keys": keys(&user), "NewImage": item(&renamed), "OldImage": item(&user)}),
        json!({"Metadata": {"WriteTimestampMicros": 1693685934215000u64}, "Keys": keys(&project), "OldImage": item(&project)}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let data_key = format!("{root}/data/one.json.gz");
    let gz = gzip(text.as_bytes());
    let md5 = md5_base64(&gz);
    std::fs::create_dir_all(dir.join(root).join("data")).expect("dir");
    std::fs::write(dir.join(&data_key), &gz).expect("data");
    std::fs::write(dir.join(root).join("manifest-files.json"), format!("{{\"itemCount\":4,\"md5Checksum\":\"{md5}\",\"etag\":\"e-1\",\"dataFileS3Key\":\"{data_key}\"}}\n")).expect("files");
    let summary = json!({"version": "2023-08-01", "exportArn": "arn:aws:dynamodb:us-east-1:123456789012:table/tracker/export/01693685934212-ac809da5",
        "startTime": "2023-09-02T20:18:54.212Z", "endTime": "2023-09-02T20:32:41.567Z", "tableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/tracker",
        "tableId": "2d6a1e4f", "exportFromTime": "2023-09-18T17:00:00.000Z", "exportToTime": "2023-09-19T04:00:00.000Z", "s3Bucket": "bucket",
        "s3Prefix": "exports", "s3SseAlgorithm": "AES256", "s3SseKmsKeyId": null, "manifestFilesS3Key": format!("{root}/manifest-files.json"),
        "billedSizeBytes": 4096, "itemCount": 4, "outputFormat": "DYNAMODB_JSON", "outputView": "NEW_AND_OLD_IMAGES", "exportType": "INCREMENTAL_EXPORT"});
    std::fs::write(
        dir.join(root).join("manifest-summary.json"),
        summary.to_string(),
    )
    .expect("summary");

    let export = Export::open(Location::local(&dir, root).expect("location"))
        .await
        .expect("opens");
    let changes: Vec<_> = export
        .changes::<TrackerItem>()
        .try_collect()
        .await
        .expect("changes");
    let kinds: Vec<ChangeKind> = changes.iter().map(|c| c.change.kind).collect();
    assert_eq!(
        kinds,
        [ChangeKind::Insert, ChangeKind::Modify, ChangeKind::Remove]
    );
    assert_eq!(changes[0].change.new.as_ref(), Some(&user));
    assert_eq!(changes[1].change.old.as_ref(), Some(&user));
    assert_eq!(changes[1].change.new.as_ref(), Some(&renamed));
    assert_eq!(changes[2].change.old.as_ref(), Some(&project));
    assert_eq!(
        changes
            .iter()
            .map(|c| c.written_at_micros)
            .collect::<Vec<_>>(),
        [
            Some(1693685934212000),
            Some(1693685934214000),
            Some(1693685934215000)
        ]
    );
    // The same export asked for items says what it is.
    let export = Export::open(Location::local(&dir, root).expect("location"))
        .await
        .expect("opens");
    let err = export
        .items::<TrackerItem>()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("not a full export");
    assert!(matches!(err, Error::ExportFile { .. }), "{err}");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn md5_base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use md5::Digest as _;
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(bytes))
}

/// Damaged files are refused, naming the file: a changed byte (checksum), a line lost
/// (count), a line that is not JSON.
#[tokio::test]
async fn damaged_export_files_are_refused_by_name() {
    for damage in ["checksum", "count", "line", "gzip"] {
        let dir = temp_dir(&format!("damaged-{damage}"));
        let location = Location::local(&dir, "d").expect("location");
        write(location.clone(), 20, 1 << 20).await;
        let data = sorted_files(&dir.join("d/data")).remove(0);
        let manifest = dir.join("d/manifest-files.json");
        let text = std::fs::read_to_string(&manifest).expect("manifest");
        let mut line: Value = serde_json::from_str(text.trim_end()).expect("a line");
        match damage {
            "checksum" => {
                let mut bytes = std::fs::read(&data).expect("data");
                let last = bytes.len() - 9; // inside the deflate stream, before the trailer
                bytes[last] ^= 1;
                std::fs::write(&data, bytes).expect("written");
            }
            "count" => line["itemCount"] = json!(22),
            "gzip" => {
                let bytes = b"\x1f\x8b\x08\x00not deflate at all".to_vec();
                line["md5Checksum"] = json!(md5_base64(&bytes));
                std::fs::write(&data, bytes).expect("written");
            }
            _ => {
                let gz = gzip(b"not json\n");
                line["md5Checksum"] = json!(md5_base64(&gz));
                line["itemCount"] = json!(1);
                std::fs::write(&data, gz).expect("written");
            }
        }
        std::fs::write(&manifest, format!("{line}\n")).expect("manifest");
        let export = Export::open(location).await.expect("opens");
        let err = export
            .items::<TrackerItem>()
            .try_collect::<Vec<_>>()
            .await
            .expect_err(damage);
        match &err {
            Error::ExportFile { file, .. } => {
                assert!(file.ends_with(".json.gz"), "{damage}: {err}")
            }
            Error::Io { .. } if damage == "checksum" => {} // the gzip stream itself may break
            other => panic!("{damage}: {other}"),
        }
    }
}

/// A data file of several gzip members (what `cat a.gz b.gz` makes) reads whole, and a
/// summary counting other than the files hold is refused at the end.
#[tokio::test]
async fn multi_member_gzip_files_read_and_the_total_is_checked() {
    let dir = temp_dir("members");
    let location = Location::local(&dir, "m").expect("location");
    write(location.clone(), 20, 1 << 20).await;
    let data = sorted_files(&dir.join("m/data")).remove(0);
    let mut text = String::new();
    flate2::read::GzDecoder::new(&std::fs::read(&data).expect("data")[..])
        .read_to_string(&mut text)
        .expect("gzip");
    let (first, second) = text.split_at(text.len() / 2);
    let split = first.rfind('\n').expect("a line break") + 1;
    let (first, second) = (&text[..split], format!("{}{second}", &first[split..]));
    let mut members = gzip(first.as_bytes());
    members.extend(gzip(second.as_bytes()));
    std::fs::write(&data, &members).expect("written");
    let manifest = dir.join("m/manifest-files.json");
    let mut line: Value =
        serde_json::from_str(std::fs::read_to_string(&manifest).expect("m").trim_end())
            .expect("line");
    line["md5Checksum"] = json!(md5_base64(&members));
    std::fs::write(&manifest, format!("{line}\n")).expect("manifest");
    assert_eq!(read_back(location.clone(), 20).await, 20);

    let summary_path = dir.join("m/manifest-summary.json");
    let mut summary: Value =
        serde_json::from_slice(&std::fs::read(&summary_path).expect("s")).expect("JSON");
    summary["itemCount"] = json!(99);
    std::fs::write(&summary_path, summary.to_string()).expect("summary");
    let export = Export::open(location).await.expect("opens");
    let err = export
        .items::<TrackerItem>()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("a short export");
    assert!(
        matches!(&err, Error::ExportFile { file, .. } if file.ends_with("manifest-files.json")),
        "{err}"
    );
}

/// Two users claiming one e-mail would leave one unguarded after DynamoDB's import (it
/// keeps the last line of a key): refused. A raw item of an unknown type is refused too.
#[tokio::test]
async fn a_unique_value_claimed_twice_is_refused() {
    let dir = temp_dir("unique");
    let mut writer = ImportWriter::<Tracker>::new(Location::local(&dir, "u").expect("location"));
    let ann = sample::user("acme", "ann");
    let mut other = sample::user("acme", "bob");
    other.email = ann.email.clone();
    writer.write(&ann).await.expect("first claim");
    writer
        .write(&ann)
        .await
        .expect("the same owner again is fine");
    let err = writer.write(&other).await.expect_err("a second owner");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::DuplicateKey),
        "{err}"
    );
    assert!(
        !err.to_string().contains("ann@"),
        "no value in the message: {err}"
    );
}

/// The ImportTable request for the declared table, pinned; a local directory is refused
/// (ImportTable reads S3), before anything is sent.
#[tokio::test]
async fn the_import_table_request_is_pinned() {
    let Some(endpoint) = s3_endpoint() else {
        return;
    };
    let bucket = format!("dynamorm-req-{}", std::process::id());
    create_bucket(&endpoint, &bucket).await;
    let files = write(s3(&endpoint, &format!("s3://{bucket}/load")), 20, 1 << 20).await;
    let wire = Wire::new(&[(
        "ImportTable",
        json!({"ImportTableDescription": {"ImportArn": "arn:aws:dynamodb:us-east-1:123456789012:table/tracker/import/01", "ImportStatus": "IN_PROGRESS"}}),
    )]);
    let db = Db::<Tracker>::new(wire.client.clone());
    let deployment = Deployment::default()
        .max_throughput(MaxThroughput {
            read: Some(1000),
            write: None,
        })
        .index_max_throughput(
            Tracker::GSI2,
            MaxThroughput {
                read: None,
                write: Some(50),
            },
        );
    let description = db
        .import_table(&files)
        .deployment(deployment)
        .client_token("t1")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        description.import_arn(),
        Some("arn:aws:dynamodb:us-east-1:123456789012:table/tracker/import/01")
    );
    let sent = wire.sent();
    assert_eq!(sent.len(), 1);
    let body = &sent[0].body;
    let key = |pk: &str, sk: &str| json!([{"AttributeName": pk, "KeyType": "HASH"}, {"AttributeName": sk, "KeyType": "RANGE"}]);
    let s = |name: &str| json!({"AttributeName": name, "AttributeType": "S"});
    assert_eq!(
        body,
        &json!({
            "ClientToken": "t1",
            "S3BucketSource": {"S3Bucket": bucket, "S3KeyPrefix": "load/data/"},
            "InputFormat": "DYNAMODB_JSON",
            "InputCompressionType": "GZIP",
            "TableCreationParameters": {
                "TableName": "tracker",
                "AttributeDefinitions": [s("PK"), s("SK"), s("GSI1PK"), s("GSI1SK"), s("GSI2PK"), s("GSI2SK")],
                "KeySchema": key("PK", "SK"),
                "BillingMode": "PAY_PER_REQUEST",
                "OnDemandThroughput": {"MaxReadRequestUnits": 1000},
                "GlobalSecondaryIndexes": [
                    {"IndexName": "GSI1", "KeySchema": key("GSI1PK", "GSI1SK"), "Projection": {"ProjectionType": "ALL"}},
                    {"IndexName": "GSI2", "KeySchema": key("GSI2PK", "GSI2SK"), "Projection": {"ProjectionType": "ALL"},
                     "OnDemandThroughput": {"MaxWriteRequestUnits": 50}}
                ]
            }
        })
    );
    let local = write(
        Location::local(temp_dir("req"), "l").expect("location"),
        1,
        1 << 20,
    )
    .await;
    let err = db.import_table(&local).send().await.expect_err("not S3");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::Configuration),
        "{err}"
    );
    assert_eq!(wire.sent().len(), 1, "nothing more sent");
}
