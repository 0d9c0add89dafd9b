//! What a fund has paid: the report by tier and mall, the CSV files and the public register.

use std::collections::BTreeMap;

use poem_openapi::Object;

use crate::incentives::{ApplicationState, StoreTier, store};
use crate::{
    accounts::Principal,
    error::{ApiError, ApiResult},
    http::csv,
    state::AppState,
    values::money::{Money, format_cny},
};

use super::{funds::Fund, funds::fund_view, funds::load_fund};

#[derive(Debug, Clone, Object)]
pub struct Breakdown {
    /// A tier or a mall.
    pub key: String,
    pub awards: i64,
    pub awarded: Money,
}

#[derive(Debug, Clone, Object)]
pub struct FundReport {
    pub fund: Fund,
    pub awarded: Money,
    pub clawed_back: Money,
    /// The sum of the ledger.
    pub committed: Money,
    pub remaining: Money,
    pub applications_by_state: Vec<Breakdown>,
    pub by_tier: Vec<Breakdown>,
    pub by_mall: Vec<Breakdown>,
}

pub async fn report(state: &AppState, principal: &Principal, fund_id: i64) -> ApiResult<FundReport> {
    principal.require_staff()?;
    let fund = load_fund(state, fund_id).await?;
    let ledger = store::ledger(&state.db, fund_id).await?;
    let applications = store::list_applications(&state.db, Some(fund_id), None, None).await?;
    let awarded: i64 = ledger.iter().filter(|l| l.amount_fen > 0).map(|l| l.amount_fen).sum();
    let clawed_back: i64 = -ledger.iter().filter(|l| l.amount_fen < 0).map(|l| l.amount_fen).sum::<i64>();
    let committed = awarded - clawed_back;
    let mut by_state: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut by_tier: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut by_mall: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for a in &applications {
        by_state.entry(a.state.as_str().to_owned()).or_default().0 += 1;
        if let Some(award) = a.award_fen {
            let net = award - a.clawed_back_fen;
            for (map, key) in [
                (&mut by_tier, a.tier.as_str().to_owned()),
                (&mut by_mall, a.mall_name.clone().unwrap_or_else(|| "(no mall)".into())),
            ] {
                let entry = map.entry(key).or_default();
                entry.0 += 1;
                entry.1 += net;
            }
        }
    }
    let breakdown = |map: BTreeMap<String, (i64, i64)>| {
        map.into_iter().map(|(key, (awards, sum))| Breakdown { key, awards, awarded: sum.into() }).collect()
    };
    Ok(FundReport {
        fund: fund_view(&fund, state.clock.now()),
        awarded: awarded.into(),
        clawed_back: clawed_back.into(),
        committed: committed.into(),
        remaining: (fund.budget_fen - committed).into(),
        applications_by_state: breakdown(by_state),
        by_tier: breakdown(by_tier),
        by_mall: breakdown(by_mall),
    })
}

pub async fn applications_csv(state: &AppState, principal: &Principal, fund_id: i64) -> ApiResult<String> {
    principal.require_staff()?;
    load_fund(state, fund_id).await?;
    let rows = store::list_applications(&state.db, Some(fund_id), None, None).await?;
    Ok(csv(
        &[
            "id",
            "brand",
            "store",
            "mall",
            "address",
            "tier",
            "opening_date",
            "floor_area_m2",
            "investment_fen",
            "requested_fen",
            "state",
            "award_fen",
            "clawed_back_fen",
            "submitted_at",
        ],
        rows.into_iter().map(|r| {
            vec![
                r.id.to_string(),
                r.organization_name,
                r.store_name,
                r.mall_name.unwrap_or_default(),
                r.address,
                r.tier.as_str().to_owned(),
                r.opening_date,
                r.floor_area_m2.to_string(),
                r.investment_fen.to_string(),
                r.requested_fen.to_string(),
                r.state.as_str().to_owned(),
                r.award_fen.map(|a| a.to_string()).unwrap_or_default(),
                r.clawed_back_fen.to_string(),
                r.submitted_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            ]
        }),
    ))
}

pub async fn ledger_csv(state: &AppState, principal: &Principal, fund_id: i64) -> ApiResult<String> {
    principal.require_staff()?;
    load_fund(state, fund_id).await?;
    let rows = store::ledger(&state.db, fund_id).await?;
    Ok(csv(
        &[
            "entry",
            "at",
            "application_id",
            "brand",
            "store",
            "tier",
            "amount_fen",
            "amount_cny",
            "reason",
            "actor_user_id",
        ],
        rows.into_iter().map(|r| {
            vec![
                r.id.to_string(),
                r.at.to_rfc3339(),
                r.application_id.to_string(),
                r.organization_name,
                r.store_name,
                r.tier.as_str().to_owned(),
                r.amount_fen.to_string(),
                format_cny(r.amount_fen),
                r.reason,
                r.actor_user_id.to_string(),
            ]
        }),
    ))
}

#[derive(Debug, Clone, Object)]
pub struct RegisterEntry {
    pub brand: String,
    pub store: String,
    pub tier: StoreTier,
    pub award: Money,
}

/// The public register of a fund's awards, when the fund publishes one.
pub async fn public_register(state: &AppState, fund_id: i64) -> ApiResult<Vec<RegisterEntry>> {
    register(state, fund_id, false).await
}

/// A fund's register; `preview` (staff) reads it whether or not the fund publishes it.
pub async fn register(state: &AppState, fund_id: i64, preview: bool) -> ApiResult<Vec<RegisterEntry>> {
    let fund = load_fund(state, fund_id).await?;
    if !fund.public_register && !preview {
        return Err(ApiError::not_found(format!("A public register for fund {fund_id}")));
    }
    let rows =
        store::list_applications(&state.db, Some(fund_id), None, Some(ApplicationState::Approved)).await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.award_fen.unwrap_or(0) > r.clawed_back_fen)
        .map(|r| RegisterEntry {
            tier: r.tier,
            award: (r.award_fen.unwrap_or(0) - r.clawed_back_fen).into(),
            brand: r.organization_name,
            store: r.store_name,
        })
        .collect())
}
