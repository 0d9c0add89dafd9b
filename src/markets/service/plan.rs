//! A market's stall plan: its classes and stalls, replaced whole while no stall is given out.

use poem_openapi::Object;

use crate::markets::{StallPlanInput, store, validate_plan};
use crate::{
    accounts::Principal,
    cache,
    db::is_rule_violation,
    error::{ApiError, ApiResult},
    state::AppState,
};

use super::{load, require_organizer};

#[derive(Debug, Clone, Object)]
pub struct StallClass {
    pub id: i64,
    pub name: String,
    pub size_m2: i64,
    pub power: bool,
    pub water: bool,
    pub food_allowed: bool,
    pub fee_fen: i64,
}

#[derive(Debug, Clone, Object)]
pub struct Stall {
    pub id: i64,
    pub code: String,
    pub class_id: i64,
    pub class: String,
    pub food_allowed: bool,
    pub x: i64,
    pub y: i64,
}

/// The stall plan; public, so the map can be drawn for anyone.
#[derive(Debug, Clone, Object)]
pub struct StallPlan {
    pub classes: Vec<StallClass>,
    pub stalls: Vec<Stall>,
}

pub async fn plan(state: &AppState, id: i64) -> ApiResult<StallPlan> {
    load(state, id).await?;
    plan_of(state, id).await
}

pub async fn plan_of(state: &AppState, id: i64) -> ApiResult<StallPlan> {
    let classes = store::classes(&state.db, id).await?;
    let stalls = store::stalls(&state.db, id).await?;
    Ok(StallPlan {
        stalls: stalls
            .iter()
            .map(|s| Stall {
                id: s.id,
                code: s.code.clone(),
                class_id: s.class_id,
                class: classes
                    .iter()
                    .find(|c| c.id == s.class_id)
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                food_allowed: s.food_allowed,
                x: s.grid_x,
                y: s.grid_y,
            })
            .collect(),
        classes: classes
            .into_iter()
            .map(|c| StallClass {
                id: c.id,
                name: c.name,
                size_m2: c.size_m2,
                power: c.power,
                water: c.water,
                food_allowed: c.food_allowed,
                fee_fen: c.fee_fen,
            })
            .collect(),
    })
}

/// Replaces the stall plan. A stall with vendors on it cannot be removed, nor lose food
/// permission while a food vendor stands on it.
pub async fn replace_plan(
    state: &AppState,
    principal: &Principal,
    id: i64,
    input: StallPlanInput,
) -> ApiResult<StallPlan> {
    let row = load(state, id).await?;
    require_organizer(principal, &row)?;
    let plan = validate_plan(&input)?;
    let mut tx = state.db.begin().await?;
    for (code, food_vendor) in store::assigned_stalls(&mut tx, id).await? {
        match plan.stalls.iter().find(|s| s.code == code) {
            None => {
                return Err(ApiError::conflict(
                    crate::error::Reason::new("stall-assigned").with("stall", &code),
                ));
            }
            Some(stall) => {
                let food = plan.classes.iter().any(|c| c.name == stall.class && c.food_allowed);
                if food_vendor && !food {
                    return Err(ApiError::conflict(
                        crate::error::Reason::new("stall-food-vendor").with("stall", &code),
                    ));
                }
            }
        }
    }
    store::replace_plan(&mut tx, id, &plan).await.map_err(|e| {
        if is_rule_violation(&e) {
            ApiError::conflict(crate::error::Reason::new("plan-food"))
        } else {
            e.into()
        }
    })?;
    cache::bump_public_version(&mut tx, cache::Touched::Booking(row.booking_id)).await?;
    tx.commit().await?;
    plan_of(state, id).await
}
