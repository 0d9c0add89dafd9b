//! Public events and the calendar feeds built from them.
//!
//! An approved booking is a public event: it gets a slug (its URL), a UID that never changes and
//! a SEQUENCE that rises with every public change of time, place or title. A cancelled event stays
//! visible as a tombstone (`STATUS:CANCELLED`) for [`TOMBSTONE_DAYS`], then leaves every feed.
//! One filter grammar ([`EventFilter`]) serves the JSON API, the iCal and RSS feeds and the pages,
//! so "subscribe to this view" gives exactly what is on screen. Every public change bumps a
//! version number in the same transaction, which is how feed caches know when to rebuild.

pub mod api;
pub mod feeds;
pub mod ics;
pub mod store;

use crate::http::url_encode;
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

use crate::{
    bookings::{BookingState, Format, Reach},
    error::{ApiResult, Violations},
    values::{
        Lang, Zone,
        time::{local_time, within_reason},
    },
    venues::VenueKind,
};

/// How long a cancelled event stays in feeds as `STATUS:CANCELLED`.
pub const TOMBSTONE_DAYS: i64 = 30;

/// What the public may filter events by, everywhere events are listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Venue slug.
    pub venue: Option<String>,
    pub kind: Option<VenueKind>,
    pub format: Option<Format>,
    pub reach: Option<Reach>,
    /// Brand name, matched whole and without regard to case.
    pub brand: Option<String>,
    /// Events that end after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Events that start before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Words in the title, description or brand.
    pub q: Option<String>,
}

/// The filter as text, as it comes in a query string.
#[derive(Debug, Clone, Default)]
pub struct FilterParams {
    pub venue: Option<String>,
    pub kind: Option<String>,
    pub format: Option<String>,
    pub reach: Option<String>,
    pub brand: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: Option<String>,
}

