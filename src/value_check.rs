//! Checks that attribute values obey DynamoDB's data-type rules before they are sent.
//!
//! DynamoDB rejects a whole request when one value breaks a rule, and its error names
//! neither the attribute nor the rule precisely. Checking here lets the library fail early
//! with the attribute path, and without ever echoing the value (values can be personal data).
//!
//! The rules, from the developer guide ("Supported data types and naming rules", "Quotas")
//! and from published tests run against the real service:
//!
//! - `N`, and every `NS` member: a decimal literal (optional sign, digits with an optional
//!   fraction, optional exponent; `+3`, `.5`, `1e+5` and `0e1000` are accepted, `NaN`,
//!   `Infinity` and surrounding spaces are not), at most 38 significant digits once leading
//!   and trailing zeros are trimmed, and a magnitude of zero or within
//!   `1E-130..=9.9999999999999999999999999999999999999E+125`.
//! - `SS`, `NS`, `BS`: not empty and no two equal members; `NS` members are compared as
//!   numbers, so `1` and `1.0` (or `0` and `-0`) are duplicates.
//! - `NULL` must be `true`.
//! - At most 32 levels of nesting, counting the attribute's own value as level 1.
//! - A top-level attribute name is 1 byte to under 64 KB.
//!
//! Empty `S` and `B` values are fine outside keys; key checks live with the keys.
//!
//! The common case costs no allocation: a valid value is only walked and its numbers
//! scanned in place. The attribute path is built only when a problem is found.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::{Error, InvalidInputKind};

/// The deepest level a value may sit at; the attribute's own value is level 1. The guide
/// says 32 levels; conformance tests of DynamoDB emulators against the real service report
/// that a scalar wrapped in 31 maps is stored and one wrapped in 32 is rejected.
const MAX_DEPTH: usize = 32;

/// Most significant digits a DynamoDB number may have.
const MAX_SIGNIFICANT_DIGITS: usize = 38;

/// Largest decimal exponent (of the first significant digit) of a DynamoDB number.
/// With at most 38 digits, `d.ddd…E+125` never exceeds 9.99…9 (38 nines) E+125.
const MAX_EXPONENT: i64 = 125;

/// Smallest decimal exponent of a non-zero DynamoDB number: 1E-130.
const MIN_EXPONENT: i64 = -130;

/// Attribute names must be under 64 KB.
const MAX_NAME_BYTES: usize = 64 * 1024 - 1;

/// Up to this many members, set duplicates are found by comparing every pair, which needs
/// no allocation; larger sets use a hash set so the check stays linear.
const PAIRWISE_MAX: usize = 16;

/// A value DynamoDB would reject, and where it sits.
///
/// Holds the path and a fixed reason only, never the value, so it is safe to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// Where the value sits: an attribute path such as `tags` or `a.b[2]`, relative to the
    /// value that was checked (empty when the checked value itself is at fault). Map keys
    /// appear as they are; set members are not indexed, the path names the set.
    pub(crate) path: String,
    /// What is wrong, in words that never include the value.
    pub(crate) reason: &'static str,
}

impl Problem {
    /// Turns the problem into a validation error; `what` says what was being checked, for
    /// example "`Task` item".
    pub(crate) fn into_error(self, what: &str) -> Error {
        if self.path.is_empty() {
            Error::invalid(
                InvalidInputKind::InvalidValue,
                format!("{what}: {}", self.reason),
            )
        } else {
            Error::invalid(
                InvalidInputKind::InvalidValue,
                format!("{what}: attribute `{}`: {}", self.path, self.reason),
            )
        }
    }
}

/// Checks one value, recursing into lists and maps; the value counts as nesting level 1.
///
/// The problem's path is relative to `value`: empty for the value itself, `[2]` or `a.b`
/// for what is inside it.
pub(crate) fn check_value(value: &AttributeValue) -> Result<(), Problem> {
    // No attribute name above this value: every map key in the path may be data.
    walk(value, 1).map_err(|f| f.render(false))
}

/// Checks every attribute of an item: its name and its value.
///
/// Stops at the first problem; with several, which one is reported depends on the map's
/// iteration order.
pub(crate) fn check_item(item: &HashMap<String, AttributeValue>) -> Result<(), Problem> {
    for (name, value) in item {
        // The name is left out of the path here: an empty one says nothing, and an
        // oversized one would flood the message.
        if name.is_empty() {
            return Err(Failure::new(reason::EMPTY_NAME).into_problem());
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(Failure::new(reason::LONG_NAME).into_problem());
        }
        walk(value, 1).map_err(|f| f.inside(Segment::Key(name)).into_problem())?;
    }
    Ok(())
}

