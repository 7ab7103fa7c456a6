//! Table settings end to end: a [`Deployment`] applied by `ensure_table_with`, read back by
//! `Db::drift`, and each setting changed by hand (raw SDK) reported once with its declared
//! and live values, then brought back. Each server holds part of DynamoDB's settings (see
//! `held_by`); what neither holds — point-in-time recovery, resource policies,
//! Contributor Insights, warm throughput, replicas — is pinned on the wire against
//! AWS-shaped responses: what `drift` reads from them, and every request
//! `ensure_table_with` sends to fix each setting.

use aws_sdk_dynamodb::types::{
    OnDemandThroughput, StreamSpecification, StreamViewType, TableClass as SdkTableClass, Tag,
    TimeToLiveSpecification,
};
use dynamorm::deploy::{
    Billing, Consistency, ContributorInsights, Deployment, Drift, MaxThroughput, Setting,
    TableClass, WarmThroughput,
};
use dynamorm::{Db, Error, InvalidInputKind, Table};
use dynamorm_entities::{Tracker, TrackerItem};
use rstest::rstest;
use serde_json::{Value, json};

use crate::design::{POLICY, every_setting};
use crate::harness::{Backend, client, invalid_kind, unique_name};
use crate::wire::Wire;

/// The settings `backend` creates, updates and reports back: DynamoDB Local keeps an
/// index's maximum throughput but not the table's, nor tags or the table class; the
/// embedded engine keeps those but not an index's maximum.
fn held_by(backend: Backend) -> Deployment {
    let both = Deployment::default()
        .stream(StreamViewType::NewAndOldImages)
        .deletion_protection(true);
    match backend {
        Backend::DdbLocal => both.index_max_throughput(
            Tracker::GSI1,
            MaxThroughput {
                read: Some(200),
                write: Some(100),
            },
        ),
        Backend::Embedded => both
            .max_throughput(MaxThroughput {
                read: Some(300),
                write: None,
            })
            .table_class(TableClass::StandardInfrequentAccess)
            .tag("team", "tracker")
            .tag("env", "test"),
    }
}

