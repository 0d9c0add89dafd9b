//! The public side of the programme: the calls for debuts (`/calls`, `/calls/{slug}`) and a
//! year's numbers (`/numbers/{year}`), in zh and en. Counts only: a brand's sales never show.

use askama::Template;
use poem::{
    Request, Response, handler,
    web::{Data, Path},
};

use super::{HTML, Layout, i18n, language, layout, render, serve_cached};
use crate::{
    cache::Built,
    calls::{service as calls, store as call_store},
    error::ApiError,
    reports::programme::{self, Count},
    state::AppState,
    values::{Lang, Zone, money::thousands},
};

crate::words::catalogue! {
    pub struct ProgrammeWords in "programme" {
        calls,
        no_calls,
        open_until,
        closed,
        venues,
        formats,
        reaches,
        period,
        criteria,
        how_to_apply,
        apply,
        numbers,
        events,
        first_stores,
        markets,
        market_dates,
        vendors,
        footfall,
        by_reach,
        by_format,
        by_tier,
    }
}

fn programme_words(lang: Lang) -> &'static ProgrammeWords {
    ProgrammeWords::of(lang)
}

pub struct CallCard {
    pub href: String,
    pub title: String,
    pub status: String,
    pub period: String,
}

#[derive(Template)]
#[template(path = "calls.html")]
struct CallsPage<'a> {
    page: Layout,
    w: &'a i18n::Words,
    pw: &'a ProgrammeWords,
    calls: Vec<CallCard>,
}

fn status(pw: &ProgrammeWords, lang: Lang, open: bool, deadline: chrono::DateTime<chrono::Utc>) -> String {
    let tz = Zone::default().tz();
    if open {
        format!("{} {}", pw.open_until, i18n::date(lang, deadline.with_timezone(&tz)))
    } else {
        pw.closed.to_owned()
    }
}

fn period(lang: Lang, from: chrono::DateTime<chrono::Utc>, until: chrono::DateTime<chrono::Utc>) -> String {
    let tz = Zone::default().tz();
    format!("{} – {}", i18n::date(lang, from.with_timezone(&tz)), i18n::date(lang, until.with_timezone(&tz)))
}

/// `GET /calls`.
#[handler]
pub async fn calls_page(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let lang = language(req);
    serve_cached(req, &state, lang, "calls".into(), || async {
        let (w, pw) = (i18n::words(lang), programme_words(lang));
        let now = state.now();
        let rows = call_store::list(&state.db).await?;
        let cards = rows
            .iter()
            .map(|c| CallCard {
                href: format!("/calls/{}", c.slug),
                title: lang.pick(&c.title_zh, &c.title_en).to_owned(),
                status: status(pw, lang, c.is_open(now), c.deadline),
                period: period(lang, c.period_from, c.period_until),
            })
            .collect();
        let last_modified = rows.iter().map(|c| c.created_at).max().unwrap_or(chrono::DateTime::UNIX_EPOCH);
        let page = layout(&state, lang, "/calls", format!("{} · {}", pw.calls, w.site), pw.calls.to_owned());
        Ok(Built {
            content_type: HTML,
            body: render(&CallsPage { page, w, pw, calls: cards })?.into(),
            last_modified,
        })
    })
    .await
}

#[derive(Template)]
#[template(path = "call.html")]
struct CallPage<'a> {
    page: Layout,
    w: &'a i18n::Words,
    pw: &'a ProgrammeWords,
    title: String,
    status: String,
    open: bool,
    text: Vec<String>,
    criteria: Vec<String>,
    venues: Vec<(String, String)>,
    formats: String,
    reaches: String,
    period: String,
    apply_href: String,
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split('\n').filter(|p| !p.trim().is_empty()).map(str::to_owned).collect()
}

