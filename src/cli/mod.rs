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
//! `drift`, `migrate`, `get`, `query` and `doctor` for registry `AppItem`'s table (`--help` on
//! each). The client comes from the standard AWS configuration (`AWS_REGION`,
//! `AWS_ENDPOINT_URL`, profiles, …), or `--endpoint URL`; `--table NAME` overrides the
//! declared table name. Exit codes: 0 success, 1 the doctor found problems (or `get` found
//! nothing), 2 an error.

mod args;
mod commands;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::deploy::Deployment;
use crate::registry::Registry;

/// Runs the tool with the process's arguments and `Deployment::default()`; returns the
/// exit code for `main`. [`Tool`] gives it your deployment.
pub fn run<R: Registry>() -> ExitCode {
    Tool::<R>::new().run()
}

/// The tool for registry `R`'s table and a [`Deployment`] — the one `ensure-table`
/// applies, `drift` and `doctor` check, and `export` writes:
///
/// ```no_run
/// # mod app { use serde::{Deserialize, Serialize};
/// # #[derive(Debug, dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
/// # #[derive(Debug, Clone, PartialEq, dynamorm::Registry)] #[dynamo(table = App)] pub enum AppItem { User(User) } }
/// use dynamorm::deploy::Deployment;
/// fn main() -> std::process::ExitCode {
///     let deployment = Deployment::production().tag("team", "accounts");
///     dynamorm::cli::Tool::<app::AppItem>::new().deployment(deployment).run()
/// }
/// ```
#[must_use = "the tool does nothing until `.run()`"]
pub struct Tool<R> {
    deployment: Deployment,
    registry: std::marker::PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for Tool<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tool")
            .field("deployment", &self.deployment)
            .finish()
    }
}

impl<R: Registry> Default for Tool<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Registry> Tool<R> {
    /// The tool with `Deployment::default()`.
    pub fn new() -> Self {
        Self {
            deployment: Deployment::default(),
            registry: std::marker::PhantomData,
        }
    }

    /// The table's deployment.
    pub fn deployment(mut self, deployment: Deployment) -> Self {
        self.deployment = deployment;
        self
    }

    /// Runs with the process's arguments; returns the exit code for `main`.
    pub fn run(self) -> ExitCode {
        self.run_with(std::env::args_os())
    }

    /// Runs with `args` (the first is the program name).
    pub fn run_with<I, T>(self, args: I) -> ExitCode
    where
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
        match runtime.block_on(commands::execute::<R>(cli, self.deployment)) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        }
    }
}
