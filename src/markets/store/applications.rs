//! SQL for vendors' stall applications and the waiting list.

use chrono::{DateTime, Utc};

use crate::markets::ApplicationState;
use crate::{
    db::{Db, Tx},
    error::ApiResult,
    on_db, on_tx,
};

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
