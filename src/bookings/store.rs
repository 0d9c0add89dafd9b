//! SQL for bookings, shared by both backends, including the conflict-free approval.

use chrono::{DateTime, Utc};

use super::{
    Action, BookingContent, BookingState, Contact, Format, Reach, TimeSpan,
    schedule::{Interval, MAX_BUSY_SPAN},
};
use crate::{
    db::{Db, Tx},
    error::{ApiError, ApiResult},
    on_db, on_tx,
    values::Zone,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BookingRow {
    pub id: i64,
    pub organization_id: i64,
    pub created_by: i64,
    pub venue_id: i64,
    pub format: Format,
    pub reach: Reach,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub brand_name: String,
    pub expected_attendance: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub setup_minutes: i64,
    pub teardown_minutes: i64,
    pub alternatives: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub state: BookingState,
    pub pending_change: Option<String>,
    pub cancel_reason: Option<String>,
    pub staged_action: Option<Action>,
    pub staged_note: Option<String>,
    pub staged_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub zone: Zone,
}

macro_rules! select_booking {
    () => {
        "SELECT b.id, b.organization_id, b.created_by, b.venue_id, b.format, b.reach, b.title_zh, \
         b.title_en, b.description_zh, b.description_en, b.brand_name, b.expected_attendance, \
         b.starts_at, b.ends_at, b.setup_minutes, b.teardown_minutes, b.alternatives, \
         b.contact_name, b.contact_email, b.contact_phone, b.state, b.pending_change, \
         b.cancel_reason, b.staged_action, b.staged_note, b.staged_by, b.created_at, b.updated_at, \
         b.submitted_at, b.decided_at, v.zone FROM bookings b JOIN venues v ON v.id = b.venue_id "
    };
}

fn corrupt(id: i64, what: &str) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("booking {id}: unreadable {what}"))
}

impl BookingRow {
    pub fn content(&self) -> ApiResult<BookingContent> {
        Ok(BookingContent {
            venue_id: self.venue_id,
            format: self.format,
            reach: self.reach,
            title_zh: self.title_zh.clone(),
            title_en: self.title_en.clone(),
            description_zh: self.description_zh.clone(),
            description_en: self.description_en.clone(),
            brand_name: self.brand_name.clone(),
            expected_attendance: self.expected_attendance,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            setup_minutes: self.setup_minutes,
            teardown_minutes: self.teardown_minutes,
            alternatives: serde_json::from_str::<Vec<TimeSpan>>(&self.alternatives)
                .map_err(|_| corrupt(self.id, "alternatives"))?,
            contact: Contact {
                name: self.contact_name.clone(),
                email: self.contact_email.clone(),
                phone: self.contact_phone.clone(),
            },
        })
    }

    pub fn pending_change(&self) -> ApiResult<Option<BookingContent>> {
        self.pending_change
            .as_deref()
            .map(|json| serde_json::from_str(json).map_err(|_| corrupt(self.id, "pending change")))
            .transpose()
    }
}

/// Binds a booking's 19 content columns, in the order both statements below list them.
trait BindContent<'q>: Sized {
    fn bind_content(self, content: &'q BookingContent, busy: Interval, alternatives: &'q str) -> Self;
}

macro_rules! impl_bind_content {
    ($($query:ty),+) => {$(
        impl<'q> BindContent<'q> for $query {
            fn bind_content(self, content: &'q BookingContent, busy: Interval, alternatives: &'q str) -> Self {
                self.bind(content.venue_id)
                    .bind(content.format)
                    .bind(content.reach)
                    .bind(&content.title_zh)
                    .bind(&content.title_en)
                    .bind(&content.description_zh)
                    .bind(&content.description_en)
                    .bind(&content.brand_name)
                    .bind(content.expected_attendance)
                    .bind(content.starts_at)
                    .bind(content.ends_at)
                    .bind(content.setup_minutes)
                    .bind(content.teardown_minutes)
                    .bind(busy.start)
                    .bind(busy.end)
                    .bind(alternatives)
                    .bind(&content.contact.name)
                    .bind(&content.contact.email)
                    .bind(&content.contact.phone)
            }
        }
    )+};
}

