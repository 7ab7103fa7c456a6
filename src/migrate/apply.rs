//! Applying one item's key change through the write pipeline: an index-key update in
//! place, or a move (put under the new key, delete the old one, in one transaction), each
//! guarded by the item as read; a lost race is re-read and re-decided.

use std::sync::atomic::Ordering;

use crate::client::Inner;
use crate::entity::PrimaryKey;
use crate::error::cancel::CancelReason;
use crate::expr::{Action, Value};
use crate::item::Item;
use crate::registry::Registry;
use crate::table::Table;
use crate::write::guard::Target;
use crate::write::plan::Write;
use crate::write::send::{self, Returns};
use crate::write::{Outcome, Plan};
use crate::{Error, InvalidInputKind};

use super::plan::{Change, Decision, decide, item_unchanged, keys_unchanged};
use super::report::KeyChange;
use super::shared::{Shared, unpoisoned};

/// How many times an item is re-read after losing a race before it is reported.
const ATTEMPTS: usize = 5;

/// Rewrites one item if its keys or its shape changed, and counts an item it leaves in an
/// earlier shape.
pub(super) async fn migrate_item<R: Registry>(shared: &Shared, item: Item) {
    let (last, outcome) = rewrite::<R>(shared, item).await;
    let earlier = last.as_ref().is_some_and(|item| {
        let table = &<R::Table as Table>::SCHEMA;
        match item.get(table.discriminator()) {
            Some(aws_sdk_dynamodb::types::AttributeValue::S(d)) => {
                R::entity(d).is_some_and(|e| crate::entity::is_earlier(e, item))
            }
            _ => false,
        }
    });
    match outcome {
        Rewrite::Reshaped => {
            shared.counts.reshaped.fetch_add(1, Ordering::Relaxed);
        }
        Rewrite::Other if earlier => {
            shared.counts.earlier_left.fetch_add(1, Ordering::Relaxed);
        }
        Rewrite::Other => {}
    }
}

/// Whether [`rewrite`] upgraded the item's shape.
enum Rewrite {
    Reshaped,
    Other,
}

