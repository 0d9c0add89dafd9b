//! HTTP operations for accounts: register, login, logout, me, organizations.

use chrono::{DateTime, Utc};
use poem::{Request, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use serde::Deserialize;

use super::{
    OrgKind, OrganizationView, UserView,
    auth::BearerAuth,
    members::{self, Invitation, Member},
    service, store,
    throttle::LoginThrottle,
};
use crate::{
    error::{ApiError, ApiResult},
    http::{ApiTags, JsonBody},
    state::AppState,
    values::{Lang, text::required_text},
};

pub struct AccountsApi;

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
pub struct LoginRequest {
    pub email: String,
    pub password: String,
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
    /// The token is revoked.
    #[oai(status = 204)]
    Revoked,
}

#[derive(ApiResponse)]
pub enum UserResponse {
    /// The user.
    #[oai(status = 200)]
    Ok(Json<UserView>),
}

#[derive(ApiResponse)]
pub enum OrganizationResponse {
    /// The organization.
    #[oai(status = 200)]
    Ok(Json<OrganizationView>),
}

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
        let service::Session { token, expires_at, user } =
            service::login(&state, &throttle, &body.0.email, &body.0.password, address).await?;
        Ok(LoginResult::Ok(Json(LoginResponse { token, expires_at, user: user.view() })))
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
        Ok(LogoutResponse::Revoked)
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
                ApiError::forbidden("Only the organization's members may rename it.")
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
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        body: JsonBody<InvitationRequest>,
    ) -> ApiResult<InvitationCreated> {
        Ok(InvitationCreated::Created(Json(members::invite(&state, &auth.0, id.0, &body.0.email).await?)))
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
