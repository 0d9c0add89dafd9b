//! SQL for images.

use chrono::{DateTime, Utc};

use super::{ImageOwner, ImageView, StoredVariant, variant_views};
use crate::{
    db::Db,
    error::{ApiError, ApiResult},
    on_db,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImageRow {
    pub id: i64,
    pub owner_kind: String,
    pub owner_id: i64,
    pub hash: String,
    pub alt: String,
    pub width: i64,
    pub height: i64,
    pub variants: String,
}

impl ImageRow {
    pub fn variants(&self) -> ApiResult<Vec<StoredVariant>> {
        serde_json::from_str(&self.variants)
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("image {}: unreadable variants", self.id)))
    }

    pub fn view(&self, public_url: &str) -> ApiResult<ImageView> {
        Ok(ImageView {
            id: self.id,
            alt: self.alt.clone(),
            width: self.width,
            height: self.height,
            variants: variant_views(&self.variants()?, public_url),
        })
    }
}

const SELECT: &str = "SELECT id, owner_kind, owner_id, hash, alt, width, height, variants FROM images";

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    db: &Db,
    owner: ImageOwner,
    hash: &str,
    alt: &str,
    width: u32,
    height: u32,
    variants: &[StoredVariant],
    user_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    let (kind, owner_id) = owner.parts();
    let variants = serde_json::to_string(variants).map_err(anyhow::Error::from)?;
    Ok(on_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO images (owner_kind, owner_id, hash, alt, width, height, variants, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(kind)
    .bind(owner_id)
    .bind(hash)
    .bind(alt)
    .bind(i64::from(width))
    .bind(i64::from(height))
    .bind(&variants)
    .bind(user_id)
    .bind(now)
    .fetch_one(pool)
    .await)?)
}

pub async fn find(db: &Db, id: i64) -> ApiResult<Option<ImageRow>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1"));
    Ok(on_db!(db, pool => sqlx::query_as::<_, ImageRow>(sql).bind(id).fetch_optional(pool).await)?)
}

/// An owner's images, oldest first (a booking's first image is its poster).
pub async fn list(db: &Db, owner: ImageOwner) -> ApiResult<Vec<ImageRow>> {
    let (kind, owner_id) = owner.parts();
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE owner_kind = $1 AND owner_id = $2 ORDER BY id"));
    Ok(
        on_db!(db, pool => sqlx::query_as::<_, ImageRow>(sql).bind(kind).bind(owner_id).fetch_all(pool).await)?,
    )
}

pub async fn delete(db: &Db, id: i64) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query("DELETE FROM images WHERE id = $1").bind(id).execute(pool).await.map(|_| ()))?;
    Ok(())
}

pub async fn count_by_hash(db: &Db, hash: &str) -> ApiResult<i64> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM images WHERE hash = $1")
        .bind(hash)
        .fetch_one(pool)
        .await)?)
}
