//! [`Put`]: write a whole entity (`put`), or one that must not exist yet (`create`).

use std::marker::PhantomData;
use std::sync::Arc;

use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use super::{and, condition_failed, exists, is_entity, render};
use crate::Error;
use crate::db::Inner;
use crate::entity::Entity;
use crate::expr::{Condition, Node, Placeholders};
use crate::item::Item;

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
        let node = condition.into_node();
        self.condition = Some(match self.condition.take() {
            Some(c) => Node::And(Box::new(c), Box::new(node)),
            None => node,
        });
        self
    }

    /// On a failed condition, carry the stored item in the error
    /// ([`ConditionFailed::old`](crate::ConditionFailed::old)).
    pub fn return_old_on_failure(mut self) -> Self {
        self.return_old_on_failure = true;
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<(), Error> {
        let item = self.item?;
        let guard = if self.create {
            exists::<E>(false)
        } else {
            // Absent, or an item of this same entity type.
            Node::Or(Box::new(exists::<E>(false)), Box::new(is_entity::<E>()))
        };
        let mut p = Placeholders::default();
        let condition = render(&and(guard, self.condition), &mut p)?;
        let (names, values) = p.into_maps();
        let result = self
            .db
            .client
            .put_item()
            .table_name(&self.db.table_name)
            .set_item(Some(item))
            .condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => {
                let Some(aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(failed)) =
                    err.as_service_error()
                else {
                    return Err(crate::error::service("PutItem", err));
                };
                let old = failed.item.clone();
                if self.create && old.is_some() {
                    return Err(Error::AlreadyExists {
                        entity: E::SCHEMA.name,
                    });
                }
                Err(condition_failed::<E>(old, self.return_old_on_failure))
            }
        }
    }
}
