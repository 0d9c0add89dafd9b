//! Pop-up and night markets: an organizer's market on an approved market booking, its dates, its
//! stall plan, the vendor call, review with a waitlist, and stalls given out per date.
//!
//! Invariants:
//! - every date of a market lies within its booking's approved time;
//! - a stall goes to one vendor per date, a vendor gets one stall per date, and a food vendor only
//!   a stall whose class allows food: all three are constraints in the schema
//!   (`stall_assignments`), so no race and no later change of a class can break them;
//! - an application moves only along [`MOVES`]; when an accepted vendor withdraws, the first
//!   waitlisted vendor is offered the place until [`OFFER_HOURS`] pass, then the next one.

pub mod api;
mod plan;
pub mod service;
pub mod store;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

use crate::{
    error::{ApiError, ApiResult, ConflictInfo, Invalid, Violations},
    values::{
        text::{bilingual_title, optional_text, required_text, text_enum, validate_slug},
        time::parse_time,
    },
};

pub use self::plan::{StallClassInput, StallInput, StallPlanInput, validate_plan};

/// How long a waitlisted vendor has to take up a freed place.
pub const OFFER_HOURS: i64 = 48;
/// The most dates one market may have.
pub const MAX_OCCURRENCES: usize = 400;
/// The most stalls in one plan, and the largest grid coordinate.
pub const MAX_STALLS: usize = 500;
pub const MAX_GRID: i64 = 99;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(rename = "MarketApplicationState")]
pub enum ApplicationState {
    Submitted,
    Accepted,
    Waitlisted,
    /// A waitlisted vendor offered a freed place, until `offer_expires_at`.
    Offered,
    Rejected,
    Withdrawn,
    /// The vendor turned an offer down.
    Declined,
    /// An offer ran out before the vendor took it.
    Lapsed,
}
text_enum!(ApplicationState {
    Submitted => "submitted", Accepted => "accepted", Waitlisted => "waitlisted", Offered => "offered",
    Rejected => "rejected", Withdrawn => "withdrawn", Declined => "declined", Lapsed => "lapsed",
});

/// What a request asks to do with a vendor's application
/// (`POST /api/v1/market-applications/{id}/{action}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "kebab-case")]
#[serde(rename_all = "kebab-case")]
#[oai(rename = "MarketApplicationAction")]
pub enum ApplicationAction {
    Accept,
    Waitlist,
    Reject,
    Withdraw,
    AcceptOffer,
    DeclineOffer,
}
text_enum!(ApplicationAction {
    Accept => "accept", Waitlist => "waitlist", Reject => "reject", Withdraw => "withdraw",
    AcceptOffer => "accept-offer", DeclineOffer => "decline-offer",
});

/// Who acts on an application: the market's organizer (or staff), or the vendor that applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Organizer,
    Vendor,
}

/// Every allowed move: from, action, who may, to.
pub const MOVES: &[(ApplicationState, ApplicationAction, Party, ApplicationState)] = {
    use ApplicationAction::*;
    use ApplicationState::*;
    use Party::*;
    &[
        (Submitted, Accept, Organizer, Accepted),
        (Submitted, Waitlist, Organizer, Waitlisted),
        (Submitted, Reject, Organizer, Rejected),
        (Waitlisted, Accept, Organizer, Accepted),
        (Waitlisted, Reject, Organizer, Rejected),
        (Submitted, Withdraw, Vendor, Withdrawn),
        (Waitlisted, Withdraw, Vendor, Withdrawn),
        (Accepted, Withdraw, Vendor, Withdrawn),
        (Offered, AcceptOffer, Vendor, Accepted),
        (Offered, DeclineOffer, Vendor, Declined),
    ]
};

/// The one place that decides whether a move is allowed.
pub fn transition(
    from: ApplicationState,
    action: ApplicationAction,
    party: Party,
) -> ApiResult<ApplicationState> {
    match MOVES.iter().find(|(f, a, _, _)| *f == from && *a == action) {
        Some((_, _, who, to)) if *who == party => Ok(*to),
        Some((_, _, Party::Organizer, _)) => Err(ApiError::forbidden(
            crate::error::Refusal::new("organizer-only-application").with("action", action.as_str()),
        )),
        Some((_, _, Party::Vendor, _)) => Err(ApiError::forbidden(
            crate::error::Refusal::new("vendor-only-application").with("action", action.as_str()),
        )),
        None => Err(ApiError::conflict_with(
            crate::error::Reason::new("stall-application-not-now")
                .with("state", from.as_str())
                .with("action", action.as_str()),
            ConflictInfo { current_state: Some(from.as_str().to_owned()), ..Default::default() },
        )),
    }
}

