//! [`Cursor`]: an opaque, URL-safe position in a query, bound to that query.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::bounds::KeyBounds;
use super::seal::{self, CursorKey};
use crate::Error;
use crate::item::Item;
use crate::key::{MAX_SORT_KEY_BYTES, fnv1a};
use crate::table::ScalarType;

/// Version 2 types each key value (multi-attribute index keys are numbers and binary too);
/// version 1 cursors (string values only) are still read.
const VERSION: u8 = 2;
/// A sharded read's cursor: a position for every shard.
const SHARDED: u8 = 3;
/// A sharded read's cursor with the merged read's own position (its [`Mark`]) after the
/// shards'; version 3 cursors, without it, still resume.
const MERGED: u8 = 4;
/// The version byte and the fingerprint.
const HEADER_BYTES: usize = 1 + 8;
/// A mark at its longest: its tag, shard, sort-key tag, length and a sort key of DynamoDB's
/// longest.
const MAX_MARK_BYTES: usize = 1 + 2 + 1 + 2 + MAX_SORT_KEY_BYTES;

/// Where a paginated read stopped; pass it to `.after(cursor)` to resume.
///
/// It is opaque and URL-safe (safe to hand to a web client) and only resumes the query it
/// came from. Before anything is sent, resuming checks that the cursor is one the read
/// could have produced: the same table, index, entity type, key condition and direction;
/// exactly the key attributes of the table or index read, each once, of their declared
/// types and within DynamoDB's key length limits; the partition key the query's (each
/// shard's its own shard's) and the sort key inside the query's sort condition. Anything
/// else — another tenant's partition, another shard, a renamed, repeated, missing or
/// oversized attribute, an altered or truncated text — is an [`Error::InvalidCursor`] with
/// no request sent: never a panic and never a silently different query. (A scan has no
/// key condition, and which segment of a parallel scan a key hashes to only DynamoDB
/// knows: a well-formed unsigned position moved to another segment is the server's to
/// refuse, with a `ValidationException`.)
///
/// Without a [`CursorKey`] a cursor is checksummed, not signed: a client can still write a
/// cursor for another position *inside the query's own key range* (skip or re-read its own
/// items), and can read the key of the last item read. A handle with a key
/// ([`Db::with_cursor_key`](crate::Db::with_cursor_key)) signs (or encrypts) every cursor,
/// so a client can move nothing and, encrypted, read nothing.
///
/// Format, before base64url encoding without padding: a version byte (`2`); the query's
/// 8-byte fingerprint (FNV-1a over table name, index name, result type, key condition and
/// its values, and direction); the number of key attributes; each attribute, in byte order
/// of the names, as a `u16` length and its name, then its type (`S`, `N` or `B`), a `u16`
/// length and its value (DynamoDB's `LastEvaluatedKey`, or the key of the last item
/// returned when a limit stopped inside a page). A sharded read's cursor (version `3`)
/// holds, after the fingerprint, the number of shards as a `u16` and for each a tag — `0`
/// from its start, `1` after the key that follows (encoded as above), `2` done — so one
/// cursor resumes every shard exactly; a merged read's (version `4`) then holds where the
/// merged order stands: `0` nowhere yet, or `1`, the shard of the last item returned as a
/// `u16`, and its sort key (`0` none, or `1` and a `u16` length and the value). Then the seal: an 8-byte FNV-1a checksum of all of
/// that; or, with a key, the byte `0x10`, the body and its 32-byte HMAC-SHA256 tag; or the
/// byte `0x11`, a 24-byte nonce and the body encrypted with XChaCha20-Poly1305.
///
/// ```
/// use dynamorm::Cursor;
/// let from_client = Cursor::from_string("AXI9pgt7");
/// assert_eq!(from_client.as_str(), "AXI9pgt7"); // checked only when a query resumes
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cursor(String);

/// A cursor holds the last key read: `Debug` shows its length, not the text (read it with
/// [`Cursor::as_str`] to hand it to a client).
impl std::fmt::Debug for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Cursor")
            .field(&crate::Redacted::text(&self.0))
            .finish()
    }
}

