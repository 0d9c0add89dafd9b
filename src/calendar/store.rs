//! SQL for public events, the calendar version and feed tokens.

use chrono::{DateTime, Utc};

use super::{EventFilter, EventRow, tombstone_cutoff};
use crate::{
    db::{Backend, Db},
    error::ApiResult,
    on_db, on_tx,
};

macro_rules! select_event {
    () => {
        "SELECT b.id, b.public_slug, b.title_zh, b.title_en, b.description_zh, b.description_en, \
         b.brand_name, b.format, b.reach, b.starts_at, b.ends_at, b.state, b.sequence, b.published_at, \
         b.public_updated_at, b.cancelled_at, b.cancel_reason, b.previous_starts_at, v.slug AS venue_slug, \
         v.name_zh AS venue_name_zh, v.name_en AS venue_name_en, v.kind AS venue_kind, \
         v.address AS venue_address, v.latitude, v.longitude, v.zone, \
         (SELECT i.variants FROM images i WHERE i.owner_kind = 'booking' AND i.owner_id = b.id AND NOT i.awaiting_review \
          ORDER BY i.id LIMIT 1) AS poster_variants, \
         (SELECT i.alt FROM images i WHERE i.owner_kind = 'booking' AND i.owner_id = b.id AND NOT i.awaiting_review \
          ORDER BY i.id LIMIT 1) AS poster_alt, CAST(NULL AS BIGINT) AS market_date \
         FROM bookings b JOIN venues v ON v.id = b.venue_id \
         WHERE b.public_slug IS NOT NULL \
         AND (b.state = 'approved' OR (b.state = 'cancelled' AND b.cancelled_at > $1)) "
    };
}

/// Where a page of events starts: after this (starts_at, id, market date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    pub starts_at: DateTime<Utc>,
    pub id: i64,
    /// The market date's id, 0 for an event that is not a market date.
    pub date: i64,
}

impl After {
    pub fn of(row: &EventRow) -> Self {
        Self { starts_at: row.starts_at, id: row.id, date: row.market_date.unwrap_or(0) }
    }

    /// The opaque cursor pages and the API hand out: `micros:id` or `micros:id:date`.
    pub fn to_cursor(self) -> String {
        match self.date {
            0 => format!("{}:{}", self.starts_at.timestamp_micros(), self.id),
            date => format!("{}:{}:{date}", self.starts_at.timestamp_micros(), self.id),
        }
    }

    pub fn parse(cursor: &str) -> Option<Self> {
        let mut parts = cursor.split(':');
        let starts_at = DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?;
        let id = parts.next()?.parse().ok()?;
        let date = parts.next().map_or(Some(0), |d| d.parse().ok())?;
        parts.next().is_none().then_some(Self { starts_at, id, date })
    }
}

/// A value bound to one placeholder of a statement built at run time.
enum Arg {
    Text(String),
    Time(DateTime<Utc>),
    Int(i64),
}

/// A statement built from a filter: each condition appears only when the filter has it, so the
/// planner sees plain comparisons it can serve from an index (a `$n IS NULL OR …` form could not).
struct Statement {
    backend: Backend,
    sql: String,
    args: Vec<Arg>,
}

impl Statement {
    fn new(backend: Backend) -> Self {
        Self { backend, sql: String::with_capacity(4096), args: Vec::new() }
    }

    fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends the placeholder of a new argument.
    fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        let n = self.args.len();
        self.sql.push_str(&format!("${n}"));
        self
    }
}

/// Words shorter than this have no trigram: they are matched while reading in start order.
const TRIGRAM: usize = 3;

/// The columns one branch of the public list filters and orders by.
struct Branch {
    venue_slug: &'static str,
    venue_kind: &'static str,
    format: &'static str,
    reach: &'static str,
    brand: &'static str,
    starts_at: &'static str,
    ends_at: &'static str,
    /// The lower-cased text `q` is looked for in.
    text: &'static str,
    /// The order of the branch, which its index serves.
    order: &'static str,
    /// The market date's id in the cursor's third place (`0` for a booking).
    date: &'static str,
}

