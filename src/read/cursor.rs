//! [`Cursor`]: an opaque, URL-safe position in a query, bound to that query.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::Error;
use crate::item::Item;
use crate::key::fnv1a;

/// Version 2 types each key value (multi-attribute index keys are numbers and binary too);
/// version 1 cursors (string values only) are still read.
const VERSION: u8 = 2;
/// A sharded read's cursor: a position for every shard.
const SHARDED: u8 = 3;

/// Where a paginated read stopped; pass it to `.after(cursor)` to resume.
///
/// It is opaque and URL-safe (safe to hand to a web client) and only resumes the query it
/// came from: resuming another entity's, index's, table's, partition's or direction's query,
/// or a cursor that was altered or truncated, is an [`Error::InvalidCursor`] — never a
/// panic and never a silently different query.
///
/// Format, before base64url encoding without padding: a version byte (`2`); the query's
/// 8-byte fingerprint (FNV-1a over table name, index name, result type, key condition and
/// its values, and direction); the number of key attributes; each attribute as a `u16`
/// length and its name, then its type (`S`, `N` or `B`), a `u16` length and its value (DynamoDB's
/// `LastEvaluatedKey`, or the key of the last item returned when a limit stopped inside a
/// page); and an 8-byte FNV-1a checksum of all of that. A sharded read's cursor (version
/// `3`) holds, after the fingerprint, the number of shards as a `u16` and for each a tag —
/// `0` from its start, `1` after the key that follows (encoded as above), `2` done — so one
/// cursor resumes every shard exactly. A cursor is integrity-checked, not
/// encrypted or signed: it reveals the key of the last item read, so do not put secrets in
/// keys you page over in public.
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

