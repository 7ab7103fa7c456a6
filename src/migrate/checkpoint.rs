//! Where a migration stands, and where that is kept between runs.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::Redacted;

/// The error of a checkpoint store: anything that can say what went wrong. A migration
/// reports it as [`Error::Checkpoint`](crate::Error::Checkpoint).
pub type CheckpointError = Box<dyn std::error::Error + Send + Sync>;

/// Where a migration stands: per scan segment, whether it is done and the last key
/// processed. Saved after every page, so a re-run continues where the last one stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationState {
    /// One entry per scan segment.
    pub segments: Vec<SegmentState>,
}

/// The progress of one scan segment. `Debug` shows the last key's attribute names, not
/// the key.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentState {
    /// The segment was scanned to its end.
    pub done: bool,
    /// The key attributes of the last item processed (string values).
    pub last_key: Option<BTreeMap<String, String>>,
}

impl std::fmt::Debug for SegmentState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegmentState")
            .field("done", &self.done)
            .field(
                "last_key",
                &self.last_key.as_ref().map(crate::redact::RedactedKeyMap),
            )
            .finish()
    }
}

/// Where checkpoints are kept; implement it to keep them elsewhere (an item, a parameter
/// store, …).
///
/// The methods are async and return boxed futures, so a migration can hold any store as a
/// `dyn Checkpoint`. A failure is any error type, boxed; the migration stops with
/// [`Error::Checkpoint`](crate::Error::Checkpoint) holding it.
///
/// ```
/// use std::sync::Arc;
///
/// use dynamorm::migrate::{Checkpoint, CheckpointError, MigrationState};
/// use futures::future::BoxFuture;
/// use tokio::sync::Mutex;
///
/// /// Keeps the state in memory and counts the saves.
/// #[derive(Default)]
/// struct Counting {
///     state: Mutex<Option<MigrationState>>,
///     saves: std::sync::atomic::AtomicUsize,
/// }
///
/// impl Checkpoint for Counting {
///     fn load(&self) -> BoxFuture<'_, Result<Option<MigrationState>, CheckpointError>> {
///         Box::pin(async move { Ok(self.state.lock().await.clone()) })
///     }
///
///     fn save<'a>(
///         &'a self,
///         state: &'a MigrationState,
///     ) -> BoxFuture<'a, Result<(), CheckpointError>> {
///         Box::pin(async move {
///             self.saves.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///             *self.state.lock().await = Some(state.clone());
///             Ok(())
///         })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), CheckpointError> {
/// let store = Counting::default();
/// store.save(&MigrationState::default()).await?;
/// assert_eq!(store.load().await?, Some(MigrationState::default()));
/// # Ok(()) }
/// ```
pub trait Checkpoint: Send + Sync {
    /// The last saved state, if any.
    fn load(&self) -> BoxFuture<'_, Result<Option<MigrationState>, CheckpointError>>;
    /// Saves the state.
    fn save<'a>(&'a self, state: &'a MigrationState) -> BoxFuture<'a, Result<(), CheckpointError>>;
}

/// Checkpoints in a JSON file.
///
/// Read and written with `tokio::fs`, so a save never blocks the runtime's threads. A save
/// writes a temporary file next to the checkpoint (`<name>.tmp`, in the same directory,
/// so on the same file system), flushes it to disk and renames it over the checkpoint:
/// a crash leaves the old checkpoint or the new one, never half of one.
///
/// An I/O failure is reported as the `std::io::Error`; a file that is not a checkpoint as
/// serde_json's error, [`Redacted`] (its message may quote a key).
///
/// ```no_run
/// use dynamorm::migrate::{Checkpoint, FileCheckpoint, MigrationState};
///
/// # async fn run() -> Result<(), dynamorm::migrate::CheckpointError> {
/// let checkpoint = FileCheckpoint::new("migration.json");
/// checkpoint.save(&MigrationState::default()).await?;
/// assert_eq!(checkpoint.load().await?, Some(MigrationState::default()));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FileCheckpoint(PathBuf);

impl FileCheckpoint {
    /// Checkpoints in `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self(path.into())
    }

    /// The temporary file a save writes first: `<name>.tmp` beside the checkpoint.
    fn temporary(&self) -> PathBuf {
        let mut name = self.0.file_name().unwrap_or_default().to_owned();
        name.push(".tmp");
        self.0.with_file_name(name)
    }

    async fn write(&self, state: &MigrationState) -> Result<(), CheckpointError> {
        let json = serde_json::to_vec(state).map_err(redacted)?;
        let tmp = self.temporary();
        let written = async {
            tokio::fs::write(&tmp, json).await?;
            // On disk before the rename, so the rename never exposes an empty file.
            let file = tokio::fs::OpenOptions::new().write(true).open(&tmp).await?;
            file.sync_all().await?;
            drop(file);
            tokio::fs::rename(&tmp, &self.0).await
        }
        .await;
        if written.is_err() {
            // Best effort: the error that matters is the write's.
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        Ok(written?)
    }
}

