//! The test harness: every test gets the real server on a fresh database.
//!
//! SQLite by default (a file in a temporary folder); PostgreSQL when `TEST_DATABASE_URL` names a
//! server, where each test gets a database cloned from a migrated template and dropped after.

use std::{
    hash::{Hash, Hasher},
    path::Path,
    sync::atomic::{AtomicU64, Ordering},
};

use debut::{
    accounts::{Role, auth, store},
    clock::Clock,
    config::Settings,
    db::Db,
    on_db,
    startup::Application,
    state::AppState,
};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};
use tokio::sync::OnceCell;

pub const PASSWORD: &str = "correct horse battery";

/// A database that exists for one test.
pub enum TestDb {
    Sqlite { url: String, _dir: tempfile::TempDir },
    Postgres { url: String, admin_url: String, name: String },
}

impl TestDb {
    pub async fn create() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let template = postgres_template(&admin_url).await;
                let name = format!("debut_test_{}_{}", std::process::id(), next_id());
                let mut conn = PgConnection::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name} TEMPLATE {template}")))
                    .await
                    .expect("clone the template database");
                conn.close().await.ok();
                let url = with_database(&admin_url, &name);
                Self::Postgres { url, admin_url, name }
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("debut.db").display());
                Self::Sqlite { url, _dir: dir }
            }
        }
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name, .. } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; do the async cleanup on a thread of its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async {
                    if let Ok(mut conn) = PgConnection::connect(&admin_url).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = conn.execute(sqlx::AssertSqlSafe(sql)).await;
                        let _ = conn.close().await;
                    }
                });
            })
            .join();
        }
    }
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A migrated template database named after the migrations' content, made once per schema.
async fn postgres_template(admin_url: &str) -> String {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
            let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
            files.sort();
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            for file in &files {
                std::fs::read(file).unwrap().hash(&mut hasher);
            }
            let name = format!("debut_tpl_{:016x}", hasher.finish());
            let mut conn = PgConnection::connect(admin_url).await.expect("connect to TEST_DATABASE_URL");
            // Serialize template creation across test processes.
            conn.execute("SELECT pg_advisory_lock(727274)").await.unwrap();
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            if !exists {
                let stale: Vec<String> =
                    sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'debut_tpl_%'")
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                for old in stale {
                    let _ = conn
                        .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {old} WITH (FORCE)")))
                        .await;
                }
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.unwrap();
                let db = Db::connect(&with_database(admin_url, &name)).await.unwrap();
                db.migrate().await.unwrap();
                db.close().await;
            }
            conn.execute("SELECT pg_advisory_unlock(727274)").await.unwrap();
            conn.close().await.ok();
            name
        })
        .await
        .clone()
}

