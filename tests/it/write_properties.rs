//! A property test of conditional writes: random typed and raw conditions (well-formed and
//! adversarial), combined with `and`/`or`/`!`, and random update actions, sent as `put`,
//! `create`, `update` and `delete` against keys that hold nothing, an item of the same entity
//! type, or an item of another entity type whose key templates render the same key.
//!
//! Counted over every case and asserted zero at the end:
//! - no panic, no hang;
//! - never a partial item: every stored item has the discriminator `_type` and decodes
//!   through the registry (unique-value sentinels excepted, which must match a live owner);
//! - another entity type's item at the key is never changed, byte for byte;
//! - a write that fails changes nothing, and one the library rejects itself (`Validation`,
//!   `Key`, `ItemTooLarge`, `Encode`) sends no write request at all;
//! - no service error the library should have prevented (a server `ValidationException`
//!   means the library sent something invalid);
//! - the error matches what was stored (`WrongEntity` for another type, `NotFound` for
//!   nothing, …), and what a successful write returns matches what is stored.
//!
//! Embedded engine only: one server, one table, fresh keys per case; a case's items are
//! deleted after it, so the scans after every write stay small. `WP_SEED` and `WP_CASES`
//! override the fixed seed and the case count.

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use dynamorm::{Attr, Condition, Db, Entity, EntityKey, Error, Item, Registry, Table, Update};
use dynamorm_entities::Tracker;
use futures::FutureExt;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde::{Deserialize, Serialize};

use crate::harness::{OperationCounter, unique_name};

// --- entity types ------------------------------------------------------------------------

/// A plain entity with every kind of field, and an index key rendered from `label`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, pk = "WPG#{id}", sk = "ITEM")]
#[dynamo(index(GSI1, pk = "WPLABEL#{label}", sk = "WPG#{id}"))]
struct WpGauge {
    id: String,
    label: String,
    /// `status` is a DynamoDB reserved word.
    status: String,
    count: i64,
    big: u64,
    ratio: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

/// Another entity type whose keys are [`WpGauge`]'s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, pk = "WPG#{id}", sk = "ITEM")]
struct WpGaugeShadow {
    id: String,
    secret: String,
    n: u64,
}

/// A versioned, timestamped entity with a TTL field (puts over a stored item become updates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, pk = "WPL#{id}", sk = "ITEM")]
struct WpLedger {
    id: String,
    label: String,
    status: String,
    count: i64,
    big: u64,
    ratio: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[dynamo(version)]
    #[serde(default)]
    version: u32,
    #[dynamo(created_at)]
    created_at: DateTime<Utc>,
    #[dynamo(updated_at)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    updated_at: Option<DateTime<Utc>>,
    #[dynamo(ttl)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expiry: Option<i64>,
}

/// Another entity type whose keys are [`WpLedger`]'s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, pk = "WPL#{id}", sk = "ITEM")]
struct WpLedgerShadow {
    id: String,
    secret: String,
    n: u64,
}

/// An entity with a unique field: every write is a transaction with its sentinels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, pk = "WPM#{id}", sk = "ITEM")]
struct WpMember {
    id: String,
    label: String,
    status: String,
    count: i64,
    big: u64,
    ratio: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[dynamo(unique)]
    email: String,
}

/// Another entity type whose keys are [`WpMember`]'s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Tracker, pk = "WPM#{id}", sk = "ITEM")]
struct WpMemberShadow {
    id: String,
    secret: String,
    n: u64,
}

/// Every entity type of this test: each stored item must decode through it.
#[derive(Debug, Registry)]
#[dynamo(table = Tracker)]
#[allow(dead_code)] // decoded to check, never read
enum WpItem {
    Gauge(WpGauge),
    GaugeShadow(WpGaugeShadow),
    Ledger(WpLedger),
    LedgerShadow(WpLedgerShadow),
    Member(WpMember),
    MemberShadow(WpMemberShadow),
}

// --- generated inputs --------------------------------------------------------------------

/// A generated string, shown abbreviated when long (inputs are printed with violations).
#[derive(Clone, PartialEq)]
struct T(String);

impl std::fmt::Debug for T {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        abbreviated(&self.0, f)
    }
}

