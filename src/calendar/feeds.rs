//! Feed endpoints (iCal, RSS) with HTTP caching.
//!
//! A public feed is built once per change and kept in the response cache ([`crate::cache`]) by
//! (feed, filter, language); personal feeds and single-event files are built per request.

use std::{
    collections::{BTreeMap, HashMap},
    hash::{DefaultHasher, Hash, Hasher},
    sync::Arc,
};

use chrono::{DateTime, Utc};
use poem::{
    Request, Response, handler,
    http::{HeaderValue, header},
    web::{Data, Path, Query},
};

use super::{EventFilter, EventRow, FilterParams, Listed, PAST_WINDOW, ics, store};
use crate::{
    accounts::{auth::token_hash, store as accounts},
    bookings::{BookingState, Format},
    cache::{self, Built, Cached, Encoded, Touched, respond},
    error::{ApiError, ApiResult},
    markets::{
        self,
        store::{MarketRow, OccurrenceRow},
    },
    state::AppState,
    values::{Lang, Zone},
    venues,
};

/// The most events one feed carries.
pub const MAX_EVENTS: i64 = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ics,
    Rss,
}

/// The cached feed of `filter`.
async fn feed(
    state: &AppState,
    key: String,
    filter: &EventFilter,
    lang: Lang,
    name: &str,
    kind: Kind,
) -> ApiResult<Arc<Cached>> {
    state
        .cached(key.clone(), |version| async move {
            let now = state.clock.now();
            let mut window = filter.clone();
            window.from = window.from.or(Some(now - PAST_WINDOW));
            let public_url = state.settings.public_url.as_str();
            let meta = ics::FeedMeta {
                name,
                public_url,
                uid_domain: &state.settings.uid_domain,
                lang,
                zone: Zone::default().name(),
            };
            let encode = |listed: &[Listed], rows: &[EventRow]| {
                let by_key: HashMap<(i64, Option<i64>), &EventRow> =
                    rows.iter().map(|r| ((r.id, r.market_date), r)).collect();
                let row = |i: usize| by_key.get(&(listed[i].id, listed[i].market_date)).copied();
                let (fragments, chunks) = (&state.fragments, &state.cache.chunks);
                match kind {
                    Kind::Ics => {
                        ics::calendar_listed(listed, row, &meta, ics::Audience::Public, fragments, chunks)
                            .map(|body| ("text/calendar; charset=utf-8", body))
                    }
                    Kind::Rss => rss(listed, row, name, filter, lang, state)
                        .map(|body| ("application/rss+xml; charset=utf-8", body)),
                }
            };
            let (listed, rows) = listing(state, &key, &window, now, version, Read::Changes).await?;
            let (content_type, body) = match encode(&listed, &rows) {
                Some(done) => done,
                // An unchanged event's entry was dropped from the fragments: read every row.
                None => {
                    let (listed, rows) = listing(state, &key, &window, now, version, Read::All).await?;
                    encode(&listed, &rows).expect("every event's row is at hand")
                }
            };
            let last_modified = listed.iter().map(|e| e.last_modified).max().unwrap_or(DateTime::UNIX_EPOCH);
            Ok(Built { content_type, body, last_modified })
        })
        .await
}

/// What [`listing`] reads from the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// The rows the change log names since the kept list, when it can.
    Changes,
    /// Every row.
    All,
}

/// The events of the feed `key` within `window` as of `version`, and the rows read from the
/// database to list them (every row, or only the changed ones). With [`Read::Changes`], the list
/// kept from the feed's last build is brought up to date with the rows of the bookings and
/// venues the change log names since (one event changed, one event read); every row is read when
/// there is no such list, the log does not reach back to it, or it is at the cap. Each feed
/// keeps its own list: the rows read for one are the rows another needs to render the changed
/// events in its kind and language.
async fn listing(
    state: &AppState,
    key: &str,
    window: &EventFilter,
    now: DateTime<Utc>,
    version: i64,
    read: Read,
) -> ApiResult<(Arc<Vec<Listed>>, Vec<EventRow>)> {
    let updated = match read {
        Read::Changes => brought_up_to_date(state, key, window, now, version).await?,
        Read::All => None,
    };
    let (listed, rows) = match updated {
        Some(done) => done,
        None => {
            let rows = store::events(&state.db, window, now, None, MAX_EVENTS).await?;
            (rows.iter().map(Listed::of).collect(), rows)
        }
    };
    state.listings.count_read(rows.len());
    let listed = Arc::new(listed);
    state.listings.put(key.to_owned(), version, listed.clone());
    Ok((listed, rows))
}

