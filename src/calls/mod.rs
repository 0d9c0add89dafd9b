//! Calls for debuts: the office's open invitation (邀请函) to brands for a season. Staff publish a
//! call with the venues it offers, the time it covers, the formats and reach it wants, criteria
//! and a deadline; brands apply with a booking linked to it; several staff score each
//! application 1–5, blind until they have scored it themselves; decisions are staged on the
//! bookings and released together for the call.
//!
//! Invariants: an application matches its call (venue, format, reach, time) and arrives before
//! the deadline (409 after); a reviewer has one score per application.

pub mod api;
pub mod service;
pub mod store;

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use serde::Deserialize;

use crate::{
    bookings::{Format, Reach},
    error::{ApiResult, Violations},
    values::{
        Zone,
        text::{bilingual_title, optional_text, slug_words, validate_slug},
        time::parse_time,
    },
};

#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct CallInput {
    /// The call's address under `/calls/`; made from the English title when left out.
    pub slug: Option<String>,
    #[oai(default)]
    #[serde(default)]
    pub title_zh: String,
    #[oai(default)]
    #[serde(default)]
    pub title_en: String,
    #[oai(default)]
    #[serde(default)]
    pub text_zh: String,
    #[oai(default)]
    #[serde(default)]
    pub text_en: String,
    #[oai(default)]
    #[serde(default)]
    pub criteria_zh: String,
    #[oai(default)]
    #[serde(default)]
    pub criteria_en: String,
    /// The venues the call offers, by id.
    pub venue_ids: Vec<i64>,
    pub formats: Vec<Format>,
    pub reaches: Vec<Reach>,
    /// The time the call covers (district time or RFC 3339).
    pub period_from: String,
    pub period_until: String,
    /// No applications after this.
    pub deadline: String,
}

/// A call, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CallDraft {
    pub slug: Option<String>,
    pub title_zh: String,
    pub title_en: String,
    pub text_zh: String,
    pub text_en: String,
    pub criteria_zh: String,
    pub criteria_en: String,
    pub venue_ids: Vec<i64>,
    pub formats: Vec<Format>,
    pub reaches: Vec<Reach>,
    pub period_from: DateTime<Utc>,
    pub period_until: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
}

impl CallDraft {
    /// Checks every field, naming each bad one. `known_venues` are the ids that exist.
    pub fn validate(input: CallInput, known_venues: &[i64]) -> ApiResult<Self> {
        let tz = Zone::default().tz();
        let mut v = Violations::default();
        let slug = input
            .slug
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| v.check("slug", validate_slug(s)));
        let (title_zh, title_en) = bilingual_title(&mut v, &input.title_zh, &input.title_en);
        let text_zh = v.check("text_zh", optional_text(&input.text_zh, 20_000));
        let text_en = v.check("text_en", optional_text(&input.text_en, 20_000));
        let criteria_zh = v.check("criteria_zh", optional_text(&input.criteria_zh, 5_000));
        let criteria_en = v.check("criteria_en", optional_text(&input.criteria_en, 5_000));
        if input.venue_ids.is_empty() {
            v.add("venue_ids", crate::error::Invalid::new("venue-required"));
        }
        for (i, id) in input.venue_ids.iter().enumerate() {
            if !known_venues.contains(id) {
                v.add(format!("venue_ids[{i}]"), crate::error::Invalid::new("no-venue").with("id", *id));
            }
        }
        if input.formats.is_empty() {
            v.add("formats", crate::error::Invalid::new("format-required"));
        }
        if input.reaches.is_empty() {
            v.add("reaches", crate::error::Invalid::new("reach-required"));
        }
        let period_from = v.check("period_from", parse_time(&input.period_from, tz));
        let period_until = v.check("period_until", parse_time(&input.period_until, tz));
        let deadline = v.check("deadline", parse_time(&input.deadline, tz));
        if let (Some(from), Some(until)) = (period_from, period_until)
            && until <= from
        {
            v.add("period_until", crate::error::Invalid::new("after-period-start"));
        }
        v.finish(|| ())?;
        let dedup = |mut list: Vec<i64>| {
            list.sort_unstable();
            list.dedup();
            list
        };
        Ok(Self {
            slug,
            title_zh: title_zh.expect("checked"),
            title_en: title_en.expect("checked"),
            text_zh: text_zh.expect("checked"),
            text_en: text_en.expect("checked"),
            criteria_zh: criteria_zh.expect("checked"),
            criteria_en: criteria_en.expect("checked"),
            venue_ids: dedup(input.venue_ids),
            formats: input.formats,
            reaches: input.reaches,
            period_from: period_from.expect("checked"),
            period_until: period_until.expect("checked"),
            deadline: deadline.expect("checked"),
        })
    }

    /// The slug to publish under: the chosen one, or the English title's words and `n`.
    pub fn slug_or(&self, n: i64) -> String {
        self.slug.clone().unwrap_or_else(|| {
            let words = slug_words(&self.title_en, 50);
            if words.len() < 3 { format!("call-{n}") } else { format!("{words}-{n}") }
        })
    }
}

/// An application's booking as it meets the call: which of its fields the call does not offer.
pub fn mismatches(
    call: &store::CallRow,
    venue_id: i64,
    format: Format,
    reach: Reach,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if !call.venue_ids().contains(&venue_id) {
        out.push(("venue_id", "is not one of the venues this call offers".to_owned()));
    }
    if !call.formats().contains(&format) {
        out.push(("format", format!("this call wants {}", list(call.formats().iter().map(|f| f.as_str())))));
    }
    if !call.reaches().contains(&reach) {
        out.push(("reach", format!("this call wants {}", list(call.reaches().iter().map(|r| r.as_str())))));
    }
    if starts_at < call.period_from || ends_at > call.period_until {
        out.push(("starts_at", "must lie within the time the call covers".to_owned()));
    }
    out
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// The average of `scores`, to one decimal, for sorting and showing.
pub fn average(scores: &[i64]) -> Option<f64> {
    (!scores.is_empty())
        .then(|| (scores.iter().sum::<i64>() as f64 / scores.len() as f64 * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CallInput {
        CallInput {
            slug: None,
            title_zh: "2027 春季首发邀请函".into(),
            title_en: "Spring 2027 debut season".into(),
            text_zh: String::new(),
            text_en: String::new(),
            criteria_zh: String::new(),
            criteria_en: String::new(),
            venue_ids: vec![2, 1, 2],
            formats: vec![Format::Launch],
            reaches: vec![Reach::National, Reach::Global],
            period_from: "2027-03-01T00:00".into(),
            period_until: "2027-06-01T00:00".into(),
            deadline: "2027-01-31T23:59".into(),
        }
    }

    #[test]
    fn a_call_is_checked_whole_and_named_by_its_title() {
        let draft = CallDraft::validate(input(), &[1, 2]).unwrap();
        assert_eq!(draft.venue_ids, [1, 2]);
        assert_eq!(draft.slug_or(7), "spring-2027-debut-season-7");
        let mut bad = input();
        bad.venue_ids = vec![9];
        bad.formats = vec![];
        bad.period_until = "2027-02-01T00:00".into();
        bad.deadline = "soon".into();
        let Err(crate::error::ApiError::Validation(errors)) = CallDraft::validate(bad, &[1, 2]) else {
            panic!("expected violations")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["venue_ids[0]", "formats", "deadline", "period_until"]);
    }

    #[test]
    fn averages_round_to_one_decimal() {
        assert_eq!(average(&[5, 4, 4]), Some(4.3));
        assert_eq!(average(&[]), None);
    }
}
