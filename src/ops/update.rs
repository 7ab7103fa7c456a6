//! [`Update`]: change attributes of an existing item with typed actions.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::client::Inner;
use crate::entity::{Def, Entity, KeyParts, PrimaryKey};
use crate::expr::{
    Action, Condition, IntoValue, Node, Numeric, Path, Removable, UpdateTarget, Value,
};
use crate::item::Item;
use crate::key::KeyError;
use crate::write::guard::{Target, version};
use crate::write::plan::Write;
use crate::write::send::{self, Returns};
use crate::write::{Guards, Outcome, Plan, Presence};
use crate::{Error, InvalidInputKind};

use super::update_keys::{IndexKeys, Uncertain};

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
pub struct Update<E> {
    pub(super) core: UpdateCore,
    entity: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for Update<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.core, f)
    }
}

/// An update as plain data: what every entity type's `Update` validates, plans and sends.
pub(crate) struct UpdateCore {
    pub(super) db: Arc<Inner>,
    pub(super) def: &'static Def,
    /// The encoded primary-key parts, by slot: index templates read them too.
    pub(super) key: Result<KeyParts, KeyError>,
    pub(super) actions: Vec<Action>,
    pub(super) condition: Option<Node>,
    /// Conditions that keep arithmetic within the fields' integer types.
    pub(super) bounds: Option<Node>,
    pub(super) return_old_on_failure: bool,
    pub(super) expected_version: Option<u64>,
    /// A raw action that did not parse or check: reported by `send`, nothing sent.
    pub(super) refused: Option<Error>,
    /// Indexes whose key moves with `updated_at` while the stored membership decides.
    pub(super) uncertain: Vec<Uncertain>,
}

impl std::fmt::Debug for UpdateCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key and the values set are left out: they can hold personal data.
        f.debug_struct("Update")
            .field("entity", &self.def.name())
            // The attributes only: a path inside a map names the caller's map keys.
            .field(
                "actions",
                &self
                    .actions
                    .iter()
                    .map(|a| a.attribute().to_owned())
                    .collect::<Vec<_>>(),
            )
            .field("condition", &self.condition.is_some())
            .field("expected_version", &self.expected_version)
            .finish_non_exhaustive()
    }
}

/// Which way arithmetic moves a number.
#[derive(Clone, Copy)]
enum Step {
    Add,
    Subtract,
}

impl<E: Entity> Update<E> {
    pub(crate) fn new(db: Arc<Inner>, key: E::Key) -> Self {
        Self {
            core: UpdateCore::new(
                db,
                crate::entity::def::<E>(),
                crate::entity::key_parts(&key),
            ),
            entity: PhantomData,
        }
    }

    /// `SET attr = value`; `attr` is a field (`a.status`) or a path inside one
    /// (`a.counts.key("heart")`, `a.tags.at(0)`).
    pub fn set<P: UpdateTarget<E>>(mut self, attr: P, value: impl IntoValue<P::Value>) -> Self
    where
        P::Value: Serialize,
    {
        let value = attr.encode(&value.into_value());
        self.core
            .actions
            .push(Action::Set(attr.target_path(), value));
        self
    }

    /// `SET attr = if_not_exists(attr, value)`: sets it only when it has no value yet.
    pub fn set_if_not_exists<P: UpdateTarget<E>>(
        mut self,
        attr: P,
        value: impl IntoValue<P::Value>,
    ) -> Self
    where
        P::Value: Serialize,
    {
        let value = attr.encode(&value.into_value());
        self.core
            .actions
            .push(Action::SetIfNotExists(attr.target_path(), value));
        self
    }

    /// `REMOVE attr`: an optional field (so the item still decodes), or an element inside
    /// a map or list (`a.counts.key("heart")`).
    pub fn remove(mut self, attr: impl Removable<E>) -> Self {
        self.core.actions.push(Action::Remove(attr.removed_path()));
        self
    }

    /// `ADD attr value`: adds to a number, treating a missing attribute as 0 (an atomic
    /// counter) — also inside a map: `add(a.reaction_counts.key("heart"), 1)`.
    pub fn add<P: UpdateTarget<E>>(mut self, attr: P, value: impl IntoValue<P::Value>) -> Self
    where
        P::Value: Numeric,
    {
        let value = attr.encode(&value.into_value());
        let path = attr.target_path();
        // ADD counts a missing attribute as 0, and `value` itself is in range.
        self.core
            .keep_in_range(&path, &value, Step::Add, true, P::Value::bounds());
        self.core.actions.push(Action::Add(path, value));
        self
    }

