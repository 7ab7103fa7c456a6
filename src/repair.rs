//! Shape repair: an item stored in an earlier shape of its entity written back in the
//! current shape — by reads when [`Db::with_shape_repair`](crate::Db::with_shape_repair) is
//! on, and by a write that requires the current shape (an update, a write with a
//! condition) before it applies. Each repair is a put guarded
//! by the whole item as read, so a write that landed since the read is never overwritten:
//! the repair then loses, and the newer write stands.

use std::future::Future;

use futures::stream::{self, StreamExt};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::client::Inner;
use crate::entity::{Def, EntitySchema, PrimaryKey};
use crate::item::Item;
use crate::table::TableSchema;
use crate::write::guard::{Target, item_as_read};
use crate::write::plan::Write;
use crate::write::send::{self, Returns};
use crate::write::{Outcome, Plan};
use crate::{Error, InvalidInputKind};

/// How many repairs of one page are in flight at once.
const CONCURRENT_REPAIRS: usize = 8;

/// What a repair did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repaired {
    /// The item is in the current shape: nothing to do.
    Current,
    /// The upgraded item was written.
    Written,
    /// The item changed (or went) since it was read: the newer write stands.
    Lost,
    /// The upgraded item has another primary key: moving it is the re-key migration's job
    /// (`Db::migrate`), so nothing was written.
    Moves,
}

/// Writes `item`, of `schema`'s entity type, back in the current shape if it is stored in
/// an earlier one. An upgrade that would move the item to another primary key writes
/// nothing ([`Repaired::Moves`]): moving keys is the re-key migration's job.
pub(crate) async fn one(
    db: &Inner,
    table: &'static TableSchema,
    schema: &'static EntitySchema,
    item: &Item,
) -> Result<Repaired, Error> {
    let Some(upgraded) = crate::entity::upgraded(schema, item) else {
        return Ok(Repaired::Current);
    };
    let upgraded = upgraded?;
    let key = crate::entity::key_from(item, table);
    let Some(key) = key.filter(|k| crate::entity::key_from(&upgraded, table).as_ref() == Some(k))
    else {
        return Ok(Repaired::Moves);
    };
    let mut declared = crate::migrate::all_key_attributes(table, &[]);
    declared.extend(table.ttl());
    declared.push(crate::SHAPE_ATTRIBUTE);
    declared.extend(schema.attributes.iter().copied());
    let plan = Plan::with_condition(
        Target::raw(schema.name, table),
        key,
        Write::Put(upgraded),
        item_as_read(item, declared),
        Outcome::raw(schema.name, table.discriminator()),
    )?;
    match send::single(db, plan, Returns::Nothing).await {
        Ok(_) => Ok(Repaired::Written),
        Err(e) if crate::write::is_lost_race(&e) => Ok(Repaired::Lost),
        Err(e) => Err(e),
    }
}

/// How many times a write upgrades its item and tries again before it is contended: the
/// upgrade loses to every concurrent write of the item, so a busy item needs a few.
const UPGRADE_ATTEMPTS: usize = 10;

/// Whether `plan`, of `def`'s entity, is sent through [`send_upgrading`]: it requires the
/// stored item in the current shape (an update, a write with a condition) and the entity
/// has earlier shapes. Otherwise a shape error is a newer binary's item, and the plan is
/// sent as it is.
pub(crate) fn upgrades_first(def: &Def, plan: &Plan) -> bool {
    def.schema.reshape.is_some()
        && plan.outcome.shape.is_some()
        && plan.outcome.oldest_accepted.is_none()
}

/// Sends a plan that requires the stored item in the current shape (see
/// [`upgrades_first`]). When the item is stored in an earlier shape that `def`'s entity
/// reads (the plan's shape guard failed on it), it is written back upgraded first — guarded
/// by the item as read — and the plan is sent again: no write ever applies the current
/// shape's attributes or conditions to an item of another shape.
pub(crate) async fn send_upgrading(
    db: &Inner,
    def: &'static Def,
    plan: Plan,
    returns: Returns,
) -> Result<Option<Item>, Error> {
    let key = plan.key.clone();
    retry_upgraded(db, def, &key, || send::single(db, plan.clone(), returns)).await
}

