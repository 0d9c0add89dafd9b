//! Staff review: comments, staged decisions and their release, and the review queue.

use poem_openapi::Object;

use crate::bookings::{Action, store, transition};
use crate::{
    accounts::Principal,
    audit::{self, Comment, Subject},
    error::{ApiError, ApiResult},
    state::AppState,
    values::{
        Actor,
        text::{optional_text, required_paragraph},
    },
};

use super::{Booking, Clash, clash_view, decisions::act, load_visible, view};

/// A comment on the booking by anyone who may see it; only staff write internal notes, which
/// the applicant never sees.
pub async fn comment(
    state: &AppState,
    principal: &Principal,
    id: i64,
    body: &str,
    internal: bool,
) -> ApiResult<Comment> {
    load_visible(state, principal, id).await?;
    if internal && !principal.is_staff() {
        return Err(ApiError::forbidden(crate::error::Refusal::new("staff-only-notes")));
    }
    let text = required_paragraph(body, 5000).map_err(|m| ApiError::invalid("body", m))?;
    audit::add_comment(&state.db, Subject::Booking(id), principal.user_id, state.clock.now(), &text, internal)
        .await
}

/// Staff record a decision to release later with others.
pub async fn stage(
    state: &AppState,
    principal: &Principal,
    id: i64,
    action: Option<Action>,
    note: &str,
) -> ApiResult<Booking> {
    principal.require_staff()?;
    let row = load_visible(state, principal, id).await?;
    let note = optional_text(note, 2000).map_err(|m| ApiError::invalid("note", m))?;
    if let Some(action) = action {
        if !matches!(action, Action::Approve | Action::Reject | Action::RequestChanges) {
            return Err(ApiError::invalid("action", crate::error::Invalid::new("stage-actions")));
        }
        // Refuse a decision that could not be released as things stand.
        transition(row.state, row.pending_change.is_some(), action, Actor::Staff)?;
    }
    store::stage(&state.db, id, action, Some(&note), action.map(|_| principal.user_id)).await?;
    let row = load_visible(state, principal, id).await?;
    view(&row, principal)
}

/// What releasing one staged decision did.
#[derive(Debug, Clone, Object)]
pub struct ReleaseResult {
    pub booking_id: i64,
    pub action: Action,
    /// 200 when applied, else the status of the problem that stopped it.
    pub status: u16,
    pub detail: String,
}

/// Applies staged decisions (all, or those of `only`), each on its own: one clash does not hold
/// back the rest.
pub async fn release(
    state: &AppState,
    principal: &Principal,
    only: Option<Vec<i64>>,
) -> ApiResult<Vec<ReleaseResult>> {
    principal.require_staff()?;
    let mut results = Vec::new();
    for (id, action, note) in store::staged(&state.db).await? {
        if only.as_ref().is_some_and(|ids| !ids.contains(&id)) {
            continue;
        }
        let result = act(state, principal, id, action, &note).await;
        let (status, detail) = match result {
            Ok(outcome) => (200, format!("booking is now {}", outcome.booking.state.as_str())),
            Err(ApiError::Internal(e)) => return Err(ApiError::Internal(e)),
            Err(e) => {
                let problem = e.to_problem();
                (problem.status, problem.detail)
            }
        };
        results.push(ReleaseResult { booking_id: id, action, status, detail });
    }
    Ok(results)
}

/// A review-queue entry: the booking and its competition.
#[derive(Debug, Clone, Object)]
pub struct QueueItem {
    pub booking: Booking,
    pub clashes: Vec<Clash>,
}

pub async fn review_queue(
    state: &AppState,
    principal: &Principal,
    filter: &store::BookingFilter,
    limit: i64,
) -> ApiResult<Vec<QueueItem>> {
    principal.require_staff()?;
    let mut items = Vec::new();
    for row in store::review_queue(&state.db, filter, limit).await? {
        let content = row.pending_change()?.unwrap_or(row.content()?);
        let clashes = store::clashes(&state.db, content.venue_id, row.id, content.slot().busy(), true)
            .await?
            .into_iter()
            .map(|clash| clash_view(clash, principal))
            .collect();
        items.push(QueueItem { booking: view(&row, principal)?, clashes });
    }
    Ok(items)
}
