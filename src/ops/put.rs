//! [`Put`]: write a whole entity (`put`), or one that must not exist yet (`create`).

use std::marker::PhantomData;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Error;
use crate::client::Inner;
use crate::entity::{Def, Entity};
use crate::expr::{Action, Condition, Node, Value};
use crate::item::Item;
use crate::write::guard::{Target, version};
use crate::write::plan::Write;
use crate::write::send::{self, Returns};
use crate::write::{Guards, Outcome, Plan, Presence};

/// A PutItem request for entity `E`, built by [`Db::put`](crate::Db::put) or
/// [`Db::create`](crate::Db::create).
#[must_use = "a request does nothing until `.send().await`"]
pub struct Put<E> {
    core: PutCore,
    entity: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for Put<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.core, f)
    }
}

/// A put as plain data: what every entity type's `Put` plans and sends.
pub(crate) struct PutCore {
    db: Arc<Inner>,
    def: &'static Def,
    item: Result<Item, Error>,
    spec: Spec,
}

impl std::fmt::Debug for PutCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The item is left out: it holds the entity's values.
        f.debug_struct("Put")
            .field("entity", &self.def.name())
            .field("create", &self.spec.create)
            .field("condition", &self.spec.condition.is_some())
            .finish_non_exhaustive()
    }
}

/// A put as data, apart from the item (which may have failed to encode).
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    create: bool,
    condition: Option<Node>,
    keep_old: bool,
}

impl<E: Entity> Put<E> {
    pub(crate) fn new(db: Arc<Inner>, item: Result<Item, Error>, create: bool) -> Self {
        Self {
            core: PutCore {
                db,
                def: crate::entity::def::<E>(),
                item,
                spec: Spec {
                    create,
                    condition: None,
                    keep_old: false,
                },
            },
            entity: PhantomData,
        }
    }

    /// Writes only if `condition` holds for the item as stored (combined with `and` when
    /// called twice). A failure is [`Error::ConditionFailed`].
    pub fn condition(mut self, condition: Condition<E>) -> Self {
        let spec = &mut self.core.spec;
        spec.condition = Some(crate::expr::also(
            spec.condition.take(),
            condition.into_node(),
        ));
        self
    }

    /// On a failed condition, carry the stored item in the error
    /// ([`ConditionFailed::old`](crate::ConditionFailed::old)).
    pub fn return_old_on_failure(mut self) -> Self {
        self.core.spec.keep_old = true;
        self
    }

    /// The non-generic request (transactions and inserts take it).
    pub(crate) fn into_core(self) -> PutCore {
        self.core
    }

    /// Sends the request.
    pub fn send(self) -> impl Future<Output = Result<(), Error>> + Send {
        self.core.send()
    }
}

impl PutCore {
    /// The entity type written.
    pub(crate) fn def(&self) -> &'static Def {
        self.def
    }

    /// The plan of this put (transactions use it too), with its client.
    pub(crate) fn into_plan(self) -> Result<(Plan, Arc<Inner>), Error> {
        let plan = plan(self.def, self.item?, self.spec, None)?;
        Ok((plan, self.db))
    }

    /// Sends the request.
    pub(crate) async fn send(self) -> Result<(), Error> {
        let def = self.def;
        if !def.schema.unique.is_empty() {
            // Boxed: the rare path's transaction future would otherwise size every put.
            return Box::pin(self.send_with_unique()).await;
        }
        let (plan, db) = self.into_plan()?;
        if crate::repair::upgrades_first(def, &plan) {
            // Boxed like the unique path: only entities with earlier shapes take it.
            let sent = crate::repair::send_upgrading(&db, def, plan, Returns::Nothing);
            return Box::pin(sent).await.map(drop);
        }
        send::single(&db, plan, Returns::Nothing).await.map(drop)
    }

    /// A put of an entity with unique fields: the entity and its sentinels in one
    /// transaction, planned from a consistent read of the stored item and guarded by it.
    async fn send_with_unique(self) -> Result<(), Error> {
        let def = self.def;
        let item = self.item?;
        let new_values = crate::unique::values_in(def, &item)?;
        crate::unique::check_sentinels(def, &new_values)?;
        let key = crate::entity::key_of_item(&item, def.table)?;
        let spec = self.spec;
        // Planned once before the read, so invalid input sends nothing at all.
        plan(def, item.clone(), spec.clone(), None)?;
        crate::repair::unique_write(&self.db, def, &key, !spec.create, &|read| {
            let plan = plan(def, item.clone(), spec.clone(), Some(read))?;
            Ok(Some((plan, new_values.clone())))
        })
        .await
        .map(drop)
    }
}

