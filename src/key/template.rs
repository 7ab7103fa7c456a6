//! [`KeyTemplate`]: a parsed key template such as `PROJECT#{project_id}#TASK#{task_id}`.

use super::KeyError;

/// The delimiter between the segments of a key.
pub const DELIMITER: char = '#';

/// One `#`-separated segment of a [`KeyTemplate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[doc(hidden)]
pub enum Segment {
    /// Fixed text, e.g. `TASK`.
    Literal(&'static str),
    /// A `{field}` placeholder, with fixed text before or after it in the same segment
    /// (`USER_{id}`, `{target}REACTION`); `slot` numbers the entity's key fields.
    Part {
        /// The Rust field name.
        field: &'static str,
        /// The field's position among the entity's key fields.
        slot: usize,
        /// Fixed text before the field in its segment (usually empty).
        prefix: &'static str,
        /// Fixed text after the field in its segment (usually empty). Keys then no longer
        /// sort by the field (`aREACTION` > `a0REACTION`), so sort-key ranges over such a
        /// part are refused; equality and `begins_with` of a whole key stay exact.
        suffix: &'static str,
        /// A time bucket of a timestamp field (`{created_at:day}`), or the whole value.
        bucket: Bucket,
    },
}

/// What a template keeps of a part: all of it; a timestamp's day or month
/// (`{created_at:day}` → `2020-01-04`; a timestamp's key encoding is fixed-width RFC 3339,
/// so a bucket is a prefix of it and sorts as the time does); or the shard a value falls in
/// (`{voter:shard(10)}` → `0` to `9`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[doc(hidden)]
pub enum Bucket {
    /// The whole value.
    Whole,
    /// `YYYY-MM-DD`.
    Day,
    /// `YYYY-MM`.
    Month,
    /// One of this many shards (2 to 1,000), chosen by a stable hash of the value's key
    /// encoding ([`shard_of`](super::shard_of)) and written with as many digits as the
    /// largest shard number (`3` of 10 shards, `03` of 100), so shards sort by number.
    /// The last part of a partition-key template only: it spreads one logical partition over
    /// several physical ones, and queries read them all and merge them.
    Shard(u16),
}

impl Bucket {
    /// How many leading bytes of the encoded timestamp the bucket keeps.
    pub const fn kept_bytes(self) -> Option<usize> {
        match self {
            Bucket::Whole | Bucket::Shard(_) => None,
            Bucket::Day => Some(10),
            Bucket::Month => Some(7),
        }
    }

    /// Cuts an encoded timestamp (`2020-01-04T…`) down to the bucket, or replaces an
    /// encoded value by its shard.
    pub(crate) fn apply(self, out: &mut String, start: usize) {
        if let Bucket::Shard(count) = self {
            let shard = super::shard_of(&out[start..], count);
            out.truncate(start);
            super::write_shard(out, shard, count);
        } else if let Some(len) = self.kept_bytes() {
            out.truncate((start + len).min(out.len()));
        }
    }
}

impl Segment {
    /// A plain `{field}` segment.
    pub const fn part(field: &'static str, slot: usize) -> Self {
        Segment::Part {
            field,
            slot,
            prefix: "",
            suffix: "",
            bucket: Bucket::Whole,
        }
    }
}

/// A key template, parsed and checked at compile time by `#[derive(Entity)]`.
///
/// A template is a `#`-separated list of segments; each segment is either fixed text or one
/// `{field}` placeholder. Placeholders are filled with [`KeyPart`](crate::KeyPart) encodings,
/// which never contain `#`, so a key can always be split back into its parts.
///
/// ```
/// use dynamorm::key::{KeyTemplate, Segment};
///
/// const SK: KeyTemplate = KeyTemplate::new(
///     "PROJECT#{project_id}#TASK#{task_id}",
///     &[
///         Segment::Literal("PROJECT"),
///         Segment::part("project_id", 0),
///         Segment::Literal("TASK"),
///         Segment::part("task_id", 1),
///     ],
/// );
/// let parts = ["a#1", "42"];
/// let key = SK.render_with(|slot, out| {
///     dynamorm::KeyPart::write_key(parts[slot], out).map(|()| true)
/// }).unwrap();
/// assert_eq!(key.as_deref(), Some("PROJECT#a%231#TASK#42"));
///
/// let mut found = [None; 2];
/// SK.split("PROJECT#a%231#TASK#42", &mut found).unwrap();
/// assert_eq!(found, [Some("a%231"), Some("42")]);
///
/// // The prefix of a partial key ends at a delimiter: project `a` never matches project `ab`.
/// let prefix = SK.prefix_with(1, |_, out| { out.push('a'); Ok(()) }).unwrap();
/// assert_eq!(prefix, "PROJECT#a#TASK#");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyTemplate {
    source: &'static str,
    segments: &'static [Segment],
}

