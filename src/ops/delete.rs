//! [`Delete`]: delete one item by its typed key.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::Error;
use crate::client::Inner;
use crate::entity::{Entity, PrimaryKey};
use crate::expr::{Condition, Node};
use crate::key::KeyError;
use crate::write::guard::{Target, version};
use crate::write::plan::Write;
use crate::write::send::{self, Returns};
use crate::write::{Guards, Outcome, Plan, Presence};

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
        self.condition = Some(crate::expr::also(
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

    /// The plan of this delete (transactions use it too), with its client; `unique` is the
    /// guard that the stored unique values are the ones read.
    fn plan(self, unique: Option<Node>) -> Result<(Plan, Arc<Inner>), Error> {
        let key = self.key?;
        let version = match (self.expected_version, E::SCHEMA.version) {
            (Some(v), Some(attribute)) => Some(version::is(attribute, v)),
            (Some(_), None) => {
                return Err(Error::validation(format!(
                    "`{}` has no `#[dynamo(version)]` field",
                    E::SCHEMA.name
                )));
            }
            (None, _) => None,
        };
        // Unconditional: absent or this type. With a condition or version: must exist.
        let conditional = version.is_some() || self.condition.is_some();
        let mut guards = Guards::new(if conditional {
            Presence::Same
        } else {
            Presence::AbsentOrSame
        });
        guards.version = version;
        guards.unique = unique;
        guards.user = self.condition;
        let mut outcome = Outcome::of::<E>();
        outcome.keep_old = self.return_old_on_failure;
        outcome.expected_version = self.expected_version;
        let plan = Plan::new(key, Write::Delete, guards, &Target::of::<E>(), outcome)?;
        Ok((plan, self.db))
    }

    /// The plan of this delete, for transactions.
    pub(crate) fn into_plan(self) -> Result<(Plan, Arc<Inner>), Error> {
        self.plan(None)
    }

    /// Sends the request and returns the deleted entity, if there was one.
    pub async fn send(self) -> Result<Option<E>, Error> {
        if !E::SCHEMA.unique.is_empty() {
            // Boxed: the rare path's transaction future would otherwise size every delete.
            return Box::pin(self.send_with_unique()).await;
        }
        let (plan, db) = self.plan(None)?;
        send::single(&db, plan, Returns::Old)
            .await?
            .map(crate::entity::decode::<E>)
            .transpose()
    }

    /// A delete that also releases the entity's unique values, in one transaction.
    async fn send_with_unique(self) -> Result<Option<E>, Error> {
        let db = Arc::clone(&self.db);
        let key: PrimaryKey = self.key.clone()?;
        let conditional = self.condition.is_some() || self.expected_version.is_some();
        let none = vec![None; E::SCHEMA.unique.len()];
        let this = self;
        let spec = (
            this.condition,
            this.return_old_on_failure,
            this.expected_version,
        );
        let old = crate::unique::write::<E, _>(&db, &key, true, |read| {
            if read.old.is_none() {
                // Nothing to release.
                return Ok(None);
            }
            let delete = Delete::<E> {
                db: Arc::clone(&db),
                key: Ok(key.clone()),
                condition: spec.0.clone(),
                return_old_on_failure: spec.1,
                expected_version: spec.2,
                entity: PhantomData,
            };
            let (plan, _) = delete.plan(read.guard.clone())?;
            Ok(Some((plan, none.clone())))
        })
        .await?;
        match old {
            Some(old) => crate::entity::decode::<E>(old).map(Some),
            None if conditional => Err(Error::NotFound {
                entity: E::SCHEMA.name,
            }),
            None => Ok(None),
        }
    }
}
