//! The public market pages: `/markets` (current and coming markets) and `/markets/{slug}` with
//! its dates, the stall map of one date with the vendors on it, the vendors, and its feed.

use std::collections::BTreeMap;

use askama::Template;
use poem::{
    Request, Response, handler,
    web::{Data, Path, Query},
};
use serde_json::json;

use super::{HTML, Layout, i18n, img, language, layout, render, serve_cached};
use crate::{
    cache::Built,
    calendar::{feeds, tombstone_cutoff},
    error::{ApiError, ApiResult},
    markets::{
        ApplicationState,
        store::{self, MarketRow, OccurrenceRow},
    },
    media::StoredVariant,
    state::AppState,
    values::Lang,
    venues::maps::{self, MapLink, Point},
};

crate::words::catalogue! {
    /// The words of the market pages, public and in the portal.
    pub struct MarketWords in "market" {
        heading,
        none,
        run_by,
        dates,
        date_count,
        stall_map,
        no_plan,
        stall,
        class,
        vendor,
        free,
        food,
        vendors,
        no_vendors,
        subscribe,
        // The portal's market pages.
        start_market,
        new_market,
        title_zh,
        title_en,
        theme,
        theme_hint,
        description_zh,
        description_en,
        slug,
        slug_hint,
        weekdays,
        start_time,
        end_time,
        time_hint,
        first_date,
        weeks,
        within_booking,
        create,
        cancel_date,
        add_dates,
        call,
        call_open,
        call_closed,
        opens_at,
        closes_at,
        datetime_hint,
        save_call,
        plan,
        classes,
        classes_hint,
        stalls,
        stalls_hint,
        save_plan,
        applications,
        no_applications,
        accept,
        waitlist,
        reject,
        sells_food,
        permit_on_file,
        permit_missing,
        board,
        choose_date,
        assign,
        unassign,
        no_candidates,
        fees,
        fee,
        due,
        paid,
        waived,
        mark_paid,
        mark_waived,
        mark_due,
        download_csv,
        total,
        open_calls,
        no_open_calls,
        your_markets,
        your_applications,
        apply,
        category,
        category_hint,
        products,
        description,
        preferred_class,
        any_class,
        dates_wanted,
        dates_wanted_hint,
        send_application,
        offer,
        accept_offer,
        decline_offer,
        withdraw,
        photos,
        permit,
        permit_hint,
        your_stalls,
        no_stalls,
        public_page,
        manage,
        state,
        cancelled,
    }
}

pub fn market_words(lang: Lang) -> &'static MarketWords {
    MarketWords::of(lang)
}

pub struct MarketCard {
    pub href: String,
    pub title: String,
    pub theme: String,
    pub venue_name: String,
    pub when: String,
    pub dates: usize,
}

#[derive(Template)]
#[template(path = "markets.html")]
struct MarketsPage<'a> {
    page: Layout,
    w: &'a i18n::Words,
    mw: &'a MarketWords,
    markets: Vec<MarketCard>,
}

fn title(market: &MarketRow, lang: Lang) -> String {
    lang.pick(&market.title_zh, &market.title_en).to_owned()
}

/// `GET /markets`: markets with a date still to come, soonest first.
#[handler]
pub async fn markets_page(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let lang = language(req);
    serve_cached(req, &state, lang, "markets".into(), || async {
        let now = state.now();
        let mut cards = Vec::new();
        let mut last_modified = chrono::DateTime::UNIX_EPOCH;
        for market in store::list(&state.db, None).await? {
            let dates: Vec<OccurrenceRow> = store::occurrences(&state.db, market.id)
                .await?
                .into_iter()
                .filter(|d| d.cancelled_at.is_none() && d.ends_at > now)
                .collect();
            let (Some(first), Some(last)) = (dates.first(), dates.last()) else { continue };
            last_modified = last_modified.max(market.updated_at);
            let tz = market.zone.tz();
            cards.push((
                first.starts_at,
                MarketCard {
                    href: format!("/markets/{}", market.slug),
                    title: title(&market, lang),
                    theme: market.theme.clone(),
                    venue_name: lang.pick(&market.venue_name_zh, &market.venue_name_en).to_owned(),
                    when: if dates.len() == 1 {
                        i18n::span(lang, first.starts_at, first.ends_at, tz)
                    } else {
                        format!(
                            "{} – {}",
                            i18n::date(lang, first.starts_at.with_timezone(&tz)),
                            i18n::date(lang, last.starts_at.with_timezone(&tz))
                        )
                    },
                    dates: dates.len(),
                },
            ));
        }
        cards.sort_by_key(|(start, _)| *start);
        let (w, mw) = (i18n::words(lang), market_words(lang));
        let page =
            layout(&state, lang, "/markets", format!("{} · {}", mw.heading, w.site), mw.heading.to_owned());
        let template = MarketsPage { page, w, mw, markets: cards.into_iter().map(|(_, c)| c).collect() };
        Ok(Built { content_type: HTML, body: render(&template)?.into(), last_modified })
    })
    .await
}

