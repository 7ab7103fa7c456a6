//! DynamoDB stream records decoded into typed changes of a registry's entity types — from
//! Lambda events (feature `lambda`) and from `aws-sdk-dynamodbstreams` (feature `streams`).

use crate::Error;
use crate::entity::PrimaryKey;
use crate::item::Item;
use crate::registry::Registry;
use crate::table::Table;

/// What happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// A new item was written (`INSERT`).
    Insert,
    /// An existing item was changed (`MODIFY`).
    Modify,
    /// An item was deleted (`REMOVE`, including TTL expiry).
    Remove,
}

/// One decoded stream record: the kind of change, the item's key (always present, even
/// for `KEYS_ONLY` streams), and the images the stream's view type carries, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Change<R> {
    /// Insert, modify or remove.
    pub kind: ChangeKind,
    /// The item's primary key.
    pub key: PrimaryKey,
    /// The item before the change (`MODIFY`/`REMOVE` with `OLD_IMAGE` or
    /// `NEW_AND_OLD_IMAGES`).
    pub old: Option<R>,
    /// The item after the change (`INSERT`/`MODIFY` with `NEW_IMAGE` or
    /// `NEW_AND_OLD_IMAGES`).
    pub new: Option<R>,
    /// The record's sequence number (what a Lambda reports back as a failed item).
    pub sequence_number: Option<String>,
}

/// A stream record that could not be decoded, by position and sequence number.
#[derive(Debug)]
pub struct RecordFailure {
    /// The record's position in the batch.
    pub index: usize,
    /// Its sequence number, if it had one.
    pub sequence_number: Option<String>,
    /// Why it failed (unknown discriminator, malformed image, …).
    pub error: Error,
}

/// A decoded batch of stream records: the changes that decoded and the records that did
/// not, so a handler can process the former and report the latter.
#[derive(Debug)]
pub struct Changes<R> {
    /// The decoded changes, in record order.
    pub changes: Vec<Change<R>>,
    /// The records that failed to decode.
    pub failures: Vec<RecordFailure>,
}

impl<R> Changes<R> {
    /// The sequence numbers to report as `batchItemFailures`, so Lambda retries exactly
    /// the failed records (with `ReportBatchItemFailures` enabled on the event source).
    pub fn failed_sequence_numbers(&self) -> Vec<String> {
        self.failures
            .iter()
            .filter_map(|f| f.sequence_number.clone())
            .collect()
    }
}

/// The parts of a stream record, whatever type it came in.
#[cfg_attr(
    not(any(feature = "lambda", feature = "streams", feature = "s3")),
    allow(dead_code)
)]
pub(crate) struct RawRecord {
    pub(crate) event_name: Option<String>,
    pub(crate) keys: Item,
    pub(crate) old: Option<Item>,
    pub(crate) new: Option<Item>,
    pub(crate) sequence_number: Option<String>,
}

/// Decodes one raw record.
#[cfg_attr(
    not(any(feature = "lambda", feature = "streams", feature = "s3")),
    allow(dead_code)
)]
pub(crate) fn decode_record<R: Registry>(record: RawRecord) -> Result<Change<R>, Error> {
    let kind = match record.event_name.as_deref() {
        Some("INSERT") => ChangeKind::Insert,
        Some("MODIFY") => ChangeKind::Modify,
        Some("REMOVE") => ChangeKind::Remove,
        _ => {
            return Err(Error::StreamRecord {
                reason: "its event name is not INSERT, MODIFY or REMOVE",
            });
        }
    };
    let table = &<R::Table as Table>::SCHEMA;
    let key = crate::batch::key_from(&record.keys, table).ok_or(Error::StreamRecord {
        reason: "its keys lack a string value for a key attribute of the table",
    })?;
    let image = |item: Option<Item>| -> Result<Option<R>, Error> {
        match item {
            Some(item) if !item.is_empty() => R::from_item(item).map(Some),
            _ => Ok(None),
        }
    };
    Ok(Change {
        kind,
        key,
        old: image(record.old)?,
        new: image(record.new)?,
        sequence_number: record.sequence_number,
    })
}