impl FilterParams {
    pub fn from_query(query: &BTreeMap<String, String>) -> Self {
        let get = |key: &str| query.get(key).cloned();
        Self {
            venue: get("venue"),
            kind: get("kind"),
            format: get("format"),
            reach: get("reach"),
            brand: get("brand"),
            from: get("from"),
            to: get("to"),
            q: get("q"),
        }
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A date (`2026-12-01`, midnight in the district's zone) or an RFC 3339 instant.
fn parse_bound(raw: &str) -> Result<DateTime<Utc>, crate::error::Invalid> {
    parse_any_bound(raw).and_then(within_reason)
}

fn parse_any_bound(raw: &str) -> Result<DateTime<Utc>, crate::error::Invalid> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(raw) {
        return Ok(instant.to_utc());
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| crate::error::Invalid::new("date-or-instant").with("typed", raw))?;
    let zone = Zone::default().tz();
    zone.from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .earliest()
        .map(|t| t.to_utc())
        .ok_or_else(|| crate::error::Invalid::new("time-gap").with("typed", raw).with("zone", zone.name()))
}

impl EventFilter {
    /// Parses every parameter, naming each bad one.
    pub fn parse(params: FilterParams) -> ApiResult<Self> {
        let mut v = Violations::default();
        let kind = non_empty(params.kind).and_then(|k| v.check("kind", VenueKind::parse(&k)));
        let format = non_empty(params.format).and_then(|f| v.check("format", Format::parse(&f)));
        let reach = non_empty(params.reach).and_then(|r| v.check("reach", Reach::parse(&r)));
        let from = non_empty(params.from).and_then(|f| v.check("from", parse_bound(&f)));
        let to = non_empty(params.to).and_then(|t| v.check("to", parse_bound(&t)));
        let q = non_empty(params.q);
        if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
            v.add("q", crate::error::Invalid::new("too-long").with("max", 200));
        }
        let brand = non_empty(params.brand);
        if brand.as_ref().is_some_and(|b| b.chars().count() > 200) {
            v.add("brand", crate::error::Invalid::new("too-long").with("max", 200));
        }
        let venue = non_empty(params.venue);
        if venue.as_ref().is_some_and(|s| s.len() > 64) {
            v.add("venue", crate::error::Invalid::new("venue-slug"));
        }
        v.finish(|| Self { venue, kind, format, reach, brand, from, to, q })
    }

    /// The filter as a canonical query string (fixed order, empty when nothing is set), for
    /// "subscribe to this view" links and cache keys.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(v) = &self.venue {
            pairs.push(("venue", v.clone()));
        }
        if let Some(k) = self.kind {
            pairs.push(("kind", k.as_str().into()));
        }
        if let Some(f) = self.format {
            pairs.push(("format", f.as_str().into()));
        }
        if let Some(r) = self.reach {
            pairs.push(("reach", r.as_str().into()));
        }
        if let Some(b) = &self.brand {
            pairs.push(("brand", b.clone()));
        }
        if let Some(f) = self.from {
            pairs.push(("from", f.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
        }
        if let Some(t) = self.to {
            pairs.push(("to", t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
        }
        if let Some(q) = &self.q {
            pairs.push(("q", q.clone()));
        }
        pairs.iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect::<Vec<_>>().join("&")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Confirmed,
    Cancelled,
}

/// A public event as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub public_slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub brand_name: String,
    pub format: Format,
    pub reach: Reach,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub state: BookingState,
    pub sequence: i64,
    pub published_at: Option<DateTime<Utc>>,
    pub public_updated_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub previous_starts_at: Option<DateTime<Utc>>,
    /// 0 where a query does not need it (only the public list reads it, for the change log).
    #[sqlx(default)]
    pub venue_id: i64,
    pub venue_slug: String,
    pub venue_name_zh: String,
    pub venue_name_en: String,
    pub venue_kind: VenueKind,
    pub venue_address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub zone: Zone,
    /// The first image of the booking (JSON variants) and its alt text.
    pub poster_variants: Option<String>,
    pub poster_alt: Option<String>,
    /// Set when the row is one date of a market (`public_slug` is then the market's and `id`
    /// its booking's): its UID names the date and its link the market page.
    #[sqlx(default)]
    pub market_date: Option<i64>,
}

/// What a feed keeps of each event between builds (`cache::Listings`): where it sorts, when it
/// leaves the feed, what the change log may name it by, and a hash of its whole row, which keys
/// its rendered entries in `cache::Fragments`. A tenth of a row's memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Listed {
    pub id: i64,
    pub market_date: Option<i64>,
    pub venue_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// When a tombstone was cancelled (it leaves the feed after `TOMBSTONE_DAYS`).
    pub tombstone_since: Option<DateTime<Utc>>,
    pub zone: Zone,
    pub last_modified: DateTime<Utc>,
    pub row_hash: u64,
}

impl Listed {
    pub fn of(row: &EventRow) -> Self {
        let mut hasher = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(row, &mut hasher);
        Self {
            id: row.id,
            market_date: row.market_date,
            venue_id: row.venue_id,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            tombstone_since: if row.state == BookingState::Cancelled { row.cancelled_at } else { None },
            zone: row.zone,
            last_modified: row.last_modified(),
            row_hash: std::hash::Hasher::finish(&hasher),
        }
    }

    /// The public list's order: start, booking, market date.
    pub fn order(&self) -> (DateTime<Utc>, i64, i64) {
        (self.starts_at, self.id, self.market_date.unwrap_or(0))
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.zone.tz()
    }
}

/// Everything a rendering of the event is made from, for [`crate::cache::Fragments`]. The
/// pattern names every field, so a field added to the row fails to compile here until it is
/// hashed too (a forgotten one would serve a stale VEVENT).
impl std::hash::Hash for EventRow {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let Self {
            id,
            public_slug,
            title_zh,
            title_en,
            description_zh,
            description_en,
            brand_name,
            format,
            reach,
            starts_at,
            ends_at,
            state: booking_state,
            sequence,
            published_at,
            public_updated_at,
            cancelled_at,
            cancel_reason,
            previous_starts_at,
            venue_id,
            venue_slug,
            venue_name_zh,
            venue_name_en,
            venue_kind,
            venue_address,
            latitude,
            longitude,
            zone,
            poster_variants,
            poster_alt,
            market_date,
        } = self;
        (id, public_slug, title_zh, title_en, description_zh, description_en, brand_name).hash(state);
        (format.as_str(), reach.as_str(), starts_at, ends_at, booking_state.as_str(), sequence).hash(state);
        (published_at, public_updated_at, cancelled_at, cancel_reason, previous_starts_at).hash(state);
        (venue_id, venue_slug, venue_name_zh, venue_name_en, venue_kind.as_str(), venue_address).hash(state);
        (latitude.to_bits(), longitude.to_bits(), zone.name(), poster_variants, poster_alt, market_date)
            .hash(state);
    }
}

impl EventRow {
    /// The poster's variants, if the booking has an image.
    pub fn poster(&self) -> Option<Vec<crate::media::StoredVariant>> {
        self.poster_variants.as_deref().and_then(|json| serde_json::from_str(json).ok())
    }

    pub fn status(&self) -> EventStatus {
        if self.state == BookingState::Cancelled { EventStatus::Cancelled } else { EventStatus::Confirmed }
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.zone.tz()
    }

    /// When the public last saw a change.
    pub fn last_modified(&self) -> DateTime<Utc> {
        self.public_updated_at.or(self.published_at).unwrap_or(self.starts_at)
    }

    /// The title in `lang` (`zh` or `en`), falling back to the other.
    pub fn title(&self, lang: Lang) -> &str {
        lang.pick(&self.title_zh, &self.title_en)
    }

    pub fn description(&self, lang: Lang) -> &str {
        lang.pick(&self.description_zh, &self.description_en)
    }

    pub fn venue_name(&self, lang: Lang) -> &str {
        lang.pick(&self.venue_name_zh, &self.venue_name_en)
    }

    /// The iCalendar UID; never changes.
    pub fn uid(&self, domain: &str) -> String {
        match self.market_date {
            Some(date) => format!("debut-market-date-{date}@{domain}"),
            None => uid(self.id, domain),
        }
    }