/// Runs `write` (a write of the item at `key` that requires the current shape) until it
/// does not fail on an earlier shape, upgrading the item before each new attempt.
pub(crate) async fn retry_upgraded<T, F: Future<Output = Result<T, Error>>>(
    db: &Inner,
    def: &'static Def,
    key: &PrimaryKey,
    mut write: impl FnMut() -> F,
) -> Result<T, Error> {
    let schema = def.schema;
    for attempt in 0..UPGRADE_ATTEMPTS {
        match write().await {
            Err(Error::Shape { stored, .. })
                if stored >= schema.oldest_shape && stored < schema.shape =>
            {
                // Deleted meanwhile: the next attempt reports it.
                let Some(item) = crate::unique::read_item(db, def, key).await? else {
                    continue;
                };
                match one(db, def.table, schema, &item).await? {
                    Repaired::Moves => return Err(moves(schema)),
                    Repaired::Lost => {
                        // Another write landed between the read and the upgrade: let it
                        // settle.
                        let spread = 5 * (attempt as u64 + 1);
                        let wait = std::time::Duration::from_millis(fastrand::u64(1..=spread));
                        tokio::time::sleep(wait).await;
                    }
                    Repaired::Current | Repaired::Written => {}
                }
            }
            other => return other,
        }
    }
    Err(Error::Contended {
        entity: schema.name,
        attempts: UPGRADE_ATTEMPTS,
    })
}

/// [`unique::write`](crate::unique::write), whose read refuses an item of another shape
/// than the current: one of an earlier shape is upgraded first and the write tried again.
pub(crate) async fn unique_write(
    db: &Inner,
    def: &'static Def,
    key: &PrimaryKey,
    needs_read: bool,
    plan: &(dyn Fn(&crate::unique::Read) -> Result<Option<crate::unique::Planned>, Error> + Sync),
) -> Result<Option<Item>, Error> {
    retry_upgraded(db, def, key, move || {
        crate::unique::write(db, def, key, needs_read, plan)
    })
    .await
}

/// [`one`] for a write about to be sent: an upgrade that would move the item is an error.
pub(crate) async fn upgrade_first(
    db: &Inner,
    schema: &'static EntitySchema,
    table: &'static TableSchema,
    item: &Item,
) -> Result<Repaired, Error> {
    match one(db, table, schema, item).await? {
        Repaired::Moves => Err(moves(schema)),
        done => Ok(done),
    }
}

/// A write cannot upgrade an item whose upgrade moves it to another key.
fn moves(schema: &EntitySchema) -> Error {
    Error::invalid_for(
        schema.name,
        InvalidInputKind::NotSupported,
        format!(
            "the upgraded `{}` item has another primary key than the stored one: move it with \
             `db.migrate()` first",
            schema.name
        ),
    )
}

/// Read repair of one page: every item of an earlier shape of one of `entities` is written
/// back in its current shape. Failures are `tracing` events: the read itself succeeded.
pub(crate) async fn page(
    db: &Inner,
    table: &'static TableSchema,
    entities: &[&'static EntitySchema],
    items: &[Item],
) {
    let stale = items.iter().filter_map(|item| {
        let schema = entity_of(table, entities, item)?;
        // Only earlier shapes: a newer one is a newer binary's, not this one's to rewrite.
        crate::entity::is_earlier(schema, item).then_some((schema, item))
    });
    stream::iter(stale)
        .for_each_concurrent(CONCURRENT_REPAIRS, |(schema, item)| async move {
            repair_logged(db, table, schema, item).await;
        })
        .await;
}

/// [`one`], its failure a `tracing` event.
pub(crate) async fn repair_logged(
    db: &Inner,
    table: &'static TableSchema,
    schema: &'static EntitySchema,
    item: &Item,
) {
    if let Err(error) = one(db, table, schema, item).await {
        tracing::warn!(
            entity = schema.name,
            error = %error,
            "dynamorm: read repair of an item of an earlier shape failed"
        );
    }
}

/// The entity type of `item` among `entities`, by its discriminator.
fn entity_of(
    table: &TableSchema,
    entities: &[&'static EntitySchema],
    item: &Item,
) -> Option<&'static EntitySchema> {
    let Some(AttributeValue::S(name)) = item.get(table.discriminator()) else {
        return None;
    };
    entities.iter().copied().find(|e| e.name == name.as_str())
}
