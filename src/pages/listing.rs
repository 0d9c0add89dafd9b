//! The lists of events: `/` (the next 30 days), `/events` (a page at a time, or a month), their
//! filters and the feed links that subscribe to what the filters show.

use std::collections::BTreeMap;

use askama::Template;
use chrono::{Datelike, Days, NaiveDate, TimeDelta, TimeZone};
use poem::{
    Request, Response, handler,
    web::{Data, Query},
};

use crate::pages::i18n::{self, Words, words};
use crate::{
    bookings::{Format, Reach},
    cache::Built,
    calendar::{EventFilter, EventStatus, FilterParams, store as events},
    error::{ApiError, ApiResult},
    state::AppState,
    values::{Lang, Zone},
    venues::{self, VenueKind, Weekday},
};

use super::{
    Card, HTML, Layout, card, language, last_modified, layout, path_and_query, render, serve_cached,
};

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
pub(super) struct HomePage<'a> {
    page: Layout,
    w: &'a Words,
    heading: &'a str,
    form_action: &'a str,
    form: FilterForm,
    subscribe: Subscribe,
    cards: Vec<Card>,
    next_href: Option<String>,
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

pub(super) fn subscribe(state: &AppState, filter: &EventFilter) -> Subscribe {
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
pub(super) fn webcal(url: &str) -> String {
    url.replacen("https://", "webcal://", 1).replacen("http://", "webcal://", 1)
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
pub(super) struct MonthPage<'a> {
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
