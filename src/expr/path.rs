//! Document paths: an attribute, or an element inside one (`counts.heart`, `tags[2]`), and
//! [`AttrPath`], their typed handle for updates and conditions.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;

use super::attr::Attr;
use super::placeholders::Placeholders;
use super::value::Value;
use crate::{Error, InvalidInputKind};

/// An attribute name: static for declared fields, owned for attributes read off an item.
pub(crate) type Name = std::borrow::Cow<'static, str>;

/// DynamoDB's limit on the depth of a document path.
const MAX_DEPTH: usize = 32;

/// Where an action writes: a top-level attribute, or an element inside it. Public only
/// so [`UpdateTarget`] can name it; not API.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    root: Name,
    steps: Vec<Step>,
}

/// One step into a document: a map key (any text, sent as a name placeholder so it cannot
/// change the expression) or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

impl Path {
    /// The top-level attribute the path is in.
    pub(crate) fn attribute(&self) -> &str {
        &self.root
    }

    /// The attribute as a static name, when the path is exactly a declared attribute.
    pub(crate) fn as_static(&self) -> Option<&'static str> {
        match (&self.root, self.steps.is_empty()) {
            (Name::Borrowed(name), true) => Some(name),
            _ => None,
        }
    }

    /// Whether the path is inside an attribute rather than the attribute itself.
    pub(crate) fn is_nested(&self) -> bool {
        !self.steps.is_empty()
    }

    /// Whether one path contains the other (DynamoDB refuses overlapping paths in one
    /// update: `a` and `a.b`, or a path twice).
    pub(crate) fn overlaps(&self, other: &Path) -> bool {
        self.root == other.root && self.steps.iter().zip(&other.steps).all(|(a, b)| a == b)
    }

    pub(crate) fn push(&self, step: Step) -> Path {
        let mut steps = self.steps.clone();
        steps.push(step);
        Path {
            root: self.root.clone(),
            steps,
        }
    }

    /// Refuses what DynamoDB would: an empty map key, a path deeper than 32 levels.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.steps.len() >= MAX_DEPTH {
            return Err(Error::invalid(
                InvalidInputKind::InvalidPath,
                format!("the path `{self}` is deeper than DynamoDB's {MAX_DEPTH} levels"),
            ));
        }
        if self
            .steps
            .iter()
            .any(|s| matches!(s, Step::Key(k) if k.is_empty()))
        {
            return Err(Error::invalid(
                InvalidInputKind::InvalidPath,
                format!("the path `{self}` has an empty map key, which DynamoDB cannot address"),
            ));
        }
        Ok(())
    }

    /// `#n0.#n1[2]`: every name a placeholder, indexes as numbers.
    pub(crate) fn render(&self, p: &mut Placeholders, out: &mut String) {
        p.name(&self.root, out);
        for step in &self.steps {
            match step {
                Step::Key(key) => {
                    out.push('.');
                    p.name(key, out);
                }
                Step::Index(i) => {
                    out.push('[');
                    out.push_str(itoa::Buffer::new().format(*i));
                    out.push(']');
                }
            }
        }
    }
}

/// The path as error messages show it: the attribute name, then `.*` for each map key (a
/// map key can be data, e.g. a map keyed by e-mail address) and `[i]` for each list index.
impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.root)?;
        for step in &self.steps {
            match step {
                Step::Key(_) => f.write_str(".*")?,
                Step::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

impl From<&'static str> for Path {
    fn from(name: &'static str) -> Self {
        Path {
            root: Name::Borrowed(name),
            steps: Vec::new(),
        }
    }
}

impl From<String> for Path {
    fn from(name: String) -> Self {
        Path {
            root: Name::Owned(name),
            steps: Vec::new(),
        }
    }
}

impl From<Name> for Path {
    fn from(root: Name) -> Self {
        Path {
            root,
            steps: Vec::new(),
        }
    }
}

impl PartialEq<str> for Path {
    fn eq(&self, other: &str) -> bool {
        self.steps.is_empty() && self.root == other
    }
}

impl PartialEq<&str> for Path {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

/// A typed handle to an element inside an attribute of entity `E` holding a `T`: a map
/// value (`a.reaction_counts.key("heart")`) or a list element (`a.tags.at(0)`), nested as
/// deep as the data. Updates take it where they take an [`Attr`]; conditions compare it.
///
/// ```
/// # use std::collections::HashMap;
/// # use serde::{Deserialize, Serialize};
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// #[dynamo(table = App, pk = "POST#{id}", sk = "POST")]
/// pub struct Post { id: String, reaction_counts: HashMap<String, u64>, tags: Vec<String> }
///
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// let a = Post::attrs();
/// // `ADD reaction_counts.#heart :one`, the key sent as a name placeholder.
/// db.update(PostKey { id: "p1".into() })
///     .add(a.reaction_counts.key("heart"), 1)
///     .set(a.tags.at(0), "pinned")
///     .condition(a.reaction_counts.key("heart").lt(1_000))
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
pub struct AttrPath<E, T> {
    pub(crate) path: Path,
    marker: PhantomData<fn() -> (E, T)>,
}

impl<E, T> fmt::Debug for AttrPath<E, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AttrPath")
            .field(&self.path.to_string())
            .finish()
    }
}

