//! [`Export`]: an S3 export (`ExportTableToPointInTime`, full or incremental) — or the
//! files of an [`ImportWriter`](super::ImportWriter) — read back as typed values through a
//! registry: file by file, each decompressed as its bytes arrive, so memory stays one
//! chunk and one line whatever the export's size. Each data file is checked against its
//! manifest line (item count and MD5) when its last line has been read, and the total
//! against the summary's count at the end: a damaged file fails the read there, after the
//! lines before the damage were yielded.

use std::collections::VecDeque;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::stream::{BoxStream, Stream, StreamExt as _};
use md5::Digest as _;
use object_store::ObjectStore;
use object_store::ObjectStoreExt as _;
use object_store::path::Path;

use super::Location;
use super::lines::{self, GzLines};
use super::location::storage;
use super::manifest::{self, ExportSummary, ExportType, ManifestFile};
use crate::Error;
use crate::item::Item;
use crate::registry::Registry;
use crate::stream::{Change, RawRecord};
use crate::table::Table;

/// How far a read of an export has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ExportProgress {
    /// Data files read to the end (and checked).
    pub files_read: usize,
    /// Data files in the export.
    pub files: usize,
    /// Lines read so far.
    pub lines: u64,
    /// Lines of the library's own items (unique-value sentinels) passed over.
    pub skipped: u64,
}

type ProgressFn = Box<dyn FnMut(&ExportProgress) + Send>;

/// An export opened from its manifests.
///
/// ```
/// # async fn run() -> Result<(), dynamorm::Error> {
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Debug, Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
/// # #[derive(Debug, dynamorm::Registry)] #[dynamo(table = App)] pub enum AppItem { User(User) }
/// use dynamorm::bulk::{Export, ImportWriter, Location};
/// use futures::TryStreamExt as _;
/// let dir = std::env::temp_dir().join("dynamorm-export-doc");
/// let mut writer = ImportWriter::<App>::new(Location::local(&dir, "snapshot")?);
/// writer.write(&User { id: "ada".into() }).await?;
/// writer.finish().await?;
/// // The writer's files carry an export's manifests: they read back as one.
/// let export = Export::open(Location::local(&dir, "snapshot")?).await?;
/// let users: Vec<AppItem> = export.items::<AppItem>().try_collect().await?;
/// assert_eq!(users.len(), 1);
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
/// ```
pub struct Export {
    location: Location,
    summary: ExportSummary,
    files: Vec<ManifestFile>,
    on_progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export")
            .field("location", &self.location)
            .field("summary", &self.summary)
            .field("files", &self.files.len())
            .finish_non_exhaustive()
    }
}

/// One change of an incremental export.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ExportChange<R> {
    /// The change: an item with both images is `Modify`, one with a new image only
    /// `Insert` (`Modify` in a `NEW_IMAGE` export, which cannot tell them apart), one
    /// without a new image `Remove`.
    pub change: Change<R>,
    /// When it was written (`Metadata.WriteTimestampMicros`), in microseconds since 1970.
    pub written_at_micros: Option<u64>,
}

impl Export {
    /// Opens the export whose `manifest-summary.json` is at the location's prefix (an
    /// export's `AWSDynamoDB/<export id>` folder, or an import writer's prefix).
    pub async fn open(location: Location) -> Result<Self, Error> {
        let store = location.store.clone();
        let summary_key = location.child("manifest-summary.json");
        let bytes = read_all(&*store, &summary_key).await?;
        let summary = manifest::summary(bytes.as_ref(), summary_key.as_ref())?;
        if summary.output_format != "DYNAMODB_JSON" {
            return Err(Error::ExportFile {
                file: summary_key.to_string(),
                reason: format!(
                    "the export is {}; this reader reads DYNAMODB_JSON",
                    summary.output_format
                ),
            });
        }
        let files_key =
            Path::parse(&summary.manifest_files_s3_key).map_err(|e| Error::ExportFile {
                file: summary_key.to_string(),
                reason: format!("manifestFilesS3Key is not an object key: {e}"),
            })?;
        let bytes = read_all(&*store, &files_key).await?;
        let files = manifest::files(bytes.as_ref(), files_key.as_ref())?;
        Ok(Self {
            location,
            summary,
            files,
            on_progress: None,
        })
    }

    /// The export's summary.
    pub fn summary(&self) -> &ExportSummary {
        &self.summary
    }

    /// Data files in the export.
    pub fn files(&self) -> usize {
        self.files.len()
    }

    /// Called after each line and each file with where the read stands.
    pub fn on_progress(mut self, f: impl FnMut(&ExportProgress) + Send + 'static) -> Self {
        self.on_progress = Some(Box::new(f));
        self
    }

