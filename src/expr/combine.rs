//! Combinators over condition trees, for composing the library's guards with the caller's
//! conditions. Each keeps its operands grouped: `Node::render` parenthesises both sides of
//! every `AND`/`OR`, so no operand can change another's meaning.

use aws_sdk_dynamodb::types::AttributeValue;

use super::Node;
use super::condition::{CmpOp, Operand};

/// `a AND b`, or `a` alone.
pub(crate) fn and(a: Node, b: Option<Node>) -> Node {
    match b {
        Some(b) => Node::And(Box::new(a), Box::new(b)),
        None => a,
    }
}

/// `existing AND node`, or `node` alone (a builder's `.condition()` called twice).
pub(crate) fn also(existing: Option<Node>, node: Node) -> Node {
    match existing {
        Some(c) => Node::And(Box::new(c), Box::new(node)),
        None => node,
    }
}

/// `a OR b`.
pub(crate) fn or(a: Node, b: Node) -> Node {
    Node::Or(Box::new(a), Box::new(b))
}

/// Every node joined with `AND`, in order; `None` when there are none.
pub(crate) fn all(nodes: impl IntoIterator<Item = Node>) -> Option<Node> {
    nodes
        .into_iter()
        .reduce(|a, b| Node::And(Box::new(a), Box::new(b)))
}

/// `attribute < value`, for a value the library supplies.
pub(crate) fn less_than(attribute: &'static str, value: AttributeValue) -> Node {
    compare(attribute, CmpOp::Lt, value)
}

/// `path <= value`, for a value the library supplies.
pub(crate) fn at_most(path: &super::Path, value: AttributeValue) -> Node {
    compare_path(path, CmpOp::Le, value)
}

/// `path >= value`, for a value the library supplies.
pub(crate) fn at_least(path: &super::Path, value: AttributeValue) -> Node {
    compare_path(path, CmpOp::Ge, value)
}

/// `attribute_not_exists(path)`.
pub(crate) fn absent(path: &super::Path) -> Node {
    match path.as_static() {
        Some(attribute) => Node::Exists(attribute, false),
        None => Node::NestedExists(Box::new(path.clone()), false),
    }
}

fn compare_path(path: &super::Path, op: CmpOp, value: AttributeValue) -> Node {
    let operand = match path.as_static() {
        Some(attribute) => Operand::Path(attribute),
        None => Operand::Nested(Box::new(path.clone())),
    };
    Node::Compare(operand, op, Operand::Value(super::Value::raw(value)))
}

/// `attribute IN (values)`, for values the library supplies (at most 100).
pub(crate) fn one_of(attribute: &'static str, values: Vec<AttributeValue>) -> Node {
    let values = values
        .into_iter()
        .map(|v| Operand::Value(super::Value::raw(v)))
        .collect();
    Node::In(Operand::Path(attribute), values)
}

fn compare(attribute: &'static str, op: CmpOp, value: AttributeValue) -> Node {
    Node::Compare(
        Operand::Path(attribute),
        op,
        Operand::Value(super::Value::raw(value)),
    )
}
