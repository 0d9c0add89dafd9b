//! How every HTML form post is read: the CSRF check first, then a bounded body.
//!
//! poem's own `Form` reads the whole body before anything looks at it, so a 400 MB `POST /login`
//! sat in memory before its missing CSRF token was noticed. These extractors refuse a post that
//! cannot carry a matching token (no `debut_csrf` cookie) before reading a byte, refuse a body
//! that declares more than its limit at once and stop reading one that sends more, each with a
//! page in the visitor's language. A form whose token does not match its cookie is refused too,
//! so no handler can forget the check.
//!
//! The limit belongs to the route, through the extractor its handler takes: [`Form`] for the
//! short forms (sign-in, buttons, decisions), [`LongForm`] for those with long texts (a booking's
//! two descriptions of 10,000 characters each, percent-encoded, are about 180 KB), [`Upload`]
//! for an image (the media limit, enforced while streaming).

use std::time::Duration;

use askama::Template;
use poem::{
    FromRequest, Request, RequestBody, Response,
    http::{StatusCode, header},
};
use serde::de::DeserializeOwned;

use super::{CSRF_COOKIE, Csrf, Shell, Words, cookie, language, page, words::words};
use crate::{error::ApiError, media::api::ImageUpload, state::AppState, values::Lang};

/// The most a short form may send: far more than any of them needs.
pub const FORM_LIMIT: usize = 32 * 1024;
/// The most a form with long texts may send.
pub const LONG_FORM_LIMIT: usize = 256 * 1024;

/// A short form, read once its CSRF token is known to match.
pub struct Form<T>(pub T);

/// A form with long texts (descriptions, statements, stall plans), read like [`Form`].
pub struct LongForm<T>(pub T);

/// An image posted from a page, read once the visitor's CSRF cookie is there; its token is
/// checked before it is returned.
pub struct Upload(pub ImageUpload);

impl<'a, T: DeserializeOwned> FromRequest<'a> for Form<T> {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        read_form(req, body, FORM_LIMIT).await.map(Self)
    }
}

impl<'a, T: DeserializeOwned> FromRequest<'a> for LongForm<T> {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        read_form(req, body, LONG_FORM_LIMIT).await.map(Self)
    }
}

impl<'a> FromRequest<'a> for Upload {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let expected = expected_token(req)?;
        let upload = match ImageUpload::read(req, body).await {
            Ok(upload) => upload,
            Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(refusal(req, Refusal::TooLarge));
            }
            Err(err) => return Err(err),
        };
        check_token(req, expected, upload.fields.get("csrf").map_or("", String::as_str))?;
        Ok(Self(upload))
    }
}

/// The token a form must carry: the visitor's `debut_csrf` cookie. Without one no form can
/// match, so the post is refused before its body is read.
fn expected_token(req: &Request) -> poem::Result<&str> {
    cookie(req, CSRF_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| refusal(req, Refusal::Expired))
}