impl<E, T> Clone for AttrPath<E, T> {
    fn clone(&self) -> Self {
        AttrPath {
            path: self.path.clone(),
            marker: PhantomData,
        }
    }
}

impl<E, T> AttrPath<E, T> {
    fn step<U>(&self, step: Step) -> AttrPath<E, U> {
        AttrPath {
            path: self.path.push(step),
            marker: PhantomData,
        }
    }
}

/// Values that hold elements by text key (`HashMap<String, V>`, `BTreeMap<String, V>`, and
/// `Option`s of them).
pub trait Keyed {
    /// The element type.
    type Value;
}
impl<V, S> Keyed for HashMap<String, V, S> {
    type Value = V;
}
impl<V> Keyed for BTreeMap<String, V> {
    type Value = V;
}
impl<M: Keyed> Keyed for Option<M> {
    type Value = M::Value;
}

/// Values that hold elements by position (`Vec<V>`, and `Option`s of it).
pub trait Indexed {
    /// The element type.
    type Value;
}
impl<V> Indexed for Vec<V> {
    type Value = V;
}
impl<L: Indexed> Indexed for Option<L> {
    type Value = L::Value;
}

impl<E, T: Keyed, K> Attr<E, T, K> {
    /// The value under `key` in this map attribute.
    pub fn key(&self, key: impl Into<String>) -> AttrPath<E, T::Value> {
        AttrPath {
            path: Path::from(self.name()).push(Step::Key(key.into())),
            marker: PhantomData,
        }
    }
}

impl<E, T: Indexed, K> Attr<E, T, K> {
    /// The element at `index` of this list attribute.
    pub fn at(&self, index: usize) -> AttrPath<E, T::Value> {
        AttrPath {
            path: Path::from(self.name()).push(Step::Index(index)),
            marker: PhantomData,
        }
    }
}

impl<E, T: Keyed> AttrPath<E, T> {
    /// The value under `key` in this map.
    pub fn key(&self, key: impl Into<String>) -> AttrPath<E, T::Value> {
        self.step(Step::Key(key.into()))
    }
}

impl<E, T: Indexed> AttrPath<E, T> {
    /// The element at `index` of this list.
    pub fn at(&self, index: usize) -> AttrPath<E, T::Value> {
        self.step(Step::Index(index))
    }
}

/// What an update can write: a settable [`Attr`] or an [`AttrPath`] inside one. Primary-key
/// fields are not targets (changing a key is a new item: put it and delete the old one).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be written by an update",
    note = "primary-key fields are fixed: put the entity under its new key and delete the old one"
)]
pub trait UpdateTarget<E>: sealed::Sealed {
    /// The type of the value written there.
    type Value;
    #[doc(hidden)]
    fn target_path(&self) -> Path;
    #[doc(hidden)]
    fn encode(&self, value: &Self::Value) -> Value
    where
        Self::Value: Serialize;
}

impl<E, T> UpdateTarget<E> for Attr<E, T, super::Settable> {
    type Value = T;
    fn target_path(&self) -> Path {
        Path::from(self.name())
    }
    fn encode(&self, value: &T) -> Value
    where
        T: Serialize,
    {
        self.value(value)
    }
}

impl<E, T> UpdateTarget<E> for AttrPath<E, T> {
    type Value = T;
    fn target_path(&self) -> Path {
        self.path.clone()
    }
    fn encode(&self, value: &T) -> Value
    where
        T: Serialize,
    {
        Value::encode(value)
    }
}

/// What an update can remove: an optional attribute (so the item still decodes) or an
/// element inside an attribute.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be removed",
    note = "only `Option` fields (and elements inside maps and lists) can be removed, so the stored item still decodes"
)]
pub trait Removable<E>: sealed::Sealed {
    #[doc(hidden)]
    fn removed_path(&self) -> Path;
}

impl<E, T> Removable<E> for Attr<E, Option<T>, super::Settable> {
    fn removed_path(&self) -> Path {
        Path::from(self.name())
    }
}

impl<E, T> Removable<E> for AttrPath<E, T> {
    fn removed_path(&self) -> Path {
        self.path.clone()
    }
}

mod sealed {
    pub trait Sealed {}
    impl<E, T, K> Sealed for super::Attr<E, T, K> {}
    impl<E, T> Sealed for super::AttrPath<E, T> {}
}
