//! Validation of [`Condition::raw`](super::Condition::raw) text before it is sent.
//!
//! Why this exists: raw text is pasted next to the library's own conditions, for example the
//! entity guard in `(guard) AND (raw)`. Text such as `x) OR (y` would close the guard's group
//! early and turn the guard into one branch of an `OR`, and text naming `#n0` or `:v0` would
//! silently read the library's own placeholders. So the text is parsed against DynamoDB's
//! condition grammar (a small recursive-descent parser over tokens, not a parenthesis counter):
//! only one complete condition, using exactly the placeholders it declared, gets through, and
//! anything else is an [`Error::InvalidInput`] of kind [`InvalidInputKind::RawExpression`]
//! before a request is built. Messages name
//! placeholders, keywords and byte offsets, never the declared values (they may be personal
//! data).
//!
//! Grammar accepted (keywords are case-insensitive, function names are case-sensitive, as in
//! DynamoDB):
//!
//! ```text
//! condition  := and ("OR" and)*
//! and        := not ("AND" not)*
//! not        := "NOT" not | primary
//! primary    := "(" condition ")"
//!             | attribute_exists "(" path ")" | attribute_not_exists "(" path ")"
//!             | attribute_type "(" path "," :value ")" | begins_with "(" path "," :value ")"
//!             | contains "(" path "," operand ")"
//!             | operand ("=" | "<>" | "<" | "<=" | ">" | ">=") operand
//!             | operand "BETWEEN" operand "AND" operand
//!             | operand "IN" "(" operand ("," operand)* ")"          -- 1 to 100 operands
//! operand    := path | :value | size "(" path ")"
//! path       := element ("." element | "[" digits "]")*
//! element    := #name | plain attribute name (a letter, then letters, digits or `_`; not a
//!               DynamoDB reserved word)
//! ```

use aws_sdk_dynamodb::types::AttributeValue;

use super::Value;
use crate::{Error, InvalidInputKind};

/// DynamoDB's limit on an expression string (4 KB), applied to the raw text on its own so an
/// oversized condition fails here rather than as a service error.
const MAX_LEN: usize = 4096;

/// Deepest nesting of parentheses and `NOT`. The parser recurses once per level, so this bound
/// keeps hostile input (thousands of `(`) from overflowing the stack; real conditions are far
/// shallower.
const MAX_DEPTH: usize = 64;

/// Most operands DynamoDB accepts in an `IN` list.
const MAX_IN: usize = 100;

/// The library's name placeholders are this prefix and digits (`#n0`): raw text may neither
/// declare nor use them (`#name` is fine).
const LIBRARY_NAME_PREFIX: &str = "#n";

/// The library's value placeholders are this prefix and digits (`:v0`): raw text may neither
/// declare nor use them (`:value` is fine).
const LIBRARY_VALUE_PREFIX: &str = ":v";

/// The types `attribute_type(path, :t)` accepts; any other `:t` makes DynamoDB reject the request.
const ATTRIBUTE_TYPES: [&str; 10] = ["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"];

/// Checks that `expression` is one complete DynamoDB condition that uses exactly the declared
/// `names` (`#…`) and `values` (`:…`) placeholders, none of them the library's own (`#n…`,
/// `:v…`).
///
/// Why: the text is pasted verbatim (inside parentheses) next to the library's conditions, so
/// it must not be able to unbalance that grouping or read placeholders it did not declare, and
/// a bad condition should be a typed [`Error::InvalidInput`] before anything is sent, never a
/// panic or a service round trip.
pub(crate) fn check(
    expression: &str,
    names: &[(String, String)],
    values: &[(String, Value)],
) -> Result<(), Error> {
    if expression.bytes().all(is_space) {
        return Err(invalid("the expression is empty".into()));
    }
    if expression.len() > MAX_LEN {
        return Err(too_long(expression.len(), MAX_LEN));
    }
    let mut parser = Parser::new(expression, names, values)?;
    parser.condition()?;
    if let Some(token) = parser.peek() {
        return Err(invalid(if token.kind == Tok::Close {
            format!("unbalanced `)` at byte {}", token.at)
        } else {
            format!(
                "unexpected {} at byte {}: expected AND, OR or the end of the condition",
                describe(token.kind),
                token.at
            )
        }));
    }
    parser.check_all_used()
}

/// The top-level attribute of every path `expression` reads (a `#name`'s declared
/// attribute, or a plain name): what an index must hold for a filter to see it. Empty when
/// the text does not parse — rendering it reports why.
pub(crate) fn roots(
    expression: &str,
    names: &[(String, String)],
    values: &[(String, Value)],
) -> Vec<String> {
    let Ok(mut parser) = Parser::new(expression, names, values) else {
        return Vec::new();
    };
    if parser.condition().is_err() {
        return Vec::new();
    }
    parser.roots.into_iter().map(str::to_owned).collect()
}

/// Wraps a reason as the validation error every failed check returns, so all messages share
/// one prefix that points at the raw condition.
/// `text` without the parentheses that enclose all of it (`((a = :b))` → `a = :b`), for
/// text [`check`] accepted: the library groups every operand itself, and DynamoDB rejects
/// `((…))` as redundant.
pub(crate) fn without_enclosing_parentheses(text: &str) -> &str {
    let mut text = text.trim_matches(|c: char| c.is_ascii_whitespace());
    while text.starts_with('(') && text.ends_with(')') && encloses_all(text) {
        text = text[1..text.len() - 1].trim_matches(|c: char| c.is_ascii_whitespace());
    }
    text
}

/// Whether the `(` opening `text` closes at its last byte (checked text has balanced
/// parentheses and no string literals).
fn encloses_all(text: &str) -> bool {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i == text.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

pub(super) fn invalid(reason: String) -> Error {
    Error::invalid(
        InvalidInputKind::RawExpression,
        format!("invalid raw condition: {reason}"),
    )
}

/// The error for text over DynamoDB's expression limit.
pub(super) fn too_long(len: usize, max: usize) -> Error {
    Error::invalid(
        InvalidInputKind::ExpressionTooLarge,
        format!(
            "invalid raw condition: the expression is {len} bytes long; DynamoDB allows at most {max}"
        ),
    )
}

/// The error for a declared placeholder the text never uses (DynamoDB rejects the request).
fn unused(placeholder: &str) -> Error {
    invalid(format!(
        "`{placeholder}` is declared but not used in the expression (DynamoDB rejects unused placeholders)"
    ))
}

/// Whitespace between tokens: ASCII only, so no Unicode space can hide inside a token.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The characters DynamoDB allows after `#` or `:` in a placeholder, and inside plain names.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Checks the declared placeholders: well-formed, not the library's, declared once, and (for
/// names) naming a non-empty attribute.
///
/// Why: declarations end up in the request's placeholder maps next to the library's, so a
/// malformed or clashing key would either be rejected by DynamoDB or overwrite one of ours.
fn check_declarations(names: &[(String, String)], values: &[(String, Value)]) -> Result<(), Error> {
    for (i, (placeholder, attribute)) in names.iter().enumerate() {
        check_placeholder(placeholder, '#', LIBRARY_NAME_PREFIX, "name")?;
        if names[..i].iter().any(|(p, _)| p == placeholder) {
            return Err(invalid(format!("`{placeholder}` is declared twice")));
        }
        if attribute.is_empty() {
            return Err(invalid(format!(
                "`{placeholder}` names an empty attribute name"
            )));
        }
    }
    for (i, (placeholder, _)) in values.iter().enumerate() {
        check_placeholder(placeholder, ':', LIBRARY_VALUE_PREFIX, "value")?;
        if values[..i].iter().any(|(p, _)| p == placeholder) {
            return Err(invalid(format!("`{placeholder}` is declared twice")));
        }
    }
    Ok(())
}

/// Checks one declared placeholder: `sigil`, then one or more `[A-Za-z0-9_]`, and not the
/// library's `reserved` prefix.
///
/// Why: a placeholder that is not a single token could never match the text, and one with the
/// library's prefix could collide with a generated `#n0`/`:v0`.
fn check_placeholder(
    placeholder: &str,
    sigil: char,
    reserved: &str,
    kind: &str,
) -> Result<(), Error> {
    let well_formed = placeholder
        .strip_prefix(sigil)
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(is_word));
    if !well_formed {
        // Debug-formatted: the declared text may hold control characters.
        return Err(invalid(format!(
            "{kind} placeholder {placeholder:?} must be `{sigil}` followed by letters, digits or `_`"
        )));
    }
    if super::placeholders::is_library_placeholder(placeholder, reserved) {
        return Err(invalid(format!(
            "{kind} placeholder `{placeholder}` is `{reserved}` and digits, the shape of the library's own placeholders"
        )));
    }
    Ok(())
}

