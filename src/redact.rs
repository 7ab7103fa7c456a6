//! [`Redacted`]: a value whose `Debug` and `Display` never show it.

use std::borrow::Borrow;
use std::fmt;

use crate::Item;

/// A value whose `Debug` and `Display` print a placeholder instead of the value, in the
/// manner of the `secrecy` crate: `<redacted>`, or with a size chosen when it was wrapped
/// (`<redacted, 12 bytes>`, `<redacted, 3 attributes>`).
///
/// A struct that holds its sensitive fields as `Redacted` can `#[derive(Debug)]` and still
/// never print them: safe by construction, with no hand-written `Debug` to keep in step. The
/// value is only reachable through [`expose`](Self::expose) and
/// [`into_inner`](Self::into_inner), which are easy to find in a review. There is no
/// `Deref`: reading the value is always spelled out.
///
/// dynamorm uses it for key text in [`KeyError`](crate::KeyError), for the old item in
/// [`ConditionFailed`](crate::ConditionFailed) and a canceled transaction action, and for
/// the serde and SDK errors behind [`Error`](crate::Error) (as the
/// [`source`](std::error::Error::source) of a decode, encode, transport or service error:
/// `<redacted serde error>`, `<redacted SDK error>`). Wrap your own values the same way to
/// keep them out of logs.
///
/// ```
/// use dynamorm::Redacted;
///
/// #[derive(Debug)]
/// struct Login {
///     user: String,
///     password: Redacted<String>,
/// }
///
/// let login = Login { user: "ada".into(), password: Redacted::text("hunter2".to_owned()) };
/// assert_eq!(
///     format!("{login:?}"),
///     r#"Login { user: "ada", password: <redacted, 7 bytes> }"#
/// );
/// assert_eq!(login.password.to_string(), "<redacted, 7 bytes>");
/// assert_eq!(login.password.expose(), "hunter2");
/// ```
///
/// Equality, ordering and hashing are the value's, so a `Redacted` field does not change
/// how a struct compares.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Redacted<T> {
    value: T,
    hint: Hint,
}

/// What the placeholder says besides `redacted`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Hint {
    /// `<redacted>`.
    None,
    /// `<redacted, N bytes>`.
    Bytes(usize),
    /// `<redacted, N attributes>`.
    Attributes(usize),
    /// `<redacted {what}>`, e.g. `<redacted serde error>`.
    Label(&'static str),
}

impl<T> Redacted<T> {
    /// Wraps `value`; it prints as `<redacted>`.
    ///
    /// ```
    /// use dynamorm::Redacted;
    ///
    /// let token = Redacted::new(42_u64);
    /// assert_eq!(format!("{token:?}"), "<redacted>");
    /// assert_eq!(*token.expose(), 42);
    /// ```
    pub const fn new(value: T) -> Self {
        Self {
            value,
            hint: Hint::None,
        }
    }

    /// A wrapped error source dynamorm builds: `<redacted {label}>`.
    pub(crate) const fn labelled(value: T, label: &'static str) -> Self {
        Self {
            value,
            hint: Hint::Label(label),
        }
    }

    /// The value. Everything printed from it is no longer redacted: call this only where
    /// the value is meant to be read.
    ///
    /// ```
    /// use dynamorm::Redacted;
    ///
    /// let email = Redacted::text("ada@example.com");
    /// assert_eq!(*email.expose(), "ada@example.com");
    /// ```
    pub const fn expose(&self) -> &T {
        &self.value
    }

    /// The value, unwrapped.
    ///
    /// ```
    /// use dynamorm::Redacted;
    ///
    /// let email = Redacted::text(String::from("ada@example.com"));
    /// let email: String = email.into_inner();
    /// assert_eq!(email, "ada@example.com");
    /// ```
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T: AsRef<str>> Redacted<T> {
    /// Wraps text; it prints as `<redacted, N bytes>`, its length in bytes when wrapped.
    ///
    /// ```
    /// use dynamorm::Redacted;
    ///
    /// let key = Redacted::text("USER#ada");
    /// assert_eq!(key.to_string(), "<redacted, 8 bytes>");
    /// ```
    pub fn text(value: T) -> Self {
        let len = value.as_ref().len();
        Self {
            value,
            hint: Hint::Bytes(len),
        }
    }
}

impl<T: Borrow<Item>> Redacted<T> {
    /// Wraps an item (or a reference to one); it prints as `<redacted, N attributes>`.
    ///
    /// ```
    /// use dynamorm::{Item, Redacted};
    /// use aws_sdk_dynamodb::types::AttributeValue;
    ///
    /// let item = Item::from([("email".to_owned(), AttributeValue::S("ada@example.com".into()))]);
    /// let redacted = Redacted::item(&item);
    /// assert_eq!(format!("{redacted:?}"), "<redacted, 1 attributes>");
    /// assert_eq!(redacted.expose().len(), 1);
    /// ```
    pub fn item(value: T) -> Self {
        let len = value.borrow().len();
        Self {
            value,
            hint: Hint::Attributes(len),
        }
    }
}

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.hint {
            Hint::None => f.write_str("<redacted>"),
            Hint::Bytes(n) => write!(f, "<redacted, {n} bytes>"),
            Hint::Attributes(n) => write!(f, "<redacted, {n} attributes>"),
            Hint::Label(what) => write!(f, "<redacted {what}>"),
        }
    }
}

