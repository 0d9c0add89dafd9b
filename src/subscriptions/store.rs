//! SQL for subscriptions.

use chrono::{DateTime, Utc};

use super::{KEEP_ENDED, Status};
use crate::{
    db::{Db, Tx},
    error::ApiResult,
    on_db, on_tx,
    values::Lang,
};

/// A subscription as the form finds it by address and filter.
#[derive(Debug, sqlx::FromRow)]
pub struct Existing {
    pub id: i64,
    pub confirm_sent_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

impl Existing {
    pub fn status(&self) -> Status {
        status(self.confirmed_at, self.unsubscribed_at)
    }
}

fn status(confirmed_at: Option<DateTime<Utc>>, unsubscribed_at: Option<DateTime<Utc>>) -> Status {
    match (confirmed_at, unsubscribed_at) {
        (_, Some(_)) => Status::Ended,
        (Some(_), None) => Status::Active,
        (None, None) => Status::Pending,
    }
}

/// A subscription as its page shows it: no address.
#[derive(Debug, sqlx::FromRow)]
pub struct Shown {
    pub filter: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

impl Shown {
    pub fn status(&self) -> Status {
        status(self.confirmed_at, self.unsubscribed_at)
    }
}

/// A confirmed subscription whose digest is due.
#[derive(Debug, sqlx::FromRow)]
pub struct Due {
    pub id: i64,
    pub email: String,
    pub lang: Lang,
    pub filter: String,
    pub unsubscribe_token: String,
    /// The start of what is new to this subscriber: the last digest, or the confirmation.
    pub since: DateTime<Utc>,
}

pub async fn find(tx: &mut Tx, email: &str, filter: &str) -> ApiResult<Option<Existing>> {
    Ok(on_tx!(tx, conn => sqlx::query_as::<_, Existing>(
        "SELECT id, confirm_sent_at, confirmed_at, unsubscribed_at FROM subscriptions WHERE email = $1 AND filter = $2",
    )
    .bind(email)
    .bind(filter)
    .fetch_optional(&mut *conn)
    .await)?)
}

/// How many confirmed subscriptions the address holds that have not ended (pending ones do not
/// count: anyone may start those for any address).
pub async fn count_live(tx: &mut Tx, email: &str) -> ApiResult<i64> {
    Ok(on_tx!(tx, conn => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM subscriptions WHERE email = $1 AND confirmed_at IS NOT NULL AND unsubscribed_at IS NULL",
    )
    .bind(email)
    .fetch_one(&mut *conn)
    .await)?)
}

/// Counts one more confirmation link to the address today; returns today's count with it. The
/// upsert makes concurrent posts for one address wait for each other, so the count holds.
pub async fn count_confirmation(tx: &mut Tx, address_hash: &str, day: &str) -> ApiResult<i64> {
    Ok(on_tx!(tx, conn => sqlx::query_scalar::<_, i64>(
        "INSERT INTO subscription_confirmations (address_hash, day, sent) VALUES ($1, $2, 1) \
         ON CONFLICT (address_hash, day) DO UPDATE SET sent = subscription_confirmations.sent + 1 RETURNING sent",
    )
    .bind(address_hash)
    .bind(day)
    .fetch_one(&mut *conn)
    .await)?)
}

pub struct New<'a> {
    pub email: &'a str,
    pub lang: Lang,
    pub filter: &'a str,
    pub confirm_token_hash: &'a str,
    pub unsubscribe_token: &'a str,
}

/// Writes a pending subscription; returns its id.
pub async fn insert(tx: &mut Tx, new: &New<'_>, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar::<_, i64>(
        "INSERT INTO subscriptions (email, lang, filter, confirm_token_hash, confirm_sent_at, unsubscribe_token, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $5) RETURNING id",
    )
    .bind(new.email)
    .bind(new.lang)
    .bind(new.filter)
    .bind(new.confirm_token_hash)
    .bind(now)
    .bind(new.unsubscribe_token)
    .fetch_one(&mut *conn)
    .await)
}

/// Makes an existing subscription pending again with a new confirmation token (a pending one
/// whose link is to be sent anew, or an ended one subscribed to again).
pub async fn renew(
    tx: &mut Tx,
    id: i64,
    lang: Lang,
    confirm_token_hash: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE subscriptions SET lang = $2, confirm_token_hash = $3, confirm_sent_at = $4, confirmed_at = NULL, \
         unsubscribed_at = NULL, last_digest_at = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(lang)
    .bind(confirm_token_hash)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The pending subscription a confirmation token names, while the token is unused and within its
/// week.
pub async fn pending(db: &Db, token_hash: &str, sent_after: DateTime<Utc>) -> ApiResult<Option<Shown>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, Shown>(
        "SELECT filter, confirmed_at, unsubscribed_at FROM subscriptions WHERE confirm_token_hash = $1 \
         AND confirm_sent_at > $2 AND unsubscribed_at IS NULL",
    )
    .bind(token_hash)
    .bind(sent_after)
    .fetch_optional(pool)
    .await)?)
}