/// The fixed reasons a [`Problem`] can carry. Kept together so the wording stays uniform
/// and so it is easy to see that none of them can contain a value.
mod reason {
    /// An `N` that is the empty string.
    pub(super) const EMPTY_NUMBER: &str = "number is empty";
    /// An `N` spelling NaN or an infinity, as `f64`'s `Display` does.
    pub(super) const NOT_FINITE_NUMBER: &str =
        "number is NaN or infinite, which DynamoDB cannot store";
    /// An `N` that is not a decimal literal.
    pub(super) const MALFORMED_NUMBER: &str =
        "number is not a decimal literal (sign, digits, optional fraction and exponent)";
    /// An `N` with too many significant digits.
    pub(super) const IMPRECISE_NUMBER: &str =
        "number has more than 38 significant digits, which DynamoDB cannot store";
    /// An `N` above the largest magnitude.
    pub(super) const LARGE_NUMBER: &str = "number magnitude exceeds DynamoDB's maximum of 9.9999999999999999999999999999999999999E+125";
    /// A non-zero `N` below the smallest magnitude.
    pub(super) const SMALL_NUMBER: &str =
        "number magnitude is below DynamoDB's minimum of 1E-130 and is not zero";

    /// `EMPTY_NUMBER` for a member of a number set.
    pub(super) const EMPTY_NUMBER_MEMBER: &str = "number set has an empty member";
    /// `NOT_FINITE_NUMBER` for a member of a number set.
    pub(super) const NOT_FINITE_NUMBER_MEMBER: &str =
        "number set has a NaN or infinite member, which DynamoDB cannot store";
    /// `MALFORMED_NUMBER` for a member of a number set.
    pub(super) const MALFORMED_NUMBER_MEMBER: &str =
        "number set has a member that is not a decimal literal";
    /// `IMPRECISE_NUMBER` for a member of a number set.
    pub(super) const IMPRECISE_NUMBER_MEMBER: &str =
        "number set has a member with more than 38 significant digits";
    /// `LARGE_NUMBER` for a member of a number set.
    pub(super) const LARGE_NUMBER_MEMBER: &str = "number set has a member whose magnitude exceeds 9.9999999999999999999999999999999999999E+125";
    /// `SMALL_NUMBER` for a member of a number set.
    pub(super) const SMALL_NUMBER_MEMBER: &str =
        "number set has a non-zero member whose magnitude is below 1E-130";

    /// An `SS` with no members.
    pub(super) const EMPTY_STRING_SET: &str = "string set is empty; DynamoDB has no empty sets";
    /// An `NS` with no members.
    pub(super) const EMPTY_NUMBER_SET: &str = "number set is empty; DynamoDB has no empty sets";
    /// A `BS` with no members.
    pub(super) const EMPTY_BINARY_SET: &str = "binary set is empty; DynamoDB has no empty sets";
    /// An `SS` with a repeated member.
    pub(super) const DUPLICATE_STRING: &str = "string set has duplicate members";
    /// An `NS` with two numerically equal members.
    pub(super) const DUPLICATE_NUMBER: &str =
        "number set has numerically equal members (such as 1 and 1.0)";
    /// A `BS` with a repeated member.
    pub(super) const DUPLICATE_BINARY: &str = "binary set has duplicate members";

    /// `NULL: false`, which DynamoDB refuses.
    pub(super) const NULL_FALSE: &str = "NULL value must be true";
    /// More than 32 levels of lists and maps.
    pub(super) const TOO_DEEP: &str = "value is nested deeper than DynamoDB's 32 levels";
    /// A variant this SDK version does not know, so its rules cannot be checked.
    pub(super) const UNKNOWN_TYPE: &str = "value has a type unknown to this SDK version";
    /// A top-level attribute named by the empty string.
    pub(super) const EMPTY_NAME: &str = "an attribute name is empty";
    /// A top-level attribute name of 64 KB or more.
    pub(super) const LONG_NAME: &str = "an attribute name is 64 KB or longer";
}

/// One step of an attribute path.
#[derive(Debug, Clone, Copy)]
enum Segment<'a> {
    /// A map key (or top-level attribute name).
    Key(&'a str),
    /// A list index.
    Index(usize),
}

/// A problem on its way out of the recursion: segments are pushed while unwinding, so
/// the path costs nothing unless something is wrong.
#[derive(Debug)]
struct Failure<'a> {
    /// The fixed reason.
    reason: &'static str,
    /// The path, innermost segment first.
    segments: Vec<Segment<'a>>,
}

impl<'a> Failure<'a> {
    /// A failure at the value being looked at; `Vec::new` does not allocate.
    fn new(reason: &'static str) -> Self {
        Self {
            reason,
            segments: Vec::new(),
        }
    }

