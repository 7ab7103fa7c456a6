//! Test backends and per-test tables.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use dynamorm::{Db, Error, InvalidInputKind};
use dynamorm_entities::{Tracker, TrackerItem};
use dynamorm_local::LocalServer;

/// The kind of an [`Error::InvalidInput`] (refused, nothing sent); `None` for any other
/// error. Tests match on it, never on a message.
pub(crate) fn invalid_kind(err: &Error) -> Option<InvalidInputKind> {
    match err {
        Error::InvalidInput(e) => Some(e.kind()),
        _ => None,
    }
}

/// [`invalid_kind`] of a result's error; `None` for a success.
pub(crate) fn refused<T>(result: &Result<T, Error>) -> Option<InvalidInputKind> {
    result.as_ref().err().and_then(invalid_kind)
}

/// The DynamoDB-compatible server a test runs against.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Backend {
    /// dynoxide, in-process.
    Embedded,
    /// AWS's DynamoDB Local, at `DYNAMORM_DDB_LOCAL_ENDPOINT`.
    DdbLocal,
}

/// A table of its own for one test, on one backend.
pub(crate) struct TestTable {
    pub(crate) db: Db<Tracker>,
    /// The embedded server (kept alive for the test's duration), if that is the backend.
    pub(crate) server: Option<LocalServer>,
}

/// A table name no other test (or earlier run against the same server) uses.
pub(crate) fn unique_name(test: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{test}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A client for `backend`, and the embedded server behind it if any.
pub(crate) fn client(backend: Backend) -> (aws_sdk_dynamodb::Client, Option<LocalServer>) {
    match backend {
        Backend::Embedded => {
            let server = LocalServer::start().expect("embedded server starts");
            (server.client(), Some(server))
        }
        Backend::DdbLocal => {
            let endpoint = std::env::var("DYNAMORM_DDB_LOCAL_ENDPOINT").expect(
                "DYNAMORM_DDB_LOCAL_ENDPOINT is not set: run the tests with `bash scripts/test.sh`, \
                 which starts DynamoDB Local, or start it with `scripts/ddb-local.sh start`",
            );
            let client =
                aws_sdk_dynamodb::Client::from_conf(dynamorm_local::loopback_config(&endpoint));
            (client, None)
        }
    }
}

/// Creates a fresh `Tracker` table for `test` on `backend`.
pub(crate) async fn table(backend: Backend, test: &str) -> TestTable {
    let (client, server) = client(backend);
    // As an application would: the handle knows the table's entity types, so batches of
    // types whose keys cannot collide go without the entity-type guard.
    let db =
        Db::<Tracker>::with_table_name(client, unique_name(test)).with_registry::<TrackerItem>();
    db.create_table().await.expect("table is created");
    TestTable { db, server }
}

/// Writes items of any entity type, a few requests at a time.
pub(crate) async fn seed(db: &Db<Tracker>, items: impl IntoIterator<Item = TrackerItem>) {
    use futures::StreamExt;
    futures::stream::iter(items)
        .for_each_concurrent(8, |item| async move {
            let result = match &item {
                TrackerItem::Tenant(e) => db.put(e).send().await,
                TrackerItem::User(e) => db.put(e).send().await,
                TrackerItem::Project(e) => db.put(e).send().await,
                TrackerItem::Task(e) => db.put(e).send().await,
                TrackerItem::Comment(e) => db.put(e).send().await,
                TrackerItem::Session(e) => db.put(e).send().await,
            };
            result.expect("seed put");
        })
        .await;
}

/// A table reached through a fault-injecting proxy (the SDK's own retries are off, so the
/// library's retry logic is what is tested).
pub(crate) struct FaultyTable<T = Tracker> {
    pub(crate) db: Db<T>,
    /// The same table without faults, to check what really happened.
    pub(crate) direct: Db<T>,
    pub(crate) proxy: dynamorm_local::FaultProxy,
    _server: Option<LocalServer>,
}

pub(crate) async fn faulty_table(
    backend: Backend,
    test: &str,
    config: dynamorm_local::FaultConfig,
) -> FaultyTable {
    let mut t = faulty_table_of::<Tracker>(backend, test, config).await;
    t.db = t.db.with_registry::<TrackerItem>();
    t.direct = t.direct.with_registry::<TrackerItem>();
    t
}

/// [`faulty_table`] for any table type.
pub(crate) async fn faulty_table_of<T: dynamorm::Table>(
    backend: Backend,
    test: &str,
    config: dynamorm_local::FaultConfig,
) -> FaultyTable<T> {
    faulty_table_with(backend, test, |endpoint| {
        dynamorm_local::FaultProxy::start(endpoint, config).expect("proxy starts")
    })
    .await
}

/// [`faulty_table_of`] behind a proxy `start` makes for the server's endpoint (e.g. one
/// with partition limits).
pub(crate) async fn faulty_table_with<T: dynamorm::Table>(
    backend: Backend,
    test: &str,
    start: impl FnOnce(&str) -> dynamorm_local::FaultProxy,
) -> FaultyTable<T> {
    let (direct_client, server) = client(backend);
    let endpoint = match (&server, backend) {
        (Some(s), _) => s.endpoint(),
        (None, _) => std::env::var("DYNAMORM_DDB_LOCAL_ENDPOINT").expect("endpoint"),
    };
    let proxy = start(&endpoint);
    let name = unique_name(test);
    let direct = Db::<T>::with_table_name(direct_client, name.clone());
    direct.create_table().await.expect("table is created");
    let no_sdk_retries = proxy
        .sdk_config()
        .to_builder()
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    let db = Db::<T>::with_table_name(aws_sdk_dynamodb::Client::from_conf(no_sdk_retries), name);
    FaultyTable {
        db,
        direct,
        proxy,
        _server: server,
    }
}

/// A tenant with the fields the library maintains (version, timestamps) cleared, to
/// compare what the caller controls.
pub(crate) fn caller_fields(mut tenant: dynamorm_entities::Tenant) -> dynamorm_entities::Tenant {
    tenant.version = 0;
    tenant.created_at = dynamorm_entities::sample::epoch();
    tenant.updated_at = None;
    tenant
}

/// Writes `item` exactly as given, with the raw SDK (what another tool or a corrupted
/// write could leave).
pub(crate) async fn put_raw<T: dynamorm::Table>(db: &Db<T>, item: dynamorm::Item) {
    db.client()
        .put_item()
        .table_name(db.table_name())
        .set_item(Some(item))
        .send()
        .await
        .expect("raw put");
}

/// Every raw item of the table (all pages, strongly consistent), sentinels included.
pub(crate) async fn scan_raw<T: dynamorm::Table>(db: &Db<T>) -> Vec<dynamorm::Item> {
    let mut items = Vec::new();
    let mut start: Option<dynamorm::Item> = None;
    loop {
        let out = db
            .client()
            .scan()
            .table_name(db.table_name())
            .consistent_read(true)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .expect("raw scan");
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return items,
        }
    }
}

