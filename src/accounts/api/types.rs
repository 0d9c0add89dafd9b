//! The bodies the accounts API takes and answers with.

use chrono::{DateTime, Utc};
use poem_openapi::{ApiResponse, Object, payload::Json};
use serde::Deserialize;

use crate::accounts::{
    OrgKind, OrganizationView, UserView,
    members::{Invitation, Member},
};

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct RegisterRequest {
    /// The brand's, organizer's or vendor's name.
    pub organization_name: String,
    pub organization_kind: OrgKind,
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    pub display_name: String,
    /// `zh` (default) or `en`: the language of the e-mails the user gets.
    pub lang: Option<String>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// For accounts with a second factor: the 6-digit code of the authenticator app, or an
    /// unused recovery code. Without it such an account gets a 401 of type
    /// `/problems/second-factor-required`; send the same request again with the code.
    pub code: Option<String>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ReauthenticateRequest {
    /// Your password; or give `code` instead.
    pub password: Option<String>,
    /// A code of your authenticator app, or an unused recovery code.
    pub code: Option<String>,
}

#[derive(Debug, Object, Deserialize)]
pub struct CodeRequest {
    /// The 6-digit code the authenticator app shows now.
    pub code: String,
}

#[derive(Debug, Object, Deserialize)]
pub struct SecondFactorPolicy {
    /// `admins` (the default: admins only) or `staff` (every staff member and admin).
    pub required_for: String,
}

/// A live session or API token of the caller.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SessionView {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    /// The address it was opened from.
    pub address: Option<String>,
    /// The client's `User-Agent` when it was opened.
    pub client: Option<String>,
    /// The session this request uses.
    pub current: bool,
}

/// The caller's second factor.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SecondFactorStatus {
    pub enabled: bool,
    pub enabled_at: Option<DateTime<Utc>>,
    /// Whether the caller's role must sign in with a second factor.
    pub required: bool,
    pub recovery_codes_left: i64,
}

/// A second factor being set up: add it to an authenticator app, then confirm with a code.
#[derive(Debug, Object)]
pub struct EnrolmentView {
    /// The key, base32, for typing into the app.
    pub secret: String,
    /// The `otpauth://` URI (what the QR code holds).
    pub otpauth_uri: String,
    /// The QR code as an SVG document.
    pub qr_svg: String,
}

/// Ten single-use recovery codes, shown this once.
#[derive(Debug, Object)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Object)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`. Shown once; we keep only its hash.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
}

#[derive(Debug, Object, Deserialize)]
pub struct OrganizationUpdate {
    pub name: String,
}

#[derive(Debug, Object, Deserialize)]
pub struct InvitationRequest {
    /// The colleague's e-mail; the invitation link goes there alone.
    pub email: String,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct AcceptInvitation {
    /// Must be the address the invitation was sent to.
    pub email: String,
    pub display_name: String,
    /// At least 10 characters.
    pub password: String,
    /// `zh` (default) or `en`.
    pub lang: Option<String>,
}

#[derive(ApiResponse)]
pub enum MembersResponse {
    /// The organization's members, owners first.
    #[oai(status = 200)]
    Ok(Json<Vec<Member>>),
}

#[derive(ApiResponse)]
pub enum InvitationsResponse {
    /// Invitations nobody has answered yet.
    #[oai(status = 200)]
    Ok(Json<Vec<Invitation>>),
}

#[derive(ApiResponse)]
pub enum InvitationCreated {
    /// The invitation was sent by e-mail.
    #[oai(status = 201)]
    Created(Json<Invitation>),
}

#[derive(ApiResponse)]
pub enum Removed {
    /// Done.
    #[oai(status = 204)]
    Removed,
}

#[derive(ApiResponse)]
pub enum RegisterResponse {
    /// The organization and its first user were created; log in next.
    #[oai(status = 201)]
    Created(Json<UserView>),
}

#[derive(ApiResponse)]
pub enum LoginResult {
    /// Logged in.
    #[oai(status = 200)]
    Ok(Json<LoginResponse>),
}

#[derive(ApiResponse)]
pub enum LogoutResponse {
    /// Done.
    #[oai(status = 204)]
    Done,
}

#[derive(ApiResponse)]
pub enum UserResponse {
    /// The user.
    #[oai(status = 200)]
    Ok(Json<UserView>),
}

#[derive(ApiResponse)]
pub enum SessionsResponse {
    /// The caller's live sessions and API tokens, most recently used first.
    #[oai(status = 200)]
    Ok(Json<Vec<SessionView>>),
}

#[derive(ApiResponse)]
pub enum SecondFactorResponse {
    /// The caller's second factor.
    #[oai(status = 200)]
    Ok(Json<SecondFactorStatus>),
}

#[derive(ApiResponse)]
pub enum EnrolmentResponse {
    /// Add this key to an authenticator app, then confirm with a code.
    #[oai(status = 200)]
    Ok(Json<EnrolmentView>),
}

#[derive(ApiResponse)]
pub enum RecoveryCodesResponse {
    /// Keep these somewhere safe; each works once.
    #[oai(status = 200)]
    Ok(Json<RecoveryCodes>),
}

#[derive(ApiResponse)]
pub enum OrganizationResponse {
    /// The organization.
    #[oai(status = 200)]
    Ok(Json<OrganizationView>),
}
