//! The incentives workflow: funds, applications, review, awards, clawbacks and reports.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use serde::Deserialize;
use serde_json::json;

use super::{
    ApplicationState, IncentiveAction, StoreTier,
    store::{self, ApplicationRow, FundRow},
    transition,
};
use crate::{
    accounts::Principal,
    audit::{self, Subject},
    error::{ApiError, ApiResult, ConflictInfo},
    notifications::{self, Message},
    state::AppState,
    values::{
        Actor,
        money::{Fen, Money, format_cny},
        text::optional_text,
    },
    venues::VenueKey,
};

mod applications;
mod funds;
pub mod proposals;
mod reports;

pub use self::applications::{apply, edit};
pub use self::funds::{
    FOUR_EYES_THRESHOLD_FEN, Fund, FundInput, MAX_FLOOR_AREA_M2, TierCap, TierCaps, create_fund, fund_view,
    load_fund,
};
use self::proposals::Proposal;
pub use self::reports::{
    Breakdown, FundReport, RegisterEntry, applications_csv, ledger_csv, public_register, register, report,
};

#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ApplicationInput {
    pub fund_id: i64,
    pub store_name: String,
    /// The mall (a venue, by id or slug) the store opened in; give this or `address`.
    pub mall_venue_id: Option<VenueKey>,
    #[oai(default)]
    #[serde(default)]
    pub address: String,
    pub tier: StoreTier,
    /// `YYYY-MM-DD`.
    pub opening_date: String,
    pub floor_area_m2: i64,
    pub investment_fen: i64,
    /// At most the fund's cap for the tier.
    pub requested_fen: i64,
    #[oai(default)]
    #[serde(default)]
    pub statement: String,
}

/// An application as the applicant and staff see it.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Application {
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
    pub investment: Money,
    pub requested: Money,
    pub statement: String,
    pub state: ApplicationState,
    pub award: Option<Money>,
    pub clawed_back: Money,
    /// Other applications claiming the same tier by the same brand, or the same store address
    /// (staff only).
    pub possible_duplicates: Option<Vec<i64>>,
    /// An award or clawback at or above the fund's four-eyes threshold that awaits a second
    /// staff member (staff only).
    pub awaiting_confirmation: Option<Proposal>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub async fn view(state: &AppState, principal: &Principal, row: &ApplicationRow) -> ApiResult<Application> {
    let (possible_duplicates, awaiting_confirmation) = if principal.is_staff() {
        (Some(store::duplicates(&state.db, row).await?), proposals::open_for(state, principal, row.id).await?)
    } else {
        (None, None)
    };
    Ok(Application {
        id: row.id,
        fund_id: row.fund_id,
        organization_id: row.organization_id,
        organization_name: row.organization_name.clone(),
        store_name: row.store_name.clone(),
        mall_venue_id: row.mall_venue_id,
        mall_name: row.mall_name.clone(),
        address: row.address.clone(),
        tier: row.tier,
        opening_date: row.opening_date.clone(),
        floor_area_m2: row.floor_area_m2,
        investment: row.investment_fen.into(),
        requested: row.requested_fen.into(),
        statement: row.statement.clone(),
        state: row.state,
        award: row.award_fen.map(Money::from),
        clawed_back: row.clawed_back_fen.into(),
        possible_duplicates,
        awaiting_confirmation,
        created_at: row.created_at,
        updated_at: row.updated_at,
        submitted_at: row.submitted_at,
        decided_at: row.decided_at,
    })
}

/// The application if `principal` may see it; another brand's is "not found".
pub async fn load_visible(state: &AppState, principal: &Principal, id: i64) -> ApiResult<ApplicationRow> {
    match store::find_application(&state.db, id).await? {
        Some(row) if principal.is_staff() || principal.acts_for(row.organization_id) => Ok(row),
        _ => Err(ApiError::not_found(format!("Incentive application {id}"))),
    }
}

#[derive(Debug, Clone, Default, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct IncentiveActionRequest {
    /// For approve: the award (at most the amount requested and the tier's cap). For claw-back:
    /// the amount returned to the fund.
    pub amount_fen: Option<i64>,
    /// A note to the applicant; for claw-back, the reason (required).
    #[serde(default)]
    pub note: Option<String>,
}

