//! A command-line tool for your own design (feature `cli`): a three-line binary
//!
//! ```no_run
//! # mod app { use serde::{Deserialize, Serialize};
//! # #[derive(Debug, dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
//! # #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
//! # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
//! # #[derive(Debug, Clone, PartialEq, dynamorm::Registry)] #[dynamo(table = App)] pub enum AppItem { User(User) } }
//! fn main() -> std::process::ExitCode {
//!     dynamorm::cli::run::<app::AppItem>()
//! }
//! ```
//!
//! gives `report`, `export (cloudformation|terraform|workbench|html)`, `ensure-table`,
//! `migrate`, `get`, `query` and `doctor` for registry `AppItem`'s table (`--help` on
//! each). The client comes from the standard AWS configuration (`AWS_REGION`,
//! `AWS_ENDPOINT_URL`, profiles, …), or `--endpoint URL`; `--table NAME` overrides the
//! declared table name. Exit codes: 0 success, 1 the doctor found problems (or `get` found
//! nothing), 2 an error.

mod args;
mod commands;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::registry::Registry;

/// Runs the tool with the process's arguments; returns the exit code for `main`.
pub fn run<R: Registry>() -> ExitCode {
    run_with::<R, _, _>(std::env::args_os())
}

/// Runs the tool with `args` (the first is the program name), as [`run`] does.
pub fn run_with<R, I, T>(args: I) -> ExitCode
where
    R: Registry,
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match args::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: no async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(commands::execute::<R>(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
