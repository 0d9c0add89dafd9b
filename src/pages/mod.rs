//! The public pages: upcoming events with filters, event and venue pages, a month view, the
//! sitemap. Server-rendered from `templates/` (auto-escaped), complete without JavaScript, in
//! zh-CN and en (chosen by a `lang` cookie, else `Accept-Language`). Pages share the feeds' cache:
//! they are rendered once per change and answer conditional requests with 304.

pub mod i18n;
pub mod markets;
pub mod poster;
pub mod programme;
pub mod widget;

use std::collections::BTreeMap;

use askama::Template;
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, TimeZone, Utc};
use poem::{
    Request, Response, handler,
    http::{StatusCode, header},
    web::{Data, Path, Query},
};
use serde_json::json;

use crate::{
    bookings::{Format, Reach},
    cache::{Built, respond, respond_varying},
    calendar::{EventFilter, EventRow, EventStatus, FilterParams, store as events},
    error::{ApiError, ApiResult},
    http::url_encode,
    media::{self, ImageOwner, StoredVariant},
    state::AppState,
    values::{Lang, Zone, money::thousands},
    venues::{
        self, Venue, VenueKind, Weekday, format_time_of_day,
        maps::{self, MapLink, Point},
        parse_time_of_day,
    },
};
use i18n::{Words, words};

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

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct FilterForm {
    pub venues: Vec<Opt>,
    pub kinds: Vec<Opt>,
    pub formats: Vec<Opt>,
    pub reaches: Vec<Opt>,
    pub from: String,
    /// How many of the form's filters are set: shown on the control that unfolds it.
    pub active: usize,
}

