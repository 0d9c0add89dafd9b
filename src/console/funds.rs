//! A fund at a glance (`/staff/funds/{id}`): budget, committed and remaining; awards by tier and
//! by mall as SVG bars with their numbers written on them; the applications with duplicate
//! flags, each decided in place (the cap and what remains beside the amount); CSV exports.

use crate::console::Staff;
use crate::web::form::Form;
use askama::Template;
use poem::{
    Request, Response, handler,
    http::{StatusCode, header},
    web::{Data, Path},
};
use serde::Deserialize;

use super::words::{ConsoleWords, console_words};
use crate::{
    error::{ApiError, ApiResult},
    incentives::{
        ApplicationState, IncentiveAction, StoreTier, proposals,
        service::{self, Breakdown, IncentiveActionRequest},
        store as incentive_store,
    },
    state::AppState,
    values::money::{format_cny, parse_yuan},
    web::{Csrf, Errors, Shell, SignedIn, Words, language, page, see_other, words::words},
};

/// One bar of a chart: its label, its value written out, and its length.
pub struct Bar {
    pub label: String,
    pub value: String,
    pub width: f64,
    pub y: f64,
    pub text_y: f64,
}

pub struct Chart {
    pub title: &'static str,
    pub bars: Vec<Bar>,
    pub height: f64,
}

fn chart(title: &'static str, rows: &[Breakdown], label: impl Fn(&str) -> String) -> Chart {
    let max = rows.iter().map(|r| r.awarded.fen).max().unwrap_or(0).max(1) as f64;
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| Bar {
            label: label(&r.key),
            value: format!("{} ({})", r.awarded.display, r.awards),
            width: (400.0 * r.awarded.fen as f64 / max).max(1.0),
            y: 8.0 + 34.0 * i as f64,
            text_y: 8.0 + 34.0 * i as f64 + 17.0,
        })
        .collect();
    Chart { title, bars, height: 16.0 + 34.0 * rows.len() as f64 }
}

pub struct ApplicationLine {
    pub id: i64,
    pub store: String,
    pub brand: String,
    pub tier: String,
    pub requested: String,
    pub award: Option<String>,
    pub state: &'static str,
    pub duplicates: Vec<i64>,
    pub decidable: bool,
    pub clawable: bool,
    pub cap: String,
    /// An award or clawback awaiting a second staff member.
    pub proposal: Option<ProposalLine>,
}

pub struct ProposalLine {
    pub id: i64,
    pub what: String,
    pub by: String,
    pub can_confirm: bool,
}

#[derive(Template)]
#[template(path = "console/fund.html")]
struct FundPage {
    shell: Shell,
    w: &'static Words,
    c: &'static ConsoleWords,
    id: i64,
    name: String,
    budget: String,
    committed: String,
    remaining: String,
    committed_width: f64,
    threshold: String,
    charts: Vec<Chart>,
    applications: Vec<ApplicationLine>,
}

async fn fund_page(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    errors: Errors,
) -> ApiResult<(FundPage, Csrf)> {
    let lang = language(req);
    let (w, c, csrf) = (words(lang), console_words(lang), Csrf::of(req, state));
    let report = service::report(state, &me.principal, id).await?;
    let fund_row = service::load_fund(state, id).await?;
    let mut applications = Vec::new();
    for row in incentive_store::list_applications(&state.db, Some(id), None, None).await? {
        if row.state == ApplicationState::Draft {
            continue;
        }
        let view = service::view(state, &me.principal, &row).await?;
        let proposal = view.awaiting_confirmation.map(|p| ProposalLine {
            id: p.id,
            what: format!(
                "{} {}",
                if p.action == IncentiveAction::ClawBack { c.claw_back } else { c.approve },
                p.amount.display
            ),
            by: p.proposed_by_name,
            can_confirm: p.can_confirm,
        });
        applications.push(ApplicationLine {
            id: row.id,
            store: row.store_name.clone(),
            brand: row.organization_name.clone(),
            tier: row.tier.label(lang).to_owned(),
            requested: format_cny(row.requested_fen),
            award: row.award_fen.map(format_cny),
            state: crate::web::words::application_state_label(lang, row.state).0,
            duplicates: view.possible_duplicates.unwrap_or_default(),
            decidable: proposal.is_none() && row.state == ApplicationState::Submitted,
            clawable: proposal.is_none() && row.state == ApplicationState::Approved,
            cap: format_cny(row.requested_fen.min(fund_row.cap(row.tier))),
            proposal,
        });
    }
    let budget = report.fund.budget.fen.max(1) as f64;
    let shell = Shell::new(req, lang, report.fund.name.clone(), &csrf, Some(me)).with_errors(errors);
    Ok((
        FundPage {
            shell,
            w,
            c,
            id,
            name: report.fund.name.clone(),
            budget: report.fund.budget.display.clone(),
            committed: report.committed.display.clone(),
            remaining: report.remaining.display.clone(),
            committed_width: (580.0 * report.committed.fen as f64 / budget).clamp(0.0, 580.0),
            threshold: report.fund.four_eyes_threshold.display.clone(),
            charts: vec![
                chart(c.by_tier, &report.by_tier, |key| {
                    StoreTier::parse(key).map_or_else(|_| key.to_owned(), |t| t.label(lang).to_owned())
                }),
                chart(c.by_mall, &report.by_mall, str::to_owned),
            ],
            applications,
        },
        csrf,
    ))
}

