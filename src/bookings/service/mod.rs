//! The booking workflow: create, edit, act (submit, approve, ...), stage and release decisions.
//! Handlers call these; these call the store and the pure rules in [`super::schedule`].

use chrono::{DateTime, TimeDelta, Utc};
use poem_openapi::Object;

use super::{
    Action, BookingContent, BookingInput, BookingPatch, BookingState, Contact, EditEffect, Format, Reach,
    TimeSpan, edit_effect,
    schedule::{self, Limits},
    store::{self, BookingRow, ClashRow},
};
use crate::{
    accounts::{OrgKind, Principal},
    error::{ApiError, ApiResult, ConflictInfo},
    state::AppState,
    values::time::local_time,
    venues::{Venue, VenueKey},
};

mod decisions;
mod review;
mod slots;

pub use self::decisions::{ActionOutcome, Plan, act, decide};
pub use self::review::{QueueItem, ReleaseResult, comment, release, review_queue, stage};
pub use self::slots::{availability, competition, suggestions};

/// A booking as its applicant and staff see it.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Booking {
    pub id: i64,
    pub organization_id: i64,
    pub venue_id: i64,
    pub format: Format,
    pub reach: Reach,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub brand_name: String,
    pub expected_attendance: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `starts_at` in the venue's zone, e.g. `2026-12-04T19:00`.
    pub local_starts_at: String,
    pub local_ends_at: String,
    pub zone: String,
    pub setup_minutes: i64,
    pub teardown_minutes: i64,
    pub alternatives: Vec<TimeSpan>,
    pub contact: Contact,
    pub state: BookingState,
    /// A change to this approved booking waiting for review; the approved version stays in force.
    pub pending_change: Option<BookingContent>,
    /// Why staff cancelled it (public).
    pub cancel_reason: Option<String>,
    /// A decision staff recorded but have not released (staff only).
    pub staged_decision: Option<StagedDecision>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Object)]
pub struct StagedDecision {
    pub action: Action,
    pub note: String,
}

/// Another booking competing for the same venue and time. Staff and the booking's own
/// organization see which it is; anyone else sees only that the time is busy, never another
/// organization's unannounced launch.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Clash {
    #[oai(skip_serializing_if_is_none)]
    pub id: Option<i64>,
    #[oai(skip_serializing_if_is_none)]
    pub state: Option<BookingState>,
    #[oai(skip_serializing_if_is_none)]
    pub title: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A free slot of the requested length.
#[derive(Debug, Clone, Object)]
pub struct Suggestion {
    pub venue_id: i64,
    pub venue_slug: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub local_starts_at: String,
}

pub fn view(row: &BookingRow, principal: &Principal) -> ApiResult<Booking> {
    let content = row.content()?;
    let tz = row.zone.tz();
    let staged_decision = match (row.staged_action, principal.is_staff()) {
        (Some(action), true) => {
            Some(StagedDecision { action, note: row.staged_note.clone().unwrap_or_default() })
        }
        _ => None,
    };
    Ok(Booking {
        id: row.id,
        organization_id: row.organization_id,
        venue_id: row.venue_id,
        format: content.format,
        reach: content.reach,
        local_starts_at: local_time(content.starts_at, tz),
        local_ends_at: local_time(content.ends_at, tz),
        zone: row.zone.name().to_owned(),
        title_zh: content.title_zh,
        title_en: content.title_en,
        description_zh: content.description_zh,
        description_en: content.description_en,
        brand_name: content.brand_name,
        expected_attendance: content.expected_attendance,
        starts_at: content.starts_at,
        ends_at: content.ends_at,
        setup_minutes: content.setup_minutes,
        teardown_minutes: content.teardown_minutes,
        alternatives: content.alternatives,
        contact: content.contact,
        state: row.state,
        pending_change: row.pending_change()?,
        cancel_reason: row.cancel_reason.clone(),
        staged_decision,
        created_at: row.created_at,
        updated_at: row.updated_at,
        submitted_at: row.submitted_at,
        decided_at: row.decided_at,
    })
}

fn clash_view(row: ClashRow, principal: &Principal) -> Clash {
    let known = principal.is_staff() || principal.acts_for(row.organization_id);
    Clash {
        id: known.then_some(row.id),
        state: known.then_some(row.state),
        title: known.then_some(if row.title_en.is_empty() { row.title_zh } else { row.title_en }),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
    }
}