/// Whether a market date takes place; a cancelled one stays in feeds as a tombstone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum DateStatus {
    Confirmed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum FeeState {
    Due,
    Paid,
    Waived,
}
text_enum!(FeeState { Due => "due", Paid => "paid", Waived => "waived" });

/// One date given as two times (venue time or RFC 3339).
#[derive(Debug, Clone, Object, Deserialize)]
pub struct DateInput {
    pub starts_at: String,
    pub ends_at: String,
}

/// A series of dates: the given weekdays from `first_date` for `weeks` weeks, each from
/// `start_time` to `end_time` in venue time (an end at or before the start runs past midnight).
#[derive(Debug, Clone, Object, Deserialize)]
pub struct SeriesInput {
    /// Weekdays as `mon` … `sun`.
    pub weekdays: Vec<String>,
    /// `18:00`
    pub start_time: String,
    /// `23:00`
    pub end_time: String,
    /// `2026-12-04`
    pub first_date: String,
    pub weeks: i64,
}

/// Dates to add to a market: single dates, a series, or both.
#[derive(Debug, Clone, Default, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct DatesInput {
    #[oai(default)]
    #[serde(default)]
    pub dates: Vec<DateInput>,
    pub series: Option<SeriesInput>,
}

#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct MarketInput {
    /// An approved market-format booking of the organizer's.
    pub booking_id: i64,
    /// The market's address under `/markets/`; made from the English title when left out.
    pub slug: Option<String>,
    #[oai(default)]
    #[serde(default)]
    pub title_zh: String,
    #[oai(default)]
    #[serde(default)]
    pub title_en: String,
    #[oai(default)]
    #[serde(default)]
    pub description_zh: String,
    #[oai(default)]
    #[serde(default)]
    pub description_en: String,
    /// Night market, spring market, snack street, craft fair…
    pub theme: String,
    #[oai(default)]
    #[serde(default)]
    pub dates: Vec<DateInput>,
    pub series: Option<SeriesInput>,
}

/// A market's text, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketText {
    pub slug: Option<String>,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub theme: String,
}

/// A start and an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl MarketInput {
    pub fn text(&self, v: &mut Violations) -> Option<MarketText> {
        let slug = self
            .slug
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| v.check("slug", validate_slug(s)));
        let (title_zh, title_en) = bilingual_title(v, &self.title_zh, &self.title_en);
        let description_zh = v.check("description_zh", optional_text(&self.description_zh, 10_000));
        let description_en = v.check("description_en", optional_text(&self.description_en, 10_000));
        let theme = v.check("theme", required_text(&self.theme, 100));
        Some(MarketText {
            slug,
            title_zh: title_zh?,
            title_en: title_en?,
            description_zh: description_zh?,
            description_en: description_en?,
            theme: theme?,
        })
    }
}

fn weekday(raw: &str) -> Result<Weekday, Invalid> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "mon" => Ok(Weekday::Mon),
        "tue" => Ok(Weekday::Tue),
        "wed" => Ok(Weekday::Wed),
        "thu" => Ok(Weekday::Thu),
        "fri" => Ok(Weekday::Fri),
        "sat" => Ok(Weekday::Sat),
        "sun" => Ok(Weekday::Sun),
        other => Err(Invalid::new("weekday").with("typed", other)),
    }
}

fn clock_time(raw: &str) -> Result<NaiveTime, Invalid> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map_err(|_| Invalid::new("clock-time").with("typed", raw.trim()))
}

fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> Result<DateTime<Utc>, Invalid> {
    tz.from_local_datetime(&date.and_time(time)).earliest().map(|t| t.to_utc()).ok_or_else(|| {
        Invalid::new("time-gap")
            .with("typed", format!("{date} {}", time.format("%H:%M")))
            .with("zone", tz.name())
    })
}

/// Expands dates and a series into spans, sorted, naming every bad field. Every span must lie
/// within `within` (the booking's approved time); duplicates are merged.
pub fn expand_dates(
    dates: &[DateInput],
    series: Option<&SeriesInput>,
    tz: Tz,
    within: Span,
    v: &mut Violations,
) -> Vec<Span> {
    let mut spans = Vec::new();
    for (i, date) in dates.iter().enumerate() {
        let start = v.check(format!("dates[{i}].starts_at"), parse_time(&date.starts_at, tz));
        let end = v.check(format!("dates[{i}].ends_at"), parse_time(&date.ends_at, tz));
        if let (Some(starts_at), Some(ends_at)) = (start, end) {
            if ends_at <= starts_at {
                v.add(format!("dates[{i}].ends_at"), Invalid::new("end-after-start"));
            } else if starts_at < within.starts_at || ends_at > within.ends_at {
                v.add(format!("dates[{i}]"), outside(within, tz, false));
            } else {
                spans.push(Span { starts_at, ends_at });
            }
        }
    }
    if let Some(series) = series {
        spans.extend(expand_series(series, tz, within, v));
    }
    spans.sort_by_key(|s| s.starts_at);
    spans.dedup_by_key(|s| s.starts_at);
    if spans.len() > MAX_OCCURRENCES {
        v.add("dates", Invalid::new("too-many-dates").with("max", MAX_OCCURRENCES));
    }
    spans
}

