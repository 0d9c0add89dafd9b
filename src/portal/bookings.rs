//! Applying for a debut slot and following it: `/portal/bookings/new` (venue, week, details),
//! `/portal/bookings/{id}` (state, next step, clash and free slots, timeline, comments,
//! images) and the forms they post to.

use crate::web::form::{Form, LongForm, Upload};
use askama::Template;
use chrono::{DateTime, Datelike, IsoWeek, NaiveDate, TimeDelta, TimeZone, Utc};
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;

use super::public_href;
use crate::{
    accounts::store as accounts,
    audit::{self, Subject},
    bookings::{
        Action, BookingInput, BookingPatch, BookingState, Contact, Format, Reach, SlotInput,
        service::{self, Booking},
        store as booking_store,
    },
    calls,
    error::{ApiError, ApiResult, FieldError, Invalid},
    media::{self, ImageOwner},
    pages::{Img, i18n, img},
    state::AppState,
    values::{Lang, time::local_time},
    venues::{self, ShowcaseTier, Venue},
    web::{
        Csrf, CsrfForm, Errors, Input, Shell, SignedIn, Words, discard_image, language, page, see_other,
        store_image,
        words::{self, words},
    },
};

/// The booking form as the browser sends it: text, parsed here into the API's input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BookingForm {
    csrf: String,
    venue_id: String,
    format: String,
    reach: String,
    title_zh: String,
    title_en: String,
    description_zh: String,
    description_en: String,
    brand_name: String,
    expected_attendance: String,
    starts_at: String,
    ends_at: String,
    setup_minutes: String,
    teardown_minutes: String,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    /// Up to three other acceptable slots; a pair left empty is no slot.
    #[serde(rename = "alternatives_0__starts_at")]
    alternative_1_start: String,
    #[serde(rename = "alternatives_0__ends_at")]
    alternative_1_end: String,
    #[serde(rename = "alternatives_1__starts_at")]
    alternative_2_start: String,
    #[serde(rename = "alternatives_1__ends_at")]
    alternative_2_end: String,
    #[serde(rename = "alternatives_2__starts_at")]
    alternative_3_start: String,
    #[serde(rename = "alternatives_2__ends_at")]
    alternative_3_end: String,
    /// `draft` or `submit`.
    intent: String,
}

