//! The public market pages: `/markets` (current and coming markets) and `/markets/{slug}` with
//! its dates, the stall map of one date with the vendors on it, the vendors, and its feed.

use std::collections::BTreeMap;

use askama::Template;
use poem::{
    Request, Response, handler,
    web::{Data, Path, Query},
};
use serde_json::json;

use super::{HTML, Layout, i18n, img, language, layout, render, serve_cached};
use crate::{
    cache::Built,
    calendar::{feeds, tombstone_cutoff},
    error::{ApiError, ApiResult},
    markets::{
        ApplicationState,
        store::{self, MarketRow, OccurrenceRow},
    },
    media::StoredVariant,
    state::AppState,
    values::Lang,
    venues::maps::{self, MapLink, Point},
};

/// The words of the market pages, public and in the portal.
pub struct MarketWords {
    pub heading: &'static str,
    pub none: &'static str,
    pub run_by: &'static str,
    pub dates: &'static str,
    pub date_count: &'static str,
    pub stall_map: &'static str,
    pub no_plan: &'static str,
    pub stall: &'static str,
    pub class: &'static str,
    pub vendor: &'static str,
    pub free: &'static str,
    pub food: &'static str,
    pub vendors: &'static str,
    pub no_vendors: &'static str,
    pub subscribe: &'static str,
    // The portal's market pages.
    pub start_market: &'static str,
    pub new_market: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub theme: &'static str,
    pub theme_hint: &'static str,
    pub description_zh: &'static str,
    pub description_en: &'static str,
    pub slug: &'static str,
    pub slug_hint: &'static str,
    pub weekdays: &'static str,
    pub start_time: &'static str,
    pub end_time: &'static str,
    pub time_hint: &'static str,
    pub first_date: &'static str,
    pub date_hint: &'static str,
    pub weeks: &'static str,
    pub within_booking: &'static str,
    pub create: &'static str,
    pub cancel_date: &'static str,
    pub add_dates: &'static str,
    pub call: &'static str,
    pub call_open: &'static str,
    pub call_closed: &'static str,
    pub opens_at: &'static str,
    pub closes_at: &'static str,
    pub datetime_hint: &'static str,
    pub save_call: &'static str,
    pub plan: &'static str,
    pub classes: &'static str,
    pub classes_hint: &'static str,
    pub stalls: &'static str,
    pub stalls_hint: &'static str,
    pub save_plan: &'static str,
    pub applications: &'static str,
    pub no_applications: &'static str,
    pub accept: &'static str,
    pub waitlist: &'static str,
    pub reject: &'static str,
    pub sells_food: &'static str,
    pub permit_on_file: &'static str,
    pub permit_missing: &'static str,
    pub board: &'static str,
    pub choose_date: &'static str,
    pub assign: &'static str,
    pub unassign: &'static str,
    pub no_candidates: &'static str,
    pub fees: &'static str,
    pub fee: &'static str,
    pub due: &'static str,
    pub paid: &'static str,
    pub waived: &'static str,
    pub mark_paid: &'static str,
    pub mark_waived: &'static str,
    pub mark_due: &'static str,
    pub download_csv: &'static str,
    pub total: &'static str,
    pub open_calls: &'static str,
    pub no_open_calls: &'static str,
    pub your_markets: &'static str,
    pub your_applications: &'static str,
    pub apply: &'static str,
    pub category: &'static str,
    pub category_hint: &'static str,
    pub products: &'static str,
    pub description: &'static str,
    pub preferred_class: &'static str,
    pub any_class: &'static str,
    pub dates_wanted: &'static str,
    pub dates_wanted_hint: &'static str,
    pub send_application: &'static str,
    pub offer: &'static str,
    pub accept_offer: &'static str,
    pub decline_offer: &'static str,
    pub withdraw: &'static str,
    pub photos: &'static str,
    pub permit: &'static str,
    pub permit_hint: &'static str,
    pub your_stalls: &'static str,
    pub no_stalls: &'static str,
    pub public_page: &'static str,
    pub manage: &'static str,
    pub state: &'static str,
    pub cancelled: &'static str,
}

