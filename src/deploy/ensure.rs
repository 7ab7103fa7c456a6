//! Table management from the declaration and a [`Deployment`]: create, ensure (keys and
//! indexes checked, missing indexes added, settings brought to the deployment), drift,
//! delete.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    TableDescription, Tag, TimeToLiveSpecification,
};

use super::converge::{self, converge};
use super::drift::{Drift, Setting, compare};
use super::send::{self as admin, TableChange};
use super::settings::{Billing, Deployment};
use super::wait::wait_until_active;
use super::{check::check, live};
use crate::db::Db;
use crate::table::{IndexAttribute, IndexSchema, Table, TableSchema};
use crate::{Error, InvalidInputKind};

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
        self.create_declared(&Deployment::default()).await
    }

    /// [`Db::create_table`] with every setting of `deployment`: what CreateTable takes is
    /// sent with it (billing, maximum and warm throughput of the table and each index,
    /// stream, table class, deletion protection, tags, resource policy), the rest after it
    /// in DynamoDB's order (TTL, point-in-time recovery, Contributor Insights, replicas).
    /// The deployment's table name is for the exports: the table is the one this `Db`
    /// addresses.
    ///
    /// ```no_run
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// use aws_sdk_dynamodb::types::StreamViewType;
    /// use dynamorm::deploy::Deployment;
    /// db.create_table_with(&Deployment::production().stream(StreamViewType::NewAndOldImages))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_table_with(&self, deployment: &Deployment) -> Result<(), Error> {
        check_for(&self.inner, &T::SCHEMA, deployment)?;
        self.create_declared(deployment).await?;
        self.settle(deployment).await
    }

    /// Creates the table if it does not exist; if it does, checks that its key schema
    /// matches the declaration ([`Error::TableMismatch`] otherwise) and adds any declared
    /// index it lacks (UpdateTable, waiting until the index is active — on a large table
    /// the backfill takes a while; a vector index until it answers searches, which on
    /// DynamoDB takes minutes). Leaves an existing table's settings as they are.
    /// Idempotent.
    pub async fn ensure_table(&self) -> Result<(), Error> {
        self.ensure_declared(&Deployment::default(), false).await
    }

    /// [`Db::ensure_table`], then brings the table's settings to `deployment`: each
    /// [`Drift`] fixed by the call DynamoDB takes for it, one change at a time, waiting
    /// where DynamoDB must finish one first; then checks again, and returns
    /// [`Error::TableMismatch`] naming any setting the server accepted but does not hold
    /// (a local server without the feature). It never deletes a replica, and refuses to
    /// move TTL to another attribute or change the consistency of existing replicas.
    ///
    /// ```no_run
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// use dynamorm::deploy::Deployment;
    /// db.ensure_table_with(&Deployment::production().tag("team", "payments")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn ensure_table_with(&self, deployment: &Deployment) -> Result<(), Error> {
        check_for(&self.inner, &T::SCHEMA, deployment)?;
        self.ensure_declared(deployment, true).await
    }

    /// How the live table's settings differ from `deployment` — billing, throughput, warm
    /// throughput, stream, TTL, point-in-time recovery, deletion protection, table class,
    /// resource policy, tags, Contributor Insights, replicas — one [`Drift`] per setting,
    /// empty when none. Values DynamoDB computes (item counts, sizes, a warm throughput
    /// nobody declared) are not drift. A setting the server does not implement (local
    /// servers lack several) is drift only when the deployment asks for more than
    /// DynamoDB's default. Keys and indexes are [`Doctor`](crate::doctor::Doctor)'s
    /// ([`Checkup::indexes`](crate::doctor::Checkup::indexes)).
    ///
    /// ```no_run
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// use dynamorm::deploy::Deployment;
    /// for drift in db.drift(&Deployment::production()).await? {
    ///     println!("{drift}"); // e.g. "deletion protection: declared on, live off"
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn drift(&self, deployment: &Deployment) -> Result<Vec<Drift>, Error> {
        drift(&self.inner, &T::SCHEMA, deployment).await
    }

    /// Creates the table, or checks the existing one's keys and adds its missing indexes;
    /// with `settle`, then brings its settings to `deployment`.
    async fn ensure_declared(&self, deployment: &Deployment, settle: bool) -> Result<(), Error> {
        let wait = deployment.wait_for_new_indexes;
        let created = match self.describe().await? {
            None => match self.create_declared(deployment).await {
                // Someone else created it between our describe and create.
                Err(e) if e.code() == Some("ResourceInUseException") => false,
                Err(e) => return Err(e),
                Ok(()) => true,
            },
            Some(_) => false,
        };
        if !created {
            wait_until_active(&self.inner).await?;
            self.check_matches(deployment, wait).await?;
        }
        if settle {
            self.settle(deployment).await?;
        }
        Ok(())
    }

    /// CreateTable with everything it takes, then TTL; waits until the table is active and
    /// its vector indexes searchable.
    async fn create_declared(&self, deployment: &Deployment) -> Result<(), Error> {
        let schema = &T::SCHEMA;
        check(schema, deployment)?;
        let spec = admin::TableSpec {
            attribute_definitions: attribute_definitions(schema)?,
            key_schema: key_schema(schema.partition_key(), schema.sort_key())?,
            indexes: schema
                .indexes()
                .iter()
                .map(|index| created_index(index, deployment))
                .collect::<Result<_, _>>()?,
            vector_indexes: schema
                .vector_indexes()
                .iter()
                .map(crate::vector::admin::definition)
                .collect::<Result<_, _>>()?,
            billing: Some(match deployment.billing {
                Billing::OnDemand => (BillingMode::PayPerRequest, None),
                Billing::Provisioned { read, write } => (
                    BillingMode::Provisioned,
                    Some(converge::provisioned(read, write)?),
                ),
            }),
            on_demand: deployment
                .max_throughput
                .and_then(converge::on_demand_created),
            warm: deployment.warm_throughput.map(converge::warm_throughput),
            stream: match &deployment.stream {
                Some(view) => Some(converge::stream_spec(Some(view))?),
                None => None,
            },
            table_class: (deployment.table_class != Default::default())
                .then(|| converge::table_class(deployment.table_class)),
            deletion_protection: deployment.deletion_protection.then_some(true),
            tags: deployment
                .tags
                .iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect::<Result<_, _>>()
                .map_err(|e| Error::build("Tag", e))?,
            resource_policy: deployment.resource_policy.clone(),
        };
        admin::create_table(&self.inner, spec).await?;
        wait_until_active(&self.inner).await?;
        crate::vector::admin::wait_until_searchable(&self.inner, schema.vector_indexes()).await?;
        if let Some(attribute) = schema.ttl() {
            let ttl = TimeToLiveSpecification::builder()
                .attribute_name(attribute)
                .enabled(true)
                .build()
                .map_err(|e| Error::build("TimeToLiveSpecification", e))?;
            admin::update_ttl(&self.inner, ttl).await?;
        }
        Ok(())
    }

    /// The drifts left after a converge. Tags and policies are read back eventually
    /// consistently: while only those remain, they are read again for up to 30 s.
    async fn settled(&self, deployment: &Deployment) -> Result<Vec<Drift>, Error> {
        let started = std::time::Instant::now();
        loop {
            let remaining = self.drift(deployment).await?;
            let eventual = remaining
                .iter()
                .all(|d| matches!(d.setting, Setting::Tag(_) | Setting::ResourcePolicy));
            if remaining.is_empty()
                || !eventual
                || started.elapsed() > std::time::Duration::from_secs(30)
            {
                return Ok(remaining);
            }
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
    }

    /// Brings the live settings to `deployment`, then checks that they hold.
    async fn settle(&self, deployment: &Deployment) -> Result<(), Error> {
        let schema = &T::SCHEMA;
        let live = live::read(&self.inner)
            .await?
            .ok_or_else(|| missing(&self.inner))?;
        let drifts = compare(schema, deployment, &live, home_region(&self.inner));
        if drifts.is_empty() {
            return Ok(());
        }
        converge(&self.inner, schema, deployment, &live, &drifts).await?;
        let remaining = self.settled(deployment).await?;
        if remaining.is_empty() {
            return Ok(());
        }
        let listed: Vec<String> = remaining.iter().map(ToString::to_string).collect();
        Err(Error::TableMismatch {
            table: self.table_name().to_owned(),
            index: None,
            attribute: None,
            reason: format!(
                "the server accepted the settings but does not hold them: {}",
                listed.join("; ")
            ),
        })
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
        let change = TableChange::Index {
            definitions: Vec::new(),
            update: admin::IndexUpdate::Global(update),
        };
        admin::update_table(&self.inner, change).await
    }

    /// Deletes the table (and everything in it).
    pub async fn delete_table(&self) -> Result<(), Error> {
        admin::delete_table(&self.inner).await
    }

    /// Adds a declared index the table lacks (UpdateTable) and waits until it is active.
    /// A provisioned table's new index takes the table's live capacity (DynamoDB requires
    /// one); an on-demand table's, the deployment's index settings.
    async fn add_index(
        &self,
        index: &crate::IndexSchema,
        deployment: &Deployment,
        live: &TableDescription,
        wait: bool,
    ) -> Result<(), Error> {
        let definitions = definitions(index.key_attributes())?;
        let settings = deployment
            .indexes
            .get(index.name())
            .cloned()
            .unwrap_or_default();
        let provisioned = live
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .is_none_or(|m| *m == BillingMode::Provisioned)
            .then(|| live.provisioned_throughput())
            .flatten()
            .map(|t| {
                let units = |n: Option<i64>| u32::try_from(n.unwrap_or(1).max(1)).unwrap_or(1);
                converge::provisioned(
                    units(t.read_capacity_units()),
                    units(t.write_capacity_units()),
                )
            })
            .transpose()?;
        let on_demand = provisioned
            .is_none()
            .then_some(settings.max_throughput)
            .flatten();
        let create = aws_sdk_dynamodb::types::CreateGlobalSecondaryIndexAction::builder()
            .index_name(index.name())
            .set_key_schema(Some(index_key_schema(index)?))
            .projection(projection(index))
            .set_provisioned_throughput(provisioned)
            .set_on_demand_throughput(on_demand.and_then(converge::on_demand_created))
            .set_warm_throughput(settings.warm_throughput.map(converge::warm_throughput))
            .build()
            .map_err(|e| Error::build("CreateGlobalSecondaryIndexAction", e))?;
        let update = aws_sdk_dynamodb::types::GlobalSecondaryIndexUpdate::builder()
            .create(create)
            .build();
        let change = TableChange::Index {
            definitions,
            update: admin::IndexUpdate::Global(update),
        };
        admin::update_table(&self.inner, change).await?;
        if wait {
            wait_until_active(&self.inner).await?;
        }
        Ok(())
    }

    pub(crate) async fn describe(&self) -> Result<Option<TableDescription>, Error> {
        admin::describe_table(&self.inner).await
    }

    async fn check_matches(
        &self,
        deployment: &Deployment,
        wait_for_new_indexes: bool,
    ) -> Result<(), Error> {
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
                None => {
                    self.add_index(index, deployment, &table, wait_for_new_indexes)
                        .await?
                }
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

/// The drifts of the table `db` addresses from `deployment` (for [`Db::drift`] and the
/// doctor).
pub(crate) async fn drift(
    db: &crate::client::Inner,
    schema: &TableSchema,
    deployment: &Deployment,
) -> Result<Vec<Drift>, Error> {
    check_for(db, schema, deployment)?;
    let live = live::read(db).await?.ok_or_else(|| missing(db))?;
    Ok(compare(schema, deployment, &live, home_region(db)))
}

/// [`check`], and what only the live handle knows: a deployment naming another table, or
/// listing the client's own Region as a replica, is refused.
fn check_for(
    db: &crate::client::Inner,
    schema: &TableSchema,
    deployment: &Deployment,
) -> Result<(), Error> {
    check(schema, deployment)?;
    let refuse = |message: String| Err(Error::invalid(InvalidInputKind::Configuration, message));
    if let Some(name) = deployment
        .table_name
        .as_deref()
        .filter(|n| *n != db.table_name)
    {
        return refuse(format!(
            "the deployment is for table `{name}`, this handle addresses `{}`",
            db.table_name
        ));
    }
    if let Some(home) = home_region(db).filter(|h| deployment.replicas.iter().any(|r| r == h)) {
        return refuse(format!(
            "replica Region {home} is the table's own Region (the client's): list the other \
             Regions"
        ));
    }
    Ok(())
}

fn missing(db: &crate::client::Inner) -> Error {
    Error::TableMismatch {
        table: db.table_name.clone(),
        index: None,
        attribute: None,
        reason: "it does not exist".into(),
    }
}

/// The client's Region (DynamoDB may list it among a global table's replicas).
fn home_region(db: &crate::client::Inner) -> Option<&str> {
    db.client.config().region().map(|r| r.as_ref())
}

/// An index as CreateTable takes it, with its deployment settings.
pub(crate) fn created_index(
    index: &IndexSchema,
    deployment: &Deployment,
) -> Result<GlobalSecondaryIndex, Error> {
    let settings = deployment
        .indexes
        .get(index.name())
        .cloned()
        .unwrap_or_default();
    let provisioned = match deployment.billing {
        Billing::Provisioned { read, write } => Some(converge::provisioned(read, write)?),
        Billing::OnDemand => None,
    };
    GlobalSecondaryIndex::builder()
        .index_name(index.name())
        .set_key_schema(Some(index_key_schema(index)?))
        .projection(projection(index))
        .set_provisioned_throughput(provisioned)
        .set_on_demand_throughput(
            settings
                .max_throughput
                .and_then(converge::on_demand_created),
        )
        .set_warm_throughput(settings.warm_throughput.map(converge::warm_throughput))
        .build()
        .map_err(|e| Error::build("GlobalSecondaryIndex", e))
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

pub(crate) fn key_schema(pk: &str, sk: Option<&str>) -> Result<Vec<KeySchemaElement>, Error> {
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
    definitions(schema.attribute_definitions())
}

/// `attributes` as the SDK's definitions.
pub(crate) fn definitions(
    attributes: Vec<IndexAttribute>,
) -> Result<Vec<AttributeDefinition>, Error> {
    attributes.into_iter().map(definition).collect()
}
