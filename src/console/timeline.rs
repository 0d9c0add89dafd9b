//! The venue timeline (`/staff/timeline?week=2027-W05` or `?month=2027-02`): venues as rows,
//! grouped core, malls, others; days across; approved, pending and blackout blocks told apart by
//! a sign and a word as well as colour, each booking a link. An HTML grid: readable without
//! JavaScript, printable.

use crate::console::Staff;
use askama::Template;
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc};
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Query},
};
use serde::Deserialize;

use super::words::{ConsoleWords, console_words};
use crate::{
    bookings::{
        BookingState,
        store::{self as booking_store, BookingFilter, BookingRow},
    },
    error::{ApiError, ApiResult},
    pages::i18n,
    state::AppState,
    values::{Lang, Zone},
    venues::{self, ShowcaseTier, Venue, Weekday},
    web::{Csrf, Shell, Words, language, page, words::words},
};

/// The days a timeline shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub first: NaiveDate,
    pub days: i64,
    pub month: bool,
}

impl Range {
    /// `week=2027-W05`, else `month=2027-02`, else the week of `today`.
    pub fn parse(week: Option<&str>, month: Option<&str>, today: NaiveDate) -> ApiResult<Self> {
        if let Some(raw) = month.filter(|m| !m.is_empty()) {
            let first = NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d")
                .ok()
                .filter(|d| (1970..=9998).contains(&d.year()))
                .ok_or_else(|| ApiError::invalid("month", crate::error::Invalid::new("month")))?;
            let next = first.checked_add_months(chrono::Months::new(1)).expect("within range");
            return Ok(Self { first, days: (next - first).num_days(), month: true });
        }
        let first = match week.filter(|w| !w.is_empty()) {
            Some(raw) => raw
                .split_once("-W")
                .and_then(|(y, w)| {
                    NaiveDate::from_isoywd_opt(y.parse().ok()?, w.parse().ok()?, chrono::Weekday::Mon)
                })
                .filter(|d| (1970..=9998).contains(&d.year()))
                .ok_or_else(|| ApiError::invalid("week", crate::error::Invalid::new("week")))?,
            None => today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday())),
        };
        Ok(Self { first, days: 7, month: false })
    }

    fn bounds(&self, tz: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let at = |d: NaiveDate| {
            tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
                .earliest()
                .map_or_else(|| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc(), |t| t.to_utc())
        };
        (at(self.first), at(self.first + TimeDelta::days(self.days)))
    }

    fn links(&self) -> (String, String) {
        if self.month {
            let previous = self.first.checked_sub_months(chrono::Months::new(1)).unwrap_or(self.first);
            let next = self.first.checked_add_months(chrono::Months::new(1)).unwrap_or(self.first);
            (
                format!("/staff/timeline?month={}", previous.format("%Y-%m")),
                format!("/staff/timeline?month={}", next.format("%Y-%m")),
            )
        } else {
            let week = |d: NaiveDate| {
                format!("/staff/timeline?week={}-W{:02}", d.iso_week().year(), d.iso_week().week())
            };
            (week(self.first - TimeDelta::days(7)), week(self.first + TimeDelta::days(7)))
        }
    }
}

pub struct Block {
    pub kind: &'static str,
    pub sign: &'static str,
    pub text: String,
    pub href: Option<String>,
}

pub struct VenueRow {
    pub name: String,
    pub cells: Vec<Vec<Block>>,
}

pub struct TierGroup {
    pub heading: &'static str,
    pub rows: Vec<VenueRow>,
}

#[derive(Template)]
#[template(path = "console/timeline.html")]
pub struct TimelinePage {
    shell: Shell,
    w: &'static Words,
    c: &'static ConsoleWords,
    heading: String,
    days: Vec<String>,
    groups: Vec<TierGroup>,
    previous_href: String,
    next_href: String,
    week_href: String,
    month_href: String,
}

