//! Markets in the portal. Organizers start a market on an approved market booking, set its
//! dates, stall plan and vendor call, review applications, give out stalls date by date and keep
//! the fees; vendors apply, answer offers and see their stalls. Every action calls
//! `markets::service`, as the API does.

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
    bookings::{BookingState, Format, store as booking_store},
    error::{ApiError, ApiResult, FieldError},
    markets::{
        ApplicationAction, ApplicationInput, ApplicationState, FeeState, MarketInput, SeriesInput,
        StallClassInput, StallInput, StallPlanInput,
        service::{self, AssignmentInput, FeeInput, VendorCallInput},
        store::{self, ApplicationRow, MarketRow},
    },
    media::{self, ImageOwner, api::ImageUpload},
    pages::{
        Img, i18n, img,
        markets::{MarketWords, StallMap, market_words, stall_map},
    },
    state::AppState,
    values::{
        Lang,
        money::{format_cny, parse_yuan},
        time::local_time,
    },
    web::{
        Csrf, CsrfForm, Errors, Input, Shell, SignedIn, Words, discard_image, language, page, see_other,
        store_image, words::words,
    },
};

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

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewMarketForm {
    csrf: String,
    booking: String,
    slug: String,
    title_zh: String,
    title_en: String,
    theme: String,
    description_zh: String,
    description_en: String,
    #[serde(rename = "series_start_time")]
    start_time: String,
    #[serde(rename = "series_end_time")]
    end_time: String,
    #[serde(rename = "series_first_date")]
    first_date: String,
    #[serde(rename = "series_weeks")]
    weeks: String,
    mon: String,
    tue: String,
    wed: String,
    thu: String,
    fri: String,
    sat: String,
    sun: String,
}

impl NewMarketForm {
    fn weekdays(&self) -> Vec<String> {
        let days = [
            ("mon", &self.mon),
            ("tue", &self.tue),
            ("wed", &self.wed),
            ("thu", &self.thu),
            ("fri", &self.fri),
            ("sat", &self.sat),
            ("sun", &self.sun),
        ];
        days.iter().filter(|(_, v)| !v.is_empty()).map(|(d, _)| (*d).to_owned()).collect()
    }
}

pub struct DayBox {
    pub id: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "portal/market_new.html")]
struct NewMarketPage {
    shell: Shell,
    w: &'static Words,
    mw: &'static MarketWords,
    booking: i64,
    booking_span: String,
    inputs: Vec<Input>,
    series: Vec<Input>,
    days: Vec<DayBox>,
    description_zh: String,
    description_en: String,
}