    /// `SET attr = attr + value`: the attribute must exist.
    pub fn increment<P: UpdateTarget<E>>(mut self, attr: P, by: impl IntoValue<P::Value>) -> Self
    where
        P::Value: Numeric,
    {
        let by = attr.encode(&by.into_value());
        let path = attr.target_path();
        self.core
            .keep_in_range(&path, &by, Step::Add, false, P::Value::bounds());
        self.core.actions.push(Action::Increment(path, by, false));
        self
    }

    /// `SET attr = attr - value`: the attribute must exist.
    pub fn decrement<P: UpdateTarget<E>>(mut self, attr: P, by: impl IntoValue<P::Value>) -> Self
    where
        P::Value: Numeric,
    {
        let by = attr.encode(&by.into_value());
        let path = attr.target_path();
        self.core
            .keep_in_range(&path, &by, Step::Subtract, false, P::Value::bounds());
        self.core.actions.push(Action::Increment(path, by, true));
        self
    }

    /// Appends elements to a list (an absent list counts as empty).
    pub fn append<P, T>(mut self, attr: P, items: impl IntoIterator<Item = T>) -> Self
    where
        P: UpdateTarget<E, Value = Vec<T>>,
        T: Serialize,
    {
        let items: Vec<T> = items.into_iter().collect();
        let value = attr.encode(&items);
        self.core
            .actions
            .push(Action::Append(attr.target_path(), value, false));
        self
    }

    /// Prepends elements to a list (an absent list counts as empty).
    pub fn prepend<P, T>(mut self, attr: P, items: impl IntoIterator<Item = T>) -> Self
    where
        P: UpdateTarget<E, Value = Vec<T>>,
        T: Serialize,
    {
        let items: Vec<T> = items.into_iter().collect();
        let value = attr.encode(&items);
        self.core
            .actions
            .push(Action::Append(attr.target_path(), value, true));
        self
    }

    /// `ADD attr {items}`: adds elements to a set attribute (an absent set counts as
    /// empty; elements already there stay once). The field must be stored as a DynamoDB set
    /// — `#[serde(with = "serde_dynamo::string_set")]` (or `number_set`, `binary_set`) on a
    /// `HashSet`/`BTreeSet`/`Vec` — or the update is refused before sending. No items: no
    /// action (DynamoDB has no empty sets).
    ///
    /// ```
    /// # use std::collections::BTreeSet;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// #[derive(Serialize, Deserialize, dynamorm::Entity)]
    /// #[dynamo(table = App, pk = "BRANDS", sk = "BRANDS")]
    /// pub struct Brands {
    ///     #[serde(with = "serde_dynamo::string_set", default)]
    ///     names: BTreeSet<String>,
    /// }
    /// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// let a = Brands::attrs();
    /// db.update(BrandsKey {}).add_to_set(a.names, ["Acme".to_owned()]).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn add_to_set<P, V>(self, attr: P, items: impl IntoIterator<Item = V>) -> Self
    where
        P: UpdateTarget<E>,
        P::Value: Serialize + FromIterator<V>,
    {
        self.set_action(attr, items, Action::Add)
    }

    /// `DELETE attr {items}`: removes elements from a set attribute (as
    /// [`Update::add_to_set`]; removing the last element removes the attribute, so declare
    /// the field `#[serde(default)]`).
    pub fn delete_from_set<P, V>(self, attr: P, items: impl IntoIterator<Item = V>) -> Self
    where
        P: UpdateTarget<E>,
        P::Value: Serialize + FromIterator<V>,
    {
        self.set_action(attr, items, Action::Delete)
    }

