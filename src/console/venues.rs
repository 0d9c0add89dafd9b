//! Venues in the console (`/staff/venues`): create and edit a venue's facts, weekly hours (a
//! window may run past midnight), blackouts, setup and teardown, capacity and photos; archive.

use crate::console::Staff;
use crate::web::form::{Form, LongForm, Upload};
use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path},
};
use serde::Deserialize;

use super::words::{ConsoleWords, console_words};
use crate::{
    error::{ApiError, ApiResult, FieldError},
    media::{self, ImageOwner},
    pages::{Img, i18n, img},
    staff_or_return,
    state::AppState,
    values::{
        Zone,
        time::{local_time, parse_time},
    },
    venues::{
        BlackoutInput, OpeningWindowInput, ShowcaseTier, Venue, VenueDraft, VenueInput, VenueKind, Weekday,
        store as venues,
    },
    web::{
        Csrf, CsrfForm, Errors, Input, Shell, SignedIn, Words, discard_image, language, page, see_other,
        store_image, words::words,
    },
};

/// The venue form as the browser sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VenueForm {
    csrf: String,
    slug: String,
    name_zh: String,
    name_en: String,
    kind: String,
    tier: String,
    address: String,
    latitude: String,
    longitude: String,
    capacity: String,
    indoor: Option<String>,
    description: String,
    zone: String,
    setup_minutes: String,
    teardown_minutes: String,
    /// One opening window a line: `fri 18:00-02:00`, in venue time; several a day are fine.
    hours: String,
    /// One blackout a line: `start | end | reason`, in venue time.
    blackouts: String,
}

