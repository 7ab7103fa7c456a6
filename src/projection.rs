//! Index projections at the type level: which reads an index can answer.
//!
//! A table's index handles carry what the index holds in their type
//! (`Index<App, All<0>>`, `Index<App, KeysOnly<1>>`, `Index<App, Include<2>>`), and every
//! typed read names where it reads from. A read whose results the source cannot carry — a
//! full entity through a keys-only index, a [`Projection`] through an index that leaves one
//! of its fields out — does not compile ([`Reads`]); it is read with
//! [`Query::project`](crate::Query::project) (what the index holds) or
//! [`Query::hydrate`](crate::Query::hydrate) (each result fetched from the table).
//!
//! Whether an entity or projection fits an `INCLUDE` index is decided by a `const fn` over
//! both declarations ([`IndexSchema::carries`](crate::IndexSchema::carries)): the derives
//! of the entity and of the projection write one [`Fits`] impl per index they may be read
//! through, its verdict a type picked by that constant.

use serde::de::DeserializeOwned;

use crate::entity::Entity;

/// A struct of some of an entity's fields, read alone (a `ProjectionExpression` names just
/// them): a card of a task rather than the task. Derived with `#[derive(Projection)]`,
/// which checks at compile time that each field is one of the entity's, with its type and
/// stored name.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// #[derive(dynamorm::Table)]
/// #[dynamo(name = "app", index(GSI1, pk = "GSI1PK", sk = "GSI1SK", projection = include(title)))]
/// pub struct App;
///
/// #[derive(Serialize, Deserialize, dynamorm::Entity)]
/// #[dynamo(table = App, pk = "TASK#{id}", sk = "TASK")]
/// #[dynamo(index(GSI1, pk = "OWNER#{owner}", sk = "TASK#{id}"))]
/// pub struct Task { id: u32, owner: String, title: String, body: String }
///
/// /// What a list of tasks shows: it fits `GSI1`, which holds titles.
/// #[derive(Deserialize, dynamorm::Projection)]
/// #[dynamo(entity = Task, index = GSI1)]
/// pub struct TaskCard { title: String }
///
/// use dynamorm::Projection;
/// assert_eq!(TaskCard::ATTRIBUTES, &["title"]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a projection",
    note = "declare it with `#[derive(dynamorm::Projection)]` and `#[dynamo(entity = ..)]`"
)]
pub trait Projection: DeserializeOwned + Send + 'static {
    /// The entity whose fields these are.
    type Entity: Entity;
    /// The stored names of the fields, as the `ProjectionExpression` names them.
    const ATTRIBUTES: &'static [&'static str];
}

/// The position and projection of an index, in its handle's type.
#[doc(hidden)]
pub trait IndexKind: Send + Sync + 'static {
    /// The index's position among the table's indexes.
    const POSITION: usize;
    /// The source of reads through handle `H`: see [`IndexSource`].
    type Source<H>;
}

macro_rules! kind {
    ($(#[$doc:meta])* $name:ident, $source:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<const N: usize>;

        impl<const N: usize> IndexKind for $name<N> {
            const POSITION: usize = N;
            type Source<H> = $source;
        }
    };
}

kind!(
    /// The handle type's mark of an index projecting `ALL` (the `N`th index of its table):
    /// every read fits it.
    All,
    AllAttributes
);
kind!(
    /// The handle type's mark of a `KEYS_ONLY` index (the `N`th of its table): entities are
    /// read through it with [`Query::hydrate`](crate::Query::hydrate).
    KeysOnly,
    H
);
kind!(
    /// The handle type's mark of an `INCLUDE` index (the `N`th of its table): what fits it
    /// is decided per entity and projection.
    Include,
    H
);

/// Where reads see whole items — the table, an index projecting `ALL`, an index whose
/// results are fetched from the table ([`Query::hydrate`](crate::Query::hydrate)): every
/// result fits. The default source of a [`Query`](crate::Query), so a query through such
/// an index has the same type as one of the table.
#[derive(Debug, Clone, Copy)]
pub struct AllAttributes;

/// What a read through an index handle of type `Self` reads from: [`AllAttributes`] for
/// an `ALL` index, the handle's own type for a narrower one. A helper generic over a
/// multi-attribute key's index (`MultiKey<E, I, S>`) that returns a plain `Query<E>` asks
/// for `I: IndexSource<Source = AllAttributes>`.
pub trait IndexSource {
    /// The source type of the query.
    type Source;
}

// Here rather than beside the handles in `table.rs`: the table's schema knows nothing of
// projections (no module cycle).
impl<Tb, P: IndexKind> crate::Index<Tb, P> {
    /// The index's position among its table's indexes.
    #[doc(hidden)]
    pub const fn position(&self) -> usize {
        P::POSITION
    }
}

impl<Tb, P: IndexKind> crate::MultiIndex<Tb, P> {
    /// The index's position among its table's indexes.
    #[doc(hidden)]
    pub const fn position(&self) -> usize {
        P::POSITION
    }
}

impl<Tb, P: IndexKind> IndexSource for crate::Index<Tb, P> {
    type Source = P::Source<Self>;
}
impl<Tb, P: IndexKind> IndexSource for crate::MultiIndex<Tb, P> {
    type Source = P::Source<Self>;
}

/// Whether reads from `Self` (the table, an index handle type, a hydrated index) can
/// return `T`s: every attribute of a `T` is there.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not hold every attribute of `{T}`",
    label = "the index's projection leaves some of its attributes out",
    note = "read what the index holds with `.project::<P>()` (a `#[derive(Projection)]` struct), \
            or fetch each result from the table with `.hydrate()`"
)]
pub trait Reads<T> {}