/// `GET /staff/funds/{id}`.
#[handler]
pub async fn fund(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let (template, csrf) = fund_page(req, &state, &me, id, Errors::default()).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AwardDecision {
    csrf: String,
    action: String,
    /// Yuan, for approve and claw-back.
    amount: String,
    note: String,
}

/// `POST /staff/incentives/{id}/decision`: approve with an amount, reject, ask for changes,
/// claw back with a reason.
#[handler]
pub async fn decide(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Form(form): Form<AwardDecision>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let row = service::load_visible(&state, &me.principal, id).await?;
    let action = IncentiveAction::parse(&form.action).ok().filter(|a| *a != IncentiveAction::Submit);
    let amount = parse_yuan(&form.amount);
    let result = match action {
        None => Err(ApiError::invalid("action", crate::error::Invalid::new("award-action"))),
        Some(action) => {
            let request = IncentiveActionRequest { amount_fen: amount, note: Some(form.note.clone()) };
            service::act(&state, &me.principal, id, action, request).await.map(|_| ())
        }
    };
    settle(req, &state, &me, row.fund_id, id, result).await
}

/// The page after a decision on the fund page: back to the application, or the fund page with
/// the problem; a sensitive action in an old sign-in confirms the password first.
async fn settle(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    fund_id: i64,
    application_id: i64,
    result: ApiResult<()>,
) -> poem::Result<Response> {
    let back = format!("/staff/funds/{fund_id}#application-{application_id}");
    match result {
        Ok(()) => Ok(see_other(&back, vec![])),
        Err(ApiError::ReauthenticationRequired(_)) => {
            Ok(crate::web::security::confirm_first(&format!("/staff/funds/{fund_id}")))
        }
        Err(err @ (ApiError::Validation(_) | ApiError::Conflict { .. } | ApiError::Forbidden { .. })) => {
            let errors = match err {
                ApiError::Validation(fields) => Errors::from_fields(fields, crate::web::language(req)),
                other => Errors::general(other.to_string()),
            };
            let (template, csrf) = fund_page(req, state, me, fund_id, errors).await?;
            Ok(page(StatusCode::CONFLICT, &template, &csrf, vec![])?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProposalForm {
    csrf: String,
    note: String,
}

/// `POST /staff/proposals/{id}/{verdict}`: a second staff member confirms or declines an award
/// or clawback at or above the four-eyes threshold (its proposer may withdraw it).
#[handler]
pub async fn proposal_verdict(
    req: &Request,
    state: Data<&AppState>,
    Path((id, verdict)): Path<(i64, String)>,
    Form(form): Form<ProposalForm>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let open = proposals::open(&state, &me.principal, id).await?;
    let result = match verdict.as_str() {
        "confirm" => proposals::confirm(&state, &me.principal, id).await.map(|_| ()),
        "decline" => proposals::decline(&state, &me.principal, id, &form.note).await,
        _ => return Err(ApiError::NotFound("No such page.".into()).into()),
    };
    settle(req, &state, &me, open.fund_id, open.application_id, result).await
}

fn csv_response(name: &str, body: String) -> Response {
    Response::builder()
        .content_type("text/csv; charset=utf-8")
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
}

/// `GET /staff/funds/{id}/applications.csv`.
#[handler]
pub async fn applications_csv(
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    Ok(csv_response(
        &format!("fund-{id}-applications.csv"),
        service::applications_csv(&state, &me.principal, id).await?,
    ))
}

/// `GET /staff/funds/{id}/ledger.csv`.
#[handler]
pub async fn ledger_csv(
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    Ok(csv_response(&format!("fund-{id}-ledger.csv"), service::ledger_csv(&state, &me.principal, id).await?))
}