const BOOKING_TEXT: &str = "LOWER(b.title_zh || ' ' || b.title_en || ' ' || b.description_zh || ' ' || \
     b.description_en || ' ' || b.brand_name)";

const BOOKINGS: Branch = Branch {
    venue_slug: "v.slug",
    venue_kind: "v.kind",
    format: "b.format",
    reach: "b.reach",
    brand: "LOWER(b.brand_name)",
    starts_at: "b.starts_at",
    ends_at: "b.ends_at",
    text: BOOKING_TEXT,
    order: "b.starts_at, b.id",
    date: "0",
};

const MARKET_DATES: Branch = Branch {
    venue_slug: "v.slug",
    venue_kind: "v.kind",
    format: "b.format",
    reach: "b.reach",
    brand: "LOWER(b.brand_name)",
    starts_at: "o.starts_at",
    ends_at: "o.ends_at",
    text: "LOWER(m.title_zh || ' ' || m.title_en || ' ' || m.description_zh || ' ' || m.description_en || ' ' || \
           b.brand_name)",
    order: "o.starts_at, b.id, o.id",
    date: "o.id",
};

const POSTER: &str = "(SELECT i.variants FROM images i WHERE i.owner_kind = 'booking' AND i.owner_id = b.id \
     AND NOT i.awaiting_review ORDER BY i.id LIMIT 1) AS poster_variants, \
     (SELECT i.alt FROM images i WHERE i.owner_kind = 'booking' AND i.owner_id = b.id AND NOT i.awaiting_review \
     ORDER BY i.id LIMIT 1) AS poster_alt";

const VENUE_COLUMNS: &str = "v.id AS venue_id, v.slug AS venue_slug, v.name_zh AS venue_name_zh, v.name_en AS venue_name_en, \
     v.kind AS venue_kind, v.address AS venue_address, v.latitude, v.longitude, v.zone";

impl Branch {
    /// `AND …` for every condition of the filter and the cursor.
    fn conditions(&self, sql: &mut Statement, filter: &EventFilter, after: Option<After>) {
        let text = |value: &str| Arg::Text(value.to_owned());
        if let Some(venue) = &filter.venue {
            sql.push(" AND ").push(self.venue_slug).push(" = ").bind(text(venue));
        }
        if let Some(kind) = filter.kind {
            sql.push(" AND ").push(self.venue_kind).push(" = ").bind(text(kind.as_str()));
        }
        if let Some(format) = filter.format {
            sql.push(" AND ").push(self.format).push(" = ").bind(text(format.as_str()));
        }
        if let Some(reach) = filter.reach {
            sql.push(" AND ").push(self.reach).push(" = ").bind(text(reach.as_str()));
        }
        if let Some(brand) = &filter.brand {
            sql.push(" AND ").push(self.brand).push(" = ").bind(Arg::Text(brand.to_lowercase()));
        }
        if let Some(from) = filter.from {
            sql.push(" AND ").push(self.ends_at).push(" > ").bind(Arg::Time(from));
        }
        if let Some(to) = filter.to {
            sql.push(" AND ").push(self.starts_at).push(" < ").bind(Arg::Time(to));
        }
        if let Some(q) = &filter.q {
            self.search(sql, &q.to_lowercase());
        }
        if let Some(after) = after {
            // The `>=` is what lets the index seek to the cursor; the rest breaks the tie.
            let (starts_at, id) = (self.starts_at, "b.id");
            sql.push(" AND ").push(starts_at).push(" >= ").bind(Arg::Time(after.starts_at));
            sql.push(" AND (").push(starts_at).push(" > ").bind(Arg::Time(after.starts_at));
            sql.push(" OR ").push(id).push(" > ").bind(Arg::Int(after.id));
            sql.push(" OR (").push(id).push(" = ").bind(Arg::Int(after.id));
            sql.push(" AND ").push(self.date).push(" > ").bind(Arg::Int(after.date)).push("))");
        }
    }

