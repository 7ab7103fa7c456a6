//! Transactions across entity types: all-or-nothing writes with typed cancellation
//! reasons, and consistent multi-item reads.

mod get;
mod write;

pub use get::{TransactGet, TransactGetOutput};
pub use write::{Action, ConditionCheck, TransactAction, TransactWrite};

pub use crate::error::cancel::{CancelReason, CanceledAction, TransactionCanceled};
