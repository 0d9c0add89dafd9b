//! A brand's application for a first-store award: checked, filed and edited.

use chrono::NaiveDate;

use crate::incentives::store::{self, ApplicationContent};
use crate::{
    accounts::{OrgKind, Principal},
    error::{ApiError, ApiResult, ConflictInfo, Violations},
    state::AppState,
    values::{
        money::{Fen, format_cny},
        text::{optional_text, required_text},
    },
    venues::VenueKind,
};

use super::{Application, ApplicationInput, funds::MAX_FLOOR_AREA_M2, load_visible, view};

async fn validate(state: &AppState, input: ApplicationInput) -> ApiResult<ApplicationContent> {
    let fund = store::find_fund(&state.db, input.fund_id).await?.ok_or_else(|| {
        ApiError::invalid("fund_id", crate::error::Invalid::new("no-fund").with("id", input.fund_id))
    })?;
    let mut v = Violations::default();
    if !fund.is_open(state.clock.now()) {
        v.add(
            "fund_id",
            format!(
                "the fund takes applications from {} to {} only",
                fund.opens_at.format("%Y-%m-%d %H:%M UTC"),
                fund.closes_at.format("%Y-%m-%d %H:%M UTC")
            ),
        );
    }
    let store_name = v.check("store_name", required_text(&input.store_name, 200));
    let mut address = v.check("address", optional_text(&input.address, 500));
    let mut mall_venue_id = None;
    if let Some(mall) = &input.mall_venue_id {
        match mall.find(&state.db).await? {
            Some(venue) if matches!(venue.kind, VenueKind::Mall | VenueKind::Plaza) => {
                if address.as_deref() == Some("") {
                    address = Some(venue.address.clone());
                }
                mall_venue_id = Some(venue.id);
            }
            Some(_) => v.add("mall_venue_id", crate::error::Invalid::new("not-a-mall")),
            None => v.add("mall_venue_id", crate::error::Invalid::new("no-venue").with("id", mall)),
        }
    } else if address.as_deref() == Some("") {
        v.add("address", crate::error::Invalid::new("address-or-mall"));
    }
    let opening_date = v.check(
        "opening_date",
        NaiveDate::parse_from_str(input.opening_date.trim(), "%Y-%m-%d")
            .map_err(|_| crate::error::Invalid::new("date").with("typed", input.opening_date.trim()))
            .and_then(|date| {
                if crate::values::time::YEARS.contains(&chrono::Datelike::year(&date)) {
                    Ok(date)
                } else {
                    Err(crate::error::Invalid::new("years"))
                }
            }),
    );
    if !(1..=MAX_FLOOR_AREA_M2).contains(&input.floor_area_m2) {
        v.add("floor_area_m2", crate::error::Invalid::new("floor-area").with("max", MAX_FLOOR_AREA_M2));
    }
    if !(0..=Fen::MAX).contains(&input.investment_fen) {
        v.add("investment_fen", crate::error::Invalid::new("investment").with("max", format_cny(Fen::MAX)));
    }
    let requested = v.check("requested_fen", Fen::positive(input.requested_fen, Some(fund.cap(input.tier))));
    let statement = v.check("statement", optional_text(&input.statement, 10_000));
    v.finish(|| ())?;
    Ok(ApplicationContent {
        fund_id: fund.id,
        store_name: store_name.expect("checked"),
        mall_venue_id,
        address: address.expect("checked"),
        tier: input.tier,
        opening_date: opening_date.expect("checked"),
        floor_area_m2: input.floor_area_m2,
        investment_fen: input.investment_fen,
        requested_fen: requested.expect("checked").get(),
        statement: statement.expect("checked"),
    })
}

pub async fn apply(
    state: &AppState,
    principal: &Principal,
    input: ApplicationInput,
) -> ApiResult<Application> {
    let org = principal
        .organization
        .filter(|o| o.kind == OrgKind::Brand)
        .ok_or_else(|| ApiError::forbidden(crate::error::Refusal::new("brands-only-awards")))?;
    let content = validate(state, input).await?;
    let id =
        store::insert_application(&state.db, org.id, principal.user_id, &content, state.clock.now()).await?;
    let row = load_visible(state, principal, id).await?;
    view(state, principal, &row).await
}

pub async fn edit(
    state: &AppState,
    principal: &Principal,
    id: i64,
    input: ApplicationInput,
) -> ApiResult<Application> {
    let row = load_visible(state, principal, id).await?;
    if !principal.acts_for(row.organization_id) {
        return Err(ApiError::forbidden(crate::error::Refusal::new("applicant-only-edit")));
    }
    if input.fund_id != row.fund_id {
        return Err(ApiError::invalid("fund_id", crate::error::Invalid::new("fund-fixed")));
    }
    let content = validate(state, input).await?;
    if !store::update_application(&state.db, id, &content, state.clock.now()).await? {
        return Err(ApiError::conflict_with(
            crate::error::Reason::new("application-not-editable")
                .with("state", row.state.as_str())
                .with("state_zh", row.state.label(crate::values::Lang::Zh)),
            ConflictInfo { current_state: Some(row.state.as_str().to_owned()), ..Default::default() },
        ));
    }
    let row = load_visible(state, principal, id).await?;
    view(state, principal, &row).await
}
