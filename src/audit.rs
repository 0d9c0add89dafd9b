//! The audit trail and comments of reviewed records (bookings, incentive applications).
//!
//! Every state change writes one entry in the same transaction as the change, so the trail
//! can never disagree with the record. Comments marked internal are for staff only.

use chrono::{DateTime, Utc};
use poem_openapi::{ApiResponse, Object, payload::Json};

use crate::{
    db::{Db, Tx},
    error::ApiResult,
    on_db, on_tx,
};

/// What a trail entry or comment is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Booking(i64),
    Incentive(i64),
    /// A user account (staff accounts created, disabled, re-enabled, reset).
    User(i64),
}

impl Subject {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Self::Booking(id) => ("booking", id),
            Self::Incentive(id) => ("incentive", id),
            Self::User(id) => ("user", id),
        }
    }
}

#[derive(Debug, Clone, Object, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub actor_user_id: i64,
    pub at: DateTime<Utc>,
    pub from_state: String,
    pub to_state: String,
    pub note: String,
}

/// The answer of every `GET .../history` operation.
#[derive(ApiResponse)]
pub enum HistoryResponse {
    /// Every transition, oldest first.
    #[oai(status = 200)]
    Ok(Json<Vec<AuditEntry>>),
}

#[derive(Debug, Clone, Object, sqlx::FromRow)]
pub struct Comment {
    pub id: i64,
    pub author_user_id: i64,
    pub at: DateTime<Utc>,
    pub body: String,
    /// Internal notes are visible to staff only.
    pub internal: bool,
}

pub async fn record(
    tx: &mut Tx,
    subject: Subject,
    actor_user_id: i64,
    at: DateTime<Utc>,
    from_state: &str,
    to_state: &str,
    note: &str,
) -> Result<(), sqlx::Error> {
    let (kind, id) = subject.parts();
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO audit_log (subject_kind, subject_id, actor_user_id, at, from_state, to_state, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(kind)
    .bind(id)
    .bind(actor_user_id)
    .bind(at)
    .bind(from_state)
    .bind(to_state)
    .bind(note)
    .execute(&mut *conn)
    .await
    .map(|_| ()))
}

pub async fn history(db: &Db, subject: Subject) -> ApiResult<Vec<AuditEntry>> {
    let (kind, id) = subject.parts();
    Ok(on_db!(db, pool => sqlx::query_as::<_, AuditEntry>(
        "SELECT id, actor_user_id, at, from_state, to_state, note FROM audit_log \
         WHERE subject_kind = $1 AND subject_id = $2 ORDER BY id",
    )
    .bind(kind)
    .bind(id)
    .fetch_all(pool)
    .await)?)
}

pub async fn add_comment(
    db: &Db,
    subject: Subject,
    author_user_id: i64,
    at: DateTime<Utc>,
    body: &str,
    internal: bool,
) -> ApiResult<Comment> {
    let (kind, id) = subject.parts();
    Ok(on_db!(db, pool => sqlx::query_as::<_, Comment>(
        "INSERT INTO comments (subject_kind, subject_id, author_user_id, at, body, internal) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, author_user_id, at, body, internal",
    )
    .bind(kind)
    .bind(id)
    .bind(author_user_id)
    .bind(at)
    .bind(body)
    .bind(internal)
    .fetch_one(pool)
    .await)?)
}

pub async fn comments(db: &Db, subject: Subject, include_internal: bool) -> ApiResult<Vec<Comment>> {
    let (kind, id) = subject.parts();
    Ok(on_db!(db, pool => sqlx::query_as::<_, Comment>(
        "SELECT id, author_user_id, at, body, internal FROM comments \
         WHERE subject_kind = $1 AND subject_id = $2 AND ($3 OR NOT internal) ORDER BY id",
    )
    .bind(kind)
    .bind(id)
    .bind(include_internal)
    .fetch_all(pool)
    .await)?)
}
