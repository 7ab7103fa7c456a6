//! [`TransactWrite`]: up to 100 puts, creates, updates, deletes and condition checks of any
//! entity types, applied all or nothing.

use std::collections::HashSet;
use std::marker::PhantomData;
use std::pin::pin;
use std::sync::Arc;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    ConditionCheck as SdkConditionCheck, Delete as SdkDelete, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update as SdkUpdate,
};

use super::{CancelReason, CancelledAction, TransactionCanceled};
use crate::Error;
use crate::db::Inner;
use crate::entity::{Entity, EntityKey, PrimaryKey};
use crate::expr::{Condition, Placeholders};
use crate::item::item_size;
use crate::observe::{Call, ObserveExt};
use crate::ops::{Delete, Put, Rendered, Update, and, is_entity, render};

/// DynamoDB's limits for one TransactWriteItems request.
const MAX_ACTIONS: usize = 100;
const MAX_BYTES: usize = 4 * 1024 * 1024;

/// An action that can be part of a write transaction: [`Put`] (from `put` or `create`),
/// [`Update`], [`Delete`] and [`ConditionCheck`], each with the conditions and
/// `return_old_on_failure` they were built with.
pub trait TransactAction: sealed::Sealed {
    #[doc(hidden)]
    fn into_action(self) -> Result<Action, Error>;
}

mod sealed {
    pub trait Sealed {}
}

/// A rendered transaction action (opaque).
#[doc(hidden)]
#[derive(Debug)]
pub struct Action {
    item: TransactWriteItem,
    rendered: Rendered,
    table: String,
    size: usize,
}

fn with_old() -> ReturnValuesOnConditionCheckFailure {
    ReturnValuesOnConditionCheckFailure::AllOld
}

impl<E: Entity> sealed::Sealed for Put<E> {}
impl<E: Entity> TransactAction for Put<E> {
    fn into_action(self) -> Result<Action, Error> {
        if !E::SCHEMA.unique.is_empty() {
            return Err(unique_in_transaction::<E>());
        }
        let (r, write, db) = self.render()?;
        let size = write.size();
        let item = write.into_transact_item::<E>(&db.table_name, &r)?;
        Ok(Action {
            item,
            rendered: r,
            table: db.table_name.clone(),
            size,
        })
    }
}

fn unique_in_transaction<E: Entity>() -> Error {
    Error::validation(format!(
        "`{}` has unique fields, whose sentinels move in a transaction of their own; \
         write it with its own put, update or delete",
        E::SCHEMA.name
    ))
}

impl<E: Entity> sealed::Sealed for Update<E> {}
impl<E: Entity> TransactAction for Update<E> {
    fn into_action(self) -> Result<Action, Error> {
        if self.touches_unique() {
            return Err(unique_in_transaction::<E>());
        }
        let (r, expression, db) = self.render()?;
        let key = r.key.to_item::<E::Table>();
        let size = item_size(&key) + expression.len();
        let update = SdkUpdate::builder()
            .table_name(&db.table_name)
            .set_key(Some(key))
            .update_expression(expression)
            .set_condition_expression(r.condition.clone())
            .set_expression_attribute_names(r.names.clone())
            .set_expression_attribute_values(r.values.clone())
            .return_values_on_condition_check_failure(with_old())
            .build()
            .map_err(|e| Error::validation(e.to_string()))?;
        Ok(Action {
            item: TransactWriteItem::builder().update(update).build(),
            rendered: r,
            table: db.table_name.clone(),
            size,
        })
    }
}

impl<E: Entity> sealed::Sealed for Delete<E> {}
impl<E: Entity> TransactAction for Delete<E> {
    fn into_action(self) -> Result<Action, Error> {
        if !E::SCHEMA.unique.is_empty() {
            return Err(unique_in_transaction::<E>());
        }
        let (r, db) = self.render()?;
        let key = r.key.to_item::<E::Table>();
        let size = item_size(&key);
        let delete = SdkDelete::builder()
            .table_name(&db.table_name)
            .set_key(Some(key))
            .set_condition_expression(r.condition.clone())
            .set_expression_attribute_names(r.names.clone())
            .set_expression_attribute_values(r.values.clone())
            .return_values_on_condition_check_failure(with_old())
            .build()
            .map_err(|e| Error::validation(e.to_string()))?;
        Ok(Action {
            item: TransactWriteItem::builder().delete(delete).build(),
            rendered: r,
            table: db.table_name.clone(),
            size,
        })
    }
}

/// A transaction action that writes nothing but requires `condition` to hold for the item
/// with `key` (which must exist and be an `E`), built by
/// [`Db::condition_check`](crate::Db::condition_check).
#[must_use = "a condition check does nothing until added to a transaction"]
#[derive(Debug)]
pub struct ConditionCheck<E> {
    db: Arc<Inner>,
    key: Result<PrimaryKey, crate::KeyError>,
    condition: Condition<E>,
    return_old_on_failure: bool,
}

impl<E: Entity> ConditionCheck<E> {
    pub(crate) fn new<K: EntityKey<Entity = E>>(
        db: Arc<Inner>,
        key: K,
        condition: Condition<E>,
    ) -> Self {
        Self {
            db,
            key: key.render(),
            condition,
            return_old_on_failure: false,
        }
    }

    /// On a failed check, carry the stored item in the cancellation reason.
    pub fn return_old_on_failure(mut self) -> Self {
        self.return_old_on_failure = true;
        self
    }
}