impl_bind_content!(
    sqlx::query::QueryScalar<'q, sqlx::Sqlite, i64, sqlx::sqlite::SqliteArguments>,
    sqlx::query::QueryScalar<'q, sqlx::Postgres, i64, sqlx::postgres::PgArguments>,
    sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>
);

pub async fn insert_draft(
    db: &Db,
    organization_id: i64,
    user_id: i64,
    content: &BookingContent,
    call_id: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    let busy = content.slot().busy();
    let alternatives = serde_json::to_string(&content.alternatives).map_err(anyhow::Error::from)?;
    Ok(on_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO bookings (organization_id, created_by, venue_id, format, reach, title_zh, title_en, \
         description_zh, description_en, brand_name, expected_attendance, starts_at, ends_at, setup_minutes, \
         teardown_minutes, busy_from, busy_until, alternatives, contact_name, contact_email, contact_phone, \
         state, created_at, updated_at, call_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
         'draft', $22, $22, $23) RETURNING id",
    )
    .bind(organization_id)
    .bind(user_id)
    .bind_content(content, busy, &alternatives)
    .bind(now)
    .bind(call_id)
    .fetch_one(pool)
    .await)?)
}

/// Writes `content` over the booking's if it is still in one of the two `states` (name one state
/// twice to require it). Returns whether it was.
pub async fn write_content(
    tx: &mut Tx,
    id: i64,
    content: &BookingContent,
    states: [BookingState; 2],
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let busy = content.slot().busy();
    let alternatives = serde_json::to_string(&content.alternatives).map_err(anyhow::Error::from)?;
    let rows = on_tx!(tx, conn => sqlx::query(
        "UPDATE bookings SET venue_id = $2, format = $3, reach = $4, title_zh = $5, title_en = $6, \
         description_zh = $7, description_en = $8, brand_name = $9, expected_attendance = $10, starts_at = $11, \
         ends_at = $12, setup_minutes = $13, teardown_minutes = $14, busy_from = $15, busy_until = $16, \
         alternatives = $17, contact_name = $18, contact_email = $19, contact_phone = $20, updated_at = $21 \
         WHERE id = $1 AND state IN ($22, $23)",
    )
    .bind(id)
    .bind_content(content, busy, &alternatives)
    .bind(now)
    .bind(states[0])
    .bind(states[1])
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(rows == 1)
}

/// Stores a change request on an approved booking. Returns whether the booking was approved.
pub async fn set_pending_change(
    db: &Db,
    id: i64,
    change: Option<&BookingContent>,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let json = change.map(serde_json::to_string).transpose().map_err(anyhow::Error::from)?;
    let rows = on_db!(db, pool => sqlx::query(
        "UPDATE bookings SET pending_change = $2, updated_at = $3 WHERE id = $1 AND state = 'approved'",
    )
    .bind(id)
    .bind(json)
    .bind(now)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(rows == 1)
}

pub async fn find(db: &Db, id: i64) -> ApiResult<Option<BookingRow>> {
    const SQL: &str = concat!(select_booking!(), "WHERE b.id = $1");
    Ok(on_db!(db, pool => sqlx::query_as::<_, BookingRow>(SQL).bind(id).fetch_optional(pool).await)?)
}

#[derive(Debug, Default, Clone)]
pub struct BookingFilter {
    pub organization_id: Option<i64>,
    pub state: Option<BookingState>,
    pub venue_id: Option<i64>,
    pub format: Option<Format>,
    pub reach: Option<Reach>,
    /// Bookings that end after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Bookings that start before this instant.
    pub to: Option<DateTime<Utc>>,
}

pub async fn list(db: &Db, filter: &BookingFilter, after_id: i64, limit: i64) -> ApiResult<Vec<BookingRow>> {
    const SQL: &str = concat!(
        select_booking!(),
        "WHERE b.id > $1 AND ($2 IS NULL OR b.organization_id = $2) AND ($3 IS NULL OR b.state = $3) \
         AND ($4 IS NULL OR b.venue_id = $4) AND ($5 IS NULL OR b.format = $5) AND ($6 IS NULL OR b.reach = $6) \
         AND ($7 IS NULL OR b.ends_at > $7) AND ($8 IS NULL OR b.starts_at < $8) ORDER BY b.id LIMIT $9"
    );
    Ok(on_db!(db, pool => sqlx::query_as::<_, BookingRow>(SQL)
        .bind(after_id)
        .bind(filter.organization_id)
        .bind(filter.state)
        .bind(filter.venue_id)
        .bind(filter.format)
        .bind(filter.reach)
        .bind(filter.from)
        .bind(filter.to)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// Submitted bookings and approved ones with a change waiting, oldest first.
pub async fn review_queue(db: &Db, filter: &BookingFilter, limit: i64) -> ApiResult<Vec<BookingRow>> {
    const SQL: &str = concat!(
        select_booking!(),
        "WHERE (b.state = 'submitted' OR (b.state = 'approved' AND b.pending_change IS NOT NULL)) \
         AND ($1 IS NULL OR b.venue_id = $1) AND ($2 IS NULL OR b.format = $2) AND ($3 IS NULL OR b.reach = $3) \
         AND ($4 IS NULL OR b.ends_at > $4) AND ($5 IS NULL OR b.starts_at < $5) \
         ORDER BY COALESCE(b.submitted_at, b.updated_at), b.id LIMIT $6"
    );
    Ok(on_db!(db, pool => sqlx::query_as::<_, BookingRow>(SQL)
        .bind(filter.venue_id)
        .bind(filter.format)
        .bind(filter.reach)
        .bind(filter.from)
        .bind(filter.to)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// A booking that competes for the same venue and time.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClashRow {
    pub id: i64,
    pub organization_id: i64,
    pub state: BookingState,
    pub title_zh: String,
    pub title_en: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Bookings whose busy spans overlap `[$3, $4)`; `$6` is `$3 - MAX_BUSY_SPAN`, which bounds the
/// index range scan on `busy_from`.
const CLASHES_SQL: &str = "SELECT id, organization_id, state, title_zh, title_en, starts_at, ends_at FROM bookings \
     WHERE venue_id = $1 AND id <> $2 AND busy_from > $6 AND busy_from < $4 AND busy_until > $3 \
     AND (state = 'approved' OR ($5 AND state = 'submitted')) ORDER BY starts_at, id";

/// Bookings at the venue whose busy spans overlap `busy`: approved ones, and submitted ones too
/// when `include_pending`.
pub async fn clashes(
    db: &Db,
    venue_id: i64,
    exclude_id: i64,
    busy: Interval,
    include_pending: bool,
) -> ApiResult<Vec<ClashRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, ClashRow>(CLASHES_SQL)
        .bind(venue_id)
        .bind(exclude_id)
        .bind(busy.start)
        .bind(busy.end)
        .bind(include_pending)
        .bind(busy.start - MAX_BUSY_SPAN)
        .fetch_all(pool)
        .await)?)
}

/// Busy spans of approved bookings at the venue overlapping `[from, to)`, and of submitted ones
/// too when `include_pending`.
pub async fn busy_spans(
    db: &Db,
    venue_id: i64,
    exclude_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    include_pending: bool,
) -> ApiResult<Vec<Interval>> {
    let rows: Vec<(DateTime<Utc>, DateTime<Utc>)> = on_db!(db, pool => sqlx::query_as(
        "SELECT busy_from, busy_until FROM bookings WHERE venue_id = $1 AND id <> $2 \
         AND (state = 'approved' OR ($5 AND state = 'submitted')) \
         AND busy_from > $6 AND busy_from < $4 AND busy_until > $3 ORDER BY busy_from",
    )
    .bind(venue_id)
    .bind(exclude_id)
    .bind(from)
    .bind(to)
    .bind(include_pending)
    .bind(from - MAX_BUSY_SPAN)
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().map(|(start, end)| Interval::new(start, end)).collect())
}

/// Holds the booking for the rest of the transaction if it is unchanged since `seen_at` (every
/// write moves `updated_at`). On PostgreSQL this takes the row lock; on SQLite the transaction
/// already holds the write lock.
pub async fn claim(tx: &mut Tx, id: i64, seen_at: DateTime<Utc>) -> ApiResult<bool> {
    let rows = on_tx!(tx, conn => sqlx::query("UPDATE bookings SET updated_at = updated_at WHERE id = $1 AND updated_at = $2")
        .bind(id)
        .bind(seen_at)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(rows == 1)
}

/// Takes the venue's booking lock for the rest of the transaction. Every approval at a venue
/// goes through this row first, so two approvals for one venue never check clashes at once
/// (PostgreSQL row lock; SQLite already holds the database write lock from `BEGIN IMMEDIATE`).
pub async fn lock_venue(tx: &mut Tx, venue_id: i64) -> ApiResult<()> {
    on_tx!(tx, conn => sqlx::query("UPDATE venues SET booking_version = booking_version + 1 WHERE id = $1")
        .bind(venue_id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Approved bookings clashing with `busy`, read inside the locking transaction. One equality on
/// `state` (no OR) so both planners use the `(venue_id, state, busy_from)` index.
pub async fn approved_clashes_in(
    tx: &mut Tx,
    venue_id: i64,
    exclude_id: i64,
    busy: Interval,
) -> ApiResult<Vec<i64>> {
    Ok(on_tx!(tx, conn => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM bookings WHERE venue_id = $1 AND state = 'approved' AND id <> $2 \
         AND busy_from > $5 AND busy_from < $4 AND busy_until > $3 ORDER BY id",
    )
    .bind(venue_id)
    .bind(exclude_id)
    .bind(busy.start)
    .bind(busy.end)
    .bind(busy.start - MAX_BUSY_SPAN)
    .fetch_all(&mut *conn)
    .await)?)
}

/// Moves the booking from `from` to `to` if it is still in `from`. Returns whether it was.
pub async fn set_state(
    tx: &mut Tx,
    id: i64,
    from: BookingState,
    to: BookingState,
    now: DateTime<Utc>,
    cancel_reason: Option<&str>,
) -> ApiResult<bool> {
    let submitted = to == BookingState::Submitted;
    let decided = matches!(
        to,
        BookingState::Approved
            | BookingState::Rejected
            | BookingState::ChangesRequested
            | BookingState::Cancelled
    );
    let rows = on_tx!(tx, conn => sqlx::query(
        "UPDATE bookings SET state = $3, updated_at = $4, \
         submitted_at = CASE WHEN $5 THEN $4 ELSE submitted_at END, \
         decided_at = CASE WHEN $6 THEN $4 ELSE decided_at END, \
         cancel_reason = COALESCE($7, cancel_reason), \
         staged_action = NULL, staged_note = NULL, staged_by = NULL \
         WHERE id = $1 AND state = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(now)
    .bind(submitted)
    .bind(decided)
    .bind(cancel_reason)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(rows == 1)
}

/// Clears a pending change (after applying or dropping it) and any staged decision.
pub async fn clear_pending_change(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> ApiResult<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE bookings SET pending_change = NULL, decided_at = $2, updated_at = $2, \
         staged_action = NULL, staged_note = NULL, staged_by = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records a decision for later release, or clears it with `None`.
pub async fn stage(
    db: &Db,
    id: i64,
    action: Option<Action>,
    note: Option<&str>,
    staff_id: Option<i64>,
) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query("UPDATE bookings SET staged_action = $2, staged_note = $3, staged_by = $4 WHERE id = $1")
        .bind(id)
        .bind(action)
        .bind(note)
        .bind(staff_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Bookings with a staged decision: (id, action, note).
pub async fn staged(db: &Db) -> ApiResult<Vec<(i64, Action, String)>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, (i64, Action, String)>(
        "SELECT id, staged_action, COALESCE(staged_note, '') FROM bookings WHERE staged_action IS NOT NULL ORDER BY id",
    )
    .fetch_all(pool)
    .await)?)
}
/// The slug of a booking's public event, once it has one.
pub async fn public_slug(db: &Db, id: i64) -> ApiResult<Option<String>> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, Option<String>>("SELECT public_slug FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await)?
    .flatten())
}