fn check_token(req: &Request, expected: &str, submitted: &str) -> poem::Result<()> {
    let same = expected.len() == submitted.len()
        && expected.bytes().zip(submitted.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if same { Ok(()) } else { Err(refusal(req, Refusal::Expired)) }
}

/// The declared `Content-Length`, if any.
pub fn declared_length(req: &Request) -> Option<u64> {
    req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

async fn read_form<T: DeserializeOwned>(
    req: &Request,
    body: &mut RequestBody,
    limit: usize,
) -> poem::Result<T> {
    let expected = expected_token(req)?;
    let urlencoded = req.content_type().is_some_and(|c| {
        c.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded")
    });
    if !urlencoded {
        return Err(ApiError::UnsupportedMediaType(
            "Send the form as application/x-www-form-urlencoded, as a browser does.".into(),
        )
        .into());
    }
    if declared_length(req).is_some_and(|len| len > limit as u64) {
        return Err(refusal(req, Refusal::TooLarge));
    }
    let bytes = body.take()?.into_bytes_limit(limit).await.map_err(|e| match e {
        poem::error::ReadBodyError::PayloadTooLarge => refusal(req, Refusal::TooLarge),
        _ => refusal(req, Refusal::Unreadable),
    })?;
    let submitted = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .map_err(|_| refusal(req, Refusal::Unreadable))?
        .into_iter()
        .find_map(|(name, value)| (name == "csrf").then_some(value))
        .unwrap_or_default();
    check_token(req, expected, &submitted)?;
    serde_urlencoded::from_bytes(&bytes)
        .map_err(|e| ApiError::BadRequest(format!("Could not read the form: {e}")).into())
}

/// Why a post was refused before its handler ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No CSRF cookie, or a token that does not match it (403).
    Expired,
    /// Over the route's limit (413).
    TooLarge,
    /// Not a form a browser would send (400).
    Unreadable,
}

/// A page saying why the post was refused, in the visitor's language, as an error that passes
/// through `error::problem_responses` unchanged.
pub fn refusal(req: &Request, why: Refusal) -> poem::Error {
    let lang = language(req);
    let w = words(lang);
    let (status, heading, text) = match why {
        Refusal::Expired => (StatusCode::FORBIDDEN, w.refused_title, w.form_expired.to_owned()),
        Refusal::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, w.too_large_title, w.too_large.to_owned()),
        Refusal::Unreadable => (StatusCode::BAD_REQUEST, w.refused_title, w.form_unreadable.to_owned()),
    };
    let mut response = problem_page(req, lang, status, heading, text);
    if why == Refusal::TooLarge {
        // The rest of the body is not read: the connection cannot carry another request.
        response.headers_mut().insert(header::CONNECTION, poem::http::HeaderValue::from_static("close"));
    }
    poem::Error::from_response(response)
}

/// A page for a 429: how long to wait, in the visitor's language, with `Retry-After`.
pub fn too_many(req: &Request, retry_after: Duration) -> Response {
    let lang = language(req);
    let w = words(lang);
    let seconds = retry_after.as_secs().max(1);
    let text = wait_text(lang, seconds);
    let mut response = problem_page(req, lang, StatusCode::TOO_MANY_REQUESTS, w.too_many_title, text);
    response.headers_mut().insert(header::RETRY_AFTER, poem::http::HeaderValue::from(seconds));
    response
}

/// "Please try again in N seconds", in the reader's language.
fn wait_text(lang: Lang, seconds: u64) -> String {
    crate::words::text_with(lang, "portal-wait", &[("seconds", seconds.into())])
}

#[derive(Template)]
#[template(path = "web/problem.html")]
struct ProblemPage {
    shell: Shell,
    w: &'static Words,
    heading: &'static str,
    text: String,
}

/// A short page for a refused request: what happened, what to do, and a way back.
pub fn problem_page(
    req: &Request,
    lang: Lang,
    status: StatusCode,
    heading: &'static str,
    text: String,
) -> Response {
    let w = words(lang);
    let Some(state) = req.data::<AppState>() else {
        return Response::builder().status(status).body(text);
    };
    let csrf = Csrf::of(req, state);
    let shell = Shell::new(req, lang, heading, &csrf, None);
    match page(status, &ProblemPage { shell, w, heading, text }, &csrf, vec![]) {
        Ok(response) => response,
        Err(_) => Response::builder().status(status).body(heading),
    }
}

/// Whether a path is one of the HTML areas' (a page, a form), whose errors are pages rather
/// than problem JSON: not the API, not a feed, a file, a probe or the metrics.
fn is_html_route(path: &str) -> bool {
    let file = path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    !(file
        || path.starts_with("/api/")
        || path.starts_with("/media/")
        || path.starts_with("/feeds/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics"))
}

