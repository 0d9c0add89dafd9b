//! Failed-login throttling per account and per client address, shared by the API's login and
//! the web sign-in.

use std::{collections::HashMap, net::IpAddr, sync::Mutex, time::Duration};

use chrono::{DateTime, TimeDelta, Utc};

/// Failed-login throttling per account and per client address.
///
/// Kept in process memory: a restart forgets it, and each process of a multi-process deployment
/// counts on its own (documented in the README). That bounds guessing to a few attempts per
/// window per process, which is what this is for.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
}

impl LoginThrottle {
    pub const WINDOW: TimeDelta = TimeDelta::minutes(15);
    pub const MAX_PER_ACCOUNT: usize = 5;
    pub const MAX_PER_ADDRESS: usize = 20;

    fn keys(email: &str, address: Option<IpAddr>) -> [(String, usize); 2] {
        [
            (format!("account:{email}"), Self::MAX_PER_ACCOUNT),
            (
                format!("address:{}", address.map(|a| a.to_string()).unwrap_or_default()),
                Self::MAX_PER_ADDRESS,
            ),
        ]
    }

    /// Counts a login attempt against the account and the address before the password is
    /// checked, so parallel guesses count too; `Err(wait)` when either has too many recent
    /// failures. A successful login takes its attempt back with [`Self::succeeded`].
    pub fn attempt(&self, email: &str, address: Option<IpAddr>, now: DateTime<Utc>) -> Result<(), Duration> {
        let mut failures = self.failures.lock().expect("throttle lock");
        let mut wait = TimeDelta::zero();
        for (key, max) in Self::keys(email, address) {
            if let Some(times) = failures.get_mut(&key) {
                times.retain(|t| now - *t < Self::WINDOW);
                if times.len() >= max {
                    wait = wait.max(times[times.len() - max] + Self::WINDOW - now);
                }
            }
        }
        if wait > TimeDelta::zero() {
            return Err(wait.to_std().unwrap_or_default());
        }
        for (key, _) in Self::keys(email, address) {
            failures.entry(key).or_default().push(now);
        }
        // Bound memory under a spray of distinct keys: drop entries whose window has passed.
        if failures.len() > 100_000 {
            failures.retain(|_, times| times.iter().any(|t| now - *t < Self::WINDOW));
        }
        Ok(())
    }

    /// The attempt was a successful login: forget the account's failures and this attempt.
    pub fn succeeded(&self, email: &str, address: Option<IpAddr>) {
        let mut failures = self.failures.lock().expect("throttle lock");
        let [(account, _), (address, _)] = Self::keys(email, address);
        failures.remove(&account);
        if let Some(times) = failures.get_mut(&address) {
            times.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().to_utc()
    }

    #[test]
    fn throttle_locks_an_account_after_repeated_failures_until_the_window_passes() {
        let throttle = LoginThrottle::default();
        let t0 = t0();
        let ip: Option<IpAddr> = Some("10.0.0.1".parse().unwrap());
        for i in 0..LoginThrottle::MAX_PER_ACCOUNT {
            assert!(throttle.attempt("a@x.cn", ip, t0).is_ok(), "attempt {i}");
        }
        let wait = throttle.attempt("a@x.cn", ip, t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(15 * 60));
        // Another account from another address is not affected.
        assert!(throttle.attempt("b@x.cn", Some("10.0.0.2".parse().unwrap()), t0).is_ok());
        assert!(throttle.attempt("a@x.cn", ip, t0 + LoginThrottle::WINDOW).is_ok());
    }

    #[test]
    fn throttle_limits_one_address_across_accounts() {
        let throttle = LoginThrottle::default();
        let t0 = t0();
        let ip: Option<IpAddr> = Some("10.0.0.9".parse().unwrap());
        for i in 0..LoginThrottle::MAX_PER_ADDRESS {
            throttle.attempt(&format!("user{i}@x.cn"), ip, t0).unwrap();
        }
        assert!(throttle.attempt("fresh@x.cn", ip, t0).is_err());
    }

    #[test]
    fn a_successful_login_takes_its_attempt_back() {
        let throttle = LoginThrottle::default();
        let t0 = t0();
        let ip: Option<IpAddr> = Some("10.0.0.7".parse().unwrap());
        for _ in 0..LoginThrottle::MAX_PER_ADDRESS * 2 {
            throttle.attempt("busy@x.cn", ip, t0).unwrap();
            throttle.succeeded("busy@x.cn", ip);
        }
        assert!(throttle.attempt("other@x.cn", ip, t0).is_ok(), "logins that succeed never lock an address");
    }
}
