//! Unique constraints: one sentinel item per `#[dynamo(unique)]` value, claimed, moved and
//! released in the same transaction as the entity's own write.
//!
//! A sentinel's partition key is `_dynamorm.unique#<entity>#<field>#<value>` (each part
//! escaped like any key part, so a value can never forge another sentinel), its sort key
//! `_dynamorm.unique`, its discriminator `_dynamorm.unique` (a prefix no entity may be
//! named with), and `owner`/`owner_sort` hold the owner's key.
//!
//! Every write of a unique entity is planned from a consistent read of the stored item and
//! guarded by it: the stored unique values must still be the ones read (all of them, not
//! only the changing ones — a put that keeps a value must not race an update that moves
//! it), and no item may exist if none was read. A lost race is re-read and re-planned.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Error;
use crate::client::Inner;
use crate::entity::{Def, EntityValue, PrimaryKey};
use crate::error::cancel::CancelReason;
use crate::expr::{Node, all, or};
use crate::item::Item;
use crate::key::KeyPart;
use crate::write::guard::Target;
use crate::write::plan::Write;
use crate::write::{Outcome, Plan};

use crate::write::internal::SENTINEL;

/// How often a write re-reads and re-plans after losing a race before giving up.
const ATTEMPTS: usize = 8;

/// The encoded unique values of an item (`None` for an absent or null value).
pub(crate) fn values_in(def: &Def, item: &Item) -> Result<Vec<Option<String>>, Error> {
    def.schema
        .unique
        .iter()
        .enumerate()
        .map(|(i, u)| match item.get(u.attribute) {
            Some(value) => {
                let mut out = String::new();
                Ok((def.write_unique_from)(i, value, &mut out)?.then_some(out))
            }
            None => Ok(None),
        })
        .collect()
}

/// The sentinel key of each unique value `entity` holds, by field.
pub(crate) fn sentinels_of(
    def: &Def,
    entity: &dyn EntityValue,
) -> Result<Vec<(&'static str, PrimaryKey)>, Error> {
    let mut out = Vec::new();
    for (i, field) in def.schema.unique.iter().enumerate() {
        let mut encoded = String::new();
        if entity.write_unique(i, &mut encoded)? {
            out.push((field.field, sentinel_key(def, field.field, &encoded)?));
        }
    }
    Ok(out)
}

/// Renders the sentinel key of every value, so a value no key may hold (too long, or a
/// custom key part writing the delimiter) is refused before the write reads anything.
pub(crate) fn check_sentinels(def: &Def, values: &[Option<String>]) -> Result<(), Error> {
    for (field, value) in def.schema.unique.iter().zip(values) {
        if let Some(encoded) = value {
            sentinel_key(def, field.field, encoded)?;
        }
    }
    Ok(())
}

/// The sentinel key for value `encoded` of unique field `field` of entity `E`.
pub(crate) fn sentinel_key(def: &Def, field: &str, encoded: &str) -> Result<PrimaryKey, Error> {
    let mut pk = String::from(SENTINEL);
    for part in [def.name(), field] {
        pk.push('#');
        part.write_key(&mut pk)?;
    }
    pk.push('#');
    crate::key::check_part(encoded)?;
    pk.push_str(encoded);
    crate::key::check_len("partition key", &pk, crate::key::MAX_PARTITION_KEY_BYTES)?;
    Ok(PrimaryKey {
        partition_key: pk,
        sort_key: def.table.sort_key().map(|_| SENTINEL.to_owned()),
    })
}

fn sentinel_target(def: &Def) -> Target {
    Target::raw(SENTINEL, def.table)
}

/// `owner = :pk [AND owner_sort = :sk]`: the sentinel belongs to `owner`.
fn owned_by(owner: &PrimaryKey) -> Node {
    let pk = Node::Equals("owner", AttributeValue::S(owner.partition_key.clone()));
    let sk = owner
        .sort_key
        .as_ref()
        .map(|sk| Node::Equals("owner_sort", AttributeValue::S(sk.clone())));
    crate::expr::and(pk, sk)
}

