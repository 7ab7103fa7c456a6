//! Where a migration stands, and where that is kept between runs.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::{Error, Redacted};

/// Where a migration stands: per scan segment, whether it is done and the last key
/// processed. Saved after every page, so a re-run continues where the last one stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationState {
    /// One entry per scan segment.
    pub segments: Vec<SegmentState>,
}

/// The progress of one scan segment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentState {
    /// The segment was scanned to its end.
    pub done: bool,
    /// The key attributes of the last item processed (string values).
    pub last_key: Option<BTreeMap<String, String>>,
}

/// Where checkpoints are kept; implement it to keep them elsewhere (an item, a parameter
/// store, …).
pub trait Checkpoint: Send + Sync {
    /// The last saved state, if any.
    fn load(&self) -> Result<Option<MigrationState>, Error>;
    /// Saves the state.
    fn save(&self, state: &MigrationState) -> Result<(), Error>;
}

/// Checkpoints in a JSON file.
#[derive(Debug, Clone)]
pub struct FileCheckpoint(PathBuf);

impl FileCheckpoint {
    /// Checkpoints in `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self(path.into())
    }
}

impl Checkpoint for FileCheckpoint {
    fn load(&self) -> Result<Option<MigrationState>, Error> {
        match std::fs::read(&self.0) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(redacted),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::checkpoint(Box::new(e))),
        }
    }

    fn save(&self, state: &MigrationState) -> Result<(), Error> {
        let json = serde_json::to_vec(state).map_err(redacted)?;
        // Write then rename, so a crash never leaves half a checkpoint.
        let tmp = self.0.with_extension("tmp");
        std::fs::write(&tmp, json)
            .and_then(|()| std::fs::rename(&tmp, &self.0))
            .map_err(|e| Error::checkpoint(Box::new(e)))
    }
}

/// serde_json's error as an [`Error::Checkpoint`], redacted: its message may quote a key.
fn redacted(e: serde_json::Error) -> Error {
    Error::checkpoint(Box::new(Redacted::labelled(Box::new(e), "serde error")))
}

/// Checkpoints kept in memory (tests, or a caller that persists them itself).
#[derive(Debug, Clone, Default)]
pub struct MemoryCheckpoint(Arc<Mutex<Option<MigrationState>>>);

impl Checkpoint for MemoryCheckpoint {
    fn load(&self) -> Result<Option<MigrationState>, Error> {
        Ok(self.0.lock().ok().and_then(|s| s.clone()))
    }

    fn save(&self, state: &MigrationState) -> Result<(), Error> {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(state.clone());
        }
        Ok(())
    }
}
