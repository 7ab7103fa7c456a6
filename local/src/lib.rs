//! An embedded, in-process DynamoDB-compatible server for examples and tests.
//!
//! `dynamorm-local` runs [dynoxide](https://crates.io/crates/dynoxide-rs) (an SQLite-backed
//! DynamoDB emulator) on a loopback port in a background thread and hands back an
//! `aws-sdk-dynamodb` client pointed at it. Everything still goes through the real SDK and
//! the real HTTP wire protocol, so what works here is what your application sends to AWS.
//!
//! It lives in its own crate so that the `dynamorm` library never compiles SQLite into your
//! Lambda: add it as a dev-dependency.
//!
//! ```
//! # fn main() -> Result<(), dynamorm_local::LocalError> {
//! let server = dynamorm_local::LocalServer::start()?;
//! let client = server.client();
//! assert!(server.endpoint().starts_with("http://127.0.0.1:"));
//! # drop(client);
//! # Ok(()) }
//! ```
//!
//! Differences from AWS that matter in tests: global secondary indexes are updated
//! synchronously (AWS is eventually consistent), TTL expiry happens only on an explicit sweep,
//! and a page that exactly fills `Limit` still carries a `LastEvaluatedKey`.

mod faults;
mod partition_limits;

pub use faults::{FaultConfig, FaultProxy, FaultStats};
pub use partition_limits::PartitionLimit;

use std::net::SocketAddr;
use std::sync::{Arc, mpsc};
use std::thread;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

/// Why the embedded server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalError {
    /// The database (in memory, or a file) could not be opened.
    #[error("could not open the database: {0}")]
    Database(String),
    /// No loopback port could be bound, or the server thread could not start.
    #[error("could not start the embedded server: {0}")]
    Io(#[from] std::io::Error),
    /// The server thread stopped before it reported its address.
    #[error("the embedded server thread stopped during start-up")]
    Startup,
}

/// A running embedded DynamoDB server on `127.0.0.1`.
///
/// Each server has its own empty in-memory database. It shuts down once it and every client
/// made from it ([`LocalServer::client`], [`LocalServer::sdk_config`], and their clones)
/// are dropped: a client keeps its server alive, so `let (client, _) = connect().await?`
/// works.
pub struct LocalServer {
    addr: SocketAddr,
    running: Arc<Running>,
    database: dynoxide::Database,
}

/// The server thread's stop signal, sent when the last holder goes.
#[derive(Debug)]
struct Running(std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>);

impl Drop for Running {
    fn drop(&mut self) {
        let sender = self.0.get_mut().ok().and_then(Option::take);
        if let Some(tx) = sender {
            // The server thread may already be gone; nothing to do then.
            let _ = tx.send(());
        }
    }
}

/// An interceptor that does nothing but hold the server: SDK clients keep their
/// configuration's interceptors for as long as any clone of them lives.
#[derive(Debug)]
struct KeepAlive(#[allow(dead_code)] Arc<Running>);

impl aws_sdk_dynamodb::config::Intercept for KeepAlive {
    fn name(&self) -> &'static str {
        "dynamorm_local::KeepAlive"
    }
}

impl std::fmt::Debug for LocalServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl LocalServer {
    /// Starts a server with a fresh in-memory database on a free loopback port.
    ///
    /// The server runs on its own thread and runtime, so it can be started from synchronous
    /// code, from any async runtime flavour, and outlives the caller's runtime until dropped.
    pub fn start() -> Result<Self, LocalError> {
        let database =
            dynoxide::Database::memory().map_err(|e| LocalError::Database(e.to_string()))?;
        Self::serve_database(database)
    }

    /// Starts a server whose database is the SQLite file at `path` (created when absent):
    /// for data larger than memory should hold, e.g. to measure a client's memory apart
    /// from the table's.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), dynamorm_local::LocalError> {
    /// let dir = std::env::temp_dir().join("dynamorm-import");
    /// std::fs::create_dir_all(&dir)?;
    /// let server = dynamorm_local::LocalServer::start_on_disk(&dir.join("table.db"))?;
    /// # drop(server); Ok(()) }
    /// ```
    pub fn start_on_disk(path: &std::path::Path) -> Result<Self, LocalError> {
        let path = path
            .to_str()
            .ok_or_else(|| LocalError::Database("the path is not UTF-8".into()))?;
        let database =
            dynoxide::Database::new(path).map_err(|e| LocalError::Database(e.to_string()))?;
        Self::serve_database(database)
    }

