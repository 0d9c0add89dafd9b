//! The response cache for public documents (feeds and pages) and the public version that
//! invalidates it.
//!
//! Any change the public can see (an event published, moved or cancelled, a poster, a venue)
//! bumps the public version in the same transaction as the change ([`bump_public_version`]).
//! A cached document is reused while the version is unchanged and the entry is younger than
//! [`MAX_AGE`] (which is how tombstones leave on time). Each entry keeps its gzip form, a strong
//! ETag per encoding and a Last-Modified, so conditional requests answer 304 without touching
//! the database beyond reading the version.

mod document;
pub mod lru;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, TimeDelta, Utc};
pub use document::{Chunks, Encoded, Parts, text_key};
use lru::Lru;
use poem::{
    Request, Response,
    http::{HeaderValue, StatusCode, header},
};

use crate::{
    db::{Db, Tx},
    error::{ApiError, ApiResult},
    on_db, on_tx,
};

/// How long a cached document may be served without a rebuild, even if nothing changed.
pub const MAX_AGE: TimeDelta = TimeDelta::minutes(5);
/// A bound on entries as well as bytes, so many tiny documents cannot grow the map unchecked.
const MAX_ENTRIES: usize = 4096;
/// The default byte budget (`--cache-mib`).
pub const DEFAULT_BUDGET_BYTES: usize = 64 * 1024 * 1024;

/// What a public change touched, as the change log records it: the events of one booking (a
/// market's dates are its booking's), the events at one venue, or no event at all (a page-only
/// change: a vendor's stall, a logo).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touched {
    Booking(i64),
    Venue(i64),
    NoEvent,
}

/// How many changes the log keeps; a feed built longer ago than that is built from scratch.
const CHANGES_KEPT: i64 = 1000;

/// Marks a change the public sees, inside the transaction that makes it, and logs what it
/// touched with the new version. The version's row lock (PostgreSQL) or the write lock (SQLite)
/// is held to the commit, so versions become visible in order: whoever reads version V can read
/// every change up to V.
pub async fn bump_public_version(tx: &mut Tx, touched: Touched) -> ApiResult<()> {
    let (booking, venue) = match touched {
        Touched::Booking(id) => (Some(id), None),
        Touched::Venue(id) => (None, Some(id)),
        Touched::NoEvent => (None, None),
    };
    on_tx!(tx, conn => {
        let version: i64 =
            sqlx::query_scalar("UPDATE calendar_version SET version = version + 1 WHERE id = 1 RETURNING version")
                .fetch_one(&mut *conn)
                .await?;
        sqlx::query("INSERT INTO public_changes (version, booking_id, venue_id) VALUES ($1, $2, $3)")
            .bind(version)
            .bind(booking)
            .bind(venue)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM public_changes WHERE version <= $1")
            .bind(version - CHANGES_KEPT)
            .execute(&mut *conn)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// What the changes after version `since` up to `upto` touched, oldest first; `None` when the
/// log no longer holds all of them (or never did: it started with migration 0017).
pub async fn changes_since(db: &Db, since: i64, upto: i64) -> ApiResult<Option<Vec<Touched>>> {
    if upto < since {
        return Ok(None);
    }
    let rows: Vec<(i64, Option<i64>, Option<i64>)> = on_db!(db, pool => sqlx::query_as(
        "SELECT version, booking_id, venue_id FROM public_changes WHERE version > $1 AND version <= $2 ORDER BY version",
    )
    .bind(since)
    .bind(upto)
    .fetch_all(pool)
    .await)?;
    if i64::try_from(rows.len()).ok() != Some(upto - since) {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter()
            .map(|(_, booking, venue)| match (booking, venue) {
                (Some(id), _) => Touched::Booking(id),
                (None, Some(id)) => Touched::Venue(id),
                (None, None) => Touched::NoEvent,
            })
            .collect(),
    ))
}

/// The current public version.
pub async fn public_version(db: &Db) -> ApiResult<i64> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, i64>("SELECT version FROM calendar_version WHERE id = 1")
        .fetch_one(pool)
        .await)?)
}

/// A built document, ready to serve.
#[derive(Debug)]
pub struct Cached {
    version: i64,
    built_at: DateTime<Utc>,
    etag: String,
    last_modified: DateTime<Utc>,
    content_type: &'static str,
    body: Parts,
    gzip: Parts,
}

impl Cached {
    /// What the entry costs the cache's budget: both encodings and a little bookkeeping.
    fn size(&self) -> usize {
        self.body.len() + self.gzip.len() + self.etag.len() + 128
    }

