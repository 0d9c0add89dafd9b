//! Feed endpoints (iCal, RSS) with HTTP caching.
//!
//! A feed is built once per change: entries are cached by (feed, filter, language) and reused
//! while the calendar version is unchanged and the entry is younger than [`MAX_AGE`] (which is
//! how tombstones leave on time). Each entry keeps its gzip form, a strong ETag per encoding and
//! a Last-Modified, so conditional requests answer 304 without touching the events.

use std::{
    collections::{BTreeMap, HashMap},
    io::Write,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, TimeDelta, Utc};
use poem::{
    Body, Request, Response, handler,
    http::{HeaderValue, StatusCode, header},
    web::{Data, Path, Query},
};
use sha2::{Digest, Sha256};

use super::{EventFilter, EventRow, FilterParams, Lang, ics, store};
use crate::{
    accounts::{auth::token_hash, store as accounts},
    error::{ApiError, ApiResult},
    http::AppState,
    venues,
};

/// How long a cached feed may be served without a rebuild, even if nothing changed.
pub const MAX_AGE: TimeDelta = TimeDelta::minutes(5);
/// The most events one feed carries.
pub const MAX_EVENTS: i64 = 20_000;
/// Feeds show events that ended up to this long ago.
pub const PAST_WINDOW: TimeDelta = TimeDelta::days(90);
const MAX_ENTRIES: usize = 512;
/// The most bytes the cache holds (bodies and their gzip forms); past it, it starts over.
const MAX_BYTES: usize = 256 * 1024 * 1024;

/// A built feed, ready to serve.
#[derive(Debug)]
pub struct CachedFeed {
    version: i64,
    built_at: DateTime<Utc>,
    etag: String,
    last_modified: DateTime<Utc>,
    content_type: &'static str,
    body: bytes::Bytes,
    gzip: bytes::Bytes,
}

impl CachedFeed {
    fn new(
        version: i64,
        built_at: DateTime<Utc>,
        last_modified: DateTime<Utc>,
        content_type: &'static str,
        body: String,
    ) -> Self {
        let etag = hex::encode(&Sha256::digest(body.as_bytes())[..16]);
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let gzip = encoder.write_all(body.as_bytes()).and_then(|()| encoder.finish()).unwrap_or_default();
        Self { version, built_at, etag, last_modified, content_type, body: body.into(), gzip: gzip.into() }
    }
}

/// Built feeds by key.
#[derive(Debug, Default)]
pub struct FeedCache {
    entries: Mutex<(HashMap<String, Arc<CachedFeed>>, usize)>,
}

impl FeedCache {
    fn get(&self, key: &str) -> Option<Arc<CachedFeed>> {
        self.entries.lock().expect("feed cache lock").0.get(key).cloned()
    }

    /// Keeps `feed`, bounded by entry count and bytes: past either bound, the cache starts over
    /// (simple, and every entry can be rebuilt).
    fn put(&self, key: String, feed: Arc<CachedFeed>) {
        let mut guard = self.entries.lock().expect("feed cache lock");
        let (entries, bytes) = &mut *guard;
        let size = feed.body.len() + feed.gzip.len();
        if entries.len() >= MAX_ENTRIES || *bytes + size > MAX_BYTES {
            entries.clear();
            *bytes = 0;
        }
        if let Some(old) = entries.insert(key, feed) {
            *bytes -= old.body.len() + old.gzip.len();
        }
        *bytes += size;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ics,
    Rss,
}

/// A freshly built document: its content type, body and the newest change it shows.
pub struct Built {
    pub content_type: &'static str,
    pub body: String,
    pub last_modified: DateTime<Utc>,
}

/// The cached document for `key`, built with `build` only when the calendar version moved or
/// the entry is older than [`MAX_AGE`]. Feeds and HTML pages both go through here.
pub async fn cached<F, Fut>(state: &AppState, key: String, build: F) -> ApiResult<Arc<CachedFeed>>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ApiResult<Built>>,
{
    let version = store::version(&state.db).await?;
    let now = state.clock.now();
    let previous = state.feed_cache.get(&key);
    if let Some(hit) = &previous
        && hit.version == version
        && now - hit.built_at < MAX_AGE
    {
        return Ok(hit.clone());
    }
    let built = build().await?;
    let fresh = CachedFeed::new(version, now, now, built.content_type, built.body);
    let last_modified = match previous {
        // Unchanged bytes keep their date; changed ones are new as of now.
        Some(p) if p.etag == fresh.etag => p.last_modified,
        Some(_) => now,
        None => built.last_modified,
    };
    let fresh = Arc::new(CachedFeed { last_modified, ..fresh });
    state.feed_cache.put(key, fresh.clone());
    Ok(fresh)
}

/// The cached feed of `filter`.
async fn feed(
    state: &AppState,
    key: String,
    filter: &EventFilter,
    lang: Lang,
    name: &str,
    kind: Kind,
) -> ApiResult<Arc<CachedFeed>> {
    cached(state, key, || async {
        let now = state.clock.now();
        let mut filter = filter.clone();
        filter.from = filter.from.or(Some(now - PAST_WINDOW));
        let events = store::events(&state.db, &filter, now, None, MAX_EVENTS).await?;
        let public_url = state.settings.public_url.as_str();
        let (content_type, body) = match kind {
            Kind::Ics => {
                let meta = ics::FeedMeta {
                    name,
                    public_url,
                    uid_domain: &state.settings.uid_domain,
                    lang,
                    zone: venues::DEFAULT_ZONE,
                };
                ("text/calendar; charset=utf-8", ics::calendar(&events, &meta, ics::Audience::Public))
            }
            Kind::Rss => ("application/rss+xml; charset=utf-8", rss(&events, name, &filter, lang, state)),
        };
        let last_modified = events.iter().map(EventRow::last_modified).max().unwrap_or(DateTime::UNIX_EPOCH);
        Ok(Built { content_type, body, last_modified })
    })
    .await
}

fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn etag_matches(header: &str, etag: &str) -> bool {
    header.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == "*" || t == etag)
}