/// What an action on an application will do, decided before anything is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub action: IncentiveAction,
    pub from: ApplicationState,
    pub to: ApplicationState,
    /// The ledger entry this move writes, in fen: positive for an award, negative for a clawback.
    pub ledger_amount: Option<i64>,
    pub note: String,
    pub audit_note: String,
    /// What the applicant hears (staff decisions only).
    pub message: Option<Message>,
}

/// Decides an action on `row` (in `fund`) without touching the database: the move, the money it
/// commits or returns (within the request, the tier's cap and what was awarded) and every effect.
/// Whether the fund can cover an award is checked when it is applied, under its guarded update.
pub fn decide(
    row: &ApplicationRow,
    fund: &FundRow,
    actor: Actor,
    action: IncentiveAction,
    request: &IncentiveActionRequest,
) -> ApiResult<Plan> {
    let from = row.state;
    let to = transition(from, action, actor)?;
    let note = optional_text(request.note.as_deref().unwrap_or(""), 2000)
        .map_err(|m| ApiError::invalid("note", m))?;
    let ledger_amount = match action {
        IncentiveAction::Approve => {
            let max = row.requested_fen.min(fund.cap(row.tier));
            let amount = request
                .amount_fen
                .ok_or_else(|| ApiError::invalid("amount_fen", crate::error::Invalid::new("award-amount")))?;
            Some(Fen::positive(amount, Some(max)).map_err(|m| ApiError::invalid("amount_fen", m))?.get())
        }
        IncentiveAction::ClawBack => {
            if note.is_empty() {
                return Err(ApiError::invalid("note", crate::error::Invalid::new("clawback-reason")));
            }
            let left = row.award_fen.unwrap_or(0) - row.clawed_back_fen;
            let amount = request.amount_fen.ok_or_else(|| {
                ApiError::invalid("amount_fen", crate::error::Invalid::new("amount-required"))
            })?;
            Some(-Fen::positive(amount, Some(left)).map_err(|m| ApiError::invalid("amount_fen", m))?.get())
        }
        _ => None,
    };
    let audit_note = match ledger_amount {
        Some(amount) => format!("{} {}", format_cny(amount), note).trim().to_owned(),
        None => note.clone(),
    };
    let message = (actor == Actor::Staff).then(|| {
        let outcome = match action {
            IncentiveAction::Approve => "approved",
            IncentiveAction::ClawBack => "clawed-back",
            _ => "state",
        };
        let amount = format_cny(ledger_amount.unwrap_or(0).abs());
        let (store_name, note) = (row.store_name.clone(), note.clone());
        Message::to_organization(
            format!("incentive:{}", row.id),
            row.organization_id,
            "mail-award-decision",
            |lang| {
                vec![
                    ("store", store_name.clone().into()),
                    ("outcome", outcome.into()),
                    ("amount", amount.clone().into()),
                    ("state", to.label(lang).into()),
                    ("note", note.clone().into()),
                    ("noted", if note.is_empty() { "no" } else { "yes" }.into()),
                ]
            },
            format!("/portal/incentives/{}", row.id),
            json!({
                "application_id": row.id,
                "action": action.as_str(),
                "state": to.as_str(),
                "amount_fen": ledger_amount,
            }),
        )
    });
    Ok(Plan { action, from, to, ledger_amount, note, audit_note, message })
}

/// Whether a ledger entry waits for a second staff member: an award at or above the fund's
/// threshold, or a clawback that brings the application's clawbacks to it (two small ones count
/// together, so a large clawback cannot be split to pass alone).
pub fn needs_four_eyes(row: &ApplicationRow, fund: &FundRow, ledger_amount: Option<i64>) -> bool {
    match ledger_amount {
        Some(amount) if amount < 0 => {
            row.clawed_back_fen.saturating_add(amount.saturating_neg()) >= fund.four_eyes_threshold_fen
        }
        Some(amount) => amount >= fund.four_eyes_threshold_fen,
        None => false,
    }
}

pub async fn act(
    state: &AppState,
    principal: &Principal,
    id: i64,
    action: IncentiveAction,
    request: IncentiveActionRequest,
) -> ApiResult<Application> {
    let row = load_visible(state, principal, id).await?;
    let actor = if principal.is_staff() { Actor::Staff } else { Actor::Owner };
    let fund = load_fund(state, row.fund_id).await?;
    if actor == Actor::Staff
        && let Some(open) = proposals::open_for(state, principal, id).await?
    {
        return Err(proposals::awaiting_conflict(&open));
    }
    let plan = decide(&row, &fund, actor, action, &request)?;
    if needs_four_eyes(&row, &fund, plan.ledger_amount) {
        proposals::propose(state, principal, &row, &plan).await?;
    } else {
        apply_plan(state, &row, &plan, principal.user_id, None).await?;
    }
    let row = load_visible(state, principal, id).await?;
    view(state, principal, &row).await
}

