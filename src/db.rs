//! [`Db`]: the handle every operation starts from — an SDK client, a table name and the
//! table's declaration.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::client::Inner;
use crate::entity::{Entity, EntityKey};
use crate::ops::{Delete, Get, Put, Update};
use crate::read::{KeyValues, Query, Scan};
use crate::registry::Registry;
use crate::table::Table;

/// A table of a single-table design, reached through an `aws-sdk-dynamodb` client.
///
/// `Db` is cheap to clone (one `Arc`); build it once (in a Lambda, at init) and share it.
/// Every operation is a builder ending in `.send().await`, like the SDK's own.
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")]
/// # pub struct User { id: String, name: String }
/// # async fn run() -> Result<(), dynamorm::Error> {
/// let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
/// let db = dynamorm::Db::<App>::new(aws_sdk_dynamodb::Client::new(&config));
///
/// db.create(&User { id: "u1".into(), name: "Ann".into() }).send().await?;
/// let user = db.get(UserKey { id: "u1".into() }).send().await?;
/// # Ok(()) }
/// ```
pub struct Db<T> {
    pub(crate) inner: Arc<Inner>,
    table: PhantomData<fn() -> T>,
}

impl<T> Clone for Db<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            table: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Db<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("table_name", &self.inner.table_name)
            .finish_non_exhaustive()
    }
}

impl<T: Table> Db<T> {
    /// A handle to the table under its declared name.
    pub fn new(client: aws_sdk_dynamodb::Client) -> Self {
        Self::with_table_name(client, T::SCHEMA.name())
    }

