//! Errors never print stored values: every error the scenarios above produce, and every
//! error of its `source()` chain, formatted with `{:?}`, `{:#?}` and `{}`, is searched for
//! the secret values the items hold.

use aws_sdk_dynamodb::types::AttributeValue;
use dynamorm::{Condition, Error};
use dynamorm_entities::sample::{task, tenant, user};
use dynamorm_entities::{Task, Tenant, User};
use rstest::rstest;

use super::{WgAlpha, WgBeta, WgBetaKey, WgMeasure, WgTagged, bounded};
use crate::harness::{Backend, table};

const MAIL: &str = "secret.mail.4f1e@hidden.example";
const TITLE: &str = "SecretTitle9c2b";
const NOTE: &str = "SecretNote77d1";

fn leaks(formatted: &str) -> Vec<&'static str> {
    [MAIL, TITLE, NOTE]
        .into_iter()
        .filter(|secret| formatted.contains(secret))
        .collect()
}

/// Formats every error both ways and returns the labels of those that print a secret.
fn leaking(errors: &[(String, String, String)]) -> Vec<String> {
    errors
        .iter()
        .filter_map(|(label, debug, display)| {
            let found: Vec<&str> = leaks(debug).into_iter().chain(leaks(display)).collect();
            (!found.is_empty()).then(|| format!("{label}: prints {found:?}: {debug}"))
        })
        .collect()
}

fn record(errors: &mut Vec<(String, String, String)>, label: &str, err: &Error) {
    let mut link: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = link {
        errors.push((label.to_owned(), format!("{e:?}{e:#?}"), format!("{e}")));
        link = e.source();
    }
}