    /// The same failure, seen from the container one level up.
    fn inside(mut self, segment: Segment<'a>) -> Self {
        self.segments.push(segment);
        self
    }

    /// Renders the path outermost first: keys joined by `.`, indexes as `[i]`. Only the
    /// outermost key (an attribute name the entity declares) is written out; a nested map
    /// key can be data (a map keyed by e-mail address) and is written as `*`.
    fn into_problem(self) -> Problem {
        self.render(true)
    }

    /// The problem, its path written outermost first; with `named_root`, the outermost key
    /// is an attribute name and written out, every other map key (data) as `*`.
    fn render(self, named_root: bool) -> Problem {
        let mut path = String::new();
        for (depth, segment) in self.segments.iter().rev().enumerate() {
            match segment {
                Segment::Key(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(if depth == 0 && named_root { key } else { "*" });
                }
                Segment::Index(index) => {
                    // Writing to a `String` cannot fail.
                    let _ = write!(path, "[{index}]");
                }
            }
        }
        Problem {
            path,
            reason: self.reason,
        }
    }
}

/// Checks `value`, sitting at nesting level `depth` (1 for an attribute's own value).
fn walk(value: &AttributeValue, depth: usize) -> Result<(), Failure<'_>> {
    // Checked before anything else so the recursion is bounded too.
    if depth > MAX_DEPTH {
        return Err(Failure::new(reason::TOO_DEEP));
    }
    match value {
        // Empty strings and binaries are valid outside keys.
        AttributeValue::S(_) | AttributeValue::B(_) | AttributeValue::Bool(_) => Ok(()),
        AttributeValue::Null(true) => Ok(()),
        AttributeValue::Null(false) => Err(Failure::new(reason::NULL_FALSE)),
        AttributeValue::N(number) => parse_number(number)
            .map(|_| ())
            .map_err(|e| Failure::new(e.reason())),
        AttributeValue::Ns(members) => check_number_set(members).map_err(Failure::new),
        AttributeValue::Ss(members) => check_set(
            members.iter().map(String::as_str),
            members.len(),
            reason::EMPTY_STRING_SET,
            reason::DUPLICATE_STRING,
        )
        .map_err(Failure::new),
        AttributeValue::Bs(members) => check_set(
            members.iter().map(|blob| blob.as_ref()),
            members.len(),
            reason::EMPTY_BINARY_SET,
            reason::DUPLICATE_BINARY,
        )
        .map_err(Failure::new),
        AttributeValue::L(list) => {
            for (index, element) in list.iter().enumerate() {
                walk(element, depth + 1).map_err(|f| f.inside(Segment::Index(index)))?;
            }
            Ok(())
        }
        AttributeValue::M(map) => {
            for (key, element) in map {
                walk(element, depth + 1).map_err(|f| f.inside(Segment::Key(key)))?;
            }
            Ok(())
        }
        // `AttributeValue` is non-exhaustive: a type added after this SDK version cannot be
        // checked, so it is refused rather than sent unchecked.
        _ => Err(Failure::new(reason::UNKNOWN_TYPE)),
    }
}

/// Checks a number set: members valid, set non-empty, no two members numerically equal.
fn check_number_set(members: &[String]) -> Result<(), &'static str> {
    // Members are validated first, so the duplicate check below only sees valid numbers
    // and its reason is never about a malformed member.
    for member in members {
        parse_number(member).map_err(NumberError::set_reason)?;
    }
    check_set(
        // Every member parsed above, so `ok()` drops nothing.
        members.iter().filter_map(|m| parse_number(m).ok()),
        members.len(),
        reason::EMPTY_NUMBER_SET,
        reason::DUPLICATE_NUMBER,
    )
}

/// Checks that a set of `len` members is non-empty and has no two equal members.
fn check_set<T: Eq + Hash>(
    mut members: impl Iterator<Item = T> + Clone,
    len: usize,
    empty: &'static str,
    duplicate: &'static str,
) -> Result<(), &'static str> {
    if len == 0 {
        return Err(empty);
    }
    let repeated = if len <= PAIRWISE_MAX {
        // Each member against those after it; cloning the iterator copies two pointers.
        let mut found = false;
        while let Some(member) = members.next() {
            if members.clone().any(|other| other == member) {
                found = true;
                break;
            }
        }
        found
    } else {
        let mut seen = HashSet::with_capacity(len);
        members.any(|member| !seen.insert(member))
    };
    if repeated { Err(duplicate) } else { Ok(()) }
}

