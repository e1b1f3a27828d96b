//! Login attempts per source address, in memory: a sliding one-minute window.
//!
//! This slows password guessing spread over many accounts (which the per-account lock-out
//! of the state database cannot see) and the lock-out of others' accounts. IPv6 clients
//! are counted per /64, since one host commonly holds a whole /64.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window attempts are counted in.
const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked sources, idle ones are forgotten.
const MAX_TRACKED: usize = 10_000;

/// Who an attempt is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    V4([u8; 4]),
    V6Prefix([u8; 8]),
    /// No peer address known (a router served without connect info): one shared bucket.
    Unknown,
}

impl From<Option<IpAddr>> for Source {
    fn from(ip: Option<IpAddr>) -> Source {
        match ip.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(v4)) => Source::V4(v4.octets()),
            Some(IpAddr::V6(v6)) => {
                let mut prefix = [0u8; 8];
                prefix.copy_from_slice(&v6.octets()[..8]);
                Source::V6Prefix(prefix)
            }
            None => Source::Unknown,
        }
    }
}

/// Counts login attempts and refuses those over the limit.
#[derive(Debug)]
pub struct LoginRateLimiter {
    per_minute: usize,
    attempts: Mutex<HashMap<Source, VecDeque<Instant>>>,
}

impl LoginRateLimiter {
    /// Allows `per_minute` attempts per source in any minute (at least one).
    pub fn new(per_minute: u32) -> LoginRateLimiter {
        LoginRateLimiter {
            per_minute: per_minute.max(1) as usize,
            attempts: Mutex::default(),
        }
    }

    /// Counts an attempt from `ip`, or answers how long to wait when the source has used
    /// up its attempts. Refused attempts are not counted.
    pub fn attempt(&self, ip: Option<IpAddr>) -> Result<(), Duration> {
        self.attempt_at(ip, Instant::now())
    }

    fn attempt_at(&self, ip: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let mut attempts = self
            .attempts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if attempts.len() > MAX_TRACKED {
            attempts.retain(|_, times| times.back().is_some_and(|t| now - *t < WINDOW));
        }
        let times = attempts.entry(Source::from(ip)).or_default();
        while times.front().is_some_and(|t| now - *t >= WINDOW) {
            times.pop_front();
        }
        if times.len() >= self.per_minute {
            let oldest = *times.front().expect("the window is full");
            return Err(WINDOW - (now - oldest));
        }
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_get_their_own_window() {
        let limiter = LoginRateLimiter::new(3);
        let t0 = Instant::now();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for i in 0..3 {
            limiter
                .attempt_at(Some(a), t0 + Duration::from_secs(i))
                .unwrap();
        }
        let wait = limiter
            .attempt_at(Some(a), t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        limiter.attempt_at(Some(b), t0).unwrap();
        // A minute after the first attempt, one more is allowed.
        limiter
            .attempt_at(Some(a), t0 + Duration::from_secs(60))
            .unwrap();
        assert!(limiter
            .attempt_at(Some(a), t0 + Duration::from_secs(60))
            .is_err());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let limiter = LoginRateLimiter::new(1);
        let t0 = Instant::now();
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2::ffff".parse().unwrap();
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        limiter.attempt_at(Some(one), t0).unwrap();
        assert!(limiter.attempt_at(Some(same_64), t0).is_err());
        limiter.attempt_at(Some(other_64), t0).unwrap();
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        limiter.attempt_at(Some(v4), t0).unwrap();
        assert!(limiter.attempt_at(Some(mapped), t0).is_err());
        limiter.attempt_at(None, t0).unwrap();
        assert!(limiter.attempt_at(None, t0).is_err());
    }
}