/// The grid: for each venue and day, its blocks in start order (pure, for the page and the
/// benchmark).
pub fn grid(
    lang: Lang,
    c: &ConsoleWords,
    venues: &[Venue],
    bookings: &[BookingRow],
    range: Range,
) -> Vec<TierGroup> {
    let mut groups = Vec::new();
    for (tier, heading) in
        [(ShowcaseTier::Core, c.core), (ShowcaseTier::Main, c.malls), (ShowcaseTier::Other, c.others_tier)]
    {
        let mut rows = Vec::new();
        for venue in venues.iter().filter(|v| v.tier == tier) {
            let tz = venue.tz();
            let mut cells = Vec::with_capacity(range.days as usize);
            for offset in 0..range.days {
                let day = Range { first: range.first + TimeDelta::days(offset), days: 1, month: false };
                let (start, end) = day.bounds(tz);
                let time = |a: DateTime<Utc>, b: DateTime<Utc>| {
                    format!(
                        "{}–{}",
                        a.with_timezone(&tz).format("%H:%M"),
                        b.with_timezone(&tz).format("%H:%M")
                    )
                };
                let mut blocks: Vec<(DateTime<Utc>, Block)> = Vec::new();
                for b in bookings
                    .iter()
                    .filter(|b| b.venue_id == venue.id && b.starts_at < end && b.ends_at > start)
                {
                    let (kind, sign) = if b.state == BookingState::Approved {
                        ("approved", "■")
                    } else {
                        ("pending", "▨")
                    };
                    let title = lang.pick(&b.title_zh, &b.title_en);
                    let buffers = if b.setup_minutes + b.teardown_minutes > 0 {
                        format!(" (−{}′/+{}′)", b.setup_minutes, b.teardown_minutes)
                    } else {
                        String::new()
                    };
                    blocks.push((
                        b.starts_at,
                        Block {
                            kind,
                            sign,
                            text: format!(
                                "{}{buffers} {title}",
                                time(b.starts_at.max(start), b.ends_at.min(end))
                            ),
                            href: Some(format!("/staff/bookings/{}", b.id)),
                        },
                    ));
                }
                for blackout in venue.blackouts.iter().filter(|x| x.starts_at < end && x.ends_at > start) {
                    blocks.push((
                        blackout.starts_at,
                        Block {
                            kind: "blackout",
                            sign: "✕",
                            text: format!(
                                "{} {}",
                                time(blackout.starts_at.max(start), blackout.ends_at.min(end)),
                                blackout.reason
                            ),
                            href: None,
                        },
                    ));
                }
                blocks.sort_by_key(|(at, _)| *at);
                cells.push(blocks.into_iter().map(|(_, b)| b).collect());
            }
            rows.push(VenueRow { name: lang.pick(&venue.name_zh, &venue.name_en).to_owned(), cells });
        }
        if !rows.is_empty() {
            groups.push(TierGroup { heading, rows });
        }
    }
    groups
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TimelineQuery {
    week: Option<String>,
    month: Option<String>,
}

/// `GET /staff/timeline`.
#[handler]
pub async fn timeline(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<TimelineQuery>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let lang = language(req);
    let (w, c, csrf) = (words(lang), console_words(lang), Csrf::of(req, &state));
    let tz = Zone::default().tz();
    let range = Range::parse(
        query.week.as_deref(),
        query.month.as_deref(),
        state.now().with_timezone(&tz).date_naive(),
    )?;
    let (from, to) = range.bounds(tz);
    let venues = venues::store::list(&state.db, &Default::default(), 0, 100).await?;
    let filter = BookingFilter { from: Some(from), to: Some(to), ..Default::default() };
    let mut bookings = booking_store::list(&state.db, &filter, 0, 10_000).await?;
    bookings.retain(|b| matches!(b.state, BookingState::Approved | BookingState::Submitted));
    let groups = grid(lang, c, &venues, &bookings, range);
    let days = (0..range.days)
        .map(|i| {
            let d = range.first + TimeDelta::days(i);
            format!("{} {}", i18n::weekday_name(lang, Weekday::from_chrono(d.weekday())), d.format("%m-%d"))
        })
        .collect();
    let (previous_href, next_href) = range.links();
    let heading = if range.month {
        range.first.format("%Y-%m").to_string()
    } else {
        format!("{} – {}", range.first.format("%Y-%m-%d"), (range.first + TimeDelta::days(6)).format("%m-%d"))
    };
    let iso = range.first.iso_week();
    let template = TimelinePage {
        shell: Shell::new(req, lang, w.timeline_nav, &csrf, Some(&me)),
        w,
        c,
        heading,
        days,
        groups,
        previous_href,
        next_href,
        week_href: format!("/staff/timeline?week={}-W{:02}", iso.year(), iso.week()),
        month_href: format!("/staff/timeline?month={}", range.first.format("%Y-%m")),
    };
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_weeks_or_months() {
        let today = NaiveDate::from_ymd_opt(2027, 2, 3).unwrap();
        let week = Range::parse(None, None, today).unwrap();
        assert_eq!((week.first, week.days), (NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(), 7));
        let w05 = Range::parse(Some("2027-W05"), None, today).unwrap();
        assert_eq!(w05.first, NaiveDate::from_ymd_opt(2027, 2, 1).unwrap());
        let february = Range::parse(None, Some("2027-02"), today).unwrap();
        assert_eq!((february.days, february.month), (28, true));
        assert!(Range::parse(Some("soon"), None, today).is_err());
        assert!(Range::parse(None, Some("1900-01"), today).is_err());
    }
}
