//! SQL for markets, their dates, stall plans, vendor applications and stall assignments.

use chrono::{DateTime, Utc};

use super::{ApplicationState, FeeState, MarketText, Span, StallPlanInput};
use crate::{
    accounts::OrgKind,
    bookings::{BookingState, Format, Reach},
    db::{Db, Tx},
    error::ApiResult,
    on_db, on_tx,
    values::Zone,
    venues::VenueKind,
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

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClassRow {
    pub id: i64,
    pub name: String,
    pub size_m2: i64,
    pub power: bool,
    pub water: bool,
    pub food_allowed: bool,
    pub fee_fen: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StallRow {
    pub id: i64,
    pub class_id: i64,
    pub code: String,
    pub food_allowed: bool,
    pub grid_x: i64,
    pub grid_y: i64,
}

pub async fn classes(db: &Db, market_id: i64) -> ApiResult<Vec<ClassRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, ClassRow>(
        "SELECT id, name, size_m2, power, water, food_allowed, fee_fen FROM stall_classes WHERE market_id = $1 ORDER BY id",
    )
    .bind(market_id)
    .fetch_all(pool)
    .await)?)
}

pub async fn stalls(db: &Db, market_id: i64) -> ApiResult<Vec<StallRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, StallRow>(
        "SELECT id, class_id, code, food_allowed, grid_x, grid_y FROM stalls WHERE market_id = $1 ORDER BY code",
    )
    .bind(market_id)
    .fetch_all(pool)
    .await)?)
}

/// Stall codes that have vendors assigned, with whether any of them sells food.
pub async fn assigned_stalls(tx: &mut Tx, market_id: i64) -> ApiResult<Vec<(String, bool)>> {
    Ok(on_tx!(tx, conn => sqlx::query_as::<_, (String, i64)>(
        "SELECT s.code, CAST(MAX(CASE WHEN a.vendor_food THEN 1 ELSE 0 END) AS BIGINT) FROM stall_assignments a \
         JOIN stalls s ON s.id = a.stall_id WHERE a.market_id = $1 GROUP BY s.code",
    )
    .bind(market_id)
    .fetch_all(&mut *conn)
    .await)?
    .into_iter()
    .map(|(code, food)| (code, food == 1))
    .collect())
}

/// Replaces the plan inside `tx`: classes kept by name and stalls by code (so assignments stay
/// with their stall), the rest removed. The caller has checked that no removed stall is
/// assigned; the schema refuses a food vendor left on a stall that no longer allows food.
pub async fn replace_plan(tx: &mut Tx, market_id: i64, plan: &StallPlanInput) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        for class in &plan.classes {
            let updated = sqlx::query(
                "UPDATE stall_classes SET size_m2 = $3, power = $4, water = $5, food_allowed = $6, fee_fen = $7 \
                 WHERE market_id = $1 AND name = $2",
            )
            .bind(market_id)
            .bind(&class.name)
            .bind(class.size_m2)
            .bind(class.power)
            .bind(class.water)
            .bind(class.food_allowed)
            .bind(class.fee_fen)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if updated == 0 {
                sqlx::query(
                    "INSERT INTO stall_classes (market_id, name, size_m2, power, water, food_allowed, fee_fen) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(market_id)
                .bind(&class.name)
                .bind(class.size_m2)
                .bind(class.power)
                .bind(class.water)
                .bind(class.food_allowed)
                .bind(class.fee_fen)
                .execute(&mut *conn)
                .await?;
            }
        }
        let codes: Vec<&str> = plan.stalls.iter().map(|s| s.code.as_str()).collect();
        let existing: Vec<String> = sqlx::query_scalar("SELECT code FROM stalls WHERE market_id = $1")
            .bind(market_id)
            .fetch_all(&mut *conn)
            .await?;
        for code in existing.iter().filter(|c| !codes.contains(&c.as_str())) {
            sqlx::query("DELETE FROM stalls WHERE market_id = $1 AND code = $2")
                .bind(market_id)
                .bind(code)
                .execute(&mut *conn)
                .await?;
        }
        for stall in &plan.stalls {
            let updated = sqlx::query(
                "UPDATE stalls SET (class_id, food_allowed) = (SELECT id, food_allowed FROM stall_classes \
                 WHERE market_id = $1 AND name = $3), grid_x = $4, grid_y = $5 WHERE market_id = $1 AND code = $2",
            )
            .bind(market_id)
            .bind(&stall.code)
            .bind(&stall.class)
            .bind(stall.x)
            .bind(stall.y)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if updated == 0 {
                sqlx::query(
                    "INSERT INTO stalls (market_id, class_id, food_allowed, code, grid_x, grid_y) \
                     SELECT $1, id, food_allowed, $2, $4, $5 FROM stall_classes WHERE market_id = $1 AND name = $3",
                )
                .bind(market_id)
                .bind(&stall.code)
                .bind(&stall.class)
                .bind(stall.x)
                .bind(stall.y)
                .execute(&mut *conn)
                .await?;
            }
        }
        let names: Vec<&str> = plan.classes.iter().map(|c| c.name.as_str()).collect();
        let existing: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, name FROM stall_classes WHERE market_id = $1")
                .bind(market_id)
                .fetch_all(&mut *conn)
                .await?;
        for (id, _) in existing.iter().filter(|(_, name)| !names.contains(&name.as_str())) {
            sqlx::query("UPDATE market_applications SET preferred_class_id = NULL WHERE preferred_class_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM stall_classes WHERE id = $1").bind(id).execute(&mut *conn).await?;
        }
        Ok(())
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: i64,
    pub market_id: i64,
    pub organization_id: i64,
    pub vendor_name: String,
    pub category: String,
    pub products: String,
    pub description: String,
    pub sells_food: bool,
    pub preferred_class_id: Option<i64>,
    pub state: ApplicationState,
    pub offer_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub permit_images: i64,
    /// The occurrence ids asked for, comma-separated.
    pub dates: Option<String>,
}

