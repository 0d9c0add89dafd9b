//! The public pages: upcoming events with filters, event and venue pages, a month view, the
//! sitemap. Server-rendered from `templates/` (auto-escaped), complete without JavaScript, in
//! zh-CN and en (chosen by a `lang` cookie, else `Accept-Language`). Pages share the feeds' cache:
//! they are rendered once per change and answer conditional requests with 304.

pub mod event;
pub mod i18n;
pub mod listing;
pub mod markets;
pub mod poster;
pub mod programme;
pub mod venue_pages;
pub mod widget;

use std::collections::BTreeMap;

use askama::Template;
use chrono::{DateTime, TimeDelta, Utc};
use poem::{
    Request, Response, handler,
    http::{StatusCode, header},
    web::{Data, Path, Query},
};

use self::i18n::words;
use crate::{
    cache::{Built, respond, respond_varying},
    calendar::{EventFilter, EventRow, EventStatus, store as events},
    error::{ApiError, ApiResult},
    http::url_encode,
    media::{self, StoredVariant},
    state::AppState,
    values::Lang,
    venues,
};

const CSS: &str = include_str!("../../templates/static/debut.css");
const HTML: &str = "text/html; charset=utf-8";
const PAGE_CACHE: &str = "public, max-age=60";
const VARY: &str = "Accept-Encoding, Accept-Language, Cookie";

/// The reader's language: the `lang` cookie, else the first of zh or en in `Accept-Language`.
pub fn language(req: &Request) -> Lang {
    let cookie = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').find_map(|kv| kv.trim().strip_prefix("lang=").map(str::to_owned)));
    if let Some(lang) = cookie {
        return Lang::parse(Some(&lang));
    }
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    Lang::from_accept_language(accept).unwrap_or(Lang::Zh)
}

/// What every page's `<head>` and header need.
pub struct Layout {
    pub lang_code: &'static str,
    pub title: String,
    pub description: String,
    pub canonical: String,
    pub og_type: &'static str,
    pub image: Option<String>,
    pub json_ld: Option<String>,
    pub switch_href: String,
    pub switch_lang: &'static str,
    pub css_href: String,
}

fn layout(state: &AppState, lang: Lang, path_and_query: &str, title: String, description: String) -> Layout {
    let other = if lang == Lang::Zh { Lang::En } else { Lang::Zh };
    Layout {
        lang_code: lang.code(),
        title,
        description,
        canonical: format!("{}{}", state.settings.public_url, path_and_query),
        og_type: "website",
        image: None,
        json_ld: None,
        switch_href: format!(
            "/lang/{}?next={}",
            if other == Lang::En { "en" } else { "zh" },
            url_encode(path_and_query)
        ),
        switch_lang: other.code(),
        css_href: css_href(),
    }
}

/// The stylesheet's URL, versioned by its content so it can be cached for a year.
pub fn css_href() -> String {
    format!("/static/debut.css?v={}", &crate::media::content_hash(CSS.as_bytes())[..8])
}

/// A responsive image for a template.
pub struct Img {
    pub src: String,
    pub srcset: String,
    /// The same widths as WebP, offered first (`<picture>`): lossy, about two thirds of the
    /// JPEG's bytes (images stored before lossy WebP carry lossless ones, larger; see
    /// ARCHITECTURE.md).
    pub webp_srcset: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

pub fn img(variants: &[StoredVariant], alt: &str, public_url: &str) -> Option<Img> {
    let srcset = |format: &str| {
        variants
            .iter()
            .filter(|v| v.format == format)
            .map(|v| format!("{} {}w", media::url(public_url, &v.path), v.width))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let jpegs: Vec<&StoredVariant> = variants.iter().filter(|v| v.format == "jpeg").collect();
    let default = jpegs.iter().find(|v| v.width >= 640).or(jpegs.last())?;
    Some(Img {
        src: media::url(public_url, &default.path),
        srcset: srcset("jpeg"),
        webp_srcset: srcset("webp"),
        alt: alt.to_owned(),
        width: default.width,
        height: default.height,
    })
}

/// An event in a list.
pub struct Card {
    pub href: String,
    pub title: String,
    pub when: String,
    pub start_iso: String,
    pub venue_name: String,
    pub format_label: &'static str,
    pub reach_label: &'static str,
    pub cancelled: bool,
    pub rescheduled: bool,
    pub poster: Option<Img>,
}

fn card(event: &EventRow, lang: Lang, public_url: &str) -> Card {
    Card {
        href: event.path(),
        title: event.title(lang).to_owned(),
        when: i18n::span(lang, event.starts_at, event.ends_at, event.tz()),
        start_iso: event.starts_at.to_rfc3339(),
        venue_name: event.venue_name(lang).to_owned(),
        format_label: i18n::format_name(lang, event.format),
        reach_label: i18n::reach_name(lang, event.reach),
        cancelled: event.status() == EventStatus::Cancelled,
        rescheduled: event.previous_starts_at.is_some(),
        poster: event.poster().and_then(|v| img(&v, event.poster_alt.as_deref().unwrap_or(""), public_url)),
    }
}

fn render(template: &impl Template) -> ApiResult<String> {
    template.render().map_err(|e| ApiError::Internal(anyhow::anyhow!("rendering a page: {e}")))
}

fn path_and_query(req: &Request) -> String {
    req.uri().path_and_query().map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned())
}

/// Serves a page from the cache. `key` names what the page shows (parsed, canonical
/// parameters only), so stray query parameters cannot multiply cache entries.
async fn serve_cached<F, Fut>(
    req: &Request,
    state: &AppState,
    lang: Lang,
    key: String,
    build: F,
) -> poem::Result<Response>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ApiResult<Built>>,
{
    let key = format!("page|{key}|{}", lang.code());
    let page = state.cached(key, |_| build()).await?;
    Ok(respond_varying(req, &page, PAGE_CACHE, VARY))
}

fn last_modified(rows: &[EventRow]) -> DateTime<Utc> {
    rows.iter().map(EventRow::last_modified).max().unwrap_or(DateTime::UNIX_EPOCH)
}

/// A path on this site: starts with one `/` and holds only plain URL characters (browsers drop
/// tabs and newlines, so `/\t/evil.example` would become `//evil.example`).
pub fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && next.chars().all(|c| c.is_ascii_alphanumeric() || "/-_.~?=&%+:,".contains(c))
}

