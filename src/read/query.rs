//! [`Query`]: a typed query over one partition, with key conditions rendered from an
//! entity's templates, and every way to consume it (all, first, count, pages, stream).

use std::marker::PhantomData;
use std::pin::pin;
use std::sync::Arc;

use aws_sdk_dynamodb::types::{AttributeValue, Select};
use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};

use super::bounds::{Bound, KeyBounds};
use super::cursor::{Binding, Cursor, Fingerprint, Mark, Position};
use super::hydrate::Hydrate;
use super::keys::{self, Given, KeyValue, KeyValues, SortKey};
use super::merge::{self, Shards};
use super::page::{self, Fetch, Page, RawPage, Reader};
use super::range::{SortRange, sort_range};
use crate::client::Inner;
use crate::collection::Collection;
use crate::entity::{Def, Entity};
use crate::expr::{Condition, Node, Placeholders};
use crate::item::Item;
use crate::multi::{MultiKey, NativeKeyCondition};
use crate::observe::{Call, ObserveExt};
use crate::projection::{AllAttributes, IndexSource, Projection, Reads};
use crate::registry::Registry;
use crate::table::{Index, IndexProjection, IndexSchema};
use crate::{Error, InvalidInputKind};

/// A Query for items of entity `E` (or, after [`Query::registry`], any type of registry `T`),
/// built by [`Db::query`](crate::Db::query) from the partition key's field values.
///
/// ```no_run
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "TENANT#{tenant_id}", sk = "PROJECT#{project_id}#TASK#{id}")]
/// # pub struct Task { tenant_id: String, project_id: String, id: u32, points: u32 }
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// use futures::TryStreamExt;
/// let a = Task::attrs();
/// // Every task of project p1, newest id first, 10 at most.
/// let tasks: Vec<Task> = db
///     .query(a.tenant_id.is("acme"))
///     .sort_begins_with(a.project_id.is("p1"))
///     .filter(a.points.ge(3))
///     .descending()
///     .limit(10)
///     .all()
///     .await?;
/// // The same, streamed page by page in constant memory.
/// let mut stream = db.query(a.tenant_id.is("acme")).stream();
/// while let Some(task) = stream.try_next().await? { /* … */ }
/// # Ok(()) }
/// ```
///
/// `T` is what each result is (the entity, a [`Projection`], a registry's enum), `S` where
/// the results are read from: whole items ([`AllAttributes`]: the table, an `ALL` index, a
/// [hydrated](Query::hydrate) read) or a narrower index (its handle's type). A read whose
/// results `S` does not hold does not compile (see [`projection`](crate::projection)).
#[must_use = "a query does nothing until it is sent (`all`, `first`, `count`, `page`, `stream`, …)"]
pub struct Query<E, T = E, S = AllAttributes> {
    core: QueryCore,
    output: Output<T>,
    entity: PhantomData<fn() -> (E, S)>,
}

/// A query as plain data: what every entity type's `Query` validates, renders and reads.
/// Only decoding is the typed shell's.
struct QueryCore {
    db: Arc<Inner>,
    def: &'static Def,
    /// The partition key's field values (resolved when given; an error is sent's).
    partition: Result<Vec<Given>, Error>,
    sort: Option<Result<SortKey, Error>>,
    index: Option<&'static IndexSchema>,
    filter: Option<Node>,
    projection: Vec<&'static str>,
    descending: bool,
    limit: Option<usize>,
    page_size: Option<i32>,
    consistent_read: bool,
    after: Option<Cursor>,
    skip_non_members: bool,
    /// The key condition of a multi-attribute index query (instead of `partition`/`sort`).
    native: Option<NativeKeyCondition>,
    /// Each result is fetched from the table by its key ([`Query::hydrate`]).
    hydrate: bool,
    /// The key range is empty: answered without a request.
    nothing: bool,
}

/// How raw items become results: the typed decoder, and what the core needs to know of it.
#[doc(hidden)]
#[derive(Debug)]
pub struct Output<T> {
    pub(crate) decode: fn(Item) -> Result<T, Error>,
    pub(crate) described: Described,
}

/// What a read's results are, as data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Described {
    /// Identifies the result type in cursors.
    pub(crate) name: &'static str,
    /// The discriminator value to filter on (`None`: every type).
    pub(crate) only: Option<&'static str>,
    /// Whether the library's own items (sentinels, leases) are skipped (registry reads).
    pub(crate) skip_internal: bool,
    /// The entity types whole items are decoded as: what read repair upgrades (none for
    /// projections and raw reads).
    pub(crate) entities: &'static [crate::EntitySchema],
}

pub(crate) fn entity_output<E: Entity>() -> Output<E> {
    Output {
        decode: crate::entity::decode_as::<E>,
        described: Described {
            name: E::SCHEMA.name(),
            only: Some(E::SCHEMA.name()),
            skip_internal: false,
            entities: crate::entity::schemas::<E>(),
        },
    }
}

pub(crate) fn projection_output<P: Projection>() -> Output<P> {
    Output {
        decode: |item| {
            crate::entity::require_current(&P::Entity::SCHEMA, &item)?;
            crate::entity::decode_unchecked::<P>(P::Entity::SCHEMA.name(), item)
        },
        described: Described {
            name: std::any::type_name::<P>(),
            only: Some(P::Entity::SCHEMA.name()),
            skip_internal: false,
            entities: &[],
        },
    }
}

