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
    error::ApiResult,
    values::{Zone, text::text_enum},
};

mod draft;
mod key;

pub use self::draft::VenueDraft;
pub use self::key::VenueKey;

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
