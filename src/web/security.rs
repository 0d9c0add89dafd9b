//! The second factor and sessions on the web: the code step of a sign-in (`POST /login/code`),
//! setting up a second factor (at a sign-in whose role requires it, or from `/account`), the
//! recovery codes, confirming the password before a sensitive action (`/account/confirm`), and
//! ending sessions.

use crate::web::SignedIn;
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
    Csrf, CsrfForm, Errors, Shell, language, page, see_other, session_cookie, signed_in, with_retry_after,
    words::{Words, words},
};
use crate::{
    accounts::{
        Role, auth,
        service::{self, LoginOutcome},
        store::UserRow,
        throttle::LoginThrottle,
        two_factor::{self, Enrolment, Step},
    },
    error::ApiError,
    pages::is_local_path,
    state::AppState,
    values::Lang,
};

crate::words::catalogue! {
    /// The fixed texts of these pages, in one language.
    pub struct SecurityWords in "security" {
        code_title,
        code_help,
        code,
        code_hint,
        verify,
        wrong_code,
        expired,
        setup_title,
        setup_required,
        setup_steps,
        secret_label,
        qr_alt,
        first_code,
        turn_on,
        codes_title,
        codes_help,
        go_on,
        confirm_title,
        confirm_help,
        or_code,
        confirm,
        two_factor,
        two_factor_on,
        two_factor_off,
        two_factor_required,
        codes_left,
        set_up,
        new_codes,
        turn_off,
        sessions,
        this_session,
        opened,
        last_used,
        end,
        end_others,
    }
}

pub fn security_words(lang: Lang) -> &'static SecurityWords {
    SecurityWords::of(lang)
}

/// Where a confirmed sign-in goes: a local path, else the portal or the console.
fn destination(next: &str, role: Role) -> String {
    if is_local_path(next) && !next.starts_with("/login") {
        next.to_owned()
    } else if role == Role::Member {
        "/portal".to_owned()
    } else {
        "/staff".to_owned()
    }
}

/// The redirect to confirm the password, coming back to `next`.
pub fn confirm_first(next: &str) -> Response {
    see_other(&format!("/account/confirm?next={}", crate::http::url_encode(next)), vec![])
}

#[derive(Template)]
#[template(path = "web/code.html")]
struct CodePage {
    shell: Shell,
    w: &'static Words,
    s: &'static SecurityWords,
    challenge: String,
    next: String,
}

#[derive(Template)]
#[template(path = "web/two_factor_setup.html")]
struct SetupPage {
    shell: Shell,
    w: &'static Words,
    s: &'static SecurityWords,
    /// Set at a sign-in whose role requires a second factor; else the page is `/account`'s.
    challenge: Option<String>,
    next: String,
    enrolment: Enrolment,
    /// The QR code as a `data:` URI.
    qr_src: String,
}

#[derive(Template)]
#[template(path = "web/recovery_codes.html")]
struct CodesPage {
    shell: Shell,
    w: &'static Words,
    s: &'static SecurityWords,
    codes: Vec<String>,
    next: String,
}

/// What `POST /login` shows after a right password, when a second step is due.
pub async fn second_step(
    req: &Request,
    state: &AppState,
    outcome: LoginOutcome,
    next: &str,
) -> poem::Result<Response> {
    let lang = language(req);
    let (s, csrf) = (security_words(lang), Csrf::of(req, state));
    match outcome {
        LoginOutcome::SignedIn(session) => {
            let next = destination(next, session.user.role);
            Ok(see_other(&next, vec![session_cookie(state, &session.token)]))
        }
        LoginOutcome::NeedsCode { challenge, .. } => {
            let shell = Shell::new(req, lang, s.code_title, &csrf, None);
            Ok(page(
                StatusCode::OK,
                &CodePage { shell, w: words(lang), s, challenge, next: next.to_owned() },
                &csrf,
                vec![],
            )?)
        }
        LoginOutcome::NeedsEnrolment { challenge, user } => {
            setup_page(req, state, &user, Some(challenge), next, Errors::default(), StatusCode::OK).await
        }
    }
}

async fn setup_page(
    req: &Request,
    state: &AppState,
    user: &UserRow,
    challenge: Option<String>,
    next: &str,
    errors: Errors,
    status: StatusCode,
) -> poem::Result<Response> {
    let lang = language(req);
    let (s, csrf) = (security_words(lang), Csrf::of(req, state));
    let me = if challenge.is_none() { signed_in(req, state).await? } else { None };
    let enrolment = two_factor::begin_enrolment(state, user).await?;
    let shell = Shell::new(req, lang, s.setup_title, &csrf, me.as_ref()).with_errors(errors);
    let qr_src = format!("data:image/svg+xml,{}", crate::http::url_encode(&enrolment.qr_svg));
    let template =
        SetupPage { shell, w: words(lang), s, challenge, next: next.to_owned(), enrolment, qr_src };
    Ok(page(status, &template, &csrf, vec![])?)
}