/// Every item as stored, undecoded (the doctor examines them itself).
pub(crate) fn raw_output() -> Output<Item> {
    Output {
        decode: Ok,
        described: Described {
            name: "*",
            only: None,
            skip_internal: false,
            entities: &[],
        },
    }
}

#[doc(hidden)]
pub fn registry_output<R: Registry>() -> Output<R> {
    Output {
        decode: R::from_item,
        described: Described {
            name: std::any::type_name::<R>(),
            only: None,
            // The library's own items (unique-value sentinels, leases) are not entities.
            skip_internal: true,
            entities: R::ENTITIES,
        },
    }
}

impl<E: Entity> Query<E, E> {
    pub(crate) fn new(db: Arc<Inner>, partition: Vec<KeyValue<E>>) -> Self {
        Self {
            core: QueryCore::new(db, crate::entity::def::<E>(), keys::resolve(partition)),
            output: entity_output::<E>(),
            entity: PhantomData,
        }
    }

    /// A query of a multi-attribute index (handle type `I`) with a typed key condition.
    pub(crate) fn multi<I: IndexSource, K>(
        db: Arc<Inner>,
        key: MultiKey<E, I, K>,
    ) -> Query<E, E, I::Source> {
        let index = key.condition.index;
        let mut query = Self::new(db, Vec::new());
        query.core.index = Some(index);
        query.core.native = Some(key.condition);
        query.with_output(entity_output::<E>())
    }
}

