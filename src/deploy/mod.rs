//! Taking a design to production: a [`Deployment`] holds every setting of a table beyond
//! its declaration — billing and on-demand maximum throughput (table and each index), warm
//! throughput, stream, point-in-time recovery and its period, deletion protection, table
//! class, resource-based policy, tags, Contributor Insights, global-table replicas and
//! their consistency. The same value drives
//! [`Db::ensure_table_with`](crate::Db::ensure_table_with) (create, or update in
//! DynamoDB's order), [`Db::drift`](crate::Db::drift) (a live table against it, one
//! [`Drift`] per setting) and the infrastructure exports in [`design`](crate::design), so
//! there is no second definition to drift.
//!
//! Local servers implement part of this (DynamoDB Local: billing, stream, deletion
//! protection, TTL, index maximum throughput; the embedded engine also tags, table class
//! and table maximum throughput; neither point-in-time recovery, resource policies,
//! Contributor Insights, warm throughput or replicas). A drift check on such a server
//! reports a setting it cannot read only when the deployment asks for more than
//! DynamoDB's default.
//!
//! ```
//! # #[derive(dynamorm::Table)] #[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK"))] pub struct App;
//! use dynamorm::deploy::{Deployment, MaxThroughput, WarmThroughput};
//! let deployment = Deployment::production()
//!     .index_max_throughput(App::GSI1, MaxThroughput { read: Some(500), write: None })
//!     .warm_throughput(WarmThroughput { reads_per_second: 15_000, writes_per_second: 5_000 });
//! let template = dynamorm::design::cloudformation::<App>(&deployment)?;
//! let table = &template["Resources"]["AppTable"]["Properties"];
//! assert_eq!(table["WarmThroughput"]["ReadUnitsPerSecond"], 15_000);
//! # Ok::<(), dynamorm::Error>(())
//! ```

mod check;
pub(crate) mod converge;
mod drift;
pub(crate) mod ensure;
mod live;
pub(crate) mod send;
pub(crate) mod settings;
pub(crate) mod wait;

pub(crate) use check::check;
pub use drift::{Drift, Setting};
pub(crate) use ensure::drift;
pub use settings::{
    Billing, Consistency, ContributorInsights, Deployment, MaxThroughput, TableClass,
    WarmThroughput,
};