impl ApplicationRow {
    pub fn occurrence_ids(&self) -> Vec<i64> {
        self.dates.as_deref().unwrap_or("").split(',').filter_map(|d| d.trim().parse().ok()).collect()
    }
}

// STRING_AGG exists on PostgreSQL and on SQLite since 3.44 (sqlx bundles a newer one).
macro_rules! select_application {
    () => {
        "SELECT a.id, a.market_id, a.organization_id, o.name AS vendor_name, a.category, a.products, \
         a.description, a.sells_food, a.preferred_class_id, a.state, a.offer_expires_at, a.created_at, \
         a.updated_at, (SELECT COUNT(*) FROM images i WHERE i.owner_kind = 'market_permit' \
         AND i.owner_id = a.id) AS permit_images, (SELECT STRING_AGG(CAST(d.occurrence_id AS TEXT), ',') \
         FROM market_application_dates d WHERE d.application_id = a.id) AS dates \
         FROM market_applications a JOIN organizations o ON o.id = a.organization_id "
    };
}

pub async fn application(db: &Db, id: i64) -> ApiResult<Option<ApplicationRow>> {
    const SQL: &str = concat!(select_application!(), "WHERE a.id = $1");
    Ok(on_db!(db, pool => sqlx::query_as::<_, ApplicationRow>(SQL).bind(id).fetch_optional(pool).await)?)
}

/// A market's applications in the order they came in; one vendor's when `organization_id` is given.
pub async fn applications(
    db: &Db,
    market_id: i64,
    organization_id: Option<i64>,
) -> ApiResult<Vec<ApplicationRow>> {
    const SQL: &str = concat!(
        select_application!(),
        "WHERE a.market_id = $1 AND ($2 IS NULL OR a.organization_id = $2) ORDER BY a.id"
    );
    Ok(on_db!(db, pool => sqlx::query_as::<_, ApplicationRow>(SQL)
        .bind(market_id)
        .bind(organization_id)
        .fetch_all(pool)
        .await)?)
}

/// One vendor's applications across markets, newest first.
pub async fn vendor_applications(db: &Db, organization_id: i64) -> ApiResult<Vec<ApplicationRow>> {
    const SQL: &str = concat!(select_application!(), "WHERE a.organization_id = $1 ORDER BY a.id DESC");
    Ok(
        on_db!(db, pool => sqlx::query_as::<_, ApplicationRow>(SQL).bind(organization_id).fetch_all(pool).await)?,
    )
}