pub struct Subscribe {
    pub webcal: String,
    pub https: String,
    pub rss: String,
    /// The weekly e-mail of this view's new events (dates aside).
    pub email: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    page: Layout,
    w: &'a Words,
    heading: &'a str,
    form_action: &'a str,
    form: FilterForm,
    subscribe: Subscribe,
    cards: Vec<Card>,
    next_href: Option<String>,
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

pub async fn filter_form(state: &AppState, filter: &EventFilter, lang: Lang) -> ApiResult<FilterForm> {
    let all = venues::store::list(&state.db, &Default::default(), 0, 100).await?;
    let options = |values: Vec<(String, String)>, selected: Option<String>| -> Vec<Opt> {
        values
            .into_iter()
            .map(|(value, label)| Opt { selected: selected.as_deref() == Some(value.as_str()), value, label })
            .collect()
    };
    let tz = Zone::default().tz();
    let active =
        [filter.venue.is_some(), filter.kind.is_some(), filter.format.is_some(), filter.reach.is_some()]
            .into_iter()
            .filter(|set| *set)
            .count();
    Ok(FilterForm {
        active,
        venues: options(
            all.iter()
                .map(|v| {
                    (v.slug.clone(), if lang == Lang::Zh { v.name_zh.clone() } else { v.name_en.clone() })
                })
                .collect(),
            filter.venue.clone(),
        ),
        kinds: options(
            [
                VenueKind::Street,
                VenueKind::Hall,
                VenueKind::Stage,
                VenueKind::Mall,
                VenueKind::Plaza,
                VenueKind::Other,
            ]
            .iter()
            .map(|k| (k.as_str().to_owned(), i18n::kind_name(lang, *k).to_owned()))
            .collect(),
            filter.kind.map(|k| k.as_str().to_owned()),
        ),
        formats: options(
            [Format::Launch, Format::Show, Format::Exhibition, Format::Market, Format::Other]
                .iter()
                .map(|f| (f.as_str().to_owned(), i18n::format_name(lang, *f).to_owned()))
                .collect(),
            filter.format.map(|f| f.as_str().to_owned()),
        ),
        reaches: options(
            [Reach::Global, Reach::Asia, Reach::National, Reach::Provincial, Reach::City]
                .iter()
                .map(|r| (r.as_str().to_owned(), i18n::reach_name(lang, *r).to_owned()))
                .collect(),
            filter.reach.map(|r| r.as_str().to_owned()),
        ),
        from: filter.from.map(|f| f.with_timezone(&tz).format("%Y-%m-%d").to_string()).unwrap_or_default(),
    })
}

fn subscribe(state: &AppState, filter: &EventFilter) -> Subscribe {
    let query = filter.to_query();
    let suffix = if query.is_empty() { String::new() } else { format!("?{query}") };
    let https = format!("{}/calendar.ics{suffix}", state.settings.public_url);
    Subscribe {
        webcal: webcal(&https),
        https,
        rss: format!("{}/events.rss{suffix}", state.settings.public_url),
        email: subscribe_by_email(&EventFilter { from: None, to: None, ..filter.clone() }),
    }
}

/// The form that subscribes to `filter`'s new events by e-mail.
pub fn subscribe_by_email(filter: &EventFilter) -> String {
    match filter.to_query() {
        query if query.is_empty() => "/subscribe".to_owned(),
        query => format!("/subscribe?{query}"),
    }
}

/// The `webcal://` form of a feed URL, which calendar apps open as a subscription.
fn webcal(url: &str) -> String {
    url.replacen("https://", "webcal://", 1).replacen("http://", "webcal://", 1)
}

fn last_modified(rows: &[EventRow]) -> DateTime<Utc> {
    rows.iter().map(EventRow::last_modified).max().unwrap_or(DateTime::UNIX_EPOCH)
}

/// `GET /`: the next 30 days, filtered.
#[handler]
pub async fn home(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    let lang = language(req);
    let filter = EventFilter::parse(FilterParams::from_query(&query))?;
    serve_cached(req, &state, lang, format!("home|{}", filter.to_query()), || async {
        let now = state.clock.now();
        let mut effective = filter.clone();
        effective.from = effective.from.or(Some(now));
        effective.to = effective.to.or(Some(effective.from.unwrap_or(now) + TimeDelta::days(30)));
        let rows = events::events(&state.db, &effective, now, None, 200).await?;
        let w = words(lang);
        let page = HomePage {
            page: layout(&state, lang, &path_and_query(req), w.site.to_owned(), w.tagline.to_owned()),
            w,
            heading: w.upcoming,
            form_action: "/",
            form: filter_form(&state, &filter, lang).await?,
            subscribe: subscribe(&state, &filter),
            cards: rows.iter().map(|r| card(r, lang, &state.settings.public_url)).collect(),
            next_href: None,
        };
        Ok(Built { content_type: HTML, body: render(&page)?.into(), last_modified: last_modified(&rows) })
    })
    .await
}

pub struct DayCell {
    pub day: Option<u32>,
    pub events: Vec<MonthEntry>,
}

pub struct MonthEntry {
    pub href: String,
    pub title: String,
    pub time: String,
    pub cancelled: bool,
}

#[derive(Template)]
#[template(path = "month.html")]
struct MonthPage<'a> {
    page: Layout,
    w: &'a Words,
    heading: String,
    weekdays: Vec<&'static str>,
    weeks: Vec<Vec<DayCell>>,
    previous_href: String,
    next_href: String,
}

/// `GET /events`: every event from today on, a page at a time; `?view=month&month=2026-12` for
/// a month grid.
#[handler]
pub async fn events_page(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    let lang = language(req);
    if query.get("view").map(String::as_str) == Some("month") {
        return month(req, &state, lang, query.get("month").map(String::as_str)).await;
    }
    let filter = EventFilter::parse(FilterParams::from_query(&query))?;
    let after = match query.get("after") {
        Some(cursor) => Some(
            events::After::parse(cursor)
                .ok_or_else(|| ApiError::invalid("after", crate::error::Invalid::new("local-page")))?,
        ),
        None => None,
    };
    let key =
        format!("events|{}|{}", filter.to_query(), after.map_or(String::new(), events::After::to_cursor));
    serve_cached(req, &state, lang, key, || async {
        let now = state.clock.now();
        let mut effective = filter.clone();
        effective.from = effective.from.or(Some(now));
        let mut rows = events::events(&state.db, &effective, now, after, 31).await?;
        let next_href = (rows.len() > 30).then(|| {
            rows.truncate(30);
            let last = rows.last().expect("30 rows");
            let query = filter.to_query();
            let base = if query.is_empty() { String::new() } else { format!("{query}&") };
            format!("/events?{base}after={}", events::After::of(last).to_cursor())
        });
        let w = words(lang);
        let page = HomePage {
            page: layout(
                &state,
                lang,
                &path_and_query(req),
                format!("{} · {}", w.all_events, w.site),
                w.tagline.to_owned(),
            ),
            w,
            heading: w.all_events,
            form_action: "/events",
            form: filter_form(&state, &filter, lang).await?,
            subscribe: subscribe(&state, &filter),
            cards: rows.iter().map(|r| card(r, lang, &state.settings.public_url)).collect(),
            next_href,
        };
        Ok(Built { content_type: HTML, body: render(&page)?.into(), last_modified: last_modified(&rows) })
    })
    .await
}