/// Why a string is not a DynamoDB number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberError {
    /// The empty string.
    Empty,
    /// `NaN`, `inf`, `Infinity`, in any case, with or without a sign.
    NotFinite,
    /// Anything else that is not a decimal literal.
    Malformed,
    /// More than 38 significant digits.
    Imprecise,
    /// Magnitude above 9.99…E+125.
    TooLarge,
    /// Non-zero magnitude below 1E-130.
    TooSmall,
}

impl NumberError {
    /// The reason for a lone `N`.
    fn reason(self) -> &'static str {
        match self {
            Self::Empty => reason::EMPTY_NUMBER,
            Self::NotFinite => reason::NOT_FINITE_NUMBER,
            Self::Malformed => reason::MALFORMED_NUMBER,
            Self::Imprecise => reason::IMPRECISE_NUMBER,
            Self::TooLarge => reason::LARGE_NUMBER,
            Self::TooSmall => reason::SMALL_NUMBER,
        }
    }

    /// The reason for a member of an `NS`; the path names the set, so the reason says it
    /// is about a member.
    fn set_reason(self) -> &'static str {
        match self {
            Self::Empty => reason::EMPTY_NUMBER_MEMBER,
            Self::NotFinite => reason::NOT_FINITE_NUMBER_MEMBER,
            Self::Malformed => reason::MALFORMED_NUMBER_MEMBER,
            Self::Imprecise => reason::IMPRECISE_NUMBER_MEMBER,
            Self::TooLarge => reason::LARGE_NUMBER_MEMBER,
            Self::TooSmall => reason::SMALL_NUMBER_MEMBER,
        }
    }
}

/// A valid DynamoDB number in normal form, borrowing its digits from the string it was
/// parsed from: equal numbers (`1`, `1.0`, `0.1e1`, `+1`) compare and hash equal.
#[derive(Debug, Clone, Copy)]
struct Decimal<'a> {
    /// Sign; always `false` for zero, so `-0` equals `0`.
    negative: bool,
    /// Digits before the point.
    int: &'a [u8],
    /// Digits after the point.
    frac: &'a [u8],
    /// Leading zeros of `int` then `frac` to skip before the first significant digit.
    skip: usize,
    /// Number of significant digits (no leading or trailing zeros); 0 for zero.
    len: usize,
    /// Decimal exponent of the first significant digit, as in `d.ddd × 10^exponent`;
    /// 0 for zero.
    exponent: i64,
}

impl Decimal<'_> {
    /// The significant digits, as ASCII bytes.
    fn digits(&self) -> impl Iterator<Item = u8> + '_ {
        self.int
            .iter()
            .chain(self.frac)
            .copied()
            .skip(self.skip)
            .take(self.len)
    }
}

impl PartialEq for Decimal<'_> {
    /// Numeric equality: sign, exponent and significant digits.
    fn eq(&self, other: &Self) -> bool {
        self.negative == other.negative
            && self.exponent == other.exponent
            && self.len == other.len
            && self.digits().eq(other.digits())
    }
}

impl Eq for Decimal<'_> {}

impl Hash for Decimal<'_> {
    /// Hashes exactly what `eq` compares, so numerically equal members collide.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.negative.hash(state);
        self.exponent.hash(state);
        self.len.hash(state);
        for digit in self.digits() {
            state.write_u8(digit);
        }
    }
}

