//! Staff accounts (`/staff/accounts`), for admins only (other staff get 404): invite staff,
//! disable and re-enable accounts, send a password reset.

use crate::console::Staff;
use crate::web::form::Form;
use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path},
};
use serde::Deserialize;

use super::words::{ConsoleWords, console_words};
use crate::{
    accounts::{Role, service, staff, store as accounts, two_factor},
    error::{ApiError, ApiResult},
    staff_or_return,
    state::AppState,
    web::{
        Csrf, CsrfForm, Errors, Input, Shell, SignedIn, Words, language, page, security::confirm_first,
        see_other, words::words,
    },
};

pub struct StaffLine {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub disabled: bool,
    pub me: bool,
    pub second_factor: bool,
}

#[derive(Template)]
#[template(path = "console/accounts.html")]
struct AccountsPage {
    shell: Shell,
    w: &'static Words,
    c: &'static ConsoleWords,
    staff: Vec<StaffLine>,
    inputs: Vec<Input>,
    /// Every staff member must use a second factor (else admins only).
    all_staff_need_second_factor: bool,
}

fn require_admin(me: &SignedIn) -> ApiResult<()> {
    if me.principal.role == Role::Admin { Ok(()) } else { Err(ApiError::NotFound("No such page.".into())) }
}

async fn accounts_page(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    form: &InviteForm,
    errors: Errors,
    notice: Option<&str>,
) -> ApiResult<(AccountsPage, Csrf)> {
    let lang = language(req);
    let (w, c, csrf) = (words(lang), console_words(lang), Csrf::of(req, state));
    let staff = accounts::staff(&state.db)
        .await?
        .into_iter()
        .map(|s| StaffLine {
            me: s.id == me.principal.user_id,
            id: s.id,
            name: s.display_name,
            email: s.email,
            role: if s.role == Role::Admin { c.admin } else { c.staff_role },
            disabled: s.removed_at.is_some(),
            second_factor: s.totp_enabled_at.is_some(),
        })
        .collect();
    let inputs = vec![
        Input::new("email", w.email, "email", &form.email, "off"),
        Input::new("display_name", w.display_name, "text", &form.display_name, "off"),
    ];
    let shell =
        Shell::new(req, lang, c.staff_accounts, &csrf, Some(me)).with_errors(errors).with_notice(notice);
    let all_staff_need_second_factor =
        two_factor::requirement(&state.db).await? == two_factor::Requirement::Staff;
    Ok((AccountsPage { shell, w, c, staff, inputs, all_staff_need_second_factor }, csrf))
}

/// `GET /staff/accounts`.
#[handler]
pub async fn list(req: &Request, state: Data<&AppState>, Staff(me): Staff) -> poem::Result<Response> {
    require_admin(&me)?;
    let (template, csrf) =
        accounts_page(req, &state, &me, &InviteForm::default(), Errors::default(), None).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    csrf: String,
    email: String,
    display_name: String,
    admin: Option<String>,
}

/// `POST /staff/accounts`: a new staff account; its owner sets a password through the e-mailed
/// link.
#[handler]
pub async fn invite(
    req: &Request,
    state: Data<&AppState>,
    Form(form): Form<InviteForm>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    require_admin(&me)?;
    let role = if form.admin.is_some() { Role::Admin } else { Role::Staff };
    match staff::invite(&state, &me.principal, &form.email, &form.display_name, role).await {
        Ok(_) => Ok(see_other("/staff/accounts", vec![])),
        Err(ApiError::ReauthenticationRequired(_)) => Ok(confirm_first("/staff/accounts")),
        Err(ApiError::Validation(fields)) => {
            let (template, csrf) = accounts_page(
                req,
                &state,
                &me,
                &form,
                Errors::from_fields(fields, crate::web::language(req)),
                None,
            )
            .await?;
            Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &template, &csrf, vec![])?)
        }
        Err(other) => Err(other.into()),
    }
}

async fn act(req: &Request, state: &AppState, id: i64, what: &str) -> poem::Result<Response> {
    let me = staff_or_return!(req, state);
    require_admin(&me)?;
    let result = match what {
        "disable" => staff::set_disabled(state, &me.principal, id, true).await,
        "enable" => staff::set_disabled(state, &me.principal, id, false).await,
        "two-factor" => two_factor::reset(state, &me.principal, id).await,
        "sessions" => service::end_staff_sessions(state, &me.principal, id).await.map(|_| ()),
        _ => staff::reset_password(state, &me.principal, id).await,
    };
    match result {
        Ok(()) => Ok(see_other("/staff/accounts", vec![])),
        Err(ApiError::ReauthenticationRequired(_)) => Ok(confirm_first("/staff/accounts")),
        Err(ApiError::Conflict { detail, .. }) => {
            let (template, csrf) =
                accounts_page(req, state, &me, &InviteForm::default(), Errors::general(detail), None).await?;
            Ok(page(StatusCode::CONFLICT, &template, &csrf, vec![])?)
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /staff/accounts/{id}/disable`.
#[handler]
pub async fn disable(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    _: Form<CsrfForm>,
) -> poem::Result<Response> {
    act(req, &state, id, "disable").await
}

/// `POST /staff/accounts/{id}/enable`.
#[handler]
pub async fn enable(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    _: Form<CsrfForm>,
) -> poem::Result<Response> {
    act(req, &state, id, "enable").await
}

/// `POST /staff/accounts/{id}/reset`.
#[handler]
pub async fn reset(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    _: Form<CsrfForm>,
) -> poem::Result<Response> {
    act(req, &state, id, "reset").await
}

/// `POST /staff/accounts/{id}/two-factor/reset`: for a lost phone; set up anew at the next
/// sign-in, and the colleague's sessions end.
#[handler]
pub async fn reset_two_factor(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    _: Form<CsrfForm>,
) -> poem::Result<Response> {
    act(req, &state, id, "two-factor").await
}

/// `POST /staff/accounts/{id}/sessions/end`.
#[handler]
pub async fn end_sessions(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    _: Form<CsrfForm>,
) -> poem::Result<Response> {
    act(req, &state, id, "sessions").await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PolicyForm {
    csrf: String,
    required_for: String,
}

/// `POST /staff/accounts/second-factor`: admins only, or every staff member.
#[handler]
pub async fn second_factor_policy(
    state: Data<&AppState>,
    Form(form): Form<PolicyForm>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    require_admin(&me)?;
    let to = two_factor::Requirement::parse(&form.required_for)
        .map_err(|m| ApiError::invalid("required_for", m))?;
    match two_factor::set_requirement(&state, &me.principal, to).await {
        Ok(()) => Ok(see_other("/staff/accounts", vec![])),
        Err(ApiError::ReauthenticationRequired(_)) => Ok(confirm_first("/staff/accounts")),
        Err(other) => Err(other.into()),
    }
}
