//! Funds: their budgets, tier caps and four-eyes threshold.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use serde::Deserialize;

use crate::incentives::{
    StoreTier,
    store::{self, FundRow, NewFund},
};
use crate::{
    accounts::Principal,
    error::{ApiError, ApiResult, Violations},
    state::AppState,
    values::{
        money::{Fen, Money, format_cny},
        text::required_text,
        time::within_reason,
    },
};

/// Award caps per store tier, in fen; each defaults to 2,000,000 CNY.
#[derive(Debug, Clone, Default, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct TierCaps {
    pub global: Option<i64>,
    pub asia: Option<i64>,
    pub national: Option<i64>,
    pub provincial: Option<i64>,
    pub city: Option<i64>,
}

#[derive(Debug, Clone, Object, Deserialize)]
pub struct FundInput {
    pub name: String,
    /// The whole budget, in fen.
    pub budget_fen: i64,
    #[oai(default)]
    #[serde(default)]
    pub caps_fen: TierCaps,
    /// When applications open and close.
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// Publish awards (brand, store, tier, amount); off by default.
    #[oai(default)]
    #[serde(default)]
    pub public_register: bool,
    /// Awards and clawbacks of at least this much (fen) need a second staff member to confirm
    /// them before they reach the ledger; 500,000 CNY by default.
    pub four_eyes_threshold_fen: Option<i64>,
}

/// The largest store floor a person could mean: a million square metres.
pub const MAX_FLOOR_AREA_M2: i64 = 1_000_000;

/// The default four-eyes threshold: 500,000 CNY.
pub const FOUR_EYES_THRESHOLD_FEN: i64 = 500_000 * 100;

#[derive(Debug, Clone, Object)]
pub struct TierCap {
    pub tier: StoreTier,
    pub cap: Money,
}

#[derive(Debug, Clone, Object)]
pub struct Fund {
    pub id: i64,
    pub name: String,
    pub budget: Money,
    pub committed: Money,
    pub remaining: Money,
    pub caps: Vec<TierCap>,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub open: bool,
    pub public_register: bool,
    /// Awards and clawbacks of at least this much wait for a second staff member.
    pub four_eyes_threshold: Money,
}

pub fn fund_view(row: &FundRow, now: DateTime<Utc>) -> Fund {
    Fund {
        id: row.id,
        name: row.name.clone(),
        budget: row.budget_fen.into(),
        committed: row.committed_fen.into(),
        remaining: (row.budget_fen - row.committed_fen).into(),
        caps: StoreTier::ALL.iter().map(|t| TierCap { tier: *t, cap: row.cap(*t).into() }).collect(),
        opens_at: row.opens_at,
        closes_at: row.closes_at,
        open: row.is_open(now),
        public_register: row.public_register,
        four_eyes_threshold: row.four_eyes_threshold_fen.into(),
    }
}

pub async fn create_fund(state: &AppState, principal: &Principal, input: FundInput) -> ApiResult<Fund> {
    principal.require_staff()?;
    // The fund's four-eyes threshold decides what one person may award alone.
    principal.require_recent_sign_in(state.now())?;
    let mut v = Violations::default();
    let name = v.check("name", required_text(&input.name, 200));
    let budget = v.check("budget_fen", Fen::positive(input.budget_fen, None));
    let max_cap = state.settings.max_award_cap_fen;
    let caps = [
        input.caps_fen.global,
        input.caps_fen.asia,
        input.caps_fen.national,
        input.caps_fen.provincial,
        input.caps_fen.city,
    ];
    let mut checked = [0; 5];
    for (i, (tier, cap)) in StoreTier::ALL.iter().zip(caps).enumerate() {
        if let Some(cap) = v.check(
            format!("caps_fen.{}", tier.as_str()),
            Fen::positive(cap.unwrap_or(max_cap), Some(max_cap)),
        ) {
            checked[i] = cap.get();
        }
    }
    // At most the largest tier cap, so no award escapes it; at least the deployment's floor.
    let largest_cap = checked.iter().copied().max().unwrap_or(max_cap).max(1);
    let floor = state.settings.four_eyes_floor_fen.clamp(0, largest_cap);
    let threshold = v.check(
        "four_eyes_threshold_fen",
        four_eyes_threshold(input.four_eyes_threshold_fen, floor, largest_cap),
    );
    if input.closes_at <= input.opens_at {
        v.add("closes_at", crate::error::Invalid::new("after-opening"));
    }
    for (field, at) in [("opens_at", input.opens_at), ("closes_at", input.closes_at)] {
        if let Err(m) = within_reason(at) {
            v.add(field, m);
        }
    }
    v.finish(|| ())?;
    let fund = NewFund {
        name: name.expect("checked"),
        budget_fen: budget.expect("checked").get(),
        caps: checked,
        opens_at: input.opens_at,
        closes_at: input.closes_at,
        public_register: input.public_register,
        four_eyes_threshold_fen: threshold.expect("checked").get(),
    };
    let id = store::insert_fund(&state.db, &fund, state.clock.now()).await?;
    load_fund(state, id).await.map(|f| fund_view(&f, state.clock.now()))
}

pub async fn load_fund(state: &AppState, id: i64) -> ApiResult<FundRow> {
    store::find_fund(&state.db, id).await?.ok_or_else(|| ApiError::not_found(format!("Fund {id}")))
}

/// A fund's four-eyes threshold: given, or the default, within `floor..=largest_cap` (a default
/// above the largest cap is lowered to it).
pub(super) fn four_eyes_threshold(
    given: Option<i64>,
    floor: i64,
    largest_cap: i64,
) -> Result<Fen, crate::error::Invalid> {
    let threshold = given.unwrap_or(FOUR_EYES_THRESHOLD_FEN.min(largest_cap));
    if threshold > largest_cap {
        return Err(crate::error::Invalid::new("threshold-above-cap").with("cap", format_cny(largest_cap)));
    }
    if threshold < floor {
        return Err(crate::error::Invalid::new("threshold-below-floor").with("floor", format_cny(floor)));
    }
    Fen::positive(threshold, Some(largest_cap))
}
