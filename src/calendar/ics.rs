//! iCalendar (RFC 5545) output, built with the `icalendar` crate.
//!
//! The crate escapes TEXT values (X- properties included) and folds lines. What it does not
//! do, we add: a VTIMEZONE for every TZID we use (venues in zones
//! without daylight saving, like Asia/Shanghai; events in zones that change offset are written
//! in UTC instead, which needs none), stable DTSTAMPs (the event's last public change, so an
//! unchanged feed is byte-for-byte the same), and line breaks normalised before escaping.

use std::{
    collections::BTreeSet,
    hash::{DefaultHasher, Hash, Hasher},
};

use chrono::{DateTime, Datelike, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, CalendarDateTime, Component, EventLike, EventStatus as IcalStatus, Property};

use super::{EventRow, EventStatus, Lang, Listed};
use crate::cache::{Chunks, Encoded, Fragments};

/// What a feed says about itself.
pub struct FeedMeta<'a> {
    pub name: &'a str,
    pub public_url: &'a str,
    pub uid_domain: &'a str,
    pub lang: Lang,
    /// The zone the calendar is "in" for apps that want one.
    pub zone: &'a str,
}

/// How an event shows in a personal feed, where pending bookings appear too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    Public,
    /// Applicant's or staff's own feed: submitted bookings are TENTATIVE.
    Private,
}

/// The zone's offset if it is the same at the start and end of every event written in it and
/// throughout their years (sampled monthly), so one STANDARD component describes it truly.
/// Zones that change offset are written in UTC instead.
fn fixed_offset(tz: Tz, mut instants: Vec<DateTime<Utc>>) -> Option<i32> {
    let offset_at = |at: DateTime<Utc>| tz.offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc();
    let years: BTreeSet<i32> = instants.iter().map(|t| t.year()).collect();
    for year in years {
        for month in 1..=12 {
            instants.extend(Utc.with_ymd_and_hms(year, month, 15, 12, 0, 0).single());
        }
    }
    let first = offset_at(*instants.first()?);
    instants.iter().all(|t| offset_at(*t) == first).then_some(first)
}

fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
}

/// A VTIMEZONE for a zone with one offset all year.
fn vtimezone(name: &str, offset_seconds: i32, abbreviation: &str) -> String {
    let offset = utc_offset(offset_seconds);
    [
        "BEGIN:VTIMEZONE".to_owned(),
        format!("TZID:{name}"),
        format!("X-LIC-LOCATION:{name}"),
        "BEGIN:STANDARD".to_owned(),
        format!("TZOFFSETFROM:{offset}"),
        format!("TZOFFSETTO:{offset}"),
        format!("TZNAME:{abbreviation}"),
        "DTSTART:19700101T000000".to_owned(),
        "END:STANDARD".to_owned(),
        "END:VTIMEZONE".to_owned(),
    ]
    .join("\r\n")
        + "\r\n"
}

/// Bare CR or CRLF become LF, which the crate escapes as `\n`; a raw CR would break parsers.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn status_of(event: &EventRow, audience: Audience) -> IcalStatus {
    match (event.status(), event.state.as_str(), audience) {
        (EventStatus::Cancelled, _, _) => IcalStatus::Cancelled,
        (_, "submitted", Audience::Private) => IcalStatus::Tentative,
        _ => IcalStatus::Confirmed,
    }
}

/// A whole calendar of `events`.
pub fn calendar(events: &[EventRow], meta: &FeedMeta, audience: Audience) -> String {
    let listed: Vec<Listed> = events.iter().map(Listed::of).collect();
    let frame = Frame::of(&listed, meta);
    let mut text = frame.head.clone();
    for event in events {
        text.push_str(&vevent(event, meta, audience, frame.zoned(event.tz())));
    }
    text.push_str(&frame.tail);
    text
}