fn codes_page(
    req: &Request,
    state: &AppState,
    codes: Vec<String>,
    next: String,
    cookies: Vec<String>,
) -> poem::Result<Response> {
    let lang = language(req);
    let (s, csrf) = (security_words(lang), Csrf::of(req, state));
    let shell = Shell::new(req, lang, s.codes_title, &csrf, None);
    Ok(page(StatusCode::OK, &CodesPage { shell, w: words(lang), s, codes, next }, &csrf, cookies)?)
}

/// A form's error beside its code field.
fn code_error(message: &str) -> Errors {
    // The message is in the page's language already.
    Errors::general(message).beside("code")
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    csrf: String,
    challenge: String,
    code: String,
    next: String,
}

/// `GET /login/code`: the code step lives only as the answer to a sign-in (its challenge is in
/// the form); reached any other way, as by switching the language, it starts over.
#[handler]
pub fn login_code_page() -> Response {
    see_other("/login", vec![])
}

/// `POST /login/code`: the second step of a sign-in, a code (or the first code of a second
/// factor being set up).
#[handler]
pub async fn login_code(
    req: &Request,
    state: Data<&AppState>,
    throttle: Data<&Arc<LoginThrottle>>,
    Form(form): Form<CodeForm>,
) -> poem::Result<Response> {
    let lang = language(req);
    let (w, s, csrf) = (words(lang), security_words(lang), Csrf::of(req, &state));
    let address = req.remote_addr().as_socket_addr().map(|a| a.ip());
    let client = auth::client_of(req);
    let step = two_factor::challenge(&state, &form.challenge).await?;
    let code_page = |status, message: &str| -> poem::Result<Response> {
        let shell = Shell::new(req, lang, s.code_title, &csrf, None).with_errors(code_error(message));
        let template = CodePage { shell, w, s, challenge: form.challenge.clone(), next: form.next.clone() };
        Ok(page(status, &template, &csrf, vec![])?)
    };
    match step {
        None => {
            let shell = Shell::new(req, lang, w.sign_in, &csrf, None).with_errors(Errors::general(s.expired));
            let template = super::LoginPage::new(shell, w, String::new(), form.next.clone());
            Ok(page(StatusCode::NOT_FOUND, &template, &csrf, vec![])?)
        }
        Some((_, Step::Code)) => {
            match service::complete_with_code(
                &state,
                &throttle,
                &form.challenge,
                &form.code,
                &client,
                address,
            )
            .await
            {
                Ok(session) => Ok(see_other(
                    &destination(&form.next, session.user.role),
                    vec![session_cookie(&state, &session.token)],
                )),
                Err(ApiError::Unauthorized(_)) => code_page(StatusCode::UNAUTHORIZED, s.wrong_code),
                Err(ApiError::TooManyRequests { retry_after, .. }) => {
                    code_page(StatusCode::TOO_MANY_REQUESTS, w.too_many_logins)
                        .map(|r| with_retry_after(r, Some(retry_after)))
                }
                Err(other) => Err(other.into()),
            }
        }
        Some((user, Step::Enrol)) => {
            match service::complete_with_enrolment(
                &state,
                &throttle,
                &form.challenge,
                &form.code,
                &client,
                address,
            )
            .await
            {
                Ok((session, codes)) => {
                    let next = destination(&form.next, session.user.role);
                    codes_page(req, &state, codes, next, vec![session_cookie(&state, &session.token)])
                }
                Err(err @ (ApiError::Validation(_) | ApiError::TooManyRequests { .. })) => {
                    let (status, message, wait) = match err {
                        ApiError::TooManyRequests { retry_after, .. } => {
                            (StatusCode::TOO_MANY_REQUESTS, w.too_many_logins, Some(retry_after))
                        }
                        _ => (StatusCode::UNPROCESSABLE_ENTITY, s.wrong_code, None),
                    };
                    let challenge = Some(form.challenge.clone());
                    let page =
                        setup_page(req, &state, &user, challenge, &form.next, code_error(message), status)
                            .await?;
                    Ok(with_retry_after(page, wait))
                }
                Err(other) => Err(other.into()),
            }
        }
    }
}

