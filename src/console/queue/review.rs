//! One booking's review page, `/staff/bookings/{id}`, and the decisions, image verdicts and
//! comments it posts.

use crate::console::Staff;
use crate::web::form::{Form, LongForm};

use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path},
};
use serde::Deserialize;

use crate::console::words::{ConsoleWords, console_words};
use crate::{
    accounts::store as accounts,
    audit::{self, Subject},
    bookings::{Action, BookingState, service},
    error::{ApiError, ApiResult},
    media,
    pages::i18n,
    state::AppState,
    venues,
    web::{Csrf, Errors, Shell, SignedIn, Words, language, page, see_other, words::words},
};

use super::action_word;

pub struct HistoryLine {
    pub when: String,
    pub what: String,
    pub note: String,
}

pub struct CommentLine {
    pub by: String,
    pub when: String,
    pub body: String,
    pub internal: bool,
}

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "console/booking.html")]
pub(super) struct ReviewPage {
    shell: Shell,
    w: &'static Words,
    c: &'static ConsoleWords,
    id: i64,
    title: String,
    state: &'static str,
    facts: Vec<Fact>,
    clashes: Vec<String>,
    actions: Vec<(&'static str, &'static str)>,
    stageable: bool,
    staged: Option<String>,
    history: Vec<HistoryLine>,
    comments: Vec<CommentLine>,
    public_href: Option<String>,
    awaiting_images: Vec<AwaitingImage>,
}

/// An image added after approval, for staff to approve or reject.
pub(super) struct AwaitingImage {
    id: i64,
    img: Option<crate::pages::Img>,
}