/// What a response said, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an `application/problem+json` body with this status, and returns it.
    #[track_caller]
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "body: {}", self.text);
        let body = self.json();
        assert_eq!(body["status"], status);
        assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
        body
    }

    /// The fields a 422 names, in order.
    #[track_caller]
    pub fn invalid_fields(&self) -> Vec<String> {
        let body = self.problem(422);
        body["errors"]
            .as_array()
            .expect("errors list")
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Asserts the 422 page of an HTML route that names these query parameters.
    #[track_caller]
    pub fn page_naming(&self, fields: &[&str]) {
        assert_eq!(self.status.as_u16(), 422, "unexpected status; body: {}", self.text);
        for field in fields {
            assert!(self.text.contains(field), "{field} is not named: {}", self.text);
        }
    }

    /// Asserts an HTML page with this status (an HTML route's error) that says `words`.
    #[track_caller]
    pub fn page(&self, status: u16, words: &str) {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text);
        assert!(
            self.header("content-type").is_some_and(|t| t.starts_with("text/html")),
            "{:?}",
            self.headers
        );
        assert!(self.text.contains(words) && self.text.contains(r#"href="/""#), "{}", self.text);
    }

    #[track_caller]
    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text);
        if self.text.is_empty() { Value::Null } else { self.json() }
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Clock,
    pub db: Db,
    pub test_db: TestDb,
    pub media_dir: tempfile::TempDir,
    pub state: AppState,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with_clock(Clock::System).await
    }

    pub async fn spawn_with_clock(clock: Clock) -> Self {
        Self::spawn_with(clock, |_| ()).await
    }

    /// The server with `adjust` applied to its settings.
    pub async fn spawn_with(clock: Clock, adjust: impl FnOnce(&mut Settings)) -> Self {
        let test_db = TestDb::create().await;
        let media_dir = tempfile::tempdir().expect("media dir");
        let mut settings = Settings::new("127.0.0.1:0", test_db.url());
        settings.media_dir = media_dir.path().to_owned();
        adjust(&mut settings);
        let app = Application::build(settings, clock.clone()).await.expect("build the app");
        let base = format!("http://{}", app.local_addr());
        let app = app.with_public_url(base.clone());
        let db = app.state().db.clone();
        let state = app.state().clone();
        tokio::spawn(app.run_until(std::future::pending()));
        Self { base, client: reqwest::Client::new(), clock, db, test_db, media_dir, state }
    }

    /// Sends a request; a 5xx fails the test wherever it happens.
    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.read(request).await
    }

    pub async fn read(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request sent");
        let reply = Reply {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.expect("body read"),
        };
        assert!(!reply.status.is_server_error(), "server error: {} {}", reply.status, reply.text);
        reply
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::PATCH, path, token, Some(body)).await
    }

    /// Registers an organization of `kind` and logs its user in; returns (token, organization id).
    pub async fn register(&self, kind: &str, email: &str) -> (String, i64) {
        let reply = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({
                    "organization_name": format!("Org of {email}"),
                    "organization_kind": kind,
                    "email": email,
                    "password": PASSWORD,
                    "display_name": "Test User",
                }),
            )
            .await;
        let org_id = reply.ok(201)["organization"]["id"].as_i64().unwrap();
        (self.login(email).await, org_id)
    }

    pub async fn brand(&self, email: &str) -> String {
        self.register("brand", email).await.0
    }

    pub async fn login(&self, email: &str) -> String {
        let reply =
            self.post("/api/v1/auth/login", None, json!({"email": email, "password": PASSWORD})).await;
        reply.ok(200)["token"].as_str().unwrap().to_owned()
    }

    /// Creates a staff user the way `debut admin create-staff` does, and logs in.
    pub async fn staff(&self, email: &str) -> String {
        let hash = auth::hash_password(PASSWORD.into()).await.unwrap();
        store::create_staff(&self.db, email, &hash, "Staff", Role::Staff, self.clock.now()).await.unwrap();
        self.login(email).await
    }

    /// Creates an admin with a second factor (set up in the database, as enrolment would leave
    /// it) and logs in with a code; returns the token and the key (base32).
    pub async fn admin(&self, email: &str) -> (String, String) {
        let secret = self.staff_with_second_factor(email, Role::Admin).await;
        // The current step's code: the server takes one step either side, so a slow login
        // (password hashing under a loaded test run) that crosses into the next step still
        // passes. Later codes for this account in the same test must be for a later step.
        let code = totp(&secret, self.clock.now().timestamp());
        let reply = self
            .post("/api/v1/auth/login", None, json!({"email": email, "password": PASSWORD, "code": code}))
            .await;
        (reply.ok(200)["token"].as_str().unwrap().to_owned(), secret)
    }

    /// A staff account of `role` whose second factor is set up; returns its key (base32).
    pub async fn staff_with_second_factor(&self, email: &str, role: Role) -> String {
        let hash = auth::hash_password(PASSWORD.into()).await.unwrap();
        let id = store::create_staff(&self.db, email, &hash, "Admin", role, self.clock.now()).await.unwrap();
        let key: Vec<u8> = (0..20).map(|i| (id as u8).wrapping_mul(31).wrapping_add(i * 7)).collect();
        on_db!(&self.db, pool => sqlx::query("UPDATE users SET totp_secret = $2, totp_enabled_at = $3 WHERE id = $1")
            .bind(id)
            .bind(hex::encode(&key))
            .bind(self.clock.now())
            .execute(pool)
            .await
            .map(|_| ()))
        .unwrap();
        base32_encode(&key)
    }

    /// Creates a venue as `staff_token` and returns its JSON.
    pub async fn venue(&self, staff_token: &str, overrides: Value) -> Value {
        let mut body = venue_body("riverside-hall");
        merge(&mut body, overrides);
        self.post("/api/v1/venues", Some(staff_token), body).await.ok(201)
    }
}

