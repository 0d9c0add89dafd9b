//! Where variant files live: a folder on local disk (the default) or an S3-compatible object
//! store (`--media-url s3://bucket/prefix`), behind the one interface of `object_store`, so the
//! rest of media neither knows nor cares. With an object store, every `debut serve` process of a
//! deployment writes and serves the same files.
//!
//! Files are written whole or not at all (the local store writes a temporary file and renames it;
//! S3 makes an object visible only once complete), and a name is only ever written with the same
//! bytes (it is the content's hash), so racing writers cannot corrupt one.

use std::{path::Path, sync::Arc};

use anyhow::Context;
use bytes::Bytes;
use object_store::{
    ObjectStore, ObjectStoreExt, aws::AmazonS3Builder, local::LocalFileSystem, path::Path as Key,
    prefix::PrefixStore,
};

use crate::{config::Settings, error::ApiError};

/// The store holding media files; shared by every request (see `AppState::media`).
pub type Files = Arc<dyn ObjectStore>;

/// Opens the store the settings name: the object store of `media_url` if set, else the folder
/// `media_dir` (created when missing).
pub fn open(settings: &Settings) -> anyhow::Result<Files> {
    match settings.media_url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => open_url(url),
        None => open_dir(&settings.media_dir),
    }
}

fn open_dir(dir: &Path) -> anyhow::Result<Files> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating the media folder {}", dir.display()))?;
    // Removing the last file of a folder removes the folder, so the tree does not fill with empty ones.
    let store = LocalFileSystem::new_with_prefix(dir)
        .with_context(|| format!("opening the media folder {}", dir.display()))?
        .with_automatic_cleanup(true);
    Ok(Arc::new(store))
}

/// `s3://bucket/prefix`, with the endpoint, region and credentials from the standard `AWS_*`
/// variables (`AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, and
/// `AWS_ALLOW_HTTP=true` for an endpoint without TLS).
fn open_url(url: &str) -> anyhow::Result<Files> {
    let usage = || {
        format!(
            "--media-url {url:?}: expected s3://bucket or s3://bucket/prefix (endpoint and keys from AWS_* variables)"
        )
    };
    let rest = url.strip_prefix("s3://").with_context(usage)?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        anyhow::bail!(usage());
    }
    let s3 = AmazonS3Builder::from_env().with_bucket_name(bucket).build().with_context(usage)?;
    let prefix = prefix.trim_matches('/');
    Ok(if prefix.is_empty() { Arc::new(s3) } else { Arc::new(PrefixStore::new(s3, Key::from(prefix))) })
}

/// A store that fails (out of reach, refusing our keys, a full disk) is a 503 that names the
/// media store, so the client retries and the operator knows where to look; what failed is
/// logged. Nothing was half-written: see the module comment.
pub fn unavailable(error: object_store::Error, doing: &str, path: &str) -> ApiError {
    tracing::error!(%error, path, "media store failed {doing}");
    ApiError::Unavailable {
        detail: format!(
            "The media store failed {doing} {path}; nothing was changed, please try again in a minute."
        ),
        retry_after: std::time::Duration::from_secs(30),
    }
}

fn key(path: &str) -> Key {
    Key::from(path)
}

/// Writes `bytes` at `path` unless a file is there already (same name, same content).
pub async fn put_new(files: &Files, path: &str, bytes: Bytes) -> object_store::Result<()> {
    let key = key(path);
    match files.head(&key).await {
        Ok(_) => Ok(()),
        Err(object_store::Error::NotFound { .. }) => files.put(&key, bytes.into()).await.map(|_| ()),
        Err(e) => Err(e),
    }
}

/// The file at `path`, or `None` when there is none.
pub async fn get(files: &Files, path: &str) -> object_store::Result<Option<Bytes>> {
    match files.get(&key(path)).await {
        Ok(found) => found.bytes().await.map(Some),
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Removes the file at `path`; one already gone is no error.
pub async fn delete(files: &Files, path: &str) -> object_store::Result<()> {
    match files.delete(&key(path)).await {
        Err(object_store::Error::NotFound { .. }) => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str) -> Settings {
        let mut settings = Settings::new("127.0.0.1:0", "sqlite::memory:");
        settings.media_url = Some(url.to_owned());
        settings
    }

    #[test]
    fn only_s3_urls_with_a_bucket_are_taken() {
        for url in ["https://example.com/media", "s3://", "s3:///prefix", "/srv/media"] {
            let error = open(&settings(url)).err().unwrap_or_else(|| panic!("{url} was taken"));
            assert!(format!("{error:#}").contains("expected s3://bucket"), "{url}: {error:#}");
        }
    }

    #[tokio::test]
    async fn a_folder_keeps_files_by_name_and_forgets_them_on_delete() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::new("127.0.0.1:0", "sqlite::memory:");
        settings.media_dir = dir.path().join("media");
        let files = open(&settings).unwrap();
        put_new(&files, "ab/ab12-640.jpg", Bytes::from_static(b"first")).await.unwrap();
        put_new(&files, "ab/ab12-640.jpg", Bytes::from_static(b"second")).await.unwrap();
        assert_eq!(get(&files, "ab/ab12-640.jpg").await.unwrap().as_deref(), Some(&b"first"[..]), "kept");
        assert!(dir.path().join("media/ab/ab12-640.jpg").is_file(), "the same path on disk as before");
        delete(&files, "ab/ab12-640.jpg").await.unwrap();
        delete(&files, "ab/ab12-640.jpg").await.unwrap();
        assert_eq!(get(&files, "ab/ab12-640.jpg").await.unwrap(), None);
    }
}
