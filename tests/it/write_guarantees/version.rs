//! Optimistic-locking versions at `u64::MAX`: an error, never a panic, a wrap to 0, or a
//! stored version that no longer decodes.

use aws_sdk_dynamodb::types::AttributeValue;

use dynamorm_entities::Tenant;
use dynamorm_entities::sample::tenant;
use rstest::rstest;

use super::{bounded, is_version_exhausted, scan_raw};
use crate::harness::{Backend, table};

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_at_u64_max_is_exhausted_not_overflowed(#[case] backend: Backend) {
    let t = table(backend, "wg-version-max").await;
    let db = t.db.clone();
    bounded(60, "version overflow", async {
        // 1. A put of an entity whose version is u64::MAX (it would store MAX + 1).
        let mut at_max = tenant("maxed");
        at_max.version = u64::MAX;
        let put_db = db.clone();
        let put_value = at_max.clone();
        // In its own task, so a panic is counted rather than fatal.
        let put = tokio::spawn(async move { put_db.put(&put_value).send().await }).await;
        let put_panicked = u32::from(put.is_err());
        let put_not_exhausted = match &put {
            Ok(Err(e)) if is_version_exhausted(e) => 0u32,
            _ => 1,
        };
        let stored_after_put = u32::from(
            db.get(at_max.key())
                .consistent_read()
                .send()
                .await
                .map(|t| t.is_some())
                .unwrap_or(true),
        ) + u32::try_from(scan_raw(&db).await.len()).unwrap_or(u32::MAX);

        // 2. An update of a stored item whose version attribute is u64::MAX.
        let raw = tenant("raw");
        let mut item = dynamorm::to_item(&raw).expect("encode");
        item.insert("version".into(), AttributeValue::N(u64::MAX.to_string()));
        crate::harness::put_raw(&db, item).await;
        let update_db = db.clone();
        let update = tokio::spawn(async move {
            update_db
                .update(raw.key())
                .set(Tenant::attrs().name, "renamed")
                .send()
                .await
        })
        .await;
        let update_panicked = u32::from(update.is_err());
        let update_not_exhausted = match &update {
            Ok(Err(e)) if is_version_exhausted(e) => 0u32,
            _ => 1,
        };
        let after = db.get(tenant("raw").key()).consistent_read().send().await;
        let no_longer_decodes = u32::from(!matches!(&after, Ok(Some(t)) if t.version == u64::MAX));
        let changed = u32::from(!matches!(&after, Ok(Some(t)) if t.name == raw_name()));

        println!("version overflow: put → {put:?}; update → {update:?}; stored after: {after:?}");
        assert_eq!(
            (
                put_panicked,
                put_not_exhausted,
                stored_after_put,
                update_panicked,
                update_not_exhausted,
                no_longer_decodes,
                changed
            ),
            (0, 0, 0, 0, 0, 0, 0),
            "(put panicked, put not VersionExhausted, items stored by the put, update \
             panicked, update not VersionExhausted, stored item no longer decodes at u64::MAX, \
             stored item changed)"
        );
    })
    .await;
}

fn raw_name() -> String {
    tenant("raw").name
}
