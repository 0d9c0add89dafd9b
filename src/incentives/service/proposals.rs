//! Four-eyes awards: an award or clawback at or above its fund's threshold is a proposal until a
//! second staff member confirms it; only then does it reach the ledger.
//!
//! The proposal is checked again when it is confirmed (the application may have moved, the fund
//! may have less left), and confirming it marks it decided with a guarded `UPDATE` in the same
//! transaction as the fund's guarded commitment and the ledger entry: concurrent confirmations
//! commit only what fits, and each proposal at most once. The audit entry names both people.

use chrono::{DateTime, Utc};
use poem_openapi::Object;

use super::{self as service, Application, IncentiveActionRequest, Plan};
use crate::incentives::{IncentiveAction, store::ApplicationRow};
use crate::{
    accounts::{Principal, store as accounts},
    audit::{self, Subject},
    db::Db,
    error::{ApiError, ApiResult, ConflictInfo},
    on_db, on_tx,
    state::AppState,
    values::{
        Actor,
        money::{Money, format_cny},
    },
};

/// An award or clawback awaiting a second staff member.
#[derive(Debug, Clone, Object)]
pub struct Proposal {
    pub id: i64,
    pub application_id: i64,
    pub fund_id: i64,
    pub store_name: String,
    pub organization_name: String,
    pub action: IncentiveAction,
    pub amount: Money,
    pub note: String,
    pub proposed_by: i64,
    pub proposed_by_name: String,
    pub proposed_at: DateTime<Utc>,
    /// Whether the caller may confirm it (anyone on the staff but who proposed it).
    pub can_confirm: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct ProposalRow {
    id: i64,
    application_id: i64,
    fund_id: i64,
    store_name: String,
    organization_name: String,
    action: IncentiveAction,
    amount_fen: i64,
    note: String,
    proposed_by: i64,
    proposed_by_name: String,
    proposed_at: DateTime<Utc>,
}

impl ProposalRow {
    fn view(self, caller: &Principal) -> Proposal {
        Proposal {
            can_confirm: caller.is_staff() && caller.user_id != self.proposed_by,
            id: self.id,
            application_id: self.application_id,
            fund_id: self.fund_id,
            store_name: self.store_name,
            organization_name: self.organization_name,
            action: self.action,
            amount: self.amount_fen.into(),
            note: self.note,
            proposed_by: self.proposed_by,
            proposed_by_name: self.proposed_by_name,
            proposed_at: self.proposed_at,
        }
    }
}

const SELECT_OPEN: &str = "SELECT p.id, p.application_id, a.fund_id, a.store_name, o.name AS organization_name, \
     p.action, p.amount_fen, p.note, p.proposed_by, u.display_name AS proposed_by_name, p.proposed_at \
     FROM award_proposals p JOIN incentive_applications a ON a.id = p.application_id \
     JOIN organizations o ON o.id = a.organization_id JOIN users u ON u.id = p.proposed_by \
     WHERE p.decided_at IS NULL";

async fn open_rows(db: &Db, application_id: Option<i64>, id: Option<i64>) -> ApiResult<Vec<ProposalRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{SELECT_OPEN} AND ($1 IS NULL OR p.application_id = $1) AND ($2 IS NULL OR p.id = $2) ORDER BY p.id"
    ));
    Ok(on_db!(db, pool => sqlx::query_as::<_, ProposalRow>(sql)
        .bind(application_id)
        .bind(id)
        .fetch_all(pool)
        .await)?)
}

/// Everything awaiting a second pair of eyes, oldest first (staff).
pub async fn awaiting(state: &AppState, principal: &Principal) -> ApiResult<Vec<Proposal>> {
    principal.require_staff()?;
    Ok(open_rows(&state.db, None, None).await?.into_iter().map(|r| r.view(principal)).collect())
}

/// The application's proposal awaiting confirmation, if any.
pub async fn open_for(
    state: &AppState,
    principal: &Principal,
    application_id: i64,
) -> ApiResult<Option<Proposal>> {
    Ok(open_rows(&state.db, Some(application_id), None).await?.into_iter().next().map(|r| r.view(principal)))
}

/// The 409 for acting on an application whose award awaits confirmation.
pub fn awaiting_conflict(proposal: &Proposal) -> ApiError {
    ApiError::conflict_with(
        crate::error::Reason::new("awaiting-second")
            .with("kind", if proposal.action == IncentiveAction::ClawBack { "clawback" } else { "award" })
            .with("amount", proposal.amount.display.as_str())
            .with("name", proposal.proposed_by_name.as_str())
            .with("id", proposal.id.to_string()),
        ConflictInfo { conflicts: vec![proposal.id], ..Default::default() },
    )
}

