//! Bookings: a brand's or organizer's application for a venue and a time, and staff review.
//!
//! Invariants:
//! - a booking moves only along [`MOVES`] (and [`CHANGE_MOVES`] for a change request to an
//!   approved booking); any other move is a 409 naming the current state;
//! - a venue is never double-booked: approval re-checks clashes inside a transaction that first
//!   locks the venue's row, so concurrent approvals serialize on every backend;
//! - every transition writes an audit entry and, where the applicant should hear of it, an
//!   outbox message, in the same transaction as the change.

pub mod api;
pub mod publication;
pub mod schedule;
pub mod service;
pub mod store;

use chrono::{DateTime, TimeDelta, Utc};
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

use crate::{
    error::{ApiError, ApiResult, ConflictInfo, Violations},
    values::{
        Actor,
        text::{Email, bilingual_title, optional_text, required_text, text_enum},
        time::parse_time,
    },
    venues::{Venue, VenueKey},
};
use schedule::{Interval, Slot};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Launch,
    Show,
    Exhibition,
    Market,
    Other,
}
text_enum!(Format { Launch => "launch", Show => "show", Exhibition => "exhibition", Market => "market", Other => "other" });

/// How far the debut reaches: a global, Asian, national, provincial or city first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    Global,
    Asia,
    National,
    Provincial,
    City,
}
text_enum!(Reach { Global => "global", Asia => "asia", National => "national", Provincial => "provincial", City => "city" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum BookingState {
    Draft,
    Submitted,
    Approved,
    Rejected,
    ChangesRequested,
    Withdrawn,
    Cancelled,
}
text_enum!(BookingState {
    Draft => "draft", Submitted => "submitted", Approved => "approved", Rejected => "rejected",
    ChangesRequested => "changes_requested", Withdrawn => "withdrawn", Cancelled => "cancelled",
});

crate::words::catalogue! {
    /// A booking's or an application's state, as one word.
    pub struct StateWords in "state" {
        draft,
        submitted,
        changes_requested,
        approved,
        rejected,
        withdrawn,
        cancelled,
        image_approved,
        image_rejected,
    }
}

impl BookingState {
    /// The state as people read it, in `lang`.
    pub fn label(self, lang: crate::values::Lang) -> &'static str {
        let w = StateWords::of(lang);
        match self {
            Self::Draft => w.draft,
            Self::Submitted => w.submitted,
            Self::ChangesRequested => w.changes_requested,
            Self::Approved => w.approved,
            Self::Rejected => w.rejected,
            Self::Withdrawn => w.withdrawn,
            Self::Cancelled => w.cancelled,
        }
    }
}

/// What a request asks to do with a booking (`POST /api/v1/bookings/{id}/{action}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "kebab-case")]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Submit,
    Approve,
    Reject,
    RequestChanges,
    Withdraw,
    Cancel,
}
text_enum!(Action {
    Submit => "submit", Approve => "approve", Reject => "reject",
    RequestChanges => "request-changes", Withdraw => "withdraw", Cancel => "cancel",
});

/// Every allowed move: from, action, who may, to.
pub const MOVES: &[(BookingState, Action, Actor, BookingState)] = {
    use Action::*;
    use Actor::*;
    use BookingState::*;
    &[
        (Draft, Submit, Owner, Submitted),
        (ChangesRequested, Submit, Owner, Submitted),
        (Submitted, Approve, Staff, Approved),
        (Submitted, Reject, Staff, Rejected),
        (Submitted, RequestChanges, Staff, ChangesRequested),
        (Draft, Withdraw, Owner, Withdrawn),
        (Submitted, Withdraw, Owner, Withdrawn),
        (ChangesRequested, Withdraw, Owner, Withdrawn),
        (Approved, Cancel, Staff, Cancelled),
    ]
};