    fn set_action<P, V>(
        mut self,
        attr: P,
        items: impl IntoIterator<Item = V>,
        action: fn(Path, Value) -> Action,
    ) -> Self
    where
        P: UpdateTarget<E>,
        P::Value: Serialize + FromIterator<V>,
    {
        let mut items = items.into_iter().peekable();
        if items.peek().is_none() {
            return self;
        }
        let set: P::Value = items.collect();
        let value = attr.encode(&set);
        let value = match value.get() {
            Ok(AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)) | Err(_) => {
                value
            }
            Ok(_) => Value::unsupported(format!(
                "`{}` is not stored as a DynamoDB set; declare the field \
                 `#[serde(with = \"serde_dynamo::string_set\")]` (or `number_set`, `binary_set`)",
                attr.target_path()
            )),
        };
        self.core.actions.push(action(attr.target_path(), value));
        self
    }

    /// Adds the actions of a [`RawUpdate`](crate::RawUpdate): DynamoDB update text for
    /// what the typed actions do not cover. It is parsed into the same actions (see its
    /// docs for what is refused); a refusal is the error of `send`, with nothing sent.
    pub fn raw(mut self, raw: crate::RawUpdate<E>) -> Self {
        match raw
            .into_actions()
            .and_then(|actions| check_raw_targets(crate::entity::def::<E>(), actions))
        {
            Ok(actions) => self.core.actions.extend(actions),
            Err(e) => {
                self.core.refused.get_or_insert(e);
            }
        }
        self
    }

    /// Updates only if `condition` holds for the stored item (combined with `and` when
    /// called twice). A failure is [`Error::ConditionFailed`].
    pub fn condition(mut self, condition: Condition<E>) -> Self {
        self.core.condition = Some(crate::expr::also(
            self.core.condition.take(),
            condition.into_node(),
        ));
        self
    }

    /// On a failed condition, carry the stored item in the error.
    pub fn return_old_on_failure(mut self) -> Self {
        self.core.return_old_on_failure = true;
        self
    }

    /// Optimistic locking: update only if the item's `#[dynamo(version)]` is `version`
    /// (the version it was read at); otherwise [`Error::VersionConflict`]. Every update of
    /// a versioned entity increments the version, with or without this check.
    pub fn if_version(mut self, version: u64) -> Self {
        self.core.expected_version = Some(version);
        self
    }

    /// The non-generic request (transactions take it).
    pub(crate) fn into_core(self) -> UpdateCore {
        self.core
    }

    /// Sends the request and returns the entity as it is after the update.
    pub async fn send(self) -> Result<E, Error> {
        // One future layer over the request's: the SDK's future is large, and each layer
        // of `async fn` around it is a copy of it.
        let item = match self.core.start()? {
            // An entity without earlier shapes sends the plan as it is; one with them may
            // upgrade the item first — boxed, so the common future stays one layer deep.
            Sending::Single { db, plan, def } if !crate::repair::upgrades_first(def, &plan) => {
                send::single(&db, plan, Returns::New)
                    .await?
                    .ok_or(Error::NotFound { entity: def.name() })?
            }
            Sending::Single { db, plan, def } => {
                Box::pin(crate::repair::send_upgrading(&db, def, plan, Returns::New))
                    .await?
                    .ok_or(Error::NotFound { entity: def.name() })?
            }
            Sending::Boxed(rest) => rest.await?,
        };
        crate::entity::decode_as::<E>(item)
    }
}

/// How an update is sent, decided before anything is sent.
// Lives for one match: boxing the common variant's plan would add an allocation to every
// update to save bytes no one keeps.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Sending {
    /// Most updates: one UpdateItem.
    Single {
        db: Arc<Inner>,
        plan: Plan,
        def: &'static Def,
    },
    /// Updates of unique values and of index keys that follow the stored item: boxed, so
    /// their futures (a transaction, a read and retries) do not size every update's.
    Boxed(Pin<Box<dyn Future<Output = Result<Item, Error>> + Send>>),
}

impl UpdateCore {
    fn new(db: Arc<Inner>, def: &'static Def, key: Result<KeyParts, KeyError>) -> Self {
        Self {
            db,
            def,
            key,
            // Room for two actions and the index keys they imply, without regrowing.
            actions: Vec::with_capacity(4),
            condition: None,
            bounds: None,
            return_old_on_failure: false,
            expected_version: None,
            refused: None,
            uncertain: Vec::new(),
        }
    }

