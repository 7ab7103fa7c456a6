#!/usr/bin/env python3
"""Compile cost of a dynamorm design against the same handlers written by hand.

Generates user crates of N entity types (8 fields each, a primary key, one GSI template) with
one handler per type doing put / get / query / index query / update / delete:

  * `dynamorm`:  `#[derive(Entity)]` structs and handlers through `Db`;
  * `raw`:       serde-only structs, keys made with `format!`, the raw `aws-sdk-dynamodb`
                 client and `serde_dynamo` (what a user writes without a library);
  * `base` (with `--baseline PATH`): the `dynamorm` crate against another checkout of
                 dynamorm (e.g. a `git worktree` of an earlier commit), so a before/after
                 comparison is measured in the same run on the same machine.

Then times, for each crate and size, a clean debug build of the user crate alone (its
dependencies already built) and an incremental rebuild after editing one handler, rounds
interleaved (the crate measured first rotates) so that drift in the machine's speed affects
every crate alike. Prints the medians and the ratios to `raw`.

    python3 scripts/compile_cost.py [--types 30,100] [--runs 3] [--baseline PATH]
                                    [--base-flavour old|new]

Nothing here is a test: the figures go in the README beside the runtime ratios.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "compile-cost")


def entity_dynamorm(i):
    return f'''
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = App, pk = "T{i}#{{tenant}}", sk = "E{i}#{{id}}")]
#[dynamo(index(GSI1, pk = "E{i}OWNER#{{owner}}", sk = "E{i}#{{created}}"))]
pub struct E{i} {{
    pub tenant: String,
    pub id: String,
    pub owner: String,
    pub created: u64,
    pub title: String,
    pub count: u32,
    pub tags: Vec<String>,
    pub note: Option<String>,
}}

pub async fn handle_e{i}(db: &Db<App>, value: E{i}) -> Result<usize, dynamorm::Error> {{
    let a = E{i}::attrs();
    db.put(&value).send().await?;
    let got = db.get(value.key()).send().await?;
    let items: Vec<E{i}> = db.query(a.tenant.is(value.tenant.clone())).limit(10).all().await?;
    let owned: Vec<E{i}> = db
        .query(a.owner.is(value.owner.clone()))
        .index(App::GSI1)
        .all()
        .await?;
    let updated = db
        .update(value.key())
        .set(a.title, "EDIT-{i}")
        .add(a.count, 1)
        .send()
        .await?;
    db.delete(value.key()).send().await?;
    Ok(got.map_or(0, |g| g.tags.len()) + items.len() + owned.len() + updated.count as usize)
}}
'''


def entity_raw(i):
    return f'''
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct E{i} {{
    pub tenant: String,
    pub id: String,
    pub owner: String,
    pub created: u64,
    pub title: String,
    pub count: u32,
    pub tags: Vec<String>,
    pub note: Option<String>,
}}

fn key_e{i}(value: &E{i}) -> HashMap<String, AttributeValue> {{
    HashMap::from([
        ("PK".to_owned(), AttributeValue::S(format!("T{i}#{{}}", value.tenant))),
        ("SK".to_owned(), AttributeValue::S(format!("E{i}#{{}}", value.id))),
    ])
}}

pub async fn handle_e{i}(client: &Client, table: &str, value: E{i}) -> Result<usize, Box<dyn std::error::Error>> {{
    let mut item: HashMap<String, AttributeValue> = serde_dynamo::to_item(&value)?;
    item.extend(key_e{i}(&value));
    item.insert("GSI1PK".to_owned(), AttributeValue::S(format!("E{i}OWNER#{{}}", value.owner)));
    item.insert("GSI1SK".to_owned(), AttributeValue::S(format!("E{i}#{{:020}}", value.created)));
    item.insert("_type".to_owned(), AttributeValue::S("E{i}".to_owned()));
    client.put_item().table_name(table).set_item(Some(item)).send().await?;
    let got = client.get_item().table_name(table).set_key(Some(key_e{i}(&value))).send().await?;
    let got: Option<E{i}> = got.item.map(serde_dynamo::from_item).transpose()?;
    let page = client
        .query()
        .table_name(table)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", "PK")
        .expression_attribute_values(":pk", AttributeValue::S(format!("T{i}#{{}}", value.tenant)))
        .limit(10)
        .send()
        .await?;
    let items: Vec<E{i}> = serde_dynamo::from_items(page.items.unwrap_or_default())?;
    let page = client
        .query()
        .table_name(table)
        .index_name("GSI1")
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", "GSI1PK")
        .expression_attribute_values(":pk", AttributeValue::S(format!("E{i}OWNER#{{}}", value.owner)))
        .send()
        .await?;
    let owned: Vec<E{i}> = serde_dynamo::from_items(page.items.unwrap_or_default())?;
    let updated = client
        .update_item()
        .table_name(table)
        .set_key(Some(key_e{i}(&value)))
        .update_expression("SET #t = :t ADD #c :c")
        .expression_attribute_names("#t", "title")
        .expression_attribute_names("#c", "count")
        .expression_attribute_values(":t", AttributeValue::S("EDIT-{i}".to_owned()))
        .expression_attribute_values(":c", AttributeValue::N("1".to_owned()))
        .return_values(ReturnValue::AllNew)
        .send()
        .await?;
    let updated: E{i} = serde_dynamo::from_item(updated.attributes.unwrap_or_default())?;
    client.delete_item().table_name(table).set_key(Some(key_e{i}(&value))).send().await?;
    Ok(got.map_or(0, |g| g.tags.len()) + items.len() + owned.len() + updated.count as usize)
}}
'''


HEADER_DYNAMORM = '''//! Generated by scripts/compile_cost.py.
#![allow(dead_code)]
use dynamorm::{Db, Entity, Table};
use serde::{Deserialize, Serialize};

#[derive(Table)]
#[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))]
pub struct App;
'''

HEADER_RAW = '''//! Generated by scripts/compile_cost.py.
#![allow(dead_code)]
use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use serde::{Deserialize, Serialize};
'''


def manifest(name, dynamorm_path):
    deps = [
        'serde = { version = "1.0.200", features = ["derive"] }',
        'serde_dynamo = { version = "4.2", features = ["aws-sdk-dynamodb+1"] }',
        'aws-sdk-dynamodb = { version = "1.100", default-features = false, '
        'features = ["rt-tokio", "default-https-client", "behavior-version-latest"] }',
    ]
    if dynamorm_path:
        deps.append(f'dynamorm = {{ path = "{dynamorm_path}" }}')
    return "\n".join([
        "[package]",
        f'name = "{name}"',
        'version = "0.0.0"',
        'edition = "2024"',
        "publish = false",
        "",
        "[workspace]",
        "",
        "[dependencies]",
        *deps,
        "",
        "[profile.dev]",
        'debug = "line-tables-only"',
        "",
        '[profile.dev.package."*"]',
        "debug = false",
        "",
    ])


def generate(kind, n, dynamorm_path):
    name = f"{kind}_{n}"
    path = os.path.join(WORK, name)
    os.makedirs(os.path.join(path, "src"), exist_ok=True)
    with open(os.path.join(path, "Cargo.toml"), "w") as f:
        f.write(manifest(name, dynamorm_path if kind != "raw" else None))
    shutil.copy(os.path.join(ROOT, "Cargo.lock"), os.path.join(path, "Cargo.lock"))
    header, body = (HEADER_RAW, entity_raw) if kind == "raw" else (HEADER_DYNAMORM, entity_dynamorm)
    with open(os.path.join(path, "src", "lib.rs"), "w") as f:
        f.write(header + "".join(body(i) for i in range(n)))
    return name, path


def cargo(path, *args):
    env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(WORK, "target"))
    env.pop("CARGO_INCREMENTAL", None)  # the edit measurement is an incremental rebuild
    started = time.perf_counter()
    done = subprocess.run(["cargo", *args, "--offline", "-q"], cwd=path, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"cargo {' '.join(args)} failed in {path}:\n{done.stderr[-4000:]}")
    return time.perf_counter() - started


def edit_one_handler(path, edition):
    """Changes a literal in the first handler: a real edit the compiler must recompile."""
    lib = os.path.join(path, "src", "lib.rs")
    with open(lib) as f:
        text = f.read()
    marker = '"EDIT-0'
    at = text.index(marker) + len(marker)
    end = text.index('"', at)
    with open(lib, "w") as f:
        f.write(text[:at] + f"-{edition}" + text[end:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--types", default="30,100")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", help="another dynamorm checkout to measure as `base`")
    args = parser.parse_args()
    sizes = [int(s) for s in args.types.split(",")]
    kinds = {"raw": None, "dynamorm": ROOT}
    if args.baseline:
        kinds["base"] = os.path.abspath(args.baseline)
    crates = {(k, n): generate(k, n, p) for n in sizes for k, p in kinds.items()}
    # Dependencies once (and a first build of each crate, so its lock file is settled).
    for (_, path) in crates.values():
        cargo(path, "build")
    clean = {key: [] for key in crates}
    edit = {key: [] for key in crates}
    order = list(crates)
    for run in range(args.runs):
        rotated = order[run % len(order):] + order[:run % len(order)]
        for key in rotated:
            name, path = crates[key]
            cargo(path, "clean", "-p", name)
            clean[key].append(cargo(path, "build"))
            edit_one_handler(path, run)
            edit[key].append(cargo(path, "build"))
            print(f"  run {run + 1}: {name:<14} clean {clean[key][-1]:6.1f} s   "
                  f"edit {edit[key][-1]:5.1f} s", file=sys.stderr)
    print()
    print(f"| types | crate | clean debug build (s) | ratio to raw | edit one handler (s) | ratio to raw |")
    print("|---:|---|---:|---:|---:|---:|")
    for n in sizes:
        raw_clean = statistics.median(clean[("raw", n)])
        raw_edit = statistics.median(edit[("raw", n)])
        for kind in kinds:
            c, e = statistics.median(clean[(kind, n)]), statistics.median(edit[(kind, n)])
            spread = f"{min(clean[(kind, n)]):.1f}–{max(clean[(kind, n)]):.1f}"
            print(f"| {n} | {kind} | {c:.1f} ({spread}) | {c / raw_clean:.2f} | {e:.1f} | {e / raw_edit:.2f} |")
    print(f"\nmedians of {args.runs} interleaved runs; dependencies prebuilt; debug profile")


if __name__ == "__main__":
    main()
