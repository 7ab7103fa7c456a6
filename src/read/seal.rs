//! How a cursor's bytes are protected on their way through a client: an unkeyed checksum
//! (catches accidents), an HMAC-SHA256 tag (a client cannot move its position at all), or
//! XChaCha20-Poly1305 encryption (nor read the key it holds). [`CursorKey`] is the
//! application's secret; the format of what it protects is in [`super::cursor`].

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::key::fnv1a;
use crate::{Error, InvalidInputKind};

/// The first byte of a signed cursor (an unsigned one starts with its format version, 1–3).
const SIGNED: u8 = 0x10;
/// The first byte of an encrypted cursor.
const ENCRYPTED: u8 = 0x11;
/// HMAC-SHA256's tag, kept whole.
const TAG_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;
/// Poly1305's tag.
const AEAD_TAG_BYTES: usize = 16;
/// The most any envelope adds to a cursor's body.
pub(crate) const MAX_OVERHEAD: usize = 1 + NONCE_BYTES + AEAD_TAG_BYTES + TAG_BYTES;
/// The shortest secret a key is made from.
const MIN_SECRET_BYTES: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// The application's secret for cursors: with it set on the handle
/// ([`Db::with_cursor_key`](crate::Db::with_cursor_key)), every cursor a read hands out is
/// authenticated (and, with [`CursorKey::encrypting`], encrypted), and every cursor a read
/// resumes from must be one this key — or a previous key still accepted — sealed.
///
/// - **Unsigned** (no key): a checksum catches truncation and accidents; a client can still
///   write a cursor for another position *inside the same query's key range* (the library
///   refuses any other, see [`Cursor`](crate::Cursor)).
/// - **Signed** ([`CursorKey::signing`]): an HMAC-SHA256 tag, compared in constant time; a
///   client can neither move its position nor forge one. The position is readable.
/// - **Encrypted** ([`CursorKey::encrypting`]): XChaCha20-Poly1305; the position (the last
///   key read, which may hold personal data) is also hidden. The nonce is derived from the
///   content (a synthetic IV), so the same position of the same query gives the same text:
///   a client learns that two cursors are equal and nothing else.
///
/// Keys rotate: [`CursorKey::with_previous`] keeps accepting cursors sealed with the old
/// secret (new ones are always sealed with the current one). Reads with a key refuse
/// unsigned cursors; reads without one refuse sealed cursors.
///
/// ```
/// use dynamorm::CursorKey;
/// # fn secret(name: &str) -> Vec<u8> { vec![7; 32] }
/// let key = CursorKey::signing(&secret("cursor-2026-12"))?
///     .with_previous(&secret("cursor-2026-11"))?;
/// # let _ = key;
/// # Ok::<(), dynamorm::Error>(())
/// ```
#[derive(Clone)]
pub struct CursorKey {
    current: Arc<Secret>,
    previous: Vec<Arc<Secret>>,
}

/// Keys derived from one application secret, one per use (domain separation).
struct Secret {
    encrypt: bool,
    mac: [u8; 32],
    cipher: [u8; 32],
    nonce: [u8; 32],
}

/// A key's secrets are never shown.
impl fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CursorKey")
            .field("encrypting", &self.current.encrypt)
            .field("previous", &self.previous.len())
            .finish_non_exhaustive()
    }
}

impl CursorKey {
    /// Cursors authenticated with HMAC-SHA256 under keys derived from `secret` (at least 32
    /// bytes, e.g. from a secrets manager; shorter is an
    /// [`InvalidInputKind::Configuration`] error).
    pub fn signing(secret: &[u8]) -> Result<Self, Error> {
        Self::new(secret, false)
    }

    /// Cursors encrypted and authenticated with XChaCha20-Poly1305 under keys derived from
    /// `secret` (at least 32 bytes).
    pub fn encrypting(secret: &[u8]) -> Result<Self, Error> {
        Self::new(secret, true)
    }

    /// Also accepts cursors sealed with `secret` (signed or encrypted, as this key is), for
    /// as long as the key is configured so: rotate by making the new secret current and
    /// the old one previous, then drop it once the longest-lived cursor has expired.
    pub fn with_previous(mut self, secret: &[u8]) -> Result<Self, Error> {
        let encrypt = self.current.encrypt;
        self.previous
            .push(Arc::new(Secret::derive(secret, encrypt)?));
        Ok(self)
    }

    fn new(secret: &[u8], encrypt: bool) -> Result<Self, Error> {
        Ok(Self {
            current: Arc::new(Secret::derive(secret, encrypt)?),
            previous: Vec::new(),
        })
    }

    fn accepted(&self) -> impl Iterator<Item = &Secret> {
        std::iter::once(&*self.current).chain(self.previous.iter().map(|s| &**s))
    }
}

impl Secret {
    fn derive(secret: &[u8], encrypt: bool) -> Result<Self, Error> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(Error::invalid(
                InvalidInputKind::Configuration,
                format!(
                    "a cursor key's secret must be at least {MIN_SECRET_BYTES} bytes, got {}",
                    secret.len()
                ),
            ));
        }
        let derive = |purpose: &[u8]| -> [u8; 32] { hmac(secret, &[purpose]).into() };
        Ok(Self {
            encrypt,
            mac: derive(b"dynamorm cursor v1: signing"),
            cipher: derive(b"dynamorm cursor v1: encryption"),
            nonce: derive(b"dynamorm cursor v1: nonce"),
        })
    }

    fn tag(&self, parts: &[&[u8]]) -> [u8; TAG_BYTES] {
        hmac(&self.mac, parts).into()
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.cipher.into())
    }
}

