//! SQL for sessions: the login tokens of the API and of the pages, their use and their end.

use chrono::{DateTime, Utc};

use crate::accounts::{Principal, SessionRef};
use crate::{
    db::{Db, Tx},
    error::ApiResult,
    on_db, on_tx,
};

use super::UserRow;

/// Where a session was opened from, as its owner sees it in their list of sessions.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub address: Option<String>,
    /// The `User-Agent`, cut to 200 characters.
    pub agent: Option<String>,
}

pub async fn insert_session(
    db: &Db,
    user_id: i64,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    client: &Client,
) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query(
        "INSERT INTO sessions (user_id, token_hash, created_at, expires_at, verified_at, last_used_at, address, client) \
         VALUES ($1, $2, $3, $4, $3, $3, $5, $6)",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .bind(client.address.as_deref())
    .bind(client.agent.as_deref())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub(super) struct SessionUserRow {
    #[sqlx(flatten)]
    user: UserRow,
    session_id: i64,
    created_at: DateTime<Utc>,
    verified_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
}

/// How stale a session's "last used" may get before a request writes it again: one write a
/// minute per session, not one per request.
const LAST_USED_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// The principal behind a live (unexpired, unrevoked) session token.
pub async fn principal_for_token(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> ApiResult<Option<Principal>> {
    const SQL: &str = "SELECT u.id, u.email, u.password_hash, u.display_name, u.role, u.lang, u.org_role, \
         u.removed_at, u.organization_id, o.kind AS organization_kind, o.name AS organization_name, u.totp_secret, \
         u.totp_pending_secret, u.totp_enabled_at, s.id AS session_id, s.created_at, s.verified_at, s.last_used_at \
         FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN organizations o ON o.id = u.organization_id \
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.removed_at IS NULL";
    let Some(row) = on_db!(db, pool => sqlx::query_as::<_, SessionUserRow>(SQL)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await)?
    else {
        return Ok(None);
    };
    if row.last_used_at.is_none_or(|at| now - at >= LAST_USED_RESOLUTION) {
        on_db!(db, pool => sqlx::query("UPDATE sessions SET last_used_at = $2 WHERE id = $1")
            .bind(row.session_id)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
    }
    let mut principal = row.user.principal();
    principal.session =
        Some(SessionRef { id: row.session_id, verified_at: row.verified_at.unwrap_or(row.created_at) });
    Ok(Some(principal))
}

pub async fn revoke_session(db: &Db, token_hash: &str, now: DateTime<Utc>) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(now)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A live session as its owner sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub address: Option<String>,
    pub client: Option<String>,
}

/// The user's live sessions, most recently used first.
pub async fn live_sessions(db: &Db, user_id: i64, now: DateTime<Utc>) -> ApiResult<Vec<SessionRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, SessionRow>(
        "SELECT id, created_at, last_used_at, expires_at, address, client FROM sessions \
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
         ORDER BY COALESCE(last_used_at, created_at) DESC, id DESC",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(pool)
    .await)?)
}

/// Ends the user's sessions: the one with id `only`, or all but the one with id `except`.
/// Returns how many ended.
pub async fn end_sessions(
    db: &Db,
    user_id: i64,
    only: Option<i64>,
    except: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    let mut tx = db.begin().await?;
    let ended = end_sessions_in(&mut tx, user_id, only, except, now).await?;
    tx.commit().await?;
    Ok(ended)
}

/// [`end_sessions`] inside the caller's transaction (a second-factor reset ends them with it).
pub async fn end_sessions_in(
    tx: &mut Tx,
    user_id: i64,
    only: Option<i64>,
    except: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    Ok(on_tx!(tx, conn => sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL \
         AND ($3 IS NULL OR id = $3) AND ($4 IS NULL OR id <> $4)",
    )
    .bind(user_id)
    .bind(now)
    .bind(only)
    .bind(except)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?)
}

/// The password (or a code) was given again in this session.
pub async fn mark_session_verified(db: &Db, session_id: i64, now: DateTime<Utc>) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query("UPDATE sessions SET verified_at = $2 WHERE id = $1")
        .bind(session_id)
        .bind(now)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends every session of a staff or admin account but `keep`, in the caller's transaction;
/// `None` when `user_id` is not a staff account (nothing is touched then). The role is part of
/// the statement, so no id reaches a brand's sessions through it.
pub async fn end_staff_sessions_in(
    tx: &mut Tx,
    user_id: i64,
    keep: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<Option<u64>> {
    let staff: Option<i64> = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT id FROM users WHERE id = $1 AND role IN ('staff', 'admin')",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await)?;
    if staff.is_none() {
        return Ok(None);
    }
    Ok(Some(on_tx!(tx, conn => sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE revoked_at IS NULL AND ($3 IS NULL OR id <> $3) \
         AND user_id = (SELECT id FROM users WHERE id = $1 AND role IN ('staff', 'admin'))",
    )
    .bind(user_id)
    .bind(now)
    .bind(keep)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?))
}
