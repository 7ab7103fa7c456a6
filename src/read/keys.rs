//! Partial keys for queries: typed key-part values, and the key conditions rendered from an
//! entity's templates.

use std::marker::PhantomData;

use crate::entity::EntitySchema;
use crate::expr::{Attr, IntoValue};
use crate::key::{Bucket, KeyError, KeyPart, KeyTemplate, Segment};
use crate::table::IndexSchema;
use crate::{Error, InvalidInputKind};

/// The value of one key-template field of entity `E`, encoded as a key part:
/// `Task::attrs().project_id.is("p1")`.
///
/// A query takes these instead of key strings; the library renders the key condition from
/// the entity's template, so an escaped value can never widen or shift the range.
pub struct KeyValue<E> {
    pub(crate) attribute: &'static str,
    pub(crate) encoded: Result<String, KeyError>,
    /// The time bucket the value was cut to (`day(..)`), matched against the template's.
    pub(crate) bucket: Bucket,
    entity: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for KeyValue<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The value is left out: keys can hold personal data.
        f.debug_tuple("KeyValue").field(&self.attribute).finish()
    }
}

impl<E> Clone for KeyValue<E> {
    fn clone(&self) -> Self {
        Self {
            attribute: self.attribute,
            encoded: self.encoded.clone(),
            bucket: self.bucket,
            entity: PhantomData,
        }
    }
}

/// Field types that can appear in key templates: key parts, and `Option`s of key parts
/// (which make an index sparse).
pub trait KeyFieldType {
    /// The key part itself.
    type Part: KeyPart;
}

impl<T: KeyPart> KeyFieldType for T {
    type Part = T;
}

impl<T: KeyPart> KeyFieldType for Option<T> {
    type Part = T;
}

impl<E, T: KeyFieldType, K> Attr<E, T, K> {
    /// This key field has `value`, for a query's partition key or sort-key prefix.
    pub fn is(&self, value: impl IntoValue<T::Part>) -> KeyValue<E> {
        let mut encoded = String::new();
        let result = value.into_value().write_key(&mut encoded).map(|()| encoded);
        KeyValue {
            attribute: self.name(),
            encoded: result,
            bucket: Bucket::Whole,
            entity: PhantomData,
        }
    }
}

/// Timestamp fields, which index templates can bucket (`{created_at:day}`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be cut into day or month buckets",
    note = "a `:day` or `:month` bucket takes a `chrono::DateTime<Utc>` field (or an `Option` of one)"
)]
pub trait TimeBucketed {}
#[cfg(feature = "chrono")]
impl TimeBucketed for chrono::DateTime<chrono::Utc> {}
impl<T: TimeBucketed> TimeBucketed for Option<T> {}

impl<E, T: KeyFieldType + TimeBucketed, K> Attr<E, T, K> {
    /// The day of this timestamp field, for a template that buckets it `{field:day}`
    /// (`2020-01-04`): `db.query(a.created_at.day(now))`.
    pub fn day(&self, value: impl IntoValue<T::Part>) -> KeyValue<E> {
        self.bucketed(value, Bucket::Day)
    }

    /// The month of this timestamp field, for a template that buckets it
    /// `{field:month}` (`2020-01`).
    pub fn month(&self, value: impl IntoValue<T::Part>) -> KeyValue<E> {
        self.bucketed(value, Bucket::Month)
    }

    fn bucketed(&self, value: impl IntoValue<T::Part>, bucket: Bucket) -> KeyValue<E> {
        let mut key = self.is(value);
        if let Ok(encoded) = &mut key.encoded {
            bucket.apply(encoded, 0);
        }
        key.bucket = bucket;
        key
    }
}

/// One or more [`KeyValue`]s: a single value, a tuple, an array or a `Vec`.
pub trait KeyValues<E> {
    /// The values, in order.
    fn into_key_values(self) -> Vec<KeyValue<E>>;
}

impl<E> KeyValues<E> for KeyValue<E> {
    fn into_key_values(self) -> Vec<KeyValue<E>> {
        vec![self]
    }
}

impl<E> KeyValues<E> for Vec<KeyValue<E>> {
    fn into_key_values(self) -> Vec<KeyValue<E>> {
        self
    }
}

impl<E, const N: usize> KeyValues<E> for [KeyValue<E>; N] {
    fn into_key_values(self) -> Vec<KeyValue<E>> {
        self.into()
    }
}

impl<E> KeyValues<E> for () {
    fn into_key_values(self) -> Vec<KeyValue<E>> {
        Vec::new()
    }
}

