//! Media: organization logos, booking images (the first is the poster), venue photos and
//! evidence for first-store incentive applications.
//!
//! Uploads are checked and processed by [`process`] on the blocking pool, within a memory budget
//! and a few at a time (`AppState::image_work`), so a burst of uploads can neither exhaust memory
//! nor stall other requests. Variant files are named by the upload's content hash
//! (`media/ab/ab12…-640.webp`): URLs never change, equal uploads share files, and a file is
//! deleted when no image references its hash. The reference count (`media_files`) and the
//! owner's image count change in the same transaction as the files, under row locks, so racing
//! uploads and deletions neither lose files nor pass limits. The files live in a folder or an
//! S3-compatible object store ([`files`]); no path from a client reaches either.

pub mod access;
pub mod api;
pub mod files;
pub mod process;
pub mod store;

use poem_openapi::Object;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    accounts::{self, Principal},
    audit::{self, Subject},
    bookings::{self, BookingState},
    cache,
    db::Tx,
    error::{ApiError, ApiResult},
    notifications::{self, Message},
    state::AppState,
    values::text::required_text,
};
use process::{Encoding, ImageError, ResizeWith};

/// What an image belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageOwner {
    OrganizationLogo(i64),
    Booking(i64),
    Venue(i64),
    /// Photos of the opened store, licences: what staff verify an application by.
    IncentiveEvidence(i64),
    /// A vendor's photos of its stall and products, for the market's public page.
    MarketApplication(i64),
    /// A vendor's food permit or licence: seen by the vendor, the organizer and staff only.
    MarketPermit(i64),
    /// Photos filed with an event's figures, by booking.
    EventFigures(i64),
}

impl ImageOwner {
    pub fn parts(self) -> (&'static str, i64) {
        match self {
            Self::OrganizationLogo(id) => ("organization_logo", id),
            Self::Booking(id) => ("booking", id),
            Self::Venue(id) => ("venue", id),
            Self::IncentiveEvidence(id) => ("incentive_evidence", id),
            Self::MarketApplication(id) => ("market_application", id),
            Self::MarketPermit(id) => ("market_permit", id),
            Self::EventFigures(id) => ("event_figures", id),
        }
    }

    /// What a change of the owner's images touches in the public event list: a booking's poster
    /// is in its events; venue photos and the rest show on pages only.
    pub fn touches(self) -> cache::Touched {
        match self {
            Self::Booking(id) => cache::Touched::Booking(id),
            _ => cache::Touched::NoEvent,
        }
    }

    /// How many images the owner may have.
    pub fn max_images(self) -> usize {
        match self {
            Self::OrganizationLogo(_) => 1,
            Self::Booking(_) => 8,
            Self::Venue(_) => 30,
            Self::IncentiveEvidence(_) => 10,
            Self::MarketApplication(_) => 6,
            Self::MarketPermit(_) => 1,
            Self::EventFigures(_) => 4,
        }
    }
}

/// A stored variant, as kept in the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredVariant {
    pub width: u32,
    pub height: u32,
    pub format: String,
    pub path: String,
}

#[derive(Debug, Clone, Object)]
pub struct VariantView {
    pub width: u32,
    pub height: u32,
    /// `image/jpeg` or `image/webp`.
    pub content_type: String,
    pub url: String,
}

#[derive(Debug, Clone, Object)]
pub struct ImageView {
    pub id: i64,
    pub alt: String,
    /// Of the upright original.
    pub width: i64,
    pub height: i64,
    /// Display variants, narrowest first; every width in JPEG and WebP.
    pub variants: Vec<VariantView>,
    /// Added to a booking after its approval: staff approve it before it goes public (until
    /// then the event keeps its earlier poster).
    pub awaiting_review: bool,
}

/// Absolute URL of a stored file.
pub fn url(public_url: &str, path: &str) -> String {
    format!("{public_url}/media/{path}")
}

