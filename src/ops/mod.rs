//! The single-item operations: one builder per file, each ending in `.send().await`. Each
//! is a typed front over the write pipeline ([`crate::write`]): it plans its write as data
//! and hands the plan to `write::send`.

mod delete;
mod get;
mod insert;
mod put;
mod update;
mod update_keys;

pub use delete::Delete;
pub(crate) use delete::DeleteCore;
pub use get::Get;
pub(crate) use get::GetCore;
pub use insert::Insert;
pub use put::Put;
pub(crate) use put::PutCore;
pub use update::Update;
pub(crate) use update::UpdateCore;