/// The sentinel item at `key` naming `owner` (what a claim writes, and an import).
pub(crate) fn sentinel_item(def: &Def, key: &PrimaryKey, owner: &PrimaryKey) -> Item {
    let target = sentinel_target(def);
    let mut item = target.key_item(key);
    item.insert(
        target.discriminator.to_owned(),
        AttributeValue::S(SENTINEL.to_owned()),
    );
    item.insert(
        "owner".to_owned(),
        AttributeValue::S(owner.partition_key.clone()),
    );
    if let Some(sk) = &owner.sort_key {
        item.insert("owner_sort".to_owned(), AttributeValue::S(sk.clone()));
    }
    item
}

/// The plan that claims a value for `owner`: put the sentinel if no one holds it.
fn claim(def: &Def, key: PrimaryKey, owner: &PrimaryKey) -> Result<Plan, Error> {
    let target = sentinel_target(def);
    let item = sentinel_item(def, &key, owner);
    // Free, or already this owner's (a retried write that claimed it before).
    let free = or(target.is_absent(), owned_by(owner));
    Plan::with_condition(
        target,
        key,
        Write::Put(item),
        Some(free),
        Outcome::raw(SENTINEL, target.discriminator),
    )
}

/// The plan that releases `owner`'s value: delete the sentinel if it is absent or `owner`'s
/// (never another owner's claim).
fn release(def: &Def, key: PrimaryKey, owner: &PrimaryKey) -> Result<Plan, Error> {
    let target = sentinel_target(def);
    let condition = or(
        target.is_absent(),
        crate::expr::and(target.is_same(), Some(owned_by(owner))),
    );
    Plan::with_condition(
        target,
        key,
        Write::Delete,
        Some(condition),
        Outcome::raw(SENTINEL, target.discriminator),
    )
}

/// What a unique write plans for one attempt: its own write and the unique values it
/// leaves.
pub(crate) type Planned = (Plan, Vec<Option<String>>);

/// The stored item as a write of a unique entity read it, and the guard that it is unchanged.
#[derive(Debug, Clone)]
pub(crate) struct Read {
    pub(crate) old: Option<Item>,
    values: Vec<Option<String>>,
    /// Every unique attribute still as read (`None` when the entity has none).
    pub(crate) guard: Option<Node>,
}

/// Reads the stored item with strong consistency, and the guard that it is unchanged.
async fn read(db: &Inner, def: &Def, key: &PrimaryKey) -> Result<Read, Error> {
    let old = read_item(db, def, key).await?;
    if let Some(item) = &old
        && def.check_type(item).is_ok()
    {
        // The unique values are read by the current shape's attribute names: an item of
        // another shape is `Error::Shape` (an earlier one is upgraded first by the caller,
        // `repair::unique_write`).
        crate::entity::require_current(def.schema, item)?;
    }
    let values = match &old {
        Some(item) => values_in(def, item)?,
        None => vec![None; def.schema.unique.len()],
    };
    let guard = all(def.schema.unique.iter().map(|field| {
        match old.as_ref().and_then(|item| item.get(field.attribute)) {
            Some(value) => Node::Equals(field.attribute, value.clone()),
            None => Node::Exists(field.attribute, false),
        }
    }));
    Ok(Read { old, values, guard })
}

/// Reads the stored item with strong consistency.
pub(crate) async fn read_item(
    db: &Inner,
    def: &Def,
    key: &PrimaryKey,
) -> Result<Option<Item>, Error> {
    crate::read::read_consistent(db, key.clone().into_item(def.table), def.name()).await
}

