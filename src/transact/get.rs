//! [`TransactGet`]: a consistent snapshot of up to 100 items of any entity types.

use std::marker::PhantomData;
use std::pin::pin;
use std::sync::Arc;

use aws_sdk_dynamodb::types::{Get as SdkGet, TransactGetItem};

use crate::client::Inner;
use crate::entity::{Entity, EntityKey, PrimaryKey};
use crate::item::Item;
use crate::observe::{Call, ObserveExt};
use crate::registry::Registry;
use crate::table::Table;
use crate::{Error, InvalidInputKind};

/// A TransactGetItems request, built by [`Db::transact_get`](crate::Db::transact_get):
/// all items are read at one point in time.
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{user}", sk = "ORDER#{id}")] pub struct Order { user: String, id: u64 }
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// let out = db
///     .transact_get()
///     .get(UserKey { id: "u1".into() })
///     .get(OrderKey { user: "u1".into(), id: 7 })
///     .send()
///     .await?;
/// let user: Option<User> = out.get(0)?;
/// let order: Option<Order> = out.get(1)?;
/// # Ok(()) }
/// ```
#[must_use = "a transaction does nothing until `.send().await`"]
pub struct TransactGet<T> {
    db: Arc<Inner>,
    keys: Vec<Result<(&'static str, PrimaryKey, Item), Error>>,
    table: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for TransactGet<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactGet")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

/// The items of a [`TransactGet`], by request position.
#[derive(Clone, PartialEq)]
pub struct TransactGetOutput<T> {
    items: Vec<Option<Item>>,
    table: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for TransactGetOutput<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The items are left out: they hold the entities' values.
        f.debug_struct("TransactGetOutput")
            .field("items", &crate::redact::RedactedItems(&self.items))
            .finish()
    }
}

impl<T: Table> TransactGetOutput<T> {
    /// The item for the `index`-th key, decoded as `E` (`None`: no such item).
    pub fn get<E: Entity<Table = T>>(&self, index: usize) -> Result<Option<E>, Error> {
        match self.items.get(index) {
            Some(Some(item)) => crate::entity::decode::<E>(item.clone()).map(Some),
            Some(None) => Ok(None),
            None => Err(Error::invalid(
                InvalidInputKind::NoSuchResult,
                format!(
                    "the transaction read {} keys; there is no key {index}",
                    self.items.len()
                ),
            )),
        }
    }

    /// Every item found, in request order, as registry `R`.
    pub fn into_registry<R: Registry<Table = T>>(self) -> Result<Vec<Option<R>>, Error> {
        self.items
            .into_iter()
            .map(|i| i.map(R::from_item).transpose())
            .collect()
    }

    /// How many keys were read.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no key was read.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl<T: Table> TransactGet<T> {
    pub(crate) fn new(db: Arc<Inner>) -> Self {
        Self {
            db,
            keys: Vec::new(),
            table: PhantomData,
        }
    }

    /// Reads the item with this key.
    pub fn get<K: EntityKey>(mut self, key: K) -> Self
    where
        K::Entity: Entity<Table = T>,
    {
        self.keys.push(
            key.render()
                .map(|k| {
                    let item = k.key_map::<T>();
                    (K::Entity::SCHEMA.name, k, item)
                })
                .map_err(Error::from),
        );
        self
    }

    /// Sends the request: 1 to 100 keys, no key twice.
    pub async fn send(self) -> Result<TransactGetOutput<T>, Error> {
        let keys: Vec<(&'static str, PrimaryKey, Item)> =
            self.keys.into_iter().collect::<Result<_, _>>()?;
        if keys.is_empty() || keys.len() > 100 {
            return Err(Error::invalid(
                InvalidInputKind::ActionCount,
                format!("a transaction reads 1 to 100 keys, got {}", keys.len()),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (entity, key, _) in &keys {
            if !seen.insert(key) {
                return Err(Error::invalid_for(
                    entity,
                    InvalidInputKind::DuplicateKey,
                    format!(
                        "a `{entity}` key appears twice in one transaction; DynamoDB rejects that"
                    ),
                ));
            }
        }
        let mut items = Vec::with_capacity(keys.len());
        for (_, _, key) in keys {
            let get = SdkGet::builder()
                .table_name(&self.db.table_name)
                .set_key(Some(key))
                .build()
                .map_err(|e| Error::build("Get", e))?;
            items.push(TransactGetItem::builder().get(get).build());
        }
        let output = pin!(
            self.db
                .client
                .transact_get_items()
                .set_transact_items(Some(items))
                .set_return_consumed_capacity(self.db.capacity_mode())
                .send()
        )
        .observed(&self.db, Call::new("TransactGetItems", "*"))
        .await
        .map_err(|e| crate::error::service("TransactGetItems", e))?;
        Ok(TransactGetOutput {
            items: output
                .responses
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.item)
                .collect(),
            table: PhantomData,
        })
    }
}
