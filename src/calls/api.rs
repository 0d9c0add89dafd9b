//! HTTP operations for calls: publishing, applying, blind scoring and releasing decisions.

use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use super::{
    CallInput,
    service::{self, Call, QueueEntry, ScoreInput},
    store,
};
use crate::{
    accounts::auth::{BearerAuth, StaffAuth},
    bookings::{
        BookingInput,
        service::{Booking, ReleaseResult},
    },
    error::ApiResult,
    http::{ApiTags, JsonBody},
    state::AppState,
};

pub struct CallsApi;

#[derive(Debug, Object)]
pub struct CallList {
    pub items: Vec<Call>,
}

#[derive(Debug, Object)]
pub struct CallQueue {
    pub items: Vec<QueueEntry>,
}

#[derive(Debug, Object)]
pub struct CallRelease {
    pub results: Vec<ReleaseResult>,
}

#[derive(ApiResponse)]
pub enum CallCreated {
    /// The call, published.
    #[oai(status = 201)]
    Created(Json<Call>),
}

#[derive(ApiResponse)]
pub enum CallResponse {
    /// The call.
    #[oai(status = 200)]
    Ok(Json<Call>),
}

#[derive(ApiResponse)]
pub enum CallListResponse {
    /// Calls, newest deadline first.
    #[oai(status = 200)]
    Ok(Json<CallList>),
}

#[derive(ApiResponse)]
pub enum CallApplied {
    /// The booking, linked to the call and submitted.
    #[oai(status = 201)]
    Created(Json<Booking>),
}

#[derive(ApiResponse)]
pub enum CallQueueResponse {
    /// The calling reviewer's queue: what it scored first, by average, then the rest.
    #[oai(status = 200)]
    Ok(Json<CallQueue>),
}

#[derive(ApiResponse)]
pub enum CallReleaseResponse {
    /// Each staged decision of the call and what came of it.
    #[oai(status = 200)]
    Ok(Json<CallRelease>),
}

#[OpenApi(prefix_path = "/", tag = "ApiTags::Calls")]
impl CallsApi {
    /// Publish a call for debuts (staff)
    #[oai(path = "/calls", method = "post")]
    async fn publish(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: JsonBody<CallInput>,
    ) -> ApiResult<CallCreated> {
        Ok(CallCreated::Created(Json(service::publish(&state, &auth.0, body.0).await?)))
    }

    /// Calls for debuts
    #[oai(path = "/calls", method = "get")]
    async fn list(&self, state: Data<&AppState>) -> ApiResult<CallListResponse> {
        let mut items = Vec::new();
        for row in store::list(&state.db).await? {
            items.push(service::view(&state, &row).await?);
        }
        Ok(CallListResponse::Ok(Json(CallList { items })))
    }

    /// A call
    #[oai(path = "/calls/:id", method = "get")]
    async fn get(&self, state: Data<&AppState>, id: Path<i64>) -> ApiResult<CallResponse> {
        let row = service::load(&state, id.0).await?;
        Ok(CallResponse::Ok(Json(service::view(&state, &row).await?)))
    }

    /// Apply to a call (brand or organizer, before the deadline)
    ///
    /// The body is a booking application; its venue, format, reach and times must be among what
    /// the call offers (422 naming the field). After the deadline: 409. The booking is created
    /// linked to the call and submitted.
    #[oai(path = "/calls/:id/applications", method = "post")]
    async fn apply(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        body: JsonBody<BookingInput>,
    ) -> ApiResult<CallApplied> {
        Ok(CallApplied::Created(Json(service::apply(&state, &auth.0, id.0, body.0).await?)))
    }

    /// The call's review queue for the calling reviewer (staff)
    ///
    /// Others' scores and the average of an application show once the caller has scored it.
    #[oai(path = "/calls/:id/queue", method = "get")]
    async fn queue(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<CallQueueResponse> {
        Ok(CallQueueResponse::Ok(Json(CallQueue { items: service::queue(&state, &auth.0, id.0).await? })))
    }

    /// Score an application 1–5 with a comment (staff; replaces the caller's earlier score)
    #[oai(path = "/calls/:id/applications/:booking_id/score", method = "put")]
    async fn score(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        booking_id: Path<i64>,
        body: JsonBody<ScoreInput>,
    ) -> ApiResult<CallQueueResponse> {
        let items = service::score(&state, &auth.0, id.0, booking_id.0, body.0).await?;
        Ok(CallQueueResponse::Ok(Json(CallQueue { items })))
    }

    /// Release every decision staged on the call's applications (staff)
    ///
    /// Decisions are staged per booking (`POST /api/v1/bookings/{id}/decision`) and carried out
    /// here together.
    #[oai(path = "/calls/:id/release", method = "post")]
    async fn release(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<CallReleaseResponse> {
        Ok(CallReleaseResponse::Ok(Json(CallRelease {
            results: service::release(&state, &auth.0, id.0).await?,
        })))
    }
}
