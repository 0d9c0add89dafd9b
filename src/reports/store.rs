//! SQL for event figures and the rows the programme report counts.

use chrono::{DateTime, Utc};

use crate::{
    bookings::{BookingState, Format, Reach},
    db::{Db, Tx},
    error::ApiResult,
    incentives::StoreTier,
    on_db, on_tx,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FiguresRow {
    pub booking_id: i64,
    pub footfall: i64,
    pub sales_fen: i64,
    pub media_reach: i64,
    pub filed_by: i64,
    pub filed_at: DateTime<Utc>,
    pub confirmed_by: Option<i64>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

pub async fn figures(db: &Db, booking_id: i64) -> ApiResult<Option<FiguresRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, FiguresRow>(
        "SELECT booking_id, footfall, sales_fen, media_reach, filed_by, filed_at, confirmed_by, confirmed_at \
         FROM event_figures WHERE booking_id = $1",
    )
    .bind(booking_id)
    .fetch_optional(pool)
    .await)?)
}

/// Files (or corrects) figures. `confirm` marks them confirmed by `user_id`; filing again
/// without confirming leaves them unconfirmed.
pub async fn put_figures(
    db: &Db,
    booking_id: i64,
    (footfall, sales_fen, media_reach): (i64, i64, i64),
    user_id: i64,
    confirm: bool,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query(
        "INSERT INTO event_figures (booking_id, footfall, sales_fen, media_reach, filed_by, filed_at, confirmed_by, \
         confirmed_at) VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7 THEN $5 ELSE NULL END, CASE WHEN $7 THEN $6 ELSE NULL END) \
         ON CONFLICT (booking_id) DO UPDATE SET footfall = $2, sales_fen = $3, media_reach = $4, filed_by = $5, \
         filed_at = $6, confirmed_by = CASE WHEN $7 THEN $5 ELSE NULL END, confirmed_at = CASE WHEN $7 THEN $6 ELSE NULL END",
    )
    .bind(booking_id)
    .bind(footfall)
    .bind(sales_fen)
    .bind(media_reach)
    .bind(user_id)
    .bind(now)
    .bind(confirm)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn confirm(db: &Db, booking_id: i64, user_id: i64, now: DateTime<Utc>) -> ApiResult<bool> {
    let changed = on_db!(db, pool => sqlx::query(
        "UPDATE event_figures SET confirmed_by = $2, confirmed_at = $3 WHERE booking_id = $1",
    )
    .bind(booking_id)
    .bind(user_id)
    .bind(now)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// An event whose figures should be asked for or reminded of.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueRow {
    pub id: i64,
    pub organization_id: i64,
    pub title_zh: String,
    pub title_en: String,
    pub ends_at: DateTime<Utc>,
}

/// Approved events that ended between `since` and `now`, not asked yet and without figures.
pub async fn to_ask(db: &Db, since: DateTime<Utc>, now: DateTime<Utc>) -> ApiResult<Vec<DueRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, DueRow>(
        "SELECT b.id, b.organization_id, b.title_zh, b.title_en, b.ends_at FROM bookings b \
         WHERE b.state = 'approved' AND b.ends_at <= $2 AND b.ends_at > $1 AND b.figures_requested_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM event_figures f WHERE f.booking_id = b.id) ORDER BY b.ends_at LIMIT 500",
    )
    .bind(since)
    .bind(now)
    .fetch_all(pool)
    .await)?)
}

/// Asked events whose figures are still missing and whose deadline is near (`ended_before`)
/// but not past (`ended_after`), not reminded yet.
pub async fn to_remind(
    db: &Db,
    ended_after: DateTime<Utc>,
    ended_before: DateTime<Utc>,
) -> ApiResult<Vec<DueRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, DueRow>(
        "SELECT b.id, b.organization_id, b.title_zh, b.title_en, b.ends_at FROM bookings b \
         WHERE b.state = 'approved' AND b.figures_requested_at IS NOT NULL AND b.figures_reminded_at IS NULL \
         AND b.ends_at > $1 AND b.ends_at <= $2 \
         AND NOT EXISTS (SELECT 1 FROM event_figures f WHERE f.booking_id = b.id) ORDER BY b.ends_at LIMIT 500",
    )
    .bind(ended_after)
    .bind(ended_before)
    .fetch_all(pool)
    .await)?)
}

