//! HTTP operations for accounts: register, login, logout, me, organizations.

use poem::{Request, web::Data};
use poem_openapi::{OpenApi, param::Path, payload::Json};

use super::{
    auth::{self, BearerAuth},
    members, service, store,
    throttle::LoginThrottle,
    two_factor,
};
use crate::{
    error::{ApiError, ApiResult},
    http::{ApiTags, JsonBody},
    state::AppState,
    values::{Lang, text::required_text},
};

mod types;

pub use self::types::{
    AcceptInvitation, CodeRequest, EnrolmentResponse, EnrolmentView, InvitationCreated, InvitationRequest,
    InvitationsResponse, LoginRequest, LoginResponse, LoginResult, LogoutResponse, MembersResponse,
    OrganizationResponse, OrganizationUpdate, ReauthenticateRequest, RecoveryCodes, RecoveryCodesResponse,
    RegisterRequest, RegisterResponse, Removed, SecondFactorPolicy, SecondFactorResponse, SecondFactorStatus,
    SessionView, SessionsResponse, UserResponse,
};

pub struct AccountsApi;

#[OpenApi(prefix_path = "/", tag = "ApiTags::Accounts")]
impl AccountsApi {
    /// Register an organization with its first user
    ///
    /// Creates a brand, organizer or vendor organization and its first member. Staff accounts
    /// are made with `debut admin create-staff`, never here.
    #[oai(path = "/auth/register", method = "post")]
    async fn register(
        &self,
        state: Data<&AppState>,
        body: JsonBody<RegisterRequest>,
    ) -> ApiResult<RegisterResponse> {
        let input = body.0;
        let registration = service::Registration {
            organization_name: input.organization_name,
            organization_kind: input.organization_kind,
            email: input.email,
            password: input.password,
            display_name: input.display_name,
            lang: input.lang.map_or(Lang::Zh, |l| Lang::parse(Some(&l))),
        };
        let user = service::register(&state, registration).await?;
        Ok(RegisterResponse::Created(Json(user.view())))
    }

    /// Log in
    ///
    /// Returns an opaque bearer token. Repeated failures for one account or one address are
    /// throttled with 429 and `Retry-After`.
    #[oai(path = "/auth/login", method = "post")]
    async fn login(
        &self,
        state: Data<&AppState>,
        throttle: Data<&std::sync::Arc<LoginThrottle>>,
        req: &Request,
        body: JsonBody<LoginRequest>,
    ) -> ApiResult<LoginResult> {
        let address = req.remote_addr().as_socket_addr().map(|a| a.ip());
        let body = body.0;
        let outcome = service::login(
            &state,
            &throttle,
            &body.email,
            &body.password,
            body.code.as_deref(),
            &auth::client_of(req),
            address,
        )
        .await?;
        match outcome {
            service::LoginOutcome::SignedIn(service::Session { token, expires_at, user }) => {
                Ok(LoginResult::Ok(Json(LoginResponse { token, expires_at, user: user.view() })))
            }
            service::LoginOutcome::NeedsCode { .. } => Err(ApiError::SecondFactorRequired(
                "This account signs in with a second factor: send the same request again with `code`, the \
                 6-digit code of your authenticator app (or an unused recovery code)."
                    .to_owned(),
            )),
            service::LoginOutcome::NeedsEnrolment { .. } => {
                Err(ApiError::forbidden(crate::error::Refusal::new("enrol-second-factor")))
            }
        }
    }

    /// Confirm your password again
    ///
    /// Sensitive actions (the password, the second factor, creating staff, confirming a
    /// four-eyes award) answer 403 `/problems/reauthentication-required` once the sign-in is 15
    /// minutes old; this renews it for the session this request uses. Give `password`, or
    /// `code` for an account with a second factor. Throttled like logins.
    #[oai(path = "/auth/reauthenticate", method = "post")]
    async fn reauthenticate(
        &self,
        state: Data<&AppState>,
        throttle: Data<&std::sync::Arc<LoginThrottle>>,
        auth: BearerAuth,
        req: &Request,
        body: JsonBody<ReauthenticateRequest>,
    ) -> ApiResult<LogoutResponse> {
        let address = req.remote_addr().as_socket_addr().map(|a| a.ip());
        service::reauthenticate(
            &state,
            &throttle,
            &auth.0,
            body.0.password.as_deref(),
            body.0.code.as_deref(),
            address,
        )
        .await?;
        Ok(LogoutResponse::Done)
    }