/// A token kind. Text-carrying kinds borrow from the expression, so lexing does not allocate
/// per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tok<'a> {
    /// `#name`, sigil included.
    Name(&'a str),
    /// `:value`, sigil included.
    Value(&'a str),
    /// A plain word: keyword, function name or plain attribute name.
    Word(&'a str),
    /// Digits (only meaningful as a list index, `[0]`).
    Digits(&'a str),
    /// `(`
    Open,
    /// `)`
    Close,
    /// `[`
    OpenBracket,
    /// `]`
    CloseBracket,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// One of `=`, `<>`, `<`, `<=`, `>`, `>=`.
    Compare(&'static str),
    /// `+` (update expressions only).
    Plus,
    /// `-` (update expressions only).
    Minus,
}

/// A token and its byte offset, so errors can point at the spot without quoting the text.
#[derive(Debug, Clone, Copy)]
pub(super) struct Token<'a> {
    /// What the token is.
    pub(super) kind: Tok<'a>,
    /// Byte offset in the expression.
    pub(super) at: usize,
}

/// How a token is named in an error message: placeholders and words as written (they are
/// names, not values), anything else by its symbol.
pub(super) fn describe(kind: Tok<'_>) -> String {
    match kind {
        Tok::Name(s) | Tok::Value(s) | Tok::Word(s) => format!("`{s}`"),
        Tok::Digits(_) => "a number".into(),
        Tok::Open => "`(`".into(),
        Tok::Close => "`)`".into(),
        Tok::OpenBracket => "`[`".into(),
        Tok::CloseBracket => "`]`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Dot => "`.`".into(),
        Tok::Compare(op) => format!("`{op}`"),
        Tok::Plus => "`+`".into(),
        Tok::Minus => "`-`".into(),
    }
}

/// Splits the expression into tokens, rejecting any character DynamoDB's grammar has no use
/// for (quotes, literals, non-ASCII, control characters).
///
/// Why a separate pass: the parser then never looks at raw bytes, and every slice taken here
/// starts and ends on ASCII bytes, so it is always on a `char` boundary (no panics on Unicode).
fn lex(text: &str) -> Result<Vec<Token<'_>>, Error> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let at = i;
        if is_space(b) {
            i += 1;
            continue;
        }
        let run = |from: usize, accept: fn(u8) -> bool| {
            from + bytes[from..].iter().take_while(|&&c| accept(c)).count()
        };
        let kind = match b {
            b'(' => Tok::Open,
            b')' => Tok::Close,
            b'[' => Tok::OpenBracket,
            b']' => Tok::CloseBracket,
            b',' => Tok::Comma,
            b'.' => Tok::Dot,
            b'+' => Tok::Plus,
            b'-' => Tok::Minus,
            b'=' => Tok::Compare("="),
            b'<' => match bytes.get(i + 1) {
                Some(b'>') => Tok::Compare("<>"),
                Some(b'=') => Tok::Compare("<="),
                _ => Tok::Compare("<"),
            },
            b'>' => match bytes.get(i + 1) {
                Some(b'=') => Tok::Compare(">="),
                _ => Tok::Compare(">"),
            },
            b'#' | b':' => {
                let end = run(i + 1, is_word);
                if end == i + 1 {
                    return Err(invalid(format!(
                        "`{}` at byte {at} must be followed by letters, digits or `_`",
                        b as char
                    )));
                }
                i = end;
                let s = &text[at..end];
                tokens.push(Token {
                    kind: if b == b'#' {
                        Tok::Name(s)
                    } else {
                        Tok::Value(s)
                    },
                    at,
                });
                continue;
            }
            b'0'..=b'9' => {
                i = run(i, |c| c.is_ascii_digit());
                tokens.push(Token {
                    kind: Tok::Digits(&text[at..i]),
                    at,
                });
                continue;
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                i = run(i, is_word);
                tokens.push(Token {
                    kind: Tok::Word(&text[at..i]),
                    at,
                });
                continue;
            }
            _ => {
                return Err(invalid(format!(
                    "unexpected character at byte {at} (only placeholders, attribute names, \
                     keywords, functions, comparators, `+`, `-`, `(`, `)`, `[`, `]`, `,` and `.` are allowed)"
                )));
            }
        };
        i += match kind {
            Tok::Compare(op) => op.len(),
            _ => 1,
        };
        tokens.push(Token { kind, at });
    }
    Ok(tokens)
}

/// The functions of DynamoDB's condition grammar.
///
/// Why an enum: the parser dispatches on it once instead of comparing strings at each use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    /// `attribute_exists(path)`: a condition.
    Exists,
    /// `attribute_not_exists(path)`: a condition.
    NotExists,
    /// `attribute_type(path, :type)`: a condition.
    Type,
    /// `begins_with(path, :prefix)`: a condition.
    BeginsWith,
    /// `contains(path, operand)`: a condition.
    Contains,
    /// `size(path)`: an operand, not a condition.
    Size,
}

/// Each function with its exact (case-sensitive) spelling.
const FUNCTIONS: [(&str, Function); 6] = [
    ("attribute_exists", Function::Exists),
    ("attribute_not_exists", Function::NotExists),
    ("attribute_type", Function::Type),
    ("begins_with", Function::BeginsWith),
    ("contains", Function::Contains),
    ("size", Function::Size),
];

/// The function spelled exactly `word`.
fn function(word: &str) -> Option<Function> {
    FUNCTIONS.iter().find(|(w, _)| *w == word).map(|&(_, f)| f)
}

/// The correct spelling of a function written in the wrong case (`ATTRIBUTE_EXISTS`), for a
/// helpful error: DynamoDB's function names are case-sensitive.
fn miscased_function(word: &str) -> Option<&'static str> {
    FUNCTIONS
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word) && *w != word)
        .map(|&(w, _)| w)
}

