//! A venue as typed, checked into what is stored: names, slug, position, capacity, opening
//! hours and blackouts, each problem named by its field.

use super::{Blackout, OpeningWindow, ShowcaseTier, Slug, VenueInput, VenueKind, parse_time_of_day};
use crate::{
    error::{ApiResult, Violations},
    values::{
        Zone,
        text::{optional_text, required_text},
        time::within_reason,
    },
};

/// A validated venue, ready to store.
#[derive(Debug, Clone)]
pub struct VenueDraft {
    pub slug: Slug,
    pub name_zh: String,
    pub name_en: String,
    pub kind: VenueKind,
    pub tier: ShowcaseTier,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub capacity: i64,
    pub indoor: bool,
    pub description: String,
    pub zone: Zone,
    pub opening_hours: Vec<OpeningWindow>,
    pub blackouts: Vec<Blackout>,
    pub setup_minutes: i64,
    pub teardown_minutes: i64,
}

fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
    value: T,
    min: T,
    max: T,
) -> Result<T, crate::error::Invalid> {
    if value >= min && value <= max {
        Ok(value)
    } else {
        Err(crate::error::Invalid::new("between").with("min", min).with("max", max))
    }
}

impl VenueDraft {
    pub const MAX_WINDOWS: usize = 28;
    pub const MAX_BLACKOUTS: usize = 500;

    /// Checks every field and reports all that are wrong at once.
    pub fn validate(input: VenueInput) -> ApiResult<Self> {
        let mut v = Violations::default();
        let slug = v.check("slug", Slug::parse(&input.slug));
        let name_zh = v.check("name_zh", required_text(&input.name_zh, 200));
        let name_en = v.check("name_en", required_text(&input.name_en, 200));
        let address = v.check("address", required_text(&input.address, 500));
        let latitude = v.check("latitude", finite(input.latitude).and_then(|x| in_range(x, -90.0, 90.0)));
        let longitude =
            v.check("longitude", finite(input.longitude).and_then(|x| in_range(x, -180.0, 180.0)));
        let capacity = v.check("capacity", in_range(input.capacity, 1, 1_000_000));
        let description = v.check("description", optional_text(&input.description, 10_000));
        let zone = v.check("zone", Zone::parse(&input.zone));
        let setup = v.check("setup_minutes", in_range(input.setup_minutes, 0, 7 * 24 * 60));
        let teardown = v.check("teardown_minutes", in_range(input.teardown_minutes, 0, 7 * 24 * 60));

        let mut opening_hours = Vec::new();
        if input.opening_hours.len() > Self::MAX_WINDOWS {
            v.add(
                "opening_hours",
                crate::error::Invalid::new("too-many-windows").with("max", Self::MAX_WINDOWS),
            );
        }
        for (i, w) in input.opening_hours.iter().enumerate() {
            let opens = v.check(format!("opening_hours[{i}].opens"), parse_time_of_day(&w.opens, false));
            let closes = v.check(format!("opening_hours[{i}].closes"), parse_time_of_day(&w.closes, true));
            if let (Some(opens), Some(closes)) = (opens, closes)
                && let Some(window) =
                    v.check(format!("opening_hours[{i}]"), OpeningWindow::new(w.weekday, opens, closes))
            {
                opening_hours.push(window);
            }
        }

        let mut blackouts = Vec::new();
        if input.blackouts.len() > Self::MAX_BLACKOUTS {
            v.add(
                "blackouts",
                crate::error::Invalid::new("too-many-blackouts").with("max", Self::MAX_BLACKOUTS),
            );
        }
        for (i, b) in input.blackouts.iter().enumerate() {
            if b.ends_at <= b.starts_at {
                v.add(format!("blackouts[{i}].ends_at"), crate::error::Invalid::new("end-after-start"));
            }
            for (field, at) in [("starts_at", b.starts_at), ("ends_at", b.ends_at)] {
                if let Err(m) = within_reason(at) {
                    v.add(format!("blackouts[{i}].{field}"), m);
                }
            }
            if let Some(reason) = v.check(format!("blackouts[{i}].reason"), required_text(&b.reason, 500)) {
                blackouts.push(Blackout { starts_at: b.starts_at, ends_at: b.ends_at, reason });
            }
        }

        v.finish(|| ())?;
        Ok(Self {
            slug: slug.expect("checked"),
            name_zh: name_zh.expect("checked"),
            name_en: name_en.expect("checked"),
            kind: input.kind,
            tier: input.tier,
            address: address.expect("checked"),
            latitude: latitude.expect("checked"),
            longitude: longitude.expect("checked"),
            capacity: capacity.expect("checked"),
            indoor: input.indoor,
            description: description.expect("checked"),
            zone: zone.expect("checked"),
            opening_hours,
            blackouts,
            setup_minutes: setup.expect("checked"),
            teardown_minutes: teardown.expect("checked"),
        })
    }
}

