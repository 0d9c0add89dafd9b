//! Markets in the portal. Organizers start a market on an approved market booking, set its
//! dates, stall plan and vendor call, review applications, give out stalls date by date and keep
//! the fees; vendors apply, answer offers and see their stalls. Every action calls
//! `markets::service`, as the API does.

use poem::{Request, Response};

use crate::{
    accounts::OrgKind,
    bookings::{BookingState, Format, store as booking_store},
    error::{ApiError, ApiResult},
    markets::{
        ApplicationState, FeeState, service,
        store::{self, MarketRow},
    },
    media::{self, ImageOwner},
    pages::{
        Img, i18n, img,
        markets::{MarketWords, market_words},
    },
    state::AppState,
    values::{Lang, time::local_time},
    web::{Errors, SignedIn, Words, page},
};

pub mod applications;
pub mod board;
pub mod fees;
pub mod new;
pub mod plan;
pub mod vendor;

use self::plan::{CallForm, PlanForm, market_view, plan_errors};

crate::words::catalogue! {
    /// A vendor's stall application state
    pub struct StallApplicationWords in "stall-state" {
        submitted,
        accepted,
        waitlisted,
        offered,
        rejected,
        withdrawn,
        declined,
        lapsed,
    }
}

pub fn state_word(lang: Lang, state: ApplicationState) -> &'static str {
    let w = StallApplicationWords::of(lang);
    match state {
        ApplicationState::Submitted => w.submitted,
        ApplicationState::Accepted => w.accepted,
        ApplicationState::Waitlisted => w.waitlisted,
        ApplicationState::Offered => w.offered,
        ApplicationState::Rejected => w.rejected,
        ApplicationState::Withdrawn => w.withdrawn,
        ApplicationState::Declined => w.declined,
        ApplicationState::Lapsed => w.lapsed,
    }
}

fn fee_word(mw: &MarketWords, state: FeeState) -> &'static str {
    match state {
        FeeState::Due => mw.due,
        FeeState::Paid => mw.paid,
        FeeState::Waived => mw.waived,
    }
}

fn title(market: &MarketRow, lang: Lang) -> String {
    lang.pick(&market.title_zh, &market.title_en).to_owned()
}

fn when(market: &MarketRow, lang: Lang, starts_at: chrono::DateTime<chrono::Utc>) -> String {
    i18n::date(lang, starts_at.with_timezone(&market.zone.tz()))
}

/// A line in the portal home's market section.
pub struct MarketLine {
    pub href: String,
    pub title: String,
    pub note: String,
}

/// What the portal home shows about markets: an organizer's markets and the approved market
/// bookings it can start one on; a vendor's applications and the markets taking applications.
#[derive(Default)]
pub struct HomeMarkets {
    pub organizer: bool,
    pub vendor: bool,
    pub mine: Vec<MarketLine>,
    pub can_start: Vec<MarketLine>,
    pub open_calls: Vec<MarketLine>,
    pub applications: Vec<MarketLine>,
}

pub async fn home_markets(state: &AppState, me: &SignedIn, lang: Lang) -> ApiResult<HomeMarkets> {
    let Some(org) = me.principal.organization else { return Ok(HomeMarkets::default()) };
    let mut home = HomeMarkets {
        organizer: org.kind == OrgKind::Organizer,
        vendor: org.kind == OrgKind::Vendor,
        ..Default::default()
    };
    let mw = market_words(lang);
    if home.organizer {
        let markets = store::list(&state.db, Some(org.id)).await?;
        for market in &markets {
            home.mine.push(MarketLine {
                href: format!("/portal/markets/{}", market.id),
                title: title(market, lang),
                note: lang.pick(&market.venue_name_zh, &market.venue_name_en).to_owned(),
            });
        }
        let filter = booking_store::BookingFilter {
            organization_id: Some(org.id),
            state: Some(BookingState::Approved),
            format: Some(Format::Market),
            ..Default::default()
        };
        for booking in booking_store::list(&state.db, &filter, 0, 200).await? {
            if markets.iter().any(|m| m.booking_id == booking.id) {
                continue;
            }
            home.can_start.push(MarketLine {
                href: format!("/portal/markets/new?booking={}", booking.id),
                title: lang.pick(&booking.title_zh, &booking.title_en).to_owned(),
                note: i18n::span(lang, booking.starts_at, booking.ends_at, booking.zone.tz()),
            });
        }
    }
    if home.vendor {
        let now = state.now();
        for market in store::list(&state.db, None).await? {
            if let (Some(opens), Some(closes)) = (market.call_opens_at, market.call_closes_at)
                && opens <= now
                && now < closes
            {
                home.open_calls.push(MarketLine {
                    href: format!("/portal/markets/{}/apply", market.id),
                    title: title(&market, lang),
                    note: format!(
                        "{} {}",
                        mw.call_open,
                        local_time(closes, market.zone.tz()).replace('T', " ")
                    ),
                });
            }
        }
        for application in store::vendor_applications(&state.db, org.id).await? {
            let market = service::load(state, application.market_id).await?;
            home.applications.push(MarketLine {
                href: format!("/portal/market-applications/{}", application.id),
                title: title(&market, lang),
                note: state_word(lang, application.state).to_owned(),
            });
        }
    }
    Ok(home)
}

// ---------------------------------------------------------------------------------------------
// Starting a market.

async fn organizer_market(state: &AppState, me: &SignedIn, id: i64) -> ApiResult<MarketRow> {
    let market = service::load(state, id).await?;
    service::require_organizer(&me.principal, &market)?;
    Ok(market)
}

fn done_notice(w: &Words, done: Option<&str>) -> Option<&'static str> {
    done.map(|_| w.saved)
}

async fn market_problem(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    err: ApiError,
    typed: (Option<&PlanForm>, Option<&CallForm>),
) -> poem::Result<Response> {
    let err = match err {
        ApiError::Validation(fields) => ApiError::Validation(plan_errors(fields)),
        other => other,
    };
    let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
    let (template, csrf) = market_view(req, state, me, id, errors, None, typed).await?;
    Ok(page(status, &template, &csrf, vec![])?)
}

/// The first photo of an application, shown small in lists.
async fn first_photo(state: &AppState, owner: ImageOwner) -> ApiResult<Option<Img>> {
    Ok(match media::store::list(&state.db, owner).await?.first() {
        Some(image) => img(&image.variants()?, &image.alt, &state.settings.public_url),
        None => None,
    })
}
