//! Rate limits per source address: on enrolment attempts, and on
//! authentication failures (unknown or revoked device and HR tokens, unknown
//! invite codes).
//!
//! Each limit is a token bucket per source (the generic cell rate algorithm:
//! one instant per source, no timer task): a burst of `burst` at once, then
//! one more every `refill_seconds`. Enrolment takes from its bucket on every
//! attempt. The failure bucket is only *looked at* before a token or code is
//! checked, and taken from when the check fails: a source that has run out
//! gets `rate_limited` (429, `Retry-After`) for every authenticated request,
//! right or wrong, so the answer to a guess never depends on the guess.
//!
//! Why not the `governor` crate: it can only take a cell, never ask whether
//! one is left, and the failure limit must be asked before authenticating
//! (answering 429 to wrong guesses and 200 to the right one would leave the
//! brute force as fast as before). Forty lines of arithmetic, tested below,
//! do both.
//!
//! A source is the peer's IPv4 address, or the /64 prefix of its IPv6
//! address (one subscriber usually holds a whole /64). Requests with no peer
//! address (the in-process tests' `oneshot`) share one source. At most
//! [`MAX_TRACKED_SOURCES`] sources are tracked; past that, buckets that have
//! filled up again are forgotten, and if none has, new sources share one
//! overflow bucket, so memory stays bounded whatever the number of addresses.
//!
//! Nothing here is logged: an address is personal data, and the request log
//! has only method, path, status and latency.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::error::{Result, ServerError};

/// The most sources one bucket set tracks before sharing an overflow bucket.
pub const MAX_TRACKED_SOURCES: usize = 100_000;

/// One limit: a burst, then one more every `refill_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// How many at once from a fresh source.
    pub burst: u32,
    /// Seconds until one more is allowed.
    pub refill_seconds: u32,
}

/// The limits the server applies per source, set by the administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Enrolment attempts (`POST /v1/enrol`), successful or not.
    pub enrolment: Quota,
    /// Authentication failures: unknown, revoked or malformed tokens and unknown invite codes.
    pub authentication_failures: Quota,
}

impl Default for RateLimitConfig {
    /// Ten enrolments at once, then one every 6 s (ten a minute): an office
    /// behind one address enrols in a few minutes, a script cannot enrol
    /// dozens of devices in a second. Ten wrong tokens or codes, then one
    /// guess every 6 s.
    fn default() -> RateLimitConfig {
        RateLimitConfig {
            enrolment: Quota { burst: 10, refill_seconds: 6 },
            authentication_failures: Quota { burst: 10, refill_seconds: 6 },
        }
    }
}

/// Where a request comes from, as far as rate limits are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestSource {
    /// An IPv4 address (also an IPv4 address mapped into IPv6).
    V4(u32),
    /// The /64 prefix of an IPv6 address.
    V6Prefix(u64),
    /// No peer address is known: every such request is one source.
    Unknown,
    /// Past [`MAX_TRACKED_SOURCES`], new sources share this bucket.
    Overflow,
}