/// A date outside the booking it rests on; `every` when a series named it.
fn outside(within: Span, tz: Tz, every: bool) -> Invalid {
    let local = |t: DateTime<Utc>| crate::values::time::local_time(t, tz).replace('T', " ");
    Invalid::new("outside-booking")
        .with("from", local(within.starts_at))
        .with("to", local(within.ends_at))
        .with("every", if every { "yes" } else { "no" })
}

fn expand_series(series: &SeriesInput, tz: Tz, within: Span, v: &mut Violations) -> Vec<Span> {
    let mut weekdays = Vec::new();
    for (i, raw) in series.weekdays.iter().enumerate() {
        weekdays.extend(v.check(format!("series.weekdays[{i}]"), weekday(raw)));
    }
    if series.weekdays.is_empty() {
        v.add("series.weekdays", Invalid::new("weekday-required"));
    }
    let start = v.check("series.start_time", clock_time(&series.start_time));
    let end = v.check("series.end_time", clock_time(&series.end_time));
    let first = v.check(
        "series.first_date",
        NaiveDate::parse_from_str(series.first_date.trim(), "%Y-%m-%d")
            .map_err(|_| Invalid::new("date").with("typed", series.first_date.trim())),
    );
    if !(1..=52).contains(&series.weeks) {
        v.add("series.weeks", Invalid::new("weeks-range"));
    }
    let (Some(start), Some(end), Some(first)) = (start, end, first) else { return Vec::new() };
    if weekdays.is_empty() || !(1..=52).contains(&series.weeks) {
        return Vec::new();
    }
    let mut spans = Vec::new();
    let mut outside_any = false;
    for day in 0..series.weeks * 7 {
        let date = first + TimeDelta::days(day);
        if !weekdays.contains(&date.weekday()) {
            continue;
        }
        let end_date = if end <= start { date.succ_opt().unwrap_or(date) } else { date };
        match (local_instant(tz, date, start), local_instant(tz, end_date, end)) {
            (Ok(starts_at), Ok(ends_at)) => {
                if starts_at < within.starts_at || ends_at > within.ends_at {
                    outside_any = true;
                } else {
                    spans.push(Span { starts_at, ends_at });
                }
            }
            (Err(m), _) | (_, Err(m)) => v.add("series", m),
        }
    }
    if outside_any {
        v.add("series", outside(within, tz, true));
    }
    spans
}

/// A vendor's application as it comes in.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(rename = "MarketApplicationInput")]
pub struct ApplicationInput {
    /// Food, crafts, fashion, drinks…
    pub category: String,
    pub products: String,
    #[oai(default)]
    #[serde(default)]
    pub description: String,
    /// Food vendors need a stall whose class allows food, and a food permit image to be accepted.
    pub sells_food: bool,
    /// Preferred stall class, by id.
    pub preferred_class_id: Option<i64>,
    /// The dates wanted, by occurrence id; all of them when empty.
    #[oai(default)]
    #[serde(default)]
    pub occurrence_ids: Vec<i64>,
}

