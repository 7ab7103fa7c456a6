//! Property tests of the key encoding through the generated keys of the sample domain:
//! no aliasing, exact round trips, no prefix leaks, and order preservation.

use chrono::{DateTime, TimeZone, Utc};
use dynamorm::{Entity, EntityKey, KeyPart};
use dynamorm_entities::{Comment, CommentKey, Task, TaskKey};
use proptest::prelude::*;

/// Text that is likely to contain delimiters, escapes and near-collisions, or any Unicode.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[#%a b]{0,6}",
        "[a-c#]{0,3}(TASK|COMMENT|%23|%)?[a-c#]{0,3}",
        any::<String>(),
    ]
}

fn timestamp() -> impl Strategy<Value = DateTime<Utc>> {
    // Years 0000..=9999, with nanoseconds.
    (-62_167_219_200i64..253_402_300_799i64, 0u32..1_000_000_000)
        .prop_map(|(s, n)| Utc.timestamp_opt(s, n).single().unwrap_or_default())
}

fn task_key() -> impl Strategy<Value = TaskKey> {
    (text(), text(), any::<u32>()).prop_map(|(tenant_id, project_id, task_id)| TaskKey {
        tenant_id,
        project_id,
        task_id,
    })
}

fn comment_key() -> impl Strategy<Value = CommentKey> {
    (text(), text(), any::<u32>(), timestamp(), text()).prop_map(
        |(tenant_id, project_id, task_id, created_at, comment_id)| CommentKey {
            tenant_id,
            project_id,
            task_id,
            created_at,
            comment_id,
        },
    )
}

fn enc<T: KeyPart + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    value.write_key(&mut out).expect("encodes");
    out
}

/// The `begins_with` prefix of a task sort key with only the project given.
fn project_prefix(project_id: &str) -> String {
    let template = Task::SCHEMA.sort_key.expect("tasks have a sort key");
    template
        .prefix_with(1, |_, out| project_id.write_key(out))
        .expect("renders")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn task_keys_round_trip_and_never_alias(a in task_key(), b in task_key()) {
        let (ra, rb) = (a.render().expect("renders"), b.render().expect("renders"));
        prop_assert_eq!(TaskKey::parse(&ra.partition_key, ra.sort_key.as_deref()).expect("parses"), a.clone());
        prop_assert_eq!(a == b, ra == rb);
    }

    #[test]
    fn comment_keys_round_trip_and_never_alias(a in comment_key(), b in comment_key()) {
        let (ra, rb) = (a.render().expect("renders"), b.render().expect("renders"));
        prop_assert_eq!(CommentKey::parse(&ra.partition_key, ra.sort_key.as_deref()).expect("parses"), a.clone());
        prop_assert_eq!(a == b, ra == rb);
    }

    #[test]
    fn a_partial_key_prefix_matches_exactly_its_own_items(
        p in text(), q in text(), task_id in any::<u32>()
    ) {
        let key = TaskKey { tenant_id: "t".into(), project_id: q.clone(), task_id };
        let sk = key.render().expect("renders").sort_key.expect("sort key");
        prop_assert_eq!(sk.starts_with(&project_prefix(&p)), p == q, "prefix of {:?} vs key of {:?}", p, q);
    }

    #[test]
    fn text_encoding_preserves_order(a in text(), b in text()) {
        prop_assert_eq!(a.cmp(&b), enc(a.as_str()).cmp(&enc(b.as_str())));
    }

    #[test]
    fn integer_encodings_preserve_order(
        a in any::<i64>(), b in any::<i64>(), c in any::<i8>(), d in any::<i8>(),
        e in any::<u64>(), f in any::<u64>(),
    ) {
        prop_assert_eq!(a.cmp(&b), enc(&a).cmp(&enc(&b)));
        prop_assert_eq!(c.cmp(&d), enc(&c).cmp(&enc(&d)));
        prop_assert_eq!(e.cmp(&f), enc(&e).cmp(&enc(&f)));
        prop_assert_eq!(i64::parse_key(&enc(&a)).expect("parses"), a);
        prop_assert_eq!(i8::parse_key(&enc(&c)).expect("parses"), c);
        prop_assert_eq!(u64::parse_key(&enc(&e)).expect("parses"), e);
    }

    #[test]
    fn timestamp_encoding_preserves_order(a in timestamp(), b in timestamp()) {
        prop_assert_eq!(a.cmp(&b), enc(&a).cmp(&enc(&b)));
        prop_assert_eq!(DateTime::<Utc>::parse_key(&enc(&a)).expect("parses"), a);
    }

    /// Sort keys order like the tuples they encode, so range conditions on sort keys mean
    /// what they say.
    #[test]
    fn sort_keys_order_like_their_parts(a in comment_key(), b in comment_key()) {
        let tuple = |k: &CommentKey| (k.project_id.clone(), k.task_id, k.created_at, k.comment_id.clone());
        let sk = |k: &CommentKey| k.render().expect("renders").sort_key.expect("sort key");
        prop_assert_eq!(tuple(&a).cmp(&tuple(&b)), sk(&a).cmp(&sk(&b)));
    }

    #[test]
    fn entities_render_the_keys_of_their_typed_keys(key in comment_key(), body in text()) {
        let comment = Comment {
            tenant_id: key.tenant_id.clone(),
            project_id: key.project_id.clone(),
            task_id: key.task_id,
            created_at: key.created_at,
            comment_id: key.comment_id.clone(),
            author: "a".into(),
            body,
        };
        prop_assert_eq!(comment.key(), key.clone());
        let item = dynamorm::to_item(&comment).expect("encodes");
        let rendered = key.render().expect("renders");
        prop_assert_eq!(item["PK"].as_s().ok(), Some(&rendered.partition_key));
        prop_assert_eq!(item["SK"].as_s().ok(), rendered.sort_key.as_ref());
        prop_assert_eq!(dynamorm::from_item::<Comment>(item).expect("decodes"), comment);
    }
}

#[test]
fn malformed_stored_keys_are_errors_not_panics() {
    let cases = [
        ("TENANT#a", Some("PROJECT#p#TASK#12")), // wrong width
        ("TENANT#a", Some("PROJECT#p#TASK#0000000001#x")), // extra segment
        ("TENANT#a", Some("PROJECT#p%2#TASK#0000000001")), // broken escape
        ("TENANT#a", Some("PROJECT#p#TASK#99999999999")), // out of range
        ("USER#a", Some("PROJECT#p#TASK#0000000001")), // wrong literal
        ("TENANT#a", None),                      // missing sort key
    ];
    for (pk, sk) in cases {
        assert!(
            TaskKey::parse(pk, sk).is_err(),
            "{pk:?} {sk:?} should not parse"
        );
    }
}