/// A length as `i64`; string lengths always fit, and saturating keeps this total anyway.
fn signed(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Parses and range-checks a DynamoDB number without allocating or using floating point.
fn parse_number(text: &str) -> Result<Decimal<'_>, NumberError> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return Err(NumberError::Empty);
    }
    let (negative, unsigned) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };

    // Mantissa: digits, optionally a point and more digits; at least one digit overall.
    let int_len = unsigned.iter().take_while(|b| b.is_ascii_digit()).count();
    let (int, mut rest) = unsigned.split_at(int_len);
    let mut frac: &[u8] = &[];
    if let Some((b'.', after)) = rest.split_first() {
        let frac_len = after.iter().take_while(|b| b.is_ascii_digit()).count();
        (frac, rest) = after.split_at(frac_len);
    }
    if int.is_empty() && frac.is_empty() {
        return Err(malformed(unsigned));
    }

    // Exponent: `e` or `E`, optional sign, at least one digit. Absurd exponents saturate;
    // the range check below rejects them.
    let mut exponent: i64 = 0;
    if let Some((b'e' | b'E', after)) = rest.split_first() {
        let (exponent_negative, digits) = match after.split_first() {
            Some((b'-', digits)) => (true, digits),
            Some((b'+', digits)) => (false, digits),
            _ => (false, after),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err(NumberError::Malformed);
        }
        for digit in digits {
            exponent = exponent
                .saturating_mul(10)
                .saturating_add(i64::from(digit - b'0'));
        }
        if exponent_negative {
            exponent = -exponent;
        }
        rest = &[];
    }
    if !rest.is_empty() {
        return Err(NumberError::Malformed);
    }

    // Normal form: trim leading and trailing zeros, as DynamoDB does before counting.
    let total = int.len() + frac.len();
    let leading = int
        .iter()
        .chain(frac)
        .take_while(|&&digit| digit == b'0')
        .count();
    if leading == total {
        // Zero is valid at any exponent (DynamoDB stores `0e1000` as 0); only an exponent
        // too large for any parser is refused.
        if exponent.unsigned_abs() > u64::from(i32::MAX.unsigned_abs()) {
            return Err(NumberError::Malformed);
        }
        return Ok(Decimal {
            negative: false,
            int,
            frac,
            skip: 0,
            len: 0,
            exponent: 0,
        });
    }
    let trailing = int
        .iter()
        .chain(frac)
        .rev()
        .take_while(|&&digit| digit == b'0')
        .count();
    let len = total - leading - trailing;
    if len > MAX_SIGNIFICANT_DIGITS {
        return Err(NumberError::Imprecise);
    }
    // The first significant digit sits `int.len() - leading - 1` places left of the point
    // (negative: right of it), then the written exponent shifts it.
    let exponent = (signed(int.len()) - signed(leading) - 1).saturating_add(exponent);
    if exponent > MAX_EXPONENT {
        return Err(NumberError::TooLarge);
    }
    if exponent < MIN_EXPONENT {
        return Err(NumberError::TooSmall);
    }
    Ok(Decimal {
        negative,
        int,
        frac,
        skip: leading,
        len,
        exponent,
    })
}

