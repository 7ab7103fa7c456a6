//! What each subcommand does: everything through the library, printed for people (or as
//! JSON where asked).

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use indicatif::{ProgressBar, ProgressStyle};

use super::args::{Cli, Command, Export, SampleArgs};
use crate::deploy::Deployment;
use crate::design;
use crate::registry::Registry;
use crate::table::Table;
use crate::{Db, EncodeError, Error, InvalidInputKind, Item, Report};

pub(super) async fn execute<R: Registry>(
    cli: Cli,
    deployment: Deployment,
) -> Result<ExitCode, Error> {
    let declared = <R::Table as Table>::SCHEMA.name();
    match cli.command {
        Command::Report => {
            print(&Report::new::<R>().render())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { format } => {
            let mut deployment = deployment;
            if let Some(name) = &cli.table {
                deployment = deployment.table_name(name.clone());
            }
            let text = match format {
                Export::Cloudformation { yaml: false } => {
                    design::cloudformation_json::<R::Table>(&deployment)?
                }
                Export::Cloudformation { yaml: true } => {
                    design::cloudformation_yaml::<R::Table>(&deployment)?
                }
                Export::Terraform => design::terraform_json::<R::Table>(&deployment)?,
                Export::Workbench { name, samples } => {
                    let samples = samples_of::<R>(samples, cli.table, cli.endpoint).await?;
                    for conflict in design::workbench_conflicts(&samples) {
                        eprintln!("warning: {conflict}");
                    }
                    design::workbench_json::<R>(&name, &samples, &deployment)
                }
                Export::Html { samples } => {
                    let samples = samples_of::<R>(samples, cli.table, cli.endpoint).await?;
                    design::html_with_samples::<R>(&samples)
                }
            };
            print(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        command => {
            // The table: `--table`, else the deployment's name, else the declared one.
            let table = cli.table.or_else(|| deployment.table_name.clone());
            let db = db::<R>(table.as_deref(), cli.endpoint).await;
            let name = table.as_deref().unwrap_or(declared);
            live::<R>(&db, name, command, deployment).await
        }
    }
}

/// The sample items `args` name: from a file, from the live table (`table`, `endpoint`),
/// or none.
async fn samples_of<R: Registry>(
    args: SampleArgs,
    table: Option<String>,
    endpoint: Option<String>,
) -> Result<Vec<R>, Error> {
    match (args.samples, args.samples_from_table) {
        (Some(path), _) => file_samples::<R>(&path),
        (None, Some(limit)) => {
            let db = db::<R>(table.as_deref(), endpoint).await;
            table_samples::<R>(&db, limit).await
        }
        (None, None) => Ok(Vec::new()),
    }
}

/// Sample items from a file of DynamoDB JSON items: a JSON array, or one item per line
/// (bare, or an export's `{"Item": {..}}`), each decoded through the registry.
fn file_samples<R: Registry>(path: &std::path::Path) -> Result<Vec<R>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        what: "the samples file",
        source,
    })?;
    let values: Vec<serde_json::Value> = if text.trim_start().starts_with('[') {
        serde_json::from_str(&text).map_err(|e| bad_samples(&e))?
    } else {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()
            .map_err(|e| bad_samples(&e))?
    };
    values
        .into_iter()
        .map(|mut value| {
            if let Some(inner) = value.get_mut("Item") {
                value = inner.take();
            }
            let item: serde_dynamo::Item =
                serde_json::from_value(value).map_err(|e| bad_samples(&e))?;
            R::from_item(item.into())
        })
        .collect()
}

/// Up to `limit` items of the live table (the library's own items left out), each decoded
/// through the registry.
async fn table_samples<R: Registry>(db: &Db<R::Table>, limit: usize) -> Result<Vec<R>, Error> {
    use futures::{StreamExt as _, TryStreamExt as _};
    let discriminator = <R::Table as Table>::SCHEMA.discriminator();
    crate::read::Scan::<(), Item>::new::<R::Table>(db.inner.clone(), crate::read::raw_output())
        .stream()
        .try_filter(|item| {
            let internal = matches!(
                item.get(discriminator),
                Some(AttributeValue::S(d)) if crate::write::internal::is_internal(d)
            );
            std::future::ready(!internal)
        })
        .take(limit)
        .map(|item| item.and_then(R::from_item))
        .try_collect()
        .await
}

/// A samples file that is not DynamoDB JSON (the position, never the content).
fn bad_samples(e: &serde_json::Error) -> Error {
    Error::invalid(
        InvalidInputKind::Configuration,
        format!(
            "the samples file is not DynamoDB JSON items (line {}, column {})",
            e.line(),
            e.column()
        ),
    )
}