pub fn variant_views(variants: &[StoredVariant], public_url: &str) -> Vec<VariantView> {
    variants
        .iter()
        .map(|v| VariantView {
            width: v.width,
            height: v.height,
            content_type: if v.format == "webp" { "image/webp".into() } else { "image/jpeg".into() },
            url: url(public_url, &v.path),
        })
        .collect()
}

/// The content hash that names an upload's files.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..16])
}

fn variant_path(hash: &str, width: u32, encoding: Encoding) -> String {
    format!("{}/{hash}-{width}.{}", &hash[..2], encoding.extension())
}

/// Stores each variant under its content-named path, unless it is there already.
async fn write_files(
    files: &files::Files,
    hash: &str,
    variants: Vec<process::Variant>,
) -> ApiResult<Vec<StoredVariant>> {
    let mut stored = Vec::new();
    for variant in variants {
        let path = variant_path(hash, variant.width, variant.encoding);
        files::put_new(files, &path, variant.bytes.into())
            .await
            .map_err(|e| files::unavailable(e, "storing", &path))?;
        stored.push(StoredVariant {
            width: variant.width,
            height: variant.height,
            format: variant.encoding.extension().replace("jpg", "jpeg"),
            path,
        });
    }
    Ok(stored)
}

/// One image fewer uses `hash`: when none is left, its files go, inside the caller's
/// transaction (which holds the content's lock).
async fn release(tx: &mut Tx, files: &files::Files, hash: &str, variants: &[StoredVariant]) -> ApiResult<()> {
    if store::drop_ref(tx, hash).await? == 0 {
        for variant in variants {
            if let Err(e) = files::delete(files, &variant.path).await {
                tracing::warn!(error = %e, path = %variant.path, "could not remove a media file");
            }
        }
    }
    Ok(())
}

fn image_error(e: ImageError) -> ApiError {
    ApiError::invalid("file", e.invalid())
}

/// Checks, processes and stores an upload for `owner`. The caller has checked permissions.
pub async fn upload(
    state: &AppState,
    principal: &Principal,
    owner: ImageOwner,
    bytes: Vec<u8>,
    alt: &str,
) -> ApiResult<ImageView> {
    let alt = required_text(alt, 300).map_err(|m| {
        // An empty description gets the reason it matters; a long one gets its limit.
        let why = if m.code == "required" { crate::error::Invalid::new("alt-required") } else { m };
        ApiError::invalid("alt", why)
    })?;
    process::sniff(&bytes).map_err(image_error)?;
    // A logo or a permit is replaced by a new upload, inside the transaction below.
    let is_logo = owner.max_images() == 1;
    let full =
        || ApiError::conflict(crate::error::Reason::new("images-full").with("max", owner.max_images()));
    // A cheap early answer; the count that counts is taken again under the owner's lock.
    if !is_logo && store::list(&state.db, owner).await?.len() >= owner.max_images() {
        return Err(full());
    }
    let hash = content_hash(&bytes);
    let max_pixels = state.settings.max_upload_pixels;
    let (width, height, variants) = {
        let needed = process::memory_needed(&bytes, max_pixels).map_err(image_error)?;
        let _reserved =
            state.image_work.reserve(needed).await.map_err(|e| ApiError::invalid("file", e.to_string()))?;
        tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
            let image = process::decode(&bytes, max_pixels).map_err(image_error)?;
            let (width, height) = image.dimensions();
            let variants = process::variants(image, ResizeWith::FastImageResize).map_err(image_error)?;
            Ok((width, height, variants))
        })
        .await
        .map_err(|e| ApiError::Internal(e.into()))??
    };

    let awaiting_review = awaits_review(state, owner).await?;
    let mut tx = state.db.begin().await?;
    store::lock_owner(&mut tx, owner).await?;
    let existing = store::list_in(&mut tx, owner).await?;
    if !is_logo && existing.len() >= owner.max_images() {
        return Err(full());
    }
    store::add_ref(&mut tx, &hash).await?;
    let stored = write_files(&state.media, &hash, variants).await?;
    let id = store::insert_in(
        &mut tx,
        owner,
        &hash,
        &alt,
        width,
        height,
        &stored,
        awaiting_review,
        principal.user_id,
        state.clock.now(),
    )
    .await?;
    if is_logo {
        for old in existing {
            store::delete_in(&mut tx, old.id).await?;
            release(&mut tx, &state.media, &old.hash, &old.variants()?).await?;
        }
    }
    if awaiting_review {
        for message in review_messages(state, owner.parts().1, id).await? {
            notifications::enqueue(&mut tx, &message, state.now(), state.settings.notify.debounce).await?;
        }
    } else {
        // Posters and venue photos show on pages and in feeds.
        cache::bump_public_version(&mut tx, owner.touches()).await?;
    }
    tx.commit().await?;
    let row = store::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found(format!("Image {id}")))?;
    row.view(&state.settings.public_url)
}

