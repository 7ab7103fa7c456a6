//! Where a live table differs from its [`Deployment`]: one [`Drift`] per setting, with the
//! declared and the live value. Values DynamoDB computes are not drift: warm throughput
//! counts only when declared, and then only when the live value is below it (DynamoDB
//! raises it with use); an unlimited on-demand maximum may be reported as absent or `-1`.

use std::collections::BTreeSet;
use std::fmt;

use super::live::Live;
use super::send::Answer;
use super::settings::{
    Billing, Consistency, ContributorInsights, Deployment, IndexSettings, MaxThroughput,
    WarmThroughput,
};
use crate::table::TableSchema;

/// One setting of a table, as a drift check names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Setting {
    /// Billing mode (and provisioned capacity).
    Billing,
    /// The table's on-demand maximum throughput.
    MaxThroughput,
    /// An index's on-demand maximum throughput.
    IndexMaxThroughput(String),
    /// An index's provisioned capacity (a provisioned table's, the same as the table's).
    IndexCapacity(String),
    /// The table's warm throughput.
    WarmThroughput,
    /// An index's warm throughput.
    IndexWarmThroughput(String),
    /// The table class.
    TableClass,
    /// The DynamoDB stream and its view.
    Stream,
    /// Deletion protection.
    DeletionProtection,
    /// Time to live (the declared TTL attribute).
    TimeToLive,
    /// One tag, by key.
    Tag(String),
    /// The resource-based policy.
    ResourcePolicy,
    /// Point-in-time recovery and its recovery period.
    PointInTimeRecovery,
    /// Contributor Insights.
    ContributorInsights,
    /// A replica, by Region.
    Replica(String),
    /// How the replicas agree (and the witness Region).
    Consistency,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Billing => f.write_str("billing"),
            Self::MaxThroughput => f.write_str("maximum on-demand throughput"),
            Self::IndexMaxThroughput(i) => write!(f, "maximum on-demand throughput of `{i}`"),
            Self::IndexCapacity(i) => write!(f, "provisioned capacity of `{i}`"),
            Self::WarmThroughput => f.write_str("warm throughput"),
            Self::IndexWarmThroughput(i) => write!(f, "warm throughput of `{i}`"),
            Self::TableClass => f.write_str("table class"),
            Self::Stream => f.write_str("stream"),
            Self::DeletionProtection => f.write_str("deletion protection"),
            Self::TimeToLive => f.write_str("time to live"),
            Self::Tag(key) => write!(f, "tag `{key}`"),
            Self::ResourcePolicy => f.write_str("resource policy"),
            Self::PointInTimeRecovery => f.write_str("point-in-time recovery"),
            Self::ContributorInsights => f.write_str("contributor insights"),
            Self::Replica(region) => write!(f, "replica in {region}"),
            Self::Consistency => f.write_str("multi-Region consistency"),
        }
    }
}

impl serde::Serialize for Setting {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A setting whose live value is not the declared one. Settings hold no item data, so
/// both values are shown as they are.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Drift {
    /// Which setting.
    pub setting: Setting,
    /// The declared value, for people (`"on"`, `"NEW_AND_OLD_IMAGES"`, …).
    pub declared: String,
    /// The live value, for people; `"unknown: …"` when the server does not implement
    /// the setting (a local server) and the declaration asks for more than the default.
    pub live: String,
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: declared {}, live {}",
            self.setting, self.declared, self.live
        )
    }
}

/// Collects the drifts of one comparison.
struct Drifts(Vec<Drift>);

impl Drifts {
    /// Records `setting` when `declared` and `live` differ.
    fn compare<V: PartialEq>(
        &mut self,
        setting: Setting,
        declared: V,
        live: V,
        show: fn(&V) -> String,
    ) {
        if declared != live {
            self.push(setting, show(&declared), show(&live));
        }
    }

    /// Like [`Drifts::compare`], for a setting the server may not implement: then only a
    /// declaration asking for more than `default` is drift.
    fn answered<V: PartialEq + Clone>(
        &mut self,
        setting: Setting,
        declared: V,
        live: &Answer<V>,
        default: V,
        show: fn(&V) -> String,
    ) {
        match live {
            Ok(live) => self.compare(setting, declared, live.clone(), show),
            Err(unavailable) if declared != default => {
                self.push(
                    setting,
                    show(&declared),
                    format!("unknown: {}", unavailable.0),
                );
            }
            Err(_) => {}
        }
    }