impl<E: Entity, T: Send + 'static, S> Query<E, T, S> {
    /// Queries a global secondary index with the entity's templates for it. What the index
    /// projects decides what the query can return: through a `KEYS_ONLY` or `INCLUDE`
    /// index, an entity it does not hold whole is read with [`Query::project`] or
    /// [`Query::hydrate`].
    pub fn index<P>(
        self,
        index: Index<E::Table, P>,
    ) -> Query<E, T, <Index<E::Table, P> as IndexSource>::Source>
    where
        Index<E::Table, P>: IndexSource,
    {
        let mut query = self.via();
        query.core.index = Some(index.schema());
        query
    }

    /// Returns projection `P` (some of the entity's fields) instead of the entity: the
    /// request names only `P`'s attributes (a `ProjectionExpression`), so fewer bytes come
    /// back, and it reads through an index that holds them even when the index does not
    /// hold the whole entity.
    ///
    /// ```no_run
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)]
    /// # #[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK", projection = include(title)))]
    /// # pub struct App;
    /// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "TASK#{id}", sk = "TASK")]
    /// # #[dynamo(index(GSI1, pk = "OWNER#{owner}", sk = "TASK#{id}"))]
    /// # pub struct Task { id: u32, owner: String, title: String, body: String }
    /// #[derive(Deserialize, dynamorm::Projection)]
    /// #[dynamo(entity = Task)]
    /// pub struct TaskCard { title: String }
    ///
    /// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// let cards: Vec<TaskCard> = db
    ///     .query(Task::attrs().owner.is("ada"))
    ///     .index(App::GSI1)
    ///     .project::<TaskCard>()
    ///     .all()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn project<P: Projection<Entity = E>>(mut self) -> Query<E, P, S> {
        self.core.projection = P::ATTRIBUTES.to_vec();
        self.with_output(projection_output::<P>())
    }

    /// Reads the index for keys only and fetches each result from the table
    /// (`BatchGetItem`, chunked and retried as [`Db::batch_get`](crate::Db::batch_get)
    /// is): full entities through a `KEYS_ONLY` or `INCLUDE` index. Results keep the
    /// index's order, limits stay exact and cursors resume exactly; an item deleted
    /// between the two reads, or whose index key changed, is skipped, and through a
    /// keys-only index (which does not hold the discriminator) so is an item of another
    /// type.
    ///
    /// ```no_run
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)]
    /// # #[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK", projection = keys_only))]
    /// # pub struct App;
    /// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "TASK#{id}", sk = "TASK")]
    /// # #[dynamo(index(GSI1, pk = "OWNER#{owner}", sk = "TASK#{id}"))]
    /// # pub struct Task { id: u32, owner: String, title: String }
    /// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// let tasks: Vec<Task> = db
    ///     .query(Task::attrs().owner.is("ada"))
    ///     .index(App::GSI1)
    ///     .hydrate()
    ///     .all()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn hydrate(mut self) -> Query<E, T> {
        self.core.hydrate = true;
        self.via()
    }

    fn sort(mut self, make: fn(Vec<Given>) -> SortKey, parts: impl KeyValues<E>) -> Self {
        self.core.sort = Some(keys::resolve(parts.into_key_values()).map(make));
        self
    }

    /// Items whose sort key has these leading fields: with some fields, all their extensions
    /// (`begins_with`); with all fields, that item and the items filed under it (a project
    /// and its tasks), never a neighbour whose value merely starts the same (`p1` vs `p10`).
    pub fn sort_begins_with(self, parts: impl KeyValues<E>) -> Self {
        self.sort(SortKey::BeginsWith, parts)
    }

    /// The item whose sort key has exactly these fields (all of them).
    pub fn sort_eq(self, parts: impl KeyValues<E>) -> Self {
        self.sort(SortKey::Eq, parts)
    }

    /// Items sorting before every item with these leading fields.
    pub fn sort_lt(self, parts: impl KeyValues<E>) -> Self {
        self.sort(SortKey::Lt, parts)
    }

    /// Items sorting before, or having, these leading fields.
    pub fn sort_le(self, parts: impl KeyValues<E>) -> Self {
        self.sort(SortKey::Le, parts)
    }

    /// Items sorting after every item with these leading fields.
    pub fn sort_gt(self, parts: impl KeyValues<E>) -> Self {
        self.sort(SortKey::Gt, parts)
    }

    /// Items having, or sorting after, these leading fields.
    pub fn sort_ge(self, parts: impl KeyValues<E>) -> Self {
        self.sort(SortKey::Ge, parts)
    }

    /// Items from the first with leading fields `low` to the last with leading fields
    /// `high`, inclusive.
    pub fn sort_between(mut self, low: impl KeyValues<E>, high: impl KeyValues<E>) -> Self {
        let low = keys::resolve(low.into_key_values());
        let high = keys::resolve(high.into_key_values());
        self.core.sort = Some(low.and_then(|low| Ok(SortKey::Between(low, high?))));
        self
    }

    /// Keeps only items for which `condition` holds (a `FilterExpression`: items are still
    /// read, and counted against DynamoDB's 1 MB page).
    pub fn filter(mut self, condition: Condition<E>) -> Self {
        let core = &mut self.core;
        core.filter = Some(crate::expr::also(core.filter.take(), condition.into_node()));
        self
    }

    /// Newest (highest sort key) first.
    pub fn descending(mut self) -> Self {
        self.core.descending = true;
        self
    }

    /// At most `n` results in all (across pages), stopping exactly there; with
    /// [`Query::page`], the page size.
    pub fn limit(mut self, n: usize) -> Self {
        self.core.limit = Some(n);
        self
    }

    /// How many items DynamoDB evaluates per request (its `Limit`).
    pub fn page_size(mut self, n: u32) -> Self {
        self.core.page_size = Some(i32::try_from(n).unwrap_or(i32::MAX).max(1));
        self
    }

    /// Reads with strong consistency; DynamoDB does not offer it on global secondary
    /// indexes, so asking for it there fails before sending.
    pub fn consistent_read(mut self) -> Self {
        self.core.consistent_read = true;
        self
    }

    /// Resumes after the position `cursor` marks; it must come from this same query.
    pub fn after(mut self, cursor: &Cursor) -> Self {
        self.core.after = Some(cursor.clone());
        self
    }

    /// Returns items of every entity type in the key range, as registry `R`'s enum (whole
    /// items: a projection asked for before is dropped).
    pub fn registry<R: Registry<Table = E::Table>>(mut self) -> Query<E, R, S> {
        self.core.projection.clear();
        self.with_output(registry_output::<R>())
    }

    /// With [`Query::collection`]: skip items whose type is not a member of the collection,
    /// instead of failing with [`Error::Collection`].
    pub fn skip_non_members(mut self) -> Self {
        self.core.skip_non_members = true;
        self
    }

    /// Fills collection `C` from every item in the key range (all pages), routing each to
    /// its member field by discriminator. An item of a type that is not a member is an
    /// [`Error::Collection`] (or skipped, with [`Query::skip_non_members`]); so is a second
    /// item for an `Option` member.
    ///
    /// ```no_run
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "ORDER#{order}", sk = "ORDER")]
    /// # pub struct Order { order: String }
    /// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "ORDER#{order}", sk = "LINE#{line}")]
    /// # pub struct Line { order: String, line: u16 }
    /// #[derive(Debug, Default, dynamorm::Collection)]
    /// #[dynamo(table = App)]
    /// pub struct OrderWithLines { pub order: Option<Order>, pub lines: Vec<Line> }
    ///
    /// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
    /// let order: OrderWithLines = db
    ///     .query(Order::attrs().order.is("o-1"))
    ///     .collection()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn collection<C: Collection<Table = E::Table> + Send>(
        self,
    ) -> BoxFuture<'static, Result<C, Error>>
    where
        S: Reads<C>,
    {
        Box::pin(async move {
            let mut collection = C::default();
            let members = Members {
                name: C::NAME,
                index: C::INDEX,
                entities: C::MEMBERS,
                insert: &mut |kind, item| collection.insert(kind, item),
            };
            // Whole items: a projection asked for before would leave members' fields out.
            let mut core = self.core;
            core.projection.clear();
            core.collect(members).await?;
            Ok(collection)
        })
    }

    /// The same query, read from another source.
    fn via<S2>(self) -> Query<E, T, S2> {
        Query {
            core: self.core,
            output: self.output,
            entity: PhantomData,
        }
    }

    fn with_output<U, S2>(self, output: Output<U>) -> Query<E, U, S2> {
        Query {
            core: self.core,
            output,
            entity: PhantomData,
        }
    }

    // The terminators return boxed futures: a read its source cannot answer is then one
    // error at the call — an `async fn` would repeat it for its future and the `.await` —
    // for one allocation per read, which holds a whole response already.

    /// Every result, following all pages (up to the limit).
    pub fn all(self) -> BoxFuture<'static, Result<Vec<T>, Error>>
    where
        S: Reads<T>,
    {
        let decode = self.output.decode;
        Box::pin(async move {
            let items = self.core.all(self.output.described).await?;
            super::page::map_all(items, decode)
        })
    }

    /// The first result, if any.
    pub fn first(mut self) -> BoxFuture<'static, Result<Option<T>, Error>>
    where
        S: Reads<T>,
    {
        self.core.limit = Some(1);
        let decode = self.output.decode;
        Box::pin(async move {
            let items = self.core.all(self.output.described).await?;
            items.into_iter().next().map(decode).transpose()
        })
    }

    /// One page of at most `limit` results (or one DynamoDB page without a limit), with the
    /// cursor to resume after it.
    pub fn page(self) -> BoxFuture<'static, Result<Page<T>, Error>>
    where
        S: Reads<T>,
    {
        let decode = self.output.decode;
        Box::pin(async move { self.core.page(self.output.described).await?.try_map(decode) })
    }

    /// Results page by page, as an async stream; each page carries its cursor.
    pub fn pages(self) -> BoxStream<'static, Result<Page<T>, Error>>
    where
        S: Reads<T>,
    {
        let decode = self.output.decode;
        self.core
            .pages(self.output.described)
            .map(move |page| page?.try_map(decode))
            .boxed()
    }

    /// Results one by one, as an async stream in constant memory (boxed, so it is `Unpin`:
    /// `while let Some(x) = stream.try_next().await?` works as is).
    pub fn stream(self) -> BoxStream<'static, Result<T, Error>>
    where
        S: Reads<T>,
    {
        let decode = self.output.decode;
        self.core
            .items(self.output.described)
            .map(move |item| decode(item?))
            .boxed()
    }

    /// How many items match, counted by DynamoDB (`Select::COUNT`) without returning them.
    /// A sharded partition's shards are counted concurrently and added up. A hydrated read
    /// ([`hydrate`](Self::hydrate)) counts what it would return: its items are fetched
    /// (the index alone cannot tell which of them are still there, and of this type).
    pub fn count(self) -> impl Future<Output = Result<usize, Error>> + Send {
        self.core.count(self.output.described)
    }
}