    /// A handle to the table under another name (per environment, or one per test).
    pub fn with_table_name(
        client: aws_sdk_dynamodb::Client,
        table_name: impl Into<String>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                table_name: table_name.into(),
                capacity: crate::capacity::Capacity::default(),
                keyspace: None,
                cursor_key: None,
                repair_shapes: false,
            }),
            table: PhantomData,
        }
    }

    /// Tells the handle every entity type the table holds: the types of registry `R`.
    ///
    /// A batch write (`batch_write`, `write_stream`) carries no condition, so it replaces or
    /// deletes whatever is stored at its key. With the table's registry, the library knows
    /// which entity types can render a key another type (or a unique-value sentinel) can
    /// render, and sends only those as guarded single writes; every other type goes in
    /// `BatchWriteItem`s. Without it, nothing is known of what else the table holds, so
    /// every batch write is guarded — correct, but one request per item.
    ///
    /// ```no_run
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")]
    /// # pub struct User { id: String }
    /// #[derive(dynamorm::Registry)]
    /// #[dynamo(table = App)]
    /// pub enum AppItem {
    ///     User(User),
    /// }
    /// # fn run(client: aws_sdk_dynamodb::Client) {
    /// let db = dynamorm::Db::<App>::new(client).with_registry::<AppItem>();
    /// # }
    /// ```
    pub fn with_registry<R: Registry<Table = T>>(&self) -> Self {
        self.rebuilt(|inner| Inner {
            keyspace: Some(Arc::new(crate::write::keyspace::of(R::ENTITIES, R::OPEN))),
            ..inner
        })
    }

    /// A handle sharing this one's client and name, with `change` made to its settings.
    fn rebuilt(&self, change: impl FnOnce(Inner) -> Inner) -> Self {
        let inner = Inner {
            client: self.inner.client.clone(),
            table_name: self.inner.table_name.clone(),
            capacity: self.inner.capacity.clone(),
            keyspace: self.inner.keyspace.clone(),
            cursor_key: self.inner.cursor_key.clone(),
            repair_shapes: self.inner.repair_shapes,
        };
        Self {
            inner: Arc::new(change(inner)),
            table: PhantomData,
        }
    }

    /// Seals every cursor a read of the returned handle hands out with `key` (signed, or
    /// encrypted), and resumes only from cursors sealed with it (or a previous key it still
    /// accepts): a client can then neither move its position nor forge one. See
    /// [`CursorKey`](crate::CursorKey) and the guide's pagination chapter.
    ///
    /// ```no_run
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # fn run(db: dynamorm::Db<App>, secret: &[u8]) -> Result<(), dynamorm::Error> {
    /// let db = db.with_cursor_key(dynamorm::CursorKey::signing(secret)?);
    /// # Ok(()) }
    /// ```
    pub fn with_cursor_key(&self, key: crate::CursorKey) -> Self {
        self.rebuilt(|inner| Inner {
            cursor_key: Some(key),
            ..inner
        })
    }

    /// Read repair of entity shapes: a get, query, scan, collection, batch get or loader get
    /// (not a transaction's get, nor a projection: it holds part of the item) that reads an item
    /// stored in an earlier [shape](crate::Entity#shape-versions) of its entity writes it
    /// back in the current one before returning — a put guarded by the whole item as read,
    /// so a write that landed in between is never overwritten (the repair is then simply
    /// skipped). The read's result is the same with or without repair; a repair that fails
    /// is reported as a `tracing` event, not as the read's error.
    ///
    /// ```no_run
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # fn run(db: dynamorm::Db<App>) {
    /// let db = db.with_shape_repair();
    /// # }
    /// ```
    pub fn with_shape_repair(&self) -> Self {
        self.rebuilt(|inner| Inner {
            repair_shapes: true,
            ..inner
        })
    }

    /// Asks DynamoDB for the consumed capacity of every request (`Total`, or `Indexes` for a
    /// per-index breakdown) and aggregates it in the returned handle's
    /// [`capacity`](Db::capacity) collector (shared by its clones).
    ///
    /// ```no_run
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # fn run(db: dynamorm::Db<App>) {
    /// use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
    /// let db = db.with_consumed_capacity(ReturnConsumedCapacity::Indexes);
    /// // … requests …
    /// let report = db.capacity().take();
    /// println!("{} units, by index {:?}", report.total, report.by_index);
    /// # }
    /// ```
    pub fn with_consumed_capacity(
        &self,
        mode: aws_sdk_dynamodb::types::ReturnConsumedCapacity,
    ) -> Self {
        self.rebuilt(|inner| Inner {
            capacity: crate::capacity::Capacity {
                mode: Some(mode),
                collector: crate::capacity::CapacityCollector::default(),
            },
            ..inner
        })
    }

    /// The collector of consumed capacity (empty unless
    /// [`with_consumed_capacity`](Db::with_consumed_capacity) was used).
    pub fn capacity(&self) -> &crate::CapacityCollector {
        &self.inner.capacity.collector
    }

    /// The SDK client, for anything dynamorm does not cover.
    pub fn client(&self) -> &aws_sdk_dynamodb::Client {
        &self.inner.client
    }

    /// The table name requests are sent to.
    pub fn table_name(&self) -> &str {
        &self.inner.table_name
    }

    /// Reads one item by its typed key: `Ok(None)` when there is none.
    pub fn get<K>(&self, key: K) -> Get<K::Entity>
    where
        K: EntityKey,
        K::Entity: Entity<Table = T>,
    {
        Get::new(self.inner.clone(), key.render())
    }

    /// Writes an entity, replacing any item of the same type with the same key.
    ///
    /// A put never replaces an item of *another* entity type that happens to share the key;
    /// that fails with [`Error::WrongEntity`](crate::Error::WrongEntity).
    pub fn put<E: Entity<Table = T>>(&self, entity: &E) -> Put<E> {
        Put::new(self.inner.clone(), crate::entity::to_item(entity), false)
    }

    /// Writes an entity that must not exist yet; if it does, the error is
    /// [`Error::AlreadyExists`](crate::Error::AlreadyExists).
    pub fn create<E: Entity<Table = T>>(&self, entity: &E) -> Put<E> {
        Put::new(self.inner.clone(), crate::entity::to_item(entity), true)
    }

    /// Creates an entity (it must not exist yet) after setting each of its
    /// `#[dynamo(generated)]` fields that is still unset to a new id ([`TimeId`](crate::TimeId):
    /// time-ordered); `.send().await` returns the entity as stored, ids included.
    ///
    /// ```no_run
    /// # use dynamorm::{Db, TimeId};
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] struct App;
    /// #[derive(Serialize, Deserialize, dynamorm::Entity)]
    /// #[dynamo(table = App, pk = "DEAL#{id}", sk = "DEAL")]
    /// struct Deal {
    ///     #[dynamo(generated)]
    ///     #[serde(default)]
    ///     id: TimeId,
    ///     title: String,
    /// }
    /// # async fn run(db: Db<App>) -> Result<(), dynamorm::Error> {
    /// let deal = db.insert(Deal { id: TimeId::UNSET, title: "Half off".into() }).send().await?;
    /// assert!(!deal.id.is_unset());
    /// # Ok(()) }
    /// ```
    pub fn insert<E: Entity<Table = T>>(&self, entity: E) -> crate::ops::Insert<E> {
        crate::ops::Insert::new(self.inner.clone(), |e| self.create(e), entity)
    }

    /// Changes attributes of an existing item (typed actions); a missing item is
    /// [`Error::NotFound`](crate::Error::NotFound). Returns the updated entity.
    pub fn update<K>(&self, key: K) -> Update<K::Entity>
    where
        K: EntityKey,
        K::Entity: Entity<Table = T>,
    {
        Update::new(self.inner.clone(), key)
    }

    /// Queries one partition for items of entity `E`, from the values of the partition
    /// key's fields: `db.query(Task::attrs().tenant_id.is("acme"))`. Add sort-key
    /// conditions, an index, filters, order and limits on the returned [`Query`].
    pub fn query<E: Entity<Table = T>>(&self, partition: impl KeyValues<E>) -> Query<E> {
        Query::new(self.inner.clone(), partition.into_key_values())
    }

    /// Queries a multi-attribute index with a typed key condition built from the entity's
    /// generated shape (`Match::ByRound.partition("spring", "eu").sort_ge(3)`); the returned
    /// [`Query`] takes filters, projections, order, limits, cursors, pages, streams,
    /// [`Query::registry`] and [`Query::collection`] as any other.
    ///
    /// ```no_run
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)]
    /// # #[dynamo(name = "games", index(ByRound, pk = [tournament: S], sk = [round: N]))]
    /// # pub struct Games;
    /// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = Games, pk = "MATCH#{id}", sk = "MATCH")]
    /// # #[dynamo(index(ByRound, pk = [tournament], sk = [round]))]
    /// # pub struct Match { id: String, tournament: String, round: u32 }
    /// # async fn run(db: dynamorm::Db<Games>) -> Result<(), dynamorm::Error> {
    /// let finals: Vec<Match> = db
    ///     .query_index(Match::ByRound.partition("spring").sort_ge(10))
    ///     .descending()
    ///     .all()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn query_index<E: Entity<Table = T>, I: crate::projection::IndexSource, K>(
        &self,
        key: crate::MultiKey<E, I, K>,
    ) -> Query<E, E, I::Source> {
        Query::multi(self.inner.clone(), key)
    }

    /// Searches a vector index for the items closest to a vector, from the entity's
    /// generated shape of the index (`Product::ByEmbedding.near(&v).partition("acme")`);
    /// the returned [`Search`](crate::vector::Search) takes `top_k`, filters on the
    /// index's inline filter attributes, [`Search::project`](crate::vector::Search::project)
    /// and [`Search::registry`](crate::vector::Search::registry), and ends in
    /// `.send().await`.
    ///
    /// ```no_run
    /// # use serde::{Deserialize, Serialize};
    /// # use dynamorm::vector::Vector;
    /// # #[derive(dynamorm::Table)]
    /// # #[dynamo(name = "catalog", vector_index(ByEmbedding, vector = "embedding", dimensions = 2, distance = cosine))]
    /// # pub struct Catalog;
    /// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = Catalog, pk = "PRODUCT#{id}", sk = "PRODUCT")]
    /// # #[dynamo(vector_index(ByEmbedding, vector = embedding))]
    /// # pub struct Product { id: u32, embedding: Vector<2> }
    /// # async fn run(db: dynamorm::Db<Catalog>) -> Result<(), dynamorm::Error> {
    /// let closest = db.search(Product::ByEmbedding.near([0.6, 0.8])).top_k(3).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn search<E: Entity<Table = T>, H>(
        &self,
        near: crate::vector::Near<E, H>,
    ) -> crate::vector::Search<E> {
        crate::vector::Search::new(self.inner.clone(), near)
    }

    /// Scans the table: for the items of entity type `S` (`db.scan::<Task>()`), or for
    /// every item, decoded as registry `S` (`db.scan::<TrackerItem>()`).
    pub fn scan<S: crate::read::Scannable<Table = T>>(&self) -> Scan<S, S> {
        Scan::new::<T>(self.inner.clone(), S::output())
    }

    /// A [`Loader`](crate::batch::Loader): `get`s issued concurrently are coalesced into
    /// batch reads (the N+1 of resolvers and fan-out handlers), each caller answered with its
    /// own typed result.
    pub fn loader(&self) -> crate::batch::Loader<T> {
        crate::batch::Loader::new(self.inner.clone())
    }

    /// A read-only check of the live table against registry `R`'s declarations (see
    /// [`Doctor`](crate::doctor::Doctor)).
    pub fn doctor<R: Registry<Table = T>>(&self) -> crate::doctor::Doctor<R> {
        crate::doctor::Doctor::new(self.inner.clone())
    }

    /// An all-or-nothing transaction of up to 100 actions of any entity types.
    pub fn transact_write(&self) -> crate::TransactWrite<T> {
        crate::TransactWrite::new(self.inner.clone())
    }

    /// A consistent read of up to 100 keys of any entity types.
    pub fn transact_get(&self) -> crate::TransactGet<T> {
        crate::TransactGet::new(self.inner.clone())
    }

    /// A transaction action requiring `condition` on the item with `key`.
    pub fn condition_check<K>(
        &self,
        key: K,
        condition: crate::Condition<K::Entity>,
    ) -> crate::ConditionCheck<K::Entity>
    where
        K: EntityKey,
        K::Entity: Entity<Table = T>,
    {
        crate::ConditionCheck::new(self.inner.table_name.clone(), key, condition)
    }

    /// A migration of the table to the current key templates of registry `R`'s entities
    /// (re-key and backfill; see [`Migrate`](crate::migrate::Migrate)).
    pub fn migrate<R: Registry<Table = T>>(&self) -> crate::migrate::Migrate<R> {
        crate::migrate::Migrate::new(self.inner.clone())
    }

    /// A batch of puts and deletes of any entity types (any number: chunked by 25).
    pub fn batch_write(&self) -> crate::BatchWrite<T> {
        crate::BatchWrite::new(self.inner.clone())
    }

    /// Writes taken from a `Stream` (an import of any size) in constant memory, with
    /// `batch_write`'s chunking, retries and per-item accounting (see
    /// [`WriteStream`](crate::batch::WriteStream)).
    pub fn write_stream(
        &self,
        writes: impl futures::Stream<Item = crate::batch::StreamedWrite<T>> + Send + 'static,
    ) -> crate::batch::WriteStream<T> {
        crate::batch::WriteStream::new(self.inner.clone(), writes)
    }

    /// A batch read of keys of any entity types (any number: chunked by 100).
    pub fn batch_get(&self) -> crate::BatchGet<T> {
        crate::BatchGet::new(self.inner.clone())
    }

    /// Deletes an item by its typed key and returns what was deleted, if anything.
    pub fn delete<K>(&self, key: K) -> Delete<K::Entity>
    where
        K: EntityKey,
        K::Entity: Entity<Table = T>,
    {
        Delete::new(self.inner.clone(), key.render())
    }
}