    /// Your sessions and tokens
    ///
    /// Every live sign-in (web sessions and API tokens alike): when it was opened and last
    /// used, from which address and client.
    #[oai(path = "/auth/sessions", method = "get")]
    async fn sessions(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<SessionsResponse> {
        let current = auth.0.session.map(|s| s.id);
        let sessions = store::live_sessions(&state.db, auth.0.user_id, state.now())
            .await?
            .into_iter()
            .map(|s| SessionView {
                current: Some(s.id) == current,
                id: s.id,
                created_at: s.created_at,
                last_used_at: s.last_used_at,
                expires_at: s.expires_at,
                address: s.address,
                client: s.client,
            })
            .collect();
        Ok(SessionsResponse::Ok(Json(sessions)))
    }

    /// End all your other sessions
    ///
    /// Every session and token but the one this request uses.
    #[oai(path = "/auth/sessions", method = "delete")]
    async fn end_other_sessions(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<LogoutResponse> {
        service::end_other_sessions(&state, &auth.0).await?;
        Ok(LogoutResponse::Done)
    }

    /// End one of your sessions
    ///
    /// Not the one this request uses (409): log out for that.
    #[oai(path = "/auth/sessions/:id", method = "delete")]
    async fn end_session(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<LogoutResponse> {
        service::end_session(&state, &auth.0, id.0).await?;
        Ok(LogoutResponse::Done)
    }

    /// Your second factor
    #[oai(path = "/auth/two-factor", method = "get")]
    async fn second_factor(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<SecondFactorResponse> {
        let user = store::find_user(&state.db, auth.0.user_id)
            .await?
            .ok_or_else(|| ApiError::not_found("Your user"))?;
        let status = two_factor::status(&state, &user).await?;
        Ok(SecondFactorResponse::Ok(Json(SecondFactorStatus {
            enabled: status.enabled_at.is_some(),
            enabled_at: status.enabled_at,
            required: status.required,
            recovery_codes_left: status.recovery_codes_left,
        })))
    }

    /// Start setting up a second factor
    ///
    /// Returns a TOTP key (RFC 6238: SHA-1, 30 seconds, 6 digits) with its `otpauth://` URI and
    /// QR code; it takes effect once `POST /auth/two-factor/confirm` gets a code from it. Asking
    /// again before confirming shows the same key. A sensitive action.
    #[oai(path = "/auth/two-factor", method = "post")]
    async fn begin_two_factor(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<EnrolmentResponse> {
        auth.0.require_recent_sign_in(state.now())?;
        let user = store::find_user(&state.db, auth.0.user_id)
            .await?
            .ok_or_else(|| ApiError::not_found("Your user"))?;
        let enrolment = two_factor::begin_enrolment(&state, &user).await?;
        Ok(EnrolmentResponse::Ok(Json(EnrolmentView {
            secret: enrolment.secret,
            otpauth_uri: enrolment.uri,
            qr_svg: enrolment.qr_svg,
        })))
    }

    /// Confirm the second factor
    ///
    /// With the code the app shows now; returns ten single-use recovery codes, shown once.
    #[oai(path = "/auth/two-factor/confirm", method = "post")]
    async fn confirm_two_factor(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<CodeRequest>,
    ) -> ApiResult<RecoveryCodesResponse> {
        auth.0.require_recent_sign_in(state.now())?;
        let recovery_codes = two_factor::confirm_enrolment(&state, auth.0.user_id, &body.0.code).await?;
        Ok(RecoveryCodesResponse::Ok(Json(RecoveryCodes { recovery_codes })))
    }

    /// New recovery codes
    ///
    /// Ten new codes replace the old ones. A sensitive action.
    #[oai(path = "/auth/two-factor/recovery-codes", method = "post")]
    async fn new_recovery_codes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<RecoveryCodesResponse> {
        let recovery_codes = two_factor::new_recovery_codes(&state, &auth.0).await?;
        Ok(RecoveryCodesResponse::Ok(Json(RecoveryCodes { recovery_codes })))
    }

    /// Turn the second factor off
    ///
    /// Not while your role requires one (409). Your other sessions end. A sensitive action.
    #[oai(path = "/auth/two-factor", method = "delete")]
    async fn turn_off_two_factor(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<LogoutResponse> {
        two_factor::turn_off(&state, &auth.0).await?;
        Ok(LogoutResponse::Done)
    }

    /// Who must use a second factor (admins)
    ///
    /// `admins` (the default) or `staff`. Those without one set it up at their next sign-in. A
    /// sensitive action.
    #[oai(path = "/settings/second-factor", method = "put")]
    async fn set_second_factor_policy(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<SecondFactorPolicy>,
    ) -> ApiResult<LogoutResponse> {
        auth.0.require_admin()?;
        let to = two_factor::Requirement::parse(&body.0.required_for)
            .map_err(|m| ApiError::invalid("required_for", m))?;
        two_factor::set_requirement(&state, &auth.0, to).await?;
        Ok(LogoutResponse::Done)
    }

    /// Reset a staff member's second factor (admins)
    ///
    /// For a lost phone: they set it up anew at their next sign-in; their sessions end. A
    /// sensitive action.
    #[oai(path = "/staff/:id/two-factor", method = "delete")]
    async fn reset_two_factor(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<LogoutResponse> {
        two_factor::reset(&state, &auth.0, id.0).await?;
        Ok(LogoutResponse::Done)
    }

    /// End a staff member's sessions (admins)
    #[oai(path = "/staff/:id/sessions", method = "delete")]
    async fn end_staff_sessions(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<LogoutResponse> {
        service::end_staff_sessions(&state, &auth.0, id.0).await?;
        Ok(LogoutResponse::Done)
    }

    /// Log out
    ///
    /// Revokes the bearer token this request carries.
    #[oai(path = "/auth/logout", method = "post")]
    async fn logout(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        req: &Request,
    ) -> ApiResult<LogoutResponse> {
        // The extractor has checked the token; this reads it again to revoke it.
        let _checked = auth.0;
        let token = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' ').map(|(_, t)| t.trim().to_owned()))
            .unwrap_or_default();
        service::logout(&state, &token).await?;
        Ok(LogoutResponse::Done)
    }

    /// The current user
    #[oai(path = "/me", method = "get")]
    async fn me(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<UserResponse> {
        let user = store::find_user(&state.db, auth.0.user_id)
            .await?
            .ok_or_else(|| ApiError::not_found("Your user"))?;
        Ok(UserResponse::Ok(Json(user.view())))
    }

    /// An organization
    ///
    /// Visible to its members and to staff.
    #[oai(path = "/organizations/:id", method = "get")]
    async fn organization(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<OrganizationResponse> {
        if !(auth.0.is_staff() || auth.0.acts_for(id.0)) {
            return Err(ApiError::not_found(format!("Organization {}", id.0)));
        }
        let org = store::find_organization(&state.db, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Organization {}", id.0)))?;
        Ok(OrganizationResponse::Ok(Json(org)))
    }

    /// Rename an organization
    ///
    /// Only its members may.
    #[oai(path = "/organizations/:id", method = "patch")]
    async fn update_organization(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        body: JsonBody<OrganizationUpdate>,
    ) -> ApiResult<OrganizationResponse> {
        if !auth.0.acts_for(id.0) {
            return Err(if auth.0.is_staff() {
                ApiError::forbidden(crate::error::Refusal::new("members-only-rename"))
            } else {
                ApiError::not_found(format!("Organization {}", id.0))
            });
        }
        let name = required_text(&body.0.name, 200).map_err(|m| ApiError::invalid("name", m))?;
        store::rename_organization(&state.db, id.0, &name).await?;
        let org = store::find_organization(&state.db, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Organization {}", id.0)))?;
        Ok(OrganizationResponse::Ok(Json(org)))
    }

    /// The organization's members
    ///
    /// Visible to its members and to staff.
    #[oai(path = "/organizations/:id/members", method = "get")]
    async fn members(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<MembersResponse> {
        Ok(MembersResponse::Ok(Json(members::members(&state, &auth.0, id.0).await?)))
    }

    /// Remove a member (owners)
    ///
    /// The member can no longer sign in; their sessions and feed links end.
    #[oai(path = "/organizations/:id/members/:user_id", method = "delete")]
    async fn remove_member(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        user_id: Path<i64>,
    ) -> ApiResult<Removed> {
        members::remove(&state, &auth.0, id.0, user_id.0).await?;
        Ok(Removed::Removed)
    }

    /// Pending invitations (owners)
    #[oai(path = "/organizations/:id/invitations", method = "get")]
    async fn invitations(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<InvitationsResponse> {
        Ok(InvitationsResponse::Ok(Json(members::invitations(&state, &auth.0, id.0).await?)))
    }

    /// Invite a colleague by e-mail (owners)
    ///
    /// The link goes to that address alone and works for seven days; it makes an account there
    /// that joins the organization.
    #[oai(path = "/organizations/:id/invitations", method = "post")]
    async fn invite(
        &self,
        req: &poem::Request,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        body: JsonBody<InvitationRequest>,
    ) -> ApiResult<InvitationCreated> {
        let client = req.remote_addr().as_socket_addr().map(|a| a.ip());
        Ok(InvitationCreated::Created(Json(
            members::invite(&state, &auth.0, id.0, &body.0.email, client).await?,
        )))
    }

    /// Withdraw an invitation (owners)
    #[oai(path = "/organizations/:id/invitations/:invitation_id", method = "delete")]
    async fn revoke_invitation(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        invitation_id: Path<i64>,
    ) -> ApiResult<Removed> {
        members::revoke_invitation(&state, &auth.0, id.0, invitation_id.0).await?;
        Ok(Removed::Removed)
    }

    /// Accept an invitation
    ///
    /// With the token from the invitation link; `email` must be the address invited. Makes the
    /// account, which joins the organization as a member; log in next.
    #[oai(path = "/invitations/:token/accept", method = "post")]
    async fn accept_invitation(
        &self,
        state: Data<&AppState>,
        token: Path<String>,
        body: JsonBody<AcceptInvitation>,
    ) -> ApiResult<RegisterResponse> {
        let input = body.0;
        let lang = input.lang.map_or(Lang::Zh, |l| Lang::parse(Some(&l)));
        let user =
            members::accept(&state, &token.0, &input.email, &input.display_name, &input.password, lang)
                .await?;
        Ok(RegisterResponse::Created(Json(user.view())))
    }
}
