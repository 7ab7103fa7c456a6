//! [`Update`]: change attributes of an existing item with typed actions.

use std::marker::PhantomData;
use std::sync::Arc;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use serde::Serialize;

use super::{and, condition_failed, is_entity, render};
use crate::Error;
use crate::db::Inner;
use crate::entity::{Entity, PrimaryKey, render_index};
use crate::expr::{
    Action, Attr, Condition, IntoValue, Node, Numeric, Placeholders, Settable, render_actions,
};
use crate::key::KeyError;

/// An UpdateItem request for entity `E`, built by [`Db::update`](crate::Db::update).
///
/// The item must exist and be an `E` (otherwise [`Error::NotFound`] or
/// [`Error::WrongEntity`]); the updated entity is returned.
///
/// Index keys stay in step with their fields: setting the fields of an index template
/// re-renders that index's key attributes in the same request, and removing an optional one
/// removes them (the item leaves the sparse index). An update that sets only some of the
/// fields an index key is rendered from is rejected before sending, since the others are
/// not known (removing one is enough to take the item out of the index).
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "TASK#{id}", sk = "TASK")]
/// # pub struct Task { id: String, status: String, points: u32, tags: Vec<String>, owner: Option<String> }
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// let a = Task::attrs();
/// let task = db
///     .update(TaskKey { id: "t1".into() })
///     .set(a.status, "done")
///     .add(a.points, 2)
///     .append(a.tags, ["shipped".to_string()])
///     .remove(a.owner)
///     .condition(a.status.ne("done"))
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug)]
pub struct Update<E> {
    db: Arc<Inner>,
    key: Result<PrimaryKey, KeyError>,
    actions: Vec<Action>,
    condition: Option<Node>,
    return_old_on_failure: bool,
    entity: PhantomData<fn() -> E>,
}

impl<E: Entity> Update<E> {
    pub(crate) fn new(db: Arc<Inner>, key: Result<PrimaryKey, KeyError>) -> Self {
        Self {
            db,
            key,
            actions: Vec::new(),
            condition: None,
            return_old_on_failure: false,
            entity: PhantomData,
        }
    }

    /// `SET attr = value`.
    pub fn set<T: Serialize>(
        mut self,
        attr: Attr<E, T, Settable>,
        value: impl IntoValue<T>,
    ) -> Self {
        self.actions.push(Action::Set(
            attr.name(),
            crate::expr::Value::encode(&value.into_value()),
        ));
        self
    }

    /// `SET attr = if_not_exists(attr, value)`: sets it only when it has no value yet.
    pub fn set_if_not_exists<T: Serialize>(
        mut self,
        attr: Attr<E, T, Settable>,
        value: impl IntoValue<T>,
    ) -> Self {
        self.actions.push(Action::SetIfNotExists(
            attr.name(),
            crate::expr::Value::encode(&value.into_value()),
        ));
        self
    }

    /// `REMOVE attr`; only optional fields can be removed, so the item still decodes.
    pub fn remove<T>(mut self, attr: Attr<E, Option<T>, Settable>) -> Self {
        self.actions.push(Action::Remove(attr.name()));
        self
    }

    /// `ADD attr value`: adds to a number, treating a missing attribute as 0 (an atomic
    /// counter).
    pub fn add<T: Numeric>(mut self, attr: Attr<E, T, Settable>, value: impl IntoValue<T>) -> Self {
        self.actions.push(Action::Add(
            attr.name(),
            crate::expr::Value::encode(&value.into_value()),
        ));
        self
    }

    /// `SET attr = attr + value`: the attribute must exist.
    pub fn increment<T: Numeric>(
        mut self,
        attr: Attr<E, T, Settable>,
        by: impl IntoValue<T>,
    ) -> Self {
        self.actions.push(Action::Increment(
            attr.name(),
            crate::expr::Value::encode(&by.into_value()),
            false,
        ));
        self
    }

    /// `SET attr = attr - value`: the attribute must exist.
    pub fn decrement<T: Numeric>(
        mut self,
        attr: Attr<E, T, Settable>,
        by: impl IntoValue<T>,
    ) -> Self {
        self.actions.push(Action::Increment(
            attr.name(),
            crate::expr::Value::encode(&by.into_value()),
            true,
        ));
        self
    }

    /// Appends elements to a list (an absent list counts as empty).
    pub fn append<T: Serialize>(
        mut self,
        attr: Attr<E, Vec<T>, Settable>,
        items: impl IntoIterator<Item = T>,
    ) -> Self {
        let items: Vec<T> = items.into_iter().collect();
        self.actions.push(Action::Append(
            attr.name(),
            crate::expr::Value::encode(&items),
            false,
        ));
        self
    }

