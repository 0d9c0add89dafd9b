//! SQL for public events, the calendar version and feed tokens.

use chrono::{DateTime, Utc};

use super::{EventFilter, EventRow, tombstone_cutoff};
use crate::{
    bookings::{Format, Reach},
    db::Db,
    error::ApiResult,
    on_db, on_tx,
    venues::VenueKind,
};

macro_rules! select_event {
    () => {
        "SELECT b.id, b.public_slug, b.title_zh, b.title_en, b.description_zh, b.description_en, \
         b.brand_name, b.format, b.reach, b.starts_at, b.ends_at, b.state, b.sequence, b.published_at, \
         b.public_updated_at, b.cancelled_at, b.cancel_reason, b.previous_starts_at, v.slug AS venue_slug, \
         v.name_zh AS venue_name_zh, v.name_en AS venue_name_en, v.kind AS venue_kind, \
         v.address AS venue_address, v.latitude, v.longitude, v.zone, \
         (SELECT i.variants FROM images i WHERE i.owner_kind = 'booking' AND i.owner_id = b.id AND NOT i.awaiting_review \
          ORDER BY i.id LIMIT 1) AS poster_variants, \
         (SELECT i.alt FROM images i WHERE i.owner_kind = 'booking' AND i.owner_id = b.id AND NOT i.awaiting_review \
          ORDER BY i.id LIMIT 1) AS poster_alt, CAST(NULL AS BIGINT) AS market_date \
         FROM bookings b JOIN venues v ON v.id = b.venue_id \
         WHERE b.public_slug IS NOT NULL \
         AND (b.state = 'approved' OR (b.state = 'cancelled' AND b.cancelled_at > $1)) "
    };
}

/// Escapes `%`, `_` and `\` for a LIKE pattern (with `ESCAPE '\'`).
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

// A market's dates stand in for the booking under it: while the booking is approved and the
// market has dates, the public sees the dates (each linking to the market page), not the booking.
macro_rules! public_rows {
    () => {
        concat!(
            select_event!(),
            "AND NOT (b.state = 'approved' AND EXISTS (SELECT 1 FROM markets m JOIN market_occurrences o \
             ON o.market_id = m.id WHERE m.booking_id = b.id)) ",
            "UNION ALL SELECT b.id, m.slug AS public_slug, m.title_zh, m.title_en, m.description_zh, m.description_en, \
             b.brand_name, b.format, b.reach, o.starts_at, o.ends_at, \
             CASE WHEN o.cancelled_at IS NULL THEN 'approved' ELSE 'cancelled' END AS state, o.sequence, \
             m.created_at AS published_at, o.updated_at AS public_updated_at, o.cancelled_at, \
             NULL AS cancel_reason, NULL AS previous_starts_at, v.slug AS venue_slug, v.name_zh AS venue_name_zh, \
             v.name_en AS venue_name_en, v.kind AS venue_kind, v.address AS venue_address, v.latitude, v.longitude, \
             v.zone, (SELECT i.variants FROM images i WHERE i.owner_kind = 'booking' AND i.owner_id = b.id AND NOT i.awaiting_review \
             ORDER BY i.id LIMIT 1) AS poster_variants, (SELECT i.alt FROM images i WHERE i.owner_kind = 'booking' \
             AND i.owner_id = b.id AND NOT i.awaiting_review ORDER BY i.id LIMIT 1) AS poster_alt, o.id AS market_date \
             FROM market_occurrences o JOIN markets m ON m.id = o.market_id JOIN bookings b ON b.id = m.booking_id \
             JOIN venues v ON v.id = b.venue_id \
             WHERE b.state = 'approved' AND (o.cancelled_at IS NULL OR o.cancelled_at > $1)"
        )
    };
}

/// Where a page of events starts: after this (starts_at, id, market date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    pub starts_at: DateTime<Utc>,
    pub id: i64,
    /// The market date's id, 0 for an event that is not a market date.
    pub date: i64,
}

impl After {
    pub fn of(row: &EventRow) -> Self {
        Self { starts_at: row.starts_at, id: row.id, date: row.market_date.unwrap_or(0) }
    }

    /// The opaque cursor pages and the API hand out: `micros:id` or `micros:id:date`.
    pub fn to_cursor(self) -> String {
        match self.date {
            0 => format!("{}:{}", self.starts_at.timestamp_micros(), self.id),
            date => format!("{}:{}:{date}", self.starts_at.timestamp_micros(), self.id),
        }
    }

    pub fn parse(cursor: &str) -> Option<Self> {
        let mut parts = cursor.split(':');
        let starts_at = DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?;
        let id = parts.next()?.parse().ok()?;
        let date = parts.next().map_or(Some(0), |d| d.parse().ok())?;
        parts.next().is_none().then_some(Self { starts_at, id, date })
    }
}

