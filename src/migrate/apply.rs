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

/// Rewrites one item if its keys changed; retries a lost race from a fresh read.
pub(super) async fn migrate_item<R: Registry>(shared: &Shared, mut item: Item) {
    let table = &<R::Table as Table>::SCHEMA;
    for _attempt in 0..ATTEMPTS {
        let change = match decide::<R>(&item, shared.only, &shared.retired) {
            Decision::Skip => return,
            Decision::Fail(key, error) => return shared.fail(key, error),
            Decision::Change(change) => change,
        };
        sample(shared, &item, &change);
        let counter = if change.moves {
            &shared.counts.moved
        } else {
            &shared.counts.updated
        };
        if shared.dry_run {
            counter.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let Some(old_key) = crate::entity::key_from(&item, table) else {
            return shared.fail(
                None,
                Error::invalid(
                    InvalidInputKind::MissingKeyAttributes,
                    "an item lacks its table's key attributes",
                ),
            );
        };
        let result = if change.moves {
            move_item(&shared.db, table, &item, &old_key, change).await
        } else {
            update_keys(&shared.db, table, &item, &old_key, change).await
        };
        match result {
            Ok(Applied::Done) => {
                counter.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Ok(Applied::Lost) => {
                // Someone wrote the item since it was read: start again from a fresh read.
                match crate::read::read_consistent(&shared.db, old_key.key_map::<R::Table>(), "*")
                    .await
                {
                    Ok(Some(fresh)) => item = fresh,
                    Ok(None) => return, // deleted meanwhile: nothing to migrate
                    Err(error) => return shared.fail(Some(old_key), error),
                }
            }
            Err(error) => return shared.fail(Some(old_key), error),
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
    let plan = Plan::with_condition(
        target(table),
        key.clone(),
        Write::Update(actions),
        guard,
        outcome(table),
    )?;
    match send::single(db, plan, Returns::Nothing).await {
        Ok(_) => Ok(Applied::Done),
        Err(e) if is_lost(&e) => Ok(Applied::Lost),
        Err(e) => Err(e),
    }
}

/// A failed guard: the outcome classification of a raw plan never reports success.
fn is_lost(error: &Error) -> bool {
    matches!(
        error,
        Error::ConditionFailed(_)
            | Error::NotFound { .. }
            | Error::WrongEntity { .. }
            | Error::MissingDiscriminator { .. }
    )
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
    // The moved item keeps every stored attribute; only its key attributes change.
    let mut moved = item.clone();
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
