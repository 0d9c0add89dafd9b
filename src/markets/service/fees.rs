//! Stall fees (due, paid, waived, the CSV) and the organizer's overview of occupancy.

use chrono::{DateTime, Utc};
use poem_openapi::Object;

use crate::markets::{ApplicationState, DateStatus, FeeState, store};
use crate::{
    accounts::Principal,
    error::{ApiError, ApiResult},
    http::csv,
    state::AppState,
    values::time::local_time,
};

use super::{
    Market, load, occurrence_view, require_organizer, stalls::Assignment, stalls::assignment_view, view,
};

#[derive(Debug, Clone, Object)]
pub struct Fees {
    pub lines: Vec<Assignment>,
    pub due_fen: i64,
    pub paid_fen: i64,
    pub waived_fen: i64,
}

pub async fn fees(state: &AppState, principal: &Principal, id: i64) -> ApiResult<Fees> {
    let market = load(state, id).await?;
    require_organizer(principal, &market)?;
    let lines: Vec<Assignment> =
        store::assignments(&state.db, id, None).await?.iter().map(assignment_view).collect();
    let total = |s: FeeState| lines.iter().filter(|l| l.fee_state == s).map(|l| l.fee_fen).sum();
    Ok(Fees {
        due_fen: total(FeeState::Due),
        paid_fen: total(FeeState::Paid),
        waived_fen: total(FeeState::Waived),
        lines,
    })
}

#[derive(Debug, Clone, Object, serde::Deserialize)]
pub struct FeeInput {
    pub state: FeeState,
}

pub async fn set_fee(
    state: &AppState,
    principal: &Principal,
    id: i64,
    assignment_id: i64,
    input: FeeInput,
) -> ApiResult<Assignment> {
    let market = load(state, id).await?;
    require_organizer(principal, &market)?;
    store::assignment(&state.db, assignment_id)
        .await?
        .filter(|a| a.market_id == id)
        .ok_or_else(|| ApiError::not_found(format!("Fee line {assignment_id} of market {id}")))?;
    let mut tx = state.db.begin().await?;
    store::set_fee_state(&mut tx, assignment_id, input.state, state.now()).await?;
    tx.commit().await?;
    let row =
        store::assignment(&state.db, assignment_id).await?.ok_or_else(|| ApiError::not_found("Fee line"))?;
    Ok(assignment_view(&row))
}

/// The fee lines as CSV; amounts stay numbers in fen, like the fund ledger.
pub async fn fees_csv(state: &AppState, principal: &Principal, id: i64) -> ApiResult<String> {
    let market = load(state, id).await?;
    let fees = fees(state, principal, id).await?;
    let tz = market.zone.tz();
    Ok(csv(
        &["date", "stall", "vendor", "fee_fen", "state"],
        fees.lines.iter().map(|line| {
            vec![
                local_time(line.starts_at, tz),
                line.stall_code.clone(),
                line.vendor_name.clone(),
                line.fee_fen.to_string(),
                line.fee_state.as_str().to_owned(),
            ]
        }),
    ))
}

#[derive(Debug, Clone, Object)]
pub struct DateOccupancy {
    pub occurrence_id: i64,
    pub starts_at: DateTime<Utc>,
    pub status: DateStatus,
    pub stalls_taken: i64,
    pub stalls: i64,
}

#[derive(Debug, Clone, Object)]
pub struct MarketOverview {
    pub market: Market,
    pub applications: i64,
    pub vendors_accepted: i64,
    pub waitlisted: i64,
    pub dates: Vec<DateOccupancy>,
}

/// The office's overview: every market with vendor counts and stall occupancy per date
/// (staff); an organizer sees its own markets.
pub async fn overview(state: &AppState, principal: &Principal) -> ApiResult<Vec<MarketOverview>> {
    let scope = principal.listing_scope()?;
    let mut out = Vec::new();
    for row in store::list(&state.db, scope).await? {
        let occurrences = store::occurrences(&state.db, row.id).await?;
        let applications = store::applications(&state.db, row.id, None).await?;
        let stalls = store::stalls(&state.db, row.id).await?.len() as i64;
        let occupancy = store::occupancy(&state.db, row.id).await?;
        let count = |s: ApplicationState| applications.iter().filter(|a| a.state == s).count() as i64;
        out.push(MarketOverview {
            applications: applications.len() as i64,
            vendors_accepted: count(ApplicationState::Accepted),
            waitlisted: count(ApplicationState::Waitlisted),
            dates: occurrences
                .iter()
                .map(|o| DateOccupancy {
                    occurrence_id: o.id,
                    starts_at: o.starts_at,
                    status: occurrence_view(o, &row).status,
                    stalls_taken: occupancy.iter().find(|x| x.occurrence_id == o.id).map_or(0, |x| x.taken),
                    stalls,
                })
                .collect(),
            market: view(state, &row, &occurrences),
        });
    }
    Ok(out)
}
