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

use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

use crate::{
    accounts::text_enum,
    bookings::Actor,
    error::{ApiError, ApiResult, ConflictInfo},
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

impl StoreTier {
    pub const ALL: [Self; 5] = [Self::Global, Self::Asia, Self::National, Self::Provincial, Self::City];
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
        Some((_, _, Actor::Staff, _)) => {
            Err(ApiError::forbidden(format!("Only staff may {} an application.", action.as_str())))
        }
        Some(_) => {
            Err(ApiError::forbidden(format!("Only the applicant may {} an application.", action.as_str())))
        }
        None => Err(ApiError::Conflict {
            detail: format!(
                "An application that is {} cannot take the action {}.",
                from.as_str(),
                action.as_str()
            ),
            info: ConflictInfo { current_state: Some(from.as_str().to_owned()), ..Default::default() },
        }),
    }
}

/// The default cap per store: 2,000,000 CNY.
pub const DEFAULT_CAP_FEN: i64 = 2_000_000 * 100;

/// An amount of money in fen (1 CNY = 100 fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fen(i64);

impl Fen {
    /// A positive amount no larger than `max`.
    pub fn positive(amount: i64, max: Option<i64>) -> Result<Self, String> {
        if amount <= 0 {
            return Err("must be a positive whole number of fen (1 CNY = 100 fen)".into());
        }
        match max {
            Some(max) if amount > max => Err(format!("must be at most {} fen ({})", max, format_cny(max))),
            _ => Ok(Self(amount)),
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// `¥2,000,000.00` from fen.
pub fn format_cny(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let yuan = i64::try_from(abs / 100).unwrap_or(i64::MAX);
    format!("{sign}¥{}.{:02}", crate::pages::i18n::number(yuan), abs % 100)
}

/// An amount as both fen and its display form.
#[derive(Debug, Clone, Object)]
pub struct Money {
    pub fen: i64,
    /// For people, e.g. `¥2,000,000.00`.
    pub display: String,
}

impl From<i64> for Money {
    fn from(fen: i64) -> Self {
        Self { fen, display: format_cny(fen) }
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
    fn money_is_shown_as_cny_with_grouping() {
        assert_eq!(format_cny(DEFAULT_CAP_FEN), "¥2,000,000.00");
        assert_eq!(format_cny(123_456), "¥1,234.56");
        assert_eq!(format_cny(5), "¥0.05");
        assert_eq!(format_cny(-100), "-¥1.00");
        assert_eq!(format_cny(10_000_000_000), "¥100,000,000.00");
    }

    #[test]
    fn amounts_must_be_positive_and_within_the_cap() {
        assert!(Fen::positive(0, None).is_err());
        assert!(Fen::positive(-5, None).is_err());
        assert!(Fen::positive(DEFAULT_CAP_FEN + 1, Some(DEFAULT_CAP_FEN)).is_err());
        assert_eq!(Fen::positive(100, Some(DEFAULT_CAP_FEN)).unwrap().get(), 100);
    }

    #[test]
    fn moves_follow_the_table() {
        use ApplicationState::*;
        use IncentiveAction::*;
        assert_eq!(transition(Draft, Submit, Actor::Owner).unwrap(), Submitted);
        assert_eq!(transition(Approved, ClawBack, Actor::Staff).unwrap(), Approved);
        assert!(matches!(transition(Rejected, Approve, Actor::Staff), Err(ApiError::Conflict { .. })));
        assert!(matches!(transition(Submitted, Approve, Actor::Owner), Err(ApiError::Forbidden(_))));
    }

    #[test]
    fn address_keys_ignore_case_spacing_and_punctuation() {
        assert_eq!(address_key("Wuma St. 1, Unit 3"), address_key("wuma st 1 unit3"));
    }
}
