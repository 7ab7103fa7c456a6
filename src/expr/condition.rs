//! [`Condition`]: a typed condition expression (for conditional writes, and filters).

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use super::{Placeholders, Value};
use crate::{Error, InvalidInputKind};

/// A condition on items of entity `E`, built from [`Attr`](super::Attr) handles and combined
/// with [`and`](Condition::and), [`or`](Condition::or) and `!`.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// # #[dynamo(table = App, pk = "TASK#{id}", sk = "TASK")]
/// # pub struct Task { id: String, status: String, points: u32, owner: Option<String> }
/// let a = Task::attrs();
/// let open_and_small = a.status.is_in(["open", "review"]).and(a.points.between(1, 5));
/// let unowned = !a.owner.exists();
/// let either = open_and_small.or(unowned);
/// # drop(either);
/// ```
pub struct Condition<E> {
    node: Node,
    entity: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for Condition<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values are left out: they may be personal data.
        let mut p = Placeholders::default();
        let mut text = String::new();
        match self.node.render(&mut p, &mut text) {
            Ok(()) => f.debug_tuple("Condition").field(&text).finish(),
            Err(_) => f.write_str("Condition(<unencodable value>)"),
        }
    }
}

impl<E> Clone for Condition<E> {
    fn clone(&self) -> Self {
        Self::new(self.node.clone())
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => " = ",
            CmpOp::Ne => " <> ",
            CmpOp::Lt => " < ",
            CmpOp::Le => " <= ",
            CmpOp::Gt => " > ",
            CmpOp::Ge => " >= ",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Path(&'static str),
    /// An element inside an attribute (`counts.heart`), or an attribute read off an item.
    Nested(Box<super::Path>),
    Size(&'static str),
    Value(Value),
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Compare(Operand, CmpOp, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    BeginsWith(&'static str, Value),
    Contains(&'static str, Value),
    Exists(&'static str, bool),
    /// `attribute_exists`/`attribute_not_exists` of an element inside an attribute.
    NestedExists(Box<super::Path>, bool),
    /// `#attr = :value` where both come from the library (key and discriminator guards).
    Equals(&'static str, AttributeValue),
    /// `#attr = :value` for an attribute read off a stored item (migration guards: the item
    /// is still as read).
    Stored(std::borrow::Cow<'static, str>, AttributeValue),
    /// `#discriminator = :type`: the entity-type guard, built without a value to clone.
    IsType(&'static str, &'static str),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Raw {
        expression: String,
        names: Vec<(String, String)>,
        values: Vec<(String, Value)>,
    },
}

impl Node {
    /// Calls `f` with each top-level attribute the condition reads (a raw expression's are
    /// parsed from its paths: `#m.#k` reads `#m`'s attribute, a plain name itself).
    pub(crate) fn attributes(&self, f: &mut dyn FnMut(&str)) {
        let operand = |o: &Operand, f: &mut dyn FnMut(&str)| match o {
            Operand::Path(a) | Operand::Size(a) => f(a),
            Operand::Nested(path) => f(path.attribute()),
            Operand::Value(_) => {}
        };
        match self {
            Node::Compare(a, _, b) => {
                operand(a, f);
                operand(b, f);
            }
            Node::Between(a, b, c) => {
                for o in [a, b, c] {
                    operand(o, f);
                }
            }
            Node::In(a, list) => {
                operand(a, f);
                list.iter().for_each(|o| operand(o, f));
            }
            Node::BeginsWith(a, _) | Node::Contains(a, _) | Node::Exists(a, _) => f(a),
            Node::Equals(a, _) | Node::IsType(a, _) => f(a),
            Node::NestedExists(path, _) => f(path.attribute()),
            Node::Stored(a, _) => f(a),
            Node::And(a, b) | Node::Or(a, b) => {
                a.attributes(f);
                b.attributes(f);
            }
            Node::Not(a) => a.attributes(f),
            Node::Raw {
                expression,
                names,
                values,
            } => super::raw::roots(expression, names, values)
                .iter()
                .for_each(|name| f(name)),
        }
    }
}

impl<E> Condition<E> {
    pub(crate) fn new(node: Node) -> Self {
        Self {
            node,
            entity: PhantomData,
        }
    }

    pub(crate) fn into_node(self) -> Node {
        self.node
    }

    /// Both conditions hold.
    pub fn and(self, other: Condition<E>) -> Condition<E> {
        Self::new(Node::And(Box::new(self.node), Box::new(other.node)))
    }

    /// At least one condition holds.
    pub fn or(self, other: Condition<E>) -> Condition<E> {
        Self::new(Node::Or(Box::new(self.node), Box::new(other.node)))
    }

    /// The escape hatch: a condition written as DynamoDB expression text, with its own
    /// placeholders. Name placeholders must start with `#` and value placeholders with `:`,
    /// but not `#n`/`:v` followed only by digits (`#n0`, `:v1`), which the library uses.
    ///
    /// The text is parsed (DynamoDB's condition grammar: comparisons, `BETWEEN`, `IN`, the
    /// functions, `AND`/`OR`/`NOT`, parentheses) before anything is sent. It must be exactly
    /// one condition — `x) OR (y` is refused, so it can never regroup the library's own
    /// guards — and use exactly the placeholders it declares. Anything else is an
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) of kind
    /// [`RawExpression`](crate::InvalidInputKind::RawExpression) from `send`, with nothing
    /// sent.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "TASK#{id}", sk = "TASK")]
    /// # pub struct Task { id: String, points: u32 }
    /// # async fn run(db: dynamorm::Db<App>) {
    /// use dynamorm::{Condition, Error, InvalidInputKind};
    /// let escape: Condition<Task> =
    ///     Condition::raw("attribute_exists(#p)) OR (attribute_not_exists(#p)").name("#p", "points");
    /// let task = Task { id: "t1".into(), points: 1 };
    /// let err = db.put(&task).condition(escape).send().await.unwrap_err();
    /// assert!(matches!(err, Error::InvalidInput(e) if e.kind() == InvalidInputKind::RawExpression));
    /// # }
    /// ```
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
    /// # #[derive(Serialize, Deserialize, dynamorm::Entity)]
    /// # #[dynamo(table = App, pk = "TASK#{id}", sk = "TASK")]
    /// # pub struct Task { id: String, points: u32 }
    /// use dynamorm::Condition;
    /// let c: Condition<Task> = Condition::raw("#p > :min")
    ///     .name("#p", "points")
    ///     .value(":min", &3u32);
    /// # drop(c);
    /// ```
    pub fn raw(expression: impl Into<String>) -> Self {
        Self::new(Node::Raw {
            expression: expression.into(),
            names: Vec::new(),
            values: Vec::new(),
        })
    }

    /// Declares a name placeholder of a [`Condition::raw`] expression.
    pub fn name(mut self, placeholder: impl Into<String>, attribute: impl Into<String>) -> Self {
        if let Node::Raw { names, .. } = &mut self.node {
            names.push((placeholder.into(), attribute.into()));
        }
        self
    }

    /// Declares a value placeholder of a [`Condition::raw`] expression.
    pub fn value<V: serde::Serialize + ?Sized>(
        mut self,
        placeholder: impl Into<String>,
        value: &V,
    ) -> Self {
        if let Node::Raw { values, .. } = &mut self.node {
            values.push((placeholder.into(), Value::encode(value)));
        }
        self
    }
}

impl<E> std::ops::Not for Condition<E> {
    type Output = Condition<E>;
    fn not(self) -> Condition<E> {
        Self::new(Node::Not(Box::new(self.node)))
    }
}

/// `size(attr)` of an attribute, to compare with a number.
pub struct Size<E> {
    name: &'static str,
    entity: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for Size<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Size").field(&self.name).finish()
    }
}

impl<E> Size<E> {
    pub(crate) fn new(name: &'static str) -> Self {
        Self {
            name,
            entity: PhantomData,
        }
    }

    fn compare(&self, op: CmpOp, n: usize) -> Condition<E> {
        Condition::new(Node::Compare(
            Operand::Size(self.name),
            op,
            Operand::Value(Value::raw(AttributeValue::N(n.to_string()))),
        ))
    }

    /// `size(attr) = n`.
    pub fn eq(&self, n: usize) -> Condition<E> {
        self.compare(CmpOp::Eq, n)
    }
    /// `size(attr) < n`.
    pub fn lt(&self, n: usize) -> Condition<E> {
        self.compare(CmpOp::Lt, n)
    }
    /// `size(attr) <= n`.
    pub fn le(&self, n: usize) -> Condition<E> {
        self.compare(CmpOp::Le, n)
    }
    /// `size(attr) > n`.
    pub fn gt(&self, n: usize) -> Condition<E> {
        self.compare(CmpOp::Gt, n)
    }
    /// `size(attr) >= n`.
    pub fn ge(&self, n: usize) -> Condition<E> {
        self.compare(CmpOp::Ge, n)
    }
}

/// `attribute_exists(` or `attribute_not_exists(`.
fn exists_function(exists: bool) -> &'static str {
    if exists {
        "attribute_exists("
    } else {
        "attribute_not_exists("
    }
}

impl Operand {
    fn render(&self, p: &mut Placeholders, out: &mut String) -> Result<(), Error> {
        match self {
            Operand::Path(name) => p.name(name, out),
            Operand::Nested(path) => {
                path.check()?;
                path.render(p, out);
            }
            Operand::Size(name) => {
                out.push_str("size(");
                p.name(name, out);
                out.push(')');
            }
            Operand::Value(v) => p.value(v, out)?,
        }
        Ok(())
    }
}

impl Node {
    /// Renders the expression text, allocating placeholders.
    pub(crate) fn render(&self, p: &mut Placeholders, out: &mut String) -> Result<(), Error> {
        match self {
            Node::Compare(l, op, r) => {
                if let (Operand::Path(a), Operand::Path(b)) = (l, r)
                    && a == b
                {
                    // DynamoDB rejects an operator whose operands are the same attribute.
                    return Err(Error::invalid(
                        InvalidInputKind::InvalidCondition,
                        format!("attribute `{a}` is compared with itself"),
                    ));
                }
                l.render(p, out)?;
                out.push_str(op.symbol());
                r.render(p, out)?;
            }
            Node::Between(x, lo, hi) => {
                if let (Operand::Value(l), Operand::Value(h)) = (lo, hi) {
                    super::check_between(l.get()?, h.get()?)?;
                }
                x.render(p, out)?;
                out.push_str(" BETWEEN ");
                lo.render(p, out)?;
                out.push_str(" AND ");
                hi.render(p, out)?;
            }
            Node::In(x, values) => {
                if values.is_empty() || values.len() > 100 {
                    return Err(Error::invalid(
                        InvalidInputKind::InvalidCondition,
                        format!("IN takes 1 to 100 values, got {}", values.len()),
                    ));
                }
                x.render(p, out)?;
                out.push_str(" IN (");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.render(p, out)?;
                }
                out.push(')');
            }
            Node::BeginsWith(name, v) | Node::Contains(name, v) => {
                out.push_str(if matches!(self, Node::BeginsWith(..)) {
                    "begins_with("
                } else {
                    "contains("
                });
                p.name(name, out);
                out.push_str(", ");
                p.value(v, out)?;
                out.push(')');
            }
            Node::Exists(name, exists) => {
                out.push_str(exists_function(*exists));
                p.name(name, out);
                out.push(')');
            }
            Node::NestedExists(path, exists) => {
                path.check()?;
                out.push_str(exists_function(*exists));
                path.render(p, out);
                out.push(')');
            }
            Node::Equals(name, value) => {
                p.name(name, out);
                out.push_str(" = ");
                p.raw_value(value.clone(), out);
            }
            Node::Stored(name, value) => {
                p.name(name, out);
                out.push_str(" = ");
                p.raw_value(value.clone(), out);
            }
            Node::IsType(discriminator, name) => {
                p.name(discriminator, out);
                out.push_str(" = ");
                p.raw_value(AttributeValue::S((*name).to_owned()), out);
            }
            Node::And(a, b) | Node::Or(a, b) => {
                out.push('(');
                a.render(p, out)?;
                out.push_str(if matches!(self, Node::And(..)) {
                    ") AND ("
                } else {
                    ") OR ("
                });
                b.render(p, out)?;
                out.push(')');
            }
            Node::Not(a) => {
                out.push_str("NOT (");
                a.render(p, out)?;
                out.push(')');
            }
            Node::Raw {
                expression,
                names,
                values,
            } => {
                // Parsed first: text that is not exactly one condition over its own declared
                // placeholders (`x) OR (y`, `#n0`) could regroup or read the library's guards.
                super::raw::check(expression, names, values)?;
                p.add_raw(names, values)?;
                // No parentheses of its own: a checked condition is one whole expression, and
                // `AND`/`OR`/`NOT` already parenthesise their operands (DynamoDB rejects
                // `((…))` as redundant, so the text's own enclosing pair goes too).
                out.push_str(super::raw::without_enclosing_parentheses(expression));
            }
        }
        Ok(())
    }
}

/// Renders a condition into expression text, allocating its placeholders in `p`.
pub(crate) fn render_condition(node: &Node, p: &mut Placeholders) -> Result<String, Error> {
    // Sized for a guard and a short condition, so it is rarely regrown.
    let mut text = String::with_capacity(64);
    node.render(p, &mut text)?;
    Ok(text)
}
