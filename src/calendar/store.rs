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
         (SELECT i.variants FROM images i WHERE i.owner_kind = 'booking' AND i.owner_id = b.id \
          ORDER BY i.id LIMIT 1) AS poster_variants, \
         (SELECT i.alt FROM images i WHERE i.owner_kind = 'booking' AND i.owner_id = b.id \
          ORDER BY i.id LIMIT 1) AS poster_alt \
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

/// Where a page of events starts: after this (starts_at, id).
#[derive(Debug, Clone, Copy)]
pub struct After {
    pub starts_at: DateTime<Utc>,
    pub id: i64,
}

/// Public events matching the filter, in start order.
pub async fn events(
    db: &Db,
    filter: &EventFilter,
    now: DateTime<Utc>,
    after: Option<After>,
    limit: i64,
) -> ApiResult<Vec<EventRow>> {
    const SQL: &str = concat!(
        select_event!(),
        "AND ($2 IS NULL OR v.slug = $2) AND ($3 IS NULL OR v.kind = $3) AND ($4 IS NULL OR b.format = $4) \
         AND ($5 IS NULL OR b.reach = $5) AND ($6 IS NULL OR LOWER(b.brand_name) = $6) \
         AND ($7 IS NULL OR b.ends_at > $7) AND ($8 IS NULL OR b.starts_at < $8) \
         AND ($9 IS NULL OR LOWER(b.title_zh || ' ' || b.title_en || ' ' || b.description_zh || ' ' || \
              b.description_en || ' ' || b.brand_name) LIKE $9 ESCAPE '\\') \
         AND ($10 IS NULL OR b.starts_at > $10 OR (b.starts_at = $10 AND b.id > $11)) \
         ORDER BY b.starts_at, b.id LIMIT $12"
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