/// `GET /account/two-factor`: the QR code and key of a second factor being set up.
#[handler]
pub async fn setup(req: &Request, state: Data<&AppState>, me: SignedIn) -> poem::Result<Response> {
    if me.principal.require_recent_sign_in(state.now()).is_err() {
        return Ok(confirm_first("/account/two-factor"));
    }
    if me.user.has_second_factor() {
        return Ok(see_other("/account", vec![]));
    }
    setup_page(req, &state, &me.user, None, "/account", Errors::default(), StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    csrf: String,
    code: String,
}

/// `POST /account/two-factor`: the first code turns the second factor on; the recovery codes
/// are shown once.
#[handler]
pub async fn turn_on(
    req: &Request,
    state: Data<&AppState>,
    Form(form): Form<SetupForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    if me.principal.require_recent_sign_in(state.now()).is_err() {
        return Ok(confirm_first("/account/two-factor"));
    }
    match two_factor::confirm_enrolment(&state, me.user.id, &form.code).await {
        Ok(codes) => codes_page(req, &state, codes, "/account".into(), vec![]),
        Err(ApiError::Validation(fields)) => {
            let errors = Errors::from_fields(fields, crate::web::language(req));
            setup_page(req, &state, &me.user, None, "/account", errors, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(ApiError::Conflict { .. }) => Ok(see_other("/account", vec![])),
        Err(other) => Err(other.into()),
    }
}

/// `POST /account/two-factor/recovery-codes`: ten new codes in place of the old.
#[handler]
pub async fn new_codes(
    req: &Request,
    state: Data<&AppState>,
    _: Form<CsrfForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    match two_factor::new_recovery_codes(&state, &me.principal).await {
        Ok(codes) => codes_page(req, &state, codes, "/account".into(), vec![]),
        Err(ApiError::ReauthenticationRequired(_)) => Ok(confirm_first("/account")),
        Err(other) => Err(other.into()),
    }
}

/// `POST /account/two-factor/off`.
#[handler]
pub async fn turn_off(state: Data<&AppState>, _: Form<CsrfForm>, me: SignedIn) -> poem::Result<Response> {
    match two_factor::turn_off(&state, &me.principal).await {
        Ok(()) => Ok(see_other("/account?done=saved", vec![])),
        Err(ApiError::ReauthenticationRequired(_)) => Ok(confirm_first("/account")),
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "web/confirm.html")]
struct ConfirmPage {
    shell: Shell,
    w: &'static Words,
    s: &'static SecurityWords,
    email: String,
    next: String,
    has_code: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmQuery {
    next: String,
}

fn local_or_account(next: &str) -> String {
    if is_local_path(next) && !next.starts_with("/login") { next.to_owned() } else { "/account".to_owned() }
}

/// `GET /account/confirm?next=`: give the password (or a code) again.
#[handler]
pub async fn confirm_page(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<ConfirmQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    let lang = language(req);
    let (w, s, csrf) = (words(lang), security_words(lang), Csrf::of(req, &state));
    let shell = Shell::new(req, lang, s.confirm_title, &csrf, Some(&me));
    let template = ConfirmPage {
        shell,
        w,
        s,
        email: me.user.email.clone(),
        next: local_or_account(&query.next),
        has_code: me.user.has_second_factor(),
    };
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    csrf: String,
    password: String,
    code: String,
    next: String,
}

/// `POST /account/confirm`.
#[handler]
pub async fn confirm(
    req: &Request,
    state: Data<&AppState>,
    throttle: Data<&Arc<LoginThrottle>>,
    Form(form): Form<ConfirmForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let address = req.remote_addr().as_socket_addr().map(|a| a.ip());
    let next = local_or_account(&form.next);
    let result = service::reauthenticate(
        &state,
        &throttle,
        &me.principal,
        Some(form.password.as_str()),
        Some(form.code.as_str()),
        address,
    )
    .await;
    let (status, errors, wait) = match result {
        Ok(()) => return Ok(see_other(&next, vec![])),
        Err(ApiError::Validation(fields)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, Errors::from_fields(fields, crate::web::language(req)), None)
        }
        Err(ApiError::TooManyRequests { detail, retry_after }) => {
            (StatusCode::TOO_MANY_REQUESTS, Errors::general(detail), Some(retry_after))
        }
        Err(other) => return Err(other.into()),
    };
    let lang = language(req);
    let (w, s, csrf) = (words(lang), security_words(lang), Csrf::of(req, &state));
    let shell = Shell::new(req, lang, s.confirm_title, &csrf, Some(&me)).with_errors(errors);
    let template = ConfirmPage {
        shell,
        w,
        s,
        email: me.user.email.clone(),
        next,
        has_code: me.user.has_second_factor(),
    };
    let page = page(status, &template, &csrf, vec![])?;
    Ok(with_retry_after(page, wait))
}

/// `POST /account/sessions/{id}/end`.
#[handler]
pub async fn end_session(
    state: Data<&AppState>,
    Path(id): Path<i64>,
    _: Form<CsrfForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    match service::end_session(&state, &me.principal, id).await {
        Ok(()) | Err(ApiError::NotFound(_)) => Ok(see_other("/account?done=saved#sessions", vec![])),
        Err(other) => Err(other.into()),
    }
}

/// `POST /account/sessions/end-others`.
#[handler]
pub async fn end_others(state: Data<&AppState>, _: Form<CsrfForm>, me: SignedIn) -> poem::Result<Response> {
    service::end_other_sessions(&state, &me.principal).await?;
    Ok(see_other("/account?done=saved#sessions", vec![]))
}