/// Whether a record is about one of the library's own items (a unique-value sentinel):
/// those are neither changes of an entity nor failures.
///
/// With an image, the discriminator decides, and only the exact sentinel discriminator
/// counts: no entity may be named with the `_dynamorm.` prefix (the derive refuses), so no
/// entity's record is ever skipped, and an unknown `_dynamorm.…` discriminator is a
/// failure like any unknown one. Without images (a keys-only stream), the key shape decides:
/// partition key `_dynamorm.unique#…` and sort key `_dynamorm.unique` (a sentinel), or
/// partition key `_dynamorm.lease#…` (a migration lease).
#[cfg_attr(
    not(any(feature = "lambda", feature = "streams", feature = "s3")),
    allow(dead_code)
)]
pub(crate) fn is_internal<R: Registry>(record: &RawRecord) -> bool {
    use aws_sdk_dynamodb::types::AttributeValue;
    let table = &<R::Table as Table>::SCHEMA;
    let string = |item: &Item, attribute: &str| match item.get(attribute) {
        Some(AttributeValue::S(s)) => Some(s.clone()),
        _ => None,
    };
    let images: Vec<&Item> = [&record.old, &record.new]
        .into_iter()
        .flatten()
        .filter(|image| !image.is_empty())
        .collect();
    if !images.is_empty() {
        return images.iter().any(|image| {
            string(image, table.discriminator())
                .is_some_and(|d| crate::write::internal::is_internal(&d))
        });
    }
    let sentinel_prefix = format!("{}#", crate::write::internal::SENTINEL);
    let lease_prefix = format!("{}#", crate::write::internal::LEASE);
    let pk = string(&record.keys, table.partition_key());
    let sentinel = pk
        .as_ref()
        .is_some_and(|pk| pk.starts_with(&sentinel_prefix))
        && table.sort_key().is_none_or(|sk| {
            string(&record.keys, sk).as_deref() == Some(crate::write::internal::SENTINEL)
        });
    sentinel || pk.is_some_and(|pk| pk.starts_with(&lease_prefix))
}

/// Decodes every record, collecting failures instead of stopping at the first, and
/// skipping records of the library's own items.
#[cfg_attr(not(any(feature = "lambda", feature = "streams")), allow(dead_code))]
pub(crate) fn decode_all<R: Registry>(records: impl IntoIterator<Item = RawRecord>) -> Changes<R> {
    let mut out = Changes {
        changes: Vec::new(),
        failures: Vec::new(),
    };
    for (index, record) in records.into_iter().enumerate() {
        if is_internal::<R>(&record) {
            continue;
        }
        let sequence_number = record.sequence_number.clone();
        match decode_record::<R>(record) {
            Ok(change) => out.changes.push(change),
            Err(error) => out.failures.push(RecordFailure {
                index,
                sequence_number,
                error,
            }),
        }
    }
    out
}