/// A collection being filled: its name, the index it is read from, and where items go.
struct Members<'a> {
    name: &'static str,
    index: Option<&'static IndexSchema>,
    /// The members' entity types (what read repair upgrades).
    entities: &'static [crate::EntitySchema],
    insert: &'a mut (dyn FnMut(&str, Item) -> Result<bool, Error> + Send),
}

impl QueryCore {
    fn new(db: Arc<Inner>, def: &'static Def, partition: Result<Vec<Given>, Error>) -> Self {
        Self {
            db,
            def,
            partition,
            sort: None,
            index: None,
            filter: None,
            projection: Vec::new(),
            descending: false,
            limit: None,
            page_size: None,
            consistent_read: false,
            after: None,
            skip_non_members: false,
            native: None,
            hydrate: false,
            nothing: false,
        }
    }

    /// Every raw result, following all pages (up to the limit).
    async fn all(self, output: Described) -> Result<Vec<Item>, Error> {
        self.items(output).try_collect().await
    }

    /// One page of raw results (see [`Query::page`]).
    async fn page(self, output: Described) -> Result<Page<Item>, Error> {
        let limited = self.limit.is_some();
        let (spec, start, reader) = self.prepare(&output)?;
        let mut pages = read_pages(spec, start, reader);
        let mut out = Page {
            items: Vec::new(),
            cursor: None,
        };
        // Pages shorter than the limit (filtered, or 1 MB) continue until it is reached.
        while let Some(page) = pages.try_next().await? {
            out.items.extend(page.items);
            out.cursor = page.cursor;
            if !limited {
                break;
            }
        }
        Ok(out)
    }

