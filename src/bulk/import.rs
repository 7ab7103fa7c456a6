//! [`ImportWriter`]: entities of any types written as `ImportTable` input — DynamoDB JSON
//! lines, gzip, files of a bounded size — each item exactly as a put renders it (keys,
//! index keys, discriminator, unique-value sentinels), beside export-shaped manifests so
//! the same files read back through [`Export`](super::Export).

use std::collections::HashMap;
use std::io::Write as _;
use std::marker::PhantomData;

use flate2::Compression;
use flate2::write::GzEncoder;
use md5::Digest as _;
use object_store::{ObjectStoreExt as _, PutPayload};

use super::Location;
use super::location::storage;
use super::manifest::{self, ExportSummary, ExportType, ManifestFile};
use crate::entity::{Def, Entity, PrimaryKey};
use crate::item::Item;
use crate::registry::{EntityVisitor, Registry};
use crate::table::Table;
use crate::{Error, InvalidInputKind};

/// DynamoDB imports at most this many objects at once.
pub const MAX_IMPORT_FILES: usize = 50_000;

/// The default size of one file before compression (AWS suggests files of a few GB at
/// most; this keeps the writer's memory to one compressed file of about 10 MB).
const DEFAULT_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Writes `ImportTable` input for table `T` under a [`Location`]: data files
/// `<prefix>/data/NNNNN.json.gz` (the `S3KeyPrefix` to import) and, beside them,
/// `manifest-summary.json` and `manifest-files.json` as a full export has them.
///
/// An import copies values: each item is the entity as stored (`to_stored_item`:
/// timestamps as the entity holds them), except that a version of 0 (never stored) is
/// written as 1, as the first put would. Memory: one file being compressed, plus 32 bytes
/// per unique value written (a value two owners claim would be silently overwritten by
/// DynamoDB's import, so the writer refuses the second claim). Two entities with the same
/// primary key are not detected (that would take memory per item): DynamoDB's import keeps
/// one of them, as a second put would.
///
/// ```
/// # async fn run() -> Result<(), dynamorm::Error> {
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
/// use dynamorm::bulk::{ImportWriter, Location};
/// let dir = std::env::temp_dir().join("dynamorm-import-doc");
/// let mut writer = ImportWriter::<App>::new(Location::local(&dir, "users")?);
/// writer.write(&User { id: "ada".into() }).await?;
/// let files = writer.finish().await?;
/// assert_eq!(files.items(), 1);
/// assert_eq!(files.data_prefix(), "users/data/");
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
/// ```
pub struct ImportWriter<T> {
    location: Location,
    max_file_bytes: usize,
    file: Option<OpenFile>,
    files: Vec<ManifestFile>,
    items: u64,
    /// Each unique value's sentinel key → the owner's key, as digests.
    claims: HashMap<[u8; 16], [u8; 16]>,
    table: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for ImportWriter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportWriter")
            .field("location", &self.location)
            .field("files", &self.files.len())
            .field("items", &self.items)
            .finish_non_exhaustive()
    }
}

/// The file being written.
struct OpenFile {
    encoder: GzEncoder<Vec<u8>>,
    line: Vec<u8>,
    items: u64,
    bytes: usize,
}

impl<T: Table> ImportWriter<T> {
    /// A writer of files under `location`.
    pub fn new(location: Location) -> Self {
        Self {
            location,
            max_file_bytes: DEFAULT_FILE_BYTES,
            file: None,
            files: Vec::new(),
            items: 0,
            claims: HashMap::new(),
            table: PhantomData,
        }
    }

    /// Starts a new file once one holds this many bytes before compression (default 64
    /// MiB; at least 1).
    pub fn file_size(mut self, bytes: usize) -> Self {
        self.max_file_bytes = bytes.max(1);
        self
    }

    /// Items written so far (sentinels of unique values included).
    pub fn items(&self) -> u64 {
        self.items
    }