/// Public events matching the filter, in start order: approved bookings and market dates, and
/// cancelled ones while their tombstone lasts.
pub async fn events(
    db: &Db,
    filter: &EventFilter,
    now: DateTime<Utc>,
    after: Option<After>,
    limit: i64,
) -> ApiResult<Vec<EventRow>> {
    const SQL: &str = concat!(
        "SELECT * FROM (",
        public_rows!(),
        ") e WHERE ($2 IS NULL OR e.venue_slug = $2) AND ($3 IS NULL OR e.venue_kind = $3) \
         AND ($4 IS NULL OR e.format = $4) AND ($5 IS NULL OR e.reach = $5) \
         AND ($6 IS NULL OR LOWER(e.brand_name) = $6) AND ($7 IS NULL OR e.ends_at > $7) \
         AND ($8 IS NULL OR e.starts_at < $8) \
         AND ($9 IS NULL OR LOWER(e.title_zh || ' ' || e.title_en || ' ' || e.description_zh || ' ' || \
              e.description_en || ' ' || e.brand_name) LIKE $9 ESCAPE '\\') \
         AND ($10 IS NULL OR e.starts_at > $10 OR (e.starts_at = $10 AND (e.id > $11 \
              OR (e.id = $11 AND COALESCE(e.market_date, 0) > $12)))) \
         ORDER BY e.starts_at, e.id, COALESCE(e.market_date, 0) LIMIT $13"
    );
    Ok(on_db!(db, pool => sqlx::query_as::<_, EventRow>(SQL)
        .bind(tombstone_cutoff(now))
        .bind(filter.venue.as_deref())
        .bind(filter.kind.map(VenueKind::as_str))
        .bind(filter.format.map(Format::as_str))
        .bind(filter.reach.map(Reach::as_str))
        .bind(filter.brand.as_ref().map(|b| b.to_lowercase()))
        .bind(filter.from)
        .bind(filter.to)
        .bind(filter.q.as_deref().map(like_pattern))
        .bind(after.map(|a| a.starts_at))
        .bind(after.map_or(0, |a| a.id))
        .bind(after.map_or(0, |a| a.date))
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// One public event by slug (a tombstone included, while it lasts).
pub async fn event(db: &Db, slug: &str, now: DateTime<Utc>) -> ApiResult<Option<EventRow>> {
    const SQL: &str = concat!(select_event!(), "AND b.public_slug = $2");
    Ok(on_db!(db, pool => sqlx::query_as::<_, EventRow>(SQL)
        .bind(tombstone_cutoff(now))
        .bind(slug)
        .fetch_optional(pool)
        .await)?)
}

/// Bookings for a personal feed: the organization's (or, for staff, everyone's) pending and
/// approved bookings, and cancelled ones still within the tombstone period.
pub async fn audience_bookings(
    db: &Db,
    organization_id: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<EventRow>> {
    const SQL: &str = "SELECT b.id, COALESCE(b.public_slug, '') AS public_slug, b.title_zh, b.title_en, \
         b.description_zh, b.description_en, b.brand_name, b.format, b.reach, b.starts_at, b.ends_at, b.state, \
         b.sequence, b.published_at, COALESCE(b.public_updated_at, b.updated_at) AS public_updated_at, \
         b.cancelled_at, b.cancel_reason, b.previous_starts_at, v.slug AS venue_slug, v.name_zh AS venue_name_zh, \
         v.name_en AS venue_name_en, v.kind AS venue_kind, v.address AS venue_address, v.latitude, v.longitude, \
         v.zone, NULL AS poster_variants, NULL AS poster_alt FROM bookings b JOIN venues v ON v.id = b.venue_id \
         WHERE ($2 IS NULL OR b.organization_id = $2) AND b.ends_at > $3 \
         AND (b.state IN ('submitted', 'approved') OR (b.state = 'cancelled' AND b.cancelled_at > $1)) \
         ORDER BY b.starts_at, b.id LIMIT 5000";
    Ok(on_db!(db, pool => sqlx::query_as::<_, EventRow>(SQL)
        .bind(tombstone_cutoff(now))
        .bind(organization_id)
        .bind(now - super::feeds::PAST_WINDOW)
        .fetch_all(pool)
        .await)?)
}

pub async fn replace_feed_token(
    db: &Db,
    user_id: i64,
    token_hash: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE feed_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(user_id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        sqlx::query("INSERT INTO feed_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(token_hash)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|_| ())
    })?;
    tx.commit().await?;
    Ok(())
}

pub async fn revoke_feed_tokens(db: &Db, user_id: i64, now: DateTime<Utc>) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query("UPDATE feed_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user_id)
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The user behind a live feed token.
pub async fn feed_token_user(db: &Db, token_hash: &str) -> ApiResult<Option<i64>> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT user_id FROM feed_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await)?)
}

/// The public slug of a booking's event while the public can see it (approved, or a tombstone).
pub async fn public_slug(db: &Db, booking_id: i64, now: DateTime<Utc>) -> ApiResult<Option<String>> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, String>(
        "SELECT public_slug FROM bookings WHERE id = $1 AND public_slug IS NOT NULL \
         AND (state = 'approved' OR (state = 'cancelled' AND cancelled_at > $2))",
    )
    .bind(booking_id)
    .bind(tombstone_cutoff(now))
    .fetch_optional(pool)
    .await)?)
}
