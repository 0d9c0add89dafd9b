//! The stall board: which vendor holds which stall on one market date.

use crate::web::form::Form;
use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;

use crate::{
    error::{ApiError, ApiResult},
    markets::{
        ApplicationState,
        service::{self, AssignmentInput},
        store::{self, ApplicationRow},
    },
    pages::{
        i18n,
        markets::{MarketWords, StallMap, market_words, stall_map},
    },
    state::AppState,
    web::{Csrf, CsrfForm, Errors, Shell, SignedIn, Words, language, page, see_other, words::words},
};

use super::{done_notice, organizer_market, plan::DateLine, title, when};

pub struct Candidate {
    pub application_id: i64,
    pub name: String,
}

pub struct BoardRow {
    pub stall_id: i64,
    pub code: String,
    pub class: String,
    pub food: bool,
    pub vendor: Option<String>,
    pub assignment_id: Option<i64>,
    pub candidates: Vec<Candidate>,
}

#[derive(Template)]
#[template(path = "portal/market_board.html")]
pub(super) struct BoardPage {
    shell: Shell,
    w: &'static Words,
    mw: &'static MarketWords,
    id: i64,
    title: String,
    date_id: i64,
    date: String,
    dates: Vec<DateLine>,
    rows: Vec<BoardRow>,
    map: StallMap,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DateQuery {
    date: Option<i64>,
    done: Option<String>,
}

async fn board_view(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    date: Option<i64>,
    errors: Errors,
    notice: Option<&str>,
) -> ApiResult<(BoardPage, Csrf)> {
    let lang = language(req);
    let (w, mw, csrf) = (words(lang), market_words(lang), Csrf::of(req, state));
    let market = organizer_market(state, me, id).await?;
    let tz = market.zone.tz();
    let occurrences = store::occurrences(&state.db, id).await?;
    let live: Vec<_> = occurrences.iter().filter(|d| d.cancelled_at.is_none()).collect();
    let now = state.now();
    let shown = date
        .and_then(|d| live.iter().find(|o| o.id == d))
        .or_else(|| live.iter().find(|o| o.ends_at > now))
        .or(live.first())
        .copied()
        .ok_or_else(|| ApiError::conflict(crate::error::Reason::new("no-dates")))?;
    let plan = service::plan_of(state, id).await?;
    let assignments = store::assignments(&state.db, id, None).await?;
    let on_date: Vec<_> = assignments.iter().filter(|a| a.occurrence_id == shown.id).collect();
    let applications: Vec<ApplicationRow> = store::applications(&state.db, id, None)
        .await?
        .into_iter()
        .filter(|a| a.state == ApplicationState::Accepted && a.occurrence_ids().contains(&shown.id))
        .filter(|a| !on_date.iter().any(|x| x.application_id == a.id))
        .collect();
    let rows = plan
        .stalls
        .iter()
        .map(|s| {
            let taken = on_date.iter().find(|a| a.stall_id == s.id);
            BoardRow {
                stall_id: s.id,
                code: s.code.clone(),
                class: s.class.clone(),
                food: s.food_allowed,
                vendor: taken.map(|a| a.vendor_name.clone()),
                assignment_id: taken.map(|a| a.id),
                candidates: applications
                    .iter()
                    .filter(|a| s.food_allowed || !a.sells_food)
                    .map(|a| Candidate {
                        application_id: a.id,
                        name: format!("{} · {}", a.vendor_name, a.category),
                    })
                    .collect(),
            }
        })
        .collect();
    let dates = live
        .iter()
        .map(|d| DateLine {
            id: d.id,
            when: when(&market, lang, d.starts_at),
            cancelled: false,
            href: format!("/portal/markets/{id}/board?date={}", d.id),
        })
        .collect();
    let shell = Shell::new(req, lang, mw.board, &csrf, Some(me)).with_errors(errors).with_notice(notice);
    Ok((
        BoardPage {
            shell,
            w,
            mw,
            id,
            title: title(&market, lang),
            date_id: shown.id,
            date: i18n::span(lang, shown.starts_at, shown.ends_at, tz),
            dates,
            rows,
            map: StallMap { with_table: false, ..stall_map(state, id, Some(shown.id)).await? },
        },
        csrf,
    ))
}

/// `GET /portal/markets/{id}/board?date={date}`.
#[handler]
pub async fn board_page(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Query(query): Query<DateQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    let notice = done_notice(words(language(req)), query.done.as_deref());
    let (template, csrf) = board_view(req, &state, &me, id, query.date, Errors::default(), notice).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AssignForm {
    csrf: String,
    stall_id: i64,
    occurrence_id: i64,
    application_id: String,
}

/// `POST /portal/markets/{id}/board`: give a stall to a vendor for the board's date.
#[handler]
pub async fn assign(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Form(form): Form<AssignForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let result = match form.application_id.parse() {
        Ok(application_id) => {
            let input = AssignmentInput {
                stall_id: form.stall_id,
                occurrence_id: form.occurrence_id,
                application_id,
            };
            service::assign(&state, &me.principal, id, input).await.map(|_| ())
        }
        Err(_) => Err(ApiError::invalid("application_id", crate::error::Invalid::new("vendor-required"))),
    };
    match result {
        Ok(()) => Ok(see_other(
            &format!("/portal/markets/{id}/board?date={}&done=assigned", form.occurrence_id),
            vec![],
        )),
        Err(err) => {
            let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
            let (template, csrf) =
                board_view(req, &state, &me, id, Some(form.occurrence_id), errors, None).await?;
            Ok(page(status, &template, &csrf, vec![])?)
        }
    }
}

/// `POST /portal/markets/{id}/board/{assignment}/remove`.
#[handler]
pub async fn unassign(
    req: &Request,
    state: Data<&AppState>,
    Path((id, assignment)): Path<(i64, i64)>,
    _: Form<CsrfForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let date = store::assignment(&state.db, assignment).await?.map(|a| a.occurrence_id);
    match service::unassign(&state, &me.principal, id, assignment).await {
        Ok(()) => Ok(see_other(
            &format!("/portal/markets/{id}/board?date={}&done=removed", date.unwrap_or_default()),
            vec![],
        )),
        Err(err) => {
            let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
            let (template, csrf) = board_view(req, &state, &me, id, date, errors, None).await?;
            Ok(page(status, &template, &csrf, vec![])?)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fees.
