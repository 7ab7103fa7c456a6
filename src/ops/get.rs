//! [`Get`]: read one item by its typed key.

use std::marker::PhantomData;
use std::pin::pin;
use std::sync::Arc;

use crate::Error;
use crate::client::Inner;
use crate::entity::{Entity, PrimaryKey};
use crate::key::KeyError;
use crate::observe::{Call, ObserveExt};

/// A GetItem request for entity `E`, built by [`Db::get`](crate::Db::get).
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug)]
pub struct Get<E> {
    db: Arc<Inner>,
    key: Result<PrimaryKey, KeyError>,
    consistent_read: bool,
    entity: PhantomData<fn() -> E>,
}

impl<E: Entity> Get<E> {
    pub(crate) fn new(db: Arc<Inner>, key: Result<PrimaryKey, KeyError>) -> Self {
        Self {
            db,
            key,
            consistent_read: false,
            entity: PhantomData,
        }
    }

    /// Reads with strong consistency (twice the read cost).
    pub fn consistent_read(mut self, consistent: bool) -> Self {
        self.consistent_read = consistent;
        self
    }

    /// Sends the request: the entity, or `None` when no item has the key.
    ///
    /// An item of another entity type under the same key is an
    /// [`Error::WrongEntity`], never silently decoded.
    pub async fn send(self) -> Result<Option<E>, Error> {
        let key = self.key?;
        let output = pin!(
            self.db
                .client
                .get_item()
                .table_name(&self.db.table_name)
                .set_key(Some(key.into_item::<E::Table>()))
                .consistent_read(self.consistent_read)
                .set_return_consumed_capacity(self.db.capacity_mode())
                .send()
        )
        .observed(&self.db, Call::new("GetItem", E::SCHEMA.name))
        .await
        .map_err(|e| crate::error::service("GetItem", e))?;
        output.item.map(crate::entity::decode::<E>).transpose()
    }
}