async fn month(req: &Request, state: &AppState, lang: Lang, month: Option<&str>) -> poem::Result<Response> {
    let tz = Zone::default().tz();
    let today = state.clock.now().with_timezone(&tz).date_naive();
    let first = match month {
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .ok()
            .filter(|d| (1970..=9998).contains(&d.year()))
            .ok_or_else(|| ApiError::invalid("month", crate::error::Invalid::new("month")))?,
        None => today.with_day(1).expect("day 1 exists"),
    };
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| ApiError::invalid("month", crate::error::Invalid::new("out-of-range")))?;
    let previous = first
        .checked_sub_months(chrono::Months::new(1))
        .ok_or_else(|| ApiError::invalid("month", crate::error::Invalid::new("out-of-range")))?;
    serve_cached(req, state, lang, format!("month|{first}"), || async {
        // Midnight, or the first instant after it where a DST change skipped midnight (1940s).
        let at = |d: NaiveDate| {
            let midnight = d.and_hms_opt(0, 0, 0).expect("midnight exists");
            tz.from_local_datetime(&midnight)
                .earliest()
                .or_else(|| tz.from_local_datetime(&(midnight + TimeDelta::hours(1))).earliest())
                .map_or_else(|| midnight.and_utc(), |t| t.to_utc())
        };
        let filter = EventFilter { from: Some(at(first)), to: Some(at(next)), ..Default::default() };
        let rows = events::events(&state.db, &filter, state.clock.now(), None, 2000).await?;
        let mut weeks = Vec::new();
        let mut week: Vec<DayCell> = (0..first.weekday().num_days_from_monday())
            .map(|_| DayCell { day: None, events: vec![] })
            .collect();
        let mut day = first;
        while day < next {
            let events = rows
                .iter()
                .filter(|r| r.starts_at.with_timezone(&tz).date_naive() == day)
                .map(|r| MonthEntry {
                    href: r.path(),
                    title: r.title(lang).to_owned(),
                    time: r.starts_at.with_timezone(&tz).format("%H:%M").to_string(),
                    cancelled: r.status() == EventStatus::Cancelled,
                })
                .collect();
            week.push(DayCell { day: Some(day.day()), events });
            if week.len() == 7 {
                weeks.push(std::mem::take(&mut week));
            }
            day = day + Days::new(1);
        }
        if !week.is_empty() {
            while week.len() < 7 {
                week.push(DayCell { day: None, events: vec![] });
            }
            weeks.push(week);
        }
        let w = words(lang);
        let heading = crate::words::text_with(
            lang,
            "calendar-month-heading",
            &[("year", first.year().to_string().into()), ("month", first.month().to_string().into())],
        );
        let page = MonthPage {
            page: layout(
                state,
                lang,
                &path_and_query(req),
                format!("{heading} · {}", w.site),
                w.tagline.to_owned(),
            ),
            w,
            heading,
            weekdays: Weekday::ALL.iter().map(|d| i18n::weekday_name(lang, *d)).collect(),
            weeks,
            previous_href: format!("/events?view=month&month={}", previous.format("%Y-%m")),
            next_href: format!("/events?view=month&month={}", next.format("%Y-%m")),
        };
        Ok(Built { content_type: HTML, body: render(&page)?.into(), last_modified: last_modified(&rows) })
    })
    .await
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage<'a> {
    page: Layout,
    w: &'a Words,
    title: String,
    poster: Option<Img>,
    cancelled: bool,
    cancel_reason: Option<String>,
    previously: Option<String>,
    when: String,
    start_iso: String,
    zone: String,
    venue_name: String,
    venue_href: String,
    address: String,
    maps: Vec<MapLink>,
    brand: String,
    format_label: &'static str,
    reach_label: &'static str,
    description: Vec<String>,
    /// Ways to add the event to a calendar, in the order its readers reach for them.
    calendar_links: Vec<CalendarLink>,
    poster_href: String,
}

