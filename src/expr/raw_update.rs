//! [`RawUpdate`]: an update action written as DynamoDB expression text, parsed into the
//! library's own actions before anything is sent.
//!
//! Why parse rather than paste: the text is not sent as written. Each `SET`, `REMOVE`, `ADD`
//! and `DELETE` action becomes an action of the typed pipeline, with the user's
//! placeholders resolved to names and values and rendered again with the library's own. So
//! raw text cannot read or overwrite the library's placeholders, cannot write a path twice
//! or overlap a typed action, goes through the same checks as typed actions (key fields
//! re-render their index keys or are refused, lifecycle attributes are refused), and cannot
//! touch an attribute the entity does not declare (table keys, index keys, the
//! discriminator). A whole-field `SET` from a value is checked to decode as the field's
//! type, so the stored item keeps decoding.
//!
//! Grammar (keywords case-insensitive, functions case-sensitive, as in DynamoDB):
//!
//! ```text
//! update   := clause+                      -- each keyword at most once
//! clause   := SET set ("," set)* | REMOVE path ("," path)*
//!           | ADD path :value ("," path :value)* | DELETE path :value ("," path :value)*
//! set      := path "=" operand (("+" | "-") operand)?
//! operand  := path | :value | if_not_exists "(" path "," operand ")"
//!           | list_append "(" operand "," operand ")"
//! ```

use std::marker::PhantomData;

use super::path::{Path, Step};
use super::raw::{self, Parser, Segment, Tok};
use super::update::{Action, SetExpr, SetOperand};
use super::{Name, Value};
use crate::Error;

/// Deepest nesting of `if_not_exists`/`list_append` (the parser recurses once per level).
const MAX_DEPTH: usize = 32;

/// An update written as DynamoDB expression text, for what the typed actions do not cover:
/// `db.update(key).raw(RawUpdate::new("SET #a = #b + :n").name(..).value(..))`.
///
/// It is parsed when added to an update (see the grammar in the module docs); anything it
/// cannot prove safe is an [`Error::InvalidInput`](crate::Error::InvalidInput) from `send`
/// (kind [`RawExpression`](crate::InvalidInputKind::RawExpression)), with nothing sent: an
/// undeclared, unused or library-shaped placeholder (`#n0`, `:v0`), a keyword twice, a path
/// outside the entity's declared fields (table and index keys, the discriminator), a
/// lifecycle field, an action that overlaps another, a whole-field `SET` whose value does
/// not decode as the field's type. Arithmetic written raw has no range guard (a typed
/// [`add`](crate::Update::add) has one).
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// #[dynamo(table = App, pk = "TASK#{id}", sk = "TASK")]
/// pub struct Task { id: String, points: u32, best: u32, history: Vec<u32> }
///
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// use dynamorm::RawUpdate;
/// let raw = RawUpdate::new("SET #best = #points + :bonus, #h = list_append(:new, #h)")
///     .name("#best", "best")
///     .name("#points", "points")
///     .name("#h", "history")
///     .value(":bonus", &5u32)
///     .value(":new", &vec![1u32]);
/// db.update(TaskKey { id: "t1".into() }).raw(raw).send().await?;
/// # Ok(()) }
/// ```
pub struct RawUpdate<E> {
    expression: String,
    names: Vec<(String, String)>,
    values: Vec<(String, Value)>,
    entity: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for RawUpdate<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values are left out: they may be personal data.
        f.debug_struct("RawUpdate")
            .field("expression", &self.expression)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

impl<E> RawUpdate<E> {
    /// The expression text, with its own `#name` and `:value` placeholders.
    pub fn new(expression: impl Into<String>) -> Self {
        RawUpdate {
            expression: expression.into(),
            names: Vec::new(),
            values: Vec::new(),
            entity: PhantomData,
        }
    }

    /// Declares a name placeholder.
    pub fn name(mut self, placeholder: impl Into<String>, attribute: impl Into<String>) -> Self {
        self.names.push((placeholder.into(), attribute.into()));
        self
    }

    /// Declares a value placeholder.
    pub fn value<V: serde::Serialize + ?Sized>(
        mut self,
        placeholder: impl Into<String>,
        value: &V,
    ) -> Self {
        self.values.push((placeholder.into(), Value::encode(value)));
        self
    }

