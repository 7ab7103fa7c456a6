//! Vector indexes on the live table: created with the table, added by `ensure_table`,
//! compared with the declaration, and waited for until they answer searches.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    CreateVectorIndexAction, IndexStatus, SearchSchemaElement, SearchSchemaElementType,
    TableDescription, VectorAttributeDefinition, VectorDistanceFunction, VectorIndexDescription,
    VectorIndexUpdate,
};

use super::schema::{DistanceFunction, VectorIndexSchema};
use crate::Error;
use crate::db::Db;
use crate::table::{IndexAttribute, Table};
use crate::write::send::admin;

/// How long `ensure_table` waits for a vector index to answer searches: DynamoDB takes
/// minutes to build one even on a small table.
const SEARCHABLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The index as CreateTable takes it.
pub(crate) fn definition(
    index: &VectorIndexSchema,
) -> Result<aws_sdk_dynamodb::types::VectorIndex, Error> {
    let mut builder = aws_sdk_dynamodb::types::VectorIndex::builder()
        .index_name(index.name())
        .vector_attribute(vector_attribute(index)?)
        .dimensions(i64::from(index.dimensions()))
        .distance_function(distance(index.distance()))
        .projection(crate::admin::projection_of(index.projection()));
    for element in search_schema(index)? {
        builder = builder.search_schema(element);
    }
    builder.build().map_err(|e| Error::build("VectorIndex", e))
}

fn vector_attribute(index: &VectorIndexSchema) -> Result<VectorAttributeDefinition, Error> {
    VectorAttributeDefinition::builder()
        .attribute_name(index.attribute())
        .build()
        .map_err(|e| Error::build("VectorAttributeDefinition", e))
}

fn search_schema(index: &VectorIndexSchema) -> Result<Vec<SearchSchemaElement>, Error> {
    index
        .search_schema()
        .map(|(attribute, hash)| {
            SearchSchemaElement::builder()
                .attribute_name(attribute.name)
                .search_schema_element_type(if hash {
                    SearchSchemaElementType::Hash
                } else {
                    SearchSchemaElementType::InlineFilter
                })
                .build()
                .map_err(|e| Error::build("SearchSchemaElement", e))
        })
        .collect()
}

fn distance(distance: DistanceFunction) -> VectorDistanceFunction {
    match distance {
        DistanceFunction::Cosine => VectorDistanceFunction::Cosine,
        DistanceFunction::Euclidean => VectorDistanceFunction::Euclidean,
        DistanceFunction::DotProduct => VectorDistanceFunction::DotProduct,
    }
}

/// Adds each declared vector index `table` lacks (one UpdateTable each, as DynamoDB takes
/// one index operation at a time) and refuses one that differs from its declaration
/// (DynamoDB changes no vector index in place).
pub(crate) async fn ensure<T: Table>(
    db: &Db<T>,
    table: &TableDescription,
    wait: bool,
) -> Result<(), Error> {
    for index in T::SCHEMA.vector_indexes() {
        let found = table
            .vector_indexes()
            .iter()
            .find(|i| i.index_name() == Some(index.name()));
        match found {
            Some(found) => {
                if let Some(reason) = difference(found, index) {
                    return Err(Error::TableMismatch {
                        table: db.table_name().to_owned(),
                        index: Some(index.name()),
                        attribute: None,
                        reason,
                    });
                }
            }
            None => {
                add(db, index).await?;
                if wait {
                    wait_until_searchable(db, std::slice::from_ref(index)).await?;
                }
            }
        }
    }
    Ok(())
}