/// Middleware: an error on an HTML route (404, 403, 410, 429, 500, 503, an unknown address) is
/// a page in the visitor's language with a way back, not the API's problem JSON. On an English
/// page it carries the problem's own words where they say more; on a Chinese page the words for
/// its status (the domain's messages are English until they move to the word catalogue).
/// `Retry-After` and `Allow` are kept.
pub async fn html_errors<E: poem::Endpoint>(ep: E, req: Request) -> poem::Result<Response> {
    use poem::IntoResponse;
    if !is_html_route(req.uri().path()) {
        return ep.call(req).await.map(IntoResponse::into_response);
    }
    // What an error page needs of the request (its address, and the cookies and
    // `Accept-Language` that choose its language and carry the CSRF token), kept before the
    // request goes to the endpoint: two headers, not all of them, on the path of every page.
    let mut shadow = Request::builder().uri(req.uri().clone()).finish();
    for name in [header::COOKIE, header::ACCEPT_LANGUAGE] {
        for value in req.headers().get_all(&name) {
            shadow.headers_mut().append(name.clone(), value.clone());
        }
    }
    if let Some(state) = req.data::<AppState>() {
        shadow.set_data(state.clone());
    }
    let response = match ep.call(req).await {
        Ok(response) => response.into_response(),
        Err(err) if err.is_from_response() => return Ok(err.into_response()),
        Err(err) => crate::error::api_error_from_poem(err).into_response(),
    };
    let is_problem =
        response.content_type().is_some_and(|t| t.starts_with(crate::error::PROBLEM_CONTENT_TYPE));
    if !is_problem || !response.status().is_client_error() && !response.status().is_server_error() {
        return Ok(response);
    }
    let status = response.status();
    let kept: Vec<_> = [header::RETRY_AFTER, header::ALLOW]
        .into_iter()
        .filter_map(|name| response.headers().get(&name).cloned().map(|v| (name, v)))
        .collect();
    let body = response.into_body().into_bytes().await.unwrap_or_default();
    let problem = serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default();
    let detail = problem["detail"].as_str().map(str::to_owned);
    // A page's own query parameters (`from`, `month`) are what the visitor typed in the address.
    let fields: Vec<&str> =
        problem["errors"].as_array().into_iter().flatten().filter_map(|e| e["field"].as_str()).collect();
    let lang = language(&shadow);
    let w = words(lang);
    let (heading, text) = match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => (w.not_found_title, w.not_found),
        StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => (w.forbidden_title, w.forbidden),
        StatusCode::GONE => (w.gone_title, w.gone),
        StatusCode::TOO_MANY_REQUESTS => (w.too_many_title, w.too_many_logins),
        StatusCode::SERVICE_UNAVAILABLE => (w.unavailable_title, w.unavailable),
        s if s.is_server_error() => (w.broken_title, w.broken),
        _ => (w.bad_request_title, w.bad_request),
    };
    let wait = kept.iter().find(|(name, _)| *name == header::RETRY_AFTER).and_then(|(_, v)| v.to_str().ok());
    // English pages may say what the problem said; a 5xx never says more than the words.
    let text = match (lang, detail, wait) {
        (_, _, Some(seconds)) if status == StatusCode::TOO_MANY_REQUESTS => {
            wait_text(lang, seconds.parse().unwrap_or(1))
        }
        (Lang::En, Some(detail), _) if !status.is_server_error() => detail,
        _ if !fields.is_empty() => {
            // Named as the page's filter labels them (起始日期), else as typed in the address.
            let named: Vec<std::borrow::Cow<str>> = fields
                .iter()
                .map(|field| match *field {
                    "from" | "venue" | "kind" | "format" | "reach" => {
                        crate::words::text(lang, &crate::words::key("page", field))
                    }
                    typed => typed.into(),
                })
                .collect();
            format!("{text} ({})", named.join(lang.pick("、", ", ")))
        }
        _ => text.to_owned(),
    };
    let mut page = problem_page(&shadow, lang, status, heading, text);
    for (name, value) in kept {
        page.headers_mut().insert(name, value);
    }
    Ok(page)
}