    /// Raw pages as a stream.
    fn pages(self, output: Described) -> BoxStream<'static, Result<Page<Item>, Error>> {
        let prepared = self.prepare(&output);
        futures::stream::once(async move { prepared })
            .map_ok(|(spec, start, reader)| read_pages(spec, start, reader))
            .try_flatten()
            .boxed()
    }

    /// Raw results one by one.
    fn items(self, output: Described) -> BoxStream<'static, Result<Item, Error>> {
        self.pages(output)
            .map_ok(|page| futures::stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Fills a collection from every item in the key range.
    async fn collect(self, members: Members<'_>) -> Result<(), Error> {
        let index_name = |i: Option<&'static IndexSchema>| {
            i.map_or("the table".to_owned(), |i| format!("index `{}`", i.name()))
        };
        if members.index.map(|i| i.name()) != self.index.map(|i| i.name()) {
            return Err(Error::invalid_for(
                self.def.name(),
                InvalidInputKind::QueryShape,
                format!(
                    "collection `{}` is read from {}, but the query reads {}",
                    members.name,
                    index_name(members.index),
                    index_name(self.index),
                ),
            ));
        }
        let skip = self.skip_non_members;
        let discriminator = self.def.table.discriminator();
        let output = Described {
            name: members.name,
            only: None,
            skip_internal: false,
            entities: members.entities,
        };
        let mut items = self.items(output);
        while let Some(item) = items.try_next().await? {
            let kind = match item.get(discriminator) {
                Some(AttributeValue::S(kind)) => kind.clone(),
                _ if skip => continue,
                _ => {
                    return Err(Error::MissingDiscriminator {
                        attribute: discriminator,
                    });
                }
            };
            if !(members.insert)(&kind, item)? && !skip {
                return Err(Error::Collection {
                    collection: members.name,
                    item_type: crate::Redacted::text(kind),
                    field: None,
                });
            }
        }
        Ok(())
    }

    /// How many items match (see [`Query::count`]).
    async fn count(mut self, output: Described) -> Result<usize, Error> {
        if self.hydrate && self.index.is_some() {
            // The index cannot say which of its items the fetch keeps (another type, changed
            // since the index read): count what the hydrated read returns, every page of it,
            // as a plain count counts every match.
            self.limit = None;
            return self
                .pages(output)
                .try_fold(0, |n, page| async move { Ok(n + page.items.len()) })
                .await;
        }
        let (spec, start, _) = self.prepare(&output)?;
        if spec.nothing {
            return Ok(0);
        }
        let (starts, mark): (Vec<(usize, Option<Item>)>, _) = match start {
            Start::One(key) => (vec![(0, key)], None),
            Start::Shards(merge::Start { positions, mark }) => (
                positions
                    .into_iter()
                    .enumerate()
                    .filter_map(|(n, position)| match position {
                        Position::Start => Some((n, None)),
                        Position::After(key) => Some((n, Some(key))),
                        Position::Done => None,
                    })
                    .collect(),
                mark,
            ),
        };
        let counts = starts
            .into_iter()
            .map(|(shard, start)| spec.count_shard(shard, start, mark.as_ref()));
        Ok(futures::future::try_join_all(counts)
            .await?
            .into_iter()
            .sum())
    }

    /// The key condition rendered from the entity's templates (table or template index).
    /// For a sharded partition it names the first shard's key; the placeholder and every
    /// shard's key are returned, to query each.
    fn template_key_condition(
        &mut self,
        p: &mut Placeholders,
        key_condition: &mut String,
        only_entity: bool,
        bounds: &mut KeyBounds,
    ) -> Result<Option<ShardKeys>, Error> {
        let schema = self.def.schema;
        let table = self.def.table;
        let partition = std::mem::replace(&mut self.partition, Ok(Vec::new()))?;
        let sort = self.sort.take().transpose()?;
        let sort_parts = sort.as_ref().map(SortKey::parts).unwrap_or_default();
        let (pk_template, sk_template) =
            keys::templates(schema, self.index, &partition, &sort_parts)?;
        let (pk_attr, sk_attr) = match self.index {
            Some(index) => index.template_keys().ok_or_else(|| {
                Error::invalid(
                    InvalidInputKind::WrongIndexKind,
                    format!(
                        "index `{}` is a multi-attribute index: query it with `query_index`",
                        index.name()
                    ),
                )
            })?,
            None => (table.partition_key(), table.sort_key()),
        };
        let mut pk_values = keys::partition_keys(schema, &pk_template, &partition)?;
        match pk_values.as_slice() {
            [one] => bounds.require(pk_attr, Bound::Eq(AttributeValue::S(one.clone()))),
            many => bounds.sharded(pk_attr, many.to_vec(), sk_attr),
        }

        p.name(pk_attr, key_condition);
        key_condition.push_str(" = ");
        let at = key_condition.len();
        p.raw_value(AttributeValue::S(pk_values[0].clone()), key_condition);
        let shards = (pk_values.len() > 1).then(|| ShardKeys {
            placeholder: key_condition[at..].to_owned(),
            keys: std::mem::take(&mut pk_values),
            sort_attribute: sk_attr,
        });
        if let (Some(sort), Some(sk_template), Some(sk_attr)) = (&sort, &sk_template, sk_attr) {
            let range = sort_range(
                sort,
                |parts| keys::render_prefix(schema, sk_template, parts, "sort key"),
                sk_template,
            )?;
            self.nothing = range == SortRange::Nothing;
            if let Some(bound) = bound_of(&range) {
                bounds.require(sk_attr, bound);
            }
            let mut condition = String::new();
            if render_range(range, sk_attr, p, &mut condition) {
                key_condition.push_str(" AND ");
                key_condition.push_str(&condition);
            }
        } else if sort.is_some() {
            return Err(Error::invalid(
                InvalidInputKind::QueryShape,
                "a sort-key condition on a key without a sort key",
            ));
        } else if let (Some(sk_template), Some(sk_attr)) = (&sk_template, sk_attr) {
            // No sort condition: still narrow to the entity's fixed sort-key prefix — the
            // one all its layouts on this index share, so none of its items is left out.
            let prefix = keys::shared_sort_prefix(schema, self.index, sk_template);
            if !prefix.is_empty() && only_entity {
                bounds.require(
                    sk_attr,
                    Bound::BeginsWith(AttributeValue::S(prefix.clone())),
                );
                key_condition.push_str(" AND begins_with(");
                p.name(sk_attr, key_condition);
                key_condition.push_str(", ");
                p.raw_value(AttributeValue::S(prefix), key_condition);
                key_condition.push(')');
            }
        }

        Ok(shards)
    }

    /// The cursor binding: everything that decides which items this query reads.
    fn binding(
        &self,
        output: &str,
        key_condition: &str,
        shards: Option<&ShardKeys>,
        p: &Placeholders,
    ) -> Binding {
        let mut identity = Fingerprint::default()
            .add(&self.db.table_name)
            .add(self.index.map_or("", |i| i.name()))
            .add(output)
            .add(key_condition)
            .add(if self.descending { "desc" } else { "asc" });
        if let Some(shards) = shards {
            // Only sharded reads pay for this (queries are hot).
            identity = identity.add(&shards.keys.len().to_string());
        }
        for value in p.fingerprint_values() {
            identity = identity.add(&value);
        }
        Binding {
            fingerprint: identity.finish(),
            key: self.db.cursor_key.clone(),
        }
    }

    /// The attributes of a position: the table's keys, and the index's.
    fn key_attributes(&self) -> Vec<&'static str> {
        let table = self.def.table;
        let mut key_attributes = vec![table.partition_key()];
        key_attributes.extend(table.sort_key());
        if let Some(index) = self.index {
            key_attributes.extend(index.key_attributes().iter().map(|a| a.name));
        }
        key_attributes
    }

    fn prepare(mut self, output: &Described) -> Result<(QuerySpec, Start, Reader), Error> {
        let table = self.def.table;
        if self.consistent_read && self.index.is_some() {
            return Err(Error::invalid(
                InvalidInputKind::ConsistentReadOnIndex,
                "DynamoDB does not support consistent reads on global secondary indexes",
            ));
        }
        let mut p = Placeholders::default();
        let mut key_condition = String::new();
        let mut bounds = KeyBounds::of(table, self.index);
        let shards = match self.native.take() {
            Some(native) => {
                if self.sort.is_some() || self.index.map(|i| i.name()) != Some(native.index.name())
                {
                    return Err(Error::invalid(
                        InvalidInputKind::QueryShape,
                        format!(
                            "a query of multi-attribute index `{}` takes its whole key condition \
                         from `query_index` (`.eq(..)`, `.ge(..)`, …), not `sort_*` or `index`",
                            native.index.name()
                        ),
                    ));
                }
                native.render(&mut p, &mut key_condition, &mut bounds)?;
                None
            }
            None => self.template_key_condition(
                &mut p,
                &mut key_condition,
                output.only.is_some(),
                &mut bounds,
            )?,
        };

        let binding = self.binding(output.name, &key_condition, shards.as_ref(), &p);
        let key_attributes = self.key_attributes();
        let held = IndexHolds::new(table, self.index);
        held.check_filter(self.filter.as_ref())?;
        let type_at_index = held.check_type(output.only, self.def.name(), self.hydrate)?;
        let filter = match (output.only.filter(|_| type_at_index), self.filter) {
            (Some(name), user) => Some(crate::expr::and(
                Node::IsType(table.discriminator(), name),
                user,
            )),
            (None, user) => user,
        };
        let filter = filter
            .map(|node| crate::expr::render_condition(&node, &mut p))
            .transpose()?;
        let hydrate = match self.index {
            Some(index) if self.hydrate => Some(Hydrate {
                table,
                index_keys: index.key_attributes().iter().map(|a| a.name).collect(),
                only: output.only,
            }),
            _ => None,
        };
        // Read repair writes whole items back: not from a projection's partial ones.
        let repair = (self.db.repair_shapes && self.projection.is_empty())
            .then_some((table, output.entities))
            .filter(|(_, entities)| !entities.is_empty());
        let projection = match (&hydrate, self.projection.is_empty()) {
            // The index is read for positions only; the table has the rest.
            (Some(_), _) => Some(held.projection(Vec::new(), &mut p)),
            (None, true) => None,
            (None, false) => Some(held.projection(self.projection, &mut p)),
        };
        let (names, values) = p.into_maps();
        let spec = QuerySpec {
            repair,
            nothing: self.nothing,
            entity: output.only.unwrap_or("*"),
            db: self.db,
            index: self.index.map(|i| i.name()),
            key_condition,
            filter,
            projection,
            names,
            values,
            forward: !self.descending,
            consistent_read: self.consistent_read,
            key_attributes,
            binding,
            bounds,
            shards,
            hydrate,
        };
        let start = match (&spec.shards, &self.after) {
            (Some(_), after) => Start::Shards(merge::start(&spec, after.as_ref())?),
            (None, after) => Start::One(
                after
                    .as_ref()
                    .map(|c| c.decode(&spec.binding, &spec.bounds))
                    .transpose()?,
            ),
        };
        let reader = Reader {
            skip_internal: output.skip_internal.then_some(table.discriminator()),
            limit: self.limit,
            page_size: self.page_size,
        };
        Ok((spec, start, reader))
    }
}