pub struct CalendarLink {
    pub id: &'static str,
    pub href: String,
    pub label: &'static str,
    pub external: bool,
}

/// Download and subscribe come first in Chinese: the phones sold in China (Apple, Huawei,
/// Xiaomi) open `.ics` files and `webcal://` feeds in their own calendar, where Google Calendar
/// cannot be reached. In English the web calendars follow the download.
fn calendar_links(
    lang: Lang,
    ics: String,
    venue_feed: String,
    google: String,
    outlook: String,
) -> Vec<CalendarLink> {
    let w = words(lang);
    let download = CalendarLink { id: "download-ics", href: ics, label: w.download_ics, external: false };
    let subscribe =
        CalendarLink { id: "subscribe-venue", href: venue_feed, label: w.venue_feed, external: false };
    let google =
        CalendarLink { id: "google-calendar", href: google, label: "Google Calendar", external: true };
    let outlook =
        CalendarLink { id: "outlook-calendar", href: outlook, label: "Outlook.com", external: true };
    match lang {
        Lang::Zh => vec![download, subscribe, google, outlook],
        Lang::En => vec![download, google, outlook, subscribe],
    }
}

fn compact_utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// schema.org Event, safe inside `<script>`: every `<` is escaped, so nothing can close it.
fn json_ld(event: &EventRow, lang: Lang, url: &str, image: Option<&str>) -> String {
    let status = match (event.status(), event.previous_starts_at) {
        (EventStatus::Cancelled, _) => "https://schema.org/EventCancelled",
        (_, Some(_)) => "https://schema.org/EventRescheduled",
        _ => "https://schema.org/EventScheduled",
    };
    let tz = event.tz();
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title(lang),
        "description": event.description(lang),
        "url": url,
        "startDate": event.starts_at.with_timezone(&tz).to_rfc3339(),
        "endDate": event.ends_at.with_timezone(&tz).to_rfc3339(),
        "eventStatus": status,
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": {
            "@type": "Place",
            "name": event.venue_name(lang),
            "address": event.venue_address,
            "geo": {"@type": "GeoCoordinates", "latitude": event.latitude, "longitude": event.longitude},
        },
        "organizer": {"@type": "Organization", "name": event.brand_name},
    });
    if let Some(previous) = event.previous_starts_at {
        doc["previousStartDate"] = json!(previous.with_timezone(&tz).to_rfc3339());
    }
    if let Some(image) = image {
        doc["image"] = json!([image]);
    }
    doc.to_string().replace('<', "\\u003c")
}

