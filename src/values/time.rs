//! Instants as people write them, and the years we accept.
//!
//! Storage and logic use UTC instants; a venue's zone is used only to read local input and to
//! show times to people.

use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::Invalid;

/// The years an instant may fall in.
pub const YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;

/// Refuses instants outside years 1970–9999: date arithmetic near chrono's limits would
/// overflow, and PostgreSQL cannot store them.
pub fn within_reason(instant: DateTime<Utc>) -> Result<DateTime<Utc>, Invalid> {
    if YEARS.contains(&instant.year()) { Ok(instant) } else { Err(Invalid::new("years")) }
}

/// A time as an instant: RFC 3339 with an offset, or a local `YYYY-MM-DDTHH:MM[:SS]` in `tz`.
pub fn parse_time(raw: &str, tz: Tz) -> Result<DateTime<Utc>, Invalid> {
    parse_any_time(raw, tz).and_then(within_reason)
}

fn parse_any_time(raw: &str, tz: Tz) -> Result<DateTime<Utc>, Invalid> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Invalid::new("required"));
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(raw) {
        return Ok(instant.to_utc());
    }
    let naive = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok())
        .ok_or_else(|| Invalid::new("time").with("typed", raw))?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.to_utc())
        .ok_or_else(|| Invalid::new("time-gap").with("typed", raw).with("zone", tz.name()))
}

/// A local wall-clock time in `tz`, as shown to people: `2026-12-04T19:00`.
pub fn local_time(instant: DateTime<Utc>, tz: Tz) -> String {
    instant.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_read_in_the_given_zone() {
        let tz = chrono_tz::Asia::Shanghai;
        assert_eq!(parse_time("2026-12-04T19:00", tz).unwrap().to_rfc3339(), "2026-12-04T11:00:00+00:00");
        assert_eq!(
            parse_time("2026-12-04T19:00:00+08:00", tz).unwrap().to_rfc3339(),
            "2026-12-04T11:00:00+00:00"
        );
        assert_eq!(
            parse_time("next friday", tz).unwrap_err().text(crate::words::Lang::En),
            "\"next friday\" is not a time; use 2026-12-04T19:00 (venue time) or RFC 3339"
        );
        assert_eq!(local_time(parse_time("2026-12-05T01:30", tz).unwrap(), tz), "2026-12-05T01:30");
        assert_eq!(parse_time(" ", tz).unwrap_err().text(crate::words::Lang::Zh), "请填写此项。");
    }

    #[test]
    fn years_outside_1970_to_9999_are_refused() {
        let tz = chrono_tz::Asia::Shanghai;
        let refused = Err(Invalid::new("years"));
        assert_eq!(parse_time("+262142-12-31T10:00", tz), refused, "years chrono holds but we cannot add to");
        assert_eq!(parse_time("1900-01-01T10:00", tz), refused);
        assert!(parse_time("9999-12-30T10:00", tz).is_ok());
    }

    #[test]
    fn a_time_in_a_daylight_saving_gap_is_named() {
        let err = parse_time("2026-03-08T02:30", chrono_tz::America::New_York).unwrap_err();
        assert_eq!(
            err.text(crate::words::Lang::En),
            "2026-03-08T02:30 does not exist in America/New_York (a daylight-saving gap)"
        );
    }
}
