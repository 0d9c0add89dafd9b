//! Venues: the district's showcase spaces (street, hall, stage, mall atriums, plazas).
//!
//! Staff create, update and archive venues; everyone reads them. A venue owns its weekly opening
//! windows (in its own IANA zone; a window may run past midnight) and its blackout periods, which
//! bookings must respect. Archived venues stay readable by id but leave listings and take no new
//! bookings.

pub mod api;
pub mod maps;
pub mod store;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

use crate::{
    error::{ApiResult, Violations},
    values::{
        Zone,
        text::{optional_text, required_text, text_enum},
        time::within_reason,
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum VenueKind {
    Street,
    Hall,
    Stage,
    Mall,
    Plaza,
    Other,
}
text_enum!(VenueKind { Street => "street", Hall => "hall", Stage => "stage", Mall => "mall", Plaza => "plaza", Other => "other" });

/// Core showcases are "one street, one hall, one stage"; malls are the main ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ShowcaseTier {
    Core,
    Main,
    Other,
}
text_enum!(ShowcaseTier { Core => "core", Main => "main", Other => "other" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Self; 7] = [Self::Mon, Self::Tue, Self::Wed, Self::Thu, Self::Fri, Self::Sat, Self::Sun];

    /// Monday is 0.
    pub fn index(self) -> i64 {
        self as i64
    }

    pub fn from_index(index: i64) -> Option<Self> {
        usize::try_from(index).ok().and_then(|i| Self::ALL.get(i).copied())
    }

    pub fn from_chrono(day: chrono::Weekday) -> Self {
        Self::ALL[day.num_days_from_monday() as usize]
    }
}

/// Stored as its index, Monday 0 (the schema checks 0–6); any other number is an unreadable row.
impl<DB: sqlx::Database> sqlx::Type<DB> for Weekday
where
    i64: sqlx::Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <i64 as sqlx::Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <i64 as sqlx::Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for Weekday
where
    i64: sqlx::Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let index = <i64 as sqlx::Decode<'r, DB>>::decode(value)?;
        Self::from_index(index).ok_or_else(|| format!("unreadable weekday {index}").into())
    }
}

impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for Weekday
where
    i64: sqlx::Encode<'q, DB>,
{
    fn encode_by_ref(
        &self,
        buf: &mut DB::ArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <i64 as sqlx::Encode<'q, DB>>::encode(self.index(), buf)
    }
}

/// A URL-safe, unique venue name: lower-case letters, digits and single hyphens. Never all
/// digits, so `/venues/{id-or-slug}` is unambiguous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, crate::error::Invalid> {
        let slug = raw.trim();
        let valid_chars = slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if slug.len() < 2 || slug.len() > 64 {
            Err(crate::error::Invalid::new("venue-slug-length"))
        } else if !valid_chars {
            Err(crate::error::Invalid::new("venue-slug-characters"))
        } else if slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
            Err(crate::error::Invalid::new("venue-slug-hyphens"))
        } else if slug.chars().all(|c| c.is_ascii_digit()) {
            Err(crate::error::Invalid::new("venue-slug-letter"))
        } else {
            Ok(Self(slug.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const MINUTES_PER_DAY: u32 = 24 * 60;

/// `HH:MM` to minutes since midnight; `24:00` only where `allow_end_of_day`.
pub fn parse_time_of_day(raw: &str, allow_end_of_day: bool) -> Result<u32, String> {
    let err = || format!("{raw:?} is not a time of day; use HH:MM, e.g. 18:00");
    let (h, m) = raw.trim().split_once(':').ok_or_else(err)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(err());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?);
    match (h, m) {
        (24, 0) if allow_end_of_day => Ok(MINUTES_PER_DAY),
        (0..=23, 0..=59) => Ok(h * 60 + m),
        _ => Err(err()),
    }
}

pub fn format_time_of_day(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A weekly opening window in the venue's zone. `closes <= opens` means it runs past midnight
/// into the next day (18:00–02:00); equal times would be a zero-length window and are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpeningWindow {
    pub weekday: Weekday,
    pub opens: u32,
    pub closes: u32,
}

impl OpeningWindow {
    pub fn new(weekday: Weekday, opens: u32, closes: u32) -> Result<Self, crate::error::Invalid> {
        if opens == closes {
            return Err(crate::error::Invalid::new("window-empty"));
        }
        if opens >= MINUTES_PER_DAY {
            return Err(crate::error::Invalid::new("window-opens"));
        }
        Ok(Self { weekday, opens, closes })
    }

    pub fn crosses_midnight(&self) -> bool {
        self.closes <= self.opens
    }

    /// The window as the API shows it.
    pub fn view(&self) -> OpeningWindowInput {
        OpeningWindowInput {
            weekday: self.weekday,
            opens: format_time_of_day(self.opens),
            closes: format_time_of_day(self.closes),
        }
    }

    /// Length in minutes.
    pub fn minutes(&self) -> u32 {
        if self.crosses_midnight() {
            MINUTES_PER_DAY - self.opens + self.closes
        } else {
            self.closes - self.opens
        }
    }
}

#[derive(Debug, Clone, PartialEq, Object, Serialize, Deserialize)]
pub struct OpeningWindowInput {
    pub weekday: Weekday,
    /// `HH:MM` in the venue's zone.
    pub opens: String,
    /// `HH:MM`; earlier than `opens` when the window runs past midnight; `24:00` allowed.
    pub closes: String,
}

#[derive(Debug, Clone, PartialEq, Object, Serialize, Deserialize)]
pub struct BlackoutInput {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Shown to the public.
    pub reason: String,
}

/// A period when the venue takes no events.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Blackout {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
}

/// Everything that defines a venue, as a client sends it.
#[derive(Debug, Clone, Object, Deserialize)]
pub struct VenueInput {
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: VenueKind,
    pub tier: ShowcaseTier,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    /// Most people the venue holds at once.
    pub capacity: i64,
    pub indoor: bool,
    #[oai(default)]
    #[serde(default)]
    pub description: String,
    /// IANA zone; defaults to Asia/Shanghai.
    #[oai(default = "default_zone")]
    #[serde(default = "default_zone")]
    pub zone: String,
    #[oai(default)]
    #[serde(default)]
    pub opening_hours: Vec<OpeningWindowInput>,
    #[oai(default)]
    #[serde(default)]
    pub blackouts: Vec<BlackoutInput>,
    /// Minutes a booking needs before the public event.
    #[oai(default)]
    #[serde(default)]
    pub setup_minutes: i64,
    /// Minutes a booking needs after the public event.
    #[oai(default)]
    #[serde(default)]
    pub teardown_minutes: i64,
}

fn default_zone() -> String {
    Zone::DEFAULT_NAME.to_owned()
}

/// A partial update: fields left out keep their value; lists given replace the old list.
#[derive(Debug, Clone, Default, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct VenuePatch {
    pub slug: Option<String>,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub kind: Option<VenueKind>,
    pub tier: Option<ShowcaseTier>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub capacity: Option<i64>,
    pub indoor: Option<bool>,
    pub description: Option<String>,
    pub zone: Option<String>,
    pub opening_hours: Option<Vec<OpeningWindowInput>>,
    pub blackouts: Option<Vec<BlackoutInput>>,
    pub setup_minutes: Option<i64>,
    pub teardown_minutes: Option<i64>,
}

