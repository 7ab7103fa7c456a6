//! [`Partial`]: the output of a batch, which can partly fail — checked before it is used.

use crate::Error;

/// The output of a batch (`BatchWrite`, `BatchGet`, `WriteStream`): some of it may have
/// failed. `#[must_use]`, so a batch whose failures nobody looked at is a warning;
/// [`into_result`](Partial::into_result) turns any failure into an [`Error`], and the output
/// can be read through it as it is (`out.failed()`), failures and all.
///
/// ```no_run
/// # #[derive(dynamorm::Table)] #[dynamo(name = "app")] pub struct App;
/// # async fn run(db: dynamorm::Db<App>) -> Result<(), dynamorm::Error> {
/// let out = db.batch_write().send().await?;
/// for failed in out.failed() {
///     eprintln!("not written: {failed:?}");
/// }
/// let written = out.into_result()?.written(); // or: an error naming every failed write
/// # Ok(()) }
/// ```
#[must_use = "a batch can partly fail: call `.into_result()?`, or look at `.failed()`"]
#[derive(Debug, Clone, PartialEq)]
pub struct Partial<T>(T);

/// What a batch output knows about its own failures (sealed: this module is private).
pub trait Failures: Sized {
    /// `Ok(self)` when nothing failed, otherwise the error that says what did.
    fn into_result(self) -> Result<Self, Error>;
}

impl<T: Failures> Partial<T> {
    pub(crate) fn new(output: T) -> Self {
        Self(output)
    }

    /// The output when every item succeeded; otherwise the error that says which did not
    /// ([`Error::BatchIncomplete`], or the first write a stream refused).
    pub fn into_result(self) -> Result<T, Error> {
        self.0.into_result()
    }

    /// The output as it is, failures and all.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Partial<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Partial<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}