fn abbreviated(s: &str, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    if s.len() <= 60 {
        write!(f, "{s:?}")
    } else {
        let head: String = s.chars().take(24).collect();
        write!(f, "{head:?}…({} bytes)", s.len())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A string attribute of every subject type.
#[derive(Debug, Clone, Copy)]
enum SField {
    Id,
    Label,
    Status,
}

/// Any attribute of every subject type.
#[derive(Debug, Clone, Copy)]
enum AField {
    Id,
    Label,
    Status,
    Count,
    Big,
    Ratio,
    Note,
    Tags,
}

/// A typed condition.
#[derive(Debug, Clone)]
enum Leaf {
    StrCmp(SField, CmpOp, T),
    StrBetween(SField, T, T),
    StrIn(SField, Vec<T>),
    BeginsWith(SField, T),
    ContainsStr(SField, T),
    EqAttr(SField, SField),
    I64Cmp(CmpOp, i64),
    I64Between(i64, i64),
    I64In(Vec<i64>),
    U64Cmp(CmpOp, u64),
    F64Cmp(CmpOp, f64),
    F64Between(f64, f64),
    NoteEq(Option<T>),
    NoteBegins(T),
    TagsContains(T),
    Exists(AField, bool),
    Size(AField, CmpOp, usize),
}

/// A value declared for a raw condition.
#[derive(Debug, Clone)]
enum RawVal {
    S(T),
    I(i64),
    U(u64),
    F(f64),
    Null,
    B(bool),
    L(Vec<T>),
}

/// How the declarations of a raw condition are spoiled after being derived from its text.
#[derive(Debug, Clone)]
enum Mutation {
    None,
    DropName,
    DropValue,
    ExtraName(&'static str, &'static str),
    ExtraValue(&'static str, RawVal),
    EmptyAttribute,
    LongAttribute(usize),
    DuplicateName,
    DuplicateValue,
}

/// A raw condition as generated: its text, what each pool placeholder stands for, and how
/// the declarations are spoiled. The declarations are derived from the text (see
/// [`RawSpec::build`]).
#[derive(Debug, Clone)]
struct RawSpec {
    text: T,
    /// The attribute of each of [`NAME_POOL`].
    names: Vec<&'static str>,
    /// The value of each of [`VALUE_POOL`].
    values: Vec<RawVal>,
    /// Also declare placeholders outside the pools that the text uses (`#n0`, `:v0`, …).
    declare_foreign: bool,
    mutation: Mutation,
    /// Placeholders renamed `#a_<k>`, `:x_<k>`, so that raw conditions of one request do
    /// not declare the same placeholder differently.
    suffix: Option<u16>,
}

/// A raw condition as sent: `Condition::raw(text).name(..).value(..)`.
#[derive(Debug, Clone)]
struct Raw {
    text: String,
    names: Vec<(String, String)>,
    values: Vec<(String, RawVal)>,
}

#[derive(Debug, Clone)]
enum Cond {
    Leaf(Leaf),
    Raw(RawSpec),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
}

/// One update action.
#[derive(Debug, Clone)]
enum Act {
    SetLabel(T),
    SetStatus(T),
    SetCount(i64),
    SetBig(u64),
    SetRatio(f64),
    SetNote(Option<T>),
    SetTags(Vec<T>),
    SetNoteIfNotExists(T),
    SetLabelIfNotExists(T),
    AddCount(i64),
    AddBig(u64),
    AddRatio(f64),
    IncCount(i64),
    DecCount(i64),
    IncBig(u64),
    DecBig(u64),
    IncRatio(f64),
    AppendTags(Vec<T>),
    PrependTags(Vec<T>),
    RemoveNote,
    /// `WpMember` only: its unique field.
    SetEmail(T),
    /// `WpLedger` only: its TTL field.
    SetExpiry(Option<i64>),
    /// `WpLedger` only: its version (the library must refuse it).
    SetVersion(u32),
}

/// A version, relative to the stored item's.
#[derive(Debug, Clone, Copy)]
enum VersionChoice {
    Zero,
    Stored,
    StoredPlusOne,
    Max,
    Huge,
    Any(u32),
}

/// An e-mail address for `WpMember`.
#[derive(Debug, Clone)]
enum EmailChoice {
    /// Unique to the case.
    Fresh,
    /// The stored item's.
    Stored,
    Text(T),
}

/// The fields of a subject entity to put.
#[derive(Debug, Clone)]
struct Fields {
    label: T,
    status: T,
    count: i64,
    big: u64,
    ratio: f64,
    note: Option<T>,
    tags: Vec<T>,
    email: EmailChoice,
    expiry: Option<i64>,
    version: VersionChoice,
}

/// The fields of the other entity type's item.
#[derive(Debug, Clone)]
struct ShadowFields {
    secret: T,
    n: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Put,
    Create,
    Update,
    Delete,
}

/// One write of a case.
#[derive(Debug, Clone)]
struct OpSpec {
    kind: Kind,
    fields: Fields,
    actions: Vec<Act>,
    conditions: Vec<Cond>,
    return_old: bool,
    if_version: Option<VersionChoice>,
}

#[derive(Debug, Clone, Copy)]
enum SubjectKind {
    Gauge,
    Ledger,
    Member,
}

/// What the key holds before the case's writes.
#[derive(Debug, Clone)]
enum Initial {
    Nothing,
    Same(Fields),
    Other(ShadowFields),
}

#[derive(Debug, Clone)]
struct Case {
    subject: SubjectKind,
    initial: Initial,
    id: T,
    ops: Vec<OpSpec>,
}

// --- strategies --------------------------------------------------------------------------

const SPECIAL_TEXT: &[&str] = &[
    "#",
    "%",
    "$",
    "%25",
    ":v0",
    "#n0",
    "ü",
    "😀",
    "é\u{301}",
    "TENANT#x",
    "WPG#x",
    "_dynamorm.unique",
    " ",
    "a\u{0}b",
    "\u{7f}",
    "\u{202e}",
    "NULL",
    "attribute_exists(#a)",
    ") OR (",
];

/// Strings, extremes included: empty, delimiters, Unicode, control characters, long.
fn text() -> BoxedStrategy<T> {
    Union::new_weighted(vec![
        (6, "[a-z]{0,6}".prop_map(T).boxed()),
        (
            3,
            select(SPECIAL_TEXT).prop_map(|s| T(s.to_owned())).boxed(),
        ),
        (2, "\\PC{0,12}".prop_map(T).boxed()),
        (1, (100usize..5000).prop_map(|n| T("x".repeat(n))).boxed()),
        (1, Just(T("é😀".repeat(700))).boxed()),
    ])
    .boxed()
}

/// Like [`text`], rarely larger than an item may be.
fn big_text() -> BoxedStrategy<T> {
    Union::new_weighted(vec![
        (40, text()),
        (1, Just(T("y".repeat(410 * 1024))).boxed()),
    ])
    .boxed()
}

fn i64s() -> BoxedStrategy<i64> {
    Union::new_weighted(vec![
        (3, any::<i64>().boxed()),
        (3, (-5i64..5).boxed()),
        (
            2,
            select(vec![i64::MIN, i64::MAX, i64::MIN + 1, i64::MAX - 1]).boxed(),
        ),
    ])
    .boxed()
}

fn u64s() -> BoxedStrategy<u64> {
    Union::new_weighted(vec![
        (3, any::<u64>().boxed()),
        (3, (0u64..5).boxed()),
        (2, select(vec![u64::MAX, u64::MAX - 1]).boxed()),
    ])
    .boxed()
}

fn f64s() -> BoxedStrategy<f64> {
    Union::new_weighted(vec![
        (3, any::<f64>().boxed()),
        (2, (-10.0f64..10.0).boxed()),
        (
            3,
            select(vec![
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                0.0,
                -0.0,
                f64::MAX,
                f64::MIN,
                f64::MIN_POSITIVE,
                f64::EPSILON,
                1e125,
                9.9e125,
                1e126,
                -1e-130,
                1e-131,
                0.1,
            ])
            .boxed(),
        ),
    ])
    .boxed()
}

/// Short strings that still include delimiters and Unicode.
fn tame_text() -> BoxedStrategy<T> {
    Union::new_weighted(vec![
        (6, "[a-z]{0,4}".prop_map(T).boxed()),
        (
            1,
            select(vec!["#", "%", "$", "ü", "😀", ":v0", "#n0", " ", ""])
                .prop_map(|s| T(s.to_owned()))
                .boxed(),
        ),
    ])
    .boxed()
}

/// Strings: tame (valid anywhere but a key) or wild (extremes).
fn texts(tame: bool) -> BoxedStrategy<T> {
    if tame { tame_text() } else { text() }
}

fn ints(tame: bool) -> BoxedStrategy<i64> {
    if tame { (-5i64..5).boxed() } else { i64s() }
}

fn uints(tame: bool) -> BoxedStrategy<u64> {
    if tame { (0u64..5).boxed() } else { u64s() }
}

fn floats(tame: bool) -> BoxedStrategy<f64> {
    if tame {
        (-10.0f64..10.0).boxed()
    } else {
        f64s()
    }
}

fn cmp_op() -> impl Strategy<Value = CmpOp> {
    select(vec![
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
    ])
}

fn sfield() -> impl Strategy<Value = SField> {
    select(vec![SField::Id, SField::Label, SField::Status])
}

fn afield() -> impl Strategy<Value = AField> {
    select(vec![
        AField::Id,
        AField::Label,
        AField::Status,
        AField::Count,
        AField::Big,
        AField::Ratio,
        AField::Note,
        AField::Tags,
    ])
}

fn leaf(tame: bool) -> BoxedStrategy<Leaf> {
    let mut arms = vec![
        (
            3,
            (sfield(), cmp_op(), texts(tame))
                .prop_map(|(f, o, v)| Leaf::StrCmp(f, o, v))
                .boxed(),
        ),
        (
            1,
            (sfield(), texts(tame), texts(tame))
                .prop_map(|(f, a, b)| Leaf::StrBetween(f, a, b))
                .boxed(),
        ),
        (
            2,
            (sfield(), vec(texts(tame), usize::from(tame)..4))
                .prop_map(|(f, v)| Leaf::StrIn(f, v))
                .boxed(),
        ),
        (
            2,
            (sfield(), texts(tame))
                .prop_map(|(f, v)| Leaf::BeginsWith(f, v))
                .boxed(),
        ),
        (
            1,
            (sfield(), texts(tame))
                .prop_map(|(f, v)| Leaf::ContainsStr(f, v))
                .boxed(),
        ),
        (
            1,
            (sfield(), sfield())
                .prop_map(|(f, g)| Leaf::EqAttr(f, g))
                .boxed(),
        ),
        (
            2,
            (cmp_op(), ints(tame))
                .prop_map(|(o, v)| Leaf::I64Cmp(o, v))
                .boxed(),
        ),
        (
            1,
            (ints(tame), ints(tame))
                .prop_map(|(a, b)| Leaf::I64Between(a, b))
                .boxed(),
        ),
        (
            1,
            vec(ints(tame), usize::from(tame)..4)
                .prop_map(Leaf::I64In)
                .boxed(),
        ),
        (
            2,
            (cmp_op(), uints(tame))
                .prop_map(|(o, v)| Leaf::U64Cmp(o, v))
                .boxed(),
        ),
        (
            2,
            (cmp_op(), floats(tame))
                .prop_map(|(o, v)| Leaf::F64Cmp(o, v))
                .boxed(),
        ),
        (
            1,
            (floats(tame), floats(tame))
                .prop_map(|(a, b)| Leaf::F64Between(a, b))
                .boxed(),
        ),
        (1, option::of(texts(tame)).prop_map(Leaf::NoteEq).boxed()),
        (1, texts(tame).prop_map(Leaf::NoteBegins).boxed()),
        (1, texts(tame).prop_map(Leaf::TagsContains).boxed()),
        (
            2,
            (afield(), any::<bool>())
                .prop_map(|(f, b)| Leaf::Exists(f, b))
                .boxed(),
        ),
        (
            1,
            (afield(), cmp_op(), 0usize..8)
                .prop_map(|(f, o, n)| Leaf::Size(f, o, n))
                .boxed(),
        ),
    ];
    if !tame {
        // Beyond DynamoDB's 100 operands of IN.
        arms.push((
            1,
            (sfield(), 99usize..103)
                .prop_map(|(f, n)| Leaf::StrIn(f, (0..n).map(|i| T(i.to_string())).collect()))
                .boxed(),
        ));
    }
    Union::new_weighted(arms).boxed()
}

/// The name placeholders raw conditions are written with.
const NAME_POOL: [&str; 5] = ["#a", "#b", "#t", "#o", "#m"];
/// The value placeholders raw conditions are written with.
const VALUE_POOL: [&str; 7] = [":x", ":y", ":p", ":n", ":lo", ":hi", ":ty"];

/// What a name placeholder may stand for: the subjects' attributes, the library's own
/// (key, discriminator, index, lifecycle), missing ones and odd ones.
const ATTRIBUTES: &[&str] = &[
    "label", "status", "count", "big", "ratio", "note", "tags", "id", "email", "PK", "SK", "_type",
    "GSI1PK", "version", "expires", "missing", "ü", "a.b", "#n0", " ",
];

/// Well-formed conditions over the pool placeholders (some still wrong for DynamoDB: the
/// same attribute on both sides, a huge list index, a reserved word as a plain name).
const ATOMS: &[&str] = &[
    "#a = :x",
    "#a <> :y",
    "#b < :x",
    "#a <= :n",
    "#b > :y",
    "#a >= :x",
    ":x = #a",
    "#a = #b",
    "size(#t) > :n",
    "size(#a) = size(#b)",
    "attribute_exists(#a)",
    "attribute_not_exists(#o)",
    "attribute_type(#a, :ty)",
    "begins_with(#a, :p)",
    "contains(#a, :p)",
    "contains(#t, :x)",
    "#a BETWEEN :lo AND :hi",
    "#a between :x and :y",
    "#a IN (:x, :y)",
    "#a in (:x)",
    "#t[0] = :x",
    "#t[99999999999999999999] = :x",
    "#m.#a = :x",
    "#a.#b[2] <> :p",
    "label = :x",
    "status = :x",
    "ratio < :n",
    "tags[1] = :p",
    "note = :x",
    "big >= :n",
    "Label_2 = :x",
];

/// Text a raw condition should never get through with.
const ADVERSARIAL: &[&str] = &[
    "x) OR (y",
    ") OR attribute_exists(#a",
    "#a = :x) OR (#a <> :x",
    "#a = :x) OR (attribute_exists(#a)",
    "(#a = :x",
    "#a = :x)",
    "#a = :x OR (",
    "#a = :x )(",
    "",
    "   ",
    "\n\t",
    "#n0 = :v0",
    "#a = :v0",
    "#n1 = :x",
    "attribute_exists(#n0)",
    "attribute_exists(#a) OR",
    "AND",
    "NOT",
    "OR OR",
    "#a = :x; DROP TABLE x",
    "#a = 'x'",
    "#a = \"x\"",
    "ü = :x",
    "#a = :x -- c",
    "#a IN ()",
    "size(#a)",
    "#a BETWEEN :x",
    "#a = :x AND",
    "#a == :x",
    "#a != :x",
    "#a =< :x",
    "contains(#a)",
    "begins_with(#a, #b)",
    "attribute_type(#a, :x)",
    "\u{202e}#a = :x",
    "#a\u{a0}= :x",
    "#a = :x\u{0}",
    "#a[-1] = :x",
    "#a[] = :x",
    "#a. = :x",
    ".#a = :x",
    "#a..#b = :x",
    "#a = :x #b",
    "SELECT",
    "(#a = :x) (#a = :x)",
    "#a = :x)(#a = :x",
    "(#a = :x)",
    "((#a = :x))",
    "NOT (#a = :x)",
    "(#a = :x) AND (#b = :y)",
    "((#a = :x) OR (#b = :y))",
    "#a = :x AND ((#b = :y))",
    "NOT NOT #a = :x",
    "ATTRIBUTE_EXISTS(#a)",
    "Attribute_Exists(#a)",
    "count = :x",
    "name = :x",
    "size = :x",
    "#a = size",
    "_x = :x",
    "1 = :x",
    "#a = :x OR #a = :x",
    "#a IN (#a, :x)",
    "contains(#a, #a)",
    "#a BETWEEN #a AND :x",
    "attribute_exists(#a.#a)",
    "#",
    ":",
    "#a = :",
    "# = :x",
];

/// Tokens for grammar soup.
const SOUP: &[&str] = &[
    "#a",
    "#b",
    "#t",
    ":x",
    ":y",
    ":ty",
    "#n0",
    ":v0",
    "(",
    ")",
    "(",
    ")",
    "AND",
    "OR",
    "NOT",
    "=",
    "<>",
    "<",
    ">=",
    "BETWEEN",
    "IN",
    ",",
    "attribute_exists",
    "attribute_not_exists",
    "begins_with",
    "contains",
    "size",
    "[0]",
    ".",
    "label",
    "status",
];

fn well_formed() -> BoxedStrategy<String> {
    select(ATOMS)
        .prop_map(str::to_owned)
        .prop_recursive(3, 12, 2, |inner| {
            Union::new(vec![
                (
                    inner.clone(),
                    inner.clone(),
                    select(vec!["AND", "OR", "and", "Or"]),
                )
                    .prop_map(|(a, b, k)| format!("{a} {k} {b}"))
                    .boxed(),
                inner.clone().prop_map(|a| format!("({a})")).boxed(),
                inner.clone().prop_map(|a| format!("NOT {a}")).boxed(),
                inner.prop_map(|a| format!("NOT ({a})")).boxed(),
            ])
        })
        .boxed()
}

fn raw_text() -> BoxedStrategy<T> {
    Union::new_weighted(vec![
        (6, well_formed().prop_map(T).boxed()),
        (4, select(ADVERSARIAL).prop_map(|s| T(s.to_owned())).boxed()),
        (
            2,
            vec(select(SOUP), 1..12)
                .prop_map(|t| T(t.join(" ")))
                .boxed(),
        ),
        (
            1,
            (1usize..600)
                .prop_map(|n| T(format!("{}#a = :x", "#a <> :y OR ".repeat(n))))
                .boxed(),
        ),
        (
            1,
            (1usize..100)
                .prop_map(|n| T(format!("{}#a = :x{}", "(".repeat(n), ")".repeat(n))))
                .boxed(),
        ),
        (
            1,
            (1usize..100)
                .prop_map(|n| T(format!("{}#a = :x", "NOT ".repeat(n))))
                .boxed(),
        ),
        (1, "\\PC{0,40}".prop_map(T).boxed()),
    ])
    .boxed()
}

fn raw_val() -> BoxedStrategy<RawVal> {
    Union::new_weighted(vec![
        (4, text().prop_map(RawVal::S).boxed()),
        (2, i64s().prop_map(RawVal::I).boxed()),
        (1, u64s().prop_map(RawVal::U).boxed()),
        (2, f64s().prop_map(RawVal::F).boxed()),
        (1, Just(RawVal::Null).boxed()),
        (1, any::<bool>().prop_map(RawVal::B).boxed()),
        (1, vec(text(), 0..3).prop_map(RawVal::L).boxed()),
    ])
    .boxed()
}

/// The value of `:ty`: mostly a DynamoDB type name.
fn type_val() -> BoxedStrategy<RawVal> {
    Union::new_weighted(vec![
        (
            4,
            select(vec![
                "S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M",
            ])
            .prop_map(|s| RawVal::S(T(s.to_owned())))
            .boxed(),
        ),
        (1, raw_val()),
    ])
    .boxed()
}

fn mutation() -> BoxedStrategy<Mutation> {
    Union::new_weighted(vec![
        (12, Just(Mutation::None).boxed()),
        (1, Just(Mutation::DropName).boxed()),
        (1, Just(Mutation::DropValue).boxed()),
        (
            1,
            (
                select(vec!["#zz", "#a", "#n0", "#nx0", "#", "a", "#a b", "#ü", ""]),
                select(vec!["label", "", "status", "ü"]),
            )
                .prop_map(|(p, a)| Mutation::ExtraName(p, a))
                .boxed(),
        ),
        (
            1,
            (
                select(vec![":zz", ":x", ":v0", ":vx0", ":", "x", ":x y", ""]),
                raw_val(),
            )
                .prop_map(|(p, v)| Mutation::ExtraValue(p, v))
                .boxed(),
        ),
        (1, Just(Mutation::EmptyAttribute).boxed()),
        (
            1,
            select(vec![255usize, 256, 1000, 70_000])
                .prop_map(Mutation::LongAttribute)
                .boxed(),
        ),
        (1, Just(Mutation::DuplicateName).boxed()),
        (1, Just(Mutation::DuplicateValue).boxed()),
    ])
    .boxed()
}

fn raw_spec(tame: bool) -> BoxedStrategy<RawSpec> {
    if tame {
        // Well-formed text, each placeholder declared, names for distinct attributes, values
        // DynamoDB accepts: what a careful caller writes.
        return (
            well_formed(),
            Just(vec![
                "label", "status", "count", "big", "ratio", "note", "tags", "missing", "email",
            ])
            .prop_shuffle(),
            vec(
                Union::new(vec![
                    tame_text().prop_map(RawVal::S).boxed(),
                    (-5i64..5).prop_map(RawVal::I).boxed(),
                ]),
                VALUE_POOL.len() - 1,
            ),
            select(vec!["S", "N", "L", "NULL", "SS", "M"]),
            option::weighted(0.8, any::<u16>()),
        )
            .prop_map(|(text, attributes, mut values, ty, suffix)| {
                values.push(RawVal::S(T(ty.to_owned())));
                RawSpec {
                    text: T(text),
                    names: attributes[..NAME_POOL.len()].to_vec(),
                    values,
                    declare_foreign: false,
                    mutation: Mutation::None,
                    suffix,
                }
            })
            .boxed();
    }
    (
        raw_text(),
        vec(select(ATTRIBUTES), NAME_POOL.len()),
        vec(raw_val(), VALUE_POOL.len() - 1),
        type_val(),
        proptest::bool::weighted(0.3),
        mutation(),
    )
        .prop_map(|(text, names, mut values, ty, declare_foreign, mutation)| {
            values.push(ty);
            RawSpec {
                text,
                names,
                values,
                declare_foreign,
                mutation,
                suffix: None,
            }
        })
        .boxed()
}

/// Conditions: mostly ones a careful caller writes, the rest anything at all.
fn cond() -> BoxedStrategy<Cond> {
    Union::new_weighted(vec![(2, cond_tree(true)), (1, cond_tree(false))]).boxed()
}

fn cond_tree(tame: bool) -> BoxedStrategy<Cond> {
    Union::new_weighted(vec![
        (3, leaf(tame).prop_map(Cond::Leaf).boxed()),
        (2, raw_spec(tame).prop_map(Cond::Raw).boxed()),
    ])
    .prop_recursive(3, 8, 2, |inner| {
        Union::new(vec![
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b)))
                .boxed(),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b)))
                .boxed(),
            inner.prop_map(|a| Cond::Not(Box::new(a))).boxed(),
        ])
    })
    .boxed()
}

