//! Table management from the declaration: create, ensure, delete.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType, Projection,
    StreamSpecification, StreamViewType, TableDescription, TableStatus, TimeToLiveSpecification,
};

use crate::db::Db;
use crate::table::{IndexAttribute, IndexSchema, Table, TableSchema};
use crate::write::send::admin;
use crate::{Error, InvalidInputKind};

/// Options for [`Db::create_table_with`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct TableOptions {
    /// Enables DynamoDB Streams with this view type (when the table is created).
    pub stream: Option<StreamViewType>,
    /// Whether `ensure_table_with` waits until indexes it adds are active (the default);
    /// DynamoDB Local never reports an index added to an existing table as active. Adding a
    /// vector index still waits for an index operation already running, as DynamoDB takes
    /// one at a time per table.
    pub skip_waiting_for_new_indexes: bool,
}

impl TableOptions {
    /// Enables a stream with `view` (e.g. `NewAndOldImages`).
    pub fn stream(mut self, view: StreamViewType) -> Self {
        self.stream = Some(view);
        self
    }

    /// Returns from `ensure_table_with` once an added index is requested, without waiting
    /// for its backfill to finish.
    pub fn skip_waiting_for_new_indexes(mut self) -> Self {
        self.skip_waiting_for_new_indexes = true;
        self
    }
}

/// How long table operations wait for the table (and its indexes) to become active.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(300);