    /// A document built now; the version is the public version it was built from.
    pub fn new(
        version: i64,
        built_at: DateTime<Utc>,
        last_modified: DateTime<Utc>,
        content_type: &'static str,
        body: String,
    ) -> Self {
        Self::encoded(version, built_at, last_modified, content_type, body.into())
    }

    fn encoded(
        version: i64,
        built_at: DateTime<Utc>,
        last_modified: DateTime<Utc>,
        content_type: &'static str,
        encoded: Encoded,
    ) -> Self {
        let Encoded { body, gzip, etag } = encoded;
        Self { version, built_at, etag, last_modified, content_type, body, gzip }
    }
}

/// A freshly built document: its content type, body and the newest change it shows.
pub struct Built {
    pub content_type: &'static str,
    /// A page is one text (`String::into`); a large feed is encoded chunk by chunk
    /// ([`Fragments::document`]), so that after a change only the changed events' chunks are
    /// compressed again.
    pub body: Encoded,
    pub last_modified: DateTime<Utc>,
}

/// Built documents by key (feed or page, filter, language), within a byte budget: past it the
/// least recently used go first (an old month page, a rare filter), and the feeds and pages
/// people keep asking for stay.
#[derive(Debug)]
pub struct ResponseCache {
    entries: Mutex<Lru<String, Arc<Cached>>>,
    /// One build at a time per key: requests that find a key being rebuilt wait for that build
    /// instead of starting their own (eight requests right after a change built a large feed
    /// eight times). Weak, so a key's lock goes when nobody builds or waits.
    building: Mutex<HashMap<String, std::sync::Weak<tokio::sync::Mutex<()>>>>,
    builds: std::sync::atomic::AtomicU64,
    hits: std::sync::atomic::AtomicU64,
    /// Compressed chunks of large documents, for their next build.
    pub chunks: Chunks,
}

impl Default for ResponseCache {
    fn default() -> Self {
        Self::with_budget(DEFAULT_BUDGET_BYTES)
    }
}

impl ResponseCache {
    /// A cache that holds at most `budget` bytes of documents.
    pub fn with_budget(budget: usize) -> Self {
        Self {
            entries: Mutex::new(Lru::new(MAX_ENTRIES, budget)),
            building: Mutex::default(),
            builds: Default::default(),
            hits: Default::default(),
            chunks: Chunks::default(),
        }
    }

    /// How many documents were built and how many requests were answered from the cache.
    pub fn counts(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.builds.load(Relaxed), self.hits.load(Relaxed))
    }

    /// Documents held, their bytes, and how many were evicted to stay within the budget.
    pub fn usage(&self) -> (usize, usize, u64) {
        let entries = self.entries.lock().expect("response cache lock");
        (entries.len(), entries.weight(), entries.evictions())
    }

    /// The lock that serializes builds of `key`.
    fn build_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut building = self.building.lock().expect("response cache build locks");
        if let Some(lock) = building.get(key).and_then(std::sync::Weak::upgrade) {
            return lock;
        }
        if building.len() >= MAX_ENTRIES {
            building.retain(|_, lock| lock.strong_count() > 0);
        }
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        building.insert(key.to_owned(), Arc::downgrade(&lock));
        lock
    }

    fn get(&self, key: &str) -> Option<Arc<Cached>> {
        self.entries.lock().expect("response cache lock").get(key).cloned()
    }

    fn put(&self, key: String, entry: Arc<Cached>) {
        // A document larger than the whole budget is served but not kept.
        let size = entry.size() + key.len();
        self.entries.lock().expect("response cache lock").insert(key, entry, size);
    }

    /// The cached document for `key`, built with `build` (given the public version it is built
    /// at) only when the public version moved or the entry is older than [`MAX_AGE`].
    pub async fn get_or_build<F, Fut>(
        &self,
        db: &Db,
        now: DateTime<Utc>,
        key: String,
        build: F,
    ) -> ApiResult<Arc<Cached>>
    where
        F: FnOnce(i64) -> Fut,
        Fut: Future<Output = ApiResult<Built>>,
    {
        let previous = self.get(&key);
        let version = match public_version(db).await {
            Ok(version) => version,
            // While the database is away, the last good copy is better than an error.
            Err(ApiError::Unavailable { .. }) if previous.is_some() => {
                return Ok(previous.expect("checked"));
            }
            Err(err) => return Err(err),
        };
        let fresh_enough = |entry: &Option<Arc<Cached>>| {
            entry.as_ref().filter(|hit| hit.version >= version && now - hit.built_at < MAX_AGE).cloned()
        };
        if let Some(hit) = fresh_enough(&previous) {
            self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(hit);
        }
        let lock = self.build_lock(&key);
        let _building = lock.lock().await;
        // Whoever held the lock before us may have built it already.
        let previous = self.get(&key);
        if let Some(hit) = fresh_enough(&previous) {
            self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(hit);
        }
        self.builds.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let built = build(version).await?;
        let fresh = Cached::encoded(version, now, now, built.content_type, built.body);
        let last_modified = match previous {
            // Unchanged bytes keep their date; changed ones are new as of now.
            Some(p) if p.etag == fresh.etag => p.last_modified,
            Some(_) => now,
            None => built.last_modified,
        };
        let fresh = Arc::new(Cached { last_modified, ..fresh });
        self.put(key, fresh.clone());
        Ok(fresh)
    }
}

