//! Multi-item reads: [`Query`] (one partition) and [`Scan`] (a whole table or index), with
//! typed key conditions, pagination as async streams, and resumable [`Cursor`]s.

mod bounds;
mod cursor;
mod hydrate;
mod item;
mod keys;
mod merge;
mod page;
mod query;
mod range;
mod scan;
mod seal;

pub use cursor::Cursor;
pub use keys::{KeyFieldType, KeyValue, KeyValues, TimeBucketed};
pub use page::Page;
pub use query::Query;
pub use scan::{Scan, Scannable};
pub use seal::CursorKey;

pub(crate) use bounds::{Bound, KeyBounds};
pub(crate) use item::read_consistent;
#[doc(hidden)]
pub use query::{Output, registry_output};
pub(crate) use query::{projection_output, raw_output};
