//! [`TransactWrite`]: up to 100 puts, creates, updates, deletes and condition checks of any
//! entity types, applied all or nothing.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::client::Inner;
use crate::entity::{Def, Entity, EntityKey, PrimaryKey};
use crate::expr::{Condition, Node};
use crate::ops::{Delete, DeleteCore, Put, PutCore, Update, UpdateCore};
use crate::registry::{EntityVisitor, Registry};
use crate::table::Table;
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

fn unique_in_transaction(def: &Def) -> Error {
    Error::invalid_for(
        def.name(),
        InvalidInputKind::NotSupported,
        format!(
            "`{}` has unique fields, whose sentinels move in a transaction of their own; \
             write it with its own put, update or delete",
            def.name()
        ),
    )
}

/// A planned action and the table of the `Db` it was built from.
fn action((plan, db): (Plan, Arc<Inner>)) -> Action {
    Action {
        table: db.table_name.clone(),
        plan,
    }
}

fn put_action(put: PutCore) -> Result<Action, Error> {
    if !put.def().schema.unique.is_empty() {
        return Err(unique_in_transaction(put.def()));
    }
    put.into_plan().map(action)
}

fn update_action(update: UpdateCore) -> Result<Action, Error> {
    if update.touches_unique() {
        return Err(unique_in_transaction(update.def()));
    }
    update.into_plan().map(action)
}

fn delete_action(delete: DeleteCore) -> Result<Action, Error> {
    if !delete.def().schema.unique.is_empty() {
        return Err(unique_in_transaction(delete.def()));
    }
    delete.into_plan().map(action)
}

impl<E: Entity> sealed::Sealed for Put<E> {}
impl<E: Entity> TransactAction for Put<E> {
    fn into_action(self) -> Result<Action, Error> {
        put_action(self.into_core())
    }
}

impl<E: Entity> sealed::Sealed for Update<E> {}
impl<E: Entity> TransactAction for Update<E> {
    fn into_action(self) -> Result<Action, Error> {
        update_action(self.into_core())
    }
}

impl<E: Entity> sealed::Sealed for Delete<E> {}
impl<E: Entity> TransactAction for Delete<E> {
    fn into_action(self) -> Result<Action, Error> {
        delete_action(self.into_core())
    }
}

/// A transaction action that writes nothing but requires `condition` to hold for the item
/// with `key` (which must exist and be an `E`), built by
/// [`Db::condition_check`](crate::Db::condition_check).
#[must_use = "a condition check does nothing until added to a transaction"]
pub struct ConditionCheck<E> {
    core: CheckCore,
    entity: PhantomData<fn() -> E>,
}

/// A condition check as plain data.
struct CheckCore {
    table: String,
    def: &'static Def,
    key: Result<PrimaryKey, crate::KeyError>,
    condition: Node,
    return_old_on_failure: bool,
}

impl<E> std::fmt::Debug for ConditionCheck<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key and the condition's values are left out: they can hold personal data.
        f.debug_struct("ConditionCheck")
            .field("entity", &self.core.def.name())
            .field("table", &self.core.table)
            .finish_non_exhaustive()
    }
}

impl<E: Entity> ConditionCheck<E> {
    pub(crate) fn new<K: EntityKey<Entity = E>>(
        table: String,
        key: K,
        condition: Condition<E>,
    ) -> Self {
        Self {
            core: CheckCore {
                table,
                def: crate::entity::def::<E>(),
                key: key.render(),
                condition: condition.into_node(),
                return_old_on_failure: false,
            },
            entity: PhantomData,
        }
    }

    /// On a failed check, carry the stored item in the cancellation reason.
    pub fn return_old_on_failure(mut self) -> Self {
        self.core.return_old_on_failure = true;
        self
    }
}

impl<E: Entity> sealed::Sealed for ConditionCheck<E> {}
impl<E: Entity> TransactAction for ConditionCheck<E> {
    fn into_action(self) -> Result<Action, Error> {
        self.core.into_action()
    }
}

impl CheckCore {
    fn into_action(self) -> Result<Action, Error> {
        let key = self.key?;
        let mut guards = Guards::new(Presence::Same);
        guards.user = Some(self.condition);
        let mut outcome = Outcome::of(self.def);
        outcome.keep_old = self.return_old_on_failure;
        let plan = Plan::new(key, Write::Check, guards, &Target::of(self.def), outcome)?;
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

impl<T: Table> TransactWrite<T> {
    /// Adds a put of a value of registry `R` — an entity of any of its types — as
    /// `.action(db.put(&entity))` does for that type: the same guard and errors (a type
    /// with unique fields is refused, as its `put` is in a transaction; a raw item of an
    /// unknown type fails the transaction before anything is sent).
    pub fn put_any<R: Registry<Table = T>>(self, value: &R) -> Self {
        self.put_all_any([value])
    }

    /// Adds a put of every value of `values` (see [`put_any`](Self::put_any)).
    pub fn put_all_any<'a, R: Registry<Table = T> + 'a>(
        self,
        values: impl IntoIterator<Item = &'a R>,
    ) -> Self {
        let put = AnyPut(Arc::clone(&self.db));
        self.extend_any(values, put)
    }

    /// Adds a delete of the item at the key of a registry value (of whichever type it
    /// holds), as `.action(db.delete(key))` does for that type.
    pub fn delete_any<R: Registry<Table = T>>(self, value: &R) -> Self {
        self.delete_all_any([value])
    }

    /// Adds a delete for every value of `values` (see [`delete_any`](Self::delete_any)).
    pub fn delete_all_any<'a, R: Registry<Table = T> + 'a>(
        self,
        values: impl IntoIterator<Item = &'a R>,
    ) -> Self {
        let delete = AnyDelete(Arc::clone(&self.db));
        self.extend_any(values, delete)
    }

    /// Adds the action `visitor` makes of each registry value's entity.
    fn extend_any<'a, R, V>(mut self, values: impl IntoIterator<Item = &'a R>, visitor: V) -> Self
    where
        R: Registry<Table = T> + 'a,
        V: EntityVisitor<T, Output = Result<Action, Error>> + Clone,
    {
        self.actions
            .extend(values.into_iter().map(|v| v.visit(visitor.clone())));
        self
    }
}

/// The put action of whichever entity a registry value holds, built as `db.put` builds it.
#[derive(Clone)]
struct AnyPut(Arc<Inner>);

impl<T: Table> EntityVisitor<T> for AnyPut {
    type Output = Result<Action, Error>;

    fn entity<E: Entity<Table = T>>(self, entity: &E) -> Self::Output {
        let put: Put<E> = Put::new(self.0, crate::entity::to_item(entity), false);
        put.into_action()
    }

    fn unknown(self) -> Self::Output {
        Err(crate::registry::unknown_type())
    }
}

/// The delete action of the key of whichever entity a registry value holds.
#[derive(Clone)]
struct AnyDelete(Arc<Inner>);

impl<T: Table> EntityVisitor<T> for AnyDelete {
    type Output = Result<Action, Error>;

    fn entity<E: Entity<Table = T>>(self, entity: &E) -> Self::Output {
        let delete: Delete<E> = Delete::new(self.0, entity.key().render());
        delete.into_action()
    }

    fn unknown(self) -> Self::Output {
        Err(crate::registry::unknown_type())
    }
}
