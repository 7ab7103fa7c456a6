//! [`Put`]: write a whole entity (`put`), or one that must not exist yet (`create`).

use std::marker::PhantomData;
use std::pin::pin;
use std::sync::Arc;

use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::{Rendered, and, condition_failed, exists, is_entity, render};
use crate::Error;
use crate::db::Inner;
use crate::entity::Entity;
use crate::expr::{Action, Condition, Node, Placeholders, Value, render_actions};
use crate::item::Item;
use crate::lifecycle::version_of;
use crate::observe::{Call, ObserveExt};
use crate::table::Table;

/// A PutItem request for entity `E`, built by [`Db::put`](crate::Db::put) or
/// [`Db::create`](crate::Db::create).
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug)]
pub struct Put<E> {
    db: Arc<Inner>,
    item: Result<Item, Error>,
    create: bool,
    condition: Option<Node>,
    return_old_on_failure: bool,
    entity: PhantomData<fn() -> E>,
}

impl<E: Entity> Put<E> {
    pub(crate) fn new(db: Arc<Inner>, item: Result<Item, Error>, create: bool) -> Self {
        Self {
            db,
            item,
            create,
            condition: None,
            return_old_on_failure: false,
            entity: PhantomData,
        }
    }

    /// Writes only if `condition` holds for the item as stored (combined with `and` when
    /// called twice). A failure is [`Error::ConditionFailed`].
    pub fn condition(mut self, condition: Condition<E>) -> Self {
        self.condition = Some(crate::ops::also(
            self.condition.take(),
            condition.into_node(),
        ));
        self
    }

    /// On a failed condition, carry the stored item in the error
    /// ([`ConditionFailed::old`](crate::ConditionFailed::old)).
    pub fn return_old_on_failure(mut self) -> Self {
        self.return_old_on_failure = true;
        self
    }

    /// Renders the request; also used by transactions.
    ///
    /// Lifecycle attributes are applied here: the version is checked and incremented,
    /// `created_at` is set on create, and a put over an existing item of an entity with
    /// `created_at` becomes an update that keeps the stored `created_at` (setting every
    /// other attribute and removing the entity's attributes the new value lacks).
    pub(crate) fn render(self) -> Result<(Rendered, PutWrite, Arc<Inner>), Error> {
        let mut item = self.item?;
        let schema = &E::SCHEMA;
        let table = &<E::Table as Table>::SCHEMA;
        let key = crate::batch::key_of::<E::Table>(&item)?;
        let mut create = self.create;
        let mut expected_version = None;
        let mut guard = if create {
            exists::<E>(false)
        } else {
            // Absent, or an item of this same entity type.
            Node::Or(Box::new(exists::<E>(false)), Box::new(is_entity::<E>()))
        };
        if let Some(attribute) = schema.version {
            let version = version_of(&item, attribute).unwrap_or(0);
            expected_version = Some(version);
            item.insert(
                attribute.to_owned(),
                AttributeValue::N((version + 1).to_string()),
            );
            if version == 0 {
                create = true;
                guard = exists::<E>(false);
            } else {
                guard = Node::And(
                    Box::new(is_entity::<E>()),
                    Box::new(Node::Equals(
                        attribute,
                        AttributeValue::N(version.to_string()),
                    )),
                );
            }
        }
        let mut p = Placeholders::default();
        let condition = render(&and(guard, self.condition), &mut p)?;
        let write = match schema.created_at {
            Some(attribute) if create => {
                item.insert(attribute.to_owned(), E::timestamp_now(attribute)?);
                PutWrite::Put(item)
            }
            Some(attribute) => {
                let now = E::timestamp_now(attribute)?;
                PutWrite::Update(put_as_update::<E>(item, attribute, now, table, &mut p)?)
            }
            None => PutWrite::Put(item),
        };
        let (names, values) = p.into_maps();
        let rendered = Rendered {
            entity: E::SCHEMA.name,
            key,
            condition: Some(condition),
            names,
            values,
            keep_old: self.return_old_on_failure,
            create,
            expected_version,
        };
        Ok((rendered, write, self.db))
    }

