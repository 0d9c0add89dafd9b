//! Changing a booking: drafts and bookings sent back change in place; an approved one asks for a change.

use crate::web::form::LongForm;
use askama::Template;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Path},
};

use crate::{
    bookings::{BookingState, service},
    error::{ApiError, ApiResult},
    state::AppState,
    values::time::local_time,
    web::{Csrf, Errors, Shell, SignedIn, Words, language, page, see_other, words::words},
};

use super::{form::BookingForm, form::FormView, show_problem};

#[derive(Template)]
#[template(path = "portal/edit.html")]
pub(super) struct EditPage {
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
