//! Time rules for bookings, as plain functions of the venue, the slot and `now`.
//!
//! A booking keeps its venue busy from `starts_at - setup` to `ends_at + teardown`; two bookings
//! clash when those busy spans overlap. The public part (`starts_at..ends_at`) must lie inside the
//! venue's opening hours, computed in the venue's zone (windows past midnight included, touching
//! windows merged); the whole busy span must avoid blackouts.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::{
    error::{FieldError, Invalid},
    values::{Lang, time::local_time},
    venues::{OpeningWindow, Venue, Weekday},
    words,
};

/// A half-open span of time `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Interval {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self { start, end }
    }

    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn contains(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn duration(&self) -> TimeDelta {
        self.end - self.start
    }
}

/// A requested slot: the public event and the buffers around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub public: Interval,
    pub setup: TimeDelta,
    pub teardown: TimeDelta,
}

impl Slot {
    pub fn busy(&self) -> Interval {
        Interval::new(self.public.start - self.setup, self.public.end + self.teardown)
    }

    fn shifted_to(&self, start: DateTime<Utc>) -> Self {
        Self { public: Interval::new(start, start + self.public.duration()), ..*self }
    }
}

fn local_instant(tz: Tz, naive: NaiveDateTime) -> DateTime<Utc> {
    // In a DST gap the wall-clock time does not exist; use the first instant after it.
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + TimeDelta::hours(1))).earliest())
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

fn at_minutes(date: NaiveDate, minutes: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN) + TimeDelta::minutes(i64::from(minutes))
}

/// The venue's opening hours between `from` and `to` as merged UTC intervals.
pub fn opening_intervals(
    windows: &[OpeningWindow],
    tz: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Interval> {
    let first = from.with_timezone(&tz).date_naive() - Days::new(1);
    let last = to.with_timezone(&tz).date_naive() + Days::new(1);
    let mut intervals = Vec::new();
    let mut date = first;
    while date <= last {
        let weekday = Weekday::from_chrono(date.weekday());
        for window in windows.iter().filter(|w| w.weekday == weekday) {
            let start = at_minutes(date, window.opens);
            let end_date = if window.crosses_midnight() { date + Days::new(1) } else { date };
            let end = at_minutes(end_date, window.closes);
            let interval = Interval::new(local_instant(tz, start), local_instant(tz, end));
            if interval.end > from && interval.start < to {
                intervals.push(interval);
            }
        }
        date = date + Days::new(1);
    }
    merge(intervals)
}

/// Sorts and merges overlapping or touching intervals.
pub fn merge(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.sort();
    let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
    for interval in intervals {
        match merged.last_mut() {
            Some(last) if interval.start <= last.end => last.end = last.end.max(interval.end),
            _ => merged.push(interval),
        }
    }
    merged
}

/// `intervals` minus every span in `busy`.
pub fn subtract(intervals: &[Interval], busy: &[Interval]) -> Vec<Interval> {
    let busy = merge(busy.to_vec());
    let mut free = Vec::new();
    for interval in intervals {
        let mut cursor = interval.start;
        for b in busy.iter().filter(|b| b.overlaps(interval)) {
            if b.start > cursor {
                free.push(Interval::new(cursor, b.start));
            }
            cursor = cursor.max(b.end);
        }
        if cursor < interval.end {
            free.push(Interval::new(cursor, interval.end));
        }
    }
    free
}

fn blackout_intervals(venue: &Venue) -> Vec<Interval> {
    venue.blackouts.iter().map(|b| Interval::new(b.starts_at, b.ends_at)).collect()
}

/// Free time at the venue: opening hours minus blackouts minus approved bookings' busy spans.
pub fn free_windows(
    venue: &Venue,
    approved_busy: &[Interval],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Interval> {
    let open = opening_intervals(&venue.open_windows, venue.tz(), from, to);
    let mut busy = blackout_intervals(venue);
    busy.extend_from_slice(approved_busy);
    subtract(&open, &busy)
        .into_iter()
        .filter_map(|i| {
            let clipped = Interval::new(i.start.max(from), i.end.min(to));
            (clipped.start < clipped.end).then_some(clipped)
        })
        .collect()
}

/// No booking's public event may last longer than this, whatever the configuration says.
pub const HARD_MAX_DURATION: TimeDelta = TimeDelta::days(90);
/// Setup and teardown are each at most a week (validated on input).
pub const MAX_BUFFER: TimeDelta = TimeDelta::days(7);
/// The longest span any booking keeps a venue busy. Clash queries look back this far only,
/// which keeps them an index range scan however many bookings a venue holds.
pub const MAX_BUSY_SPAN: TimeDelta = TimeDelta::days(90 + 7 + 7);

/// Limits that are configuration, not venue data.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_duration: TimeDelta,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_duration: TimeDelta::days(14) }
    }
}

