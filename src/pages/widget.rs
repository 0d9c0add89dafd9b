//! The widget for mall and district websites: `GET /widget?…` is a compact list of upcoming
//! events for any filter of the shared grammar (`venue`, `kind`, `format`, `reach`, `brand`,
//! `q`), meant for an iframe; `GET /widget.js` turns each `<div data-debut-events="kind=mall">`
//! of the host page into such an iframe, sized to its content. `limit` (1–20, default 5), `lang`
//! (`zh`, `en`; else the visitor's languages) and `accent` (a `#rrggbb` colour, to fit the host's
//! look) shape it. Public pages may be framed; signed-in ones never are (`web::page`).

use std::collections::BTreeMap;

use askama::Template;
use poem::{
    Request, Response, handler,
    http::header,
    web::{Data, Query},
};

use super::{Card, HTML, card, css_href, i18n, language, last_modified, render, serve_cached, words};
use crate::{
    cache::Built,
    calendar::{EventFilter, FilterParams, store as events},
    error::ApiError,
    state::AppState,
    values::Lang,
};

const DEFAULT_LIMIT: usize = 5;
const MAX_LIMIT: usize = 20;

#[derive(Template)]
#[template(path = "widget.html")]
struct WidgetPage<'a> {
    lang_code: &'static str,
    css_href: String,
    w: &'a i18n::Words,
    accent: Option<String>,
    cards: Vec<Card>,
    /// The full list on the site, with the same filter.
    more_href: String,
    frame_script: &'static str,
}

/// The widget frame's one inline script: it tells the page around the frame how tall the list
/// is (widget.js sizes the frame to it). Every page's Content-Security-Policy allows it by its
/// hash ([`FRAME_SCRIPT_HASH`]), and nothing else inline.
pub const FRAME_SCRIPT: &str = "\n(function () {\n  function report() { parent.postMessage({ debutHeight: document.documentElement.scrollHeight }, \"*\"); }\n  new ResizeObserver(report).observe(document.body);\n  report();\n})();\n";

/// `'sha256-…'` of [`FRAME_SCRIPT`], as a CSP source.
pub fn frame_script_hash() -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(FRAME_SCRIPT.as_bytes());
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// `#rrggbb` only: the value goes into a style attribute, so nothing else may pass.
fn accent(value: Option<&String>) -> Result<Option<String>, ApiError> {
    match value {
        None => Ok(None),
        Some(v) if v.len() == 7 && v.starts_with('#') && v[1..].chars().all(|c| c.is_ascii_hexdigit()) => {
            Ok(Some(v.to_ascii_lowercase()))
        }
        Some(_) => Err(ApiError::invalid("accent", crate::error::Invalid::new("colour"))),
    }
}

fn limit(value: Option<&String>) -> Result<usize, ApiError> {
    let Some(value) = value else { return Ok(DEFAULT_LIMIT) };
    value
        .parse()
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| ApiError::invalid("limit", crate::error::Invalid::new("limit").with("max", MAX_LIMIT)))
}

/// `GET /widget`.
#[handler]
pub async fn widget(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    let lang = match query.get("lang").map(String::as_str) {
        Some("zh") => Lang::Zh,
        Some("en") => Lang::En,
        Some(_) => return Err(ApiError::invalid("lang", crate::error::Invalid::new("language")).into()),
        None => language(req),
    };
    let filter = EventFilter::parse(FilterParams::from_query(&query))?;
    let (accent, limit) = (accent(query.get("accent"))?, limit(query.get("limit"))?);
    let key = format!("widget|{}|{limit}|{}", filter.to_query(), accent.as_deref().unwrap_or(""));
    serve_cached(req, &state, lang, key, || async {
        let now = state.clock.now();
        let mut effective = filter.clone();
        effective.from = effective.from.or(Some(now));
        let rows = events::events(&state.db, &effective, now, None, limit as i64).await?;
        let query = filter.to_query();
        let public_url = &state.settings.public_url;
        let page = WidgetPage {
            lang_code: lang.code(),
            css_href: format!("{public_url}{}", css_href()),
            w: words(lang),
            accent,
            cards: rows
                .iter()
                .map(|r| {
                    let mut card = card(r, lang, public_url);
                    card.href = format!("{public_url}{}", card.href);
                    card
                })
                .collect(),
            more_href: format!(
                "{public_url}/events{}",
                if query.is_empty() { String::new() } else { format!("?{query}") }
            ),
            frame_script: FRAME_SCRIPT,
        };
        Ok(Built { content_type: HTML, body: render(&page)?.into(), last_modified: last_modified(&rows) })
    })
    .await
}

const SCRIPT: &str = include_str!("../../templates/static/widget.js");

/// `GET /widget.js`.
#[handler]
pub fn widget_script() -> Response {
    Response::builder()
        .content_type("text/javascript; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .header("access-control-allow-origin", "*")
        .body(SCRIPT)
}