/// Claims the request (`reminder: false`) or the reminder of one event; false when another
/// process already did.
pub async fn claim(tx: &mut Tx, booking_id: i64, reminder: bool, now: DateTime<Utc>) -> ApiResult<bool> {
    let sql = if reminder {
        "UPDATE bookings SET figures_reminded_at = $2 WHERE id = $1 AND figures_reminded_at IS NULL"
    } else {
        "UPDATE bookings SET figures_requested_at = $2 WHERE id = $1 AND figures_requested_at IS NULL"
    };
    let changed = on_tx!(tx, conn => sqlx::query(sql)
        .bind(booking_id)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// An approved event in the report's range, with its figures if filed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventFact {
    pub id: i64,
    pub format: Format,
    pub reach: Reach,
    pub venue_slug: String,
    pub venue_name_zh: String,
    pub venue_name_en: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub state: BookingState,
    pub filed: bool,
    pub confirmed: bool,
    pub footfall: Option<i64>,
    pub sales_fen: Option<i64>,
    pub media_reach: Option<i64>,
}

pub async fn events(db: &Db, from: DateTime<Utc>, to: DateTime<Utc>) -> ApiResult<Vec<EventFact>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, EventFact>(
        "SELECT b.id, b.format, b.reach, v.slug AS venue_slug, v.name_zh AS venue_name_zh, v.name_en AS venue_name_en, \
         b.starts_at, b.ends_at, b.state, (f.booking_id IS NOT NULL) AS filed, \
         (f.confirmed_at IS NOT NULL) AS confirmed, f.footfall, f.sales_fen, f.media_reach \
         FROM bookings b JOIN venues v ON v.id = b.venue_id LEFT JOIN event_figures f ON f.booking_id = b.id \
         WHERE b.state = 'approved' AND b.starts_at >= $1 AND b.starts_at < $2 ORDER BY b.starts_at, b.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await)?)
}

/// A ledger entry of the report's range: an award (positive) or a clawback (negative).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LedgerFact {
    pub application_id: i64,
    pub amount_fen: i64,
    pub tier: StoreTier,
    pub mall_name_zh: Option<String>,
    pub mall_name_en: Option<String>,
}

pub async fn ledger(db: &Db, from: DateTime<Utc>, to: DateTime<Utc>) -> ApiResult<Vec<LedgerFact>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, LedgerFact>(
        "SELECT l.application_id, l.amount_fen, a.tier, v.name_zh AS mall_name_zh, v.name_en AS mall_name_en \
         FROM incentive_ledger l JOIN incentive_applications a ON a.id = l.application_id \
         LEFT JOIN venues v ON v.id = a.mall_venue_id WHERE l.at >= $1 AND l.at < $2 ORDER BY l.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await)?)
}

/// A market date of the report's range with how many stalls the market has and how many were
/// taken that date.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MarketDateFact {
    pub market_id: i64,
    pub occurrence_id: i64,
    pub stalls: i64,
    pub taken: i64,
}

pub async fn market_dates(db: &Db, from: DateTime<Utc>, to: DateTime<Utc>) -> ApiResult<Vec<MarketDateFact>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, MarketDateFact>(
        "SELECT o.market_id, o.id AS occurrence_id, \
         (SELECT COUNT(*) FROM stalls s WHERE s.market_id = o.market_id) AS stalls, \
         (SELECT COUNT(*) FROM stall_assignments x WHERE x.occurrence_id = o.id) AS taken \
         FROM market_occurrences o JOIN markets m ON m.id = o.market_id JOIN bookings b ON b.id = m.booking_id \
         WHERE o.cancelled_at IS NULL AND b.state = 'approved' AND o.starts_at >= $1 AND o.starts_at < $2 \
         ORDER BY o.starts_at",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await)?)
}

/// Vendors that had a stall on a market date of the range.
pub async fn vendors(db: &Db, from: DateTime<Utc>, to: DateTime<Utc>) -> ApiResult<i64> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(DISTINCT a.organization_id) FROM stall_assignments x \
         JOIN market_applications a ON a.id = x.application_id JOIN market_occurrences o ON o.id = x.occurrence_id \
         WHERE o.cancelled_at IS NULL AND o.starts_at >= $1 AND o.starts_at < $2",
    )
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await)?)
}
