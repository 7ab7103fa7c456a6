//! [`FaultProxy`]: a loopback HTTP proxy in front of a DynamoDB-compatible server that
//! injects the failures real DynamoDB produces under load and local servers never do:
//! unprocessed batch items and keys, throttling errors, and dropped connections.
//!
//! ```no_run
//! # fn main() -> Result<(), dynamorm_local::LocalError> {
//! use dynamorm_local::{FaultConfig, FaultProxy, LocalServer};
//! let server = LocalServer::start()?;
//! let proxy = FaultProxy::start(&server.endpoint(), FaultConfig {
//!     seed: 7,
//!     unprocessed: 0.3,
//!     throttle: 0.1,
//!     drop_connection: 0.02,
//! })?;
//! let client = proxy.client(); // requests now fail the way DynamoDB's do under load
//! # drop(client); Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::LocalError;
use crate::partition_limits::{self, Kind, PartitionLimit, Partitions};

/// Which faults to inject, with what probability (0.0 to 1.0), from which seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultConfig {
    /// Seeds the random choices, so a run can be repeated.
    pub seed: u64,
    /// For each item of a BatchWriteItem and each key of a BatchGetItem: the chance it is
    /// not forwarded but returned as unprocessed.
    pub unprocessed: f64,
    /// For each request: the chance it is answered `ProvisionedThroughputExceededException`
    /// without reaching the server.
    pub throttle: f64,
    /// For each request: the chance the connection is closed without an answer, after the
    /// request has (or has not — chosen at random) reached the server.
    pub drop_connection: f64,
}

/// How many faults a proxy injected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// Requests seen.
    pub requests: u64,
    /// Batch items and keys returned as unprocessed.
    pub unprocessed: u64,
    /// Requests answered with a throttling error.
    pub throttled: u64,
    /// Connections dropped.
    pub dropped: u64,
    /// Requests, batch items and keys refused by a [`PartitionLimit`] (not counted in
    /// `throttled` or `unprocessed`).
    pub partition_throttled: u64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    unprocessed: AtomicU64,
    throttled: AtomicU64,
    dropped: AtomicU64,
    partition_throttled: AtomicU64,
}

struct Shared {
    upstream: SocketAddr,
    config: FaultConfig,
    partitions: Option<Partitions>,
    rng: Mutex<fastrand::Rng>,
    counters: Counters,
}

impl Shared {
    fn chance(&self, p: f64) -> bool {
        p > 0.0 && self.rng.lock().map(|mut r| r.f64() < p).unwrap_or(false)
    }
}

/// A running fault-injecting proxy on `127.0.0.1`; it stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy")
            .field("addr", &self.addr)
            .field("config", &self.shared.config)
            .finish()
    }
}

impl FaultProxy {
    /// Starts a proxy for the server at `upstream` (an `http://127.0.0.1:PORT` endpoint).
    pub fn start(upstream: &str, config: FaultConfig) -> Result<Self, LocalError> {
        Self::launch(upstream, config, None)
    }

    /// Starts a proxy that also throttles each partition past `limit`, as DynamoDB does
    /// (see [`PartitionLimit`] for what each request costs).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), dynamorm_local::LocalError> {
    /// use dynamorm_local::{FaultConfig, FaultProxy, LocalServer, PartitionLimit};
    /// let server = LocalServer::start()?;
    /// let none = FaultConfig { seed: 1, unprocessed: 0.0, throttle: 0.0, drop_connection: 0.0 };
    /// let proxy = FaultProxy::start_limited(&server.endpoint(), none, PartitionLimit::dynamodb("PK"))?;
    /// # drop(proxy); Ok(()) }
    /// ```
    pub fn start_limited(
        upstream: &str,
        config: FaultConfig,
        limit: PartitionLimit,
    ) -> Result<Self, LocalError> {
        Self::launch(upstream, config, Some(limit))
    }