fn act(tame: bool) -> BoxedStrategy<Act> {
    let long_text = || if tame { tame_text() } else { big_text() };
    Union::new_weighted(vec![
        (2, long_text().prop_map(Act::SetLabel).boxed()),
        (1, texts(tame).prop_map(Act::SetStatus).boxed()),
        (1, ints(tame).prop_map(Act::SetCount).boxed()),
        (1, uints(tame).prop_map(Act::SetBig).boxed()),
        (1, floats(tame).prop_map(Act::SetRatio).boxed()),
        (1, option::of(long_text()).prop_map(Act::SetNote).boxed()),
        (1, vec(texts(tame), 0..4).prop_map(Act::SetTags).boxed()),
        (1, texts(tame).prop_map(Act::SetNoteIfNotExists).boxed()),
        (1, texts(tame).prop_map(Act::SetLabelIfNotExists).boxed()),
        (2, ints(tame).prop_map(Act::AddCount).boxed()),
        (2, uints(tame).prop_map(Act::AddBig).boxed()),
        (1, floats(tame).prop_map(Act::AddRatio).boxed()),
        (1, ints(tame).prop_map(Act::IncCount).boxed()),
        (1, ints(tame).prop_map(Act::DecCount).boxed()),
        (1, uints(tame).prop_map(Act::IncBig).boxed()),
        (1, uints(tame).prop_map(Act::DecBig).boxed()),
        (1, floats(tame).prop_map(Act::IncRatio).boxed()),
        (1, vec(texts(tame), 0..3).prop_map(Act::AppendTags).boxed()),
        (1, vec(texts(tame), 0..3).prop_map(Act::PrependTags).boxed()),
        (1, Just(Act::RemoveNote).boxed()),
        (2, texts(tame).prop_map(Act::SetEmail).boxed()),
        (1, option::of(ints(tame)).prop_map(Act::SetExpiry).boxed()),
        (1, any::<u32>().prop_map(Act::SetVersion).boxed()),
    ])
    .boxed()
}

