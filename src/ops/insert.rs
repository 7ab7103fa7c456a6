//! [`Insert`]: create an entity whose ids the library makes, and hand it back.

use crate::Error;
use crate::entity::Entity;
use crate::ops::Put;

/// A create of entity `E` whose `#[dynamo(generated)]` fields were filled with new ids,
/// built by [`Db::insert`](crate::Db::insert). `send` returns the entity as stored — ids,
/// version and timestamps included (read back consistently after the write).
#[must_use = "a request does nothing until `.send().await`"]
pub struct Insert<E> {
    put: Put<E>,
    db: std::sync::Arc<crate::client::Inner>,
    entity: E,
}

impl<E> std::fmt::Debug for Insert<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The entity is left out: it can hold personal data.
        f.debug_struct("Insert").finish_non_exhaustive()
    }
}

impl<E: Entity> Insert<E> {
    pub(crate) fn new(
        db: std::sync::Arc<crate::client::Inner>,
        put: impl FnOnce(&E) -> Put<E>,
        mut entity: E,
    ) -> Self {
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
        self.put.send().await?;
        // The library set the version and timestamps as it wrote: read them back.
        match crate::unique::read_item::<E>(&self.db, &key).await? {
            Some(item) => crate::entity::decode::<E>(item),
            None => Err(Error::NotFound {
                entity: E::SCHEMA.name,
            }),
        }
    }
}
