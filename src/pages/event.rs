//! One event's page, `/events/{slug}`, with its calendar links and structured data, and its
//! `.ics` file.

use std::collections::BTreeMap;

use askama::Template;
use chrono::{DateTime, Utc};
use poem::{
    Request, Response, handler,
    web::{Data, Path, Query},
};
use serde_json::json;

use crate::pages::i18n::{self, Words, words};
use crate::{
    cache::Built,
    calendar::{EventRow, EventStatus, store as events},
    error::ApiError,
    http::url_encode,
    state::AppState,
    values::Lang,
    venues::maps::{self, MapLink, Point},
};

use super::{HTML, Img, Layout, img, language, layout, listing::webcal, render, serve_cached};

#[derive(Template)]
#[template(path = "event.html")]
pub(super) struct EventPage<'a> {
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
pub(super) fn json_ld(event: &EventRow, lang: Lang, url: &str, image: Option<&str>) -> String {
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
