//! [`Insert`]: create an entity whose ids the library makes, and hand it back.

use crate::Error;
use crate::entity::Entity;
use crate::ops::Put;

/// A create of entity `E` whose `#[dynamo(generated)]` fields were filled with new ids,
/// built by [`Db::insert`](crate::Db::insert). `send` returns the entity as stored, ids
/// included.
#[must_use = "a request does nothing until `.send().await`"]
pub struct Insert<E> {
    put: Put<E>,
    entity: E,
}

impl<E> std::fmt::Debug for Insert<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The entity is left out: it can hold personal data.
        f.debug_struct("Insert").finish_non_exhaustive()
    }
}

impl<E: Entity> Insert<E> {
    pub(crate) fn new(put: impl FnOnce(&E) -> Put<E>, mut entity: E) -> Self {
        entity.fill_generated();
        Self {
            put: put(&entity),
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
        self.put.send().await?;
        Ok(self.entity)
    }
}
