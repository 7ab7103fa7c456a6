//! The one place writes reach the SDK: a [`Plan`] as a single
//! request or as a transaction item, and batch requests — each through
//! `observe`, each failure classified.

use std::pin::pin;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::batch_write_item::{BatchWriteItemError, BatchWriteItemOutput};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Put, ReturnValue, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update, WriteRequest,
};

use super::plan::{Op, Plan, check_transaction};
use crate::client::Inner;
use crate::error::cancel::{CancelReason, CanceledAction, TransactionCanceled};
use crate::item::Item;
use crate::observe::{Call, ObserveExt};
use crate::{Error, InvalidInputKind};

/// What a single write returns on success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Returns {
    Nothing,
    /// The item as it was (delete).
    Old,
    /// The item as it is after the write (update).
    New,
}

fn on_failure() -> ReturnValuesOnConditionCheckFailure {
    ReturnValuesOnConditionCheckFailure::AllOld
}

/// Sends one plan as PutItem, UpdateItem or DeleteItem; a failed condition is classified by
/// the plan's [`Outcome`](super::Outcome).
pub(crate) async fn single(
    db: &Inner,
    plan: Plan,
    returns: Returns,
) -> Result<Option<Item>, Error> {
    let Plan {
        target,
        key,
        op,
        condition,
        names,
        values,
        outcome,
    } = plan;
    let call = Call::new(op_name(&op), outcome.entity);
    match op {
        Op::Put(item) => pin!(
            db.client
                .put_item()
                .table_name(&db.table_name)
                .set_item(Some(item))
                .set_condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .set_return_values((returns == Returns::Old).then_some(ReturnValue::AllOld))
                .return_values_on_condition_check_failure(on_failure())
                .set_return_consumed_capacity(db.capacity_mode())
                .send()
        )
        .observed(db, call)
        .await
        .map(|o| o.attributes)
        .map_err(|err| match err.as_service_error() {
            Some(PutItemError::ConditionalCheckFailedException(f)) => {
                outcome.classify(f.item.clone())
            }
            _ => crate::error::service("PutItem", err),
        }),
        Op::Update(expression) => pin!(
            db.client
                .update_item()
                .table_name(&db.table_name)
                .set_key(Some(target.key_item_from(key)))
                .update_expression(expression)
                .set_condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .set_return_values(match returns {
                    Returns::Nothing => None,
                    Returns::Old => Some(ReturnValue::AllOld),
                    Returns::New => Some(ReturnValue::AllNew),
                })
                .return_values_on_condition_check_failure(on_failure())
                .set_return_consumed_capacity(db.capacity_mode())
                .send()
        )
        .observed(db, call)
        .await
        .map(|o| o.attributes)
        .map_err(|err| match err.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(f)) => {
                outcome.classify(f.item.clone())
            }
            _ => crate::error::service("UpdateItem", err),
        }),
        Op::Delete => pin!(
            db.client
                .delete_item()
                .table_name(&db.table_name)
                .set_key(Some(target.key_item_from(key)))
                .set_condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .set_return_values((returns == Returns::Old).then_some(ReturnValue::AllOld))
                .return_values_on_condition_check_failure(on_failure())
                .set_return_consumed_capacity(db.capacity_mode())
                .send()
        )
        .observed(db, call)
        .await
        .map(|o| o.attributes)
        .map_err(|err| match err.as_service_error() {
            Some(DeleteItemError::ConditionalCheckFailedException(f)) => {
                outcome.classify(f.item.clone())
            }
            _ => crate::error::service("DeleteItem", err),
        }),
        Op::Check => Err(Error::invalid(
            InvalidInputKind::NotSupported,
            "a condition check is only valid inside a transaction",
        )),
    }
}

fn op_name(op: &Op) -> &'static str {
    match op {
        Op::Put(_) => "PutItem",
        Op::Update(_) => "UpdateItem",
        Op::Delete => "DeleteItem",
        Op::Check => "ConditionCheck",
    }
}

/// A plan as one action of a TransactWriteItems request.
pub(crate) fn transact_item(table_name: &str, plan: Plan) -> Result<TransactWriteItem, Error> {
    let Plan {
        target,
        key,
        op,
        condition,
        names,
        values,
        ..
    } = plan;
    let key = target.key_item_from(key);
    let built = |e: aws_sdk_dynamodb::error::BuildError| Error::build("TransactWriteItems", e);
    let item = TransactWriteItem::builder();
    Ok(match op {
        Op::Put(it) => item
            .put(
                Put::builder()
                    .table_name(table_name)
                    .set_item(Some(it))
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .return_values_on_condition_check_failure(on_failure())
                    .build()
                    .map_err(built)?,
            )
            .build(),
        Op::Update(expression) => item
            .update(
                Update::builder()
                    .table_name(table_name)
                    .set_key(Some(key))
                    .update_expression(expression)
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .return_values_on_condition_check_failure(on_failure())
                    .build()
                    .map_err(built)?,
            )
            .build(),
        Op::Delete => item
            .delete(
                Delete::builder()
                    .table_name(table_name)
                    .set_key(Some(key))
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .return_values_on_condition_check_failure(on_failure())
                    .build()
                    .map_err(built)?,
            )
            .build(),
        Op::Check => item
            .condition_check(
                ConditionCheck::builder()
                    .table_name(table_name)
                    .set_key(Some(key))
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .return_values_on_condition_check_failure(on_failure())
                    .build()
                    .map_err(built)?,
            )
            .build(),
    })
}

