//! The words of the public pages in zh-CN and en, and locale-aware dates and numbers.

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;

use crate::{
    bookings::{Format, Reach},
    values::Lang,
    venues::{VenueKind, Weekday},
};

/// Every fixed text on the pages, in one language.
pub struct Words {
    pub site: &'static str,
    pub tagline: &'static str,
    pub nav_events: &'static str,
    pub nav_venues: &'static str,
    pub nav_markets: &'static str,
    pub switch_label: &'static str,
    pub skip: &'static str,
    pub upcoming: &'static str,
    pub filter: &'static str,
    pub venue: &'static str,
    pub kind: &'static str,
    pub format: &'static str,
    pub reach: &'static str,
    pub from: &'static str,
    pub any: &'static str,
    pub apply: &'static str,
    pub subscribe: &'static str,
    pub subscribe_help: &'static str,
    pub https_feed: &'static str,
    pub rss: &'static str,
    pub by_email: &'static str,
    pub no_events: &'static str,
    pub cancelled: &'static str,
    pub rescheduled: &'static str,
    pub previously: &'static str,
    pub reason: &'static str,
    pub when: &'static str,
    pub where_: &'static str,
    pub brand: &'static str,
    pub add_to_calendar: &'static str,
    pub download_ics: &'static str,
    pub venue_feed: &'static str,
    pub print_poster: &'static str,
    pub capacity: &'static str,
    pub people: &'static str,
    pub hours: &'static str,
    pub closed: &'static str,
    pub indoor: &'static str,
    pub outdoor: &'static str,
    pub upcoming_here: &'static str,
    pub all_events: &'static str,
    pub list_view: &'static str,
    pub month_view: &'static str,
    pub previous_month: &'static str,
    pub next_month: &'static str,
    pub more: &'static str,
    pub photos: &'static str,
}

pub const ZH: Words = Words {
    site: "Debut 首发首秀",
    tagline: "城区秀场的首发、首秀、首展与市集",
    nav_events: "活动",
    nav_venues: "秀场",
    nav_markets: "市集",
    switch_label: "English",
    skip: "跳到正文",
    upcoming: "近期活动（30 天内）",
    filter: "筛选",
    venue: "秀场",
    kind: "场地类型",
    format: "活动形式",
    reach: "首发级别",
    from: "起始日期",
    any: "全部",
    apply: "筛选",
    subscribe: "订阅此视图",
    subscribe_help: "在日历应用中订阅，活动更新会自动同步。",
    https_feed: "iCal 链接",
    rss: "RSS",
    by_email: "每周邮件：新活动发到邮箱",
    no_events: "暂无符合条件的活动。",
    cancelled: "已取消",
    rescheduled: "已改期",
    previously: "原定",
    reason: "原因",
    when: "时间",
    where_: "地点",
    brand: "品牌",
    add_to_calendar: "加入日历",
    download_ics: "下载 .ics",
    venue_feed: "订阅该秀场日历",
    print_poster: "打印海报（附二维码）",
    capacity: "容量",
    people: "人",
    hours: "开放时间",
    closed: "休息",
    indoor: "室内",
    outdoor: "室外",
    upcoming_here: "即将举行",
    all_events: "全部活动",
    list_view: "列表",
    month_view: "月视图",
    previous_month: "上个月",
    next_month: "下个月",
    more: "更多",
    photos: "照片",
};

pub const EN: Words = Words {
    site: "Debut",
    tagline: "Launches, shows, exhibitions and markets in the district's showcase venues",
    nav_events: "Events",
    nav_venues: "Venues",
    nav_markets: "Markets",
    switch_label: "中文",
    skip: "Skip to content",
    upcoming: "Coming up (next 30 days)",
    filter: "Filter",
    venue: "Venue",
    kind: "Venue kind",
    format: "Format",
    reach: "Debut reach",
    from: "From",
    any: "Any",
    apply: "Apply",
    subscribe: "Subscribe to this view",
    subscribe_help: "Add it to your calendar app; changes and cancellations update by themselves.",
    https_feed: "iCal link",
    rss: "RSS",
    by_email: "New events by e-mail, weekly",
    no_events: "No events match.",
    cancelled: "Cancelled",
    rescheduled: "Rescheduled",
    previously: "Previously",
    reason: "Reason",
    when: "When",
    where_: "Where",
    brand: "Brand",
    add_to_calendar: "Add to calendar",
    download_ics: "Download .ics",
    venue_feed: "Subscribe to this venue",
    print_poster: "Printable poster with a QR code",
    capacity: "Capacity",
    people: "people",
    hours: "Opening hours",
    closed: "closed",
    indoor: "Indoor",
    outdoor: "Outdoor",
    upcoming_here: "Coming up here",
    all_events: "All events",
    list_view: "List",
    month_view: "Month",
    previous_month: "Previous month",
    next_month: "Next month",
    more: "More",
    photos: "Photos",
};

pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

pub fn kind_name(lang: Lang, kind: VenueKind) -> &'static str {
    match (lang, kind) {
        (Lang::Zh, VenueKind::Street) => "步行街",
        (Lang::Zh, VenueKind::Hall) => "客厅/展厅",
        (Lang::Zh, VenueKind::Stage) => "舞台",
        (Lang::Zh, VenueKind::Mall) => "商场",
        (Lang::Zh, VenueKind::Plaza) => "广场",
        (Lang::Zh, VenueKind::Other) => "其他",
        (Lang::En, VenueKind::Street) => "Street",
        (Lang::En, VenueKind::Hall) => "Hall",
        (Lang::En, VenueKind::Stage) => "Stage",
        (Lang::En, VenueKind::Mall) => "Mall",
        (Lang::En, VenueKind::Plaza) => "Plaza",
        (Lang::En, VenueKind::Other) => "Other",
    }
}

pub fn format_name(lang: Lang, format: Format) -> &'static str {
    match (lang, format) {
        (Lang::Zh, Format::Launch) => "首发",
        (Lang::Zh, Format::Show) => "首秀",
        (Lang::Zh, Format::Exhibition) => "首展",
        (Lang::Zh, Format::Market) => "市集",
        (Lang::Zh, Format::Other) => "其他",
        (Lang::En, Format::Launch) => "Launch",
        (Lang::En, Format::Show) => "Show",
        (Lang::En, Format::Exhibition) => "Exhibition",
        (Lang::En, Format::Market) => "Market",
        (Lang::En, Format::Other) => "Other",
    }
}

pub fn reach_name(lang: Lang, reach: Reach) -> &'static str {
    match (lang, reach) {
        (Lang::Zh, Reach::Global) => "全球首发",
        (Lang::Zh, Reach::Asia) => "亚洲首发",
        (Lang::Zh, Reach::National) => "全国首发",
        (Lang::Zh, Reach::Provincial) => "全省首发",
        (Lang::Zh, Reach::City) => "全市首发",
        (Lang::En, Reach::Global) => "Global first",
        (Lang::En, Reach::Asia) => "First in Asia",
        (Lang::En, Reach::National) => "First in China",
        (Lang::En, Reach::Provincial) => "First in the province",
        (Lang::En, Reach::City) => "First in the city",
    }
}

pub fn weekday_name(lang: Lang, day: Weekday) -> &'static str {
    let i = day.index() as usize;
    match lang {
        Lang::Zh => ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][i],
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
    }
}

const MONTHS_EN: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A date in the locale: `2026年12月4日（周五）` or `Fri 4 Dec 2026`.
pub fn date(lang: Lang, at: DateTime<Tz>) -> String {
    let day = weekday_name(lang, Weekday::from_chrono(at.weekday()));
    match lang {
        Lang::Zh => format!("{}年{}月{}日（{day}）", at.year(), at.month(), at.day()),
        Lang::En => format!("{day} {} {} {}", at.day(), MONTHS_EN[at.month0() as usize], at.year()),
    }
}

fn clock(at: DateTime<Tz>) -> String {
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// A span in the venue's zone: `2026年12月4日（周五）19:00–21:00`, with the end date when it
/// falls on another day.
pub fn span(lang: Lang, start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> String {
    let (start, end) = (start.with_timezone(&tz), end.with_timezone(&tz));
    let separator = if lang == Lang::En { ", " } else { " " };
    if start.date_naive() == end.date_naive() {
        format!("{}{separator}{}–{}", date(lang, start), clock(start), clock(end))
    } else {
        format!(
            "{}{separator}{} – {}{separator}{}",
            date(lang, start),
            clock(start),
            date(lang, end),
            clock(end)
        )
    }
}

/// The zone as people read it: `Asia/Shanghai (UTC+08:00)`.
pub fn zone_label(tz: Tz, at: DateTime<Utc>) -> String {
    use chrono::Offset;
    let offset = at.with_timezone(&tz).offset().fix();
    format!("{} (UTC{})", tz.name(), offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn spans_read_naturally_in_both_languages() {
        let tz = chrono_tz::Asia::Shanghai;
        let start = Utc.with_ymd_and_hms(2026, 12, 4, 11, 0, 0).unwrap();
        let end = start + chrono::TimeDelta::hours(2);
        assert_eq!(span(Lang::Zh, start, end, tz), "2026年12月4日（周五） 19:00–21:00");
        assert_eq!(span(Lang::En, start, end, tz), "Fri 4 Dec 2026, 19:00–21:00");
        let late = start + chrono::TimeDelta::hours(7);
        assert_eq!(span(Lang::En, start, late, tz), "Fri 4 Dec 2026, 19:00 – Sat 5 Dec 2026, 02:00");
        assert_eq!(zone_label(tz, start), "Asia/Shanghai (UTC+08:00)");
    }
}