/// A client for `backend` that counts the requests it sends (and the embedded server
/// behind it, if any).
pub(crate) fn counting_client(
    backend: Backend,
) -> (
    aws_sdk_dynamodb::Client,
    Option<LocalServer>,
    OperationCounter,
) {
    let (client, server) = client(backend);
    let counter = OperationCounter::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        client
            .config()
            .to_builder()
            .interceptor(counter.clone())
            .build(),
    );
    (client, server, counter)
}

/// Counts the requests a client sends, by operation (the `X-Amz-Target` suffix): add it as
/// an SDK interceptor to see what a library call really sent.
#[derive(Debug, Default, Clone)]
pub(crate) struct OperationCounter(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, u64>>>,
);

impl OperationCounter {
    /// How many `operation` requests were sent.
    pub(crate) fn get(&self, operation: &str) -> u64 {
        self.0
            .lock()
            .map(|m| m.get(operation).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Every count so far.
    pub(crate) fn snapshot(&self) -> std::collections::HashMap<String, u64> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// The operation a request is for (the `X-Amz-Target` suffix, e.g. `UpdateItem`).
pub(crate) fn operation_of<'a>(
    context: &'a aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
) -> &'a str {
    context
        .request()
        .headers()
        .get("x-amz-target")
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or("?")
}

impl aws_sdk_dynamodb::config::Intercept for OperationCounter {
    fn name(&self) -> &'static str {
        "harness::OperationCounter"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &aws_sdk_dynamodb::config::RuntimeComponents,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let operation = operation_of(context).to_owned();
        if let Ok(mut counts) = self.0.lock() {
            *counts.entry(operation).or_default() += 1;
        }
        Ok(())
    }
}

/// Stops a migration once it has scanned `n` items: pass the first to `on_progress`, the
/// second to `stop_on` (an interrupted run, to resume from its checkpoint).
pub(crate) fn stop_after_scanned(
    n: u64,
) -> (
    impl Fn(&dynamorm::migrate::Progress) + Send + Sync + 'static,
    impl std::future::Future<Output = ()> + Send + 'static,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let stop = std::sync::Mutex::new(Some(stop));
    let on_progress = move |p: &dynamorm::migrate::Progress| {
        if p.scanned >= n
            && let Some(tx) = stop.lock().ok().and_then(|mut s| s.take())
        {
            let _ = tx.send(());
        }
    };
    (on_progress, async move {
        let _ = stopped.await;
    })
}