    /// The text contains `q` (lower-cased), as a plain substring: `instr`/`strpos`, which need no
    /// escaping. A word of three or more characters first goes through the trigram index of the
    /// backend (the booking branch only: markets are few).
    fn search(&self, sql: &mut Statement, q: &str) {
        let indexed = self.text == BOOKING_TEXT && q.chars().count() >= TRIGRAM;
        match sql.backend {
            Backend::Sqlite => {
                if indexed {
                    let phrase = format!("\"{}\"", q.replace('"', "\"\""));
                    sql.push(" AND b.id IN (SELECT rowid FROM booking_search WHERE booking_search MATCH ")
                        .bind(Arg::Text(phrase))
                        .push(")");
                }
                sql.push(" AND instr(")
                    .push(self.text)
                    .push(", ")
                    .bind(Arg::Text(q.to_owned()))
                    .push(") > 0");
            }
            Backend::Postgres => {
                if indexed {
                    // pg_trgm serves LIKE on the indexed expression; `\` is PostgreSQL's escape.
                    sql.push(" AND ").push(self.text).push(" LIKE ").bind(Arg::Text(like_pattern(q)));
                }
                sql.push(" AND strpos(")
                    .push(self.text)
                    .push(", ")
                    .bind(Arg::Text(q.to_owned()))
                    .push(") > 0");
            }
        }
    }
}

/// The events of these bookings and at these venues only: what changed since a feed was built
/// (see `feeds::listing`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Only {
    pub bookings: std::collections::BTreeSet<i64>,
    pub venues: std::collections::BTreeSet<i64>,
}

impl Only {
    pub fn is_empty(&self) -> bool {
        self.bookings.is_empty() && self.venues.is_empty()
    }

    /// ` AND (b.id IN (…) OR v.id IN (…))`; both branches name their booking `b` and venue `v`.
    fn condition(&self, sql: &mut Statement) {
        let mut lists = Vec::new();
        for (column, ids) in [("b.id", &self.bookings), ("v.id", &self.venues)] {
            if !ids.is_empty() {
                lists.push((column, ids));
            }
        }
        sql.push(" AND (");
        for (n, (column, ids)) in lists.into_iter().enumerate() {
            sql.push(if n == 0 { "" } else { " OR " }).push(column).push(" IN (");
            for (i, id) in ids.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Arg::Int(*id));
            }
            sql.push(")");
        }
        sql.push(")");
    }
}