/// The kept list of `key` brought up to date from the change log, with the rows read for it;
/// `None` when it cannot be.
async fn brought_up_to_date(
    state: &AppState,
    key: &str,
    window: &EventFilter,
    now: DateTime<Utc>,
    version: i64,
) -> ApiResult<Option<(Vec<Listed>, Vec<EventRow>)>> {
    // A list at the cap may have left out events that now fit: only a full read knows.
    let Some((since, previous)) =
        state.listings.get::<Vec<Listed>>(key).filter(|(_, list)| list.len() < MAX_EVENTS as usize)
    else {
        return Ok(None);
    };
    let Some(changes) = cache::changes_since(&state.db, since, version).await? else {
        return Ok(None);
    };
    let mut only = store::Only::default();
    for change in changes {
        match change {
            Touched::Booking(id) => only.bookings.insert(id),
            Touched::Venue(id) => only.venues.insert(id),
            Touched::NoEvent => false,
        };
    }
    let rows = if only.bookings.is_empty() && only.venues.is_empty() {
        Vec::new()
    } else {
        store::events_of(&state.db, window, now, None, Some(&only), MAX_EVENTS).await?
    };
    // What the SQL asks of every event, asked again of the kept ones: time moves their window.
    let (from, cutoff) = (window.from.unwrap_or(DateTime::<Utc>::MIN_UTC), super::tombstone_cutoff(now));
    let mut listed: Vec<Listed> = previous
        .iter()
        .filter(|e| !only.bookings.contains(&e.id) && !only.venues.contains(&e.venue_id))
        .filter(|e| e.ends_at > from && e.tombstone_since.is_none_or(|at| at > cutoff))
        .copied()
        .chain(rows.iter().map(Listed::of))
        .collect();
    if listed.len() > MAX_EVENTS as usize {
        return Ok(None);
    }
    listed.sort_by_key(Listed::order);
    Ok(Some((listed, rows)))
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
        zone: Zone::default().name(),
    };
    let body = ics::calendar(std::slice::from_ref(&event), &meta, ics::Audience::Public);
    let feed = Cached::new(0, state.clock.now(), event.last_modified(), "text/calendar; charset=utf-8", body);
    let mut response = respond(req, &feed, PUBLIC_CACHE);
    if let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{slug}.ics\"")) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A market's dates as events: cancelled ones while their tombstone lasts.
pub fn market_events(market: &MarketRow, dates: &[OccurrenceRow], now: DateTime<Utc>) -> Vec<EventRow> {
    let cutoff = super::tombstone_cutoff(now);
    dates
        .iter()
        .filter(|d| d.cancelled_at.is_none_or(|at| at > cutoff))
        .map(|d| EventRow {
            id: market.booking_id,
            public_slug: market.slug.clone(),
            title_zh: market.title_zh.clone(),
            title_en: market.title_en.clone(),
            description_zh: market.description_zh.clone(),
            description_en: market.description_en.clone(),
            brand_name: market.organizer_name.clone(),
            format: Format::Market,
            reach: market.reach,
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            state: if d.cancelled_at.is_some() { BookingState::Cancelled } else { BookingState::Approved },
            sequence: d.sequence,
            published_at: Some(market.created_at),
            public_updated_at: Some(d.updated_at),
            cancelled_at: d.cancelled_at,
            cancel_reason: None,
            previous_starts_at: None,
            venue_id: market.venue_id,
            venue_slug: market.venue_slug.clone(),
            venue_name_zh: market.venue_name_zh.clone(),
            venue_name_en: market.venue_name_en.clone(),
            venue_kind: market.venue_kind,
            venue_address: market.venue_address.clone(),
            latitude: market.latitude,
            longitude: market.longitude,
            zone: market.zone,
            poster_variants: None,
            poster_alt: None,
            market_date: Some(d.id),
        })
        .collect()
}

