//! First-store awards in the portal: `/portal/incentives/new` (an open fund, the tier's cap
//! shown beside it) and `/portal/incentives/{id}` (state, evidence, award and history).

use crate::web::form::{Form, LongForm, Upload};
use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;

use super::DoneQuery;
use crate::{
    accounts::OrgKind,
    audit::{self, Subject},
    error::{ApiError, ApiResult, FieldError, Invalid},
    incentives::{
        ApplicationState, IncentiveAction, StoreTier,
        service::{self, ApplicationInput, IncentiveActionRequest},
        store as incentive_store,
    },
    media::{self, ImageOwner},
    pages::{Img, img},
    state::AppState,
    values::{
        Lang,
        money::{format_cny, parse_yuan},
    },
    venues::{self, VenueKind},
    web::{
        Csrf, CsrfForm, Errors, Input, Shell, SignedIn, Words, discard_image, language, page, see_other,
        store_image,
        words::{self, words},
    },
};

/// An award application in the portal's list.
pub struct AwardLine {
    pub href: String,
    pub store: String,
    pub tier: &'static str,
    pub requested: String,
    pub state_word: &'static str,
    pub state_shape: &'static str,
}

pub async fn award_lines(state: &AppState, me: &SignedIn, lang: Lang) -> ApiResult<Vec<AwardLine>> {
    let Some(org) = me.principal.organization.filter(|o| o.kind == OrgKind::Brand) else { return Ok(vec![]) };
    let rows = incentive_store::list_applications(&state.db, None, Some(org.id), None).await?;
    Ok(rows
        .into_iter()
        .rev()
        .map(|row| {
            let (state_word, state_shape) = words::application_state_label(lang, row.state);
            AwardLine {
                href: format!("/portal/incentives/{}", row.id),
                store: row.store_name,
                tier: row.tier.label(lang),
                requested: format_cny(row.requested_fen),
                state_word,
                state_shape,
            }
        })
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AwardForm {
    csrf: String,
    fund_id: String,
    store_name: String,
    mall_venue_id: String,
    address: String,
    tier: String,
    opening_date: String,
    floor_area_m2: String,
    investment_fen: String,
    requested_fen: String,
    statement: String,
    intent: String,
}

impl AwardForm {
    fn to_input(&self) -> (ApplicationInput, Vec<FieldError>) {
        let mut errors = Vec::new();
        let mut bad = |field: &str, invalid: Invalid| errors.push(FieldError::new(field, invalid));
        let fund_id = self.fund_id.parse().unwrap_or_else(|_| {
            bad("fund_id", Invalid::new("fund-choose"));
            0
        });
        let tier = StoreTier::parse(&self.tier).unwrap_or_else(|m| {
            bad("tier", m);
            StoreTier::City
        });
        let floor_area_m2 = self.floor_area_m2.trim().parse().unwrap_or_else(|_| {
            bad("floor_area_m2", Invalid::new("whole-square-metres"));
            1
        });
        let mut money = |field: &str, raw: &str| {
            parse_yuan(raw).unwrap_or_else(|| {
                bad(field, Invalid::new("yuan"));
                1
            })
        };
        let investment_fen = money("investment_fen", &self.investment_fen);
        let requested_fen = money("requested_fen", &self.requested_fen);
        let input = ApplicationInput {
            fund_id,
            store_name: self.store_name.clone(),
            mall_venue_id: self.mall_venue_id.parse().ok().map(crate::venues::VenueKey::Id),
            address: self.address.clone(),
            tier,
            opening_date: self.opening_date.clone(),
            floor_area_m2,
            investment_fen,
            requested_fen,
            statement: self.statement.clone(),
        };
        (input, errors)
    }
}

/// An option of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A labelled select.
pub struct Select {
    pub id: &'static str,
    pub label: &'static str,
    pub options: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "portal/award_new.html")]
struct NewAwardPage {
    shell: Shell,
    w: &'static Words,
    open: bool,
    selects: Vec<Select>,
    inputs: Vec<Input>,
    statement: String,
}

async fn new_page_view(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    form: &AwardForm,
    errors: Errors,
) -> ApiResult<(NewAwardPage, Csrf)> {
    let lang = language(req);
    let (w, csrf) = (words(lang), Csrf::of(req, state));
    let now = state.now();
    let open: Vec<_> =
        incentive_store::list_funds(&state.db).await?.into_iter().filter(|f| f.is_open(now)).collect();
    let fund = open.iter().find(|f| f.id.to_string() == form.fund_id).or(open.first());
    let funds = open
        .iter()
        .map(|f| Choice {
            value: f.id.to_string(),
            label: f.name.clone(),
            selected: fund.is_some_and(|s| s.id == f.id),
        })
        .collect();
    let tiers = StoreTier::ALL
        .iter()
        .map(|t| Choice {
            value: t.as_str().into(),
            label: match fund {
                Some(f) => format!("{} · {} {}", t.label(lang), w.cap, format_cny(f.cap(*t))),
                None => t.label(lang).into(),
            },
            selected: form.tier == t.as_str(),
        })
        .collect();
    let filter = venues::store::VenueFilter { kind: Some(VenueKind::Mall), ..Default::default() };
    let mut malls = vec![Choice {
        value: String::new(),
        label: w.no_mall.into(),
        selected: form.mall_venue_id.is_empty(),
    }];
    malls.extend(venues::store::list(&state.db, &filter, 0, 100).await?.into_iter().map(|v| Choice {
        selected: form.mall_venue_id == v.id.to_string(),
        value: v.id.to_string(),
        label: lang.pick(&v.name_zh, &v.name_en).to_owned(),
    }));
    let inputs = vec![
        Input::new("store_name", w.store_name, "text", &form.store_name, "off").required(),
        Input::new("address", w.address, "text", &form.address, "address-line1").hint(w.address_hint),
        Input::date("opening_date", w.opening_date, &form.opening_date).required(),
        Input::whole_number("floor_area_m2", w.floor_area, &form.floor_area_m2).required(),
        Input::money("investment_fen", w.investment, &form.investment_fen).hint(w.money_hint).required(),
        Input::money("requested_fen", w.requested, &form.requested_fen).hint(w.money_hint).required(),
    ];
    let shell = Shell::new(req, lang, w.apply_for_award, &csrf, Some(me)).with_errors(errors);
    let selects = vec![
        Select { id: "fund_id", label: w.fund, options: funds },
        Select { id: "tier", label: w.tier, options: tiers },
        Select { id: "mall_venue_id", label: w.mall, options: malls },
    ];
    Ok((
        NewAwardPage { shell, w, open: !open.is_empty(), selects, inputs, statement: form.statement.clone() },
        csrf,
    ))
}

fn may_apply(me: &SignedIn) -> ApiResult<()> {
    match me.principal.organization.map(|o| o.kind) {
        Some(OrgKind::Brand) => Ok(()),
        _ => Err(ApiError::forbidden(crate::error::Refusal::new("brands-only-awards"))),
    }
}

/// `GET /portal/incentives/new`.
#[handler]
pub async fn new_page(req: &Request, state: Data<&AppState>, me: SignedIn) -> poem::Result<Response> {
    may_apply(&me)?;
    let form = AwardForm { tier: "city".into(), ..Default::default() };
    let (template, csrf) = new_page_view(req, &state, &me, &form, Errors::default()).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

/// `POST /portal/incentives/new`: save a draft, or submit it.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    LongForm(form): LongForm<AwardForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    may_apply(&me)?;
    let (input, parse_errors) = form.to_input();
    let result = if parse_errors.is_empty() {
        service::apply(&state, &me.principal, input).await
    } else {
        Err(ApiError::Validation(parse_errors))
    };
    match result {
        Ok(application) => {
            if form.intent == "submit" {
                let request = IncentiveActionRequest::default();
                service::act(&state, &me.principal, application.id, IncentiveAction::Submit, request).await?;
                return Ok(see_other(
                    &format!("/portal/incentives/{}?done=submitted", application.id),
                    vec![],
                ));
            }
            Ok(see_other(&format!("/portal/incentives/{}?done=saved", application.id), vec![]))
        }
        Err(ApiError::Validation(fields)) => {
            let (template, csrf) = new_page_view(
                req,
                &state,
                &me,
                &form,
                Errors::from_fields(fields, crate::web::language(req)),
            )
            .await?;
            Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &template, &csrf, vec![])?)
        }
        Err(other) => Err(other.into()),
    }
}

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

