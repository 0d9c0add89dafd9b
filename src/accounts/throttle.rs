//! Failed-login throttling per account and per client address, shared by the API's login, the
//! web sign-in, the code step and re-confirming the password; kept in the database.

use std::net::IpAddr;

use chrono::{DateTime, TimeDelta, Utc};

use crate::{
    db::Db,
    error::{ApiError, ApiResult},
    notifications::allowance::client_key,
    on_tx,
};

/// Failed-login throttling per account and per client address.
///
/// It slows guessing down without locking the right password out: once an account has
/// [`Self::MAX_PER_ACCOUNT`] failures within [`Self::WINDOW`], it takes one attempt per
/// [`Self::ACCOUNT_PACE`] (so the owner waits seconds, not the window, and a guesser gets two
/// tries a minute); an address past [`Self::MAX_PER_ADDRESS`] failures takes one attempt per
/// [`Self::ADDRESS_PACE`], so a shared NAT is slowed, never shut. IPv6 clients are counted by
/// their /64, the block one subscriber usually holds.
///
/// The attempts are rows of `login_attempts`, so every process of a deployment counts the same
/// failures and a restart forgets nothing. The check and the new row share one transaction: on
/// SQLite (writers serialize) two racing attempts cannot both pass the last free slot; on
/// PostgreSQL (read committed) attempts racing in the same instant may each pass once, which
/// bounds a guesser by its parallelism, not by the pace alone.
#[derive(Debug, Clone)]
pub struct LoginThrottle {
    db: Db,
}

/// How long a key with `count` attempts in the window, the last at `last`, must wait before the
/// next; zero if it need not.
fn wait_for(
    count: i64,
    last: Option<DateTime<Utc>>,
    max: usize,
    pace: TimeDelta,
    now: DateTime<Utc>,
) -> TimeDelta {
    match last {
        Some(last) if count >= i64::try_from(max).unwrap_or(i64::MAX) => {
            (last + pace - now).max(TimeDelta::zero())
        }
        _ => TimeDelta::zero(),
    }
}

impl LoginThrottle {
    pub const WINDOW: TimeDelta = TimeDelta::minutes(15);
    pub const MAX_PER_ACCOUNT: usize = 5;
    pub const MAX_PER_ADDRESS: usize = 20;
    pub const ACCOUNT_PACE: TimeDelta = TimeDelta::seconds(30);
    pub const ADDRESS_PACE: TimeDelta = TimeDelta::seconds(3);

    pub fn new(db: Db) -> Self {
        Self { db }
    }

    fn keys(email: &str, address: Option<IpAddr>) -> [(String, usize, TimeDelta); 2] {
        [
            (format!("account:{email}"), Self::MAX_PER_ACCOUNT, Self::ACCOUNT_PACE),
            (
                format!("address:{}", address.map(client_key).unwrap_or_default()),
                Self::MAX_PER_ADDRESS,
                Self::ADDRESS_PACE,
            ),
        ]
    }

    /// Counts a login attempt against the account and the address before the password is
    /// checked, so parallel guesses count too; a 429 with the wait when either is past its limit
    /// and its last attempt was less than its pace ago. A successful login takes its attempt
    /// back with [`Self::succeeded`].
    pub async fn attempt(&self, email: &str, address: Option<IpAddr>, now: DateTime<Utc>) -> ApiResult<()> {
        self.attempt_keys(&Self::keys(email, address), now).await
    }