    /// The actions, parsed and checked against the grammar and the declarations.
    pub(crate) fn into_actions(self) -> Result<Vec<Action>, Error> {
        parse(&self.expression, &self.names, &self.values).map_err(|e| match e {
            Error::InvalidInput(mut e) => {
                e.map_message(|m| m.replacen("invalid raw condition", "invalid raw update", 1));
                Error::InvalidInput(e)
            }
            other => other,
        })
    }
}

fn parse(
    expression: &str,
    names: &[(String, String)],
    values: &[(String, Value)],
) -> Result<Vec<Action>, Error> {
    if expression.bytes().all(|b| b.is_ascii_whitespace()) {
        return Err(raw::invalid("the expression is empty".into()));
    }
    if expression.len() > 4096 {
        return Err(raw::too_long(expression.len(), 4096));
    }
    let mut parser = Parser::new(expression, names, values)?;
    let mut actions = Vec::new();
    let mut seen: Vec<&'static str> = Vec::new();
    while parser.peek().is_some() {
        let keyword = ["SET", "REMOVE", "ADD", "DELETE"]
            .into_iter()
            .find(|k| parser.keyword(k))
            .ok_or_else(|| parser.unexpected("SET, REMOVE, ADD or DELETE"))?;
        if seen.contains(&keyword) {
            return Err(raw::invalid(format!(
                "`{keyword}` appears twice (DynamoDB allows each clause once)"
            )));
        }
        seen.push(keyword);
        loop {
            actions.push(match keyword {
                "SET" => parser.set_action()?,
                "REMOVE" => Action::Remove(parser.update_path()?),
                "ADD" => {
                    let path = parser.update_path()?;
                    Action::Add(path, set_or_number(parser.update_value()?, true)?)
                }
                _ => {
                    let path = parser.update_path()?;
                    Action::Delete(path, set_or_number(parser.update_value()?, false)?)
                }
            });
            if parser.peek().map(|t| t.kind) != Some(Tok::Comma) {
                break;
            }
            parser.pos += 1;
        }
    }
    parser.check_all_used()?;
    Ok(actions)
}

/// DynamoDB's `ADD` takes a number or a set, `DELETE` a set: anything else is refused here
/// rather than by the server. (A value that did not encode is reported with the request.)
fn set_or_number(value: Value, number: bool) -> Result<Value, Error> {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    match value.get() {
        Ok(V::Ss(_) | V::Ns(_) | V::Bs(_)) | Err(_) => Ok(value),
        Ok(V::N(_)) if number => Ok(value),
        Ok(_) => Err(raw::invalid(if number {
            "ADD takes a number or a set (declare a set with `serde_dynamo::string_set` or \
             the like)"
                .into()
        } else {
            "DELETE takes a set (declare it with `serde_dynamo::string_set` or the like)".into()
        })),
    }
}

impl<'a, 'd: 'a> Parser<'a, 'd> {
    /// `path "=" operand (("+" | "-") operand)?`, as the typed action it is when it is one.
    fn set_action(&mut self) -> Result<Action, Error> {
        let target = self.update_path()?;
        self.expect(Tok::Compare("="), "`=`")?;
        let left = self.set_operand()?;
        let op = match self.peek().map(|t| t.kind) {
            Some(Tok::Plus) => Some(false),
            Some(Tok::Minus) => Some(true),
            _ => None,
        };
        let Some(negate) = op else {
            return Ok(match left {
                SetOperand::Value(v) => Action::Set(target, v),
                SetOperand::IfNotExists(path, or) if path == target => match *or {
                    SetOperand::Value(v) => Action::SetIfNotExists(target, v),
                    or => Action::SetExpr(
                        target,
                        SetExpr::One(SetOperand::IfNotExists(path, Box::new(or))),
                    ),
                },
                other => Action::SetExpr(target, SetExpr::One(other)),
            });
        };
        self.pos += 1;
        let right = self.set_operand()?;
        Ok(match (left, right) {
            (SetOperand::Path(path), SetOperand::Value(v)) if path == target => {
                Action::Increment(target, v, negate)
            }
            (l, r) if negate => Action::SetExpr(target, SetExpr::Minus(l, r)),
            (l, r) => Action::SetExpr(target, SetExpr::Plus(l, r)),
        })
    }

