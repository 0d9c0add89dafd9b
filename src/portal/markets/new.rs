//! Starting a market on an approved market booking: its name, dates and stall plan in one form.

use crate::web::form::LongForm;
use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Query},
};
use serde::Deserialize;

use crate::{
    bookings::store as booking_store,
    error::{ApiError, ApiResult},
    markets::{MarketInput, SeriesInput, service},
    pages::{
        i18n,
        markets::{MarketWords, market_words},
    },
    state::AppState,
    web::{Csrf, Errors, Input, Shell, SignedIn, Words, language, page, see_other, words::words},
};

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
pub(super) struct NewMarketPage {
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
                Input::new("theme", mw.theme, "text", &form.theme, "off").hint(mw.theme_hint).required(),
                Input::new("slug", mw.slug, "text", &form.slug, "off").hint(mw.slug_hint),
            ],
            series: vec![
                Input::time("series_start_time", mw.start_time, &form.start_time),
                Input::time("series_end_time", mw.end_time, &form.end_time).hint(mw.time_hint),
                Input::date("series_first_date", mw.first_date, &form.first_date),
                Input::whole_number("series_weeks", mw.weeks, &form.weeks),
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
