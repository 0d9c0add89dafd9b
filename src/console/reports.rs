//! `/staff/reports`: the programme report for a date range, with bar charts drawn on the server
//! (SVG, no script) and a print stylesheet; CSV and XLSX downloads of the same figures.

use crate::console::Staff;
use askama::Template;
use poem::{
    Request, Response, handler,
    http::{StatusCode, header},
    web::{Data, Query},
};
use serde::Deserialize;

use crate::{
    bookings::{Format, Reach},
    incentives::StoreTier,
    pages::{
        i18n,
        programme::{Bar, bars},
    },
    reports::programme::{self, Count, ProgrammeReport},
    state::AppState,
    values::{
        Lang, Zone,
        money::{format_cny, thousands},
    },
    web::{Csrf, Errors, Shell, Words, language, page, words::words},
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RangeQuery {
    from: String,
    to: String,
}

impl RangeQuery {
    fn query(&self) -> String {
        format!("from={}&to={}", crate::http::url_encode(&self.from), crate::http::url_encode(&self.to))
    }
}

/// A labelled figure, and a titled chart.
type Fact = (&'static str, String);
type Chart = (&'static str, Vec<Bar>);

#[derive(Template)]
#[template(path = "console/reports.html")]
struct ReportsPage {
    shell: Shell,
    w: &'static Words,
    r: &'static ReportWords,
    from: String,
    to: String,
    query: String,
    facts: Vec<Fact>,
    charts: Vec<Chart>,
}

fn label(lang: Lang, c: &Count, kind: &str) -> String {
    match kind {
        "reach" => {
            Reach::parse(&c.key).map(|r| i18n::reach_name(lang, r).to_owned()).unwrap_or(c.key.clone())
        }
        "format" => {
            Format::parse(&c.key).map(|f| i18n::format_name(lang, f).to_owned()).unwrap_or(c.key.clone())
        }
        _ => lang.pick(&c.label_zh, &c.label_en).to_owned(),
    }
}

crate::words::catalogue! {
    /// The programme report's facts and charts.
    pub struct ReportWords in "report" {
        title,
        from,
        to_inclusive,
        show,
        at_a_glance,
        debut_events,
        stores_awarded,
        awarded,
        clawed_back,
        markets_held,
        market_dates,
        vendors,
        occupancy,
        footfall,
        sales,
        media_reach,
        confirmed,
        awaiting,
        not_filed,
        by_reach,
        by_format,
        by_venue,
        by_month,
        stores_by_tier,
        stores_by_mall,
    }
}

fn view(report: &ProgrammeReport, lang: Lang) -> (Vec<Fact>, Vec<Chart>) {
    let r = ReportWords::of(lang);
    let (e, f, m, g) = (&report.events, &report.first_stores, &report.markets, &report.figures);
    let facts = vec![
        (r.debut_events, thousands(e.total)),
        (r.stores_awarded, thousands(f.awarded)),
        (r.awarded, format_cny(f.awarded_fen)),
        (r.clawed_back, format_cny(f.clawed_back_fen)),
        (r.markets_held, thousands(m.held)),
        (r.market_dates, thousands(m.dates)),
        (r.vendors, thousands(m.vendors)),
        (r.occupancy, format!("{:.1}% ({} / {})", m.occupancy_percent, m.stall_dates_taken, m.stall_dates)),
        (r.footfall, thousands(g.footfall)),
        (r.sales, format_cny(g.sales_fen)),
        (r.media_reach, thousands(g.media_reach)),
        (r.confirmed, thousands(g.confirmed)),
        (r.awaiting, thousands(g.awaiting_confirmation)),
        (r.not_filed, thousands(g.not_filed)),
    ];
    // A tier's key is a word of the API (`city`); people read the tier's name.
    let tier_or = |key: &str, fallback: &str| {
        StoreTier::parse(key).map_or_else(|_| fallback.to_owned(), |tier| tier.label(lang).to_owned())
    };
    let money = |list: &[programme::Awards]| -> Vec<Count> {
        list.iter()
            .map(|a| Count {
                key: a.key.clone(),
                label_zh: format!("{} · {}", tier_or(&a.key, &a.label_zh), format_cny(a.awarded_fen)),
                label_en: format!("{} · {}", tier_or(&a.key, &a.label_en), format_cny(a.awarded_fen)),
                count: a.stores,
            })
            .collect()
    };
    let charts = vec![
        (r.by_reach, bars(&e.by_reach, |c| label(lang, c, "reach"))),
        (r.by_format, bars(&e.by_format, |c| label(lang, c, "format"))),
        (r.by_venue, bars(&e.by_venue, |c| label(lang, c, "venue"))),
        (r.by_month, bars(&e.by_month, |c| c.key.clone())),
        (r.stores_by_tier, bars(&money(&f.by_tier), |c| label(lang, c, "money"))),
        (r.stores_by_mall, bars(&money(&f.by_mall), |c| label(lang, c, "money"))),
    ];
    (facts, charts)
}

/// `GET /staff/reports?from=&to=`.
#[handler]
pub async fn report_page(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<RangeQuery>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let lang = language(req);
    let (w, csrf) = (words(lang), Csrf::of(req, &state));
    let title = ReportWords::of(lang).title;
    let (facts, charts, errors) =
        match programme::parse_range(Some(&query.from), Some(&query.to), state.now()) {
            Ok((from, to)) => {
                let report = programme::report(&state, &me.principal, from, to).await?;
                let (facts, charts) = view(&report, lang);
                (facts, charts, Errors::default())
            }
            Err(err) => {
                let (_, errors) = Errors::from_problem(err, lang)?;
                (Vec::new(), Vec::new(), errors)
            }
        };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let year = state.now().with_timezone(&Zone::default().tz()).format("%Y").to_string();
    let shell = Shell::new(req, lang, title, &csrf, Some(&me)).with_errors(errors);
    let template = ReportsPage {
        shell,
        w,
        r: ReportWords::of(lang),
        from: if query.from.is_empty() { format!("{year}-01-01") } else { query.from.clone() },
        to: if query.to.is_empty() { format!("{year}-12-31") } else { query.to.clone() },
        query: query.query(),
        facts,
        charts,
    };
    Ok(page(status, &template, &csrf, vec![])?)
}

/// `GET /staff/reports/programme.csv` and `.xlsx`: the downloads, on the staff session.
#[handler]
pub async fn download(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<RangeQuery>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let (from, to) = programme::parse_range(Some(&query.from), Some(&query.to), state.now())?;
    let report = programme::report(&state, &me.principal, from, to).await?;
    let (body, content_type, name) = if req.uri().path().ends_with(".xlsx") {
        (
            programme::to_xlsx(&report)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "programme.xlsx",
        )
    } else {
        (programme::to_csv(&report).into_bytes(), "text/csv; charset=utf-8", "programme.csv")
    };
    Ok(Response::builder()
        .content_type(content_type)
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))
        .header(header::CACHE_CONTROL, "no-store")
        .body(body))
}
