//! The manifests of an S3 export, as DynamoDB writes them: `manifest-summary.json` (one
//! JSON object) and `manifest-files.json` (one line per data file, keys from the bucket's
//! root). Field names are AWS's; files from 2020-06-30 exports (no `exportType`) read as
//! full exports.

use serde::{Deserialize, Serialize};

use crate::Error;

/// Whether an export holds a table's items or its changes over a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExportType {
    /// Every item at one time: `{"Item": ..}` lines.
    #[default]
    FullExport,
    /// Changes between two times: `Keys`, `NewImage`, `OldImage` lines.
    IncrementalExport,
}

/// An export's `manifest-summary.json`: what the export is (the fields a reader uses;
/// others are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExportSummary {
    /// The manifest format's version (`2020-06-30` full, `2023-08-01` incremental).
    pub version: String,
    /// The export's ARN.
    #[serde(default)]
    pub export_arn: Option<String>,
    /// The exported table's ARN.
    #[serde(default)]
    pub table_arn: Option<String>,
    /// Full or incremental (absent in AWS's older files: full).
    #[serde(default)]
    pub export_type: ExportType,
    /// `DYNAMODB_JSON` (the format read here) or `ION`.
    pub output_format: String,
    /// An incremental export's view: `NEW_AND_OLD_IMAGES` or `NEW_IMAGE`.
    #[serde(default)]
    pub output_view: Option<String>,
    /// Items (full) or changes (incremental) in the export.
    pub item_count: u64,
    /// The bucket.
    #[serde(default)]
    pub s3_bucket: Option<String>,
    /// The prefix the export was written under.
    #[serde(default)]
    pub s3_prefix: Option<String>,
    /// The key of `manifest-files.json`, from the bucket's root.
    pub manifest_files_s3_key: String,
}

/// One line of `manifest-files.json`: a data file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ManifestFile {
    pub(crate) item_count: u64,
    /// Base64 MD5 of the (compressed) file.
    pub(crate) md5_checksum: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) etag: Option<String>,
    /// The file's key, from the bucket's root.
    pub(crate) data_file_s3_key: String,
}

/// Parses `manifest-summary.json`.
pub(crate) fn summary(bytes: &[u8], file: &str) -> Result<ExportSummary, Error> {
    serde_json::from_slice(bytes).map_err(|e| malformed(file, &e))
}

/// Parses `manifest-files.json`.
pub(crate) fn files(bytes: &[u8], file: &str) -> Result<Vec<ManifestFile>, Error> {
    bytes
        .split(|b| *b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .map(|line| serde_json::from_slice(line).map_err(|e| malformed(file, &e)))
        .collect()
}

fn malformed(file: &str, e: &serde_json::Error) -> Error {
    Error::ExportFile {
        file: file.to_owned(),
        reason: format!(
            "not an export manifest (line {}, column {})",
            e.line(),
            e.column()
        ),
    }
}

/// `manifest-files.json` text for `files` (each line ends in a newline, as AWS writes it).
pub(crate) fn files_text(files: &[ManifestFile]) -> String {
    let mut out = String::new();
    for file in files {
        out.push_str(&serde_json::to_string(file).unwrap_or_default());
        out.push('\n');
    }
    out
}
