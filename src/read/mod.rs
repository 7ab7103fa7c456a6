//! Multi-item reads: [`Query`] (one partition) and [`Scan`] (a whole table or index), with
//! typed key conditions, pagination as async streams, and resumable [`Cursor`]s.

mod cursor;
mod item;
mod keys;
mod merge;
mod page;
mod query;
mod range;
mod scan;

pub use cursor::Cursor;
pub use keys::{KeyFieldType, KeyValue, KeyValues, TimeBucketed};
pub use page::Page;
pub use query::Query;
pub use scan::{Scan, Scannable};

pub(crate) use item::read_consistent;
pub(crate) use query::raw_output;
#[doc(hidden)]
pub use query::{Output, registry_output};
