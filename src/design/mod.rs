//! Design tooling built from the declarations: infrastructure as code for the table
//! (CloudFormation, Terraform), a data model for AWS's NoSQL Workbench, and a self-contained
//! HTML picture of the design. Everything is rendered from the registry and table the
//! application already declares, so none of it can drift from the code.
//!
//! ```
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Debug, dynamorm::Table)] #[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))] pub struct App;
//! # #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, dynamorm::Entity)]
//! # #[dynamo(table = App, pk = "USER#{id}", sk = "USER", index(GSI1, pk = "EMAIL#{email}", sk = "USER"))]
//! # pub struct User { id: String, email: String }
//! # #[derive(Debug, Clone, PartialEq, dynamorm::Registry)] #[dynamo(table = App)] pub enum AppItem { User(User) }
//! use dynamorm::{deploy::Deployment, design};
//!
//! let deployment = Deployment::default().point_in_time_recovery(true);
//! let template = design::cloudformation_json::<App>(&deployment)?;
//! assert!(template.contains("\"AWS::DynamoDB::Table\""));
//! let terraform = design::terraform_json::<App>(&deployment)?;
//! assert!(terraform.contains("\"aws_dynamodb_table\""));
//! let page = design::html::<AppItem>();
//! assert!(page.contains("EMAIL#{email}"));
//! # Ok::<(), dynamorm::Error>(())
//! ```

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Item;
use crate::registry::Registry;

mod aggregate;
mod cloudformation;
mod global_table;
mod html;
mod terraform;
mod workbench;
mod yaml;

pub use cloudformation::{cloudformation, cloudformation_json, cloudformation_yaml};
pub use html::{html, html_with_samples};
pub use terraform::{terraform, terraform_json};
pub use workbench::{TypeConflict, workbench, workbench_conflicts, workbench_json};

/// Pretty JSON of a value this module built (a `serde_json::Value` always serializes).
fn pretty(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// `tracker` → `TrackerTable`, `big_time-deals` → `BigTimeDealsTable`: CloudFormation's
/// logical ids are alphanumeric.
fn logical_id(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'T');
    }
    out.push_str("Table");
    out
}

/// Each sample as stored, with its entity type; `NULL`s left out, as AWS's own converter
/// leaves them out (Workbench and the page's aggregate view show an absent attribute, not a
/// null one). Samples that do not encode are left out: they could not be stored either.
fn sample_items<R: Registry>(samples: &[R]) -> Vec<(Option<&'static str>, Item)> {
    samples
        .iter()
        .filter_map(|s| Some((s.discriminator(), without_nulls(s.to_stored_item().ok()?))))
        .collect()
}

/// `item` without its `NULL` attributes, at every level of maps.
fn without_nulls(item: Item) -> Item {
    item.into_iter()
        .filter(|(_, v)| !matches!(v, AttributeValue::Null(_)))
        .map(|(k, v)| match v {
            AttributeValue::M(m) => (k, AttributeValue::M(without_nulls(m))),
            other => (k, other),
        })
        .collect()
}

/// Text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