/// Rewrites one item if its keys or shape changed; retries a lost race from a fresh read.
/// Returns the item as last read (`None`: deleted meanwhile) and what was done.
async fn rewrite<R: Registry>(shared: &Shared, mut item: Item) -> (Option<Item>, Rewrite) {
    let table = &<R::Table as Table>::SCHEMA;
    for _attempt in 0..ATTEMPTS {
        let change = match decide::<R>(&item, shared.only, &shared.retired) {
            Decision::Skip => return (Some(item), Rewrite::Other),
            Decision::Fail(key, error) => {
                shared.fail(key, error);
                return (Some(item), Rewrite::Other);
            }
            Decision::Change(change) => change,
        };
        sample(shared, &item, &change);
        let counter = if change.moves {
            &shared.counts.moved
        } else {
            &shared.counts.updated
        };
        if shared.dry_run {
            if change.moves || !change.changed.is_empty() {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            return (Some(item), Rewrite::Other);
        }
        let reshape = change.reshape;
        let Some(old_key) = crate::entity::key_from(&item, table) else {
            shared.fail(
                None,
                Error::invalid(
                    InvalidInputKind::MissingKeyAttributes,
                    "an item lacks its table's key attributes",
                ),
            );
            return (Some(item), Rewrite::Other);
        };
        let counts_key_change = change.moves || !change.changed.is_empty();
        let result = if change.moves {
            move_item(&shared.db, table, &item, &old_key, change).await
        } else if change.reshape {
            reshape_item(&shared.db, table, &item, &old_key, change).await
        } else {
            update_keys(&shared.db, table, &item, &old_key, change).await
        };
        match result {
            Ok(Applied::Done) => {
                if counts_key_change {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                let done = if reshape {
                    Rewrite::Reshaped
                } else {
                    Rewrite::Other
                };
                return (None, done);
            }
            Ok(Applied::Lost) => {
                // Someone wrote the item since it was read: start again from a fresh read.
                match crate::read::read_consistent(&shared.db, old_key.key_map::<R::Table>(), "*")
                    .await
                {
                    Ok(Some(fresh)) => item = fresh,
                    Ok(None) => return (None, Rewrite::Other), // deleted meanwhile
                    Err(error) => {
                        shared.fail(Some(old_key), error);
                        return (Some(item), Rewrite::Other);
                    }
                }
            }
            Err(error) => {
                shared.fail(Some(old_key), error);
                return (Some(item), Rewrite::Other);
            }
        }
    }
    let entity = match item.get(table.discriminator()) {
        Some(aws_sdk_dynamodb::types::AttributeValue::S(d)) => R::entity(d).map_or("*", |e| e.name),
        _ => "*",
    };
    shared.fail(
        crate::entity::key_from(&item, table),
        Error::Contended {
            entity,
            attempts: ATTEMPTS,
        },
    );
    (Some(item), Rewrite::Other)
}

/// Whether a guarded write applied or lost its race.
enum Applied {
    Done,
    Lost,
}

fn sample(shared: &Shared, item: &Item, change: &Change) {
    let mut samples = unpoisoned(&shared.samples);
    if samples.len() >= 10 {
        return;
    }
    let keys = &change.keys;
    let pick = |i: &Item| {
        keys.iter()
            .filter_map(|a| {
                i.get(*a)
                    .and_then(|v| v.as_s().ok())
                    .map(|s| ((*a).to_owned(), s.clone()))
            })
            .collect()
    };
    samples.push(KeyChange {
        entity: change.discriminator.clone(),
        old: pick(item),
        new: pick(&change.rendered),
    });
}

fn target(table: &crate::TableSchema) -> Target {
    Target::raw("*", table)
}

fn outcome(table: &crate::TableSchema) -> Outcome {
    Outcome::raw("*", table.discriminator())
}

/// Rewrites the changed index-key attributes in place.
async fn update_keys(
    db: &Inner,
    table: &crate::TableSchema,
    item: &Item,
    key: &PrimaryKey,
    change: Change,
) -> Result<Applied, Error> {
    let actions: Vec<Action> = change
        .changed
        .iter()
        .map(|a| match change.rendered.get(*a) {
            Some(v) => Action::Set((*a).into(), Value::raw(v.clone())),
            None => Action::Remove((*a).into()),
        })
        .collect();
    let guard = keys_unchanged(item, table, &change);
    guarded(db, table, key, Write::Update(actions), guard).await
}

/// Rewrites an item of an earlier shape in place as the current shape renders it, guarded
/// by the whole item as read.
async fn reshape_item(
    db: &Inner,
    table: &crate::TableSchema,
    item: &Item,
    key: &PrimaryKey,
    change: Change,
) -> Result<Applied, Error> {
    let guard = item_unchanged(item, table, &change);
    guarded(db, table, key, Write::Put(change.rendered), guard).await
}

/// Sends one write of the item at `key` under `guard`; a failed guard is a lost race.
async fn guarded(
    db: &Inner,
    table: &crate::TableSchema,
    key: &PrimaryKey,
    write: Write,
    guard: Option<crate::expr::Node>,
) -> Result<Applied, Error> {
    let plan = Plan::with_condition(target(table), key.clone(), write, guard, outcome(table))?;
    match send::single(db, plan, Returns::Nothing).await {
        Ok(_) => Ok(Applied::Done),
        Err(e) if crate::write::is_lost_race(&e) => Ok(Applied::Lost),
        Err(e) => Err(e),
    }
}

/// Moves the item to its new primary key: put (the new key must be free) and delete (the
/// item must be exactly as read) in one transaction.
async fn move_item(
    db: &Inner,
    table: &crate::TableSchema,
    item: &Item,
    old_key: &PrimaryKey,
    change: Change,
) -> Result<Applied, Error> {
    // The moved item keeps every stored attribute; only its key attributes change (an item
    // of an earlier shape moves as the current shape renders it).
    let mut moved = if change.reshape {
        change.rendered.clone()
    } else {
        item.clone()
    };
    for a in change.keys.clone() {
        match change.rendered.get(a) {
            Some(v) => {
                moved.insert(a.to_owned(), v.clone());
            }
            None => {
                moved.remove(a);
            }
        }
    }
    let Some(new_key) = crate::entity::key_from(&moved, table) else {
        return Err(Error::invalid(
            InvalidInputKind::MissingKeyAttributes,
            "the new item lacks its table's key attributes",
        ));
    };
    let t = target(table);
    let put = Plan::with_condition(
        t,
        new_key,
        Write::Put(moved),
        Some(t.is_absent()),
        outcome(table),
    )?;
    let delete = Plan::with_condition(
        t,
        old_key.clone(),
        Write::Delete,
        item_unchanged(item, table, &change),
        outcome(table),
    )?;
    match send::transaction(db, vec![put, delete], None).await {
        Ok(()) => Ok(Applied::Done),
        Err(Error::TransactionCanceled(canceled))
            if canceled
                .actions
                .iter()
                .any(|a| a.reason == CancelReason::ValidationError) =>
        {
            // Refused as invalid: retrying from a fresh read would only be refused again.
            Err(Error::TransactionCanceled(canceled))
        }
        Err(Error::TransactionCanceled(canceled)) => {
            // The new key taken while the old item is still as read: two items map to one
            // key. (Both failing means someone else moved it meanwhile: a lost race.)
            let failed = |index| {
                canceled
                    .actions
                    .iter()
                    .any(|a| a.index == index && a.reason == CancelReason::ConditionalCheckFailed)
            };
            let target_taken = failed(0) && !failed(1);
            if target_taken {
                // Another item already has the new key: two items map to one key.
                Err(Error::AlreadyExists {
                    entity: change.entity.map_or("*", |e| e.name),
                })
            } else {
                // The item changed since it was read (or a transaction conflicted).
                Ok(Applied::Lost)
            }
        }
        Err(e) => Err(e),
    }
}