async fn new_market_view(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    form: &NewMarketForm,
    errors: Errors,
) -> ApiResult<(NewMarketPage, Csrf)> {
    let lang = language(req);
    let (w, mw, csrf) = (words(lang), market_words(lang), Csrf::of(req, state));
    let booking: i64 = form.booking.parse().map_err(|_| ApiError::not_found("That booking"))?;
    let row = booking_store::find(&state.db, booking)
        .await?
        .filter(|b| me.principal.acts_for(b.organization_id))
        .ok_or_else(|| ApiError::not_found(format!("Booking {booking}")))?;
    let names = [("mon", 0), ("tue", 1), ("wed", 2), ("thu", 3), ("fri", 4), ("sat", 5), ("sun", 6)];
    let chosen = form.weekdays();
    let days = names
        .iter()
        .map(|(id, i)| DayBox {
            id,
            label: i18n::weekday_name(lang, crate::venues::Weekday::ALL[*i]),
            checked: chosen.iter().any(|d| d == id),
        })
        .collect();
    let shell = Shell::new(req, lang, mw.new_market, &csrf, Some(me)).with_errors(errors);
    Ok((
        NewMarketPage {
            shell,
            w,
            mw,
            booking,
            booking_span: i18n::span(lang, row.starts_at, row.ends_at, row.zone.tz()),
            inputs: vec![
                Input::new("title_zh", mw.title_zh, "text", &form.title_zh, "off"),
                Input::new("title_en", mw.title_en, "text", &form.title_en, "off"),
                Input::new("theme", mw.theme, "text", &form.theme, "off").hint(mw.theme_hint),
                Input::new("slug", mw.slug, "text", &form.slug, "off").hint(mw.slug_hint),
            ],
            series: vec![
                Input::new("series_start_time", mw.start_time, "text", &form.start_time, "off")
                    .hint(mw.time_hint),
                Input::new("series_end_time", mw.end_time, "text", &form.end_time, "off").hint(mw.time_hint),
                Input::new("series_first_date", mw.first_date, "text", &form.first_date, "off")
                    .hint(mw.date_hint),
                Input::new("series_weeks", mw.weeks, "text", &form.weeks, "off"),
            ],
            days,
            description_zh: form.description_zh.clone(),
            description_en: form.description_en.clone(),
        },
        csrf,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BookingQuery {
    booking: String,
}

/// `GET /portal/markets/new?booking={id}`.
#[handler]
pub async fn new_page(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<BookingQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    let form = NewMarketForm {
        booking: query.booking,
        weeks: "1".into(),
        start_time: "18:00".into(),
        end_time: "23:00".into(),
        ..Default::default()
    };
    let (template, csrf) = new_market_view(req, &state, &me, &form, Errors::default()).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

/// `POST /portal/markets/new`.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    LongForm(form): LongForm<NewMarketForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let weeks = form.weeks.trim().parse::<i64>();
    let input = MarketInput {
        booking_id: form.booking.parse().unwrap_or(0),
        slug: Some(form.slug.clone()),
        title_zh: form.title_zh.clone(),
        title_en: form.title_en.clone(),
        description_zh: form.description_zh.clone(),
        description_en: form.description_en.clone(),
        theme: form.theme.clone(),
        dates: vec![],
        series: Some(SeriesInput {
            weekdays: form.weekdays(),
            start_time: form.start_time.clone(),
            end_time: form.end_time.clone(),
            first_date: form.first_date.clone(),
            weeks: *weeks.as_ref().unwrap_or(&0),
        }),
    };
    let result = match weeks {
        Ok(_) => service::create(&state, &me.principal, input).await,
        Err(_) => Err(ApiError::invalid("series.weeks", crate::error::Invalid::new("whole-weeks"))),
    };
    match result {
        Ok(market) => Ok(see_other(&format!("/portal/markets/{}?done=created", market.id), vec![])),
        Err(err) => {
            let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
            let (template, csrf) = new_market_view(req, &state, &me, &form, errors).await?;
            Ok(page(status, &template, &csrf, vec![])?)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The organizer's market page: dates, the vendor call and the stall plan.

pub struct DateLine {
    pub id: i64,
    pub when: String,
    pub cancelled: bool,
    pub href: String,
}

#[derive(Template)]
#[template(path = "portal/market.html")]
struct MarketPage {
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

async fn organizer_market(state: &AppState, me: &SignedIn, id: i64) -> ApiResult<MarketRow> {
    let market = service::load(state, id).await?;
    service::require_organizer(&me.principal, &market)?;
    Ok(market)
}

async fn market_view(
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
                Input::new("opens_at", mw.opens_at, "text", &opens, "off").hint(mw.datetime_hint),
                Input::new("closes_at", mw.closes_at, "text", &closes, "off").hint(mw.datetime_hint),
            ],
            classes,
            stalls,
            map: stall_map(state, id, None).await?,
        },
        csrf,
    ))
}

fn done_notice(w: &Words, done: Option<&str>) -> Option<&'static str> {
    done.map(|_| w.saved)
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
fn plan_errors(fields: Vec<FieldError>) -> Vec<FieldError> {
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
struct ApplicationsPage {
    shell: Shell,
    w: &'static Words,
    mw: &'static MarketWords,
    id: i64,
    title: String,
    applications: Vec<ApplicationLine>,
}

async fn first_photo(state: &AppState, owner: ImageOwner) -> ApiResult<Option<Img>> {
    Ok(match media::store::list(&state.db, owner).await?.first() {
        Some(image) => img(&image.variants()?, &image.alt, &state.settings.public_url),
        None => None,
    })
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
struct BoardPage {
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
struct FeesPage {
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

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ApplyForm {
    csrf: String,
    category: String,
    products: String,
    description: String,
    sells_food: String,
    preferred_class_id: String,
    /// Ticked dates, as `date-{id}` fields.
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

impl ApplyForm {
    fn dates(&self) -> Vec<i64> {
        self.rest.keys().filter_map(|k| k.strip_prefix("date-")).filter_map(|d| d.parse().ok()).collect()
    }
}

pub struct ClassChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct DateChoice {
    pub id: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "portal/market_apply.html")]
struct ApplyPage {
    shell: Shell,
    w: &'static Words,
    mw: &'static MarketWords,
    id: i64,
    title: String,
    inputs: Vec<Input>,
    description: String,
    sells_food: bool,
    classes: Vec<ClassChoice>,
    dates: Vec<DateChoice>,
}

async fn apply_view(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    form: &ApplyForm,
    errors: Errors,
) -> ApiResult<(ApplyPage, Csrf)> {
    let lang = language(req);
    let (w, mw, csrf) = (words(lang), market_words(lang), Csrf::of(req, state));
    let market = service::load(state, id).await?;
    let mut classes = vec![ClassChoice {
        value: String::new(),
        label: mw.any_class.into(),
        selected: form.preferred_class_id.is_empty(),
    }];
    for c in store::classes(&state.db, id).await? {
        classes.push(ClassChoice {
            selected: form.preferred_class_id == c.id.to_string(),
            value: c.id.to_string(),
            label: format!(
                "{} · {} m² · {}{}",
                c.name,
                c.size_m2,
                format_cny(c.fee_fen),
                if c.food_allowed { format!(" · {}", mw.food) } else { String::new() }
            ),
        });
    }
    let ticked = form.dates();
    let dates = store::occurrences(&state.db, id)
        .await?
        .iter()
        .filter(|d| d.cancelled_at.is_none())
        .map(|d| DateChoice {
            id: format!("date-{}", d.id),
            label: i18n::span(lang, d.starts_at, d.ends_at, market.zone.tz()),
            checked: ticked.contains(&d.id),
        })
        .collect();
    let shell = Shell::new(req, lang, mw.apply, &csrf, Some(me)).with_errors(errors);
    Ok((
        ApplyPage {
            shell,
            w,
            mw,
            id,
            title: title(&market, lang),
            inputs: vec![
                Input::new("category", mw.category, "text", &form.category, "off").hint(mw.category_hint),
                Input::new("products", mw.products, "text", &form.products, "off"),
            ],
            description: form.description.clone(),
            sells_food: !form.sells_food.is_empty(),
            classes,
            dates,
        },
        csrf,
    ))
}

/// `GET /portal/markets/{id}/apply`.
#[handler]
pub async fn apply_page(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    me: SignedIn,
) -> poem::Result<Response> {
    let (template, csrf) = apply_view(req, &state, &me, id, &ApplyForm::default(), Errors::default()).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

/// `POST /portal/markets/{id}/apply`.
#[handler]
pub async fn apply(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    LongForm(form): LongForm<ApplyForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let input = ApplicationInput {
        category: form.category.clone(),
        products: form.products.clone(),
        description: form.description.clone(),
        sells_food: !form.sells_food.is_empty(),
        preferred_class_id: form.preferred_class_id.parse().ok(),
        occurrence_ids: form.dates(),
    };
    match service::apply(&state, &me.principal, id, input).await {
        Ok(application) => {
            Ok(see_other(&format!("/portal/market-applications/{}?done=applied", application.id), vec![]))
        }
        Err(err) => {
            let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
            let (template, csrf) = apply_view(req, &state, &me, id, &form, errors).await?;
            Ok(page(status, &template, &csrf, vec![])?)
        }
    }
}

pub struct StallLine {
    pub date: String,
    pub stall: String,
    pub fee: String,
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "portal/market_application.html")]
struct ApplicationPage {
    shell: Shell,
    w: &'static Words,
    mw: &'static MarketWords,
    id: i64,
    market_title: String,
    public_href: String,
    vendor: String,
    state_word: &'static str,
    offer_deadline: Option<String>,
    is_vendor: bool,
    can_withdraw: bool,
    open: bool,
    sells_food: bool,
    photos: Vec<(i64, Option<Img>)>,
    permit: Option<Img>,
    stalls: Vec<StallLine>,
}

async fn application_view(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    errors: Errors,
    notice: Option<&str>,
) -> ApiResult<(ApplicationPage, Csrf)> {
    let lang = language(req);
    let (w, mw, csrf) = (words(lang), market_words(lang), Csrf::of(req, state));
    let (market, row) = service::load_application(state, &me.principal, id).await?;
    let is_vendor = me.principal.acts_for(row.organization_id);
    let scope = if is_vendor { Some(row.organization_id) } else { None };
    let stalls = store::assignments(&state.db, market.id, scope)
        .await?
        .iter()
        .filter(|a| a.application_id == id)
        .map(|a| StallLine {
            date: when(&market, lang, a.starts_at),
            stall: a.stall_code.clone(),
            fee: format_cny(a.fee_fen),
            state: fee_word(mw, a.fee_state),
        })
        .collect();
    let mut photos = Vec::new();
    for image in media::store::list(&state.db, ImageOwner::MarketApplication(id)).await? {
        photos.push((image.id, img(&image.variants()?, &image.alt, &state.settings.public_url)));
    }
    let permit = first_photo(state, ImageOwner::MarketPermit(id)).await?;
    let offer_deadline = row
        .offer_expires_at
        .filter(|_| row.state == ApplicationState::Offered)
        .map(|t| local_time(t, market.zone.tz()).replace('T', " "));
    use ApplicationState::*;
    let shell =
        Shell::new(req, lang, title(&market, lang), &csrf, Some(me)).with_errors(errors).with_notice(notice);
    Ok((
        ApplicationPage {
            shell,
            w,
            mw,
            id,
            market_title: title(&market, lang),
            public_href: format!("/markets/{}", market.slug),
            vendor: row.vendor_name.clone(),
            state_word: state_word(lang, row.state),
            offer_deadline,
            is_vendor,
            can_withdraw: is_vendor && matches!(row.state, Submitted | Waitlisted | Accepted),
            open: is_vendor && matches!(row.state, Submitted | Waitlisted | Accepted | Offered),
            sells_food: row.sells_food,
            photos,
            permit,
            stalls,
        },
        csrf,
    ))
}

/// `GET /portal/market-applications/{id}`.
#[handler]
pub async fn application_page(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Query(query): Query<DoneQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    let notice = done_notice(words(language(req)), query.done.as_deref());
    let (template, csrf) = application_view(req, &state, &me, id, Errors::default(), notice).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

async fn upload_to(
    req: &Request,
    state: &AppState,
    id: i64,
    owner: ImageOwner,
    upload: ImageUpload,
) -> poem::Result<Response> {
    let me = crate::signed_in_or_return!(req, state);
    match store_image(state, &me, owner, upload).await? {
        Ok(()) => Ok(see_other(&format!("/portal/market-applications/{id}?done=uploaded"), vec![])),
        Err(err) => {
            let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
            let (template, csrf) = application_view(req, state, &me, id, errors, None).await?;
            Ok(page(status, &template, &csrf, vec![])?)
        }
    }
}

/// `POST /portal/market-applications/{id}/photos` (multipart: `file`, `alt`, `csrf`).
#[handler]
pub async fn upload_photo(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Upload(upload): Upload,
) -> poem::Result<Response> {
    upload_to(req, &state, id, ImageOwner::MarketApplication(id), upload).await
}

/// `POST /portal/market-applications/{id}/permit` (multipart): replaces the permit on file.
#[handler]
pub async fn upload_permit(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Upload(upload): Upload,
) -> poem::Result<Response> {
    upload_to(req, &state, id, ImageOwner::MarketPermit(id), upload).await
}

/// `POST /portal/market-applications/{id}/photos/{image_id}/remove`.
#[handler]
pub async fn remove_photo(
    state: Data<&AppState>,
    Path((id, image_id)): Path<(i64, i64)>,
    _: Form<CsrfForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    discard_image(&state, &me, ImageOwner::MarketApplication(id), image_id).await?;
    Ok(see_other(&format!("/portal/market-applications/{id}"), vec![]))
}

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
