//! Vector indexes on the live table: created with the table, added by `ensure_table`,
//! compared with the declaration, and waited for until they answer searches.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    CreateVectorIndexAction, IndexStatus, SearchSchemaElement, SearchSchemaElementType,
    TableDescription, VectorAttributeDefinition, VectorDistanceFunction, VectorIndexDescription,
    VectorIndexUpdate,
};

use std::pin::pin;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Error;
use crate::client::Inner;
use crate::deploy::send as admin;
use crate::expr::Placeholders;
use crate::observe::{Call, ObserveExt};
use crate::table::{DistanceFunction, IndexAttribute, TableSchema, VectorIndexSchema};

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
        .projection(index.projection().to_sdk());
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
pub(crate) async fn ensure(
    db: &Inner,
    schema: &TableSchema,
    table: &TableDescription,
    wait: bool,
) -> Result<(), Error> {
    for index in schema.vector_indexes() {
        let found = table
            .vector_indexes()
            .iter()
            .find(|i| i.index_name() == Some(index.name()));
        let mismatch = |reason| Error::TableMismatch {
            table: db.table_name.clone(),
            index: Some(index.name()),
            attribute: None,
            reason,
        };
        match found {
            Some(found) => {
                if let Some(reason) = difference(found, index) {
                    return Err(mismatch(reason));
                }
                if let Some(reason) = retyped(table, index) {
                    return Err(mismatch(reason));
                }
                // Found while still being built (by another process, or a run that did not
                // wait): waited for like one added here. An index built long ago is not
                // probed again.
                let building = found.index_status() != Some(&IndexStatus::Active)
                    || found.backfilling() == Some(true);
                if wait && building {
                    wait_until_searchable(db, std::slice::from_ref(index)).await?;
                }
            }
            None => {
                if let Some(reason) = retyped(table, index) {
                    return Err(mismatch(reason));
                }
                if provisioned(table) {
                    return Err(mismatch(format!(
                        "the table is provisioned, and DynamoDB builds vector index `{}` on \
                         on-demand tables only: switch it to on-demand billing first",
                        index.name()
                    )));
                }
                // DynamoDB takes one index operation at a time per table: one still running
                // (a GSI just added without waiting, another vector index) is waited out.
                wait_until_idle(db).await?;
                add(db, index).await?;
                if wait {
                    wait_until_searchable(db, std::slice::from_ref(index)).await?;
                }
            }
        }
    }
    Ok(())
}

/// Whether the described table is provisioned: its billing summary says so, or it has none
/// (DynamoDB may omit it for a table never switched) and provisioned read capacity.
fn provisioned(table: &TableDescription) -> bool {
    use aws_sdk_dynamodb::types::BillingMode;
    match table.billing_mode_summary().and_then(|b| b.billing_mode()) {
        Some(mode) => *mode == BillingMode::Provisioned,
        None => table
            .provisioned_throughput()
            .and_then(|p| p.read_capacity_units())
            .is_some_and(|units| units > 0),
    }
}

/// A search attribute the live table defines with another type than declared.
fn retyped(table: &TableDescription, index: &VectorIndexSchema) -> Option<String> {
    index.search_schema().find_map(|(attribute, _)| {
        let live = table
            .attribute_definitions()
            .iter()
            .find(|d| d.attribute_name() == attribute.name)?;
        let live = live.attribute_type().as_str();
        (live != attribute.scalar.as_str()).then(|| {
            format!(
                "search attribute `{}` of vector index `{}` is declared {} but the table \
                 defines it as {live}",
                attribute.name,
                index.name(),
                attribute.scalar.as_str()
            )
        })
    })
}

/// Waits until no index of the table is being created or deleted.
async fn wait_until_idle(db: &Inner) -> Result<(), Error> {
    let idle = |table: Option<&aws_sdk_dynamodb::types::TableDescription>| {
        let Some(table) = table else { return Ok(true) };
        let busy = table.table_status() != Some(&aws_sdk_dynamodb::types::TableStatus::Active)
            || table
                .global_secondary_indexes()
                .iter()
                .any(|i| i.index_status() != Some(&IndexStatus::Active))
            || table.vector_indexes().iter().any(|i| {
                i.index_status() != Some(&IndexStatus::Active) || i.backfilling() == Some(true)
            });
        Ok(!busy)
    };
    let still = "an index operation still running";
    crate::deploy::wait::poll(
        db,
        SEARCHABLE_TIMEOUT,
        Duration::from_millis(50),
        still,
        idle,
    )
    .await
}

