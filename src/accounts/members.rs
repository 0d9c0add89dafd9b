//! An organization's people: its members, its owners (who may invite and remove), and
//! invitations by e-mail. Shared by the JSON API and the portal.

use chrono::{DateTime, TimeDelta, Utc};
use poem_openapi::Object;
use serde_json::json;

use super::{
    OrgRole, Password, Principal, auth,
    store::{self, InvitationRow, MemberRow, UserRow},
};
use crate::{
    error::{ApiError, ApiResult},
    notifications::{self, Message},
    state::AppState,
    values::{
        Lang,
        text::{Email, required_text},
    },
};

/// How long an invitation link works.
pub const INVITATION_TTL: TimeDelta = TimeDelta::days(7);

#[derive(Debug, Clone, Object)]
pub struct Member {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: OrgRole,
}

impl From<MemberRow> for Member {
    fn from(row: MemberRow) -> Self {
        Self { user_id: row.id, email: row.email, display_name: row.display_name, role: row.org_role }
    }
}

#[derive(Debug, Clone, Object)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<InvitationRow> for Invitation {
    fn from(row: InvitationRow) -> Self {
        Self { id: row.id, email: row.email, created_at: row.created_at, expires_at: row.expires_at }
    }
}

/// Members and staff see an organization's people; others are told it does not exist.
fn may_see(principal: &Principal, organization_id: i64) -> ApiResult<()> {
    if principal.is_staff() || principal.acts_for(organization_id) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("Organization {organization_id}")))
    }
}

/// Only the organization's owners invite and remove.
async fn require_owner(state: &AppState, principal: &Principal, organization_id: i64) -> ApiResult<()> {
    may_see(principal, organization_id)?;
    let me = store::find_user(&state.db, principal.user_id).await?;
    if principal.acts_for(organization_id) && me.is_some_and(|u| u.org_role == Some(OrgRole::Owner)) {
        Ok(())
    } else {
        Err(ApiError::forbidden(crate::error::Refusal::new("owners-only-members")))
    }
}

pub async fn members(
    state: &AppState,
    principal: &Principal,
    organization_id: i64,
) -> ApiResult<Vec<Member>> {
    may_see(principal, organization_id)?;
    Ok(store::members(&state.db, organization_id).await?.into_iter().map(Member::from).collect())
}

/// Whether the caller is an owner of the organization (for showing owner-only forms).
pub async fn is_owner(state: &AppState, principal: &Principal, organization_id: i64) -> ApiResult<bool> {
    Ok(require_owner(state, principal, organization_id).await.is_ok())
}

/// Removes a member (owners only). An owner cannot remove themselves, so an organization always
/// keeps an owner.
pub async fn remove(
    state: &AppState,
    principal: &Principal,
    organization_id: i64,
    user_id: i64,
) -> ApiResult<()> {
    require_owner(state, principal, organization_id).await?;
    if user_id == principal.user_id {
        return Err(ApiError::conflict(crate::error::Reason::new("remove-self")));
    }
    if !store::remove_member(&state.db, organization_id, user_id, state.now()).await? {
        return Err(ApiError::not_found(format!("Member {user_id}")));
    }
    Ok(())
}

pub async fn invitations(
    state: &AppState,
    principal: &Principal,
    organization_id: i64,
) -> ApiResult<Vec<Invitation>> {
    require_owner(state, principal, organization_id).await?;
    Ok(store::pending_invitations(&state.db, organization_id, state.now())
        .await?
        .into_iter()
        .map(Invitation::from)
        .collect())
}

/// Invites a colleague by e-mail (owners only): the link, valid for [`INVITATION_TTL`], goes to
/// that address alone and makes an account there that joins the organization.
pub async fn invite(
    state: &AppState,
    principal: &Principal,
    organization_id: i64,
    email: &str,
    client: Option<std::net::IpAddr>,
) -> ApiResult<Invitation> {
    require_owner(state, principal, organization_id).await?;
    let email = Email::parse(email).map_err(|m| ApiError::invalid("email", m))?;
    let kind = notifications::allowance::MailKind::Invitation;
    notifications::allowance::take(&state.db, kind, client, state.settings.mails_per_hour, state.now())
        .await?;
    if store::find_user_by_email(&state.db, email.as_str()).await?.is_some() {
        return Err(ApiError::Validation(vec![crate::error::FieldError::new(
            "email",
            "already has a Debut account; an account belongs to one organization",
        )]));
    }
    let inviter = store::find_user(&state.db, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Your user"))?;
    let organization = inviter.organization_name.clone().unwrap_or_default();
    let now = state.now();
    let token = auth::new_token();
    let link = format!("{}/invitations/{token}", state.settings.public_url);
    let message = Message::to_reader(
        format!("invitation:{}", &auth::token_hash(&token)[..16]),
        email.as_str().to_owned(),
        inviter.lang,
        "mail-invitation",
        &vec![
            ("inviter", inviter.display_name.clone().into()),
            ("organization", organization.into()),
            ("link", link.into()),
        ],
        json!({"kind": "invitation", "organization_id": organization_id}),
    );
    let mut tx = state.db.begin().await?;
    let id = store::insert_invitation(
        &mut tx,
        organization_id,
        email.as_str(),
        &auth::token_hash(&token),
        principal.user_id,
        now,
        now + INVITATION_TTL,
    )
    .await?;
    notifications::enqueue(&mut tx, &message, now, std::time::Duration::ZERO).await?;
    tx.commit().await?;
    Ok(Invitation { id, email: email.as_str().to_owned(), created_at: now, expires_at: now + INVITATION_TTL })
}

pub async fn revoke_invitation(
    state: &AppState,
    principal: &Principal,
    organization_id: i64,
    id: i64,
) -> ApiResult<()> {
    require_owner(state, principal, organization_id).await?;
    if store::revoke_invitation(&state.db, organization_id, id, state.now()).await? {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("Invitation {id}")))
    }
}

/// The invitation a link carries, if it is still live.
pub async fn live_invitation(state: &AppState, token: &str) -> ApiResult<InvitationRow> {
    store::invitation_by_token(&state.db, &auth::token_hash(token))
        .await?
        .filter(|i| i.is_live(state.now()))
        .ok_or_else(|| {
            ApiError::NotFound(
                "This invitation is unknown, used, withdrawn or expired; ask for a new one.".into(),
            )
        })
}

/// Accepts an invitation as `email`: it must be the address invited. Makes the account, which
/// joins the organization as a member.
pub async fn accept(
    state: &AppState,
    token: &str,
    email: &str,
    display_name: &str,
    password: &str,
    lang: Lang,
) -> ApiResult<UserRow> {
    let invitation = live_invitation(state, token).await?;
    let given = Email::parse(email).map_err(|m| ApiError::invalid("email", m))?;
    if given.as_str() != invitation.email {
        return Err(ApiError::forbidden(crate::error::Refusal::new("invitation-other-address")));
    }
    let mut v = crate::error::Violations::default();
    let display_name = v.check("display_name", required_text(display_name, 200));
    let password = v.check("password", Password::parse(password));
    let (Some(display_name), Some(password)) = (display_name, password) else { return Err(v.into_error()) };
    let hash = auth::hash_password(password.expose().to_owned()).await?;
    let user_id = store::accept_invitation(&state.db, &invitation, &hash, &display_name, lang, state.now())
        .await?
        .ok_or_else(|| ApiError::conflict(crate::error::Reason::new("invitation-answered")))?;
    store::find_user(&state.db, user_id).await?.ok_or_else(|| ApiError::not_found("The new user"))
}