    fn push(&mut self, setting: Setting, declared: String, live: String) {
        self.0.push(Drift {
            setting,
            declared,
            live,
        });
    }
}

/// The drifts of `live` from `deployment` for a table declared as `schema`; `home` is the
/// client's Region (DynamoDB may list it among the replicas).
pub(crate) fn compare(
    schema: &TableSchema,
    deployment: &Deployment,
    live: &Live,
    home: Option<&str>,
) -> Vec<Drift> {
    let mut d = Drifts(Vec::new());
    d.compare(
        Setting::Billing,
        deployment.billing,
        live.billing,
        show_billing,
    );
    if deployment.billing == Billing::OnDemand {
        let declared = deployment.max_throughput.unwrap_or_default();
        d.compare(
            Setting::MaxThroughput,
            declared,
            live.max_throughput,
            show_max,
        );
    }
    compare_warm(
        &mut d,
        Setting::WarmThroughput,
        deployment.warm_throughput,
        live.warm_throughput,
    );
    compare_capacity(&mut d, schema, deployment, live);
    for index in schema.indexes() {
        let declared = deployment
            .indexes
            .get(index.name())
            .cloned()
            .unwrap_or_default();
        let found = live.indexes.get(index.name()).cloned().unwrap_or_default();
        compare_index(&mut d, index.name(), deployment, declared, found);
    }
    d.compare(
        Setting::TableClass,
        deployment.table_class,
        live.table_class,
        |c| c.as_str().to_owned(),
    );
    d.compare(
        Setting::Stream,
        deployment.stream.clone(),
        live.stream.clone(),
        |s| s.as_ref().map_or("off".into(), |v| v.as_str().to_owned()),
    );
    d.compare(
        Setting::DeletionProtection,
        deployment.deletion_protection,
        live.deletion_protection,
        on_off,
    );
    let ttl = schema.ttl().map(str::to_owned);
    d.compare(Setting::TimeToLive, ttl, live.ttl.clone(), |a| {
        a.as_ref().map_or("off".into(), |a| format!("on `{a}`"))
    });
    compare_tags(&mut d, deployment, &live.tags);
    compare_policy(&mut d, deployment, &live.resource_policy);
    d.answered(
        Setting::PointInTimeRecovery,
        deployment.point_in_time_recovery,
        &live.point_in_time_recovery,
        None,
        |p| p.map_or("off".into(), |days| format!("on, {days} days")),
    );
    d.answered(
        Setting::ContributorInsights,
        deployment.contributor_insights,
        &live.contributor_insights,
        ContributorInsights::Off,
        |c| c.mode().unwrap_or("off").to_owned(),
    );
    compare_replicas(&mut d, deployment, live, home);
    d.0
}

/// A provisioned table's indexes against its capacity (when the mode already matches: a
/// switch is the billing drift, and fixes every index at once).
fn compare_capacity(d: &mut Drifts, schema: &TableSchema, deployment: &Deployment, live: &Live) {
    let (Billing::Provisioned { read, write }, Billing::Provisioned { .. }) =
        (deployment.billing, live.billing)
    else {
        return;
    };
    for index in schema.indexes() {
        let found = live
            .index_capacity
            .get(index.name())
            .copied()
            .unwrap_or((0, 0));
        let setting = Setting::IndexCapacity(index.name().to_owned());
        let show = |(r, w): &(u32, u32)| format!("{r} read and {w} write units");
        d.compare(setting, (read, write), found, show);
    }
}

fn compare_index(
    d: &mut Drifts,
    name: &str,
    deployment: &Deployment,
    declared: IndexSettings,
    live: IndexSettings,
) {
    if deployment.billing == Billing::OnDemand {
        d.compare(
            Setting::IndexMaxThroughput(name.to_owned()),
            declared.max_throughput.unwrap_or_default(),
            live.max_throughput.unwrap_or_default(),
            show_max,
        );
    }
    let setting = Setting::IndexWarmThroughput(name.to_owned());
    compare_warm(d, setting, declared.warm_throughput, live.warm_throughput);
}