macro_rules! tuples {
    (@ty $e:ident $v:ident) => { KeyValue<$e> };
    (@impls $(($($v:ident),+)),*) => {$(
        impl<E> KeyValues<E> for ($(tuples!(@ty E $v),)+) {
            #[allow(non_snake_case)]
            fn into_key_values(self) -> Vec<KeyValue<E>> {
                let ($($v,)+) = self;
                vec![$($v),+]
            }
        }
    )*};
}
tuples!(@impls (A), (A, B), (A, B, C), (A, B, C, D), (A, B, C, D, F));

/// One given key part: its attribute, its encoding, and the bucket it was cut to.
pub(crate) type Given = (&'static str, String, Bucket);

/// A condition on the sort key, in terms of (partial) keys.
#[derive(Debug, Clone)]
pub(crate) enum SortKey {
    /// Keys that start with the partial key (all of its extensions).
    BeginsWith(Vec<Given>),
    /// The key equal to a full key.
    Eq(Vec<Given>),
    /// Keys before every extension of the partial key.
    Lt(Vec<Given>),
    /// Keys up to and including every extension of the partial key.
    Le(Vec<Given>),
    /// Keys after every extension of the partial key.
    Gt(Vec<Given>),
    /// Keys from the first extension of the partial key on.
    Ge(Vec<Given>),
    /// Keys from the first extension of `low` to the last extension of `high`.
    Between(Vec<Given>, Vec<Given>),
}

impl SortKey {
    /// The key values of each bound.
    pub(crate) fn parts(&self) -> Vec<&[Given]> {
        match self {
            SortKey::BeginsWith(p)
            | SortKey::Eq(p)
            | SortKey::Lt(p)
            | SortKey::Le(p)
            | SortKey::Gt(p)
            | SortKey::Ge(p) => vec![p],
            SortKey::Between(low, high) => vec![low, high],
        }
    }
}

/// Resolves encoded key values, failing on the first that could not be encoded.
pub(crate) fn resolve<E>(values: Vec<KeyValue<E>>) -> Result<Vec<Given>, Error> {
    // A plain loop: this is instantiated per entity type, and iterator adapters over
    // `Result` cost several functions each.
    let mut given = Vec::with_capacity(values.len());
    for v in values {
        given.push((v.attribute, v.encoded?, v.bucket));
    }
    Ok(given)
}

/// The key templates a query on `index` (or the table) uses for entity `schema`. An index
/// with several layouts uses the first whose partition key has exactly the fields given and
/// whose sort key starts with the sort-key fields given (each condition's).
pub(crate) fn templates(
    schema: &EntitySchema,
    index: Option<&'static IndexSchema>,
    partition: &[Given],
    sort: &[&[Given]],
) -> Result<(KeyTemplate, Option<KeyTemplate>), Error> {
    let Some(index) = index else {
        return Ok((schema.partition_key, schema.sort_key));
    };
    let mut layouts = schema
        .indexes
        .iter()
        .filter(|i| i.index.name() == index.name())
        .map(|i| (i.partition_key, i.sort_key));
    let Some(first) = layouts.next() else {
        return Err(Error::invalid_for(
            schema.name,
            InvalidInputKind::QueryShape,
            format!(
                "`{}` has no key template on index `{}`",
                schema.name,
                index.name()
            ),
        ));
    };
    let attributes = |t: &KeyTemplate| -> Vec<&'static str> {
        t.segments()
            .iter()
            .filter_map(|s| match s {
                Segment::Part { slot, .. } => Some(schema.key_fields[*slot].attribute),
                Segment::Literal(_) => None,
            })
            .collect()
    };
    let fits = |(pk, sk): &(KeyTemplate, Option<KeyTemplate>)| {
        let given: Vec<&str> = partition.iter().map(|(a, _, _)| *a).collect();
        let sort_fields = sk.as_ref().map(attributes).unwrap_or_default();
        let pk_fields = attributes(pk);
        // A sharded partition is read whole: its shard field is not given.
        let unsharded = match pk.shards() {
            Some(_) => &pk_fields[..pk_fields.len().saturating_sub(1)],
            None => &pk_fields[..],
        };
        (pk_fields == given || unsharded == given)
            && sort.iter().all(|parts| {
                parts.len() <= sort_fields.len()
                    && parts.iter().zip(&sort_fields).all(|((a, _, _), f)| a == f)
            })
    };
    // With one layout, its own error messages say what is wrong with the values.
    if fits(&first) {
        return Ok(first);
    }
    Ok(layouts.find(|l| fits(l)).unwrap_or(first))
}