/// Serves a feed, honouring `If-None-Match`, `If-Modified-Since` and `Accept-Encoding: gzip`.
pub fn respond(req: &Request, feed: &CachedFeed, cache_control: &str) -> Response {
    respond_varying(req, feed, cache_control, "Accept-Encoding")
}

/// Like [`respond`], naming what else the document varies by (pages vary by language).
pub fn respond_varying(req: &Request, feed: &CachedFeed, cache_control: &str, vary: &str) -> Response {
    let gzip = req.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(',').any(|e| e.trim().split(';').next() == Some("gzip") && !e.contains("q=0"))
    });
    let etag = if gzip { format!("\"{}-gz\"", feed.etag) } else { format!("\"{}\"", feed.etag) };
    let last_modified = http_date(feed.last_modified);
    let not_modified = match req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        Some(tags) => etag_matches(tags, &etag),
        None => req
            .headers()
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
            .is_some_and(|since| feed.last_modified.timestamp() <= since.timestamp()),
    };
    let mut response = if not_modified {
        Response::builder().status(StatusCode::NOT_MODIFIED).finish()
    } else if gzip {
        Response::builder()
            .content_type(feed.content_type)
            .header(header::CONTENT_ENCODING, "gzip")
            .body(Body::from_bytes(feed.gzip.clone()))
    } else {
        Response::builder().content_type(feed.content_type).body(Body::from_bytes(feed.body.clone()))
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (header::ETAG, etag.as_str()),
        (header::LAST_MODIFIED, last_modified.as_str()),
        (header::CACHE_CONTROL, cache_control),
        (header::VARY, vary),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    response
}

const PUBLIC_CACHE: &str = "public, max-age=300";

fn filter_and_lang(query: &BTreeMap<String, String>) -> ApiResult<(EventFilter, Lang)> {
    let filter = EventFilter::parse(FilterParams::from_query(query))?;
    Ok((filter, Lang::parse(query.get("lang").map(String::as_str))))
}

fn feed_name(base: &str, filter: &EventFilter) -> String {
    let query = filter.to_query();
    if query.is_empty() { base.to_owned() } else { format!("{base} ({})", query.replace('&', ", ")) }
}

/// `GET /calendar.ics`: every public event, filtered by the query.
#[handler]
pub async fn all_events(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    let (filter, lang) = filter_and_lang(&query)?;
    let key = format!("ics|{}|{}", filter.to_query(), lang.code());
    let feed = feed(&state, key, &filter, lang, &feed_name("Debut", &filter), Kind::Ics).await?;
    Ok(respond(req, &feed, PUBLIC_CACHE))
}

/// `GET /events.rss`: the same events as RSS 2.0.
#[handler]
pub async fn rss_feed(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    let (filter, lang) = filter_and_lang(&query)?;
    let key = format!("rss|{}|{}", filter.to_query(), lang.code());
    let feed = feed(&state, key, &filter, lang, &feed_name("Debut", &filter), Kind::Rss).await?;
    Ok(respond(req, &feed, PUBLIC_CACHE))
}

/// `GET /venues/{slug}/calendar.ics`: one venue's events.
#[handler]
pub async fn venue_calendar(
    req: &Request,
    state: Data<&AppState>,
    Path(slug): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    let venue = venues::store::find_by_slug(&state.db, &slug)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Venue {slug:?}")))?;
    let (mut filter, lang) = filter_and_lang(&query)?;
    filter.venue = Some(venue.slug.clone());
    let name = match lang {
        Lang::Zh => format!("Debut · {}", venue.name_zh),
        Lang::En => format!("Debut · {}", venue.name_en),
    };
    let key = format!("ics|{}|{}", filter.to_query(), lang.code());
    let feed = feed(&state, key, &filter, lang, &name, Kind::Ics).await?;
    Ok(respond(req, &feed, PUBLIC_CACHE))
}