/// The venue's opening hours as a reader of `lang` reads them: `周一 10:00–22:00、周二 …`.
fn describe_hours(venue: &Venue, lang: Lang) -> String {
    const DAYS: [&str; 7] = [
        "calendar-mon",
        "calendar-tue",
        "calendar-wed",
        "calendar-thu",
        "calendar-fri",
        "calendar-sat",
        "calendar-sun",
    ];
    let day = |w: Weekday| words::text(lang, DAYS[w.index() as usize]);
    let hours: Vec<String> =
        venue.opening_hours.iter().map(|w| format!("{} {}–{}", day(w.weekday), w.opens, w.closes)).collect();
    hours.join(&words::text(lang, "calendar-list-separator"))
}

/// Every rule the slot breaks at this venue, as field errors. Clashes with other bookings are
/// not rule violations: see [`clashes`].
pub fn check_slot(
    venue: &Venue,
    slot: &Slot,
    attendance: i64,
    now: DateTime<Utc>,
    limits: Limits,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, invalid: Invalid| errors.push(FieldError::new(field, invalid));
    if venue.archived {
        fail("venue_id", Invalid::new("venue-archived"));
    }
    if slot.public.start <= now {
        fail("starts_at", Invalid::new("in-the-future"));
    }
    if slot.public.end <= slot.public.start {
        fail("ends_at", Invalid::new("end-after-start"));
        return errors;
    }
    let max_duration = limits.max_duration.min(HARD_MAX_DURATION);
    if slot.public.duration() > max_duration {
        fail("ends_at", Invalid::new("too-long-booking").with("hours", max_duration.num_hours()));
        return errors;
    }
    let open = opening_intervals(&venue.open_windows, venue.tz(), slot.public.start, slot.public.end);
    if !open.iter().any(|i| i.contains(&slot.public)) {
        let invalid = if venue.opening_hours.is_empty() {
            Invalid::new("no-opening-hours")
        } else {
            // The weekdays are words: each language gets its own list.
            Invalid::new("outside-opening-hours")
                .with("hours_zh", describe_hours(venue, Lang::Zh))
                .with("hours_en", describe_hours(venue, Lang::En))
                .with("zone", venue.zone)
        };
        fail("starts_at", invalid);
    }
    let busy = slot.busy();
    if let Some(blackout) =
        venue.blackouts.iter().find(|b| Interval::new(b.starts_at, b.ends_at).overlaps(&busy))
    {
        let local = |t| local_time(t, venue.tz()).replace('T', " ");
        fail(
            "starts_at",
            Invalid::new("venue-closed")
                .with("from", local(blackout.starts_at))
                .with("to", local(blackout.ends_at))
                .with("reason", &blackout.reason),
        );
    }
    if attendance > venue.capacity {
        fail("expected_attendance", Invalid::new("over-capacity").with("capacity", venue.capacity));
    }
    errors
}

/// Ids of the bookings whose busy spans overlap this slot's.
pub fn clashes(slot: &Slot, others: &[(i64, Interval)]) -> Vec<i64> {
    let busy = slot.busy();
    others.iter().filter(|(_, other)| other.overlaps(&busy)).map(|(id, _)| *id).collect()
}

/// Whether the slot could be booked at the venue given approved bookings' busy spans.
fn fits(venue: &Venue, open: &[Interval], approved_busy: &[Interval], slot: &Slot) -> bool {
    let busy = slot.busy();
    open.iter().any(|i| i.contains(&slot.public))
        && !approved_busy.iter().any(|b| b.overlaps(&busy))
        && !blackout_intervals(venue).iter().any(|b| b.overlaps(&busy))
}

