//! The areas people sign in to: the sign-in pages themselves, and what every signed-in page
//! shares: the session cookie, protection against cross-site form posts, the layout and the
//! display of form errors.
//!
//! A web session is an ordinary login token (the same table, lifetime and revocation as the
//! API's bearer tokens) carried in an `HttpOnly`, `SameSite=Lax` cookie, `Secure` when the public
//! URL is https. Every form that changes something carries a CSRF token that must equal the
//! `debut_csrf` cookie (double submit); a post without it is refused with 403 before anything
//! is read or written. Pages are rendered per request and never cached.

pub mod form;
pub mod security;
pub mod signin;
pub mod words;

use askama::Template;
use poem::{
    Request, Response,
    http::{StatusCode, header},
};
use serde::Deserialize;

pub use words::Words;

use crate::{
    accounts::{Principal, auth, store as accounts, store::UserRow},
    error::{ApiError, ApiResult, FieldError},
    media::{
        self, ImageOwner,
        access::{Access, authorize},
        api::ImageUpload,
    },
    pages,
    state::AppState,
    values::Lang,
};

pub const SESSION_COOKIE: &str = "debut_session";
pub const CSRF_COOKIE: &str = "debut_csrf";

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|header| {
        header.split(';').find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
    })
}

fn secure(state: &AppState) -> &'static str {
    secure_attribute(&state.settings.public_url)
}

/// Cookies are `Secure` when the service is reached over https.
fn secure_attribute(public_url: &str) -> &'static str {
    if public_url.starts_with("https://") { "; Secure" } else { "" }
}

/// The `Set-Cookie` value that keeps a session for its lifetime.
pub fn session_cookie(state: &AppState, token: &str) -> String {
    session_cookie_for(&state.settings.public_url, state.settings.session_ttl, token)
}

fn session_cookie_for(public_url: &str, ttl: std::time::Duration, token: &str) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        ttl.as_secs(),
        secure_attribute(public_url)
    )
}

/// The `Set-Cookie` value that forgets the session.
pub fn clear_session_cookie(state: &AppState) -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", secure(state))
}

/// The sign-in page: shown by sign-in, and again when a second step has expired.
#[derive(Template)]
#[template(path = "web/login.html")]
pub struct LoginPage {
    shell: Shell,
    w: &'static Words,
    email: String,
    next: String,
}

impl LoginPage {
    pub fn new(shell: Shell, w: &'static Words, email: String, next: String) -> Self {
        Self { shell, w, email, next }
    }
}

/// The token forms must echo, and the cookie to set when the visitor has none yet.
pub struct Csrf {
    pub token: String,
    set_cookie: Option<String>,
}

impl Csrf {
    pub fn of(req: &Request, state: &AppState) -> Self {
        match cookie(req, CSRF_COOKIE).filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())) {
            Some(token) => Self { token: token.to_owned(), set_cookie: None },
            None => {
                let token = auth::new_token().trim_start_matches("dbt_").to_owned();
                let set_cookie =
                    format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}", secure(state));
                Self { token, set_cookie: Some(set_cookie) }
            }
        }
    }
}

/// A form that carries nothing but its CSRF token: the buttons that submit, remove or revoke.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

/// The signed-in user of a request.
pub struct SignedIn {
    pub principal: Principal,
    pub user: UserRow,
    pub token: String,
}

pub async fn signed_in(req: &Request, state: &AppState) -> ApiResult<Option<SignedIn>> {
    let Some(token) = cookie(req, SESSION_COOKIE).filter(|t| !t.is_empty()) else { return Ok(None) };
    let Some(principal) =
        accounts::principal_for_token(&state.db, &auth::token_hash(token), state.now()).await?
    else {
        return Ok(None);
    };
    let Some(user) = accounts::find_user(&state.db, principal.user_id).await? else { return Ok(None) };
    Ok(Some(SignedIn { principal, user, token: token.to_owned() }))
}