fn finite(x: f64) -> Result<f64, crate::error::Invalid> {
    if x.is_finite() { Ok(x) } else { Err(crate::error::Invalid::new("finite")) }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::venues::{
        MINUTES_PER_DAY, OpeningWindowInput, Venue, VenuePatch, Weekday, format_time_of_day,
    };

    pub fn sample_input() -> VenueInput {
        VenueInput {
            slug: "wuma-street".into(),
            name_zh: "五马街".into(),
            name_en: "Wuma Street".into(),
            kind: VenueKind::Street,
            tier: ShowcaseTier::Core,
            address: "Wuma Street, Lucheng".into(),
            latitude: 28.0,
            longitude: 120.65,
            capacity: 5000,
            indoor: false,
            description: String::new(),
            zone: Zone::DEFAULT_NAME.into(),
            opening_hours: vec![OpeningWindowInput {
                weekday: Weekday::Fri,
                opens: "18:00".into(),
                closes: "02:00".into(),
            }],
            blackouts: vec![],
            setup_minutes: 60,
            teardown_minutes: 30,
        }
    }

    fn fields(err: crate::error::ApiError) -> Vec<String> {
        match err {
            crate::error::ApiError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_venue_passes_and_keeps_a_window_past_midnight() {
        let draft = VenueDraft::validate(sample_input()).unwrap();
        let window = draft.opening_hours[0];
        assert!(window.crosses_midnight());
        assert_eq!(window.minutes(), 8 * 60);
        assert_eq!(draft.zone, Zone::default());
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut input = sample_input();
        input.latitude = 200.0;
        input.name_en = "  ".into();
        input.zone = "Mars/Olympus".into();
        input.opening_hours[0].closes = "18:00".into();
        assert_eq!(
            fields(VenueDraft::validate(input).unwrap_err()),
            ["name_en", "latitude", "zone", "opening_hours[0]"]
        );
    }

    #[test]
    fn slugs_are_url_safe_and_never_numeric() {
        assert!(Slug::parse("oujiang-parlor").is_ok());
        for bad in ["1234", "Wuma", "wuma street", "-wuma", "wu--ma", "w", "五马街"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn times_of_day_parse_strictly() {
        assert_eq!(parse_time_of_day("18:30", false), Ok(18 * 60 + 30));
        assert_eq!(parse_time_of_day("24:00", true), Ok(MINUTES_PER_DAY));
        for bad in ["24:00", "7:00", "18:60", "noon", ""] {
            assert!(parse_time_of_day(bad, false).is_err(), "{bad:?}");
        }
        assert_eq!(format_time_of_day(18 * 60 + 5), "18:05");
    }

    #[test]
    fn a_full_day_window_is_allowed_and_zero_length_is_not() {
        assert_eq!(OpeningWindow::new(Weekday::Mon, 0, MINUTES_PER_DAY).unwrap().minutes(), MINUTES_PER_DAY);
        assert!(OpeningWindow::new(Weekday::Mon, 600, 600).is_err());
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let venue = Venue {
            id: 1,
            slug: "wuma-street".into(),
            name_zh: "五马街".into(),
            name_en: "Wuma Street".into(),
            kind: VenueKind::Street,
            tier: ShowcaseTier::Core,
            address: "Wuma Street".into(),
            latitude: 28.0,
            longitude: 120.6,
            capacity: 100,
            indoor: false,
            description: String::new(),
            zone: Zone::default(),
            opening_hours: vec![],
            open_windows: vec![],
            blackouts: vec![],
            setup_minutes: 0,
            teardown_minutes: 0,
            archived: false,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        };
        let draft = venue.patched(VenuePatch { capacity: Some(800), ..Default::default() }).unwrap();
        assert_eq!(draft.capacity, 800);
        assert_eq!(draft.name_en, "Wuma Street");
        assert!(venue.patched(VenuePatch { capacity: Some(0), ..Default::default() }).is_err());
    }
}
