//! Bulk data in and out of a table through S3 (feature `s3`): [`ImportWriter`] writes
//! entities of any types as `ImportTable` input — DynamoDB JSON lines, gzip, sized files,
//! every item rendered exactly as a put renders it — and [`Db::import_table`] sends the
//! `ImportTable` request for the declared table; [`Export`] reads an
//! `ExportTableToPointInTime` export (full: items; incremental: changes) back as typed
//! values through a registry, in constant memory, checking each file against its
//! manifest. Paths are local directories or S3 ([`Location`], over the `object_store`
//! crate).
//!
//! An import loads a *new* table without consuming write capacity; what `ImportTable`
//! cannot set (stream, TTL, point-in-time recovery, tags, table class, policy, vector
//! indexes, …) [`Db::ensure_table_with`](crate::Db::ensure_table_with) applies once it
//! has finished. Neither local server implements `ImportTable` or exports: the request is
//! pinned on the wire, the files are read back by [`Export`] and by the SDK's types.
//!
//! [`Db::import_table`]: crate::Db::import_table

mod export;
mod import;
mod lines;
mod location;
mod manifest;
mod request;

pub use export::{Export, ExportChange, ExportProgress};
pub use import::{ImportFiles, ImportWriter, MAX_IMPORT_FILES};
pub use location::Location;
pub use manifest::{ExportSummary, ExportType};
pub use request::ImportTable;
