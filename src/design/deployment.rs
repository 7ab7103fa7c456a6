//! [`Deployment`]: the settings of a table that its declaration does not hold — billing,
//! streams, backups, protection — for the infrastructure exports.

use aws_sdk_dynamodb::types::StreamViewType;

/// How the table is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    /// On-demand (`PAY_PER_REQUEST`), the default.
    OnDemand,
    /// Provisioned capacity, the same for the table and each index.
    Provisioned {
        /// Read capacity units.
        read: u32,
        /// Write capacity units.
        write: u32,
    },
}

/// Settings of a deployed table beyond its declaration. The defaults are on-demand billing,
/// no stream, point-in-time recovery and deletion protection on (a production table).
///
/// ```
/// use dynamorm::design::{Billing, Deployment};
/// use aws_sdk_dynamodb::types::StreamViewType;
/// let deployment = Deployment::default()
///     .table_name("tracker-prod")
///     .billing(Billing::Provisioned { read: 5, write: 5 })
///     .stream(StreamViewType::NewAndOldImages)
///     .deletion_protection(false);
/// assert_eq!(deployment.name_for("tracker"), "tracker-prod");
/// ```
#[derive(Debug, Clone)]
pub struct Deployment {
    pub(crate) table_name: Option<String>,
    pub(crate) billing: Billing,
    pub(crate) stream: Option<StreamViewType>,
    pub(crate) point_in_time_recovery: bool,
    pub(crate) deletion_protection: bool,
}

impl Default for Deployment {
    fn default() -> Self {
        Self {
            table_name: None,
            billing: Billing::OnDemand,
            stream: None,
            point_in_time_recovery: true,
            deletion_protection: true,
        }
    }
}

impl Deployment {
    /// The deployed table's name (default: the declared one).
    pub fn table_name(mut self, name: impl Into<String>) -> Self {
        self.table_name = Some(name.into());
        self
    }

    /// Billing mode.
    pub fn billing(mut self, billing: Billing) -> Self {
        self.billing = billing;
        self
    }

    /// A DynamoDB stream with this view (needed by `dynamorm::stream` consumers).
    pub fn stream(mut self, view: StreamViewType) -> Self {
        self.stream = Some(view);
        self
    }

    /// Point-in-time recovery (continuous backups).
    pub fn point_in_time_recovery(mut self, enabled: bool) -> Self {
        self.point_in_time_recovery = enabled;
        self
    }

    /// Deletion protection.
    pub fn deletion_protection(mut self, enabled: bool) -> Self {
        self.deletion_protection = enabled;
        self
    }

    /// The table name to deploy under: the override, or `declared`.
    pub fn name_for<'a>(&'a self, declared: &'a str) -> &'a str {
        self.table_name.as_deref().unwrap_or(declared)
    }
}
