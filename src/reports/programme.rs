//! The programme report for a date range: debut events by reach, format, venue and month; first
//! stores awarded by tier and by mall with the money awarded and clawed back; markets, vendors
//! and stall occupancy; footfall and sales from confirmed figures. Counted in Rust from plain
//! rows, so every figure can be checked against the rows it came from.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use poem_openapi::Object;
use rust_xlsxwriter::{Format as CellFormat, Workbook, XlsxError};

use super::store;
use crate::{
    accounts::Principal,
    error::{ApiError, ApiResult, Violations},
    http::csv,
    state::AppState,
    values::{Zone, time::within_reason},
};

/// A count under a key (`national`, `2026-12`, a venue's slug…), with its Chinese and English
/// labels where the key is not one already.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Count {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub count: i64,
}

/// Awards under a key: how many stores, the money awarded and the money clawed back.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Awards {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub stores: i64,
    pub awarded_fen: i64,
    pub clawed_back_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Object)]
pub struct EventCounts {
    pub total: i64,
    pub by_reach: Vec<Count>,
    pub by_format: Vec<Count>,
    pub by_venue: Vec<Count>,
    pub by_month: Vec<Count>,
}

#[derive(Debug, Clone, PartialEq, Object)]
pub struct FirstStores {
    /// Stores with an award in the range.
    pub awarded: i64,
    pub awarded_fen: i64,
    pub clawed_back_fen: i64,
    pub by_tier: Vec<Awards>,
    pub by_mall: Vec<Awards>,
}

#[derive(Debug, Clone, PartialEq, Object)]
pub struct MarketCounts {
    /// Markets with at least one date in the range.
    pub held: i64,
    /// Their dates in the range (cancelled ones not counted).
    pub dates: i64,
    /// Vendors that had a stall on one of those dates.
    pub vendors: i64,
    /// Stall-dates offered and taken, and taken as a share of offered (percent, one decimal).
    pub stall_dates: i64,
    pub stall_dates_taken: i64,
    pub occupancy_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Object)]
pub struct FigureTotals {
    /// Events whose figures staff confirmed; only these count below.
    pub confirmed: i64,
    pub footfall: i64,
    pub sales_fen: i64,
    pub media_reach: i64,
    /// Events of the range that have ended and filed nothing.
    pub not_filed: i64,
    /// Filed but not confirmed yet.
    pub awaiting_confirmation: i64,
}

#[derive(Debug, Clone, PartialEq, Object)]
pub struct ProgrammeReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub events: EventCounts,
    pub first_stores: FirstStores,
    pub markets: MarketCounts,
    pub figures: FigureTotals,
}

/// `from` and `to` as people write them: dates in the district's zone (`to` inclusive) or RFC
/// 3339 instants. Defaults: this calendar year.
pub fn parse_range(
    from: Option<&str>,
    to: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let tz = Zone::default().tz();
    let year = now.with_timezone(&tz).year();
    let midnight = |date: NaiveDate| {
        tz.from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight")).earliest().map(|t| t.to_utc())
    };
    let parse = |raw: &str, end: bool| -> Result<DateTime<Utc>, crate::error::Invalid> {
        if let Ok(instant) = DateTime::parse_from_rfc3339(raw) {
            return within_reason(instant.to_utc());
        }
        let date = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map_err(|_| crate::error::Invalid::new("date-or-instant").with("typed", raw))?;
        // An end date counts whole.
        let date = if end {
            date.succ_opt().ok_or_else(|| crate::error::Invalid::new("out-of-range"))?
        } else {
            date
        };
        midnight(date).ok_or_else(|| crate::error::Invalid::new("out-of-range")).and_then(within_reason)
    };
    let mut v = Violations::default();
    let from = match from.filter(|s| !s.trim().is_empty()) {
        Some(raw) => v.check("from", parse(raw, false)),
        None => NaiveDate::from_ymd_opt(year, 1, 1).and_then(midnight),
    };
    let to = match to.filter(|s| !s.trim().is_empty()) {
        Some(raw) => v.check("to", parse(raw, true)),
        None => NaiveDate::from_ymd_opt(year + 1, 1, 1).and_then(midnight),
    };
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        v.add("to", crate::error::Invalid::new("after-from"));
    }
    v.finish(|| (from.expect("checked"), to.expect("checked")))
}