    /// The public page's path: the event's, or for a market date the market's.
    pub fn path(&self) -> String {
        match self.market_date {
            Some(_) => format!("/markets/{}", self.public_slug),
            None => format!("/events/{}", self.public_slug),
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct Poster {
    pub alt: String,
    pub variants: Vec<crate::media::VariantView>,
}

#[derive(Debug, Clone, Object)]
pub struct EventVenue {
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: VenueKind,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
}

/// A public event as the JSON API shows it.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Event {
    pub slug: String,
    /// The iCalendar UID; never changes.
    pub uid: String,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub brand_name: String,
    pub format: Format,
    pub reach: Reach,
    pub status: EventStatus,
    pub cancel_reason: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Venue time, e.g. `2026-12-04T19:00`.
    pub local_starts_at: String,
    pub local_ends_at: String,
    pub zone: String,
    /// The start before the last reschedule, if any.
    pub previous_starts_at: Option<DateTime<Utc>>,
    /// Rises with every public change of time, place or title.
    pub sequence: i64,
    pub last_modified: DateTime<Utc>,
    pub venue: EventVenue,
    /// The booking's first image, in display variants.
    pub poster: Option<Poster>,
    /// The event's page.
    pub url: String,
    /// The event alone as iCalendar.
    pub ics_url: String,
}

pub fn uid(id: i64, domain: &str) -> String {
    format!("debut-event-{id}@{domain}")
}

impl EventRow {
    pub fn view(&self, public_url: &str, uid_domain: &str) -> Event {
        let tz = self.tz();
        Event {
            slug: self.public_slug.clone(),
            uid: self.uid(uid_domain),
            title_zh: self.title_zh.clone(),
            title_en: self.title_en.clone(),
            description_zh: self.description_zh.clone(),
            description_en: self.description_en.clone(),
            brand_name: self.brand_name.clone(),
            format: self.format,
            reach: self.reach,
            status: self.status(),
            cancel_reason: self.cancel_reason.clone().filter(|_| self.status() == EventStatus::Cancelled),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            local_starts_at: local_time(self.starts_at, tz),
            local_ends_at: local_time(self.ends_at, tz),
            zone: self.zone.name().to_owned(),
            previous_starts_at: self.previous_starts_at,
            sequence: self.sequence,
            last_modified: self.last_modified(),
            venue: EventVenue {
                slug: self.venue_slug.clone(),
                name_zh: self.venue_name_zh.clone(),
                name_en: self.venue_name_en.clone(),
                kind: self.venue_kind,
                address: self.venue_address.clone(),
                latitude: self.latitude,
                longitude: self.longitude,
            },
            poster: self.poster().map(|variants| Poster {
                alt: self.poster_alt.clone().unwrap_or_default(),
                variants: crate::media::variant_views(&variants, public_url),
            }),
            url: format!("{public_url}{}", self.path()),
            ics_url: format!("{public_url}{}.ics", self.path()),
        }
    }
}

/// Feeds show events that ended up to this long ago.
pub const PAST_WINDOW: TimeDelta = TimeDelta::days(90);

/// The instant before which cancelled events have left the feeds.
pub fn tombstone_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - TimeDelta::days(TOMBSTONE_DAYS)
}

/// The public page of an approved booking's event, once it is published.
pub async fn public_href(
    state: &crate::state::AppState,
    booking_id: i64,
) -> crate::error::ApiResult<Option<String>> {
    let slug = store::public_slug(&state.db, booking_id, state.now()).await?;
    Ok(slug.map(|slug| format!("/events/{slug}")))
}

/// The public feeds and personal calendars.
pub fn routes(r: &mut crate::http::Routes) {
    r.get("/calendar.ics", feeds::all_events);
    r.get("/events.rss", feeds::rss_feed);
    r.get("/venues/:slug/calendar.ics", feeds::venue_calendar);
    r.get("/feeds/:token/bookings.ics", feeds::audience);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_round_trips_through_its_canonical_query() {
        let params = FilterParams {
            venue: Some("wuma-street".into()),
            kind: Some("street".into()),
            from: Some("2026-12-01".into()),
            q: Some("night market".into()),
            ..Default::default()
        };
        let filter = EventFilter::parse(params).unwrap();
        assert_eq!(filter.from.unwrap().to_rfc3339(), "2026-11-30T16:00:00+00:00");
        let query = filter.to_query();
        assert_eq!(query, "venue=wuma-street&kind=street&from=2026-11-30T16%3A00%3A00Z&q=night%20market");
        let parsed: BTreeMap<String, String> = query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_owned(), percent_decode(v))
            })
            .collect();
        assert_eq!(EventFilter::parse(FilterParams::from_query(&parsed)).unwrap(), filter);
    }

    fn percent_decode(v: &str) -> String {
        let bytes = v.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn far_away_dates_are_refused() {
        assert!(parse_bound("+262142-12-20").is_err());
        assert!(parse_bound("-100000-01-01").is_err());
        assert!(parse_bound("2026-12-01").is_ok());
    }

    #[test]
    fn bad_filter_values_are_named() {
        let params =
            FilterParams { kind: Some("arena".into()), from: Some("soon".into()), ..Default::default() };
        match EventFilter::parse(params) {
            Err(crate::error::ApiError::Validation(errors)) => {
                assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["kind", "from"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
