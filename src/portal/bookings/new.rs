//! `/portal/bookings/new`: choose a venue, see its week, fill in the booking; save or submit.

use crate::web::form::LongForm;
use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Query},
};
use serde::Deserialize;

use crate::{
    bookings::{Action, service},
    calls,
    error::{ApiError, ApiResult},
    media::{self, ImageOwner},
    pages::{i18n, img},
    state::AppState,
    values::Lang,
    venues::{self, ShowcaseTier},
    web::{Csrf, Errors, Shell, SignedIn, Words, language, page, see_other, words::words},
};

use super::{
    call_suffix, form::BookingForm, form::FormView, may_apply, week::VenueChoice, week::VenueGroup,
    week::WeekView, week::week_view,
};

#[derive(Template)]
#[template(path = "portal/new.html")]
pub(super) struct NewPage {
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
