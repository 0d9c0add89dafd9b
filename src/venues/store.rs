//! SQL for venues, their opening windows and blackouts, shared by both backends.

use chrono::{DateTime, Utc};

use super::{Blackout, OpeningWindow, ShowcaseTier, Venue, VenueDraft, VenueKind, Weekday};
use crate::{
    cache,
    db::{Db, Tx, is_unique_violation},
    error::{ApiError, ApiResult},
    on_db, on_tx,
    values::Zone,
};

#[derive(sqlx::FromRow)]
struct VenueRow {
    id: i64,
    slug: String,
    name_zh: String,
    name_en: String,
    kind: VenueKind,
    tier: ShowcaseTier,
    address: String,
    latitude: f64,
    longitude: f64,
    capacity: i64,
    indoor: bool,
    description: String,
    zone: Zone,
    setup_minutes: i64,
    teardown_minutes: i64,
    archived_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct WindowRow {
    venue_id: i64,
    weekday: Weekday,
    opens: i64,
    closes: i64,
}

#[derive(sqlx::FromRow)]
struct BlackoutRow {
    venue_id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    reason: String,
}

macro_rules! select_venue {
    () => {
        "SELECT id, slug, name_zh, name_en, kind, tier, address, latitude, longitude, capacity, \
         indoor, description, zone, setup_minutes, teardown_minutes, archived_at, created_at, \
         updated_at FROM venues "
    };
}

/// Filters for listing venues.
#[derive(Debug, Default, Clone)]
pub struct VenueFilter {
    pub kind: Option<VenueKind>,
    pub tier: Option<ShowcaseTier>,
    pub include_archived: bool,
}

fn slug_taken(slug: &str) -> ApiError {
    ApiError::Conflict {
        detail: format!("The slug {slug:?} is used by another venue; choose another."),
        info: Default::default(),
    }
}

pub async fn insert(db: &Db, draft: &VenueDraft, now: DateTime<Utc>) -> ApiResult<i64> {
    let mut tx = db.begin().await?;
    let id: Result<i64, sqlx::Error> = on_tx!(&mut tx, conn => sqlx::query_scalar(
        "INSERT INTO venues (slug, name_zh, name_en, kind, tier, address, latitude, longitude, \
         capacity, indoor, description, zone, setup_minutes, teardown_minutes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
    )
    .bind(draft.slug.as_str())
    .bind(&draft.name_zh)
    .bind(&draft.name_en)
    .bind(draft.kind)
    .bind(draft.tier)
    .bind(&draft.address)
    .bind(draft.latitude)
    .bind(draft.longitude)
    .bind(draft.capacity)
    .bind(draft.indoor)
    .bind(&draft.description)
    .bind(draft.zone)
    .bind(draft.setup_minutes)
    .bind(draft.teardown_minutes)
    .bind(now)
    .fetch_one(&mut *conn)
    .await);
    let id =
        id.map_err(|e| if is_unique_violation(&e) { slug_taken(draft.slug.as_str()) } else { e.into() })?;
    replace_schedule(&mut tx, id, draft).await?;
    cache::bump_public_version(&mut tx, cache::Touched::Venue(id)).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(db: &Db, id: i64, draft: &VenueDraft, now: DateTime<Utc>) -> ApiResult<()> {
    let mut tx = db.begin().await?;
    // What events show of their venue (calendar::store's VENUE_COLUMNS, also what feeds filter
    // and search by): when none of it changes, no event does, and feeds need not read the
    // venue's events again (a new description or opening hours show on the venue page only).
    type Shown = (String, String, String, VenueKind, String, f64, f64, Zone);
    let shown: Option<Shown> = on_tx!(&mut tx, conn => sqlx::query_as(
        "SELECT slug, name_zh, name_en, kind, address, latitude, longitude, zone FROM venues WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await)?;
    let unchanged = (
        draft.slug.as_str().to_owned(),
        draft.name_zh.clone(),
        draft.name_en.clone(),
        draft.kind,
        draft.address.clone(),
        draft.latitude,
        draft.longitude,
        draft.zone,
    );
    let touched = if shown == Some(unchanged) { cache::Touched::NoEvent } else { cache::Touched::Venue(id) };
    let result: Result<_, sqlx::Error> = on_tx!(&mut tx, conn => sqlx::query(
        "UPDATE venues SET slug = $2, name_zh = $3, name_en = $4, kind = $5, tier = $6, address = $7, \
         latitude = $8, longitude = $9, capacity = $10, indoor = $11, description = $12, zone = $13, \
         setup_minutes = $14, teardown_minutes = $15, updated_at = $16 WHERE id = $1",
    )
    .bind(id)
    .bind(draft.slug.as_str())
    .bind(&draft.name_zh)
    .bind(&draft.name_en)
    .bind(draft.kind)
    .bind(draft.tier)
    .bind(&draft.address)
    .bind(draft.latitude)
    .bind(draft.longitude)
    .bind(draft.capacity)
    .bind(draft.indoor)
    .bind(&draft.description)
    .bind(draft.zone)
    .bind(draft.setup_minutes)
    .bind(draft.teardown_minutes)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()));
    result.map_err(|e| if is_unique_violation(&e) { slug_taken(draft.slug.as_str()) } else { e.into() })?;
    replace_schedule(&mut tx, id, draft).await?;
    cache::bump_public_version(&mut tx, touched).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the venue's opening windows and blackouts with the draft's.
async fn replace_schedule(tx: &mut Tx, id: i64, draft: &VenueDraft) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM venue_opening_hours WHERE venue_id = $1").bind(id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM venue_blackouts WHERE venue_id = $1").bind(id).execute(&mut *conn).await?;
        for w in &draft.opening_hours {
            sqlx::query("INSERT INTO venue_opening_hours (venue_id, weekday, opens, closes) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(w.weekday)
                .bind(i64::from(w.opens))
                .bind(i64::from(w.closes))
                .execute(&mut *conn)
                .await?;
        }
        for b in &draft.blackouts {
            sqlx::query("INSERT INTO venue_blackouts (venue_id, starts_at, ends_at, reason) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(b.starts_at)
                .bind(b.ends_at)
                .bind(&b.reason)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    })
}

pub async fn archive(db: &Db, id: i64, now: DateTime<Utc>) -> ApiResult<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => sqlx::query(
        "UPDATE venues SET archived_at = COALESCE(archived_at, $2), updated_at = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|r| r.rows_affected()))?;
    cache::bump_public_version(&mut tx, cache::Touched::Venue(id)).await?;
    Ok(tx.commit().await?)
}

pub async fn find(db: &Db, id: i64) -> ApiResult<Option<Venue>> {
    const SQL: &str = concat!(select_venue!(), "WHERE id = $1");
    let row = on_db!(db, pool => sqlx::query_as::<_, VenueRow>(SQL).bind(id).fetch_optional(pool).await)?;
    Ok(assemble(db, row.into_iter().collect()).await?.pop())
}

pub async fn find_by_slug(db: &Db, slug: &str) -> ApiResult<Option<Venue>> {
    const SQL: &str = concat!(select_venue!(), "WHERE slug = $1");
    let row = on_db!(db, pool => sqlx::query_as::<_, VenueRow>(SQL).bind(slug).fetch_optional(pool).await)?;
    Ok(assemble(db, row.into_iter().collect()).await?.pop())
}

/// Finds a venue by numeric id or by slug.
pub async fn find_by_key(db: &Db, key: &str) -> ApiResult<Option<Venue>> {
    match key.parse::<i64>() {
        Ok(id) => find(db, id).await,
        Err(_) => find_by_slug(db, key).await,
    }
}

/// One page of venues in id order, starting after `after_id`.
pub async fn list(db: &Db, filter: &VenueFilter, after_id: i64, limit: i64) -> ApiResult<Vec<Venue>> {
    const SQL: &str = concat!(
        select_venue!(),
        "WHERE id > $1 AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR tier = $3) \
         AND ($4 OR archived_at IS NULL) ORDER BY id LIMIT $5"
    );
    let rows = on_db!(db, pool => sqlx::query_as::<_, VenueRow>(SQL)
        .bind(after_id)
        .bind(filter.kind)
        .bind(filter.tier)
        .bind(filter.include_archived)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
    assemble(db, rows).await
}

/// Attaches opening windows and blackouts to venue rows (two queries for the whole id range).
async fn assemble(db: &Db, rows: Vec<VenueRow>) -> ApiResult<Vec<Venue>> {
    let (Some(first), Some(last)) = (rows.iter().map(|r| r.id).min(), rows.iter().map(|r| r.id).max()) else {
        return Ok(Vec::new());
    };
    let windows = on_db!(db, pool => sqlx::query_as::<_, WindowRow>(
        "SELECT venue_id, weekday, opens, closes FROM venue_opening_hours \
         WHERE venue_id BETWEEN $1 AND $2 ORDER BY venue_id, weekday, opens",
    )
    .bind(first)
    .bind(last)
    .fetch_all(pool)
    .await)?;
    let blackouts = on_db!(db, pool => sqlx::query_as::<_, BlackoutRow>(
        "SELECT venue_id, starts_at, ends_at, reason FROM venue_blackouts \
         WHERE venue_id BETWEEN $1 AND $2 ORDER BY venue_id, starts_at",
    )
    .bind(first)
    .bind(last)
    .fetch_all(pool)
    .await)?;
    rows.into_iter()
        .map(|r| {
            let open_windows = windows
                .iter()
                .filter(|w| w.venue_id == r.id)
                .map(|w| {
                    let minutes = |m: i64| u32::try_from(m).unwrap_or(u32::MAX);
                    OpeningWindow::new(w.weekday, minutes(w.opens), minutes(w.closes)).map_err(|e| {
                        ApiError::Internal(anyhow::anyhow!("venue {}: unreadable opening window: {e}", r.id))
                    })
                })
                .collect::<ApiResult<Vec<_>>>()?;
            Ok(Venue {
                kind: r.kind,
                tier: r.tier,
                opening_hours: open_windows.iter().map(OpeningWindow::view).collect(),
                open_windows,
                blackouts: blackouts
                    .iter()
                    .filter(|b| b.venue_id == r.id)
                    .map(|b| Blackout {
                        starts_at: b.starts_at,
                        ends_at: b.ends_at,
                        reason: b.reason.clone(),
                    })
                    .collect(),
                id: r.id,
                slug: r.slug,
                name_zh: r.name_zh,
                name_en: r.name_en,
                address: r.address,
                latitude: r.latitude,
                longitude: r.longitude,
                capacity: r.capacity,
                indoor: r.indoor,
                description: r.description,
                zone: r.zone,
                setup_minutes: r.setup_minutes,
                teardown_minutes: r.teardown_minutes,
                archived: r.archived_at.is_some(),
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}
