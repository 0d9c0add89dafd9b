//! The stall fees of a market: what each vendor owes, paid or waived, and the CSV export.

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
    error::ApiError,
    markets::{
        FeeState,
        service::{self, FeeInput},
    },
    pages::markets::{MarketWords, market_words},
    state::AppState,
    values::money::format_cny,
    web::{Csrf, Shell, SignedIn, Words, language, page, see_other, words::words},
};

use super::{done_notice, fee_word, organizer_market, title, when};

pub struct FeeLine {
    pub id: i64,
    pub date: String,
    pub stall: String,
    pub vendor: String,
    pub fee: String,
    pub state: &'static str,
    pub due: bool,
}

#[derive(Template)]
#[template(path = "portal/market_fees.html")]
pub(super) struct FeesPage {
    shell: Shell,
    w: &'static Words,
    mw: &'static MarketWords,
    id: i64,
    title: String,
    lines: Vec<FeeLine>,
    due: String,
    paid: String,
    waived: String,
}

/// `GET /portal/markets/{id}/fees`.
#[handler]
pub async fn fees_page(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Query(query): Query<DoneQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    let lang = language(req);
    let (w, mw, csrf) = (words(lang), market_words(lang), Csrf::of(req, &state));
    let market = organizer_market(&state, &me, id).await?;
    let fees = service::fees(&state, &me.principal, id).await?;
    let lines = fees
        .lines
        .iter()
        .map(|l| FeeLine {
            id: l.id,
            date: when(&market, lang, l.starts_at),
            stall: l.stall_code.clone(),
            vendor: l.vendor_name.clone(),
            fee: format_cny(l.fee_fen),
            state: fee_word(mw, l.fee_state),
            due: l.fee_state == FeeState::Due,
        })
        .collect();
    let notice = done_notice(w, query.done.as_deref());
    let shell = Shell::new(req, lang, mw.fees, &csrf, Some(&me)).with_notice(notice);
    let template = FeesPage {
        shell,
        w,
        mw,
        id,
        title: title(&market, lang),
        lines,
        due: format_cny(fees.due_fen),
        paid: format_cny(fees.paid_fen),
        waived: format_cny(fees.waived_fen),
    };
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FeeForm {
    csrf: String,
    state: String,
}

/// `POST /portal/markets/{id}/fees/{line}`: paid, waived or due again.
#[handler]
pub async fn set_fee(
    state: Data<&AppState>,
    Path((id, line)): Path<(i64, i64)>,
    Form(form): Form<FeeForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let fee_state = FeeState::parse(&form.state).map_err(|m| ApiError::invalid("state", m))?;
    service::set_fee(&state, &me.principal, id, line, FeeInput { state: fee_state }).await?;
    Ok(see_other(&format!("/portal/markets/{id}/fees?done=fee"), vec![]))
}

/// `GET /portal/markets/{id}/fees.csv`.
#[handler]
pub async fn fees_csv(state: Data<&AppState>, Path(id): Path<i64>, me: SignedIn) -> poem::Result<Response> {
    let csv = service::fees_csv(&state, &me.principal, id).await?;
    Ok(Response::builder()
        .content_type("text/csv; charset=utf-8")
        .header("Content-Disposition", format!("attachment; filename=\"market-{id}-fees.csv\""))
        .header("Cache-Control", "no-store")
        .body(csv))
}

// ---------------------------------------------------------------------------------------------
// Vendors: applying, and the application's page.
