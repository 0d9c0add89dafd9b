//! `/staff/markets`: the office's overview of every market, with its vendors and how full its
//! stalls are on each date. Staff manage a market through the organizer's pages, which let
//! staff act on every market.

use crate::console::Staff;
use askama::Template;
use poem::{Request, Response, handler, http::StatusCode, web::Data};

use crate::{
    markets::{DateStatus, service},
    pages::{
        i18n,
        markets::{MarketWords, market_words},
    },
    state::AppState,
    values::Zone,
    web::{Csrf, Shell, Words, language, page, words::words},
};

pub struct DateFill {
    pub when: String,
    pub taken: i64,
    pub stalls: i64,
    pub cancelled: bool,
}

pub struct MarketRow {
    pub manage_href: String,
    pub public_href: String,
    pub title: String,
    pub organizer: String,
    pub venue: String,
    pub applications: i64,
    pub accepted: i64,
    pub waitlisted: i64,
    pub dates: Vec<DateFill>,
}

#[derive(Template)]
#[template(path = "console/markets.html")]
struct MarketsPage {
    shell: Shell,
    w: &'static Words,
    mw: &'static MarketWords,
    markets: Vec<MarketRow>,
}

/// `GET /staff/markets`.
#[handler]
pub async fn list(req: &Request, state: Data<&AppState>, Staff(me): Staff) -> poem::Result<Response> {
    let lang = language(req);
    let (w, mw, csrf) = (words(lang), market_words(lang), Csrf::of(req, &state));
    let markets = service::overview(&state, &me.principal)
        .await?
        .into_iter()
        .map(|o| {
            let tz = Zone::parse(&o.market.zone).unwrap_or_default().tz();
            MarketRow {
                manage_href: format!("/portal/markets/{}", o.market.id),
                public_href: format!("/markets/{}", o.market.slug),
                title: lang.pick(&o.market.title_zh, &o.market.title_en).to_owned(),
                organizer: o.market.organizer.name.clone(),
                venue: lang.pick(&o.market.venue.name_zh, &o.market.venue.name_en).to_owned(),
                applications: o.applications,
                accepted: o.vendors_accepted,
                waitlisted: o.waitlisted,
                dates: o
                    .dates
                    .iter()
                    .map(|d| DateFill {
                        when: i18n::date(lang, d.starts_at.with_timezone(&tz)),
                        taken: d.stalls_taken,
                        stalls: d.stalls,
                        cancelled: d.status == DateStatus::Cancelled,
                    })
                    .collect(),
            }
        })
        .collect();
    let shell = Shell::new(req, lang, mw.heading, &csrf, Some(&me));
    Ok(page(StatusCode::OK, &MarketsPage { shell, w, mw, markets }, &csrf, vec![])?)
}
