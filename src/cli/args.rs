//! The command line, declared with clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    about = "Report, export, check and migrate a dynamorm single-table design",
    version
)]
pub(super) struct Cli {
    /// The table's name, if not the declared one.
    #[arg(long, global = true)]
    pub(super) table: Option<String>,
    /// The DynamoDB endpoint (default: the AWS configuration's, e.g. `AWS_ENDPOINT_URL`).
    #[arg(long, global = true)]
    pub(super) endpoint: Option<String>,
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// The design as Markdown: templates, indexes, collections, lifecycle, warnings.
    Report,
    /// Infrastructure as code, a NoSQL Workbench model, or the HTML picture, on stdout.
    Export {
        #[command(subcommand)]
        format: Export,
    },
    /// Creates the table if it does not exist, or checks it and adds missing indexes; then
    /// brings its settings to the deployment.
    EnsureTable,
    /// Compares the live table's settings with the deployment; exits 1 on drift.
    Drift {
        /// The drifts as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Rewrites stored keys to the current templates (see `Db::migrate`).
    Migrate {
        /// Report what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Parallel scan segments.
        #[arg(long, default_value_t = 1)]
        segments: u32,
        /// At most this many items per second.
        #[arg(long)]
        rate: Option<f64>,
        /// At most this many capacity units per second (the migration's own consumption).
        #[arg(long)]
        capacity: Option<f64>,
        /// Items per Scan page.
        #[arg(long)]
        page_size: Option<u32>,
        /// Where to keep progress, so an interrupted run resumes.
        #[arg(long, conflicts_with = "shared")]
        checkpoint: Option<PathBuf>,
        /// Run together with every process started with this name (segment leases in the
        /// table; give each the same --segments).
        #[arg(long)]
        shared: Option<String>,
        /// With --shared: seconds a segment lease lasts unrenewed.
        #[arg(long, default_value_t = 30.0)]
        lease_seconds: f64,
        /// With --shared: segments this process works on at once.
        #[arg(long, default_value_t = 2)]
        parallel: u32,
    },
    /// Prints one item as JSON, by its stored key.
    Get {
        /// The partition key value, e.g. `TENANT#acme`.
        partition_key: String,
        /// The sort key value.
        sort_key: Option<String>,
    },
    /// Prints the items of one partition as JSON, one per line.
    Query {
        /// The partition key value.
        partition_key: String,
        /// Only sort keys starting with this.
        #[arg(long)]
        sort_key_prefix: Option<String>,
        /// A template index to query instead of the table.
        #[arg(long)]
        index: Option<String>,
        /// At most this many items.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Checks the live table (settings, indexes, items) against the declarations; exits 1
    /// on findings.
    Doctor {
        /// Parallel scan segments.
        #[arg(long, default_value_t = 4)]
        segments: u32,
        /// At most this many items per second.
        #[arg(long)]
        rate: Option<f64>,
        /// Findings as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum Export {
    /// An `AWS::DynamoDB::Table` CloudFormation template (JSON, or `--yaml`).
    Cloudformation {
        /// YAML instead of JSON.
        #[arg(long)]
        yaml: bool,
    },
    /// An `aws_dynamodb_table` Terraform resource (`.tf.json`).
    Terraform,
    /// A NoSQL Workbench data model.
    Workbench {
        /// The model's name.
        #[arg(long, default_value = "dynamorm")]
        name: String,
        /// Sample items for the facets.
        #[command(flatten)]
        samples: SampleArgs,
    },
    /// A self-contained HTML page of the design; with samples, their aggregate view first.
    Html {
        /// Sample items for the aggregate view.
        #[command(flatten)]
        samples: SampleArgs,
    },
}

/// Where sample items come from (`export workbench` and `export html`).
#[derive(Debug, Args)]
pub(super) struct SampleArgs {
    /// Sample items from a file of items in DynamoDB JSON, as a JSON array or one item per
    /// line (an export's `{"Item": {..}}` lines too).
    #[arg(long, value_name = "FILE")]
    pub(super) samples: Option<PathBuf>,
    /// Sample items read from the live table instead: up to this many (a scan).
    #[arg(long, value_name = "N", conflicts_with = "samples")]
    pub(super) samples_from_table: Option<usize>,
}
