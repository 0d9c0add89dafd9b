//! HTTP operations for venues.

use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::{ShowcaseTier, Venue, VenueDraft, VenueInput, VenueKind, VenuePatch, store};
use crate::{
    accounts::auth::StaffAuth,
    error::{ApiError, ApiResult},
    http::{ApiTags, JsonBody, Page},
    state::AppState,
};

pub struct VenuesApi;

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct VenueList {
    pub items: Vec<Venue>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum VenueResponse {
    /// The venue.
    #[oai(status = 200)]
    Ok(Json<Venue>),
}

#[derive(ApiResponse)]
pub enum VenueCreated {
    /// The venue was created.
    #[oai(status = 201)]
    Created(Json<Venue>),
}

#[derive(ApiResponse)]
pub enum VenueListResponse {
    /// A page of venues in id order.
    #[oai(status = 200)]
    Ok(Json<VenueList>),
}

async fn load(state: &AppState, id: i64) -> ApiResult<Venue> {
    store::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found(format!("Venue {id}")))
}

#[OpenApi(prefix_path = "/venues", tag = "ApiTags::Venues")]
impl VenuesApi {
    /// List venues
    ///
    /// Archived venues are left out unless `include_archived=true`.
    #[oai(path = "/", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        kind: Query<Option<VenueKind>>,
        tier: Query<Option<ShowcaseTier>>,
        #[oai(default)] include_archived: Query<bool>,
        limit: Query<Option<i64>>,
        cursor: Query<Option<String>>,
    ) -> ApiResult<VenueListResponse> {
        let page = Page::parse(limit.0, cursor.0.as_deref())?;
        let filter = store::VenueFilter { kind: kind.0, tier: tier.0, include_archived: include_archived.0 };
        let mut items = store::list(&state.db, &filter, page.after_id, page.limit + 1).await?;
        let next_cursor = page.next_cursor(&mut items, |v| v.id);
        Ok(VenueListResponse::Ok(Json(VenueList { items, next_cursor })))
    }

    /// Get a venue by id or slug
    #[oai(path = "/:key", method = "get")]
    async fn get(&self, state: Data<&AppState>, key: Path<String>) -> ApiResult<VenueResponse> {
        let venue = store::find_by_key(&state.db, &key.0)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Venue {:?}", key.0)))?;
        Ok(VenueResponse::Ok(Json(venue)))
    }

    /// Create a venue (staff)
    #[oai(path = "/", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: JsonBody<VenueInput>,
    ) -> ApiResult<VenueCreated> {
        auth.0.require_staff()?;
        let draft = VenueDraft::validate(body.0)?;
        let id = store::insert(&state.db, &draft, state.clock.now()).await?;
        Ok(VenueCreated::Created(Json(load(&state, id).await?)))
    }

    /// Update a venue (staff)
    ///
    /// Fields left out keep their value; `opening_hours` and `blackouts`, when given, replace
    /// the old lists.
    ///
    /// The venue is named by id or slug, as in `GET` (one resource, one path).
    #[oai(path = "/:key", method = "patch")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        key: Path<String>,
        body: JsonBody<VenuePatch>,
    ) -> ApiResult<VenueResponse> {
        auth.0.require_staff()?;
        let venue = store::find_by_key(&state.db, &key.0)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Venue {:?}", key.0)))?;
        let id = venue.id;
        let draft = venue.patched(body.0)?;
        store::update(&state.db, id, &draft, state.clock.now()).await?;
        Ok(VenueResponse::Ok(Json(load(&state, id).await?)))
    }

    /// Archive a venue (staff)
    ///
    /// The venue stays readable by id but leaves listings and takes no new bookings.
    #[oai(path = "/:id/archive", method = "post")]
    async fn archive(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<VenueResponse> {
        auth.0.require_staff()?;
        load(&state, id.0).await?;
        store::archive(&state.db, id.0, state.clock.now()).await?;
        Ok(VenueResponse::Ok(Json(load(&state, id.0).await?)))
    }
}
