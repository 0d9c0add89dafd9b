//! SQL for funds, incentive applications and the ledger, shared by both backends.

use chrono::{DateTime, Utc};

use super::{ApplicationState, StoreTier};
use crate::{
    db::{Db, Tx},
    error::ApiResult,
    on_db, on_tx,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FundRow {
    pub id: i64,
    pub name: String,
    pub budget_fen: i64,
    pub committed_fen: i64,
    pub cap_global_fen: i64,
    pub cap_asia_fen: i64,
    pub cap_national_fen: i64,
    pub cap_provincial_fen: i64,
    pub cap_city_fen: i64,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub public_register: bool,
    /// Awards and clawbacks of at least this much wait for a second staff member.
    pub four_eyes_threshold_fen: i64,
    pub created_at: DateTime<Utc>,
}

impl FundRow {
    pub fn cap(&self, tier: StoreTier) -> i64 {
        match tier {
            StoreTier::Global => self.cap_global_fen,
            StoreTier::Asia => self.cap_asia_fen,
            StoreTier::National => self.cap_national_fen,
            StoreTier::Provincial => self.cap_provincial_fen,
            StoreTier::City => self.cap_city_fen,
        }
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.opens_at <= now && now < self.closes_at
    }
}

/// A validated new fund.
pub struct NewFund {
    pub name: String,
    pub budget_fen: i64,
    /// In [`StoreTier::ALL`] order.
    pub caps: [i64; 5],
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub public_register: bool,
    pub four_eyes_threshold_fen: i64,
}

const SELECT_FUND: &str = "SELECT id, name, budget_fen, committed_fen, cap_global_fen, cap_asia_fen, \
     cap_national_fen, cap_provincial_fen, cap_city_fen, opens_at, closes_at, public_register, four_eyes_threshold_fen, created_at FROM funds";

pub async fn insert_fund(db: &Db, fund: &NewFund, now: DateTime<Utc>) -> ApiResult<i64> {
    Ok(on_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO funds (name, budget_fen, cap_global_fen, cap_asia_fen, cap_national_fen, cap_provincial_fen, \
         cap_city_fen, opens_at, closes_at, public_register, created_at, four_eyes_threshold_fen) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(&fund.name)
    .bind(fund.budget_fen)
    .bind(fund.caps[0])
    .bind(fund.caps[1])
    .bind(fund.caps[2])
    .bind(fund.caps[3])
    .bind(fund.caps[4])
    .bind(fund.opens_at)
    .bind(fund.closes_at)
    .bind(fund.public_register)
    .bind(now)
    .bind(fund.four_eyes_threshold_fen)
    .fetch_one(pool)
    .await)?)
}

pub async fn find_fund(db: &Db, id: i64) -> ApiResult<Option<FundRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT_FUND} WHERE id = $1"));
    Ok(on_db!(db, pool => sqlx::query_as::<_, FundRow>(sql).bind(id).fetch_optional(pool).await)?)
}