/// Warm throughput is drift only when declared and the live value is below it on either
/// side: DynamoDB computes a default and raises it with use.
fn compare_warm(
    d: &mut Drifts,
    setting: Setting,
    declared: Option<WarmThroughput>,
    live: Option<WarmThroughput>,
) {
    let Some(declared) = declared else { return };
    let enough = live.is_some_and(|live| {
        live.reads_per_second >= declared.reads_per_second
            && live.writes_per_second >= declared.writes_per_second
    });
    if !enough {
        d.push(setting, show_warm(&Some(declared)), show_warm(&live));
    }
}

fn compare_tags(
    d: &mut Drifts,
    deployment: &Deployment,
    live: &Answer<std::collections::BTreeMap<String, String>>,
) {
    let live = match live {
        Ok(live) => live,
        Err(unavailable) => {
            for (key, value) in &deployment.tags {
                let live = format!("unknown: {}", unavailable.0);
                d.push(Setting::Tag(key.clone()), value.clone(), live);
            }
            return;
        }
    };
    let keys: BTreeSet<&String> = deployment.tags.keys().chain(live.keys()).collect();
    for key in keys {
        let show = |v: &Option<&String>| v.map_or("absent".into(), |v| format!("`{v}`"));
        d.compare(
            Setting::Tag(key.clone()),
            deployment.tags.get(key),
            live.get(key),
            show,
        );
    }
}

/// Policies compare as JSON: DynamoDB may return the document reformatted.
fn compare_policy(d: &mut Drifts, deployment: &Deployment, live: &Answer<Option<String>>) {
    let parse = |p: &Option<String>| {
        p.as_deref().map(|text| {
            serde_json::from_str::<serde_json::Value>(text).unwrap_or_else(|_| text.into())
        })
    };
    let declared = parse(&deployment.resource_policy);
    let live = live.as_ref().map(parse).map_err(Clone::clone);
    d.answered(Setting::ResourcePolicy, declared, &live, None, |p| {
        p.as_ref().map_or("none".into(), |p| p.to_string())
    });
}

fn compare_replicas(d: &mut Drifts, deployment: &Deployment, live: &Live, home: Option<&str>) {
    let declared: BTreeSet<&str> = deployment.replicas.iter().map(String::as_str).collect();
    let found: BTreeSet<&str> = live
        .replicas
        .iter()
        .map(String::as_str)
        .filter(|r| Some(*r) != home)
        .collect();
    for region in declared.union(&found) {
        let show = |present: &bool| if *present { "present" } else { "absent" }.to_owned();
        let setting = Setting::Replica((*region).to_owned());
        d.compare(
            setting,
            declared.contains(region),
            found.contains(region),
            show,
        );
    }
    if !deployment.replicas.is_empty() || !live.replicas.is_empty() {
        d.compare(
            Setting::Consistency,
            deployment.consistency.clone(),
            live.consistency.clone(),
            show_consistency,
        );
    }
}

fn on_off(on: &bool) -> String {
    if *on { "on" } else { "off" }.to_owned()
}

fn show_billing(billing: &Billing) -> String {
    match billing {
        Billing::OnDemand => "on-demand".into(),
        Billing::Provisioned { read, write } => {
            format!("provisioned, {read} read and {write} write units")
        }
    }
}

fn show_max(max: &MaxThroughput) -> String {
    let side = |n: Option<u32>| n.map_or("unlimited".into(), |n| n.to_string());
    format!("read {}, write {}", side(max.read), side(max.write))
}

fn show_warm(warm: &Option<WarmThroughput>) -> String {
    warm.map_or("not reported".into(), |w| {
        format!(
            "{} reads/s, {} writes/s",
            w.reads_per_second, w.writes_per_second
        )
    })
}

fn show_consistency(consistency: &Consistency) -> String {
    match consistency {
        Consistency::Eventual => "eventual".into(),
        Consistency::Strong { witness: None } => "strong".into(),
        Consistency::Strong { witness: Some(w) } => format!("strong, witness {w}"),
    }
}