/// What a read through the table or one index can see: every attribute, or the keys and
/// the index's projected attributes.
struct IndexHolds {
    table: &'static crate::TableSchema,
    index: Option<&'static IndexSchema>,
}

impl IndexHolds {
    fn new(table: &'static crate::TableSchema, index: Option<&'static IndexSchema>) -> Self {
        Self { table, index }
    }

    /// Whether reads see attribute `name`.
    fn holds(&self, name: &str) -> bool {
        let Some(index) = self.index else { return true };
        match index.projection() {
            IndexProjection::All => true,
            projection => {
                name == self.table.partition_key()
                    || Some(name) == self.table.sort_key()
                    || index.attribute_type(name).is_some()
                    || projection.included().contains(&name)
            }
        }
    }

    /// A filter reads only attributes the index holds (DynamoDB would find none of the
    /// others and silently drop every item).
    fn check_filter(&self, filter: Option<&Node>) -> Result<(), Error> {
        let mut missing = None;
        if let Some(filter) = filter {
            filter.attributes(&mut |a| {
                if missing.is_none() && !self.holds(a) {
                    missing = Some(a.to_owned());
                }
            });
        }
        match (missing, self.index) {
            (Some(attribute), Some(index)) => Err(Error::invalid(
                InvalidInputKind::NotProjected,
                format!(
                    "the filter reads attribute `{attribute}`, which index `{}` does not \
                     project; include it in the index's projection",
                    index.name()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Whether the entity type is filtered at the index: where the index holds the
    /// discriminator. A keys-only index does not; only a hydrated read (which checks the
    /// type of each fetched item) reads entities through it, and a count cannot.
    fn check_type(
        &self,
        only: Option<&'static str>,
        entity: &'static str,
        hydrated: bool,
    ) -> Result<bool, Error> {
        let discriminator = self.table.discriminator();
        match (only, self.index) {
            (Some(_), Some(_)) if hydrated && !self.holds(discriminator) => Ok(false),
            (Some(_), Some(index)) if !self.holds(discriminator) => Err(Error::invalid_for(
                entity,
                InvalidInputKind::NotProjected,
                format!(
                    "index `{}` projects keys only: it does not hold the discriminator, so its \
                     items cannot be told apart by type; count through the table or an index \
                     that projects more",
                    index.name()
                ),
            )),
            (only, _) => Ok(only.is_some()),
        }
    }

    /// The `ProjectionExpression` naming `attributes` and what every read needs: the keys
    /// of the table and index, and the discriminator where the index holds it.
    fn projection(&self, mut attributes: Vec<&'static str>, p: &mut Placeholders) -> String {
        let table = self.table;
        attributes.extend(
            [Some(table.partition_key()), table.sort_key()]
                .into_iter()
                .flatten(),
        );
        if self.holds(table.discriminator()) {
            attributes.push(table.discriminator());
        }
        if self.holds(crate::SHAPE_ATTRIBUTE) {
            attributes.push(crate::SHAPE_ATTRIBUTE);
        }
        if let Some(index) = self.index {
            attributes.extend(index.key_attributes().iter().map(|a| a.name));
        }
        attributes.sort_unstable();
        attributes.dedup();
        let mut text = String::new();
        for (i, a) in attributes.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            p.name(a, &mut text);
        }
        text
    }
}

/// What `range` says of the sort key, for checking cursors.
fn bound_of(range: &SortRange) -> Option<Bound> {
    let s = |v: &String| AttributeValue::S(v.clone());
    Some(match range {
        SortRange::All | SortRange::Nothing => return None,
        SortRange::Eq(v) => Bound::Eq(s(v)),
        SortRange::Lt(v) => Bound::Lt(s(v)),
        SortRange::Ge(v) => Bound::Ge(s(v)),
        SortRange::Between(low, high) => Bound::Between(s(low), s(high)),
        SortRange::BeginsWith(v) => Bound::BeginsWith(s(v)),
    })
}

/// Writes the sort-key condition for `range`; `false` when there is none to write.
fn render_range(
    range: SortRange,
    attr: &'static str,
    p: &mut Placeholders,
    out: &mut String,
) -> bool {
    let (op, v) = match range {
        SortRange::All | SortRange::Nothing => return false,
        SortRange::Eq(v) => (" = ", v),
        SortRange::Lt(v) => (" < ", v),
        SortRange::Ge(v) => (" >= ", v),
        SortRange::BeginsWith(v) => {
            out.push_str("begins_with(");
            p.name(attr, out);
            out.push_str(", ");
            p.raw_value(AttributeValue::S(v), out);
            out.push(')');
            return true;
        }
        SortRange::Between(low, high) => {
            p.name(attr, out);
            out.push_str(" BETWEEN ");
            p.raw_value(AttributeValue::S(low), out);
            out.push_str(" AND ");
            p.raw_value(AttributeValue::S(high), out);
            return true;
        }
    };
    p.name(attr, out);
    out.push_str(op);
    p.raw_value(AttributeValue::S(v), out);
    true
}

/// A validated, rendered query; sends one request per page.
pub(crate) struct QuerySpec {
    db: Arc<Inner>,
    /// No key can match: every page is empty, and nothing is sent.
    nothing: bool,
    entity: &'static str,
    index: Option<&'static str>,
    key_condition: String,
    filter: Option<String>,
    projection: Option<String>,
    names: Option<crate::expr::Names>,
    values: Option<crate::expr::Values>,
    forward: bool,
    consistent_read: bool,
    key_attributes: Vec<&'static str>,
    binding: Binding,
    /// The positions this query can produce: what a cursor is checked against.
    bounds: KeyBounds,
    /// A sharded partition: every shard's key, queried and merged.
    shards: Option<ShardKeys>,
    /// Each page's items fetched from the table ([`Query::hydrate`]).
    hydrate: Option<Hydrate>,
    /// Read repair: the table and the entity types whose items of an earlier shape each
    /// page writes back.
    repair: Option<(&'static crate::TableSchema, &'static [crate::EntitySchema])>,
}

/// The partition keys of a sharded partition, and the placeholder the key condition names
/// them by.
struct ShardKeys {
    placeholder: String,
    keys: Vec<String>,
    sort_attribute: Option<&'static str>,
}

/// Where a read starts: one position, or one per shard.
enum Start {
    One(Option<Item>),
    Shards(merge::Start),
}

/// The pages of a prepared query: one partition's, or its shards' merged.
fn read_pages(
    spec: QuerySpec,
    start: Start,
    reader: Reader,
) -> BoxStream<'static, Result<Page<Item>, Error>> {
    match start {
        Start::One(key) => page::pages(Arc::new(spec), key, reader).boxed(),
        Start::Shards(start) => merge::pages(Arc::new(spec), start, reader).boxed(),
    }
}

impl QuerySpec {
    fn request(
        &self,
        shard: usize,
        start: Option<Item>,
        limit: Option<i32>,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let values = match &self.shards {
            Some(shards) => self.values.clone().map(|mut values| {
                if let Some(key) = shards.keys.get(shard) {
                    values.insert(shards.placeholder.clone(), AttributeValue::S(key.clone()));
                }
                values
            }),
            None => self.values.clone(),
        };
        self.db
            .client
            .query()
            .table_name(&self.db.table_name)
            .set_index_name(self.index.map(str::to_owned))
            .key_condition_expression(&self.key_condition)
            .set_filter_expression(self.filter.clone())
            .set_projection_expression(self.projection.clone())
            .set_expression_attribute_names(self.names.clone())
            .set_expression_attribute_values(values)
            .scan_index_forward(self.forward)
            .consistent_read(self.consistent_read)
            .set_limit(limit)
            .set_exclusive_start_key(start)
            .set_return_consumed_capacity(self.db.capacity_mode())
    }
}

impl QuerySpec {
    /// One page of shard `shard` (of the only partition when unsharded).
    async fn fetch_shard(
        &self,
        shard: usize,
        start: Option<Item>,
        limit: Option<i32>,
    ) -> Result<RawPage, Error> {
        if self.nothing {
            return Ok(RawPage {
                items: Vec::new(),
                last_key: None,
            });
        }
        let output = pin!(self.request(shard, start, limit).send())
            .observed(&self.db, Call::new("Query", self.entity).index(self.index))
            .await
            .map_err(|e| crate::error::service("Query", e))?;
        Ok(RawPage {
            items: output.items.unwrap_or_default(),
            last_key: output.last_evaluated_key,
        })
    }

    /// How many items of shard `shard` match from `start` on and sort after a merged read's
    /// `mark` (as its pages would return them), counted by DynamoDB.
    async fn count_shard(
        &self,
        shard: usize,
        mut start: Option<Item>,
        mark: Option<&Mark>,
    ) -> Result<usize, Error> {
        let behind = match mark {
            Some(mark) => self.count_behind(shard, start.clone(), mark).await?,
            None => 0,
        };
        let mut total = 0usize;
        loop {
            let output = pin!(
                self.request(shard, start.take(), None)
                    .select(Select::Count)
                    .send()
            )
            .observed(&self.db, Call::new("Query", self.entity).index(self.index))
            .await
            .map_err(|e| crate::error::service("Query", e))?;
            total += usize::try_from(output.count).unwrap_or_default();
            match output.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(total.saturating_sub(behind)),
            }
        }
    }
}

impl QuerySpec {
    /// How many of what shard `shard` holds from `start` on sort at or before a merged
    /// read's `mark` (inserted behind the read; its pages drop them): they come first in
    /// the shard's order, so the shard is read until an item past the mark. DynamoDB takes
    /// no filter on key attributes, so a count cannot leave them out itself.
    async fn count_behind(
        &self,
        shard: usize,
        mut start: Option<Item>,
        mark: &Mark,
    ) -> Result<usize, Error> {
        const PAGE: i32 = 25;
        let sort = self.shards.as_ref().and_then(|s| s.sort_attribute);
        let mut behind = 0;
        loop {
            let page = self.fetch_shard(shard, start.take(), Some(PAGE)).await?;
            for item in &page.items {
                if !mark.covers(merge::sort_value(item, sort), shard, self.forward) {
                    return Ok(behind);
                }
                behind += 1;
            }
            match page.last_key {
                Some(key) => start = Some(key),
                None => return Ok(behind),
            }
        }
    }
}

impl QuerySpec {
    /// One page of results of shard `shard`: the index page, hydrated when asked.
    async fn fetch_results(
        &self,
        shard: usize,
        start: Option<Item>,
        limit: Option<i32>,
    ) -> Result<RawPage, Error> {
        let page = self.fetch_shard(shard, start, limit).await?;
        let page = match &self.hydrate {
            Some(hydrate) => hydrate.page(&self.db, page).await?,
            None => page,
        };
        if let Some((table, entities)) = self.repair {
            let entities: Vec<_> = entities.iter().collect();
            crate::repair::page(&self.db, table, &entities, &page.items).await;
        }
        Ok(page)
    }
}

impl Fetch for QuerySpec {
    async fn fetch(&self, start: Option<Item>, limit: Option<i32>) -> Result<RawPage, Error> {
        self.fetch_results(0, start, limit).await
    }

    fn key_attributes(&self) -> &[&'static str] {
        &self.key_attributes
    }

    fn binding(&self) -> &Binding {
        &self.binding
    }
}

impl Shards for QuerySpec {
    fn count(&self) -> usize {
        self.shards.as_ref().map_or(1, |s| s.keys.len())
    }

    async fn fetch(
        &self,
        shard: usize,
        start: Option<Item>,
        limit: Option<i32>,
    ) -> Result<RawPage, Error> {
        self.fetch_results(shard, start, limit).await
    }

    fn key_attributes(&self) -> &[&'static str] {
        &self.key_attributes
    }

    fn sort_attribute(&self) -> Option<&'static str> {
        self.shards.as_ref().and_then(|s| s.sort_attribute)
    }

    fn forward(&self) -> bool {
        self.forward
    }

    fn binding(&self) -> &Binding {
        &self.binding
    }

    fn bounds(&self) -> &KeyBounds {
        &self.bounds
    }
}

impl<E, T, S> std::fmt::Debug for Query<E, T, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key values are left out: keys can hold personal data.
        let core = &self.core;
        f.debug_struct("Query")
            .field("entity", &core.def.name())
            .field("table", &core.db.table_name)
            .field("index", &core.index.map(|i| i.name()))
            .field("descending", &core.descending)
            .field("limit", &core.limit)
            .finish_non_exhaustive()
    }
}
