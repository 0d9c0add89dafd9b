//! Applying for a debut slot and following it. This file holds the booking's page,
//! `/portal/bookings/{id}` (state, next step, clash and free slots, timeline, comments, images,
//! figures), which the forms of its sub-modules re-render with their errors.

use askama::Template;
use chrono::{DateTime, Utc};
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};

use crate::calendar::public_href;
use crate::{
    accounts::store as accounts,
    audit::{self, Subject},
    bookings::{Action, BookingState, service},
    error::{ApiError, ApiResult},
    media::{self, ImageOwner},
    pages::{Img, i18n, img},
    state::AppState,
    values::{Lang, time::local_time},
    venues::{self, Venue},
    web::{
        Csrf, Errors, Shell, SignedIn, Words, language, page, see_other,
        words::{self, words},
    },
};

pub mod actions;
pub mod edit;
pub mod figures;
pub mod form;
pub mod new;
pub mod week;

/// What every link of the form carries while applying to a call.
fn call_suffix(call: Option<i64>) -> String {
    call.map_or_else(String::new, |id| format!("&call={id}"))
}

fn may_apply(me: &SignedIn) -> ApiResult<()> {
    use crate::accounts::OrgKind;
    match me.principal.organization.map(|o| o.kind) {
        Some(OrgKind::Brand | OrgKind::Organizer) => Ok(()),
        _ => Err(ApiError::forbidden(crate::error::Refusal::new("brands-only-bookings"))),
    }
}

/// The later of `at` and now: a block that has passed cannot be picked.
fn now_or(at: DateTime<Utc>, state: &AppState) -> DateTime<Utc> {
    at.max(state.now())
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
    figures: Option<figures::FiguresView>,
}

fn done_notice(w: &Words, done: Option<&str>) -> Option<&'static str> {
    match done? {
        "saved" => Some(w.saved),
        "submitted" => Some(w.submitted_note),
        "withdrawn" => Some(w.withdrawn_note),
        "commented" => Some(w.commented_note),
        "removed" => Some(w.removed_note),
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
        figures: figures::view(state, me, &row, lang).await?,
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
