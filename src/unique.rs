//! Unique constraints: one sentinel item per `#[dynamo(unique)]` value, written, moved and
//! removed in the same transaction as the entity.
//!
//! A sentinel's partition key is `_dynamorm.unique#<entity>#<field>#<value>` (each part
//! escaped like any key part, so a value can never forge another sentinel), its sort key
//! `_dynamorm.unique`, and its discriminator `_dynamorm.unique`; registry reads skip it.

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete as SdkDelete, Put as SdkPut, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem,
};
use std::pin::pin;

use crate::Error;
use crate::entity::{Entity, PrimaryKey};
use crate::expr::{Node, Placeholders};
use crate::item::Item;
use crate::key::KeyPart;
use crate::observe::{Call, ObserveExt};
use crate::table::Table;

/// The discriminator of sentinel items, and the prefix registries skip.
pub(crate) const SENTINEL: &str = "_dynamorm.unique";

/// Whether a discriminator belongs to the library's own items.
pub(crate) fn is_internal(discriminator: &str) -> bool {
    discriminator.starts_with("_dynamorm.")
}

/// The encoded unique values of a stored item.
pub(crate) fn values_in<E: Entity>(item: &Item) -> Result<Vec<Option<String>>, Error> {
    E::SCHEMA
        .unique
        .iter()
        .enumerate()
        .map(|(i, u)| match item.get(u.attribute) {
            Some(value) => {
                let mut out = String::new();
                Ok(E::write_unique_from(i, value, &mut out)?.then_some(out))
            }
            None => Ok(None),
        })
        .collect()
}

/// The sentinel key for value `encoded` of unique field `field` of entity `E`.
pub(crate) fn sentinel_key<E: Entity>(field: &str, encoded: &str) -> Result<PrimaryKey, Error> {
    let mut pk = String::from(SENTINEL);
    for part in [E::SCHEMA.name, field] {
        pk.push('#');
        part.write_key(&mut pk)?;
    }
    pk.push('#');
    pk.push_str(encoded);
    crate::key::check_len("partition key", &pk, crate::key::MAX_PARTITION_KEY_BYTES)?;
    Ok(PrimaryKey {
        partition_key: pk,
        sort_key: <E::Table as Table>::SCHEMA
            .sort_key()
            .map(|_| SENTINEL.to_owned()),
    })
}

/// A transaction action that claims a value: put the sentinel if no one holds it.
pub(crate) fn claim<E: Entity>(
    table_name: &str,
    key: &PrimaryKey,
    owner: &PrimaryKey,
) -> Result<TransactWriteItem, Error> {
    let table = &<E::Table as Table>::SCHEMA;
    let mut item = key.to_item::<E::Table>();
    item.insert(
        table.discriminator().to_owned(),
        AttributeValue::S(SENTINEL.to_owned()),
    );
    item.insert(
        "owner".to_owned(),
        AttributeValue::S(owner.partition_key.clone()),
    );
    if let Some(sk) = &owner.sort_key {
        item.insert("owner_sort".to_owned(), AttributeValue::S(sk.clone()));
    }
    let mut p = Placeholders::default();
    let condition = crate::ops::render(&Node::Exists(table.partition_key(), false), &mut p)?;
    let (names, values) = p.into_maps();
    let put = SdkPut::builder()
        .table_name(table_name)
        .set_item(Some(item))
        .condition_expression(condition)
        .set_expression_attribute_names(names)
        .set_expression_attribute_values(values)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(|e| Error::validation(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// A transaction action that releases a value.
pub(crate) fn release<E: Entity>(
    table_name: &str,
    key: &PrimaryKey,
) -> Result<TransactWriteItem, Error> {
    let delete = SdkDelete::builder()
        .table_name(table_name)
        .set_key(Some(key.to_item::<E::Table>()))
        .build()
        .map_err(|e| Error::validation(e.to_string()))?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// What a write changes about unique values: sentinels to claim and to release, and the
/// condition that the stored values are still the ones read.
pub(crate) struct Changes {
    pub(crate) claim: Vec<(usize, PrimaryKey)>,
    pub(crate) release: Vec<PrimaryKey>,
    pub(crate) unchanged_since_read: Option<Node>,
}

/// Compares old and new unique values. `old` is `None` when there was no item.
pub(crate) fn changes<E: Entity>(
    old_item: Option<&Item>,
    old: &[Option<String>],
    new: &[Option<String>],
) -> Result<Changes, Error> {
    let mut out = Changes {
        claim: Vec::new(),
        release: Vec::new(),
        unchanged_since_read: None,
    };
    for (i, field) in E::SCHEMA.unique.iter().enumerate() {
        let (before, after) = (old.get(i).cloned().flatten(), new.get(i).cloned().flatten());
        if before == after {
            continue;
        }
        if let Some(v) = &before {
            out.release.push(sentinel_key::<E>(field.field, v)?);
        }
        if let Some(v) = &after {
            out.claim.push((i, sentinel_key::<E>(field.field, v)?));
        }
        // The write only applies if the stored value is still the one we read.
        let guard = match old_item.and_then(|item| item.get(field.attribute)) {
            Some(value) => Node::Equals(field.attribute, value.clone()),
            None => Node::Exists(field.attribute, false),
        };
        out.unchanged_since_read = Some(crate::ops::and(guard, out.unchanged_since_read.take()));
    }
    Ok(out)
}

/// Reads the stored item with strong consistency (for moving sentinels).
pub(crate) async fn read_old<E: Entity>(
    db: &crate::db::Inner,
    key: &PrimaryKey,
) -> Result<Option<Item>, Error> {
    let output = pin!(
        db.client
            .get_item()
            .table_name(&db.table_name)
            .set_key(Some(key.to_item::<E::Table>()))
            .consistent_read(true)
            .set_return_consumed_capacity(db.capacity_mode())
            .send()
    )
    .observed(db, Call::new("GetItem", E::SCHEMA.name))
    .await
    .map_err(|e| crate::error::service("GetItem", e))?;
    Ok(output.item)
}

/// Sends an entity's write together with its sentinel releases and claims in one
/// transaction, and maps a cancellation to the error the caller expects.
pub(crate) async fn write_with_sentinels<E: Entity>(
    db: &crate::db::Inner,
    write: TransactWriteItem,
    r: &crate::ops::Rendered,
    changes: &Changes,
) -> Result<(), Error> {
    let mut items = vec![write];
    let mut infos = vec![(r.entity, r.key.clone(), r.keep_old)];
    for key in &changes.release {
        items.push(release::<E>(&db.table_name, key)?);
        infos.push((SENTINEL, key.clone(), false));
    }
    let first_claim = items.len();
    for (_, key) in &changes.claim {
        items.push(claim::<E>(&db.table_name, key, &r.key)?);
        infos.push((SENTINEL, key.clone(), false));
    }
    match crate::transact::execute(db, items, infos, None).await {
        Err(Error::TransactionCanceled(canceled)) => Err(crate::ops::unique_failure::<E>(
            r,
            &canceled,
            first_claim,
            &changes.claim,
        )),
        other => other,
    }
}
