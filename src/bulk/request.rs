//! [`ImportTable`]: the `ImportTable` request for the declared table and files an
//! [`ImportWriter`](super::ImportWriter) wrote to S3.

use std::sync::Arc;

use aws_sdk_dynamodb::types::{
    BillingMode, ImportTableDescription, InputCompressionType, InputFormat, S3BucketSource,
    TableCreationParameters,
};

use super::ImportFiles;
use crate::client::Inner;
use crate::db::Db;
use crate::deploy::converge::{on_demand_created, provisioned};
use crate::deploy::ensure::{created_index, definitions, key_schema};
use crate::deploy::{Billing, Deployment};
use crate::table::Table;
use crate::{Error, InvalidInputKind};

/// An `ImportTable` request, built by [`Db::import_table`]; ends in
/// [`send`](Self::send).
#[must_use = "a request does nothing until `.send().await`"]
pub struct ImportTable<'a, T> {
    db: Arc<Inner>,
    files: &'a ImportFiles,
    deployment: Deployment,
    token: Option<String>,
    table: std::marker::PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for ImportTable<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportTable")
            .field("table", &self.db.table_name)
            .field("files", &self.files.files())
            .finish_non_exhaustive()
    }
}

impl<T: Table> Db<T> {
    /// The `ImportTable` request creating this table (which must not exist) from `files`:
    /// its keys, attribute definitions and indexes as declared, billing and maximum
    /// throughput from the deployment (what `ImportTable` can set; apply the rest with
    /// [`ensure_table_with`](Db::ensure_table_with) once the import has finished).
    /// Returns the import's description; follow it with DescribeImport.
    ///
    /// ```no_run
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # async fn run(db: dynamorm::Db<App>, files: dynamorm::bulk::ImportFiles) -> Result<(), dynamorm::Error> {
    /// use dynamorm::deploy::Deployment;
    /// let import = db.import_table(&files).deployment(Deployment::production()).send().await?;
    /// println!("{:?}", import.import_arn());
    /// # Ok(()) }
    /// ```
    pub fn import_table<'a>(&self, files: &'a ImportFiles) -> ImportTable<'a, T> {
        ImportTable {
            db: self.inner.clone(),
            files,
            deployment: Deployment::default(),
            token: None,
            table: std::marker::PhantomData,
        }
    }
}

impl<T: Table> ImportTable<'_, T> {
    /// The table's billing and maximum throughput (and what `ensure_table_with` applies
    /// afterwards).
    pub fn deployment(mut self, deployment: Deployment) -> Self {
        self.deployment = deployment;
        self
    }

    /// An idempotency token (DynamoDB keeps it 8 hours).
    pub fn client_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<ImportTableDescription, Error> {
        let schema = &T::SCHEMA;
        crate::deploy::check(schema, &self.deployment)?;
        let Some(bucket) = self.files.location().bucket() else {
            return Err(Error::invalid(
                InvalidInputKind::Configuration,
                "ImportTable reads from S3: write the files to an S3 location",
            ));
        };
        let source = S3BucketSource::builder()
            .s3_bucket(bucket)
            .s3_key_prefix(self.files.data_prefix())
            .build()
            .map_err(|e| Error::build("S3BucketSource", e))?;
        let (mode, throughput) = match self.deployment.billing {
            Billing::OnDemand => (BillingMode::PayPerRequest, None),
            Billing::Provisioned { read, write } => {
                (BillingMode::Provisioned, Some(provisioned(read, write)?))
            }
        };
        let indexes = schema
            .indexes()
            .iter()
            .map(|index| created_index(index, &self.deployment))
            .collect::<Result<Vec<_>, _>>()?;
        let parameters = TableCreationParameters::builder()
            .table_name(&self.db.table_name)
            // ImportTable creates no vector index: only the keys' definitions.
            .set_attribute_definitions(Some(definitions(schema.key_attribute_definitions())?))
            .set_key_schema(Some(key_schema(schema.partition_key(), schema.sort_key())?))
            .billing_mode(mode)
            .set_provisioned_throughput(throughput)
            .set_on_demand_throughput(self.deployment.max_throughput.and_then(on_demand_created))
            .set_global_secondary_indexes((!indexes.is_empty()).then_some(indexes))
            .build()
            .map_err(|e| Error::build("TableCreationParameters", e))?;
        let request = crate::deploy::send::ImportRequest {
            source,
            format: InputFormat::DynamodbJson,
            compression: InputCompressionType::Gzip,
            parameters,
            token: self.token,
        };
        crate::deploy::send::import_table(&self.db, request).await
    }
}
