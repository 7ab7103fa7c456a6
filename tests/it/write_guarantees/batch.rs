//! Batch writes of one entity type at a key holding another type's item: the item is left
//! alone and the write is reported as not applied.

use std::collections::HashSet;

use dynamorm::batch::{FailedWrite, WriteOutcome};
use dynamorm::{Db, EntityKey, PrimaryKey};
use dynamorm_entities::Tracker;
use rstest::rstest;

use super::{WgAlpha, WgAlphaKey, WgBeta, WgBetaKey, bounded};
use crate::harness::{Backend, table};

fn alpha(id: &str) -> WgAlpha {
    WgAlpha {
        id: id.to_owned(),
        secret: format!("alpha secret {id}"),
    }
}

fn beta(id: &str) -> WgBeta {
    WgBeta {
        id: id.to_owned(),
        note: format!("beta {id}"),
    }
}

/// How many of `alphas` are no longer stored exactly as written.
async fn changed_alphas(db: &Db<Tracker>, alphas: &[WgAlpha]) -> usize {
    let mut changed = 0;
    for a in alphas {
        let now = db
            .get(WgAlphaKey { id: a.id.clone() })
            .consistent_read()
            .send()
            .await;
        if !matches!(&now, Ok(Some(stored)) if stored == a) {
            changed += 1;
        }
    }
    changed
}

/// Whether a failed write is reported as known not to be applied.
fn not_applied(f: &FailedWrite) -> bool {
    f.outcome == WriteOutcome::NotApplied
}

fn key(id: &str) -> PrimaryKey {
    WgBetaKey { id: id.to_owned() }.render().expect("key")
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn batch_writes_never_replace_or_delete_another_entity_types_item(#[case] backend: Backend) {
    let t = table(backend, "wg-batch-type").await;
    let db = &t.db;
    bounded(120, "batch entity-type checks", async {
        // A put and a delete of a `WgBeta` at the key of a stored `WgAlpha`.
        let a = alpha("k1");
        db.put(&a).send().await.expect("put alpha");
        let put = db
            .batch_write()
            .put(&beta("k1"))
            .send()
            .await
            .expect("a valid batch");
        let changed_by_put = changed_alphas(db, std::slice::from_ref(&a)).await;
        let delete = db
            .batch_write()
            .delete(WgBetaKey { id: "k1".into() })
            .send()
            .await
            .expect("a valid batch");
        let changed_by_delete = changed_alphas(db, std::slice::from_ref(&a)).await;
        println!("batch put over another type: {put:?}");
        println!("batch delete of another type: {delete:?}");
        let reported = |out: &dynamorm::batch::BatchWriteOutput| {
            (
                out.written(),
                out.failed()
                    .iter()
                    .filter(|f| f.key == key("k1") && not_applied(f))
                    .count(),
            )
        };
        assert_eq!(
            (
                changed_by_put,
                reported(&put),
                changed_by_delete,
                reported(&delete)
            ),
            (0, (0, 1), 0, (0, 1)),
            "(alphas changed by the put, (written, failed NotApplied) of the put, alphas \
             changed by the delete, (written, failed NotApplied) of the delete)"
        );

        // 50 betas at free keys and 5 at the keys of stored alphas.
        let alphas: Vec<WgAlpha> = (0..5).map(|i| alpha(&format!("taken{i}"))).collect();
        for a in &alphas {
            db.put(a).send().await.expect("put alpha");
        }
        let free: Vec<WgBeta> = (0..50).map(|i| beta(&format!("free{i}"))).collect();
        let colliding: Vec<WgBeta> = (0..5).map(|i| beta(&format!("taken{i}"))).collect();
        let out = db
            .batch_write()
            .put_all(&free)
            .put_all(&colliding)
            .send()
            .await
            .expect("a valid batch");
        let colliding_keys: HashSet<PrimaryKey> = colliding.iter().map(|b| key(&b.id)).collect();
        let failed_colliding = out
            .failed()
            .iter()
            .filter(|f| colliding_keys.contains(&f.key) && not_applied(f))
            .count();
        let failed_free = out
            .failed()
            .iter()
            .filter(|f| !colliding_keys.contains(&f.key))
            .count();
        let changed = changed_alphas(db, &alphas).await;
        let mut betas_stored = 0;
        for b in &free {
            let now = db
                .get(b.key())
                .consistent_read()
                .send()
                .await
                .expect("get beta");
            if now.as_ref() == Some(b) {
                betas_stored += 1;
            }
        }
        println!(
            "mixed batch: written {}, failed {} ({failed_colliding} colliding NotApplied, \
             {failed_free} free), alphas changed {changed}, betas stored {betas_stored}",
            out.written(),
            out.failed().len()
        );
        assert_eq!(
            (
                out.written(),
                failed_colliding,
                failed_free,
                changed,
                betas_stored
            ),
            (50, 5, 0, 0, 50),
            "(written, colliding writes failed NotApplied, free writes failed, alphas \
             changed, betas stored)"
        );
    })
    .await;
}