    async fn attempt_keys(
        &self,
        keys: &[(String, usize, TimeDelta); 2],
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        let mut tx = self.db.begin().await?;
        let mut wait = TimeDelta::zero();
        for (key, max, pace) in keys {
            let (count, last): (i64, Option<DateTime<Utc>>) = on_tx!(&mut tx, conn => sqlx::query_as(
                "SELECT CAST(COUNT(*) AS BIGINT), MAX(at) FROM login_attempts WHERE key = $1 AND at > $2",
            )
            .bind(key)
            .bind(now - Self::WINDOW)
            .fetch_one(&mut *conn)
            .await)?;
            wait = wait.max(wait_for(count, last, *max, *pace, now));
        }
        if wait > TimeDelta::zero() {
            let wait = wait.to_std().unwrap_or_default();
            return Err(ApiError::TooManyRequests {
                detail: format!("Too many failed attempts; try again in {} seconds.", wait.as_secs().max(1)),
                retry_after: wait,
            });
        }
        on_tx!(&mut tx, conn => {
            // What the window has passed counts no more; keeping the table small keeps this cheap.
            sqlx::query("DELETE FROM login_attempts WHERE at <= $1")
                .bind(now - Self::WINDOW)
                .execute(&mut *conn)
                .await?;
            sqlx::query("INSERT INTO login_attempts (key, at) VALUES ($1, $3), ($2, $3)")
                .bind(&keys[0].0)
                .bind(&keys[1].0)
                .bind(now)
                .execute(&mut *conn)
                .await
                .map(|r| r.rows_affected())
        })?;
        tx.commit().await?;
        Ok(())
    }

    /// Counts a second-factor code against the account (across addresses and processes) and the
    /// address before the code is checked, like [`Self::attempt`] but under a key of its own:
    /// a right password never clears it, so a guesser who knows the password still gets
    /// [`Self::MAX_PER_ACCOUNT`] codes, then one per [`Self::ACCOUNT_PACE`]. Only a right code
    /// clears it ([`Self::code_succeeded`]).
    pub async fn code_attempt(
        &self,
        user_id: i64,
        address: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        self.attempt_keys(&Self::code_keys(user_id, address), now).await
    }

    /// A right code: forget the account's failed codes and this attempt of the address.
    pub async fn code_succeeded(&self, user_id: i64, address: Option<IpAddr>) -> ApiResult<()> {
        let [(account, _, _), (address, _, _)] = Self::code_keys(user_id, address);
        self.forget(&account, &address).await
    }

    fn code_keys(user_id: i64, address: Option<IpAddr>) -> [(String, usize, TimeDelta); 2] {
        [
            (format!("code:{user_id}"), Self::MAX_PER_ACCOUNT, Self::ACCOUNT_PACE),
            (
                format!("address:{}", address.map(client_key).unwrap_or_default()),
                Self::MAX_PER_ADDRESS,
                Self::ADDRESS_PACE,
            ),
        ]
    }

    /// The attempt was a successful login: forget the account's failures and this attempt.
    pub async fn succeeded(&self, email: &str, address: Option<IpAddr>) -> ApiResult<()> {
        let [(account, _, _), (address, _, _)] = Self::keys(email, address);
        self.forget(&account, &address).await
    }

    /// Forgets every attempt of `account` and the last of `address`.
    async fn forget(&self, account: &str, address: &str) -> ApiResult<()> {
        let mut tx = self.db.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM login_attempts WHERE key = $1").bind(account).execute(&mut *conn).await?;
            sqlx::query("DELETE FROM login_attempts WHERE id = (SELECT MAX(id) FROM login_attempts WHERE key = $1)")
                .bind(address)
                .execute(&mut *conn)
                .await
                .map(|r| r.rows_affected())
        })?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().to_utc()
    }

    #[test]
    fn past_its_limit_a_key_waits_for_its_pace_after_the_last_attempt_never_for_the_window() {
        let (t0, pace) = (t0(), LoginThrottle::ACCOUNT_PACE);
        assert_eq!(wait_for(4, Some(t0), 5, pace, t0), TimeDelta::zero(), "under the limit");
        assert_eq!(wait_for(5, Some(t0), 5, pace, t0), pace);
        assert_eq!(wait_for(5, Some(t0), 5, pace, t0 + TimeDelta::seconds(20)), TimeDelta::seconds(10));
        assert_eq!(
            wait_for(50, Some(t0), 5, pace, t0 + pace),
            TimeDelta::zero(),
            "one more try after the pace"
        );
        assert_eq!(wait_for(0, None, 5, pace, t0), TimeDelta::zero());
    }
}