/// Carries out `plan` in one transaction: the four-eyes proposal it confirms (if any, only if
/// still open), the fund's guarded commitment, the ledger entry, the move (only if the
/// application is still in `plan.from`), the audit entry and the message.
pub(super) async fn apply_plan(
    state: &AppState,
    row: &ApplicationRow,
    plan: &Plan,
    user_id: i64,
    confirms: Option<i64>,
) -> ApiResult<()> {
    let (id, now) = (row.id, state.clock.now());
    let mut tx = state.db.begin().await?;
    if let Some(proposal) = confirms
        && !proposals::mark_confirmed(&mut tx, proposal, user_id, now).await?
    {
        return Err(ApiError::conflict(crate::error::Reason::new("proposal-decided")));
    }
    if let Some(amount) = plan.ledger_amount {
        if !store::commit_to_fund(&mut tx, row.fund_id, amount).await? {
            // Read inside the transaction: taking a second connection while holding this one
            // could wait forever on a pool full of writers queued behind us.
            let remaining = store::remaining_in(&mut tx, row.fund_id).await?;
            return Err(ApiError::conflict_with(
                crate::error::Reason::new("fund-exceeded")
                    .with("award", format_cny(amount))
                    .with("remaining", format_cny(remaining)),
                ConflictInfo { remaining_fen: Some(remaining), ..Default::default() },
            ));
        }
        let reason = if plan.note.is_empty() { plan.action.as_str().to_owned() } else { plan.note.clone() };
        store::add_ledger_entry(&mut tx, row.fund_id, id, amount, &reason, user_id, now).await?;
    }
    let moved = if plan.action == IncentiveAction::ClawBack {
        store::add_clawback(&mut tx, id, -plan.ledger_amount.unwrap_or(0), now).await?
    } else {
        store::set_state(&mut tx, id, plan.from, plan.to, plan.ledger_amount.filter(|a| *a > 0), now).await?
    };
    if !moved {
        return Err(ApiError::conflict_with(
            crate::error::Reason::new("application-changed"),
            ConflictInfo { current_state: Some(plan.from.as_str().to_owned()), ..Default::default() },
        ));
    }
    audit::record(
        &mut tx,
        Subject::Incentive(id),
        user_id,
        now,
        plan.from.as_str(),
        plan.to.as_str(),
        &plan.audit_note,
    )
    .await?;
    if let Some(message) = &plan.message {
        notifications::enqueue(&mut tx, message, now, state.settings.notify.debounce).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::funds::four_eyes_threshold;
    use super::*;

    fn fund() -> FundRow {
        FundRow {
            id: 1,
            name: "2027 first stores".into(),
            budget_fen: 100_000_000,
            committed_fen: 0,
            cap_global_fen: 2_000_000,
            cap_asia_fen: 1_500_000,
            cap_national_fen: 1_000_000,
            cap_provincial_fen: 500_000,
            cap_city_fen: 200_000,
            opens_at: DateTime::UNIX_EPOCH,
            closes_at: DateTime::UNIX_EPOCH + chrono::TimeDelta::days(365 * 100),
            public_register: false,
            four_eyes_threshold_fen: FOUR_EYES_THRESHOLD_FEN,
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    fn application(state: ApplicationState, award_fen: Option<i64>) -> ApplicationRow {
        ApplicationRow {
            id: 9,
            fund_id: 1,
            organization_id: 4,
            organization_name: "Ouhai Coffee".into(),
            store_name: "Ouhai Coffee Wuma".into(),
            mall_venue_id: None,
            mall_name: None,
            address: "Wuma Street 1".into(),
            tier: StoreTier::National,
            opening_date: "2027-01-10".into(),
            floor_area_m2: 120,
            investment_fen: 50_000_000,
            requested_fen: 800_000,
            statement: String::new(),
            state,
            award_fen,
            clawed_back_fen: 0,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
            submitted_at: None,
            decided_at: None,
        }
    }

    #[test]
    fn clawbacks_on_one_application_count_together_against_the_threshold() {
        let mut fund = fund();
        fund.four_eyes_threshold_fen = 5_000 * 100;
        let mut row = application(ApplicationState::Approved, Some(20_000 * 100));
        assert!(!needs_four_eyes(&row, &fund, Some(-299_999)), "¥2,999.99 alone passes");
        row.clawed_back_fen = 299_999;
        assert!(needs_four_eyes(&row, &fund, Some(-250_000)), "¥2,500 more reaches ¥5,000 with the first");
        assert!(needs_four_eyes(&row, &fund, Some(5_000 * 100)), "an award at the threshold");
        assert!(!needs_four_eyes(&row, &fund, Some(4_999 * 100)));
        assert!(!needs_four_eyes(&row, &fund, None));
    }

    #[test]
    fn a_threshold_lies_between_the_floor_and_the_largest_tier_cap() {
        let cap = 2_000_000 * 100;
        assert_eq!(four_eyes_threshold(None, 0, cap).map(Fen::get), Ok(FOUR_EYES_THRESHOLD_FEN));
        assert_eq!(four_eyes_threshold(None, 0, 100_000).map(Fen::get), Ok(100_000), "lowered to the cap");
        assert!(four_eyes_threshold(Some(i64::MAX), 0, cap).is_err());
        assert!(four_eyes_threshold(Some(cap + 1), 0, cap).is_err());
        assert!(four_eyes_threshold(Some(99), 100, cap).is_err(), "under the floor");
        assert_eq!(four_eyes_threshold(Some(cap), 100, cap).map(Fen::get), Ok(cap));
    }

    fn request(amount_fen: Option<i64>, note: &str) -> IncentiveActionRequest {
        IncentiveActionRequest { amount_fen, note: Some(note.into()) }
    }

    fn field(result: ApiResult<Plan>) -> String {
        match result {
            Err(ApiError::Validation(errors)) => errors[0].field.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_award_is_capped_by_the_request_and_the_tier() {
        let submitted = application(ApplicationState::Submitted, None);
        let approve = |amount| {
            decide(&submitted, &fund(), Actor::Staff, IncentiveAction::Approve, &request(amount, ""))
        };
        assert_eq!(field(approve(None)), "amount_fen");
        assert_eq!(field(approve(Some(800_001))), "amount_fen", "more than requested");
        let plan = approve(Some(800_000)).unwrap();
        assert_eq!((plan.to, plan.ledger_amount), (ApplicationState::Approved, Some(800_000)));
        assert_eq!(plan.audit_note, "¥8,000.00");
        let message = plan.message.unwrap();
        assert_eq!(
            message.subject,
            "First-store award for \"Ouhai Coffee Wuma\": approved with an award of ¥8,000.00"
        );

        let mut city = application(ApplicationState::Submitted, None);
        city.tier = StoreTier::City;
        let plan =
            decide(&city, &fund(), Actor::Staff, IncentiveAction::Approve, &request(Some(200_001), ""));
        assert_eq!(field(plan), "amount_fen", "more than the city tier's cap");
    }

    #[test]
    fn a_clawback_needs_a_reason_and_returns_at_most_what_was_awarded() {
        let approved = application(ApplicationState::Approved, Some(500_000));
        let claw = |amount, note| {
            decide(&approved, &fund(), Actor::Staff, IncentiveAction::ClawBack, &request(amount, note))
        };
        assert_eq!(field(claw(Some(100), "")), "note");
        assert_eq!(field(claw(Some(500_001), "closed early")), "amount_fen");
        let plan = claw(Some(100_000), "closed early").unwrap();
        assert_eq!(
            (plan.from, plan.to, plan.ledger_amount),
            (ApplicationState::Approved, ApplicationState::Approved, Some(-100_000))
        );
        assert_eq!(plan.audit_note, "-¥1,000.00 closed early");
    }

    #[test]
    fn the_applicant_submits_without_money_and_hears_nothing_of_its_own_move() {
        let draft = application(ApplicationState::Draft, None);
        let plan =
            decide(&draft, &fund(), Actor::Owner, IncentiveAction::Submit, &request(None, "")).unwrap();
        assert_eq!((plan.to, plan.ledger_amount, plan.message), (ApplicationState::Submitted, None, None));
        assert!(matches!(
            decide(&draft, &fund(), Actor::Owner, IncentiveAction::Approve, &request(Some(1), "")),
            Err(ApiError::Forbidden { .. } | ApiError::Conflict { .. })
        ));
    }
}
