//! [`InvalidInput`]: a request dynamorm refused before sending anything, and its
//! [`InvalidInputKind`].

use std::borrow::Cow;
use std::fmt;

/// A request that would break one of DynamoDB's rules or the entity's declaration; nothing
/// was sent. The payload of [`Error::InvalidInput`](crate::Error::InvalidInput).
///
/// Match on [`kind`](Self::kind); the [`message`](Self::message) is for people (it names
/// fields, attributes, indexes and numbers, never a value, and its wording may change).
///
/// ```
/// use dynamorm::{Error, InvalidInputKind};
///
/// fn is_caller_bug(err: &Error) -> bool {
///     matches!(
///         err,
///         Error::InvalidInput(e) if matches!(
///             e.kind(),
///             InvalidInputKind::QueryShape | InvalidInputKind::WrongIndexKind
///         )
///     )
/// }
/// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
/// assert!(!is_caller_bug(&err));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    kind: InvalidInputKind,
    entity: Option<&'static str>,
    message: Cow<'static, str>,
}

impl InvalidInput {
    pub(super) fn new(
        kind: InvalidInputKind,
        entity: Option<&'static str>,
        message: Cow<'static, str>,
    ) -> Self {
        Self {
            kind,
            entity,
            message,
        }
    }

    /// What is wrong, as a kind to match on.
    pub fn kind(&self) -> InvalidInputKind {
        self.kind
    }

    /// The entity type the request was about, when one was.
    pub fn entity(&self) -> Option<&'static str> {
        self.entity
    }

    /// What is wrong, for people: names and numbers only, never a value. Do not match on
    /// it; match on [`kind`](Self::kind).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Rewrites the message (e.g. a raw condition's parser error reported for a raw
    /// update).
    pub(crate) fn map_message(&mut self, f: impl FnOnce(&str) -> String) {
        self.message = Cow::Owned(f(&self.message));
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid request: {}", self.message)
    }
}

/// What is wrong with a request dynamorm refused before sending it
/// ([`InvalidInput::kind`]).
///
/// ```
/// use dynamorm::{Error, InvalidInputKind};
///
/// fn advice(err: &Error) -> &'static str {
///     let Error::InvalidInput(e) = err else { return "" };
///     match e.kind() {
///         InvalidInputKind::TransactionTooLarge | InvalidInputKind::ActionCount => {
///             "split the transaction"
///         }
///         InvalidInputKind::ConsistentReadOnIndex => "read the table, or drop consistent_read",
///         _ => "fix the request",
///     }
/// }
/// # let err = Error::from(dynamorm::KeyError::MissingField { field: "id" });
/// assert_eq!(advice(&err), "");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidInputKind {
    /// An expression is over DynamoDB's 4 KB limit (a rendered condition, update, key
    /// condition or projection, or a raw condition or update as written).
    ExpressionTooLarge,
    /// A transaction, a transactional read or an update has no action, or more than
    /// DynamoDB takes in one request (100 actions or keys in a transaction).
    ActionCount,
    /// A transaction is over DynamoDB's 4 MB limit, counting every action.
    TransactionTooLarge,
    /// Two actions of one transaction, or two entries of one batch, address the same item,
    /// which DynamoDB rejects.
    DuplicateKey,
    /// An entity's `#[dynamo(generated)]` id is still unset: write it with `insert`, which
    /// generates it, or set it.
    UnsetGeneratedId,
    /// An update changes a key field (of the table or of an index) or a unique field other
    /// than by setting or removing it whole: an `add`, arithmetic, or a path inside it.
    KeyAttributeNotWritable,
    /// An update writes an attribute the library maintains: the version, `created_at` or
    /// `updated_at`.
    LifecycleAttributeNotWritable,
    /// An update changes an index key without the fields the new key is rendered from, or
    /// that decide which of the entity's layouts the item has on the index.
    IncompleteIndexKey,
    /// Two actions of one update write the same path, or a path and one inside it.
    OverlappingPaths,
    /// A raw update names an attribute that is not a field of the entity (table and index
    /// keys and the discriminator are maintained by the library).
    UnknownAttribute,
    /// An update would leave an item that does not decode as its entity type (a raw update
    /// removing a field that is not optional).
    ValueDoesNotDecode,
    /// A value DynamoDB would reject: an empty set, a set with duplicates, a number out of
    /// DynamoDB's range or NaN, an attribute name that is empty or too long, nesting deeper
    /// than 32 levels, a null or mistyped value for a multi-attribute key, `add` or
    /// arithmetic with a null operand.
    InvalidValue,
    /// A typed condition DynamoDB would reject: an attribute compared with itself, `IN`
    /// with no value or more than 100, `BETWEEN` bounds of different types or in reverse
    /// order.
    InvalidCondition,
    /// A document path DynamoDB cannot address: an empty map key, or deeper than 32
    /// levels.
    InvalidPath,
    /// A query's key condition does not fit the entity's key templates on the index read:
    /// fields missing or out of order, an order comparison on a field its keys do not sort
    /// by, a sort condition on a key without a sort key, a sharded field given, a
    /// collection read from another index.
    QueryShape,
    /// A consistent read of a global secondary index, which DynamoDB does not support.
    ConsistentReadOnIndex,
    /// A template index used where a multi-attribute index is expected, or the reverse.
    WrongIndexKind,
    /// A read needs an attribute the index does not project: a filter on it, or a count
    /// by entity type through a keys-only index (which does not hold the discriminator).
    NotProjected,
    /// The operation is not available for this entity type's declaration: an expected
    /// version without a `#[dynamo(version)]` field, an entity with unique or version
    /// fields in a batch or a transaction, a set operation on a field not stored as a set,
    /// a condition check sent outside a transaction, a raw item of an unknown type written
    /// by type, a migration moving the primary key of an entity with unique fields.
    NotSupported,
    /// Options that contradict each other or the table: a shared migration with a
    /// checkpoint, a checkpoint or shared run with another number of segments, a capacity
    /// share of an on-demand table, retiring an attribute the design still uses, deleting
    /// an index the table still declares.
    Configuration,
    /// A raw condition or raw update the parser refused: a syntax error, an undeclared,
    /// unused or library-shaped placeholder, a keyword twice, a function DynamoDB does not
    /// have. The message names placeholders, keywords and byte offsets.
    RawExpression,
    /// An item has no string value for one of its table's key attributes.
    MissingKeyAttributes,
    /// A vector search DynamoDB would refuse: a vector of other dimensions than the
    /// index's, or with NaN or an infinity; `top_k` outside 1–100; no partition value for
    /// an index with a `HASH` attribute; a filter other than equalities on the index's
    /// inline filter attributes joined by `and`, or a value of another type than declared.
    InvalidSearch,
    /// A result was asked for by a position it does not have (e.g. the 5th item of a
    /// transactional read of 3 keys).
    NoSuchResult,
}
