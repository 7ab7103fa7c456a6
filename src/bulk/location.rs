//! [`Location`]: where import files are written and exports are read — a local directory
//! or an S3 bucket and prefix, behind one object-store interface.

use std::sync::Arc;

use object_store::ObjectStore;
use object_store::path::Path;

use crate::{Error, InvalidInputKind};

/// A place in an object store: the store (rooted at a bucket, or a local directory standing
/// for one) and a key prefix in it. Export manifests name their files by keys from the
/// bucket's root, so the store is rooted there and the prefix is kept apart.
///
/// ```
/// # fn run() -> Result<(), dynamorm::Error> {
/// use dynamorm::bulk::Location;
/// let dir = std::env::temp_dir().join("dynamorm-location-doc");
/// let local = Location::local(&dir, "imports/2026-12")?;
/// assert_eq!(local.prefix(), "imports/2026-12");
/// assert_eq!(local.bucket(), None);
/// # Ok(()) }
/// # run().unwrap();
/// ```
#[derive(Clone)]
pub struct Location {
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) prefix: Path,
    pub(crate) bucket: Option<String>,
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Location")
            .field("store", &self.store.to_string())
            .field("prefix", &self.prefix.as_ref())
            .finish()
    }
}

impl Location {
    /// The directory `root` (created if missing) standing for a bucket, and `prefix` in it.
    pub fn local(root: impl AsRef<std::path::Path>, prefix: &str) -> Result<Self, Error> {
        let root = root.as_ref();
        std::fs::create_dir_all(root).map_err(|source| Error::Io {
            what: "the local bucket directory",
            source,
        })?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(root)
            .map_err(|e| storage("the local bucket directory", e))?;
        Ok(Self {
            store: Arc::new(store),
            prefix: path(prefix)?,
            bucket: None,
        })
    }

    /// `s3://bucket/prefix`, with credentials, Region and endpoint from the environment as
    /// the AWS tools read them (`AWS_ACCESS_KEY_ID`, `AWS_REGION`, `AWS_ENDPOINT_URL_S3` or
    /// `AWS_ENDPOINT_URL`).
    pub fn s3(url: &str) -> Result<Self, Error> {
        let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
            .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
            .ok();
        Self::s3_at(url, endpoint.as_deref())
    }

    /// [`Location::s3`] at an S3-compatible server's `endpoint` (path-style requests;
    /// plain `http://` allowed, e.g. a server on loopback), or at AWS with `None`.
    pub fn s3_at(url: &str, endpoint: Option<&str>) -> Result<Self, Error> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| {
            Error::invalid(
                InvalidInputKind::Configuration,
                "an S3 location starts with s3://",
            )
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Error::invalid(
                InvalidInputKind::Configuration,
                "an S3 location names its bucket: s3://bucket/prefix",
            ));
        }
        let mut builder = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Some(endpoint) = endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder.build().map_err(|e| storage("the S3 bucket", e))?;
        Ok(Self {
            store: Arc::new(store),
            prefix: path(prefix)?,
            bucket: Some(bucket.to_owned()),
        })
    }

    /// Any object store (rooted at the bucket) and `prefix` in it; `bucket` is the S3
    /// bucket it stands for, if any (an `ImportTable` request needs one).
    pub fn new(
        store: Arc<dyn ObjectStore>,
        prefix: &str,
        bucket: Option<String>,
    ) -> Result<Self, Error> {
        Ok(Self {
            store,
            prefix: path(prefix)?,
            bucket,
        })
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        self.prefix.as_ref()
    }

    /// The S3 bucket, when the location is one.
    pub fn bucket(&self) -> Option<&str> {
        self.bucket.as_deref()
    }

    /// `name` under the prefix.
    pub(crate) fn child(&self, name: &str) -> Path {
        let mut path = self.prefix.clone();
        for part in name.split('/') {
            path = path.join(part);
        }
        path
    }
}

fn path(prefix: &str) -> Result<Path, Error> {
    Path::parse(prefix.trim_matches('/')).map_err(|e| {
        Error::invalid(
            InvalidInputKind::Configuration,
            format!("`{prefix}` is not an object key prefix: {e}"),
        )
    })
}

/// An object-store failure, as the I/O error it is.
pub(crate) fn storage(what: &'static str, e: object_store::Error) -> Error {
    Error::Io {
        what,
        source: std::io::Error::other(e),
    }
}