/// A valid venue; open every day 10:00–22:00 unless overridden.
pub fn venue_body(slug: &str) -> Value {
    let hours: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({"weekday": d, "opens": "10:00", "closes": "22:00"}))
        .collect();
    json!({
        "slug": slug,
        "name_zh": "瓯江客厅",
        "name_en": "Oujiang Parlor",
        "kind": "hall",
        "tier": "core",
        "address": "瓯江路 1 号",
        "latitude": 28.03,
        "longitude": 120.66,
        "capacity": 600,
        "indoor": true,
        "description": "A riverside hall.",
        "opening_hours": hours,
        "setup_minutes": 60,
        "teardown_minutes": 30,
    })
}

pub fn merge(target: &mut Value, overrides: Value) {
    if let (Some(target), Value::Object(overrides)) = (target.as_object_mut(), overrides) {
        for (key, value) in overrides {
            target.insert(key, value);
        }
    }
}

/// A local (Asia/Shanghai) wall-clock time `days` from today at `hour:minute`, as the API takes it.
pub fn local(days: i64, hour: u32, minute: u32) -> String {
    let date =
        (chrono::Utc::now() + chrono::TimeDelta::hours(8) + chrono::TimeDelta::days(days)).date_naive();
    format!("{}T{hour:02}:{minute:02}", date.format("%Y-%m-%d"))
}

/// A valid booking application for `venue_id` from `starts` to `ends` (local times).
pub fn booking_body(venue_id: i64, starts: &str, ends: &str) -> Value {
    json!({
        "venue_id": venue_id,
        "format": "launch",
        "reach": "national",
        "title_zh": "新品首发",
        "title_en": "New phone launch",
        "description_en": "The national debut of a phone.",
        "brand_name": "Ouhai Phones",
        "expected_attendance": 300,
        "starts_at": starts,
        "ends_at": ends,
        "contact": {"name": "Ada", "email": "ada@brand.cn", "phone": "+86 577 0000"},
    })
}

impl TestApp {
    /// Creates and submits a booking; returns its id.
    pub async fn submitted_booking(&self, token: &str, body: Value) -> i64 {
        let booking = self.post("/api/v1/bookings", Some(token), body).await.ok(201);
        let id = booking["id"].as_i64().unwrap();
        self.post(&format!("/api/v1/bookings/{id}/submit"), Some(token), json!({})).await.ok(200);
        id
    }

    /// A venue open around the clock with 60 min setup and 30 min teardown.
    pub async fn open_venue(&self, staff: &str, slug: &str) -> i64 {
        let hours: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| json!({"weekday": d, "opens": "00:00", "closes": "24:00"}))
            .collect();
        self.venue(staff, json!({"slug": slug, "opening_hours": hours})).await["id"].as_i64().unwrap()
    }
}

/// The TOTP code (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits) for a base32 key at
/// `unix_seconds`, computed here rather than by the service, so the tests check its arithmetic.
pub fn totp(secret_base32: &str, unix_seconds: i64) -> String {
    use hmac::{Hmac, Mac};
    let key = base32_decode(secret_base32);
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&(unix_seconds / 30).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0xf) as usize;
    let value = u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", value % 1_000_000)
}

fn base32_decode(text: &str) -> Vec<u8> {
    let (mut out, mut buffer, mut bits) = (Vec::new(), 0u32, 0u32);
    for c in text.chars().filter(|c| c.is_ascii_alphanumeric()) {
        let value = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".find(c.to_ascii_uppercase()).unwrap() as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

fn base32_encode(bytes: &[u8]) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut out, mut buffer, mut bits) = (String::new(), 0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(alphabet[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(alphabet[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}