/// UpdateTable creating `index`, with its search schema's attribute types.
async fn add<T: Table>(db: &Db<T>, index: &VectorIndexSchema) -> Result<(), Error> {
    let definitions = index
        .search_schema()
        .map(|(attribute, _)| crate::admin::definition(attribute))
        .collect::<Result<Vec<_>, _>>()?;
    let mut create = CreateVectorIndexAction::builder()
        .index_name(index.name())
        .vector_attribute(vector_attribute(index)?)
        .dimensions(i64::from(index.dimensions()))
        .distance_function(distance(index.distance()))
        .projection(crate::admin::projection_of(index.projection()));
    for element in search_schema(index)? {
        create = create.search_schema(element);
    }
    let create = create
        .build()
        .map_err(|e| Error::build("CreateVectorIndexAction", e))?;
    let update = VectorIndexUpdate::builder().create(create).build();
    admin::update_vector_index(&db.inner, definitions, update).await
}

/// How a live vector index differs from its declaration, if it does.
fn difference(found: &VectorIndexDescription, index: &VectorIndexSchema) -> Option<String> {
    let attribute = found.vector_attribute().map(|a| a.attribute_name());
    let mut live: Vec<(String, bool)> = found
        .search_schema()
        .iter()
        .map(|e| {
            let hash = e.search_schema_element_type() == &SearchSchemaElementType::Hash;
            (e.attribute_name().to_owned(), hash)
        })
        .collect();
    let mut declared: Vec<(String, bool)> = index
        .search_schema()
        .map(|(a, hash)| (a.name.to_owned(), hash))
        .collect();
    live.sort();
    declared.sort();
    let reason = if attribute != Some(index.attribute()) {
        format!("holds vectors of `{}`", attribute.unwrap_or("nothing"))
    } else if found.dimensions() != Some(i64::from(index.dimensions())) {
        format!("has {} dimensions", found.dimensions().unwrap_or_default())
    } else if found.distance_function() != Some(&distance(index.distance())) {
        let live = found.distance_function().map_or("none", |d| d.as_str());
        format!("measures by {live}")
    } else if live != declared {
        "has another search schema".to_owned()
    } else if let Some((live, declared)) = crate::table::IndexSchema::new(index.name(), "", None)
        .with_projection(index.projection())
        .projection_mismatch(found.projection())
    {
        format!("projects {live}, the declaration {declared}")
    } else {
        return None;
    };
    Some(format!(
        "vector index `{}` {reason}; DynamoDB changes no vector index in place: delete it and \
         let `ensure_table` add it again",
        index.name()
    ))
}

/// Waits until each of `indexes` is `ACTIVE`, done backfilling, and answers a search — an
/// index is searchable some time after DynamoDB reports it active.
pub(crate) async fn wait_until_searchable<T: Table>(
    db: &Db<T>,
    indexes: &'static [VectorIndexSchema],
) -> Result<(), Error> {
    if indexes.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    let mut delay = Duration::from_millis(50);
    loop {
        if ready(db, indexes).await? {
            return Ok(());
        }
        if started.elapsed() > SEARCHABLE_TIMEOUT {
            return Err(Error::TableMismatch {
                table: db.table_name().to_owned(),
                index: indexes.first().map(|i| i.name()),
                attribute: None,
                reason: format!("vector index not searchable after {SEARCHABLE_TIMEOUT:?}"),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}

/// Whether every one of `indexes` is active and answers a probe search.
async fn ready<T: Table>(db: &Db<T>, indexes: &'static [VectorIndexSchema]) -> Result<bool, Error> {
    let Some(table) = db.describe().await? else {
        return Ok(false);
    };
    for index in indexes {
        let active = table.vector_indexes().iter().any(|i| {
            i.index_name() == Some(index.name())
                && i.index_status() == Some(&IndexStatus::Active)
                && i.backfilling() != Some(true)
        });
        if !active || !super::search::probe(&db.inner, index).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The partition value a probe search names (any value of the declared type will do).
pub(super) fn probe_value(attribute: IndexAttribute) -> aws_sdk_dynamodb::types::AttributeValue {
    use aws_sdk_dynamodb::types::AttributeValue;
    match attribute.scalar {
        crate::ScalarType::S => AttributeValue::S("probe".to_owned()),
        crate::ScalarType::N => AttributeValue::N("0".to_owned()),
        crate::ScalarType::B => AttributeValue::B(vec![0].into()),
    }
}