/// One element of a document path, resolved to the attribute name it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Segment<'a> {
    /// A map key or top-level attribute (a `#name`'s declared attribute, or a plain name).
    Key(&'a str),
    /// A list index, `[n]`.
    Index(&'a str),
}

/// An operand, resolved far enough to tell whether two operands are the same.
///
/// Why: DynamoDB rejects an operator or function whose first operand equals another
/// (`#a = #a`, even via two placeholders for one attribute), so the parser compares them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Operand<'a> {
    /// A document path.
    Path(Vec<Segment<'a>>),
    /// `size(path)`.
    Size(Vec<Segment<'a>>),
    /// A `:value` placeholder.
    Value(&'a str),
}

/// Recursive-descent parser over the tokens, recording which declared placeholders are used.
///
/// Why a parser rather than a parenthesis counter: only a parse proves the text is exactly one
/// condition, so it cannot end a group early, continue after one, or smuggle in anything the
/// grammar does not allow.
pub(super) struct Parser<'a, 'd> {
    /// The expression's tokens.
    pub(super) tokens: Vec<Token<'a>>,
    /// Index of the next token.
    pub(super) pos: usize,
    /// The expression's length, the offset reported for "unexpected end".
    pub(super) end: usize,
    /// Current nesting of parentheses and `NOT` (bounded by [`MAX_DEPTH`]).
    pub(super) depth: usize,
    /// Declared name placeholders and their attributes.
    pub(super) names: &'d [(String, String)],
    /// Declared value placeholders.
    pub(super) values: &'d [(String, Value)],
    /// Which of `names` the text used.
    pub(super) names_used: Vec<bool>,
    /// Which of `values` the text used.
    pub(super) values_used: Vec<bool>,
    /// The top-level attribute of each path read, in order.
    pub(super) roots: Vec<&'a str>,
}

impl<'a, 'd: 'a> Parser<'a, 'd> {
    /// A parser over `expression`, once the declarations are checked and the text lexed.
    pub(super) fn new(
        expression: &'a str,
        names: &'d [(String, String)],
        values: &'d [(String, Value)],
    ) -> Result<Self, Error> {
        check_declarations(names, values)?;
        Ok(Parser {
            tokens: lex(expression)?,
            pos: 0,
            end: expression.len(),
            depth: 0,
            names,
            values,
            names_used: vec![false; names.len()],
            values_used: vec![false; values.len()],
            roots: Vec::new(),
        })
    }

    /// Fails on the first declared placeholder the text never used (DynamoDB rejects the
    /// request).
    pub(super) fn check_all_used(&self) -> Result<(), Error> {
        let names = self.names.iter().map(|(p, _)| p).zip(&self.names_used);
        let values = self.values.iter().map(|(p, _)| p).zip(&self.values_used);
        match names.chain(values).find(|(_, used)| !**used) {
            Some((placeholder, _)) => Err(unused(placeholder)),
            None => Ok(()),
        }
    }

    /// The next token, not consumed.
    pub(super) fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.pos).copied()
    }

    /// The token after the next one, not consumed (to tell `size(` from a plain name).
    pub(super) fn peek_second(&self) -> Option<Tok<'a>> {
        self.tokens.get(self.pos + 1).map(|t| t.kind)
    }

    /// The error for a token (or the end) found where `expected` was needed.
    pub(super) fn unexpected(&self, expected: &str) -> Error {
        match self.peek() {
            Some(token) => invalid(format!(
                "unexpected {} at byte {}: expected {expected}",
                describe(token.kind),
                token.at
            )),
            None => invalid(format!(
                "unexpected end at byte {}: expected {expected}",
                self.end
            )),
        }
    }

    /// Consumes the next token if it is `kind`, or fails naming `expected`.
    pub(super) fn expect(&mut self, kind: Tok<'static>, expected: &str) -> Result<(), Error> {
        match self.peek() {
            Some(token) if token.kind == kind => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(self.unexpected(expected)),
        }
    }

    /// Consumes the next token if it is the (case-insensitive) keyword `keyword`.
    pub(super) fn keyword(&mut self, keyword: &str) -> bool {
        match self.peek() {
            Some(Token {
                kind: Tok::Word(w), ..
            }) if w.eq_ignore_ascii_case(keyword) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// Enters one nesting level, failing past [`MAX_DEPTH`] so recursion stays bounded.
    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid(format!(
                "parentheses and NOT are nested more than {MAX_DEPTH} levels deep"
            )));
        }
        Ok(())
    }

    /// Leaves a nesting level entered with [`enter`](Self::enter).
    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// `condition := and ("OR" and)*` (OR binds loosest). Iterative, so long chains of `OR`
    /// cost no stack.
    fn condition(&mut self) -> Result<(), Error> {
        self.and()?;
        while self.keyword("OR") {
            self.and()?;
        }
        Ok(())
    }

    /// `and := not ("AND" not)*`.
    fn and(&mut self) -> Result<(), Error> {
        self.not()?;
        while self.keyword("AND") {
            self.not()?;
        }
        Ok(())
    }

    /// `not := "NOT" not | primary` (NOT binds tighter than AND, looser than comparisons).
    fn not(&mut self) -> Result<(), Error> {
        if self.keyword("NOT") {
            self.enter()?;
            self.not()?;
            self.leave();
            return Ok(());
        }
        self.primary()
    }

    /// A parenthesized condition, a condition function, or a comparison.
    fn primary(&mut self) -> Result<(), Error> {
        match self.peek().map(|t| t.kind) {
            Some(Tok::Open) => {
                if self.redundant_group(self.pos) {
                    return Err(invalid(format!(
                        "redundant parentheses at byte {} (a group holding only another group), \
                         which DynamoDB rejects",
                        self.peek().map_or(self.end, |t| t.at)
                    )));
                }
                self.pos += 1;
                self.enter()?;
                self.condition()?;
                self.expect(Tok::Close, "`)`, AND or OR")?;
                self.leave();
                Ok(())
            }
            Some(Tok::Word(w)) if self.peek_second() == Some(Tok::Open) => match function(w) {
                Some(Function::Size) => self.comparison(),
                Some(f) => self.function(f),
                None => Err(self.unknown_function(w)),
            },
            _ => self.comparison(),
        }
    }

    /// Whether the group opening at token `open` holds nothing but another group: `((…))`,
    /// which DynamoDB rejects as redundant.
    fn redundant_group(&self, open: usize) -> bool {
        match (self.matching(open), self.matching(open + 1)) {
            (Some(outer), Some(inner)) => inner + 1 == outer,
            _ => false,
        }
    }

    /// The index of the `)` closing the `(` at token `open`, if `open` is a `(`.
    fn matching(&self, open: usize) -> Option<usize> {
        if self.tokens.get(open)?.kind != Tok::Open {
            return None;
        }
        let mut depth = 0usize;
        for (i, token) in self.tokens.iter().enumerate().skip(open) {
            match token.kind {
                Tok::Open => depth += 1,
                Tok::Close => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The error for `word(` where `word` is not a function (or is one in the wrong case).
    pub(super) fn unknown_function(&self, word: &str) -> Error {
        let at = self.peek().map_or(self.end, |t| t.at);
        match miscased_function(word) {
            Some(right) => invalid(format!(
                "function names are case-sensitive: write `{right}` instead of `{word}` (byte {at})"
            )),
            None => invalid(format!("`{word}` at byte {at} is not a DynamoDB function")),
        }
    }

    /// A condition function call; the function name is the next token, `(` the one after.
    fn function(&mut self, f: Function) -> Result<(), Error> {
        self.pos += 2;
        let path = self.path()?;
        match f {
            Function::Exists | Function::NotExists => {}
            Function::Type => {
                self.expect(Tok::Comma, "`,`")?;
                let i = self.value_placeholder("a `:value` placeholder holding the type")?;
                self.check_type_value(i)?;
            }
            Function::BeginsWith => {
                self.expect(Tok::Comma, "`,`")?;
                let i = self.value_placeholder("a `:value` placeholder holding the prefix")?;
                let (placeholder, value) = &self.values[i];
                if let Ok(value) = value.get()
                    && !matches!(value, AttributeValue::S(_) | AttributeValue::B(_))
                {
                    return Err(invalid(format!(
                        "`{placeholder}`, the prefix in begins_with, must be a string or binary"
                    )));
                }
            }
            Function::Contains => {
                self.expect(Tok::Comma, "`,`")?;
                let operand = self.operand()?;
                self.distinct(&Operand::Path(path), &[operand], "contains")?;
            }
            Function::Size => {
                // `primary` sends `size(` to `comparison`; kept as an error, not a panic.
                return Err(invalid("size(…) is an operand, not a condition".into()));
            }
        }
        self.expect(Tok::Close, "`)`")
    }

    /// `operand (comparator operand | BETWEEN operand AND operand | IN (operand, ...))`.
    fn comparison(&mut self) -> Result<(), Error> {
        let first = self.operand()?;
        match self.peek().map(|t| t.kind) {
            Some(Tok::Compare(op)) => {
                self.pos += 1;
                let second = self.operand()?;
                self.distinct(&first, &[second], op)
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("BETWEEN") => {
                self.pos += 1;
                let low = self.operand()?;
                if !self.keyword("AND") {
                    return Err(self.unexpected("AND (of BETWEEN … AND …)"));
                }
                let high = self.operand()?;
                if let (Operand::Value(lo), Operand::Value(hi)) = (&low, &high) {
                    let value = |p: &str| self.values.iter().find(|(q, _)| q == p).map(|(_, v)| v);
                    if let (Some(Ok(lo)), Some(Ok(hi))) =
                        (value(lo).map(Value::get), value(hi).map(Value::get))
                    {
                        super::check_between(lo, hi)?;
                    }
                }
                self.distinct(&first, &[low, high], "BETWEEN")
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("IN") => {
                self.pos += 1;
                self.expect(Tok::Open, "`(` after IN")?;
                let mut list = Vec::new();
                loop {
                    list.push(self.operand()?);
                    if list.len() > MAX_IN {
                        return Err(invalid(format!("IN takes 1 to {MAX_IN} operands")));
                    }
                    match self.peek().map(|t| t.kind) {
                        Some(Tok::Comma) => self.pos += 1,
                        Some(Tok::Close) => {
                            self.pos += 1;
                            break;
                        }
                        _ => return Err(self.unexpected("`,` or `)` in the IN list")),
                    }
                }
                self.distinct(&first, &list, "IN")
            }
            _ => Err(self.unexpected("a comparator (=, <>, <, <=, >, >=), BETWEEN or IN")),
        }
    }

    /// `operand := path | :value | size(path)`.
    fn operand(&mut self) -> Result<Operand<'a>, Error> {
        match self.peek().map(|t| t.kind) {
            Some(Tok::Value(_)) => {
                let i = self.value_placeholder("a `:value` placeholder")?;
                let values = self.values;
                Ok(Operand::Value(&values[i].0))
            }
            Some(Tok::Word(w)) if self.peek_second() == Some(Tok::Open) => match function(w) {
                Some(Function::Size) => {
                    self.pos += 2;
                    let path = self.path()?;
                    self.expect(Tok::Close, "`)`")?;
                    Ok(Operand::Size(path))
                }
                Some(_) => {
                    let at = self.peek().map_or(self.end, |t| t.at);
                    Err(invalid(format!(
                        "`{w}` at byte {at} is a condition, not an operand (only `size` can be compared)"
                    )))
                }
                None => Err(self.unknown_function(w)),
            },
            Some(Tok::Name(_) | Tok::Word(_)) => Ok(Operand::Path(self.path()?)),
            _ => Err(self.unexpected("an attribute, a `:value` placeholder or size(…)")),
        }
    }

    /// `path := element ("." element | "[" digits "]")*`, iterative so long paths cost no stack.
    pub(super) fn path(&mut self) -> Result<Vec<Segment<'a>>, Error> {
        let mut segments = vec![self.element()?];
        if let Some(Segment::Key(root)) = segments.first() {
            self.roots.push(root);
        }
        loop {
            match self.peek().map(|t| t.kind) {
                Some(Tok::Dot) => {
                    self.pos += 1;
                    segments.push(self.element()?);
                }
                Some(Tok::OpenBracket) => {
                    self.pos += 1;
                    let Some(Tok::Digits(d)) = self.peek().map(|t| t.kind) else {
                        return Err(self.unexpected("a list index (digits)"));
                    };
                    // DynamoDB rejects an index it cannot hold as a 32-bit integer.
                    if d.parse::<i32>().is_err() {
                        return Err(invalid(format!(
                            "list index at byte {} is larger than DynamoDB accepts",
                            self.peek().map_or(self.end, |t| t.at)
                        )));
                    }
                    self.pos += 1;
                    self.expect(Tok::CloseBracket, "`]`")?;
                    segments.push(Segment::Index(d));
                }
                _ => return Ok(segments),
            }
        }
    }

    /// One path element: a declared `#name`, or a plain attribute name DynamoDB accepts
    /// without a placeholder.
    pub(super) fn element(&mut self) -> Result<Segment<'a>, Error> {
        match self.peek() {
            Some(Token {
                kind: Tok::Name(placeholder),
                at,
            }) => {
                let Some(i) = self.names.iter().position(|(p, _)| p == placeholder) else {
                    return Err(undeclared(placeholder, at, LIBRARY_NAME_PREFIX, ".name"));
                };
                self.pos += 1;
                self.names_used[i] = true;
                let names = self.names;
                Ok(Segment::Key(&names[i].1))
            }
            Some(Token {
                kind: Tok::Word(word),
                at,
            }) => {
                plain_name(word, at)?;
                self.pos += 1;
                Ok(Segment::Key(word))
            }
            _ => Err(self.unexpected("an attribute (`#name` or a plain name)")),
        }
    }

    /// Consumes a declared `:value` placeholder, returning its index in `values`.
    pub(super) fn value_placeholder(&mut self, expected: &str) -> Result<usize, Error> {
        let Some(Token {
            kind: Tok::Value(placeholder),
            at,
        }) = self.peek()
        else {
            return Err(self.unexpected(expected));
        };
        let Some(i) = self.values.iter().position(|(p, _)| p == placeholder) else {
            return Err(undeclared(placeholder, at, LIBRARY_VALUE_PREFIX, ".value"));
        };
        self.pos += 1;
        self.values_used[i] = true;
        Ok(i)
    }

    /// Checks that the value given to `attribute_type` is one of DynamoDB's type names.
    ///
    /// Why: DynamoDB rejects any other type string. An unencodable value is left for
    /// `Placeholders::add_raw`, which reports it as an encoding error.
    fn check_type_value(&self, i: usize) -> Result<(), Error> {
        let (placeholder, value) = &self.values[i];
        match value.get() {
            Ok(AttributeValue::S(t)) if ATTRIBUTE_TYPES.contains(&t.as_str()) => Ok(()),
            Ok(_) => Err(invalid(format!(
                "`{placeholder}`, the type in attribute_type, must be a string, one of {}",
                ATTRIBUTE_TYPES.join(", ")
            ))),
            Err(_) => Ok(()),
        }
    }

    /// Fails when `first` equals one of `others`: DynamoDB requires the first operand of an
    /// operator or function to be distinct from the rest.
    fn distinct(&self, first: &Operand<'a>, others: &[Operand<'a>], op: &str) -> Result<(), Error> {
        if others.contains(first) {
            return Err(invalid(format!(
                "the first operand of `{op}` is repeated among its other operands (DynamoDB requires them to be distinct)"
            )));
        }
        Ok(())
    }
}