/// How far from the requested start we look for a free slot, and in what steps.
pub const SEARCH_RADIUS: TimeDelta = TimeDelta::days(14);
pub const SEARCH_STEP: TimeDelta = TimeDelta::minutes(30);

/// The nearest free slots of the same length at this venue, nearest first, never in the past.
pub fn suggest(
    venue: &Venue,
    slot: &Slot,
    approved_busy: &[Interval],
    now: DateTime<Utc>,
    count: usize,
) -> Vec<Interval> {
    let from = slot.public.start - SEARCH_RADIUS;
    let to = slot.public.end + SEARCH_RADIUS;
    let open = opening_intervals(&venue.open_windows, venue.tz(), from, to);
    let steps = SEARCH_RADIUS.num_minutes() / SEARCH_STEP.num_minutes();
    let mut found = Vec::new();
    for k in 0..=steps {
        let offsets = if k == 0 {
            vec![TimeDelta::zero()]
        } else {
            vec![SEARCH_STEP * k as i32, -(SEARCH_STEP * k as i32)]
        };
        for offset in offsets {
            let candidate = slot.shifted_to(slot.public.start + offset);
            if candidate.public.start > now && fits(venue, &open, approved_busy, &candidate) {
                found.push(candidate.public);
                if found.len() == count {
                    return found;
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venues::{Blackout, ShowcaseTier, VenueKind, parse_time_of_day};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn venue(hours: &[(Weekday, &str, &str)]) -> Venue {
        let windows: Vec<OpeningWindow> = hours
            .iter()
            .map(|(d, o, c)| {
                let (opens, closes) =
                    (parse_time_of_day(o, false).unwrap(), parse_time_of_day(c, true).unwrap());
                OpeningWindow::new(*d, opens, closes).unwrap()
            })
            .collect();
        Venue {
            id: 1,
            slug: "night-street".into(),
            name_zh: "夜市街".into(),
            name_en: "Night Street".into(),
            kind: VenueKind::Street,
            tier: ShowcaseTier::Core,
            address: "x".into(),
            latitude: 28.0,
            longitude: 120.0,
            capacity: 1000,
            indoor: false,
            description: String::new(),
            zone: crate::values::Zone::default(),
            opening_hours: windows.iter().map(OpeningWindow::view).collect(),
            open_windows: windows,
            blackouts: vec![],
            setup_minutes: 0,
            teardown_minutes: 0,
            archived: false,
            created_at: at("2026-01-01T00:00:00Z"),
            updated_at: at("2026-01-01T00:00:00Z"),
        }
    }

    fn slot(start: &str, end: &str) -> Slot {
        Slot {
            public: Interval::new(at(start), at(end)),
            setup: TimeDelta::zero(),
            teardown: TimeDelta::zero(),
        }
    }

    const NOW: &str = "2026-11-01T00:00:00Z";

    #[test]
    fn a_night_market_past_midnight_fits_a_window_past_midnight() {
        // Friday 2026-12-04 18:00–02:00 local = 10:00–18:00 UTC.
        let v = venue(&[(Weekday::Fri, "18:00", "02:00")]);
        let ok = slot("2026-12-04T11:00:00Z", "2026-12-04T17:30:00Z"); // 19:00–01:30 local
        assert!(check_slot(&v, &ok, 100, at(NOW), Limits::default()).is_empty());
        let too_late = slot("2026-12-04T11:00:00Z", "2026-12-04T18:30:00Z"); // until 02:30 local
        let errors = check_slot(&v, &too_late, 100, at(NOW), Limits::default());
        assert_eq!(errors[0].field, "starts_at");
        assert!(errors[0].message.contains("opening hours"), "{}", errors[0].message);
    }

    #[test]
    fn touching_windows_merge_so_a_24_hour_venue_takes_multi_day_events() {
        let all_day: Vec<_> = Weekday::ALL.iter().map(|d| (*d, "00:00", "24:00")).collect();
        let v = venue(&all_day);
        let three_days = slot("2026-12-04T00:00:00Z", "2026-12-07T00:00:00Z");
        assert!(check_slot(&v, &three_days, 1, at(NOW), Limits::default()).is_empty());
    }

    #[test]
    fn past_inverted_overlong_and_overcrowded_slots_are_refused() {
        let all_day: Vec<_> = Weekday::ALL.iter().map(|d| (*d, "00:00", "24:00")).collect();
        let v = venue(&all_day);
        let fields = |s: Slot, people: i64| -> Vec<String> {
            check_slot(&v, &s, people, at(NOW), Limits::default()).into_iter().map(|e| e.field).collect()
        };
        assert_eq!(fields(slot("2026-10-01T00:00:00Z", "2026-10-01T02:00:00Z"), 1), ["starts_at"]);
        assert_eq!(fields(slot("2026-12-01T02:00:00Z", "2026-12-01T01:00:00Z"), 1), ["ends_at"]);
        assert_eq!(fields(slot("2026-12-01T00:00:00Z", "2026-12-20T00:00:00Z"), 1), ["ends_at"]);
        assert_eq!(
            fields(slot("2026-12-01T00:00:00Z", "2026-12-01T02:00:00Z"), 1001),
            ["expected_attendance"]
        );
    }

    #[test]
    fn a_blackout_blocks_the_whole_busy_span_including_setup() {
        let all_day: Vec<_> = Weekday::ALL.iter().map(|d| (*d, "00:00", "24:00")).collect();
        let mut v = venue(&all_day);
        v.blackouts.push(Blackout {
            starts_at: at("2026-12-01T00:00:00Z"),
            ends_at: at("2026-12-01T10:00:00Z"),
            reason: "Marathon".into(),
        });
        let mut s = slot("2026-12-01T11:00:00Z", "2026-12-01T12:00:00Z");
        assert!(check_slot(&v, &s, 1, at(NOW), Limits::default()).is_empty());
        s.setup = TimeDelta::hours(2);
        let errors = check_slot(&v, &s, 1, at(NOW), Limits::default());
        assert!(errors[0].message.contains("Marathon"));
    }

    #[test]
    fn clashes_count_setup_and_teardown_of_both_sides() {
        let mut s = slot("2026-12-01T10:00:00Z", "2026-12-01T12:00:00Z");
        let other = (7, Interval::new(at("2026-12-01T12:00:00Z"), at("2026-12-01T14:00:00Z")));
        assert!(clashes(&s, &[other]).is_empty(), "back to back is fine");
        s.teardown = TimeDelta::minutes(30);
        assert_eq!(clashes(&s, &[other]), [7]);
    }

    #[test]
    fn free_windows_are_opening_hours_minus_blackouts_and_bookings() {
        let v = venue(&[(Weekday::Tue, "10:00", "22:00")]); // 02:00–14:00 UTC on Tue 2026-12-01
        let booked = [Interval::new(at("2026-12-01T04:00:00Z"), at("2026-12-01T06:00:00Z"))];
        let free = free_windows(&v, &booked, at("2026-12-01T00:00:00Z"), at("2026-12-02T00:00:00Z"));
        assert_eq!(
            free,
            [
                Interval::new(at("2026-12-01T02:00:00Z"), at("2026-12-01T04:00:00Z")),
                Interval::new(at("2026-12-01T06:00:00Z"), at("2026-12-01T14:00:00Z")),
            ]
        );
    }

    #[test]
    fn suggestions_are_the_nearest_free_slots_of_the_same_length() {
        let all_day: Vec<_> = Weekday::ALL.iter().map(|d| (*d, "10:00", "22:00")).collect();
        let v = venue(&all_day);
        let wanted = slot("2026-12-01T04:00:00Z", "2026-12-01T06:00:00Z"); // 12:00–14:00 local
        let booked = [Interval::new(at("2026-12-01T03:00:00Z"), at("2026-12-01T07:00:00Z"))];
        let found = suggest(&v, &wanted, &booked, at(NOW), 2);
        // Earlier starts would overlap the booking or start before opening (10:00 local).
        assert_eq!(
            found,
            [
                Interval::new(at("2026-12-01T07:00:00Z"), at("2026-12-01T09:00:00Z")),
                Interval::new(at("2026-12-01T07:30:00Z"), at("2026-12-01T09:30:00Z")),
            ]
        );
    }
}