impl Cursor {
    /// The cursor as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps text received from a client; it is checked when the query resumes.
    pub fn from_string(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    pub(crate) fn encode(fingerprint: u64, key: &Item) -> Result<Self, Error> {
        let mut out = vec![VERSION];
        out.extend_from_slice(&fingerprint.to_be_bytes());
        write_key(&mut out, key)?;
        Ok(Self::seal(out))
    }

    /// A cursor of a sharded read: where each shard resumes.
    pub(crate) fn encode_shards(fingerprint: u64, shards: &[Position]) -> Result<Self, Error> {
        let mut out = vec![SHARDED];
        out.extend_from_slice(&fingerprint.to_be_bytes());
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
        Ok(Self::seal(out))
    }

    fn seal(mut out: Vec<u8>) -> Self {
        let checksum = fnv1a(&out);
        out.extend_from_slice(&checksum.to_be_bytes());
        Self(URL_SAFE_NO_PAD.encode(out))
    }

    /// The body after the checksum, version and fingerprint checks; `sharded` says which
    /// kind of read is resuming.
    fn open(&self, fingerprint: u64, sharded: bool) -> Result<(u8, Vec<u8>), Error> {
        let bytes = URL_SAFE_NO_PAD
            .decode(self.0.as_bytes())
            .map_err(|_| invalid("not base64url"))?;
        let (body, checksum) = bytes
            .split_last_chunk::<8>()
            .ok_or_else(|| invalid("truncated"))?;
        if fnv1a(body) != u64::from_be_bytes(*checksum) {
            return Err(invalid("checksum mismatch: altered or truncated"));
        }
        let mut reader = Reader(body);
        let version = reader.take(1)?[0];
        if ![1, VERSION, SHARDED].contains(&version) {
            return Err(invalid("unknown version"));
        }
        let found = u64::from_be_bytes(
            reader
                .take(8)?
                .try_into()
                .map_err(|_| invalid("truncated"))?,
        );
        if found != fingerprint || (version == SHARDED) != sharded {
            return Err(invalid(
                "it belongs to another query (table, index, entity type, key condition or order)",
            ));
        }
        Ok((version, reader.0.to_vec()))
    }

    pub(crate) fn decode(&self, fingerprint: u64) -> Result<Item, Error> {
        let (version, body) = self.open(fingerprint, false)?;
        let mut reader = Reader(&body);
        let key = read_key(&mut reader, version)?;
        reader.end()?;
        Ok(key)
    }

    /// Where each of `shards` shards resumes.
    pub(crate) fn decode_shards(
        &self,
        fingerprint: u64,
        shards: usize,
    ) -> Result<Vec<Position>, Error> {
        let (_, body) = self.open(fingerprint, true)?;
        let mut reader = Reader(&body);
        let count = reader.take(2)?;
        if usize::from(u16::from_be_bytes([count[0], count[1]])) != shards {
            return Err(invalid("it belongs to a read of another number of shards"));
        }
        let positions = (0..shards)
            .map(|_| match reader.take(1)?[0] {
                0 => Ok(Position::Start),
                1 => Ok(Position::After(read_key(&mut reader, VERSION)?)),
                2 => Ok(Position::Done),
                _ => Err(invalid("unknown shard position")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        reader.end()?;
        Ok(positions)
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

/// Each key attribute as a `u16` length and its name, its type (`S`, `N` or `B`), a `u16`
/// length and its value, after the attribute count.
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

fn read_key(reader: &mut Reader<'_>, version: u8) -> Result<Item, Error> {
    let count = reader.take(1)?[0];
    let mut key = HashMap::new();
    for _ in 0..count {
        let name = reader.string()?;
        let kind = if version == 1 {
            b'S'
        } else {
            reader.take(1)?[0]
        };
        let value = match kind {
            b'S' => AttributeValue::S(reader.string()?),
            b'N' => AttributeValue::N(reader.string()?),
            b'B' => AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(reader.bytes()?)),
            _ => return Err(invalid("unknown key value type")),
        };
        key.insert(name, value);
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

    fn bytes(&mut self) -> Result<Vec<u8>, Error> {
        let len = self.take(2)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        Ok(self.take(len)?.to_vec())
    }

    fn string(&mut self) -> Result<String, Error> {
        String::from_utf8(self.bytes()?).map_err(|_| invalid("not UTF-8"))
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
    use super::*;

    fn key() -> Item {
        [("PK", "TENANT#a"), ("SK", "PROJECT#p#TASK#0000000001")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), AttributeValue::S(v.to_owned())))
            .collect()
    }

    #[test]
    fn typed_values_round_trip_and_version_1_cursors_still_resume() {
        let mut typed = key();
        typed.insert("round".into(), AttributeValue::N("-10.5".into()));
        typed.insert(
            "blob".into(),
            AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(vec![0, 255, 7])),
        );
        let cursor = Cursor::encode(7, &typed).expect("encodes");
        assert_eq!(cursor.decode(7).expect("decodes"), typed);

        // A version-1 cursor, as earlier releases wrote it: string values, no type bytes.
        let mut v1 = vec![1u8];
        v1.extend_from_slice(&42u64.to_be_bytes());
        v1.push(1);
        for part in ["PK", "TENANT#a"] {
            v1.extend_from_slice(&u16::try_from(part.len()).expect("short").to_be_bytes());
            v1.extend_from_slice(part.as_bytes());
        }
        let checksum = fnv1a(&v1);
        v1.extend_from_slice(&checksum.to_be_bytes());
        let old = Cursor::from_string(URL_SAFE_NO_PAD.encode(v1));
        let decoded = old.decode(42).expect("version 1 decodes");
        assert_eq!(decoded["PK"], AttributeValue::S("TENANT#a".into()));
    }

    #[test]
    fn round_trips_and_rejects_misuse() {
        let cursor = Cursor::encode(42, &key()).expect("encodes");
        assert!(
            cursor
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(cursor.decode(42).expect("decodes"), key());
        assert!(matches!(
            cursor.decode(43),
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
                    Cursor::from_string(broken).decode(42),
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
                Cursor::from_string(altered).decode(42).is_err(),
                "position {i}"
            );
        }
    }
}