impl BookingForm {
    fn from_booking(b: &Booking, tz: chrono_tz::Tz) -> Self {
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

    fn with_alternatives(mut self, slots: impl Iterator<Item = (String, String)>) -> Self {
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

    fn alternatives(&self) -> Vec<SlotInput> {
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
    fn to_input(&self) -> (BookingInput, Vec<FieldError>) {
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

    fn to_patch(&self) -> (BookingPatch, Vec<FieldError>) {
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
    fn new(
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
                    .hint(w.brand_name_hint),
            ],
            description_zh: form.description_zh.clone(),
            description_en: form.description_en.clone(),
            times: vec![
                Input::new("starts_at", w.starts_at, "text", &form.starts_at, "off").hint(w.time_hint),
                Input::new("ends_at", w.ends_at, "text", &form.ends_at, "off").hint(w.time_hint),
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
                [
                    Input::new(start_id, w.starts_at, "text", start, "off"),
                    Input::new(end_id, w.ends_at, "text", end, "off"),
                ]
            })
            .collect(),
            numbers: vec![
                Input::new(
                    "expected_attendance",
                    w.expected_attendance,
                    "text",
                    &form.expected_attendance,
                    "off",
                ),
                Input::new("setup_minutes", w.setup_minutes, "text", &form.setup_minutes, "off")
                    .hint(w.minutes_hint),
                Input::new("teardown_minutes", w.teardown_minutes, "text", &form.teardown_minutes, "off")
                    .hint(w.minutes_hint),
            ],
            contact: vec![
                Input::new("contact_name", w.contact_name, "text", &form.contact_name, "name"),
                Input::new("contact_email", w.contact_email, "email", &form.contact_email, "email"),
                Input::new("contact_phone", w.contact_phone, "tel", &form.contact_phone, "tel"),
            ],
            buttons,
        }
    }
}

/// A venue to choose.
pub struct VenueChoice {
    pub href: String,
    pub name: String,
    pub kind: &'static str,
    pub capacity: String,
    pub indoor: &'static str,
    pub photo: Option<Img>,
    pub current: bool,
}

/// A tier of venues.
pub struct VenueGroup {
    pub heading: &'static str,
    pub venues: Vec<VenueChoice>,
}

/// One day of the week view: its name and its blocks in venue time.
pub struct DayRow {
    pub label: String,
    pub blocks: Vec<Block>,
}

pub struct Block {
    pub text: String,
    /// `free` (a link that fills in the form), `busy` or `closed`.
    pub kind: &'static str,
    pub href: Option<String>,
}

pub struct WeekView {
    pub venue_name: String,
    pub zone: String,
    pub heading: String,
    pub previous_href: String,
    pub next_href: String,
    pub days: Vec<DayRow>,
}

#[derive(Template)]
#[template(path = "portal/new.html")]
struct NewPage {
    shell: Shell,
    w: &'static Words,
    groups: Vec<VenueGroup>,
    week: Option<WeekView>,
    form: Option<FormView>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    venue: Option<String>,
    week: Option<String>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    /// Applying to this call for debuts: only its venues, and the booking is linked and submitted.
    call: Option<i64>,
}

/// What every link of the form carries while applying to a call.
fn call_suffix(call: Option<i64>) -> String {
    call.map_or_else(String::new, |id| format!("&call={id}"))
}

fn may_apply(me: &SignedIn) -> ApiResult<()> {
    use crate::accounts::OrgKind;
    match me.principal.organization.map(|o| o.kind) {
        Some(OrgKind::Brand | OrgKind::Organizer) => Ok(()),
        _ => Err(ApiError::forbidden("Only brands and organizers apply for venue bookings.")),
    }
}

/// `GET /portal/bookings/new`: choose a venue, see its week, fill in the booking.
#[handler]
pub async fn new_page(
    req: &Request,
    state: Data<&AppState>,
    Query(query): Query<NewQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    may_apply(&me)?;
    let lang = language(req);
    let csrf = Csrf::of(req, &state);
    let form = BookingForm {
        starts_at: query.starts_at.clone().unwrap_or_default(),
        ends_at: query.ends_at.clone().unwrap_or_default(),
        contact_name: me.user.display_name.clone(),
        contact_email: me.user.email.clone(),
        format: "launch".into(),
        reach: "city".into(),
        ..Default::default()
    };
    let template = new_page_view(req, &state, &me, lang, &csrf, &query, form, Errors::default()).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

#[allow(clippy::too_many_arguments)]
async fn new_page_view(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    lang: Lang,
    csrf: &Csrf,
    query: &NewQuery,
    mut form: BookingForm,
    errors: Errors,
) -> ApiResult<NewPage> {
    let w = words(lang);
    let call = match query.call {
        Some(id) => Some(calls::service::load(state, id).await?),
        None => None,
    };
    let mut all = venues::store::list(&state.db, &Default::default(), 0, 100).await?;
    if let Some(call) = &call {
        let offered = call.venue_ids();
        all.retain(|v| offered.contains(&v.id));
    }
    let suffix = call_suffix(query.call);
    let selected = match query.venue.as_deref() {
        Some(key) => all.iter().find(|v| v.slug == key || v.id.to_string() == key),
        None => all.iter().find(|v| v.id.to_string() == form.venue_id),
    };
    let mut groups = Vec::new();
    for (tier, heading) in [
        (ShowcaseTier::Core, w.core_showcases),
        (ShowcaseTier::Main, w.main_showcases),
        (ShowcaseTier::Other, w.other_venues),
    ] {
        let mut choices = Vec::new();
        for venue in all.iter().filter(|v| v.tier == tier) {
            let photo = media::store::list(&state.db, ImageOwner::Venue(venue.id))
                .await?
                .first()
                .and_then(|image| img(&image.variants().ok()?, &image.alt, &state.settings.public_url));
            choices.push(VenueChoice {
                href: format!("/portal/bookings/new?venue={}{suffix}#week", venue.slug),
                name: lang.pick(&venue.name_zh, &venue.name_en).to_owned(),
                kind: i18n::kind_name(lang, venue.kind),
                capacity: crate::values::money::thousands(venue.capacity),
                indoor: if venue.indoor { w.indoor } else { w.outdoor },
                photo,
                current: selected.is_some_and(|s| s.id == venue.id),
            });
        }
        if !choices.is_empty() {
            groups.push(VenueGroup { heading, venues: choices });
        }
    }
    let (week, form_view) = match selected {
        Some(venue) => {
            form.venue_id = venue.id.to_string();
            let week = week_view(state, venue, lang, query.week.as_deref(), query.call).await?;
            let (action, buttons) = match query.call {
                Some(id) => {
                    (format!("/portal/bookings/new?call={id}"), vec![("submit", w.submit_for_review, true)])
                }
                None => (
                    "/portal/bookings/new".to_owned(),
                    vec![("draft", w.save_draft, false), ("submit", w.submit_for_review, true)],
                ),
            };
            (Some(week), Some(FormView::new(w, lang, action, &form, buttons)))
        }
        None => (None, None),
    };
    let title = match &call {
        Some(call) => format!("{} · {}", w.apply_for_slot, lang.pick(&call.title_zh, &call.title_en)),
        None => w.apply_for_slot.to_owned(),
    };
    let shell = Shell::new(req, lang, title, csrf, Some(me)).with_errors(errors);
    Ok(NewPage { shell, w, groups, week, form: form_view })
}

fn iso_week(week: IsoWeek) -> String {
    format!("{}-W{:02}", week.year(), week.week())
}

/// The week's days with their free and busy blocks, in venue time. Free is opening hours minus
/// blackouts minus approved bookings with their setup and teardown; busy is another booking's
/// time, never its title.
async fn week_view(
    state: &AppState,
    venue: &Venue,
    lang: Lang,
    week: Option<&str>,
    call: Option<i64>,
) -> ApiResult<WeekView> {
    let suffix = call_suffix(call);
    let w = words(lang);
    let tz = venue.tz();
    let today = state.now().with_timezone(&tz).date_naive();
    let monday = week
        .and_then(|raw| {
            let (year, number) = raw.split_once("-W")?;
            NaiveDate::from_isoywd_opt(year.parse().ok()?, number.parse().ok()?, chrono::Weekday::Mon)
        })
        .unwrap_or_else(|| today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday())));
    let midnight = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))
            .earliest()
            .map(|t| t.to_utc())
    };
    let (Some(from), Some(to)) = (midnight(monday), midnight(monday + TimeDelta::days(7))) else {
        return Err(ApiError::invalid("week", crate::error::Invalid::new("week")));
    };
    let free = service::availability(state, venue, from, to).await?;
    let busy = booking_store::busy_spans(&state.db, venue.id, 0, from, to, false).await?;
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%H:%M").to_string();
    let mut days = Vec::new();
    for offset in 0..7 {
        let day = monday + TimeDelta::days(offset);
        let (Some(start), Some(end)) = (midnight(day), midnight(day + TimeDelta::days(1))) else { continue };
        let mut blocks: Vec<(DateTime<Utc>, Block)> = Vec::new();
        for span in free.iter().filter(|s| s.starts_at < end && s.ends_at > start) {
            let (a, b) = (span.starts_at.max(start), span.ends_at.min(end));
            let pick_end = b.min(a + TimeDelta::hours(2));
            let href = format!(
                "/portal/bookings/new?venue={}&week={}&starts_at={}&ends_at={}{suffix}#details",
                venue.slug,
                iso_week(monday.iso_week()),
                local_time(a, tz),
                local_time(pick_end, tz)
            );
            let text =
                format!("{} {}–{}", w.free, local(a), if b == end { "24:00".into() } else { local(b) });
            blocks.push((a, Block { text, kind: "free", href: (b > now_or(a, state)).then_some(href) }));
        }
        for span in busy.iter().filter(|s| s.start < end && s.end > start) {
            let (a, b) = (span.start.max(start), span.end.min(end));
            let text =
                format!("{} {}–{}", w.busy, local(a), if b == end { "24:00".into() } else { local(b) });
            blocks.push((a, Block { text, kind: "busy", href: None }));
        }
        blocks.sort_by_key(|(at, _)| *at);
        let mut blocks: Vec<Block> = blocks.into_iter().map(|(_, b)| b).collect();
        if blocks.is_empty() {
            blocks.push(Block { text: w.closed.into(), kind: "closed", href: None });
        }
        let weekday = venues::Weekday::from_chrono(day.weekday());
        days.push(DayRow {
            label: format!("{} {}", i18n::weekday_name(lang, weekday), day.format("%m-%d")),
            blocks,
        });
    }
    let link = |d: NaiveDate| {
        format!("/portal/bookings/new?venue={}&week={}{suffix}#week", venue.slug, iso_week(d.iso_week()))
    };
    Ok(WeekView {
        venue_name: lang.pick(&venue.name_zh, &venue.name_en).to_owned(),
        zone: venue.zone.name().to_owned(),
        heading: format!("{} – {}", monday.format("%Y-%m-%d"), (monday + TimeDelta::days(6)).format("%m-%d")),
        previous_href: link(monday - TimeDelta::days(7)),
        next_href: link(monday + TimeDelta::days(7)),
        days,
    })
}

