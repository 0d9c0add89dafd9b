//! HTTP operations for accounts: register, login, logout, me, organizations.

use chrono::{DateTime, TimeDelta, Utc};
use poem::{Request, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use serde::Deserialize;

use super::{
    OrgKind, OrganizationView, Password, UserView,
    auth::{self, BearerAuth},
    store,
    throttle::LoginThrottle,
};
use crate::{
    error::{ApiError, ApiResult, Violations},
    http::{ApiTags, JsonBody},
    state::AppState,
    values::text::{Email, required_text},
};

pub struct AccountsApi;

#[derive(Debug, Object, Deserialize)]
pub struct RegisterRequest {
    /// The brand's, organizer's or vendor's name.
    pub organization_name: String,
    pub organization_kind: OrgKind,
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    pub display_name: String,
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

/// A deliberately slow answer to "who is this?" for unknown e-mails, so response time does not
/// reveal which accounts exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Hq8OAkMF0tCVcfbx4vLVkXXQ2JYrFuzzJAdEu7IcS4Y";

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
        let mut v = Violations::default();
        let org_name = v.check("organization_name", required_text(&input.organization_name, 200));
        let email = v.check("email", Email::parse(&input.email));
        let password = v.check("password", Password::parse(&input.password));
        let display_name = v.check("display_name", required_text(&input.display_name, 200));
        let (Some(org_name), Some(email), Some(password), Some(display_name)) =
            (org_name, email, password, display_name)
        else {
            return Err(v.into_error());
        };
        let hash = auth::hash_password(password.expose().to_owned()).await?;
        let now = state.clock.now();
        let user_id = store::register(
            &state.db,
            input.organization_kind,
            &org_name,
            email.as_str(),
            &hash,
            &display_name,
            now,
        )
        .await?;
        let user =
            store::find_user(&state.db, user_id).await?.ok_or_else(|| ApiError::not_found("The new user"))?;
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
        let input = body.0;
        let address = req.remote_addr().as_socket_addr().map(|a| a.ip());
        let now = state.clock.now();
        // Malformed addresses share one throttle key, so junk cannot grow the throttle's memory.
        let email = Email::parse(&input.email).map(|e| e.as_str().to_owned()).unwrap_or_default();
        if let Err(wait) = throttle.attempt(&email, address, now) {
            return Err(ApiError::TooManyRequests {
                detail: format!("Too many failed logins; try again in {} seconds.", wait.as_secs().max(1)),
                retry_after: wait,
            });
        }
        let user = if email.is_empty() { None } else { store::find_user_by_email(&state.db, &email).await? };
        let stored_hash = user.as_ref().map_or(DUMMY_HASH, |u| u.password_hash.as_str()).to_owned();
        let matches = auth::verify_password(input.password, stored_hash).await?;
        let Some(user) = user.filter(|_| matches) else {
            return Err(ApiError::Unauthorized("The e-mail or password is wrong.".to_owned()));
        };
        throttle.succeeded(&email, address);
        let token = auth::new_token();
        let ttl = TimeDelta::from_std(state.settings.session_ttl).unwrap_or(TimeDelta::days(30));
        let expires_at = now + ttl;
        store::insert_session(&state.db, user.id, &auth::token_hash(&token), now, expires_at).await?;
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
        let _ = auth.0;
        let token = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' ').map(|(_, t)| t.trim().to_owned()))
            .unwrap_or_default();
        store::revoke_session(&state.db, &auth::token_hash(&token), state.clock.now()).await?;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_real_argon2_hash_so_unknown_emails_cost_as_much_as_known_ones() {
        assert!(argon2::PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