/// `GET /markets/{slug}.ics`: every date of a market, a cancelled one as `STATUS:CANCELLED`.
pub async fn market_ics(req: &Request, state: &AppState, slug: &str, lang: Lang) -> poem::Result<Response> {
    let key = format!("market-ics|{slug}|{}", lang.code());
    let feed = state
        .cached(key, |_| async {
            let market = markets::store::find_by_slug(&state.db, slug)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("Market {slug:?}")))?;
            let dates = markets::store::occurrences(&state.db, market.id).await?;
            let events = market_events(&market, &dates, state.clock.now());
            let meta = ics::FeedMeta {
                name: lang.pick(&market.title_zh, &market.title_en),
                public_url: &state.settings.public_url,
                uid_domain: &state.settings.uid_domain,
                lang,
                zone: market.zone.name(),
            };
            let last_modified = events.iter().map(EventRow::last_modified).max().unwrap_or(market.updated_at);
            let body = ics::calendar(&events, &meta, ics::Audience::Public);
            Ok(Built { content_type: "text/calendar; charset=utf-8", body: body.into(), last_modified })
        })
        .await?;
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
        zone: Zone::default().name(),
    };
    let body = ics::calendar(&events, &meta, ics::Audience::Private);
    let last_modified = events.iter().map(EventRow::last_modified).max().unwrap_or(DateTime::UNIX_EPOCH);
    let feed = Cached::new(0, now, last_modified, "text/calendar; charset=utf-8", body);
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

/// The RSS of the `listed` events: each item from the fragments, or rendered from the row `row(i)`
/// gives for `listed[i]`; `None` when one is in neither.
fn rss<'a>(
    listed: &[Listed],
    row: impl Fn(usize) -> Option<&'a EventRow>,
    name: &str,
    filter: &EventFilter,
    lang: Lang,
    state: &AppState,
) -> Option<Encoded> {
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
    let last = listed.iter().map(|e| e.last_modified).max().unwrap_or(DateTime::UNIX_EPOCH);
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
    let uid_domain = &state.settings.uid_domain;
    let settings = {
        let mut hasher = DefaultHasher::new();
        ("rss-item", public_url, uid_domain, lang.code()).hash(&mut hasher);
        hasher.finish()
    };
    let keys: Vec<u64> = listed
        .iter()
        .map(|event| {
            let mut hasher = DefaultHasher::new();
            (settings, event.row_hash).hash(&mut hasher);
            hasher.finish()
        })
        .collect();
    let render = |i: usize| row(i).map(|event| rss_item(event, lang, public_url, uid_domain));
    state.fragments.document(&state.cache.chunks, &out, &keys, render, "</channel>\n</rss>\n")
}

/// One RSS item.
fn rss_item(event: &EventRow, lang: Lang, public_url: &str, uid_domain: &str) -> String {
    let tz = event.tz();
    let when = format!(
        "{} – {} ({})",
        event.starts_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        event.ends_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        event.zone
    );
    let mut title = event.title(lang).to_owned();
    if event.status() == super::EventStatus::Cancelled {
        title = crate::words::text_with(lang, "feed-cancelled-title", &[("title", title.into())]);
    }
    let description = format!("{when} · {} · {}", event.venue_name(lang), event.description(lang));
    let mut out = String::with_capacity(512);
    out.push_str("<item>\n");
    out.push_str(&format!("<title>{}</title>\n", xml_escape(&title)));
    out.push_str(&format!("<link>{}{}</link>\n", xml_escape(public_url), xml_escape(&event.path())));
    out.push_str(&format!("<guid isPermaLink=\"false\">{}</guid>\n", xml_escape(&event.uid(uid_domain))));
    out.push_str(&format!(
        "<pubDate>{}</pubDate>\n",
        event.published_at.unwrap_or(event.starts_at).to_rfc2822()
    ));
    out.push_str(&format!("<description>{}</description>\n", xml_escape(&description)));
    out.push_str(&format!("<category>{}</category>\n", xml_escape(event.format.as_str())));
    out.push_str("</item>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped_and_control_characters_dropped() {
        assert_eq!(xml_escape("<script>&\"'\u{7}"), "&lt;script&gt;&amp;&quot;&apos;");
    }
}
