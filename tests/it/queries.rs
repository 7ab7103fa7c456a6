//! Queries, pagination, cursors, collections and scans on both servers.

use dynamorm::{Cursor, Error, Page};
use dynamorm_entities::sample::{assigned_task, comment, project, task, tenant, user};
use dynamorm_entities::{
    Comment, Project, ProjectBoard, Task, Tenant, TenantWorkspace, Tracker, TrackerItem,
    TrackerItemKind, User,
};
use futures::{StreamExt, TryStreamExt};
use rstest::rstest;

use crate::harness::invalid_kind;
use crate::harness::{Backend, seed, table};
use dynamorm::InvalidInputKind;

fn is_invalid<T>(result: Result<Page<T>, Error>) -> bool {
    matches!(result, Err(Error::InvalidCursor { .. }))
}

fn tasks(tenant: &str, project: &str, ids: std::ops::RangeInclusive<u32>) -> Vec<TrackerItem> {
    ids.map(|i| task(tenant, project, i).into()).collect()
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn pages_stream_in_key_order_across_many_pages(#[case] backend: Backend) {
    let t = table(backend, "paging").await;
    seed(&t.db, tasks("acme", "p1", 1..=25)).await;
    let a = Task::attrs();
    let query = || {
        t.db.query(a.tenant_id.is("acme"))
            .sort_begins_with(a.project_id.is("p1"))
    };

    // Numeric order although the key is text: ids are zero-padded.
    let ids: Vec<u32> = query()
        .page_size(10)
        .all()
        .await
        .expect("all")
        .iter()
        .map(|t| t.task_id)
        .collect();
    assert_eq!(ids, (1..=25).collect::<Vec<_>>());

    let pages: Vec<Page<Task>> = query()
        .page_size(7)
        .pages()
        .try_collect()
        .await
        .expect("pages");
    assert!(pages.len() >= 4, "{} pages", pages.len());
    assert_eq!(pages.iter().map(|p| p.items.len()).sum::<usize>(), 25);

    let descending: Vec<u32> = query()
        .descending()
        .page_size(6)
        .stream()
        .map_ok(|t| t.task_id)
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(descending, (1..=25).rev().collect::<Vec<_>>());

    // A limit across pages stops exactly there.
    let limited = query().page_size(5).limit(13).all().await.expect("limited");
    assert_eq!(limited.len(), 13);
    assert_eq!(limited.last().map(|t| t.task_id), Some(13));
    assert_eq!(query().count().await.expect("count"), 25);
    assert_eq!(
        query()
            .descending()
            .first()
            .await
            .expect("first")
            .map(|t| t.task_id),
        Some(25)
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn cursors_resume_exactly_and_only_their_own_query(#[case] backend: Backend) {
    let t = table(backend, "cursors").await;
    seed(&t.db, tasks("acme", "p1", 1..=23)).await;
    seed(
        &t.db,
        [user("acme", "u1").into(), user("acme", "u2").into()],
    )
    .await;
    let a = Task::attrs();
    let query = || {
        t.db.query(a.tenant_id.is("acme"))
            .sort_begins_with(a.project_id.is("p1"))
    };

    let mut seen = Vec::new();
    let mut cursor: Option<Cursor> = None;
    let mut pages = 0;
    loop {
        let mut q = query().limit(10);
        if let Some(c) = &cursor {
            q = q.after(c);
        }
        let page = q.page().await.expect("page");
        pages += 1;
        seen.extend(page.items.iter().map(|t| t.task_id));
        match page.cursor {
            // URL-safe: it can travel in a query string as it is.
            Some(c) => {
                assert!(
                    c.as_str()
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                );
                cursor = Some(c);
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, (1..=23).collect::<Vec<_>>(), "no gap, no overlap");

    let cursor = query()
        .limit(5)
        .page()
        .await
        .expect("page")
        .cursor
        .expect("more to read");
    // Another entity type, another partition, another order, another index, another table.
    let u = User::attrs();
    assert!(is_invalid(
        t.db.query(u.tenant_id.is("acme"))
            .after(&cursor)
            .page()
            .await
    ));
    assert!(is_invalid(
        t.db.query(a.tenant_id.is("other"))
            .sort_begins_with(a.project_id.is("p1"))
            .after(&cursor)
            .page()
            .await
    ));
    assert!(is_invalid(query().descending().after(&cursor).page().await));
    assert!(is_invalid(
        t.db.query(a.assignee.is("u1"))
            .index(Tracker::GSI1)
            .after(&cursor)
            .page()
            .await
    ));
    let other = table(backend, "cursors-other").await;
    assert!(is_invalid(
        other
            .db
            .query(a.tenant_id.is("acme"))
            .sort_begins_with(a.project_id.is("p1"))
            .after(&cursor)
            .page()
            .await
    ));
    // Tampered and truncated.
    let text = cursor.as_str();
    let tampered = format!(
        "{}{}",
        &text[..8],
        if &text[8..9] == "A" { "B" } else { "A" }
    ) + &text[9..];
    assert!(is_invalid(
        query().after(&Cursor::from_string(tampered)).page().await
    ));
    assert!(is_invalid(
        query()
            .after(&Cursor::from_string(&text[..text.len() - 3]))
            .page()
            .await
    ));
    assert!(is_invalid(
        query()
            .after(&Cursor::from_string("not a cursor"))
            .page()
            .await
    ));
    // The genuine cursor still works.
    let next = query()
        .limit(5)
        .after(&cursor)
        .page()
        .await
        .expect("resume");
    assert_eq!(next.items.first().map(|t| t.task_id), Some(6));
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn a_prefix_never_leaks_into_a_neighbouring_key(#[case] backend: Backend) {
    let t = table(backend, "prefix-leak").await;
    let mut items = tasks("acme", "a", 1..=3);
    items.extend(tasks("acme", "ab", 1..=4));
    items.extend(tasks("acme", "a#TASK", 1..=2));
    items.push(project("acme", "a", "u1").into());
    items.push(project("acme", "ab", "u1").into());
    items.push(comment("acme", "ab", 1, "c", "u1", 0).into());
    seed(&t.db, items).await;
    let a = Task::attrs();
    let of_a =
        t.db.query(a.tenant_id.is("acme"))
            .sort_begins_with(a.project_id.is("a"))
            .all()
            .await
            .expect("query");
    assert_eq!(of_a.len(), 3);
    assert!(of_a.iter().all(|t| t.project_id == "a"), "{of_a:?}");

    // A whole key as prefix: project `a` and what is filed under it, not project `ab`.
    let p = Project::attrs();
    let board: ProjectBoard =
        t.db.query(p.tenant_id.is("acme"))
            .sort_begins_with(p.project_id.is("a"))
            .collection()
            .await
            .expect("board");
    assert_eq!(board.project.map(|p| p.project_id).as_deref(), Some("a"));
    assert_eq!(board.tasks.len(), 3);
    assert!(
        board.comments.is_empty(),
        "the comment belongs to project ab"
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn sort_key_ranges_follow_natural_order(#[case] backend: Backend) {
    let t = table(backend, "ranges").await;
    seed(&t.db, tasks("acme", "p", 1..=12)).await;
    let comments: Vec<TrackerItem> = (0..6)
        .map(|m| comment("acme", "p", 3, &format!("c{m}"), "u1", m * 10).into())
        .collect();
    seed(&t.db, comments).await;
    let a = Task::attrs();
    let ids = |tasks: Vec<Task>| tasks.into_iter().map(|t| t.task_id).collect::<Vec<_>>();
    let q = || t.db.query(a.tenant_id.is("acme"));
    let range = q()
        .sort_between(
            (a.project_id.is("p"), a.task_id.is(3)),
            (a.project_id.is("p"), a.task_id.is(10)),
        )
        .all()
        .await
        .expect("between");
    assert_eq!(ids(range), (3..=10).collect::<Vec<_>>());
    let after = q()
        .sort_gt((a.project_id.is("p"), a.task_id.is(9)))
        .all()
        .await
        .expect("gt");
    assert_eq!(ids(after), [10, 11, 12]);
    let from = q()
        .sort_ge((a.project_id.is("p"), a.task_id.is(11)))
        .all()
        .await
        .expect("ge");
    assert_eq!(ids(from), [11, 12]);
    let before = q()
        .sort_lt((a.project_id.is("p"), a.task_id.is(3)))
        .all()
        .await
        .expect("lt");
    assert_eq!(ids(before), [1, 2]);
    let upto = q()
        .sort_le((a.project_id.is("p"), a.task_id.is(2)))
        .all()
        .await
        .expect("le");
    assert_eq!(ids(upto), [1, 2]);
    let one = q()
        .sort_eq((a.project_id.is("p"), a.task_id.is(7)))
        .all()
        .await
        .expect("eq");
    assert_eq!(ids(one), [7]);

    // Comments on task 3 written from minute 25 on: a timestamp range in the sort key.
    let c = Comment::attrs();
    let recent =
        t.db.query(c.tenant_id.is("acme"))
            .sort_between(
                (
                    c.project_id.is("p"),
                    c.task_id.is(3),
                    c.created_at
                        .is(dynamorm_entities::sample::epoch() + chrono::Duration::minutes(25)),
                ),
                (c.project_id.is("p"), c.task_id.is(3)),
            )
            .all()
            .await
            .expect("comments");
    assert_eq!(
        recent
            .iter()
            .map(|c| c.comment_id.as_str())
            .collect::<Vec<_>>(),
        ["c3", "c4", "c5"]
    );

    // Fields out of template order, or a partial key for `sort_eq`, fail before sending.
    let err = q()
        .sort_begins_with(a.task_id.is(3))
        .all()
        .await
        .expect_err("order");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::QueryShape),
        "{err:?}"
    );
    let err = q()
        .sort_eq(a.project_id.is("p"))
        .all()
        .await
        .expect_err("partial eq");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::QueryShape),
        "{err:?}"
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn the_sparse_index_returns_only_assigned_tasks_by_due_date(#[case] backend: Backend) {
    let t = table(backend, "gsi-query").await;
    let mut items = tasks("acme", "p", 1..=5);
    items.push(assigned_task("acme", "p", 6, "ann", 9).into());
    items.push(assigned_task("acme", "q", 7, "ann", 2).into());
    items.push(assigned_task("acme", "p", 8, "bob", 1).into());
    items.push(user("acme", "ann").into()); // also in GSI1, under EMAIL#…
    seed(&t.db, items).await;
    let a = Task::attrs();
    let anns =
        t.db.query(a.assignee.is("ann"))
            .index(Tracker::GSI1)
            .all()
            .await
            .expect("gsi");
    assert_eq!(
        anns.iter().map(|t| t.task_id).collect::<Vec<_>>(),
        [7, 6],
        "by due date"
    );

    let err =
        t.db.query(a.assignee.is("ann"))
            .index(Tracker::GSI1)
            .consistent_read()
            .all()
            .await
            .expect_err("consistent read on a GSI");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::ConsistentReadOnIndex),
        "{err:?}"
    );
    // An entity without a template on the index fails before sending.
    let err =
        t.db.query(Comment::attrs().author.is("ann"))
            .index(Tracker::GSI1)
            .all()
            .await
            .expect_err("no template");
    assert_eq!(
        invalid_kind(&err),
        Some(InvalidInputKind::QueryShape),
        "{err:?}"
    );
    // Filters and projections.
    let filtered =
        t.db.query(a.tenant_id.is("acme"))
            .filter(a.assignee.exists())
            .all()
            .await
            .expect("filter");
    assert_eq!(filtered.len(), 3);
    let u = User::attrs();
    let projected =
        t.db.query(u.tenant_id.is("acme"))
            .project::<UserName>()
            .all()
            .await
            .expect("projection");
    let ann = user("acme", "ann");
    assert_eq!(
        projected,
        [UserName {
            user_id: ann.user_id,
            name: ann.name
        }]
    );
}

/// A user's id and display name, read alone (User renames its fields to camelCase).
#[derive(Debug, PartialEq, serde::Deserialize, dynamorm::Projection)]
#[dynamo(entity = User)]
#[serde(rename_all = "camelCase")]
struct UserName {
    user_id: String,
    name: String,
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn one_query_fills_a_collection_of_five_entity_types(#[case] backend: Backend) {
    let t = table(backend, "collections").await;
    let mut items: Vec<TrackerItem> = vec![
        tenant("acme").into(),
        user("acme", "u1").into(),
        user("acme", "u2").into(),
        project("acme", "p1", "u1").into(),
        project("acme", "p2", "u2").into(),
        comment("acme", "p1", 1, "c1", "u2", 5).into(),
        comment("acme", "p1", 1, "c2", "u1", 1).into(),
        tenant("other").into(),
    ];
    items.extend(tasks("acme", "p1", 1..=3));
    items.extend(tasks("acme", "p2", 1..=2));
    seed(&t.db, items).await;

    let workspace: TenantWorkspace =
        t.db.query(Tenant::attrs().tenant_id.is("acme"))
            .page_size(4)
            .collection()
            .await
            .expect("workspace");
    assert_eq!(
        workspace.tenant.as_ref().map(|t| t.tenant_id.as_str()),
        Some("acme")
    );
    assert_eq!(workspace.users.len(), 2);
    assert_eq!(workspace.projects.len(), 2);
    assert_eq!(workspace.tasks.len(), 5);
    assert_eq!(
        workspace
            .comments
            .iter()
            .map(|c| c.comment_id.as_str())
            .collect::<Vec<_>>(),
        ["c2", "c1"],
        "comments sort by time"
    );

    let p = Project::attrs();
    let board: ProjectBoard =
        t.db.query(p.tenant_id.is("acme"))
            .sort_begins_with(p.project_id.is("p1"))
            .collection()
            .await
            .expect("board");
    assert_eq!(board.project, Some(project("acme", "p1", "u1")));
    assert_eq!(
        board.tasks.iter().map(|t| t.task_id).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(board.comments.len(), 2);

    // Types that are not members: an error by default, or skipped on request.
    let err =
        t.db.query(Tenant::attrs().tenant_id.is("acme"))
            .collection::<ProjectBoard>()
            .await
            .expect_err("tenant and users are not board members");
    assert!(
        matches!(
            err,
            Error::Collection {
                collection: "ProjectBoard",
                ..
            }
        ),
        "{err:?}"
    );
    // Two items for an `Option` member is an error: both projects are in the tenant partition.
    let err =
        t.db.query(p.tenant_id.is("acme"))
            .sort_begins_with(())
            .collection::<ProjectBoard>()
            .await
            .expect_err("two projects for one Option field");
    assert!(
        matches!(
            &err,
            Error::Collection {
                field: Some("project"),
                ..
            }
        ),
        "{err:?}"
    );

    // The same partition as registry items, matched by type.
    let all: Vec<TrackerItem> =
        t.db.query(Tenant::attrs().tenant_id.is("acme"))
            .registry::<TrackerItem>()
            .all()
            .await
            .expect("registry query");
    assert_eq!(all.len(), 1 + 2 + 2 + 5 + 2);
    assert_eq!(
        all.iter()
            .filter(|i| i.kind() == Some(TrackerItemKind::Task))
            .count(),
        5
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn an_unknown_type_in_a_collection_is_reported(#[case] backend: Backend) {
    let t = table(backend, "collection-unknown").await;
    seed(&t.db, [tenant("acme").into(), user("acme", "u1").into()]).await;
    // An item of a type this program does not know (written by a newer version, say).
    let mut item = dynamorm::to_item(&user("acme", "u2")).expect("encode");
    item.insert(
        "_type".into(),
        aws_sdk_dynamodb::types::AttributeValue::S("Invoice".into()),
    );
    t.db.client()
        .put_item()
        .table_name(t.db.table_name())
        .set_item(Some(item))
        .send()
        .await
        .expect("raw put");

    let err =
        t.db.query(Tenant::attrs().tenant_id.is("acme"))
            .collection::<TenantWorkspace>()
            .await
            .expect_err("unknown");
    assert!(
        matches!(&err, Error::Collection { item_type, field: None, .. } if item_type.expose() == "Invoice"),
        "{err:?}"
    );
    let workspace: TenantWorkspace =
        t.db.query(Tenant::attrs().tenant_id.is("acme"))
            .skip_non_members()
            .collection()
            .await
            .expect("skip");
    assert_eq!(workspace.users.len(), 1);
    let err =
        t.db.query(Tenant::attrs().tenant_id.is("acme"))
            .registry::<TrackerItem>()
            .all()
            .await
            .expect_err("registry");
    assert!(
        matches!(&err, Error::UnknownDiscriminator { value, .. } if value.expose() == "Invoice"),
        "{err:?}"
    );
}

#[rstest]
#[case::embedded(Backend::Embedded)]
#[case::ddb_local(Backend::DdbLocal)]
#[tokio::test]
async fn scans_filter_by_type_and_run_in_parallel(#[case] backend: Backend) {
    let t = table(backend, "scan").await;
    let mut items = Vec::new();
    for tenant_id in ["a", "b", "c", "d"] {
        items.push(tenant(tenant_id).into());
        items.extend(tasks(tenant_id, "p", 1..=15));
        items.push(user(tenant_id, "u").into());
    }
    seed(&t.db, items).await;
    let tasks =
        t.db.scan::<Task>()
            .page_size(7)
            .all()
            .await
            .expect("scan tasks");
    assert_eq!(tasks.len(), 60);
    let all: Vec<TrackerItem> =
        t.db.scan::<TrackerItem>()
            .segments(4)
            .concurrency(2)
            .page_size(5)
            .stream()
            .try_collect()
            .await
            .expect("parallel scan");
    assert_eq!(all.len(), 68);
    let mut keys: Vec<String> = all.iter().map(|i| format!("{i:?}")).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 68, "every item exactly once");
    assert_eq!(
        t.db.scan::<User>()
            .segments(3)
            .count()
            .await
            .expect("count"),
        4
    );
    assert_eq!(
        t.db.scan::<Task>()
            .segments(2)
            .limit(9)
            .all()
            .await
            .expect("limit")
            .len(),
        9
    );
    let open_small =
        t.db.scan::<Task>()
            .filter(Task::attrs().task_id.le(2))
            .segments(2)
            .all()
            .await
            .expect("filtered");
    assert_eq!(open_small.len(), 8);
    let stream_len = t.db.scan::<Tenant>().stream().count().await;
    assert_eq!(stream_len, 4);
}