/// Records `plan` (an award or clawback at or above the threshold) as a proposal.
pub async fn propose(
    state: &AppState,
    principal: &Principal,
    row: &ApplicationRow,
    plan: &Plan,
) -> ApiResult<()> {
    let amount = plan.ledger_amount.map(i64::abs).unwrap_or_default();
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let inserted: Result<u64, sqlx::Error> = on_tx!(&mut tx, conn => sqlx::query(
        "INSERT INTO award_proposals (application_id, action, amount_fen, note, proposed_by, proposed_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(row.id)
    .bind(plan.action)
    .bind(amount)
    .bind(&plan.note)
    .bind(principal.user_id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()));
    if let Err(e) = inserted {
        return Err(if crate::db::is_unique_violation(&e) {
            ApiError::conflict(crate::error::Reason::new("proposal-pending"))
        } else {
            e.into()
        });
    }
    audit::record(
        &mut tx,
        Subject::Incentive(row.id),
        principal.user_id,
        now,
        plan.from.as_str(),
        plan.from.as_str(),
        &format!("{} proposed; awaits a second staff member", plan.audit_note),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The proposal `id` while it awaits confirmation.
pub async fn open(state: &AppState, principal: &Principal, id: i64) -> ApiResult<Proposal> {
    principal.require_staff()?;
    Ok(load_open(state, id).await?.view(principal))
}

async fn load_open(state: &AppState, id: i64) -> ApiResult<ProposalRow> {
    open_rows(&state.db, None, Some(id)).await?.into_iter().next().ok_or_else(|| {
        ApiError::NotFound(format!("No proposal {id} awaits confirmation; it may be decided already."))
    })
}

async fn name_of(state: &AppState, user_id: i64) -> ApiResult<String> {
    Ok(accounts::find_user(&state.db, user_id).await?.map(|u| u.display_name).unwrap_or_default())
}

/// A second staff member confirms a proposal: it commits to the ledger now, checked again
/// against the application and what remains in the fund (a 409 like any award if it no longer
/// fits). A sensitive action.
pub async fn confirm(state: &AppState, principal: &Principal, id: i64) -> ApiResult<Application> {
    principal.require_staff()?;
    let proposal = load_open(state, id).await?;
    if proposal.proposed_by == principal.user_id {
        return Err(ApiError::forbidden(crate::error::Refusal::new("four-eyes-self")));
    }
    principal.require_recent_sign_in(state.now())?;
    let row = service::load_visible(state, principal, proposal.application_id).await?;
    let fund = service::load_fund(state, row.fund_id).await?;
    let request =
        IncentiveActionRequest { amount_fen: Some(proposal.amount_fen), note: Some(proposal.note.clone()) };
    let mut plan = service::decide(&row, &fund, Actor::Staff, proposal.action, &request)?;
    let confirmer = name_of(state, principal.user_id).await?;
    plan.audit_note = format!(
        "{} (proposed by {} #{}, confirmed by {} #{})",
        plan.audit_note, proposal.proposed_by_name, proposal.proposed_by, confirmer, principal.user_id
    );
    service::apply_plan(state, &row, &plan, principal.user_id, Some(proposal.id)).await?;
    let row = service::load_visible(state, principal, row.id).await?;
    service::view(state, principal, &row).await
}

/// Marks the proposal confirmed by `user_id` inside the transaction that commits it; `false` if
/// another request decided it first.
pub(super) async fn mark_confirmed(
    tx: &mut crate::db::Tx,
    id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let rows = on_tx!(tx, conn => sqlx::query(
        "UPDATE award_proposals SET decided_by = $2, decided_at = $3, outcome = 'confirmed' \
         WHERE id = $1 AND decided_at IS NULL",
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(rows == 1)
}

/// A staff member declines a proposal (or its proposer withdraws it): nothing reaches the
/// ledger and the application is free for another decision.
pub async fn decline(state: &AppState, principal: &Principal, id: i64, note: &str) -> ApiResult<()> {
    principal.require_staff()?;
    let proposal = load_open(state, id).await?;
    let note = crate::values::text::optional_text(note, 2000).map_err(|m| ApiError::invalid("note", m))?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let rows = on_tx!(&mut tx, conn => sqlx::query(
        "UPDATE award_proposals SET decided_by = $2, decided_at = $3, outcome = 'declined' \
         WHERE id = $1 AND decided_at IS NULL",
    )
    .bind(id)
    .bind(principal.user_id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    if rows != 1 {
        return Err(ApiError::conflict(crate::error::Reason::new("proposal-decided")));
    }
    let who = name_of(state, principal.user_id).await?;
    let current = crate::incentives::store::find_application(&state.db, proposal.application_id)
        .await?
        .map(|a| a.state.as_str())
        .unwrap_or_default();
    let verb = if principal.user_id == proposal.proposed_by { "withdrawn" } else { "declined" };
    audit::record(
        &mut tx,
        Subject::Incentive(proposal.application_id),
        principal.user_id,
        now,
        current,
        current,
        format!(
            "{} of {} proposed by {} #{} {verb} by {who} #{} {note}",
            proposal.action.as_str(),
            format_cny(proposal.amount_fen),
            proposal.proposed_by_name,
            proposal.proposed_by,
            principal.user_id
        )
        .trim(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