pub async fn list_funds(db: &Db) -> ApiResult<Vec<FundRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT_FUND} ORDER BY id"));
    Ok(on_db!(db, pool => sqlx::query_as::<_, FundRow>(sql).fetch_all(pool).await)?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: i64,
    pub fund_id: i64,
    pub organization_id: i64,
    pub organization_name: String,
    pub store_name: String,
    pub mall_venue_id: Option<i64>,
    pub mall_name: Option<String>,
    pub address: String,
    pub tier: StoreTier,
    pub opening_date: String,
    pub floor_area_m2: i64,
    pub investment_fen: i64,
    pub requested_fen: i64,
    pub statement: String,
    pub state: ApplicationState,
    pub award_fen: Option<i64>,
    pub clawed_back_fen: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

const SELECT_APPLICATION: &str = "SELECT a.id, a.fund_id, a.organization_id, o.name AS organization_name, \
     a.store_name, a.mall_venue_id, v.name_zh AS mall_name, a.address, a.tier, a.opening_date, a.floor_area_m2, \
     a.investment_fen, a.requested_fen, a.statement, a.state, a.award_fen, a.clawed_back_fen, a.created_at, \
     a.updated_at, a.submitted_at, a.decided_at FROM incentive_applications a \
     JOIN organizations o ON o.id = a.organization_id LEFT JOIN venues v ON v.id = a.mall_venue_id";

/// A validated application's content.
#[derive(Debug, Clone)]
pub struct ApplicationContent {
    pub fund_id: i64,
    pub store_name: String,
    pub mall_venue_id: Option<i64>,
    pub address: String,
    pub tier: StoreTier,
    pub opening_date: chrono::NaiveDate,
    pub floor_area_m2: i64,
    pub investment_fen: i64,
    pub requested_fen: i64,
    pub statement: String,
}

pub async fn insert_application(
    db: &Db,
    organization_id: i64,
    user_id: i64,
    content: &ApplicationContent,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    Ok(on_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO incentive_applications (fund_id, organization_id, created_by, store_name, mall_venue_id, address, \
         address_key, tier, opening_date, floor_area_m2, investment_fen, requested_fen, statement, state, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'draft', $14, $14) RETURNING id",
    )
    .bind(content.fund_id)
    .bind(organization_id)
    .bind(user_id)
    .bind(&content.store_name)
    .bind(content.mall_venue_id)
    .bind(&content.address)
    .bind(super::address_key(&content.address))
    .bind(content.tier)
    .bind(content.opening_date.to_string())
    .bind(content.floor_area_m2)
    .bind(content.investment_fen)
    .bind(content.requested_fen)
    .bind(&content.statement)
    .bind(now)
    .fetch_one(pool)
    .await)?)
}

/// Overwrites an application's content while it is a draft or sent back. Returns whether it was.
pub async fn update_application(
    db: &Db,
    id: i64,
    content: &ApplicationContent,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let rows = on_db!(db, pool => sqlx::query(
        "UPDATE incentive_applications SET store_name = $2, mall_venue_id = $3, address = $4, address_key = $5, \
         tier = $6, opening_date = $7, floor_area_m2 = $8, investment_fen = $9, requested_fen = $10, statement = $11, \
         updated_at = $12 WHERE id = $1 AND state IN ('draft', 'changes_requested')",
    )
    .bind(id)
    .bind(&content.store_name)
    .bind(content.mall_venue_id)
    .bind(&content.address)
    .bind(super::address_key(&content.address))
    .bind(content.tier)
    .bind(content.opening_date.to_string())
    .bind(content.floor_area_m2)
    .bind(content.investment_fen)
    .bind(content.requested_fen)
    .bind(&content.statement)
    .bind(now)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(rows == 1)
}

pub async fn find_application(db: &Db, id: i64) -> ApiResult<Option<ApplicationRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT_APPLICATION} WHERE a.id = $1"));
    Ok(on_db!(db, pool => sqlx::query_as::<_, ApplicationRow>(sql).bind(id).fetch_optional(pool).await)?)
}

pub async fn list_applications(
    db: &Db,
    fund_id: Option<i64>,
    organization_id: Option<i64>,
    state: Option<ApplicationState>,
) -> ApiResult<Vec<ApplicationRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SELECT_APPLICATION} WHERE ($1 IS NULL OR a.fund_id = $1) AND ($2 IS NULL OR a.organization_id = $2) \
         AND ($3 IS NULL OR a.state = $3) ORDER BY a.id"
    ));
    Ok(on_db!(db, pool => sqlx::query_as::<_, ApplicationRow>(sql)
        .bind(fund_id)
        .bind(organization_id)
        .bind(state.map(ApplicationState::as_str))
        .fetch_all(pool)
        .await)?)
}

