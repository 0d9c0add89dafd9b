//! SQL for calls, their applications and reviewers' scores.

use chrono::{DateTime, Utc};

use super::CallDraft;
use crate::{
    bookings::{BookingState, Format, Reach},
    db::Db,
    error::ApiResult,
    on_db,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CallRow {
    pub id: i64,
    pub slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub text_zh: String,
    pub text_en: String,
    pub criteria_zh: String,
    pub criteria_en: String,
    pub venue_ids: String,
    pub formats: String,
    pub reaches: String,
    pub period_from: DateTime<Utc>,
    pub period_until: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

// The lists are written by `insert` from typed values; one that no longer reads is logged and
// treated as empty, which only makes the call stricter.
impl CallRow {
    pub fn venue_ids(&self) -> Vec<i64> {
        serde_json::from_str(&self.venue_ids).unwrap_or_else(|_| unreadable(self.id, "venue_ids"))
    }

    pub fn formats(&self) -> Vec<Format> {
        serde_json::from_str(&self.formats).unwrap_or_else(|_| unreadable(self.id, "formats"))
    }

    pub fn reaches(&self) -> Vec<Reach> {
        serde_json::from_str(&self.reaches).unwrap_or_else(|_| unreadable(self.id, "reaches"))
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        now < self.deadline
    }
}

fn unreadable<T>(id: i64, what: &str) -> Vec<T> {
    tracing::error!(call = id, what, "unreadable list in a call");
    Vec::new()
}

const SELECT: &str = "SELECT id, slug, title_zh, title_en, text_zh, text_en, criteria_zh, criteria_en, venue_ids, \
     formats, reaches, period_from, period_until, deadline, created_at FROM calls ";

/// Inserts a call under `slug`; a unique violation when the slug is taken.
pub async fn insert(
    db: &Db,
    draft: &CallDraft,
    slug: &str,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar::<_, i64>(
        "INSERT INTO calls (slug, title_zh, title_en, text_zh, text_en, criteria_zh, criteria_en, venue_ids, formats, \
         reaches, period_from, period_until, deadline, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .bind(slug)
    .bind(&draft.title_zh)
    .bind(&draft.title_en)
    .bind(&draft.text_zh)
    .bind(&draft.text_en)
    .bind(&draft.criteria_zh)
    .bind(&draft.criteria_en)
    .bind(json(&draft.venue_ids))
    .bind(json(&draft.formats))
    .bind(json(&draft.reaches))
    .bind(draft.period_from)
    .bind(draft.period_until)
    .bind(draft.deadline)
    .bind(user_id)
    .bind(now)
    .fetch_one(pool)
    .await)
}

/// A list stored as JSON text.
fn json<T: serde::Serialize>(list: &[T]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

pub async fn find(db: &Db, id: i64) -> ApiResult<Option<CallRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT}WHERE id = $1"));
    Ok(on_db!(db, pool => sqlx::query_as::<_, CallRow>(sql).bind(id).fetch_optional(pool).await)?)
}

pub async fn find_by_slug(db: &Db, slug: &str) -> ApiResult<Option<CallRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT}WHERE slug = $1"));
    Ok(on_db!(db, pool => sqlx::query_as::<_, CallRow>(sql).bind(slug).fetch_optional(pool).await)?)
}

/// Every call, newest deadline first.
pub async fn list(db: &Db) -> ApiResult<Vec<CallRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT}ORDER BY deadline DESC, id DESC LIMIT 500"));
    Ok(on_db!(db, pool => sqlx::query_as::<_, CallRow>(sql).fetch_all(pool).await)?)
}

/// An application to a call, as the review queue shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EntryRow {
    pub booking_id: i64,
    pub organization_id: i64,
    pub title_zh: String,
    pub title_en: String,
    pub brand_name: String,
    pub venue_id: i64,
    pub format: Format,
    pub reach: Reach,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub state: BookingState,
    pub staged_action: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// The call's applications that have been submitted (whatever happened to them since).
pub async fn entries(db: &Db, call_id: i64) -> ApiResult<Vec<EntryRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, EntryRow>(
        "SELECT id AS booking_id, organization_id, title_zh, title_en, brand_name, venue_id, format, reach, starts_at, \
         ends_at, state, staged_action, submitted_at FROM bookings WHERE call_id = $1 AND state <> 'draft' \
         ORDER BY submitted_at, id",
    )
    .bind(call_id)
    .fetch_all(pool)
    .await)?)
}

/// The call a booking answers, if any.
pub async fn call_of(db: &Db, booking_id: i64) -> ApiResult<Option<i64>> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, Option<i64>>("SELECT call_id FROM bookings WHERE id = $1")
        .bind(booking_id)
        .fetch_optional(pool)
        .await)?
    .flatten())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScoreRow {
    pub booking_id: i64,
    pub reviewer_id: i64,
    pub reviewer_name: String,
    pub score: i64,
    pub comment: String,
    pub scored_at: DateTime<Utc>,
}

/// Every score of the call's applications.
pub async fn scores(db: &Db, call_id: i64) -> ApiResult<Vec<ScoreRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, ScoreRow>(
        "SELECT s.booking_id, s.reviewer_id, u.display_name AS reviewer_name, s.score, s.comment, s.scored_at \
         FROM call_scores s JOIN bookings b ON b.id = s.booking_id JOIN users u ON u.id = s.reviewer_id \
         WHERE b.call_id = $1 ORDER BY s.scored_at",
    )
    .bind(call_id)
    .fetch_all(pool)
    .await)?)
}

/// Records (or replaces) a reviewer's score.
pub async fn put_score(
    db: &Db,
    booking_id: i64,
    reviewer_id: i64,
    score: i64,
    comment: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query(
        "INSERT INTO call_scores (booking_id, reviewer_id, score, comment, scored_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (booking_id, reviewer_id) DO UPDATE SET score = $3, comment = $4, scored_at = $5",
    )
    .bind(booking_id)
    .bind(reviewer_id)
    .bind(score)
    .bind(comment)
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}