/// `%q%` with `%`, `_` and `\` escaped by `\`.
fn like_pattern(q: &str) -> String {
    let mut pattern = String::from("%");
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Public events matching the filter, in start order: approved bookings and market dates, and
/// cancelled ones while their tombstone lasts.
///
/// Each branch (bookings; market dates) reads in its own start order with the filter's
/// conditions and stops at `limit`; the union of the two pages is then sorted and cut. A market's
/// dates stand in for the booking under it: while the booking is approved and the market has
/// dates, the public sees the dates (each linking to the market page), not the booking.
pub async fn events(
    db: &Db,
    filter: &EventFilter,
    now: DateTime<Utc>,
    after: Option<After>,
    limit: i64,
) -> ApiResult<Vec<EventRow>> {
    events_of(db, filter, now, after, None, limit).await
}

/// [`events`], of the bookings and venues `only` names when given (an empty `only` reads
/// nothing).
pub async fn events_of(
    db: &Db,
    filter: &EventFilter,
    now: DateTime<Utc>,
    after: Option<After>,
    only: Option<&Only>,
    limit: i64,
) -> ApiResult<Vec<EventRow>> {
    select(db, filter, now, after, only, None, limit).await
}

/// Upcoming events matching the filter that became public after `since` and at or before
/// `until` (a market's dates count from its booking's approval or the market's creation,
/// whichever falls in the window), in start order: what a weekly digest calls new. Cancelled
/// ones are left out.
pub async fn published_between(
    db: &Db,
    filter: &EventFilter,
    (since, until): (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
    limit: i64,
) -> ApiResult<Vec<EventRow>> {
    let upcoming = EventFilter { from: Some(now), to: None, ..filter.clone() };
    let mut rows = select(db, &upcoming, now, None, None, Some((since, until)), limit).await?;
    rows.retain(|row| row.status() == super::EventStatus::Confirmed);
    Ok(rows)
}

async fn select(
    db: &Db,
    filter: &EventFilter,
    now: DateTime<Utc>,
    after: Option<After>,
    only: Option<&Only>,
    published: Option<(DateTime<Utc>, DateTime<Utc>)>,
    limit: i64,
) -> ApiResult<Vec<EventRow>> {
    if only.is_some_and(Only::is_empty) {
        return Ok(Vec::new());
    }
    let mut sql = Statement::new(db.backend());
    let cutoff = tombstone_cutoff(now);
    // SQLite's unary `+` keeps it from answering the state test from `bookings_public (state, …)`:
    // it would read every approved booking (and, for market dates, look each up in markets) and
    // sort them, 15 ms at 10,000 events, instead of reading each branch's start-order index and
    // stopping at the page's end, under 1 ms.
    let state = match db.backend() {
        Backend::Sqlite => "+b.state",
        Backend::Postgres => "b.state",
    };
    sql.push("SELECT * FROM (SELECT * FROM (");
    sql.push(
        "SELECT b.id, b.public_slug, b.title_zh, b.title_en, b.description_zh, b.description_en, \
         b.brand_name, b.format, b.reach, b.starts_at, b.ends_at, b.state, b.sequence, b.published_at, \
         b.public_updated_at, b.cancelled_at, b.cancel_reason, b.previous_starts_at, ",
    )
    .push(VENUE_COLUMNS)
    .push(", ")
    .push(POSTER)
    .push(", CAST(NULL AS BIGINT) AS market_date FROM bookings b JOIN venues v ON v.id = b.venue_id ")
    .push("WHERE b.public_slug IS NOT NULL AND (")
    .push(state)
    .push(" = 'approved' OR (")
    .push(state)
    .push(" = 'cancelled' AND b.cancelled_at > ")
    .bind(Arg::Time(cutoff))
    .push(
        ")) AND NOT (b.state = 'approved' AND EXISTS (SELECT 1 FROM markets m JOIN market_occurrences o \
         ON o.market_id = m.id WHERE m.booking_id = b.id))",
    );
    BOOKINGS.conditions(&mut sql, filter, after);
    if let Some(only) = only {
        only.condition(&mut sql);
    }
    if let Some((since, until)) = published {
        sql.push(" AND b.published_at > ").bind(Arg::Time(since));
        sql.push(" AND b.published_at <= ").bind(Arg::Time(until));
    }
    sql.push(" ORDER BY ").push(BOOKINGS.order).push(" LIMIT ").bind(Arg::Int(limit));
    sql.push(
        ") bookings UNION ALL SELECT * FROM (SELECT b.id, m.slug AS public_slug, m.title_zh, m.title_en, \
         m.description_zh, m.description_en, b.brand_name, b.format, b.reach, o.starts_at, o.ends_at, \
         CASE WHEN o.cancelled_at IS NULL THEN 'approved' ELSE 'cancelled' END AS state, o.sequence, \
         m.created_at AS published_at, o.updated_at AS public_updated_at, o.cancelled_at, \
         NULL AS cancel_reason, ",
    )
    // A NULL inside a subquery is text to PostgreSQL, which a union with a time refuses.
    .push(match db.backend() {
        Backend::Sqlite => "NULL AS previous_starts_at, ",
        Backend::Postgres => "CAST(NULL AS TIMESTAMPTZ) AS previous_starts_at, ",
    })
    .push(VENUE_COLUMNS)
    .push(", ")
    .push(POSTER)
    .push(
        ", o.id AS market_date FROM market_occurrences o JOIN markets m ON m.id = o.market_id \
         JOIN bookings b ON b.id = m.booking_id JOIN venues v ON v.id = b.venue_id WHERE ",
    )
    .push(state)
    .push(" = 'approved' AND (o.cancelled_at IS NULL OR o.cancelled_at > ")
    .bind(Arg::Time(cutoff))
    .push(")");
    MARKET_DATES.conditions(&mut sql, filter, after);
    if let Some(only) = only {
        only.condition(&mut sql);
    }
    if let Some((since, until)) = published {
        sql.push(" AND ((b.published_at > ").bind(Arg::Time(since));
        sql.push(" AND b.published_at <= ").bind(Arg::Time(until));
        sql.push(") OR (m.created_at > ").bind(Arg::Time(since));
        sql.push(" AND m.created_at <= ").bind(Arg::Time(until)).push("))");
    }
    sql.push(" ORDER BY ").push(MARKET_DATES.order).push(" LIMIT ").bind(Arg::Int(limit));
    sql.push(") market_dates) e ORDER BY e.starts_at, e.id, COALESCE(e.market_date, 0) LIMIT ")
        .bind(Arg::Int(limit));
    let Statement { sql, args, .. } = sql;
    Ok(on_db!(db, pool => {
        // Safe: the text is our constants; every value the filter brings is a bound argument.
        let mut query = sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(sql));
        for arg in args {
            query = match arg {
                Arg::Text(value) => query.bind(value),
                Arg::Time(value) => query.bind(value),
                Arg::Int(value) => query.bind(value),
            };
        }
        query.fetch_all(pool).await
    })?)
}

/// One public event by slug (a tombstone included, while it lasts).
pub async fn event(db: &Db, slug: &str, now: DateTime<Utc>) -> ApiResult<Option<EventRow>> {
    const SQL: &str = concat!(select_event!(), "AND b.public_slug = $2");
    Ok(on_db!(db, pool => sqlx::query_as::<_, EventRow>(SQL)
        .bind(tombstone_cutoff(now))
        .bind(slug)
        .fetch_optional(pool)
        .await)?)
}

/// Bookings for a personal feed: the organization's (or, for staff, everyone's) pending and
/// approved bookings, and cancelled ones still within the tombstone period.
pub async fn audience_bookings(
    db: &Db,
    organization_id: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<EventRow>> {
    const SQL: &str = "SELECT b.id, COALESCE(b.public_slug, '') AS public_slug, b.title_zh, b.title_en, \
         b.description_zh, b.description_en, b.brand_name, b.format, b.reach, b.starts_at, b.ends_at, b.state, \
         b.sequence, b.published_at, COALESCE(b.public_updated_at, b.updated_at) AS public_updated_at, \
         b.cancelled_at, b.cancel_reason, b.previous_starts_at, v.slug AS venue_slug, v.name_zh AS venue_name_zh, \
         v.name_en AS venue_name_en, v.kind AS venue_kind, v.address AS venue_address, v.latitude, v.longitude, \
         v.zone, NULL AS poster_variants, NULL AS poster_alt FROM bookings b JOIN venues v ON v.id = b.venue_id \
         WHERE ($2 IS NULL OR b.organization_id = $2) AND b.ends_at > $3 \
         AND (b.state IN ('submitted', 'approved') OR (b.state = 'cancelled' AND b.cancelled_at > $1)) \
         ORDER BY b.starts_at, b.id LIMIT 5000";
    Ok(on_db!(db, pool => sqlx::query_as::<_, EventRow>(SQL)
        .bind(tombstone_cutoff(now))
        .bind(organization_id)
        .bind(now - super::PAST_WINDOW)
        .fetch_all(pool)
        .await)?)
}

pub async fn replace_feed_token(
    db: &Db,
    user_id: i64,
    token_hash: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE feed_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(user_id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        sqlx::query("INSERT INTO feed_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(token_hash)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|_| ())
    })?;
    tx.commit().await?;
    Ok(())
}

pub async fn revoke_feed_tokens(db: &Db, user_id: i64, now: DateTime<Utc>) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query("UPDATE feed_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user_id)
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The user behind a live feed token.
pub async fn feed_token_user(db: &Db, token_hash: &str) -> ApiResult<Option<i64>> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT user_id FROM feed_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await)?)
}

/// The public slug of a booking's event while the public can see it (approved, or a tombstone).
pub async fn public_slug(db: &Db, booking_id: i64, now: DateTime<Utc>) -> ApiResult<Option<String>> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, String>(
        "SELECT public_slug FROM bookings WHERE id = $1 AND public_slug IS NOT NULL \
         AND (state = 'approved' OR (state = 'cancelled' AND cancelled_at > $2))",
    )
    .bind(booking_id)
    .bind(tombstone_cutoff(now))
    .fetch_optional(pool)
    .await)?)
}
