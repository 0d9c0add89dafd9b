//! Acting on a booking: `decide` plans a move from the state and the actor alone, `act` applies
//! the plan in one transaction and tells the applicant.

use poem_openapi::Object;
use serde_json::json;

use crate::bookings::{
    Action, BookingContent, BookingState, ChangeEffect, Transition,
    publication::{self, PublicChange, public_change},
    store::{self, BookingRow},
    transition,
};
use crate::{
    accounts::Principal,
    audit::{self, Subject},
    error::{ApiError, ApiResult, ConflictInfo},
    notifications::{self, Message},
    state::AppState,
    values::{Actor, Lang, text::optional_text},
    venues::VenueKey,
};

use super::{
    Booking, Clash, Suggestion, changed_meanwhile, check_rules, load_visible, slots::competition, venue_for,
    view,
};

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

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone, Utc};

    use super::*;
    use crate::{
        bookings::{Contact, Format, Reach},
        values::Zone,
    };

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
            Err(ApiError::Forbidden { .. })
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