pub struct DateLink {
    pub href: String,
    pub when: String,
    pub start_iso: String,
    pub cancelled: bool,
    pub current: bool,
}

/// A stall drawn on the map, in SVG user units.
pub struct MapStall {
    pub x: i64,
    pub y: i64,
    pub text_x: i64,
    pub code_y: i64,
    pub vendor_y: i64,
    pub code: String,
    pub class: String,
    pub food: bool,
    pub vendor: Option<String>,
    /// The vendor's name cut to fit the stall.
    pub vendor_short: String,
}

pub struct VendorCard {
    pub name: String,
    pub category: String,
    pub photo: Option<super::Img>,
}

#[derive(Template)]
#[template(path = "market.html")]
struct MarketPage<'a> {
    page: Layout,
    w: &'a i18n::Words,
    mw: &'a MarketWords,
    title: String,
    theme: String,
    organizer: String,
    venue_name: String,
    venue_href: String,
    address: String,
    maps: Vec<MapLink>,
    description: Vec<String>,
    dates: Vec<DateLink>,
    map_day: Option<String>,
    map: StallMap,
    vendors: Vec<VendorCard>,
    ics_href: String,
}

/// A market's stall plan drawn for one date: `templates/markets/stall_map.html` renders it.
pub struct StallMap {
    pub width: i64,
    pub height: i64,
    pub stalls: Vec<MapStall>,
    /// The same as a table under the map; off where the page has its own table of stalls.
    pub with_table: bool,
}

/// The plan of `market_id` with the vendors on each stall on `date` (none without a date).
pub async fn stall_map(state: &AppState, market_id: i64, date: Option<i64>) -> ApiResult<StallMap> {
    let classes = store::classes(&state.db, market_id).await?;
    let stalls = store::stalls(&state.db, market_id).await?;
    let assignments = store::assignments(&state.db, market_id, None).await?;
    let on_date = |stall_id: i64| {
        date.and_then(|d| {
            assignments
                .iter()
                .find(|a| a.stall_id == stall_id && a.occurrence_id == d)
                .map(|a| a.vendor_name.clone())
        })
    };
    Ok(StallMap {
        with_table: true,
        width: stalls.iter().map(|s| s.grid_x + 1).max().unwrap_or(1) * CELL_W + 12,
        height: stalls.iter().map(|s| s.grid_y + 1).max().unwrap_or(1) * CELL_H + 12,
        stalls: stalls
            .iter()
            .map(|s| {
                let vendor = on_date(s.id);
                MapStall {
                    x: s.grid_x * CELL_W + 6,
                    y: s.grid_y * CELL_H + 6,
                    text_x: s.grid_x * CELL_W + 14,
                    code_y: s.grid_y * CELL_H + 28,
                    vendor_y: s.grid_y * CELL_H + 52,
                    code: s.code.clone(),
                    class: classes
                        .iter()
                        .find(|c| c.id == s.class_id)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    food: s.food_allowed,
                    vendor_short: vendor.as_deref().map(short).unwrap_or_default(),
                    vendor,
                }
            })
            .collect(),
    })
}

const CELL_W: i64 = 110;
const CELL_H: i64 = 70;

fn short(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    // CJK characters are about twice as wide as Latin ones at the same size.
    let budget = if chars.iter().any(|c| !c.is_ascii()) { 6 } else { 11 };
    if chars.len() <= budget {
        name.to_owned()
    } else {
        chars[..budget - 1].iter().collect::<String>() + "…"
    }
}

/// schema.org Event with one `subEvent` per date; `<` escaped so nothing can close the script.
fn json_ld(market: &MarketRow, dates: &[OccurrenceRow], lang: Lang, url: &str) -> String {
    let tz = market.zone.tz();
    let status = |d: &OccurrenceRow| {
        if d.cancelled_at.is_some() {
            "https://schema.org/EventCancelled"
        } else {
            "https://schema.org/EventScheduled"
        }
    };
    let location = json!({
        "@type": "Place",
        "name": lang.pick(&market.venue_name_zh, &market.venue_name_en),
        "address": market.venue_address,
        "geo": {"@type": "GeoCoordinates", "latitude": market.latitude, "longitude": market.longitude},
    });
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": title(market, lang),
        "description": lang.pick(&market.description_zh, &market.description_en),
        "url": url,
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "location": location,
        "organizer": {"@type": "Organization", "name": market.organizer_name},
        "subEvent": dates.iter().map(|d| json!({
            "@type": "Event",
            "name": title(market, lang),
            "startDate": d.starts_at.with_timezone(&tz).to_rfc3339(),
            "endDate": d.ends_at.with_timezone(&tz).to_rfc3339(),
            "eventStatus": status(d),
            "location": location,
        })).collect::<Vec<_>>(),
    });
    if let (Some(first), Some(last)) = (dates.first(), dates.last()) {
        doc["startDate"] = json!(first.starts_at.with_timezone(&tz).to_rfc3339());
        doc["endDate"] = json!(last.ends_at.with_timezone(&tz).to_rfc3339());
    }
    doc.to_string().replace('<', "\\u003c")
}

