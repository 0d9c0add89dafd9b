//! A venue's week beside the form: its opening hours, what is taken and what is free.

use chrono::{DateTime, Datelike, IsoWeek, NaiveDate, TimeDelta, TimeZone, Utc};

use crate::{
    bookings::{service, store as booking_store},
    error::{ApiError, ApiResult},
    pages::{Img, i18n},
    state::AppState,
    values::{Lang, time::local_time},
    venues::{self, Venue},
    web::words::words,
};

use super::{call_suffix, now_or};

/// A venue to choose.
pub struct VenueChoice {
    pub href: String,
    pub name: String,
    pub kind: &'static str,
    pub capacity: String,
    pub indoor: &'static str,
    pub photo: Option<Img>,
    pub current: bool,
}

/// A tier of venues.
pub struct VenueGroup {
    pub heading: &'static str,
    pub venues: Vec<VenueChoice>,
}

/// One day of the week view: its name and its blocks in venue time.
pub struct DayRow {
    pub label: String,
    pub blocks: Vec<Block>,
}

pub struct Block {
    pub text: String,
    /// `free` (a link that fills in the form), `busy` or `closed`.
    pub kind: &'static str,
    pub href: Option<String>,
}

pub struct WeekView {
    pub venue_name: String,
    pub zone: String,
    pub heading: String,
    pub previous_href: String,
    pub next_href: String,
    pub days: Vec<DayRow>,
}

fn iso_week(week: IsoWeek) -> String {
    format!("{}-W{:02}", week.year(), week.week())
}

/// The week's days with their free and busy blocks, in venue time. Free is opening hours minus
/// blackouts minus approved bookings with their setup and teardown; busy is another booking's
/// time, never its title.
pub(super) async fn week_view(
    state: &AppState,
    venue: &Venue,
    lang: Lang,
    week: Option<&str>,
    call: Option<i64>,
) -> ApiResult<WeekView> {
    let suffix = call_suffix(call);
    let w = words(lang);
    let tz = venue.tz();
    let today = state.now().with_timezone(&tz).date_naive();
    let monday = week
        .and_then(|raw| {
            let (year, number) = raw.split_once("-W")?;
            NaiveDate::from_isoywd_opt(year.parse().ok()?, number.parse().ok()?, chrono::Weekday::Mon)
        })
        .unwrap_or_else(|| today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday())));
    let midnight = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))
            .earliest()
            .map(|t| t.to_utc())
    };
    let (Some(from), Some(to)) = (midnight(monday), midnight(monday + TimeDelta::days(7))) else {
        return Err(ApiError::invalid("week", crate::error::Invalid::new("week")));
    };
    let free = service::availability(state, venue, from, to).await?;
    let busy = booking_store::busy_spans(&state.db, venue.id, 0, from, to, false).await?;
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%H:%M").to_string();
    let mut days = Vec::new();
    for offset in 0..7 {
        let day = monday + TimeDelta::days(offset);
        let (Some(start), Some(end)) = (midnight(day), midnight(day + TimeDelta::days(1))) else { continue };
        let mut blocks: Vec<(DateTime<Utc>, Block)> = Vec::new();
        for span in free.iter().filter(|s| s.starts_at < end && s.ends_at > start) {
            let (a, b) = (span.starts_at.max(start), span.ends_at.min(end));
            let pick_end = b.min(a + TimeDelta::hours(2));
            let href = format!(
                "/portal/bookings/new?venue={}&week={}&starts_at={}&ends_at={}{suffix}#details",
                venue.slug,
                iso_week(monday.iso_week()),
                local_time(a, tz),
                local_time(pick_end, tz)
            );
            let text =
                format!("{} {}–{}", w.free, local(a), if b == end { "24:00".into() } else { local(b) });
            blocks.push((a, Block { text, kind: "free", href: (b > now_or(a, state)).then_some(href) }));
        }
        for span in busy.iter().filter(|s| s.start < end && s.end > start) {
            let (a, b) = (span.start.max(start), span.end.min(end));
            let text =
                format!("{} {}–{}", w.busy, local(a), if b == end { "24:00".into() } else { local(b) });
            blocks.push((a, Block { text, kind: "busy", href: None }));
        }
        blocks.sort_by_key(|(at, _)| *at);
        let mut blocks: Vec<Block> = blocks.into_iter().map(|(_, b)| b).collect();
        if blocks.is_empty() {
            blocks.push(Block { text: w.closed.into(), kind: "closed", href: None });
        }
        let weekday = venues::Weekday::from_chrono(day.weekday());
        days.push(DayRow {
            label: format!("{} {}", i18n::weekday_name(lang, weekday), day.format("%m-%d")),
            blocks,
        });
    }
    let link = |d: NaiveDate| {
        format!("/portal/bookings/new?venue={}&week={}{suffix}#week", venue.slug, iso_week(d.iso_week()))
    };
    Ok(WeekView {
        venue_name: lang.pick(&venue.name_zh, &venue.name_en).to_owned(),
        zone: venue.zone.name().to_owned(),
        heading: format!("{} – {}", monday.format("%Y-%m-%d"), (monday + TimeDelta::days(6)).format("%m-%d")),
        previous_href: link(monday - TimeDelta::days(7)),
        next_href: link(monday + TimeDelta::days(7)),
        days,
    })
}