fn shown(drifts: &[Drift]) -> Vec<String> {
    drifts.iter().map(ToString::to_string).collect()
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployed_table_has_no_drift_and_each_hand_change_is_reported_once(
    #[case] backend: Backend,
) {
    let (client, _server) = client(backend);
    let db = Db::<Tracker>::with_table_name(client.clone(), unique_name("deploy"));
    let deployment = held_by(backend);
    db.ensure_table_with(&deployment)
        .await
        .expect("created with its settings");
    assert_eq!(
        shown(&db.drift(&deployment).await.expect("drift")),
        Vec::<String>::new()
    );
    // Idempotent: a second run changes nothing and finds nothing.
    db.ensure_table_with(&deployment)
        .await
        .expect("ensured again");

    let name = db.table_name().to_owned();
    let mut expected = Vec::new();
    let update = || client.update_table().table_name(&name);
    update()
        .deletion_protection_enabled(false)
        .send()
        .await
        .expect("protection off");
    expected.push("deletion protection: declared on, live off");
    let off = StreamSpecification::builder()
        .stream_enabled(false)
        .build()
        .expect("spec");
    update()
        .stream_specification(off)
        .send()
        .await
        .expect("stream off");
    expected.push("stream: declared NEW_AND_OLD_IMAGES, live off");
    let ttl_off = TimeToLiveSpecification::builder()
        .attribute_name("expires")
        .enabled(false)
        .build()
        .expect("spec");
    client
        .update_time_to_live()
        .table_name(&name)
        .time_to_live_specification(ttl_off)
        .send()
        .await
        .expect("ttl off");
    expected.push("time to live: declared on `expires`, live off");
    if let Backend::Embedded = backend {
        let max = OnDemandThroughput::builder()
            .max_read_request_units(900)
            .build();
        update()
            .on_demand_throughput(max)
            .send()
            .await
            .expect("maximum changed");
        expected.push(
            "maximum on-demand throughput: declared read 300, write unlimited, live read 900, \
             write unlimited",
        );
        update()
            .table_class(SdkTableClass::Standard)
            .send()
            .await
            .expect("class changed");
        expected.push("table class: declared STANDARD_INFREQUENT_ACCESS, live STANDARD");
        let arn = db_arn(&client, &name).await;
        let tag = Tag::builder()
            .key("team")
            .value("billing")
            .build()
            .expect("tag");
        let extra = Tag::builder()
            .key("owner")
            .value("ann")
            .build()
            .expect("tag");
        client
            .tag_resource()
            .resource_arn(&arn)
            .tags(tag)
            .tags(extra)
            .send()
            .await
            .expect("tagged");
        expected.push("tag `owner`: declared absent, live `ann`");
        expected.push("tag `team`: declared `tracker`, live `billing`");
    }
    let mut found = shown(&db.drift(&deployment).await.expect("drift"));
    found.sort();
    expected.sort();
    assert_eq!(
        found, expected,
        "each hand change reported once, with both values"
    );

    db.ensure_table_with(&deployment)
        .await
        .expect("brought back");
    assert_eq!(
        shown(&db.drift(&deployment).await.expect("drift")),
        Vec::<String>::new()
    );
}

async fn db_arn(client: &aws_sdk_dynamodb::Client, name: &str) -> String {
    let out = client
        .describe_table()
        .table_name(name)
        .send()
        .await
        .expect("described");
    out.table.and_then(|t| t.table_arn).expect("an ARN")
}

/// What a server cannot hold is refused, never reported as done: a deployment asking
/// DynamoDB Local for point-in-time recovery fails with the server's own answer, and its
/// drift says the setting is unknown there.
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setting_the_server_lacks_is_refused_and_reported_unknown(#[case] backend: Backend) {
    let (client, _server) = client(backend);
    let db = Db::<Tracker>::with_table_name(client, unique_name("deploy-lacks"));
    db.create_table().await.expect("created");
    let deployment = Deployment::default().point_in_time_recovery(true);
    let err = db
        .ensure_table_with(&deployment)
        .await
        .expect_err("the server lacks PITR");
    assert_eq!(err.code(), Some("UnknownOperationException"), "{err}");
    let drifts = db.drift(&deployment).await.expect("drift");
    assert_eq!(drifts.len(), 1, "{drifts:?}");
    assert_eq!(drifts[0].setting, Setting::PointInTimeRecovery);
    assert!(
        drifts[0]
            .live
            .starts_with("unknown: DescribeContinuousBackups"),
        "{}",
        drifts[0]
    );
    // Asking for DynamoDB's default (off) of a setting the server lacks is no drift.
    assert!(
        db.drift(&Deployment::default())
            .await
            .expect("drift")
            .is_empty()
    );
}

/// Invalid deployments are refused before any request, each naming the setting.
#[tokio::test]
async fn invalid_deployments_are_refused_before_anything_is_sent() {
    let cases: Vec<(&str, Deployment)> = vec![
        ("period", Deployment::default().recovery_period_days(36)),
        ("period", Deployment::default().recovery_period_days(0)),
        ("policy", Deployment::default().resource_policy("not json")),
        ("policy", Deployment::default().resource_policy("[1]")),
        ("tag key", Deployment::default().tag("aws:reserved", "x")),
        ("tag key", Deployment::default().tag("", "x")),
        ("tag value", Deployment::default().tag("k", "v".repeat(257))),
        (
            "tags",
            (0..51).fold(Deployment::default(), |d, i| d.tag(format!("k{i}"), "v")),
        ),
        (
            "max",
            Deployment::default().max_throughput(MaxThroughput {
                read: Some(0),
                write: None,
            }),
        ),
        (
            "provisioned max",
            Deployment::default()
                .billing(Billing::Provisioned { read: 5, write: 5 })
                .max_throughput(MaxThroughput {
                    read: Some(10),
                    write: None,
                }),
        ),
        (
            "warm",
            Deployment::default().warm_throughput(WarmThroughput {
                reads_per_second: 0,
                writes_per_second: 1,
            }),
        ),
        (
            "replica twice",
            Deployment::default()
                .stream(StreamViewType::NewAndOldImages)
                .replica("us-west-2")
                .replica("us-west-2"),
        ),
        ("replica stream", Deployment::default().replica("us-west-2")),
        (
            "strong regions",
            Deployment::default()
                .replica("us-west-2")
                .consistency(Consistency::Strong { witness: None }),
        ),
        (
            "witness replica",
            Deployment::default()
                .replica("us-west-2")
                .consistency(Consistency::Strong {
                    witness: Some("us-west-2".into()),
                }),
        ),
        (
            "other table's index",
            Deployment::default().index_max_throughput(
                dynamorm_entities::deals::Deals::UserIndex,
                MaxThroughput::default(),
            ),
        ),
    ];
    let wire = Wire::new(&[]);
    let db = Db::<Tracker>::new(wire.client.clone());
    for (what, deployment) in &cases {
        for result in [
            db.ensure_table_with(deployment).await.map(drop),
            db.create_table_with(deployment).await.map(drop),
            db.drift(deployment).await.map(drop),
            dynamorm::design::cloudformation::<Tracker>(deployment).map(drop),
            dynamorm::design::terraform::<Tracker>(deployment).map(drop),
        ] {
            let err = result.expect_err(what);
            assert_eq!(
                invalid_kind(&err),
                Some(InvalidInputKind::Configuration),
                "{what}: {err}"
            );
        }
    }
    assert!(wire.sent().is_empty(), "sent {:?}", wire.sent());
}

/// A live table as AWS describes one deployed with [`every_setting`], with what AWS
/// computes on top: a default warm throughput on GSI1, the home Region among the
/// replicas' descriptions... (none here), the policy reformatted.
fn aws_live() -> Vec<(&'static str, Value)> {
    let schema = &Tracker::SCHEMA;
    let definitions: Vec<Value> = schema
        .attribute_definitions()
        .iter()
        .map(|a| json!({"AttributeName": a.name, "AttributeType": a.scalar.as_str()}))
        .collect();
    let keys = |pk: &str, sk: &str| json!([{"AttributeName": pk, "KeyType": "HASH"}, {"AttributeName": sk, "KeyType": "RANGE"}]);
    let table = json!({
        "TableName": "tracker",
        "TableStatus": "ACTIVE",
        "TableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/tracker",
        "ItemCount": 1234,
        "TableSizeBytes": 56789,
        "AttributeDefinitions": definitions,
        "KeySchema": keys(schema.partition_key(), schema.sort_key().expect("a sort key")),
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0, "NumberOfDecreasesToday": 0},
        "OnDemandThroughput": {"MaxReadRequestUnits": 4000, "MaxWriteRequestUnits": -1},
        "WarmThroughput": {"ReadUnitsPerSecond": 15000, "WriteUnitsPerSecond": 6000, "Status": "ACTIVE"},
        "GlobalSecondaryIndexes": [
            {"IndexName": "GSI1", "IndexStatus": "ACTIVE", "KeySchema": keys("GSI1PK", "GSI1SK"),
             "Projection": {"ProjectionType": "ALL"},
             "OnDemandThroughput": {"MaxReadRequestUnits": 800, "MaxWriteRequestUnits": 200},
             "WarmThroughput": {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"}},
            {"IndexName": "GSI2", "IndexStatus": "ACTIVE", "KeySchema": keys("GSI2PK", "GSI2SK"),
             "Projection": {"ProjectionType": "ALL"},
             "WarmThroughput": {"ReadUnitsPerSecond": 14000, "WriteUnitsPerSecond": 4500, "Status": "ACTIVE"}}
        ],
        "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "TableClassSummary": {"TableClass": "STANDARD_INFREQUENT_ACCESS"},
        "DeletionProtectionEnabled": true
    });
    let policy: Value = serde_json::from_str(POLICY).expect("the policy is JSON");
    vec![
        ("DescribeTable", json!({"Table": table})),
        (
            "DescribeTimeToLive",
            json!({"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}}),
        ),
        (
            "DescribeContinuousBackups",
            json!({"ContinuousBackupsDescription": {
            "ContinuousBackupsStatus": "ENABLED",
            "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "ENABLED", "RecoveryPeriodInDays": 14}}}),
        ),
        (
            "ListTagsOfResource",
            json!({"Tags": [{"Key": "cost-centre", "Value": "42"}, {"Key": "team", "Value": "tracker"}]}),
        ),
        (
            "GetResourcePolicy",
            json!({"Policy": serde_json::to_string_pretty(&policy).expect("JSON"), "RevisionId": "1"}),
        ),
        (
            "DescribeContributorInsights",
            json!({"TableName": "tracker", "ContributorInsightsStatus": "ENABLED", "ContributorInsightsMode": "THROTTLED_KEYS"}),
        ),
    ]
}

/// Changes `operation`'s canned answer at `pointer` to `value`.
fn with(
    mut responses: Vec<(&'static str, Value)>,
    operation: &str,
    pointer: &str,
    value: Value,
) -> Vec<(&'static str, Value)> {
    let (_, body) = responses
        .iter_mut()
        .find(|(op, _)| *op == operation)
        .expect("a canned operation");
    *body
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} in {operation}")) = value;
    responses
}

#[tokio::test]
async fn drift_reads_every_setting_from_aws_and_ignores_what_aws_computes() {
    let wire = Wire::new(&aws_live());
    let db = Db::<Tracker>::new(wire.client.clone());
    let drifts = db.drift(&every_setting()).await.expect("drift");
    assert_eq!(shown(&drifts), Vec::<String>::new());
    let operations: Vec<String> = wire.sent().into_iter().map(|s| s.operation).collect();
    assert_eq!(
        operations,
        [
            "DescribeTable",
            "DescribeTimeToLive",
            "DescribeContinuousBackups",
            "ListTagsOfResource",
            "GetResourcePolicy",
            "DescribeContributorInsights"
        ]
    );
}

#[tokio::test]
async fn drift_reports_each_setting_changed_on_aws_once() {
    let mut live = aws_live();
    let changes: Vec<(&str, &str, Value, &str)> = vec![
        (
            "DescribeTable",
            "/Table/BillingModeSummary/BillingMode",
            json!("PROVISIONED"),
            "billing: declared on-demand, live provisioned, 0 read and 0 write units",
        ),
        (
            "DescribeTable",
            "/Table/WarmThroughput/ReadUnitsPerSecond",
            json!(12000),
            "warm throughput: declared 15000 reads/s, 6000 writes/s, live 12000 reads/s, 6000 writes/s",
        ),
        (
            "DescribeTable",
            "/Table/GlobalSecondaryIndexes/1/WarmThroughput/WriteUnitsPerSecond",
            json!(4000),
            "warm throughput of `GSI2`: declared 13000 reads/s, 4500 writes/s, live 14000 reads/s, 4000 writes/s",
        ),
        (
            "DescribeTable",
            "/Table/TableClassSummary/TableClass",
            json!("STANDARD"),
            "table class: declared STANDARD_INFREQUENT_ACCESS, live STANDARD",
        ),
        (
            "DescribeTable",
            "/Table/StreamSpecification/StreamViewType",
            json!("NEW_IMAGE"),
            "stream: declared NEW_AND_OLD_IMAGES, live NEW_IMAGE",
        ),
        (
            "DescribeTable",
            "/Table/DeletionProtectionEnabled",
            json!(false),
            "deletion protection: declared on, live off",
        ),
        (
            "DescribeTimeToLive",
            "/TimeToLiveDescription/TimeToLiveStatus",
            json!("DISABLED"),
            "time to live: declared on `expires`, live off",
        ),
        (
            "DescribeContinuousBackups",
            "/ContinuousBackupsDescription/PointInTimeRecoveryDescription/RecoveryPeriodInDays",
            json!(35),
            "point-in-time recovery: declared on, 14 days, live on, 35 days",
        ),
        (
            "ListTagsOfResource",
            "/Tags/1/Value",
            json!("payments"),
            "tag `team`: declared `tracker`, live `payments`",
        ),
        (
            "GetResourcePolicy",
            "/Policy",
            json!(r#"{"Version":"2012-10-17","Statement":[]}"#),
            "resource policy: declared ",
        ),
        (
            "DescribeContributorInsights",
            "/ContributorInsightsStatus",
            json!("DISABLED"),
            "contributor insights: declared THROTTLED_KEYS, live off",
        ),
    ];
    for (operation, pointer, value, _) in &changes {
        live = with(live, operation, pointer, value.clone());
    }
    let wire = Wire::new(&live);
    let db = Db::<Tracker>::new(wire.client.clone());
    let mut found = shown(&db.drift(&every_setting()).await.expect("drift"));
    found.sort();
    let mut expected: Vec<&str> = changes.iter().map(|c| c.3).collect();
    expected.sort();
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (found, expected) in found.iter().zip(&expected) {
        assert!(found.starts_with(expected), "{found} / {expected}");
    }
    // On billing provisioned the maxima are not compared, so billing is one drift, not three.
}

/// Replicas: the home Region DynamoDB lists among them is not drift; a missing replica
/// and an undeclared one are, each once; consistency is compared when there are any.
#[tokio::test]
async fn drift_reads_replicas_and_consistency() {
    let replicas = json!([
        {"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"},
        {"RegionName": "eu-west-1", "ReplicaStatus": "ACTIVE"},
        {"RegionName": "ap-south-1", "ReplicaStatus": "ACTIVE"}
    ]);
    let mut live = aws_live();
    let (_, body) = live
        .iter_mut()
        .find(|(op, _)| *op == "DescribeTable")
        .expect("canned");
    body["Table"]["Replicas"] = replicas;
    body["Table"]["MultiRegionConsistency"] = json!("EVENTUAL");
    let wire = Wire::new(&live);
    let db = Db::<Tracker>::new(wire.client.clone());
    let declared = every_setting().replica("eu-west-1").replica("us-west-2");
    let mut found = shown(&db.drift(&declared).await.expect("drift"));
    found.sort();
    assert_eq!(
        found,
        [
            "replica in ap-south-1: declared absent, live present",
            "replica in us-west-2: declared present, live absent",
        ]
    );
    let strong = every_setting()
        .replica("eu-west-1")
        .consistency(Consistency::Strong {
            witness: Some("ap-south-1".into()),
        });
    let found = shown(&db.drift(&strong).await.expect("drift"));
    assert!(
        found.contains(
            &"multi-Region consistency: declared strong, witness ap-south-1, live eventual"
                .to_owned()
        ),
        "{found:#?}"
    );
}

/// `ensure_table_with` on a table whose every setting differs: the requests it sends, in
/// order, each pinned; then — the canned server still answering the old settings — the
/// check afterwards names what the server does not hold.
#[tokio::test]
async fn ensure_sends_one_fix_per_drifted_setting_in_dynamodbs_order() {
    let mut live = aws_live();
    let (_, body) = live
        .iter_mut()
        .find(|(op, _)| *op == "DescribeTable")
        .expect("canned");
    let table = &mut body["Table"];
    table["OnDemandThroughput"] = json!({"MaxReadRequestUnits": 100});
    table["GlobalSecondaryIndexes"][0]["OnDemandThroughput"] =
        json!({"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 100});
    table["StreamSpecification"] = json!({"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"});
    table["TableClassSummary"] = json!({"TableClass": "STANDARD"});
    table["DeletionProtectionEnabled"] = json!(false);
    table["WarmThroughput"] = json!({"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000});
    let live = with(
        live,
        "DescribeContinuousBackups",
        "/ContinuousBackupsDescription/PointInTimeRecoveryDescription/PointInTimeRecoveryStatus",
        json!("DISABLED"),
    );
    let live = with(
        live,
        "ListTagsOfResource",
        "/Tags",
        json!([{"Key": "old", "Value": "1"}]),
    );
    let live = with(
        live,
        "DescribeContributorInsights",
        "/ContributorInsightsStatus",
        json!("DISABLED"),
    );
    let mut live = live;
    live.retain(|(op, _)| *op != "GetResourcePolicy");
    live.push(("GetResourcePolicy", json!({})));
    let wire = Wire::new(&live);
    let db = Db::<Tracker>::new(wire.client.clone());
    let declared = every_setting().replica("eu-west-1");
    let err = db
        .ensure_table_with(&declared)
        .await
        .expect_err("the canned server holds nothing");
    assert!(matches!(err, Error::TableMismatch { .. }), "{err}");
    assert!(err.to_string().contains("does not hold"), "{err}");
    let updates: Vec<(String, Value)> = wire
        .sent()
        .into_iter()
        .filter(|s| {
            !s.operation.starts_with("Describe")
                && !s.operation.starts_with("List")
                && !s.operation.starts_with("Get")
        })
        .map(|s| (s.operation, s.body))
        .collect();
    let arn = "arn:aws:dynamodb:us-east-1:123456789012:table/tracker";
    let policy: Value = serde_json::from_str(POLICY).expect("JSON");
    let expected = vec![
        (
            "UpdateTable",
            json!({"TableName": "tracker", "OnDemandThroughput": {"MaxReadRequestUnits": 4000, "MaxWriteRequestUnits": -1}}),
        ),
        (
            "UpdateTable",
            json!({"TableName": "tracker", "WarmThroughput": {"ReadUnitsPerSecond": 15000, "WriteUnitsPerSecond": 6000}}),
        ),
        (
            "UpdateTable",
            json!({"TableName": "tracker", "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "GSI1", "OnDemandThroughput": {"MaxReadRequestUnits": 800, "MaxWriteRequestUnits": 200}}}]}),
        ),
        (
            "UpdateTable",
            json!({"TableName": "tracker", "TableClass": "STANDARD_INFREQUENT_ACCESS"}),
        ),
        (
            "UpdateTable",
            json!({"TableName": "tracker", "DeletionProtectionEnabled": true}),
        ),
        (
            "UpdateTable",
            json!({"TableName": "tracker", "StreamSpecification": {"StreamEnabled": false}}),
        ),
        (
            "UpdateTable",
            json!({"TableName": "tracker", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}}),
        ),
        (
            "TagResource",
            json!({"ResourceArn": arn, "Tags": [{"Key": "cost-centre", "Value": "42"}, {"Key": "team", "Value": "tracker"}]}),
        ),
        (
            "UntagResource",
            json!({"ResourceArn": arn, "TagKeys": ["old"]}),
        ),
        (
            "PutResourcePolicy",
            json!({"ResourceArn": arn, "Policy": POLICY}),
        ),
        (
            "UpdateContinuousBackups",
            json!({"TableName": "tracker", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": 14}}),
        ),
        (
            "UpdateContributorInsights",
            json!({"TableName": "tracker", "ContributorInsightsAction": "ENABLE", "ContributorInsightsMode": "THROTTLED_KEYS"}),
        ),
        (
            "UpdateTable",
            json!({"TableName": "tracker", "ReplicaUpdates": [{"Create": {"RegionName": "eu-west-1"}}]}),
        ),
    ];
    let _ = policy;
    let expected: Vec<(String, Value)> = expected
        .into_iter()
        .map(|(o, b)| (o.to_owned(), b))
        .collect();
    assert_eq!(updates, expected);
}

/// `create_table_with` puts every setting CreateTable takes into CreateTable itself.
#[tokio::test]
async fn create_sends_every_setting_createtable_takes() {
    let wire = Wire::new(&aws_live());
    let db = Db::<Tracker>::new(wire.client.clone());
    db.create_table_with(&every_setting())
        .await
        .expect("the canned table holds them all");
    let sent = wire.sent();
    let create = &sent
        .iter()
        .find(|s| s.operation == "CreateTable")
        .expect("CreateTable")
        .body;
    assert_eq!(create["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        create["OnDemandThroughput"],
        json!({"MaxReadRequestUnits": 4000})
    );
    assert_eq!(
        create["WarmThroughput"],
        json!({"ReadUnitsPerSecond": 15000, "WriteUnitsPerSecond": 6000})
    );
    assert_eq!(
        create["StreamSpecification"],
        json!({"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    );
    assert_eq!(create["TableClass"], "STANDARD_INFREQUENT_ACCESS");
    assert_eq!(create["DeletionProtectionEnabled"], true);
    assert_eq!(create["ResourcePolicy"], POLICY);
    assert_eq!(
        create["Tags"],
        json!([{"Key": "cost-centre", "Value": "42"}, {"Key": "team", "Value": "tracker"}])
    );
    let gsis = create["GlobalSecondaryIndexes"]
        .as_array()
        .expect("indexes");
    assert_eq!(
        gsis[0]["OnDemandThroughput"],
        json!({"MaxReadRequestUnits": 800, "MaxWriteRequestUnits": 200})
    );
    assert_eq!(
        gsis[1]["WarmThroughput"],
        json!({"ReadUnitsPerSecond": 13000, "WriteUnitsPerSecond": 4500})
    );
    // The canned table already holds the rest: nothing else is changed.
    let operations: Vec<&str> = sent
        .iter()
        .map(|s| s.operation.as_str())
        .filter(|o| !o.starts_with("Describe") && !o.starts_with("List") && !o.starts_with("Get"))
        .collect();
    assert_eq!(operations, ["CreateTable", "UpdateTimeToLive"]);
}

/// The doctor reports setting drift with its item findings.
#[tokio::test]
async fn the_doctor_reports_setting_drift() {
    let wire = Wire::new(&with(
        aws_live(),
        "DescribeTable",
        "/Table/DeletionProtectionEnabled",
        json!(false),
    ));
    let db = Db::<Tracker>::new(wire.client.clone());
    let checkup = db
        .doctor::<TrackerItem>()
        .settings(every_setting())
        .run()
        .await
        .expect("checkup");
    assert_eq!(
        shown(&checkup.settings),
        ["deletion protection: declared on, live off"]
    );
    assert!(!checkup.is_healthy());
    assert_eq!(checkup.counts().get("setting_drift"), Some(&1));
    let _ = ContributorInsights::Off;
}

/// What only the live handle knows is refused before anything is sent too: a deployment
/// for another table, or the client's own Region as a replica.
#[tokio::test]
async fn a_deployment_for_another_table_or_region_is_refused() {
    let wire = Wire::new(&[]);
    let db = Db::<Tracker>::new(wire.client.clone());
    let other = Deployment::default().table_name("tracker-prod");
    let home = Deployment::default()
        .stream(StreamViewType::NewAndOldImages)
        .replica("us-east-1");
    for deployment in [&other, &home] {
        for result in [
            db.ensure_table_with(deployment).await.map(drop),
            db.drift(deployment).await.map(drop),
        ] {
            let err = result.expect_err("refused");
            assert_eq!(
                invalid_kind(&err),
                Some(InvalidInputKind::Configuration),
                "{err}"
            );
        }
    }
    assert!(wire.sent().is_empty());
}

/// A provisioned table: an index whose capacity differs is its own drift, fixed by that
/// index's update alone; a new table capacity is sent without the indexes' (DynamoDB
/// refuses an update that changes nothing).
#[tokio::test]
async fn provisioned_capacity_drifts_per_index_and_is_fixed_alone() {
    let mut live = aws_live();
    let (_, body) = live
        .iter_mut()
        .find(|(op, _)| *op == "DescribeTable")
        .expect("canned");
    let table = &mut body["Table"];
    table["BillingModeSummary"] = json!({"BillingMode": "PROVISIONED"});
    table["ProvisionedThroughput"] = json!({"ReadCapacityUnits": 5, "WriteCapacityUnits": 5});
    table
        .as_object_mut()
        .expect("object")
        .remove("OnDemandThroughput");
    table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"] =
        json!({"ReadCapacityUnits": 5, "WriteCapacityUnits": 5});
    table["GlobalSecondaryIndexes"][1]["ProvisionedThroughput"] =
        json!({"ReadCapacityUnits": 9, "WriteCapacityUnits": 5});
    for index in [0, 1] {
        table["GlobalSecondaryIndexes"][index]
            .as_object_mut()
            .expect("object")
            .remove("OnDemandThroughput");
    }
    let wire = Wire::new(&live);
    let db = Db::<Tracker>::new(wire.client.clone());
    let declared = Deployment::production()
        .billing(Billing::Provisioned { read: 5, write: 5 })
        .stream(StreamViewType::NewAndOldImages)
        .warm_throughput(WarmThroughput {
            reads_per_second: 15_000,
            writes_per_second: 6_000,
        })
        .recovery_period_days(14)
        .table_class(TableClass::StandardInfrequentAccess)
        .resource_policy(POLICY)
        .tag("team", "tracker")
        .tag("cost-centre", "42")
        .contributor_insights(ContributorInsights::ThrottledKeys);
    let drifts = shown(&db.drift(&declared).await.expect("drift"));
    assert_eq!(
        drifts,
        [
            "provisioned capacity of `GSI2`: declared 5 read and 5 write units, live 9 read and 5 write units"
        ]
    );
    let _ = db.ensure_table_with(&declared).await;
    let updates: Vec<Value> = wire
        .sent()
        .into_iter()
        .filter(|s| s.operation == "UpdateTable")
        .map(|s| s.body)
        .collect();
    assert_eq!(
        updates,
        [
            json!({"TableName": "tracker", "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "GSI2", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}}]})
        ]
    );
    // The table's capacity changed alone: one UpdateTable without the indexes.
    let doubled = declared.billing(Billing::Provisioned { read: 10, write: 5 });
    let wire = Wire::new(&live);
    let db = Db::<Tracker>::new(wire.client.clone());
    let _ = db.ensure_table_with(&doubled).await;
    let first = wire
        .sent()
        .into_iter()
        .find(|s| s.operation == "UpdateTable")
        .expect("an update")
        .body;
    assert_eq!(
        first,
        json!({"TableName": "tracker", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 5}})
    );
}