    fn launch(
        upstream: &str,
        config: FaultConfig,
        limit: Option<PartitionLimit>,
    ) -> Result<Self, LocalError> {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .map_err(|_| {
                LocalError::Io(std::io::Error::other("upstream must be http://IP:PORT"))
            })?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            config,
            partitions: limit.map(Partitions::new),
            rng: Mutex::new(fastrand::Rng::with_seed(config.seed)),
            counters: Counters::default(),
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name(format!("dynamorm-faults-{}", addr.port()))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let listener = match TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    let mut rx = rx;
                    loop {
                        tokio::select! {
                            _ = &mut rx => break,
                            accepted = listener.accept() => {
                                if let Ok((socket, _)) = accepted {
                                    tokio::spawn(serve(socket, Arc::clone(&thread_shared)));
                                }
                            }
                        }
                    }
                });
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self {
                addr,
                shared,
                shutdown: Some(tx),
            }),
            Ok(Err(e)) => Err(LocalError::Io(e)),
            Err(_) => Err(LocalError::Startup),
        }
    }

    /// The proxy's endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client that sends through the proxy (dummy credentials, `us-east-1`).
    pub fn client(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::from_conf(self.sdk_config())
    }

    /// The SDK configuration behind [`FaultProxy::client`], e.g. to turn the SDK's own
    /// retries off so that only yours are exercised.
    pub fn sdk_config(&self) -> aws_sdk_dynamodb::Config {
        crate::loopback_config(&self.endpoint())
    }

    /// The faults injected so far.
    pub fn stats(&self) -> FaultStats {
        let c = &self.shared.counters;
        FaultStats {
            requests: c.requests.load(Ordering::Relaxed),
            unprocessed: c.unprocessed.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            partition_throttled: c.partition_throttled.load(Ordering::Relaxed),
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// An HTTP/1.1 message: head lines and body.
struct Message {
    start: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn write(&self) -> Vec<u8> {
        let mut out = format!("{}\r\n", self.start);
        for (name, value) in &self.headers {
            let skip = [
                "content-length",
                "transfer-encoding",
                "x-amz-crc32",
                "connection",
            ];
            if !skip.iter().any(|s| name.eq_ignore_ascii_case(s)) {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        out.push_str(&format!("content-length: {}\r\n\r\n", self.body.len()));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

async fn read_message(stream: &mut TcpStream, buf: &mut Vec<u8>, request: bool) -> Option<Message> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let parsed = if request {
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(buf) {
                Ok(httparse::Status::Complete(n)) => Some((
                    n,
                    format!(
                        "{} {} HTTP/1.1",
                        req.method.unwrap_or("POST"),
                        req.path.unwrap_or("/")
                    ),
                    collect(req.headers),
                )),
                Ok(httparse::Status::Partial) => None,
                Err(_) => return None,
            }
        } else {
            let mut res = httparse::Response::new(&mut headers);
            match res.parse(buf) {
                Ok(httparse::Status::Complete(n)) => Some((
                    n,
                    format!(
                        "HTTP/1.1 {} {}",
                        res.code.unwrap_or(500),
                        res.reason.unwrap_or("")
                    ),
                    collect(res.headers),
                )),
                Ok(httparse::Status::Partial) => None,
                Err(_) => return None,
            }
        };
        if let Some((head_len, start, headers)) = parsed {
            let length = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buf.len() < head_len + length {
                if read_more(stream, buf).await? == 0 {
                    return None;
                }
            }
            let body = buf[head_len..head_len + length].to_vec();
            buf.drain(..head_len + length);
            return Some(Message {
                start,
                headers,
                body,
            });
        }
        if read_more(stream, buf).await? == 0 {
            return None;
        }
    }
}

fn collect(headers: &[httparse::Header<'_>]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect()
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<usize> {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await.ok()?;
    buf.extend_from_slice(&chunk[..n]);
    Some(n)
}

async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let mut buf = Vec::new();
    while let Some(request) = read_message(&mut client, &mut buf, true).await {
        shared.counters.requests.fetch_add(1, Ordering::Relaxed);
        let target = request.header("x-amz-target").unwrap_or("").to_owned();
        let config = shared.config;
        if shared.chance(config.drop_connection) {
            shared.counters.dropped.fetch_add(1, Ordering::Relaxed);
            // Half the drops happen after the server applied the request.
            if shared.chance(0.5) {
                let _ = forward(&shared, &request).await;
            }
            return;
        }
        if shared.chance(config.throttle) {
            shared.counters.throttled.fetch_add(1, Ordering::Relaxed);
            if respond(&mut client, 400, &throughput_exceeded("injected"))
                .await
                .is_err()
            {
                return;
            }
            continue;
        }
        let operation = target.rsplit('.').next().unwrap_or_default();
        let response = match (operation, &shared.partitions) {
            ("BatchWriteItem" | "BatchGetItem", _) => {
                batch_with_unprocessed(&shared, request, operation == "BatchWriteItem").await
            }
            (_, Some(partitions)) => match single(partitions, operation, &request) {
                Admission::Throttle => {
                    shared
                        .counters
                        .partition_throttled
                        .fetch_add(1, Ordering::Relaxed);
                    let body = throughput_exceeded("over its partition's limit");
                    if respond(&mut client, 400, &body).await.is_err() {
                        return;
                    }
                    continue;
                }
                Admission::Forward => forward(&shared, &request).await,
                Admission::ChargeRead(partition, consistent) => {
                    let response = forward(&shared, &request).await;
                    if let Some(r) = &response {
                        let units = partition_limits::read_units(r.body.len(), consistent);
                        partitions.charge(&partition, Kind::Read, units);
                    }
                    response
                }
            },
            _ => forward(&shared, &request).await,
        };
        match response {
            Some(response) => {
                if client.write_all(&response.write()).await.is_err() {
                    return;
                }
            }
            None => return,
        }
    }
}

fn throughput_exceeded(why: &str) -> Value {
    json!({
        "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "message": format!("{why} (dynamorm-local's FaultProxy)")
    })
}

/// What a partition limit does with a single-item request or a query.
enum Admission {
    Forward,
    Throttle,
    /// Forward, then charge the partition for what was read.
    ChargeRead(String, bool),
}

fn single(partitions: &Partitions, operation: &str, request: &Message) -> Admission {
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return Admission::Forward;
    };
    let consistent = body.get("ConsistentRead") == Some(&Value::Bool(true));
    let (partition, kind, units) = match operation {
        "PutItem" => match body.get("Item") {
            Some(item) => (
                partitions.partition_of(item),
                Kind::Write,
                partition_limits::write_units(item),
            ),
            None => return Admission::Forward,
        },
        "UpdateItem" | "DeleteItem" => (
            body.get("Key").and_then(|k| partitions.partition_of(k)),
            Kind::Write,
            1.0,
        ),
        "GetItem" => (
            body.get("Key").and_then(|k| partitions.partition_of(k)),
            Kind::Read,
            partition_limits::read_units(0, consistent),
        ),
        "Query" => {
            return match partitions.queried_partition(&body) {
                Some(p) if partitions.open(&p, Kind::Read) => Admission::ChargeRead(p, consistent),
                Some(_) => Admission::Throttle,
                None => Admission::Forward,
            };
        }
        _ => return Admission::Forward,
    };
    match partition {
        Some(p) if !partitions.take(&p, kind, units) => Admission::Throttle,
        _ => Admission::Forward,
    }
}

/// Whether a batch entry's partition can pay for it (always, without limits).
fn batch_entry_paid(shared: &Shared, entry: &Value, write: bool) -> bool {
    let Some(partitions) = &shared.partitions else {
        return true;
    };
    let (target, units, kind) = if write {
        match (entry.get("PutRequest"), entry.get("DeleteRequest")) {
            (Some(put), _) => (
                put.get("Item"),
                put.get("Item").map_or(1.0, partition_limits::write_units),
                Kind::Write,
            ),
            (None, Some(delete)) => (delete.get("Key"), 1.0, Kind::Write),
            (None, None) => (None, 0.0, Kind::Write),
        }
    } else {
        (
            Some(entry),
            partition_limits::read_units(0, false),
            Kind::Read,
        )
    };
    match target.and_then(|t| partitions.partition_of(t)) {
        Some(p) => partitions.take(&p, kind, units),
        None => true,
    }
}

async fn respond(client: &mut TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    let message = Message {
        start: format!(
            "HTTP/1.1 {status} {}",
            if status == 200 { "OK" } else { "Bad Request" }
        ),
        headers: vec![("content-type".into(), "application/x-amz-json-1.0".into())],
        body: body.to_string().into_bytes(),
    };
    client.write_all(&message.write()).await
}

async fn forward(shared: &Shared, request: &Message) -> Option<Message> {
    let mut upstream = TcpStream::connect(shared.upstream).await.ok()?;
    upstream.write_all(&request.write()).await.ok()?;
    let mut buf = Vec::new();
    read_message(&mut upstream, &mut buf, false).await
}

/// Forwards a batch with a random share of its items held back, then reports those as
/// unprocessed in the response.
async fn batch_with_unprocessed(
    shared: &Shared,
    mut request: Message,
    write: bool,
) -> Option<Message> {
    let Ok(mut body) = serde_json::from_slice::<Value>(&request.body) else {
        return forward(shared, &request).await;
    };
    let mut held: Map<String, Value> = Map::new();
    let mut forwarded_any = false;
    let mut over_limit = 0u64;
    if let Some(tables) = body.get_mut("RequestItems").and_then(Value::as_object_mut) {
        for (table, spec) in tables.iter_mut() {
            let list = if write {
                Some(spec)
            } else {
                spec.get_mut("Keys")
            };
            let Some(Value::Array(entries)) = list else {
                continue;
            };
            let mut keep = Vec::new();
            let mut hold = Vec::new();
            for entry in std::mem::take(entries) {
                if shared.chance(shared.config.unprocessed) {
                    shared.counters.unprocessed.fetch_add(1, Ordering::Relaxed);
                    hold.push(entry);
                } else if !batch_entry_paid(shared, &entry, write) {
                    over_limit += 1;
                    hold.push(entry);
                } else {
                    keep.push(entry);
                }
            }
            forwarded_any |= !keep.is_empty();
            *entries = keep;
            if !hold.is_empty() {
                held.insert(table.clone(), Value::Array(hold));
            }
        }
        tables.retain(|_, spec| {
            let list = if write {
                Some(&*spec)
            } else {
                spec.get("Keys")
            };
            list.and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
        });
    }
    shared
        .counters
        .partition_throttled
        .fetch_add(over_limit, Ordering::Relaxed);
    // DynamoDB throttles the whole batch when none of it could be served.
    if !forwarded_any && over_limit > 0 {
        return Some(Message {
            start: "HTTP/1.1 400 Bad Request".into(),
            headers: vec![("content-type".into(), "application/x-amz-json-1.0".into())],
            body: throughput_exceeded("every item over its partition's limit")
                .to_string()
                .into_bytes(),
        });
    }
    let mut response_body = if forwarded_any {
        request.body = body.to_string().into_bytes();
        let response = forward(shared, &request).await?;
        if !response.start.contains(" 200 ") {
            return Some(response);
        }
        serde_json::from_slice::<Value>(&response.body).ok()?
    } else if write {
        json!({})
    } else {
        json!({ "Responses": {} })
    };
    let field = if write {
        "UnprocessedItems"
    } else {
        "UnprocessedKeys"
    };
    let out = response_body.as_object_mut()?;
    let unprocessed = out
        .entry(field)
        .or_insert_with(|| json!({}))
        .as_object_mut()?;
    for (table, entries) in held {
        let Value::Array(entries) = entries else {
            continue;
        };
        if write {
            let slot = unprocessed.entry(table).or_insert_with(|| json!([]));
            if let Some(list) = slot.as_array_mut() {
                list.extend(entries);
            }
        } else {
            let slot = unprocessed
                .entry(table)
                .or_insert_with(|| json!({ "Keys": [] }));
            if let Some(list) = slot.get_mut("Keys").and_then(Value::as_array_mut) {
                list.extend(entries);
            }
        }
    }
    Some(Message {
        start: "HTTP/1.1 200 OK".into(),
        headers: vec![("content-type".into(), "application/x-amz-json-1.0".into())],
        body: response_body.to_string().into_bytes(),
    })
}