    /// `path | :value | if_not_exists(path, operand) | list_append(operand, operand)`.
    fn set_operand(&mut self) -> Result<SetOperand, Error> {
        match self.peek().map(|t| t.kind) {
            Some(Tok::Value(_)) => Ok(SetOperand::Value(self.update_value()?)),
            Some(Tok::Word(w)) if self.peek_second() == Some(Tok::Open) => {
                let function = match w {
                    "if_not_exists" => true,
                    "list_append" => false,
                    _ => {
                        let at = self.peek().map_or(self.end, |t| t.at);
                        return Err(raw::invalid(format!(
                            "`{w}` at byte {at} is not an update function (if_not_exists, \
                             list_append; names are case-sensitive)"
                        )));
                    }
                };
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(raw::invalid(format!(
                        "functions are nested more than {MAX_DEPTH} levels deep"
                    )));
                }
                self.pos += 2;
                let operand = if function {
                    let path = self.update_path()?;
                    self.expect(Tok::Comma, "`,`")?;
                    SetOperand::IfNotExists(path, Box::new(self.set_operand()?))
                } else {
                    let a = self.set_operand()?;
                    self.expect(Tok::Comma, "`,`")?;
                    SetOperand::ListAppend(Box::new(a), Box::new(self.set_operand()?))
                };
                self.expect(Tok::Close, "`)`")?;
                self.depth -= 1;
                Ok(operand)
            }
            Some(Tok::Name(_) | Tok::Word(_)) => Ok(SetOperand::Path(self.update_path()?)),
            _ => Err(self
                .unexpected("an attribute, a `:value` placeholder, if_not_exists or list_append")),
        }
    }

    /// A document path, as the library's [`Path`].
    fn update_path(&mut self) -> Result<Path, Error> {
        let segments = self.path()?;
        let mut segments = segments.into_iter();
        let Some(Segment::Key(root)) = segments.next() else {
            return Err(self.unexpected("an attribute"));
        };
        let mut path = Path::from(Name::Owned(root.to_owned()));
        for segment in segments {
            path = path.push(match segment {
                Segment::Key(key) => Step::Key(key.to_owned()),
                // `path()` accepted only digits that fit an `i32`.
                Segment::Index(digits) => Step::Index(digits.parse().unwrap_or(usize::MAX)),
            });
        }
        Ok(path)
    }

    /// A declared `:value`, taken.
    fn update_value(&mut self) -> Result<Value, Error> {
        let i = self.value_placeholder("a `:value` placeholder")?;
        Ok(self.values[i].1.clone())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::InvalidInputKind;
    use crate::expr::{Placeholders, render_actions};

    fn names(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(p, a)| ((*p).to_owned(), (*a).to_owned()))
            .collect()
    }

    /// Numbers, but a string set for placeholders starting `:z` (what `DELETE` takes).
    fn values(placeholders: &[&str]) -> Vec<(String, Value)> {
        use aws_sdk_dynamodb::types::AttributeValue;
        placeholders
            .iter()
            .map(|p| {
                let value = if p.starts_with(":z") {
                    Value::raw(AttributeValue::Ss(vec!["a".into()]))
                } else {
                    Value::encode(&1)
                };
                ((*p).to_owned(), value)
            })
            .collect()
    }

    /// The expression the library sends for `text`, and its names in placeholder order.
    fn rendered(
        text: &str,
        n: &[(&str, &str)],
        v: &[&str],
    ) -> Result<(String, Vec<String>), Error> {
        let actions = parse(text, &names(n), &values(v))?;
        let mut p = Placeholders::default();
        let expression = render_actions(actions, &mut p)?;
        let (sent, _) = p.into_maps();
        let sent = sent.unwrap_or_default();
        let names = (0..sent.len())
            .map(|i| sent[&format!("#n{i}")].clone())
            .collect();
        Ok((expression, names))
    }

    #[test]
    fn every_form_becomes_the_library_s_own_actions() {
        let (expression, sent_names) = rendered(
            "set #a = :x, #b = #b + :y, #c = if_not_exists(#c, :z), #d = list_append(:x2, #d), \
             #e.k[2] = #a - :y2 REMOVE #f[0] add #g :y3 DELETE #h :z2",
            &[
                ("#a", "a"),
                ("#b", "b"),
                ("#c", "c"),
                ("#d", "d"),
                ("#e", "e"),
                ("#f", "f"),
                ("#g", "g"),
                ("#h", "h"),
            ],
            &[":x", ":y", ":z", ":x2", ":y2", ":y3", ":z2"],
        )
        .expect("valid");
        assert_eq!(
            expression,
            "SET #n0 = :v0, #n1 = #n1 + :v1, #n2 = if_not_exists(#n2, :v2), \
             #n3 = list_append(:v3, #n3), #n4.#n5[2] = #n0 - :v4 REMOVE #n6[0] ADD #n7 :v5 DELETE #n8 :v6"
        );
        assert_eq!(sent_names, ["a", "b", "c", "d", "e", "k", "f", "g", "h"]);
    }

    #[test]
    fn refuses_what_it_cannot_prove_safe() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            ("", &[], &[]),
            ("SET #a = :x SET #a = :x", &[("#a", "a")], &[":x"]),
            ("SET #a = :x", &[("#a", "a")], &[]),
            ("SET #a = :x", &[("#a", "a")], &[":x", ":unused"]),
            ("SET #n0 = :x", &[("#n0", "a")], &[":x"]),
            ("SET #a = :v0", &[("#a", "a")], &[":v0"]),
            ("SET #a = :x)", &[("#a", "a")], &[":x"]),
            ("SET #a = :x + :x + :x", &[("#a", "a")], &[":x"]),
            ("SET #a = size(#a)", &[("#a", "a")], &[]),
            ("SET #a = IF_NOT_EXISTS(#a, :x)", &[("#a", "a")], &[":x"]),
            ("SET #a = :x, ", &[("#a", "a")], &[":x"]),
            ("REMOVE", &[], &[]),
            ("ADD #a", &[("#a", "a")], &[]),
            ("DELETE #a #a", &[("#a", "a")], &[]),
            ("DELETE #a :x", &[("#a", "a")], &[":x"]),
            ("UPDATE #a = :x", &[("#a", "a")], &[":x"]),
            ("SET #a = :x; DROP", &[("#a", "a")], &[":x"]),
            ("SET status = :x", &[], &[":x"]),
            ("SET #a[99999999999] = :x", &[("#a", "a")], &[":x"]),
        ];
        for (text, n, v) in cases {
            let result = parse(text, &names(n), &values(v));
            assert!(
                matches!(
                    &result,
                    Err(Error::InvalidInput(e)) if e.kind() == InvalidInputKind::RawExpression
                ),
                "{text:?} was accepted: {result:?}"
            );
        }
        let deep = format!(
            "SET #a = {}:x{}",
            "list_append(:x, ".repeat(40),
            ")".repeat(40)
        );
        assert!(parse(&deep, &names(&[("#a", "a")]), &values(&[":x"])).is_err());
    }

    #[test]
    fn messages_name_the_raw_update() {
        let err = RawUpdate::<()>::new("SET #a = :x")
            .name("#a", "a")
            .into_actions();
        let Err(Error::InvalidInput(e)) = &err else {
            panic!("a raw update refused: {err:?}")
        };
        assert_eq!(e.kind(), InvalidInputKind::RawExpression);
        assert_eq!(
            e.message(),
            "invalid raw update: `:x` at byte 9 is not declared (declare it with `.value(\":x\", …)`)"
        );
    }

    proptest! {
        /// Text made of the grammar's own pieces never panics, and whatever is accepted
        /// renders.
        #[test]
        fn grammar_soup_never_panics(
            parts in prop::collection::vec(
                prop::sample::select(vec![
                    "#a", "#b", ":x", ":y", "#n0", ":v0", "(", ")", "[", "]", "0", ",", ".", "=",
                    "+", "-", "SET ", "REMOVE ", "ADD ", "DELETE ", "if_not_exists", "list_append",
                    "x", "status", " ",
                ]),
                0..40,
            )
        ) {
            let text = parts.concat();
            let n = names(&[("#a", "a"), ("#b", "b")]);
            let v = values(&[":x", ":y"]);
            if let Ok(actions) = parse(&text, &n, &v) {
                let mut p = Placeholders::default();
                prop_assert!(render_actions(actions, &mut p).is_ok(), "{}", text);
            }
        }

        /// Arbitrary text never panics.
        #[test]
        fn random_text_never_panics(text in "\\PC{0,200}") {
            let _ = parse(&text, &[], &[]);
        }
    }
}
