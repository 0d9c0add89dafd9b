//! The organizer's list of stall applications and the moves on one (accept, wait-list, offer, reject).

use crate::web::form::Form;
use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;

use crate::portal::DoneQuery;
use crate::{
    error::{ApiError, ApiResult},
    markets::{ApplicationAction, ApplicationState, service},
    media::ImageOwner,
    pages::{
        Img,
        markets::{MarketWords, market_words},
    },
    state::AppState,
    web::{Csrf, Errors, Shell, SignedIn, Words, language, page, see_other, words::words},
};

use super::{done_notice, first_photo, organizer_market, state_word, title, vendor::application_view};

pub struct ApplicationLine {
    pub id: i64,
    pub href: String,
    pub vendor: String,
    pub category: String,
    pub products: String,
    pub state: &'static str,
    pub food: bool,
    pub permit: bool,
    pub can_accept: bool,
    pub can_waitlist: bool,
    pub can_reject: bool,
    pub photo: Option<Img>,
}

#[derive(Template)]
#[template(path = "portal/market_applications.html")]
pub(super) struct ApplicationsPage {
    shell: Shell,
    w: &'static Words,
    mw: &'static MarketWords,
    id: i64,
    title: String,
    applications: Vec<ApplicationLine>,
}

async fn applications_view(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    errors: Errors,
    notice: Option<&str>,
) -> ApiResult<(ApplicationsPage, Csrf)> {
    let lang = language(req);
    let (w, mw, csrf) = (words(lang), market_words(lang), Csrf::of(req, state));
    let market = organizer_market(state, me, id).await?;
    let mut applications = Vec::new();
    for a in service::applications(state, &me.principal, id).await? {
        use ApplicationState::*;
        applications.push(ApplicationLine {
            id: a.id,
            href: format!("/portal/market-applications/{}", a.id),
            vendor: a.vendor_name.clone(),
            category: a.category.clone(),
            products: a.products.clone(),
            state: state_word(lang, a.state),
            food: a.sells_food,
            permit: a.has_permit,
            can_accept: matches!(a.state, Submitted | Waitlisted),
            can_waitlist: a.state == Submitted,
            can_reject: matches!(a.state, Submitted | Waitlisted),
            photo: first_photo(state, ImageOwner::MarketApplication(a.id)).await?,
        });
    }
    let shell =
        Shell::new(req, lang, mw.applications, &csrf, Some(me)).with_errors(errors).with_notice(notice);
    Ok((ApplicationsPage { shell, w, mw, id, title: title(&market, lang), applications }, csrf))
}

/// `GET /portal/markets/{id}/applications`.
#[handler]
pub async fn applications_page(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Query(query): Query<DoneQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    let notice = done_notice(words(language(req)), query.done.as_deref());
    let (template, csrf) = applications_view(req, &state, &me, id, Errors::default(), notice).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    action: String,
}

/// `POST /portal/market-applications/{id}/decision`: any move on an application, by the
/// organizer (accept, waitlist, reject) or the vendor (withdraw, accept-offer, decline-offer).
#[handler]
pub async fn decide(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let action = ApplicationAction::parse(&form.action).map_err(|m| ApiError::invalid("action", m))?;
    let (market, row) = service::load_application(&state, &me.principal, id).await?;
    let vendor = me.principal.acts_for(row.organization_id);
    let back = if vendor {
        format!("/portal/market-applications/{id}")
    } else {
        format!("/portal/markets/{}/applications", market.id)
    };
    match service::act(&state, &me.principal, id, action).await {
        Ok(_) => Ok(see_other(&format!("{back}?done=decided"), vec![])),
        Err(err) => {
            let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
            if vendor {
                let (template, csrf) = application_view(req, &state, &me, id, errors, None).await?;
                Ok(page(status, &template, &csrf, vec![])?)
            } else {
                let (template, csrf) = applications_view(req, &state, &me, market.id, errors, None).await?;
                Ok(page(status, &template, &csrf, vec![])?)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The allocation board: one date, every stall, who stands on it.