impl<T: Table> Db<T> {
    /// Creates the table as declared — on-demand billing, every index (vector indexes too)
    /// with its declared projection, TTL enabled on the declared TTL attribute — and waits
    /// until it and its indexes are active (vector indexes: searchable).
    ///
    /// ```no_run
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// db.create_table().await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_table(&self) -> Result<(), Error> {
        self.create_table_with(TableOptions::default()).await
    }

    /// [`Db::create_table`] with options, e.g. a stream:
    ///
    /// ```no_run
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// use aws_sdk_dynamodb::types::StreamViewType;
    /// db.create_table_with(dynamorm::TableOptions::default().stream(StreamViewType::NewAndOldImages))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_table_with(&self, options: TableOptions) -> Result<(), Error> {
        let schema = &T::SCHEMA;
        let stream = match options.stream {
            Some(view) => Some(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(view)
                    .build()
                    .map_err(|e| Error::build("StreamSpecification", e))?,
            ),
            None => None,
        };
        let mut indexes = Vec::with_capacity(schema.indexes().len());
        for index in schema.indexes() {
            indexes.push(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name())
                    .set_key_schema(Some(index_key_schema(index)?))
                    .projection(projection(index))
                    .build()
                    .map_err(|e| Error::build("GlobalSecondaryIndex", e))?,
            );
        }
        let vector_indexes = schema
            .vector_indexes()
            .iter()
            .map(crate::vector::admin::definition)
            .collect::<Result<Vec<_>, _>>()?;
        let spec = admin::TableSpec {
            attribute_definitions: attribute_definitions(schema)?,
            key_schema: key_schema(schema.partition_key(), schema.sort_key())?,
            indexes,
            vector_indexes,
            stream,
        };
        admin::create_table(&self.inner, spec).await?;
        self.wait_until_active().await?;
        crate::vector::admin::wait_until_searchable(&self.inner, schema.vector_indexes()).await?;
        if let Some(attribute) = schema.ttl() {
            let ttl = TimeToLiveSpecification::builder()
                .attribute_name(attribute)
                .enabled(true)
                .build()
                .map_err(|e| Error::build("TimeToLiveSpecification", e))?;
            admin::enable_ttl(&self.inner, ttl).await?;
        }
        Ok(())
    }

    /// Creates the table if it does not exist; if it does, checks that its key schema
    /// matches the declaration ([`Error::TableMismatch`] otherwise) and adds any declared
    /// index it lacks (UpdateTable, waiting until the index is active — on a large table
    /// the backfill takes a while; a vector index until it answers searches, which on
    /// DynamoDB takes minutes). Idempotent.
    pub async fn ensure_table(&self) -> Result<(), Error> {
        self.ensure_table_with(TableOptions::default()).await
    }

    /// [`Db::ensure_table`] with options (a stream for a new table; whether to wait for
    /// added indexes).
    pub async fn ensure_table_with(&self, options: TableOptions) -> Result<(), Error> {
        let wait = !options.skip_waiting_for_new_indexes;
        match self.describe().await? {
            None => match self.create_table_with(options).await {
                // Someone else created it between our describe and create.
                Err(e) if e.code() == Some("ResourceInUseException") => {
                    self.wait_until_active().await?;
                    self.check_matches(wait).await
                }
                other => other,
            },
            Some(_) => {
                self.wait_until_active().await?;
                self.check_matches(wait).await
            }
        }
    }

    /// Deletes a global secondary index from the table — one the declaration no longer has,
    /// after its reads moved to another index (`ensure_table` never deletes an index: a
    /// table may serve an older build still reading it). The index is named by its handle
    /// on the table type of the earlier design (kept while the move runs, as for
    /// [`Migrate::retire_index`](crate::migrate::Migrate::retire_index)), so only an index
    /// some declaration had can be deleted. Returns once DynamoDB has accepted the deletion:
    /// the index is then `DELETING` and no longer readable, and DynamoDB removes it in the
    /// background (DynamoDB Local 3.3.0 leaves it `DELETING`). Refuses an index `T` still
    /// declares.
    ///
    /// ```no_run
    /// /// The design before the move: `GSI1` served the access pattern.
    /// #[derive(dynamorm::Table)]
    /// #[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
    /// pub struct Before;
    ///
    /// /// The design now: `GSI1` is gone.
    /// #[derive(dynamorm::Table)]
    /// #[dynamo(name = "app")]
    /// pub struct App;
    ///
    /// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// db.delete_index(Before::GSI1).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_index<Old>(
        &self,
        index: impl crate::IndexHandle<Old>,
    ) -> Result<(), Error> {
        let name = index.index_schema().name();
        if T::SCHEMA.index(name).is_some() {
            return Err(Error::invalid(
                InvalidInputKind::Configuration,
                format!(
                    "index `{name}` is still declared on the table; remove it from the declaration first"
                ),
            ));
        }
        let delete = aws_sdk_dynamodb::types::DeleteGlobalSecondaryIndexAction::builder()
            .index_name(name)
            .build()
            .map_err(|e| Error::build("DeleteGlobalSecondaryIndexAction", e))?;
        let update = aws_sdk_dynamodb::types::GlobalSecondaryIndexUpdate::builder()
            .delete(delete)
            .build();
        admin::update_index(&self.inner, Vec::new(), admin::IndexUpdate::Global(update)).await
    }

    /// Deletes the table (and everything in it).
    pub async fn delete_table(&self) -> Result<(), Error> {
        admin::delete_table(&self.inner).await
    }

    /// Adds a declared index the table lacks (UpdateTable) and waits until it is active.
    async fn add_index(&self, index: &crate::IndexSchema, wait: bool) -> Result<(), Error> {
        let definitions = index
            .key_attributes()
            .into_iter()
            .map(definition)
            .collect::<Result<Vec<_>, _>>()?;
        let create = aws_sdk_dynamodb::types::CreateGlobalSecondaryIndexAction::builder()
            .index_name(index.name())
            .set_key_schema(Some(index_key_schema(index)?))
            .projection(projection(index))
            .build()
            .map_err(|e| Error::build("CreateGlobalSecondaryIndexAction", e))?;
        let update = aws_sdk_dynamodb::types::GlobalSecondaryIndexUpdate::builder()
            .create(create)
            .build();
        admin::update_index(&self.inner, definitions, admin::IndexUpdate::Global(update)).await?;
        if wait {
            self.wait_until_active().await?;
        }
        Ok(())
    }

    pub(crate) async fn describe(&self) -> Result<Option<TableDescription>, Error> {
        admin::describe_table(&self.inner).await
    }

    async fn wait_until_active(&self) -> Result<(), Error> {
        let started = Instant::now();
        let mut delay = Duration::from_millis(20);
        loop {
            if let Some(table) = self.describe().await?
                && table.table_status == Some(TableStatus::Active)
                && table
                    .global_secondary_indexes()
                    .iter()
                    .all(|i| i.index_status == Some(IndexStatus::Active))
            {
                return Ok(());
            }
            if started.elapsed() > ACTIVE_TIMEOUT {
                return Err(Error::TableMismatch {
                    table: self.table_name().to_owned(),
                    index: None,
                    attribute: None,
                    reason: format!("not active after {ACTIVE_TIMEOUT:?}"),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }

    async fn check_matches(&self, wait_for_new_indexes: bool) -> Result<(), Error> {
        let schema = &T::SCHEMA;
        let table = self.describe().await?.ok_or_else(|| Error::TableMismatch {
            table: self.table_name().to_owned(),
            index: None,
            attribute: None,
            reason: "it disappeared".into(),
        })?;
        let mismatch = |index, attribute, reason: String| Error::TableMismatch {
            table: self.table_name().to_owned(),
            index,
            attribute,
            reason,
        };
        if !same_keys(
            table.key_schema(),
            schema.partition_key(),
            schema.sort_key(),
        ) {
            return Err(mismatch(
                None,
                None,
                format!(
                    "expected key ({}, {:?}), found {:?}",
                    schema.partition_key(),
                    schema.sort_key(),
                    table.key_schema()
                ),
            ));
        }
        for index in schema.indexes() {
            let found = table
                .global_secondary_indexes()
                .iter()
                .find(|i| i.index_name() == Some(index.name()));
            match found {
                None => self.add_index(index, wait_for_new_indexes).await?,
                Some(found) if !same_index_keys(found.key_schema(), index) => {
                    return Err(mismatch(
                        Some(index.name()),
                        None,
                        format!("index `{}` has key {:?}", index.name(), found.key_schema()),
                    ));
                }
                Some(found) => {
                    if let Some(reason) = projection_difference(found.projection(), index) {
                        return Err(mismatch(Some(index.name()), None, reason));
                    }
                    // Same names, but a key attribute of another type would make every
                    // write of the declared type fail at the server.
                    for attribute in index.key_attributes() {
                        let defined = table
                            .attribute_definitions()
                            .iter()
                            .find(|d| d.attribute_name() == attribute.name)
                            .map(|d| d.attribute_type().as_str().to_owned());
                        if defined.as_deref() != Some(attribute.scalar.as_str()) {
                            return Err(mismatch(
                                Some(index.name()),
                                Some(attribute.name),
                                format!(
                                    "key attribute `{}` of index `{}` is declared {} but the table \
                                 defines it as {}",
                                    attribute.name,
                                    index.name(),
                                    attribute.scalar.as_str(),
                                    defined.as_deref().unwrap_or("nothing")
                                ),
                            ));
                        }
                    }
                }
            }
        }
        crate::vector::admin::ensure(&self.inner, schema, &table, wait_for_new_indexes).await
    }
}

/// The declared projection of `index`, as DynamoDB takes it.
fn projection(index: &IndexSchema) -> Projection {
    index.projection().to_sdk()
}

/// How a live index's projection differs from the declared one, if it does.
fn projection_difference(found: Option<&Projection>, index: &IndexSchema) -> Option<String> {
    index.projection_mismatch(found).map(|(live, declared)| {
        format!(
            "index `{}` projects {live}, the declaration {declared}; DynamoDB cannot change an \
             index's projection: delete the index and let `ensure_table` add it again",
            index.name(),
        )
    })
}

fn same_keys(found: &[KeySchemaElement], pk: &str, sk: Option<&str>) -> bool {
    let of = |kind: KeyType| {
        found
            .iter()
            .find(|k| k.key_type == kind)
            .map(|k| k.attribute_name.as_str())
    };
    of(KeyType::Hash) == Some(pk) && of(KeyType::Range) == sk
}

/// Whether a described index has the declared key attributes, in order (DynamoDB lists
/// a multi-attribute key's HASH attributes, then its RANGE attributes, in key order).
fn same_index_keys(found: &[KeySchemaElement], index: &IndexSchema) -> bool {
    let expected = index.key_elements();
    found.len() == expected.len()
        && found.iter().zip(&expected).all(|(f, (name, partition))| {
            f.attribute_name == *name && f.key_type == key_type(*partition)
        })
}

/// `HASH` for a partition key attribute, `RANGE` for a sort key attribute.
fn key_type(partition: bool) -> KeyType {
    if partition {
        KeyType::Hash
    } else {
        KeyType::Range
    }
}

/// An index's key attributes with their roles, in key order.
fn index_key_schema(index: &IndexSchema) -> Result<Vec<KeySchemaElement>, Error> {
    index
        .key_elements()
        .into_iter()
        .map(|(name, partition)| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type(partition))
                .build()
                .map_err(|e| Error::build("KeySchemaElement", e))
        })
        .collect()
}

fn definition(attribute: IndexAttribute) -> Result<AttributeDefinition, Error> {
    attribute
        .definition()
        .map_err(|e| Error::build("AttributeDefinition", e))
}

fn key_schema(pk: &str, sk: Option<&str>) -> Result<Vec<KeySchemaElement>, Error> {
    let element = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .map_err(|e| Error::build("KeySchemaElement", e))
    };
    let mut out = vec![element(pk, KeyType::Hash)?];
    if let Some(sk) = sk {
        out.push(element(sk, KeyType::Range)?);
    }
    Ok(out)
}

fn attribute_definitions(schema: &TableSchema) -> Result<Vec<AttributeDefinition>, Error> {
    schema
        .attribute_definitions()
        .into_iter()
        .map(definition)
        .collect()
}
