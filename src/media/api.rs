//! HTTP operations for uploads, and serving stored files.

use poem::{
    FromRequest, Request, RequestBody, Response, handler,
    http::{StatusCode, header},
    web::{Data, Multipart, Path as PoemPath},
};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ApiResponse, ExtractParamOptions, Multipart as MultipartForm, OpenApi,
    param::Path,
    payload::{Json, Payload},
    registry::{MetaMediaType, MetaRequest, Registry},
    types::multipart::Upload,
};
use tokio::io::AsyncReadExt;

use super::{
    ImageOwner, ImageView,
    access::{Access, authorize, venue_exists},
    safe_path, store,
};
use crate::{
    accounts::auth::{BearerAuth, StaffAuth},
    error::{ApiError, ApiResult},
    http::{ApiTags, JsonBody},
    state::AppState,
};

pub struct MediaApi;

/// The upload form, for the OpenAPI document; [`ImageUpload`] reads it.
#[derive(Debug, MultipartForm)]
#[allow(dead_code)]
pub struct UploadForm {
    /// A JPEG, PNG or WebP image (recognized from its content).
    file: Upload,
    /// What the image shows, for people who cannot see it.
    alt: String,
}

/// A multipart upload read with its size limit enforced while streaming.
pub struct ImageUpload {
    pub bytes: Vec<u8>,
    pub alt: String,
    /// Other text fields of the form.
    pub fields: std::collections::BTreeMap<String, String>,
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "The file exceeds {} MiB; send a smaller image.",
        limit / (1024 * 1024)
    ))
}

impl<'a> ApiExtractor<'a> for ImageUpload {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <UploadForm as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: UploadForm::CONTENT_TYPE,
                schema: UploadForm::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        Self::read(request, body).await
    }
}

impl ImageUpload {
    /// Reads the form: the `file` (size limit enforced while streaming), its `alt` text, and any
    /// other short text fields (a web form's CSRF token).
    pub async fn read(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let state = request.data::<AppState>().expect("AppState is attached to every route");
        let limit = state.settings.max_upload_bytes;
        // A declared length far over the limit is refused before reading anything.
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|len| len > limit + 64 * 1024) {
            return Err(too_large(limit).into());
        }
        let is_multipart = request.content_type().is_some_and(|c| c.starts_with("multipart/form-data"));
        if !is_multipart {
            return Err(ApiError::UnsupportedMediaType(
                "Send the image as multipart/form-data with the fields `file` and `alt`.".into(),
            )
            .into());
        }
        let mut multipart = <Multipart as FromRequest>::from_request(request, body)
            .await
            .map_err(|e| ApiError::BadRequest(format!("Could not read the form: {e}")))?;
        let (mut bytes, mut alt, mut fields) = (None, None, std::collections::BTreeMap::new());
        loop {
            let field = multipart
                .next_field()
                .await
                .map_err(|e| ApiError::BadRequest(format!("Could not read the form: {e}")))?;
            let Some(field) = field else { break };
            match field.name() {
                Some("file") => {
                    let mut data = Vec::new();
                    // Read one byte past the limit: more than that and the upload is refused.
                    let read = field.into_async_read().take(limit as u64 + 1).read_to_end(&mut data).await;
                    read.map_err(|e| ApiError::BadRequest(format!("Could not read the file: {e}")))?;
                    if data.len() > limit {
                        return Err(too_large(limit).into());
                    }
                    bytes = Some(data);
                }
                Some("alt") => {
                    let mut text = String::new();
                    field
                        .into_async_read()
                        .take(4096)
                        .read_to_string(&mut text)
                        .await
                        .map_err(|_| ApiError::invalid("alt", crate::error::Invalid::new("utf8")))?;
                    alt = Some(text);
                }
                Some(name) if fields.len() < 8 => {
                    let name = name.to_owned();
                    let mut text = String::new();
                    if field.into_async_read().take(4096).read_to_string(&mut text).await.is_ok() {
                        fields.insert(name, text);
                    }
                }
                _ => {}
            }
        }
        let bytes =
            bytes.ok_or_else(|| ApiError::invalid("file", crate::error::Invalid::new("image-required")))?;
        Ok(Self { bytes, alt: alt.unwrap_or_default(), fields })
    }
}