fn version_choice() -> BoxedStrategy<VersionChoice> {
    Union::new_weighted(vec![
        (2, Just(VersionChoice::Zero).boxed()),
        (4, Just(VersionChoice::Stored).boxed()),
        (1, Just(VersionChoice::StoredPlusOne).boxed()),
        (1, Just(VersionChoice::Max).boxed()),
        (1, Just(VersionChoice::Huge).boxed()),
        (1, any::<u32>().prop_map(VersionChoice::Any).boxed()),
    ])
    .boxed()
}

fn email_choice() -> BoxedStrategy<EmailChoice> {
    Union::new_weighted(vec![
        (3, Just(EmailChoice::Fresh).boxed()),
        (2, Just(EmailChoice::Stored).boxed()),
        (2, text().prop_map(EmailChoice::Text).boxed()),
    ])
    .boxed()
}

/// Fields to put: mostly tame, else any values, extremes included.
fn fields() -> BoxedStrategy<Fields> {
    Union::new_weighted(vec![(2, fields_with(true)), (1, fields_with(false))]).boxed()
}

fn fields_with(tame: bool) -> BoxedStrategy<Fields> {
    (
        (
            if tame { tame_text() } else { big_text() },
            texts(tame),
            ints(tame),
            uints(tame),
            floats(tame),
        ),
        (
            option::of(texts(tame)),
            vec(texts(tame), 0..4),
            email_choice(),
            option::of(ints(tame)),
            version_choice(),
        ),
    )
        .prop_map(
            |((label, status, count, big, ratio), (note, tags, email, expiry, version))| Fields {
                label,
                status,
                count,
                big,
                ratio,
                note,
                tags,
                email,
                expiry,
                version,
            },
        )
        .boxed()
}

/// Fields of a stored item: values DynamoDB accepts, numbers sometimes at their limits (so
/// updates can overflow them).
fn seed_fields() -> BoxedStrategy<Fields> {
    (
        ("[a-z]{1,6}", select(vec!["open", "done", ""])),
        (
            prop_oneof![3 => -1000i64..1000, 1 => Just(i64::MAX), 1 => Just(i64::MIN)],
            prop_oneof![3 => 0u64..1000, 1 => Just(u64::MAX)],
            prop_oneof![3 => -100.0f64..100.0, 1 => Just(9.9e125), 1 => Just(-9.9e125)],
        ),
        (
            option::of("[a-z]{0,5}"),
            vec("[a-z]{1,4}", 0..3),
            option::of(0i64..2_000_000_000),
        ),
    )
        .prop_map(
            |((label, status), (count, big, ratio), (note, tags, expiry))| Fields {
                label: T(label),
                status: T(status.to_owned()),
                count,
                big,
                ratio,
                note: note.map(T),
                tags: tags.into_iter().map(T).collect(),
                email: EmailChoice::Fresh,
                expiry,
                version: VersionChoice::Zero,
            },
        )
        .boxed()
}

fn op_spec() -> BoxedStrategy<OpSpec> {
    (
        select(vec![
            Kind::Put,
            Kind::Create,
            Kind::Update,
            Kind::Update,
            Kind::Delete,
        ]),
        fields(),
        Union::new_weighted(vec![
            (2, vec(act(true), 1..4).boxed()),
            (1, vec(act(false), 0..5).boxed()),
        ]),
        vec(cond(), 0..3),
        any::<bool>(),
        option::weighted(0.15, version_choice()),
    )
        .prop_map(
            |(kind, fields, actions, conditions, return_old, if_version)| OpSpec {
                kind,
                fields,
                actions,
                conditions,
                return_old,
                if_version,
            },
        )
        .boxed()
}

fn case() -> BoxedStrategy<Case> {
    (
        select(vec![
            SubjectKind::Gauge,
            SubjectKind::Ledger,
            SubjectKind::Member,
        ]),
        Union::new(vec![
            Just(Initial::Nothing).boxed(),
            seed_fields().prop_map(Initial::Same).boxed(),
            (text(), u64s())
                .prop_map(|(secret, n)| Initial::Other(ShadowFields { secret, n }))
                .boxed(),
        ]),
        Union::new_weighted(vec![
            (16, "[a-z0-9]{1,6}".prop_map(T).boxed()),
            (4, tame_text()),
            (2, text()),
            (1, Just(T("k".repeat(3000))).boxed()),
        ]),
        vec(op_spec(), 1..4),
    )
        .prop_map(|(subject, initial, id, ops)| Case {
            subject,
            initial,
            id,
            ops,
        })
        .boxed()
}

// --- building requests from the inputs ---------------------------------------------------