/// The fixed sort-key prefix every layout of `schema` on `index` shares (`template`'s own
/// on the table or an index with one layout).
pub(crate) fn shared_sort_prefix(
    schema: &EntitySchema,
    index: Option<&'static IndexSchema>,
    template: &KeyTemplate,
) -> String {
    let mut prefix = template.static_prefix();
    let Some(index) = index else {
        return prefix;
    };
    for layout in schema
        .indexes
        .iter()
        .filter(|i| i.index.name() == index.name())
    {
        let other = layout
            .sort_key
            .map(|t| t.static_prefix())
            .unwrap_or_default();
        let common = prefix
            .char_indices()
            .zip(other.chars())
            .find(|((_, a), b)| a != b)
            .map_or(prefix.len().min(other.len()), |((i, _), _)| i);
        prefix.truncate(common);
    }
    prefix
}

/// The partition keys a query reads: the one `values` render, or — for a template whose
/// last part is `{field:shard(N)}`, given every field but that one — each shard's.
pub(crate) fn partition_keys(
    schema: &EntitySchema,
    template: &KeyTemplate,
    values: &[Given],
) -> Result<Vec<String>, Error> {
    let (key, complete) = render_prefix(schema, template, values, "partition key")?;
    if complete {
        return Ok(vec![key]);
    }
    if template.shards().is_some() && values.len() + 1 == template.fields().count() {
        return Ok(template.shard_keys(&key));
    }
    Err(Error::invalid_for(
        schema.name,
        InvalidInputKind::QueryShape,
        format!(
            "the partition key of `{}` (`{}`) needs all its fields",
            schema.name,
            template.source()
        ),
    ))
}

/// Renders the prefix of `template` from the leading fields in `values`, which must be the
/// template's first fields, in order. With every field given, this is the whole key.
pub(crate) fn render_prefix(
    schema: &EntitySchema,
    template: &KeyTemplate,
    values: &[Given],
    what: &str,
) -> Result<(String, bool), Error> {
    let fields: Vec<&'static str> = template
        .segments()
        .iter()
        .filter_map(|s| match s {
            Segment::Part { slot, .. } => Some(schema.key_fields[*slot].attribute),
            Segment::Literal(_) => None,
        })
        .collect();
    let given: Vec<&'static str> = values.iter().map(|(a, _, _)| *a).collect();
    if given.len() > fields.len() || fields[..given.len()] != given[..] {
        let expected = fields
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Error::invalid_for(
            schema.name,
            InvalidInputKind::QueryShape,
            format!(
                "the {what} of `{}` (`{}`) takes leading fields in the order {expected}; got {}",
                schema.name,
                template.source(),
                if given.is_empty() {
                    "none".to_owned()
                } else {
                    given
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        ));
    }
    // A value cut to a bucket fills only a part the template cuts the same way: a whole
    // timestamp in a `{created_at:day}` part would match nothing, silently.
    for (n, (attribute, _, bucket)) in values.iter().enumerate() {
        let wanted = template.part_bucket(n);
        if let Bucket::Shard(_) = wanted {
            return Err(Error::invalid_for(
                schema.name,
                InvalidInputKind::QueryShape,
                format!(
                    "the {what} of `{}` (`{}`) is sharded by `{attribute}`: a query reads every \
                 shard and merges them, so give only the fields before it",
                    schema.name,
                    template.source(),
                ),
            ));
        }
        if *bucket != wanted {
            let call = match wanted {
                Bucket::Whole | Bucket::Shard(_) => "is",
                Bucket::Day => "day",
                Bucket::Month => "month",
            };
            return Err(Error::invalid_for(
                schema.name,
                InvalidInputKind::QueryShape,
                format!(
                    "the {what} of `{}` (`{}`) takes `{attribute}` as `attrs().{attribute}.{call}(..)`",
                    schema.name,
                    template.source(),
                ),
            ));
        }
    }
    let mut next = values.iter();
    let prefix = template.prefix_with(values.len(), |_, out| {
        if let Some((_, encoded, _)) = next.next() {
            out.push_str(encoded);
        }
        Ok(())
    })?;
    // No stored key is longer than DynamoDB's limit, so a longer value matches nothing:
    // refuse it before sending, as a `get` would.
    let max = if what == "partition key" {
        crate::key::MAX_PARTITION_KEY_BYTES
    } else {
        crate::key::MAX_SORT_KEY_BYTES
    };
    if prefix.len() > max {
        return Err(crate::key::KeyError::TooLong {
            attribute: if what == "partition key" {
                "partition key"
            } else {
                "sort key"
            },
            len: prefix.len(),
            max,
        }
        .into());
    }
    Ok((prefix, values.len() == fields.len()))
}