impl RequestSource {
    /// The source of a peer at `address`.
    pub fn of_address(address: IpAddr) -> RequestSource {
        match address {
            IpAddr::V4(v4) => RequestSource::V4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => RequestSource::V4(u32::from(v4)),
                None => RequestSource::V6Prefix((u128::from(v6) >> 64) as u64),
            },
        }
    }

    /// The source of a request: its `ConnectInfo`, or [`RequestSource::Unknown`].
    pub fn of_parts(parts: &Parts) -> RequestSource {
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(RequestSource::Unknown, |ConnectInfo(peer)| RequestSource::of_address(peer.ip()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestSource {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<RequestSource, Infallible> {
        Ok(RequestSource::of_parts(parts))
    }
}

/// Token buckets of one quota, one per source.
#[derive(Debug)]
pub struct SourceBuckets {
    quota: Quota,
    tracked: Mutex<Tracked>,
}

#[derive(Debug, Default)]
struct Tracked {
    /// Per source, the instant its bucket is full again ("theoretical arrival time").
    full_at: HashMap<RequestSource, Instant>,
    /// When full buckets were last forgotten: at most once a second, so that a flood of new
    /// sources past the cap does not cost a scan of every bucket each.
    last_pruned: Option<Instant>,
}

impl SourceBuckets {
    /// Empty buckets (every source starts with a full burst).
    pub fn new(quota: Quota) -> SourceBuckets {
        SourceBuckets { quota, tracked: Mutex::new(Tracked::default()) }
    }

    fn refill(&self) -> Duration {
        Duration::from_secs(u64::from(self.quota.refill_seconds.max(1)))
    }

    /// How long the whole burst takes to refill.
    fn burst_span(&self) -> Duration {
        self.refill().saturating_mul(self.quota.burst)
    }

    /// How long `source` must wait before one more is allowed, if it must.
    fn wait(&self, full_at: Option<Instant>, now: Instant) -> Option<Duration> {
        let full_at = full_at.filter(|full_at| *full_at > now)?;
        let after_taking = (full_at - now) + self.refill();
        after_taking.checked_sub(self.burst_span()).filter(|wait| !wait.is_zero())
    }

    /// Whether `source` has one left, without taking it; else how long until it has.
    pub fn check(&self, source: RequestSource, now: Instant) -> std::result::Result<(), Duration> {
        let tracked = self.tracked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let source = tracked_as(&tracked.full_at, source);
        match self.wait(tracked.full_at.get(&source).copied(), now) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Takes one for `source`; if none is left, takes nothing and says how long until one is.
    pub fn take(&self, source: RequestSource, now: Instant) -> std::result::Result<(), Duration> {
        let mut tracked = self.tracked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Tracked { full_at: buckets, last_pruned } = &mut *tracked;
        if !buckets.contains_key(&source)
            && buckets.len() >= MAX_TRACKED_SOURCES
            && last_pruned.is_none_or(|last| now.saturating_duration_since(last) >= Duration::from_secs(1))
        {
            // Buckets that are full again are the same as untracked ones.
            buckets.retain(|_, full_at| *full_at > now);
            *last_pruned = Some(now);
        }
        let source = tracked_as(buckets, source);
        let full_at = buckets.get(&source).copied();
        if let Some(wait) = self.wait(full_at, now) {
            return Err(wait);
        }
        let start = full_at.filter(|full_at| *full_at > now).unwrap_or(now);
        buckets.insert(source, start + self.refill());
        Ok(())
    }
}

/// The bucket `source` uses: its own, or the overflow bucket when too many are tracked.
fn tracked_as(buckets: &HashMap<RequestSource, Instant>, source: RequestSource) -> RequestSource {
    if buckets.contains_key(&source) || buckets.len() < MAX_TRACKED_SOURCES {
        source
    } else {
        RequestSource::Overflow
    }
}

/// The server's limits per source; built by [`crate::app`] and shared by every request.
#[derive(Debug)]
pub struct RequestLimits {
    enrolments: SourceBuckets,
    authentication_failures: SourceBuckets,
}

impl RequestLimits {
    /// Fresh limits of `config`.
    pub fn new(config: RateLimitConfig) -> Arc<RequestLimits> {
        Arc::new(RequestLimits {
            enrolments: SourceBuckets::new(config.enrolment),
            authentication_failures: SourceBuckets::new(config.authentication_failures),
        })
    }

    /// Refuses `source` while it has used up its authentication failures.
    pub fn refuse_after_failures(&self, source: RequestSource, now: Instant) -> Result<()> {
        self.authentication_failures.check(source, now).map_err(rate_limited)
    }

    /// Counts one authentication failure of `source`.
    pub fn record_failure(&self, source: RequestSource, now: Instant) {
        // A source already out of failures stays refused; nothing more to count.
        let _ = self.authentication_failures.take(source, now);
    }

    /// Takes one enrolment attempt of `source`, or refuses it.
    pub fn take_enrolment(&self, source: RequestSource, now: Instant) -> Result<()> {
        self.enrolments.take(source, now).map_err(rate_limited)
    }
}

/// One attempt to authenticate (a token, or an invite code): refused up
/// front when its source has run out of failures, and counted when it fails.
/// An extractor, so a handler or another extractor takes it before the credential is checked.
#[derive(Debug, Clone)]
pub struct AuthenticationAttempt {
    /// `None` when the Router was built without limits (then nothing is limited).
    limits: Option<Arc<RequestLimits>>,
    source: RequestSource,
}

impl AuthenticationAttempt {
    /// Begins an attempt of the request in `parts`, at `now`; refused when its source is out of failures.
    pub fn begin(parts: &Parts, now: Instant) -> Result<AuthenticationAttempt> {
        let attempt = AuthenticationAttempt {
            limits: parts.extensions.get::<Arc<RequestLimits>>().cloned(),
            source: RequestSource::of_parts(parts),
        };
        if let Some(limits) = &attempt.limits {
            limits.refuse_after_failures(attempt.source, now)?;
        }
        Ok(attempt)
    }

    /// Takes one enrolment from the source's enrolment limit, or refuses it.
    pub fn take_enrolment(&self, now: Instant) -> Result<()> {
        match &self.limits {
            Some(limits) => limits.take_enrolment(self.source, now),
            None => Ok(()),
        }
    }

    /// Passes `outcome` on, counting it as a failure of the source when the
    /// credential was refused (`unauthorized`, `invite_unknown`).
    pub fn judge<T>(&self, outcome: Result<T>, now: Instant) -> Result<T> {
        if let (Some(limits), Err(ServerError::Unauthorized(_) | ServerError::InviteUnknown)) =
            (&self.limits, &outcome)
        {
            limits.record_failure(self.source, now);
        }
        outcome
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuthenticationAttempt {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<AuthenticationAttempt> {
        AuthenticationAttempt::begin(parts, Instant::now())
    }
}

/// The error for a wait of `wait`, rounded up to whole seconds.
fn rate_limited(wait: Duration) -> ServerError {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ServerError::RateLimited { retry_after_seconds: seconds.max(1) }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    const SOURCE: RequestSource = RequestSource::V4(0x0a00_0001);

    #[test]
    fn a_burst_is_allowed_then_one_per_refill() {
        let buckets = SourceBuckets::new(Quota { burst: 3, refill_seconds: 10 });
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(buckets.take(SOURCE, start), Ok(()));
        }
        assert_eq!(buckets.take(SOURCE, start), Err(Duration::from_secs(10)));
        assert_eq!(buckets.take(SOURCE, start + Duration::from_secs(4)), Err(Duration::from_secs(6)));
        assert_eq!(buckets.take(SOURCE, start + Duration::from_secs(10)), Ok(()));
        assert!(buckets.take(SOURCE, start + Duration::from_secs(10)).is_err());
        // After the whole burst span, the full burst is back.
        let later = start + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(buckets.take(SOURCE, later), Ok(()));
        }
        assert!(buckets.take(SOURCE, later).is_err());
    }

    #[test]
    fn checking_takes_nothing() {
        let buckets = SourceBuckets::new(Quota { burst: 2, refill_seconds: 5 });
        let now = Instant::now();
        for _ in 0..10 {
            assert_eq!(buckets.check(SOURCE, now), Ok(()));
        }
        buckets.take(SOURCE, now).unwrap();
        assert_eq!(buckets.check(SOURCE, now), Ok(()));
        buckets.take(SOURCE, now).unwrap();
        assert_eq!(buckets.check(SOURCE, now), Err(Duration::from_secs(5)));
    }

    #[test]
    fn sources_have_buckets_of_their_own() {
        let buckets = SourceBuckets::new(Quota { burst: 1, refill_seconds: 60 });
        let now = Instant::now();
        buckets.take(SOURCE, now).unwrap();
        assert!(buckets.take(SOURCE, now).is_err());
        assert_eq!(buckets.take(RequestSource::V4(0x0a00_0002), now), Ok(()));
        assert_eq!(buckets.take(RequestSource::Unknown, now), Ok(()));
    }

    #[test]
    fn an_ipv6_subscriber_is_one_source_and_mapped_ipv4_is_ipv4() {
        let a = RequestSource::of_address(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, 1)));
        let b = RequestSource::of_address(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 9, 9, 9, 9)));
        let c = RequestSource::of_address(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1)));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let v4 = Ipv4Addr::new(192, 0, 2, 7);
        assert_eq!(
            RequestSource::of_address(IpAddr::V6(v4.to_ipv6_mapped())),
            RequestSource::of_address(IpAddr::V4(v4))
        );
    }

    #[test]
    fn memory_stays_bounded_and_new_sources_share_the_overflow_bucket() {
        let buckets = SourceBuckets::new(Quota { burst: 1, refill_seconds: 60 });
        let now = Instant::now();
        for address in 0..MAX_TRACKED_SOURCES as u32 {
            buckets.take(RequestSource::V4(address), now).unwrap();
        }
        let late_a = RequestSource::V4(u32::MAX);
        let late_b = RequestSource::V4(u32::MAX - 1);
        assert_eq!(buckets.take(late_a, now), Ok(()));
        assert!(buckets.take(late_b, now).is_err(), "a new source past the cap shares the overflow bucket");
        assert!(buckets.tracked.lock().unwrap().full_at.len() <= MAX_TRACKED_SOURCES + 1);
        // Once the tracked buckets have filled up again, they are forgotten.
        let later = now + Duration::from_secs(61);
        assert_eq!(buckets.take(late_b, later), Ok(()));
        assert_eq!(buckets.tracked.lock().unwrap().full_at.len(), 1);
    }

    #[test]
    fn the_wait_is_rounded_up_to_a_whole_second() {
        let ServerError::RateLimited { retry_after_seconds } = rate_limited(Duration::from_millis(1500))
        else {
            panic!("not rate_limited")
        };
        assert_eq!(retry_after_seconds, 2);
        let ServerError::RateLimited { retry_after_seconds } = rate_limited(Duration::from_millis(1)) else {
            panic!("not rate_limited")
        };
        assert_eq!(retry_after_seconds, 1);
    }
}