impl VenueForm {
    fn from_venue(v: &Venue) -> Self {
        Self {
            slug: v.slug.clone(),
            name_zh: v.name_zh.clone(),
            name_en: v.name_en.clone(),
            kind: v.kind.as_str().into(),
            tier: v.tier.as_str().into(),
            address: v.address.clone(),
            latitude: v.latitude.to_string(),
            longitude: v.longitude.to_string(),
            capacity: v.capacity.to_string(),
            indoor: v.indoor.then(|| "1".into()),
            description: v.description.clone(),
            zone: v.zone.name().into(),
            setup_minutes: v.setup_minutes.to_string(),
            teardown_minutes: v.teardown_minutes.to_string(),
            hours: v
                .opening_hours
                .iter()
                .map(|w| format!("{} {}-{}", day_id(w.weekday), w.opens, w.closes))
                .collect::<Vec<_>>()
                .join("\n"),
            blackouts: v
                .blackouts
                .iter()
                .map(|b| {
                    format!(
                        "{} | {} | {}",
                        local_time(b.starts_at, v.tz()),
                        local_time(b.ends_at, v.tz()),
                        b.reason
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            ..Default::default()
        }
    }

    /// The API's input, and the fields that did not parse (with stand-ins so the domain names
    /// every other bad field too).
    fn to_input(&self) -> (VenueInput, Vec<FieldError>) {
        let mut errors = Vec::new();
        let mut bad =
            |field: &str, invalid: crate::error::Invalid| errors.push(FieldError::new(field, invalid));
        let kind = VenueKind::parse(&self.kind).unwrap_or_else(|m| {
            bad("kind", m);
            VenueKind::Other
        });
        let tier = ShowcaseTier::parse(&self.tier).unwrap_or_else(|m| {
            bad("tier", m);
            ShowcaseTier::Other
        });
        let mut number = |field: &str, raw: &str| -> f64 {
            raw.trim().parse().unwrap_or_else(|_| {
                bad(field, "must be a number".into());
                0.0
            })
        };
        let latitude = number("latitude", &self.latitude);
        let longitude = number("longitude", &self.longitude);
        let mut whole = |field: &str, raw: &str| -> i64 {
            if raw.trim().is_empty() {
                return 0;
            }
            raw.trim().parse().unwrap_or_else(|_| {
                bad(field, "must be a whole number".into());
                0
            })
        };
        let capacity = whole("capacity", &self.capacity);
        let setup_minutes = whole("setup_minutes", &self.setup_minutes);
        let teardown_minutes = whole("teardown_minutes", &self.teardown_minutes);
        let mut opening_hours = Vec::new();
        for (i, line) in self.hours.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            let parsed = line.split_once(char::is_whitespace).and_then(|(day, times)| {
                let weekday =
                    Weekday::ALL.iter().copied().find(|d| day_id(*d).eq_ignore_ascii_case(day.trim()))?;
                let (opens, closes) = times.trim().split_once(['-', '–'])?;
                Some(OpeningWindowInput { weekday, opens: opens.trim().into(), closes: closes.trim().into() })
            });
            match parsed {
                Some(window) => opening_hours.push(window),
                None => bad(
                    "opening_hours",
                    format!("line {}: write a day and a window, e.g. fri 18:00-02:00", i + 1).into(),
                ),
            }
        }
        let zone = Zone::parse(&self.zone).unwrap_or_default().tz();
        let mut blackouts = Vec::new();
        for (i, line) in self.blackouts.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            let parts: Vec<&str> = line.splitn(3, '|').map(str::trim).collect();
            match parts.as_slice() {
                [start, end, reason] => match (parse_time(start, zone), parse_time(end, zone)) {
                    (Ok(starts_at), Ok(ends_at)) => {
                        blackouts.push(BlackoutInput { starts_at, ends_at, reason: (*reason).into() })
                    }
                    (Err(m), _) | (_, Err(m)) => bad("blackouts", format!("line {}: {m}", i + 1).into()),
                },
                _ => bad("blackouts", format!("line {}: write start | end | reason", i + 1).into()),
            }
        }
        let input = VenueInput {
            slug: self.slug.clone(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            kind,
            tier,
            address: self.address.clone(),
            latitude,
            longitude,
            capacity,
            indoor: self.indoor.is_some(),
            description: self.description.clone(),
            zone: if self.zone.trim().is_empty() { Zone::DEFAULT_NAME.into() } else { self.zone.clone() },
            opening_hours,
            blackouts,
            setup_minutes,
            teardown_minutes,
        };
        (input, errors)
    }
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "console/venue.html")]
struct VenuePage {
    shell: Shell,
    w: &'static Words,
    c: &'static ConsoleWords,
    action: String,
    id: Option<i64>,
    archived: bool,
    inputs: Vec<Input>,
    kinds: Vec<Choice>,
    tiers: Vec<Choice>,
    indoor: bool,
    description: String,
    hours: String,
    blackouts: String,
    photos: Vec<(i64, Option<Img>)>,
}

async fn venue_page(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: Option<i64>,
    form: &VenueForm,
    errors: Errors,
) -> ApiResult<(VenuePage, Csrf)> {
    let lang = language(req);
    let (w, c, csrf) = (words(lang), console_words(lang), Csrf::of(req, state));
    let venue = match id {
        Some(id) => Some(
            venues::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found(format!("Venue {id}")))?,
        ),
        None => None,
    };
    let mut photos = Vec::new();
    if let Some(id) = id {
        for image in media::store::list(&state.db, ImageOwner::Venue(id)).await? {
            photos.push((image.id, img(&image.variants()?, &image.alt, &state.settings.public_url)));
        }
    }
    let inputs = vec![
        Input::new("slug", c.slug, "text", &form.slug, "off").hint(c.slug_hint).required(),
        Input::new("name_zh", c.name_zh, "text", &form.name_zh, "off"),
        Input::new("name_en", c.name_en, "text", &form.name_en, "off"),
        Input::new("address", w.address, "text", &form.address, "off").required(),
        Input::new("latitude", c.latitude, "text", &form.latitude, "off").hint(c.coordinates_hint).required(),
        Input::new("longitude", c.longitude, "text", &form.longitude, "off").required(),
        Input::whole_number("capacity", w.capacity, &form.capacity).required(),
        Input::new("zone", c.zone, "text", &form.zone, "off"),
        Input::whole_number("setup_minutes", w.setup_minutes, &form.setup_minutes),
        Input::whole_number("teardown_minutes", w.teardown_minutes, &form.teardown_minutes),
    ];
    let kinds = VenueKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str(),
            label: i18n::kind_name(lang, *k),
            selected: form.kind == k.as_str(),
        })
        .collect();
    let tiers =
        [(ShowcaseTier::Core, c.core), (ShowcaseTier::Main, c.malls), (ShowcaseTier::Other, c.others_tier)]
            .into_iter()
            .map(|(t, label)| Choice { value: t.as_str(), label, selected: form.tier == t.as_str() })
            .collect();
    let title = venue
        .as_ref()
        .map_or_else(|| c.new_venue.to_owned(), |v| lang.pick(&v.name_zh, &v.name_en).to_owned());
    let shell = Shell::new(req, lang, title, &csrf, Some(me)).with_errors(errors);
    Ok((
        VenuePage {
            shell,
            w,
            c,
            action: id.map_or_else(|| "/staff/venues/new".to_owned(), |id| format!("/staff/venues/{id}")),
            id,
            archived: venue.as_ref().is_some_and(|v| v.archived),
            inputs,
            kinds,
            tiers,
            indoor: form.indoor.is_some(),
            description: form.description.clone(),
            hours: form.hours.clone(),
            blackouts: form.blackouts.clone(),
            photos,
        },
        csrf,
    ))
}

