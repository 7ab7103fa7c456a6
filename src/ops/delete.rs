//! [`Delete`]: delete one item by its typed key.

use std::marker::PhantomData;
use std::sync::Arc;

use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::{condition_failed, exists, is_entity, render};
use crate::Error;
use crate::db::Inner;
use crate::entity::{Entity, PrimaryKey};
use crate::expr::{Condition, Node, Placeholders};
use crate::key::KeyError;

/// A DeleteItem request for entity `E`, built by [`Db::delete`](crate::Db::delete).
///
/// Deleting a key with no item is not an error (the result is `None`), unless a condition
/// was given; an item of another entity type under the key is never deleted
/// ([`Error::WrongEntity`]).
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug)]
pub struct Delete<E> {
    db: Arc<Inner>,
    key: Result<PrimaryKey, KeyError>,
    condition: Option<Node>,
    return_old_on_failure: bool,
    entity: PhantomData<fn() -> E>,
}

impl<E: Entity> Delete<E> {
    pub(crate) fn new(db: Arc<Inner>, key: Result<PrimaryKey, KeyError>) -> Self {
        Self {
            db,
            key,
            condition: None,
            return_old_on_failure: false,
            entity: PhantomData,
        }
    }

    /// Deletes only if the item exists and `condition` holds (combined with `and` when
    /// called twice). A missing item is then [`Error::NotFound`], a false condition
    /// [`Error::ConditionFailed`].
    pub fn condition(mut self, condition: Condition<E>) -> Self {
        let node = condition.into_node();
        self.condition = Some(match self.condition.take() {
            Some(c) => Node::And(Box::new(c), Box::new(node)),
            None => node,
        });
        self
    }

    /// On a failed condition, carry the stored item in the error.
    pub fn return_old_on_failure(mut self) -> Self {
        self.return_old_on_failure = true;
        self
    }

    /// Sends the request and returns the deleted entity, if there was one.
    pub async fn send(self) -> Result<Option<E>, Error> {
        let key = self.key?;
        let guard = match self.condition {
            Some(c) => Node::And(Box::new(is_entity::<E>()), Box::new(c)),
            None => Node::Or(Box::new(exists::<E>(false)), Box::new(is_entity::<E>())),
        };
        let mut p = Placeholders::default();
        let condition = render(&guard, &mut p)?;
        let (names, values) = p.into_maps();
        let result = self
            .db
            .client
            .delete_item()
            .table_name(&self.db.table_name)
            .set_key(Some(key.to_item::<E::Table>()))
            .condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => output
                .attributes
                .map(crate::entity::decode::<E>)
                .transpose(),
            Err(err) => {
                let Some(aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException(failed)) =
                    err.as_service_error()
                else {
                    return Err(crate::error::service("DeleteItem", err));
                };
                Err(condition_failed::<E>(
                    failed.item.clone(),
                    self.return_old_on_failure,
                ))
            }
        }
    }
}
