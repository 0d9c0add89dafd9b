//! The subscription pages: the form (`/subscribe`), "check your inbox", the confirmation link's
//! page and the subscription's own page, where one button unsubscribes.
//!
//! Pages named by a token are answered with `Referrer-Policy: no-referrer`, so the token never
//! leaves in a Referer header. The confirm and unsubscribe posts need no CSRF token: the secret in
//! the path is what authorizes them, and a mail app's one-click `POST` (RFC 8058) carries no
//! cookie.

use crate::web::form::Form;
use std::collections::BTreeMap;

use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;

use super::{
    Follows, Status, service,
    words::{SubscriptionWords, words as subscription_words},
};
use crate::{
    calendar::FilterParams,
    error::{ApiError, ApiResult},
    pages::listing::{FilterForm, filter_form},
    state::AppState,
    values::Lang,
    web::{Csrf, Errors, Shell, Words, client_address, language, page, see_other, words::words},
};

#[derive(Template)]
#[template(path = "subscriptions/form.html")]
struct FormPage {
    shell: Shell,
    w: &'static Words,
    sw: &'static SubscriptionWords,
    form: FilterForm,
    markets_only: bool,
    /// Another format than markets came with the view: no "markets only" box then.
    other_format: bool,
    email: String,
    lang_en: bool,
    /// Filter fields the form has no control for, carried as they came (`reach`, `brand`, `q`,
    /// a format other than markets).
    hidden: Vec<(String, String)>,
    /// Those fields as people read them.
    also: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SubscribeForm {
    csrf: String,
    email: String,
    lang: String,
    venue: String,
    kind: String,
    format: String,
    reach: String,
    brand: String,
    q: String,
}

impl SubscribeForm {
    /// The filter's fields as sent; parsing treats empty ones as unset.
    fn params(&self) -> FilterParams {
        FilterParams {
            venue: Some(self.venue.clone()),
            kind: Some(self.kind.clone()),
            format: Some(self.format.clone()),
            reach: Some(self.reach.clone()),
            brand: Some(self.brand.clone()),
            q: Some(self.q.clone()),
            ..Default::default()
        }
    }
}

async fn form_page(
    req: &Request,
    state: &AppState,
    status: StatusCode,
    follows: &Follows,
    email: String,
    lang: Lang,
    errors: Errors,
) -> ApiResult<Response> {
    let page_lang = language(req);
    let (w, sw, csrf) = (words(page_lang), subscription_words(page_lang), Csrf::of(req, state));
    let filter = follows.filter();
    let markets_only = filter.format == Some(crate::bookings::Format::Market);
    // What the form has no control for (the venue, the kind and "markets only" are its own),
    // carried in hidden fields and named beside them.
    let rest = Follows(crate::calendar::EventFilter {
        venue: None,
        kind: None,
        format: filter.format.filter(|_| !markets_only),
        ..filter.clone()
    });
    let hidden: Vec<(String, String)> = serde_urlencoded::from_str(&rest.to_query()).unwrap_or_default();
    let also = match hidden.is_empty() {
        true => None,
        false => Some(rest.describe(&state.db, page_lang).await?),
    };
    let template = FormPage {
        shell: Shell::new(req, page_lang, sw.title, &csrf, None).with_errors(errors),
        w,
        sw,
        form: filter_form(state, filter, page_lang).await?,
        markets_only,
        other_format: rest.filter().format.is_some(),
        email,
        lang_en: lang == Lang::En,
        hidden,
        also,
    };
    page(status, &template, &csrf, vec![])
}

/// `GET /subscribe?venue=…&kind=…&format=market`: the form, set to the view the visitor came from.
#[handler]
pub async fn subscribe_page(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    let follows = Follows::parse(FilterParams::from_query(&query))?;
    Ok(form_page(req, &state, StatusCode::OK, &follows, String::new(), language(req), Errors::default())
        .await?)
}

/// `POST /subscribe`: the same answer whether or not the address already subscribes.
#[handler]
pub async fn subscribe(
    req: &Request,
    state: Data<&AppState>,
    Form(form): Form<SubscribeForm>,
) -> poem::Result<Response> {
    // The form always sends one; without it, the page's language.
    let lang_code = if form.lang.is_empty() { language(req).short() } else { form.lang.as_str() };
    let outcome = match Follows::parse(form.params()) {
        Ok(follows) => {
            service::subscribe(&state, &form.email, lang_code, &follows, client_address(req)).await
        }
        Err(err) => Err(err),
    };
    let lang = if lang_code == "en" { Lang::En } else { Lang::Zh };
    match outcome {
        Ok(_) => Ok(see_other("/subscribe/sent", vec![])),
        Err(ApiError::Validation(fields)) => {
            // Show the form again with what can be kept of the filter.
            let follows = Follows::parse(form.params()).unwrap_or_default();
            Ok(form_page(
                req,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &follows,
                form.email,
                lang,
                Errors::from_fields(fields, lang),
            )
            .await?)
        }
        Err(ApiError::TooManyRequests { retry_after, .. }) => {
            Ok(crate::web::form::too_many(req, retry_after))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "subscriptions/message.html")]
struct MessagePage {
    shell: Shell,
    w: &'static Words,
    heading: &'static str,
    text: &'static str,
    /// (href, label) of the way on.
    next: Option<(String, &'static str)>,
}

fn message(
    req: &Request,
    state: &AppState,
    status: StatusCode,
    heading: &'static str,
    text: &'static str,
    next: Option<(String, &'static str)>,
) -> ApiResult<Response> {
    let lang = language(req);
    let csrf = Csrf::of(req, state);
    let template = MessagePage {
        shell: Shell::new(req, lang, heading, &csrf, None),
        w: words(lang),
        heading,
        text,
        next,
    };
    Ok(private(page(status, &template, &csrf, vec![])?))
}

/// A page whose URL holds a secret: no Referer may carry it elsewhere.
fn private(mut response: Response) -> Response {
    response.headers_mut().insert("referrer-policy", poem::http::HeaderValue::from_static("no-referrer"));
    response
}

/// A token as we make them: 64 hex digits. Anything else names nothing, without a lookup.
fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `GET /subscribe/sent`.
#[handler]
pub async fn sent_page(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let sw = subscription_words(language(req));
    Ok(message(
        req,
        &state,
        StatusCode::OK,
        sw.sent_title,
        sw.sent_body,
        Some(("/events".into(), sw.see_events)),
    )?)
}

#[derive(Template)]
#[template(path = "subscriptions/confirm.html")]
struct ConfirmPage {
    shell: Shell,
    w: &'static Words,
    sw: &'static SubscriptionWords,
    what: String,
    action: String,
}

fn link_dead(req: &Request, state: &AppState) -> ApiResult<Response> {
    let sw = subscription_words(language(req));
    message(
        req,
        state,
        StatusCode::NOT_FOUND,
        sw.confirm_title,
        sw.link_dead,
        Some(("/subscribe".into(), sw.subscribe_again)),
    )
}

/// `GET /subscribe/confirm/{token}`: what the link confirms, and the button that does.
#[handler]
pub async fn confirm_page(
    req: &Request,
    state: Data<&AppState>,
    Path(token): Path<String>,
) -> poem::Result<Response> {
    let pending = if well_formed(&token) { service::pending(&state, &token).await? } else { None };
    let Some(shown) = pending else { return Ok(link_dead(req, &state)?) };
    let lang = language(req);
    let (sw, csrf) = (subscription_words(lang), Csrf::of(req, &state));
    let template = ConfirmPage {
        shell: Shell::new(req, lang, sw.confirm_title, &csrf, None),
        w: words(lang),
        sw,
        what: what(&state, Follows::from_query(&shown.filter).ok().as_ref(), lang).await?,
        action: format!("/subscribe/confirm/{token}"),
    };
    Ok(private(page(StatusCode::OK, &template, &csrf, vec![])?))
}

/// `POST /subscribe/confirm/{token}`.
#[handler]
pub async fn confirm(
    req: &Request,
    state: Data<&AppState>,
    Path(token): Path<String>,
) -> poem::Result<Response> {
    if !well_formed(&token) {
        return Ok(link_dead(req, &state)?);
    }
    match service::confirm(&state, &token).await {
        Ok(own) => Ok(private(see_other(&format!("/subscriptions/{own}?done=confirmed"), vec![]))),
        Err(ApiError::NotFound(_)) => Ok(link_dead(req, &state)?),
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "subscriptions/subscription.html")]
struct SubscriptionPage {
    shell: Shell,
    w: &'static Words,
    sw: &'static SubscriptionWords,
    what: String,
    status: &'static str,
    live: bool,
    /// The button ends every subscription of the address (the digest's one-click link).
    every: bool,
    action: String,
    events_href: String,
    again_href: String,
}

async fn subscription_page(
    req: &Request,
    state: &AppState,
    token: &str,
    every: bool,
    notice: Option<&str>,
) -> ApiResult<Response> {
    let found = if well_formed(token) { service::find(state, token).await? } else { None };
    let lang = language(req);
    let sw = subscription_words(lang);
    let Some(shown) = found else {
        return message(
            req,
            state,
            StatusCode::NOT_FOUND,
            sw.page_title,
            sw.no_such,
            Some(("/subscribe".into(), sw.subscribe_again)),
        );
    };
    let csrf = Csrf::of(req, state);
    let status = shown.status();
    // A stored filter that no longer parses still shows its page and its button.
    let follows = Follows::from_query(&shown.filter).ok();
    let query = follows.as_ref().map(Follows::to_query).unwrap_or_default();
    let template = SubscriptionPage {
        shell: Shell::new(req, lang, sw.page_title, &csrf, None).with_notice(notice),
        w: words(lang),
        sw,
        what: what(state, follows.as_ref(), lang).await?,
        status: match status {
            Status::Pending => sw.pending,
            Status::Active => sw.active,
            Status::Ended => sw.ended,
        },
        live: status != Status::Ended,
        every,
        action: format!("/subscriptions/{token}/unsubscribe{}", if every { "?all=1" } else { "" }),
        events_href: follows.as_ref().map_or_else(|| "/events".to_owned(), Follows::events_path),
        again_href: if query.is_empty() { "/subscribe".into() } else { format!("/subscribe?{query}") },
    };
    Ok(private(page(StatusCode::OK, &template, &csrf, vec![])?))
}

/// What a stored filter follows, as people read it; a filter that no longer parses says so.
async fn what(state: &AppState, follows: Option<&Follows>, lang: Lang) -> ApiResult<String> {
    match follows {
        Some(follows) => follows.describe(&state.db, lang).await,
        None => Ok(subscription_words(lang).filter_gone.to_owned()),
    }
}

/// `GET /subscriptions/{token}` (and `GET …/unsubscribe`, where mail apps without one-click
/// send people): what it follows, and the button that unsubscribes. A `GET` changes nothing.
#[handler]
pub async fn subscription(
    req: &Request,
    state: Data<&AppState>,
    Path(token): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    let sw = subscription_words(language(req));
    let notice = (query.get("done").map(String::as_str) == Some("confirmed")).then_some(sw.confirmed_notice);
    Ok(subscription_page(req, &state, &token, every(&query), notice).await?)
}

/// `?all=1`: the address's every subscription, as the digest's one-click link means.
fn every(query: &BTreeMap<String, String>) -> bool {
    query.get("all").map(String::as_str) == Some("1")
}

/// `POST /subscriptions/{token}/unsubscribe`: the page's button and the mail app's one-click
/// (`List-Unsubscribe=One-Click`, RFC 8058), which is answered with a page, never a redirect.
/// With `?all=1` (the digest's `List-Unsubscribe`), every subscription of the address ends.
#[handler]
pub async fn unsubscribe(
    req: &Request,
    state: Data<&AppState>,
    Path(token): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    let every = every(&query);
    if well_formed(&token) {
        match service::unsubscribe(&state, &token, every).await {
            Ok(()) | Err(ApiError::NotFound(_)) => {}
            Err(other) => return Err(other.into()),
        }
    }
    let sw = subscription_words(language(req));
    Ok(subscription_page(req, &state, &token, every, Some(sw.unsubscribed_notice)).await?)
}
