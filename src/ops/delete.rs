//! [`Delete`]: delete one item by its typed key.

use std::marker::PhantomData;
use std::pin::pin;
use std::sync::Arc;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;

use super::{Rendered, condition_failed, exists, is_entity, render};
use crate::Error;
use crate::db::Inner;
use crate::entity::{Entity, PrimaryKey};
use crate::expr::{Condition, Node, Placeholders};
use crate::key::KeyError;
use crate::observe::{Call, ObserveExt};

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
    expected_version: Option<u64>,
    entity: PhantomData<fn() -> E>,
}

impl<E: Entity> Delete<E> {
    pub(crate) fn new(db: Arc<Inner>, key: Result<PrimaryKey, KeyError>) -> Self {
        Self {
            db,
            key,
            condition: None,
            return_old_on_failure: false,
            expected_version: None,
            entity: PhantomData,
        }
    }

    /// Deletes only if the item exists and `condition` holds (combined with `and` when
    /// called twice). A missing item is then [`Error::NotFound`], a false condition
    /// [`Error::ConditionFailed`].
    pub fn condition(mut self, condition: Condition<E>) -> Self {
        self.condition = Some(crate::ops::also(
            self.condition.take(),
            condition.into_node(),
        ));
        self
    }

    /// On a failed condition, carry the stored item in the error.
    pub fn return_old_on_failure(mut self) -> Self {
        self.return_old_on_failure = true;
        self
    }

    /// Optimistic locking: delete only if the item's `#[dynamo(version)]` is `version`;
    /// otherwise [`Error::VersionConflict`] (or [`Error::NotFound`] with no item).
    pub fn if_version(mut self, version: u64) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// Renders the request; also used by transactions.
    pub(crate) fn render(self) -> Result<(Rendered, Arc<Inner>), Error> {
        let key = self.key?;
        let version = match (self.expected_version, E::SCHEMA.version) {
            (Some(v), Some(attribute)) => {
                Some(Node::Equals(attribute, AttributeValue::N(v.to_string())))
            }
            (Some(_), None) => {
                return Err(Error::validation(format!(
                    "`{}` has no `#[dynamo(version)]` field",
                    E::SCHEMA.name
                )));
            }
            (None, _) => None,
        };
        let user = match (version, self.condition) {
            (Some(v), Some(c)) => Some(Node::And(Box::new(v), Box::new(c))),
            (v, c) => v.or(c),
        };
        let guard = match user {
            Some(c) => Node::And(Box::new(is_entity::<E>()), Box::new(c)),
            None => Node::Or(Box::new(exists::<E>(false)), Box::new(is_entity::<E>())),
        };
        let mut p = Placeholders::default();
        let condition = render(&guard, &mut p)?;
        let (names, values) = p.into_maps();
        let rendered = Rendered {
            entity: E::SCHEMA.name,
            key,
            condition: Some(condition),
            names,
            values,
            keep_old: self.return_old_on_failure,
            create: false,
            expected_version: self.expected_version,
        };
        Ok((rendered, self.db))
    }

    /// Sends the request and returns the deleted entity, if there was one.
    pub async fn send(self) -> Result<Option<E>, Error> {
        if !E::SCHEMA.unique.is_empty() {
            // Boxed: the rare path's transaction future would otherwise size every delete.
            return Box::pin(self.send_with_unique()).await;
        }
        let (r, db) = self.render()?;
        let result = pin!(
            db.client
                .delete_item()
                .table_name(&db.table_name)
                .set_key(Some(r.key.into_item::<E::Table>()))
                .set_condition_expression(r.condition)
                .set_expression_attribute_names(r.names)
                .set_expression_attribute_values(r.values)
                .return_values(ReturnValue::AllOld)
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld
                )
                .set_return_consumed_capacity(db.capacity_mode())
                .send()
        )
        .observed(&db, Call::new("DeleteItem", E::SCHEMA.name))
        .await;
        match result {
            Ok(output) => output
                .attributes
                .map(crate::entity::decode::<E>)
                .transpose(),
            Err(err) => {
                let Some(DeleteItemError::ConditionalCheckFailedException(failed)) =
                    err.as_service_error()
                else {
                    return Err(crate::error::service("DeleteItem", err));
                };
                Err(condition_failed::<E>(
                    failed.item.clone(),
                    r.keep_old,
                    r.expected_version,
                ))
            }
        }
    }

    /// A delete that also releases the entity's unique values, in one transaction.
    async fn send_with_unique(self) -> Result<Option<E>, Error> {
        let db = Arc::clone(&self.db);
        let key = self.key.clone()?;
        let Some(old) = crate::unique::read_old::<E>(&db, &key).await? else {
            // Nothing to release; the plain delete reports a missing item as it should.
            return match self.condition.is_some() || self.expected_version.is_some() {
                true => Err(Error::NotFound {
                    entity: E::SCHEMA.name,
                }),
                false => Ok(None),
            };
        };
        let old_values = crate::unique::values_in::<E>(&old)?;
        let none = vec![None; old_values.len()];
        let changes = crate::unique::changes::<E>(Some(&old), &old_values, &none)?;
        let (mut r, _) = self.render()?;
        if let Some(guard) = &changes.unchanged_since_read {
            r = super::put::merge_condition(r, guard)?;
        }
        let delete = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&db.table_name)
            .set_key(Some(r.key.to_item::<E::Table>()))
            .set_condition_expression(r.condition.clone())
            .set_expression_attribute_names(r.names.clone())
            .set_expression_attribute_values(r.values.clone())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| Error::validation(e.to_string()))?;
        let write = aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .delete(delete)
            .build();
        crate::unique::write_with_sentinels::<E>(&db, write, &r, &changes).await?;
        crate::entity::decode::<E>(old).map(Some)
    }
}
