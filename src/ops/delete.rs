//! [`Delete`]: delete one item by its typed key.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::client::Inner;
use crate::entity::{Def, Entity, PrimaryKey};
use crate::expr::{Condition, Node};
use crate::item::Item;
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
/// ([`Error::WrongEntity`]), nor one stored in a shape newer than this binary's
/// ([`Error::Shape`]: it could not be returned). An item of an earlier shape is deleted and
/// returned upgraded; with a condition, the item must be in the current shape, as for an
/// update.
#[must_use = "a request does nothing until `.send().await`"]
pub struct Delete<E> {
    core: DeleteCore,
    entity: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for Delete<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.core, f)
    }
}

/// A delete as plain data: what every entity type's `Delete` plans and sends.
pub(crate) struct DeleteCore {
    db: Arc<Inner>,
    def: &'static Def,
    key: Result<PrimaryKey, KeyError>,
    spec: Spec,
}

impl std::fmt::Debug for DeleteCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is left out: keys can hold personal data.
        f.debug_struct("Delete")
            .field("entity", &self.def.name())
            .field("condition", &self.spec.condition.is_some())
            .field("expected_version", &self.spec.expected_version)
            .finish_non_exhaustive()
    }
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
            core: DeleteCore {
                db,
                def: crate::entity::def::<E>(),
                key,
                spec: Spec::default(),
            },
            entity: PhantomData,
        }
    }

    /// Deletes only if the item exists and `condition` holds (combined with `and` when
    /// called twice). A missing item is then [`Error::NotFound`], a false condition
    /// [`Error::ConditionFailed`].
    pub fn condition(mut self, condition: Condition<E>) -> Self {
        let spec = &mut self.core.spec;
        spec.condition = Some(crate::expr::also(
            spec.condition.take(),
            condition.into_node(),
        ));
        self
    }

    /// On a failed condition, carry the stored item in the error.
    pub fn return_old_on_failure(mut self) -> Self {
        self.core.spec.keep_old = true;
        self
    }

    /// Optimistic locking: delete only if the item's `#[dynamo(version)]` is `version`;
    /// otherwise [`Error::VersionConflict`] (or [`Error::NotFound`]).
    pub fn if_version(mut self, version: u64) -> Self {
        self.core.spec.expected_version = Some(version);
        self
    }

    /// The non-generic request (transactions take it).
    pub(crate) fn into_core(self) -> DeleteCore {
        self.core
    }

    /// Sends the request: the deleted entity, or `None` when there was no item.
    pub async fn send(self) -> Result<Option<E>, Error> {
        let old = self.core.send().await?;
        old.map(crate::entity::decode_as::<E>).transpose()
    }
}

impl DeleteCore {
    /// The entity type deleted.
    pub(crate) fn def(&self) -> &'static Def {
        self.def
    }

    /// The plan of this delete (transactions use it too), with its client.
    pub(crate) fn into_plan(self) -> Result<(Plan, Arc<Inner>), Error> {
        Ok((plan(self.def, self.key?, self.spec, None)?, self.db))
    }

    /// Sends the request: the deleted item (its entity type checked by the guard).
    async fn send(self) -> Result<Option<Item>, Error> {
        if !self.def.schema.unique.is_empty() {
            // Boxed: the rare path's transaction future would otherwise size every delete.
            return Box::pin(self.send_with_unique()).await;
        }
        let def = self.def;
        let (plan, db) = self.into_plan()?;
        if crate::repair::upgrades_first(def, &plan) {
            // Boxed: only conditional deletes of entities with earlier shapes take it.
            return Box::pin(crate::repair::send_upgrading(&db, def, plan, Returns::Old)).await;
        }
        send::single(&db, plan, Returns::Old).await
    }

    /// A delete of an entity with unique fields: the item and its sentinels in one
    /// transaction, guarded by the unique values read just before.
    async fn send_with_unique(self) -> Result<Option<Item>, Error> {
        let def = self.def;
        let key = self.key?;
        let spec = self.spec;
        let conditional = spec.conditional();
        let none = vec![None; def.schema.unique.len()];
        // Planned once before the read, so invalid input sends nothing at all.
        plan(def, key.clone(), spec.clone(), None)?;
        let old = crate::repair::unique_write(&self.db, def, &key, true, &|read| {
            let Some(old) = &read.old else {
                // Nothing to release; nothing to delete.
                return Ok(None);
            };
            // Another type's item is never deleted, nor returned as this one.
            def.check_type(old)?;
            let plan = plan(def, key.clone(), spec.clone(), read.guard.clone())?;
            Ok(Some((plan, none.clone())))
        })
        .await?;
        match old {
            Some(old) => Ok(Some(old)),
            None if conditional => Err(Error::NotFound { entity: def.name() }),
            None => Ok(None),
        }
    }
}

fn plan(def: &Def, key: PrimaryKey, spec: Spec, unique: Option<Node>) -> Result<Plan, Error> {
    let version = match (spec.expected_version, def.schema.version) {
        (Some(v), Some(attribute)) => Some(version::is(attribute, v)),
        (Some(_), None) => {
            return Err(Error::invalid_for(
                def.name(),
                InvalidInputKind::NotSupported,
                format!("`{}` has no `#[dynamo(version)]` field", def.name()),
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
    guards.returns_item = true;
    let mut outcome = Outcome::of(def);
    outcome.keep_old = spec.keep_old;
    outcome.expected_version = spec.expected_version;
    Plan::new(key, Write::Delete, guards, &Target::of(def), outcome)
}
