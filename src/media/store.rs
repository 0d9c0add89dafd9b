//! SQL for images.

use chrono::{DateTime, Utc};

use super::{ImageOwner, ImageView, StoredVariant, variant_views};
use crate::{
    db::{Db, Tx},
    error::{ApiError, ApiResult},
    on_db, on_tx,
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
    pub awaiting_review: bool,
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
            awaiting_review: self.awaiting_review,
        })
    }
}

const SELECT: &str =
    "SELECT id, owner_kind, owner_id, hash, alt, width, height, variants, awaiting_review FROM images";

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

/// Locks the image owner's row for the rest of the transaction (PostgreSQL; SQLite already holds
/// the write lock), so the image count checked next cannot change under us.
pub async fn lock_owner(tx: &mut Tx, owner: ImageOwner) -> ApiResult<()> {
    let sql = match owner {
        ImageOwner::OrganizationLogo(_) => "UPDATE organizations SET name = name WHERE id = $1",
        ImageOwner::Booking(_) | ImageOwner::EventFigures(_) => {
            "UPDATE bookings SET updated_at = updated_at WHERE id = $1"
        }
        ImageOwner::Venue(_) => "UPDATE venues SET updated_at = updated_at WHERE id = $1",
        ImageOwner::IncentiveEvidence(_) => {
            "UPDATE incentive_applications SET updated_at = updated_at WHERE id = $1"
        }
        ImageOwner::MarketApplication(_) | ImageOwner::MarketPermit(_) => {
            "UPDATE market_applications SET updated_at = updated_at WHERE id = $1"
        }
    };
    on_tx!(tx, conn => sqlx::query(sql).bind(owner.parts().1).execute(&mut *conn).await.map(|_| ()))?;
    Ok(())
}

pub async fn list_in(tx: &mut Tx, owner: ImageOwner) -> ApiResult<Vec<ImageRow>> {
    let (kind, owner_id) = owner.parts();
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE owner_kind = $1 AND owner_id = $2 ORDER BY id"));
    Ok(
        on_tx!(tx, conn => sqlx::query_as::<_, ImageRow>(sql).bind(kind).bind(owner_id).fetch_all(&mut *conn).await)?,
    )
}

/// Counts one more image using `hash`, taking that content's lock.
pub async fn add_ref(tx: &mut Tx, hash: &str) -> ApiResult<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO media_files (hash, refs) VALUES ($1, 1) \
         ON CONFLICT (hash) DO UPDATE SET refs = media_files.refs + 1",
    )
    .bind(hash)
    .execute(&mut *conn)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Counts one image fewer using `hash`; returns how many still do (the row goes at zero).
pub async fn drop_ref(tx: &mut Tx, hash: &str) -> ApiResult<i64> {
    let remaining: Option<i64> = on_tx!(tx, conn => sqlx::query_scalar(
        "UPDATE media_files SET refs = refs - 1 WHERE hash = $1 AND refs > 0 RETURNING refs",
    )
    .bind(hash)
    .fetch_optional(&mut *conn)
    .await)?;
    let remaining = remaining.unwrap_or(0);
    if remaining == 0 {
        on_tx!(tx, conn => sqlx::query("DELETE FROM media_files WHERE hash = $1 AND refs = 0")
            .bind(hash)
            .execute(&mut *conn)
            .await
            .map(|_| ()))?;
    }
    Ok(remaining)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_in(
    tx: &mut Tx,
    owner: ImageOwner,
    hash: &str,
    alt: &str,
    width: u32,
    height: u32,
    variants: &[StoredVariant],
    awaiting_review: bool,
    user_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    let (kind, owner_id) = owner.parts();
    let variants = serde_json::to_string(variants).map_err(anyhow::Error::from)?;
    Ok(on_tx!(tx, conn => sqlx::query_scalar(
        "INSERT INTO images (owner_kind, owner_id, hash, alt, width, height, variants, created_by, created_at, \
         awaiting_review) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
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
    .bind(awaiting_review)
    .fetch_one(&mut *conn)
    .await)?)
}

/// Deletes an image row; returns whether it was there.
pub async fn delete_in(tx: &mut Tx, id: i64) -> ApiResult<bool> {
    let rows = on_tx!(tx, conn => sqlx::query("DELETE FROM images WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(rows == 1)
}

/// Marks an image reviewed (staff approved it); false when it was not awaiting review.
pub async fn approve_in(tx: &mut Tx, id: i64) -> ApiResult<bool> {
    let done = on_tx!(tx, conn => sqlx::query("UPDATE images SET awaiting_review = FALSE WHERE id = $1 AND awaiting_review")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected() == 1))?;
    Ok(done)
}

/// Bookings with images awaiting staff review, and how many each, oldest image first.
pub async fn awaiting_review(db: &Db) -> ApiResult<Vec<(i64, i64)>> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, (i64, i64)>(
        "SELECT owner_id, COUNT(*) FROM images WHERE owner_kind = 'booking' AND awaiting_review \
         GROUP BY owner_id ORDER BY MIN(id)",
    )
    .fetch_all(pool)
    .await)?)
}