async fn review_page(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    errors: Errors,
    notice: Option<&str>,
) -> ApiResult<(ReviewPage, Csrf)> {
    let lang = language(req);
    let (w, c, csrf) = (words(lang), console_words(lang), Csrf::of(req, state));
    let row = service::load_visible(state, &me.principal, id).await?;
    let booking = service::view(&row, &me.principal)?;
    let content = row.pending_change()?.unwrap_or(row.content()?);
    let tz = row.zone.tz();
    let (clashes, _) = service::competition(state, &me.principal, &row, &content).await?;
    let venue = venues::store::find(&state.db, booking.venue_id).await?;
    let organization = accounts::find_organization(&state.db, booking.organization_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let mut facts = vec![
        Fact { label: c.applicant, value: organization },
        Fact {
            label: c.venue,
            value: venue.map_or_else(String::new, |v| lang.pick(&v.name_zh, &v.name_en).to_owned()),
        },
        Fact {
            label: w.when,
            value: format!(
                "{} ({} {}–{} min)",
                i18n::span(lang, booking.starts_at, booking.ends_at, tz),
                c.buffer_note.trim_end_matches('。').trim_end_matches('.'),
                booking.setup_minutes,
                booking.teardown_minutes
            ),
        },
        Fact { label: c.format, value: i18n::format_name(lang, booking.format).into() },
        Fact { label: c.reach, value: i18n::reach_name(lang, booking.reach).into() },
        Fact { label: w.brand_name, value: booking.brand_name.clone() },
        Fact { label: w.expected_attendance, value: booking.expected_attendance.to_string() },
        Fact {
            label: w.contact_name,
            value: format!("{} · {} {}", booking.contact.name, booking.contact.email, booking.contact.phone),
        },
    ];
    if let Some(change) = &booking.pending_change {
        facts.push(Fact {
            label: w.pending_change,
            value: i18n::span(lang, change.starts_at, change.ends_at, tz),
        });
    }
    let under_review = booking.state == BookingState::Submitted || booking.pending_change.is_some();
    let mut actions = Vec::new();
    if under_review {
        actions = vec![("approve", c.approve), ("reject", c.reject)];
        if booking.pending_change.is_none() {
            actions.push(("request-changes", c.request_changes));
        }
    } else if booking.state == BookingState::Approved {
        actions.push(("cancel", c.cancel));
    }
    let mut history = Vec::new();
    for entry in audit::history(&state.db, Subject::Booking(id)).await? {
        let what = crate::web::words::history_label(lang, &entry.to_state);
        history.push(HistoryLine {
            when: entry.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            what: what.into(),
            note: entry.note,
        });
    }
    let mut comments = Vec::new();
    for entry in audit::comments(&state.db, Subject::Booking(id), true).await? {
        let by = accounts::find_user(&state.db, entry.author_user_id)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default();
        comments.push(CommentLine {
            by,
            when: entry.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            body: entry.body,
            internal: entry.internal,
        });
    }
    let mut awaiting_images = Vec::new();
    for image in media::store::list(&state.db, media::ImageOwner::Booking(id)).await? {
        if image.awaiting_review {
            let img = crate::pages::img(&image.variants()?, &image.alt, &state.settings.public_url);
            awaiting_images.push(AwaitingImage { id: image.id, img });
        }
    }
    let shell =
        Shell::new(req, lang, lang.pick(&booking.title_zh, &booking.title_en).to_owned(), &csrf, Some(me))
            .with_errors(errors)
            .with_notice(notice);
    Ok((
        ReviewPage {
            shell,
            w,
            c,
            id,
            title: lang.pick(&booking.title_zh, &booking.title_en).to_owned(),
            state: crate::web::words::state_label(lang, booking.state).0,
            facts,
            clashes: clashes
                .iter()
                .map(|k| {
                    let (id, title) = (k.id.unwrap_or_default(), k.title.as_deref().unwrap_or_default());
                    format!("#{id} {title} · {}", i18n::span(lang, k.starts_at, k.ends_at, tz))
                })
                .collect(),
            actions,
            stageable: under_review,
            staged: booking
                .staged_decision
                .as_ref()
                .map(|s| format!("{} {}", action_word(c, s.action), s.note)),
            history,
            comments,
            public_href: crate::calendar::public_href(state, id).await?,
            awaiting_images,
        },
        csrf,
    ))
}

/// `GET /staff/bookings/{id}`.
#[handler]
pub async fn review(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let (template, csrf) = review_page(req, &state, &me, id, Errors::default(), None).await?;
    Ok(page(StatusCode::OK, &template, &csrf, vec![])?)
}

async fn problem(
    req: &Request,
    state: &AppState,
    me: &SignedIn,
    id: i64,
    err: ApiError,
) -> poem::Result<Response> {
    let (status, errors) = Errors::from_problem(err, crate::web::language(req))?;
    let (template, csrf) = review_page(req, state, me, id, errors, None).await?;
    Ok(page(status, &template, &csrf, vec![])?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    action: String,
    note: String,
    /// `now` (apply) or `stage` (record for release with others).
    when: String,
}

/// `POST /staff/bookings/{id}/decision`: approve, reject, ask for changes or cancel, now or
/// staged.
#[handler]
pub async fn decide(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let action = match Action::parse(&form.action) {
        Ok(action @ (Action::Approve | Action::Reject | Action::RequestChanges | Action::Cancel)) => action,
        _ => {
            return problem(
                req,
                &state,
                &me,
                id,
                ApiError::invalid("action", crate::error::Invalid::new("booking-action")),
            )
            .await;
        }
    };
    let result = if form.when == "stage" {
        service::stage(&state, &me.principal, id, Some(action), &form.note).await.map(|_| ())
    } else {
        service::act(&state, &me.principal, id, action, &form.note).await.map(|_| ())
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/staff/bookings/{id}"), vec![])),
        Err(err) => problem(req, &state, &me, id, err).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ImageVerdictForm {
    csrf: String,
    note: String,
}

/// `POST /staff/bookings/{id}/images/{image_id}/{approve|reject}`: an image added after approval.
#[handler]
pub async fn image_verdict(
    req: &Request,
    state: Data<&AppState>,
    Path((id, image_id, verdict)): Path<(i64, i64, String)>,
    Form(form): Form<ImageVerdictForm>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    let approve = match verdict.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(ApiError::not_found("No such page.").into()),
    };
    match media::review_booking_image(&state, &me.principal, id, image_id, approve, &form.note).await {
        Ok(_) => Ok(see_other(&format!("/staff/bookings/{id}#images-awaiting"), vec![])),
        Err(err) => problem(req, &state, &me, id, err).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommentForm {
    csrf: String,
    body: String,
    internal: Option<String>,
}

/// `POST /staff/bookings/{id}/comments`: to the applicant, or an internal note.
#[handler]
pub async fn comment(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<i64>,
    LongForm(form): LongForm<CommentForm>,
    Staff(me): Staff,
) -> poem::Result<Response> {
    match service::comment(&state, &me.principal, id, &form.body, form.internal.is_some()).await {
        Ok(_) => Ok(see_other(&format!("/staff/bookings/{id}#comments"), vec![])),
        Err(err) => problem(req, &state, &me, id, err).await,
    }
}
