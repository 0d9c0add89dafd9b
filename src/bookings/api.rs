//! HTTP operations for bookings, their review and venue availability.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use serde::Deserialize;

use super::{
    Action, BookingInput, BookingPatch, BookingState, Format, Reach,
    service::{self, ActionOutcome, Booking, QueueItem, ReleaseResult},
    store::{self, BookingFilter},
};
use crate::{
    accounts::auth::{BearerAuth, StaffAuth},
    audit::{self, Comment, HistoryResponse, Subject},
    error::{ApiError, ApiResult},
    http::{ApiTags, JsonBody, Page},
    state::AppState,
    values::time::{local_time, parse_time, within_reason},
    venues,
};

pub struct BookingsApi;

#[derive(Debug, Default, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ActionRequest {
    /// A note to the applicant; for `cancel`, the public reason (required).
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct StageRequest {
    /// approve, reject or request-changes; left out, clears the staged decision.
    #[serde(default, deserialize_with = "crate::http::not_null")]
    pub action: Option<Action>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Default, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ReleaseRequest {
    /// Release only these bookings' staged decisions; all when left out (`null` is refused).
    #[serde(default, deserialize_with = "crate::http::not_null")]
    pub booking_ids: Option<Vec<i64>>,
}

#[derive(Debug, Object, Deserialize)]
pub struct CommentRequest {
    pub body: String,
    /// Staff only: a note the applicant does not see.
    #[oai(default)]
    #[serde(default)]
    pub internal: bool,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BookingList {
    pub items: Vec<Booking>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Object)]
pub struct ReviewQueue {
    pub items: Vec<QueueItem>,
}

#[derive(Debug, Object)]
pub struct ReleaseReport {
    pub results: Vec<ReleaseResult>,
}

#[derive(Debug, Object)]
pub struct Availability {
    pub venue_id: i64,
    pub zone: String,
    pub free: Vec<FreeWindow>,
}

/// A free window, as an instant and in venue time.
#[derive(Debug, Object)]
pub struct FreeWindow {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Venue time, e.g. `2026-12-04T10:00`.
    pub local_starts_at: String,
    pub local_ends_at: String,
}

/// A bound of an availability query: a date (its midnight in venue time; for `to`, the
/// midnight after it, so the day counts whole), a venue-local time or an RFC 3339 instant.
fn availability_bound(
    raw: &str,
    tz: chrono_tz::Tz,
    end: bool,
) -> Result<DateTime<Utc>, crate::error::Invalid> {
    use chrono::{NaiveDate, TimeZone};
    if let Ok(date) = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
        let date = if end {
            date.succ_opt().ok_or_else(|| crate::error::Invalid::new("out-of-range"))?
        } else {
            date
        };
        return tz
            .from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight"))
            .earliest()
            .map(|t| t.to_utc())
            .ok_or_else(|| crate::error::Invalid::new("time-gap").with("typed", date).with("zone", tz.name()))
            .and_then(within_reason);
    }
    parse_time(raw, tz)
}

#[derive(ApiResponse)]
pub enum BookingCreated {
    /// The draft was created.
    #[oai(status = 201)]
    Created(Json<Booking>),
}

#[derive(ApiResponse)]
pub enum BookingResponse {
    /// The booking.
    #[oai(status = 200)]
    Ok(Json<Booking>),
}

#[derive(ApiResponse)]
pub enum BookingListResponse {
    /// A page of bookings in id order.
    #[oai(status = 200)]
    Ok(Json<BookingList>),
}

#[derive(ApiResponse)]
pub enum ActionResponse {
    /// The move was made.
    #[oai(status = 200)]
    Ok(Json<ActionOutcome>),
}

#[derive(ApiResponse)]
pub enum QueueResponse {
    /// Bookings waiting for review, oldest first.
    #[oai(status = 200)]
    Ok(Json<ReviewQueue>),
}

#[derive(ApiResponse)]
pub enum ReleaseResponse {
    /// Each staged decision and what came of it.
    #[oai(status = 200)]
    Ok(Json<ReleaseReport>),
}

#[derive(ApiResponse)]
pub enum CommentsResponse {
    /// The comments the caller may read.
    #[oai(status = 200)]
    Ok(Json<Vec<Comment>>),
}

#[derive(ApiResponse)]
pub enum CommentCreated {
    /// The comment was added.
    #[oai(status = 201)]
    Created(Json<Comment>),
}