fn day_id(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

pub struct VenueLine {
    pub href: String,
    pub name: String,
    pub facts: String,
    pub archived: bool,
}

#[derive(Template)]
#[template(path = "console/venues.html")]
struct VenuesPage {
    shell: Shell,
    w: &'static Words,
    c: &'static ConsoleWords,
    venues: Vec<VenueLine>,
}

/// `GET /staff/venues`: every venue, archived ones too.
#[handler]
pub async fn list(req: &Request, state: Data<&AppState>, Staff(me): Staff) -> poem::Result<Response> {
    let lang = language(req);
    let (w, c, csrf) = (words(lang), console_words(lang), Csrf::of(req, &state));
    let all = venues::list(
        &state.db,
        &venues::VenueFilter { include_archived: true, ..Default::default() },
        0,
        100,
    )
    .await?;
    let lines = all
        .iter()
        .map(|v| VenueLine {
            href: format!("/staff/venues/{}", v.id),
            name: lang.pick(&v.name_zh, &v.name_en).to_owned(),
            facts: format!(
                "{} · {} {}",
                i18n::kind_name(lang, v.kind),
                w.capacity,
                crate::values::money::thousands(v.capacity)
            ),
            archived: v.archived,
        })
        .collect();
    let template =
        VenuesPage { shell: Shell::new(req, lang, c.venues, &csrf, Some(&me)), w, c, venues: lines };
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

/// `GET /staff/venues/new`.
#[handler]
pub async fn new_page(req: &Request, state: Data<&AppState>, Staff(me): Staff) -> poem::Result<Response> {
    let form = VenueForm {
        kind: "hall".into(),
        tier: "other".into(),
        zone: Zone::DEFAULT_NAME.into(),
        hours: Weekday::ALL
            .iter()
            .map(|d| format!("{} 10:00-22:00", day_id(*d)))
            .collect::<Vec<_>>()
            .join("\n"),
        ..Default::default()
    };
    let (template, csrf) = venue_page(req, &state, &me, None, &form, Errors::default()).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

/// `GET /staff/venues/{id}`.
#[handler]
pub async fn edit(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let venue =
        venues::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found(format!("Venue {id}")))?;
    let (template, csrf) =
        venue_page(req, &state, &me, Some(id), &VenueForm::from_venue(&venue), Errors::default()).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

async fn save(req: &Request, state: &AppState, id: Option<i64>, form: VenueForm) -> poem::Result<Response> {
    let me = staff_or_return!(req, state);
    let (input, mut errors) = form.to_input();
    let result = match VenueDraft::validate(input) {
        Ok(draft) if errors.is_empty() => match id {
            Some(id) => venues::update(&state.db, id, &draft, state.now()).await.map(|()| id),
            None => venues::insert(&state.db, &draft, state.now()).await,
        },
        Ok(_) => Err(ApiError::Validation(errors)),
        Err(ApiError::Validation(more)) => {
            errors.extend(more);
            Err(ApiError::Validation(errors))
        }
        Err(other) => Err(other),
    };
    let errors = match result {
        Ok(id) => return Ok(see_other(&format!("/staff/venues/{id}"), vec![])),
        // The domain names `opening_hours[2].closes`; the form has one box for all the hours.
        Err(ApiError::Validation(fields)) => Errors::from_fields(
            fields
                .into_iter()
                .map(|e| match e.field.split('[').next() {
                    Some(box_name @ ("opening_hours" | "blackouts")) if e.field != box_name => {
                        FieldError::new(box_name, format!("{}: {}", e.field, e.message))
                    }
                    _ => e,
                })
                .collect(),
            crate::web::language(req),
        ),
        Err(ApiError::Conflict { detail, .. }) => {
            Errors::from_fields(vec![FieldError::new("slug", detail)], crate::web::language(req))
        }
        Err(other) => return Err(other.into()),
    };
    let (template, csrf) = venue_page(req, state, &me, id, &form, errors).await?;
    Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &template, &csrf, vec![])?)
}

/// `POST /staff/venues/new`.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    LongForm(form): LongForm<VenueForm>,
) -> poem::Result<Response> {
    save(req, &state, None, form).await
}