    /// Writes `entity` as a put would store it.
    pub async fn write<E: Entity<Table = T>>(&mut self, entity: &E) -> Result<(), Error> {
        let items = rendered(entity, &mut self.claims)?;
        self.write_items(items).await
    }

    /// Writes a value of registry `R`, of whichever type it holds, as that type's
    /// [`write`](Self::write) does (a raw item of an unknown type is refused).
    pub async fn write_any<R: Registry<Table = T>>(&mut self, value: &R) -> Result<(), Error> {
        let items = value.visit(Render {
            claims: &mut self.claims,
        })?;
        self.write_items(items).await
    }

    async fn write_items(&mut self, items: Vec<Item>) -> Result<(), Error> {
        for item in items {
            let file = self.file.get_or_insert_with(|| OpenFile {
                encoder: GzEncoder::new(Vec::new(), Compression::default()),
                line: Vec::new(),
                items: 0,
                bytes: 0,
            });
            file.line.clear();
            super::lines::write_item(&mut file.line, item)?;
            file.encoder.write_all(&file.line).map_err(gzip)?;
            file.items += 1;
            file.bytes += file.line.len();
            self.items += 1;
            if file.bytes >= self.max_file_bytes {
                self.close_file().await?;
            }
        }
        Ok(())
    }

    /// Compresses and stores the open file.
    async fn close_file(&mut self) -> Result<(), Error> {
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        if self.files.len() >= MAX_IMPORT_FILES {
            return Err(Error::invalid(
                InvalidInputKind::Configuration,
                format!(
                    "an import takes at most {MAX_IMPORT_FILES} files: write larger files \
                     (`file_size`)"
                ),
            ));
        }
        let bytes = file.encoder.finish().map_err(gzip)?;
        let key = self
            .location
            .child(&format!("data/{:05}.json.gz", self.files.len()));
        let md5 = base64_md5(&bytes);
        let put = self.location.store.put(&key, PutPayload::from(bytes));
        let result = put.await.map_err(|e| storage("an import file", e))?;
        self.files.push(ManifestFile {
            item_count: file.items,
            md5_checksum: md5,
            etag: result.e_tag,
            data_file_s3_key: key.to_string(),
        });
        Ok(())
    }

    /// Stores the last file and the manifests; the files written.
    pub async fn finish(mut self) -> Result<ImportFiles, Error> {
        self.close_file().await?;
        let files_key = self.location.child("manifest-files.json");
        let summary = ExportSummary {
            version: "2020-06-30".to_owned(),
            export_arn: None,
            table_arn: None,
            export_type: ExportType::FullExport,
            output_format: "DYNAMODB_JSON".to_owned(),
            output_view: None,
            item_count: self.items,
            s3_bucket: self.location.bucket.clone(),
            s3_prefix: Some(self.location.prefix().to_owned()),
            manifest_files_s3_key: files_key.to_string(),
        };
        let store = &self.location.store;
        let text = manifest::files_text(&self.files);
        store
            .put(&files_key, PutPayload::from(text.into_bytes()))
            .await
            .map_err(|e| storage("manifest-files.json", e))?;
        let summary_text = serde_json::to_vec(&summary).unwrap_or_default();
        store
            .put(
                &self.location.child("manifest-summary.json"),
                PutPayload::from(summary_text),
            )
            .await
            .map_err(|e| storage("manifest-summary.json", e))?;
        Ok(ImportFiles {
            data_prefix: format!("{}/", self.location.child("data")),
            location: self.location,
            summary,
            files: self.files,
        })
    }
}

/// What an [`ImportWriter`] wrote: the files to import, and an export-shaped summary.
#[derive(Debug, Clone)]
pub struct ImportFiles {
    location: Location,
    data_prefix: String,
    summary: ExportSummary,
    files: Vec<ManifestFile>,
}

impl ImportFiles {
    /// Items written.
    pub fn items(&self) -> u64 {
        self.summary.item_count
    }