/// Placeholders (`#word`, `:word`) as the text uses them, in order, without repeats.
fn placeholders_in(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'#' || bytes[i] == b':' {
            let end = i
                + 1
                + bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
            if end > i + 1 {
                let p = text[i..end].to_owned();
                if !out.contains(&p) {
                    out.push(p);
                }
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// `text` with every pool placeholder renamed `<placeholder>_<k>`.
fn with_suffix(text: &str, k: u16) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'#' || bytes[i] == b':' {
            let end = i
                + 1
                + bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
            let token = &text[i..end];
            out.push_str(token);
            if NAME_POOL.contains(&token) || VALUE_POOL.contains(&token) {
                out.push_str(&format!("_{k}"));
            }
            i = end;
        } else {
            let c = text[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

impl RawSpec {
    /// The raw condition: the placeholders the text uses, declared (pool ones as generated,
    /// others only when `declare_foreign`), then spoiled by the mutation.
    fn build(&self) -> Raw {
        let mut names = Vec::new();
        let mut values = Vec::new();
        let text = match self.suffix {
            Some(k) => with_suffix(&self.text.0, k),
            None => self.text.0.clone(),
        };
        let pool_name = |p: &str| -> String {
            match self.suffix {
                Some(k) => p.strip_suffix(&format!("_{k}")).unwrap_or(p).to_owned(),
                None => p.to_owned(),
            }
        };
        for p in placeholders_in(&text) {
            let base = pool_name(&p);
            if p.starts_with('#') {
                match NAME_POOL.iter().position(|n| *n == base) {
                    Some(i) => names.push((p, self.names[i].to_owned())),
                    None if self.declare_foreign => names.push((p, "label".to_owned())),
                    None => {}
                }
            } else {
                match VALUE_POOL.iter().position(|n| *n == base) {
                    Some(i) => values.push((p, self.values[i].clone())),
                    None if self.declare_foreign => values.push((p, RawVal::I(1))),
                    None => {}
                }
            }
        }
        match &self.mutation {
            Mutation::None => {}
            Mutation::DropName => {
                names.pop();
            }
            Mutation::DropValue => {
                values.pop();
            }
            Mutation::ExtraName(p, a) => names.push(((*p).to_owned(), (*a).to_owned())),
            Mutation::ExtraValue(p, v) => values.push(((*p).to_owned(), v.clone())),
            Mutation::EmptyAttribute => {
                if let Some(n) = names.first_mut() {
                    n.1 = String::new();
                }
            }
            Mutation::LongAttribute(len) => {
                if let Some(n) = names.first_mut() {
                    n.1 = "q".repeat(*len);
                }
            }
            Mutation::DuplicateName => {
                if let Some(n) = names.first().cloned() {
                    names.push(n);
                }
            }
            Mutation::DuplicateValue => {
                if let Some(v) = values.first().cloned() {
                    values.push(v);
                }
            }
        }
        Raw {
            text,
            names,
            values,
        }
    }
}

impl Raw {
    fn condition<E>(&self) -> Condition<E> {
        let mut c = Condition::raw(self.text.clone());
        for (p, a) in &self.names {
            c = c.name(p.clone(), a.clone());
        }
        for (p, v) in &self.values {
            let p = p.clone();
            c = match v {
                RawVal::S(s) => c.value(p, &s.0),
                RawVal::I(i) => c.value(p, i),
                RawVal::U(u) => c.value(p, u),
                RawVal::F(f) => c.value(p, f),
                RawVal::Null => c.value(p, &None::<String>),
                RawVal::B(b) => c.value(p, b),
                RawVal::L(l) => c.value(p, &l.iter().map(|t| t.0.clone()).collect::<Vec<_>>()),
            };
        }
        c
    }
}

fn cmp<E, V: Serialize, K>(attr: Attr<E, V, K>, op: CmpOp, v: V) -> Condition<E> {
    match op {
        CmpOp::Eq => attr.eq(v),
        CmpOp::Ne => attr.ne(v),
        CmpOp::Lt => attr.lt(v),
        CmpOp::Le => attr.le(v),
        CmpOp::Gt => attr.gt(v),
        CmpOp::Ge => attr.ge(v),
    }
}

fn size_cmp<E>(size: dynamorm::expr::Size<E>, op: CmpOp, n: usize) -> Condition<E> {
    match op {
        CmpOp::Eq => size.eq(n),
        CmpOp::Ne => !size.eq(n),
        CmpOp::Lt => size.lt(n),
        CmpOp::Le => size.le(n),
        CmpOp::Gt => size.gt(n),
        CmpOp::Ge => size.ge(n),
    }
}

/// Runs `$body` with `$x` bound to the string attribute `$f` of attrs `$a`.
macro_rules! with_sfield {
    ($a:expr, $f:expr, $x:ident => $body:expr) => {
        match $f {
            SField::Id => {
                let $x = $a.id;
                $body
            }
            SField::Label => {
                let $x = $a.label;
                $body
            }
            SField::Status => {
                let $x = $a.status;
                $body
            }
        }
    };
}

/// Runs `$body` with `$x` bound to attribute `$f` of attrs `$a`.
macro_rules! with_afield {
    ($a:expr, $f:expr, $x:ident => $body:expr) => {
        match $f {
            AField::Id => {
                let $x = $a.id;
                $body
            }
            AField::Label => {
                let $x = $a.label;
                $body
            }
            AField::Status => {
                let $x = $a.status;
                $body
            }
            AField::Count => {
                let $x = $a.count;
                $body
            }
            AField::Big => {
                let $x = $a.big;
                $body
            }
            AField::Ratio => {
                let $x = $a.ratio;
                $body
            }
            AField::Note => {
                let $x = $a.note;
                $body
            }
            AField::Tags => {
                let $x = $a.tags;
                $body
            }
        }
    };
}

/// An entity type the test writes: built from generated inputs the same way for all three.
trait Subject: Entity<Table = Tracker> + Clone + std::fmt::Debug + PartialEq {
    type Shadow: Entity<Table = Tracker> + Clone + std::fmt::Debug;
    fn make(id: &str, f: &Fields, email: String, version: u32) -> Self;
    fn shadow(id: &str, s: &ShadowFields) -> Self::Shadow;
    fn key_for(id: &str) -> Self::Key;
    fn cond(c: &Cond) -> Condition<Self>;
    fn apply(u: Update<Self>, actions: &[Act]) -> Update<Self>;
    /// Without the fields the library maintains (version, timestamps), to compare.
    fn normalized(self) -> Self {
        self
    }
}

/// `cond` and `apply`, for a subject type with the common fields.
macro_rules! common_subject {
    () => {
        fn cond(c: &Cond) -> Condition<Self> {
            let a = Self::attrs();
            match c {
                Cond::And(x, y) => Self::cond(x).and(Self::cond(y)),
                Cond::Or(x, y) => Self::cond(x).or(Self::cond(y)),
                Cond::Not(x) => !Self::cond(x),
                Cond::Raw(r) => r.build().condition(),
                Cond::Leaf(leaf) => match leaf {
                    Leaf::StrCmp(f, op, v) => with_sfield!(a, f, x => cmp(x, *op, v.0.clone())),
                    Leaf::StrBetween(f, lo, hi) => {
                        with_sfield!(a, f, x => x.between(lo.0.clone(), hi.0.clone()))
                    }
                    Leaf::StrIn(f, vs) => {
                        with_sfield!(a, f, x => x.is_in(vs.iter().map(|v| v.0.clone())))
                    }
                    Leaf::BeginsWith(f, v) => with_sfield!(a, f, x => x.begins_with(v.0.clone())),
                    Leaf::ContainsStr(f, v) => {
                        with_sfield!(a, f, x => x.contains_str(v.0.clone()))
                    }
                    Leaf::EqAttr(f, g) => {
                        with_sfield!(a, f, x => with_sfield!(a, g, y => x.eq_attr(y)))
                    }
                    Leaf::I64Cmp(op, v) => cmp(a.count, *op, *v),
                    Leaf::I64Between(lo, hi) => a.count.between(*lo, *hi),
                    Leaf::I64In(vs) => a.count.is_in(vs.clone()),
                    Leaf::U64Cmp(op, v) => cmp(a.big, *op, *v),
                    Leaf::F64Cmp(op, v) => cmp(a.ratio, *op, *v),
                    Leaf::F64Between(lo, hi) => a.ratio.between(*lo, *hi),
                    Leaf::NoteEq(v) => a.note.eq(v.as_ref().map(|t| t.0.clone())),
                    Leaf::NoteBegins(v) => a.note.begins_with(v.0.clone()),
                    Leaf::TagsContains(v) => a.tags.contains(v.0.clone()),
                    Leaf::Exists(f, yes) => with_afield!(a, f, x => if *yes {
                        x.exists()
                    } else {
                        x.not_exists()
                    }),
                    Leaf::Size(f, op, n) => with_afield!(a, f, x => size_cmp(x.size(), *op, *n)),
                },
            }
        }

        fn apply(mut u: Update<Self>, actions: &[Act]) -> Update<Self> {
            let a = Self::attrs();
            for act in actions {
                u = match act {
                    Act::SetLabel(v) => u.set(a.label, v.0.clone()),
                    Act::SetStatus(v) => u.set(a.status, v.0.clone()),
                    Act::SetCount(v) => u.set(a.count, *v),
                    Act::SetBig(v) => u.set(a.big, *v),
                    Act::SetRatio(v) => u.set(a.ratio, *v),
                    Act::SetNote(v) => u.set(a.note, v.as_ref().map(|t| t.0.clone())),
                    Act::SetTags(v) => u.set(a.tags, v.iter().map(|t| t.0.clone()).collect::<Vec<_>>()),
                    Act::SetNoteIfNotExists(v) => u.set_if_not_exists(a.note, v.0.clone()),
                    Act::SetLabelIfNotExists(v) => u.set_if_not_exists(a.label, v.0.clone()),
                    Act::AddCount(v) => u.add(a.count, *v),
                    Act::AddBig(v) => u.add(a.big, *v),
                    Act::AddRatio(v) => u.add(a.ratio, *v),
                    Act::IncCount(v) => u.increment(a.count, *v),
                    Act::DecCount(v) => u.decrement(a.count, *v),
                    Act::IncBig(v) => u.increment(a.big, *v),
                    Act::DecBig(v) => u.decrement(a.big, *v),
                    Act::IncRatio(v) => u.increment(a.ratio, *v),
                    Act::AppendTags(v) => u.append(a.tags, v.iter().map(|t| t.0.clone())),
                    Act::PrependTags(v) => u.prepend(a.tags, v.iter().map(|t| t.0.clone())),
                    Act::RemoveNote => u.remove(a.note),
                    other => Self::special(u, other),
                };
            }
            u
        }
    };
}

impl Subject for WpGauge {
    type Shadow = WpGaugeShadow;
    fn make(id: &str, f: &Fields, _email: String, _version: u32) -> Self {
        WpGauge {
            id: id.to_owned(),
            label: f.label.0.clone(),
            status: f.status.0.clone(),
            count: f.count,
            big: f.big,
            ratio: f.ratio,
            note: f.note.as_ref().map(|t| t.0.clone()),
            tags: f.tags.iter().map(|t| t.0.clone()).collect(),
        }
    }
    fn shadow(id: &str, s: &ShadowFields) -> WpGaugeShadow {
        WpGaugeShadow {
            id: id.to_owned(),
            secret: s.secret.0.clone(),
            n: s.n,
        }
    }
    fn key_for(id: &str) -> WpGaugeKey {
        WpGaugeKey { id: id.to_owned() }
    }
    common_subject!();
}

impl WpGauge {
    fn special(u: Update<Self>, _act: &Act) -> Update<Self> {
        u
    }
}

impl Subject for WpLedger {
    type Shadow = WpLedgerShadow;
    fn make(id: &str, f: &Fields, _email: String, version: u32) -> Self {
        WpLedger {
            id: id.to_owned(),
            label: f.label.0.clone(),
            status: f.status.0.clone(),
            count: f.count,
            big: f.big,
            ratio: f.ratio,
            note: f.note.as_ref().map(|t| t.0.clone()),
            tags: f.tags.iter().map(|t| t.0.clone()).collect(),
            version,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: None,
            expiry: f.expiry,
        }
    }
    fn shadow(id: &str, s: &ShadowFields) -> WpLedgerShadow {
        WpLedgerShadow {
            id: id.to_owned(),
            secret: s.secret.0.clone(),
            n: s.n,
        }
    }
    fn key_for(id: &str) -> WpLedgerKey {
        WpLedgerKey { id: id.to_owned() }
    }
    fn normalized(mut self) -> Self {
        self.version = 0;
        self.created_at = DateTime::UNIX_EPOCH;
        self.updated_at = None;
        self
    }
    common_subject!();
}

impl WpLedger {
    fn special(u: Update<Self>, act: &Act) -> Update<Self> {
        let a = Self::attrs();
        match act {
            Act::SetExpiry(v) => u.set(a.expiry, *v),
            Act::SetVersion(v) => u.set(a.version, *v),
            _ => u,
        }
    }
}

impl Subject for WpMember {
    type Shadow = WpMemberShadow;
    fn make(id: &str, f: &Fields, email: String, _version: u32) -> Self {
        WpMember {
            id: id.to_owned(),
            label: f.label.0.clone(),
            status: f.status.0.clone(),
            count: f.count,
            big: f.big,
            ratio: f.ratio,
            note: f.note.as_ref().map(|t| t.0.clone()),
            tags: f.tags.iter().map(|t| t.0.clone()).collect(),
            email,
        }
    }
    fn shadow(id: &str, s: &ShadowFields) -> WpMemberShadow {
        WpMemberShadow {
            id: id.to_owned(),
            secret: s.secret.0.clone(),
            n: s.n,
        }
    }
    fn key_for(id: &str) -> WpMemberKey {
        WpMemberKey { id: id.to_owned() }
    }
    common_subject!();
}

impl WpMember {
    fn special(u: Update<Self>, act: &Act) -> Update<Self> {
        match act {
            Act::SetEmail(v) => u.set(Self::attrs().email, v.0.clone()),
            _ => u,
        }
    }
}

// --- observing the table -----------------------------------------------------------------

const WRITE_OPERATIONS: [&str; 5] = [
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "TransactWriteItems",
    "BatchWriteItem",
];

/// Write requests sent between two counter snapshots.
fn writes_between(before: &HashMap<String, u64>, after: &HashMap<String, u64>) -> Vec<String> {
    WRITE_OPERATIONS
        .iter()
        .filter_map(|op| {
            let n = after.get(*op).copied().unwrap_or(0) - before.get(*op).copied().unwrap_or(0);
            (n > 0).then(|| format!("{op}×{n}"))
        })
        .collect()
}

/// A stored item's primary key.
type Key = (String, Option<String>);

fn key_of_item(item: &Item) -> Key {
    let schema = &<Tracker as Table>::SCHEMA;
    let s = |a: &str| {
        item.get(a)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    (s(schema.partition_key()), schema.sort_key().map(s))
}

fn key_item(key: &Key) -> Item {
    let schema = &<Tracker as Table>::SCHEMA;
    let mut item = Item::new();
    item.insert(
        schema.partition_key().to_owned(),
        AttributeValue::S(key.0.clone()),
    );
    if let (Some(attr), Some(sk)) = (schema.sort_key(), &key.1) {
        item.insert(attr.to_owned(), AttributeValue::S(sk.clone()));
    }
    item
}

/// Every raw item of the table (all pages, strongly consistent), by key.
async fn scan_raw(db: &Db<Tracker>) -> BTreeMap<Key, Item> {
    crate::harness::scan_raw(db)
        .await
        .into_iter()
        .map(|item| (key_of_item(&item), item))
        .collect()
}

/// The keys whose items differ between two scans.
fn changed(before: &BTreeMap<Key, Item>, after: &BTreeMap<Key, Item>) -> Vec<Key> {
    let mut keys: Vec<Key> = before
        .iter()
        .filter(|(k, v)| after.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    keys.extend(after.keys().filter(|k| !before.contains_key(*k)).cloned());
    keys
}

const SENTINEL: &str = "_dynamorm.unique";

fn discriminator(item: &Item) -> Option<&str> {
    item.get(<Tracker as Table>::SCHEMA.discriminator())
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn is_sentinel(item: &Item) -> bool {
    discriminator(item).is_some_and(|d| d.starts_with("_dynamorm."))
}

/// A key component as the library escapes it: every character up to `%` as `%XX`.
fn escape(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        if c <= '%' {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// What is wrong with the stored items: partial or undecodable items, and unique sentinels
/// that do not match their owners (and owners without their sentinel).
fn table_problems(items: &BTreeMap<Key, Item>) -> Vec<String> {
    let mut problems = Vec::new();
    let sentinel_prefix = format!("{SENTINEL}#WpMember#email#");
    for (key, item) in items {
        match discriminator(item) {
            None => problems.push(format!(
                "item {:?} has no `_type` (attributes {:?})",
                short(&key.0),
                item.keys().collect::<Vec<_>>()
            )),
            Some(_) if is_sentinel(item) => {
                let owner = item.get("owner").and_then(|v| v.as_s().ok());
                let value = key.0.strip_prefix(&sentinel_prefix);
                let owner_item = owner.and_then(|pk| {
                    items
                        .iter()
                        .find(|(k, _)| &k.0 == pk && k.1.as_deref() == Some("ITEM"))
                        .map(|(_, v)| v)
                });
                let holds = owner_item
                    .and_then(|o| o.get("email"))
                    .and_then(|v| v.as_s().ok())
                    .map(|e| escape(e));
                if value.is_none() || holds.as_deref() != value {
                    problems.push(format!(
                        "sentinel {:?} is not held by its owner {:?}",
                        short(&key.0),
                        owner.map(|o| short(o))
                    ));
                }
            }
            Some(_) => {
                if let Err(e) = WpItem::from_item(item.clone()) {
                    problems.push(format!("item {:?} does not decode: {e}", short(&key.0)));
                } else if discriminator(item) == Some("WpMember") {
                    let email = item.get("email").and_then(|v| v.as_s().ok());
                    let sentinel = email.map(|e| format!("{sentinel_prefix}{}", escape(e)));
                    let claimed = sentinel
                        .as_ref()
                        .and_then(|pk| items.get(&(pk.clone(), Some(SENTINEL.to_owned()))));
                    let owned = claimed
                        .and_then(|s| s.get("owner"))
                        .and_then(|v| v.as_s().ok())
                        == Some(&key.0);
                    if !owned {
                        problems.push(format!(
                            "member {:?} does not own the sentinel of its e-mail",
                            short(&key.0)
                        ));
                    }
                }
            }
        }
    }
    problems
}

/// A message with digit runs replaced by `0` and cut short, to group similar ones.
fn normalized(s: &str) -> String {
    let mut out = String::new();
    let mut in_digits = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('0');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(c);
        }
    }
    truncate(&out, 240)
}

fn short(s: &str) -> String {
    if s.len() <= 60 {
        s.to_owned()
    } else {
        let head: String = s.chars().take(40).collect();
        format!("{head}…({} bytes)", s.len())
    }
}

// --- outcomes and tallies ----------------------------------------------------------------

/// The state of the key before a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    Nothing,
    Same,
    Other,
}

fn outcome_name(result: &Result<(), Error>) -> String {
    match result {
        Ok(()) => "Ok".to_owned(),
        Err(e) => error_name(e),
    }
}

fn error_name(e: &Error) -> String {
    match e {
        Error::NotFound { .. } => "NotFound".into(),
        Error::AlreadyExists { .. } => "AlreadyExists".into(),
        Error::ConditionFailed(_) => "ConditionFailed".into(),
        Error::VersionConflict { .. } => "VersionConflict".into(),
        Error::VersionExhausted { .. } => "VersionExhausted".into(),
        Error::UniqueViolation { .. } => "UniqueViolation".into(),
        Error::WrongEntity { .. } => "WrongEntity".into(),
        Error::Key(_) => "Key".into(),
        Error::InvalidInput(_) => "InvalidInput".into(),
        Error::ItemTooLarge { .. } => "ItemTooLarge".into(),
        Error::Decode(_) => "Decode".into(),
        Error::Encode(_) => "Encode".into(),
        Error::MissingDiscriminator { .. } => "MissingDiscriminator".into(),
        Error::UnknownDiscriminator { .. } => "UnknownDiscriminator".into(),
        Error::TransactionCanceled(_) => "TransactionCanceled".into(),
        Error::Service(s)
            if s.message().is_some_and(|m| {
                m.contains("significant digits")
                    || m.contains("overflow")
                    || m.contains("underflow")
            }) =>
        {
            format!("Service:{}(arithmetic)", s.code().unwrap_or("?"))
        }
        Error::Service(s) => format!("Service:{}", s.code().unwrap_or("?")),
        Error::Timeout { .. } => "Timeout".into(),
        Error::Transport { .. } => "Transport".into(),
        other => format!("Other:{}", short(&format!("{other:?}"))),
    }
}

/// Errors the library returns before sending anything.
fn is_pre_send(outcome: &str) -> bool {
    matches!(outcome, "InvalidInput" | "Key" | "ItemTooLarge" | "Encode")
}

/// The outcomes a write may have, given what the key held.
fn expected(kind: Kind, state: State, op: &OpSpec, outcome: &str) -> bool {
    if is_pre_send(outcome) || outcome == "VersionExhausted" {
        return true;
    }
    let conditional = !op.conditions.is_empty() || op.if_version.is_some();
    match (state, kind) {
        // Another entity type's item is never written, and that is what the error says.
        (State::Other, Kind::Create) => matches!(outcome, "WrongEntity" | "AlreadyExists"),
        (State::Other, _) => outcome == "WrongEntity",
        (State::Nothing, Kind::Put | Kind::Create) => matches!(
            outcome,
            "Ok" | "NotFound" | "ConditionFailed" | "VersionConflict" | "UniqueViolation"
        ),
        (State::Nothing, Kind::Update) => matches!(outcome, "NotFound" | "VersionConflict"),
        (State::Nothing, Kind::Delete) if conditional => {
            matches!(outcome, "NotFound" | "VersionConflict")
        }
        (State::Nothing, Kind::Delete) => outcome == "Ok",
        (State::Same, Kind::Create) => {
            matches!(
                outcome,
                "AlreadyExists" | "VersionConflict" | "ConditionFailed"
            )
        }
        (State::Same, Kind::Put | Kind::Update) => matches!(
            outcome,
            "Ok" | "ConditionFailed" | "AlreadyExists" | "VersionConflict" | "UniqueViolation"
        ),
        (State::Same, Kind::Delete) => {
            matches!(outcome, "Ok" | "ConditionFailed" | "VersionConflict")
        }
    }
}

const P_PANIC: &str = "panic";
const P_HANG: &str = "hang (no answer within 60 s)";
const P_PARTIAL: &str = "partial or undecodable item, or broken unique sentinel";
const P_OTHER: &str = "another entity type's item changed";
const P_SENT: &str = "library-side rejection but a write request was sent";
const P_FAILED_CHANGED: &str = "failed write changed the table";
const P_UNRELATED: &str = "write changed an item at another key";
const P_SERVICE: &str = "unexpected service error (the library sent something invalid)";
const P_CLASSIFY: &str = "error does not match the stored state";
const P_RETURNED: &str = "returned value disagrees with the stored item";

const PROPERTIES: [&str; 10] = [
    P_PANIC,
    P_HANG,
    P_PARTIAL,
    P_OTHER,
    P_SENT,
    P_FAILED_CHANGED,
    P_UNRELATED,
    P_SERVICE,
    P_CLASSIFY,
    P_RETURNED,
];

#[derive(Default)]
struct Stats {
    cases: usize,
    ops: usize,
    seeds_refused: BTreeMap<String, usize>,
    outcomes: BTreeMap<String, usize>,
    by_state: BTreeMap<(State, String), BTreeMap<String, usize>>,
    violations: BTreeMap<&'static str, usize>,
    /// Per property, per kind of violation: how many, and the first one in full.
    examples: BTreeMap<&'static str, BTreeMap<String, (usize, String)>>,
    /// Why the library refused writes itself, by message (numbers aside).
    refusals: BTreeMap<String, usize>,
    /// Server rejections of arithmetic on stored numbers (an `ADD` past DynamoDB's 38 digits):
    /// data the library cannot know, so not counted as a violation.
    arithmetic: usize,
    /// Refusals that came after a read (unique-field writes read the stored item first).
    reads_before_refusal: BTreeMap<String, usize>,
    /// Distinct messages of server-side rejections, with counts.
    service_messages: BTreeMap<String, usize>,
}

impl Stats {
    /// Records a violation; the first example of each kind (subject, write, state, outcome
    /// and message, numbers aside) is kept.
    fn violation(&mut self, property: &'static str, detail: String) {
        *self.violations.entry(property).or_default() += 1;
        let first = detail.lines().next().unwrap_or_default();
        // `case N, write I (Kind of Entity at State) -> Outcome: message`
        let what = first
            .split_once('(')
            .and_then(|(_, r)| r.split_once(')'))
            .map_or("", |(w, _)| w);
        let result = first.split_once(") -> ").map_or(first, |(_, r)| r);
        // Operands and other details after `;` vary with the values: left out.
        let result = normalized(result.split("; ").next().unwrap_or(result));
        let kind = if property == P_SERVICE {
            result
        } else {
            format!("{what} -> {result}")
        };
        let examples = self.examples.entry(property).or_default();
        let entry = examples.entry(kind).or_insert((0, detail));
        entry.0 += 1;
    }
}

struct Ctx {
    db: Db<Tracker>,
    counter: OperationCounter,
    stats: Mutex<Stats>,
    case_no: AtomicUsize,
}

impl Ctx {
    fn stats(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn run(&self, case: Case) {
        match case.subject {
            SubjectKind::Gauge => self.run_case::<WpGauge>(&case).await,
            SubjectKind::Ledger => self.run_case::<WpLedger>(&case).await,
            SubjectKind::Member => self.run_case::<WpMember>(&case).await,
        }
    }

    async fn run_case<E: Subject>(&self, case: &Case) {
        let n = self.case_no.fetch_add(1, Ordering::Relaxed);
        let id = format!("{n}-{}", case.id.0);
        let key = E::key_for(&id)
            .render()
            .ok()
            .map(|k| (k.partition_key, k.sort_key));
        let db = &self.db;

        // The initial state of the key.
        let seeded = match &case.initial {
            Initial::Nothing => Ok(()),
            Initial::Same(f) => {
                let entity = E::make(&id, f, format!("seed-{n}@wp"), 0);
                db.put(&entity).send().await
            }
            Initial::Other(s) => db.put(&E::shadow(&id, s)).send().await,
        };
        if let Err(e) = &seeded {
            *self.stats().seeds_refused.entry(error_name(e)).or_default() += 1;
        }

        let mut touched: Vec<Key> = key.iter().cloned().collect();
        let mut before = scan_raw(db).await;
        touched.extend(before.keys().cloned());
        let mut known_problems = table_problems(&before);
        if !known_problems.is_empty() {
            self.stats().violation(
                P_PARTIAL,
                format!("case {n}, initial item: {known_problems:?}"),
            );
        }
        for (i, op) in case.ops.iter().enumerate() {
            let stored = key.as_ref().and_then(|k| before.get(k)).cloned();
            let state = match stored.as_ref().map(discriminator) {
                None => State::Nothing,
                Some(Some(d)) if d == E::SCHEMA.name => State::Same,
                Some(_) => State::Other,
            };
            let sent_before = self.counter.snapshot();
            let (result, returned) = self.send::<E>(&id, op, stored.as_ref()).await;
            let sent_after = self.counter.snapshot();
            let sent = writes_between(&sent_before, &sent_after);
            let reads = sent_after.get("GetItem").copied().unwrap_or(0)
                - sent_before.get("GetItem").copied().unwrap_or(0);
            let after = scan_raw(db).await;
            let diff = changed(&before, &after);
            touched.extend(diff.iter().cloned());

            let outcome = match &result {
                Ok(r) => outcome_name(r),
                Err(Failure::Panic(_)) => "Panic".to_owned(),
                Err(Failure::Hang) => "Hang".to_owned(),
            };
            let context = || {
                let mut text = format!(
                    "case {n}, write {i} ({:?} of {} at {state:?}) -> {outcome}",
                    op.kind,
                    E::SCHEMA.name
                );
                if let Ok(Err(e)) = &result {
                    text.push_str(&format!(": {}", short_err(e)));
                }
                if let Some(c) = op.conditions.first() {
                    text.push_str(&format!("\n    first condition as rendered: {:?}", {
                        let c: Condition<E> = E::cond(c);
                        c
                    }));
                }
                let input = format!("{op:?}");
                text.push_str(&format!("\n    input: {}", truncate(&input, 3000)));
                text
            };

            let mut stats = self.stats();
            stats.ops += 1;
            *stats.outcomes.entry(outcome.clone()).or_default() += 1;
            *stats
                .by_state
                .entry((state, format!("{:?}", op.kind)))
                .or_default()
                .entry(outcome.clone())
                .or_default() += 1;

            match &result {
                Err(Failure::Panic(message)) => {
                    stats.violation(P_PANIC, format!("{}\n    panic: {message}", context()))
                }
                Err(Failure::Hang) => stats.violation(P_HANG, context()),
                Ok(_) => {}
            }
            if let Ok(Err(e)) = &result {
                let message = short_err(e);
                if is_pre_send(&outcome) && reads > 0 {
                    *stats
                        .reads_before_refusal
                        .entry(format!(
                            "{} {:?}: {}",
                            E::SCHEMA.name,
                            op.kind,
                            normalized(&message)
                        ))
                        .or_default() += 1;
                }
                if is_pre_send(&outcome) {
                    *stats
                        .refusals
                        .entry(format!("{outcome}: {}", normalized(&message)))
                        .or_default() += 1;
                }
                if outcome.ends_with("(arithmetic)") {
                    stats.arithmetic += 1;
                    *stats
                        .service_messages
                        .entry(format!("{outcome}: {}", normalized(&message)))
                        .or_default() += 1;
                } else if matches!(e, Error::Service(_) | Error::TransactionCanceled(_))
                    || outcome.starts_with("Other")
                {
                    *stats
                        .service_messages
                        .entry(format!(
                            "{outcome}: {}",
                            normalized(message.split("; ").next().unwrap_or(&message))
                        ))
                        .or_default() += 1;
                    stats.violation(P_SERVICE, context());
                }
            }
            if is_pre_send(&outcome) && !sent.is_empty() {
                stats.violation(P_SENT, format!("{}\n    sent: {sent:?}", context()));
            }
            if outcome != "Ok" && !diff.is_empty() {
                stats.violation(
                    P_FAILED_CHANGED,
                    format!("{}\n    changed: {:?}", context(), short_keys(&diff)),
                );
            }
            let unrelated: Vec<Key> = diff
                .iter()
                .filter(|k| Some(*k) != key.as_ref())
                .filter(|k| !after.get(*k).or(before.get(*k)).is_some_and(is_sentinel))
                .cloned()
                .collect();
            if !unrelated.is_empty() {
                stats.violation(
                    P_UNRELATED,
                    format!("{}\n    changed: {:?}", context(), short_keys(&unrelated)),
                );
            }
            if state == State::Other {
                let k = key.as_ref().expect("a stored item has a key");
                if after.get(k) != stored.as_ref() {
                    stats.violation(
                        P_OTHER,
                        format!(
                            "{}\n    before: {}\n    after: {}",
                            context(),
                            truncate(&format!("{stored:?}"), 600),
                            truncate(&format!("{:?}", after.get(k)), 600)
                        ),
                    );
                }
            }
            let new: Vec<String> = table_problems(&after)
                .into_iter()
                .filter(|p| !known_problems.contains(p))
                .collect();
            if !new.is_empty() {
                known_problems.extend(new.iter().cloned());
                stats.violation(P_PARTIAL, format!("{}\n    problems: {new:?}", context()));
            }
            let counted_elsewhere = outcome.starts_with("Service")
                || outcome.starts_with("Other")
                || matches!(outcome.as_str(), "TransactionCanceled" | "Decode");
            if result.is_ok() && !counted_elsewhere && !expected(op.kind, state, op, &outcome) {
                stats.violation(P_CLASSIFY, context());
            }
            if let Ok(r) = &result
                && let Some(problem) = returned_problem::<E>(
                    op.kind,
                    r,
                    &returned,
                    key.as_ref().and_then(|k| after.get(k)),
                    stored.as_ref(),
                    op.return_old,
                )
            {
                stats.violation(P_RETURNED, format!("{}\n    {problem}", context()));
            }
            drop(stats);
            before = after;
        }

        // The table as the case leaves it, then cleared for the next case.
        let last = scan_raw(db).await;
        touched.extend(last.keys().cloned());
        touched.sort();
        touched.dedup();
        for k in touched {
            db.client()
                .delete_item()
                .table_name(db.table_name())
                .set_key(Some(key_item(&k)))
                .send()
                .await
                .expect("cleanup delete");
        }
        self.stats().cases += 1;
    }

    /// Builds and sends one write; catches panics and hangs.
    async fn send<E: Subject>(
        &self,
        id: &str,
        op: &OpSpec,
        stored: Option<&Item>,
    ) -> (Result<Result<(), Error>, Failure>, Returned<E>) {
        let db = &self.db;
        let stored_version = stored
            .and_then(|s| s.get("version"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        let version = |c: VersionChoice| -> u64 {
            match c {
                VersionChoice::Zero => 0,
                VersionChoice::Stored => stored_version,
                VersionChoice::StoredPlusOne => stored_version + 1,
                VersionChoice::Max => u64::from(u32::MAX),
                VersionChoice::Huge => u64::MAX,
                VersionChoice::Any(v) => u64::from(v),
            }
        };
        let email = match &op.fields.email {
            EmailChoice::Fresh => format!("{id}@wp"),
            EmailChoice::Stored => stored
                .and_then(|s| s.get("email"))
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_else(|| format!("{id}@wp")),
            EmailChoice::Text(t) => t.0.clone(),
        };
        let returned: Arc<Mutex<Returned<E>>> = Arc::new(Mutex::new(Returned::Nothing));
        let slot = Arc::clone(&returned);
        let work = AssertUnwindSafe(async move {
            match op.kind {
                Kind::Put | Kind::Create => {
                    let v = u32::try_from(version(op.fields.version)).unwrap_or(u32::MAX);
                    let entity = E::make(id, &op.fields, email, v);
                    let mut put = if op.kind == Kind::Create {
                        db.create(&entity)
                    } else {
                        db.put(&entity)
                    };
                    for c in &op.conditions {
                        put = put.condition(E::cond(c));
                    }
                    if op.return_old {
                        put = put.return_old_on_failure();
                    }
                    if let Ok(mut r) = slot.lock() {
                        *r = Returned::Put(entity);
                    }
                    put.send().await
                }
                Kind::Update => {
                    let mut update = E::apply(db.update(E::key_for(id)), &op.actions);
                    for c in &op.conditions {
                        update = update.condition(E::cond(c));
                    }
                    if op.return_old {
                        update = update.return_old_on_failure();
                    }
                    if let Some(v) = op.if_version {
                        update = update.if_version(version(v));
                    }
                    let e = update.send().await?;
                    if let Ok(mut r) = slot.lock() {
                        *r = Returned::Updated(e);
                    }
                    Ok(())
                }
                Kind::Delete => {
                    let mut delete = db.delete(E::key_for(id));
                    for c in &op.conditions {
                        delete = delete.condition(E::cond(c));
                    }
                    if op.return_old {
                        delete = delete.return_old_on_failure();
                    }
                    if let Some(v) = op.if_version {
                        delete = delete.if_version(version(v));
                    }
                    let old = delete.send().await?;
                    if let Ok(mut r) = slot.lock() {
                        *r = Returned::Deleted(old);
                    }
                    Ok(())
                }
            }
        })
        .catch_unwind();
        let result = match tokio::time::timeout(Duration::from_secs(60), work).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(panic)) => Err(Failure::Panic(
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default(),
            )),
            Err(_) => Err(Failure::Hang),
        };
        let returned = std::mem::replace(
            &mut *returned.lock().unwrap_or_else(|e| e.into_inner()),
            Returned::Nothing,
        );
        (result, returned)
    }
}

enum Failure {
    Panic(String),
    Hang,
}

/// What a write returned (or, for a put, the entity it wrote).
enum Returned<E> {
    Nothing,
    Put(E),
    Updated(E),
    Deleted(Option<E>),
}

/// What is wrong with what a successful write returned, compared with the stored item (and,
/// for a failed condition with `return_old_on_failure`, the old item it carries).
fn returned_problem<E: Subject>(
    kind: Kind,
    result: &Result<(), Error>,
    returned: &Returned<E>,
    after: Option<&Item>,
    before: Option<&Item>,
    return_old: bool,
) -> Option<String> {
    let decode = |item: Option<&Item>| -> Option<Result<E, Error>> {
        item.map(|i| dynamorm::from_item::<E>(i.clone()))
    };
    match result {
        Err(Error::ConditionFailed(failed)) => match (return_old, failed.old::<E>()) {
            (false, None) => None,
            (false, Some(_)) => Some("an old item that was not asked for".to_owned()),
            (true, None) => Some("no old item, although asked for".to_owned()),
            (true, Some(Err(e))) => Some(format!("the old item does not decode: {e}")),
            (true, Some(Ok(old))) => match decode(before) {
                Some(Ok(stored)) if stored == old => None,
                other => Some(format!(
                    "old item {:?}, stored {:?}",
                    truncate(&format!("{old:?}"), 400),
                    truncate(&format!("{other:?}"), 400)
                )),
            },
        },
        Err(_) => None,
        Ok(()) => match (kind, returned) {
            (Kind::Put | Kind::Create, Returned::Put(e)) => match decode(after) {
                Some(Ok(stored)) if stored.clone().normalized() == e.clone().normalized() => None,
                other => Some(format!(
                    "put {:?}, stored {:?}",
                    truncate(&format!("{e:?}"), 400),
                    truncate(&format!("{other:?}"), 400)
                )),
            },
            (Kind::Update, Returned::Updated(e)) => match decode(after) {
                Some(Ok(stored)) if &stored == e => None,
                other => Some(format!(
                    "returned {:?}, stored {:?}",
                    truncate(&format!("{e:?}"), 400),
                    truncate(&format!("{other:?}"), 400)
                )),
            },
            (Kind::Delete, Returned::Deleted(old)) => {
                if after.is_some() {
                    return Some("the item is still stored after the delete".to_owned());
                }
                let stored = decode(before).map(|r| r.ok());
                match (old, stored) {
                    (None, None) => None,
                    (Some(o), Some(Some(s))) if o == &s => None,
                    (o, s) => Some(format!(
                        "delete returned {:?}, stored was {:?}",
                        truncate(&format!("{o:?}"), 400),
                        truncate(&format!("{s:?}"), 400)
                    )),
                }
            }
            _ => Some("nothing returned".to_owned()),
        },
    }
}

fn short_err(e: &Error) -> String {
    match e {
        Error::Service(s) => format!(
            "{} {}: {}",
            s.operation(),
            s.code().unwrap_or("?"),
            s.message().unwrap_or("")
        ),
        other => truncate(&other.to_string(), 400),
    }
}

fn short_keys(keys: &[Key]) -> Vec<String> {
    keys.iter().map(|k| short(&k.0)).collect()
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        s.to_owned()
    } else {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…({} bytes)", &s[..end], s.len())
    }
}

// --- the test ----------------------------------------------------------------------------

#[test]
fn random_conditional_writes_keep_the_write_guarantees() {
    let cases: u32 = std::env::var("WP_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let seed: u64 = std::env::var("WP_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED_2026);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = dynamorm_local::LocalServer::start().expect("embedded server starts");
    let counter = OperationCounter::default();
    let conf = server
        .sdk_config()
        .to_builder()
        .interceptor(counter.clone())
        .build();
    let db = Db::<Tracker>::with_table_name(
        aws_sdk_dynamodb::Client::from_conf(conf),
        unique_name("write-props"),
    );
    rt.block_on(db.create_table()).expect("table is created");
    let ctx = Ctx {
        db,
        counter,
        stats: Mutex::new(Stats::default()),
        case_no: AtomicUsize::new(0),
    };

    let config = Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_iters: 0,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let started = Instant::now();
    let run = runner.run(&case(), |case| {
        rt.block_on(ctx.run(case));
        Ok(())
    });
    let elapsed = started.elapsed();
    run.expect("the runner itself fails no case");

    let stats = ctx.stats();
    println!(
        "write_properties: {} cases, {} writes in {:.1} s (seed {seed})",
        stats.cases,
        stats.ops,
        elapsed.as_secs_f64()
    );
    println!("  outcomes:");
    for (outcome, n) in &stats.outcomes {
        println!("    {outcome:<28} {n}");
    }
    println!("  by stored state and write:");
    for ((state, kind), outcomes) in &stats.by_state {
        println!("    {state:?}/{kind}: {outcomes:?}");
    }
    if !stats.seeds_refused.is_empty() {
        println!("  initial items refused: {:?}", stats.seeds_refused);
    }
    if !stats.service_messages.is_empty() {
        println!("  service errors:");
        for (m, n) in &stats.service_messages {
            println!("    {n} × {m}");
        }
    }
    println!("  properties:");
    for p in PROPERTIES {
        println!(
            "    {:>5}  {p}",
            stats.violations.get(p).copied().unwrap_or(0)
        );
    }
    println!("  library-side refusals (nothing sent), by message:");
    let mut refusals: Vec<(&String, &usize)> = stats.refusals.iter().collect();
    refusals.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (m, n) in refusals.iter().take(40) {
        println!("    {n:>4} × {m}");
    }
    if refusals.len() > 40 {
        println!("    … and {} more kinds", refusals.len() - 40);
    }
    println!(
        "  server rejections of arithmetic on stored numbers (not violations): {}",
        stats.arithmetic
    );
    if !stats.reads_before_refusal.is_empty() {
        println!("  refusals that came after a read (no write sent; not violations):");
        for (m, n) in &stats.reads_before_refusal {
            println!("    {n:>4} × {m}");
        }
    }
    for (p, examples) in &stats.examples {
        println!("  violations of `{p}`, by kind (first of each in full):");
        for (n, e) in examples.values().take(12) {
            println!("    - {n} × {e}");
        }
        if examples.len() > 12 {
            println!("    … and {} more kinds", examples.len() - 12);
        }
    }
    let violated: Vec<String> = PROPERTIES
        .iter()
        .filter_map(|p| stats.violations.get(p).map(|n| format!("{n} × {p}")))
        .collect();
    assert!(violated.is_empty(), "violated: {violated:?}");
    assert!(stats.cases as u32 == cases, "every case ran");
}