#[cfg(feature = "lambda")]
mod lambda {
    use aws_lambda_events::event::dynamodb::{Event, EventRecord};
    use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};

    use super::{Change, Changes, RawRecord, decode_all, decode_record};
    use crate::Error;
    use crate::item::Item;
    use crate::registry::Registry;

    fn item(image: serde_dynamo::Item) -> Item {
        image.into()
    }

    fn raw(record: EventRecord) -> RawRecord {
        let change = record.change;
        RawRecord {
            event_name: Some(record.event_name),
            keys: item(change.keys),
            old: Some(item(change.old_image)),
            new: Some(item(change.new_image)),
            sequence_number: change.sequence_number,
        }
    }

    /// Decodes one record of a Lambda DynamoDB event.
    ///
    /// ```
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # #[derive(Debug, serde::Serialize, serde::Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "USER#{id}", sk = "USER")] pub struct User { id: String }
    /// # #[derive(Debug, dynamorm::Registry)] #[dynamo(table = App)] pub enum AppItem { User(User) }
    /// let event: aws_lambda_events::event::dynamodb::Event = serde_json::from_str(r#"{"Records": [{
    ///     "eventID": "1", "eventName": "INSERT", "awsRegion": "us-east-1",
    ///     "dynamodb": {
    ///         "Keys": {"PK": {"S": "USER#u1"}, "SK": {"S": "USER"}},
    ///         "NewImage": {"PK": {"S": "USER#u1"}, "SK": {"S": "USER"}, "_type": {"S": "User"}, "id": {"S": "u1"}},
    ///         "SequenceNumber": "100", "SizeBytes": 10, "StreamViewType": "NEW_IMAGE"
    ///     }
    /// }]}"#).unwrap();
    /// let changes = dynamorm::stream::from_lambda_event::<AppItem>(event);
    /// assert!(changes.failures.is_empty());
    /// assert!(matches!(changes.changes[0].new, Some(AppItem::User(_))));
    /// ```
    pub fn from_lambda_record<R: Registry>(record: EventRecord) -> Result<Change<R>, Error> {
        decode_record(raw(record))
    }

    /// Decodes every record of a Lambda DynamoDB event; records that fail are reported in
    /// [`Changes::failures`] without stopping the others.
    pub fn from_lambda_event<R: Registry>(event: Event) -> Changes<R> {
        decode_all(event.records.into_iter().map(raw))
    }

    impl<R> Changes<R> {
        /// The Lambda response that asks to retry exactly the failed records.
        ///
        /// A failed record without a sequence number cannot be named: the response then
        /// carries an empty `itemIdentifier`, which Lambda treats as a failure of the whole
        /// batch — never a success for a record that failed.
        pub fn lambda_response(&self) -> DynamoDbEventResponse {
            let mut response = DynamoDbEventResponse::default();
            let unnamed = self.failures.iter().any(|f| f.sequence_number.is_none());
            response.batch_item_failures = self
                .failed_sequence_numbers()
                .into_iter()
                .chain(unnamed.then(String::new))
                .map(|id| {
                    let mut failure = DynamoDbBatchItemFailure::default();
                    failure.item_identifier = Some(id);
                    failure
                })
                .collect();
            response
        }
    }
}

#[cfg(feature = "lambda")]
pub use lambda::{from_lambda_event, from_lambda_record};

#[cfg(feature = "streams")]
mod sdk {
    use aws_sdk_dynamodbstreams::types::Record;

    use super::{Change, Changes, RawRecord, decode_all, decode_record};
    use crate::Error;
    use crate::item::Item;
    use crate::registry::Registry;

    fn item(
        image: Option<
            std::collections::HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
        >,
    ) -> Option<Item> {
        image.map(|m| serde_dynamo::Item::from(m).into())
    }

    fn raw(record: Record) -> RawRecord {
        let event_name = record.event_name.map(|n| n.as_str().to_owned());
        match record.dynamodb {
            Some(change) => RawRecord {
                event_name,
                keys: item(change.keys).unwrap_or_default(),
                old: item(change.old_image),
                new: item(change.new_image),
                sequence_number: change.sequence_number,
            },
            None => RawRecord {
                event_name,
                keys: Item::new(),
                old: None,
                new: None,
                sequence_number: None,
            },
        }
    }

    /// Decodes one record read with `aws-sdk-dynamodbstreams` (`GetRecords`).
    pub fn from_stream_record<R: Registry>(record: Record) -> Result<Change<R>, Error> {
        decode_record(raw(record))
    }

    /// Decodes the records of one `GetRecords` page, reporting failures per record.
    pub fn from_stream_records<R: Registry>(records: Vec<Record>) -> Changes<R> {
        decode_all(records.into_iter().map(raw))
    }
}

#[cfg(feature = "streams")]
pub use sdk::{from_stream_record, from_stream_records};