const ZH: MarketWords = MarketWords {
    heading: "市集",
    none: "暂无市集。",
    run_by: "主办",
    dates: "开市日期",
    date_count: "场",
    stall_map: "摊位图",
    no_plan: "摊位图尚未公布。",
    stall: "摊位",
    class: "类型",
    vendor: "摊主",
    free: "空闲",
    food: "可经营餐饮",
    vendors: "摊主",
    no_vendors: "摊主名单尚未公布。",
    subscribe: "订阅市集日历（.ics）",
    start_market: "用此预订开办市集",
    new_market: "开办市集",
    title_zh: "中文名称",
    title_en: "英文名称",
    theme: "主题",
    theme_hint: "如：夜市、春日市集、小吃街、手作市集",
    description_zh: "中文介绍",
    description_en: "英文介绍",
    slug: "网址（可选）",
    slug_hint: "小写字母、数字和连字符，如 moonlight-market；留空则自动生成",
    weekdays: "每周开市日",
    start_time: "开市时间",
    end_time: "收市时间",
    time_hint: "如 18:00；早于开市时间表示次日",
    first_date: "首个日期",
    date_hint: "如 2026-12-04",
    weeks: "周数",
    within_booking: "所有日期须在已批准的预订时间内：",
    create: "开办市集",
    cancel_date: "取消这一场",
    add_dates: "增加日期",
    call: "摊主招募",
    call_open: "正在接受申请，截止于",
    call_closed: "当前不接受申请。",
    opens_at: "开始时间",
    closes_at: "截止时间",
    datetime_hint: "如 2026-12-01T09:00（场地当地时间）",
    save_call: "保存招募时间",
    plan: "摊位规划",
    classes: "摊位类型",
    classes_hint: "每行一种：名称 | 面积㎡ | 电 | 水 | 餐饮 | 每场费用（元），如 餐饮 | 9 | 是 | 是 | 是 | 300",
    stalls: "摊位",
    stalls_hint: "每行一个：编号 | 类型 | 列 | 行，如 A01 | 餐饮 | 0 | 0",
    save_plan: "保存摊位规划",
    applications: "摊主申请",
    no_applications: "暂无申请。",
    accept: "录取",
    waitlist: "候补",
    reject: "不录取",
    sells_food: "经营餐饮",
    permit_on_file: "食品经营许可已上传",
    permit_missing: "尚未上传食品经营许可",
    board: "摊位分配",
    choose_date: "选择日期",
    assign: "分配",
    unassign: "收回",
    no_candidates: "没有可分配的摊主",
    fees: "摊位费",
    fee: "费用",
    due: "待缴",
    paid: "已缴",
    waived: "已减免",
    mark_paid: "标记已缴",
    mark_waived: "减免",
    mark_due: "改回待缴",
    download_csv: "下载 CSV",
    total: "合计",
    open_calls: "正在招募摊主的市集",
    no_open_calls: "暂无正在招募的市集。",
    your_markets: "我的市集",
    your_applications: "我的摊位申请",
    apply: "申请摊位",
    category: "经营类别",
    category_hint: "如：小吃、饮品、手作、服饰",
    products: "主要商品",
    description: "介绍",
    preferred_class: "希望的摊位类型",
    any_class: "无偏好",
    dates_wanted: "希望参加的日期",
    dates_wanted_hint: "不勾选表示全部日期",
    send_application: "提交申请",
    offer: "有空出的摊位，请在此时间前确认：",
    accept_offer: "确认参加",
    decline_offer: "放弃",
    withdraw: "撤回申请",
    photos: "商品照片",
    permit: "食品经营许可证或营业执照",
    permit_hint: "经营餐饮的摊主须上传，主办方才能录取",
    your_stalls: "我的摊位",
    no_stalls: "尚未分配摊位。",
    public_page: "公开页面",
    manage: "管理",
    state: "状态",
    cancelled: "已取消",
};