fn counted(map: BTreeMap<String, (String, String, i64)>) -> Vec<Count> {
    let mut out: Vec<Count> = map
        .into_iter()
        .map(|(key, (label_zh, label_en, count))| Count { key, label_zh, label_en, count })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    out
}

/// Builds the report from the database (staff; the public numbers use [`public_numbers`]).
pub async fn report(
    state: &AppState,
    principal: &Principal,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<ProgrammeReport> {
    principal.require_staff()?;
    build(state, from, to).await
}

pub async fn build(state: &AppState, from: DateTime<Utc>, to: DateTime<Utc>) -> ApiResult<ProgrammeReport> {
    let db = &state.db;
    let now = state.now();
    let tz = Zone::default().tz();
    let events = store::events(db, from, to).await?;
    let (mut by_reach, mut by_format, mut by_venue, mut by_month) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let bump = |map: &mut BTreeMap<String, (String, String, i64)>, key: String, zh: String, en: String| {
        map.entry(key).or_insert((zh, en, 0)).2 += 1;
    };
    for e in &events {
        let reach = e.reach.as_str().to_owned();
        bump(&mut by_reach, reach.clone(), reach.clone(), reach);
        let format = e.format.as_str().to_owned();
        bump(&mut by_format, format.clone(), format.clone(), format);
        bump(&mut by_venue, e.venue_slug.clone(), e.venue_name_zh.clone(), e.venue_name_en.clone());
        let month = e.starts_at.with_timezone(&tz).format("%Y-%m").to_string();
        bump(&mut by_month, month.clone(), month.clone(), month);
    }
    let mut by_month = counted(by_month);
    by_month.sort_by(|a, b| a.key.cmp(&b.key));
    let confirmed: Vec<_> = events.iter().filter(|e| e.confirmed).collect();
    let figures = FigureTotals {
        confirmed: confirmed.len() as i64,
        footfall: confirmed.iter().filter_map(|e| e.footfall).sum(),
        sales_fen: confirmed.iter().filter_map(|e| e.sales_fen).sum(),
        media_reach: confirmed.iter().filter_map(|e| e.media_reach).sum(),
        not_filed: events.iter().filter(|e| !e.filed && e.ends_at <= now).count() as i64,
        awaiting_confirmation: events.iter().filter(|e| e.filed && !e.confirmed).count() as i64,
    };

    let ledger = store::ledger(db, from, to).await?;
    let mut tiers: BTreeMap<String, Awards> = BTreeMap::new();
    let mut malls: BTreeMap<String, Awards> = BTreeMap::new();
    // A store counts once under its tier and once under its mall, however many awards it had.
    let mut counted_stores = std::collections::BTreeSet::new();
    for entry in &ledger {
        let tier = entry.tier.as_str().to_owned();
        let (mall_zh, mall_en) = match (&entry.mall_name_zh, &entry.mall_name_en) {
            (Some(zh), Some(en)) => (zh.clone(), en.clone()),
            _ => ("其他地点".to_owned(), "Elsewhere".to_owned()),
        };
        for (tag, map, key, zh, en) in [
            ("tier", &mut tiers, tier.clone(), tier.clone(), tier.clone()),
            ("mall", &mut malls, mall_en.clone(), mall_zh, mall_en),
        ] {
            let line = map.entry(key.clone()).or_insert(Awards {
                key: key.clone(),
                label_zh: zh,
                label_en: en,
                stores: 0,
                awarded_fen: 0,
                clawed_back_fen: 0,
            });
            if entry.amount_fen > 0 {
                line.awarded_fen += entry.amount_fen;
                if counted_stores.insert((tag, key, entry.application_id)) {
                    line.stores += 1;
                }
            } else {
                line.clawed_back_fen += -entry.amount_fen;
            }
        }
    }
    let mut awarded_ids: Vec<i64> =
        ledger.iter().filter(|e| e.amount_fen > 0).map(|e| e.application_id).collect();
    awarded_ids.sort_unstable();
    awarded_ids.dedup();
    let order = |list: BTreeMap<String, Awards>| {
        let mut list: Vec<Awards> = list.into_values().collect();
        list.sort_by(|a, b| b.awarded_fen.cmp(&a.awarded_fen).then(a.key.cmp(&b.key)));
        list
    };
    let first_stores = FirstStores {
        awarded: awarded_ids.len() as i64,
        awarded_fen: ledger.iter().filter(|e| e.amount_fen > 0).map(|e| e.amount_fen).sum(),
        clawed_back_fen: ledger.iter().filter(|e| e.amount_fen < 0).map(|e| -e.amount_fen).sum(),
        by_tier: order(tiers),
        by_mall: order(malls),
    };

    let dates = store::market_dates(db, from, to).await?;
    let mut held: Vec<i64> = dates.iter().map(|d| d.market_id).collect();
    held.sort_unstable();
    held.dedup();
    let stall_dates: i64 = dates.iter().map(|d| d.stalls).sum();
    let taken: i64 = dates.iter().map(|d| d.taken).sum();
    let markets = MarketCounts {
        held: held.len() as i64,
        dates: dates.len() as i64,
        vendors: store::vendors(db, from, to).await?,
        stall_dates,
        stall_dates_taken: taken,
        occupancy_percent: if stall_dates == 0 {
            0.0
        } else {
            (taken as f64 * 1000.0 / stall_dates as f64).round() / 10.0
        },
    };
    Ok(ProgrammeReport {
        from,
        to,
        events: EventCounts {
            total: events.len() as i64,
            by_reach: counted(by_reach),
            by_format: counted(by_format),
            by_venue: counted(by_venue),
            by_month,
        },
        first_stores,
        markets,
        figures,
    })
}

/// Every figure of the report as (section, key, label, value) lines, for CSV and XLSX.
pub fn lines(report: &ProgrammeReport) -> Vec<(String, String, String, i64)> {
    let mut out = Vec::new();
    let mut push = |section: &str, key: &str, label: &str, value: i64| {
        out.push((section.to_owned(), key.to_owned(), label.to_owned(), value));
    };
    push("events", "total", "活动总数 Events", report.events.total);
    for (section, list) in [
        ("events_by_reach", &report.events.by_reach),
        ("events_by_format", &report.events.by_format),
        ("events_by_venue", &report.events.by_venue),
        ("events_by_month", &report.events.by_month),
    ] {
        for c in list {
            push(section, &c.key, &label(&c.label_zh, &c.label_en), c.count);
        }
    }
    let f = &report.first_stores;
    push("first_stores", "awarded", "获奖首店 Stores awarded", f.awarded);
    push("first_stores", "awarded_fen", "奖励金额（分） Awarded (fen)", f.awarded_fen);
    push("first_stores", "clawed_back_fen", "追回金额（分） Clawed back (fen)", f.clawed_back_fen);
    for (section, list) in [("first_stores_by_tier", &f.by_tier), ("first_stores_by_mall", &f.by_mall)] {
        for m in list {
            let name = label(&m.label_zh, &m.label_en);
            push(section, &format!("{}.stores", m.key), &name, m.stores);
            push(section, &format!("{}.awarded_fen", m.key), &name, m.awarded_fen);
            push(section, &format!("{}.clawed_back_fen", m.key), &name, m.clawed_back_fen);
        }
    }
    let m = &report.markets;
    push("markets", "held", "市集 Markets held", m.held);
    push("markets", "dates", "开市场次 Market dates", m.dates);
    push("markets", "vendors", "摊主 Vendors", m.vendors);
    push("markets", "stall_dates", "摊位·场次 Stall-dates offered", m.stall_dates);
    push("markets", "stall_dates_taken", "已用摊位·场次 Stall-dates taken", m.stall_dates_taken);
    let g = &report.figures;
    push("figures", "confirmed", "已确认数据的活动 Events with confirmed figures", g.confirmed);
    push("figures", "footfall", "客流 Footfall", g.footfall);
    push("figures", "sales_fen", "销售额（分） Sales (fen)", g.sales_fen);
    push("figures", "media_reach", "媒体曝光 Media reach", g.media_reach);
    push("figures", "not_filed", "未填报 Not filed", g.not_filed);
    push("figures", "awaiting_confirmation", "待确认 Awaiting confirmation", g.awaiting_confirmation);
    out
}

fn label(zh: &str, en: &str) -> String {
    if zh == en { zh.to_owned() } else { format!("{zh} {en}") }
}

pub fn to_csv(report: &ProgrammeReport) -> String {
    csv(
        &["section", "key", "label", "value"],
        lines(report)
            .into_iter()
            .map(|(section, key, label, value)| vec![section, key, label, value.to_string()]),
    )
}

/// The report as an XLSX workbook: one sheet of every figure, numbers as numbers.
pub fn to_xlsx(report: &ProgrammeReport) -> ApiResult<Vec<u8>> {
    let fail = |e: XlsxError| ApiError::Internal(anyhow::anyhow!("writing the xlsx report: {e}"));
    let mut workbook = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("programme").map_err(fail)?;
    let tz = Zone::default().tz();
    let period = format!(
        "{} – {}",
        report.from.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        report.to.with_timezone(&tz).format("%Y-%m-%d %H:%M")
    );
    sheet.write_string_with_format(0, 0, "首发经济项目报告 Programme report", &bold).map_err(fail)?;
    sheet.write_string(1, 0, &period).map_err(fail)?;
    for (col, title) in ["section", "key", "label", "value"].iter().enumerate() {
        sheet.write_string_with_format(3, col as u16, *title, &bold).map_err(fail)?;
    }
    for (i, (section, key, label, value)) in lines(report).into_iter().enumerate() {
        let row = 4 + i as u32;
        sheet.write_string(row, 0, &section).map_err(fail)?;
        sheet.write_string(row, 1, &key).map_err(fail)?;
        sheet.write_string(row, 2, &label).map_err(fail)?;
        sheet.write_number(row, 3, value as f64).map_err(fail)?;
    }
    sheet.set_column_width(0, 22).map_err(fail)?;
    sheet.set_column_width(1, 28).map_err(fail)?;
    sheet.set_column_width(2, 44).map_err(fail)?;
    workbook.save_to_buffer().map_err(fail)
}

/// What may be public of a year: counts, never a brand's sales.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct PublicNumbers {
    pub year: i32,
    pub events: i64,
    pub by_reach: Vec<Count>,
    pub by_format: Vec<Count>,
    pub first_stores: i64,
    pub first_stores_by_tier: Vec<Count>,
    pub markets: i64,
    pub market_dates: i64,
    pub vendors: i64,
    pub footfall: i64,
}

pub async fn public_numbers(state: &AppState, year: i32) -> ApiResult<PublicNumbers> {
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::not_found(format!("Numbers for {year}")));
    }
    let tz = Zone::default().tz();
    let start = |y: i32| {
        NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).earliest())
            .map(|t| t.to_utc())
            .ok_or_else(|| ApiError::not_found(format!("Numbers for {y}")))
    };
    let report = build(state, start(year)?, start(year + 1)?).await?;
    Ok(PublicNumbers {
        year,
        events: report.events.total,
        by_reach: report.events.by_reach,
        by_format: report.events.by_format,
        first_stores: report.first_stores.awarded,
        first_stores_by_tier: report
            .first_stores
            .by_tier
            .iter()
            .map(|m| Count {
                key: m.key.clone(),
                label_zh: m.label_zh.clone(),
                label_en: m.label_en.clone(),
                count: m.stores,
            })
            .collect(),
        markets: report.markets.held,
        market_dates: report.markets.dates,
        vendors: report.markets.vendors,
        footfall: report.figures.footfall,
    })
}
