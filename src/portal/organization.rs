//! `/portal/organization`: the organization's name and logo, its members, and invitations.
//! Members rename it and change its logo; owners invite and remove members.

use crate::web::form::{Form, Upload};
use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;

use super::DoneQuery;
use crate::{
    accounts::{OrgRole, members, store as accounts},
    error::{ApiError, ApiResult},
    media::{self, ImageOwner},
    pages::{Img, img},
    state::AppState,
    values::text::required_text,
    web::{
        Csrf, CsrfForm, Errors, Shell, SignedIn, Words, language, page, see_other, store_image, words::words,
    },
};

pub struct MemberLine {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub me: bool,
}

pub struct InvitationLine {
    pub id: i64,
    pub email: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "portal/organization.html")]
struct OrganizationPage {
    shell: Shell,
    w: &'static Words,
    name: String,
    logo: Option<Img>,
    owner: bool,
    members: Vec<MemberLine>,
    invitations: Vec<InvitationLine>,
    invite_email: String,
}

fn organization_id(me: &SignedIn) -> ApiResult<i64> {
    me.principal.organization.map(|o| o.id).ok_or_else(|| ApiError::not_found("Your organization"))
}

async fn organization_page(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    errors: Errors,
    notice: Option<&str>,
    invite_email: String,
) -> ApiResult<(OrganizationPage, Csrf)> {
    let lang = language(req);
    let (w, csrf) = (words(lang), Csrf::of(req, state));
    let id = organization_id(me)?;
    let organization = accounts::find_organization(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("Your organization"))?;
    let owner = members::is_owner(state, &me.principal, id).await?;
    let logo = media::store::list(&state.db, ImageOwner::OrganizationLogo(id))
        .await?
        .first()
        .and_then(|image| img(&image.variants().ok()?, &image.alt, &state.settings.public_url));
    let members = members::members(state, &me.principal, id)
        .await?
        .into_iter()
        .map(|m| MemberLine {
            id: m.user_id,
            me: m.user_id == me.principal.user_id,
            name: m.display_name,
            email: m.email,
            role: if m.role == OrgRole::Owner { w.owner } else { w.member },
        })
        .collect();
    let invitations = if owner {
        members::invitations(state, &me.principal, id)
            .await?
            .into_iter()
            .map(|i| InvitationLine {
                id: i.id,
                email: i.email,
                expires: i
                    .expires_at
                    .with_timezone(&crate::values::Zone::default().tz())
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
            })
            .collect()
    } else {
        vec![]
    };
    let shell =
        Shell::new(req, lang, w.organization, &csrf, Some(me)).with_errors(errors).with_notice(notice);
    Ok((
        OrganizationPage {
            shell,
            w,
            name: organization.name,
            logo,
            owner,
            members,
            invitations,
            invite_email,
        },
        csrf,
    ))
}

fn notice(w: &Words, done: Option<&str>) -> Option<&'static str> {
    match done? {
        "saved" => Some(w.saved),
        "invited" => Some(w.invited),
        "removed" => Some(w.removed),
        _ => None,
    }
}

/// `GET /portal/organization`.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<DoneQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    let w = words(language(req));
    let (template, csrf) = organization_page(
        req,
        &state,
        &me,
        Errors::default(),
        notice(w, query.done.as_deref()),
        String::new(),
    )
    .await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

async fn problem(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    err: ApiError,
    invite_email: String,
) -> poem::Result<Response> {
    let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
    let (template, csrf) = organization_page(req, state, me, errors, None, invite_email).await?;
    Ok(page(status, &template, &csrf, vec![])?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RenameForm {
    csrf: String,
    name: String,
}

/// `POST /portal/organization`: rename (members).
#[handler]
pub async fn rename(
    req: &Request,
    state: Data<&AppState>,
    Form(form): Form<RenameForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let id = organization_id(&me)?;
    match required_text(&form.name, 200) {
        Ok(name) => {
            accounts::rename_organization(&state.db, id, &name).await?;
            Ok(see_other("/portal/organization?done=saved", vec![]))
        }
        Err(message) => problem(req, &state, &me, ApiError::invalid("name", message), String::new()).await,
    }
}

/// `POST /portal/organization/logo` (multipart: `file`, `alt`, `csrf`).
#[handler]
pub async fn upload_logo(
    req: &Request,
    state: Data<&AppState>,
    Upload(upload): Upload,
    me: SignedIn,
) -> poem::Result<Response> {
    // The new logo replaces the old one in the same transaction, so a refused file keeps it.
    match store_image(&state, &me, ImageOwner::OrganizationLogo(organization_id(&me)?), upload).await? {
        Ok(()) => Ok(see_other("/portal/organization?done=saved", vec![])),
        Err(err) => problem(req, &state, &me, err, String::new()).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    csrf: String,
    email: String,
}

/// `POST /portal/organization/invitations` (owners).
#[handler]
pub async fn invite(
    req: &Request,
    state: Data<&AppState>,
    Form(form): Form<InviteForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let client = req.remote_addr().as_socket_addr().map(|a| a.ip());
    match members::invite(&state, &me.principal, organization_id(&me)?, &form.email, client).await {
        Ok(_) => Ok(see_other("/portal/organization?done=invited", vec![])),
        Err(ApiError::TooManyRequests { retry_after, .. }) => {
            Ok(crate::web::form::too_many(req, retry_after))
        }
        Err(err) => problem(req, &state, &me, err, form.email).await,
    }
}

/// `POST /portal/organization/invitations/{id}/revoke` (owners).
#[handler]
pub async fn revoke_invitation(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    _: Form<CsrfForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    match members::revoke_invitation(&state, &me.principal, organization_id(&me)?, id).await {
        Ok(()) => Ok(see_other("/portal/organization?done=removed", vec![])),
        Err(err) => problem(req, &state, &me, err, String::new()).await,
    }
}

/// `POST /portal/organization/members/{user_id}/remove` (owners).
#[handler]
pub async fn remove_member(
    req: &Request,
    state: Data<&AppState>,
    Path(user_id): Path<i64>,
    _: Form<CsrfForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    match members::remove(&state, &me.principal, organization_id(&me)?, user_id).await {
        Ok(()) => Ok(see_other("/portal/organization?done=removed", vec![])),
        Err(err) => problem(req, &state, &me, err, String::new()).await,
    }
}