/// What happens to a change request pending on an approved booking. The booking stays approved
/// throughout; approving applies the change, rejecting or withdrawing drops it.
pub const CHANGE_MOVES: &[(Action, Actor, ChangeEffect)] = &[
    (Action::Approve, Actor::Staff, ChangeEffect::Apply),
    (Action::Reject, Actor::Staff, ChangeEffect::Discard),
    (Action::Withdraw, Actor::Owner, ChangeEffect::Discard),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeEffect {
    None,
    Apply,
    Discard,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: BookingState,
    pub to: BookingState,
    pub change: ChangeEffect,
}

/// The one place that decides whether a move is allowed.
pub fn transition(
    from: BookingState,
    change_pending: bool,
    action: Action,
    actor: Actor,
) -> ApiResult<Transition> {
    if from == BookingState::Approved
        && change_pending
        && let Some((_, who, change)) = CHANGE_MOVES.iter().find(|(a, _, _)| *a == action)
    {
        return if *who == actor {
            Ok(Transition { from, to: from, change: *change })
        } else {
            Err(wrong_actor(action, *who))
        };
    }
    match MOVES.iter().find(|(f, a, _, _)| *f == from && *a == action) {
        Some((_, _, who, to)) if *who == actor => {
            Ok(Transition { from, to: *to, change: ChangeEffect::None })
        }
        Some((_, _, who, _)) => Err(wrong_actor(action, *who)),
        None => Err(ApiError::conflict_with(
            crate::error::Reason::new("booking-not-now")
                .with("state", from.as_str())
                .with("state_zh", from.label(crate::values::Lang::Zh))
                .with("done", past_tense(action)),
            ConflictInfo { current_state: Some(from.as_str().to_owned()), ..Default::default() },
        )),
    }
}

fn wrong_actor(action: Action, who: Actor) -> ApiError {
    match who {
        Actor::Staff => ApiError::forbidden(
            crate::error::Refusal::new("staff-only-booking").with("action", action.as_str()),
        ),
        Actor::Owner => ApiError::forbidden(
            crate::error::Refusal::new("applicant-only-booking").with("action", action.as_str()),
        ),
    }
}

fn past_tense(action: Action) -> &'static str {
    match action {
        Action::Submit => "submitted",
        Action::Approve => "approved",
        Action::Reject => "rejected",
        Action::RequestChanges => "sent back for changes",
        Action::Withdraw => "withdrawn",
        Action::Cancel => "cancelled",
    }
}

/// How an owner's edit lands, by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditEffect {
    /// Drafts and bookings sent back for changes are edited in place.
    InPlace,
    /// An approved booking keeps its approved version; the edit waits for review.
    ChangeRequest,
}

pub fn edit_effect(state: BookingState) -> ApiResult<EditEffect> {
    match state {
        BookingState::Draft | BookingState::ChangesRequested => Ok(EditEffect::InPlace),
        BookingState::Approved => Ok(EditEffect::ChangeRequest),
        other => Err(ApiError::Conflict {
            detail: match other {
                BookingState::Submitted => {
                    "A submitted booking is under review; withdraw it to edit, or wait for the decision."
                        .to_owned()
                }
                _ => format!("A booking that is {} can no longer be edited.", other.as_str()),
            },
            info: ConflictInfo { current_state: Some(other.as_str().to_owned()), ..Default::default() },
        }),
    }
}

#[derive(Debug, Clone, PartialEq, Object, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
    #[oai(default)]
    #[serde(default)]
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Object, Serialize, Deserialize)]
pub struct SlotInput {
    /// Venue time (`2026-12-04T19:00`) or RFC 3339.
    pub starts_at: String,
    pub ends_at: String,
}

#[derive(Debug, Clone, PartialEq, Object, Serialize, Deserialize)]
pub struct TimeSpan {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A booking application as a client sends it.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct BookingInput {
    /// The venue's id or slug.
    pub venue_id: VenueKey,
    pub format: Format,
    pub reach: Reach,
    /// At least one of `title_zh` and `title_en`.
    #[oai(default)]
    #[serde(default)]
    pub title_zh: String,
    #[oai(default)]
    #[serde(default)]
    pub title_en: String,
    #[oai(default)]
    #[serde(default)]
    pub description_zh: String,
    #[oai(default)]
    #[serde(default)]
    pub description_en: String,
    /// The brand or product that debuts.
    pub brand_name: String,
    pub expected_attendance: i64,
    /// Venue time (`2026-12-04T19:00`) or RFC 3339; may cross midnight.
    pub starts_at: String,
    pub ends_at: String,
    /// Defaults to the venue's setup time.
    pub setup_minutes: Option<i64>,
    /// Defaults to the venue's teardown time.
    pub teardown_minutes: Option<i64>,
    /// Up to three other acceptable slots.
    #[oai(default)]
    #[serde(default)]
    pub alternatives: Vec<SlotInput>,
    pub contact: Contact,
}

/// A partial edit; fields left out keep their value.
#[derive(Debug, Clone, Default, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct BookingPatch {
    pub venue_id: Option<VenueKey>,
    pub format: Option<Format>,
    pub reach: Option<Reach>,
    pub title_zh: Option<String>,
    pub title_en: Option<String>,
    pub description_zh: Option<String>,
    pub description_en: Option<String>,
    pub brand_name: Option<String>,
    pub expected_attendance: Option<i64>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub setup_minutes: Option<i64>,
    pub teardown_minutes: Option<i64>,
    pub alternatives: Option<Vec<SlotInput>>,
    pub contact: Option<Contact>,
}