/// `GET /markets/{slug}`: the market page; `?date={id}` picks the date whose stall map shows.
pub async fn market_page(
    req: &Request,
    state: &AppState,
    slug: &str,
    date: Option<i64>,
) -> poem::Result<Response> {
    let lang = language(req);
    let key = format!("market|{slug}|{}", date.map_or_else(String::new, |d| d.to_string()));
    serve_cached(req, state, lang, key, || async {
        let market = store::find_by_slug(&state.db, slug)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Market {slug:?}")))?;
        let now = state.now();
        let cutoff = tombstone_cutoff(now);
        let dates: Vec<OccurrenceRow> = store::occurrences(&state.db, market.id)
            .await?
            .into_iter()
            .filter(|d| d.cancelled_at.is_none_or(|at| at > cutoff))
            .collect();
        let tz = market.zone.tz();
        // The map shows the chosen date, else the next one to come, else the last.
        let shown = date
            .and_then(|id| dates.iter().find(|d| d.id == id))
            .or_else(|| dates.iter().find(|d| d.cancelled_at.is_none() && d.ends_at > now))
            .or(dates.last());
        let map = stall_map(state, market.id, shown.map(|d| d.id)).await?;

        let public_url = &state.settings.public_url;
        let applications = store::applications(&state.db, market.id, None).await?;
        let photos = store::vendor_photos(&state.db, market.id).await?;
        let vendors = applications
            .iter()
            .filter(|a| a.state == ApplicationState::Accepted)
            .map(|a| VendorCard {
                name: a.vendor_name.clone(),
                category: a.category.clone(),
                photo: photos.iter().find(|(org, _, _)| *org == a.organization_id).and_then(
                    |(_, variants, alt)| {
                        serde_json::from_str::<Vec<StoredVariant>>(variants)
                            .ok()
                            .and_then(|v| img(&v, alt, public_url))
                    },
                ),
            })
            .collect();
        let w = i18n::words(lang);
        let mw = market_words(lang);
        let title = title(&market, lang);
        let description = lang.pick(&market.description_zh, &market.description_en).to_owned();
        let url = format!("{public_url}/markets/{}", market.slug);
        let mut page =
            layout(state, lang, &format!("/markets/{}", market.slug), format!("{title} · {}", w.site), {
                let summary: String = description.chars().take(160).collect();
                if summary.is_empty() { title.clone() } else { summary }
            });
        page.og_type = "article";
        page.json_ld = Some(json_ld(&market, &dates, lang, &url));
        let last_modified =
            dates.iter().map(|d| d.updated_at).chain([market.updated_at]).max().unwrap_or(market.updated_at);
        let template = MarketPage {
            page,
            w,
            mw,
            theme: market.theme.clone(),
            organizer: market.organizer_name.clone(),
            venue_name: lang.pick(&market.venue_name_zh, &market.venue_name_en).to_owned(),
            venue_href: format!("/venues/{}", market.venue_slug),
            address: market.venue_address.clone(),
            maps: maps::links(
                Point::new(market.latitude, market.longitude),
                lang.pick(&market.venue_name_zh, &market.venue_name_en),
                lang,
            ),
            description: description
                .split('\n')
                .filter(|p| !p.trim().is_empty())
                .map(str::to_owned)
                .collect(),
            dates: dates
                .iter()
                .map(|d| DateLink {
                    href: format!("/markets/{}?date={}", market.slug, d.id),
                    when: i18n::span(lang, d.starts_at, d.ends_at, tz),
                    start_iso: d.starts_at.to_rfc3339(),
                    cancelled: d.cancelled_at.is_some(),
                    current: shown.is_some_and(|s| s.id == d.id),
                })
                .collect(),
            map_day: shown.map(|d| i18n::date(lang, d.starts_at.with_timezone(&tz))),
            map,
            vendors,
            ics_href: format!("/markets/{}.ics", market.slug),
            title,
        };
        Ok(Built { content_type: HTML, body: render(&template)?.into(), last_modified })
    })
    .await
}

/// `GET /markets/{file}`: the market page, or `{slug}.ics` its dates as a calendar.
#[handler]
pub async fn market_file(
    req: &Request,
    state: Data<&AppState>,
    Path(file): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    match file.strip_suffix(".ics") {
        Some(slug) => {
            feeds::market_ics(req, &state, slug, Lang::parse(query.get("lang").map(String::as_str))).await
        }
        None => {
            let date = query.get("date").and_then(|d| d.parse::<i64>().ok());
            market_page(req, &state, &file, date).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_vendor_names_are_cut_to_fit_a_stall() {
        assert_eq!(short("Blue Mugs"), "Blue Mugs");
        assert_eq!(short("Ouhai Ceramics Studio"), "Ouhai Cera…");
        assert_eq!(short("瓯海陶艺工作室"), "瓯海陶艺工…");
    }
}
