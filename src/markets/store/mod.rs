//! SQL for markets, their dates, stall plans, vendor applications and stall assignments.

use chrono::{DateTime, Utc};

use super::{MarketText, Span};
use crate::{
    accounts::OrgKind,
    bookings::{BookingState, Format, Reach},
    db::{Db, Tx},
    error::ApiResult,
    on_db, on_tx,
    values::Zone,
    venues::VenueKind,
};

mod applications;
mod plan;
mod stalls;

pub use self::applications::{
    ApplicationRow, NewApplication, application, application_state_in, applications, expired_offers,
    first_waitlisted, insert_application, release_future_stalls, set_state, vendor_applications,
};
pub use self::plan::{ClassRow, StallRow, assigned_stalls, classes, replace_plan, stalls};
pub use self::stalls::{
    AssignmentRow, NewAssignment, Occupancy, assignment, assignments, delete_assignment, insert_assignment,
    occupancy, set_fee_state, vendor_photos,
};

/// What a market rests on: its booking, as approved.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Basis {
    pub organization_id: i64,
    pub organization_kind: OrgKind,
    pub state: BookingState,
    pub format: Format,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub zone: Zone,
}

pub async fn basis(db: &Db, booking_id: i64) -> ApiResult<Option<Basis>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, Basis>(
        "SELECT b.organization_id, o.kind AS organization_kind, b.state, b.format, b.starts_at, b.ends_at, v.zone \
         FROM bookings b JOIN organizations o ON o.id = b.organization_id JOIN venues v ON v.id = b.venue_id \
         WHERE b.id = $1",
    )
    .bind(booking_id)
    .fetch_optional(pool)
    .await)?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MarketRow {
    pub id: i64,
    pub booking_id: i64,
    pub organization_id: i64,
    pub organizer_name: String,
    pub slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub theme: String,
    pub call_opens_at: Option<DateTime<Utc>>,
    pub call_closes_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub booking_state: BookingState,
    pub reach: Reach,
    pub booking_starts_at: DateTime<Utc>,
    pub booking_ends_at: DateTime<Utc>,
    pub venue_id: i64,
    pub venue_slug: String,
    pub venue_name_zh: String,
    pub venue_name_en: String,
    pub venue_kind: VenueKind,
    pub venue_address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub zone: Zone,
}

impl MarketRow {
    pub fn approved_span(&self) -> Span {
        Span { starts_at: self.booking_starts_at, ends_at: self.booking_ends_at }
    }
}

macro_rules! select_market {
    () => {
        "SELECT m.id, m.booking_id, m.organization_id, o.name AS organizer_name, m.slug, m.title_zh, m.title_en, \
         m.description_zh, m.description_en, m.theme, m.call_opens_at, m.call_closes_at, m.created_at, m.updated_at, \
         b.state AS booking_state, b.reach, b.starts_at AS booking_starts_at, b.ends_at AS booking_ends_at, \
         v.id AS venue_id, v.slug AS venue_slug, v.name_zh AS venue_name_zh, v.name_en AS venue_name_en, \
         v.kind AS venue_kind, v.address AS venue_address, v.latitude, v.longitude, v.zone \
         FROM markets m JOIN bookings b ON b.id = m.booking_id JOIN venues v ON v.id = b.venue_id \
         JOIN organizations o ON o.id = m.organization_id "
    };
}

pub async fn find(db: &Db, id: i64) -> ApiResult<Option<MarketRow>> {
    const SQL: &str = concat!(select_market!(), "WHERE m.id = $1");
    Ok(on_db!(db, pool => sqlx::query_as::<_, MarketRow>(SQL).bind(id).fetch_optional(pool).await)?)
}

pub async fn find_by_slug(db: &Db, slug: &str) -> ApiResult<Option<MarketRow>> {
    const SQL: &str = concat!(select_market!(), "WHERE m.slug = $1");
    Ok(on_db!(db, pool => sqlx::query_as::<_, MarketRow>(SQL).bind(slug).fetch_optional(pool).await)?)
}

/// Markets in order of their first date; only one organizer's when `organization_id` is given.
pub async fn list(db: &Db, organization_id: Option<i64>) -> ApiResult<Vec<MarketRow>> {
    const SQL: &str = concat!(
        select_market!(),
        "WHERE ($1 IS NULL OR m.organization_id = $1) ORDER BY b.starts_at, m.id LIMIT 1000"
    );
    Ok(on_db!(db, pool => sqlx::query_as::<_, MarketRow>(SQL).bind(organization_id).fetch_all(pool).await)?)
}

/// Inserts a market; `Err` with a unique violation when the booking or slug is taken.
pub async fn insert(
    tx: &mut Tx,
    booking_id: i64,
    organization_id: i64,
    slug: &str,
    text: &MarketText,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar::<_, i64>(
        "INSERT INTO markets (booking_id, organization_id, slug, title_zh, title_en, description_zh, description_en, \
         theme, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(booking_id)
    .bind(organization_id)
    .bind(slug)
    .bind(&text.title_zh)
    .bind(&text.title_en)
    .bind(&text.description_zh)
    .bind(&text.description_en)
    .bind(&text.theme)
    .bind(now)
    .fetch_one(&mut *conn)
    .await)
}

pub async fn set_call(
    tx: &mut Tx,
    market_id: i64,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE markets SET call_opens_at = $2, call_closes_at = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(market_id)
    .bind(opens_at)
    .bind(closes_at)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|_| ()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OccurrenceRow {
    pub id: i64,
    pub market_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub sequence: i64,
    pub updated_at: DateTime<Utc>,
}

/// Adds dates; a date that starts when an existing one does is kept once. Returns how many
/// were new.
pub async fn add_occurrences(
    tx: &mut Tx,
    market_id: i64,
    spans: &[Span],
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    let mut added = 0;
    for span in spans {
        added += on_tx!(tx, conn => sqlx::query(
            "INSERT INTO market_occurrences (market_id, starts_at, ends_at, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (market_id, starts_at) DO NOTHING",
        )
        .bind(market_id)
        .bind(span.starts_at)
        .bind(span.ends_at)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(added)
}

pub async fn occurrences(db: &Db, market_id: i64) -> ApiResult<Vec<OccurrenceRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, OccurrenceRow>(
        "SELECT id, market_id, starts_at, ends_at, cancelled_at, sequence, updated_at FROM market_occurrences \
         WHERE market_id = $1 ORDER BY starts_at",
    )
    .bind(market_id)
    .fetch_all(pool)
    .await)?)
}

/// Cancels a date that is not cancelled yet; false when there was none to cancel.
pub async fn cancel_occurrence(
    tx: &mut Tx,
    market_id: i64,
    occurrence_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let changed = on_tx!(tx, conn => sqlx::query(
        "UPDATE market_occurrences SET cancelled_at = $3, sequence = sequence + 1, updated_at = $3 \
         WHERE id = $1 AND market_id = $2 AND cancelled_at IS NULL",
    )
    .bind(occurrence_id)
    .bind(market_id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}
