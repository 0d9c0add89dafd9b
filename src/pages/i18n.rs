//! The words of the public pages in zh-CN and en, and locale-aware dates and numbers.

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;

use crate::{
    bookings::{Format, Reach},
    values::Lang,
    venues::{VenueKind, Weekday},
};

crate::words::catalogue! {
    /// Every fixed text on the pages, in one language.
    pub struct Words in "page" {
        site,
        tagline,
        nav_events,
        nav_venues,
        nav_markets,
        nav_calls,
        /// To the portal: signed-out visitors are sent to sign in first. Public pages are cached
        /// for everyone, so the link cannot change with who is signed in.
        nav_sign_in,
        nav_register,
        switch_label,
        skip,
        qr_caption,
        upcoming,
        filter,
        venue,
        kind,
        format,
        reach,
        from,
        any,
        apply,
        subscribe,
        subscribe_help,
        https_feed,
        rss,
        by_email,
        no_events,
        cancelled,
        rescheduled,
        previously,
        reason,
        when,
        where_,
        brand,
        add_to_calendar,
        download_ics,
        venue_feed,
        print_poster,
        capacity,
        people,
        hours,
        closed,
        indoor,
        outdoor,
        upcoming_here,
        all_events,
        list_view,
        month_view,
        previous_month,
        next_month,
        more,
        photos,
    }
}

pub fn words(lang: Lang) -> &'static Words {
    Words::of(lang)
}

crate::words::catalogue! {
    /// Kinds of venue, formats of debut and how far a debut reaches.
    pub struct NameWords in "name" {
        street,
        hall,
        stage,
        mall,
        plaza,
        other,
        launch,
        show,
        exhibition,
        market,
        global,
        asia,
        national,
        provincial,
        city,
    }
}

crate::words::catalogue! {
    /// Short weekday and month names.
    pub struct CalendarWords in "calendar" {
        mon, tue, wed, thu, fri, sat, sun,
        jan, feb, mar, apr, may, jun, jul, aug, sep, oct, nov, dec,
        /// Between a date and its time of day.
        date_time_separator,
    }
}

pub fn kind_name(lang: Lang, kind: VenueKind) -> &'static str {
    let w = NameWords::of(lang);
    match kind {
        VenueKind::Street => w.street,
        VenueKind::Hall => w.hall,
        VenueKind::Stage => w.stage,
        VenueKind::Mall => w.mall,
        VenueKind::Plaza => w.plaza,
        VenueKind::Other => w.other,
    }
}

pub fn format_name(lang: Lang, format: Format) -> &'static str {
    let w = NameWords::of(lang);
    match format {
        Format::Launch => w.launch,
        Format::Show => w.show,
        Format::Exhibition => w.exhibition,
        Format::Market => w.market,
        Format::Other => w.other,
    }
}

pub fn reach_name(lang: Lang, reach: Reach) -> &'static str {
    let w = NameWords::of(lang);
    match reach {
        Reach::Global => w.global,
        Reach::Asia => w.asia,
        Reach::National => w.national,
        Reach::Provincial => w.provincial,
        Reach::City => w.city,
    }
}

pub fn weekday_name(lang: Lang, day: Weekday) -> &'static str {
    let w = CalendarWords::of(lang);
    [w.mon, w.tue, w.wed, w.thu, w.fri, w.sat, w.sun][day.index() as usize]
}

fn month_name(lang: Lang, month0: u32) -> &'static str {
    let w = CalendarWords::of(lang);
    [w.jan, w.feb, w.mar, w.apr, w.may, w.jun, w.jul, w.aug, w.sep, w.oct, w.nov, w.dec][month0 as usize]
}

/// A date in the locale: `2026年12月4日（周五）` or `Fri 4 Dec 2026` (`calendar-date`).
pub fn date(lang: Lang, at: DateTime<Tz>) -> String {
    let day = weekday_name(lang, Weekday::from_chrono(at.weekday()));
    // Numbers go in as text: Fluent would format a year by the locale's number rules.
    crate::words::text_with(
        lang,
        "calendar-date",
        &[
            ("year", at.year().to_string().into()),
            ("month", at.month().to_string().into()),
            ("month_name", month_name(lang, at.month0()).into()),
            ("day", at.day().to_string().into()),
            ("weekday", day.into()),
        ],
    )
}

fn clock(at: DateTime<Tz>) -> String {
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// A span in the venue's zone: `2026年12月4日（周五）19:00–21:00`, with the end date when it
/// falls on another day.
pub fn span(lang: Lang, start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> String {
    let (start, end) = (start.with_timezone(&tz), end.with_timezone(&tz));
    let separator = CalendarWords::of(lang).date_time_separator;
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