/// The later of `at` and now: a block that has passed cannot be picked.
fn now_or(at: DateTime<Utc>, state: &AppState) -> DateTime<Utc> {
    at.max(state.now())
}

/// `POST /portal/bookings/new`: save a draft, or submit it (unless it clashes: then the booking
/// page shows the clash and the free slots nearby, one click each).
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    Query(target): Query<NewQuery>,
    LongForm(form): LongForm<BookingForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    may_apply(&me)?;
    let (input, mut parse_errors) = form.to_input();
    let result = if parse_errors.is_empty() {
        match target.call {
            // Applying to a call: the booking is linked and submitted in one go.
            Some(call) => calls::service::apply(&state, &me.principal, call, input).await,
            None => service::create(&state, &me.principal, input).await,
        }
    } else {
        // Name the other bad fields too, without saving anything.
        match service::checked_content(&state, input).await {
            Err(ApiError::Validation(more)) => parse_errors.extend(more),
            Err(other) => return Err(other.into()),
            Ok(_) => {}
        }
        Err(ApiError::Validation(parse_errors))
    };
    let booking = match result {
        Ok(booking) => booking,
        Err(ApiError::Validation(fields)) => {
            let lang = language(req);
            let csrf = Csrf::of(req, &state);
            let query =
                NewQuery { venue: Some(form.venue_id.clone()), call: target.call, ..Default::default() };
            let template =
                new_page_view(req, &state, &me, lang, &csrf, &query, form, Errors::from_fields(fields, lang))
                    .await?;
            return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &template, &csrf, vec![])?);
        }
        Err(other) => return Err(other.into()),
    };
    if target.call.is_some() {
        return Ok(see_other(&format!("/portal/bookings/{}?done=submitted", booking.id), vec![]));
    }
    if form.intent == "submit" {
        return submit_unless_clash(&state, &me, booking.id).await;
    }
    Ok(see_other(&format!("/portal/bookings/{}?done=saved", booking.id), vec![]))
}