/// The applicant's content of a booking, validated. Also the shape of a pending change.
#[derive(Debug, Clone, PartialEq, Object, Serialize, Deserialize)]
pub struct BookingContent {
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
    pub setup_minutes: i64,
    pub teardown_minutes: i64,
    pub alternatives: Vec<TimeSpan>,
    pub contact: Contact,
}

impl BookingContent {
    pub const MAX_ALTERNATIVES: usize = 3;

    /// Validates the fields; `venue` is the venue `input.venue_id` names.
    pub fn validate(input: BookingInput, venue: &Venue) -> ApiResult<Self> {
        let tz = venue.tz();
        let mut v = Violations::default();
        let (title_zh, title_en) = bilingual_title(&mut v, &input.title_zh, &input.title_en);
        let description_zh = v.check("description_zh", optional_text(&input.description_zh, 10_000));
        let description_en = v.check("description_en", optional_text(&input.description_en, 10_000));
        let brand_name = v.check("brand_name", required_text(&input.brand_name, 200));
        if input.expected_attendance < 1 {
            v.add("expected_attendance", crate::error::Invalid::new("at-least-one"));
        }
        let starts_at = v.check("starts_at", parse_time(&input.starts_at, tz));
        let ends_at = v.check("ends_at", parse_time(&input.ends_at, tz));
        let setup = input.setup_minutes.unwrap_or(venue.setup_minutes);
        let teardown = input.teardown_minutes.unwrap_or(venue.teardown_minutes);
        for (field, minutes) in [("setup_minutes", setup), ("teardown_minutes", teardown)] {
            if !(0..=7 * 24 * 60).contains(&minutes) {
                v.add(field, crate::error::Invalid::new("between").with("min", 0).with("max", 7 * 24 * 60));
            }
        }
        if input.alternatives.len() > Self::MAX_ALTERNATIVES {
            v.add(
                "alternatives",
                crate::error::Invalid::new("too-many-alternatives").with("max", Self::MAX_ALTERNATIVES),
            );
        }
        let mut alternatives = Vec::new();
        for (i, alt) in input.alternatives.iter().enumerate() {
            let start = v.check(format!("alternatives[{i}].starts_at"), parse_time(&alt.starts_at, tz));
            let end = v.check(format!("alternatives[{i}].ends_at"), parse_time(&alt.ends_at, tz));
            if let (Some(start), Some(end)) = (start, end) {
                if end <= start {
                    v.add(
                        format!("alternatives[{i}].ends_at"),
                        crate::error::Invalid::new("end-after-start"),
                    );
                }
                alternatives.push(TimeSpan { starts_at: start, ends_at: end });
            }
        }
        let contact_name = v.check("contact.name", required_text(&input.contact.name, 200));
        let contact_email = v.check("contact.email", Email::parse(&input.contact.email));
        let contact_phone = v.check("contact.phone", optional_text(&input.contact.phone, 50));
        v.finish(|| ())?;
        Ok(Self {
            venue_id: venue.id,
            format: input.format,
            reach: input.reach,
            title_zh: title_zh.expect("checked"),
            title_en: title_en.expect("checked"),
            description_zh: description_zh.expect("checked"),
            description_en: description_en.expect("checked"),
            brand_name: brand_name.expect("checked"),
            expected_attendance: input.expected_attendance,
            starts_at: starts_at.expect("checked"),
            ends_at: ends_at.expect("checked"),
            setup_minutes: setup,
            teardown_minutes: teardown,
            alternatives,
            contact: Contact {
                name: contact_name.expect("checked"),
                email: contact_email.expect("checked").as_str().to_owned(),
                phone: contact_phone.expect("checked"),
            },
        })
    }

