//! Input DynamoDB would reject is refused before anything is sent: a proxy without faults
//! counts the requests that reach it.

use std::future::Future;

use dynamorm::Error;
use dynamorm_entities::Task;
use dynamorm_entities::sample::task;
use dynamorm_local::FaultConfig;
use rstest::rstest;

use super::{WgBare, WgBareKey, WgMeasure, WgMeasureKey, WgTagged, bounded};
use crate::harness::{Backend, FaultyTable, faulty_table};

fn no_faults() -> FaultConfig {
    FaultConfig {
        seed: 1,
        unprocessed: 0.0,
        throttle: 0.0,
        drop_connection: 0.0,
    }
}

/// One invalid request: what it returned and how many requests reached the server.
#[derive(Debug)]
struct Probe {
    what: &'static str,
    sent: u64,
    result: String,
    refused: bool,
}

async fn probe<T: std::fmt::Debug>(
    t: &FaultyTable,
    what: &'static str,
    request: impl Future<Output = Result<T, Error>>,
) -> Probe {
    let before = t.proxy.stats().requests;
    let result = request.await;
    let sent = t.proxy.stats().requests - before;
    let refused = matches!(
        result,
        Err(Error::InvalidInput(_) | Error::Key(_) | Error::Encode(_))
    );
    Probe {
        what,
        sent,
        result: format!("{result:?}").chars().take(300).collect(),
        refused,
    }
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_is_refused_before_any_request(#[case] backend: Backend) {
    let t = faulty_table(backend, "wg-nothing-sent", no_faults()).await;
    let db = &t.db;
    let mut probes = Vec::new();
    bounded(180, "invalid-input probes", async {
        // A transaction of 100 updates, each setting a 45 KB title: 4.5 MB > 4 MB.
        let big = "x".repeat(45_000);
        let mut tx = db.transact_write();
        for i in 0..100 {
            tx = tx.action(
                db.update(task("acme", "p", i).key())
                    .set(Task::attrs().title, big.as_str()),
            );
        }
        probes.push(probe(&t, "4.5 MB transaction of updates", tx.send()).await);

        // Non-finite and out-of-range numbers, in a put and in an update.
        let measure = |value: f64| WgMeasure {
            id: "m".into(),
            value,
            label: "label".into(),
        };
        let m = WgMeasure::attrs();
        for (what_put, what_update, value) in [
            ("put of NaN", "update to NaN", f64::NAN),
            ("put of +inf", "update to +inf", f64::INFINITY),
            ("put of 1e300", "update to 1e300", 1e300),
        ] {
            probes.push(probe(&t, what_put, db.put(&measure(value)).send()).await);
            probes.push(
                probe(
                    &t,
                    what_update,
                    db.update(WgMeasureKey { id: "m".into() })
                        .set(m.value, value)
                        .send(),
                )
                .await,
            );
        }

        // String sets DynamoDB rejects: empty, and with a duplicate.
        let tagged = |tags: &[&str]| WgTagged {
            id: "t".into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            label: "label".into(),
        };
        probes.push(
            probe(
                &t,
                "put of an empty string set",
                db.put(&tagged(&[])).send(),
            )
            .await,
        );
        probes.push(
            probe(
                &t,
                "put of a string set with a duplicate",
                db.put(&tagged(&["a", "b", "a"])).send(),
            )
            .await,
        );

        // An empty partition key.
        let bare = WgBare {
            id: String::new(),
            n: 1,
        };
        probes.push(probe(&t, "put with an empty partition key", db.put(&bare).send()).await);
        probes.push(
            probe(
                &t,
                "get with an empty partition key",
                db.get(WgBareKey { id: String::new() }).send(),
            )
            .await,
        );

        // Key values over DynamoDB's limits in a query.
        let a = Task::attrs();
        probes.push(
            probe(
                &t,
                "query with a 3000-byte partition key",
                db.query(a.tenant_id.is("p".repeat(3000))).all(),
            )
            .await,
        );
        probes.push(
            probe(
                &t,
                "query with a 1100-byte sort-key prefix",
                db.query(a.tenant_id.is("acme"))
                    .sort_begins_with(a.project_id.is("s".repeat(1100)))
                    .all(),
            )
            .await,
        );
    })
    .await;

    let sent: u64 = probes.iter().map(|p| p.sent).sum();
    let reached_server = probes.iter().filter(|p| p.sent > 0).count();
    let not_refused = probes.iter().filter(|p| !p.refused).count();
    println!(
        "{} invalid requests: {reached_server} reached the server ({sent} requests), \
         {not_refused} not refused as Validation/Key/Encode",
        probes.len()
    );
    for p in &probes {
        println!(
            "  {:<45} sent {} refused {}: {}",
            p.what, p.sent, p.refused, p.result
        );
    }
    assert_eq!(
        (reached_server, not_refused),
        (0, 0),
        "(invalid requests that reached the server, invalid requests not refused): {probes:#?}"
    );
    // The direct client agrees: nothing was written.
    assert_eq!(super::scan_raw(&t.direct).await.len(), 0, "items written");
}
