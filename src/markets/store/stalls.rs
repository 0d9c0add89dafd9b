//! SQL for stalls given out date by date, their fees and the occupancy of each date.

use chrono::{DateTime, Utc};

use crate::markets::FeeState;
use crate::{
    db::{Db, Tx},
    error::ApiResult,
    on_db, on_tx,
};

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