    /// The entity type updated.
    pub(crate) fn def(&self) -> &'static Def {
        self.def
    }

    /// Adds the condition that `attribute ± step` stays within the field type's range (`bounds`) (integers), so
    /// the stored item still decodes: `attribute <= MAX - step` or `attribute >= MIN + step`.
    /// A failure is [`Error::ConditionFailed`]. `absent_ok`: a missing attribute counts as 0.
    fn keep_in_range(
        &mut self,
        attribute: &Path,
        step: &Value,
        direction: Step,
        absent_ok: bool,
        bounds: Option<(i128, i128)>,
    ) {
        let (Some((min, max)), Ok(AttributeValue::N(n))) = (bounds, step.get()) else {
            return;
        };
        let Ok(n) = n.parse::<i128>() else { return };
        let n = match direction {
            Step::Add => Some(n),
            Step::Subtract => n.checked_neg(),
        };
        let bound = match n {
            Some(n) if n >= 0 => max.checked_sub(n).map(|b| (b, true)),
            Some(n) => min.checked_sub(n).map(|b| (b, false)),
            None => None,
        };
        let Some((bound, upper)) = bound else { return };
        let value = AttributeValue::N(bound.to_string());
        let within = if upper {
            crate::expr::at_most(attribute, value)
        } else {
            crate::expr::at_least(attribute, value)
        };
        let guard = if absent_ok {
            crate::expr::or(crate::expr::absent(attribute), within)
        } else {
            within
        };
        self.bounds = Some(crate::expr::also(self.bounds.take(), guard));
    }

    /// Whether the update writes a `#[dynamo(unique)]` field.
    pub(crate) fn touches_unique(&self) -> bool {
        self.def
            .schema
            .unique
            .iter()
            .any(|u| self.actions.iter().any(|a| a.attribute() == u.attribute))
    }

    /// Adds the lifecycle actions: version increment and check, `updated_at`, TTL.
    fn lifecycle(&mut self) -> Result<Option<Node>, Error> {
        let def = self.def;
        let schema = def.schema;
        let mut guard = None;
        for reserved in [schema.version, schema.created_at, schema.updated_at]
            .into_iter()
            .flatten()
        {
            if self.actions.iter().any(|a| a.attribute() == reserved) {
                return Err(Error::invalid_for(
                    schema.name,
                    InvalidInputKind::LifecycleAttributeNotWritable,
                    format!(
                        "attribute `{reserved}` is maintained by the library and cannot be written"
                    ),
                ));
            }
        }
        if let Some(attribute) = schema.version {
            self.actions.push(Action::Add(
                attribute.into(),
                Value::raw(AttributeValue::N("1".into())),
            ));
            guard = Some(match self.expected_version {
                // The increment must stay in the field type's range.
                Some(expected) => {
                    def.next_version(expected)?;
                    version::is(attribute, expected)
                }
                None => version::below(attribute, schema.version_max),
            });
        } else if self.expected_version.is_some() {
            return Err(Error::invalid_for(
                schema.name,
                InvalidInputKind::NotSupported,
                format!("`{}` has no `#[dynamo(version)]` field", schema.name),
            ));
        }
        if let Some(attribute) = schema.updated_at {
            self.actions.push(Action::Set(
                attribute.into(),
                Value::raw((def.timestamp_now)(attribute)?),
            ));
        }
        if let (Some(field), Some(ttl)) = (schema.ttl, def.table.ttl()) {
            let set = self.actions.iter().find_map(|a| match a {
                Action::Set(name, v) if name == field => Some(Some(v.get().cloned())),
                Action::Remove(name) if name == field => Some(None),
                _ => None,
            });
            match set {
                Some(Some(value)) => match (def.ttl_seconds_from)(&value?)? {
                    Some(seconds) => self.actions.push(Action::Set(
                        ttl.into(),
                        Value::raw(AttributeValue::N(seconds.to_string())),
                    )),
                    None => self.actions.push(Action::Remove(ttl.into())),
                },
                Some(None) => self.actions.push(Action::Remove(ttl.into())),
                None => {}
            }
        }
        Ok(guard)
    }

    /// Validates the actions, adds the index-key and lifecycle actions, and renders the key:
    /// everything of the plan but the unique-value guard.
    pub(crate) fn prepare(mut self) -> Result<(Prepared, Arc<Inner>), Error> {
        if let Some(refused) = self.refused.take() {
            return Err(refused);
        }
        // Lifecycle first: an index template may read `updated_at`, whose new value the
        // index key is then rendered from.
        let version = self.lifecycle()?;
        let key = self.key.as_ref().map_err(|e| Error::Key(e.clone()))?;
        IndexKeys {
            def: self.def,
            key,
            actions: &mut self.actions,
            uncertain: &mut self.uncertain,
        }
        .sync()?;
        let key = self.render_key()?;
        let mut outcome = Outcome::of(self.def);
        outcome.keep_old = self.return_old_on_failure;
        outcome.expected_version = self.expected_version;
        outcome.increments = self.def.schema.version.is_some();
        let prepared = Prepared {
            def: self.def,
            key,
            actions: self.actions,
            version: crate::expr::all(version.into_iter().chain(self.bounds)),
            condition: self.condition,
            outcome,
            uncertain: self.uncertain,
        };
        Ok((prepared, self.db))
    }

    /// The plan of this update (transactions use it too), with its client.
    pub(crate) fn into_plan(self) -> Result<(Plan, Arc<Inner>), Error> {
        let (prepared, db) = self.prepare()?;
        prepared.refuse_uncertain()?;
        Ok((prepared.plan(None)?, db))
    }

    /// Validates and plans the update; what is left is to send it.
    pub(crate) fn start(self) -> Result<Sending, Error> {
        if self.touches_unique() {
            return Ok(Sending::Boxed(Box::pin(self.send_with_unique())));
        }
        let (prepared, db) = self.prepare()?;
        if !prepared.uncertain.is_empty() {
            return Ok(Sending::Boxed(Box::pin(send_as_stored(prepared, db))));
        }
        let def = prepared.def;
        let plan = prepared.plan(None)?;
        Ok(Sending::Single { db, plan, def })
    }

    /// An update that changes unique values: the update and the sentinel moves in one
    /// transaction, guarded by the values read just before.
    async fn send_with_unique(self) -> Result<Item, Error> {
        let def = self.def;
        let (prepared, db) = self.prepare()?;
        prepared.refuse_uncertain()?;
        let key = prepared.key.clone();
        // Planned once before the read, so invalid input sends nothing at all.
        prepared.clone().plan(None)?;
        // The sentinel keys of the values set are checked before the read, too.
        let mut set_values = vec![None; def.schema.unique.len()];
        apply_unique_actions(def, &prepared.actions, &mut set_values)?;
        crate::unique::check_sentinels(def, &set_values)?;
        // The transaction cannot upgrade an item of an earlier shape: `unique_write` does it
        // first.
        crate::repair::unique_write(&db, def, &key, true, &|read| {
            let Some(old) = &read.old else {
                return Err(Error::NotFound { entity: def.name() });
            };
            let mut new_values = crate::unique::values_in(def, old)?;
            apply_unique_actions(def, &prepared.actions, &mut new_values)?;
            Ok(Some((
                prepared.clone().plan(read.guard.clone())?,
                new_values,
            )))
        })
        .await?;
        // Transactions return no values: read the result back.
        let item = crate::unique::read_item(&db, def, &key)
            .await?
            .ok_or(Error::NotFound { entity: def.name() })?;
        def.check_type(&item)?;
        Ok(item)
    }

    /// The rendered primary key, from its encoded parts.
    pub(super) fn render_key(&self) -> Result<PrimaryKey, Error> {
        let parts = self.key.as_ref().map_err(|e| Error::Key(e.clone()))?;
        Ok(crate::entity::render_primary_key(
            self.def.schema,
            &mut |slot, out| match parts.get(slot) {
                Some(part) => {
                    out.push_str(part);
                    Ok(true)
                }
                None => Ok(false),
            },
        )?)
    }
}

