//! The organizer's market page: dates, the stall plan (typed as lines) and the vendor call.

use crate::web::form::{Form, LongForm};
use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;

use crate::portal::DoneQuery;
use crate::{
    error::{ApiError, ApiResult, FieldError},
    markets::{
        StallClassInput, StallInput, StallPlanInput,
        service::{self, VendorCallInput},
        store,
    },
    pages::{
        i18n,
        markets::{MarketWords, StallMap, market_words, stall_map},
    },
    state::AppState,
    values::{
        Lang,
        money::{format_cny, parse_yuan},
        time::local_time,
    },
    web::{Csrf, CsrfForm, Errors, Input, Shell, SignedIn, Words, language, page, see_other, words::words},
};

use super::{done_notice, market_problem, organizer_market, title};

pub struct DateLine {
    pub id: i64,
    pub when: String,
    pub cancelled: bool,
    pub href: String,
}

#[derive(Template)]
#[template(path = "portal/market.html")]
pub(super) struct MarketPage {
    shell: Shell,
    w: &'static Words,
    mw: &'static MarketWords,
    id: i64,
    title: String,
    public_href: String,
    dates: Vec<DateLine>,
    call_note: String,
    /// The call window's fields.
    inputs: Vec<Input>,
    classes: String,
    stalls: String,
    map: StallMap,
}

fn plan_text(plan: &service::StallPlan, lang: Lang) -> (String, String) {
    let w = words(lang);
    let yes = |b: bool| if b { w.yes } else { w.no };
    let classes = plan
        .classes
        .iter()
        .map(|c| {
            format!(
                "{} | {} | {} | {} | {} | {}",
                c.name,
                c.size_m2,
                yes(c.power),
                yes(c.water),
                yes(c.food_allowed),
                format_cny(c.fee_fen).trim_start_matches('¥').replace(',', "")
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let stalls = plan
        .stalls
        .iter()
        .map(|s| format!("{} | {} | {} | {}", s.code, s.class, s.x, s.y))
        .collect::<Vec<_>>()
        .join("\n");
    (classes, stalls)
}

/// Text the organizer typed for the plan, kept when the page comes back with errors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    csrf: String,
    classes: String,
    stalls: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CallForm {
    csrf: String,
    opens_at: String,
    closes_at: String,
}

pub(super) async fn market_view(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    errors: Errors,
    notice: Option<&str>,
    typed: (Option<&PlanForm>, Option<&CallForm>),
) -> ApiResult<(MarketPage, Csrf)> {
    let lang = language(req);
    let (w, mw, csrf) = (words(lang), market_words(lang), Csrf::of(req, state));
    let market = organizer_market(state, me, id).await?;
    let tz = market.zone.tz();
    let dates = store::occurrences(&state.db, id)
        .await?
        .iter()
        .map(|d| DateLine {
            id: d.id,
            when: i18n::span(lang, d.starts_at, d.ends_at, tz),
            cancelled: d.cancelled_at.is_some(),
            href: format!("/portal/markets/{id}/board?date={}", d.id),
        })
        .collect();
    let now = state.now();
    let call_note = match (market.call_opens_at, market.call_closes_at) {
        (Some(o), Some(c)) if o <= now && now < c => {
            format!("{} {}", mw.call_open, local_time(c, tz).replace('T', " "))
        }
        _ => mw.call_closed.to_owned(),
    };
    let (opens, closes) = match typed.1 {
        Some(form) => (form.opens_at.clone(), form.closes_at.clone()),
        None => (
            market.call_opens_at.map(|t| local_time(t, tz)).unwrap_or_default(),
            market.call_closes_at.map(|t| local_time(t, tz)).unwrap_or_default(),
        ),
    };
    let (classes, stalls) = match typed.0 {
        Some(form) => (form.classes.clone(), form.stalls.clone()),
        None => plan_text(&service::plan_of(state, id).await?, lang),
    };
    let shell =
        Shell::new(req, lang, title(&market, lang), &csrf, Some(me)).with_errors(errors).with_notice(notice);
    Ok((
        MarketPage {
            shell,
            w,
            mw,
            id,
            title: title(&market, lang),
            public_href: format!("/markets/{}", market.slug),
            dates,
            call_note,
            inputs: vec![
                Input::date_time("opens_at", mw.opens_at, &opens).hint(mw.datetime_hint),
                Input::date_time("closes_at", mw.closes_at, &closes).hint(mw.datetime_hint),
            ],
            classes,
            stalls,
            map: stall_map(state, id, None).await?,
        },
        csrf,
    ))
}

/// `GET /portal/markets/{id}`: the organizer's page; a vendor is sent to its application.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Query(query): Query<DoneQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    let market = service::load(&state, id).await?;
    if service::require_organizer(&me.principal, &market).is_err()
        && let Some(org) = me.principal.organization
        && let Some(application) = store::applications(&state.db, id, Some(org.id)).await?.first()
    {
        return Ok(see_other(&format!("/portal/market-applications/{}", application.id), vec![]));
    }
    let notice = done_notice(words(language(req)), query.done.as_deref());
    let (template, csrf) = market_view(req, &state, &me, id, Errors::default(), notice, (None, None)).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

/// Reads the plan's two text areas: `name | m² | power | water | food | fee` and
/// `code | class | column | row`, one per line. Problems name the area and the line.
fn parse_plan(form: &PlanForm) -> Result<StallPlanInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let flag = |raw: &str| match raw.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "是" | "有" => Some(true),
        "no" | "n" | "false" | "0" | "否" | "无" | "" => Some(false),
        _ => None,
    };
    let mut classes = Vec::new();
    for (i, line) in form.classes.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let parsed = (parts.len() == 6)
            .then(|| {
                Some(StallClassInput {
                    name: parts[0].to_owned(),
                    size_m2: parts[1].parse().ok()?,
                    power: flag(parts[2])?,
                    water: flag(parts[3])?,
                    food_allowed: flag(parts[4])?,
                    fee_fen: parse_yuan(parts[5])?,
                })
            })
            .flatten();
        match parsed {
            Some(class) => classes.push(class),
            None => errors.push(FieldError::new(
                "classes",
                format!("line {}: write name | m² | power | water | food | fee in yuan", i + 1),
            )),
        }
    }
    let mut stalls = Vec::new();
    for (i, line) in form.stalls.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let parsed = (parts.len() == 4)
            .then(|| {
                Some(StallInput {
                    code: parts[0].to_owned(),
                    class: parts[1].to_owned(),
                    x: parts[2].parse().ok()?,
                    y: parts[3].parse().ok()?,
                })
            })
            .flatten();
        match parsed {
            Some(stall) => stalls.push(stall),
            None => errors.push(FieldError::new(
                "stalls",
                format!("line {}: write code | class | column | row", i + 1),
            )),
        }
    }
    if errors.is_empty() { Ok(StallPlanInput { classes, stalls }) } else { Err(errors) }
}