pub struct HistoryLine {
    pub when: String,
    pub what: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "portal/award.html")]
struct AwardPage {
    shell: Shell,
    w: &'static Words,
    id: i64,
    store: String,
    state_word: &'static str,
    state_shape: &'static str,
    next_step: &'static str,
    facts: Vec<Fact>,
    can_submit: bool,
    can_upload: bool,
    evidence: Vec<(i64, Option<Img>)>,
    history: Vec<HistoryLine>,
}

async fn award_page(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    errors: Errors,
    notice: Option<&str>,
) -> ApiResult<(AwardPage, Csrf)> {
    let lang = language(req);
    let (w, csrf) = (words(lang), Csrf::of(req, state));
    let row = service::load_visible(state, &me.principal, id).await?;
    let application = service::view(state, &me.principal, &row).await?;
    let fund = service::load_fund(state, row.fund_id).await?;
    let (state_word, state_shape) = words::application_state_label(lang, row.state);
    let tz = crate::values::Zone::default().tz();
    let mut facts = vec![
        Fact { label: w.fund, value: fund.name.clone() },
        Fact {
            label: w.tier,
            value: format!("{} ({} {})", row.tier.label(lang), w.cap, format_cny(fund.cap(row.tier))),
        },
        Fact {
            label: w.mall,
            value: application.mall_name.clone().unwrap_or_else(|| application.address.clone()),
        },
        Fact { label: w.opening_date, value: application.opening_date.clone() },
        Fact { label: w.floor_area, value: application.floor_area_m2.to_string() },
        Fact { label: w.investment, value: application.investment.display.clone() },
        Fact { label: w.requested, value: application.requested.display.clone() },
    ];
    if let Some(award) = &application.award {
        facts.push(Fact { label: w.award, value: award.display.clone() });
    }
    if application.clawed_back.fen > 0 {
        facts.push(Fact { label: w.clawed_back, value: application.clawed_back.display.clone() });
    }
    let mut evidence = Vec::new();
    for image in media::store::list(&state.db, ImageOwner::IncentiveEvidence(id)).await? {
        evidence.push((image.id, img(&image.variants()?, &image.alt, &state.settings.public_url)));
    }
    let mut history = Vec::new();
    for entry in audit::history(&state.db, Subject::Incentive(id)).await? {
        let what = ApplicationState::parse(&entry.to_state)
            .map(|s| words::application_state_label(lang, s).0)
            .unwrap_or("");
        history.push(HistoryLine {
            when: entry.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            what: what.into(),
            note: entry.note,
        });
    }
    let mine = me.principal.acts_for(row.organization_id);
    let open = matches!(row.state, ApplicationState::Draft | ApplicationState::ChangesRequested);
    let shell = Shell::new(req, lang, row.store_name.clone(), &csrf, Some(me))
        .with_errors(errors)
        .with_notice(notice);
    Ok((
        AwardPage {
            shell,
            w,
            id,
            store: row.store_name.clone(),
            state_word,
            state_shape,
            next_step: words::application_next_step(lang, row.state),
            facts,
            can_submit: mine && open,
            can_upload: mine && open,
            evidence,
            history,
        },
        csrf,
    ))
}

