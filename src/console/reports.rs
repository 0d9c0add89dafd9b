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
    portal::incentives::tier_name,
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
    zh: bool,
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

fn view(report: &ProgrammeReport, lang: Lang) -> (Vec<Fact>, Vec<Chart>) {
    let zh = lang == Lang::Zh;
    let t = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    let (e, f, m, g) = (&report.events, &report.first_stores, &report.markets, &report.figures);
    let facts = vec![
        (t("首发活动", "Debut events"), thousands(e.total)),
        (t("获奖首店", "First stores awarded"), thousands(f.awarded)),
        (t("奖励金额", "Awarded"), format_cny(f.awarded_fen)),
        (t("追回金额", "Clawed back"), format_cny(f.clawed_back_fen)),
        (t("市集", "Markets held"), thousands(m.held)),
        (t("开市场次", "Market dates"), thousands(m.dates)),
        (t("摊主", "Vendors"), thousands(m.vendors)),
        (
            t("摊位使用率", "Stall occupancy"),
            format!("{:.1}% ({} / {})", m.occupancy_percent, m.stall_dates_taken, m.stall_dates),
        ),
        (t("客流（已确认）", "Footfall (confirmed)"), thousands(g.footfall)),
        (t("销售额（已确认）", "Sales (confirmed)"), format_cny(g.sales_fen)),
        (t("媒体曝光（已确认）", "Media reach (confirmed)"), thousands(g.media_reach)),
        (t("已确认数据的活动", "Events with confirmed figures"), thousands(g.confirmed)),
        (t("待确认", "Figures awaiting confirmation"), thousands(g.awaiting_confirmation)),
        (t("未填报数据的活动", "Events that have not filed"), thousands(g.not_filed)),
    ];
    // A tier's key is a word of the API (`city`); people read the tier's name.
    let tier_or = |key: &str, fallback: &str| {
        StoreTier::parse(key).map_or_else(|_| fallback.to_owned(), |tier| tier_name(lang, tier).to_owned())
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
        (t("按首发级别", "Events by reach"), bars(&e.by_reach, |c| label(lang, c, "reach"))),
        (t("按活动形式", "Events by format"), bars(&e.by_format, |c| label(lang, c, "format"))),
        (t("按秀场", "Events by venue"), bars(&e.by_venue, |c| label(lang, c, "venue"))),
        (t("按月份", "Events by month"), bars(&e.by_month, |c| c.key.clone())),
        (
            t("首店（按级别，家数）", "First stores by tier (stores)"),
            bars(&money(&f.by_tier), |c| label(lang, c, "money")),
        ),
        (
            t("首店（按商场，家数）", "First stores by mall (stores)"),
            bars(&money(&f.by_mall), |c| label(lang, c, "money")),
        ),
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
    let title = if lang == Lang::Zh { "项目报告" } else { "Programme report" };
    let (facts, charts, errors) =
        match programme::parse_range(Some(&query.from), Some(&query.to), state.now()) {
            Ok((from, to)) => {
                let report = programme::report(&state, &me.principal, from, to).await?;
                let (facts, charts) = view(&report, lang);
                (facts, charts, Errors::default())
            }
            Err(err) => {
                let (_, errors) = Errors::from_problem(err)?;
                (Vec::new(), Vec::new(), errors)
            }
        };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let year = state.now().with_timezone(&Zone::default().tz()).format("%Y").to_string();
    let shell = Shell::new(req, lang, title, &csrf, Some(&me)).with_errors(errors);
    let template = ReportsPage {
        shell,
        w,
        zh: lang == Lang::Zh,
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