/// A whole calendar of the `listed` events, encoded by `chunks`: each VEVENT from `fragments`,
/// or rendered from the row `row(i)` gives for `listed[i]`, and only for the chunks not kept
/// from an earlier build; `None` when one is needed and in neither (the caller then reads the
/// rows and tries again).
pub fn calendar_listed<'a>(
    listed: &[Listed],
    row: impl Fn(usize) -> Option<&'a EventRow>,
    meta: &FeedMeta,
    audience: Audience,
    fragments: &Fragments,
    chunks: &Chunks,
) -> Option<Encoded> {
    let frame = Frame::of(listed, meta);
    // What every VEVENT's text depends on besides its row, hashed once.
    let settings = {
        let mut hasher = DefaultHasher::new();
        ("vevent", meta.public_url, meta.uid_domain, meta.lang.code(), audience).hash(&mut hasher);
        hasher.finish()
    };
    let keys: Vec<u64> = listed
        .iter()
        .map(|event| {
            let mut hasher = DefaultHasher::new();
            (settings, event.row_hash, frame.zoned(event.tz())).hash(&mut hasher);
            hasher.finish()
        })
        .collect();
    let render = |i: usize| row(i).map(|event| vevent(event, meta, audience, frame.zoned(event.tz())));
    fragments.document(chunks, &frame.head, &keys, render, &frame.tail)
}

/// A calendar's text around its events: the properties and a VTIMEZONE for each zone its events
/// are written in, and the end.
struct Frame {
    head: String,
    tail: String,
    /// Zones written with TZID (the others' events are in UTC).
    zones: Vec<Tz>,
}

impl Frame {
    fn of(listed: &[Listed], meta: &FeedMeta) -> Self {
        // Zones written with TZID, their one offset, and an instant in them (for the abbreviation).
        let mut zones: Vec<(Tz, i32, DateTime<Utc>)> = Vec::new();
        let mut seen: Vec<Tz> = Vec::new();
        for event in listed {
            let tz = event.tz();
            if seen.contains(&tz) {
                continue;
            }
            seen.push(tz);
            let in_zone = listed.iter().filter(|e| e.tz() == tz).flat_map(|e| [e.starts_at, e.ends_at]);
            if let Some(offset) = fixed_offset(tz, in_zone.collect()) {
                zones.push((tz, offset, event.starts_at));
            }
        }

        let mut cal = Calendar::empty();
        cal.append_property(Property::new("VERSION", "2.0"));
        cal.append_property(Property::new("PRODID", "-//Debut//Debut Events 1.0//EN"));
        cal.append_property(Property::new("CALSCALE", "GREGORIAN"));
        cal.append_property(Property::new("METHOD", "PUBLISH"));
        cal.append_property(Property::new("X-WR-CALNAME", clean(meta.name)));
        cal.append_property(Property::new("X-WR-TIMEZONE", meta.zone));
        // Calendar apps poll hourly; written by hand because the crate's `ttl` says PT3600S.
        cal.append_property(
            Property::new("REFRESH-INTERVAL", "PT1H").add_parameter("VALUE", "DURATION").done(),
        );
        cal.append_property(Property::new("X-PUBLISHED-TTL", "PT1H"));
        let whole = cal.to_string();
        let end = whole.rfind("END:VCALENDAR").unwrap_or(whole.len());
        let mut head = whole[..end].to_owned();
        // RFC 5545 wants VTIMEZONE before the components that use it.
        for (tz, offset, instant) in &zones {
            let abbreviation = tz.offset_from_utc_datetime(&instant.naive_utc()).to_string();
            head.push_str(&vtimezone(tz.name(), *offset, &abbreviation));
        }
        Self { head, tail: whole[end..].to_owned(), zones: zones.into_iter().map(|(tz, _, _)| tz).collect() }
    }

    fn zoned(&self, tz: Tz) -> bool {
        self.zones.contains(&tz)
    }
}