/// The error for a placeholder the text uses but did not declare, pointing out the library's
/// own prefixes.
fn undeclared(placeholder: &str, at: usize, library_prefix: &str, method: &str) -> Error {
    if super::placeholders::is_library_placeholder(placeholder, library_prefix) {
        invalid(format!(
            "`{placeholder}` at byte {at} has the prefix `{library_prefix}` of the library's own placeholders; \
             declare and use a placeholder of your own"
        ))
    } else {
        invalid(format!(
            "`{placeholder}` at byte {at} is not declared (declare it with `{method}(\"{placeholder}\", …)`)"
        ))
    }
}

/// Checks a plain (unplaceholdered) attribute name: a letter, then letters, digits or `_`, not
/// a DynamoDB reserved word, keyword or function name.
///
/// Why: DynamoDB rejects reserved words as plain names (they need a `#name` placeholder), and
/// rejecting them here keeps such conditions from reaching DynamoDB at all. Keywords (`AND`,
/// `OR`, …) are reserved words too, so an operand missing between two of them fails here.
fn plain_name(word: &str, at: usize) -> Result<(), Error> {
    if !word.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
        return Err(invalid(format!(
            "attribute name `{word}` at byte {at} must start with a letter; use a `#name` placeholder"
        )));
    }
    if is_reserved(word) {
        return Err(invalid(format!(
            "`{word}` at byte {at} is a DynamoDB reserved word or keyword, not an attribute; \
             for an attribute of that name use a `#name` placeholder"
        )));
    }
    if FUNCTIONS.iter().any(|(f, _)| f.eq_ignore_ascii_case(word)) {
        return Err(invalid(format!(
            "`{word}` at byte {at} is a function name; for an attribute of that name use a `#name` placeholder"
        )));
    }
    Ok(())
}

/// Whether `word` is a DynamoDB reserved word (case-insensitively), by binary search.
fn is_reserved(word: &str) -> bool {
    RESERVED
        .binary_search_by(|r| r.bytes().cmp(word.bytes().map(|b| b.to_ascii_uppercase())))
        .is_ok()
}