const EN: MarketWords = MarketWords {
    heading: "Markets",
    none: "No markets yet.",
    run_by: "Run by",
    dates: "Dates",
    date_count: "dates",
    stall_map: "Stall map",
    no_plan: "The stall map is not out yet.",
    stall: "Stall",
    class: "Class",
    vendor: "Vendor",
    free: "Free",
    food: "food allowed",
    vendors: "Vendors",
    no_vendors: "The vendors are not announced yet.",
    subscribe: "Subscribe to the market's dates (.ics)",
    start_market: "Start a market on this booking",
    new_market: "Start a market",
    title_zh: "Title in Chinese",
    title_en: "Title in English",
    theme: "Theme",
    theme_hint: "For example night market, spring market, snack street, craft fair",
    description_zh: "Description in Chinese",
    description_en: "Description in English",
    slug: "Web address (optional)",
    slug_hint: "Lower-case letters, digits and hyphens, like moonlight-market; made for you when empty",
    weekdays: "Weekdays",
    start_time: "Opens at",
    end_time: "Closes at",
    time_hint: "Like 18:00; earlier than opening means the next day",
    first_date: "First date",
    date_hint: "Like 2026-12-04",
    weeks: "Weeks",
    within_booking: "Every date must lie within the approved booking:",
    create: "Start the market",
    cancel_date: "Cancel this date",
    add_dates: "Add dates",
    call: "Vendor call",
    call_open: "Taking applications until",
    call_closed: "Not taking applications now.",
    opens_at: "Opens at",
    closes_at: "Closes at",
    datetime_hint: "Like 2026-12-01T09:00 (venue time)",
    save_call: "Save the call's window",
    plan: "Stall plan",
    classes: "Stall classes",
    classes_hint: "One per line: name | m² | power | water | food | fee per date in yuan, e.g. Food | 9 | yes | yes | yes | 300",
    stalls: "Stalls",
    stalls_hint: "One per line: code | class | column | row, e.g. A01 | Food | 0 | 0",
    save_plan: "Save the plan",
    applications: "Applications",
    no_applications: "No applications yet.",
    accept: "Accept",
    waitlist: "Waitlist",
    reject: "Reject",
    sells_food: "Sells food",
    permit_on_file: "Food permit on file",
    permit_missing: "No food permit yet",
    board: "Stall allocation",
    choose_date: "Choose a date",
    assign: "Assign",
    unassign: "Take back",
    no_candidates: "No vendor can take this stall",
    fees: "Fees",
    fee: "Fee",
    due: "due",
    paid: "paid",
    waived: "waived",
    mark_paid: "Mark paid",
    mark_waived: "Waive",
    mark_due: "Mark due",
    download_csv: "Download CSV",
    total: "Total",
    open_calls: "Markets taking vendor applications",
    no_open_calls: "No market is taking applications now.",
    your_markets: "Your markets",
    your_applications: "Your stall applications",
    apply: "Apply for a stall",
    category: "Category",
    category_hint: "For example snacks, drinks, crafts, fashion",
    products: "Products",
    description: "Description",
    preferred_class: "Preferred stall class",
    any_class: "No preference",
    dates_wanted: "Dates wanted",
    dates_wanted_hint: "None ticked means every date",
    send_application: "Send the application",
    offer: "A place is free for you; take it by",
    accept_offer: "Take the place",
    decline_offer: "Decline",
    withdraw: "Withdraw",
    photos: "Photos",
    permit: "Food permit or licence",
    permit_hint: "Food vendors need one before the organizer can accept them",
    your_stalls: "Your stalls",
    no_stalls: "No stall assigned yet.",
    public_page: "Public page",
    manage: "Manage",
    state: "State",
    cancelled: "Cancelled",
};

pub fn market_words(lang: Lang) -> &'static MarketWords {
    if lang == Lang::Zh { &ZH } else { &EN }
}

pub struct MarketCard {
    pub href: String,
    pub title: String,
    pub theme: String,
    pub venue_name: String,
    pub when: String,
    pub dates: usize,
}