#[derive(ApiResponse)]
pub enum ImageCreated {
    /// The image and its display variants.
    #[oai(status = 201)]
    Created(Json<ImageView>),
}

#[derive(ApiResponse)]
pub enum ImageSet {
    /// The image and its display variants.
    #[oai(status = 200)]
    Ok(Json<ImageView>),
}

#[derive(ApiResponse)]
pub enum ImageList {
    /// Images, oldest first.
    #[oai(status = 200)]
    Ok(Json<Vec<ImageView>>),
}

#[derive(ApiResponse)]
pub enum ImageDeleted {
    /// Removed; its files go once nothing else uses them.
    #[oai(status = 204)]
    Deleted,
}

#[derive(ApiResponse)]
pub enum ImageReviewed {
    /// The image after the verdict (a rejected one is gone; this is what it was).
    #[oai(status = 200)]
    Ok(Json<ImageView>),
}

/// Staff's note on an image verdict; for a rejection, the applicant reads it.
#[derive(Debug, Default, poem_openapi::Object, serde::Deserialize)]
pub struct ImageReviewNote {
    #[oai(default)]
    #[serde(default)]
    pub note: String,
}

async fn views(state: &AppState, owner: ImageOwner) -> ApiResult<Vec<ImageView>> {
    store::list(&state.db, owner).await?.iter().map(|r| r.view(&state.settings.public_url)).collect()
}

#[OpenApi(prefix_path = "/", tag = "ApiTags::Media")]
impl MediaApi {
    /// Set the organization's logo (members)
    #[oai(path = "/organizations/:id/logo", method = "put")]
    async fn put_logo(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        upload: ImageUpload,
    ) -> ApiResult<ImageSet> {
        let owner = ImageOwner::OrganizationLogo(id.0);
        authorize(&state, &auth.0, owner, Access::Change).await?;
        let view = super::upload(&state, &auth.0, owner, upload.bytes, &upload.alt).await?;
        Ok(ImageSet::Ok(Json(view)))
    }

    /// The organization's logo
    #[oai(path = "/organizations/:id/logo", method = "get")]
    async fn get_logo(&self, state: Data<&AppState>, id: Path<i64>) -> ApiResult<ImageSet> {
        let logo = views(&state, ImageOwner::OrganizationLogo(id.0)).await?.pop();
        Ok(ImageSet::Ok(Json(logo.ok_or_else(|| ApiError::not_found("A logo"))?)))
    }