/// Raw actions may write only the entity's own fields (never table or index keys, the
/// discriminator, or anything the entity does not declare), and a whole field set from a
/// value must decode as the field's type.
fn check_raw_targets(def: &Def, actions: Vec<Action>) -> Result<Vec<Action>, Error> {
    for action in &actions {
        let attribute = action.attribute();
        if !def.schema.attributes.contains(&attribute) {
            return Err(Error::invalid_for(
                def.name(),
                InvalidInputKind::UnknownAttribute,
                format!(
                    "invalid raw update: `{attribute}` is not a field of `{}` (table and index \
                     keys and the discriminator are maintained by the library)",
                    def.name()
                ),
            ));
        }
        if let Action::Set(path, value) | Action::SetIfNotExists(path, value) = action
            && !path.is_nested()
            && let Ok(value) = value.get()
        {
            (def.check_field_value)(attribute, value)?;
        }
        // As typed `remove`: only a field that reads back from nothing (an `Option`).
        if let Action::Remove(path) = action
            && !path.is_nested()
            && (def.check_field_value)(attribute, &AttributeValue::Null(true)).is_err()
        {
            return Err(Error::invalid_for(
                def.name(),
                InvalidInputKind::ValueDoesNotDecode,
                format!(
                    "invalid raw update: removing `{attribute}` would leave an item that does not \
                 decode; only optional fields can be removed"
                ),
            ));
        }
    }
    Ok(actions)
}

/// An update with every action and guard but the unique-value one: cloned for each attempt
/// of a unique write.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    def: &'static Def,
    key: PrimaryKey,
    actions: Vec<Action>,
    /// The version guard and the range guards of arithmetic.
    version: Option<Node>,
    condition: Option<Node>,
    outcome: Outcome,
    /// Index keys that follow the stored membership (see [`send_as_stored`]).
    uncertain: Vec<Uncertain>,
}