    /// This content as an input with `patch` applied (before validation against the venue).
    pub fn patched(&self, patch: BookingPatch) -> BookingInput {
        let mut input = BookingInput {
            venue_id: VenueKey::Id(self.venue_id),
            format: self.format,
            reach: self.reach,
            title_zh: self.title_zh.clone(),
            title_en: self.title_en.clone(),
            description_zh: self.description_zh.clone(),
            description_en: self.description_en.clone(),
            brand_name: self.brand_name.clone(),
            expected_attendance: self.expected_attendance,
            starts_at: self.starts_at.to_rfc3339(),
            ends_at: self.ends_at.to_rfc3339(),
            setup_minutes: Some(self.setup_minutes),
            teardown_minutes: Some(self.teardown_minutes),
            alternatives: self
                .alternatives
                .iter()
                .map(|a| SlotInput { starts_at: a.starts_at.to_rfc3339(), ends_at: a.ends_at.to_rfc3339() })
                .collect(),
            contact: self.contact.clone(),
        };
        macro_rules! apply {
            ($($field:ident),+) => { $(if let Some(value) = patch.$field { input.$field = value; })+ };
        }
        apply!(
            venue_id,
            format,
            reach,
            title_zh,
            title_en,
            description_zh,
            description_en,
            brand_name,
            expected_attendance,
            starts_at,
            ends_at,
            alternatives,
            contact
        );
        if patch.setup_minutes.is_some() {
            input.setup_minutes = patch.setup_minutes;
        }
        if patch.teardown_minutes.is_some() {
            input.teardown_minutes = patch.teardown_minutes;
        }
        input
    }

    pub fn slot(&self) -> Slot {
        Slot {
            public: Interval::new(self.starts_at, self.ends_at),
            setup: TimeDelta::minutes(self.setup_minutes),
            teardown: TimeDelta::minutes(self.teardown_minutes),
        }
    }

    /// The title in the preferred language, falling back to the other.
    pub fn title(&self) -> &str {
        if self.title_en.is_empty() { &self.title_zh } else { &self.title_en }
    }

    /// The Chinese title, falling back to the English one.
    pub fn title_zh_first(&self) -> &str {
        if self.title_zh.is_empty() { &self.title_en } else { &self.title_zh }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_moves_follow_the_table() {
        use Action::*;
        use BookingState::*;
        let ok = |from, action, actor| transition(from, false, action, actor).map(|t| t.to).ok();
        assert_eq!(ok(Draft, Submit, Actor::Owner), Some(Submitted));
        assert_eq!(ok(Submitted, Approve, Actor::Staff), Some(Approved));
        assert_eq!(ok(Submitted, RequestChanges, Actor::Staff), Some(ChangesRequested));
        assert_eq!(ok(ChangesRequested, Submit, Actor::Owner), Some(Submitted));
        assert_eq!(ok(Approved, Cancel, Actor::Staff), Some(Cancelled));
        assert_eq!(ok(Submitted, Withdraw, Actor::Owner), Some(Withdrawn));
    }

    #[test]
    fn a_move_not_in_the_table_is_a_conflict_naming_the_state() {
        let err = transition(BookingState::Rejected, false, Action::Approve, Actor::Staff).unwrap_err();
        match err {
            ApiError::Conflict { info, .. } => assert_eq!(info.current_state.as_deref(), Some("rejected")),
            other => panic!("{other:?}"),
        }
        assert!(transition(BookingState::Approved, false, Action::Withdraw, Actor::Owner).is_err());
    }

    #[test]
    fn the_wrong_actor_is_forbidden() {
        assert!(matches!(
            transition(BookingState::Submitted, false, Action::Approve, Actor::Owner),
            Err(ApiError::Forbidden { .. })
        ));
        assert!(matches!(
            transition(BookingState::Draft, false, Action::Submit, Actor::Staff),
            Err(ApiError::Forbidden { .. })
        ));
    }

    #[test]
    fn a_pending_change_is_approved_or_dropped_while_the_booking_stays_approved() {
        let t = transition(BookingState::Approved, true, Action::Approve, Actor::Staff).unwrap();
        assert_eq!((t.to, t.change), (BookingState::Approved, ChangeEffect::Apply));
        let t = transition(BookingState::Approved, true, Action::Withdraw, Actor::Owner).unwrap();
        assert_eq!((t.to, t.change), (BookingState::Approved, ChangeEffect::Discard));
        let t = transition(BookingState::Approved, true, Action::Cancel, Actor::Staff).unwrap();
        assert_eq!(t.to, BookingState::Cancelled);
    }
}