/// DynamoDB's reserved words, upper case and sorted (checked by a test), from
/// <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ReservedWords.html>.
/// The list's own misspellings (`FLATTERN`, `INNTER`, `LOGED`) are DynamoDB's.
///
/// Why: these cannot be used as plain attribute names in an expression.
#[rustfmt::skip]
const RESERVED: [&str; 573] = [
    "ABORT", "ABSOLUTE", "ACTION", "ADD", "AFTER", "AGENT", "AGGREGATE", "ALL", "ALLOCATE", "ALTER",
    "ANALYZE", "AND", "ANY", "ARCHIVE", "ARE", "ARRAY", "AS", "ASC", "ASCII", "ASENSITIVE",
    "ASSERTION", "ASYMMETRIC", "AT", "ATOMIC", "ATTACH", "ATTRIBUTE", "AUTH", "AUTHORIZATION", "AUTHORIZE", "AUTO",
    "AVG", "BACK", "BACKUP", "BASE", "BATCH", "BEFORE", "BEGIN", "BETWEEN", "BIGINT", "BINARY",
    "BIT", "BLOB", "BLOCK", "BOOLEAN", "BOTH", "BREADTH", "BUCKET", "BULK", "BY", "BYTE",
    "CALL", "CALLED", "CALLING", "CAPACITY", "CASCADE", "CASCADED", "CASE", "CAST", "CATALOG", "CHAR",
    "CHARACTER", "CHECK", "CLASS", "CLOB", "CLOSE", "CLUSTER", "CLUSTERED", "CLUSTERING", "CLUSTERS", "COALESCE",
    "COLLATE", "COLLATION", "COLLECTION", "COLUMN", "COLUMNS", "COMBINE", "COMMENT", "COMMIT", "COMPACT", "COMPILE",
    "COMPRESS", "CONDITION", "CONFLICT", "CONNECT", "CONNECTION", "CONSISTENCY", "CONSISTENT", "CONSTRAINT", "CONSTRAINTS", "CONSTRUCTOR",
    "CONSUMED", "CONTINUE", "CONVERT", "COPY", "CORRESPONDING", "COUNT", "COUNTER", "CREATE", "CROSS", "CUBE",
    "CURRENT", "CURSOR", "CYCLE", "DATA", "DATABASE", "DATE", "DATETIME", "DAY", "DEALLOCATE", "DEC",
    "DECIMAL", "DECLARE", "DEFAULT", "DEFERRABLE", "DEFERRED", "DEFINE", "DEFINED", "DEFINITION", "DELETE", "DELIMITED",
    "DEPTH", "DEREF", "DESC", "DESCRIBE", "DESCRIPTOR", "DETACH", "DETERMINISTIC", "DIAGNOSTICS", "DIRECTORIES", "DISABLE",
    "DISCONNECT", "DISTINCT", "DISTRIBUTE", "DO", "DOMAIN", "DOUBLE", "DROP", "DUMP", "DURATION", "DYNAMIC",
    "EACH", "ELEMENT", "ELSE", "ELSEIF", "EMPTY", "ENABLE", "END", "EQUAL", "EQUALS", "ERROR",
    "ESCAPE", "ESCAPED", "EVAL", "EVALUATE", "EXCEEDED", "EXCEPT", "EXCEPTION", "EXCEPTIONS", "EXCLUSIVE", "EXEC",
    "EXECUTE", "EXISTS", "EXIT", "EXPLAIN", "EXPLODE", "EXPORT", "EXPRESSION", "EXTENDED", "EXTERNAL", "EXTRACT",
    "FAIL", "FALSE", "FAMILY", "FETCH", "FIELDS", "FILE", "FILTER", "FILTERING", "FINAL", "FINISH",
    "FIRST", "FIXED", "FLATTERN", "FLOAT", "FOR", "FORCE", "FOREIGN", "FORMAT", "FORWARD", "FOUND",
    "FREE", "FROM", "FULL", "FUNCTION", "FUNCTIONS", "GENERAL", "GENERATE", "GET", "GLOB", "GLOBAL",
    "GO", "GOTO", "GRANT", "GREATER", "GROUP", "GROUPING", "HANDLER", "HASH", "HAVE", "HAVING",
    "HEAP", "HIDDEN", "HOLD", "HOUR", "IDENTIFIED", "IDENTITY", "IF", "IGNORE", "IMMEDIATE", "IMPORT",
    "IN", "INCLUDING", "INCLUSIVE", "INCREMENT", "INCREMENTAL", "INDEX", "INDEXED", "INDEXES", "INDICATOR", "INFINITE",
    "INITIALLY", "INLINE", "INNER", "INNTER", "INOUT", "INPUT", "INSENSITIVE", "INSERT", "INSTEAD", "INT",
    "INTEGER", "INTERSECT", "INTERVAL", "INTO", "INVALIDATE", "IS", "ISOLATION", "ITEM", "ITEMS", "ITERATE",
    "JOIN", "KEY", "KEYS", "LAG", "LANGUAGE", "LARGE", "LAST", "LATERAL", "LEAD", "LEADING",
    "LEAVE", "LEFT", "LENGTH", "LESS", "LEVEL", "LIKE", "LIMIT", "LIMITED", "LINES", "LIST",
    "LOAD", "LOCAL", "LOCALTIME", "LOCALTIMESTAMP", "LOCATION", "LOCATOR", "LOCK", "LOCKS", "LOG", "LOGED",
    "LONG", "LOOP", "LOWER", "MAP", "MATCH", "MATERIALIZED", "MAX", "MAXLEN", "MEMBER", "MERGE",
    "METHOD", "METRICS", "MIN", "MINUS", "MINUTE", "MISSING", "MOD", "MODE", "MODIFIES", "MODIFY",
    "MODULE", "MONTH", "MULTI", "MULTISET", "NAME", "NAMES", "NATIONAL", "NATURAL", "NCHAR", "NCLOB",
    "NEW", "NEXT", "NO", "NONE", "NOT", "NULL", "NULLIF", "NUMBER", "NUMERIC", "OBJECT",
    "OF", "OFFLINE", "OFFSET", "OLD", "ON", "ONLINE", "ONLY", "OPAQUE", "OPEN", "OPERATOR",
    "OPTION", "OR", "ORDER", "ORDINALITY", "OTHER", "OTHERS", "OUT", "OUTER", "OUTPUT", "OVER",
    "OVERLAPS", "OVERRIDE", "OWNER", "PAD", "PARALLEL", "PARAMETER", "PARAMETERS", "PARTIAL", "PARTITION", "PARTITIONED",
    "PARTITIONS", "PATH", "PERCENT", "PERCENTILE", "PERMISSION", "PERMISSIONS", "PIPE", "PIPELINED", "PLAN", "POOL",
    "POSITION", "PRECISION", "PREPARE", "PRESERVE", "PRIMARY", "PRIOR", "PRIVATE", "PRIVILEGES", "PROCEDURE", "PROCESSED",
    "PROJECT", "PROJECTION", "PROPERTY", "PROVISIONING", "PUBLIC", "PUT", "QUERY", "QUIT", "QUORUM", "RAISE",
    "RANDOM", "RANGE", "RANK", "RAW", "READ", "READS", "REAL", "REBUILD", "RECORD", "RECURSIVE",
    "REDUCE", "REF", "REFERENCE", "REFERENCES", "REFERENCING", "REGEXP", "REGION", "REINDEX", "RELATIVE", "RELEASE",
    "REMAINDER", "RENAME", "REPEAT", "REPLACE", "REQUEST", "RESET", "RESIGNAL", "RESOURCE", "RESPONSE", "RESTORE",
    "RESTRICT", "RESULT", "RETURN", "RETURNING", "RETURNS", "REVERSE", "REVOKE", "RIGHT", "ROLE", "ROLES",
    "ROLLBACK", "ROLLUP", "ROUTINE", "ROW", "ROWS", "RULE", "RULES", "SAMPLE", "SATISFIES", "SAVE",
    "SAVEPOINT", "SCAN", "SCHEMA", "SCOPE", "SCROLL", "SEARCH", "SECOND", "SECTION", "SEGMENT", "SEGMENTS",
    "SELECT", "SELF", "SEMI", "SENSITIVE", "SEPARATE", "SEQUENCE", "SERIALIZABLE", "SESSION", "SET", "SETS",
    "SHARD", "SHARE", "SHARED", "SHORT", "SHOW", "SIGNAL", "SIMILAR", "SIZE", "SKEWED", "SMALLINT",
    "SNAPSHOT", "SOME", "SOURCE", "SPACE", "SPACES", "SPARSE", "SPECIFIC", "SPECIFICTYPE", "SPLIT", "SQL",
    "SQLCODE", "SQLERROR", "SQLEXCEPTION", "SQLSTATE", "SQLWARNING", "START", "STATE", "STATIC", "STATUS", "STORAGE",
    "STORE", "STORED", "STREAM", "STRING", "STRUCT", "STYLE", "SUB", "SUBMULTISET", "SUBPARTITION", "SUBSTRING",
    "SUBTYPE", "SUM", "SUPER", "SYMMETRIC", "SYNONYM", "SYSTEM", "TABLE", "TABLESAMPLE", "TEMP", "TEMPORARY",
    "TERMINATED", "TEXT", "THAN", "THEN", "THROUGHPUT", "TIME", "TIMESTAMP", "TIMEZONE", "TINYINT", "TO",
    "TOKEN", "TOTAL", "TOUCH", "TRAILING", "TRANSACTION", "TRANSFORM", "TRANSLATE", "TRANSLATION", "TREAT", "TRIGGER",
    "TRIM", "TRUE", "TRUNCATE", "TTL", "TUPLE", "TYPE", "UNDER", "UNDO", "UNION", "UNIQUE",
    "UNIT", "UNKNOWN", "UNLOGGED", "UNNEST", "UNPROCESSED", "UNSIGNED", "UNTIL", "UPDATE", "UPPER", "URL",
    "USAGE", "USE", "USER", "USERS", "USING", "UUID", "VACUUM", "VALUE", "VALUED", "VALUES",
    "VARCHAR", "VARIABLE", "VARIANCE", "VARINT", "VARYING", "VIEW", "VIEWS", "VIRTUAL", "VOID", "WAIT",
    "WHEN", "WHENEVER", "WHERE", "WHILE", "WINDOW", "WITH", "WITHIN", "WITHOUT", "WORK", "WRAPPED",
    "WRITE", "YEAR", "ZONE",
];

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::expr::{Condition, Node, Placeholders};

    /// `(placeholder, attribute)` pairs as written in a test case.
    type Pairs<'a> = &'a [(&'a str, &'a str)];

    /// Declared names and values, as `check` takes them.
    type Declared = (Vec<(String, String)>, Vec<(String, Value)>);

    /// Declared names from `(placeholder, attribute)` pairs, to keep the cases short.
    fn names(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|&(p, a)| (p.to_owned(), a.to_owned()))
            .collect()
    }

    /// Declared values, each holding the number 3 (values play no part in the grammar).
    fn values(placeholders: &[&str]) -> Vec<(String, Value)> {
        placeholders
            .iter()
            .map(|&p| (p.to_owned(), Value::encode(&"v")))
            .collect()
    }

    /// Runs `check` and returns the message of the raw-expression error, failing the test
    /// on any other outcome.
    fn reason(expression: &str, n: &[(&str, &str)], v: &[&str]) -> String {
        match check(expression, &names(n), &values(v)) {
            Err(Error::InvalidInput(e)) if is_raw(&e) => e.message().to_owned(),
            other => panic!("{expression:?} should be a raw-expression error, got {other:?}"),
        }
    }

    /// A raw expression refused by the parser, or too long.
    fn is_raw(e: &crate::InvalidInput) -> bool {
        matches!(
            e.kind(),
            InvalidInputKind::RawExpression | InvalidInputKind::ExpressionTooLarge
        )
    }

    /// Whether `result` is a raw-expression error.
    fn refused<T>(result: &Result<T, Error>) -> bool {
        matches!(result, Err(Error::InvalidInput(e)) if is_raw(e))
    }

    /// Asserts `check` refuses the expression with exactly `message` (after the prefix every
    /// raw-condition message has). The parser's diagnostics are its product, so they are
    /// checked whole.
    fn refuses(expression: &str, n: &[(&str, &str)], v: &[&str], message: &str) {
        assert_eq!(
            reason(expression, n, v),
            format!("invalid raw condition: {message}"),
            "{expression:?}"
        );
    }

    /// Asserts `check` accepts the expression.
    fn accepts(expression: &str, n: &[(&str, &str)], v: &[&str]) {
        if let Err(e) = check(expression, &names(n), &values(v)) {
            panic!("{expression:?} should be accepted, got {e}");
        }
    }

    /// Every form of the grammar, with the placeholders each one declares.
    #[test]
    fn accepts_every_form_of_the_grammar() {
        let p = &[("#p", "points")][..];
        let pq = &[("#p", "points"), ("#q", "quota")][..];
        let cases: &[(&str, Pairs, &[&str])] = &[
            ("#p = :a", p, &[":a"]),
            ("#p <> :a", p, &[":a"]),
            ("#p < :a", p, &[":a"]),
            ("#p <= :a", p, &[":a"]),
            ("#p > :a", p, &[":a"]),
            ("#p >= :a", p, &[":a"]),
            ("#p>=:a", p, &[":a"]),
            ("#p = #q", pq, &[]),
            (":a < #p", p, &[":a"]),
            ("#p BETWEEN :a AND :b", p, &[":a", ":b"]),
            ("#p between :a and :b", p, &[":a", ":b"]),
            ("#p IN (:a)", p, &[":a"]),
            ("#p IN (:a, :b,:c)", p, &[":a", ":b", ":c"]),
            ("#p in (:a, #q)", pq, &[":a"]),
            ("attribute_exists(#p)", p, &[]),
            ("attribute_not_exists (#p)", p, &[]),
            ("attribute_type(#p, :t)", p, &[]),
            ("begins_with(#p, :a)", p, &[":a"]),
            ("contains(#p, :a)", p, &[":a"]),
            ("contains(#p, #q)", pq, &[]),
            ("size(#p) > :a", p, &[":a"]),
            ("size(#p) BETWEEN :a AND :b", p, &[":a", ":b"]),
            ("#q = size(#p)", pq, &[]),
            ("size(#p) IN (:a, size(#q))", pq, &[":a"]),
            ("NOT #p = :a", p, &[":a"]),
            ("not attribute_exists(#p)", p, &[]),
            ("NOT NOT (#p = :a)", p, &[":a"]),
            ("#p = :a AND #q = :b", pq, &[":a", ":b"]),
            ("#p = :a OR #q = :b", pq, &[":a", ":b"]),
            (
                "#p = :a Or NOT #q = :b aNd attribute_exists(#p)",
                pq,
                &[":a", ":b"],
            ),
            ("(#p = :a)", p, &[":a"]),
            (
                "(#p = :a OR #q = :b) AND (NOT (#p < :b))",
                pq,
                &[":a", ":b"],
            ),
            ("#p.#q = :a", pq, &[":a"]),
            ("#p[0] = :a", p, &[":a"]),
            ("#p[12].#q[3][4] = :a", pq, &[":a"]),
            ("#p.detail[1] = :a", p, &[":a"]),
            ("points > :a", &[], &[":a"]),
            ("Points_2 > :a AND attribute_exists(tags)", &[], &[":a"]),
            ("#p = #p_2", &[("#p", "a"), ("#p_2", "b")], &[]),
            ("#_x = :_1", &[("#_x", "a")], &[":_1"]),
            ("#N = :V", &[("#N", "a")], &[":V"]),
            ("  \t#p\n=\r\n:a  ", p, &[":a"]),
        ];
        for &(expression, n, v) in cases {
            let mut vals = values(v);
            if expression.contains(":t") {
                vals.push((":t".into(), Value::encode("SS")));
            }
            if let Err(e) = check(expression, &names(n), &vals) {
                panic!("{expression:?} should be accepted, got {e}");
            }
        }
    }

    /// The attack from the report: text that closes the guard's group and opens another.
    #[test]
    fn rejects_escaping_the_grouping() {
        for (expression, n) in [
            ("x) OR (y", &[][..]),
            (
                "#p > :min) OR (attribute_exists(#p)",
                &[("#p", "points")][..],
            ),
            (") OR attribute_exists(#p", &[("#p", "points")][..]),
            ("#p > :min) OR (#p < :min", &[("#p", "points")][..]),
            ("(#p > :min", &[("#p", "points")][..]),
            ("#p > :min)", &[("#p", "points")][..]),
            ("#p > :min OR (", &[("#p", "points")][..]),
            ("#p > :min )(", &[("#p", "points")][..]),
        ] {
            let v: &[&str] = if expression.contains(":min") {
                &[":min"]
            } else {
                &[]
            };
            reason(expression, n, v);
        }
        refuses(
            "#p > :min) OR (#p < :min",
            &[("#p", "points")],
            &[":min"],
            "unbalanced `)` at byte 9",
        );
    }

    /// The attack end to end: rendered after the entity guard, it is an error, not a request.
    #[test]
    fn rendering_an_escaping_condition_fails() {
        let guard = Node::IsType("type", "Task");
        let raw = Condition::<()>::raw("x) OR (y").into_node();
        let node = Node::And(Box::new(guard), Box::new(raw));
        let mut text = String::new();
        let result = node.render(&mut Placeholders::default(), &mut text);
        assert!(refused(&result), "{result:?}");
    }

    /// A valid raw condition is wrapped in its own parentheses after the guard.
    #[test]
    fn rejects_list_indexes_out_of_range() {
        let n = &[("#t", "tags")][..];
        accepts("#t[2147483647] = :a", n, &[":a"]);
        refuses(
            "#t[99999999999999999999] = :a",
            n,
            &[":a"],
            "list index at byte 3 is larger than DynamoDB accepts",
        );
    }

    #[test]
    fn rejects_redundant_parentheses() {
        let n = &[("#p", "points")][..];
        for (text, at) in [
            ("((#p = :a))", 0),
            ("NOT ((#p = :a))", 4),
            ("((#p = :a)) OR #p < :a", 0),
            ("#p < :a AND (((#p = :a) OR #p > :a))", 12),
        ] {
            refuses(
                text,
                n,
                &[":a"],
                &format!(
                    "redundant parentheses at byte {at} (a group holding only another group), \
                     which DynamoDB rejects"
                ),
            );
        }
        accepts("(#p = :a) OR (#p < :a)", n, &[":a"]);
        accepts("NOT (#p = :a)", n, &[":a"]);
    }

    #[test]
    fn checks_begins_with_and_between_values() {
        let n = &[("#p", "label")][..];
        let with = |pairs: &[(&str, Value)]| {
            pairs
                .iter()
                .map(|(p, v)| ((*p).to_owned(), v.clone()))
                .collect::<Vec<_>>()
        };
        let names = names(n);
        let number = with(&[(":a", Value::encode(&5))]);
        assert!(check("begins_with(#p, :a)", &names, &number).is_err());
        let bounds = |lo: Value, hi: Value| with(&[(":lo", lo), (":hi", hi)]);
        let between = "#p BETWEEN :lo AND :hi";
        assert!(
            check(
                between,
                &names,
                &bounds(Value::encode(&1), Value::encode(&5))
            )
            .is_ok()
        );
        assert!(
            check(
                between,
                &names,
                &bounds(Value::encode(&5), Value::encode(&1))
            )
            .is_err()
        );
        assert!(
            check(
                between,
                &names,
                &bounds(Value::encode("b"), Value::encode("a"))
            )
            .is_err()
        );
        assert!(
            check(
                between,
                &names,
                &bounds(Value::encode("a"), Value::encode(&1))
            )
            .is_err()
        );
    }

    #[test]
    fn enclosing_parentheses_are_dropped_once_checked() {
        assert_eq!(without_enclosing_parentheses("((#p < :max))"), "#p < :max");
        assert_eq!(
            without_enclosing_parentheses(" ( #p < :max ) "),
            "#p < :max"
        );
        assert_eq!(
            without_enclosing_parentheses("(#a = :x) OR (#b = :x)"),
            "(#a = :x) OR (#b = :x)"
        );
        assert_eq!(
            without_enclosing_parentheses("attribute_exists(#a)"),
            "attribute_exists(#a)"
        );
    }

    #[test]
    fn rendering_groups_raw_text_once() {
        let guard = Node::IsType("type", "Task");
        let raw = Condition::<()>::raw("#p > :min OR attribute_not_exists(#p)")
            .name("#p", "points")
            .value(":min", &3)
            .into_node();
        let node = Node::And(Box::new(guard), Box::new(raw));
        let mut p = Placeholders::default();
        let mut text = String::new();
        if let Err(e) = node.render(&mut p, &mut text) {
            panic!("should render, got {e}");
        }
        assert_eq!(
            text,
            "(#n0 = :v0) AND (#p > :min OR attribute_not_exists(#p))"
        );
        let (names, values) = p.into_maps();
        let names = names.unwrap_or_default();
        let values = values.unwrap_or_default();
        assert_eq!(names.get("#p").map(String::as_str), Some("points"));
        assert_eq!(values.get(":min"), Some(&AttributeValue::N("3".into())));
    }

    /// Renders `node` with fresh placeholders, returning the text or the error.
    fn render(node: &Node) -> Result<String, Error> {
        let mut text = String::new();
        node.render(&mut Placeholders::default(), &mut text)
            .map(|()| text)
    }

    /// Two raw conditions in one request may not give one placeholder two meanings (the
    /// placeholder maps would silently keep only one); the same declaration twice is fine.
    #[test]
    fn raw_conditions_in_one_request_agree_on_placeholders() {
        let points = || {
            Condition::<()>::raw("#p > :min")
                .name("#p", "points")
                .value(":min", &3)
        };
        let same = points().or(points()).into_node();
        assert_eq!(
            render(&same).ok().as_deref(),
            Some("(#p > :min) OR (#p > :min)")
        );
        let other_attribute = points()
            .and(
                Condition::raw("#p < :min")
                    .name("#p", "quota")
                    .value(":min", &3),
            )
            .into_node();
        assert!(refused(&render(&other_attribute)));
        let other_value = points()
            .and(
                Condition::raw("#p < :min")
                    .name("#p", "points")
                    .value(":min", &4),
            )
            .into_node();
        assert!(refused(&render(&other_value)));
    }

    /// A raw condition under `!` keeps its own group inside the `NOT`.
    #[test]
    fn negated_raw_condition_stays_grouped() {
        let node = (!Condition::<()>::raw("#a = :x OR #b = :x")
            .name("#a", "a")
            .name("#b", "b")
            .value(":x", &1))
        .into_node();
        assert_eq!(
            render(&node).ok().as_deref(),
            Some("NOT (#a = :x OR #b = :x)")
        );
    }

    /// Library placeholders cannot be borrowed, declared or not.
    #[test]
    fn rejects_the_library_placeholders() {
        let borrowed = |placeholder: &str, prefix: &str| {
            format!(
                "`{placeholder}` at byte {} has the prefix `{prefix}` of the library's own \
                 placeholders; declare and use a placeholder of your own",
                if prefix == "#n" { 0 } else { 5 }
            )
        };
        refuses("#n0 = :a", &[], &[":a"], &borrowed("#n0", "#n"));
        refuses("#p = :v0", &[("#p", "points")], &[], &borrowed(":v0", ":v"));
        refuses(
            "#n0 = :a",
            &[("#n0", "points")],
            &[":a"],
            "name placeholder `#n0` is `#n` and digits, the shape of the library's own placeholders",
        );
        refuses(
            "#p = :v0",
            &[("#p", "points")],
            &[":v0"],
            "value placeholder `:v0` is `:v` and digits, the shape of the library's own placeholders",
        );
        // Only the prefix followed by digits is the library's: `#name` and `:value` are not.
        accepts("#name = :value", &[("#name", "name")], &[":value"]);
        accepts("#nx0 = :vx0", &[("#nx0", "points")], &[":vx0"]);
    }

    /// Every placeholder the text uses must be declared.
    #[test]
    fn rejects_undeclared_placeholders() {
        refuses(
            "#p = :a",
            &[],
            &[":a"],
            "`#p` at byte 0 is not declared (declare it with `.name(\"#p\", …)`)",
        );
        refuses(
            "#p = :a",
            &[("#p", "points")],
            &[],
            "`:a` at byte 5 is not declared (declare it with `.value(\":a\", …)`)",
        );
        reason("#p = :a", &[("#P", "points")], &[":a"]);
        reason("#p.#q = :a", &[("#p", "points")], &[":a"]);
    }

    /// Every declared placeholder must be used: DynamoDB rejects unused ones.
    #[test]
    fn rejects_unused_declarations() {
        let unused = |p: &str| {
            format!(
                "`{p}` is declared but not used in the expression (DynamoDB rejects unused \
                 placeholders)"
            )
        };
        refuses(
            "#p = :a",
            &[("#p", "points"), ("#q", "quota")],
            &[":a"],
            &unused("#q"),
        );
        refuses("#p = :a", &[("#p", "points")], &[":a", ":b"], &unused(":b"));
    }

    /// Declarations must be single well-formed tokens, declared once.
    #[test]
    fn rejects_malformed_declarations() {
        for (n, v) in [
            (&[("p", "points")][..], &[":a"][..]),
            (&[("#", "points")][..], &[":a"][..]),
            (&[("#p q", "points")][..], &[":a"][..]),
            (&[("#p-q", "points")][..], &[":a"][..]),
            (&[("#pü", "points")][..], &[":a"][..]),
            (&[("#p", "points")][..], &[":"][..]),
            (&[("#p", "points")][..], &["a"][..]),
            (&[("#p", "points")][..], &[":a)"][..]),
            (&[("#p", "points"), ("#p", "points")][..], &[":a"][..]),
            (&[("#p", "")][..], &[":a"][..]),
        ] {
            reason("#p = :a", n, v);
        }
        refuses(
            "#p = :a",
            &[("#p", "points")],
            &[":a", ":a"],
            "`:a` is declared twice",
        );
    }

    /// Malformed text of every kind is a validation error.
    #[test]
    fn rejects_garbage() {
        let p = &[("#p", "points"), ("#q", "quota")][..];
        let ab = &[":a", ":b"][..];
        for expression in [
            "#p",
            "#p =",
            "= :a",
            "#p = :a AND",
            "AND #p = :a",
            "#p = :a OR OR #q = :b",
            "#p = :a #q = :b",
            "#p == :a",
            "#p != :a",
            "#p = :a;",
            "#p = 'x'",
            "#p = \"x\"",
            "#p = 3",
            "#p = -:a",
            "#p BETWEEN :a",
            "#p BETWEEN :a OR :b",
            "#p IN ()",
            "#p IN (:a,)",
            "#p IN :a, :b",
            "#p IN (:a :b)",
            "()",
            "NOT",
            "#p.",
            "#p..#q = :a",
            "#p[] = :a",
            "#p[:a] = :b",
            "#p[0 = :a",
            "#p.0 = :a",
            "attribute_exists()",
            "attribute_exists(:a)",
            "attribute_exists(#p, #q)",
            "begins_with(#p)",
            "begins_with(#p, #q)",
            "contains(:a, #p)",
            "size(#p)",
            "size(#p) = size(#p)",
            "attribute_exists(#p) = :a",
            "#p = attribute_exists(#q)",
            "ATTRIBUTE_EXISTS(#p)",
            "Size(#p) > :a",
            "exists(#p)",
            "#p = :a -- comment",
            "#p = :a /* c */",
            "#p\u{0}= :a",
            "#p\u{a0}= :a",
            "#p = :a\u{2028}",
            "# p = :a",
            ": a = #p",
            "#p = :a:b",
            "#p#q = :a",
        ] {
            let r = reason(expression, p, ab);
            // The parser itself must reject it, not only the unused-placeholder check.
            let unused = ["#p", "#q", ":a", ":b"].map(|p| {
                format!(
                    "{}`{p}` is declared but not used in the expression (DynamoDB rejects \
                     unused placeholders)",
                    "invalid raw condition: "
                )
            });
            assert!(unused.iter().all(|u| *u != r), "{expression:?} parsed: {r}");
        }
    }

    /// Misspelled-case functions get a message with the right spelling.
    #[test]
    fn explains_case_sensitive_functions() {
        refuses(
            "ATTRIBUTE_EXISTS(#p)",
            &[("#p", "points")],
            &[],
            "function names are case-sensitive: write `attribute_exists` instead of \
             `ATTRIBUTE_EXISTS` (byte 0)",
        );
    }

    /// Plain names must be accepted by DynamoDB as they are.
    #[test]
    fn rejects_reserved_and_odd_plain_names() {
        let reserved = |word: &str, at: usize| {
            format!(
                "`{word}` at byte {at} is a DynamoDB reserved word or keyword, not an attribute; \
                 for an attribute of that name use a `#name` placeholder"
            )
        };
        for (expression, message) in [
            ("status = :a", reserved("status", 0)),
            ("Name = :a", reserved("Name", 0)),
            ("size = :a", reserved("size", 0)),
            (
                "contains = :a",
                "`contains` at byte 0 is a function name; for an attribute of that name use a \
                 `#name` placeholder"
                    .to_owned(),
            ),
            (
                "_private = :a",
                "attribute name `_private` at byte 0 must start with a letter; use a `#name` \
                 placeholder"
                    .to_owned(),
            ),
            ("points.value = :a", reserved("value", 7)),
            ("AND = :a", reserved("AND", 0)),
        ] {
            refuses(expression, &[], &[":a"], &message);
        }
        accepts("points.sub_1 = :a", &[], &[":a"]);
    }

    /// DynamoDB rejects an operator whose first operand is repeated.
    #[test]
    fn rejects_repeated_first_operands() {
        let pq = &[("#p", "points"), ("#q", "points")][..];
        for expression in [
            "#p = #p",
            "#p = #q",
            "points = #p",
            ":a = :a",
            "#p BETWEEN :a AND #p",
            "#p IN (:a, #p)",
            "contains(#p, #p)",
            "contains(#p, #q)",
            "#p[0] = #q[0]",
        ] {
            let n: &[(&str, &str)] = if expression.contains("#q") {
                pq
            } else {
                &pq[..1]
            };
            let v: &[&str] = if expression.contains(":a") {
                &[":a"]
            } else {
                &[]
            };
            reason(expression, n, v);
        }
        accepts("#p[0] = #p[1]", &[("#p", "points")], &[]);
        accepts("size(#p) = #p", &[("#p", "points")], &[]);
    }

    /// attribute_type needs one of DynamoDB's type names.
    #[test]
    fn checks_attribute_type_values() {
        let n = names(&[("#p", "points")]);
        for good in ATTRIBUTE_TYPES {
            let v = vec![(":t".to_owned(), Value::encode(good))];
            assert!(check("attribute_type(#p, :t)", &n, &v).is_ok(), "{good}");
        }
        for bad in [
            Value::encode("string"),
            Value::encode("s"),
            Value::encode(&3),
        ] {
            let v = vec![(":t".to_owned(), bad)];
            let result = check("attribute_type(#p, :t)", &n, &v);
            assert!(refused(&result), "{result:?}");
        }
    }

    /// Error messages never contain the declared values.
    #[test]
    fn messages_leave_values_out() {
        let secret = "hunter2-secret";
        let n = names(&[("#p", "points")]);
        for (expression, v) in [
            ("#p = :a", vec![(":b".to_owned(), Value::encode(secret))]),
            ("#p = :a)", vec![(":a".to_owned(), Value::encode(secret))]),
            (
                "attribute_type(#p, :a)",
                vec![(":a".to_owned(), Value::encode(secret))],
            ),
            (
                "#p = :a",
                vec![
                    (":a".to_owned(), Value::encode(secret)),
                    (":z".to_owned(), Value::encode(secret)),
                ],
            ),
        ] {
            match check(expression, &n, &v) {
                Err(e) => assert!(!e.to_string().contains(secret), "{e}"),
                Ok(()) => panic!("{expression:?} should fail"),
            }
        }
    }

    /// Nesting up to the cap works; past it is a typed error, not a stack overflow.
    #[test]
    fn caps_nesting_depth() {
        let n = &[("#p", "points")][..];
        // Each group holds a comparison beside the next group (a group holding only a group
        // is redundant, which DynamoDB rejects).
        let nested = |depth: usize| {
            format!(
                "{}#p = :a{}",
                "(#p = :a AND ".repeat(depth),
                ")".repeat(depth)
            )
        };
        accepts(&nested(MAX_DEPTH), n, &[":a"]);
        refuses(
            &nested(MAX_DEPTH + 1),
            n,
            &[":a"],
            &format!("parentheses and NOT are nested more than {MAX_DEPTH} levels deep"),
        );
        accepts(&format!("{}#p = :a", "NOT ".repeat(MAX_DEPTH)), n, &[":a"]);
        reason(
            &format!("{}#p = :a", "NOT ".repeat(MAX_DEPTH + 1)),
            n,
            &[":a"],
        );
        // As deep as the length limit allows: still a clean error.
        reason(&"(".repeat(MAX_LEN), n, &[":a"]);
        reason(&"NOT ".repeat(MAX_LEN / 4), n, &[":a"]);
        reason(
            &format!("{}#p = :a", "(NOT ".repeat(MAX_LEN / 6)),
            n,
            &[":a"],
        );
    }

    /// The 4 KB limit, and long but flat conditions within it.
    #[test]
    fn limits_length() {
        let n = &[("#p", "points")][..];
        let clause = "#p = :a";
        let mut long = clause.to_owned();
        while long.len() + 4 + clause.len() <= MAX_LEN {
            long.push_str(" OR ");
            long.push_str(clause);
        }
        accepts(&long, n, &[":a"]);
        long.push_str(" OR ");
        long.push_str(clause);
        let Err(Error::InvalidInput(e)) = check(&long, &names(n), &values(&[":a"])) else {
            panic!("too long")
        };
        assert_eq!(e.kind(), InvalidInputKind::ExpressionTooLarge);
        assert_eq!(
            e.message(),
            format!(
                "invalid raw condition: the expression is {} bytes long; DynamoDB allows at most \
                 4096",
                long.len()
            )
        );
        reason(&"x".repeat(1 << 20), &[], &[]);
        let path = format!("#p{} = :a", "[0]".repeat(1000));
        accepts(&path, n, &[":a"]);
    }

    /// IN takes 1 to 100 operands.
    #[test]
    fn limits_in_lists() {
        let list = |k: usize| {
            let placeholders: Vec<String> = (0..k).map(|i| format!(":a{i}")).collect();
            let text = format!("#p IN ({})", placeholders.join(", "));
            let v = placeholders
                .into_iter()
                .map(|p| (p, Value::encode(&1)))
                .collect::<Vec<_>>();
            check(&text, &names(&[("#p", "points")]), &v)
        };
        assert!(list(1).is_ok());
        assert!(list(MAX_IN).is_ok());
        assert!(refused(&list(MAX_IN + 1)));
    }

    /// Empty or blank text is an error.
    #[test]
    fn rejects_empty() {
        refuses("", &[], &[], "the expression is empty");
        refuses(" \n\t ", &[], &[], "the expression is empty");
    }

    /// Non-ASCII text never panics (byte offsets are never used to slice inside a character)
    /// and is rejected, with the position.
    #[test]
    fn rejects_unicode() {
        for expression in [
            "#p = :a AND ü",
            "ü",
            "#p = :ä",
            "#pé = :a",
            "日本 = :a",
            "#p = :a\u{FEFF}",
        ] {
            reason(expression, &[("#p", "points")], &[":a"]);
        }
        refuses(
            "#p = :a AND é = :a",
            &[("#p", "points")],
            &[":a"],
            "unexpected character at byte 12 (only placeholders, attribute names, keywords, \
             functions, comparators, `+`, `-`, `(`, `)`, `[`, `]`, `,` and `.` are allowed)",
        );
        // A Unicode attribute behind a placeholder is fine: only the text is restricted.
        accepts("#p = :a", &[("#p", "pünkte")], &[":a"]);
    }

    /// The reserved-word table must be sorted and unique for the binary search to be right.
    #[test]
    fn reserved_words_are_sorted_upper_case() {
        assert!(RESERVED.windows(2).all(|w| w[0] < w[1]));
        assert!(
            RESERVED
                .iter()
                .all(|w| w.bytes().all(|b| b.is_ascii_uppercase()))
        );
        assert!(is_reserved("status") && is_reserved("ZONE") && is_reserved("abort"));
        assert!(!is_reserved("points") && !is_reserved("zones") && !is_reserved(""));
    }

    /// Placeholders of a generated valid condition (drawn from small pools).
    const POOL_NAMES: [&str; 3] = ["#a", "#b", "#c"];
    /// Value placeholders of a generated valid condition.
    const POOL_VALUES: [&str; 3] = [":x", ":y", ":z"];

    /// A strategy for valid conditions (text only): checks the parser against the grammar
    /// rather than against hand-picked cases.
    fn valid_condition() -> impl Strategy<Value = String> {
        let name = prop::sample::select(POOL_NAMES.to_vec());
        let value = prop::sample::select(POOL_VALUES.to_vec());
        let cmp = prop::sample::select(vec!["=", "<>", "<", "<=", ">", ">="]);
        let leaf = prop_oneof![
            (name.clone(), cmp, value.clone()).prop_map(|(n, c, v)| format!("{n} {c} {v}")),
            (name.clone(), value.clone())
                .prop_map(|(n, v)| format!("size({n}) between {v} and :lo")),
            (name.clone(), value.clone()).prop_map(|(n, v)| format!("{n}.k[1] IN ({v}, :lo)")),
            name.clone().prop_map(|n| format!("attribute_exists({n})")),
            name.clone()
                .prop_map(|n| format!("attribute_not_exists({n}[0])")),
            (name.clone(), value.clone()).prop_map(|(n, v)| format!("begins_with({n}, {v})")),
            (name, value).prop_map(|(n, v)| format!("contains({n}, {v})")),
        ];
        leaf.prop_recursive(6, 48, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} AND {b}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
                inner.clone().prop_map(|a| format!("NOT ({a})")),
                inner.prop_map(|a| format!("({a}) AND #a = :x")),
            ]
        })
    }

    /// Declares exactly the pool placeholders `text` uses, as a caller would.
    fn declare(text: &str) -> Declared {
        // Used as a whole token: not followed by another word character (`#a` in `#ab`).
        let used = |p: &str| {
            text.match_indices(p)
                .any(|(i, _)| !text[i + p.len()..].bytes().next().is_some_and(is_word))
        };
        let n = POOL_NAMES
            .into_iter()
            .filter(|p| used(p))
            .map(|p| (p.to_owned(), format!("attr{}", &p[1..])))
            .collect();
        let v = POOL_VALUES
            .into_iter()
            .chain([":lo"])
            .filter(|p| used(p))
            .map(|p| (p.to_owned(), Value::encode(&"v")))
            .collect();
        (n, v)
    }

    proptest! {
        /// Arbitrary text never panics, and whatever is accepted has balanced parentheses.
        #[test]
        fn random_text_never_panics(text in "\\PC{0,200}") {
            if check(&text, &[], &[]).is_ok() {
                prop_assert_eq!(text.matches('(').count(), text.matches(')').count());
            }
        }

        /// Text made of the grammar's own pieces never panics, and accepted text is balanced.
        #[test]
        fn grammar_soup_never_panics(
            parts in prop::collection::vec(
                prop::sample::select(vec![
                    "#a", "#b", ":x", ":y", ":va", "#n0", "(", ")", "[", "]", "0", ",", ".",
                    "=", "<>", "<", ">=", " AND ", " OR ", "NOT ", " BETWEEN ", " IN ",
                    "size", "contains", "attribute_exists", "begins_with", "x", "status", " ",
                ]),
                0..40,
            )
        ) {
            let text = parts.concat();
            let (n, v) = declare(&text);
            if check(&text, &n, &v).is_ok() {
                prop_assert_eq!(text.matches('(').count(), text.matches(')').count());
            }
        }

        /// Every condition the grammar generates is accepted, and so is its wrapped form.
        #[test]
        fn generated_conditions_are_accepted(text in valid_condition()) {
            let (n, v) = declare(&text);
            if text.len() <= MAX_LEN {
                prop_assert!(check(&text, &n, &v).is_ok(), "{text}: {:?}", check(&text, &n, &v));
                // Wrapped once more it is still one condition, unless that makes a group
                // of a group (redundant parentheses, which DynamoDB rejects).
                let wrapped = format!("({text})");
                let redundant = text.starts_with('(') && without_enclosing_parentheses(&text) != text;
                prop_assert_eq!(check(&wrapped, &n, &v).is_ok(), !redundant, "{}", wrapped);
                // Appending an unbalanced `)` always fails.
                let escaping = format!("{text}) OR (#a = :x");
                prop_assert!(check(&escaping, &n, &v).is_err(), "{}", escaping);
            }
        }
    }
}