    /// Remove the organization's logo (members)
    #[oai(path = "/organizations/:id/logo", method = "delete")]
    async fn delete_logo(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<ImageDeleted> {
        let owner = ImageOwner::OrganizationLogo(id.0);
        authorize(&state, &auth.0, owner, Access::Change).await?;
        for image in store::list(&state.db, owner).await? {
            super::remove(&state, owner, image.id).await?;
        }
        Ok(ImageDeleted::Deleted)
    }

    /// Add an image to a booking (applicant; at most 8, the first is the poster)
    #[oai(path = "/bookings/:id/images", method = "post")]
    async fn add_booking_image(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        upload: ImageUpload,
    ) -> ApiResult<ImageCreated> {
        let owner = ImageOwner::Booking(id.0);
        authorize(&state, &auth.0, owner, Access::Change).await?;
        let view = super::upload(&state, &auth.0, owner, upload.bytes, &upload.alt).await?;
        Ok(ImageCreated::Created(Json(view)))
    }

    /// A booking's images
    #[oai(path = "/bookings/:id/images", method = "get")]
    async fn booking_images(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<ImageList> {
        let owner = ImageOwner::Booking(id.0);
        authorize(&state, &auth.0, owner, Access::Read).await?;
        Ok(ImageList::Ok(Json(views(&state, owner).await?)))
    }

    /// Remove a booking's image (applicant)
    #[oai(path = "/bookings/:id/images/:image_id", method = "delete")]
    async fn delete_booking_image(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        image_id: Path<i64>,
    ) -> ApiResult<ImageDeleted> {
        let owner = ImageOwner::Booking(id.0);
        authorize(&state, &auth.0, owner, Access::Change).await?;
        super::remove(&state, owner, image_id.0).await?;
        Ok(ImageDeleted::Deleted)
    }

    /// Approve a booking image awaiting review (staff)
    ///
    /// An image added to a booking after its approval goes public only now; until then the event
    /// keeps its earlier poster. 409 when the image is not awaiting review.
    #[oai(path = "/bookings/:id/images/:image_id/approve", method = "post")]
    async fn approve_booking_image(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        image_id: Path<i64>,
        body: JsonBody<ImageReviewNote>,
    ) -> ApiResult<ImageReviewed> {
        let view = super::review_booking_image(&state, &auth.0, id.0, image_id.0, true, &body.0.note).await?;
        Ok(ImageReviewed::Ok(Json(view)))
    }

    /// Reject a booking image awaiting review (staff)
    ///
    /// The image is removed and the applicant told, with the note. 409 when the image is not
    /// awaiting review.
    #[oai(path = "/bookings/:id/images/:image_id/reject", method = "post")]
    async fn reject_booking_image(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        image_id: Path<i64>,
        body: JsonBody<ImageReviewNote>,
    ) -> ApiResult<ImageReviewed> {
        let view =
            super::review_booking_image(&state, &auth.0, id.0, image_id.0, false, &body.0.note).await?;
        Ok(ImageReviewed::Ok(Json(view)))
    }

    /// Add a photo to an event's figures (its organization or staff; at most 4)
    #[oai(path = "/bookings/:id/figures/photos", method = "post")]
    async fn add_figures_photo(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        upload: ImageUpload,
    ) -> ApiResult<ImageCreated> {
        let owner = ImageOwner::EventFigures(id.0);
        authorize(&state, &auth.0, owner, Access::Change).await?;
        let view = super::upload(&state, &auth.0, owner, upload.bytes, &upload.alt).await?;
        Ok(ImageCreated::Created(Json(view)))
    }

    /// The photos filed with an event's figures
    #[oai(path = "/bookings/:id/figures/photos", method = "get")]
    async fn figures_photos(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<ImageList> {
        let owner = ImageOwner::EventFigures(id.0);
        authorize(&state, &auth.0, owner, Access::Read).await?;
        Ok(ImageList::Ok(Json(views(&state, owner).await?)))
    }

    /// Add a photo to a market application (vendor; at most 6)
    ///
    /// Accepted vendors' first photo shows on the market's public page.
    #[oai(path = "/market-applications/:id/photos", method = "post")]
    async fn add_market_photo(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        upload: ImageUpload,
    ) -> ApiResult<ImageCreated> {
        let owner = ImageOwner::MarketApplication(id.0);
        authorize(&state, &auth.0, owner, Access::Change).await?;
        let view = super::upload(&state, &auth.0, owner, upload.bytes, &upload.alt).await?;
        Ok(ImageCreated::Created(Json(view)))
    }

    /// A market application's photos (vendor, organizer, staff)
    #[oai(path = "/market-applications/:id/photos", method = "get")]
    async fn market_photos(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<ImageList> {
        let owner = ImageOwner::MarketApplication(id.0);
        authorize(&state, &auth.0, owner, Access::Read).await?;
        Ok(ImageList::Ok(Json(views(&state, owner).await?)))
    }

    /// Remove a market application's photo (vendor)
    #[oai(path = "/market-applications/:id/photos/:image_id", method = "delete")]
    async fn delete_market_photo(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        image_id: Path<i64>,
    ) -> ApiResult<ImageDeleted> {
        let owner = ImageOwner::MarketApplication(id.0);
        authorize(&state, &auth.0, owner, Access::Change).await?;
        super::remove(&state, owner, image_id.0).await?;
        Ok(ImageDeleted::Deleted)
    }

    /// Set the food permit or licence of a market application (vendor; replaces the old one)
    ///
    /// Food vendors need one before the organizer can accept them. Not public.
    #[oai(path = "/market-applications/:id/permit", method = "put")]
    async fn put_market_permit(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        upload: ImageUpload,
    ) -> ApiResult<ImageSet> {
        let owner = ImageOwner::MarketPermit(id.0);
        authorize(&state, &auth.0, owner, Access::Change).await?;
        let view = super::upload(&state, &auth.0, owner, upload.bytes, &upload.alt).await?;
        Ok(ImageSet::Ok(Json(view)))
    }

    /// A market application's food permit (vendor, organizer, staff)
    #[oai(path = "/market-applications/:id/permit", method = "get")]
    async fn market_permit(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<ImageSet> {
        let owner = ImageOwner::MarketPermit(id.0);
        authorize(&state, &auth.0, owner, Access::Read).await?;
        let permit = views(&state, owner).await?.pop();
        Ok(ImageSet::Ok(Json(permit.ok_or_else(|| ApiError::not_found("A food permit"))?)))
    }

    /// Add evidence to an incentive application (applicant; at most 10)
    ///
    /// Evidence files are served at unguessable content-hash URLs that are not listed anywhere
    /// public.
    #[oai(path = "/incentives/:id/evidence", method = "post")]
    async fn add_evidence(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        upload: ImageUpload,
    ) -> ApiResult<ImageCreated> {
        let owner = ImageOwner::IncentiveEvidence(id.0);
        authorize(&state, &auth.0, owner, Access::Change).await?;
        let view = super::upload(&state, &auth.0, owner, upload.bytes, &upload.alt).await?;
        Ok(ImageCreated::Created(Json(view)))
    }

    /// An incentive application's evidence (applicant and staff)
    #[oai(path = "/incentives/:id/evidence", method = "get")]
    async fn evidence(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<ImageList> {
        let owner = ImageOwner::IncentiveEvidence(id.0);
        authorize(&state, &auth.0, owner, Access::Read).await?;
        Ok(ImageList::Ok(Json(views(&state, owner).await?)))
    }

    /// Remove evidence (applicant)
    #[oai(path = "/incentives/:id/evidence/:image_id", method = "delete")]
    async fn delete_evidence(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        image_id: Path<i64>,
    ) -> ApiResult<ImageDeleted> {
        let owner = ImageOwner::IncentiveEvidence(id.0);
        authorize(&state, &auth.0, owner, Access::Change).await?;
        super::remove(&state, owner, image_id.0).await?;
        Ok(ImageDeleted::Deleted)
    }

    /// Add a venue photo (staff)
    #[oai(path = "/venues/:id/photos", method = "post")]
    async fn add_venue_photo(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        upload: ImageUpload,
    ) -> ApiResult<ImageCreated> {
        let owner = ImageOwner::Venue(id.0);
        authorize(&state, &auth.0, owner, Access::Change).await?;
        let view = super::upload(&state, &auth.0, owner, upload.bytes, &upload.alt).await?;
        Ok(ImageCreated::Created(Json(view)))
    }

    /// A venue's photos
    #[oai(path = "/venues/:id/photos", method = "get")]
    async fn venue_photos(&self, state: Data<&AppState>, id: Path<i64>) -> ApiResult<ImageList> {
        venue_exists(&state, id.0).await?;
        Ok(ImageList::Ok(Json(views(&state, ImageOwner::Venue(id.0)).await?)))
    }

    /// Remove a venue photo (staff)
    #[oai(path = "/venues/:id/photos/:image_id", method = "delete")]
    async fn delete_venue_photo(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
        image_id: Path<i64>,
    ) -> ApiResult<ImageDeleted> {
        let owner = ImageOwner::Venue(id.0);
        authorize(&state, &auth.0, owner, Access::Change).await?;
        super::remove(&state, owner, image_id.0).await?;
        Ok(ImageDeleted::Deleted)
    }
}

/// `GET /media/{dir}/{file}`: a stored variant, cached for a year (its name is its content).
#[handler]
pub async fn serve(
    state: Data<&AppState>,
    PoemPath((dir, file)): PoemPath<(String, String)>,
) -> poem::Result<Response> {
    let not_found = || ApiError::NotFound("No such media file.".into());
    let (path, content_type) = safe_path(&dir, &file).ok_or_else(not_found)?;
    let bytes = super::files::get(&state.media, &path)
        .await
        .map_err(|e| super::files::unavailable(e, "reading", &path))?
        .ok_or_else(not_found)?;
    Ok(Response::builder()
        .status(StatusCode::OK)
        .content_type(content_type)
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .header("x-content-type-options", "nosniff")
        .body(bytes))
}