type AnyList = Arc<dyn std::any::Any + Send + Sync>;

/// The item lists large documents were last built from, by list key, with the public version
/// they were read at: a feed's next build starts from its list and the change log
/// ([`changes_since`]) instead of reading every event again. The caller chooses the list's type.
pub struct Listings {
    lists: Mutex<Lru<String, (i64, AnyList)>>,
    rows_read: std::sync::atomic::AtomicU64,
}

impl Default for Listings {
    fn default() -> Self {
        Self { lists: Mutex::new(Lru::new(Self::MAX_LISTS, usize::MAX)), rows_read: Default::default() }
    }
}

impl Listings {
    /// Lists kept; past it the least recently used goes (its next build reads everything).
    const MAX_LISTS: usize = 256;

    /// Counts rows read from the database to make or bring up to date a list.
    pub fn count_read(&self, rows: usize) {
        self.rows_read.fetch_add(rows as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many rows lists were made from since the start.
    pub fn rows_read(&self) -> u64 {
        self.rows_read.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The list kept under `key` and the version it was read at.
    pub fn get<T: std::any::Any + Send + Sync>(&self, key: &str) -> Option<(i64, Arc<T>)> {
        let mut lists = self.lists.lock().expect("listings lock");
        let (version, list) = lists.get(key)?;
        Some((*version, list.clone().downcast::<T>().ok()?))
    }

    /// Keeps `list`, read at `version`, unless a list read later is kept already.
    pub fn put<T: std::any::Any + Send + Sync>(&self, key: String, version: i64, list: Arc<T>) {
        let mut lists = self.lists.lock().expect("listings lock");
        if lists.peek(&key).is_some_and(|(kept, _)| *kept > version) {
            return;
        }
        lists.insert(key, (version, list), 1);
    }
}

impl std::fmt::Debug for Listings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listings").field("lists", &self.lists.lock().map(|l| l.len()).unwrap_or(0)).finish()
    }
}

/// Text rendered per item of a large document (a feed's VEVENTs and RSS items), reused while the
/// item is unchanged, so rebuilding a 10,000-event feed after one change renders one event
/// instead of all of them. Items are addressed by content: the caller hashes what the text is
/// made from (the row and the rendering's settings) into `key`, so a stale text cannot be
/// returned, and texts of items that no longer exist (or changed) are the least recently used,
/// so they go first when the map reaches its bound.
#[derive(Debug)]
pub struct Fragments {
    texts: Mutex<Lru<u64, Arc<str>>>,
    rendered: std::sync::atomic::AtomicU64,
}

impl Default for Fragments {
    fn default() -> Self {
        Self { texts: Mutex::new(Lru::new(Self::MAX_ENTRIES, usize::MAX)), rendered: Default::default() }
    }
}

impl Fragments {
    /// Room for 10,000 events in both languages and both kinds, plus old texts of changed ones.
    const MAX_ENTRIES: usize = 60_000;

    /// The text of the item `key`, rendered with `render` only when not seen before; `None` when
    /// it must be rendered and `render` cannot. A key must hash everything its text depends on.
    pub fn text(&self, key: u64, render: impl FnOnce() -> Option<String>) -> Option<Arc<str>> {
        if let Some(text) = self.texts.lock().expect("fragments lock").get(&key) {
            return Some(text.clone());
        }
        // Rendered outside the lock: another feed's build may need the map meanwhile.
        let text: Arc<str> = render()?.into();
        self.rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let weight = text.len();
        self.texts.lock().expect("fragments lock").insert(key, text.clone(), weight);
        Some(text)
    }

    /// A large document: `head`, one item per key in `keys`, `tail`, encoded by `chunks`. An
    /// item's text is looked up (or rendered with `render(i)` for `keys[i]`) only when its chunk
    /// is not kept from an earlier build; `None` when one must be rendered and `render` cannot.
    pub fn document(
        &self,
        chunks: &Chunks,
        head: &str,
        keys: &[u64],
        render: impl Fn(usize) -> Option<String>,
        tail: &str,
    ) -> Option<Encoded> {
        let (head, tail): (Arc<str>, Arc<str>) = (head.into(), tail.into());
        let mut all = Vec::with_capacity(keys.len() + 2);
        all.push(text_key(&head));
        all.extend_from_slice(keys);
        all.push(text_key(&tail));
        let last = all.len() - 1;
        chunks.encode(&all, |i| match i {
            0 => Some(head.clone()),
            i if i == last => Some(tail.clone()),
            i => self.text(all[i], || render(i - 1)),
        })
    }