/// A random token shaped like a UUID (DynamoDB takes 1 to 36 characters).
fn random_token() -> String {
    let hex = format!("{:032x}", fastrand::u128(..));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Plans the sentinel moves from the values read to `new`, for the item at `owner`.
fn sentinel_plans(
    def: &Def,
    read: &Read,
    new: &[Option<String>],
    owner: &PrimaryKey,
) -> Result<(Vec<Plan>, Vec<usize>), Error> {
    let mut releases = Vec::new();
    let mut claims = Vec::new();
    let mut claimed_fields = Vec::new();
    for (i, field) in def.schema.unique.iter().enumerate() {
        let (before, after) = (read.values[i].as_ref(), new.get(i).and_then(Option::as_ref));
        if before == after {
            continue;
        }
        if let Some(v) = before {
            releases.push(release(def, sentinel_key(def, field.field, v)?, owner)?);
        }
        if let Some(v) = after {
            claims.push(claim(def, sentinel_key(def, field.field, v)?, owner)?);
            claimed_fields.push(i);
        }
    }
    releases.extend(claims);
    Ok((releases, claimed_fields))
}

/// Writes an entity with unique fields: reads the stored item at `key` (when `needs_read`;
/// a create plans for "no item"), lets `plan` build the entity's write and its new unique
/// values from that read (`None`: nothing to write), and sends it with the sentinel moves
/// in one transaction. A race lost to a concurrent write is re-read and re-planned.
/// Returns the item as it was read.
pub(crate) async fn write(
    db: &Inner,
    def: &Def,
    key: &PrimaryKey,
    needs_read: bool,
    plan: &(dyn Fn(&Read) -> Result<Option<Planned>, Error> + Sync),
) -> Result<Option<Item>, Error> {
    for _ in 0..ATTEMPTS {
        let read = if needs_read {
            read(db, def, key).await?
        } else {
            Read {
                old: None,
                values: vec![None; def.schema.unique.len()],
                guard: None,
            }
        };
        let Some((main, new_values)) = plan(&read)? else {
            return Ok(read.old);
        };
        let outcome = main.outcome;
        let (sentinels, claimed) = sentinel_plans(def, &read, &new_values, key)?;
        let first_claim = 1 + sentinels.len() - claimed.len();
        let mut plans = Vec::with_capacity(1 + sentinels.len());
        plans.push(main);
        plans.extend(sentinels);
        // A token per attempt: the SDK's own retry of a request whose response was lost
        // is then applied once, not reported as a conflict with itself.
        let token = Some(random_token());
        let canceled = match crate::write::send::transaction(db, plans, token).await {
            Ok(()) => return Ok(read.old),
            Err(Error::TransactionCanceled(canceled)) => canceled,
            Err(other) => return Err(other),
        };
        let mut retry = false;
        let mut failure = None;
        for action in &canceled.actions {
            match &action.reason {
                CancelReason::TransactionConflict => retry = true,
                CancelReason::ConditionalCheckFailed if action.index == 0 => {
                    // Lost to a concurrent write of the unique values (or of the item's
                    // existence) since the read: plan again from a fresh read.
                    let changed = match &action.old {
                        Some(old) => {
                            read.old.is_none() || values_in(def, old.expose())? != read.values
                        }
                        None => read.old.is_some(),
                    };
                    if needs_read && changed {
                        retry = true;
                    } else {
                        let old = action.old.clone().map(crate::Redacted::into_inner);
                        failure = Some(outcome.classify(old));
                    }
                }
                CancelReason::Shape { .. } if action.index == 0 => {
                    let old = action.old.clone().map(crate::Redacted::into_inner);
                    failure = Some(outcome.classify(old));
                }
                CancelReason::ConditionalCheckFailed if action.index >= first_claim => {
                    let field = claimed[action.index - first_claim];
                    failure.get_or_insert(Error::UniqueViolation {
                        entity: def.name(),
                        field: def.schema.unique[field].field,
                    });
                }
                _ => {}
            }
        }
        // A lost race first: after a fresh read the claim may be ours already, or moot.
        if retry {
            continue;
        }
        if let Some(error) = failure {
            return Err(error);
        }
        return Err(Error::TransactionCanceled(canceled));
    }
    Err(Error::Contended {
        entity: def.name(),
        attempts: ATTEMPTS,
    })
}