/// Submits the booking if nothing competes for its time; else shows the clash first.
async fn submit_unless_clash(state: &AppState, me: &SignedIn, id: i64) -> poem::Result<Response> {
    let row = service::load_visible(state, &me.principal, id).await?;
    let content = row.content()?;
    let (clashes, _) = service::competition(state, &me.principal, &row, &content).await?;
    if !clashes.is_empty() {
        return Ok(see_other(&format!("/portal/bookings/{id}?done=clash"), vec![]));
    }
    service::act(state, &me.principal, id, Action::Submit, "").await?;
    Ok(see_other(&format!("/portal/bookings/{id}?done=submitted"), vec![]))
}

/// A time the applicant sees: when, and where if not at the booking's venue.
pub struct SlotView {
    pub text: String,
    pub starts_at: String,
    pub ends_at: String,
    pub venue_id: i64,
}

pub struct TimelineEntry {
    pub when: String,
    pub what: String,
    pub note: String,
}

pub struct CommentView {
    pub by: String,
    pub when: String,
    pub body: String,
}

pub struct ImageView {
    pub id: i64,
    pub img: Option<Img>,
    pub poster: bool,
    pub awaiting_review: bool,
}

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "portal/booking.html")]
struct BookingPage {
    shell: Shell,
    w: &'static Words,
    id: i64,
    title: String,
    state_word: &'static str,
    state_shape: &'static str,
    state_class: &'static str,
    next_step: &'static str,
    facts: Vec<Fact>,
    pending_change: Option<String>,
    cancel_reason: Option<String>,
    clashes: Vec<String>,
    suggestions: Vec<SlotView>,
    can_edit: bool,
    can_submit: bool,
    can_withdraw: bool,
    can_request_change: bool,
    can_upload: bool,
    public_href: Option<String>,
    timeline: Vec<TimelineEntry>,
    comments: Vec<CommentView>,
    images: Vec<ImageView>,
    /// Once the approved event has ended: its figures, and the form to file them.
    figures: Option<super::figures::FiguresView>,
}