fn done_notice(w: &Words, done: Option<&str>) -> Option<&'static str> {
    match done? {
        "saved" => Some(w.saved),
        "submitted" => Some(w.submitted_note),
        _ => None,
    }
}

/// `GET /portal/incentives/{id}`.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Query(query): Query<DoneQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    let notice = done_notice(words(language(req)), query.done.as_deref());
    let (template, csrf) = award_page(req, &state, &me, id, Errors::default(), notice).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

async fn problem(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    err: ApiError,
) -> poem::Result<Response> {
    let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
    let (template, csrf) = award_page(req, state, me, id, errors, None).await?;
    Ok(page(status, &template, &csrf, vec![])?)
}

/// `POST /portal/incentives/{id}/submit`.
#[handler]
pub async fn submit(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    _: Form<CsrfForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    match service::act(&state, &me.principal, id, IncentiveAction::Submit, IncentiveActionRequest::default())
        .await
    {
        Ok(_) => Ok(see_other(&format!("/portal/incentives/{id}?done=submitted"), vec![])),
        Err(err) => problem(req, &state, &me, id, err).await,
    }
}

/// `POST /portal/incentives/{id}/evidence` (multipart: `file`, `alt`, `csrf`).
#[handler]
pub async fn upload_evidence(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Upload(upload): Upload,
    me: SignedIn,
) -> poem::Result<Response> {
    match store_image(&state, &me, ImageOwner::IncentiveEvidence(id), upload).await? {
        Ok(()) => Ok(see_other(&format!("/portal/incentives/{id}?done=saved"), vec![])),
        Err(err) => problem(req, &state, &me, id, err).await,
    }
}

/// `POST /portal/incentives/{id}/evidence/{image_id}/remove`.
#[handler]
pub async fn remove_evidence(
    state: Data<&AppState>,
    Path((id, image_id)): Path<(i64, i64)>,
    _: Form<CsrfForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    discard_image(&state, &me, ImageOwner::IncentiveEvidence(id), image_id).await?;
    Ok(see_other(&format!("/portal/incentives/{id}"), vec![]))
}
