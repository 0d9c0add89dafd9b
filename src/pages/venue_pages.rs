//! The showcase venues: `/venues` and one venue's page with its photos, hours and map.

use askama::Template;
use chrono::DateTime;
use poem::{
    Request, Response, handler,
    web::{Data, Path},
};

use crate::pages::i18n::{self, Words, words};
use crate::{
    cache::Built,
    calendar::{EventFilter, store as events},
    error::{ApiError, ApiResult},
    media::{self, ImageOwner},
    state::AppState,
    values::{Lang, money::thousands},
    venues::{
        self, Venue, Weekday, format_time_of_day,
        maps::{self, MapLink, Point},
        parse_time_of_day,
    },
};

use super::{
    Card, HTML, Img, Layout, card, img, language, last_modified, layout, listing::subscribe_by_email, render,
    serve_cached,
};

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
pub(super) struct VenuesPage<'a> {
    page: Layout,
    w: &'a Words,
    venues: Vec<VenueCard>,
}

pub(super) fn venue_name(venue: &Venue, lang: Lang) -> String {
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
pub(super) struct VenuePage<'a> {
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