impl<E: Entity> sealed::Sealed for ConditionCheck<E> {}
impl<E: Entity> TransactAction for ConditionCheck<E> {
    fn into_action(self) -> Result<Action, Error> {
        let key = self.key?;
        let mut p = Placeholders::default();
        let condition = render(
            &and(is_entity::<E>(), Some(self.condition.into_node())),
            &mut p,
        )?;
        let (names, values) = p.into_maps();
        let key_item = key.to_item::<E::Table>();
        let size = item_size(&key_item);
        let check = SdkConditionCheck::builder()
            .table_name(&self.db.table_name)
            .set_key(Some(key_item))
            .condition_expression(&condition)
            .set_expression_attribute_names(names.clone())
            .set_expression_attribute_values(values.clone())
            .return_values_on_condition_check_failure(with_old())
            .build()
            .map_err(|e| Error::validation(e.to_string()))?;
        Ok(Action {
            item: TransactWriteItem::builder().condition_check(check).build(),
            rendered: Rendered {
                entity: E::SCHEMA.name,
                key,
                condition: Some(condition),
                names,
                values,
                keep_old: self.return_old_on_failure,
                create: false,
                expected_version: None,
            },
            table: self.db.table_name.clone(),
            size,
        })
    }
}

/// A TransactWriteItems request, built by [`Db::transact_write`](crate::Db::transact_write).
///
/// Validated before sending: 1 to 100 actions, no two on the same item, at most 4 MB. A
/// cancellation is an [`Error::TransactionCanceled`] that names each failed action by
/// index, entity type and key, with DynamoDB's reason code.
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String, orders: u32 }
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{user}", sk = "ORDER#{id}")] pub struct Order { user: String, id: u64 }
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// let u = User::attrs();
/// db.transact_write()
///     .action(db.create(&Order { user: "u1".into(), id: 7 }))
///     .action(db.update(UserKey { id: "u1".into() }).add(u.orders, 1))
///     .client_request_token("order-u1-7")
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a transaction does nothing until `.send().await`"]
pub struct TransactWrite<T> {
    db: Arc<Inner>,
    actions: Vec<Result<Action, Error>>,
    token: Option<String>,
    table: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for TransactWrite<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactWrite")
            .field("actions", &self.actions.len())
            .finish_non_exhaustive()
    }
}

impl<T> TransactWrite<T> {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self {
            db,
            actions: Vec::new(),
            token: None,
            table: PhantomData,
        }
    }

    /// Adds an action: `db.put(..)`, `db.create(..)`, `db.update(..)…`, `db.delete(..)`,
    /// or `db.condition_check(..)`.
    pub fn action(mut self, action: impl TransactAction) -> Self {
        self.actions.push(action.into_action());
        self
    }

    /// Makes the request idempotent for 10 minutes: retrying with the same token does not
    /// apply the writes twice.
    pub fn client_request_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sends the transaction.
    pub async fn send(self) -> Result<(), Error> {
        let actions: Vec<Action> = self.actions.into_iter().collect::<Result<_, _>>()?;
        if actions.is_empty() || actions.len() > MAX_ACTIONS {
            return Err(Error::validation(format!(
                "a transaction takes 1 to {MAX_ACTIONS} actions, got {}",
                actions.len()
            )));
        }
        let mut targets = HashSet::new();
        for (index, a) in actions.iter().enumerate() {
            if !targets.insert((&a.table, &a.rendered.key)) {
                return Err(Error::validation(format!(
                    "action {index} (`{}`) targets an item another action of the transaction \
                     already targets; DynamoDB rejects that",
                    a.rendered.entity
                )));
            }
        }
        let size: usize = actions.iter().map(|a| a.size).sum();
        if size > MAX_BYTES {
            return Err(Error::validation(format!(
                "the transaction is {size} bytes; DynamoDB allows at most {MAX_BYTES}"
            )));
        }
        let (items, infos): (Vec<TransactWriteItem>, Vec<Rendered>) =
            actions.into_iter().map(|a| (a.item, a.rendered)).unzip();
        let infos = infos
            .into_iter()
            .map(|r| (r.entity, r.key, r.keep_old))
            .collect();
        execute(&self.db, items, infos, self.token).await
    }
}

/// Sends a transaction; a cancellation lists the failed actions (`infos` names each one:
/// entity, key, whether to keep the old item).
pub(crate) async fn execute(
    db: &Inner,
    items: Vec<TransactWriteItem>,
    infos: Vec<(&'static str, PrimaryKey, bool)>,
    token: Option<String>,
) -> Result<(), Error> {
    // The span names the entity type when the transaction has one.
    let entity = match infos.first() {
        Some((first, _, _)) if infos.iter().all(|(e, _, _)| e == first) => *first,
        _ => "*",
    };
    let result = pin!(
        db.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .set_client_request_token(token)
            .set_return_consumed_capacity(db.capacity_mode())
            .send()
    )
    .observed(db, Call::new("TransactWriteItems", entity))
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(err) => {
            let Some(TransactWriteItemsError::TransactionCanceledException(canceled)) =
                err.as_service_error()
            else {
                return Err(crate::error::service("TransactWriteItems", err));
            };
            let reasons = canceled.cancellation_reasons();
            let cancelled = infos
                .into_iter()
                .enumerate()
                .filter_map(|(index, (entity, key, keep_old))| {
                    let reason = reasons.get(index)?;
                    let code = CancelReason::from_code(reason.code()?);
                    if code == CancelReason::None {
                        return None;
                    }
                    Some(CancelledAction {
                        index,
                        entity,
                        key,
                        reason: code,
                        message: reason.message().map(str::to_owned),
                        exists: reason.item.is_some(),
                        old: reason.item.clone(),
                        keep_old,
                    })
                })
                .collect();
            Err(Error::TransactionCanceled(Box::new(TransactionCanceled {
                actions: cancelled,
                message: canceled.message().map(str::to_owned),
            })))
        }
    }
}
