//! Media: organization logos, booking images (the first is the poster), venue photos and
//! evidence for first-store incentive applications.
//!
//! Uploads are checked and processed by [`process`] on the blocking pool, a few at a time
//! (`AppState::media_permits`), so a burst of uploads cannot stall other requests. Variant files
//! are named by the upload's content hash (`media/ab/ab12…-640.webp`): URLs never change, equal
//! uploads share files, and a file is deleted when no image references its hash. Files are
//! written to a temporary name and renamed into place; no path from a client reaches the file
//! system.

pub mod api;
pub mod process;
pub mod store;

use std::path::{Path, PathBuf};

use poem_openapi::Object;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    accounts::{Principal, required_text},
    error::{ApiError, ApiResult},
    http::AppState,
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
}

impl ImageOwner {
    pub fn parts(self) -> (&'static str, i64) {
        match self {
            Self::OrganizationLogo(id) => ("organization_logo", id),
            Self::Booking(id) => ("booking", id),
            Self::Venue(id) => ("venue", id),
            Self::IncentiveEvidence(id) => ("incentive_evidence", id),
        }
    }

    /// How many images the owner may have.
    pub fn max_images(self) -> usize {
        match self {
            Self::OrganizationLogo(_) => 1,
            Self::Booking(_) => 8,
            Self::Venue(_) => 30,
            Self::IncentiveEvidence(_) => 10,
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

/// Writes each variant under `root` (temporary file, then rename) unless it is already there.
fn write_files(
    root: &Path,
    hash: &str,
    variants: &[process::Variant],
) -> std::io::Result<Vec<StoredVariant>> {
    let dir = root.join(&hash[..2]);
    std::fs::create_dir_all(&dir)?;
    let mut stored = Vec::new();
    for variant in variants {
        let path = variant_path(hash, variant.width, variant.encoding);
        let target = root.join(&path);
        if !target.exists() {
            let temporary = dir.join(format!(".{hash}-{}-{}.tmp", variant.width, std::process::id()));
            std::fs::write(&temporary, &variant.bytes)?;
            std::fs::rename(&temporary, &target)?;
        }
        stored.push(StoredVariant {
            width: variant.width,
            height: variant.height,
            format: variant.encoding.extension().replace("jpg", "jpeg"),
            path,
        });
    }
    Ok(stored)
}

/// Deletes the files of `hash` once no image references it.
pub async fn collect_garbage(state: &AppState, hash: &str, variants: &[StoredVariant]) -> ApiResult<()> {
    if store::count_by_hash(&state.db, hash).await? == 0 {
        for variant in variants {
            let path = state.settings.media_dir.join(&variant.path);
            if let Err(e) = tokio::fs::remove_file(&path).await
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(error = %e, path = %path.display(), "could not remove a media file");
            }
        }
    }
    Ok(())
}

fn image_error(e: ImageError) -> ApiError {
    ApiError::invalid("file", e.to_string())
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
        ApiError::invalid("alt", format!("{m}: describe the image for people who cannot see it"))
    })?;
    process::sniff(&bytes).map_err(image_error)?;
    if store::list(&state.db, owner).await?.len() >= owner.max_images()
        && !matches!(owner, ImageOwner::OrganizationLogo(_))
    {
        return Err(ApiError::conflict(format!(
            "At most {} images here; delete one first.",
            owner.max_images()
        )));
    }
    let hash = content_hash(&bytes);
    let max_pixels = state.settings.max_upload_pixels;
    let root: PathBuf = state.settings.media_dir.clone();
    let _permit = state.media_permits.acquire().await.map_err(|e| ApiError::Internal(e.into()))?;
    let hash_for_files = hash.clone();
    let (width, height, stored) = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let image = process::decode(&bytes, max_pixels).map_err(image_error)?;
        let variants = process::variants(&image, ResizeWith::FastImageResize).map_err(image_error)?;
        let stored =
            write_files(&root, &hash_for_files, &variants).map_err(|e| ApiError::Internal(e.into()))?;
        Ok((image.width(), image.height(), stored))
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))??;
    let replaced = match owner {
        ImageOwner::OrganizationLogo(_) => store::list(&state.db, owner).await?,
        _ => vec![],
    };
    let id = store::insert(
        &state.db,
        owner,
        &hash,
        &alt,
        width,
        height,
        &stored,
        principal.user_id,
        state.clock.now(),
    )
    .await?;
    for old in replaced {
        store::delete(&state.db, old.id).await?;
        collect_garbage(state, &old.hash, &old.variants()?).await?;
    }
    // Posters and venue photos show on pages and in feeds.
    crate::calendar::store::touch(&state.db).await?;
    let row = store::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found(format!("Image {id}")))?;
    row.view(&state.settings.public_url)
}

/// Removes one of `owner`'s images and, if nothing else uses them, its files.
pub async fn remove(state: &AppState, owner: ImageOwner, image_id: i64) -> ApiResult<()> {
    let row = store::find(&state.db, image_id)
        .await?
        .filter(|r| (r.owner_kind.as_str(), r.owner_id) == owner.parts())
        .ok_or_else(|| ApiError::not_found(format!("Image {image_id}")))?;
    store::delete(&state.db, row.id).await?;
    crate::calendar::store::touch(&state.db).await?;
    collect_garbage(state, &row.hash, &row.variants()?).await
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