/// The signed-in user, or a redirect to the sign-in page that comes back here.
pub async fn require_sign_in(req: &Request, state: &AppState) -> ApiResult<Result<SignedIn, Response>> {
    Ok(match signed_in(req, state).await? {
        Some(user) => Ok(user),
        None => {
            let here = req.uri().path_and_query().map_or("/portal", |p| p.as_str());
            Err(see_other(&format!("/login?next={}", crate::http::url_encode(here)), vec![]))
        }
    })
}

/// A handler that takes `me: SignedIn` runs only for a signed-in person; anyone else is sent to
/// the sign-in page, which comes back here. Put it after the form, so the CSRF check comes first.
impl<'a> poem::FromRequest<'a> for SignedIn {
    async fn from_request(req: &'a Request, _body: &mut poem::RequestBody) -> poem::Result<Self> {
        let state = req.data::<AppState>().expect("AppState is attached to every route");
        match require_sign_in(req, state).await? {
            Ok(me) => Ok(me),
            Err(redirect) => Err(poem::Error::from_response(redirect)),
        }
    }
}

/// The signed-in user, or returns early with the redirect to the sign-in page.
#[macro_export]
macro_rules! signed_in_or_return {
    ($req:expr, $state:expr) => {
        match $crate::web::require_sign_in($req, $state).await? {
            Ok(me) => me,
            Err(redirect) => return Ok(redirect),
        }
    };
}