    /// A full export's items, decoded through registry `R` in file order (the library's
    /// own items passed over). An incremental export is refused: read its
    /// [`changes`](Self::changes).
    pub fn items<R: Registry>(self) -> BoxStream<'static, Result<R, Error>> {
        if self.summary.export_type != ExportType::FullExport {
            return futures::stream::iter([Err(self.wrong_type("items", "changes"))]).boxed();
        }
        self.lines()
            .filter_map(|line| async move { line.and_then(item_of::<R>).transpose() })
            .boxed()
    }

    /// An incremental export's changes, decoded through registry `R` (the library's own
    /// items passed over). A full export is refused: read its [`items`](Self::items).
    pub fn changes<R: Registry>(self) -> BoxStream<'static, Result<ExportChange<R>, Error>> {
        if self.summary.export_type != ExportType::IncrementalExport {
            return futures::stream::iter([Err(self.wrong_type("changes", "items"))]).boxed();
        }
        let new_image_only = self.summary.output_view.as_deref() == Some("NEW_IMAGE");
        self.lines()
            .filter_map(move |line| async move {
                line.and_then(|line| change_of::<R>(line, new_image_only))
                    .transpose()
            })
            .boxed()
    }

    fn wrong_type(&self, asked: &str, instead: &str) -> Error {
        Error::ExportFile {
            file: self.summary.manifest_files_s3_key.clone(),
            reason: format!(
                "a {:?} has no {asked}: read its {instead}",
                self.summary.export_type
            ),
        }
    }

    /// Every line of every data file, parsed.
    fn lines(self) -> impl Stream<Item = Result<lines::Line, Error>> + Send {
        let progress = ExportProgress {
            files: self.files.len(),
            ..ExportProgress::default()
        };
        let state = Reader {
            store: self.location.store,
            files: self.files.into(),
            file: None,
            pending: VecDeque::new(),
            progress,
            on_progress: self.on_progress,
            key: String::new(),
            line_in_file: 0,
            full: self.summary.export_type == ExportType::FullExport,
            expected: self.summary.item_count,
            manifest: self.summary.manifest_files_s3_key.clone(),
        };
        futures::stream::try_unfold(state, |mut state| async move {
            let line = state.next_line().await?;
            Ok(line.map(|line| (line, state)))
        })
    }
}

/// The file being read.
struct OpenFile {
    key: String,
    bytes: BoxStream<'static, object_store::Result<bytes::Bytes>>,
    lines: GzLines,
    md5: md5::Md5,
    expected: ManifestFile,
    count: u64,
    /// Compressed bytes read.
    read: u64,
}

struct Reader {
    store: std::sync::Arc<dyn ObjectStore>,
    files: VecDeque<ManifestFile>,
    file: Option<OpenFile>,
    pending: VecDeque<Vec<u8>>,
    progress: ExportProgress,
    on_progress: Option<ProgressFn>,
    /// The file the pending lines come from, and the number of the last line taken.
    key: String,
    line_in_file: u64,
    /// Whether each line must hold an `Item` (a full export).
    full: bool,
    /// The lines the summary counts, and the manifest that says so.
    expected: u64,
    manifest: String,
}

impl Reader {
    /// The next line, opening and checking files as it goes; `None` at the end.
    async fn next_line(&mut self) -> Result<Option<lines::Line>, Error> {
        loop {
            if let Some(text) = self.pending.pop_front() {
                self.progress.lines += 1;
                self.line_in_file += 1;
                let line = lines::parse(&text, &self.key, self.line_in_file)?;
                if self.full && line.item.is_none() {
                    return Err(Error::ExportFile {
                        file: self.key.clone(),
                        reason: format!(
                            "line {} of a full export has no `Item`",
                            self.line_in_file
                        ),
                    });
                }
                self.report();
                return Ok(Some(line));
            }
            if self.file.is_none() {
                let Some(next) = self.files.pop_front() else {
                    return self.end();
                };
                let file = open(self.store.clone(), next).await?;
                self.key.clone_from(&file.key);
                self.line_in_file = 0;
                self.file = Some(file);
            }
            self.advance().await?;
        }
    }

