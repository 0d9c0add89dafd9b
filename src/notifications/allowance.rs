//! How many e-mails a stranger's requests may cause: address confirmations, password resets and
//! invitations go to any address typed into a form, so each client address gets a few an hour
//! per kind, and all clients together get `Settings::mails_per_hour`.
//!
//! Counted per UTC hour in `mail_allowance`, one upserted row per key and hour, in its own
//! transaction, so every process counts the same and concurrent requests queue on the row. A
//! client past its allowance does not count against the global cap, so one client cannot use it
//! up for everyone; many clients can, which is what the cap bounds. Requests that end up sending
//! nothing (an unknown address asking for a reset) count too: the answer must not depend on it.

use std::{net::IpAddr, time::Duration};

use chrono::{DateTime, Utc};

use crate::{
    db::Db,
    error::{ApiError, ApiResult},
    on_tx,
};

/// What a request asks to have mailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// A subscription's confirmation link.
    Confirmation,
    /// A password-reset link.
    PasswordReset,
    /// An invitation to an organization or to the staff.
    Invitation,
}

impl MailKind {
    fn name(self) -> &'static str {
        match self {
            Self::Confirmation => "confirmation",
            Self::PasswordReset => "password-reset",
            Self::Invitation => "invitation",
        }
    }

    /// How many one client address may ask for in an hour: a person subscribes or resets a
    /// few times and an owner invites a team, but many people in China share one IPv4 address
    /// behind their carrier's NAT, so the allowance leaves room for a few of them at once.
    pub const fn per_client_hour(self) -> i64 {
        match self {
            Self::Confirmation => 20,
            Self::PasswordReset => 10,
            Self::Invitation => 30,
        }
    }
}

/// A client address as it is counted: IPv4 whole (IPv4-mapped IPv6 too), IPv6 by its /64, the
/// block one subscriber usually holds.
pub fn client_key(address: IpAddr) -> String {
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

/// Takes one mail of `kind` from the allowance of `client` (none for a staff member's request)
/// and from the global one, or answers 429 with the wait until the next hour.
pub async fn take(
    db: &Db,
    kind: MailKind,
    client: Option<IpAddr>,
    per_hour: u32,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let hour = now.timestamp().div_euclid(3600);
    // `None` is a staff member's request (an admin's reset link): the global cap only.
    if let Some(client) = client {
        let key = format!("{}:{}", kind.name(), client_key(client));
        if count(db, &key, hour).await? > kind.per_client_hour() {
            return Err(refused(now, "Too many e-mails were asked for from your network this hour"));
        }
    }
    if count(db, "all", hour).await? > i64::from(per_hour) {
        tracing::warn!(kind = kind.name(), "the hourly cap on e-mails for strangers' requests is reached");
        return Err(refused(now, "The service has sent as many such e-mails as it may this hour"));
    }
    Ok(())
}

async fn count(db: &Db, key: &str, hour: i64) -> ApiResult<i64> {
    let mut tx = db.begin().await?;
    let sent = on_tx!(&mut tx, conn => sqlx::query_scalar::<_, i64>(
        "INSERT INTO mail_allowance (key, hour, sent) VALUES ($1, $2, 1) \
         ON CONFLICT (key, hour) DO UPDATE SET sent = mail_allowance.sent + 1 RETURNING sent",
    )
    .bind(key)
    .bind(hour)
    .fetch_one(&mut *conn)
    .await)?;
    tx.commit().await?;
    Ok(sent)
}

fn refused(now: DateTime<Utc>, why: &str) -> ApiError {
    let wait = 3600 - now.timestamp().rem_euclid(3600);
    let retry_after = Duration::from_secs(u64::try_from(wait).unwrap_or(3600).max(1));
    ApiError::TooManyRequests {
        detail: format!("{why}; try again in {} minutes.", retry_after.as_secs().div_ceil(60)),
        retry_after,
    }
}

/// Forgets the counts of hours before yesterday.
pub async fn purge(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let before = now.timestamp().div_euclid(3600) - 24;
    crate::on_db!(db, pool => sqlx::query("DELETE FROM mail_allowance WHERE hour < $1")
        .bind(before)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_count_whole_for_ipv4_and_by_their_64_for_ipv6() {
        assert_eq!(client_key("10.0.0.9".parse().unwrap()), "10.0.0.9");
        assert_eq!(client_key("::ffff:10.0.0.9".parse().unwrap()), "10.0.0.9");
        assert_eq!(
            client_key("2001:db8:1:2::1".parse().unwrap()),
            client_key("2001:db8:1:2:ffff::7".parse().unwrap())
        );
        assert_ne!(
            client_key("2001:db8:1:2::1".parse().unwrap()),
            client_key("2001:db8:1:3::1".parse().unwrap())
        );
    }
}