/// `GET /events/{slug}`: one event.
pub async fn event_page(req: &Request, state: &AppState, slug: &str) -> poem::Result<Response> {
    let lang = language(req);
    // Looked up inside the build: a cache hit costs no query for the event.
    serve_cached(req, state, lang, format!("event|{slug}"), || async {
        let row = events::event(&state.db, slug, state.clock.now())
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Event {slug:?}")))?;
        let public_url = &state.settings.public_url;
        let tz = row.tz();
        let url = format!("{public_url}/events/{}", row.public_slug);
        let poster = row.poster().and_then(|v| img(&v, row.poster_alt.as_deref().unwrap_or(""), public_url));
        let title = row.title(lang).to_owned();
        let description = row.description(lang).to_owned();
        let location = format!("{}, {}", row.venue_name(lang), row.venue_address);
        let google_href = format!(
            "https://calendar.google.com/calendar/render?action=TEMPLATE&text={}&dates={}/{}&details={}&location={}&ctz={}",
            url_encode(&title),
            compact_utc(row.starts_at),
            compact_utc(row.ends_at),
            url_encode(&format!("{description}\n{url}")),
            url_encode(&location),
            url_encode(tz.name())
        );
        let outlook_href = format!(
            "https://outlook.live.com/calendar/0/deeplink/compose?path=%2Fcalendar%2Faction%2Fcompose&rru=addevent&subject={}&startdt={}&enddt={}&location={}&body={}",
            url_encode(&title),
            url_encode(&row.starts_at.to_rfc3339()),
            url_encode(&row.ends_at.to_rfc3339()),
            url_encode(&location),
            url_encode(&url)
        );
        let w = words(lang);
        let mut page = layout(state, lang, &format!("/events/{}", row.public_slug), format!("{title} · {}", w.site), {
            let summary: String = description.chars().take(160).collect();
            if summary.is_empty() { title.clone() } else { summary }
        });
        page.og_type = "article";
        page.image = poster.as_ref().map(|p| p.src.clone());
        page.json_ld = Some(json_ld(&row, lang, &url, page.image.as_deref()));
        let template = EventPage {
            page,
            w,
            title,
            poster,
            cancelled: row.status() == EventStatus::Cancelled,
            cancel_reason: row.cancel_reason.clone().filter(|r| !r.is_empty()),
            previously: row.previous_starts_at.map(|p| i18n::span(lang, p, p + (row.ends_at - row.starts_at), tz)),
            when: i18n::span(lang, row.starts_at, row.ends_at, tz),
            start_iso: row.starts_at.to_rfc3339(),
            zone: i18n::zone_label(tz, row.starts_at),
            venue_name: row.venue_name(lang).to_owned(),
            venue_href: format!("/venues/{}", row.venue_slug),
            address: row.venue_address.clone(),
            maps: maps::links(Point::new(row.latitude, row.longitude), row.venue_name(lang), lang),
            brand: row.brand_name.clone(),
            format_label: i18n::format_name(lang, row.format),
            reach_label: i18n::reach_name(lang, row.reach),
            description: description.split('\n').filter(|p| !p.trim().is_empty()).map(str::to_owned).collect(),
            calendar_links: calendar_links(
                lang,
                format!("/events/{}.ics", row.public_slug),
                webcal(&format!("{}/venues/{}/calendar.ics", state.settings.public_url, row.venue_slug)),
                google_href,
                outlook_href,
            ),
            poster_href: format!("/events/{}/poster", row.public_slug),
        };
        Ok(Built { content_type: HTML, body: render(&template)?.into(), last_modified: row.last_modified() })
    })
    .await
}

/// `GET /events/{file}`: the event page, or `{slug}.ics` its calendar file.
#[handler]
pub async fn event_file(
    req: &Request,
    state: Data<&AppState>,
    Path(file): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    match file.strip_suffix(".ics") {
        Some(slug) => {
            crate::calendar::feeds::event_ics(
                req,
                &state,
                slug,
                Lang::parse(query.get("lang").map(String::as_str)),
            )
            .await
        }
        None => event_page(req, &state, &file).await,
    }
}

pub struct VenueCard {
    pub href: String,
    pub name: String,
    pub kind_label: &'static str,
    pub capacity: String,
    pub address: String,
    pub photo: Option<Img>,
}

#[derive(Template)]
#[template(path = "venues.html")]
struct VenuesPage<'a> {
    page: Layout,
    w: &'a Words,
    venues: Vec<VenueCard>,
}

fn venue_name(venue: &Venue, lang: Lang) -> String {
    if lang == Lang::Zh { venue.name_zh.clone() } else { venue.name_en.clone() }
}

async fn photos(state: &AppState, venue_id: i64) -> ApiResult<Vec<Img>> {
    Ok(media::store::list(&state.db, ImageOwner::Venue(venue_id))
        .await?
        .iter()
        .filter_map(|row| img(&row.variants().ok()?, &row.alt, &state.settings.public_url))
        .collect())
}