    /// Sends the request.
    pub async fn send(self) -> Result<(), Error> {
        if !E::SCHEMA.unique.is_empty() {
            // Boxed: the rare path's transaction future would otherwise size every put.
            return Box::pin(self.send_with_unique()).await;
        }
        // The request takes the expressions; the error path needs only the flags.
        let (mut r, write, db) = self.render()?;
        let result = match write {
            PutWrite::Put(item) => pin!(
                db.client
                    .put_item()
                    .table_name(&db.table_name)
                    .set_item(Some(item))
                    .set_condition_expression(r.condition.take())
                    .set_expression_attribute_names(r.names.take())
                    .set_expression_attribute_values(r.values.take())
                    .return_values_on_condition_check_failure(
                        ReturnValuesOnConditionCheckFailure::AllOld,
                    )
                    .set_return_consumed_capacity(db.capacity_mode())
                    .send()
            )
            .observed(&db, Call::new("PutItem", E::SCHEMA.name))
            .await
            .map(|_| ())
            .map_err(|err| match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    Ok(failed.item.clone())
                }
                _ => Err(crate::error::service("PutItem", err)),
            }),
            PutWrite::Update(expression) => pin!(
                db.client
                    .update_item()
                    .table_name(&db.table_name)
                    .set_key(Some(r.key.to_item::<E::Table>()))
                    .update_expression(expression)
                    .set_condition_expression(r.condition.take())
                    .set_expression_attribute_names(r.names.take())
                    .set_expression_attribute_values(r.values.take())
                    .return_values_on_condition_check_failure(
                        ReturnValuesOnConditionCheckFailure::AllOld,
                    )
                    .set_return_consumed_capacity(db.capacity_mode())
                    .send()
            )
            .observed(&db, Call::new("UpdateItem", E::SCHEMA.name))
            .await
            .map(|_| ())
            .map_err(|err| match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    Ok(failed.item.clone())
                }
                _ => Err(crate::error::service("UpdateItem", err)),
            }),
        };
        match result {
            Ok(()) => Ok(()),
            Err(Err(e)) => Err(e),
            Err(Ok(old)) => Err(put_failed::<E>(&r, old)),
        }
    }

    /// A put of an entity with unique fields: the entity and its sentinels in one
    /// transaction (reading the stored item first to know which values to release).
    async fn send_with_unique(self) -> Result<(), Error> {
        let new_values = match &self.item {
            Ok(item) => crate::unique::values_in::<E>(item)?,
            Err(_) => Vec::new(),
        };
        let db = Arc::clone(&self.db);
        let (mut r, write, _) = self.render()?;
        let old = if r.create {
            None
        } else {
            crate::unique::read_old::<E>(&db, &r.key).await?
        };
        let old_values = match &old {
            Some(item) => crate::unique::values_in::<E>(item)?,
            None => vec![None; new_values.len()],
        };
        let changes = crate::unique::changes::<E>(old.as_ref(), &old_values, &new_values)?;
        if let Some(guard) = &changes.unchanged_since_read {
            // The unique values must still be the ones just read.
            r = merge_condition(r, guard)?;
        }
        let write = write.into_transact_item::<E>(&db.table_name, &r)?;
        crate::unique::write_with_sentinels::<E>(&db, write, &r, &changes).await
    }
}

/// How a put writes: a PutItem, or (to keep `created_at`) an UpdateItem expression.
#[derive(Debug)]
pub(crate) enum PutWrite {
    Put(Item),
    Update(String),
}

impl PutWrite {
    /// The transaction action for this write.
    pub(crate) fn into_transact_item<E: Entity>(
        self,
        table_name: &str,
        r: &Rendered,
    ) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, Error> {
        use aws_sdk_dynamodb::types::{Put as SdkPut, TransactWriteItem, Update as SdkUpdate};
        let old = ReturnValuesOnConditionCheckFailure::AllOld;
        Ok(match self {
            PutWrite::Put(item) => TransactWriteItem::builder()
                .put(
                    SdkPut::builder()
                        .table_name(table_name)
                        .set_item(Some(item))
                        .set_condition_expression(r.condition.clone())
                        .set_expression_attribute_names(r.names.clone())
                        .set_expression_attribute_values(r.values.clone())
                        .return_values_on_condition_check_failure(old)
                        .build()
                        .map_err(|e| Error::validation(e.to_string()))?,
                )
                .build(),
            PutWrite::Update(expression) => TransactWriteItem::builder()
                .update(
                    SdkUpdate::builder()
                        .table_name(table_name)
                        .set_key(Some(r.key.to_item::<E::Table>()))
                        .update_expression(expression)
                        .set_condition_expression(r.condition.clone())
                        .set_expression_attribute_names(r.names.clone())
                        .set_expression_attribute_values(r.values.clone())
                        .return_values_on_condition_check_failure(old)
                        .build()
                        .map_err(|e| Error::validation(e.to_string()))?,
                )
                .build(),
        })
    }