/// Plans a put. Lifecycle attributes are applied here: the version is checked and
/// incremented (refused past its type's maximum), `created_at` is set on create, and a put
/// over an existing item of an entity with `created_at` becomes an update that keeps the
/// stored `created_at` (setting every other attribute and removing the entity's attributes
/// the new value lacks). With `read` (unique fields), the write also requires the stored
/// unique values to be the ones read, and no item if none was read.
fn plan(
    def: &Def,
    mut item: Item,
    spec: Spec,
    read: Option<&crate::unique::Read>,
) -> Result<Plan, Error> {
    let schema = def.schema;
    let key = crate::entity::key_of_item(&item, def.table)?;
    let mut outcome = Outcome::of(def);
    outcome.keep_old = spec.keep_old;
    let mut create = spec.create;
    let mut guards = Guards::new(if create {
        Presence::Absent
    } else {
        Presence::AbsentOrSame
    });
    guards.user = spec.condition;
    if let Some(attribute) = schema.version {
        let current = version::of(&item, attribute).unwrap_or(0);
        let next = def.next_version(current)?;
        item.insert(attribute.to_owned(), version::number(next));
        outcome.expected_version = Some(current);
        if spec.create {
            // `create` requires no item, whatever version the value carries.
        } else if current == 0 {
            create = true;
            outcome.first_version = true;
            guards.presence = Presence::Absent;
        } else {
            guards.presence = Presence::Same;
            guards.version = Some(version::is(attribute, current));
        }
    }
    if let Some(read) = read {
        guards.unique = read.guard.clone();
        if read.old.is_none() && guards.presence == Presence::AbsentOrSame {
            // The sentinels were planned for "no item": require that still.
            guards.presence = Presence::Absent;
        }
    }
    outcome.create = spec.create;
    let write = match schema.created_at {
        Some(attribute) if create => {
            item.insert(attribute.to_owned(), (def.timestamp_now)(attribute)?);
            Write::Put(item)
        }
        Some(attribute) => {
            let now = (def.timestamp_now)(attribute)?;
            // It keeps a stored field, and removes only the current shape's others: the
            // stored item must be in the current shape.
            guards.reads_fields = true;
            Write::Update(put_as_update(def, item, attribute, now))
        }
        None => Write::Put(item),
    };
    Plan::new(key, write, guards, &Target::of(def), outcome)
}

/// SETs every attribute of `item` but the primary key (`created_at` only if absent) and
/// REMOVEs the entity's attributes that `item` lacks, so the result equals a put.
fn put_as_update(
    def: &Def,
    mut item: Item,
    created_at: &'static str,
    now: AttributeValue,
) -> Vec<Action> {
    let table = def.table;
    item.remove(table.partition_key());
    if let Some(sk) = table.sort_key() {
        item.remove(sk);
    }
    item.remove(created_at);
    let mut known: Vec<&'static str> = def.schema.attributes.to_vec();
    // `to_item` already refused an index without key attributes of its own.
    for (pk, sk) in def
        .schema
        .indexes
        .iter()
        .filter_map(|i| i.key_attributes().ok())
    {
        // An index with several layouts lists its attributes once.
        for attribute in std::iter::once(pk).chain(sk) {
            if !known.contains(&attribute) {
                known.push(attribute);
            }
        }
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
    // A removed attribute is never also set: `known` excludes present ones.
    actions
}