impl<T> fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A redacted boxed error is an error whose message is the placeholder and whose chain
/// ends there: [`source`](std::error::Error::source) is `None`, so walking the chain never
/// prints what the wrapped error holds. Reach the error with [`Redacted::expose`].
///
/// ```
/// use std::error::Error as _;
///
/// use dynamorm::Redacted;
///
/// let io: Box<dyn std::error::Error + Send + Sync> = "file /home/ada/secret.json".into();
/// let redacted = Redacted::new(io);
/// assert_eq!(redacted.to_string(), "<redacted>");
/// assert!(redacted.source().is_none());
/// assert_eq!(redacted.expose().to_string(), "file /home/ada/secret.json");
/// ```
impl<E: std::error::Error + ?Sized> std::error::Error for Redacted<Box<E>> {}

/// serde_dynamo's error, the source of a [`DecodeError`](crate::DecodeError): its message
/// may quote a value of the item.
impl std::error::Error for Redacted<serde_dynamo::Error> {}

/// Key attribute values by name (a migration's key changes, a checkpoint's last key) as
/// `Debug` shows them: the names, each value `<redacted, N bytes>`.
pub(crate) struct RedactedKeyMap<'a>(pub(crate) &'a std::collections::BTreeMap<String, String>);

impl fmt::Debug for RedactedKeyMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.0
                    .iter()
                    .map(|(name, value)| (name, Redacted::text(value))),
            )
            .finish()
    }
}

/// Items as `Debug` shows them: `<redacted, N attributes>` each.
pub(crate) struct RedactedItems<'a, I>(pub(crate) &'a [I]);

impl fmt::Debug for RedactedItems<'_, Item> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(Redacted::item))
            .finish()
    }
}

impl fmt::Debug for RedactedItems<'_, Option<Item>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|i| i.as_ref().map(Redacted::item)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::types::AttributeValue;

    use super::*;

    #[test]
    fn placeholders() {
        let item: Item = HashMap::from([("a".to_owned(), AttributeValue::S("s3cr3t".into()))]);
        let cases = [
            (format!("{:?}", Redacted::new("s3cr3t")), "<redacted>"),
            (format!("{}", Redacted::new("s3cr3t")), "<redacted>"),
            (
                format!("{:#?}", Redacted::text("s3cr3t")),
                "<redacted, 6 bytes>",
            ),
            (
                format!("{}", Redacted::text("s3cr3t")),
                "<redacted, 6 bytes>",
            ),
            (
                format!("{:?}", Redacted::item(&item)),
                "<redacted, 1 attributes>",
            ),
            (
                format!("{}", Redacted::item(item.clone())),
                "<redacted, 1 attributes>",
            ),
            (
                format!("{:?}", Redacted::labelled("s3cr3t", "serde error")),
                "<redacted serde error>",
            ),
            (
                format!("{:?}", Some(Redacted::text(String::from("s3cr3t")))),
                "Some(<redacted, 6 bytes>)",
            ),
        ];
        for (formatted, expected) in cases {
            assert_eq!(formatted, expected);
        }
    }

    #[test]
    fn compares_and_exposes_the_value() {
        let a = Redacted::text(String::from("x"));
        assert_eq!(a, Redacted::text(String::from("x")));
        assert_ne!(a, Redacted::text(String::from("y")));
        assert_eq!(a.expose(), "x");
        assert_eq!(a.into_inner(), "x");
    }

    #[test]
    fn a_redacted_error_ends_the_chain() {
        use std::error::Error as _;
        let inner: Box<dyn std::error::Error + Send + Sync> = "s3cr3t".into();
        let e = Redacted::labelled(inner, "SDK error");
        assert_eq!(e.to_string(), "<redacted SDK error>");
        assert!(e.source().is_none());
        assert_eq!(e.expose().to_string(), "s3cr3t");
    }
}
