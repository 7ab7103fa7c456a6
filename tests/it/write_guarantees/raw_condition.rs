//! Raw condition text that would escape the library's guards (unbalanced parentheses, the
//! library's own placeholders) is refused before sending.

use dynamorm::{Condition, Error};
use rstest::rstest;

use super::{TYPE, WgAlpha, WgAlphaKey, WgBeta, WgBetaKey, bounded, s, scan_raw};
use crate::harness::refused;
use crate::harness::{Backend, table};
use dynamorm::InvalidInputKind;

/// Closes the library's guard's parenthesis and ORs in something always true.
fn escape() -> Condition<WgBeta> {
    Condition::raw("attribute_exists(#a)) OR (attribute_not_exists(#a)").name("#a", "title")
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn raw_conditions_cannot_escape_the_entity_guard(#[case] backend: Backend) {
    let t = table(backend, "wg-raw-escape").await;
    let db = &t.db;
    bounded(60, "raw condition checks", async {
        let victim = WgAlpha {
            id: "r1".into(),
            secret: "the victim".into(),
        };
        db.put(&victim).send().await.expect("put alpha");
        let mut results: Vec<(&str, Result<(), Error>)> = Vec::new();

        // A put of another type at the victim's key.
        let r = db
            .put(&WgBeta {
                id: "r1".into(),
                note: "overwritten".into(),
            })
            .condition(escape())
            .send()
            .await;
        results.push(("put over another type", r));
        // An update of the victim's key as another type.
        let r = db
            .update(WgBetaKey { id: "r1".into() })
            .set(WgBeta::attrs().note, "added")
            .condition(escape())
            .send()
            .await
            .map(drop);
        results.push(("update of another type", r));
        // An update of a missing key (would create a partial item).
        let r = db
            .update(WgBetaKey { id: "ghost".into() })
            .set(WgBeta::attrs().note, "partial")
            .condition(escape())
            .send()
            .await
            .map(drop);
        results.push(("update of a missing key", r));
        // The library's own value placeholder, used without declaring it.
        let r = db
            .put(&WgBeta {
                id: "r2".into(),
                note: "n".into(),
            })
            .condition(Condition::raw("#a <> :v0").name("#a", "note"))
            .send()
            .await;
        results.push(("put using undeclared :v0", r));
        let r = db
            .update(WgBetaKey { id: "r1".into() })
            .set(WgBeta::attrs().note, "x")
            .condition(Condition::raw("#a = :v0 OR #a <> :v0").name("#a", "note"))
            .send()
            .await
            .map(drop);
        results.push(("update using undeclared :v0", r));

        let not_validation: Vec<String> = results
            .iter()
            .filter(|(_, r)| refused(r) != Some(InvalidInputKind::RawExpression))
            .map(|(what, r)| format!("{what}: {r:?}"))
            .collect();
        let victim_changed = u32::from(
            !matches!(db.get(WgAlphaKey { id: "r1".into() }).consistent_read().send().await,
                Ok(Some(a)) if a == victim),
        );
        let items = scan_raw(db).await;
        let without_discriminator = items.iter().filter(|i| s(i, TYPE).is_none()).count();
        let created = items.len().saturating_sub(1 + without_discriminator);
        println!(
            "raw escapes: {} of {} not refused as Validation: {not_validation:#?}; victim \
             changed {victim_changed}; items without discriminator {without_discriminator}; \
             other items created {created}",
            not_validation.len(),
            results.len()
        );
        assert_eq!(
            (
                not_validation.len(),
                victim_changed,
                without_discriminator,
                created
            ),
            (0, 0, 0, 0),
            "(writes not refused as Validation, victim changed, partial items without a \
             discriminator, other items created)"
        );
    })
    .await;
}
