//! SQL for a market's stall plan: its classes and stalls.

use crate::markets::StallPlanInput;
use crate::{
    db::{Db, Tx},
    error::ApiResult,
    on_db, on_tx,
};

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
