//! Observability of every request: a `tracing` span with the operation, table, index,
//! entity type, consumed capacity and latency — never key or attribute values — with
//! consumed capacity recorded in the handle's [`CapacityCollector`](crate::CapacityCollector).

use std::pin::Pin;
use std::time::Instant;

use aws_sdk_dynamodb::types::ConsumedCapacity;

/// One request, for its span.
pub(crate) struct Call {
    pub(crate) operation: &'static str,
    pub(crate) entity: &'static str,
    pub(crate) index: Option<&'static str>,
}

/// Responses that report consumed capacity.
pub(crate) trait Consumed {
    fn consumed(&self) -> &[ConsumedCapacity];
}

macro_rules! single {
    ($($t:ty),*) => {$(
        impl Consumed for $t {
            fn consumed(&self) -> &[ConsumedCapacity] {
                self.consumed_capacity.as_slice()
            }
        }
    )*};
}
single!(
    aws_sdk_dynamodb::operation::get_item::GetItemOutput,
    aws_sdk_dynamodb::operation::put_item::PutItemOutput,
    aws_sdk_dynamodb::operation::update_item::UpdateItemOutput,
    aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput,
    aws_sdk_dynamodb::operation::query::QueryOutput,
    aws_sdk_dynamodb::operation::scan::ScanOutput
);

macro_rules! many {
    ($($t:ty),*) => {$(
        impl Consumed for $t {
            fn consumed(&self) -> &[ConsumedCapacity] {
                self.consumed_capacity.as_deref().unwrap_or_default()
            }
        }
    )*};
}
many!(
    aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput,
    aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput,
    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput,
    aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsOutput
);

macro_rules! none {
    ($($t:ty),*) => {$(
        impl Consumed for $t {
            fn consumed(&self) -> &[ConsumedCapacity] {
                &[]
            }
        }
    )*};
}
// Table administration reports no capacity, but is observed like every request.
none!(
    aws_sdk_dynamodb::operation::create_table::CreateTableOutput,
    aws_sdk_dynamodb::operation::update_table::UpdateTableOutput,
    aws_sdk_dynamodb::operation::delete_table::DeleteTableOutput,
    aws_sdk_dynamodb::operation::describe_table::DescribeTableOutput,
    aws_sdk_dynamodb::operation::update_time_to_live::UpdateTimeToLiveOutput,
    aws_sdk_dynamodb::operation::describe_time_to_live::DescribeTimeToLiveOutput,
    aws_sdk_dynamodb::operation::describe_continuous_backups::DescribeContinuousBackupsOutput,
    aws_sdk_dynamodb::operation::update_continuous_backups::UpdateContinuousBackupsOutput,
    aws_sdk_dynamodb::operation::list_tags_of_resource::ListTagsOfResourceOutput,
    aws_sdk_dynamodb::operation::tag_resource::TagResourceOutput,
    aws_sdk_dynamodb::operation::untag_resource::UntagResourceOutput,
    aws_sdk_dynamodb::operation::get_resource_policy::GetResourcePolicyOutput,
    aws_sdk_dynamodb::operation::put_resource_policy::PutResourcePolicyOutput,
    aws_sdk_dynamodb::operation::delete_resource_policy::DeleteResourcePolicyOutput,
    aws_sdk_dynamodb::operation::describe_contributor_insights::DescribeContributorInsightsOutput,
    aws_sdk_dynamodb::operation::update_contributor_insights::UpdateContributorInsightsOutput,
    aws_sdk_dynamodb::operation::import_table::ImportTableOutput,
    // A search reports bytes, not capacity units: recorded by the search itself.
    aws_sdk_dynamodb::operation::search_vectors::SearchVectorsOutput
);

/// Runs one request inside its span, recording latency, outcome and consumed capacity.
///
/// The request is polled through a pinned reference: the SDK's request future (several KB)
/// stays where the caller pinned it, instead of being moved into a wrapper (a copy per
/// move) or boxed (a large allocation per request). The span is entered around each poll,
/// so the SDK's own events nest inside it.
pub(crate) async fn observe<F, T, E>(
    db: &crate::client::Inner,
    call: Call,
    mut request: Pin<&mut F>,
) -> Result<T, E>
where
    F: Future<Output = Result<T, E>>,
    T: Consumed,
{
    let span = tracing::debug_span!(
        "dynamodb",
        db.system = "dynamodb",
        db.operation = call.operation,
        db.table = %db.table_name,
        db.index = call.index.unwrap_or(""),
        entity = call.entity,
        latency_ms = tracing::field::Empty,
        consumed_capacity = tracing::field::Empty,
        outcome = tracing::field::Empty,
    );
    // Without a subscriber that wants the span, there is nothing to time or record.
    let started = (!span.is_disabled()).then(Instant::now);
    let result = std::future::poll_fn(|cx| {
        let _entered = span.enter();
        request.as_mut().poll(cx)
    })
    .await;
    // A response that reports no capacity units (an error, a search's bytes) records none.
    let units = match &result {
        Ok(output) if !output.consumed().is_empty() => {
            Some(db.capacity.collector.record(call.entity, output.consumed()))
        }
        _ => None,
    };
    if let Some(started) = started {
        span.record("latency_ms", started.elapsed().as_secs_f64() * 1000.0);
        span.record("outcome", if result.is_ok() { "ok" } else { "error" });
        if let (Some(units), Some(_)) = (units, &db.capacity.mode) {
            span.record("consumed_capacity", units);
        }
    }
    result
}

/// `pin!(client.….send()).observed(&db, call)`: runs a pinned request inside its span.
pub(crate) trait ObserveExt<'a, T, E> {
    fn observed(
        self,
        db: &'a crate::client::Inner,
        call: Call,
    ) -> impl Future<Output = Result<T, E>>;
}

impl<'a, F, T: Consumed, E> ObserveExt<'a, T, E> for Pin<&'a mut F>
where
    F: Future<Output = Result<T, E>>,
{
    fn observed(
        self,
        db: &'a crate::client::Inner,
        call: Call,
    ) -> impl Future<Output = Result<T, E>> {
        observe(db, call, self)
    }
}

impl Call {
    pub(crate) fn new(operation: &'static str, entity: &'static str) -> Self {
        Self {
            operation,
            entity,
            index: None,
        }
    }

    pub(crate) fn index(mut self, index: Option<&'static str>) -> Self {
        self.index = index;
        self
    }
}