/// The commands that talk to the table.
async fn live<R: Registry>(
    db: &Db<R::Table>,
    name: &str,
    command: Command,
    deployment: Deployment,
) -> Result<ExitCode, Error> {
    match command {
        Command::EnsureTable => {
            db.ensure_table_with(&deployment).await?;
            eprintln!("table `{name}` is ready");
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate {
            dry_run,
            segments,
            rate,
            capacity,
            page_size,
            checkpoint,
            shared,
            lease_seconds,
            parallel,
        } => {
            let bar = spinner("migrating");
            let tick = bar.clone();
            let mut migration = db.migrate::<R>().segments(segments).on_progress(move |p| {
                tick.set_position(p.scanned);
                tick.set_message(format!(
                    "{} updated, {} moved, {} reshaped, {} failed",
                    p.updated, p.moved, p.reshaped, p.failed
                ));
            });
            if dry_run {
                migration = migration.dry_run();
            }
            if let Some(rate) = rate {
                migration = migration.rate_limit(rate);
            }
            if let Some(units) = capacity {
                migration = migration.capacity_limit(units);
            }
            if let Some(n) = page_size {
                migration = migration.page_size(n);
            }
            if let Some(path) = checkpoint {
                migration = migration.checkpoint(crate::migrate::FileCheckpoint::new(path));
            }
            if let Some(name) = shared {
                migration = migration
                    .shared(name)
                    .lease_duration(std::time::Duration::from_secs_f64(lease_seconds.max(0.1)))
                    .parallel(parallel);
            }
            let report = migration.run().await?;
            bar.finish_and_clear();
            Ok(migration_outcome(&report))
        }
        Command::Get {
            partition_key,
            sort_key,
        } => get::<R>(db, partition_key, sort_key).await,
        Command::Query {
            partition_key,
            sort_key_prefix,
            index,
            limit,
        } => {
            query::<R>(db, partition_key, sort_key_prefix, index, limit).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Drift { json } => drift::<R>(db, name, &deployment, json).await,
        Command::Doctor {
            segments,
            rate,
            json,
        } => doctor::<R>(db, name, segments, rate, json, deployment).await,
        Command::Report | Command::Export { .. } => Ok(ExitCode::SUCCESS),
    }
}

/// Prints a migration's outcome (and each failure's key: the operator's own tool) and
/// chooses the exit code.
fn migration_outcome(report: &crate::migrate::MigrationReport) -> ExitCode {
    let p = &report.progress;
    eprintln!(
        "{}: {} scanned, {} updated, {} moved, {} reshaped, {} left in an earlier shape, {} failed{}",
        if report.dry_run {
            "dry run"
        } else {
            "migration"
        },
        p.scanned,
        p.updated,
        p.moved,
        p.reshaped,
        p.earlier_shapes_left,
        p.failed,
        if report.complete {
            ""
        } else {
            " (stopped; run again to resume)"
        }
    );
    // The operator's own tool: keys are printed (the library's `Debug` hides them).
    for failure in &report.failures {
        let key = failure.key.as_ref().map_or(String::from("(no key)"), |k| {
            format!(
                "{} / {}",
                k.partition_key,
                k.sort_key.as_deref().unwrap_or("")
            )
        });
        eprintln!("  {key}: {}", failure.error);
    }
    if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `get`: the item at a key, printed with its type.
async fn get<R: Registry>(
    db: &Db<R::Table>,
    partition_key: String,
    sort_key: Option<String>,
) -> Result<ExitCode, Error> {
    let schema = &<R::Table as Table>::SCHEMA;
    let mut request = db
        .client()
        .get_item()
        .table_name(db.table_name())
        .consistent_read(true)
        .key(schema.partition_key(), AttributeValue::S(partition_key));
    if let (Some(attribute), Some(sk)) = (schema.sort_key(), sort_key) {
        request = request.key(attribute, AttributeValue::S(sk));
    }
    let item = request
        .send()
        .await
        .map_err(|e| crate::error::service("GetItem", e))?
        .item;
    match item {
        Some(item) => {
            print_item::<R>(&item)?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("no item at that key");
            Ok(ExitCode::from(1))
        }
    }
}

/// `drift`: the live table's settings against the deployment.
async fn drift<R: Registry>(
    db: &Db<R::Table>,
    name: &str,
    deployment: &Deployment,
    json: bool,
) -> Result<ExitCode, Error> {
    let drifts = db.drift(deployment).await?;
    if json {
        let text = serde_json::to_string_pretty(&drifts)
            .map_err(|e| Error::Encode(Box::new(EncodeError::new("the JSON output", e))))?;
        print(&format!("{text}\n"))?;
    } else {
        for drift in &drifts {
            println!("{drift}");
        }
        eprintln!("table `{name}`: {} settings drifted", drifts.len());
    }
    Ok(if drifts.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `doctor`: checks every item, prints the findings (keys revealed) and a summary.
async fn doctor<R: Registry>(
    db: &Db<R::Table>,
    name: &str,
    segments: u32,
    rate: Option<f64>,
    json: bool,
    deployment: Deployment,
) -> Result<ExitCode, Error> {
    let bar = spinner("checking");
    let tick = bar.clone();
    let mut doctor = db
        .doctor::<R>()
        .settings(deployment)
        .segments(segments)
        .on_progress(move |p| tick.set_position(p.scanned));
    if let Some(rate) = rate {
        doctor = doctor.rate_limit(rate);
    }
    let checkup = doctor.run().await?;
    bar.finish_and_clear();
    if json {
        let text = serde_json::to_string_pretty(&checkup)
            .map_err(|e| Error::Encode(Box::new(EncodeError::new("the JSON output", e))))?;
        print(&format!("{text}\n"))?;
    } else {
        let mut out = String::new();
        for drift in &checkup.settings {
            out.push_str(&format!("setting {drift}\n"));
        }
        for problem in &checkup.indexes {
            out.push_str(&format!("{problem}\n"));
        }
        for finding in &checkup.findings {
            out.push_str(&format!("{}\n", finding.revealed()));
        }
        for count in checkup.shapes.iter().filter(|c| c.shape != c.current) {
            out.push_str(&format!(
                "{} `{}` items in shape {} (current: {})\n",
                count.items, count.entity, count.shape, count.current
            ));
        }
        print(&out)?;
    }
    let counts: Vec<String> = checkup
        .counts()
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    eprintln!(
        "table `{name}`: {} items checked, {}",
        checkup.scanned,
        if counts.is_empty() {
            "no findings".to_owned()
        } else {
            format!("findings: {}", counts.join(", "))
        }
    );
    Ok(if checkup.is_healthy() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn query<R: Registry>(
    db: &Db<R::Table>,
    partition_key: String,
    prefix: Option<String>,
    index: Option<String>,
    limit: Option<usize>,
) -> Result<(), Error> {
    let schema = &<R::Table as Table>::SCHEMA;
    let (pk, sk) = match &index {
        None => (schema.partition_key(), schema.sort_key()),
        Some(name) => schema
            .index(name)
            .and_then(|i| i.template_keys())
            .ok_or_else(|| {
                Error::invalid(
                    InvalidInputKind::WrongIndexKind,
                    format!(
                        "`{name}` is not a template index of the table (multi-attribute indexes: \
                     query them from code with `query_index`)"
                    ),
                )
            })?,
    };
    let mut condition = String::from("#pk = :pk");
    let mut request = db
        .client()
        .query()
        .table_name(db.table_name())
        .set_index_name(index)
        .expression_attribute_names("#pk", pk)
        .expression_attribute_values(":pk", AttributeValue::S(partition_key));
    if let (Some(prefix), Some(sk)) = (prefix, sk) {
        condition.push_str(" AND begins_with(#sk, :prefix)");
        request = request
            .expression_attribute_names("#sk", sk)
            .expression_attribute_values(":prefix", AttributeValue::S(prefix));
    }
    let mut pages = request
        .key_condition_expression(condition)
        .into_paginator()
        .send();
    let mut printed = 0;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| crate::error::service("Query", e))?;
        for item in page.items.unwrap_or_default() {
            if limit.is_some_and(|l| printed >= l) {
                return Ok(());
            }
            let line = serde_json::to_string(&entry::<R>(&item))
                .map_err(|e| Error::Encode(Box::new(EncodeError::new("the JSON output", e))))?;
            print(&format!("{line}\n"))?;
            printed += 1;
        }
    }
    Ok(())
}

/// An item with its entity type, and why it does not decode if it does not.
fn entry<R: Registry>(item: &Item) -> serde_json::Value {
    let discriminator = <R::Table as Table>::SCHEMA.discriminator();
    let entity = item.get(discriminator).and_then(|d| d.as_s().ok()).cloned();
    let mut out = serde_json::json!({ "entity": entity, "item": crate::plain::item(item) });
    if let Err(e) = R::from_item(item.clone()) {
        out["problem"] = serde_json::json!(e.to_string());
    }
    out
}

fn print_item<R: Registry>(item: &Item) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(&entry::<R>(item))
        .map_err(|e| Error::Encode(Box::new(EncodeError::new("the JSON output", e))))?;
    print(&format!("{text}\n"))
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a panic.
fn print(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(Error::Io {
            what: "the standard output",
            source,
        }),
    }
}

fn spinner(what: &'static str) -> ProgressBar {
    // Drawn on stderr, and only on a terminal: pipes and CI logs stay clean.
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix} {pos} items ({per_sec}) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_prefix(what);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

async fn db<R: Registry>(table: Option<&str>, endpoint: Option<String>) -> Db<R::Table> {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    let client = aws_sdk_dynamodb::Client::new(&loader.load().await);
    match table {
        Some(name) => Db::with_table_name(client, name.to_owned()),
        None => Db::new(client),
    }
}