/// `GET /lang/{code}?next=/path`: remembers the language in a cookie and goes back.
#[handler]
pub fn switch_language(Path(code): Path<String>, Query(query): Query<BTreeMap<String, String>>) -> Response {
    let lang = Lang::parse(Some(&code));
    let value = if lang == Lang::En { "en" } else { "zh" };
    // Only paths on this site: never an open redirect.
    let next = query.get("next").filter(|n| is_local_path(n)).map_or("/", String::as_str);
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, next)
        .header(header::SET_COOKIE, format!("lang={value}; Path=/; Max-Age=31536000; SameSite=Lax"))
        .finish()
}

/// `GET /static/debut.css`.
#[handler]
pub fn stylesheet() -> Response {
    Response::builder()
        .content_type("text/css; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .body(CSS)
}

/// `GET /robots.txt`.
#[handler]
pub fn robots(state: Data<&AppState>) -> Response {
    let body = format!(
        "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /feeds/\nDisallow: /lang/\nSitemap: {}/sitemap.xml\n",
        state.settings.public_url
    );
    Response::builder().content_type("text/plain; charset=utf-8").body(body)
}

/// `GET /sitemap.xml`: the home page, venues and events.
#[handler]
pub async fn sitemap(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let doc = state.cached("sitemap".into(), |_| async {
        let public_url = &state.settings.public_url;
        let now = state.clock.now();
        let filter = EventFilter { from: Some(now - TimeDelta::days(30)), ..Default::default() };
        let rows = events::events(&state.db, &filter, now, None, 20_000).await?;
        let all = venues::store::list(&state.db, &Default::default(), 0, 100).await?;
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for path in ["/".to_owned(), "/events".to_owned(), "/venues".to_owned()] {
            out.push_str(&format!("<url><loc>{public_url}{path}</loc></url>\n"));
        }
        for venue in &all {
            out.push_str(&format!("<url><loc>{public_url}/venues/{}</loc><lastmod>{}</lastmod></url>\n", venue.slug, venue.updated_at.format("%Y-%m-%d")));
        }
        // A market has many dates and one page.
        let mut listed = std::collections::BTreeSet::new();
        for row in rows.iter().filter(|row| listed.insert(row.path())) {
            out.push_str(&format!(
                "<url><loc>{public_url}{}</loc><lastmod>{}</lastmod></url>\n",
                row.path(),
                row.last_modified().format("%Y-%m-%d")
            ));
        }
        out.push_str("</urlset>\n");
        Ok(Built { content_type: "application/xml; charset=utf-8", body: out.into(), last_modified: last_modified(&rows) })
    })
    .await?;
    Ok(respond(req, &doc, PAGE_CACHE))
}

/// The public site: pages, the widget, robots and sitemap.
pub fn routes(r: &mut crate::http::Routes) {
    r.get("/", listing::home);
    r.get("/events", listing::events_page);
    r.get("/events/:file", event::event_file);
    r.get("/events/:slug/poster", poster::event_poster);
    r.get("/venues", venue_pages::venues_page);
    r.get("/venues/:slug", venue_pages::venue_page);
    r.get("/markets", markets::markets_page);
    r.get("/calls", programme::calls_page);
    r.get("/calls/:slug", programme::call_page);
    r.get("/numbers/:year", programme::numbers_page);
    r.get("/markets/:file", markets::market_file);
    r.get("/lang/:code", switch_language);
    r.get("/static/debut.css", stylesheet);
    r.get("/widget", widget::widget);
    r.get("/widget.js", widget::widget_script);
    r.get("/robots.txt", robots);
    r.get("/sitemap.xml", sitemap);
}
