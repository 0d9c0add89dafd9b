//! `GET /events/{slug}/poster`: a printable poster of an event for the venue's notice board,
//! with a QR code of the event's page, so a passer-by can open it (and add it to a calendar)
//! from the street.

use askama::Template;
use poem::{
    Request, Response, handler,
    web::{Data, Path},
};

use super::{HTML, Img, Layout, i18n, img, language, layout, render, serve_cached, words};
use crate::{
    cache::Built,
    calendar::store as events,
    error::ApiError,
    http::{qr_svg, url_encode},
    state::AppState,
};

#[derive(Template)]
#[template(path = "poster.html")]
struct PosterPage<'a> {
    page: Layout,
    w: &'a i18n::Words,
    title: String,
    poster: Option<Img>,
    cancelled: bool,
    when: String,
    zone: String,
    venue_name: String,
    address: String,
    brand: String,
    /// The QR code as an `img` source: a data URI of its SVG.
    qr_src: String,
    qr_caption: &'static str,
    url: String,
}

#[handler]
pub async fn event_poster(
    req: &Request,
    state: Data<&AppState>,
    Path(slug): Path<String>,
) -> poem::Result<Response> {
    let (state, slug) = (*state, slug.as_str());
    let lang = language(req);
    serve_cached(req, state, lang, format!("poster|{slug}"), || async {
        let row = events::event(&state.db, slug, state.clock.now())
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Event {slug:?}")))?;
        let public_url = &state.settings.public_url;
        let w = words(lang);
        let url = format!("{public_url}/events/{}", row.public_slug);
        let title = row.title(lang).to_owned();
        let tz = row.tz();
        let mut page = layout(
            state,
            lang,
            &format!("/events/{}/poster", row.public_slug),
            format!("{title} · {}", w.site),
            title.clone(),
        );
        let poster = row.poster().and_then(|v| img(&v, row.poster_alt.as_deref().unwrap_or(""), public_url));
        page.image = poster.as_ref().map(|p| p.src.clone());
        let template = PosterPage {
            page,
            w,
            poster,
            cancelled: row.status() == crate::calendar::EventStatus::Cancelled,
            when: i18n::span(lang, row.starts_at, row.ends_at, tz),
            zone: i18n::zone_label(tz, row.starts_at),
            venue_name: row.venue_name(lang).to_owned(),
            address: row.venue_address.clone(),
            brand: row.brand_name.clone(),
            qr_src: format!("data:image/svg+xml,{}", url_encode(&qr_svg(&url))),
            qr_caption: super::i18n::words(lang).qr_caption,
            url,
            title,
        };
        Ok(Built { content_type: HTML, body: render(&template)?.into(), last_modified: row.last_modified() })
    })
    .await
}