pub struct NewApplication<'a> {
    pub market_id: i64,
    pub organization_id: i64,
    pub created_by: i64,
    pub category: &'a str,
    pub products: &'a str,
    pub description: &'a str,
    pub sells_food: bool,
    pub preferred_class_id: Option<i64>,
    pub occurrence_ids: &'a [i64],
}

/// Inserts an application and its dates; a unique violation when the vendor applied already.
pub async fn insert_application(
    tx: &mut Tx,
    new: &NewApplication<'_>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => {
        let id = sqlx::query_scalar::<_, i64>(
            "INSERT INTO market_applications (market_id, organization_id, created_by, category, products, description, \
             sells_food, preferred_class_id, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'submitted', $9, $9) RETURNING id",
        )
        .bind(new.market_id)
        .bind(new.organization_id)
        .bind(new.created_by)
        .bind(new.category)
        .bind(new.products)
        .bind(new.description)
        .bind(new.sells_food)
        .bind(new.preferred_class_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        for occurrence_id in new.occurrence_ids {
            sqlx::query("INSERT INTO market_application_dates (application_id, occurrence_id) VALUES ($1, $2)")
                .bind(id)
                .bind(occurrence_id)
                .execute(&mut *conn)
                .await?;
        }
        Ok(id)
    })
}