impl Prepared {
    /// Writes that cannot read the item first (transactions, unique-value moves) cannot
    /// follow a stored membership: the update must decide it.
    fn refuse_uncertain(&self) -> Result<(), Error> {
        match self.uncertain.first() {
            None => Ok(()),
            Some(u) => Err(Error::invalid_for(
                self.outcome.entity,
                InvalidInputKind::IncompleteIndexKey,
                format!(
                    "every update stores a new `updated_at`, which the key of the index keyed by \
                 `{}` reads, and whether the item is in that index is not in this update; \
                 outside a plain `send` (in a transaction, or with a unique field) set the \
                 field that decides it",
                    u.partition_key
                ),
            )),
        }
    }

    /// This update for an item whose membership of each uncertain index is `members`: the
    /// key actions of the indexes it is in, and guards that membership is still so.
    fn with_membership(mut self, members: &[bool]) -> Self {
        for (u, member) in std::mem::take(&mut self.uncertain).into_iter().zip(members) {
            if *member {
                self.actions.extend(u.member);
            }
            let guard = Node::Exists(u.partition_key, *member);
            self.version = Some(crate::expr::also(self.version.take(), guard));
        }
        self
    }
    /// The plan: the item must exist and be an `E`, at the expected version (or one that
    /// can still be incremented), with the unique values as read, and the caller's condition.
    fn plan(self, unique: Option<Node>) -> Result<Plan, Error> {
        let mut guards = Guards::new(Presence::Same);
        guards.version = self.version;
        guards.unique = unique;
        guards.user = self.condition;
        guards.reads_fields = true;
        Plan::new(
            self.key,
            Write::Update(self.actions),
            guards,
            &Target::of(self.def),
            self.outcome,
        )
    }
}

/// Sends an update whose index keys follow the membership stored in the item: reads it,
/// writes the keys of the indexes it is in, guarded that it still is; if the membership
/// changed in between, reads and tries again.
async fn send_as_stored(prepared: Prepared, db: Arc<Inner>) -> Result<Item, Error> {
    const ATTEMPTS: usize = 4;
    let def = prepared.def;
    let entity = def.name();
    let members_of = |item: &crate::Item| -> Vec<bool> {
        prepared
            .uncertain
            .iter()
            .map(|u| item.contains_key(u.partition_key))
            .collect()
    };
    // Invalid input sends nothing, not even the read.
    prepared.clone().with_membership(&[]).plan(None)?;
    for _ in 0..ATTEMPTS {
        let Some(old) = crate::unique::read_item(&db, def, &prepared.key).await? else {
            return Err(Error::NotFound { entity });
        };
        if crate::entity::is_earlier(def.schema, &old) {
            // An earlier shape: upgrade it first (this update's guard requires the current).
            crate::repair::upgrade_first(&db, def.schema, def.table, &old).await?;
            continue;
        }
        let members = members_of(&old);
        let plan = prepared.clone().with_membership(&members).plan(None)?;
        match send::single(&db, plan, Returns::New).await {
            Ok(Some(item)) => return Ok(item),
            Ok(None) => return Err(Error::NotFound { entity }),
            Err(
                e @ (Error::ConditionFailed(_)
                | Error::VersionConflict { .. }
                | Error::VersionExhausted { .. }
                | Error::NotFound { .. }
                | Error::WrongEntity { .. }),
            ) => {
                // Our guard, or the caller's? Only a changed membership is worth a retry.
                let now = crate::unique::read_item(&db, def, &prepared.key).await?;
                if now.is_none_or(|item| members_of(&item) == members) {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(Error::Contended {
        entity,
        attempts: ATTEMPTS,
    })
}

/// The encoded unique values after `actions`: each `set` of a unique field replaces its
/// value, each `remove` clears it.
fn apply_unique_actions(
    def: &Def,
    actions: &[Action],
    values: &mut [Option<String>],
) -> Result<(), Error> {
    for (i, field) in def.schema.unique.iter().enumerate() {
        for action in actions {
            match action {
                Action::Set(name, value) if name == field.attribute => {
                    let mut out = String::new();
                    values[i] = (def.write_unique_from)(i, value.get()?, &mut out)?.then_some(out);
                }
                Action::Remove(name) if name == field.attribute => values[i] = None,
                _ => {}
            }
        }
    }
    Ok(())
}
