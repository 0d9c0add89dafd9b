//! The booking workflow: create, edit, act (submit, approve, ...), stage and release decisions.
//! Handlers call these; these call the store and the pure rules in [`super::schedule`].

use chrono::{DateTime, TimeDelta, Utc};
use poem_openapi::Object;
use serde_json::json;

use super::{
    Action, BookingContent, BookingInput, BookingPatch, BookingState, ChangeEffect, Contact, EditEffect,
    Format, Reach, TimeSpan, Transition, edit_effect,
    publication::{self, PublicChange, public_change},
    schedule::{self, Interval, Limits},
    store::{self, BookingRow, ClashRow},
    transition,
};
use crate::{
    accounts::{OrgKind, Principal},
    audit::{self, Comment, Subject},
    error::{ApiError, ApiResult, ConflictInfo, Violations},
    notifications::{self, Message},
    state::AppState,
    values::{
        Actor, Lang,
        text::{optional_text, required_paragraph},
        time::{local_time, within_reason},
    },
    venues::{self, Venue, VenueKey},
};

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
        .ok_or_else(|| ApiError::forbidden("Only brands and organizers apply for venue bookings."))?;
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
        return Err(ApiError::forbidden("Only the applicant may edit a booking."));
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

/// What an action did, with the competition for the slot.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ActionOutcome {
    pub booking: Booking,
    /// Bookings (approved or pending) whose time at the venue overlaps this one's.
    pub clashes: Vec<Clash>,
    /// Nearest free slots of the same length, when there are clashes.
    pub suggestions: Vec<Suggestion>,
    /// The public event page, once the booking is approved.
    #[oai(skip_serializing_if_is_none)]
    pub public_url: Option<String>,
}

/// What an action on a booking will do, decided from the booking as it was read and before
/// anything is written. [`decide`] makes it without a database; [`apply_plan`] carries it out in one
/// transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub action: Action,
    pub actor: Actor,
    pub transition: Transition,
    /// The content in force after the move (a pending change when it is approved).
    pub target: BookingContent,
    /// The applicant's or staff's note, validated (the public reason of a cancellation).
    pub note: String,
    /// The venue's rules (hours, blackouts, capacity, length) must hold for `target` as of now.
    pub check_rules: bool,
    /// The move approves `target`: lock the venue and refuse clashes with approved bookings.
    pub approving: bool,
    /// How the public event changes, if it does.
    pub public: Option<PublicChange>,
    pub audit_note: String,
    /// What the applicant hears (staff decisions only).
    pub message: Option<Message>,
}

/// Decides an action: the move, the content it leaves in force and every effect to write.
pub fn decide(row: &BookingRow, actor: Actor, action: Action, note: &str) -> ApiResult<Plan> {
    let change = row.pending_change()?;
    let transition = transition(row.state, change.is_some(), action, actor)?;
    let note = optional_text(note, 2000).map_err(|m| ApiError::invalid("note", m))?;
    if action == Action::Cancel && note.is_empty() {
        return Err(ApiError::invalid("note", crate::error::Invalid::new("cancel-reason")));
    }
    let current = row.content()?;
    let target = match (transition.change, change) {
        (ChangeEffect::Apply, Some(change)) => change,
        _ => current.clone(),
    };
    let approving = transition.change == ChangeEffect::Apply
        || transition.to == BookingState::Approved && transition.from != BookingState::Approved;
    let public = match (transition.change, transition.to) {
        (ChangeEffect::Apply, _) => public_change(&current, &target),
        (ChangeEffect::None, BookingState::Approved) => Some(PublicChange::Published),
        (ChangeEffect::None, BookingState::Cancelled) => Some(PublicChange::Cancelled),
        _ => None,
    };
    let audit_note = match transition.change {
        ChangeEffect::Apply => format!("change approved. {note}"),
        ChangeEffect::Discard => format!("change {}. {note}", past(action)),
        ChangeEffect::None => note.clone(),
    };
    let message = (actor == Actor::Staff).then(|| decision_message(row, &target, action, transition, &note));
    Ok(Plan {
        action,
        actor,
        check_rules: transition.to == BookingState::Submitted || approving,
        approving,
        public,
        audit_note: audit_note.trim().to_owned(),
        message,
        transition,
        target,
        note,
    })
}