/// Moves an application from `from` to `to`; false when it was no longer in `from`.
pub async fn set_state(
    tx: &mut Tx,
    id: i64,
    from: ApplicationState,
    to: ApplicationState,
    offer_expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let changed = on_tx!(tx, conn => sqlx::query(
        "UPDATE market_applications SET state = $3, offer_expires_at = $4, updated_at = $5, \
         waitlisted_at = CASE WHEN $3 = 'waitlisted' THEN $5 ELSE waitlisted_at END \
         WHERE id = $1 AND state = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(offer_expires_at)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// An application's state as this transaction sees it.
pub async fn application_state_in(tx: &mut Tx, id: i64) -> ApiResult<ApplicationState> {
    Ok(
        on_tx!(tx, conn => sqlx::query_scalar::<_, ApplicationState>("SELECT state FROM market_applications WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await)?,
    )
}

/// Offers in the market whose deadline has passed: (id, organization).
pub async fn expired_offers(tx: &mut Tx, market_id: i64, now: DateTime<Utc>) -> ApiResult<Vec<(i64, i64)>> {
    Ok(on_tx!(tx, conn => sqlx::query_as::<_, (i64, i64)>(
        "SELECT id, organization_id FROM market_applications WHERE market_id = $1 AND state = 'offered' \
         AND offer_expires_at <= $2 ORDER BY offer_expires_at, id",
    )
    .bind(market_id)
    .bind(now)
    .fetch_all(&mut *conn)
    .await)?)
}

/// The waitlisted vendor next in line: (id, organization).
pub async fn first_waitlisted(tx: &mut Tx, market_id: i64) -> ApiResult<Option<(i64, i64)>> {
    Ok(on_tx!(tx, conn => sqlx::query_as::<_, (i64, i64)>(
        "SELECT id, organization_id FROM market_applications WHERE market_id = $1 AND state = 'waitlisted' \
         ORDER BY waitlisted_at, id LIMIT 1",
    )
    .bind(market_id)
    .fetch_optional(&mut *conn)
    .await)?)
}

/// Removes a withdrawing vendor's stalls on dates that have not begun; returns how many.
pub async fn release_future_stalls(tx: &mut Tx, application_id: i64, now: DateTime<Utc>) -> ApiResult<u64> {
    Ok(on_tx!(tx, conn => sqlx::query(
        "DELETE FROM stall_assignments WHERE application_id = $1 AND fee_state = 'due' AND occurrence_id IN \
         (SELECT id FROM market_occurrences WHERE starts_at > $2)",
    )
    .bind(application_id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssignmentRow {
    pub id: i64,
    pub market_id: i64,
    pub stall_id: i64,
    pub stall_code: String,
    pub occurrence_id: i64,
    pub starts_at: DateTime<Utc>,
    pub application_id: i64,
    pub organization_id: i64,
    pub vendor_name: String,
    pub fee_fen: i64,
    pub fee_state: FeeState,
    pub updated_at: DateTime<Utc>,
}

macro_rules! select_assignment {
    () => {
        "SELECT x.id, x.market_id, x.stall_id, s.code AS stall_code, x.occurrence_id, oc.starts_at, x.application_id, \
         a.organization_id, o.name AS vendor_name, x.fee_fen, x.fee_state, x.updated_at FROM stall_assignments x \
         JOIN stalls s ON s.id = x.stall_id JOIN market_occurrences oc ON oc.id = x.occurrence_id \
         JOIN market_applications a ON a.id = x.application_id JOIN organizations o ON o.id = a.organization_id "
    };
}

/// A market's assignments by date and stall; one vendor's when `organization_id` is given.
pub async fn assignments(
    db: &Db,
    market_id: i64,
    organization_id: Option<i64>,
) -> ApiResult<Vec<AssignmentRow>> {
    const SQL: &str = concat!(
        select_assignment!(),
        "WHERE x.market_id = $1 AND ($2 IS NULL OR a.organization_id = $2) ORDER BY oc.starts_at, s.code"
    );
    Ok(on_db!(db, pool => sqlx::query_as::<_, AssignmentRow>(SQL)
        .bind(market_id)
        .bind(organization_id)
        .fetch_all(pool)
        .await)?)
}

pub async fn assignment(db: &Db, id: i64) -> ApiResult<Option<AssignmentRow>> {
    const SQL: &str = concat!(select_assignment!(), "WHERE x.id = $1");
    Ok(on_db!(db, pool => sqlx::query_as::<_, AssignmentRow>(SQL).bind(id).fetch_optional(pool).await)?)
}

pub struct NewAssignment {
    pub market_id: i64,
    pub stall_id: i64,
    pub stall_food: bool,
    pub occurrence_id: i64,
    pub application_id: i64,
    pub vendor_food: bool,
    pub fee_fen: i64,
    pub created_by: i64,
}

/// Inserts an assignment; the schema refuses a taken stall, a second stall for the vendor on
/// that date and a food vendor on a no-food stall.
pub async fn insert_assignment(
    tx: &mut Tx,
    new: &NewAssignment,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar::<_, i64>(
        "INSERT INTO stall_assignments (market_id, stall_id, stall_food, occurrence_id, application_id, vendor_food, \
         fee_fen, fee_state, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'due', $8, $9, $9) RETURNING id",
    )
    .bind(new.market_id)
    .bind(new.stall_id)
    .bind(new.stall_food)
    .bind(new.occurrence_id)
    .bind(new.application_id)
    .bind(new.vendor_food)
    .bind(new.fee_fen)
    .bind(new.created_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await)
}

pub async fn delete_assignment(tx: &mut Tx, id: i64) -> ApiResult<()> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM stall_assignments WHERE id = $1").bind(id).execute(&mut *conn).await.map(|_| ()))?;
    Ok(())
}

pub async fn set_fee_state(tx: &mut Tx, id: i64, fee_state: FeeState, now: DateTime<Utc>) -> ApiResult<()> {
    on_tx!(tx, conn => sqlx::query("UPDATE stall_assignments SET fee_state = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(fee_state)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Per market: vendors accepted, and stalls taken on each date (for the office's overview).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Occupancy {
    pub occurrence_id: i64,
    pub taken: i64,
}

pub async fn occupancy(db: &Db, market_id: i64) -> ApiResult<Vec<Occupancy>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, Occupancy>(
        "SELECT occurrence_id, COUNT(*) AS taken FROM stall_assignments WHERE market_id = $1 GROUP BY occurrence_id",
    )
    .bind(market_id)
    .fetch_all(pool)
    .await)?)
}

/// Images of the market's accepted vendors, first photo each: (organization, variants JSON, alt).
pub async fn vendor_photos(db: &Db, market_id: i64) -> ApiResult<Vec<(i64, String, String)>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, (i64, String, String)>(
        "SELECT a.organization_id, i.variants, i.alt FROM market_applications a JOIN images i \
         ON i.owner_kind = 'market_application' AND i.owner_id = a.id \
         WHERE a.market_id = $1 AND a.state = 'accepted' ORDER BY a.id, i.id",
    )
    .bind(market_id)
    .fetch_all(pool)
    .await)?)
}