    /// Prepends elements to a list (an absent list counts as empty).
    pub fn prepend<T: Serialize>(
        mut self,
        attr: Attr<E, Vec<T>, Settable>,
        items: impl IntoIterator<Item = T>,
    ) -> Self {
        let items: Vec<T> = items.into_iter().collect();
        self.actions.push(Action::Append(
            attr.name(),
            crate::expr::Value::encode(&items),
            true,
        ));
        self
    }

    /// Updates only if `condition` holds for the stored item (combined with `and` when
    /// called twice). A failure is [`Error::ConditionFailed`].
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

    /// Sends the request and returns the entity as it is after the update.
    pub async fn send(mut self) -> Result<E, Error> {
        self.sync_index_keys()?;
        let key = self.key?;
        let mut p = Placeholders::default();
        let update = render_actions(&self.actions, &mut p)?;
        let condition = render(&and(is_entity::<E>(), self.condition), &mut p)?;
        let (names, values) = p.into_maps();
        let result = self
            .db
            .client
            .update_item()
            .table_name(&self.db.table_name)
            .set_key(Some(key.to_item::<E::Table>()))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => match output.attributes {
                Some(item) => crate::entity::decode::<E>(item),
                None => Err(Error::NotFound {
                    entity: E::SCHEMA.name,
                }),
            },
            Err(err) => {
                let Some(aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(failed)) =
                    err.as_service_error()
                else {
                    return Err(crate::error::service("UpdateItem", err));
                };
                Err(condition_failed::<E>(
                    failed.item.clone(),
                    self.return_old_on_failure,
                ))
            }
        }
    }

    /// Validates the actions and adds the index-key actions their fields imply.
    fn sync_index_keys(&mut self) -> Result<(), Error> {
        let schema = &E::SCHEMA;
        for (i, action) in self.actions.iter().enumerate() {
            let attribute = action.attribute();
            if self.actions[..i].iter().any(|a| a.attribute() == attribute) {
                return Err(Error::validation(format!(
                    "attribute `{attribute}` is written twice in one update"
                )));
            }
            if let Some(slot) = schema.key_slot(attribute)
                && !matches!(action, Action::Set(..) | Action::Remove(_))
            {
                return Err(Error::validation(format!(
                    "field `{}` is part of an index key; only `set` or `remove` can change it",
                    schema.key_fields[slot].field
                )));
            }
        }
        let value_of = |slot: usize| -> Option<Option<&AttributeValue>> {
            let attribute = schema.key_fields[slot].attribute;
            self.actions.iter().find_map(|a| match a {
                Action::Set(name, v) if *name == attribute => Some(v.get().ok()),
                Action::Remove(name) if *name == attribute => Some(None),
                _ => None,
            })
        };
        let mut extra = Vec::new();
        for index in schema.indexes {
            let fields = index
                .partition_key
                .segments()
                .iter()
                .chain(index.sort_key.iter().flat_map(|t| t.segments()));
            let mut touched = false;
            let mut cleared = false;
            let mut untouched = None;
            for segment in fields {
                if let crate::key::Segment::Part { field, slot } = segment {
                    match value_of(*slot) {
                        Some(value) => {
                            touched = true;
                            cleared |= value.is_none_or(|v| matches!(v, AttributeValue::Null(_)));
                        }
                        None => untouched = Some(*field),
                    }
                }
            }
            if !touched {
                continue;
            }
            let attrs = [Some(index.index.partition_key()), index.index.sort_key()];
            if cleared {
                // A field the key needs is now absent: the item leaves this sparse index.
                extra.extend(attrs.into_iter().flatten().map(Action::Remove));
                continue;
            }
            if let Some(field) = untouched {
                return Err(Error::validation(format!(
                    "this update changes the key of index `{}` but does not set field `{field}`, \
                     which that key is also rendered from; set it too (or use put)",
                    index.index.name()
                )));
            }
            let mut failure = None;
            let rendered = render_index(index, |slot, out| match value_of(slot).flatten() {
                Some(value) => match E::write_key_part_from(slot, value, out) {
                    Ok(present) => Ok(present),
                    Err(e) => {
                        failure = Some(e);
                        Ok(false)
                    }
                },
                None => Ok(false),
            })?;
            if let Some(e) = failure {
                return Err(e);
            }
            match rendered {
                Some((pk, sk)) => {
                    extra.push(Action::Set(
                        index.index.partition_key(),
                        crate::expr::Value::raw(AttributeValue::S(pk)),
                    ));
                    if let (Some(attr), Some(sk)) = (index.index.sort_key(), sk) {
                        extra.push(Action::Set(
                            attr,
                            crate::expr::Value::raw(AttributeValue::S(sk)),
                        ));
                    }
                }
                None => extra.extend(attrs.into_iter().flatten().map(Action::Remove)),
            }
        }
        // Two indexes may share key attributes only if they are the same index; an entity
        // maps each index once, so `extra` never repeats an attribute.
        self.actions.extend(extra);
        Ok(())
    }
}