/// serde_json's error, redacted: its message may quote a key of the file.
fn redacted(e: serde_json::Error) -> CheckpointError {
    Box::new(Redacted::labelled(Box::new(e), "serde error"))
}

impl Checkpoint for FileCheckpoint {
    fn load(&self) -> BoxFuture<'_, Result<Option<MigrationState>, CheckpointError>> {
        Box::pin(async move {
            match tokio::fs::read(&self.0).await {
                Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(redacted),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn save<'a>(&'a self, state: &'a MigrationState) -> BoxFuture<'a, Result<(), CheckpointError>> {
        Box::pin(self.write(state))
    }
}

/// Checkpoints kept in memory (tests, or a caller that persists them itself), behind an
/// async lock: a save never blocks a runtime thread, and a panic elsewhere cannot poison it.
///
/// ```
/// use dynamorm::migrate::{Checkpoint, MemoryCheckpoint, MigrationState};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), dynamorm::migrate::CheckpointError> {
/// let checkpoint = MemoryCheckpoint::default();
/// assert_eq!(checkpoint.load().await?, None);
/// checkpoint.save(&MigrationState::default()).await?;
/// assert_eq!(checkpoint.load().await?, Some(MigrationState::default()));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryCheckpoint(Arc<tokio::sync::Mutex<Option<MigrationState>>>);

impl Checkpoint for MemoryCheckpoint {
    fn load(&self) -> BoxFuture<'_, Result<Option<MigrationState>, CheckpointError>> {
        Box::pin(async move { Ok(self.0.lock().await.clone()) })
    }

    fn save<'a>(&'a self, state: &'a MigrationState) -> BoxFuture<'a, Result<(), CheckpointError>> {
        Box::pin(async move {
            *self.0.lock().await = Some(state.clone());
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> MigrationState {
        MigrationState {
            segments: vec![SegmentState {
                done: false,
                last_key: Some(BTreeMap::from([(
                    "PK".to_owned(),
                    "USER#s3cr3t".to_owned(),
                )])),
            }],
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "dynamorm-checkpoint-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir
    }

    #[tokio::test]
    async fn file_checkpoint_round_trips_and_leaves_no_temporary_file() {
        let dir = scratch("round-trip");
        let checkpoint = FileCheckpoint::new(dir.join("migration.json"));
        assert_eq!(checkpoint.load().await.expect("no file is no state"), None);
        checkpoint.save(&state()).await.expect("saves");
        checkpoint
            .save(&state())
            .await
            .expect("saves over the last one");
        assert_eq!(checkpoint.load().await.expect("loads"), Some(state()));
        let files: Vec<_> = std::fs::read_dir(&dir)
            .expect("lists")
            .map(|e| e.expect("an entry").file_name())
            .collect();
        assert_eq!(files, ["migration.json"]);
        std::fs::remove_dir_all(dir).expect("cleans up");
    }

    #[tokio::test]
    async fn a_damaged_file_is_a_redacted_error() {
        let dir = scratch("damaged");
        let path = dir.join("migration.json");
        std::fs::write(&path, "{\"segments\": \"USER#s3cr3t\"}").expect("writes");
        let err = FileCheckpoint::new(&path)
            .load()
            .await
            .expect_err("not a checkpoint");
        let mut link: Option<&(dyn std::error::Error + 'static)> = Some(err.as_ref());
        while let Some(e) = link {
            for text in [format!("{e}"), format!("{e:?}"), format!("{e:#?}")] {
                assert!(!text.contains("s3cr3t"), "{text}");
            }
            link = e.source();
        }
        assert_eq!(err.to_string(), "<redacted serde error>");
        std::fs::remove_dir_all(dir).expect("cleans up");
    }

    #[tokio::test]
    async fn an_unwritable_path_is_an_io_error() {
        let dir = scratch("unwritable");
        let checkpoint = FileCheckpoint::new(dir.join("missing-directory").join("m.json"));
        let err = checkpoint
            .save(&state())
            .await
            .expect_err("no such directory");
        assert!(err.is::<std::io::Error>(), "{err:?}");
        std::fs::remove_dir_all(dir).expect("cleans up");
    }

    #[tokio::test]
    async fn memory_checkpoint_keeps_the_last_state() {
        let checkpoint = MemoryCheckpoint::default();
        assert_eq!(checkpoint.load().await.expect("loads"), None);
        checkpoint.save(&state()).await.expect("saves");
        let shared: Arc<dyn Checkpoint> = Arc::new(checkpoint.clone());
        assert_eq!(shared.load().await.expect("loads"), Some(state()));
    }
}