    /// A size estimate for transaction limits.
    pub(crate) fn size(&self) -> usize {
        match self {
            PutWrite::Put(item) => crate::item::item_size(item),
            PutWrite::Update(expression) => expression.len(),
        }
    }
}

/// SETs every attribute of `item` but the primary key (`created_at` only if absent) and
/// REMOVEs the entity's attributes that `item` lacks, so the result equals a put.
fn put_as_update<E: Entity>(
    mut item: Item,
    created_at: &'static str,
    now: AttributeValue,
    table: &crate::TableSchema,
    p: &mut Placeholders,
) -> Result<String, Error> {
    item.remove(table.partition_key());
    if let Some(sk) = table.sort_key() {
        item.remove(sk);
    }
    item.remove(created_at);
    let mut known: Vec<&'static str> = E::SCHEMA.attributes.to_vec();
    for index in E::SCHEMA.indexes {
        known.push(index.index.partition_key());
        known.extend(index.index.sort_key());
    }
    known.extend(table.ttl());
    let mut actions: Vec<Action> = Vec::with_capacity(item.len() + known.len());
    for attribute in known {
        if attribute != created_at && !item.contains_key(attribute) {
            actions.push(Action::Remove(attribute.into()));
        }
    }
    actions.push(Action::SetIfNotExists(created_at.into(), Value::raw(now)));
    let mut names: Vec<String> = item.keys().cloned().collect();
    names.sort();
    for name in names {
        if let Some(value) = item.remove(&name) {
            actions.push(Action::Set(name.into(), Value::raw(value)));
        }
    }
    // A removed attribute may also be set (never: `known` excludes present ones).
    render_actions(actions, p)
}

/// Adds `guard` to a rendered request's condition (its placeholders cannot collide).
pub(crate) fn merge_condition(mut r: Rendered, guard: &Node) -> Result<Rendered, Error> {
    let mut p = Placeholders::secondary();
    let text = render(guard, &mut p)?;
    let (names, values) = p.into_maps();
    let mut all_names = r.names.take().unwrap_or_default();
    all_names.extend(names.unwrap_or_default());
    let mut all_values = r.values.take().unwrap_or_default();
    all_values.extend(values.unwrap_or_default());
    r.condition = Some(match r.condition.take() {
        Some(c) => format!("({c}) AND ({text})"),
        None => text,
    });
    r.names = (!all_names.is_empty()).then_some(all_names);
    r.values = (!all_values.is_empty()).then_some(all_values);
    Ok(r)
}

/// Classifies a failed put condition.
fn put_failed<E: Entity>(r: &Rendered, old: Option<Item>) -> Error {
    if r.create && old.is_some() && r.expected_version.is_none_or(|v| v == 0) {
        return Error::AlreadyExists {
            entity: E::SCHEMA.name,
        };
    }
    condition_failed::<E>(old, r.keep_old, r.expected_version)
}

/// Classifies a cancelled unique-constraint transaction.
pub(crate) fn unique_failure<E: Entity>(
    r: &Rendered,
    canceled: &crate::transact::TransactionCanceled,
    first_claim: usize,
    claims: &[(usize, crate::PrimaryKey)],
) -> Error {
    use crate::transact::CancelReason;
    for action in &canceled.actions {
        if action.reason != CancelReason::ConditionalCheckFailed {
            continue;
        }
        if action.index == 0 {
            return put_failed::<E>(r, action.old.clone());
        }
        if action.index >= first_claim
            && let Some((field, _)) = claims.get(action.index - first_claim)
        {
            return Error::UniqueViolation {
                entity: E::SCHEMA.name,
                field: E::SCHEMA.unique[*field].field,
            };
        }
    }
    Error::TransactionCanceled(Box::new(canceled.clone()))
}