/// Whether a new image of `owner` must wait for staff: one added to a booking that is public
/// already (approved) would otherwise reach the event page and feeds unseen.
async fn awaits_review(state: &AppState, owner: ImageOwner) -> ApiResult<bool> {
    let ImageOwner::Booking(booking_id) = owner else { return Ok(false) };
    Ok(bookings::store::find(&state.db, booking_id).await?.is_some_and(|b| b.state == BookingState::Approved))
}

/// One e-mail to each active staff member: an image on a public event awaits their review.
async fn review_messages(state: &AppState, booking_id: i64, image_id: i64) -> ApiResult<Vec<Message>> {
    let staff = accounts::store::staff(&state.db).await?;
    Ok(staff
        .into_iter()
        .filter(|s| s.removed_at.is_none())
        .map(|s| Message::to_reader(
            format!("image-review:{booking_id}:{}", s.id),
            s.email,
            s.lang,
            "mail-image-review",
            &vec![
                ("booking", booking_id.into()),
                ("link", format!("{}/staff/bookings/{booking_id}", state.settings.public_url).into()),
            ],
            serde_json::json!({"event": "image.awaiting_review", "booking_id": booking_id, "image_id": image_id}),
        ))
        .collect())
}

/// Staff's verdict on a booking image awaiting review: approved, it goes public (the poster if
/// it is the booking's first image); rejected, it is removed and the applicant told why.
pub async fn review_booking_image(
    state: &AppState,
    principal: &Principal,
    booking_id: i64,
    image_id: i64,
    approve: bool,
    note: &str,
) -> ApiResult<ImageView> {
    principal.require_staff()?;
    let owner = ImageOwner::Booking(booking_id);
    let row = store::find(&state.db, image_id)
        .await?
        .filter(|r| (r.owner_kind.as_str(), r.owner_id) == owner.parts())
        .ok_or_else(|| ApiError::not_found(format!("Image {image_id} of booking {booking_id}")))?;
    if !row.awaiting_review {
        return Err(ApiError::conflict(
            crate::error::Reason::new("image-not-waiting").with("image", image_id),
        ));
    }
    let now = state.now();
    let verdict = if approve { "image_approved" } else { "image_rejected" };
    // The history labels the verdict in the reader's language; its note names the image.
    let said = if note.trim().is_empty() { String::new() } else { format!(": {}", note.trim()) };
    let history_note = format!("\"{}\"{said}", row.alt);
    let note = history_note.as_str();
    if approve {
        let mut tx = state.db.begin().await?;
        if !store::approve_in(&mut tx, image_id).await? {
            return Err(ApiError::conflict(
                crate::error::Reason::new("image-not-waiting").with("image", image_id),
            ));
        }
        audit::record(&mut tx, Subject::Booking(booking_id), principal.user_id, now, "image", verdict, note)
            .await?;
        cache::bump_public_version(&mut tx, owner.touches()).await?;
        tx.commit().await?;
    } else {
        let booking = bookings::store::find(&state.db, booking_id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Booking {booking_id}")))?;
        remove(state, owner, image_id).await?;
        let mut tx = state.db.begin().await?;
        audit::record(&mut tx, Subject::Booking(booking_id), principal.user_id, now, "image", verdict, note)
            .await?;
        let reason = said.trim_start_matches(": ").to_owned();
        let alt = row.alt.clone();
        let message = Message::to_organization(
            format!("image-rejected:{image_id}"),
            booking.organization_id,
            "mail-image-rejected",
            |_| {
                vec![
                    ("booking", booking_id.into()),
                    ("alt", alt.clone().into()),
                    ("reason", reason.clone().into()),
                    ("given", if reason.is_empty() { "no" } else { "yes" }.into()),
                ]
            },
            format!("/portal/bookings/{booking_id}"),
            serde_json::json!({"event": "image.rejected", "booking_id": booking_id, "image_id": image_id}),
        );
        notifications::enqueue(&mut tx, &message, now, state.settings.notify.debounce).await?;
        tx.commit().await?;
        return Ok(ImageView { awaiting_review: false, ..row.view(&state.settings.public_url)? });
    }
    store::find(&state.db, image_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Image {image_id}")))?
        .view(&state.settings.public_url)
}

/// Removes one of `owner`'s images and, if nothing else uses them, its files.
pub async fn remove(state: &AppState, owner: ImageOwner, image_id: i64) -> ApiResult<()> {
    let not_found = || ApiError::not_found(format!("Image {image_id}"));
    let row = store::find(&state.db, image_id)
        .await?
        .filter(|r| (r.owner_kind.as_str(), r.owner_id) == owner.parts())
        .ok_or_else(not_found)?;
    let mut tx = state.db.begin().await?;
    store::lock_owner(&mut tx, owner).await?;
    if !store::delete_in(&mut tx, row.id).await? {
        return Err(not_found());
    }
    release(&mut tx, &state.media, &row.hash, &row.variants()?).await?;
    cache::bump_public_version(&mut tx, owner.touches()).await?;
    tx.commit().await?;
    Ok(())
}

/// A stored file's path under the media root, if `dir/file` is a name we could have made.
pub fn safe_path(dir: &str, file: &str) -> Option<(String, &'static str)> {
    let hex = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
    let (stem, extension) = file.rsplit_once('.')?;
    let content_type = match extension {
        "jpg" => "image/jpeg",
        "webp" => "image/webp",
        _ => return None,
    };
    let (hash, width) = stem.split_once('-')?;
    let valid = dir.len() == 2
        && hex(dir)
        && hash.len() == 32
        && hex(hash)
        && hash.starts_with(dir)
        && !width.is_empty()
        && width.len() <= 5
        && width.chars().all(|c| c.is_ascii_digit());
    valid.then(|| (format!("{dir}/{file}"), content_type))
}

/// Stored images and their variants.
pub fn routes(r: &mut crate::http::Routes) {
    r.get("/media/:dir/:file", api::serve);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_we_make_are_served() {
        let hash = "ab".to_owned() + &"0".repeat(30);
        assert_eq!(
            safe_path("ab", &format!("{hash}-640.webp")),
            Some((format!("ab/{hash}-640.webp"), "image/webp"))
        );
        for (dir, file) in [
            ("..", "passwd"),
            ("ab", "../../etc/passwd"),
            ("ab", &format!("{hash}-640.png")),
            ("cd", &format!("{hash}-640.jpg")),
            ("ab", &format!("{}-640.jpg", hash.to_uppercase())),
            ("ab", &format!("{hash}-64x.jpg")),
        ] {
            assert_eq!(safe_path(dir, file), None, "{dir}/{file}");
        }
    }
}