/// Tells `NaN` and the infinities apart from other garbage, for a clearer reason; only
/// runs on the failure path. `unsigned` is the text after any sign.
fn malformed(unsigned: &[u8]) -> NumberError {
    const NOT_FINITE: [&[u8]; 3] = [b"nan", b"inf", b"infinity"];
    let not_finite = NOT_FINITE
        .iter()
        .any(|word| unsigned.eq_ignore_ascii_case(word));
    if not_finite {
        NumberError::NotFinite
    } else {
        NumberError::Malformed
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::primitives::Blob;
    use proptest::prelude::*;

    use super::*;

    /// An `N` value.
    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(text.to_owned())
    }

    /// An `NS` value.
    fn ns(members: &[&str]) -> AttributeValue {
        AttributeValue::Ns(members.iter().map(|m| (*m).to_owned()).collect())
    }

    /// An `SS` value.
    fn ss(members: &[&str]) -> AttributeValue {
        AttributeValue::Ss(members.iter().map(|m| (*m).to_owned()).collect())
    }

    /// An `M` value.
    fn m(entries: Vec<(&str, AttributeValue)>) -> AttributeValue {
        AttributeValue::M(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    /// The problem `check_value` reports, failing the test if there is none.
    fn problem(value: &AttributeValue) -> Problem {
        check_value(value).expect_err("should be rejected")
    }

    /// What serde_dynamo writes for an `f64`.
    fn serde_number(value: f64) -> AttributeValue {
        serde_dynamo::to_attribute_value(value).expect("serde_dynamo encodes every f64")
    }

    /// Whether an `f64` is a DynamoDB number. The upper bound is `< 1e126` because the
    /// documented maximum, 9.99…E+125 with 38 nines, rounds to the `f64` 1e126, which
    /// serde_dynamo prints as 10^126; every smaller `f64` prints below it.
    fn f64_fits(value: f64) -> bool {
        value == 0.0 || (value.is_finite() && (1e-130..1e126).contains(&value.abs()))
    }

    /// Numbers DynamoDB accepts, including the documented extremes.
    #[test]
    fn valid_numbers() {
        for text in [
            "0",
            "-0",
            "+3",
            "007",
            ".5",
            "5.",
            "123.456",
            "-7.1234",
            "-17.4E37",
            "1e+5",
            "0e1000",
            "0.000",
            "1e125",
            "-1e125",
            "9.9999999999999999999999999999999999999E+125",
            "-9.9999999999999999999999999999999999999E+125",
            "1E-130",
            "-1E-130",
            "10E-131",
            "0.00000000000000000001e-110",
            // 38 significant digits, placed in every way.
            "12345678901234567890123456789012345678",
            "3.1415926535897932384626433832795028841",
            "314159265358979323846.26433832795028841",
            "31415926535897932384626433832795028841e30",
            // Trailing and leading zeros are not significant.
            "100000000000000000000000000000000000000000000000000",
            "0.000000000000000000000000000000000000000000000001",
            "1.0000000000000000000000000000000000000000000000000",
            "18446744073709551615",
            "-9223372036854775808",
        ] {
            assert_eq!(check_value(&n(text)), Ok(()), "{text}");
        }
    }

    /// Strings DynamoDB refuses as numbers, with the reason each gets.
    #[test]
    fn invalid_numbers() {
        for (text, reason) in [
            ("", reason::EMPTY_NUMBER),
            ("NaN", reason::NOT_FINITE_NUMBER),
            ("-NaN", reason::NOT_FINITE_NUMBER),
            ("inf", reason::NOT_FINITE_NUMBER),
            ("-inf", reason::NOT_FINITE_NUMBER),
            ("Infinity", reason::NOT_FINITE_NUMBER),
            ("-Infinity", reason::NOT_FINITE_NUMBER),
            ("1.2.3", reason::MALFORMED_NUMBER),
            (" 1", reason::MALFORMED_NUMBER),
            ("1 ", reason::MALFORMED_NUMBER),
            ("dog", reason::MALFORMED_NUMBER),
            ("-", reason::MALFORMED_NUMBER),
            (".", reason::MALFORMED_NUMBER),
            ("e5", reason::MALFORMED_NUMBER),
            ("1e", reason::MALFORMED_NUMBER),
            ("1e+", reason::MALFORMED_NUMBER),
            ("1e5.0", reason::MALFORMED_NUMBER),
            ("--1", reason::MALFORMED_NUMBER),
            ("0x10", reason::MALFORMED_NUMBER),
            ("1_000", reason::MALFORMED_NUMBER),
            ("١", reason::MALFORMED_NUMBER),
            ("0e99999999999", reason::MALFORMED_NUMBER),
            ("1e126", reason::LARGE_NUMBER),
            ("11e125", reason::LARGE_NUMBER),
            ("-1e126", reason::LARGE_NUMBER),
            ("1e99999999999999999999999", reason::LARGE_NUMBER),
            ("1E-131", reason::SMALL_NUMBER),
            ("0.9e-130", reason::SMALL_NUMBER),
            ("-1E-131", reason::SMALL_NUMBER),
            ("1e-99999999999999999999999", reason::SMALL_NUMBER),
            // 39 significant digits.
            (
                "123456789012345678901234567890123456789",
                reason::IMPRECISE_NUMBER,
            ),
            (
                "3.14159265358979323846264338327950288419",
                reason::IMPRECISE_NUMBER,
            ),
            (
                "340282366920938463463374607431768211455",
                reason::IMPRECISE_NUMBER,
            ),
        ] {
            assert_eq!(
                problem(&n(text)),
                Problem {
                    path: String::new(),
                    reason
                },
                "{text:?}"
            );
        }
    }

    /// Pins down what serde_dynamo writes for special `f64`s (it uses `Display`), and that
    /// each is refused: NaN, the infinities, and `f64::MAX`/`MIN_POSITIVE`, which are far
    /// outside DynamoDB's range.
    #[test]
    fn serde_dynamo_special_floats_are_rejected() {
        assert_eq!(serde_number(f64::NAN), n("NaN"));
        assert_eq!(serde_number(f64::INFINITY), n("inf"));
        assert_eq!(serde_number(f64::NEG_INFINITY), n("-inf"));
        for (value, reason) in [
            (f64::NAN, reason::NOT_FINITE_NUMBER),
            (f64::INFINITY, reason::NOT_FINITE_NUMBER),
            (f64::NEG_INFINITY, reason::NOT_FINITE_NUMBER),
            (f64::MAX, reason::LARGE_NUMBER),
            (f64::MIN, reason::LARGE_NUMBER),
            (f64::MIN_POSITIVE, reason::SMALL_NUMBER),
            (-f64::MIN_POSITIVE, reason::SMALL_NUMBER),
            (f64::from_bits(1), reason::SMALL_NUMBER),
            (1e126, reason::LARGE_NUMBER),
            (1e-131, reason::SMALL_NUMBER),
            // The largest f64 below 1e-130.
            (
                f64::from_bits(1e-130f64.to_bits() - 1),
                reason::SMALL_NUMBER,
            ),
        ] {
            assert_eq!(problem(&serde_number(value)).reason, reason, "{value:e}");
        }
        // `Display` never uses an exponent: f64::MAX is 309 digits, mostly trailing zeros.
        let AttributeValue::N(max) = serde_number(f64::MAX) else {
            panic!("serde_dynamo writes an f64 as N");
        };
        assert_eq!(max.len(), 309);
        assert!(max.starts_with("17976931348623157") && max.ends_with("000"));
    }

    /// Ordinary `f64`s as serde_dynamo writes them are accepted.
    #[test]
    fn serde_dynamo_normal_floats_are_accepted() {
        for value in [
            0.0,
            -0.0,
            1.0,
            -1.5,
            0.1,
            std::f64::consts::PI,
            1e-7,
            123_456.789,
            9_007_199_254_740_992.0,
            1e125,
            // The largest f64 below 1e126.
            f64::from_bits(1e126f64.to_bits() - 1),
            1e-130,
            -1e-130,
        ] {
            assert_eq!(check_value(&serde_number(value)), Ok(()), "{value:e}");
        }
        assert_eq!(serde_number(-0.0), n("-0"));
        assert_eq!(serde_number(1e-7), n("0.0000001"));
    }

    /// Integers serde_dynamo writes are always valid: at most 20 digits.
    #[test]
    fn serde_dynamo_integers_are_accepted() {
        for value in [
            serde_dynamo::to_attribute_value(u64::MAX),
            serde_dynamo::to_attribute_value(i64::MIN),
        ] {
            assert_eq!(check_value(&value.expect("encodes")), Ok(()));
        }
    }

    /// Empty sets are refused, whatever the member type.
    #[test]
    fn empty_sets() {
        assert_eq!(problem(&ss(&[])).reason, reason::EMPTY_STRING_SET);
        assert_eq!(problem(&ns(&[])).reason, reason::EMPTY_NUMBER_SET);
        assert_eq!(
            problem(&AttributeValue::Bs(Vec::new())).reason,
            reason::EMPTY_BINARY_SET
        );
    }

    /// Duplicate members are refused; empty strings and binaries are fine in a set.
    #[test]
    fn duplicate_members() {
        assert_eq!(check_value(&ss(&["a", "b", ""])), Ok(()));
        assert_eq!(
            problem(&ss(&["a", "b", "a"])).reason,
            reason::DUPLICATE_STRING
        );
        // Composed and decomposed "é" are different strings to DynamoDB.
        assert_eq!(check_value(&ss(&["\u{e9}", "e\u{301}"])), Ok(()));

        let blobs =
            |members: &[&[u8]]| AttributeValue::Bs(members.iter().map(|b| Blob::new(*b)).collect());
        assert_eq!(check_value(&blobs(&[b"", b"\x00"])), Ok(()));
        assert_eq!(
            problem(&blobs(&[b"\x01", b"\x01"])).reason,
            reason::DUPLICATE_BINARY
        );
    }

    /// Number set members are compared as numbers, not as strings.
    #[test]
    fn number_set_duplicates_are_numeric() {
        for pair in [
            ["1", "1.0"],
            ["1", "+1"],
            ["10", "1e1"],
            ["0.5", ".50"],
            ["0", "-0"],
            ["0", "0e5"],
            ["-2.5", "-25e-1"],
            ["007", "7"],
        ] {
            assert_eq!(
                problem(&ns(&pair)).reason,
                reason::DUPLICATE_NUMBER,
                "{pair:?}"
            );
        }
        for pair in [
            ["1", "-1"],
            ["1", "10"],
            ["1", "1.1"],
            ["0.1", "1"],
            ["12", "21"],
        ] {
            assert_eq!(check_value(&ns(&pair)), Ok(()), "{pair:?}");
        }
        assert_eq!(
            problem(&ns(&["1", "NaN"])).reason,
            reason::NOT_FINITE_NUMBER_MEMBER
        );
        assert_eq!(
            problem(&ns(&["1", "1e126"])).reason,
            reason::LARGE_NUMBER_MEMBER
        );
    }

    /// Large sets take the hashing path, which must agree with the pairwise one.
    #[test]
    fn large_sets() {
        let distinct: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        assert_eq!(check_value(&AttributeValue::Ns(distinct.clone())), Ok(()));
        assert_eq!(check_value(&AttributeValue::Ss(distinct.clone())), Ok(()));

        let mut numbers = distinct.clone();
        numbers.push("99.000".to_owned());
        assert_eq!(
            problem(&AttributeValue::Ns(numbers)).reason,
            reason::DUPLICATE_NUMBER
        );
        let mut strings = distinct;
        strings.push("42".to_owned());
        assert_eq!(
            problem(&AttributeValue::Ss(strings)).reason,
            reason::DUPLICATE_STRING
        );
    }

    /// Problems inside maps and lists carry the path to them, never the value.
    #[test]
    fn nested_paths() {
        let value = m(vec![(
            "a",
            m(vec![(
                "b",
                AttributeValue::L(vec![n("1"), n("2"), n("NaN-secret")]),
            )]),
        )]);
        assert_eq!(
            problem(&value),
            Problem {
                path: "*.*[2]".to_owned(),
                reason: reason::MALFORMED_NUMBER
            }
        );

        let list = AttributeValue::L(vec![
            AttributeValue::S(String::new()),
            m(vec![("tags", ss(&[]))]),
        ]);
        assert_eq!(problem(&list).path, "[1].*");

        let item: HashMap<String, AttributeValue> = [
            (
                "title".to_owned(),
                AttributeValue::S("secret title".to_owned()),
            ),
            ("scores".to_owned(), ns(&["1", "1.0"])),
        ]
        .into();
        let found = check_item(&item).expect_err("duplicate scores");
        assert_eq!(found.path, "scores");
        let message = found.into_error("`Task` item").to_string();
        assert_eq!(
            message,
            "invalid request: `Task` item: attribute `scores`: number set has numerically \
             equal members (such as 1 and 1.0)"
        );

        let error = problem(&n("4111111111111111111111111111111111111111")).into_error("value");
        assert!(!error.to_string().contains("4111"), "{error}");
    }

    /// `NULL` must be true; empty strings and binaries are fine outside keys.
    #[test]
    fn scalars() {
        assert_eq!(check_value(&AttributeValue::Null(true)), Ok(()));
        assert_eq!(
            problem(&AttributeValue::Null(false)).reason,
            reason::NULL_FALSE
        );
        assert_eq!(check_value(&AttributeValue::S(String::new())), Ok(()));
        assert_eq!(
            check_value(&AttributeValue::B(Blob::new(Vec::new()))),
            Ok(())
        );
        assert_eq!(check_value(&AttributeValue::Bool(false)), Ok(()));
    }

    /// A scalar inside 31 maps is at level 32 and accepted; inside 32 it is refused.
    #[test]
    fn nesting_depth() {
        let nested = |levels: usize| {
            let mut value = AttributeValue::S("leaf".to_owned());
            for _ in 0..levels {
                value = m(vec![("n", value)]);
            }
            value
        };
        assert_eq!(check_value(&nested(31)), Ok(()));
        let found = problem(&nested(32));
        assert_eq!(found.reason, reason::TOO_DEEP);
        // Under a value (no attribute name above it) every map key is data: `*`.
        assert_eq!(found.path, ["*"; 32].join("."));

        let item: HashMap<String, AttributeValue> = [("data".to_owned(), nested(32))].into();
        assert_eq!(
            check_item(&item).expect_err("too deep").reason,
            reason::TOO_DEEP
        );
    }

    /// Top-level attribute names must be 1 byte to under 64 KB.
    #[test]
    fn attribute_names() {
        let item = |name: String| -> HashMap<String, AttributeValue> {
            [(name, AttributeValue::Bool(true))].into()
        };
        assert_eq!(check_item(&item("a".to_owned())), Ok(()));
        assert_eq!(check_item(&item("x".repeat(MAX_NAME_BYTES))), Ok(()));
        assert_eq!(
            check_item(&item(String::new())),
            Err(Problem {
                path: String::new(),
                reason: reason::EMPTY_NAME
            })
        );
        assert_eq!(
            check_item(&item("x".repeat(MAX_NAME_BYTES + 1)))
                .expect_err("too long")
                .reason,
            reason::LONG_NAME
        );
    }

    proptest! {
        /// Any `f64` as serde_dynamo writes it is accepted exactly when it is in range, and
        /// never panics the checker.
        #[test]
        fn any_f64_is_checked_without_panicking(value in proptest::num::f64::ANY) {
            let result = check_value(&serde_number(value));
            prop_assert_eq!(result.is_ok(), f64_fits(value), "{:e}", value);
        }

        /// Every `f64` of a magnitude DynamoDB stores passes, and serde_dynamo reads it back
        /// unchanged.
        #[test]
        fn in_range_f64_round_trips(
            mantissa in 1.0f64..10.0,
            exponent in -130i32..=125,
            negative in any::<bool>(),
        ) {
            let magnitude = mantissa * 10f64.powi(exponent);
            // `powi` is inexact at the edges; stay inside the range.
            prop_assume!((1e-130..=9.9e125).contains(&magnitude));
            let value = if negative { -magnitude } else { magnitude };
            let encoded = serde_number(value);
            prop_assert_eq!(check_value(&encoded), Ok(()), "{:e}", value);
            let decoded: f64 = serde_dynamo::from_attribute_value(encoded).expect("decodes");
            prop_assert_eq!(decoded.to_bits(), value.to_bits());
        }

        /// Arbitrary strings never panic the number parser.
        #[test]
        fn any_string_is_checked_without_panicking(text in "[-+0-9.eE]{0,50}|\\PC{0,20}") {
            let _ = check_value(&AttributeValue::N(text));
        }
    }
}
