//! First-store incentives: funds, brands' applications, staff review and the award ledger.
//!
//! Invariants:
//! - money is integer fen everywhere ([`Fen`]); shown as CNY only for people (`¥2,000,000.00`);
//! - a fund's committed total is the sum of its ledger and never exceeds its budget: every award
//!   and clawback moves `funds.committed_fen` with a guarded `UPDATE` in the same transaction as
//!   its ledger entry (and a CHECK constraint backs it up), so concurrent approvals cannot
//!   overspend on either backend;
//! - applications move only along [`MOVES`]; transitions share the bookings' audit trail and
//!   notification outbox.

pub mod api;
pub mod service;
pub mod store;

pub use service::proposals;

use poem_openapi::Enum;
use serde::{Deserialize, Serialize};

use crate::{
    error::{ApiError, ApiResult, ConflictInfo},
    values::{Actor, text::text_enum},
};

/// How far the first store reaches: first in the world, Asia, the country, the province or the city.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum StoreTier {
    Global,
    Asia,
    National,
    Provincial,
    City,
}
text_enum!(StoreTier { Global => "global", Asia => "asia", National => "national", Provincial => "provincial", City => "city" });

crate::words::catalogue! {
    /// A first store's tier
    pub struct TierWords in "tier" {
        global,
        asia,
        national,
        provincial,
        city,
    }
}

impl StoreTier {
    /// The tier as people say it, in `lang`.
    pub fn label(self, lang: crate::values::Lang) -> &'static str {
        let w = TierWords::of(lang);
        match self {
            Self::Global => w.global,
            Self::Asia => w.asia,
            Self::National => w.national,
            Self::Provincial => w.provincial,
            Self::City => w.city,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    Draft,
    Submitted,
    Approved,
    Rejected,
    ChangesRequested,
}
text_enum!(ApplicationState {
    Draft => "draft", Submitted => "submitted", Approved => "approved", Rejected => "rejected",
    ChangesRequested => "changes_requested",
});

impl ApplicationState {
    /// The state as people read it, in `lang`: the same words as a booking's.
    pub fn label(self, lang: crate::values::Lang) -> &'static str {
        use crate::bookings::BookingState as B;
        match self {
            Self::Draft => B::Draft,
            Self::Submitted => B::Submitted,
            Self::Approved => B::Approved,
            Self::Rejected => B::Rejected,
            Self::ChangesRequested => B::ChangesRequested,
        }
        .label(lang)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "kebab-case")]
#[serde(rename_all = "kebab-case")]
pub enum IncentiveAction {
    Submit,
    Approve,
    Reject,
    RequestChanges,
    ClawBack,
}
text_enum!(IncentiveAction {
    Submit => "submit", Approve => "approve", Reject => "reject",
    RequestChanges => "request-changes", ClawBack => "claw-back",
});

/// Every allowed move: from, action, who may, to. A clawback leaves the application approved.
pub const MOVES: &[(ApplicationState, IncentiveAction, Actor, ApplicationState)] = {
    use Actor::*;
    use ApplicationState::*;
    use IncentiveAction::*;
    &[
        (Draft, Submit, Owner, Submitted),
        (ChangesRequested, Submit, Owner, Submitted),
        (Submitted, Approve, Staff, Approved),
        (Submitted, Reject, Staff, Rejected),
        (Submitted, RequestChanges, Staff, ChangesRequested),
        (Approved, ClawBack, Staff, Approved),
    ]
};

pub fn transition(
    from: ApplicationState,
    action: IncentiveAction,
    actor: Actor,
) -> ApiResult<ApplicationState> {
    match MOVES.iter().find(|(f, a, _, _)| *f == from && *a == action) {
        Some((_, _, who, to)) if *who == actor => Ok(*to),
        Some((_, _, Actor::Staff, _)) => Err(ApiError::forbidden(
            crate::error::Refusal::new("staff-only-application").with("action", action.as_str()),
        )),
        Some(_) => Err(ApiError::forbidden(
            crate::error::Refusal::new("applicant-only-application").with("action", action.as_str()),
        )),
        None => Err(ApiError::conflict_with(
            crate::error::Reason::new("application-not-now")
                .with("state", from.as_str())
                .with("state_zh", from.label(crate::values::Lang::Zh))
                .with("action", action.as_str()),
            ConflictInfo { current_state: Some(from.as_str().to_owned()), ..Default::default() },
        )),
    }
}

/// Lower-cased with whitespace and common punctuation removed, to spot one store claimed twice.
pub fn address_key(address: &str) -> String {
    address
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '，' | '.' | '。' | '-' | '#'))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_follow_the_table() {
        use ApplicationState::*;
        use IncentiveAction::*;
        assert_eq!(transition(Draft, Submit, Actor::Owner).unwrap(), Submitted);
        assert_eq!(transition(Approved, ClawBack, Actor::Staff).unwrap(), Approved);
        assert!(matches!(transition(Rejected, Approve, Actor::Staff), Err(ApiError::Conflict { .. })));
        assert!(matches!(transition(Submitted, Approve, Actor::Owner), Err(ApiError::Forbidden { .. })));
    }

    #[test]
    fn address_keys_ignore_case_spacing_and_punctuation() {
        assert_eq!(address_key("Wuma St. 1, Unit 3"), address_key("wuma st 1 unit3"));
    }
}
