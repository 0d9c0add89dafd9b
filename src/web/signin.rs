//! Signing in and out, registering, and passwords, for every HTML area:
//! `GET/POST /login`, `GET/POST /register`, `POST /logout`, `GET/POST /password/forgot`,
//! `GET/POST /password/reset/{token}`, and `GET /account` with its password and language forms.

use crate::web::form::Form;
use std::sync::Arc;

use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;

use super::{
    Csrf, CsrfForm, Errors, Input, LoginPage, Shell, SignedIn, Words, clear_session_cookie, language, page,
    security::{SecurityWords, security_words},
    see_other, session_cookie, signed_in,
    words::words,
};
use crate::{
    accounts::{OrgKind, auth, service, store as accounts, throttle::LoginThrottle, two_factor},
    error::{ApiError, ApiResult},
    pages::is_local_path,
    state::AppState,
    values::Lang,
};

/// Where to go after signing in: a local path the sign-in page was sent from, else the portal.
fn next_or_portal(next: Option<&str>) -> String {
    next.filter(|n| is_local_path(n) && !n.starts_with("/login")).unwrap_or("/portal").to_owned()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    csrf: String,
    email: String,
    password: String,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
    done: Option<String>,
}

fn notice(w: &Words, done: Option<&str>) -> Option<&'static str> {
    match done? {
        "password-set" => Some(w.password_set),
        "reset-sent" => Some(w.reset_sent),
        "password-changed" => Some(w.password_changed),
        "saved" => Some(w.saved),
        _ => None,
    }
}

/// `GET /login`.
#[handler]
pub async fn login_page(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<NextQuery>,
) -> poem::Result<Response> {
    let next = next_or_portal(query.next.as_deref());
    if signed_in(req, &state).await?.is_some() {
        return Ok(see_other(&next, vec![]));
    }
    let lang = language(req);
    let (w, csrf) = (words(lang), Csrf::of(req, &state));
    let shell = Shell::new(req, lang, w.sign_in, &csrf, None).with_notice(notice(w, query.done.as_deref()));
    Ok(page(StatusCode::OK, &LoginPage { shell, w, email: String::new(), next }, &csrf, vec![])?)
}

/// `POST /login`.
#[handler]
pub async fn login(
    req: &Request,
    state: Data<&AppState>,
    throttle: Data<&Arc<LoginThrottle>>,
    Form(form): Form<LoginForm>,
) -> poem::Result<Response> {
    let address = req.remote_addr().as_socket_addr().map(|a| a.ip());
    let next = next_or_portal(Some(&form.next));
    let lang = language(req);
    let (w, csrf) = (words(lang), Csrf::of(req, &state));
    let client = auth::client_of(req);
    let (status, message, wait) =
        match service::login(&state, &throttle, &form.email, &form.password, None, &client, address).await {
            // Staff work in the console unless they were on their way somewhere.
            Ok(outcome) => {
                let next = if next == "/portal" { "" } else { next.as_str() };
                return super::security::second_step(req, &state, outcome, next).await;
            }
            Err(ApiError::Unauthorized(_)) => (StatusCode::UNAUTHORIZED, w.wrong_login, None),
            Err(ApiError::TooManyRequests { retry_after, .. }) => {
                (StatusCode::TOO_MANY_REQUESTS, w.too_many_logins, Some(retry_after))
            }
            Err(other) => return Err(other.into()),
        };
    let shell = Shell::new(req, lang, w.sign_in, &csrf, None).with_errors(Errors::general(message));
    let page = page(status, &LoginPage { shell, w, email: form.email, next }, &csrf, vec![])?;
    Ok(super::with_retry_after(page, wait))
}

/// `POST /logout`: ends the session on the server and forgets the cookie.
#[handler]
pub async fn logout(req: &Request, state: Data<&AppState>, _: Form<CsrfForm>) -> poem::Result<Response> {
    if let Some(session) = signed_in(req, &state).await? {
        service::logout(&state, &session.token).await?;
    }
    Ok(see_other("/login", vec![clear_session_cookie(&state)]))
}

