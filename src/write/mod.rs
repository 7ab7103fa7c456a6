//! The write pipeline: every write the library makes — put, create, update, delete,
//! condition check, unique-value sentinels, transactions, batches, migrations — is first
//! planned as plain data and then sent from one place.
//!
//! - [`guard`]: the conditions the library adds to a write (what may be stored at the key,
//!   the version, unique values unchanged since read) and how they combine with the
//!   caller's condition — composed once, here.
//! - [`plan`]: a [`Plan`] is one write as data: key, operation, rendered condition and
//!   placeholders, and how to classify its failure. Planning validates everything
//!   (key, item, values, expression lengths), so an invalid write is an error before
//!   anything is sent.
//! - [`send`]: the only module that hands writes (and table administration) to the SDK:
//!   a plan as a single request or as a transaction item, batches, and table calls, each
//!   through `observe`.
//! - [`classify`]: what a failed condition means (not found, wrong entity, version
//!   conflict, exhausted version, condition failed, already exists), from the item as it
//!   was.

pub(crate) mod classify;
pub(crate) mod guard;
pub(crate) mod internal;
pub(crate) mod keyspace;
pub(crate) mod plan;
pub(crate) mod send;

pub(crate) use classify::{Outcome, is_lost_race};
pub(crate) use guard::{Guards, Presence};
pub(crate) use plan::Plan;
