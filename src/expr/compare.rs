//! Conditions on typed attributes: `a.status.eq(Done)`, `a.tags.at(0).exists()` — the
//! comparison methods of [`Attr`] and [`AttrPath`], kept apart from the handles so that
//! the handles know nothing of conditions.

use serde::Serialize;

use super::attr::{Attr, Container, IntoValue, Text};
use super::condition::{CmpOp, Condition, Node, Operand, Size};
use super::path::AttrPath;
use super::value::Value;

impl<E, T, K> Attr<E, T, K> {
    fn node(&self) -> Operand {
        Operand::Path(self.name)
    }

    fn compare(&self, op: CmpOp, value: Value) -> Condition<E> {
        Condition::new(Node::Compare(self.node(), op, Operand::Value(value)))
    }

    /// `attribute_exists(attr)`.
    pub fn exists(&self) -> Condition<E> {
        Condition::new(Node::Exists(self.name, true))
    }

    /// `attribute_not_exists(attr)`.
    pub fn not_exists(&self) -> Condition<E> {
        Condition::new(Node::Exists(self.name, false))
    }

    /// `size(attr)`, to compare: `a.tags.size().ge(3)`.
    pub fn size(&self) -> Size<E> {
        Size::new(self.name)
    }
}

impl<E, T: Serialize, K> Attr<E, T, K> {
    /// `attr = value`.
    pub fn eq(&self, value: impl IntoValue<T>) -> Condition<E> {
        self.compare(CmpOp::Eq, self.value(&value.into_value()))
    }
    /// `attr <> value`.
    pub fn ne(&self, value: impl IntoValue<T>) -> Condition<E> {
        self.compare(CmpOp::Ne, self.value(&value.into_value()))
    }
    /// `attr < value`.
    pub fn lt(&self, value: impl IntoValue<T>) -> Condition<E> {
        self.compare(CmpOp::Lt, self.value(&value.into_value()))
    }
    /// `attr <= value`.
    pub fn le(&self, value: impl IntoValue<T>) -> Condition<E> {
        self.compare(CmpOp::Le, self.value(&value.into_value()))
    }
    /// `attr > value`.
    pub fn gt(&self, value: impl IntoValue<T>) -> Condition<E> {
        self.compare(CmpOp::Gt, self.value(&value.into_value()))
    }
    /// `attr >= value`.
    pub fn ge(&self, value: impl IntoValue<T>) -> Condition<E> {
        self.compare(CmpOp::Ge, self.value(&value.into_value()))
    }
    /// `attr BETWEEN low AND high` (inclusive).
    pub fn between(&self, low: impl IntoValue<T>, high: impl IntoValue<T>) -> Condition<E> {
        Condition::new(Node::Between(
            self.node(),
            Operand::Value(self.value(&low.into_value())),
            Operand::Value(self.value(&high.into_value())),
        ))
    }
    /// `attr IN (v1, v2, …)`; DynamoDB accepts 1 to 100 values.
    pub fn is_in<V: IntoValue<T>>(&self, values: impl IntoIterator<Item = V>) -> Condition<E> {
        Condition::new(Node::In(
            self.node(),
            values
                .into_iter()
                .map(|v| Operand::Value(self.value(&v.into_value())))
                .collect(),
        ))
    }
    /// `attr = other`, comparing two attributes of the same item.
    pub fn eq_attr<K2>(&self, other: Attr<E, T, K2>) -> Condition<E> {
        Condition::new(Node::Compare(self.node(), CmpOp::Eq, other.node()))
    }
}

impl<E, T: Text, K> Attr<E, T, K> {
    /// `begins_with(attr, prefix)`.
    pub fn begins_with(&self, prefix: impl Into<String>) -> Condition<E> {
        Condition::new(Node::BeginsWith(self.name, Value::encode(&prefix.into())))
    }
    /// `contains(attr, substring)`.
    pub fn contains_str(&self, substring: impl Into<String>) -> Condition<E> {
        Condition::new(Node::Contains(self.name, Value::encode(&substring.into())))
    }
}

impl<E, T: Container, K> Attr<E, T, K> {
    /// `contains(attr, element)`: the list or set holds `element`.
    pub fn contains(&self, element: impl IntoValue<T::Element>) -> Condition<E> {
        Condition::new(Node::Contains(
            self.name,
            Value::encode(&element.into_value()),
        ))
    }
}

impl<E, T> AttrPath<E, T> {
    fn compare(&self, op: CmpOp, value: Value) -> Condition<E> {
        Condition::new(Node::Compare(
            Operand::Nested(Box::new(self.path.clone())),
            op,
            Operand::Value(value),
        ))
    }

    /// `attribute_exists(path)`.
    pub fn exists(&self) -> Condition<E> {
        Condition::new(Node::NestedExists(Box::new(self.path.clone()), true))
    }

    /// `attribute_not_exists(path)`.
    pub fn not_exists(&self) -> Condition<E> {
        Condition::new(Node::NestedExists(Box::new(self.path.clone()), false))
    }
}

impl<E, T: Serialize> AttrPath<E, T> {
    /// `path = value`.
    pub fn eq(&self, value: impl IntoValue<T>) -> Condition<E> {
        self.compare(CmpOp::Eq, Value::encode(&value.into_value()))
    }
    /// `path <> value`.
    pub fn ne(&self, value: impl IntoValue<T>) -> Condition<E> {
        self.compare(CmpOp::Ne, Value::encode(&value.into_value()))
    }
    /// `path < value`.
    pub fn lt(&self, value: impl IntoValue<T>) -> Condition<E> {
        self.compare(CmpOp::Lt, Value::encode(&value.into_value()))
    }
    /// `path <= value`.
    pub fn le(&self, value: impl IntoValue<T>) -> Condition<E> {
        self.compare(CmpOp::Le, Value::encode(&value.into_value()))
    }
    /// `path > value`.
    pub fn gt(&self, value: impl IntoValue<T>) -> Condition<E> {
        self.compare(CmpOp::Gt, Value::encode(&value.into_value()))
    }
    /// `path >= value`.
    pub fn ge(&self, value: impl IntoValue<T>) -> Condition<E> {
        self.compare(CmpOp::Ge, Value::encode(&value.into_value()))
    }
}