/// `GET /venues`.
#[handler]
pub async fn venues_page(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let lang = language(req);
    serve_cached(req, &state, lang, "venues".into(), || async {
        let all = venues::store::list(&state.db, &Default::default(), 0, 100).await?;
        let mut cards = Vec::new();
        for venue in &all {
            cards.push(VenueCard {
                href: format!("/venues/{}", venue.slug),
                name: venue_name(venue, lang),
                kind_label: i18n::kind_name(lang, venue.kind),
                capacity: thousands(venue.capacity),
                address: venue.address.clone(),
                photo: photos(&state, venue.id).await?.into_iter().next(),
            });
        }
        let w = words(lang);
        let page = VenuesPage {
            page: layout(
                &state,
                lang,
                "/venues",
                format!("{} · {}", w.nav_venues, w.site),
                w.tagline.to_owned(),
            ),
            w,
            venues: cards,
        };
        let last = all.iter().map(|v| v.updated_at).max().unwrap_or(DateTime::UNIX_EPOCH);
        Ok(Built { content_type: HTML, body: render(&page)?.into(), last_modified: last })
    })
    .await
}

#[derive(Template)]
#[template(path = "venue.html")]
struct VenuePage<'a> {
    page: Layout,
    w: &'a Words,
    name: String,
    kind_label: &'static str,
    indoor: bool,
    capacity: String,
    address: String,
    maps: Vec<MapLink>,
    description: String,
    photos: Vec<Img>,
    zone: String,
    hours: Vec<(&'static str, String)>,
    cards: Vec<Card>,
    feed_href: String,
    subscribe_href: String,
}

/// `GET /venues/{slug}`.
#[handler]
pub async fn venue_page(
    req: &Request,
    state: Data<&AppState>,
    Path(slug): Path<String>,
) -> poem::Result<Response> {
    let lang = language(req);
    serve_cached(req, &state, lang, format!("venue|{slug}"), || async {
        let venue = venues::store::find_by_slug(&state.db, &slug)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Venue {slug:?}")))?;
        let w = words(lang);
        let now = state.clock.now();
        let filter = EventFilter { venue: Some(venue.slug.clone()), from: Some(now), ..Default::default() };
        let rows = events::events(&state.db, &filter, now, None, 20).await?;
        let hours = Weekday::ALL
            .iter()
            .map(|day| {
                let windows: Vec<String> = venue
                    .opening_hours
                    .iter()
                    .filter(|h| h.weekday == *day)
                    .filter_map(|h| {
                        let opens = parse_time_of_day(&h.opens, false).ok()?;
                        let closes = parse_time_of_day(&h.closes, true).ok()?;
                        Some(format!("{}–{}", format_time_of_day(opens), format_time_of_day(closes)))
                    })
                    .collect();
                (
                    i18n::weekday_name(lang, *day),
                    if windows.is_empty() { w.closed.to_owned() } else { windows.join(", ") },
                )
            })
            .collect();
        let name = venue_name(&venue, lang);
        let photos = photos(&state, venue.id).await?;
        let mut page = layout(
            &state,
            lang,
            &format!("/venues/{}", venue.slug),
            format!("{name} · {}", w.site),
            venue.description.chars().take(160).collect(),
        );
        page.image = photos.first().map(|p| p.src.clone());
        let page = VenuePage {
            page,
            w,
            kind_label: i18n::kind_name(lang, venue.kind),
            indoor: venue.indoor,
            capacity: thousands(venue.capacity),
            address: venue.address.clone(),
            maps: maps::links(Point::new(venue.latitude, venue.longitude), &name, lang),
            description: venue.description.clone(),
            photos,
            zone: venue.zone.name().to_owned(),
            hours,
            cards: rows.iter().map(|r| card(r, lang, &state.settings.public_url)).collect(),
            feed_href: format!("/venues/{}/calendar.ics", venue.slug),
            subscribe_href: subscribe_by_email(&EventFilter {
                venue: Some(venue.slug.clone()),
                ..Default::default()
            }),
            name,
        };
        Ok(Built {
            content_type: HTML,
            body: render(&page)?.into(),
            last_modified: venue.updated_at.max(last_modified(&rows)),
        })
    })
    .await
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
    r.get("/", home);
    r.get("/events", events_page);
    r.get("/events/:file", event_file);
    r.get("/events/:slug/poster", poster::event_poster);
    r.get("/venues", venues_page);
    r.get("/venues/:slug", venue_page);
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