/// A slug for a market: its English title (or theme) in lower-case ASCII, or `market-{n}`.
/// Shared by calls, which are named the same way.
pub fn market_slug(title_en: &str, theme: &str, n: i64) -> String {
    let source = if title_en.trim().is_empty() { theme } else { title_en };
    let slug = crate::values::text::slug_words(source, 50);
    if slug.len() < 3 { format!("market-{n}") } else { format!("{slug}-{n}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai() -> Tz {
        chrono_tz::Asia::Shanghai
    }

    fn span(from: &str, to: &str) -> Span {
        Span {
            starts_at: parse_time(from, shanghai()).unwrap(),
            ends_at: parse_time(to, shanghai()).unwrap(),
        }
    }

    fn series(weekdays: &[&str], weeks: i64) -> SeriesInput {
        SeriesInput {
            weekdays: weekdays.iter().map(|d| d.to_string()).collect(),
            start_time: "18:00".into(),
            end_time: "23:00".into(),
            first_date: "2026-12-04".into(),
            weeks,
        }
    }

    #[test]
    fn a_series_expands_to_every_friday_and_saturday_for_eight_weeks() {
        let within = span("2026-12-01T00:00", "2027-02-01T00:00");
        let mut v = Violations::default();
        let spans = expand_dates(&[], Some(&series(&["fri", "sat"], 8)), shanghai(), within, &mut v);
        assert!(v.finish(|| ()).is_ok());
        assert_eq!(spans.len(), 16);
        assert_eq!(spans[0], span("2026-12-04T18:00", "2026-12-04T23:00"));
        assert_eq!(spans[1], span("2026-12-05T18:00", "2026-12-05T23:00"));
        assert_eq!(spans[15], span("2027-01-23T18:00", "2027-01-23T23:00"));
    }

    #[test]
    fn a_series_past_midnight_ends_the_next_day() {
        let within = span("2026-12-01T00:00", "2027-02-01T00:00");
        let mut s = series(&["sat"], 1);
        s.end_time = "02:00".into();
        let mut v = Violations::default();
        let spans = expand_dates(&[], Some(&s), shanghai(), within, &mut v);
        assert_eq!(spans, [span("2026-12-05T18:00", "2026-12-06T02:00")]);
    }

    #[test]
    fn dates_outside_the_booking_and_bad_fields_are_named() {
        let within = span("2026-12-04T00:00", "2026-12-06T00:00");
        let mut v = Violations::default();
        let dates = [
            DateInput { starts_at: "2026-12-04T18:00".into(), ends_at: "2026-12-04T23:00".into() },
            DateInput { starts_at: "2026-12-09T18:00".into(), ends_at: "2026-12-09T23:00".into() },
            DateInput { starts_at: "soon".into(), ends_at: "2026-12-04T23:00".into() },
        ];
        let mut bad = series(&["fri", "someday"], 2);
        bad.start_time = "6pm".into();
        let spans = expand_dates(&dates, Some(&bad), shanghai(), within, &mut v);
        assert_eq!(spans.len(), 1);
        let Err(ApiError::Validation(errors)) = v.finish(|| ()) else { panic!("expected violations") };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["dates[1]", "dates[2].starts_at", "series.weekdays[1]", "series.start_time"]);
    }

    #[test]
    fn plans_refuse_unknown_classes_duplicates_and_off_grid_stalls() {
        let class = StallClassInput {
            name: "Food".into(),
            size_m2: 9,
            power: true,
            water: true,
            food_allowed: true,
            fee_fen: 20_000,
        };
        let stall =
            |code: &str, class: &str, x, y| StallInput { code: code.into(), class: class.into(), x, y };
        let plan = StallPlanInput {
            classes: vec![class],
            stalls: vec![
                stall("a01", "Food", 0, 0),
                stall("A01", "Food", 1, 0),
                stall("A02", "Craft", 2, 0),
                stall("A03", "Food", 0, 0),
                stall("A04", "Food", 100, 0),
            ],
        };
        let Err(ApiError::Validation(errors)) = validate_plan(&plan) else { panic!("expected violations") };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["stalls[1].code", "stalls[2].class", "stalls[3].x", "stalls[4].x"]);
        let good = StallPlanInput { classes: plan.classes.clone(), stalls: vec![stall("a01", "Food", 0, 0)] };
        assert_eq!(validate_plan(&good).unwrap().stalls[0].code, "A01");
    }

    #[test]
    fn only_the_listed_moves_are_allowed_and_each_by_its_party() {
        use ApplicationAction::*;
        use ApplicationState::*;
        assert_eq!(transition(Submitted, Accept, Party::Organizer).unwrap(), Accepted);
        assert_eq!(transition(Offered, AcceptOffer, Party::Vendor).unwrap(), Accepted);
        assert!(matches!(transition(Submitted, Accept, Party::Vendor), Err(ApiError::Forbidden { .. })));
        assert!(matches!(transition(Accepted, Withdraw, Party::Organizer), Err(ApiError::Forbidden { .. })));
        assert!(matches!(transition(Rejected, Accept, Party::Organizer), Err(ApiError::Conflict { .. })));
        assert!(matches!(transition(Lapsed, AcceptOffer, Party::Vendor), Err(ApiError::Conflict { .. })));
    }

    #[test]
    fn slugs_come_from_the_english_title() {
        assert_eq!(market_slug("Moonlight Night Market!", "night", 3), "moonlight-night-market-3");
        assert_eq!(market_slug("", "夜市", 4), "market-4");
        assert!(validate_slug("wuma-nights").is_ok());
        assert!(validate_slug("Wuma Nights").is_err());
    }
}