/// `GET /events/{slug}.ics`: one event (its tombstone, for 30 days after a cancellation).
pub async fn event_ics(req: &Request, state: &AppState, slug: &str, lang: Lang) -> poem::Result<Response> {
    let event = store::event(&state.db, slug, state.clock.now())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Event {slug:?}")))?;
    let meta = ics::FeedMeta {
        name: event.title(lang),
        public_url: &state.settings.public_url,
        uid_domain: &state.settings.uid_domain,
        lang,
        zone: venues::DEFAULT_ZONE,
    };
    let body = ics::calendar(std::slice::from_ref(&event), &meta, ics::Audience::Public);
    let feed =
        CachedFeed::new(0, state.clock.now(), event.last_modified(), "text/calendar; charset=utf-8", body);
    let mut response = respond(req, &feed, PUBLIC_CACHE);
    if let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{slug}.ics\"")) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// `GET /feeds/{token}/bookings.ics`: a user's own calendar — an applicant's bookings (pending
/// ones TENTATIVE), or for staff every pending and approved booking. Secret URL, not cached.
#[handler]
pub async fn audience(
    req: &Request,
    state: Data<&AppState>,
    Path(token): Path<String>,
) -> poem::Result<Response> {
    let unknown = || {
        ApiError::NotFound(
            "This feed URL is unknown or was revoked; get a new one from POST /api/v1/me/feed-token.".into(),
        )
    };
    let user_id = store::feed_token_user(&state.db, &token_hash(&token)).await?.ok_or_else(unknown)?;
    let user = accounts::find_user(&state.db, user_id).await?.ok_or_else(unknown)?;
    let principal = user.principal();
    let (organization, name) = if principal.is_staff() {
        (None, "Debut · review calendar".to_owned())
    } else {
        (Some(principal.organization.ok_or_else(unknown)?.id), "Debut · my bookings".to_owned())
    };
    let now = state.clock.now();
    let events = store::audience_bookings(&state.db, organization, now).await?;
    let meta = ics::FeedMeta {
        name: &name,
        public_url: &state.settings.public_url,
        uid_domain: &state.settings.uid_domain,
        lang: Lang::Zh,
        zone: venues::DEFAULT_ZONE,
    };
    let body = ics::calendar(&events, &meta, ics::Audience::Private);
    let last_modified = events.iter().map(EventRow::last_modified).max().unwrap_or(DateTime::UNIX_EPOCH);
    let feed = CachedFeed::new(0, now, last_modified, "text/calendar; charset=utf-8", body);
    Ok(respond(req, &feed, "private, max-age=300"))
}

fn xml_escape(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).fold(
        String::with_capacity(text.len()),
        |mut out, c| {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                c => out.push(c),
            }
            out
        },
    )
}

fn rss(events: &[EventRow], name: &str, filter: &EventFilter, lang: Lang, state: &AppState) -> String {
    let public_url = &state.settings.public_url;
    let query = filter.to_query();
    let link = if query.is_empty() {
        format!("{public_url}/events")
    } else {
        format!("{public_url}/events?{query}")
    };
    let self_link = if query.is_empty() {
        format!("{public_url}/events.rss")
    } else {
        format!("{public_url}/events.rss?{query}")
    };
    let last = events.iter().map(EventRow::last_modified).max().unwrap_or(DateTime::UNIX_EPOCH);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
    out.push_str(&format!("<title>{}</title>\n<link>{}</link>\n", xml_escape(name), xml_escape(&link)));
    out.push_str(&format!(
        "<description>{}</description>\n<language>{}</language>\n<lastBuildDate>{}</lastBuildDate>\n",
        xml_escape("Debut launches, shows, exhibitions and markets"),
        lang.code(),
        last.to_rfc2822()
    ));
    out.push_str(&format!(
        "<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        xml_escape(&self_link)
    ));
    for event in events {
        let tz = event.tz();
        let when = format!(
            "{} – {} ({})",
            event.starts_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
            event.ends_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
            event.zone
        );
        let mut title = event.title(lang).to_owned();
        if event.status() == super::EventStatus::Cancelled {
            title = format!("[{}] {title}", if lang == Lang::Zh { "已取消" } else { "Cancelled" });
        }
        let description = format!("{when} · {} · {}", event.venue_name(lang), event.description(lang));
        out.push_str("<item>\n");
        out.push_str(&format!("<title>{}</title>\n", xml_escape(&title)));
        out.push_str(&format!(
            "<link>{}/events/{}</link>\n",
            xml_escape(public_url),
            xml_escape(&event.public_slug)
        ));
        out.push_str(&format!(
            "<guid isPermaLink=\"false\">{}</guid>\n",
            xml_escape(&super::uid(event.id, &state.settings.uid_domain))
        ));
        out.push_str(&format!(
            "<pubDate>{}</pubDate>\n",
            event.published_at.unwrap_or(event.starts_at).to_rfc2822()
        ));
        out.push_str(&format!("<description>{}</description>\n", xml_escape(&description)));
        out.push_str(&format!("<category>{}</category>\n", xml_escape(&event.format)));
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_match_lists_weak_forms_and_stars() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("\"x\", W/\"abc\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
    }

    #[test]
    fn xml_text_is_escaped_and_control_characters_dropped() {
        assert_eq!(xml_escape("<script>&\"'\u{7}"), "&lt;script&gt;&amp;&quot;&apos;");
    }
}
