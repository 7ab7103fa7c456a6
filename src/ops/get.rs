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
use crate::projection::Projection;

/// A GetItem request for entity `E`, built by [`Db::get`](crate::Db::get); `T` is what it
/// returns: the entity, or a [`Projection`] of it ([`Get::project`]).
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Debug)]
pub struct Get<E, T = E> {
    core: GetCore,
    decode: fn(Item) -> Result<T, Error>,
    entity: PhantomData<fn() -> E>,
}

/// A get as plain data: what every entity type's `Get` sends.
#[derive(Debug)]
pub(crate) struct GetCore {
    db: Arc<Inner>,
    def: &'static Def,
    key: Result<PrimaryKey, KeyError>,
    consistent_read: bool,
    /// Only these attributes (and the keys and discriminator) are read.
    projection: Option<&'static [&'static str]>,
}

impl<E: Entity> Get<E> {
    pub(crate) fn new(db: Arc<Inner>, key: Result<PrimaryKey, KeyError>) -> Self {
        Self {
            core: GetCore::new(db, crate::entity::def::<E>(), key, false),
            decode: crate::entity::decode_as::<E>,
            entity: PhantomData,
        }
    }
}

impl<E: Entity, T> Get<E, T> {
    /// Reads only projection `P`'s attributes (a `ProjectionExpression`) and returns a `P`.
    ///
    /// ```no_run
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "TASK#{id}", sk = "TASK")]
    /// # pub struct Task { id: u32, title: String, body: String }
    /// #[derive(Deserialize, dynamorm::Projection)]
    /// #[dynamo(entity = Task)]
    /// pub struct TaskTitle { title: String }
    ///
    /// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// let title: Option<TaskTitle> = db.get(TaskKey { id: 7 }).project().send().await?;
    /// # Ok(()) }
    /// ```
    pub fn project<P: Projection<Entity = E>>(mut self) -> Get<E, P> {
        self.core.projection = Some(P::ATTRIBUTES);
        Get {
            core: self.core,
            decode: crate::read::projection_output::<P>().decode,
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
    pub async fn send(self) -> Result<Option<T>, Error> {
        let item = self.core.send().await?;
        item.map(self.decode).transpose()
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
            projection: None,
        }
    }

    /// The item, its entity type checked.
    pub(crate) async fn send(self) -> Result<Option<Item>, Error> {
        let key = self.key?;
        let (projection, names) = match self.projection {
            Some(attributes) => projection(self.def.table, attributes),
            None => (None, None),
        };
        let output = pin!(
            self.db
                .client
                .get_item()
                .table_name(&self.db.table_name)
                .set_key(Some(key.into_item(self.def.table)))
                .consistent_read(self.consistent_read)
                .set_projection_expression(projection)
                .set_expression_attribute_names(names)
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
        if self.db.repair_shapes && self.projection.is_none() {
            let (table, schema) = (self.def.table, self.def.schema);
            crate::repair::repair_logged(&self.db, table, schema, &item).await;
        }
        Ok(Some(item))
    }
}

/// A `ProjectionExpression` naming `attributes`, the table's keys, the discriminator (the
/// type check needs it) and the shape version, with its name placeholders.
fn projection(
    table: &crate::TableSchema,
    attributes: &[&'static str],
) -> (Option<String>, Option<crate::expr::Names>) {
    let mut p = crate::expr::Placeholders::default();
    let mut text = String::new();
    let keys = [
        Some(table.partition_key()),
        table.sort_key(),
        Some(table.discriminator()),
        Some(crate::SHAPE_ATTRIBUTE),
    ];
    for (i, a) in attributes
        .iter()
        .copied()
        .chain(keys.into_iter().flatten())
        .enumerate()
    {
        if i > 0 {
            text.push_str(", ");
        }
        p.name(a, &mut text);
    }
    (Some(text), p.into_maps().0)
}