/// A venue as stored and shown.
#[derive(Debug, Clone, Object)]
pub struct Venue {
    pub id: i64,
    pub slug: String,
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
    pub opening_hours: Vec<OpeningWindowInput>,
    /// `opening_hours` as domain values, for the booking rules; both are made from the stored
    /// windows in one place ([`OpeningWindow::view`]).
    #[oai(skip)]
    pub open_windows: Vec<OpeningWindow>,
    pub blackouts: Vec<Blackout>,
    pub setup_minutes: i64,
    pub teardown_minutes: i64,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Venue {
    pub fn tz(&self) -> Tz {
        self.zone.tz()
    }

    /// This venue as a full input, for applying a patch.
    fn to_input(&self) -> VenueInput {
        VenueInput {
            slug: self.slug.clone(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            kind: self.kind,
            tier: self.tier,
            address: self.address.clone(),
            latitude: self.latitude,
            longitude: self.longitude,
            capacity: self.capacity,
            indoor: self.indoor,
            description: self.description.clone(),
            zone: self.zone.name().to_owned(),
            opening_hours: self.opening_hours.clone(),
            blackouts: self
                .blackouts
                .iter()
                .map(|b| BlackoutInput {
                    starts_at: b.starts_at,
                    ends_at: b.ends_at,
                    reason: b.reason.clone(),
                })
                .collect(),
            setup_minutes: self.setup_minutes,
            teardown_minutes: self.teardown_minutes,
        }
    }

    /// The venue with `patch` applied, validated as a whole.
    pub fn patched(&self, patch: VenuePatch) -> ApiResult<VenueDraft> {
        let mut input = self.to_input();
        macro_rules! apply {
            ($($field:ident),+) => { $(if let Some(value) = patch.$field { input.$field = value; })+ };
        }
        apply!(
            slug,
            name_zh,
            name_en,
            kind,
            tier,
            address,
            latitude,
            longitude,
            capacity,
            indoor,
            description,
            zone,
            opening_hours,
            blackouts,
            setup_minutes,
            teardown_minutes
        );
        VenueDraft::validate(input)
    }
}

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
                v.add(format!("blackouts[{i}].ends_at"), "must be after starts_at");
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
    use super::*;

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

/// How a request body names a venue: its numeric id or its slug (`"venue_id": 3` or
/// `"venue_id": "wuma-street"`), as venue URLs do.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum VenueKey {
    Id(i64),
    Slug(String),
}

impl VenueKey {
    /// The venue it names, if there is one.
    pub async fn find(&self, db: &crate::db::Db) -> ApiResult<Option<Venue>> {
        match self {
            Self::Id(id) => store::find(db, *id).await,
            Self::Slug(slug) => store::find_by_slug(db, slug.trim()).await,
        }
    }
}

impl std::fmt::Display for VenueKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Id(id) => write!(f, "{id}"),
            Self::Slug(slug) => write!(f, "'{slug}'"),
        }
    }
}

/// In the document: an integer or a string.
impl poem_openapi::types::Type for VenueKey {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> std::borrow::Cow<'static, str> {
        "venue_key".into()
    }

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
        let mut schema = MetaSchema::ANY;
        schema.description = Some("A venue's numeric id or its slug, e.g. 3 or \"wuma-street\".");
        schema.one_of = vec![
            MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("integer", "int64"))),
            MetaSchemaRef::Inline(Box::new(MetaSchema::new("string"))),
        ];
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(std::iter::once(self))
    }
}

impl poem_openapi::types::ToJSON for VenueKey {
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Self::Id(id) => serde_json::Value::from(*id),
            Self::Slug(slug) => serde_json::Value::String(slug.clone()),
        })
    }
}

impl poem_openapi::types::ParseFromJSON for VenueKey {
    fn parse_from_json(value: Option<serde_json::Value>) -> poem_openapi::types::ParseResult<Self> {
        match value {
            Some(serde_json::Value::String(slug)) => Ok(Self::Slug(slug)),
            Some(serde_json::Value::Number(n)) if n.is_i64() => Ok(Self::Id(n.as_i64().unwrap_or_default())),
            other => Err(poem_openapi::types::ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}