fn secret_task(id: u32) -> Task {
    let mut t = task("acme", "secret", id);
    t.title = TITLE.to_owned();
    t
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_never_print_stored_values(#[case] backend: Backend) {
    let t = table(backend, "wg-leaks").await;
    let db = t.db.clone();
    let mut errors = Vec::new();
    bounded(120, "leak scenarios", async {
        let mut push = |label: &str, r: Result<(), Error>| {
            if let Err(e) = r {
                record(&mut errors, label, &e);
            }
        };
        // Unique values.
        let mut holder = user("acme", "holder");
        holder.email = MAIL.to_owned();
        db.create(&holder).send().await.expect("create holder");
        let mut other = user("acme", "other");
        other.email = MAIL.to_owned();
        push("create with a taken value", db.create(&other).send().await);
        other.email = "free@hidden.example".to_owned();
        db.create(&other).send().await.expect("create other");
        push(
            "update to a taken value",
            db.update(other.key())
                .set(User::attrs().email, MAIL)
                .send()
                .await
                .map(drop),
        );

        // Writes at a key holding another entity type.
        db.put(&WgAlpha {
            id: "l1".into(),
            secret: NOTE.into(),
        })
        .send()
        .await
        .expect("put alpha");
        let beta = WgBeta {
            id: "l1".into(),
            note: NOTE.into(),
        };
        push("put over another type", db.put(&beta).send().await);
        push(
            "update of another type",
            db.update(WgBetaKey { id: "l1".into() })
                .set(WgBeta::attrs().note, NOTE)
                .send()
                .await
                .map(drop),
        );
        push(
            "raw condition escape",
            db.put(&beta)
                .condition(
                    Condition::raw("attribute_exists(#a)) OR (attribute_not_exists(#a)")
                        .name("#a", "title"),
                )
                .send()
                .await,
        );
        push(
            "raw condition with undeclared :v0",
            db.put(&beta)
                .condition(Condition::raw("#a <> :v0").name("#a", "note"))
                .send()
                .await,
        );

        // Values DynamoDB cannot store.
        push(
            "put of NaN",
            db.put(&WgMeasure {
                id: "m".into(),
                value: f64::NAN,
                label: NOTE.into(),
            })
            .send()
            .await,
        );
        push(
            "put of a string set with a duplicate",
            db.put(&WgTagged {
                id: "t".into(),
                tags: vec![NOTE.into(), MAIL.into(), NOTE.into()],
                label: "label".into(),
            })
            .send()
            .await,
        );
        let mut huge = secret_task(1);
        huge.title = TITLE.repeat(dynamorm::MAX_ITEM_BYTES / TITLE.len() + 1);
        push("put of a too-large item", db.put(&huge).send().await);
        let big = TITLE.repeat(45_000 / TITLE.len());
        let mut tx = db.transact_write();
        for i in 0..100 {
            tx = tx.action(
                db.update(task("acme", "p", i).key())
                    .set(Task::attrs().title, big.as_str()),
            );
        }
        push("4.5 MB transaction", tx.send().await);

        // Transactions and plain writes that fail on an existing item.
        let stored = secret_task(2);
        db.put(&stored).send().await.expect("put task");
        push(
            "create over an existing item",
            db.create(&stored).send().await,
        );
        push(
            "transaction create over an existing item",
            db.transact_write().action(db.create(&stored)).send().await,
        );
        push(
            "failed condition",
            db.update(stored.key())
                .set(Task::attrs().points, 5u32)
                .condition(Task::attrs().title.eq("something else"))
                .send()
                .await
                .map(drop),
        );

        // Versions at u64::MAX.
        let mut maxed = tenant("maxed");
        maxed.name = TITLE.to_owned();
        maxed.version = u64::MAX;
        let put_db = db.clone();
        let put_value = maxed.clone();
        if let Ok(r) = tokio::spawn(async move { put_db.put(&put_value).send().await }).await {
            push("put at u64::MAX", r);
        }
        let mut raw_tenant = dynamorm::to_item(&maxed).expect("encode");
        raw_tenant.insert("version".into(), AttributeValue::N(u64::MAX.to_string()));
        crate::harness::put_raw(&db, raw_tenant).await;
        let update_db = db.clone();
        let key = maxed.key();
        if let Ok(r) = tokio::spawn(async move {
            update_db
                .update(key)
                .set(Tenant::attrs().plan, dynamorm_entities::Plan::Free)
                .send()
                .await
                .map(drop)
        })
        .await
        {
            push("update at u64::MAX", r);
        }
        push(
            "get after the update at u64::MAX",
            db.get(maxed.key()).send().await.map(drop),
        );

        // An item that does not decode.
        let mut malformed = dynamorm::to_item(&secret_task(3)).expect("encode");
        malformed.insert("points".into(), AttributeValue::S(NOTE.to_owned()));
        db.client()
            .put_item()
            .table_name(db.table_name())
            .set_item(Some(malformed.clone()))
            .send()
            .await
            .expect("raw put");
        push(
            "get of a malformed item",
            db.get(secret_task(3).key()).send().await.map(drop),
        );

        // Batch writes at another type's key (reported per write).
        let out = db.batch_write().put(&beta).send().await;
        match out {
            Ok(out) => {
                let failed = format!("{:?}", out.failed());
                errors.push(("batch failed writes".into(), failed.clone(), failed));
                if let Err(e) = out.into_result() {
                    record(&mut errors, "batch into_result", &e);
                }
            }
            Err(e) => record(&mut errors, "batch", &e),
        }

        // A stream record that does not decode.
        let wire = serde_json::to_value(serde_dynamo::Item::from(malformed.clone())).expect("json");
        let keys: dynamorm::Item = malformed
            .iter()
            .filter(|(k, _)| *k == "PK" || *k == "SK")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let keys = serde_json::to_value(serde_dynamo::Item::from(keys)).expect("json");
        let event = serde_json::json!({ "Records": [{
            "eventID": "1", "eventName": "INSERT", "awsRegion": "us-east-1",
            "dynamodb": { "Keys": keys, "NewImage": wire, "SequenceNumber": "1",
                          "SizeBytes": 1, "StreamViewType": "NEW_IMAGE" }
        }]});
        let changes: dynamorm::stream::Changes<dynamorm_entities::TrackerItem> =
            dynamorm::stream::from_lambda_event(serde_json::from_value(event).expect("event"));
        for f in &changes.failures {
            record(&mut errors, "stream record", &f.error);
        }
    })
    .await;

    let leaked = leaking(&errors);
    println!(
        "{} errors formatted, {} print a stored value:\n{}",
        errors.len(),
        leaked.len(),
        leaked.join("\n")
    );
    for (label, _, display) in &errors {
        println!("  {label}: {display}");
    }
    assert!(
        errors.len() >= 12,
        "the scenarios produced errors: {errors:#?}"
    );
    assert_eq!(
        leaked.len(),
        0,
        "errors print stored values:\n{}",
        leaked.join("\n")
    );
}

/// Kept apart: `return_old_on_failure()` asks for the old item, which the error then
/// carries; printing the error must still not print it (it is read with `old()`).
#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn an_error_carrying_the_old_item_does_not_print_it(#[case] backend: Backend) {
    let t = table(backend, "wg-leaks-old").await;
    let db = &t.db;
    let stored = secret_task(1);
    db.put(&stored).send().await.expect("put");
    let err = bounded(
        30,
        "failed condition",
        db.update(stored.key())
            .set(Task::attrs().points, 5u32)
            .condition(Task::attrs().title.eq("something else"))
            .return_old_on_failure()
            .send(),
    )
    .await
    .expect_err("condition fails");
    let old_title = match &err {
        Error::ConditionFailed(c) => c.old::<Task>().and_then(Result::ok).map(|t| t.title),
        _ => None,
    };
    assert_eq!(
        old_title.as_deref(),
        Some(TITLE),
        "the old item is carried: {err}"
    );
    let found: Vec<&str> = leaks(&format!("{err:?}"))
        .into_iter()
        .chain(leaks(&format!("{err}")))
        .collect();
    assert_eq!(found.len(), 0, "the error prints {found:?}: {err:?}");
}