/// One VEVENT, lines folded and ending in CRLF.
fn vevent(event: &EventRow, meta: &FeedMeta, audience: Audience, zoned: bool) -> String {
    let tz = event.tz();
    let at = |instant: DateTime<Utc>| -> CalendarDateTime {
        if zoned {
            CalendarDateTime::WithTimezone {
                date_time: instant.with_timezone(&tz).naive_local(),
                tzid: tz.name().to_owned(),
            }
        } else {
            CalendarDateTime::Utc(instant)
        }
    };
    let lang = meta.lang;
    let mut description = clean(event.description(lang));
    if event.status() == EventStatus::Cancelled {
        let reason = event.cancel_reason.as_deref().unwrap_or("");
        description =
            format!("{} {}\n\n{description}", cancelled_word(lang), clean(reason)).trim().to_owned();
    }
    let url = format!("{}{}", meta.public_url, event.path());
    let mut vevent = icalendar::Event::new();
    vevent
        .uid(&event.uid(meta.uid_domain))
        .timestamp(event.last_modified())
        .starts(at(event.starts_at))
        .ends(at(event.ends_at))
        .summary(&clean(event.title(lang)))
        .description(&description)
        .location(&clean(&format!("{}, {}", event.venue_name(lang), event.venue_address)))
        .sequence(u32::try_from(event.sequence).unwrap_or(0))
        .last_modified(event.last_modified())
        .status(status_of(event, audience))
        .categories([event.format.as_str(), event.reach.as_str(), event.venue_kind.as_str()])
        .append_property(Property::new("GEO", format!("{:.6};{:.6}", event.latitude, event.longitude)))
        .append_property(Property::new("TRANSP", "OPAQUE"));
    if !event.public_slug.is_empty() {
        vevent.url(&url);
    }
    // RFC 7986: the poster, largest JPEG variant.
    if let Some(poster) =
        event.poster().and_then(|v| v.into_iter().filter(|v| v.format == "jpeg").max_by_key(|v| v.width))
    {
        vevent.append_property(
            Property::new("IMAGE", crate::media::url(meta.public_url, &poster.path))
                .add_parameter("VALUE", "URI")
                .add_parameter("DISPLAY", "BADGE")
                .add_parameter("FMTTYPE", "image/jpeg")
                .done(),
        );
    }
    if let Some(created) = event.published_at {
        vevent.append_property(Property::new("CREATED", created.format("%Y%m%dT%H%M%SZ").to_string()));
    }
    let mut text = String::with_capacity(1024);
    // Writing to a String cannot fail.
    let _ = vevent.done().fmt_write(&mut text);
    text
}

crate::words::catalogue! {
    /// Words inside calendar files.
    pub struct IcsWords in "ics" {
        /// Before a cancelled event's title.
        cancelled,
    }
}

