//! The string escaping that makes key components injection-proof and order-preserving.
//!
//! Every character up to and including `%` (U+0000..=U+0025, which covers the `#` delimiter,
//! space and the escape character itself) is written as `%` followed by two upper-case hex
//! digits; every other character is written as itself. Because `%` sorts below every
//! character written as itself and above the `#` delimiter, and upper-case hex digits sort in
//! numeric order, the byte order of encoded components equals the order of the raw strings,
//! and a shorter component always sorts before its extensions.

use super::KeyError;

/// The highest character that is escaped.
const LAST_ESCAPED: char = '%';

/// Appends `raw` to `out`, escaped.
pub(crate) fn escape_into(raw: &str, out: &mut String) {
    // Fast path: most ids, e-mails and dates need no escaping at all.
    if !raw.bytes().any(|b| b <= LAST_ESCAPED as u8) {
        out.push_str(raw);
        return;
    }
    out.reserve(raw.len() + 8);
    for c in raw.chars() {
        if c <= LAST_ESCAPED {
            let b = c as u8;
            out.push('%');
            out.push(hex_digit(b >> 4));
            out.push(hex_digit(b & 0x0f));
        } else {
            out.push(c);
        }
    }
}

/// Decodes an escaped component, rejecting anything [`escape_into`] cannot have produced.
pub(crate) fn unescape(encoded: &str) -> Result<String, KeyError> {
    if !encoded.bytes().any(|b| b <= LAST_ESCAPED as u8) {
        return Ok(encoded.to_owned());
    }
    let mut out = String::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            let hi = chars.next().and_then(hex_value);
            let lo = chars.next().and_then(hex_value);
            match (hi, lo) {
                (Some(hi), Some(lo)) if (hi << 4 | lo) <= LAST_ESCAPED as u8 => {
                    out.push(char::from(hi << 4 | lo));
                }
                _ => return Err(KeyError::malformed(encoded, "invalid `%` escape")),
            }
        } else if c <= LAST_ESCAPED {
            return Err(KeyError::malformed(encoded, "unescaped reserved character"));
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

fn hex_digit(n: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(n & 0x0f)])
}

fn hex_value(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        'A'..='F' => Some(c as u8 - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        let mut out = String::new();
        escape_into(s, &mut out);
        out
    }

    #[test]
    fn escapes_reserved_characters_only() {
        let cases = [
            ("plain", "plain"),
            ("", ""),
            ("a#b", "a%23b"),
            ("100%", "100%25"),
            ("Ann Lee", "Ann%20Lee"),
            ("x#b_y", "x%23b_y"),
            ("ü#€", "ü%23€"),
            ("a@b.c-d_e", "a@b.c-d_e"),
            ("\0\n", "%00%0A"),
        ];
        for (raw, encoded) in cases {
            assert_eq!(esc(raw), encoded, "escaping {raw:?}");
            assert_eq!(
                unescape(encoded).as_deref(),
                Ok(raw),
                "unescaping {encoded:?}"
            );
        }
    }

    #[test]
    fn rejects_what_escaping_cannot_produce() {
        for bad in ["a#b", "%", "%2", "%zz", "%41", "%2a", "a b"] {
            assert!(unescape(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