/// Sends plans on `db`'s table as one transaction; see [`transaction_in`].
pub(crate) async fn transaction(
    db: &Inner,
    plans: Vec<Plan>,
    token: Option<String>,
) -> Result<(), Error> {
    let table = &db.table_name;
    let actions = plans.into_iter().map(|p| (table.clone(), p)).collect();
    transaction_in(db, actions, token).await
}

/// Sends plans, each on its own table, as one transaction (checked first: count, targets,
/// 4 MB). A cancellation is an [`Error::TransactionCanceled`] naming each failed action by
/// index, entity type and key, with the item as it was.
pub(crate) async fn transaction_in(
    db: &Inner,
    actions: Vec<(String, Plan)>,
    token: Option<String>,
) -> Result<(), Error> {
    check_transaction(&actions)?;
    // The span names the entity type when the transaction has one.
    let first = actions[0].1.outcome.entity;
    let entity = if actions.iter().all(|(_, p)| p.outcome.entity == first) {
        first
    } else {
        "*"
    };
    let mut infos = Vec::with_capacity(actions.len());
    let mut items = Vec::with_capacity(actions.len());
    for (table, plan) in actions {
        infos.push((plan.outcome, plan.key.clone()));
        items.push(transact_item(&table, plan)?);
    }
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
    let err = match result {
        Ok(_) => return Ok(()),
        Err(err) => err,
    };
    let Some(TransactWriteItemsError::TransactionCanceledException(canceled)) =
        err.as_service_error()
    else {
        return Err(crate::error::service("TransactWriteItems", err));
    };
    let reasons = canceled.cancellation_reasons();
    let actions = infos
        .into_iter()
        .enumerate()
        .filter_map(|(index, (outcome, key))| {
            let reason = reasons.get(index)?;
            let code = CancelReason::from_code(reason.code()?);
            if code == CancelReason::None {
                return None;
            }
            Some(CanceledAction {
                index,
                entity: outcome.entity,
                key,
                reason: shape_reason(&outcome, code, reason.item.as_ref()),
                message: reason.message().map(str::to_owned),
                exists: reason.item.is_some(),
                old: reason.item.clone().map(crate::Redacted::item),
                keep_old: outcome.keep_old,
            })
        })
        .collect();
    Err(Error::TransactionCanceled(Box::new(TransactionCanceled {
        actions,
        message: canceled.message().map(str::to_owned),
    })))
}

/// A failed condition of an action that required the current shape, on an item of its own
/// type stored in another shape, is [`CancelReason::Shape`]: a transaction cannot upgrade
/// the item first.
fn shape_reason(outcome: &super::Outcome, code: CancelReason, old: Option<&Item>) -> CancelReason {
    let same_type = |old: &Item| {
        matches!(old.get(outcome.discriminator),
            Some(aws_sdk_dynamodb::types::AttributeValue::S(d)) if d == outcome.entity)
    };
    match (code, old) {
        (CancelReason::ConditionalCheckFailed, Some(old)) if same_type(old) => {
            match outcome.other_shape(old) {
                Some(stored) => CancelReason::Shape {
                    stored,
                    current: outcome.shape.unwrap_or(1),
                },
                None => CancelReason::ConditionalCheckFailed,
            }
        }
        (code, _) => code,
    }
}

/// Sends one BatchWriteItem request; the caller retries and accounts for every write.
pub(crate) async fn batch_write(
    db: &Inner,
    requests: Vec<WriteRequest>,
) -> Result<BatchWriteItemOutput, SdkError<BatchWriteItemError>> {
    pin!(
        db.client
            .batch_write_item()
            .request_items(&db.table_name, requests)
            .set_return_consumed_capacity(db.capacity_mode())
            .send()
    )
    .observed(db, Call::new("BatchWriteItem", "*"))
    .await
}

/// A conditional UpdateItem of one of the library's own items (a migration's segment
/// lease, `migrate/lease.rs`), which no entity plan describes: `Ok(item after)`, or
/// `Err(item as stored)` when the condition failed.
pub(crate) async fn internal_update(
    db: &Inner,
    kind: &'static str,
    request: InternalUpdate,
) -> Result<Result<Item, Item>, Error> {
    let sent = pin!(
        db.client
            .update_item()
            .table_name(&db.table_name)
            .set_key(Some(request.key))
            .update_expression(request.update)
            .condition_expression(request.condition)
            .set_expression_attribute_names(Some(request.names))
            .set_expression_attribute_values(Some(request.values))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
            )
            .set_return_consumed_capacity(db.capacity_mode())
            .send()
    )
    .observed(db, Call::new("UpdateItem", kind))
    .await;
    match sent {
        Ok(output) => Ok(Ok(output.attributes.unwrap_or_default())),
        Err(err) => match err.as_service_error() {
            Some(UpdateItemError::ConditionalCheckFailedException(e)) => {
                Ok(Err(e.item.clone().unwrap_or_default()))
            }
            _ => Err(crate::error::service("UpdateItem", err)),
        },
    }
}

/// What [`internal_update`] sends.
pub(crate) struct InternalUpdate {
    pub(crate) key: Item,
    pub(crate) update: String,
    pub(crate) condition: String,
    pub(crate) names: std::collections::HashMap<String, String>,
    pub(crate) values: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
}