    /// Reads the next chunk of the open file into pending lines, or ends the file.
    async fn advance(&mut self) -> Result<(), Error> {
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        let pending = &mut self.pending;
        match file.bytes.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(|e| storage("an export data file", e))?;
                file.md5.update(&chunk);
                file.read += chunk.len() as u64;
                let count = &mut file.count;
                let fed = file.lines.feed(&chunk, &mut |line| {
                    *count += 1;
                    pending.push_back(line.to_vec());
                });
                fed.map_err(|e| not_gzip(&file.key, &e))
            }
            None => {
                let Some(file) = self.file.take() else {
                    return Ok(());
                };
                self.close(file)
            }
        }
    }

    /// Ends a file: its last line, then its count and checksum against the manifest.
    fn close(&mut self, mut file: OpenFile) -> Result<(), Error> {
        let pending = &mut self.pending;
        let count = &mut file.count;
        // A 0-byte object is an empty file (AWS writes one per empty partition).
        if file.read > 0 {
            let finished = file.lines.finish(&mut |line| {
                *count += 1;
                pending.push_back(line.to_vec());
            });
            finished.map_err(|e| not_gzip(&file.key, &e))?;
        }
        let md5 = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(file.md5.finalize())
        };
        let wrong = |reason: String| Error::ExportFile {
            file: file.key.clone(),
            reason,
        };
        if file.count != file.expected.item_count {
            return Err(wrong(format!(
                "{} lines, its manifest says {}",
                file.count, file.expected.item_count
            )));
        }
        if md5 != file.expected.md5_checksum {
            return Err(wrong("its MD5 checksum is not its manifest's".into()));
        }
        self.progress.files_read += 1;
        self.report();
        Ok(())
    }

    /// The end of the last file: the lines read must be the summary's count.
    fn end(&self) -> Result<Option<lines::Line>, Error> {
        if self.progress.lines == self.expected {
            return Ok(None);
        }
        Err(Error::ExportFile {
            file: self.manifest.clone(),
            reason: format!(
                "its files hold {} lines, the summary counts {}",
                self.progress.lines, self.expected
            ),
        })
    }

    fn report(&mut self) {
        if let Some(f) = &mut self.on_progress {
            f(&self.progress);
        }
    }
}

/// Opens a data file for reading.
async fn open(
    store: std::sync::Arc<dyn ObjectStore>,
    expected: ManifestFile,
) -> Result<OpenFile, Error> {
    let key = Path::parse(&expected.data_file_s3_key).map_err(|e| Error::ExportFile {
        file: expected.data_file_s3_key.clone(),
        reason: format!("not an object key: {e}"),
    })?;
    let object = store
        .get(&key)
        .await
        .map_err(|e| storage("an export data file", e))?;
    Ok(OpenFile {
        key: key.to_string(),
        bytes: object.into_stream(),
        lines: GzLines::new(),
        md5: md5::Md5::new(),
        expected,
        count: 0,
        read: 0,
    })
}

/// A data file whose gzip stream breaks, named.
fn not_gzip(file: &str, e: &std::io::Error) -> Error {
    Error::ExportFile {
        file: file.to_owned(),
        reason: format!("not a gzip stream ({e})"),
    }
}

/// Reads a small object (a manifest) whole.
async fn read_all(store: &dyn ObjectStore, key: &Path) -> Result<impl AsRef<[u8]>, Error> {
    let object = store
        .get(key)
        .await
        .map_err(|e| storage("an export manifest", e))?;
    object
        .bytes()
        .await
        .map_err(|e| storage("an export manifest", e))
}

/// A full export line's item, through the registry; `None` for the library's own items.
fn item_of<R: Registry>(line: lines::Line) -> Result<Option<R>, Error> {
    let Some(item) = line.item else {
        return Err(Error::ExportFile {
            file: String::new(),
            reason: "a line of a full export without `Item`".into(),
        });
    };
    let item: Item = item.into();
    if is_internal::<R>(&item) {
        return Ok(None);
    }
    R::from_item(item).map(Some)
}

fn is_internal<R: Registry>(item: &Item) -> bool {
    let discriminator = <R::Table as Table>::SCHEMA.discriminator();
    matches!(item.get(discriminator), Some(AttributeValue::S(d)) if crate::write::internal::is_internal(d))
}

/// An incremental export line as a change, through the registry; `None` for the library's
/// own items.
fn change_of<R: Registry>(
    line: lines::Line,
    new_image_only: bool,
) -> Result<Option<ExportChange<R>>, Error> {
    let written_at_micros = line
        .metadata
        .and_then(|m| m.write_timestamp_micros)
        .and_then(|n| n.value());
    let new = line.new_image.map(Item::from);
    let old = line.old_image.map(Item::from);
    let event = match (&new, &old) {
        (Some(_), Some(_)) => "MODIFY",
        (Some(_), None) if new_image_only => "MODIFY",
        (Some(_), None) => "INSERT",
        (None, _) => "REMOVE",
    };
    let record = RawRecord {
        event_name: Some(event.to_owned()),
        keys: line.keys.map(Item::from).unwrap_or_default(),
        old,
        new,
        sequence_number: None,
    };
    if crate::stream::is_internal::<R>(&record) {
        return Ok(None);
    }
    let change = crate::stream::decode_record::<R>(record)?;
    Ok(Some(ExportChange {
        change,
        written_at_micros,
    }))
}