    /// How many items were rendered (not reused) since the start.
    pub fn rendered(&self) -> u64 {
        self.rendered.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Texts held and their bytes.
    pub fn usage(&self) -> (usize, usize) {
        let texts = self.texts.lock().expect("fragments lock");
        (texts.len(), texts.weight())
    }
}

fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn etag_matches(header: &str, etag: &str) -> bool {
    header.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == "*" || t == etag)
}

/// Serves a cached document, honouring `If-None-Match`, `If-Modified-Since` and
/// `Accept-Encoding: gzip`.
pub fn respond(req: &Request, doc: &Cached, cache_control: &str) -> Response {
    respond_varying(req, doc, cache_control, "Accept-Encoding")
}

/// Like [`respond`], naming what else the document varies by (pages vary by language).
pub fn respond_varying(req: &Request, doc: &Cached, cache_control: &str, vary: &str) -> Response {
    let gzip = req.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(',').any(|e| e.trim().split(';').next() == Some("gzip") && !e.contains("q=0"))
    });
    let etag = if gzip { format!("\"{}-gz\"", doc.etag) } else { format!("\"{}\"", doc.etag) };
    let last_modified = http_date(doc.last_modified);
    let not_modified = match req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        Some(tags) => etag_matches(tags, &etag),
        None => req
            .headers()
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
            .is_some_and(|since| doc.last_modified.timestamp() <= since.timestamp()),
    };
    let mut response = if not_modified {
        Response::builder().status(StatusCode::NOT_MODIFIED).finish()
    } else if gzip {
        Response::builder()
            .content_type(doc.content_type)
            .header(header::CONTENT_ENCODING, "gzip")
            .body(doc.gzip.body())
    } else {
        Response::builder().content_type(doc.content_type).body(doc.body.body())
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (header::ETAG, etag.as_str()),
        (header::LAST_MODIFIED, last_modified.as_str()),
        (header::CACHE_CONTROL, cache_control),
        (header::VARY, vary),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(bytes: usize) -> Arc<Cached> {
        let at = DateTime::from_timestamp(0, 0).unwrap();
        Arc::new(Cached::new(1, at, at, "text/plain", "x".repeat(bytes)))
    }

    #[test]
    fn a_full_fragment_map_forgets_the_texts_nobody_asked_for_again() {
        let fragments = Fragments::default();
        fragments.text(0, || Some("kept".into()));
        for key in 1..=Fragments::MAX_ENTRIES as u64 {
            if key % 1000 == 0 {
                assert!(fragments.text(0, || None).is_some(), "still kept at {key}");
            }
            fragments.text(key, || Some(key.to_string()));
        }
        let rendered = fragments.rendered();
        assert_eq!(fragments.text(0, || Some("again".into())).as_deref(), Some("kept"));
        assert_eq!(fragments.rendered(), rendered, "the text in use was not rendered again");
        assert!(fragments.text(1, || None).is_none(), "the oldest text nobody asked for again went");
        assert_eq!(fragments.usage().0, Fragments::MAX_ENTRIES);
    }

    #[test]
    fn past_its_budget_the_cache_evicts_the_least_recently_used_first() {
        let one = doc(10_000).size() + 1;
        let cache = ResponseCache::with_budget(3 * one);
        for key in ["a", "b", "c"] {
            cache.put(key.into(), doc(10_000));
        }
        assert!(cache.get("a").is_some(), "a is used again, so b is now the oldest");
        cache.put("d".into(), doc(10_000));
        assert!(cache.get("b").is_none(), "the least recently used went");
        for key in ["a", "c", "d"] {
            assert!(cache.get(key).is_some(), "{key} stays");
        }
        let (entries, bytes, evictions) = cache.usage();
        assert_eq!((entries, evictions), (3, 1));
        assert!(bytes <= 3 * one);
        // Replacing a key does not count it twice; a document larger than the budget is not kept.
        cache.put("d".into(), doc(10_000));
        assert_eq!(cache.usage().1, bytes);
        cache.put("huge".into(), doc(4 * one));
        assert!(cache.get("huge").is_none());
        assert_eq!(cache.usage().0, 3);
    }

    #[test]
    fn etags_match_lists_weak_forms_and_stars() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("\"x\", W/\"abc\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
    }
}