    /// Data files written.
    pub fn files(&self) -> usize {
        self.files.len()
    }

    /// The key prefix of the data files: `ImportTable`'s `S3KeyPrefix`.
    pub fn data_prefix(&self) -> &str {
        &self.data_prefix
    }

    /// Where the files are.
    pub fn location(&self) -> &Location {
        &self.location
    }
}

/// Renders each value of a registry as its type's [`ImportWriter::write`] does.
struct Render<'a> {
    claims: &'a mut HashMap<[u8; 16], [u8; 16]>,
}

impl<T: Table> EntityVisitor<T> for Render<'_> {
    type Output = Result<Vec<Item>, Error>;

    fn entity<E: Entity<Table = T>>(self, entity: &E) -> Self::Output {
        rendered(entity, self.claims)
    }

    fn unknown(self) -> Self::Output {
        Err(crate::registry::unknown_type())
    }
}

/// The items a put of `entity` stores: the entity's item, then a sentinel per unique value.
fn rendered<E: Entity>(
    entity: &E,
    claims: &mut HashMap<[u8; 16], [u8; 16]>,
) -> Result<Vec<Item>, Error> {
    let def = crate::entity::def::<E>();
    let mut item = crate::entity::to_stored_item(entity)?;
    if let Some(attribute) = def.schema.version {
        let held = crate::write::guard::version::of(&item, attribute).unwrap_or(0);
        if held == 0 {
            item.insert(
                attribute.to_owned(),
                crate::write::guard::version::number(1),
            );
        }
    }
    crate::value_check::check_item(&item).map_err(|p| p.into_error("an item"))?;
    let size = crate::item::item_size(&item);
    if size > crate::item::MAX_ITEM_BYTES {
        return Err(Error::ItemTooLarge {
            entity: def.name(),
            size,
            max: crate::item::MAX_ITEM_BYTES,
        });
    }
    let owner = crate::entity::key_of_item(&item, def.table)?;
    let mut items = vec![item];
    let values = crate::unique::values_in(def, &items[0])?;
    for (field, value) in def.schema.unique.iter().zip(values) {
        let Some(value) = value else { continue };
        let key = crate::unique::sentinel_key(def, field.field, &value)?;
        claim(claims, def, field.field, &key, &owner)?;
        items.push(crate::unique::sentinel_item(def, &key, &owner));
    }
    Ok(items)
}

/// Records that `owner` holds the value at sentinel `key`; refuses another owner's.
fn claim(
    claims: &mut HashMap<[u8; 16], [u8; 16]>,
    def: &Def,
    field: &'static str,
    key: &PrimaryKey,
    owner: &PrimaryKey,
) -> Result<(), Error> {
    let owner_digest = digest(owner);
    match claims.insert(digest(key), owner_digest) {
        Some(previous) if previous != owner_digest => Err(Error::invalid_for(
            def.name(),
            InvalidInputKind::DuplicateKey,
            format!(
                "two `{}` items claim one value of unique field `{field}`: DynamoDB's import \
                 would keep one sentinel and leave the other value unguarded",
                def.name()
            ),
        )),
        _ => Ok(()),
    }
}

/// A 128-bit digest of a key (collisions are out of reach for any import's size).
fn digest(key: &PrimaryKey) -> [u8; 16] {
    let mut hash = sha2::Sha256::new();
    sha2::Digest::update(&mut hash, key.partition_key.as_bytes());
    sha2::Digest::update(&mut hash, [0xff]);
    if let Some(sk) = &key.sort_key {
        sha2::Digest::update(&mut hash, sk.as_bytes());
    }
    let full = sha2::Digest::finalize(hash);
    let mut out = [0; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// The base64 MD5 of `bytes`, as export manifests give a file's checksum.
pub(crate) fn base64_md5(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(bytes))
}

fn gzip(source: std::io::Error) -> Error {
    Error::Io {
        what: "an import file",
        source,
    }
}
