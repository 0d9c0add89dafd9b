//! The booking form as the browser sends it, read into the API's input, and the form as shown.

use serde::Deserialize;

use crate::{
    bookings::{BookingInput, BookingPatch, Contact, Format, Reach, SlotInput, service::Booking},
    error::{FieldError, Invalid},
    pages::i18n,
    values::{Lang, time::local_time},
    venues,
    web::{Input, Words},
};

/// The booking form as the browser sends it: text, parsed here into the API's input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BookingForm {
    pub csrf: String,
    pub venue_id: String,
    pub format: String,
    pub reach: String,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub brand_name: String,
    pub expected_attendance: String,
    pub starts_at: String,
    pub ends_at: String,
    pub setup_minutes: String,
    pub teardown_minutes: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    /// Up to three other acceptable slots; a pair left empty is no slot.
    #[serde(rename = "alternatives_0__starts_at")]
    pub alternative_1_start: String,
    #[serde(rename = "alternatives_0__ends_at")]
    pub alternative_1_end: String,
    #[serde(rename = "alternatives_1__starts_at")]
    pub alternative_2_start: String,
    #[serde(rename = "alternatives_1__ends_at")]
    pub alternative_2_end: String,
    #[serde(rename = "alternatives_2__starts_at")]
    pub alternative_3_start: String,
    #[serde(rename = "alternatives_2__ends_at")]
    pub alternative_3_end: String,
    /// `draft` or `submit`.
    pub intent: String,
}

impl BookingForm {
    pub(super) fn from_booking(b: &Booking, tz: chrono_tz::Tz) -> Self {
        Self {
            venue_id: b.venue_id.to_string(),
            format: b.format.as_str().into(),
            reach: b.reach.as_str().into(),
            title_zh: b.title_zh.clone(),
            title_en: b.title_en.clone(),
            description_zh: b.description_zh.clone(),
            description_en: b.description_en.clone(),
            brand_name: b.brand_name.clone(),
            expected_attendance: b.expected_attendance.to_string(),
            starts_at: b.local_starts_at.clone(),
            ends_at: b.local_ends_at.clone(),
            setup_minutes: b.setup_minutes.to_string(),
            teardown_minutes: b.teardown_minutes.to_string(),
            contact_name: b.contact.name.clone(),
            contact_email: b.contact.email.clone(),
            contact_phone: b.contact.phone.clone(),
            ..Default::default()
        }
        .with_alternatives(
            b.alternatives.iter().map(|a| (local_time(a.starts_at, tz), local_time(a.ends_at, tz))),
        )
    }

    pub(super) fn with_alternatives(mut self, slots: impl Iterator<Item = (String, String)>) -> Self {
        let fields = [
            (&mut self.alternative_1_start, &mut self.alternative_1_end),
            (&mut self.alternative_2_start, &mut self.alternative_2_end),
            (&mut self.alternative_3_start, &mut self.alternative_3_end),
        ];
        for ((start, end), (slot_start, slot_end)) in fields.into_iter().zip(slots) {
            *start = slot_start;
            *end = slot_end;
        }
        self
    }

    pub(super) fn alternatives(&self) -> Vec<SlotInput> {
        [
            (&self.alternative_1_start, &self.alternative_1_end),
            (&self.alternative_2_start, &self.alternative_2_end),
            (&self.alternative_3_start, &self.alternative_3_end),
        ]
        .into_iter()
        .filter(|(start, end)| !start.trim().is_empty() || !end.trim().is_empty())
        .map(|(start, end)| SlotInput { starts_at: start.clone(), ends_at: end.clone() })
        .collect()
    }

    /// The API's input, and the fields that did not even parse (the input then carries a
    /// stand-in, so the domain can still name every other bad field at once).
    pub(super) fn to_input(&self) -> (BookingInput, Vec<FieldError>) {
        let mut errors = Vec::new();
        let mut bad = |field: &str, invalid: Invalid| errors.push(FieldError::new(field, invalid));
        let venue_id = self.venue_id.trim().parse().unwrap_or_else(|_| {
            bad("venue_id", Invalid::new("venue-choose"));
            0
        });
        let format = Format::parse(&self.format).unwrap_or_else(|m| {
            bad("format", m);
            Format::Launch
        });
        let reach = Reach::parse(&self.reach).unwrap_or_else(|m| {
            bad("reach", m);
            Reach::City
        });
        let expected_attendance = self.expected_attendance.trim().parse().unwrap_or_else(|_| {
            bad("expected_attendance", Invalid::new("whole-number"));
            1
        });
        let mut minutes = |field: &str, raw: &str| -> Option<i64> {
            let raw = raw.trim();
            if raw.is_empty() {
                return None;
            }
            raw.parse().map(Some).unwrap_or_else(|_| {
                bad(field, Invalid::new("whole-minutes"));
                None
            })
        };
        let setup_minutes = minutes("setup_minutes", &self.setup_minutes);
        let teardown_minutes = minutes("teardown_minutes", &self.teardown_minutes);
        let input = BookingInput {
            venue_id: venues::VenueKey::Id(venue_id),
            format,
            reach,
            title_zh: self.title_zh.clone(),
            title_en: self.title_en.clone(),
            description_zh: self.description_zh.clone(),
            description_en: self.description_en.clone(),
            brand_name: self.brand_name.clone(),
            expected_attendance,
            starts_at: self.starts_at.clone(),
            ends_at: self.ends_at.clone(),
            setup_minutes,
            teardown_minutes,
            alternatives: self.alternatives(),
            contact: Contact {
                name: self.contact_name.clone(),
                email: self.contact_email.clone(),
                phone: self.contact_phone.clone(),
            },
        };
        (input, errors)
    }