/// `GET /calls/{slug}`.
#[handler]
pub async fn call_page(
    req: &Request,
    state: Data<&AppState>,
    Path(slug): Path<String>,
) -> poem::Result<Response> {
    let lang = language(req);
    serve_cached(req, &state, lang, format!("call|{slug}"), || async {
        let row = call_store::find_by_slug(&state.db, &slug)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Call {slug:?}")))?;
        let call = calls::view(&state, &row).await?;
        let (w, pw) = (i18n::words(lang), programme_words(lang));
        let title = lang.pick(&call.title_zh, &call.title_en).to_owned();
        let page =
            layout(&state, lang, &format!("/calls/{slug}"), format!("{title} · {}", w.site), title.clone());
        let template = CallPage {
            page,
            w,
            pw,
            status: status(pw, lang, call.open, call.deadline),
            open: call.open,
            text: paragraphs(lang.pick(&call.text_zh, &call.text_en)),
            criteria: paragraphs(lang.pick(&call.criteria_zh, &call.criteria_en)),
            venues: call
                .venues
                .iter()
                .map(|v| (format!("/venues/{}", v.slug), lang.pick(&v.name_zh, &v.name_en).to_owned()))
                .collect(),
            formats: call.formats.iter().map(|f| i18n::format_name(lang, *f)).collect::<Vec<_>>().join(" · "),
            reaches: call.reaches.iter().map(|r| i18n::reach_name(lang, *r)).collect::<Vec<_>>().join(" · "),
            period: period(lang, call.period_from, call.period_until),
            apply_href: format!("/portal/bookings/new?call={}", call.id),
            title,
        };
        Ok(Built { content_type: HTML, body: render(&template)?.into(), last_modified: row.created_at })
    })
    .await
}

/// A bar of a public chart: its label, its count and its width in percent of the largest.
pub struct Bar {
    pub label: String,
    pub count: String,
    pub width: i64,
}

pub fn bars(list: &[Count], label: impl Fn(&Count) -> String) -> Vec<Bar> {
    let max = list.iter().map(|c| c.count).max().unwrap_or(1).max(1);
    list.iter()
        .map(|c| Bar { label: label(c), count: thousands(c.count), width: c.count * 100 / max })
        .collect()
}

#[derive(Template)]
#[template(path = "numbers.html")]
struct NumbersPage<'a> {
    page: Layout,
    w: &'a i18n::Words,
    pw: &'a ProgrammeWords,
    year: i32,
    facts: Vec<(&'static str, String)>,
    charts: Vec<(&'static str, Vec<Bar>)>,
}

/// `GET /numbers/{year}`: what may be public of a year.
#[handler]
pub async fn numbers_page(
    req: &Request,
    state: Data<&AppState>,
    Path(year): Path<String>,
) -> poem::Result<Response> {
    let lang = language(req);
    let year: i32 = year.parse().map_err(|_| ApiError::not_found(format!("Numbers for {year:?}")))?;
    serve_cached(req, &state, lang, format!("numbers|{year}"), || async {
        let numbers = programme::public_numbers(&state, year).await?;
        let (w, pw) = (i18n::words(lang), programme_words(lang));
        let reach_label = |c: &Count| {
            crate::bookings::Reach::parse(&c.key)
                .map(|r| i18n::reach_name(lang, r).to_owned())
                .unwrap_or(c.key.clone())
        };
        let format_label = |c: &Count| {
            crate::bookings::Format::parse(&c.key)
                .map(|f| i18n::format_name(lang, f).to_owned())
                .unwrap_or(c.key.clone())
        };
        let tier_label = |c: &Count| lang.pick(&c.label_zh, &c.label_en).to_owned();
        let heading = format!("{year} · {}", pw.numbers);
        let page = layout(
            &state,
            lang,
            &format!("/numbers/{year}"),
            format!("{heading} · {}", w.site),
            heading.clone(),
        );
        let template = NumbersPage {
            page,
            w,
            pw,
            year,
            facts: vec![
                (pw.events, thousands(numbers.events)),
                (pw.first_stores, thousands(numbers.first_stores)),
                (pw.markets, thousands(numbers.markets)),
                (pw.market_dates, thousands(numbers.market_dates)),
                (pw.vendors, thousands(numbers.vendors)),
                (pw.footfall, thousands(numbers.footfall)),
            ],
            charts: vec![
                (pw.by_reach, bars(&numbers.by_reach, reach_label)),
                (pw.by_format, bars(&numbers.by_format, format_label)),
                (pw.by_tier, bars(&numbers.first_stores_by_tier, tier_label)),
            ],
        };
        Ok(Built { content_type: HTML, body: render(&template)?.into(), last_modified: state.now() })
    })
    .await
}