/// Confirms the subscription of a live token (which then stops working); returns its
/// unsubscribe token.
pub async fn confirm(
    db: &Db,
    token_hash: &str,
    sent_after: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<Option<String>> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, String>(
        "UPDATE subscriptions SET confirmed_at = $3, confirm_token_hash = NULL \
         WHERE confirm_token_hash = $1 AND confirm_sent_at > $2 AND unsubscribed_at IS NULL \
         RETURNING unsubscribe_token",
    )
    .bind(token_hash)
    .bind(sent_after)
    .bind(now)
    .fetch_optional(pool)
    .await)?)
}

pub async fn shown(db: &Db, unsubscribe_token: &str) -> ApiResult<Option<Shown>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, Shown>(
        "SELECT filter, confirmed_at, unsubscribed_at FROM subscriptions WHERE unsubscribe_token = $1",
    )
    .bind(unsubscribe_token)
    .fetch_optional(pool)
    .await)?)
}

/// Ends the subscription the token names or, with `every`, every subscription of its address
/// (the one-click of a digest, which covers them all); again, harmlessly. False when the token
/// names none.
pub async fn unsubscribe(
    db: &Db,
    unsubscribe_token: &str,
    every: bool,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    const ONE: &str = "UPDATE subscriptions SET unsubscribed_at = COALESCE(unsubscribed_at, $2), \
         confirm_token_hash = NULL WHERE unsubscribe_token = $1";
    const EVERY: &str = "UPDATE subscriptions SET unsubscribed_at = COALESCE(unsubscribed_at, $2), \
         confirm_token_hash = NULL WHERE email = (SELECT email FROM subscriptions WHERE unsubscribe_token = $1)";
    let sql = if every { EVERY } else { ONE };
    let affected = on_db!(db, pool => sqlx::query(sql)
        .bind(unsubscribe_token)
        .bind(now)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(affected > 0)
}

/// The condition of a subscription whose digest is due: confirmed, live, no digest since `$1`.
macro_rules! due {
    () => {
        "unsubscribed_at IS NULL AND confirmed_at IS NOT NULL AND COALESCE(last_digest_at, confirmed_at) < $1"
    };
}

/// Addresses with a subscription whose digest is due, a page at a time.
pub async fn due_addresses(db: &Db, slot: DateTime<Utc>, limit: i64) -> ApiResult<Vec<String>> {
    const SQL: &str =
        concat!("SELECT DISTINCT email FROM subscriptions WHERE ", due!(), " ORDER BY email LIMIT $2");
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, String>(SQL).bind(slot).bind(limit).fetch_all(pool).await)?)
}

/// The address's subscriptions whose digest is due, in the order they were confirmed.
pub async fn due_of(db: &Db, email: &str, slot: DateTime<Utc>) -> ApiResult<Vec<Due>> {
    const SQL: &str = concat!(
        "SELECT id, email, lang, filter, unsubscribe_token, COALESCE(last_digest_at, confirmed_at) AS since \
         FROM subscriptions WHERE email = $2 AND ",
        due!(),
        " ORDER BY confirmed_at, id"
    );
    Ok(on_db!(db, pool => sqlx::query_as::<_, Due>(SQL).bind(slot).bind(email).fetch_all(pool).await)?)
}

/// Takes this week's digest of one subscription, whose news then run up to `slot`; false when
/// another process took it first or it ended meanwhile.
pub async fn claim_digest(tx: &mut Tx, id: i64, slot: DateTime<Utc>) -> ApiResult<bool> {
    const SQL: &str = concat!("UPDATE subscriptions SET last_digest_at = $1 WHERE id = $2 AND ", due!());
    Ok(on_tx!(tx, conn => sqlx::query(SQL)
    .bind(slot)
    .bind(id)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?
        == 1)
}

/// Deletes subscriptions, and their addresses, that ended or were never confirmed, once
/// [`KEEP_ENDED`] has passed. Returns how many.
pub async fn purge(db: &Db, now: DateTime<Utc>) -> ApiResult<u64> {
    let before = now - KEEP_ENDED;
    on_db!(db, pool => sqlx::query("DELETE FROM subscription_confirmations WHERE day < $1")
        .bind(now.format("%Y-%m-%d").to_string())
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(on_db!(db, pool => sqlx::query(
        "DELETE FROM subscriptions WHERE unsubscribed_at < $1 OR (confirmed_at IS NULL AND confirm_sent_at < $1)",
    )
    .bind(before)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?)
}

/// How many subscriptions are confirmed and live: a number for staff, never a list.
pub async fn count_active(db: &Db) -> ApiResult<i64> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM subscriptions WHERE confirmed_at IS NOT NULL AND unsubscribed_at IS NULL",
    )
    .fetch_one(pool)
    .await)?)
}