impl<T> Reads<T> for AllAttributes {}
impl<Tb, T: Fits<Tb, N>, const N: usize> Reads<T> for crate::Index<Tb, Include<N>> where
    T::Verdict: Fitting<T>
{
}
impl<Tb, T: Fits<Tb, N>, const N: usize> Reads<T> for crate::MultiIndex<Tb, Include<N>> where
    T::Verdict: Fitting<T>
{
}

/// Whether a `Self` (an entity or projection) fits the `N`th index of table `Tb`; written
/// by the derives with a verdict from [`IndexSchema::carries`](crate::IndexSchema::carries).
#[doc(hidden)]
pub trait Fits<Tb, const N: usize> {
    /// [`Fit`] or [`NoFit`].
    type Verdict;
}

/// A constant verdict as a type.
#[doc(hidden)]
#[derive(Debug)]
pub struct Verdict<const FITS: bool>;

/// Picks [`Fit`] or [`NoFit`] for a [`Verdict`].
#[doc(hidden)]
pub trait Pick {
    /// The verdict's type.
    type Out;
}

impl Pick for Verdict<true> {
    type Out = Fit;
}
impl Pick for Verdict<false> {
    type Out = NoFit;
}

/// Every attribute is there.
#[doc(hidden)]
#[derive(Debug)]
pub struct Fit;

/// Some attribute is missing.
#[doc(hidden)]
#[derive(Debug)]
pub struct NoFit;

/// Implemented by [`Fit`] only: the bound that fails, with our message, for a [`NoFit`].
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "the index does not project every attribute of `{T}`",
    label = "the index's projection leaves some of its attributes out",
    note = "read what the index holds with `.project::<P>()` (a `#[derive(Projection)]` struct), \
            or fetch each result from the table with `.hydrate()`"
)]
pub trait Fitting<T> {}

impl<T> Fitting<T> for Fit {}

/// The handle type of each index of a table, by position (written by `#[derive(Table)]`),
/// so a multi-attribute key shape can name its index's type.
#[doc(hidden)]
pub trait IndexAt<const N: usize> {
    /// `Index<Tb, ..>` or `MultiIndex<Tb, ..>`.
    type Handle;
}

/// Whether the `position`th index of table `Tb` holds every one of `attributes` (`false`
/// past its last index): a projection's verdict for each position.
#[doc(hidden)]
pub const fn carries_at<Tb: crate::Table>(position: usize, attributes: &[&str]) -> bool {
    let indexes = Tb::SCHEMA.indexes();
    position < indexes.len() && indexes[position].carries(attributes)
}

/// A field's type, as the projection derive compares it with the entity's.
#[doc(hidden)]
#[derive(Debug)]
pub struct FieldOf<T>(std::marker::PhantomData<T>);

/// The type of an entity's field, from its typed attribute.
#[doc(hidden)]
pub fn field_of<E, T, K>(_: crate::Attr<E, T, K>) -> FieldOf<T> {
    FieldOf(std::marker::PhantomData)
}

/// `a == b` in a `const` (the stored names of a projection's and its entity's field).
#[doc(hidden)]
pub const fn same_name(a: &str, b: &str) -> bool {
    crate::table::str_eq(a, b)
}