    fn serve_database(database: dynoxide::Database) -> Result<Self, LocalError> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), std::io::Error>>();
        let db = database.clone();
        thread::Builder::new()
            .name(format!("dynamorm-local-{}", addr.port()))
            .spawn(move || serve(listener, db, shutdown_rx, ready_tx))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self {
                addr,
                running: Arc::new(Running(std::sync::Mutex::new(Some(shutdown_tx)))),
                database,
            }),
            Ok(Err(e)) => Err(LocalError::Io(e)),
            Err(_) => Err(LocalError::Startup),
        }
    }

    /// The server's address, e.g. `127.0.0.1:41234`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint URL to give an SDK client, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client configured for this server with dummy credentials and region, so the SDK
    /// never looks for real credentials or probes the network.
    pub fn client(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::from_conf(self.sdk_config())
    }

    /// The SDK configuration behind [`LocalServer::client`], to adjust (e.g. retries) before
    /// building your own client.
    pub fn sdk_config(&self) -> aws_sdk_dynamodb::Config {
        loopback_config(&self.endpoint())
            .to_builder()
            .interceptor(KeepAlive(Arc::clone(&self.running)))
            .build()
    }

    /// Deletes items whose TTL attribute lies in the past and returns how many were deleted.
    ///
    /// The embedded engine never expires items on its own; tests of TTL call this.
    pub fn sweep_ttl(&self) -> Result<usize, LocalError> {
        self.database
            .sweep_ttl()
            .map_err(|e| LocalError::Database(e.to_string()))
    }
}

/// Where a program's DynamoDB requests go, chosen from the environment by [`connect`].
#[derive(Debug)]
pub enum Target {
    /// The embedded engine, started in-process (kept alive by this value and by every
    /// client made from it).
    Embedded(LocalServer),
    /// A server from the standard AWS configuration: real DynamoDB, or the server at
    /// `AWS_ENDPOINT_URL` (such as DynamoDB Local).
    Remote,
}

/// A client chosen from the environment, the way the examples pick their server:
///
/// - `AWS_ENDPOINT_URL` set (e.g. `http://127.0.0.1:8000` for DynamoDB Local), or
///   `DYNAMORM_TARGET=aws`: the standard AWS configuration chain (credentials, region,
///   endpoint) from `aws-config`;
/// - otherwise: a fresh embedded server, with no set-up at all.
///
/// ```no_run
/// # async fn run() -> Result<(), dynamorm_local::LocalError> {
/// let (client, target) = dynamorm_local::connect().await?;
/// println!("talking to {target:?}");
/// # drop(client); Ok(()) }
/// ```
pub async fn connect() -> Result<(aws_sdk_dynamodb::Client, Target), LocalError> {
    let remote = std::env::var_os("AWS_ENDPOINT_URL").is_some()
        || std::env::var("DYNAMORM_TARGET").is_ok_and(|t| t == "aws");
    if remote {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        return Ok((aws_sdk_dynamodb::Client::new(&config), Target::Remote));
    }
    let server = LocalServer::start()?;
    Ok((server.client(), Target::Embedded(server)))
}

/// An SDK configuration for a DynamoDB-compatible server at `endpoint` (such as DynamoDB
/// Local), with dummy credentials and the `us-east-1` region.
///
/// ```
/// let config = dynamorm_local::loopback_config("http://127.0.0.1:8000");
/// let client = aws_sdk_dynamodb::Client::from_conf(config);
/// # drop(client);
/// ```
pub fn loopback_config(endpoint: &str) -> aws_sdk_dynamodb::Config {
    aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "test",
            "test",
            None,
            None,
            "dynamorm-local",
        ))
        .endpoint_url(endpoint)
        .build()
}

fn serve(
    listener: std::net::TcpListener,
    db: dynoxide::Database,
    shutdown: tokio::sync::oneshot::Receiver<()>,
    ready: mpsc::Sender<Result<(), std::io::Error>>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        let stop = async {
            let _ = shutdown.await;
        };
        // A server error after start-up has nobody to report to; the client sees refused
        // connections, which is the honest symptom.
        let _ = dynoxide::server::serve_with_shutdown(listener, db, stop).await;
    });
}
