//! [`KeyPart`]: how a value becomes one component of a key, and back.

use std::borrow::Cow;
use std::sync::Arc;

use super::KeyError;
use super::escape::{escape_into, unescape};

/// A value that can be one `{component}` of a key template.
///
/// The contract of an implementation:
/// - `write_key` appends a component containing no character up to `$` (U+0000..=U+0024:
///   the `#` delimiter, the `$` that bounds ranges, and everything below them). Text must
///   go through an existing implementation (`String`'s escapes those characters). A key
///   whose part breaks this is refused before anything is sent (`KeyError::Malformed`),
///   because it could forge another item's key (`x#y`) or fall outside a range.
/// - The string order of components equals the values' natural order, if you query ranges
///   over the part.
/// - `parse_key` parses exactly what `write_key` wrote.
///
/// A part of the **primary key** is also a field of the generated key struct (`TaskKey`),
/// which derives `Debug, Clone, PartialEq, Eq, Hash`: the type must implement those too
/// (index-only parts need not).
///
/// | type | encoding | example |
/// |---|---|---|
/// | `String`, `&str`, `Box<str>`, `Arc<str>`, `Cow<str>` | [escaped](crate::key) text | `Ann%20Lee` |
/// | `u8`..`u128`, `usize` | zero-padded to the type's width | `u16` 42 → `00042` |
/// | `i8`..`i128`, `isize` | `-` + (value − MIN) for negatives, zero-padded otherwise | `i32` −1 → `-2147483647` |
/// | `bool` | `false` / `true` | |
/// | `chrono::DateTime<Utc>` | fixed-width RFC 3339 with nanoseconds | `2024-05-01T09:30:00.000000000Z` |
///
/// Implement it for your own types (an enum that selects a prefix, an id newtype, a computed
/// shard) by writing through an existing implementation, so escaping stays correct:
///
/// ```
/// use dynamorm::{KeyError, KeyPart};
///
/// #[derive(Debug, PartialEq)]
/// enum Status { Open, Done }
///
/// impl KeyPart for Status {
///     fn write_key(&self, out: &mut String) -> Result<(), KeyError> {
///         out.push_str(match self { Status::Open => "OPEN", Status::Done => "DONE" });
///         Ok(())
///     }
///     fn parse_key(encoded: &str) -> Result<Self, KeyError> {
///         match encoded {
///             "OPEN" => Ok(Status::Open),
///             "DONE" => Ok(Status::Done),
///             other => Err(KeyError::malformed(other, "expected OPEN or DONE")),
///         }
///     }
/// }
///
/// let mut key = String::new();
/// Status::Done.write_key(&mut key).unwrap();
/// assert_eq!(Status::parse_key(&key).unwrap(), Status::Done);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of a key template",
    label = "this field is used in a key template",
    note = "key parts are strings, integers, `bool` and `chrono::DateTime<Utc>`; implement `dynamorm::KeyPart` for `{Self}` to use it"
)]
pub trait KeyPart {
    /// Appends the encoded component to `out`. It must not contain `#`.
    fn write_key(&self, out: &mut String) -> Result<(), KeyError>;

    /// Parses a component written by [`KeyPart::write_key`].
    fn parse_key(encoded: &str) -> Result<Self, KeyError>
    where
        Self: Sized;
}

impl KeyPart for String {
    fn write_key(&self, out: &mut String) -> Result<(), KeyError> {
        escape_into(self, out);
        Ok(())
    }
    fn parse_key(encoded: &str) -> Result<Self, KeyError> {
        unescape(encoded)
    }
}

impl KeyPart for str {
    fn write_key(&self, out: &mut String) -> Result<(), KeyError> {
        escape_into(self, out);
        Ok(())
    }
}

