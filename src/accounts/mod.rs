//! Accounts: organizations (brands, organizers, vendors) with their member users, and the
//! commerce office's staff and admins.
//!
//! Invariants: a member belongs to exactly one organization, staff and admins to none (a CHECK
//! in the schema). Passwords are stored only as argon2id hashes; login tokens only as SHA-256
//! hashes. Who may do what is decided here, server-side, through [`Principal`].

pub mod api;
pub mod auth;
pub mod members;
pub mod service;
pub mod staff;
pub mod store;
pub mod throttle;
pub mod totp;
pub mod two_factor;

use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

use crate::{error::ApiError, values::text::text_enum};

/// What kind of outside party an organization is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Brand,
    Organizer,
    Vendor,
}

/// A user's role. Members act for their organization; staff run the office's programs; admins
/// are staff who may also create staff accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Staff,
    Admin,
}

text_enum!(OrgKind { Brand => "brand", Organizer => "organizer", Vendor => "vendor" });

/// A member's standing in its organization: owners may invite and remove members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    Owner,
    Member,
}
text_enum!(OrgRole { Owner => "owner", Member => "member" });
text_enum!(Role { Member => "member", Staff => "staff", Admin => "admin" });

/// A password that meets our length policy. Never logged, never stored in clear.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, crate::error::Invalid> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            Err(crate::error::Invalid::new("password-short").with("min", Self::MIN_CHARS))
        } else if chars > Self::MAX_CHARS {
            Err(crate::error::Invalid::new("too-long").with("max", Self::MAX_CHARS))
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// An organization a member acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgRef {
    pub id: i64,
    pub kind: OrgKind,
}

/// The session a request came with: which one, and when its owner last gave their password
/// (or a code) in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRef {
    pub id: i64,
    pub verified_at: chrono::DateTime<chrono::Utc>,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub role: Role,
    pub organization: Option<OrgRef>,
    /// `None` for work done outside a request (the demo data, the command line).
    pub session: Option<SessionRef>,
}

impl Principal {
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Staff | Role::Admin)
    }

    pub fn require_staff(&self) -> Result<(), ApiError> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(ApiError::forbidden(crate::error::Refusal::new("staff-only")))
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::forbidden(crate::error::Refusal::new("admins-only")))
        }
    }

    /// The organization whose records this caller may list: `None` for staff (everyone's).
    pub fn listing_scope(&self) -> Result<Option<i64>, ApiError> {
        if self.is_staff() {
            Ok(None)
        } else {
            self.organization
                .map(|o| Some(o.id))
                .ok_or_else(|| ApiError::forbidden(crate::error::Refusal::new("no-organization")))
        }
    }

    /// Sensitive actions (the password, the second factor, new staff, confirming a four-eyes
    /// award) need a sign-in, or a fresh confirmation of the password or a code, within
    /// [`REAUTHENTICATE_AFTER`]. Work outside a request has no session and is not asked.
    pub fn require_recent_sign_in(&self, now: chrono::DateTime<chrono::Utc>) -> Result<(), ApiError> {
        match self.session {
            Some(session) if now - session.verified_at > REAUTHENTICATE_AFTER => {
                Err(ApiError::ReauthenticationRequired(
                    "You signed in more than 15 minutes ago: confirm your password or a code first \
                 (POST /api/v1/auth/reauthenticate, or the form on the web), then try again."
                        .to_owned(),
                ))
            }
            _ => Ok(()),
        }
    }

    /// Whether this caller may see and act on data owned by `organization_id`.
    pub fn acts_for(&self, organization_id: i64) -> bool {
        self.organization.is_some_and(|org| org.id == organization_id)
    }
}

/// How long after giving the password (or a code) a session may take sensitive actions.
pub const REAUTHENTICATE_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

/// The public view of a user.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organization: Option<OrganizationView>,
}

#[derive(Debug, Clone, Object)]
pub struct OrganizationView {
    pub id: i64,
    pub kind: OrgKind,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_length_is_enforced() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("long enough pw").is_ok());
        assert!(Password::parse(&"x".repeat(300)).is_err());
        assert_eq!(format!("{:?}", Password::parse("long enough pw").unwrap()), "Password(***)");
    }

    #[test]
    fn text_enums_round_trip_and_explain_unknown_values() {
        assert_eq!(OrgKind::parse("organizer"), Ok(OrgKind::Organizer));
        assert_eq!(OrgKind::Vendor.as_str(), "vendor");
        let err = OrgKind::parse("staff").unwrap_err();
        assert!(err.to_string().contains("brand, organizer, vendor"), "{err}");
    }
}