#[derive(Template)]
#[template(path = "markets.html")]
struct MarketsPage<'a> {
    page: Layout,
    w: &'a i18n::Words,
    mw: &'a MarketWords,
    markets: Vec<MarketCard>,
}

fn title(market: &MarketRow, lang: Lang) -> String {
    lang.pick(&market.title_zh, &market.title_en).to_owned()
}

/// `GET /markets`: markets with a date still to come, soonest first.
#[handler]
pub async fn markets_page(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let lang = language(req);
    serve_cached(req, &state, lang, "markets".into(), || async {
        let now = state.now();
        let mut cards = Vec::new();
        let mut last_modified = chrono::DateTime::UNIX_EPOCH;
        for market in store::list(&state.db, None).await? {
            let dates: Vec<OccurrenceRow> = store::occurrences(&state.db, market.id)
                .await?
                .into_iter()
                .filter(|d| d.cancelled_at.is_none() && d.ends_at > now)
                .collect();
            let (Some(first), Some(last)) = (dates.first(), dates.last()) else { continue };
            last_modified = last_modified.max(market.updated_at);
            let tz = market.zone.tz();
            cards.push((
                first.starts_at,
                MarketCard {
                    href: format!("/markets/{}", market.slug),
                    title: title(&market, lang),
                    theme: market.theme.clone(),
                    venue_name: lang.pick(&market.venue_name_zh, &market.venue_name_en).to_owned(),
                    when: if dates.len() == 1 {
                        i18n::span(lang, first.starts_at, first.ends_at, tz)
                    } else {
                        format!(
                            "{} – {}",
                            i18n::date(lang, first.starts_at.with_timezone(&tz)),
                            i18n::date(lang, last.starts_at.with_timezone(&tz))
                        )
                    },
                    dates: dates.len(),
                },
            ));
        }
        cards.sort_by_key(|(start, _)| *start);
        let (w, mw) = (i18n::words(lang), market_words(lang));
        let page =
            layout(&state, lang, "/markets", format!("{} · {}", mw.heading, w.site), mw.heading.to_owned());
        let template = MarketsPage { page, w, mw, markets: cards.into_iter().map(|(_, c)| c).collect() };
        Ok(Built { content_type: HTML, body: render(&template)?.into(), last_modified })
    })
    .await
}

pub struct DateLink {
    pub href: String,
    pub when: String,
    pub start_iso: String,
    pub cancelled: bool,
    pub current: bool,
}

/// A stall drawn on the map, in SVG user units.
pub struct MapStall {
    pub x: i64,
    pub y: i64,
    pub text_x: i64,
    pub code_y: i64,
    pub vendor_y: i64,
    pub code: String,
    pub class: String,
    pub food: bool,
    pub vendor: Option<String>,
    /// The vendor's name cut to fit the stall.
    pub vendor_short: String,
}

pub struct VendorCard {
    pub name: String,
    pub category: String,
    pub photo: Option<super::Img>,
}

#[derive(Template)]
#[template(path = "market.html")]
struct MarketPage<'a> {
    page: Layout,
    w: &'a i18n::Words,
    mw: &'a MarketWords,
    title: String,
    theme: String,
    organizer: String,
    venue_name: String,
    venue_href: String,
    address: String,
    maps: Vec<MapLink>,
    description: Vec<String>,
    dates: Vec<DateLink>,
    map_day: Option<String>,
    map: StallMap,
    vendors: Vec<VendorCard>,
    ics_href: String,
}

/// A market's stall plan drawn for one date: `templates/markets/stall_map.html` renders it.
pub struct StallMap {
    pub width: i64,
    pub height: i64,
    pub stalls: Vec<MapStall>,
    /// The same as a table under the map; off where the page has its own table of stalls.
    pub with_table: bool,
}