/// HMAC-SHA256 of the concatenation of `parts`.
fn hmac(key: &[u8], parts: &[&[u8]]) -> sha2::digest::Output<Sha256> {
    let mut mac = mac(key);
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes()
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length; the error case cannot happen.
    <HmacSha256 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()))
}

/// The cursor text of `body`, sealed as `key` says.
pub(crate) fn seal(mut body: Vec<u8>, key: Option<&CursorKey>) -> Result<String, Error> {
    let Some(key) = key else {
        let checksum = fnv1a(&body);
        body.extend_from_slice(&checksum.to_be_bytes());
        return Ok(URL_SAFE_NO_PAD.encode(body));
    };
    let secret = &key.current;
    let sealed = if secret.encrypt {
        let nonce: [u8; 32] = hmac(&secret.nonce, &[&body]).into();
        let nonce = &nonce[..NONCE_BYTES];
        let ciphertext = secret
            .cipher()
            .encrypt(
                &XNonce::try_from(nonce).map_err(|_| sealing_failed())?,
                Payload {
                    msg: &body,
                    aad: &[ENCRYPTED],
                },
            )
            .map_err(|_| sealing_failed())?;
        let mut out = Vec::with_capacity(1 + NONCE_BYTES + ciphertext.len());
        out.push(ENCRYPTED);
        out.extend_from_slice(nonce);
        out.extend_from_slice(&ciphertext);
        out
    } else {
        let tag = secret.tag(&[&[SIGNED], &body]);
        let mut out = Vec::with_capacity(1 + body.len() + TAG_BYTES);
        out.push(SIGNED);
        out.append(&mut body);
        out.extend_from_slice(&tag);
        out
    };
    Ok(URL_SAFE_NO_PAD.encode(sealed))
}

/// The body of cursor `text`, checked as `key` says; a text longer than a body of
/// `max_body` bytes could be is refused before it is decoded.
pub(crate) fn open(text: &str, key: Option<&CursorKey>, max_body: usize) -> Result<Vec<u8>, Error> {
    let max_text = (max_body + MAX_OVERHEAD).div_ceil(3) * 4;
    if text.len() > max_text {
        return Err(invalid("longer than any cursor of this read"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(text.as_bytes())
        .map_err(|_| invalid("not base64url"))?;
    let sealing = bytes.first().copied();
    match (key, sealing) {
        (_, None) => Err(invalid("empty")),
        (None, Some(SIGNED | ENCRYPTED)) => Err(invalid(
            "a signed or encrypted cursor, and this read has no cursor key",
        )),
        (None, Some(_)) => open_checksummed(bytes),
        (Some(key), Some(SIGNED)) => open_signed(&bytes[1..], key),
        (Some(key), Some(ENCRYPTED)) => open_encrypted(&bytes[1..], key),
        (Some(_), Some(_)) => Err(invalid(
            "an unsigned cursor, and this read takes only cursors sealed with its key",
        )),
    }
}

fn open_checksummed(mut bytes: Vec<u8>) -> Result<Vec<u8>, Error> {
    let Some((body, checksum)) = bytes.split_last_chunk::<8>() else {
        return Err(invalid("truncated"));
    };
    if fnv1a(body) != u64::from_be_bytes(*checksum) {
        return Err(invalid("checksum mismatch: altered or truncated"));
    }
    bytes.truncate(bytes.len() - 8);
    Ok(bytes)
}

fn open_signed(sealed: &[u8], key: &CursorKey) -> Result<Vec<u8>, Error> {
    let Some((body, tag)) = sealed.split_last_chunk::<TAG_BYTES>() else {
        return Err(invalid("truncated"));
    };
    let authentic = key.accepted().filter(|s| !s.encrypt).any(|secret| {
        let mut mac = mac(&secret.mac);
        mac.update(&[SIGNED]);
        mac.update(body);
        // Constant time.
        mac.verify_slice(tag).is_ok()
    });
    if authentic {
        Ok(body.to_vec())
    } else {
        Err(invalid(
            "its signature does not verify: altered, or sealed with another key",
        ))
    }
}

fn open_encrypted(sealed: &[u8], key: &CursorKey) -> Result<Vec<u8>, Error> {
    if sealed.len() < NONCE_BYTES + AEAD_TAG_BYTES {
        return Err(invalid("truncated"));
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
    let nonce = XNonce::try_from(nonce).map_err(|_| invalid("truncated"))?;
    key.accepted()
        .filter(|s| s.encrypt)
        .find_map(|secret| {
            secret
                .cipher()
                .decrypt(
                    &nonce,
                    Payload {
                        msg: ciphertext,
                        aad: &[ENCRYPTED],
                    },
                )
                .ok()
        })
        .ok_or_else(|| invalid("it does not decrypt: altered, or sealed with another key"))
}

fn sealing_failed() -> Error {
    invalid("the cursor could not be sealed")
}

fn invalid(reason: &'static str) -> Error {
    Error::InvalidCursor { reason }
}