macro_rules! string_like {
    ($($ty:ty => $from:expr),* $(,)?) => {$(
        impl KeyPart for $ty {
            fn write_key(&self, out: &mut String) -> Result<(), KeyError> {
                escape_into(self, out);
                Ok(())
            }
            fn parse_key(encoded: &str) -> Result<Self, KeyError> {
                unescape(encoded).map($from)
            }
        }
    )*};
}
string_like!(Box<str> => String::into_boxed_str, Arc<str> => Arc::from, Cow<'static, str> => Cow::Owned);

impl<T: KeyPart + ?Sized> KeyPart for &T {
    fn write_key(&self, out: &mut String) -> Result<(), KeyError> {
        (**self).write_key(out)
    }
    fn parse_key(_: &str) -> Result<Self, KeyError>
    where
        Self: Sized,
    {
        Err(KeyError::malformed(
            "",
            "a borrowed key part cannot be parsed",
        ))
    }
}

/// Writes `n` zero-padded to `width` digits.
fn write_padded(n: u128, width: usize, out: &mut String) {
    // Not `write!("{n:0width$}")`: fmt pads one `write_char` at a time, and every key with
    // a number part goes through here.
    let mut buffer = itoa::Buffer::new();
    let digits = match u64::try_from(n) {
        Ok(small) => buffer.format(small),
        Err(_) => buffer.format(n),
    };
    out.reserve(width.max(digits.len()));
    out.extend(std::iter::repeat_n('0', width.saturating_sub(digits.len())));
    out.push_str(digits);
}

fn parse_digits(encoded: &str, width: usize) -> Result<u128, KeyError> {
    if encoded.len() != width || !encoded.bytes().all(|b| b.is_ascii_digit()) {
        return Err(KeyError::malformed(
            encoded,
            "expected a zero-padded number of the integer type's width",
        ));
    }
    encoded
        .parse()
        .map_err(|_| KeyError::malformed(encoded, "number out of range"))
}

macro_rules! unsigned {
    ($($ty:ty),*) => {$(
        impl KeyPart for $ty {
            fn write_key(&self, out: &mut String) -> Result<(), KeyError> {
                write_padded(*self as u128, digits(<$ty>::MAX as u128), out);
                Ok(())
            }
            fn parse_key(encoded: &str) -> Result<Self, KeyError> {
                let n = parse_digits(encoded, digits(<$ty>::MAX as u128))?;
                <$ty>::try_from(n).map_err(|_| KeyError::malformed(encoded, "number out of range"))
            }
        }
    )*};
}

macro_rules! signed {
    ($($ty:ty => $unsigned:ty),*) => {$(
        impl KeyPart for $ty {
            fn write_key(&self, out: &mut String) -> Result<(), KeyError> {
                let width = digits(<$ty>::MAX as u128);
                if *self < 0 {
                    // Offset from MIN keeps negatives in order, and `-` sorts before digits.
                    out.push('-');
                    write_padded(self.abs_diff(<$ty>::MIN) as u128, width, out);
                } else {
                    write_padded(*self as u128, width, out);
                }
                Ok(())
            }
            fn parse_key(encoded: &str) -> Result<Self, KeyError> {
                let width = digits(<$ty>::MAX as u128);
                let out_of_range = || KeyError::malformed(encoded, "number out of range");
                if let Some(rest) = encoded.strip_prefix('-') {
                    let offset = <$unsigned>::try_from(parse_digits(rest, width)?).map_err(|_| out_of_range())?;
                    let value = <$ty>::MIN.checked_add_unsigned(offset).ok_or_else(out_of_range)?;
                    if value >= 0 { return Err(out_of_range()); }
                    Ok(value)
                } else {
                    <$ty>::try_from(parse_digits(encoded, width)?).map_err(|_| out_of_range())
                }
            }
        }
    )*};
}

const fn digits(max: u128) -> usize {
    let mut n = max;
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

unsigned!(u8, u16, u32, u64, u128, usize);
signed!(i8 => u8, i16 => u16, i32 => u32, i64 => u64, i128 => u128, isize => usize);

impl KeyPart for bool {
    fn write_key(&self, out: &mut String) -> Result<(), KeyError> {
        out.push_str(if *self { "true" } else { "false" });
        Ok(())
    }
    fn parse_key(encoded: &str) -> Result<Self, KeyError> {
        match encoded {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(KeyError::malformed(encoded, "expected `true` or `false`")),
        }
    }
}

#[cfg(feature = "chrono")]
impl KeyPart for chrono::DateTime<chrono::Utc> {
    fn write_key(&self, out: &mut String) -> Result<(), KeyError> {
        use chrono::Datelike;
        if !(0..=9999).contains(&self.year()) {
            return Err(KeyError::OutOfRange {
                reason: "timestamps in keys must lie in the years 0000..=9999",
            });
        }
        use chrono::Timelike;
        // Written digit by digit: chrono's `format` machinery costs more than the rest of
        // a key's rendering together.
        let date = self.date_naive();
        let time = self.time();
        let mut buf = [0u8; 30];
        let mut put = |at: usize, value: u32, width: usize| {
            let mut v = value;
            for i in (0..width).rev() {
                buf[at + i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, date.year().unsigned_abs(), 4);
        put(5, date.month(), 2);
        put(8, date.day(), 2);
        put(11, time.hour(), 2);
        put(14, time.minute(), 2);
        // A leap second is stored by chrono as nanoseconds >= 1e9; keep it in the seconds.
        let (second, nanos) = match time.nanosecond() {
            n if n >= 1_000_000_000 => (60, n - 1_000_000_000),
            n => (time.second(), n),
        };
        put(17, second, 2);
        put(20, nanos, 9);
        for (at, sep) in [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
            (29, b'Z'),
        ] {
            buf[at] = sep;
        }
        out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
        Ok(())
    }
    fn parse_key(encoded: &str) -> Result<Self, KeyError> {
        if encoded.len() != 30 {
            return Err(KeyError::malformed(
                encoded,
                "expected a timestamp like 2024-05-01T09:30:00.000000000Z",
            ));
        }
        chrono::NaiveDateTime::parse_from_str(encoded, "%Y-%m-%dT%H:%M:%S%.9fZ")
            .map(|t| t.and_utc())
            .map_err(|_| {
                KeyError::malformed(
                    encoded,
                    "expected a timestamp like 2024-05-01T09:30:00.000000000Z",
                )
            })
    }
}

/// A key part that can be a field of the generated primary-key struct, which derives
/// `Debug, Clone, PartialEq, Eq, Hash`. `#[derive(Entity)]` asserts it for every primary-key
/// part, so a missing trait is reported on the template that uses the field.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of a primary key",
    label = "a primary-key template uses a field of this type",
    note = "the generated key struct derives `Debug, Clone, PartialEq, Eq, Hash`: implement `KeyPart` and derive those for `{Self}`"
)]
pub trait PrimaryKeyPart: KeyPart + std::hash::Hash + Eq + Clone + std::fmt::Debug {}

impl<T: KeyPart + std::hash::Hash + Eq + Clone + std::fmt::Debug> PrimaryKeyPart for T {}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc<T: KeyPart>(v: T) -> String {
        let mut s = String::new();
        v.write_key(&mut s).expect("encodes");
        s
    }

    #[test]
    fn integer_encodings() {
        assert_eq!(enc(42u16), "00042");
        assert_eq!(enc(0u8), "000");
        assert_eq!(enc(u64::MAX), "18446744073709551615");
        assert_eq!(enc(5i32), "0000000005");
        assert_eq!(enc(-1i32), "-2147483647");
        assert_eq!(enc(i32::MIN), "-0000000000");
        assert_eq!(i32::parse_key("-2147483647"), Ok(-1));
        assert_eq!(
            i8::parse_key("-128"),
            Err(KeyError::malformed("-128", "number out of range"))
        );
        assert!(u8::parse_key("256").is_err());
        assert!(u8::parse_key("12").is_err());
        assert!(u8::parse_key("+12").is_err());
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn timestamps_are_fixed_width() {
        use chrono::TimeZone;
        let t = chrono::Utc
            .with_ymd_and_hms(2024, 5, 1, 9, 30, 0)
            .single()
            .expect("valid");
        assert_eq!(enc(t), "2024-05-01T09:30:00.000000000Z");
        assert_eq!(chrono::DateTime::<chrono::Utc>::parse_key(&enc(t)), Ok(t));
        let far = chrono::Utc
            .with_ymd_and_hms(10000, 1, 1, 0, 0, 0)
            .single()
            .expect("valid");
        let mut s = String::new();
        assert!(far.write_key(&mut s).is_err());
    }
}