fn cancelled_word(lang: Lang) -> &'static str {
    IcsWords::of(lang).cancelled
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        bookings::{BookingState, Format, Reach},
        values::Zone,
        venues::VenueKind,
    };

    fn event(title: &str) -> EventRow {
        let start = Utc.with_ymd_and_hms(2026, 12, 4, 11, 0, 0).unwrap();
        EventRow {
            id: 42,
            public_slug: "launch-42".into(),
            title_zh: title.into(),
            title_en: "Launch".into(),
            description_zh: "第一行\r\n第二行".into(),
            description_en: String::new(),
            brand_name: "Brand".into(),
            format: Format::Launch,
            reach: Reach::National,
            starts_at: start,
            ends_at: start + chrono::TimeDelta::hours(2),
            state: BookingState::Approved,
            sequence: 2,
            published_at: Some(start - chrono::TimeDelta::days(10)),
            public_updated_at: Some(start - chrono::TimeDelta::days(5)),
            cancelled_at: None,
            cancel_reason: None,
            previous_starts_at: None,
            venue_id: 1,
            venue_slug: "oujiang-parlor".into(),
            venue_name_zh: "瓯江客厅".into(),
            venue_name_en: "Oujiang Parlor".into(),
            venue_kind: VenueKind::Hall,
            venue_address: "瓯江路 1 号".into(),
            latitude: 28.03,
            longitude: 120.66,
            zone: Zone::default(),
            poster_variants: None,
            poster_alt: None,
            market_date: None,
        }
    }

    fn meta() -> FeedMeta<'static> {
        FeedMeta {
            name: "Debut, all events",
            public_url: "https://debut.example",
            uid_domain: "debut.example",
            lang: Lang::Zh,
            zone: "Asia/Shanghai",
        }
    }

    /// Undoes line folding: a CRLF followed by a space continues the line.
    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn every_line_ends_in_crlf_and_folds_at_75_octets_without_splitting_utf8() {
        let long = "首发".repeat(60);
        let text = calendar(&[event(&long)], &meta(), Audience::Public);
        assert!(text.ends_with("\r\n"));
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
            assert!(!line.contains('\r') && !line.contains('\n'));
        }
        assert!(unfold(&text).contains(&format!("SUMMARY:{long}")), "the title comes through whole");
    }

    #[test]
    fn text_is_escaped_and_line_breaks_normalised() {
        let text = unfold(&calendar(&[event("A, B; C\\D")], &meta(), Audience::Public));
        assert!(text.contains("SUMMARY:A\\, B\\; C\\\\D"), "{text}");
        assert!(text.contains("DESCRIPTION:第一行\\n第二行"), "{text}");
        assert!(text.contains("X-WR-CALNAME:Debut\\, all events"));
    }

    #[test]
    fn a_shanghai_event_uses_tzid_with_a_vtimezone_before_it() {
        let text = calendar(&[event("首发")], &meta(), Audience::Public);
        assert!(text.contains("DTSTART;TZID=Asia/Shanghai:20261204T190000\r\n"), "{text}");
        let vtimezone = text.find("BEGIN:VTIMEZONE").expect("a VTIMEZONE");
        assert!(vtimezone < text.find("BEGIN:VEVENT").unwrap());
        assert!(text.contains("TZOFFSETTO:+0800"));
    }

    #[test]
    fn an_event_in_a_zone_with_daylight_saving_is_written_in_utc() {
        let mut e = event("Launch");
        e.zone = Zone::parse("Europe/Berlin").unwrap();
        let text = calendar(&[e], &meta(), Audience::Public);
        assert!(text.contains("DTSTART:20261204T110000Z"), "{text}");
        assert!(!text.contains("BEGIN:VTIMEZONE"));
    }

    #[test]
    fn a_zone_with_a_short_dst_period_is_not_mistaken_for_a_fixed_one() {
        // Casablanca is +00 around Ramadan (15 Feb – 22 Mar 2026) and +01 otherwise.
        let mut e = event("Launch");
        e.zone = Zone::parse("Africa/Casablanca").unwrap();
        e.starts_at = Utc.with_ymd_and_hms(2026, 3, 1, 19, 0, 0).unwrap();
        e.ends_at = e.starts_at + chrono::TimeDelta::hours(2);
        let text = calendar(&[e], &meta(), Audience::Public);
        assert!(text.contains("DTSTART:20260301T190000Z"), "{text}");
    }

    #[test]
    fn the_calendar_publishes_and_never_names_an_organizer() {
        let text = calendar(&[event("首发")], &meta(), Audience::Public);
        for line in [
            "METHOD:PUBLISH",
            "VERSION:2.0",
            "SEQUENCE:2",
            "STATUS:CONFIRMED",
            "GEO:28.030000;120.660000",
            "UID:debut-event-42@debut.example",
            "X-PUBLISHED-TTL:PT1H",
        ] {
            assert!(text.contains(line), "missing {line}");
        }
        assert!(!text.contains("ORGANIZER"));
        assert_eq!(text, calendar(&[event("首发")], &meta(), Audience::Public), "stable output");
    }

    #[test]
    fn a_cancelled_event_is_a_tombstone_and_a_pending_one_is_tentative_in_private_feeds() {
        let mut cancelled = event("首发");
        cancelled.state = BookingState::Cancelled;
        cancelled.cancel_reason = Some("Typhoon".into());
        let text = calendar(&[cancelled], &meta(), Audience::Public);
        assert!(text.contains("STATUS:CANCELLED"));
        let mut pending = event("首发");
        pending.state = BookingState::Submitted;
        assert!(calendar(&[pending], &meta(), Audience::Private).contains("STATUS:TENTATIVE"));
    }
}