/// Other non-draft applications in the fund by the same organization for the same tier, or for
/// the same store address.
pub async fn duplicates(db: &Db, row: &ApplicationRow) -> ApiResult<Vec<i64>> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM incentive_applications WHERE fund_id = $1 AND id <> $2 AND state <> 'draft' \
         AND ((organization_id = $3 AND tier = $4) OR address_key = $5) ORDER BY id",
    )
    .bind(row.fund_id)
    .bind(row.id)
    .bind(row.organization_id)
    .bind(row.tier)
    .bind(super::address_key(&row.address))
    .fetch_all(pool)
    .await)?)
}

/// Moves the application from `from` to `to` if it is still in `from`.
pub async fn set_state(
    tx: &mut Tx,
    id: i64,
    from: ApplicationState,
    to: ApplicationState,
    award_fen: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let rows = on_tx!(tx, conn => sqlx::query(
        "UPDATE incentive_applications SET state = $3, award_fen = COALESCE($4, award_fen), updated_at = $5, \
         submitted_at = CASE WHEN $3 = 'submitted' THEN $5 ELSE submitted_at END, \
         decided_at = CASE WHEN $3 <> 'submitted' THEN $5 ELSE decided_at END \
         WHERE id = $1 AND state = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(award_fen)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(rows == 1)
}

/// Commits `amount_fen` (negative to release) against the fund if the budget allows; returns
/// whether it did. This guarded update is what keeps concurrent awards within the fund.
pub async fn commit_to_fund(tx: &mut Tx, fund_id: i64, amount_fen: i64) -> ApiResult<bool> {
    let rows = on_tx!(tx, conn => sqlx::query(
        "UPDATE funds SET committed_fen = committed_fen + $2 \
         WHERE id = $1 AND committed_fen + $2 <= budget_fen AND committed_fen + $2 >= 0",
    )
    .bind(fund_id)
    .bind(amount_fen)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(rows == 1)
}

/// What remains of the fund's budget, read inside the caller's transaction.
pub async fn remaining_in(tx: &mut Tx, fund_id: i64) -> ApiResult<i64> {
    Ok(
        on_tx!(tx, conn => sqlx::query_scalar::<_, i64>("SELECT budget_fen - committed_fen FROM funds WHERE id = $1")
        .bind(fund_id)
        .fetch_one(&mut *conn)
        .await)?,
    )
}

pub async fn add_ledger_entry(
    tx: &mut Tx,
    fund_id: i64,
    application_id: i64,
    amount_fen: i64,
    reason: &str,
    actor_user_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO incentive_ledger (fund_id, application_id, amount_fen, reason, actor_user_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(fund_id)
    .bind(application_id)
    .bind(amount_fen)
    .bind(reason)
    .bind(actor_user_id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Records a clawback on the application if it leaves the award non-negative.
pub async fn add_clawback(tx: &mut Tx, id: i64, amount_fen: i64, now: DateTime<Utc>) -> ApiResult<bool> {
    let rows = on_tx!(tx, conn => sqlx::query(
        "UPDATE incentive_applications SET clawed_back_fen = clawed_back_fen + $2, updated_at = $3 \
         WHERE id = $1 AND state = 'approved' AND clawed_back_fen + $2 <= award_fen",
    )
    .bind(id)
    .bind(amount_fen)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(rows == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LedgerRow {
    pub id: i64,
    pub application_id: i64,
    pub amount_fen: i64,
    pub reason: String,
    pub actor_user_id: i64,
    pub at: DateTime<Utc>,
    pub store_name: String,
    pub organization_name: String,
    pub tier: StoreTier,
}

pub async fn ledger(db: &Db, fund_id: i64) -> ApiResult<Vec<LedgerRow>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, LedgerRow>(
        "SELECT l.id, l.application_id, l.amount_fen, l.reason, l.actor_user_id, l.at, a.store_name, \
         o.name AS organization_name, a.tier FROM incentive_ledger l \
         JOIN incentive_applications a ON a.id = l.application_id \
         JOIN organizations o ON o.id = a.organization_id WHERE l.fund_id = $1 ORDER BY l.id",
    )
    .bind(fund_id)
    .fetch_all(pool)
    .await)?)
}
