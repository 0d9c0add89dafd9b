//! The brand and organizer portal: where an organization applies for debut slots and follows
//! them, in the browser, in Chinese or English, on a phone or a desk.
//!
//! Every page works without JavaScript (plain forms, post/redirect/get) and calls the same domain
//! services as the JSON API: no rule is written twice here. Another organization's booking is
//! "not found", as in the API.

pub mod bookings;
pub mod incentives;
pub mod markets;
pub mod organization;

use crate::web::form::Form;
use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Query},
};
use serde::Deserialize;

use crate::{
    accounts::auth::{new_token, token_hash},
    bookings::{BookingState, store as booking_store},
    calendar::store as calendar_store,
    error::ApiResult,
    pages::i18n,
    state::AppState,
    values::Lang,
    venues,
    web::{
        Csrf, CsrfForm, Shell, SignedIn, Words, language, page, see_other,
        words::{self, words},
    },
};

/// A booking in a list.
pub struct BookingLine {
    pub href: String,
    pub title: String,
    pub venue: String,
    pub when: String,
    pub state_word: &'static str,
    pub state_shape: &'static str,
    pub state_class: &'static str,
    pub public_href: Option<String>,
}

/// The booking whose next step matters most: sent back for changes, then drafts.
pub struct NextStep {
    pub text: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    shell: Shell,
    w: &'static Words,
    next: Option<NextStep>,
    bookings: Vec<BookingLine>,
    awards: Vec<incentives::AwardLine>,
    brand: bool,
    markets: markets::HomeMarkets,
    mw: &'static crate::pages::markets::MarketWords,
    feed_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /portal`: the organization's bookings by state, with the next step spelled out.
#[handler]
pub async fn home(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<DoneQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    if me.principal.is_staff() {
        return Ok(see_other("/staff", vec![]));
    }
    let lang = language(req);
    let csrf = Csrf::of(req, &state);
    let notice = (query.done.as_deref() == Some("feed-off")).then_some(words(lang).saved);
    let template = home_page(req, &state, &me, lang, &csrf, None, notice).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

async fn home_page(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    lang: Lang,
    csrf: &Csrf,
    feed_url: Option<String>,
    notice: Option<&str>,
) -> ApiResult<HomePage> {
    let w = words(lang);
    let bookings = booking_lines(state, me, lang).await?;
    let shell = Shell::new(req, lang, w.portal, csrf, Some(me)).with_notice(notice);
    let next = bookings.iter().find_map(|(line, state, change)| {
        matches!(state, BookingState::ChangesRequested | BookingState::Draft).then(|| NextStep {
            text: format!("{}: {}", line.title, words::next_step(lang, *state, *change)),
            href: line.href.clone(),
        })
    });
    let awards = incentives::award_lines(state, me, lang).await?;
    let brand = me.principal.organization.is_some_and(|o| o.kind == crate::accounts::OrgKind::Brand);
    Ok(HomePage {
        shell,
        w,
        next,
        bookings: bookings.into_iter().map(|(line, _, _)| line).collect(),
        awards,
        brand,
        markets: markets::home_markets(state, me, lang).await?,
        mw: crate::pages::markets::market_words(lang),
        feed_url,
    })
}

async fn booking_lines(
    state: &AppState,
    me: &SignedIn,
    lang: Lang,
) -> ApiResult<Vec<(BookingLine, BookingState, bool)>> {
    let Some(organization_id) = me.principal.organization.map(|o| o.id) else { return Ok(vec![]) };
    let filter =
        booking_store::BookingFilter { organization_id: Some(organization_id), ..Default::default() };
    let rows = booking_store::list(&state.db, &filter, 0, 200).await?;
    let venues = venues::store::list(
        &state.db,
        &venues::store::VenueFilter { include_archived: true, ..Default::default() },
        0,
        100,
    )
    .await?;
    let mut lines = Vec::new();
    for row in rows.iter().rev() {
        let content = row.content()?;
        let venue = venues.iter().find(|v| v.id == row.venue_id);
        let (state_word, state_shape) = words::state_label(lang, row.state);
        lines.push((
            BookingLine {
                href: format!("/portal/bookings/{}", row.id),
                title: lang.pick(&content.title_zh, &content.title_en).to_owned(),
                venue: venue.map_or_else(String::new, |v| lang.pick(&v.name_zh, &v.name_en).to_owned()),
                when: i18n::span(lang, content.starts_at, content.ends_at, row.zone.tz()),
                state_word,
                state_shape,
                state_class: row.state.as_str(),
                public_href: crate::calendar::public_href(state, row.id).await?,
            },
            row.state,
            row.pending_change.is_some(),
        ));
    }
    Ok(lines)
}

/// `POST /portal/feed`: a new secret calendar URL for the user (any earlier one stops working),
/// shown once.
#[handler]
pub async fn renew_feed(
    req: &Request,
    state: Data<&AppState>,
    _: Form<CsrfForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let token = new_token();
    calendar_store::replace_feed_token(&state.db, me.principal.user_id, &token_hash(&token), state.now())
        .await?;
    let url = format!("{}/feeds/{token}/bookings.ics", state.settings.public_url);
    let lang = language(req);
    let csrf = Csrf::of(req, &state);
    let template = home_page(req, &state, &me, lang, &csrf, Some(url), None).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

/// `POST /portal/feed/revoke`: the user's calendar URL stops working.
#[handler]
pub async fn revoke_feed(state: Data<&AppState>, _: Form<CsrfForm>, me: SignedIn) -> poem::Result<Response> {
    calendar_store::revoke_feed_tokens(&state.db, me.principal.user_id, state.now()).await?;
    Ok(see_other("/portal?done=feed-off", vec![]))
}

/// The brand, organizer and vendor portal.
pub fn routes(r: &mut crate::http::Routes) {
    use crate::http::Guard;
    r.get("/portal", home);
    r.page_and_form("/portal/organization", organization::show, Guard::SignedIn, organization::rename);
    r.page_and_form("/portal/incentives/new", incentives::new_page, Guard::SignedIn, incentives::create);
    r.get("/portal/incentives/:id", incentives::show);
    r.post("/portal/incentives/:id/submit", Guard::SignedIn, incentives::submit);
    r.post("/portal/incentives/:id/evidence", Guard::SignedIn, incentives::upload_evidence);
    r.post("/portal/incentives/:id/evidence/:image_id/remove", Guard::SignedIn, incentives::remove_evidence);
    r.post("/portal/bookings/:id/figures", Guard::SignedIn, bookings::figures::file);
    r.post("/portal/bookings/:id/figures/photos", Guard::SignedIn, bookings::figures::upload_photo);
    r.page_and_form("/portal/markets/new", markets::new::new_page, Guard::SignedIn, markets::new::create);
    r.get("/portal/markets/:id", markets::plan::show);
    r.post("/portal/markets/:id/plan", Guard::SignedIn, markets::plan::save_plan);
    r.post("/portal/markets/:id/call", Guard::SignedIn, markets::plan::save_call);
    r.post("/portal/markets/:id/dates/:date/cancel", Guard::SignedIn, markets::plan::cancel_date);
    r.get("/portal/markets/:id/applications", markets::applications::applications_page);
    r.page_and_form(
        "/portal/markets/:id/board",
        markets::board::board_page,
        Guard::SignedIn,
        markets::board::assign,
    );
    r.post("/portal/markets/:id/board/:assignment/remove", Guard::SignedIn, markets::board::unassign);
    r.get("/portal/markets/:id/fees", markets::fees::fees_page);
    r.get("/portal/markets/:id/fees.csv", markets::fees::fees_csv);
    r.post("/portal/markets/:id/fees/:line", Guard::SignedIn, markets::fees::set_fee);
    r.page_and_form(
        "/portal/markets/:id/apply",
        markets::vendor::apply_page,
        Guard::SignedIn,
        markets::vendor::apply,
    );
    r.get("/portal/market-applications/:id", markets::vendor::application_page);
    r.post("/portal/market-applications/:id/decision", Guard::SignedIn, markets::applications::decide);
    r.post("/portal/market-applications/:id/photos", Guard::SignedIn, markets::vendor::upload_photo);
    r.post("/portal/market-applications/:id/permit", Guard::SignedIn, markets::vendor::upload_permit);
    r.post(
        "/portal/market-applications/:id/photos/:image_id/remove",
        Guard::SignedIn,
        markets::vendor::remove_photo,
    );
    r.post("/portal/organization/logo", Guard::SignedIn, organization::upload_logo);
    r.post("/portal/organization/invitations", Guard::SignedIn, organization::invite);
    r.post("/portal/organization/invitations/:id/revoke", Guard::SignedIn, organization::revoke_invitation);
    r.post("/portal/organization/members/:user_id/remove", Guard::SignedIn, organization::remove_member);
    r.post("/portal/feed", Guard::SignedIn, renew_feed);
    r.post("/portal/feed/revoke", Guard::SignedIn, revoke_feed);
    r.page_and_form("/portal/bookings/new", bookings::new::new_page, Guard::SignedIn, bookings::new::create);
    r.get("/portal/bookings/:id", bookings::show);
    r.page_and_form(
        "/portal/bookings/:id/edit",
        bookings::edit::edit,
        Guard::SignedIn,
        bookings::edit::update,
    );
    r.post("/portal/bookings/:id/submit", Guard::SignedIn, bookings::actions::submit);
    r.post("/portal/bookings/:id/withdraw", Guard::SignedIn, bookings::actions::withdraw);
    r.post("/portal/bookings/:id/slot", Guard::SignedIn, bookings::actions::take_slot);
    r.post("/portal/bookings/:id/comments", Guard::SignedIn, bookings::actions::comment);
    r.post("/portal/bookings/:id/images", Guard::SignedIn, bookings::actions::upload_image);
    r.post("/portal/bookings/:id/images/:image_id/remove", Guard::SignedIn, bookings::actions::remove_image);
}