#[derive(ApiResponse)]
pub enum AvailabilityResponse {
    /// Free windows: opening hours minus blackouts minus approved bookings with their buffers.
    #[oai(status = 200)]
    Ok(Json<Availability>),
}

#[derive(ApiResponse)]
pub enum SuggestionsResponse {
    /// Nearest free slots of the same length, here and at venues of the same kind.
    #[oai(status = 200)]
    Ok(Json<Vec<service::Suggestion>>),
}

#[OpenApi(prefix_path = "/", tag = "ApiTags::Bookings")]
impl BookingsApi {
    /// Apply for a venue: create a draft booking
    ///
    /// Times are venue time (`2026-12-04T19:00`) or RFC 3339; the venue's rules (opening hours,
    /// blackouts, capacity, maximum duration) are checked now, on submit and on approval.
    #[oai(path = "/bookings", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: JsonBody<BookingInput>,
    ) -> ApiResult<BookingCreated> {
        Ok(BookingCreated::Created(Json(service::create(&state, &auth.0, body.0).await?)))
    }

    /// List bookings
    ///
    /// Staff see all bookings; applicants see their organization's.
    #[oai(path = "/bookings", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        #[oai(name = "state")] booking_state: Query<Option<BookingState>>,
        venue_id: Query<Option<i64>>,
        format: Query<Option<Format>>,
        reach: Query<Option<Reach>>,
        from: Query<Option<DateTime<Utc>>>,
        to: Query<Option<DateTime<Utc>>>,
        limit: Query<Option<i64>>,
        cursor: Query<Option<String>>,
    ) -> ApiResult<BookingListResponse> {
        let page = Page::parse(limit.0, cursor.0.as_deref())?;
        let organization_id = auth.0.listing_scope()?;
        for (field, value) in [("from", from.0), ("to", to.0)] {
            if let Some(value) = value {
                within_reason(value).map_err(|m| ApiError::invalid(field, m))?;
            }
        }
        let filter = BookingFilter {
            organization_id,
            state: booking_state.0,
            venue_id: venue_id.0,
            format: format.0,
            reach: reach.0,
            from: from.0,
            to: to.0,
        };
        let mut rows = store::list(&state.db, &filter, page.after_id, page.limit + 1).await?;
        let next_cursor = page.next_cursor(&mut rows, |r| r.id);
        let items = rows.iter().map(|r| service::view(r, &auth.0)).collect::<ApiResult<_>>()?;
        Ok(BookingListResponse::Ok(Json(BookingList { items, next_cursor })))
    }

    /// The review queue (staff)
    ///
    /// Submitted bookings and change requests, oldest first, each with the bookings competing
    /// for its slot.
    #[oai(path = "/bookings/review-queue", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn review_queue(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        venue_id: Query<Option<i64>>,
        format: Query<Option<Format>>,
        reach: Query<Option<Reach>>,
        from: Query<Option<DateTime<Utc>>>,
        to: Query<Option<DateTime<Utc>>>,
        limit: Query<Option<i64>>,
    ) -> ApiResult<QueueResponse> {
        let page = Page::parse(limit.0, None)?;
        for (field, value) in [("from", from.0), ("to", to.0)] {
            if let Some(value) = value {
                within_reason(value).map_err(|m| ApiError::invalid(field, m))?;
            }
        }
        let filter = BookingFilter {
            venue_id: venue_id.0,
            format: format.0,
            reach: reach.0,
            from: from.0,
            to: to.0,
            ..Default::default()
        };
        let items = service::review_queue(&state, &auth.0, &filter, page.limit).await?;
        Ok(QueueResponse::Ok(Json(ReviewQueue { items })))
    }

    /// Release staged decisions (staff)
    #[oai(path = "/bookings/release", method = "post")]
    async fn release(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: JsonBody<ReleaseRequest>,
    ) -> ApiResult<ReleaseResponse> {
        let results = service::release(&state, &auth.0, body.0.booking_ids).await?;
        Ok(ReleaseResponse::Ok(Json(ReleaseReport { results })))
    }

    /// A booking
    #[oai(path = "/bookings/:id", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<BookingResponse> {
        let row = service::load_visible(&state, &auth.0, id.0).await?;
        Ok(BookingResponse::Ok(Json(service::view(&row, &auth.0)?)))
    }

    /// Edit a booking (applicant)
    ///
    /// Drafts and bookings sent back for changes change in place. An edit to an approved booking
    /// becomes a change request: the approved version stays in force until staff approve it.
    #[oai(path = "/bookings/:id", method = "patch")]
    async fn edit(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        body: JsonBody<BookingPatch>,
    ) -> ApiResult<BookingResponse> {
        Ok(BookingResponse::Ok(Json(service::edit(&state, &auth.0, id.0, body.0).await?)))
    }

    /// Stage a decision to release later (staff)
    #[oai(path = "/bookings/:id/decision", method = "post")]
    async fn stage(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: JsonBody<StageRequest>,
    ) -> ApiResult<BookingResponse> {
        let note = body.0.note.unwrap_or_default();
        Ok(BookingResponse::Ok(Json(service::stage(&state, &auth.0, id.0, body.0.action, &note).await?)))
    }

    /// The booking's audit trail
    #[oai(path = "/bookings/:id/history", method = "get")]
    async fn history(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<HistoryResponse> {
        service::load_visible(&state, &auth.0, id.0).await?;
        Ok(HistoryResponse::Ok(Json(audit::history(&state.db, Subject::Booking(id.0)).await?)))
    }

    /// Comments on the booking
    ///
    /// Internal notes are left out for the applicant.
    #[oai(path = "/bookings/:id/comments", method = "get")]
    async fn comments(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<CommentsResponse> {
        service::load_visible(&state, &auth.0, id.0).await?;
        let comments = audit::comments(&state.db, Subject::Booking(id.0), auth.0.is_staff()).await?;
        Ok(CommentsResponse::Ok(Json(comments)))
    }

    /// Comment on the booking
    #[oai(path = "/bookings/:id/comments", method = "post")]
    async fn comment(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        body: JsonBody<CommentRequest>,
    ) -> ApiResult<CommentCreated> {
        let comment = service::comment(&state, &auth.0, id.0, &body.0.body, body.0.internal).await?;
        Ok(CommentCreated::Created(Json(comment)))
    }

    /// Free slots like this booking's
    #[oai(path = "/bookings/:id/suggestions", method = "get")]
    async fn suggestions(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<SuggestionsResponse> {
        let row = service::load_visible(&state, &auth.0, id.0).await?;
        let content = row.pending_change()?.unwrap_or(row.content()?);
        Ok(SuggestionsResponse::Ok(Json(service::suggestions(&state, row.id, &content).await?)))
    }

    /// Act on a booking: submit, approve, reject, request-changes, withdraw or cancel
    ///
    /// Applicants submit and withdraw; staff approve, reject, request changes and cancel (with a
    /// public reason in `note`). A move the booking's state does not allow is a 409 naming the
    /// state; approving into a clash is a 409 naming the clashing booking.
    #[oai(path = "/bookings/:id/:action", method = "post")]
    async fn act(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        action: Path<Action>,
        body: JsonBody<ActionRequest>,
    ) -> ApiResult<ActionResponse> {
        let action = action.0;
        let note = body.0.note.unwrap_or_default();
        Ok(ActionResponse::Ok(Json(service::act(&state, &auth.0, id.0, action, &note).await?)))
    }

    /// Free windows at a venue
    ///
    /// Opening hours minus blackouts minus approved bookings (with setup and teardown), between
    /// `from` and `to` (at most 92 days): dates (`2026-12-04`, `to` counted whole), venue-local
    /// times (`2026-12-04T10:00`) or RFC 3339. The venue may be named by id or slug; windows come
    /// back as instants and in venue time.
    #[oai(path = "/venues/:key/availability", method = "get", tag = "ApiTags::Venues")]
    async fn availability(
        &self,
        state: Data<&AppState>,
        key: Path<String>,
        from: Query<String>,
        to: Query<String>,
    ) -> ApiResult<AvailabilityResponse> {
        let venue = venues::store::find_by_key(&state.db, &key.0)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Venue {:?}", key.0)))?;
        let tz = venue.tz();
        let mut v = crate::error::Violations::default();
        let from = v.check("from", availability_bound(&from.0, tz, false));
        let to = v.check("to", availability_bound(&to.0, tz, true));
        v.finish(|| ())?;
        let free =
            service::availability(&state, &venue, from.expect("checked"), to.expect("checked")).await?;
        Ok(AvailabilityResponse::Ok(Json(Availability {
            venue_id: venue.id,
            zone: venue.zone.name().to_owned(),
            free: free
                .into_iter()
                .map(|w| FreeWindow {
                    local_starts_at: local_time(w.starts_at, tz),
                    local_ends_at: local_time(w.ends_at, tz),
                    starts_at: w.starts_at,
                    ends_at: w.ends_at,
                })
                .collect(),
        })))
    }
}
