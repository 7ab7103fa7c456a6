//! Consumed capacity: what the library asks DynamoDB to report, and the
//! [`CapacityCollector`] that aggregates it by table, index and entity type.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};

/// Consumed capacity, aggregated (read and write capacity units together, as DynamoDB's
/// `CapacityUnits` reports them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CapacityReport {
    /// All capacity consumed.
    pub total: f64,
    /// By table name.
    pub by_table: HashMap<String, f64>,
    /// By global secondary index name (with `ReturnConsumedCapacity::Indexes`).
    pub by_index: HashMap<String, f64>,
    /// By entity type (`*` for requests over several types, e.g. registry queries).
    pub by_entity: HashMap<&'static str, f64>,
    /// How many responses reported capacity.
    pub responses: u64,
    /// What vector searches consumed, in bytes (`VectorSearchRequestBytes`: a search is
    /// billed by the bytes of the index it reads, not in capacity units).
    pub vector_search_bytes: f64,
}

/// A cheap, thread-safe aggregate of the capacity a [`Db`](crate::Db) consumed; read it
/// with [`CapacityCollector::report`] and reset it with [`CapacityCollector::take`].
///
/// ```
/// let collector = dynamorm::CapacityCollector::default();
/// assert_eq!(collector.report().total, 0.0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct CapacityCollector {
    inner: Arc<Mutex<CapacityReport>>,
}

impl CapacityCollector {
    /// The totals so far.
    pub fn report(&self) -> CapacityReport {
        self.inner.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The totals so far, resetting them to zero.
    pub fn take(&self) -> CapacityReport {
        self.inner
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }

    pub(crate) fn record(&self, entity: &'static str, consumed: &[ConsumedCapacity]) -> f64 {
        if consumed.is_empty() {
            return 0.0;
        }
        let Ok(mut report) = self.inner.lock() else {
            return 0.0;
        };
        let mut sum = 0.0;
        for c in consumed {
            let units = c.capacity_units.unwrap_or_default();
            sum += units;
            report.total += units;
            if let Some(table) = &c.table_name {
                *report.by_table.entry(table.clone()).or_default() += units;
            }
            for (index, capacity) in c.global_secondary_indexes.iter().flatten() {
                *report.by_index.entry(index.clone()).or_default() +=
                    capacity.capacity_units.unwrap_or_default();
            }
            *report.by_entity.entry(entity).or_default() += units;
        }
        report.responses += 1;
        sum
    }

    /// Adds what one vector search consumed.
    pub(crate) fn record_vector_search(&self, bytes: f64) {
        if let Ok(mut report) = self.inner.lock() {
            report.vector_search_bytes += bytes;
            report.responses += 1;
        }
    }
}

/// What the library tells DynamoDB and records about capacity.
#[derive(Debug, Clone, Default)]
pub(crate) struct Capacity {
    pub(crate) mode: Option<ReturnConsumedCapacity>,
    pub(crate) collector: CapacityCollector,
}