fn done_notice(w: &Words, done: Option<&str>) -> Option<&'static str> {
    match done? {
        "saved" => Some(w.saved),
        "submitted" => Some(w.submitted_note),
        "withdrawn" => Some(w.withdrawn_note),
        _ => None,
    }
}

/// `GET /portal/bookings/{id}`.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Query(query): Query<super::DoneQuery>,
    me: SignedIn,
) -> poem::Result<Response> {
    let lang = language(req);
    let csrf = Csrf::of(req, &state);
    let notice = done_notice(words(lang), query.done.as_deref());
    let template = booking_page(req, &state, &me, lang, &csrf, id, Errors::default(), notice).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

#[allow(clippy::too_many_arguments)]
async fn booking_page(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    lang: Lang,
    csrf: &Csrf,
    id: i64,
    errors: Errors,
    notice: Option<&str>,
) -> ApiResult<BookingPage> {
    let w = words(lang);
    let row = service::load_visible(state, &me.principal, id).await?;
    let booking = service::view(&row, &me.principal)?;
    let content = row.content()?;
    let tz = row.zone.tz();
    let venue = venues::store::find(&state.db, booking.venue_id).await?;
    let venue_name =
        venue.as_ref().map_or_else(String::new, |v| lang.pick(&v.name_zh, &v.name_en).to_owned());
    let title = lang.pick(&booking.title_zh, &booking.title_en).to_owned();
    let (state_word, state_shape) = words::state_label(lang, booking.state);
    let open = matches!(booking.state, BookingState::Draft | BookingState::ChangesRequested);
    let (clashes, suggestions) = if open {
        let (clashes, suggestions) = service::competition(state, &me.principal, &row, &content).await?;
        let all = venues::store::list(&state.db, &Default::default(), 0, 100).await?;
        let suggestions = suggestions
            .into_iter()
            .map(|s| {
                let other = all.iter().find(|v| v.id == s.venue_id);
                let zone = other.map_or(tz, Venue::tz);
                let mut text = i18n::span(lang, s.starts_at, s.ends_at, zone);
                if s.venue_id != booking.venue_id {
                    text = format!(
                        "{text} · {}",
                        other.map_or(w.at_other_venue, |v| lang.pick(&v.name_zh, &v.name_en))
                    );
                }
                SlotView {
                    text,
                    starts_at: local_time(s.starts_at, zone),
                    ends_at: local_time(s.ends_at, zone),
                    venue_id: s.venue_id,
                }
            })
            .collect();
        // Others' time is only "busy": never their titles.
        let clashes = clashes
            .iter()
            .map(|c| format!("{} {}", w.busy, i18n::span(lang, c.starts_at, c.ends_at, tz)))
            .collect();
        (clashes, suggestions)
    } else {
        (vec![], vec![])
    };
    let mut timeline = Vec::new();
    for entry in audit::history(&state.db, Subject::Booking(id)).await? {
        let to = words::history_label(lang, &entry.to_state);
        timeline.push(TimelineEntry {
            when: entry.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            what: to.to_owned(),
            note: entry.note,
        });
    }
    let mut comments = Vec::new();
    for entry in audit::comments(&state.db, Subject::Booking(id), false).await? {
        let author = accounts::find_user(&state.db, entry.author_user_id).await?;
        let by = match author {
            Some(user) if user.organization_id.is_some() => user.display_name,
            _ => w.staff.to_owned(),
        };
        comments.push(CommentView {
            by,
            when: entry.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            body: entry.body,
        });
    }
    let mut images = Vec::new();
    let rows = media::store::list(&state.db, ImageOwner::Booking(id)).await?;
    // The poster is the first image the public sees: one awaiting review is not it yet.
    let poster = rows.iter().find(|r| !r.awaiting_review).map(|r| r.id);
    for image in &rows {
        images.push(ImageView {
            id: image.id,
            img: img(&image.variants()?, &image.alt, &state.settings.public_url),
            poster: Some(image.id) == poster,
            awaiting_review: image.awaiting_review,
        });
    }
    let facts = vec![
        Fact { label: w.venue, value: venue_name },
        Fact { label: w.when, value: i18n::span(lang, booking.starts_at, booking.ends_at, tz) },
        Fact { label: w.format, value: i18n::format_name(lang, booking.format).into() },
        Fact { label: w.reach, value: i18n::reach_name(lang, booking.reach).into() },
        Fact { label: w.brand_name, value: booking.brand_name.clone() },
        Fact {
            label: w.expected_attendance,
            value: crate::values::money::thousands(booking.expected_attendance),
        },
        Fact { label: w.setup_minutes, value: booking.setup_minutes.to_string() },
        Fact { label: w.teardown_minutes, value: booking.teardown_minutes.to_string() },
        Fact {
            label: w.contact_name,
            value: format!("{} · {} {}", booking.contact.name, booking.contact.email, booking.contact.phone)
                .trim()
                .to_owned(),
        },
    ];
    let mine = me.principal.acts_for(booking.organization_id);
    let shell = Shell::new(req, lang, title.clone(), csrf, Some(me)).with_errors(errors).with_notice(notice);
    Ok(BookingPage {
        shell,
        w,
        id,
        title,
        state_word,
        state_shape,
        state_class: booking.state.as_str(),
        next_step: words::next_step(lang, booking.state, booking.pending_change.is_some()),
        facts,
        pending_change: booking.pending_change.as_ref().map(|c| i18n::span(lang, c.starts_at, c.ends_at, tz)),
        cancel_reason: booking.cancel_reason.clone(),
        clashes,
        suggestions,
        can_edit: mine && open,
        can_submit: mine && open,
        can_withdraw: mine
            && (open || booking.state == BookingState::Submitted || booking.pending_change.is_some()),
        can_request_change: mine && booking.state == BookingState::Approved,
        can_upload: mine
            && !matches!(
                booking.state,
                BookingState::Rejected | BookingState::Withdrawn | BookingState::Cancelled
            ),
        public_href: public_href(state, id).await?,
        timeline,
        comments,
        images,
        figures: super::figures::view(state, me, &row, lang).await?,
    })
}

/// Renders the booking page with the problem of a form post (a 409 or a 422), so the person
/// reads it in place.
pub async fn show_problem(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    err: ApiError,
) -> poem::Result<Response> {
    let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
    let lang = language(req);
    let csrf = Csrf::of(req, state);
    let template = booking_page(req, state, me, lang, &csrf, id, errors, None).await?;
    Ok(page(status, &template, &csrf, vec![])?)
}

async fn act(req: &Request, state: &AppState, id: i64, action: Action, done: &str) -> poem::Result<Response> {
    let me = crate::signed_in_or_return!(req, state);
    match service::act(state, &me.principal, id, action, "").await {
        Ok(_) => Ok(see_other(&format!("/portal/bookings/{id}?done={done}"), vec![])),
        Err(err) => show_problem(req, state, &me, id, err).await,
    }
}

/// `POST /portal/bookings/{id}/submit`.
#[handler]
pub async fn submit(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    _: Form<CsrfForm>,
) -> poem::Result<Response> {
    act(req, &state, id, Action::Submit, "submitted").await
}

/// `POST /portal/bookings/{id}/withdraw`.
#[handler]
pub async fn withdraw(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    _: Form<CsrfForm>,
) -> poem::Result<Response> {
    act(req, &state, id, Action::Withdraw, "withdrawn").await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SlotForm {
    csrf: String,
    venue_id: i64,
    starts_at: String,
    ends_at: String,
}

/// `POST /portal/bookings/{id}/slot`: takes a suggested free slot.
#[handler]
pub async fn take_slot(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Form(form): Form<SlotForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let patch = BookingPatch {
        venue_id: Some(venues::VenueKey::Id(form.venue_id)),
        starts_at: Some(form.starts_at),
        ends_at: Some(form.ends_at),
        ..Default::default()
    };
    match service::edit(&state, &me.principal, id, patch).await {
        Ok(_) => Ok(see_other(&format!("/portal/bookings/{id}?done=saved"), vec![])),
        Err(err) => show_problem(req, &state, &me, id, err).await,
    }
}

#[derive(Template)]
#[template(path = "portal/edit.html")]
struct EditPage {
    shell: Shell,
    w: &'static Words,
    title: String,
    back: String,
    form: FormView,
}

async fn edit_page(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    form: &BookingForm,
    errors: Errors,
) -> ApiResult<EditPage> {
    let lang = language(req);
    let w = words(lang);
    let row = service::load_visible(state, &me.principal, id).await?;
    let label = if row.state == BookingState::Approved { w.request_change } else { w.save };
    let csrf = Csrf::of(req, state);
    let shell = Shell::new(req, lang, w.edit, &csrf, Some(me)).with_errors(errors);
    let content = row.content()?;
    Ok(EditPage {
        shell,
        w,
        title: lang.pick(&content.title_zh, &content.title_en).to_owned(),
        back: format!("/portal/bookings/{id}"),
        form: FormView::new(
            w,
            lang,
            format!("/portal/bookings/{id}/edit"),
            form,
            vec![("save", label, true)],
        ),
    })
}

/// `GET /portal/bookings/{id}/edit`: drafts and bookings sent back change in place; an edit to
/// an approved booking is a change request.
#[handler]
pub async fn edit(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    me: SignedIn,
) -> poem::Result<Response> {
    let row = service::load_visible(&state, &me.principal, id).await?;
    let mut booking = service::view(&row, &me.principal)?;
    if let Some(change) = booking.pending_change.take() {
        // A second change request builds on the first.
        booking.starts_at = change.starts_at;
        booking.local_starts_at = local_time(change.starts_at, row.zone.tz());
        booking.local_ends_at = local_time(change.ends_at, row.zone.tz());
    }
    let form = BookingForm::from_booking(&booking, row.zone.tz());
    let csrf = Csrf::of(req, &state);
    let template = edit_page(req, &state, &me, id, &form, Errors::default()).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

/// `POST /portal/bookings/{id}/edit`.
#[handler]
pub async fn update(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    LongForm(form): LongForm<BookingForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    let (patch, parse_errors) = form.to_patch();
    let result = if parse_errors.is_empty() {
        service::edit(&state, &me.principal, id, patch).await.map(|_| ())
    } else {
        Err(ApiError::Validation(parse_errors))
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/portal/bookings/{id}?done=saved"), vec![])),
        Err(ApiError::Validation(fields)) => {
            let csrf = Csrf::of(req, &state);
            let template = edit_page(
                req,
                &state,
                &me,
                id,
                &form,
                Errors::from_fields(fields, crate::web::language(req)),
            )
            .await?;
            Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &template, &csrf, vec![])?)
        }
        Err(err) => show_problem(req, &state, &me, id, err).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommentForm {
    csrf: String,
    body: String,
}

/// `POST /portal/bookings/{id}/comments`.
#[handler]
pub async fn comment(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    LongForm(form): LongForm<CommentForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    match service::comment(&state, &me.principal, id, &form.body, false).await {
        Ok(_) => Ok(see_other(&format!("/portal/bookings/{id}#comments"), vec![])),
        Err(err) => show_problem(req, &state, &me, id, err).await,
    }
}

/// `POST /portal/bookings/{id}/images` (multipart: `file`, `alt`, `csrf`).
#[handler]
pub async fn upload_image(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Upload(upload): Upload,
    me: SignedIn,
) -> poem::Result<Response> {
    match store_image(&state, &me, ImageOwner::Booking(id), upload).await? {
        Ok(()) => Ok(see_other(&format!("/portal/bookings/{id}?done=saved#images"), vec![])),
        Err(problem) => show_problem(req, &state, &me, id, problem).await,
    }
}

/// `POST /portal/bookings/{id}/images/{image_id}/remove`.
#[handler]
pub async fn remove_image(
    state: Data<&AppState>,
    Path((id, image_id)): Path<(i64, i64)>,
    _: Form<CsrfForm>,
    me: SignedIn,
) -> poem::Result<Response> {
    discard_image(&state, &me, ImageOwner::Booking(id), image_id).await?;
    Ok(see_other(&format!("/portal/bookings/{id}#images"), vec![]))
}