/// The plan of `market_id` with the vendors on each stall on `date` (none without a date).
pub async fn stall_map(state: &AppState, market_id: i64, date: Option<i64>) -> ApiResult<StallMap> {
    let classes = store::classes(&state.db, market_id).await?;
    let stalls = store::stalls(&state.db, market_id).await?;
    let assignments = store::assignments(&state.db, market_id, None).await?;
    let on_date = |stall_id: i64| {
        date.and_then(|d| {
            assignments
                .iter()
                .find(|a| a.stall_id == stall_id && a.occurrence_id == d)
                .map(|a| a.vendor_name.clone())
        })
    };
    Ok(StallMap {
        with_table: true,
        width: stalls.iter().map(|s| s.grid_x + 1).max().unwrap_or(1) * CELL_W + 12,
        height: stalls.iter().map(|s| s.grid_y + 1).max().unwrap_or(1) * CELL_H + 12,
        stalls: stalls
            .iter()
            .map(|s| {
                let vendor = on_date(s.id);
                MapStall {
                    x: s.grid_x * CELL_W + 6,
                    y: s.grid_y * CELL_H + 6,
                    text_x: s.grid_x * CELL_W + 14,
                    code_y: s.grid_y * CELL_H + 28,
                    vendor_y: s.grid_y * CELL_H + 52,
                    code: s.code.clone(),
                    class: classes
                        .iter()
                        .find(|c| c.id == s.class_id)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    food: s.food_allowed,
                    vendor_short: vendor.as_deref().map(short).unwrap_or_default(),
                    vendor,
                }
            })
            .collect(),
    })
}

const CELL_W: i64 = 110;
const CELL_H: i64 = 70;

fn short(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    // CJK characters are about twice as wide as Latin ones at the same size.
    let budget = if chars.iter().any(|c| !c.is_ascii()) { 6 } else { 11 };
    if chars.len() <= budget {
        name.to_owned()
    } else {
        chars[..budget - 1].iter().collect::<String>() + "…"
    }
}

/// schema.org Event with one `subEvent` per date; `<` escaped so nothing can close the script.
fn json_ld(market: &MarketRow, dates: &[OccurrenceRow], lang: Lang, url: &str) -> String {
    let tz = market.zone.tz();
    let status = |d: &OccurrenceRow| {
        if d.cancelled_at.is_some() {
            "https://schema.org/EventCancelled"
        } else {
            "https://schema.org/EventScheduled"
        }
    };
    let location = json!({
        "@type": "Place",
        "name": lang.pick(&market.venue_name_zh, &market.venue_name_en),
        "address": market.venue_address,
        "geo": {"@type": "GeoCoordinates", "latitude": market.latitude, "longitude": market.longitude},
    });
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": title(market, lang),
        "description": lang.pick(&market.description_zh, &market.description_en),
        "url": url,
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "location": location,
        "organizer": {"@type": "Organization", "name": market.organizer_name},
        "subEvent": dates.iter().map(|d| json!({
            "@type": "Event",
            "name": title(market, lang),
            "startDate": d.starts_at.with_timezone(&tz).to_rfc3339(),
            "endDate": d.ends_at.with_timezone(&tz).to_rfc3339(),
            "eventStatus": status(d),
            "location": location,
        })).collect::<Vec<_>>(),
    });
    if let (Some(first), Some(last)) = (dates.first(), dates.last()) {
        doc["startDate"] = json!(first.starts_at.with_timezone(&tz).to_rfc3339());
        doc["endDate"] = json!(last.ends_at.with_timezone(&tz).to_rfc3339());
    }
    doc.to_string().replace('<', "\\u003c")
}