pub async fn act(
    state: &AppState,
    principal: &Principal,
    id: i64,
    action: Action,
    note: &str,
) -> ApiResult<ActionOutcome> {
    let row = load_visible(state, principal, id).await?;
    let actor = if principal.is_staff() { Actor::Staff } else { Actor::Owner };
    let plan = decide(&row, actor, action, note)?;
    if plan.check_rules {
        let venue = venue_for(state, &VenueKey::Id(plan.target.venue_id)).await?;
        check_rules(state, &venue, &plan.target)?;
    }
    apply_plan(state, &row, &plan, principal.user_id).await?;

    let row =
        store::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found(format!("Booking {id}")))?;
    let (clashes, suggestions) = if plan.transition.to == BookingState::Submitted {
        competition(state, principal, &row, &plan.target).await?
    } else {
        (vec![], vec![])
    };
    let public_url = match row.state {
        BookingState::Approved => store::public_slug(&state.db, id)
            .await?
            .map(|slug| format!("{}/events/{slug}", state.settings.public_url)),
        _ => None,
    };
    Ok(ActionOutcome { booking: view(&row, principal)?, clashes, suggestions, public_url })
}

/// Carries out `plan` in one transaction, provided the booking is still exactly `row`.
async fn apply_plan(state: &AppState, row: &BookingRow, plan: &Plan, user_id: i64) -> ApiResult<()> {
    let id = row.id;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if plan.approving {
        store::lock_venue(&mut tx, plan.target.venue_id).await?;
    }
    // The plan was decided on `row`; go on only if the booking is still exactly that (this also
    // takes its row lock on PostgreSQL until commit).
    if !store::claim(&mut tx, id, row.updated_at).await? {
        drop(tx);
        return Err(changed_meanwhile(state, id).await);
    }
    if plan.approving {
        let clashing =
            store::approved_clashes_in(&mut tx, plan.target.venue_id, id, plan.target.slot().busy()).await?;
        if !clashing.is_empty() {
            let list: Vec<String> = clashing.iter().map(|c| format!("#{c}")).collect();
            return Err(ApiError::Conflict {
                detail: format!(
                    "The venue is already booked for this time (with setup and teardown) by booking {}.",
                    list.join(", ")
                ),
                info: ConflictInfo { conflicts: clashing, ..Default::default() },
            });
        }
    }
    let Transition { from, to, change } = plan.transition;
    let written = match change {
        ChangeEffect::Apply => {
            let written =
                store::write_content(&mut tx, id, &plan.target, [BookingState::Approved; 2], now).await?;
            if written {
                store::clear_pending_change(&mut tx, id, now).await?;
            }
            written
        }
        ChangeEffect::Discard => {
            store::clear_pending_change(&mut tx, id, now).await?;
            true
        }
        ChangeEffect::None => {
            let reason = (plan.action == Action::Cancel).then_some(plan.note.as_str());
            store::set_state(&mut tx, id, from, to, now, reason).await?
        }
    };
    if !written {
        drop(tx);
        return Err(changed_meanwhile(state, id).await);
    }
    if let Some(change) = plan.public {
        let slug = publication::event_slug(id, &plan.target.title_en, &plan.target.brand_name);
        publication::record(&mut tx, id, &slug, change, now).await?;
    }
    audit::record(&mut tx, Subject::Booking(id), user_id, now, from.as_str(), to.as_str(), &plan.audit_note)
        .await?;
    if let Some(message) = &plan.message {
        notifications::enqueue(&mut tx, message, now, state.settings.notify.debounce).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn past(action: Action) -> &'static str {
    match action {
        Action::Withdraw => "withdrawn",
        _ => "rejected",
    }
}

fn decision_message(
    row: &BookingRow,
    content: &BookingContent,
    action: Action,
    transition: Transition,
    note: &str,
) -> Message {
    let outcome = match transition.change {
        ChangeEffect::Apply => "change-approved",
        ChangeEffect::Discard => "change-refused",
        _ => "state",
    };
    let (id, note, to) = (row.id, note.to_owned(), transition.to);
    Message::to_organization(
        format!("booking:{id}"),
        row.organization_id,
        "mail-booking-decision",
        |lang| {
            let title = match lang {
                Lang::Zh => content.title_zh_first(),
                Lang::En => content.title(),
            };
            vec![
                ("id", id.to_string().into()),
                ("title", title.to_owned().into()),
                ("outcome", outcome.into()),
                ("state", to.label(lang).into()),
                ("note", note.clone().into()),
                ("noted", if note.is_empty() { "no" } else { "yes" }.into()),
            ]
        },
        format!("/portal/bookings/{id}"),
        json!({
            "booking_id": row.id,
            "action": action.as_str(),
            "state": transition.to.as_str(),
            "note": note,
        }),
    )
}

/// The bookings competing for the slot, and free slots if there is competition.
pub async fn competition(
    state: &AppState,
    principal: &Principal,
    row: &BookingRow,
    content: &BookingContent,
) -> ApiResult<(Vec<Clash>, Vec<Suggestion>)> {
    let busy = content.slot().busy();
    let clashes: Vec<Clash> = store::clashes(&state.db, content.venue_id, row.id, busy, true)
        .await?
        .into_iter()
        .map(|clash| clash_view(clash, principal))
        .collect();
    let suggestions = if clashes.is_empty() { vec![] } else { suggestions(state, row.id, content).await? };
    Ok((clashes, suggestions))
}

/// The nearest free slots of the same length at the venue, then at other venues of its kind,
/// avoiding approved and submitted bookings.
pub async fn suggestions(
    state: &AppState,
    booking_id: i64,
    content: &BookingContent,
) -> ApiResult<Vec<Suggestion>> {
    let slot = content.slot();
    let now = state.clock.now();
    let window = (
        slot.public.start - schedule::SEARCH_RADIUS - TimeDelta::days(1),
        slot.public.end + schedule::SEARCH_RADIUS + TimeDelta::days(1),
    );
    let venue = venue_for(state, &VenueKey::Id(content.venue_id)).await?;
    let mut found = Vec::new();
    // Slots other applicants are already asking for are no better than taken ones.
    let busy = store::busy_spans(&state.db, venue.id, booking_id, window.0, window.1, true).await?;
    for interval in schedule::suggest(&venue, &slot, &busy, now, 3) {
        found.push(suggestion(&venue, interval));
    }
    let others = venues::store::list(
        &state.db,
        &venues::store::VenueFilter { kind: Some(venue.kind), ..Default::default() },
        0,
        50,
    )
    .await?;
    for other in others.iter().filter(|v| v.id != venue.id) {
        let busy = store::busy_spans(&state.db, other.id, booking_id, window.0, window.1, true).await?;
        if let Some(interval) = schedule::suggest(other, &slot, &busy, now, 1).pop() {
            found.push(suggestion(other, interval));
        }
    }
    Ok(found)
}

fn suggestion(venue: &Venue, interval: Interval) -> Suggestion {
    Suggestion {
        venue_id: venue.id,
        venue_slug: venue.slug.clone(),
        starts_at: interval.start,
        ends_at: interval.end,
        local_starts_at: local_time(interval.start, venue.tz()),
    }
}

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
        return Err(ApiError::forbidden("Only staff may write internal notes."));
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

/// Free windows at a venue between two instants.
pub async fn availability(
    state: &AppState,
    venue: &Venue,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<Vec<TimeSpan>> {
    let mut v = Violations::default();
    let checked_from = v.check("from", within_reason(from));
    let checked_to = v.check("to", within_reason(to));
    if checked_from.is_some() && checked_to.is_some() {
        if to <= from {
            v.add("to", crate::error::Invalid::new("after-from"));
        } else if to - from > TimeDelta::days(92) {
            v.add("to", crate::error::Invalid::new("span-92-days"));
        }
    }
    v.finish(|| ())?;
    let busy =
        store::busy_spans(&state.db, venue.id, 0, from - TimeDelta::days(1), to + TimeDelta::days(1), false)
            .await?;
    Ok(schedule::free_windows(venue, &busy, from, to)
        .into_iter()
        .map(|i| TimeSpan { starts_at: i.start, ends_at: i.end })
        .collect())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::values::Zone;

    fn content() -> BookingContent {
        let start = Utc.with_ymd_and_hms(2026, 12, 4, 11, 0, 0).unwrap();
        BookingContent {
            venue_id: 3,
            format: Format::Launch,
            reach: Reach::National,
            title_zh: "新品首发".into(),
            title_en: "Phone launch".into(),
            description_zh: String::new(),
            description_en: "A national debut.".into(),
            brand_name: "Ouhai Phones".into(),
            expected_attendance: 300,
            starts_at: start,
            ends_at: start + TimeDelta::hours(2),
            setup_minutes: 60,
            teardown_minutes: 30,
            alternatives: vec![],
            contact: Contact { name: "Ada".into(), email: "ada@brand.cn".into(), phone: String::new() },
        }
    }

    fn row(state: BookingState, pending_change: Option<&BookingContent>) -> BookingRow {
        let c = content();
        BookingRow {
            id: 7,
            organization_id: 2,
            created_by: 5,
            venue_id: c.venue_id,
            format: c.format,
            reach: c.reach,
            title_zh: c.title_zh,
            title_en: c.title_en,
            description_zh: c.description_zh,
            description_en: c.description_en,
            brand_name: c.brand_name,
            expected_attendance: c.expected_attendance,
            starts_at: c.starts_at,
            ends_at: c.ends_at,
            setup_minutes: c.setup_minutes,
            teardown_minutes: c.teardown_minutes,
            alternatives: "[]".into(),
            contact_name: c.contact.name,
            contact_email: c.contact.email,
            contact_phone: c.contact.phone,
            state,
            pending_change: pending_change.map(|p| serde_json::to_string(p).unwrap()),
            cancel_reason: None,
            staged_action: None,
            staged_note: None,
            staged_by: None,
            created_at: c.starts_at - TimeDelta::days(30),
            updated_at: c.starts_at - TimeDelta::days(29),
            submitted_at: None,
            decided_at: None,
            zone: Zone::default(),
        }
    }

    #[test]
    fn approving_a_submitted_booking_publishes_it_checks_rules_and_tells_the_applicant() {
        let plan =
            decide(&row(BookingState::Submitted, None), Actor::Staff, Action::Approve, " Welcome ").unwrap();
        assert_eq!(
            (plan.transition.from, plan.transition.to),
            (BookingState::Submitted, BookingState::Approved)
        );
        assert!(plan.approving && plan.check_rules);
        assert_eq!(plan.public, Some(PublicChange::Published));
        assert_eq!(plan.target, content());
        assert_eq!(plan.audit_note, "Welcome");
        let message = plan.message.expect("staff decisions are announced");
        assert_eq!(message.recipient, crate::notifications::Recipient::Organization(2));
        assert_eq!(message.subject, "Booking #7 \"Phone launch\": approved");
        assert_eq!(
            message.body,
            "Your booking \"Phone launch\" is now: approved. Note from the commerce office: Welcome"
        );
        assert_eq!(message.subject_zh.as_deref(), Some("档期申请 #7「新品首发」：已批准"));
        assert_eq!(
            message.body_zh.as_deref(),
            Some("您的档期申请「新品首发」现在的状态：已批准。审核人员留言：Welcome")
        );
    }

    #[test]
    fn withdrawing_a_draft_checks_nothing_publishes_nothing_and_tells_nobody() {
        let plan = decide(&row(BookingState::Draft, None), Actor::Owner, Action::Withdraw, "").unwrap();
        assert_eq!(plan.transition.to, BookingState::Withdrawn);
        assert!(!plan.approving && !plan.check_rules);
        assert_eq!((plan.public, plan.message), (None, None));
    }

    #[test]
    fn submitting_checks_the_rules_but_approves_nothing() {
        let plan = decide(&row(BookingState::Draft, None), Actor::Owner, Action::Submit, "").unwrap();
        assert!(plan.check_rules && !plan.approving);
    }

    #[test]
    fn a_cancellation_needs_its_public_reason_and_leaves_a_tombstone() {
        let approved = row(BookingState::Approved, None);
        match decide(&approved, Actor::Staff, Action::Cancel, "  ") {
            Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, "note"),
            other => panic!("{other:?}"),
        }
        let plan = decide(&approved, Actor::Staff, Action::Cancel, "Storm warning").unwrap();
        assert_eq!(plan.public, Some(PublicChange::Cancelled));
        assert!(!plan.check_rules, "a cancellation is never refused by the venue's rules");
    }

    #[test]
    fn approving_a_moved_change_puts_it_in_force_and_raises_the_sequence() {
        let mut change = content();
        change.starts_at += TimeDelta::days(1);
        change.ends_at += TimeDelta::days(1);
        let plan =
            decide(&row(BookingState::Approved, Some(&change)), Actor::Staff, Action::Approve, "").unwrap();
        assert_eq!(plan.transition.change, ChangeEffect::Apply);
        assert_eq!(plan.target, change);
        assert!(plan.approving, "the new time must not clash with other approved bookings");
        assert_eq!(
            plan.public,
            Some(PublicChange::Significant { previous_start: Some(content().starts_at) })
        );
        assert_eq!(plan.audit_note, "change approved.");
    }

    #[test]
    fn a_descriptive_change_is_minor_and_a_dropped_change_changes_nothing_public() {
        let mut change = content();
        change.description_en = "Now with a live band.".into();
        let pending = row(BookingState::Approved, Some(&change));
        let plan = decide(&pending, Actor::Staff, Action::Approve, "").unwrap();
        assert_eq!(plan.public, Some(PublicChange::Minor));
        let plan = decide(&pending, Actor::Owner, Action::Withdraw, "never mind").unwrap();
        assert_eq!(plan.transition.change, ChangeEffect::Discard);
        assert_eq!(plan.target, content(), "the approved version stays in force");
        assert_eq!(
            (plan.public, plan.message, plan.audit_note.as_str()),
            (None, None, "change withdrawn. never mind")
        );
    }

    #[test]
    fn the_wrong_party_or_state_is_refused_before_anything_is_planned() {
        assert!(matches!(
            decide(&row(BookingState::Submitted, None), Actor::Owner, Action::Approve, ""),
            Err(ApiError::Forbidden(_))
        ));
        assert!(matches!(
            decide(&row(BookingState::Rejected, None), Actor::Staff, Action::Approve, ""),
            Err(ApiError::Conflict { .. })
        ));
        assert!(matches!(
            decide(&row(BookingState::Draft, None), Actor::Owner, Action::Submit, &"x".repeat(2001)),
            Err(ApiError::Validation(_))
        ));
    }
}