/// What a read's cursors are bound to (its fingerprint) and sealed with (the handle's key).
#[derive(Debug, Clone)]
pub(crate) struct Binding {
    pub(crate) fingerprint: u64,
    pub(crate) key: Option<CursorKey>,
}

impl Cursor {
    /// The cursor as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps text received from a client; it is checked when the query resumes.
    pub fn from_string(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    pub(crate) fn encode(binding: &Binding, key: &Item) -> Result<Self, Error> {
        let mut out = vec![VERSION];
        out.extend_from_slice(&binding.fingerprint.to_be_bytes());
        write_key(&mut out, key)?;
        Ok(Self(seal::seal(out, binding.key.as_ref())?))
    }

    /// A cursor of a sharded read: where each shard resumes, and for a merged read (`Some`)
    /// where its merged order stands.
    pub(crate) fn encode_shards(
        binding: &Binding,
        shards: &[Position],
        merged: Option<Option<&Mark>>,
    ) -> Result<Self, Error> {
        let mut out = vec![if merged.is_some() { MERGED } else { SHARDED }];
        out.extend_from_slice(&binding.fingerprint.to_be_bytes());
        let count = u16::try_from(shards.len()).map_err(|_| invalid("too many shards"))?;
        out.extend_from_slice(&count.to_be_bytes());
        for shard in shards {
            match shard {
                Position::Start => out.push(0),
                Position::After(key) => {
                    out.push(1);
                    write_key(&mut out, key)?;
                }
                Position::Done => out.push(2),
            }
        }
        if let Some(mark) = merged {
            write_mark(&mut out, mark)?;
        }
        Ok(Self(seal::seal(out, binding.key.as_ref())?))
    }

    /// The body after the seal, version and fingerprint checks; `sharded` says which kind
    /// of read is resuming, `max_body` how long its cursors' bodies can be.
    fn open(
        &self,
        binding: &Binding,
        sharded: bool,
        max_body: usize,
    ) -> Result<(u8, Vec<u8>), Error> {
        let body = seal::open(&self.0, binding.key.as_ref(), max_body)?;
        let mut reader = Reader(&body);
        let version = reader.take(1)?[0];
        // Version 1 predates sealing: only unsigned cursors may have it.
        let known = match version {
            1 => binding.key.is_none(),
            VERSION | SHARDED | MERGED => true,
            _ => false,
        };
        if !known {
            return Err(invalid("unknown version"));
        }
        let found = u64::from_be_bytes(
            reader
                .take(8)?
                .try_into()
                .map_err(|_| invalid("truncated"))?,
        );
        if found != binding.fingerprint || matches!(version, SHARDED | MERGED) != sharded {
            return Err(invalid(
                "it belongs to another query (table, index, entity type, key condition or order)",
            ));
        }
        Ok((version, reader.0.to_vec()))
    }

    /// The position of an unsharded read, checked against what the read could produce.
    pub(crate) fn decode(&self, binding: &Binding, bounds: &KeyBounds) -> Result<Item, Error> {
        let max_body = HEADER_BYTES + bounds.max_position_bytes();
        let (version, body) = self.open(binding, false, max_body)?;
        let mut reader = Reader(&body);
        let key = read_key(&mut reader, version, bounds)?;
        reader.end()?;
        bounds.check(&key, 0)?;
        Ok(key)
    }

    /// Where each of `shards` shards resumes, each position checked against its shard, and
    /// (`merged`: for a merged read, which takes versions 3 and 4) where the merged order
    /// stands.
    pub(crate) fn decode_shards(
        &self,
        binding: &Binding,
        shards: usize,
        bounds: &KeyBounds,
        merged: bool,
    ) -> Result<(Vec<Position>, Option<Mark>), Error> {
        let max_body =
            HEADER_BYTES + 2 + shards * (1 + bounds.max_position_bytes()) + MAX_MARK_BYTES;
        let (version, body) = self.open(binding, true, max_body)?;
        if version == MERGED && !merged {
            return Err(invalid("unknown version"));
        }
        let mut reader = Reader(&body);
        let count = reader.take(2)?;
        if usize::from(u16::from_be_bytes([count[0], count[1]])) != shards {
            return Err(invalid("it belongs to a read of another number of shards"));
        }
        let positions = (0..shards)
            .map(|shard| match reader.take(1)?[0] {
                0 => Ok(Position::Start),
                1 => {
                    let key = read_key(&mut reader, VERSION, bounds)?;
                    bounds.check(&key, shard)?;
                    Ok(Position::After(key))
                }
                2 => Ok(Position::Done),
                _ => Err(invalid("unknown shard position")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mark = if version == MERGED {
            read_mark(&mut reader, shards, bounds)?
        } else {
            None
        };
        reader.end()?;
        Ok((positions, mark))
    }
}

/// Where one shard of a sharded read resumes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Position {
    /// From its first item.
    Start,
    /// After this key (DynamoDB's `ExclusiveStartKey`).
    After(Item),
    /// Nowhere: every item of the shard was read.
    Done,
}

/// Where a merged read's order stands: the shard and sort key of the last item it returned.
/// The read returns nothing that sorts at or before it (by sort key, then shard), so a page
/// never goes back, whatever was inserted into a shard behind it meanwhile.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mark {
    pub(crate) shard: usize,
    pub(crate) sort: Option<String>,
}

impl Mark {
    /// Whether an item of `shard` whose sort key is `sort` sorts at or before this mark, in
    /// the merged order (`forward` or not, ties by the lower shard).
    pub(crate) fn covers(&self, sort: Option<&str>, shard: usize, forward: bool) -> bool {
        if sort.is_none() && self.sort.is_none() {
            // No sort key (an index keyed by a partition key alone): shards are merged one
            // after another, and the items of one shard are in no order among themselves.
            return shard < self.shard;
        }
        let order = sort.cmp(&self.sort.as_deref());
        let order = if forward { order } else { order.reverse() };
        order.then(shard.cmp(&self.shard)).is_le()
    }

    /// Moves `mark` to an item of `shard` with sort key `sort`, reusing its string: the
    /// merge moves it once per item.
    pub(crate) fn advance(mark: &mut Option<Mark>, shard: usize, sort: Option<&str>) {
        let mark = mark.get_or_insert_with(|| Mark { shard, sort: None });
        mark.shard = shard;
        match (&mut mark.sort, sort) {
            (Some(text), Some(sort)) => {
                text.clear();
                text.push_str(sort);
            }
            (slot, sort) => *slot = sort.map(str::to_owned),
        }
    }
}

fn write_mark(out: &mut Vec<u8>, mark: Option<&Mark>) -> Result<(), Error> {
    let Some(mark) = mark else {
        out.push(0);
        return Ok(());
    };
    out.push(1);
    let shard = u16::try_from(mark.shard).map_err(|_| invalid("too many shards"))?;
    out.extend_from_slice(&shard.to_be_bytes());
    match &mark.sort {
        None => out.push(0),
        Some(sort) => {
            out.push(1);
            let len = u16::try_from(sort.len()).map_err(|_| invalid("key too long"))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(sort.as_bytes());
        }
    }
    Ok(())
}

/// Reads a mark written by [`write_mark`], checked as a position of the read: a shard it
/// has, a sort key its key condition allows.
fn read_mark(
    reader: &mut Reader<'_>,
    shards: usize,
    bounds: &KeyBounds,
) -> Result<Option<Mark>, Error> {
    if reader.take(1)?[0] == 0 {
        return Ok(None);
    }
    let shard = reader.take(2)?;
    let shard = usize::from(u16::from_be_bytes([shard[0], shard[1]]));
    if shard >= shards {
        return Err(invalid("it names a shard the read does not have"));
    }
    let sort = match reader.take(1)?[0] {
        0 => None,
        1 => Some(reader.string()?),
        _ => return Err(invalid("unknown mark")),
    };
    bounds.check_sort(sort.as_deref())?;
    Ok(Some(Mark { shard, sort }))
}

/// Each key attribute as a `u16` length and its name, its type (`S`, `N` or `B`), a `u16`
/// length and its value, after the attribute count, in byte order of the names.
fn write_key(out: &mut Vec<u8>, key: &Item) -> Result<(), Error> {
    let mut names: Vec<&String> = key.keys().collect();
    names.sort();
    out.push(u8::try_from(names.len()).map_err(|_| invalid("too many key attributes"))?);
    for name in names {
        let (kind, value) = match key.get(name) {
            Some(AttributeValue::S(v)) => (b'S', v.as_bytes()),
            Some(AttributeValue::N(v)) => (b'N', v.as_bytes()),
            Some(AttributeValue::B(v)) => (b'B', v.as_ref()),
            _ => return Err(invalid("a key attribute is not a string, number or binary")),
        };
        let len = u16::try_from(name.len()).map_err(|_| invalid("key too long"))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(name.as_bytes());
        out.push(kind);
        let len = u16::try_from(value.len()).map_err(|_| invalid("key too long"))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(value);
    }
    Ok(())
}

/// Reads a key written by [`write_key`]: exactly the read's key attributes, once each, in
/// order, each of its declared type (values are checked by [`KeyBounds::check`]).
fn read_key(reader: &mut Reader<'_>, version: u8, bounds: &KeyBounds) -> Result<Item, Error> {
    let count = usize::from(reader.take(1)?[0]);
    if count != bounds.attribute_count() {
        return Err(invalid(
            "it does not hold exactly the key attributes of the read",
        ));
    }
    let mut key = HashMap::with_capacity(count);
    let mut last: Option<&[u8]> = None;
    for _ in 0..count {
        let name = reader.bytes()?;
        // Strictly increasing: no attribute twice, the one order the library writes.
        if last.is_some_and(|l| l >= name) {
            return Err(invalid("key attributes repeated or out of order"));
        }
        last = Some(name);
        let name = std::str::from_utf8(name).map_err(|_| invalid("not UTF-8"))?;
        let declared = bounds
            .scalar(name)
            .ok_or_else(|| invalid("an attribute that is not a key attribute of the read"))?;
        let kind = if version == 1 {
            b'S'
        } else {
            reader.take(1)?[0]
        };
        let value = match (kind, declared) {
            (b'S', ScalarType::S) => AttributeValue::S(reader.string()?),
            (b'N', ScalarType::N) => AttributeValue::N(reader.string()?),
            (b'B', ScalarType::B) => AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(
                reader.bytes()?.to_vec(),
            )),
            (b'S' | b'N' | b'B', _) => {
                return Err(invalid("a key attribute of another type than the read's"));
            }
            _ => return Err(invalid("unknown key value type")),
        };
        key.insert(name.to_owned(), value);
    }
    Ok(key)
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if self.0.len() < n {
            return Err(invalid("truncated"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn bytes(&mut self) -> Result<&'a [u8], Error> {
        let len = self.take(2)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        self.take(len)
    }

    fn string(&mut self) -> Result<String, Error> {
        std::str::from_utf8(self.bytes()?)
            .map(str::to_owned)
            .map_err(|_| invalid("not UTF-8"))
    }

    fn end(&self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(invalid("trailing bytes"))
        }
    }
}

fn invalid(reason: &'static str) -> Error {
    Error::InvalidCursor { reason }
}

/// Builds a query fingerprint from its identifying parts.
#[derive(Debug, Default)]
pub(crate) struct Fingerprint(Vec<u8>);

impl Fingerprint {
    pub(crate) fn add(mut self, part: &str) -> Self {
        self.0.extend_from_slice(&(part.len() as u64).to_be_bytes());
        self.0.extend_from_slice(part.as_bytes());
        self
    }

    pub(crate) fn finish(&self) -> u64 {
        fnv1a(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;
    use crate::table::TableSchema;

    const TABLE: TableSchema = TableSchema::new("t");

    fn key() -> Item {
        [("PK", "TENANT#a"), ("SK", "PROJECT#p#TASK#0000000001")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), AttributeValue::S(v.to_owned())))
            .collect()
    }

    /// `CursorKey::signing` or `CursorKey::encrypting`.
    type KeyMaker = fn(&[u8]) -> Result<CursorKey, Error>;

    fn unsigned(fingerprint: u64) -> Binding {
        Binding {
            fingerprint,
            key: None,
        }
    }

    fn bounds() -> KeyBounds {
        KeyBounds::of(&TABLE, None)
    }

    #[test]
    fn version_1_cursors_still_resume() {
        // A version-1 cursor, as earlier releases wrote it: string values, no type bytes.
        let mut v1 = vec![1u8];
        v1.extend_from_slice(&42u64.to_be_bytes());
        v1.push(2);
        for part in ["PK", "TENANT#a", "SK", "X"] {
            v1.extend_from_slice(&u16::try_from(part.len()).expect("short").to_be_bytes());
            v1.extend_from_slice(part.as_bytes());
        }
        let checksum = fnv1a(&v1);
        v1.extend_from_slice(&checksum.to_be_bytes());
        let old = Cursor::from_string(URL_SAFE_NO_PAD.encode(v1));
        let decoded = old
            .decode(&unsigned(42), &bounds())
            .expect("version 1 decodes");
        assert_eq!(decoded["PK"], AttributeValue::S("TENANT#a".into()));
    }

    #[test]
    fn round_trips_and_rejects_misuse() {
        let binding = unsigned(42);
        let cursor = Cursor::encode(&binding, &key()).expect("encodes");
        assert!(
            cursor
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(cursor.decode(&binding, &bounds()).expect("decodes"), key());
        assert!(matches!(
            cursor.decode(&unsigned(43), &bounds()),
            Err(Error::InvalidCursor { .. })
        ));
        let text = cursor.as_str();
        for broken in [
            &text[..text.len() - 1],
            &text[..10],
            "",
            "!!!",
            &format!("{}A", &text[..text.len() - 1]),
        ] {
            assert!(
                matches!(
                    Cursor::from_string(broken).decode(&binding, &bounds()),
                    Err(Error::InvalidCursor { .. })
                ),
                "{broken:?}"
            );
        }
        // Every single-character change is detected.
        for i in 0..text.len() {
            let mut bytes = text.as_bytes().to_vec();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let altered = String::from_utf8(bytes).expect("ascii");
            assert!(
                Cursor::from_string(altered)
                    .decode(&binding, &bounds())
                    .is_err(),
                "position {i}"
            );
        }
    }

    #[test]
    fn sealed_cursors_open_only_with_their_key() {
        let secret = [7u8; 32];
        let modes: [KeyMaker; 2] = [CursorKey::signing, CursorKey::encrypting];
        for mode in modes {
            let sealed = Binding {
                fingerprint: 42,
                key: Some(mode(&secret).expect("key")),
            };
            let cursor = Cursor::encode(&sealed, &key()).expect("encodes");
            assert_eq!(cursor.decode(&sealed, &bounds()).expect("opens"), key());
            // Not without a key, not with another, and an unsigned cursor not with one.
            assert!(cursor.decode(&unsigned(42), &bounds()).is_err());
            let other = Binding {
                fingerprint: 42,
                key: Some(mode(&[8u8; 32]).expect("key")),
            };
            assert!(cursor.decode(&other, &bounds()).is_err());
            let plain = Cursor::encode(&unsigned(42), &key()).expect("encodes");
            assert!(plain.decode(&sealed, &bounds()).is_err());
            // Rotation: the old secret still opens it as a previous one.
            let rotated = Binding {
                fingerprint: 42,
                key: Some(
                    mode(&[9u8; 32])
                        .and_then(|k| k.with_previous(&secret))
                        .expect("key"),
                ),
            };
            assert_eq!(cursor.decode(&rotated, &bounds()).expect("opens"), key());
        }
        assert!(CursorKey::signing(&[1u8; 31]).is_err(), "short secret");
    }

    #[test]
    fn encrypted_cursors_hide_the_key() {
        let sealed = Binding {
            fingerprint: 42,
            key: Some(CursorKey::encrypting(&[7u8; 32]).expect("key")),
        };
        let cursor = Cursor::encode(&sealed, &key()).expect("encodes");
        let bytes = URL_SAFE_NO_PAD.decode(cursor.as_str()).expect("base64");
        assert!(!bytes.windows(8).any(|w| w == b"TENANT#a"));
    }
}