    pub(super) fn to_patch(&self) -> (BookingPatch, Vec<FieldError>) {
        let (input, errors) = self.to_input();
        let patch = BookingPatch {
            venue_id: Some(input.venue_id),
            format: Some(input.format),
            reach: Some(input.reach),
            title_zh: Some(input.title_zh),
            title_en: Some(input.title_en),
            description_zh: Some(input.description_zh),
            description_en: Some(input.description_en),
            brand_name: Some(input.brand_name),
            expected_attendance: Some(input.expected_attendance),
            starts_at: Some(input.starts_at),
            ends_at: Some(input.ends_at),
            setup_minutes: input.setup_minutes,
            teardown_minutes: input.teardown_minutes,
            alternatives: Some(input.alternatives),
            contact: Some(input.contact),
        };
        (patch, errors)
    }
}

/// An option of a select.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// The details form, for the new and edit pages.
pub struct FormView {
    pub action: String,
    pub venue_id: String,
    pub formats: Vec<Choice>,
    pub reaches: Vec<Choice>,
    pub texts: Vec<Input>,
    pub description_zh: String,
    pub description_en: String,
    pub times: Vec<Input>,
    pub alternatives: Vec<Input>,
    pub numbers: Vec<Input>,
    pub contact: Vec<Input>,
    /// The submit buttons: (intent, label, primary).
    pub buttons: Vec<(&'static str, &'static str, bool)>,
}

impl FormView {
    pub(super) fn new(
        w: &'static Words,
        lang: Lang,
        action: String,
        form: &BookingForm,
        buttons: Vec<(&'static str, &'static str, bool)>,
    ) -> Self {
        Self {
            action,
            venue_id: form.venue_id.clone(),
            formats: Format::ALL
                .iter()
                .map(|f| Choice {
                    value: f.as_str(),
                    label: i18n::format_name(lang, *f),
                    selected: form.format == f.as_str(),
                })
                .collect(),
            reaches: Reach::ALL
                .iter()
                .map(|r| Choice {
                    value: r.as_str(),
                    label: i18n::reach_name(lang, *r),
                    selected: form.reach == r.as_str(),
                })
                .collect(),
            texts: vec![
                Input::new("title_zh", w.title_zh, "text", &form.title_zh, "off").hint(w.title_hint),
                Input::new("title_en", w.title_en, "text", &form.title_en, "off"),
                Input::new("brand_name", w.brand_name, "text", &form.brand_name, "organization")
                    .hint(w.brand_name_hint)
                    .required(),
            ],
            description_zh: form.description_zh.clone(),
            description_en: form.description_en.clone(),
            times: vec![
                Input::date_time("starts_at", w.starts_at, &form.starts_at).hint(w.time_hint).required(),
                Input::date_time("ends_at", w.ends_at, &form.ends_at).hint(w.time_hint).required(),
            ],
            alternatives: [
                (
                    "alternatives_0__starts_at",
                    "alternatives_0__ends_at",
                    &form.alternative_1_start,
                    &form.alternative_1_end,
                ),
                (
                    "alternatives_1__starts_at",
                    "alternatives_1__ends_at",
                    &form.alternative_2_start,
                    &form.alternative_2_end,
                ),
                (
                    "alternatives_2__starts_at",
                    "alternatives_2__ends_at",
                    &form.alternative_3_start,
                    &form.alternative_3_end,
                ),
            ]
            .into_iter()
            .flat_map(|(start_id, end_id, start, end)| {
                [Input::date_time(start_id, w.starts_at, start), Input::date_time(end_id, w.ends_at, end)]
            })
            .collect(),
            numbers: vec![
                Input::whole_number("expected_attendance", w.expected_attendance, &form.expected_attendance)
                    .required(),
                Input::whole_number("setup_minutes", w.setup_minutes, &form.setup_minutes)
                    .hint(w.minutes_hint),
                Input::whole_number("teardown_minutes", w.teardown_minutes, &form.teardown_minutes)
                    .hint(w.minutes_hint),
            ],
            contact: vec![
                Input::new("contact_name", w.contact_name, "text", &form.contact_name, "name").required(),
                Input::new("contact_email", w.contact_email, "email", &form.contact_email, "email")
                    .required(),
                Input::new("contact_phone", w.contact_phone, "tel", &form.contact_phone, "tel"),
            ],
            buttons,
        }
    }
}