#[derive(Template)]
#[template(path = "web/register.html")]
struct RegisterPage {
    shell: Shell,
    w: &'static Words,
    kind: String,
    kinds: [(&'static str, &'static str, &'static str); 3],
    inputs: Vec<Input>,
}

impl RegisterPage {
    fn new(shell: Shell, w: &'static Words, form: &RegisterForm) -> Self {
        Self {
            shell,
            w,
            kind: form.organization_kind.clone(),
            kinds: [
                ("brand", w.kind_brand, w.kind_brand_hint),
                ("organizer", w.kind_organizer, w.kind_organizer_hint),
                ("vendor", w.kind_vendor, w.kind_vendor_hint),
            ],
            inputs: vec![
                Input::new(
                    "organization_name",
                    w.organization_name,
                    "text",
                    &form.organization_name,
                    "organization",
                ),
                Input::new("display_name", w.display_name, "text", &form.display_name, "name"),
                Input::new("email", w.email, "email", &form.email, "email"),
                Input::new("password", w.password, "password", "", "new-password").hint(w.password_hint),
            ],
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegisterForm {
    csrf: String,
    organization_kind: String,
    organization_name: String,
    display_name: String,
    email: String,
    password: String,
}

/// `GET /register`.
#[handler]
pub async fn register_page(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let lang = language(req);
    let (w, csrf) = (words(lang), Csrf::of(req, &state));
    let form = RegisterForm { organization_kind: "brand".into(), ..Default::default() };
    let shell = Shell::new(req, lang, w.register, &csrf, None);
    Ok(page(StatusCode::OK, &RegisterPage::new(shell, w, &form), &csrf, vec![])?)
}

/// `POST /register`: creates the organization and its owner, and signs them in.
#[handler]
pub async fn register(
    req: &Request,
    state: Data<&AppState>,
    Form(form): Form<RegisterForm>,
) -> poem::Result<Response> {
    let lang = language(req);
    let (w, csrf) = (words(lang), Csrf::of(req, &state));
    let kind = OrgKind::parse(&form.organization_kind);
    let result = match kind {
        Ok(kind) => {
            let registration = service::Registration {
                organization_name: form.organization_name.clone(),
                organization_kind: kind,
                email: form.email.clone(),
                password: form.password.clone(),
                display_name: form.display_name.clone(),
                lang,
            };
            service::register(&state, registration).await
        }
        Err(message) => Err(ApiError::invalid("organization_kind", message)),
    };
    let errors = match result {
        Ok(user) => {
            let session = service::open_session(&state, user, &auth::client_of(req)).await?;
            return Ok(see_other("/portal", vec![session_cookie(&state, &session.token)]));
        }
        Err(ApiError::Validation(fields)) => Errors::from_fields(fields, lang),
        Err(ApiError::Conflict { .. }) => {
            Errors::from_fields(vec![crate::error::FieldError::new("email", w.email_taken)], lang)
        }
        Err(other) => return Err(other.into()),
    };
    let shell = Shell::new(req, lang, w.register, &csrf, None).with_errors(errors);
    Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &RegisterPage::new(shell, w, &form), &csrf, vec![])?)
}

#[derive(Template)]
#[template(path = "web/forgot.html")]
struct ForgotPage {
    shell: Shell,
    w: &'static Words,
    email: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmailForm {
    csrf: String,
    email: String,
}

/// `GET /password/forgot`.
#[handler]
pub async fn forgot_page(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let lang = language(req);
    let (w, csrf) = (words(lang), Csrf::of(req, &state));
    let shell = Shell::new(req, lang, w.forgot_title, &csrf, None);
    Ok(page(StatusCode::OK, &ForgotPage { shell, w, email: String::new() }, &csrf, vec![])?)
}

/// `POST /password/forgot`: the same answer whether or not the address has an account.
#[handler]
pub async fn forgot(
    req: &Request,
    state: Data<&AppState>,
    Form(form): Form<EmailForm>,
) -> poem::Result<Response> {
    let client = req.remote_addr().as_socket_addr().map(|a| a.ip());
    match service::request_password_reset(&state, &form.email, client).await {
        Ok(()) => Ok(see_other("/login?done=reset-sent", vec![])),
        Err(ApiError::Validation(fields)) => {
            let lang = language(req);
            let (w, csrf) = (words(lang), Csrf::of(req, &state));
            let shell = Shell::new(req, lang, w.forgot_title, &csrf, None)
                .with_errors(Errors::from_fields(fields, lang));
            Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ForgotPage { shell, w, email: form.email },
                &csrf,
                vec![],
            )?)
        }
        Err(ApiError::TooManyRequests { retry_after, .. }) => Ok(super::form::too_many(req, retry_after)),
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "web/reset.html")]
struct ResetPage {
    shell: Shell,
    w: &'static Words,
    live: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewPasswordForm {
    csrf: String,
    new_password: String,
}

/// `GET /password/reset/{token}`.
#[handler]
pub async fn reset_page(
    req: &Request,
    state: Data<&AppState>,
    Path(token): Path<String>,
) -> poem::Result<Response> {
    let lang = language(req);
    let (w, csrf) = (words(lang), Csrf::of(req, &state));
    let live = service::reset_link_is_live(&state, &token).await?;
    let shell = Shell::new(req, lang, w.reset_title, &csrf, None);
    let status = if live { StatusCode::OK } else { StatusCode::NOT_FOUND };
    Ok(page(status, &ResetPage { shell, w, live }, &csrf, vec![])?)
}

/// `POST /password/reset/{token}`.
#[handler]
pub async fn reset(
    req: &Request,
    state: Data<&AppState>,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> poem::Result<Response> {
    let lang = language(req);
    let (w, csrf) = (words(lang), Csrf::of(req, &state));
    let (status, shell, live) = match service::reset_password(&state, &token, &form.new_password).await {
        Ok(()) => return Ok(see_other("/login?done=password-set", vec![])),
        Err(ApiError::Validation(fields)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Shell::new(req, lang, w.reset_title, &csrf, None).with_errors(Errors::from_fields(fields, lang)),
            true,
        ),
        Err(ApiError::NotFound(_)) => {
            (StatusCode::NOT_FOUND, Shell::new(req, lang, w.reset_title, &csrf, None), false)
        }
        Err(other) => return Err(other.into()),
    };
    Ok(page(status, &ResetPage { shell, w, live }, &csrf, vec![])?)
}

#[derive(Template)]
#[template(path = "web/account.html")]
struct AccountPage {
    shell: Shell,
    w: &'static Words,
    s: &'static SecurityWords,
    email: String,
    lang_is_en: bool,
    inputs: Vec<Input>,
    /// When the second factor was turned on, as people read it; `None` while it is off.
    second_factor_since: Option<String>,
    second_factor_required: bool,
    recovery_codes_left: i64,
    sessions: Vec<SessionLine>,
}

/// One live session or token in the account's list.
pub struct SessionLine {
    pub id: i64,
    pub opened: String,
    pub last_used: String,
    pub from: String,
    pub current: bool,
}

async fn account_page(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    errors: Errors,
    done: Option<&str>,
) -> ApiResult<(AccountPage, Csrf)> {
    let lang = language(req);
    let (w, s, csrf) = (words(lang), security_words(lang), Csrf::of(req, state));
    let shell =
        Shell::new(req, lang, w.account, &csrf, Some(me)).with_errors(errors).with_notice(notice(w, done));
    let inputs = vec![
        Input::new("current_password", w.current_password, "password", "", "current-password"),
        Input::new("new_password", w.new_password, "password", "", "new-password").hint(w.password_hint),
    ];
    let status = two_factor::status(state, &me.user).await?;
    let tz = crate::values::Zone::default().tz();
    let when = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let current = me.principal.session.map(|s| s.id);
    let sessions = accounts::live_sessions(&state.db, me.user.id, state.now())
        .await?
        .into_iter()
        .map(|row| SessionLine {
            id: row.id,
            opened: when(row.created_at),
            last_used: row.last_used_at.map(when).unwrap_or_default(),
            from: [row.address.unwrap_or_default(), row.client.unwrap_or_default()]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
            current: Some(row.id) == current,
        })
        .collect();
    Ok((
        AccountPage {
            shell,
            w,
            s,
            email: me.user.email.clone(),
            lang_is_en: me.user.lang == Lang::En,
            inputs,
            second_factor_since: status.enabled_at.map(when),
            second_factor_required: status.required,
            recovery_codes_left: status.recovery_codes_left,
            sessions,
        },
        csrf,
    ))
}

/// `GET /account`: change the password and the language of notifications.
#[handler]
pub async fn account(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<NextQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    let (template, csrf) = account_page(req, &state, &me, Errors::default(), query.done.as_deref()).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChangePasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
}

/// `POST /account/password`: the other sessions end; this one stays.
#[handler]
pub async fn change_password(
    req: &Request,
    state: Data<&AppState>,
    Form(form): Form<ChangePasswordForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    match service::change_password(
        &state,
        &me.principal,
        &form.current_password,
        &form.new_password,
        &me.token,
    )
    .await
    {
        Ok(()) => Ok(see_other("/account?done=password-changed", vec![])),
        Err(ApiError::Validation(fields)) => {
            let (template, csrf) =
                account_page(req, &state, &me, Errors::from_fields(fields, crate::web::language(req)), None)
                    .await?;
            Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &template, &csrf, vec![])?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LanguageForm {
    csrf: String,
    lang: String,
}

/// `POST /account/language`: the language of the e-mails Debut sends this user.
#[handler]
pub async fn set_language(
    state: Data<&AppState>,
    Form(form): Form<LanguageForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    service::set_language(&state, &me.principal, Lang::parse(Some(&form.lang))).await?;
    Ok(see_other("/account?done=saved", vec![]))
}

#[derive(Template)]
#[template(path = "web/invitation.html")]
struct InvitationPage {
    shell: Shell,
    w: &'static Words,
    organization: String,
    email: String,
    /// The form is shown; else a message says why not.
    open: bool,
    message: &'static str,
    inputs: Vec<Input>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AcceptForm {
    csrf: String,
    email: String,
    display_name: String,
    password: String,
}

/// The page for an invitation link: who invites, and the form that makes the account; a
/// signed-in visitor with another address is told it is not for them.
async fn invitation_page(
    req: &Request,
    state: &AppState,
    token: &str,
    form: &AcceptForm,
    errors: Errors,
) -> ApiResult<(StatusCode, InvitationPage, Csrf)> {
    let lang = language(req);
    let (w, csrf) = (words(lang), Csrf::of(req, state));
    let me = signed_in(req, state).await?;
    let shell = Shell::new(req, lang, w.join, &csrf, me.as_ref()).with_errors(errors);
    let inputs = vec![
        Input::new("display_name", w.display_name, "text", &form.display_name, "name"),
        Input::new("password", w.password, "password", "", "new-password").hint(w.password_hint),
    ];
    let page = |status, organization: String, email: String, open, message| {
        (status, InvitationPage { shell, w, organization, email, open, message, inputs }, csrf)
    };
    Ok(match crate::accounts::members::live_invitation(state, token).await {
        Ok(invited) => match me {
            Some(me) if me.user.email != invited.email => page(
                StatusCode::FORBIDDEN,
                invited.organization_name,
                invited.email,
                false,
                w.invitation_other_account,
            ),
            _ => page(StatusCode::OK, invited.organization_name, invited.email, true, w.join_help),
        },
        Err(ApiError::NotFound(_)) => {
            page(StatusCode::NOT_FOUND, String::new(), String::new(), false, w.invitation_dead)
        }
        Err(other) => return Err(other),
    })
}

/// `GET /invitations/{token}`.
#[handler]
pub async fn invitation(
    req: &Request,
    state: Data<&AppState>,
    Path(token): Path<String>,
) -> poem::Result<Response> {
    let (status, template, csrf) =
        invitation_page(req, &state, &token, &AcceptForm::default(), Errors::default()).await?;
    Ok(page(status, &template, &csrf, vec![])?)
}

/// `POST /invitations/{token}`: makes the invited colleague's account, signs it in.
#[handler]
pub async fn accept_invitation(
    req: &Request,
    state: Data<&AppState>,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> poem::Result<Response> {
    if let Some(me) = signed_in(req, &state).await? {
        let invited = crate::accounts::members::live_invitation(&state, &token).await?;
        if me.user.email != invited.email {
            return Err(ApiError::forbidden(crate::error::Refusal::new("invitation-other-address")).into());
        }
    }
    let lang = language(req);
    let result = crate::accounts::members::accept(
        &state,
        &token,
        &form.email,
        &form.display_name,
        &form.password,
        lang,
    )
    .await;
    let errors = match result {
        Ok(user) => {
            let session = service::open_session(&state, user, &auth::client_of(req)).await?;
            return Ok(see_other("/portal", vec![session_cookie(&state, &session.token)]));
        }
        Err(ApiError::Validation(fields)) => Errors::from_fields(fields, lang),
        Err(other) => return Err(other.into()),
    };
    let (_, template, csrf) = invitation_page(req, &state, &token, &form, errors).await?;
    Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &template, &csrf, vec![])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_returns_only_to_local_pages() {
        assert_eq!(next_or_portal(Some("/portal/bookings/3")), "/portal/bookings/3");
        assert_eq!(next_or_portal(Some("https://evil.example/")), "/portal");
        assert_eq!(next_or_portal(Some("//evil.example/")), "/portal");
        assert_eq!(next_or_portal(Some("/login?next=/login")), "/portal");
        assert_eq!(next_or_portal(None), "/portal");
    }
}