/// Problems the service names by list position (`stalls[2].x`) shown on their text area.
pub(super) fn plan_errors(fields: Vec<FieldError>) -> Vec<FieldError> {
    fields
        .into_iter()
        .map(|e| match e.field.split_once('[') {
            Some((area, rest)) if area == "classes" || area == "stalls" => {
                let line = rest.split(']').next().and_then(|n| n.parse::<usize>().ok()).map_or(0, |n| n + 1);
                FieldError::new(area, format!("line {line}: {}", e.message))
            }
            _ => e,
        })
        .collect()
}

/// `POST /portal/markets/{id}/plan`.
#[handler]
pub async fn save_plan(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    LongForm(form): LongForm<PlanForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let result = match parse_plan(&form) {
        Ok(plan) => service::replace_plan(&state, &me.principal, id, plan).await.map(|_| ()),
        Err(fields) => Err(ApiError::Validation(fields)),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/portal/markets/{id}?done=plan"), vec![])),
        Err(err) => market_problem(req, &state, &me, id, err, (Some(&form), None)).await,
    }
}

/// `POST /portal/markets/{id}/call`.
#[handler]
pub async fn save_call(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    LongForm(form): LongForm<CallForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let input = VendorCallInput { opens_at: form.opens_at.clone(), closes_at: form.closes_at.clone() };
    match service::set_call(&state, &me.principal, id, input).await {
        Ok(_) => Ok(see_other(&format!("/portal/markets/{id}?done=call"), vec![])),
        Err(err) => market_problem(req, &state, &me, id, err, (None, Some(&form))).await,
    }
}

/// `POST /portal/markets/{id}/dates/{date}/cancel`.
#[handler]
pub async fn cancel_date(
    req: &Request,
    state: Data<&AppState>,
    Path((id, date)): Path<(i64, i64)>,
    _: Form<CsrfForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    match service::cancel_date(&state, &me.principal, id, date).await {
        Ok(_) => Ok(see_other(&format!("/portal/markets/{id}?done=cancelled"), vec![])),
        Err(err) => market_problem(req, &state, &me, id, err, (None, None)).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Applications, for the organizer.

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_text_reads_back_and_names_bad_lines() {
        let form = PlanForm {
            csrf: String::new(),
            classes: "Food | 9 | yes | 是 | yes | 300\n\nCraft | 6 | no | no | no | 150.50".into(),
            stalls: "A01 | Food | 0 | 0\nB01 | Craft | 1 | 0".into(),
        };
        let plan = parse_plan(&form).unwrap();
        assert_eq!((plan.classes[0].fee_fen, plan.classes[1].fee_fen), (30_000, 15_050));
        assert!(plan.classes[0].water && !plan.classes[1].food_allowed);
        assert_eq!((plan.stalls[1].code.as_str(), plan.stalls[1].x), ("B01", 1));
        let bad = PlanForm { stalls: "A01 | Food | left | 0".into(), classes: "Food | nine".into(), ..form };
        let fields: Vec<_> = parse_plan(&bad).unwrap_err().into_iter().map(|e| e.message).collect();
        assert_eq!(
            fields,
            [
                "line 1: write name | m² | power | water | food | fee in yuan",
                "line 1: write code | class | column | row"
            ]
        );
        let named = plan_errors(vec![FieldError::new("stalls[2].x", "is outside")]);
        assert_eq!((named[0].field.as_str(), named[0].message.as_str()), ("stalls", "line 3: is outside"));
    }
}
