//! What a brand does on its booking's page: submit, withdraw, take a free slot, comment, add images.

use crate::web::form::{Form, LongForm, Upload};
use poem::{
    Request, Response, handler,
    web::{Data, Path},
};
use serde::Deserialize;

use crate::{
    bookings::{Action, BookingPatch, service},
    media::ImageOwner,
    state::AppState,
    venues,
    web::{CsrfForm, SignedIn, discard_image, see_other, store_image},
};

use super::{act, show_problem};

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
        Ok(_) => Ok(see_other(&format!("/portal/bookings/{id}?done=commented#comments"), vec![])),
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
    Ok(see_other(&format!("/portal/bookings/{id}?done=removed#images"), vec![]))
}
