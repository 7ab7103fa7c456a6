//! [`Get`]: read one item by its typed key.

use std::marker::PhantomData;
use std::pin::pin;
use std::sync::Arc;

use crate::Error;
use crate::client::Inner;
use crate::entity::{Def, Entity, PrimaryKey};
use crate::item::Item;
use crate::key::KeyError;
use crate::observe::{Call, ObserveExt};

/// A GetItem request for entity `E`, built by [`Db::get`](crate::Db::get).
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug)]
pub struct Get<E> {
    core: GetCore,
    entity: PhantomData<fn() -> E>,
}

/// A get as plain data: what every entity type's `Get` sends.
#[derive(Debug)]
pub(crate) struct GetCore {
    db: Arc<Inner>,
    def: &'static Def,
    key: Result<PrimaryKey, KeyError>,
    consistent_read: bool,
}

impl<E: Entity> Get<E> {
    pub(crate) fn new(db: Arc<Inner>, key: Result<PrimaryKey, KeyError>) -> Self {
        Self {
            core: GetCore::new(db, crate::entity::def::<E>(), key, false),
            entity: PhantomData,
        }
    }

    /// Reads with strong consistency (twice the read cost).
    pub fn consistent_read(mut self) -> Self {
        self.core.consistent_read = true;
        self
    }

    /// Sends the request: the entity, or `None` when no item has the key.
    ///
    /// An item of another entity type under the same key is an
    /// [`Error::WrongEntity`], never silently decoded.
    pub async fn send(self) -> Result<Option<E>, Error> {
        let item = self.core.send().await?;
        item.map(crate::entity::decode_as::<E>).transpose()
    }
}

impl GetCore {
    pub(crate) fn new(
        db: Arc<Inner>,
        def: &'static Def,
        key: Result<PrimaryKey, KeyError>,
        consistent_read: bool,
    ) -> Self {
        Self {
            db,
            def,
            key,
            consistent_read,
        }
    }

    /// The item, its entity type checked.
    pub(crate) async fn send(self) -> Result<Option<Item>, Error> {
        let key = self.key?;
        let output = pin!(
            self.db
                .client
                .get_item()
                .table_name(&self.db.table_name)
                .set_key(Some(key.into_item(self.def.table)))
                .consistent_read(self.consistent_read)
                .set_return_consumed_capacity(self.db.capacity_mode())
                .send()
        )
        .observed(&self.db, Call::new("GetItem", self.def.name()))
        .await
        .map_err(|e| crate::error::service("GetItem", e))?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        self.def.check_type(&item)?;
        Ok(Some(item))
    }
}
