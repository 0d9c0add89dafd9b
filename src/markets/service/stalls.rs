//! Giving stalls to accepted vendors, date by date; the schema refuses a stall given twice.

use chrono::{DateTime, Utc};
use poem_openapi::Object;

use crate::markets::{
    ApplicationState, FeeState,
    store::{self, AssignmentRow, NewAssignment},
};
use crate::{
    accounts::Principal,
    cache,
    db::{self, is_rule_violation},
    error::{ApiError, ApiResult, Violations},
    state::AppState,
};

use super::{load, require_organizer};

/// A stall given to a vendor for one date; also the fee line for that date.
#[derive(Debug, Clone, Object)]
pub struct Assignment {
    pub id: i64,
    pub stall_id: i64,
    pub stall_code: String,
    pub occurrence_id: i64,
    pub starts_at: DateTime<Utc>,
    pub application_id: i64,
    pub vendor_name: String,
    pub fee_fen: i64,
    pub fee_state: FeeState,
}

pub fn assignment_view(row: &AssignmentRow) -> Assignment {
    Assignment {
        id: row.id,
        stall_id: row.stall_id,
        stall_code: row.stall_code.clone(),
        occurrence_id: row.occurrence_id,
        starts_at: row.starts_at,
        application_id: row.application_id,
        vendor_name: row.vendor_name.clone(),
        fee_fen: row.fee_fen,
        fee_state: row.fee_state,
    }
}

#[derive(Debug, Clone, Object, serde::Deserialize)]
pub struct AssignmentInput {
    pub stall_id: i64,
    pub occurrence_id: i64,
    pub application_id: i64,
}

/// `POST /api/v1/markets/{id}/assignments`.
pub async fn assign(
    state: &AppState,
    principal: &Principal,
    id: i64,
    input: AssignmentInput,
) -> ApiResult<Assignment> {
    let market = load(state, id).await?;
    require_organizer(principal, &market)?;
    let stalls = store::stalls(&state.db, id).await?;
    let classes = store::classes(&state.db, id).await?;
    let occurrences = store::occurrences(&state.db, id).await?;
    let application =
        store::application(&state.db, input.application_id).await?.filter(|a| a.market_id == id);
    let mut v = Violations::default();
    let stall = stalls.iter().find(|s| s.id == input.stall_id);
    if stall.is_none() {
        v.add("stall_id", crate::error::Invalid::new("not-a-stall").with("id", input.stall_id));
    }
    let date_ok = match occurrences.iter().find(|o| o.id == input.occurrence_id) {
        None => Err(format!("{} is not a date of this market", input.occurrence_id)),
        Some(o) if o.cancelled_at.is_some() => Err("that date is cancelled".to_owned()),
        Some(_) => Ok(()),
    };
    let date_ok = v.check("occurrence_id", date_ok).is_some();
    match &application {
        None => v.add(
            "application_id",
            crate::error::Invalid::new("not-an-application").with("id", input.application_id),
        ),
        Some(a) if date_ok && !a.occurrence_ids().contains(&input.occurrence_id) => v.add(
            "occurrence_id",
            crate::error::Invalid::new("date-not-applied").with("vendor", &a.vendor_name),
        ),
        Some(_) => {}
    }
    if let (Some(stall), Some(a)) = (stall, &application)
        && a.sells_food
        && !stall.food_allowed
    {
        v.add(
            "stall_id",
            crate::error::Invalid::new("stall-no-food")
                .with("vendor", &a.vendor_name)
                .with("stall", &stall.code),
        );
    }
    v.finish(|| ())?;
    let (stall, application) = (stall.expect("checked"), application.expect("checked"));
    if application.state != ApplicationState::Accepted {
        return Err(ApiError::conflict(
            crate::error::Reason::new("not-accepted").with("state", application.state.as_str()),
        ));
    }
    let fee_fen = classes.iter().find(|c| c.id == stall.class_id).map_or(0, |c| c.fee_fen);
    let new = NewAssignment {
        market_id: id,
        stall_id: stall.id,
        stall_food: stall.food_allowed,
        occurrence_id: input.occurrence_id,
        application_id: application.id,
        vendor_food: application.sells_food,
        fee_fen,
        created_by: principal.user_id,
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let assignment_id = store::insert_assignment(&mut tx, &new, now).await.map_err(|e| {
        if db::is_unique_violation(&e) {
            ApiError::conflict(
                crate::error::Reason::new("stall-taken")
                    .with("stall", &stall.code)
                    .with("vendor", &application.vendor_name),
            )
        } else if is_rule_violation(&e) {
            ApiError::conflict(crate::error::Reason::new("board-changed"))
        } else {
            e.into()
        }
    })?;
    // The application must still be accepted at commit (a withdrawal may have raced us).
    if store::application_state_in(&mut tx, application.id).await? != ApplicationState::Accepted {
        return Err(ApiError::conflict(crate::error::Reason::new("vendor-withdrew")));
    }
    cache::bump_public_version(&mut tx, cache::Touched::Booking(market.booking_id)).await?;
    tx.commit().await?;
    let row = store::assignment(&state.db, assignment_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Assignment"))?;
    Ok(assignment_view(&row))
}

pub async fn unassign(state: &AppState, principal: &Principal, id: i64, assignment_id: i64) -> ApiResult<()> {
    let market = load(state, id).await?;
    require_organizer(principal, &market)?;
    let row = store::assignment(&state.db, assignment_id)
        .await?
        .filter(|a| a.market_id == id)
        .ok_or_else(|| ApiError::not_found(format!("Assignment {assignment_id} of market {id}")))?;
    if row.fee_state == FeeState::Paid {
        return Err(ApiError::conflict(crate::error::Reason::new("fee-paid")));
    }
    let mut tx = state.db.begin().await?;
    store::delete_assignment(&mut tx, assignment_id).await?;
    cache::bump_public_version(&mut tx, cache::Touched::Booking(market.booking_id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Assignments of a market: all for its organizer and staff, a vendor's own for the vendor.
pub async fn assignments(state: &AppState, principal: &Principal, id: i64) -> ApiResult<Vec<Assignment>> {
    let market = load(state, id).await?;
    let scope = if principal.is_staff() || principal.acts_for(market.organization_id) {
        None
    } else {
        Some(
            principal
                .organization
                .map(|o| o.id)
                .ok_or_else(|| ApiError::forbidden(crate::error::Refusal::new("no-organization")))?,
        )
    };
    Ok(store::assignments(&state.db, id, scope).await?.iter().map(assignment_view).collect())
}