impl KeyTemplate {
    /// A template from its source text and its segments (the derive writes these).
    #[doc(hidden)]
    pub const fn new(source: &'static str, segments: &'static [Segment]) -> Self {
        Self { source, segments }
    }

    /// The template as written, e.g. `USER#{user_id}`.
    pub const fn source(&self) -> &'static str {
        self.source
    }

    /// The segments in order.
    #[doc(hidden)]
    pub const fn segments(&self) -> &'static [Segment] {
        self.segments
    }

    /// The bucket of the `n`-th part (0-based).
    #[doc(hidden)]
    pub fn part_bucket(&self, n: usize) -> Bucket {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Part { bucket, .. } => Some(*bucket),
                Segment::Literal(_) => None,
            })
            .nth(n)
            .unwrap_or(Bucket::Whole)
    }

    /// The number of shards when the template's last part is `{field:shard(N)}`.
    #[doc(hidden)]
    pub fn shards(&self) -> Option<u16> {
        match self.segments.last() {
            Some(Segment::Part {
                bucket: Bucket::Shard(count),
                ..
            }) => Some(*count),
            _ => None,
        }
    }

    /// Every shard's key of a sharded template, from `base`: the key rendered up to the
    /// shard part (what [`KeyTemplate::prefix_with`] returns with every other part given).
    #[doc(hidden)]
    pub fn shard_keys(&self, base: &str) -> Vec<String> {
        let Some(Segment::Part {
            prefix,
            suffix,
            bucket: Bucket::Shard(count),
            ..
        }) = self.segments.last()
        else {
            return vec![base.to_owned()];
        };
        (0..*count)
            .map(|shard| {
                let mut key = String::with_capacity(base.len() + prefix.len() + suffix.len() + 4);
                key.push_str(base);
                key.push_str(prefix);
                super::write_shard(&mut key, shard, *count);
                key.push_str(suffix);
                key
            })
            .collect()
    }

    /// Whether the `n`-th part (0-based) has fixed text after it in its segment, so keys
    /// do not sort by that part.
    #[doc(hidden)]
    pub fn part_has_suffix(&self, n: usize) -> bool {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Part { suffix, .. } => Some(!suffix.is_empty()),
                Segment::Literal(_) => None,
            })
            .nth(n)
            .unwrap_or(false)
    }

    /// The fields this template reads, in order.
    #[doc(hidden)]
    pub fn fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.segments.iter().filter_map(|s| match s {
            Segment::Part { field, .. } => Some(*field),
            Segment::Literal(_) => None,
        })
    }

    /// The fixed text before the first placeholder, e.g. `USER#` for `USER#{id}`, or the whole
    /// key when the template has no placeholder.
    #[doc(hidden)]
    pub fn static_prefix(&self) -> String {
        let mut out = String::new();
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Literal(text) => {
                    if i > 0 {
                        out.push(DELIMITER);
                    }
                    out.push_str(text);
                }
                Segment::Part { .. } => {
                    if i > 0 {
                        out.push(DELIMITER);
                    }
                    return out;
                }
            }
        }
        out
    }

    /// Renders the key, asking `part(slot, out)` to append each placeholder's encoding.
    ///
    /// `part` returns `false` when the value is absent (a `None` optional field); the key
    /// is then absent too and `Ok(None)` is returned, which is what makes an index sparse.
    #[doc(hidden)]
    pub fn render_with(
        &self,
        mut part: impl FnMut(usize, &mut String) -> Result<bool, KeyError>,
    ) -> Result<Option<String>, KeyError> {
        let mut out = String::with_capacity(self.source.len() + 16);
        for (i, segment) in self.segments.iter().enumerate() {
            if i > 0 {
                out.push(DELIMITER);
            }
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Part {
                    slot,
                    prefix,
                    suffix,
                    bucket,
                    ..
                } => {
                    out.push_str(prefix);
                    let start = out.len();
                    if !part(*slot, &mut out)? {
                        return Ok(None);
                    }
                    super::check_part(&out[start..])?;
                    bucket.apply(&mut out, start);
                    out.push_str(suffix);
                }
            }
        }
        Ok(Some(out))
    }

    /// Renders the prefix of a partial key: the first `given` placeholders are filled by
    /// `part`, and the text runs up to the next placeholder, ending with the delimiter.
    ///
    /// Because the prefix ends at a delimiter and encoded parts never contain one, the
    /// prefix for a part `a` never matches keys whose part is `ab`. With every placeholder
    /// given, the prefix is the whole key (compare it with `=`, not `begins_with`).
    #[doc(hidden)]
    pub fn prefix_with(
        &self,
        given: usize,
        mut part: impl FnMut(usize, &mut String) -> Result<(), KeyError>,
    ) -> Result<String, KeyError> {
        let mut out = String::with_capacity(self.source.len() + 16);
        let mut filled = 0;
        for (i, segment) in self.segments.iter().enumerate() {
            if i > 0 {
                out.push(DELIMITER);
            }
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Part {
                    slot,
                    prefix,
                    suffix,
                    bucket,
                    ..
                } => {
                    if filled == given {
                        return Ok(out);
                    }
                    out.push_str(prefix);
                    let start = out.len();
                    part(*slot, &mut out)?;
                    super::check_part(&out[start..])?;
                    bucket.apply(&mut out, start);
                    out.push_str(suffix);
                    filled += 1;
                }
            }
        }
        Ok(out)
    }

    /// Splits a stored key into its encoded parts, stored in `parts` by slot.
    ///
    /// Fails when the key does not have the template's shape, or when a field that appears
    /// twice has two different values.
    #[doc(hidden)]
    pub fn split<'k>(&self, key: &'k str, parts: &mut [Option<&'k str>]) -> Result<(), KeyError> {
        let mismatch = || KeyError::Mismatch {
            key: crate::Redacted::text(key.to_owned()),
            template: self.source,
        };
        let mut pieces = key.split(DELIMITER);
        for segment in self.segments {
            let piece = pieces.next().ok_or_else(mismatch)?;
            match segment {
                Segment::Literal(text) if *text == piece => {}
                Segment::Literal(_) => return Err(mismatch()),
                Segment::Part {
                    prefix,
                    suffix,
                    bucket: Bucket::Shard(count),
                    ..
                } => {
                    // A shard number is not the field (which the key holds whole elsewhere).
                    let number = piece
                        .strip_prefix(*prefix)
                        .and_then(|p| p.strip_suffix(*suffix))
                        .ok_or_else(mismatch)?;
                    if !super::is_shard(number, *count) {
                        return Err(mismatch());
                    }
                }
                Segment::Part {
                    slot,
                    prefix,
                    suffix,
                    ..
                } => {
                    // Most parts have no affixes: skip the comparisons (parsing is hot).
                    let piece = if prefix.is_empty() && suffix.is_empty() {
                        piece
                    } else {
                        piece
                            .strip_prefix(*prefix)
                            .and_then(|p| p.strip_suffix(*suffix))
                            .ok_or_else(mismatch)?
                    };
                    let cell = parts.get_mut(*slot).ok_or_else(mismatch)?;
                    match cell {
                        Some(seen) if *seen != piece => return Err(mismatch()),
                        _ => *cell = Some(piece),
                    }
                }
            }
        }
        if pieces.next().is_some() {
            return Err(mismatch());
        }
        Ok(())
    }
}

impl std::fmt::Display for KeyTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.source)
    }
}
