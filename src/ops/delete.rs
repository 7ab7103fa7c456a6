//! [`Delete`]: delete one item by its typed key.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::client::Inner;
use crate::entity::{Entity, PrimaryKey};
use crate::expr::{Condition, Node};
use crate::key::KeyError;
use crate::write::guard::{Target, version};
use crate::write::plan::Write;
use crate::write::send::{self, Returns};
use crate::write::{Guards, Outcome, Plan, Presence};
use crate::{Error, InvalidInputKind};

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
    spec: Spec,
    entity: PhantomData<fn() -> E>,
}

/// A delete as data, apart from its key (which may have failed to render).
#[derive(Debug, Clone, Default)]
struct Spec {
    condition: Option<Node>,
    keep_old: bool,
    expected_version: Option<u64>,
}

impl Spec {
    /// With a condition or a version the item must exist.
    fn conditional(&self) -> bool {
        self.condition.is_some() || self.expected_version.is_some()
    }
}

impl<E: Entity> Delete<E> {
    pub(crate) fn new(db: Arc<Inner>, key: Result<PrimaryKey, KeyError>) -> Self {
        Self {
            db,
            key,
            spec: Spec::default(),
            entity: PhantomData,
        }
    }

    /// Deletes only if the item exists and `condition` holds (combined with `and` when
    /// called twice). A missing item is then [`Error::NotFound`], a false condition
    /// [`Error::ConditionFailed`].
    pub fn condition(mut self, condition: Condition<E>) -> Self {
        self.spec.condition = Some(crate::expr::also(
            self.spec.condition.take(),
            condition.into_node(),
        ));
        self
    }

    /// On a failed condition, carry the stored item in the error.
    pub fn return_old_on_failure(mut self) -> Self {
        self.spec.keep_old = true;
        self
    }

    /// Optimistic locking: delete only if the item's `#[dynamo(version)]` is `version`;
    /// otherwise [`Error::VersionConflict`] (or [`Error::NotFound`] with no item).
    pub fn if_version(mut self, version: u64) -> Self {
        self.spec.expected_version = Some(version);
        self
    }

    /// The plan of this delete, for transactions.
    pub(crate) fn into_plan(self) -> Result<(Plan, Arc<Inner>), Error> {
        Ok((plan::<E>(self.key?, self.spec, None)?, self.db))
    }

    /// Sends the request and returns the deleted entity, if there was one.
    pub async fn send(self) -> Result<Option<E>, Error> {
        if !E::SCHEMA.unique.is_empty() {
            // Boxed: the rare path's transaction future would otherwise size every delete.
            return Box::pin(self.send_with_unique()).await;
        }
        let (plan, db) = self.into_plan()?;
        send::single(&db, plan, Returns::Old)
            .await?
            .map(crate::entity::decode::<E>)
            .transpose()
    }

    /// A delete that also releases the entity's unique values, in one transaction.
    async fn send_with_unique(self) -> Result<Option<E>, Error> {
        let key = self.key?;
        let spec = self.spec;
        let conditional = spec.conditional();
        let none = vec![None; E::SCHEMA.unique.len()];
        // Planned once before the read, so invalid input sends nothing at all.
        plan::<E>(key.clone(), spec.clone(), None)?;
        let old = crate::unique::write::<E, _>(&self.db, &key, true, |read| {
            if read.old.is_none() {
                // Nothing to release; nothing to delete.
                return Ok(None);
            }
            let plan = plan::<E>(key.clone(), spec.clone(), read.guard.clone())?;
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

/// Plans a delete: unconditional, the key holds nothing or an `E`; with a condition or a
/// version, an `E` that meets them. `unique` is the guard that the stored unique values
/// are the ones read.
fn plan<E: Entity>(key: PrimaryKey, spec: Spec, unique: Option<Node>) -> Result<Plan, Error> {
    let version = match (spec.expected_version, E::SCHEMA.version) {
        (Some(v), Some(attribute)) => Some(version::is(attribute, v)),
        (Some(_), None) => {
            return Err(Error::invalid_for(
                E::SCHEMA.name,
                InvalidInputKind::NotSupported,
                format!("`{}` has no `#[dynamo(version)]` field", E::SCHEMA.name),
            ));
        }
        (None, _) => None,
    };
    let mut guards = Guards::new(if spec.conditional() {
        Presence::Same
    } else {
        Presence::AbsentOrSame
    });
    guards.version = version;
    guards.unique = unique;
    guards.user = spec.condition;
    let mut outcome = Outcome::of::<E>();
    outcome.keep_old = spec.keep_old;
    outcome.expected_version = spec.expected_version;
    Plan::new(key, Write::Delete, guards, &Target::of::<E>(), outcome)
}