/// `GET /markets/{slug}`: the market page; `?date={id}` picks the date whose stall map shows.
pub async fn market_page(
    req: &Request,
    state: &AppState,
    slug: &str,
    date: Option<i64>,
) -> poem::Result<Response> {
    let lang = language(req);
    let key = format!("market|{slug}|{}", date.map_or_else(String::new, |d| d.to_string()));
    serve_cached(req, state, lang, key, || async {
        let market = store::find_by_slug(&state.db, slug)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Market {slug:?}")))?;
        let now = state.now();
        let cutoff = tombstone_cutoff(now);
        let dates: Vec<OccurrenceRow> = store::occurrences(&state.db, market.id)
            .await?
            .into_iter()
            .filter(|d| d.cancelled_at.is_none_or(|at| at > cutoff))
            .collect();
        let tz = market.zone.tz();
        // The map shows the chosen date, else the next one to come, else the last.
        let shown = date
            .and_then(|id| dates.iter().find(|d| d.id == id))
            .or_else(|| dates.iter().find(|d| d.cancelled_at.is_none() && d.ends_at > now))
            .or(dates.last());
        let map = stall_map(state, market.id, shown.map(|d| d.id)).await?;

        let public_url = &state.settings.public_url;
        let applications = store::applications(&state.db, market.id, None).await?;
        let photos = store::vendor_photos(&state.db, market.id).await?;
        let vendors = applications
            .iter()
            .filter(|a| a.state == ApplicationState::Accepted)
            .map(|a| VendorCard {
                name: a.vendor_name.clone(),
                category: a.category.clone(),
                photo: photos.iter().find(|(org, _, _)| *org == a.organization_id).and_then(
                    |(_, variants, alt)| {
                        serde_json::from_str::<Vec<StoredVariant>>(variants)
                            .ok()
                            .and_then(|v| img(&v, alt, public_url))
                    },
                ),
            })
            .collect();
        let w = i18n::words(lang);
        let mw = market_words(lang);
        let title = title(&market, lang);
        let description = lang.pick(&market.description_zh, &market.description_en).to_owned();
        let url = format!("{public_url}/markets/{}", market.slug);
        let mut page =
            layout(state, lang, &format!("/markets/{}", market.slug), format!("{title} · {}", w.site), {
                let summary: String = description.chars().take(160).collect();
                if summary.is_empty() { title.clone() } else { summary }
            });
        page.og_type = "article";
        page.json_ld = Some(json_ld(&market, &dates, lang, &url));
        let last_modified =
            dates.iter().map(|d| d.updated_at).chain([market.updated_at]).max().unwrap_or(market.updated_at);
        let template = MarketPage {
            page,
            w,
            mw,
            theme: market.theme.clone(),
            organizer: market.organizer_name.clone(),
            venue_name: lang.pick(&market.venue_name_zh, &market.venue_name_en).to_owned(),
            venue_href: format!("/venues/{}", market.venue_slug),
            address: market.venue_address.clone(),
            maps: maps::links(
                Point::new(market.latitude, market.longitude),
                lang.pick(&market.venue_name_zh, &market.venue_name_en),
                lang,
            ),
            description: description
                .split('\n')
                .filter(|p| !p.trim().is_empty())
                .map(str::to_owned)
                .collect(),
            dates: dates
                .iter()
                .map(|d| DateLink {
                    href: format!("/markets/{}?date={}", market.slug, d.id),
                    when: i18n::span(lang, d.starts_at, d.ends_at, tz),
                    start_iso: d.starts_at.to_rfc3339(),
                    cancelled: d.cancelled_at.is_some(),
                    current: shown.is_some_and(|s| s.id == d.id),
                })
                .collect(),
            map_day: shown.map(|d| i18n::date(lang, d.starts_at.with_timezone(&tz))),
            map,
            vendors,
            ics_href: format!("/markets/{}.ics", market.slug),
            title,
        };
        Ok(Built { content_type: HTML, body: render(&template)?.into(), last_modified })
    })
    .await
}

/// `GET /markets/{file}`: the market page, or `{slug}.ics` its dates as a calendar.
#[handler]
pub async fn market_file(
    req: &Request,
    state: Data<&AppState>,
    Path(file): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    match file.strip_suffix(".ics") {
        Some(slug) => {
            feeds::market_ics(req, &state, slug, Lang::parse(query.get("lang").map(String::as_str))).await
        }
        None => {
            let date = query.get("date").and_then(|d| d.parse::<i64>().ok());
            market_page(req, &state, &file, date).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_vendor_names_are_cut_to_fit_a_stall() {
        assert_eq!(short("Blue Mugs"), "Blue Mugs");
        assert_eq!(short("Ouhai Ceramics Studio"), "Ouhai Cera…");
        assert_eq!(short("瓯海陶艺工作室"), "瓯海陶艺工…");
    }
}
