//! [`TransactWrite`]: up to 100 puts, creates, updates, deletes and condition checks of any
//! entity types, applied all or nothing.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::client::Inner;
use crate::entity::{Entity, EntityKey, PrimaryKey};
use crate::expr::Condition;
use crate::ops::{Delete, Put, Update};
use crate::write::guard::Target;
use crate::write::plan::Write;
use crate::write::{Guards, Outcome, Plan, Presence};
use crate::{Error, InvalidInputKind};

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

/// A planned transaction action (opaque): the same plan the action's own `send` sends.
#[doc(hidden)]
#[derive(Debug)]
pub struct Action {
    /// The table of the `Db` the action was built from: a transaction may span tables.
    table: String,
    plan: Plan,
}

fn unique_in_transaction<E: Entity>() -> Error {
    Error::invalid_for(
        E::SCHEMA.name,
        InvalidInputKind::NotSupported,
        format!(
            "`{}` has unique fields, whose sentinels move in a transaction of their own; \
         write it with its own put, update or delete",
            E::SCHEMA.name
        ),
    )
}

impl<E: Entity> sealed::Sealed for Put<E> {}
impl<E: Entity> TransactAction for Put<E> {
    fn into_action(self) -> Result<Action, Error> {
        if !E::SCHEMA.unique.is_empty() {
            return Err(unique_in_transaction::<E>());
        }
        let (plan, db) = self.into_plan()?;
        Ok(Action {
            table: db.table_name.clone(),
            plan,
        })
    }
}

impl<E: Entity> sealed::Sealed for Update<E> {}
impl<E: Entity> TransactAction for Update<E> {
    fn into_action(self) -> Result<Action, Error> {
        if self.touches_unique() {
            return Err(unique_in_transaction::<E>());
        }
        let (plan, db) = self.into_plan()?;
        Ok(Action {
            table: db.table_name.clone(),
            plan,
        })
    }
}

impl<E: Entity> sealed::Sealed for Delete<E> {}
impl<E: Entity> TransactAction for Delete<E> {
    fn into_action(self) -> Result<Action, Error> {
        if !E::SCHEMA.unique.is_empty() {
            return Err(unique_in_transaction::<E>());
        }
        let (plan, db) = self.into_plan()?;
        Ok(Action {
            table: db.table_name.clone(),
            plan,
        })
    }
}

/// A transaction action that writes nothing but requires `condition` to hold for the item
/// with `key` (which must exist and be an `E`), built by
/// [`Db::condition_check`](crate::Db::condition_check).
#[must_use = "a condition check does nothing until added to a transaction"]
#[derive(Debug)]
pub struct ConditionCheck<E> {
    table: String,
    key: Result<PrimaryKey, crate::KeyError>,
    condition: Condition<E>,
    return_old_on_failure: bool,
}

impl<E: Entity> ConditionCheck<E> {
    pub(crate) fn new<K: EntityKey<Entity = E>>(
        table: String,
        key: K,
        condition: Condition<E>,
    ) -> Self {
        Self {
            table,
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
        let mut guards = Guards::new(Presence::Same);
        guards.user = Some(self.condition.into_node());
        let mut outcome = Outcome::of::<E>();
        outcome.keep_old = self.return_old_on_failure;
        let plan = Plan::new(key, Write::Check, guards, &Target::of::<E>(), outcome)?;
        Ok(Action {
            table: self.table,
            plan,
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
        let actions: Vec<(String, Plan)> = self
            .actions
            .into_iter()
            .map(|a| a.map(|a| (a.table, a.plan)))
            .collect::<Result<_, _>>()?;
        crate::write::send::transaction_in(&self.db, actions, self.token).await
    }
}
