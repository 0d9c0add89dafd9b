//! Failed-login throttling per account and per client address, shared by the API's login and
//! the web sign-in.

use std::{collections::HashMap, net::IpAddr, sync::Mutex, time::Duration};

use chrono::{DateTime, TimeDelta, Utc};

/// Failed-login throttling per account and per client address.
///
/// It slows guessing down without locking the right password out: once an account has
/// [`Self::MAX_PER_ACCOUNT`] failures within [`Self::WINDOW`], it takes one attempt per
/// [`Self::ACCOUNT_PACE`] (so the owner waits seconds, not the window, and a guesser gets two
/// tries a minute); an address past [`Self::MAX_PER_ADDRESS`] failures takes one attempt per
/// [`Self::ADDRESS_PACE`], so a shared NAT is slowed, never shut. IPv6 clients are counted by
/// their /64, the block one subscriber usually holds.
///
/// Kept in process memory: a restart forgets it, and each process of a multi-process deployment
/// counts on its own (documented in the README).
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
}

impl LoginThrottle {
    pub const WINDOW: TimeDelta = TimeDelta::minutes(15);
    pub const MAX_PER_ACCOUNT: usize = 5;
    pub const MAX_PER_ADDRESS: usize = 20;
    pub const ACCOUNT_PACE: TimeDelta = TimeDelta::seconds(30);
    pub const ADDRESS_PACE: TimeDelta = TimeDelta::seconds(3);

    fn keys(email: &str, address: Option<IpAddr>) -> [(String, usize, TimeDelta); 2] {
        [
            (format!("account:{email}"), Self::MAX_PER_ACCOUNT, Self::ACCOUNT_PACE),
            (
                format!("address:{}", address.map(address_key).unwrap_or_default()),
                Self::MAX_PER_ADDRESS,
                Self::ADDRESS_PACE,
            ),
        ]
    }

    /// Counts a login attempt against the account and the address before the password is
    /// checked, so parallel guesses count too; `Err(wait)` when either is past its limit and
    /// its last attempt was less than its pace ago. A successful login takes its attempt back
    /// with [`Self::succeeded`].
    pub fn attempt(&self, email: &str, address: Option<IpAddr>, now: DateTime<Utc>) -> Result<(), Duration> {
        let mut failures = self.failures.lock().expect("throttle lock");
        let mut wait = TimeDelta::zero();
        for (key, max, pace) in Self::keys(email, address) {
            if let Some(times) = failures.get_mut(&key) {
                times.retain(|t| now - *t < Self::WINDOW);
                if times.len() >= max
                    && let Some(last) = times.last()
                {
                    wait = wait.max(*last + pace - now);
                }
            }
        }
        if wait > TimeDelta::zero() {
            return Err(wait.to_std().unwrap_or_default());
        }
        for (key, _, _) in Self::keys(email, address) {
            let times = failures.entry(key).or_default();
            times.push(now);
            // Past the limit only the last attempt matters; keep memory bounded per key.
            if times.len() > 200 {
                times.drain(..100);
            }
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
        let [(account, _, _), (address, _, _)] = Self::keys(email, address);
        failures.remove(&account);
        if let Some(times) = failures.get_mut(&address) {
            times.pop();
        }
    }
}

/// An address as the throttle counts it: IPv4 whole (IPv4-mapped IPv6 too), IPv6 by its /64.
fn address_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().to_utc()
    }

    #[test]
    fn past_its_limit_an_account_is_slowed_to_one_attempt_per_pace_not_locked() {
        let throttle = LoginThrottle::default();
        let t0 = t0();
        let ip: Option<IpAddr> = Some("10.0.0.1".parse().unwrap());
        for i in 0..LoginThrottle::MAX_PER_ACCOUNT {
            assert!(throttle.attempt("a@x.cn", ip, t0).is_ok(), "attempt {i}");
        }
        let wait = throttle.attempt("a@x.cn", ip, t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(30));
        // Another account from another address is not affected.
        assert!(throttle.attempt("b@x.cn", Some("10.0.0.2".parse().unwrap()), t0).is_ok());
        // After the pace, one more attempt (the owner's right password gets in); then wait again.
        let later = t0 + LoginThrottle::ACCOUNT_PACE;
        assert!(throttle.attempt("a@x.cn", ip, later).is_ok());
        assert!(throttle.attempt("a@x.cn", ip, later).is_err());
        assert!(throttle.attempt("a@x.cn", ip, later + LoginThrottle::WINDOW).is_ok());
    }

    #[test]
    fn one_address_across_accounts_is_slowed_and_ipv6_counts_by_its_64() {
        let throttle = LoginThrottle::default();
        let t0 = t0();
        for (one, other) in [("10.0.0.9", "10.0.0.9"), ("2001:db8:1:2::1", "2001:db8:1:2:ffff::7")] {
            for i in 0..LoginThrottle::MAX_PER_ADDRESS {
                throttle.attempt(&format!("user{i}-{one}@x.cn"), Some(one.parse().unwrap()), t0).unwrap();
            }
            let wait = throttle.attempt("fresh@x.cn", Some(other.parse().unwrap()), t0).unwrap_err();
            assert_eq!(wait, Duration::from_secs(3), "{other} counts with {one}");
            let later = t0 + LoginThrottle::ADDRESS_PACE;
            assert!(throttle.attempt("fresh@x.cn", Some(other.parse().unwrap()), later).is_ok());
        }
        assert!(
            throttle.attempt("x@x.cn", Some("2001:db8:1:3::1".parse().unwrap()), t0).is_ok(),
            "another /64"
        );
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