fn limits(state: &AppState) -> Limits {
    Limits { max_duration: TimeDelta::hours(state.settings.max_booking_hours) }
}

/// The booking if `principal` may see it; another organization's booking is "not found".
pub async fn load_visible(state: &AppState, principal: &Principal, id: i64) -> ApiResult<BookingRow> {
    match store::find(&state.db, id).await? {
        Some(row) if principal.is_staff() || principal.acts_for(row.organization_id) => Ok(row),
        _ => Err(ApiError::not_found(format!("Booking {id}"))),
    }
}

async fn venue_for(state: &AppState, venue: &VenueKey) -> ApiResult<Venue> {
    venue.find(&state.db).await?.ok_or_else(|| {
        ApiError::invalid("venue_id", crate::error::Invalid::new("no-venue").with("id", venue))
    })
}

/// Validates content and checks it against the venue's rules.
pub async fn checked_content(state: &AppState, input: BookingInput) -> ApiResult<BookingContent> {
    let venue = venue_for(state, &input.venue_id).await?;
    let content = BookingContent::validate(input, &venue)?;
    check_rules(state, &venue, &content)?;
    Ok(content)
}

fn check_rules(state: &AppState, venue: &Venue, content: &BookingContent) -> ApiResult<()> {
    let errors = schedule::check_slot(
        venue,
        &content.slot(),
        content.expected_attendance,
        state.clock.now(),
        limits(state),
    );
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

pub async fn create(state: &AppState, principal: &Principal, input: BookingInput) -> ApiResult<Booking> {
    create_linked(state, principal, input, None).await
}

/// A draft that answers a call (`call_id`); the calls domain has checked it against the call.
pub async fn create_linked(
    state: &AppState,
    principal: &Principal,
    input: BookingInput,
    call_id: Option<i64>,
) -> ApiResult<Booking> {
    let org = principal
        .organization
        .filter(|o| matches!(o.kind, OrgKind::Brand | OrgKind::Organizer))
        .ok_or_else(|| ApiError::forbidden(crate::error::Refusal::new("brands-only-bookings")))?;
    let content = checked_content(state, input).await?;
    let id = store::insert_draft(&state.db, org.id, principal.user_id, &content, call_id, state.clock.now())
        .await?;
    let row =
        store::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found(format!("Booking {id}")))?;
    view(&row, principal)
}

/// The owner's edit: in place for drafts and bookings sent back, as a change request for
/// approved ones.
pub async fn edit(
    state: &AppState,
    principal: &Principal,
    id: i64,
    patch: BookingPatch,
) -> ApiResult<Booking> {
    let row = load_visible(state, principal, id).await?;
    if !principal.acts_for(row.organization_id) {
        return Err(ApiError::forbidden(crate::error::Refusal::new("applicant-only-edit")));
    }
    let current_state = row.state;
    let effect = edit_effect(current_state)?;
    let base = match effect {
        // A second change request builds on the first.
        EditEffect::ChangeRequest => row.pending_change()?.unwrap_or(row.content()?),
        EditEffect::InPlace => row.content()?,
    };
    let content = checked_content(state, base.patched(patch)).await?;
    let now = state.clock.now();
    let applied = match effect {
        EditEffect::InPlace => {
            let mut tx = state.db.begin().await?;
            let applied = store::write_content(
                &mut tx,
                id,
                &content,
                [BookingState::Draft, BookingState::ChangesRequested],
                now,
            )
            .await?;
            tx.commit().await?;
            applied
        }
        EditEffect::ChangeRequest => store::set_pending_change(&state.db, id, Some(&content), now).await?,
    };
    if !applied {
        return Err(changed_meanwhile(state, id).await);
    }
    let row = load_visible(state, principal, id).await?;
    view(&row, principal)
}

/// A 409 for a lost race. Call it only after releasing any transaction: it takes a connection.
async fn changed_meanwhile(state: &AppState, id: i64) -> ApiError {
    let current = store::find(&state.db, id).await.ok().flatten().map(|r| r.state.as_str().to_owned());
    ApiError::Conflict {
        detail: "The booking changed while this request was being handled; reload it and try again.".into(),
        info: ConflictInfo { current_state: current, ..Default::default() },
    }
}
