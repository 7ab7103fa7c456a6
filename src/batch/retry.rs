//! [`RetryPolicy`]: exponential backoff with full jitter for batches and throttling.

use std::time::Duration;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// How batch operations retry unprocessed items and throttled requests: up to
/// `max_attempts` sends of each item, sleeping a random time between zero and
/// `min(cap, base × 2^attempt)` before each retry ("full jitter").
///
/// ```
/// use std::time::Duration;
/// let policy = dynamorm::RetryPolicy::default()
///     .max_attempts(5)
///     .base(Duration::from_millis(10))
///     .cap(Duration::from_millis(500));
/// assert_eq!(policy.attempts(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base: Duration,
    cap: Duration,
}

impl Default for RetryPolicy {
    /// 10 attempts, 25 ms base, 2 s cap.
    fn default() -> Self {
        Self {
            max_attempts: 10,
            base: Duration::from_millis(25),
            cap: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// At most `n` sends of each item (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The first backoff's upper bound.
    pub fn base(mut self, base: Duration) -> Self {
        self.base = base;
        self
    }

    /// The largest backoff's upper bound.
    pub fn cap(mut self, cap: Duration) -> Self {
        self.cap = cap;
        self
    }

    /// The configured number of attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Sleeps before retry number `attempt` (1 for the first retry).
    pub(crate) async fn backoff(&self, attempt: u32) {
        let ceiling = self
            .base
            .saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX))
            .min(self.cap);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        let delay = Duration::from_nanos(fastrand::u64(0..=nanos));
        tokio::time::sleep(delay).await;
    }
}

/// Whether a failed request is worth sending again: throttling, server errors, and
/// transport failures (timeouts, dropped connections).
pub(crate) fn is_retryable<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(e) => matches!(
            e.err().code(),
            Some(
                "ProvisionedThroughputExceededException"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "InternalServerError"
                    | "ServiceUnavailable"
            )
        ),
        _ => false,
    }
}