/// UpdateTable creating `index`, with its search schema's attribute types.
async fn add(db: &Inner, index: &VectorIndexSchema) -> Result<(), Error> {
    let definitions = index
        .search_schema()
        .map(|(attribute, _)| {
            attribute
                .definition()
                .map_err(|e| Error::build("AttributeDefinition", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut create = CreateVectorIndexAction::builder()
        .index_name(index.name())
        .vector_attribute(vector_attribute(index)?)
        .dimensions(i64::from(index.dimensions()))
        .distance_function(distance(index.distance()))
        .projection(index.projection().to_sdk());
    for element in search_schema(index)? {
        create = create.search_schema(element);
    }
    let create = create
        .build()
        .map_err(|e| Error::build("CreateVectorIndexAction", e))?;
    let update = VectorIndexUpdate::builder().create(create).build();
    let change = admin::TableChange::Index {
        definitions,
        update: admin::IndexUpdate::Vector(update),
    };
    admin::update_table(db, change).await
}

/// How a live vector index differs from its declaration, if it does.
pub(crate) fn difference(
    found: &VectorIndexDescription,
    index: &VectorIndexSchema,
) -> Option<String> {
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
    } else if let Some((live, declared)) = index.projection().mismatch(found.projection()) {
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
pub(crate) async fn wait_until_searchable(
    db: &Inner,
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
                table: db.table_name.clone(),
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
async fn ready(db: &Inner, indexes: &'static [VectorIndexSchema]) -> Result<bool, Error> {
    let Some(table) = admin::describe_table(db).await? else {
        return Ok(false);
    };
    for index in indexes {
        let active = table.vector_indexes().iter().any(|i| {
            i.index_name() == Some(index.name())
                && i.index_status() == Some(&IndexStatus::Active)
                && i.backfilling() != Some(true)
        });
        if !active || !probe(db, index).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The partition value a probe search names (any value of the declared type will do).
fn probe_value(attribute: IndexAttribute) -> AttributeValue {
    match attribute.scalar {
        crate::table::ScalarType::S => AttributeValue::S("probe".to_owned()),
        crate::table::ScalarType::N => AttributeValue::N("0".to_owned()),
        crate::table::ScalarType::B => AttributeValue::B(vec![0].into()),
    }
}

/// Whether `index` answers a search yet: a one-result search for a unit vector (with a
/// placeholder partition value). `false` while DynamoDB says the index is backfilling or
/// not there yet — its search endpoint learns of a new index some time after the table
/// reports it active.
async fn probe(db: &Inner, index: &'static VectorIndexSchema) -> Result<bool, Error> {
    let mut p = Placeholders::default();
    let condition = index.hash().map(|hash| {
        let mut text = String::new();
        p.name(hash.name, &mut text);
        text.push_str(" = ");
        p.raw_value(probe_value(hash), &mut text);
        text
    });
    let (names, values) = p.into_maps();
    // A unit vector: a zero vector's cosine is defined only by convention.
    let mut unit = vec![AttributeValue::N("0".to_owned()); index.dimensions() as usize];
    unit[0] = AttributeValue::N("1".to_owned());
    let output = pin!(
        db.client
            .search_vectors()
            .table_name(&db.table_name)
            .index_name(index.name())
            .set_search_vector(Some(unit))
            .top_k(1)
            .set_search_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .send()
    )
    .observed(
        db,
        Call::new("SearchVectors", "*").index(Some(index.name())),
    )
    .await;
    match output {
        Ok(_) => Ok(true),
        Err(e) => {
            let message = aws_sdk_dynamodb::error::ProvideErrorMetadata::message(&e)
                .unwrap_or_default()
                .to_owned();
            let code = aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&e);
            if message.contains("backfilling")
                || message.contains("does not have the specified index")
            {
                Ok(false)
            } else if code == Some("AccessDeniedException") {
                // A deploy role that may not search: the index is active, which is all
                // `ensure_table` can see.
                Ok(true)
            } else {
                Err(crate::error::service("SearchVectors", e))
            }
        }
    }
}