/// `POST /staff/venues/{id}`.
#[handler]
pub async fn update(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    LongForm(form): LongForm<VenueForm>,
) -> poem::Result<Response> {
    save(req, &state, Some(id), form).await
}

/// `POST /staff/venues/{id}/archive`: leaves listings, stays readable, takes no new bookings.
#[handler]
pub async fn archive(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    _: Form<CsrfForm>,
) -> poem::Result<Response> {
    let _me = staff_or_return!(req, &state);
    venues::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found(format!("Venue {id}")))?;
    venues::archive(&state.db, id, state.now()).await?;
    Ok(see_other(&format!("/staff/venues/{id}"), vec![]))
}

/// `POST /staff/venues/{id}/photos` (multipart: `file`, `alt`, `csrf`).
#[handler]
pub async fn upload_photo(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Upload(upload): Upload,
    Staff(me): Staff,
) -> poem::Result<Response> {
    match store_image(&state, &me, ImageOwner::Venue(id), upload).await? {
        Ok(()) => Ok(see_other(&format!("/staff/venues/{id}#photos"), vec![])),
        Err(problem) => {
            let venue = venues::find(&state.db, id)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("Venue {id}")))?;
            let (template, csrf) = venue_page(
                req,
                &state,
                &me,
                Some(id),
                &VenueForm::from_venue(&venue),
                Errors::from_problem(problem, crate::web::language(req))?.1,
            )
            .await?;
            Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &template, &csrf, vec![])?)
        }
    }
}

/// `POST /staff/venues/{id}/photos/{image_id}/remove`.
#[handler]
pub async fn remove_photo(
    state: Data<&AppState>,
    Path((id, image_id)): Path<(i64, i64)>,
    _: Form<CsrfForm>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    discard_image(&state, &me, ImageOwner::Venue(id), image_id).await?;
    Ok(see_other(&format!("/staff/venues/{id}#photos"), vec![]))
}
