//! [`Insert`]: create an entity whose ids the library makes, and hand it back.

use std::sync::Arc;

use super::put::PutCore;
use crate::Error;
use crate::client::Inner;
use crate::entity::{Entity, PrimaryKey};
use crate::item::Item;
use crate::ops::Put;

/// A create of entity `E` whose `#[dynamo(generated)]` fields were filled with new ids,
/// built by [`Db::insert`](crate::Db::insert). `send` returns the entity as stored — ids,
/// version and timestamps included (read back consistently after the write).
#[must_use = "a request does nothing until `.send().await`"]
pub struct Insert<E> {
    put: Put<E>,
    db: Arc<Inner>,
    entity: E,
}

impl<E> std::fmt::Debug for Insert<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The entity is left out: it can hold personal data.
        f.debug_struct("Insert").finish_non_exhaustive()
    }
}

impl<E: Entity> Insert<E> {
    pub(crate) fn new(db: Arc<Inner>, put: impl FnOnce(&E) -> Put<E>, mut entity: E) -> Self {
        entity.fill_generated();
        Self {
            put: put(&entity),
            db,
            entity,
        }
    }

    /// The entity with its generated ids, before it is sent.
    pub fn entity(&self) -> &E {
        &self.entity
    }

    /// Sends the request; the item must not exist yet (a generated id is new, so only an
    /// id you set yourself can be taken: [`Error::AlreadyExists`]).
    pub async fn send(self) -> Result<E, Error> {
        let key = crate::EntityKey::render(&self.entity.key())?;
        let item = insert(self.put.into_core(), self.db, key).await?;
        crate::entity::decode_as::<E>(item)
    }
}

/// Puts, then reads the item back: the library set the version and timestamps as it wrote.
async fn insert(put: PutCore, db: Arc<Inner>, key: PrimaryKey) -> Result<Item, Error> {
    let def = put.def();
    put.send().await?;
    let item = crate::unique::read_item(&db, def, &key).await?;
    let item = item.ok_or(Error::NotFound { entity: def.name() })?;
    def.check_type(&item)?;
    Ok(item)
}
