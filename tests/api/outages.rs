//! A database that is not there is an outage, not a bug: every route answers 503 with
//! `Retry-After` (at once, once the service knows), the cached public documents are still
//! served, `/readyz` answers within a second, and the service recovers by itself.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU8, Ordering},
    },
    time::{Duration, Instant},
};

use debut::{clock::Clock, config::Settings, startup::Application};
use sqlx::{Connection, Executor, PgConnection};
use tokio::{
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

use crate::helpers::{TestApp, TestDb};

/// A bare client: these tests expect 5xx answers, which `TestApp::read` refuses.
async fn status_of(base: &str, path: &str) -> (u16, Option<String>, Duration) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(40)).build().unwrap();
    let started = Instant::now();
    let response = client.get(format!("{base}{path}")).send().await.unwrap();
    let retry = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    let status = response.status().as_u16();
    let _ = response.bytes().await;
    (status, retry, started.elapsed())
}

/// Serves on `url` with a two-second acquire timeout; returns the base URL and the media folder
/// (kept alive by the caller).
async fn serve(url: &str) -> (String, tempfile::TempDir) {
    let media = tempfile::tempdir().unwrap();
    let mut settings = Settings::new("127.0.0.1:0", url);
    settings.media_dir = media.path().to_owned();
    settings.db_acquire_timeout = Duration::from_secs(2);
    let app = Application::build(settings, Clock::System).await.unwrap();
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    (base, media)
}

/// Warms the response cache with the documents an outage must still serve.
async fn warm(base: &str) {
    for path in ["/", "/calendar.ics", "/events.rss", "/api/v1/venues"] {
        assert_eq!(status_of(base, path).await.0, 200, "{path} before the outage");
    }
}

/// While the database is away: the API and `/readyz` answer 503 (with `Retry-After`), each of
/// the later requests at once; the cached documents are served.
async fn assert_outage(base: &str, first_within: Duration) {
    let (status, retry, took) = status_of(base, "/api/v1/venues").await;
    assert_eq!((status, retry.is_some()), (503, true), "the first request after the outage");
    assert!(took <= first_within, "the first request waited {took:?}");
    for _ in 0..10 {
        let (status, retry, took) = status_of(base, "/api/v1/venues").await;
        assert_eq!((status, retry.is_some()), (503, true));
        assert!(
            took < Duration::from_millis(500),
            "a request while the database is known away took {took:?}"
        );
    }
    let (status, _, took) = status_of(base, "/readyz").await;
    assert_eq!(status, 503);
    assert!(took < Duration::from_secs(1), "/readyz took {took:?}");
    for path in ["/", "/calendar.ics", "/events.rss"] {
        assert_eq!(status_of(base, path).await.0, 200, "{path} is served from the cache");
    }
}

/// The service comes back by itself once the database does.
async fn assert_recovers(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if status_of(base, "/api/v1/venues").await.0 == 200 && status_of(base, "/readyz").await.0 == 200 {
            return;
        }
        assert!(Instant::now() < deadline, "the service did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_missing_sqlite_file_is_an_outage_with_cached_pages_and_no_new_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("debut.db");
    let (base, _media) = serve(&format!("sqlite://{}", file.display())).await;
    warm(&base).await;

    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    assert_outage(&base, Duration::from_secs(3)).await;
    assert!(!file.exists(), "no new empty database was made in its place");
}

/// A TCP proxy between the service and PostgreSQL that the test can break.
struct Proxy {
    port: u16,
    /// 0 forwards, 1 black-holes new connections (accepts, never answers).
    mode: Arc<AtomicU8>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(0));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (m, l) = (mode.clone(), links.clone());
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else { return };
                let upstream = upstream.clone();
                let hang = m.load(Ordering::SeqCst) == 1;
                let link = tokio::spawn(async move {
                    if hang {
                        // Hold the socket open and say nothing.
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        drop(client);
                        return;
                    }
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                l.lock().unwrap().push(link);
            }
        });
        Self { port, mode, links, accept }
    }

    /// Cuts every connection through the proxy.
    fn cut(&self) {
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    /// From now on new connections are accepted and never answered; the old ones are cut.
    fn hang(&self) {
        self.mode.store(1, Ordering::SeqCst);
        self.cut();
    }

    fn heal(&self) {
        self.mode.store(0, Ordering::SeqCst);
        self.cut();
    }

    /// Closes the port: connections are refused.
    fn kill(&self) {
        self.accept.abort();
        self.cut();
    }
}

fn postgres(test_db: &TestDb) -> Option<(String, String, String)> {
    match test_db {
        TestDb::Postgres { url, admin_url, name } => Some((url.clone(), admin_url.clone(), name.clone())),
        TestDb::Sqlite { .. } => None,
    }
}

async fn admin_sql(admin_url: &str, sql: String) {
    let mut conn = PgConnection::connect(admin_url).await.unwrap();
    conn.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_postgres_database_that_refuses_connections_or_is_renamed_is_an_outage_until_it_is_back() {
    let app = TestApp::spawn_with(Clock::System, |s| s.db_acquire_timeout = Duration::from_secs(2)).await;
    let Some((_, admin_url, name)) = postgres(&app.test_db) else { return };
    warm(&app.base).await;

    admin_sql(&admin_url, format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).await;
    admin_sql(
        &admin_url,
        format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"),
    )
    .await;
    assert_outage(&app.base, Duration::from_secs(4)).await;
    admin_sql(&admin_url, format!("ALTER DATABASE {name} RENAME TO {name}_away")).await;
    admin_sql(&admin_url, format!("ALTER DATABASE {name}_away ALLOW_CONNECTIONS true")).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_outage(&app.base, Duration::from_secs(4)).await;

    admin_sql(&admin_url, format!("ALTER DATABASE {name}_away RENAME TO {name}")).await;
    assert_recovers(&app.base).await;
}

#[tokio::test]
async fn a_postgres_connection_that_hangs_or_is_refused_is_answered_503_at_once() {
    let test_db = TestDb::create().await;
    let Some((url, _, _)) = postgres(&test_db) else { return };
    let upstream = url.split("://").nth(1).unwrap().split('@').nth(1).unwrap().split('/').next().unwrap();
    let proxy = Proxy::start(upstream.to_owned()).await;
    let proxied = url.replacen(upstream, &format!("127.0.0.1:{}", proxy.port), 1);
    let (base, _media) = serve(&proxied).await;
    warm(&base).await;

    proxy.hang();
    assert_outage(&base, Duration::from_secs(4)).await;
    proxy.heal();
    assert_recovers(&base).await;

    proxy.kill();
    assert_outage(&base, Duration::from_secs(4)).await;
    drop(test_db);
}