/// A `303 See Other` (post/redirect/get).
pub fn see_other(location: &str, set_cookies: Vec<String>) -> Response {
    let mut response =
        Response::builder().status(StatusCode::SEE_OTHER).header(header::LOCATION, location).finish();
    for value in set_cookies {
        if let Ok(value) = value.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// A rendered page: personal, so never stored by caches.
pub fn page(
    status: StatusCode,
    template: &impl Template,
    csrf: &Csrf,
    set_cookies: Vec<String>,
) -> ApiResult<Response> {
    let body = template.render().map_err(|e| ApiError::Internal(anyhow::anyhow!("rendering a page: {e}")))?;
    let mut response = Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header("x-frame-options", "DENY")
        .body(body);
    for value in csrf.set_cookie.iter().chain(set_cookies.iter()) {
        if let Ok(value) = value.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

/// The address a request came from, as the throttles count it.
pub fn client_address(req: &Request) -> Option<std::net::IpAddr> {
    req.remote_addr().as_socket_addr().map(|a| a.ip())
}

/// A page with the `Retry-After` the API's 429s carry, when there is a wait.
pub fn with_retry_after(mut response: Response, wait: Option<std::time::Duration>) -> Response {
    if let Some(wait) = wait {
        let seconds = wait.as_secs().max(1);
        response.headers_mut().insert(header::RETRY_AFTER, poem::http::HeaderValue::from(seconds));
    }
    response
}

/// Form errors by field: the summary at the top links to each field, whose message shows
/// under it.
#[derive(Debug, Default)]
pub struct Errors(Vec<(String, String)>);

impl Errors {
    /// A form-level error, shown in the summary.
    pub fn general(message: impl Into<String>) -> Self {
        Self(vec![(String::new(), message.into())])
    }

    /// One message, already in the page's language, beside the form field `id`.
    pub fn beside(self, id: &str) -> Self {
        Self(self.0.into_iter().map(|(_, message)| (field_id(id), message)).collect())
    }

    /// The problem a form post met, as its page shows it: a 422 names the fields, a 409 or a
    /// 403 says why; any other error is not the form's to show.
    pub fn from_problem(err: ApiError, lang: Lang) -> Result<(StatusCode, Self), ApiError> {
        match err.localized(lang) {
            ApiError::Validation(fields) => {
                Ok((StatusCode::UNPROCESSABLE_ENTITY, Self::from_fields(fields, lang)))
            }
            ApiError::Conflict { detail, .. } => Ok((StatusCode::CONFLICT, Self::general(detail))),
            // A refusal still written as English prose (code `text`) is not said on other pages:
            // they say the words for a refusal instead, as `web::form::html_errors` does.
            ApiError::Forbidden { detail, reason } if lang == Lang::En || reason.code != "text" => {
                Ok((StatusCode::FORBIDDEN, Self::general(detail)))
            }
            ApiError::Forbidden { .. } => {
                Ok((StatusCode::FORBIDDEN, Self::general(words::words(lang).forbidden)))
            }
            other => Err(other),
        }
    }

    /// The fields a domain validation named, each message said in `lang`.
    pub fn from_fields(fields: Vec<FieldError>, lang: Lang) -> Self {
        Self(
            fields
                .into_iter()
                .map(|mut e| {
                    e.localize(lang);
                    (field_id(&e.field), e.message)
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for the form field `id`.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.0.iter().find(|(field, _)| field == id).map(|(_, m)| m.as_str())
    }

    /// (anchor, message) for the summary; form-level errors have no anchor.
    pub fn all(&self) -> &[(String, String)] {
        &self.0
    }

    /// The summary's lines: each field's message after the field's label, as the form shows it
    /// ("结束时间：请填写此项。"), so six "please fill this in" say which six fields. A label is
    /// the catalogue's `{area}-{field}` of the first of `areas` that has one; a field without
    /// one keeps its message alone.
    pub fn summary(&self, lang: Lang, areas: &[&str]) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|(field, message)| {
                let key = field.replace('_', "-");
                let label = (!field.is_empty())
                    .then(|| {
                        areas.iter().map(|area| format!("{area}-{key}")).find(|k| crate::words::has(lang, k))
                    })
                    .flatten();
                let line = match label {
                    Some(label) => crate::words::text_with(
                        lang,
                        "portal-field-message",
                        &[
                            ("label", crate::words::text(lang, &label).into()),
                            ("message", message.as_str().into()),
                        ],
                    ),
                    None => message.clone(),
                };
                (field.clone(), line)
            })
            .collect()
    }
}

/// A form field's id for a domain field path: `contact.email` → `contact_email`.
pub fn field_id(path: &str) -> String {
    path.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .trim_matches('_')
        .to_owned()
}

/// One labelled text input of a form, for templates that lay several out alike.
pub struct Input {
    pub id: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub autocomplete: &'static str,
    pub hint: &'static str,
    /// The keyboard a phone shows for a text input (`numeric`, `decimal`), or none.
    pub inputmode: &'static str,
    /// Marked as needed beside its label (the form still posts, so the server names what is missing).
    pub required: bool,
}

impl Input {
    pub fn new(
        id: &'static str,
        label: &'static str,
        kind: &'static str,
        value: &str,
        autocomplete: &'static str,
    ) -> Self {
        Self {
            id,
            label,
            kind,
            value: value.to_owned(),
            autocomplete,
            hint: "",
            inputmode: "",
            required: false,
        }
    }

    /// A date and time at the venue, with the browser's picker (`2027-03-12T19:00`, the form
    /// our times are written and read in).
    pub fn date_time(id: &'static str, label: &'static str, value: &str) -> Self {
        Self::new(id, label, "datetime-local", value, "off")
    }

    /// A day, with the browser's date picker (`2027-03-12`).
    pub fn date(id: &'static str, label: &'static str, value: &str) -> Self {
        Self::new(id, label, "date", value, "off")
    }

    /// A time of day, with the browser's time picker (`18:00`).
    pub fn time(id: &'static str, label: &'static str, value: &str) -> Self {
        Self::new(id, label, "time", value, "off")
    }

    /// A whole number typed as text, so "1,000" or "５００" reach the server to be read or named
    /// as wrong, with the phone's number keyboard.
    pub fn whole_number(id: &'static str, label: &'static str, value: &str) -> Self {
        Self { inputmode: "numeric", ..Self::new(id, label, "text", value, "off") }
    }

    /// An amount of money typed as text ("80万", "8,000.50"), with the decimal keyboard.
    pub fn money(id: &'static str, label: &'static str, value: &str) -> Self {
        Self { inputmode: "decimal", ..Self::new(id, label, "text", value, "off") }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }
}

/// What every signed-in area's page needs around its content.
pub struct Shell {
    pub lang_code: &'static str,
    pub title: String,
    pub css_href: String,
    pub csrf: String,
    pub switch_href: String,
    pub switch_lang: &'static str,
    /// The signed-in person and organization, for the top bar.
    pub who: Option<String>,
    /// The signed-in person is staff: the top bar leads to the console.
    pub staff: bool,
    /// The signed-in person is an admin: the top bar leads to staff accounts too.
    pub admin: bool,
    pub errors: Errors,
    /// The error summary's lines, each naming its field's label (see [`Errors::summary`]).
    pub error_lines: Vec<(String, String)>,
    /// Where the summary looks for field labels: the words of this page's area first.
    label_areas: &'static [&'static str],
    lang: Lang,
    pub notice: Option<String>,
    /// The mark beside the label of a field that must be filled in.
    pub required_word: &'static str,
}

impl Shell {
    pub fn new(
        req: &Request,
        lang: Lang,
        title: impl Into<String>,
        csrf: &Csrf,
        who: Option<&SignedIn>,
    ) -> Self {
        let other = if lang == Lang::Zh { Lang::En } else { Lang::Zh };
        let here = req.uri().path_and_query().map_or("/", |p| p.as_str());
        Self {
            lang_code: lang.code(),
            title: title.into(),
            css_href: pages::css_href(),
            csrf: csrf.token.clone(),
            switch_href: format!("/lang/{}?next={}", other.short(), crate::http::url_encode(here)),
            switch_lang: other.code(),
            who: who.map(|s| match &s.user.organization_name {
                Some(org) => format!("{} · {org}", s.user.display_name),
                None => s.user.display_name.clone(),
            }),
            staff: who.is_some_and(|s| s.principal.is_staff()),
            admin: who.is_some_and(|s| s.principal.role == crate::accounts::Role::Admin),
            errors: Errors::default(),
            error_lines: Vec::new(),
            label_areas: label_areas(req.uri().path()),
            lang,
            notice: None,
            required_word: words::words(lang).required,
        }
    }

    pub fn with_errors(mut self, errors: Errors) -> Self {
        self.error_lines = errors.summary(self.lang, self.label_areas);
        self.errors = errors;
        self
    }

    pub fn with_notice(mut self, notice: Option<&str>) -> Self {
        self.notice = notice.map(str::to_owned);
        self
    }
}

/// The areas of the word catalogue whose `{area}-{field}` keys name a page's fields: a market's
/// forms say 中文名称 where a booking's say 中文标题.
fn label_areas(path: &str) -> &'static [&'static str] {
    if path.contains("/markets") || path.contains("/market-applications") {
        &["market", "portal"]
    } else if path.starts_with("/staff") {
        &["console", "portal"]
    } else if path.contains("/figures") {
        &["figures", "portal"]
    } else {
        &["portal"]
    }
}

/// The reader's language: the `lang` cookie, else `Accept-Language`.
pub fn language(req: &Request) -> Lang {
    pages::language(req)
}

/// Stores an image posted from a page once the signed-in user may change `owner`. A problem with
/// the file or its description is `Ok(Err(..))`, for the page to show beside the upload form.
pub async fn store_image(
    state: &AppState,
    me: &SignedIn,
    owner: ImageOwner,
    upload: ImageUpload,
) -> poem::Result<Result<(), ApiError>> {
    authorize(state, &me.principal, owner, Access::Change).await?;
    match media::upload(state, &me.principal, owner, upload.bytes, &upload.alt).await {
        Ok(_) => Ok(Ok(())),
        Err(err @ ApiError::Validation(_)) => Ok(Err(err)),
        Err(err) => Err(err.into()),
    }
}

/// Removes one of `owner`'s images once the signed-in user may change `owner`.
pub async fn discard_image(
    state: &AppState,
    me: &SignedIn,
    owner: ImageOwner,
    image_id: i64,
) -> poem::Result<()> {
    authorize(state, &me.principal, owner, Access::Change).await?;
    Ok(media::remove(state, owner, image_id).await?)
}

/// Signing in and out, registering, passwords, invitations and the account pages.
pub fn routes(r: &mut crate::http::Routes) {
    use crate::http::Guard;
    r.page_and_form("/login", signin::login_page, Guard::Public, signin::login);
    r.post("/logout", Guard::SignedIn, signin::logout);
    r.page_and_form("/register", signin::register_page, Guard::Public, signin::register);
    r.page_and_form("/password/forgot", signin::forgot_page, Guard::Public, signin::forgot);
    r.page_and_form("/password/reset/:token", signin::reset_page, Guard::Public, signin::reset);
    r.get("/account", signin::account);
    r.post("/account/password", Guard::SignedIn, signin::change_password);
    r.post("/account/language", Guard::SignedIn, signin::set_language);
    r.page_and_form("/login/code", security::login_code_page, Guard::Public, security::login_code);
    r.page_and_form("/account/two-factor", security::setup, Guard::SignedIn, security::turn_on);
    r.post("/account/two-factor/recovery-codes", Guard::SignedIn, security::new_codes);
    r.post("/account/two-factor/off", Guard::SignedIn, security::turn_off);
    r.page_and_form("/account/confirm", security::confirm_page, Guard::SignedIn, security::confirm);
    r.post("/account/sessions/end-others", Guard::SignedIn, security::end_others);
    r.post("/account/sessions/:id/end", Guard::SignedIn, security::end_session);
    r.page_and_form("/invitations/:token", signin::invitation, Guard::Public, signin::accept_invitation);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookies_are_http_only_lax_and_secure_over_https() {
        let ttl = std::time::Duration::from_secs(3600);
        assert_eq!(
            session_cookie_for("https://debut.example", ttl, "dbt_x"),
            "debut_session=dbt_x; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600; Secure"
        );
        assert!(!session_cookie_for("http://127.0.0.1:8080", ttl, "dbt_x").contains("Secure"));
    }

    #[test]
    fn field_ids_are_html_safe() {
        assert_eq!(field_id("contact.email"), "contact_email");
        assert_eq!(field_id("alternatives[0].starts_at"), "alternatives_0__starts_at");
        assert_eq!(field_id("title_zh"), "title_zh");
    }

    #[test]
    fn errors_are_found_by_field() {
        let errors = Errors::from_fields(vec![FieldError::new("contact.email", "bad")], Lang::En);
        assert_eq!(errors.get("contact_email"), Some("bad"));
        assert_eq!(errors.get("email"), None);
    }

    #[test]
    fn a_refusal_on_a_chinese_page_is_said_in_chinese_and_the_summary_names_labels() {
        let (status, errors) =
            Errors::from_problem(ApiError::forbidden("Only staff may approve."), Lang::Zh).unwrap();
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(errors.all()[0].1, words::words(Lang::Zh).forbidden);
        let (_, english) =
            Errors::from_problem(ApiError::forbidden("Only staff may approve."), Lang::En).unwrap();
        assert_eq!(english.all()[0].1, "Only staff may approve.");
        let coded = ApiError::forbidden(crate::error::Refusal::new("brands-only-awards"));
        let (_, chinese) = Errors::from_problem(coded, Lang::Zh).unwrap();
        assert_eq!(chinese.all()[0].1, "只有品牌可以申请首店奖励。", "a coded refusal says why, in Chinese");

        let fields = vec![FieldError::new("ends_at", crate::error::Invalid::new("required"))];
        let summary =
            Errors::from_fields(fields, Lang::Zh).summary(Lang::Zh, label_areas("/portal/bookings/new"));
        assert_eq!(summary, [("ends_at".to_owned(), "结束时间：请填写此项。".to_owned())]);
    }
}
