//! The top of the house: route composition, the OpenAPI document, the server and its shutdown.
//! Only `main.rs` and the tests import this module; nothing in the domains does.
//!
//! Each domain contributes one `OpenApi` struct; they are composed into one service mounted at
//! `/api/v1`, with the document at `/api/openapi.json` and the interactive docs at `/api/docs`.
//! Errors from anywhere become `application/problem+json` in [`crate::error::problem_responses`].

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use poem::{
    Endpoint, EndpointExt, IntoResponse, Request, Response, get, handler, http::StatusCode, web::Data,
};
use poem_openapi::OpenApiService;

use crate::{
    accounts::{api::AccountsApi, throttle::LoginThrottle},
    bookings::api::BookingsApi,
    calendar::{self, api::CalendarApi},
    calls::api::CallsApi,
    clock::Clock,
    config::{NotifyConfig, Settings},
    console,
    db::{Db, redact_url},
    error::{PathParams, problem_responses},
    http::{Routes, server},
    incentives::api::IncentivesApi,
    markets::api::MarketsApi,
    media::{self, api::MediaApi},
    notifications, pages, portal,
    reports::api::ReportsApi,
    state::AppState,
    subscriptions,
    venues::api::VenuesApi,
    web,
};

/// Every domain's operations, in the order the OpenAPI document lists them.
pub type DomainApis = (
    AccountsApi,
    VenuesApi,
    BookingsApi,
    IncentivesApi,
    MarketsApi,
    CallsApi,
    CalendarApi,
    ReportsApi,
    MediaApi,
);

/// The OpenAPI service with every domain's operations.
pub fn api_service() -> OpenApiService<DomainApis, ()> {
    OpenApiService::new(
        (
            AccountsApi,
            VenuesApi,
            BookingsApi,
            IncentivesApi,
            MarketsApi,
            CallsApi,
            CalendarApi,
            ReportsApi,
            MediaApi,
        ),
        "Debut",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Debut: debut launches, pop-up markets and first-store incentives. \
             Errors are RFC 9457 `application/problem+json`; times are RFC 3339 instants; \
             money is integer fen.",
    )
    .url_prefix("/api/v1")
}

#[handler]
fn healthz() -> &'static str {
    "ok"
}

#[handler]
async fn readyz(state: Data<&AppState>) -> Response {
    // Within a second, and at once while the database is known to be away.
    match state.db.ping(Duration::from_secs(1)).await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

#[handler]
fn openapi_json(spec: Data<&Arc<String>>) -> Response {
    Response::builder().content_type("application/json; charset=utf-8").body(spec.0.as_str().to_owned())
}

/// The HTML areas' routes, area by area; `routes` adds the API, the probes and the middleware.
pub fn html_routes() -> Routes {
    let mut r = Routes::new();
    pages::routes(&mut r);
    calendar::routes(&mut r);
    media::routes(&mut r);
    web::routes(&mut r);
    subscriptions::routes(&mut r);
    portal::routes(&mut r);
    console::routes(&mut r);
    r
}

/// All routes, with middleware, for the given state.
pub fn routes(state: AppState) -> impl Endpoint {
    // It counts failed logins across the API and the web sign-in, in the database: across
    // processes too.
    let login_throttle = Arc::new(LoginThrottle::new(state.db.clone()));
    let api = api_service();
    let spec = Arc::new(api.spec());
    let path_params = PathParams::from_spec(&serde_json::from_str(&spec).unwrap_or_default());
    let docs = api.swagger_ui();
    html_routes()
        .into_route()
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/metrics", get(metrics_page))
        .at("/api/openapi.json", get(openapi_json).data(spec))
        .nest("/api/docs", docs)
        .nest("/api/v1", api)
        .around(problem_responses)
        .around(web::form::html_errors)
        .around(security_headers)
        .around(log_requests)
        .data(state)
        .data(login_throttle)
        .data(path_params)
}

/// The Content-Security-Policy of our HTML: scripts, styles and images from this site only,
/// and no inline script but the widget frame's (by its hash). Styles may be inline: the widget's
/// accent colour is a style attribute (checked to be `#rrggbb`).
fn content_security_policy(framed: bool) -> String {
    format!(
        "default-src 'self'; script-src 'self' {}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
         object-src 'none'; base-uri 'self'; form-action 'self'{}",
        pages::widget::frame_script_hash(),
        if framed { "" } else { "; frame-ancestors 'none'" },
    )
}

/// `nosniff` on every response, and a Content-Security-Policy on every HTML page. Public pages
/// may be framed (the widget, a venue's page in a partner's site); a page that refuses framing
/// (`X-Frame-Options: DENY`, every signed-in page) says so in its policy too, since browsers
/// that read `frame-ancestors` ignore `X-Frame-Options`. The interactive API docs bundle their
/// scripts inline and get a policy of their own.
async fn security_headers<E: Endpoint>(ep: E, req: Request) -> poem::Result<Response> {
    use poem::http::{HeaderValue, header};
    static FRAMED: std::sync::OnceLock<HeaderValue> = std::sync::OnceLock::new();
    static UNFRAMED: std::sync::OnceLock<HeaderValue> = std::sync::OnceLock::new();
    let docs = req.uri().path().starts_with("/api/docs");
    let mut response = ep.call(req).await?.into_response();
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = if docs {
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
                 img-src 'self' data:; object-src 'none'; frame-ancestors 'none'",
            )
        } else if headers.contains_key(header::X_FRAME_OPTIONS) {
            UNFRAMED
                .get_or_init(|| HeaderValue::from_str(&content_security_policy(false)).expect("ASCII"))
                .clone()
        } else {
            FRAMED
                .get_or_init(|| HeaderValue::from_str(&content_security_policy(true)).expect("ASCII"))
                .clone()
        };
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    Ok(response)
}

/// One log line per request. Only the path is logged: query strings and headers may carry
/// tokens.
async fn log_requests<E: Endpoint>(ep: E, req: Request) -> poem::Result<Response> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = redact_path(req.uri().path());
    let response = ep.call(req).await?.into_response();
    crate::metrics::observe(&path, response.status().as_u16(), started.elapsed());
    tracing::info!(
        %method,
        path = %path,
        status = response.status().as_u16(),
        // Whole microseconds: log tools sum and sort integers without surprises.
        latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    Ok(response)
}

/// A built server: database connected and migrated, socket bound.
pub struct Application {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    state: AppState,
}

impl Application {
    /// Connects to the database, runs migrations and binds the socket (port 0 picks one).
    pub async fn build(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let db = Db::connect_with(&settings.database_url, settings.db_acquire_timeout)
            .await
            .with_context(|| format!("connecting to {}", redact_url(&settings.database_url)))?;
        db.migrate().await.context("running migrations")?;
        Self::build_with_db(settings, clock, db).await
    }

    pub async fn build_with_db(settings: Settings, clock: Clock, db: Db) -> anyhow::Result<Self> {
        // Refuse to start with a notification setup that could never deliver.
        notifications::Channels::new(&settings.notify)?;
        let listener = tokio::net::TcpListener::bind(settings.bind.as_str()).await.with_context(|| {
            format!(
                "cannot listen on {}: is another program using it? Choose another address with --bind \
                     (or DEBUT_BIND), e.g. --bind 127.0.0.1:8081",
                settings.bind
            )
        })?;
        let addr = listener.local_addr().context("the listener has no socket address")?;
        let media = media::files::open(&settings).context("opening the media store")?;
        let state = AppState::new(db, clock, settings, media);
        Ok(Self { listener, addr, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Sets the public base URL once the port is known (tests bind port 0).
    pub fn with_public_url(mut self, url: String) -> Self {
        let mut settings = (*self.state.settings).clone();
        settings.public_url = url;
        self.state.settings = Arc::new(settings);
        self
    }

    /// Serves (and delivers notifications) until `shutdown` resolves, then lets in-flight
    /// requests finish (up to 10 s).
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let state = self.state;
        let (stop_worker, worker_stopped) = tokio::sync::watch::channel(false);
        let digests = tokio::spawn(scheduled_messages(
            state.db.clone(),
            state.clock.clone(),
            state.settings.clone(),
            worker_stopped.clone(),
        ));
        let worker = tokio::spawn(notifications::run(
            state.db.clone(),
            state.clock.clone(),
            NotifyConfig { public_url: state.settings.public_url.clone(), ..state.settings.notify.clone() },
            state.settings.outbox_interval,
            worker_stopped,
        ));
        let db = state.db.clone();
        let limits = state.settings.connections;
        let result = server::serve(
            self.listener,
            routes(state).map_to_response(),
            limits,
            shutdown,
            Duration::from_secs(10),
        )
        .await;
        let _ = stop_worker.send(true);
        let _ = worker.await;
        let _ = digests.await;
        db.close().await;
        result
    }
}

/// `GET /metrics`: Prometheus text for staff only (a staff member's bearer token, which is what
/// a scraper sends, or a staff session); anyone else gets 404.
#[handler]
async fn metrics_page(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    use crate::metrics::Reading;
    let principal = match crate::accounts::auth::bearer_principal(req, &state).await? {
        Some(principal) => Some(principal),
        None => crate::web::signed_in(req, &state).await?.map(|s| s.principal),
    };
    if !principal.is_some_and(|p| p.is_staff()) {
        return Err(crate::error::ApiError::NotFound("No such page.".into()).into());
    }
    let (open, idle) = match state.db.pools() {
        crate::db::Pools::Sqlite(pool) => (pool.size(), pool.num_idle()),
        crate::db::Pools::Postgres(pool) => (pool.size(), pool.num_idle()),
    };
    let (pending, oldest) = notifications::depth(&state.db).await.map_err(crate::error::ApiError::from)?;
    let (failed, _) = notifications::problems(&state.db).await.map_err(crate::error::ApiError::from)?;
    let (builds, hits) = state.cache.counts();
    let (cached, cached_bytes, evictions) = state.cache.usage();
    let gauge = |name, help, samples| Reading { name, help, kind: "gauge", samples };
    let readings = [
        gauge(
            "debut_db_pool_connections",
            "Database connections the pool holds, by state.",
            vec![("state=\"open\"".to_owned(), open as f64), ("state=\"idle\"".to_owned(), idle as f64)],
        ),
        gauge(
            "debut_outbox_pending",
            "Messages waiting for delivery.",
            vec![(String::new(), pending as f64)],
        ),
        gauge(
            "debut_outbox_oldest_pending_seconds",
            "Age of the oldest message waiting for delivery (0 when none waits).",
            vec![(String::new(), oldest.map_or(0.0, |t| (state.now() - t).num_seconds().max(0) as f64))],
        ),
        gauge(
            "debut_outbox_failed",
            "Messages that failed for good, for an operator.",
            vec![(String::new(), failed as f64)],
        ),
        Reading {
            name: "debut_cache_builds_total",
            help: "Feeds and pages built into the response cache.",
            kind: "counter",
            samples: vec![(String::new(), builds as f64)],
        },
        Reading {
            name: "debut_cache_hits_total",
            help: "Requests answered from the response cache.",
            kind: "counter",
            samples: vec![(String::new(), hits as f64)],
        },
        gauge(
            "debut_cache_bytes",
            "Bytes of built feeds and pages the response cache holds (within --cache-mib).",
            vec![(String::new(), cached_bytes as f64)],
        ),
        gauge(
            "debut_cache_entries",
            "Feeds and pages the response cache holds.",
            vec![(String::new(), cached as f64)],
        ),
        Reading {
            name: "debut_cache_evictions_total",
            help: "Least recently used documents evicted to stay within the cache's budget.",
            kind: "counter",
            samples: vec![(String::new(), evictions as f64)],
        },
        Reading {
            name: "debut_feed_items_rendered_total",
            help: "VEVENTs and RSS items rendered; an unchanged event's entry is reused instead.",
            kind: "counter",
            samples: vec![(String::new(), state.fragments.rendered() as f64)],
        },
        gauge(
            "debut_feed_items_bytes",
            "Bytes of feed entries kept for reuse between builds.",
            vec![(String::new(), state.fragments.usage().1 as f64)],
        ),
        Reading {
            name: "debut_feed_rows_read_total",
            help: "Event rows read to build feeds; after a change only the changed events are read again.",
            kind: "counter",
            samples: vec![(String::new(), state.listings.rows_read() as f64)],
        },
        Reading {
            name: "debut_feed_chunks_compressed_total",
            help: "Chunks of large feeds gzip-compressed; an unchanged chunk's is reused instead.",
            kind: "counter",
            samples: vec![(String::new(), state.cache.chunks.compressed() as f64)],
        },
        gauge(
            "debut_feed_chunks_bytes",
            "Compressed feed chunks kept for reuse between builds.",
            vec![(String::new(), state.cache.chunks.bytes() as f64)],
        ),
        gauge(
            "debut_http_connections_open",
            "Client connections open right now.",
            vec![(String::new(), server::open_connections() as f64)],
        ),
        Reading {
            name: "debut_http_connections_shed_total",
            help: "Connections closed for being idle too long or to make room at the cap.",
            kind: "counter",
            samples: vec![(String::new(), server::shed_connections() as f64)],
        },
        gauge(
            "debut_image_job_slots_free",
            "Image-processing slots free right now (uploads wait when none is).",
            vec![(String::new(), state.image_work.cpu_slots_free() as f64)],
        ),
        gauge(
            "debut_image_memory_free_bytes",
            "Image-decoding memory budget free right now (uploads wait for what they need).",
            vec![(String::new(), state.image_work.memory_free_bytes() as f64)],
        ),
    ];
    Ok(Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .header(poem::http::header::CACHE_CONTROL, "no-store")
        .body(crate::metrics::render(&readings)))
}

/// The paths whose next segment is a secret: personal feeds, password reset and invitation
/// links, and subscriptions' confirmation and own pages.
const SECRET_PATHS: [&str; 5] =
    ["/feeds/", "/password/reset/", "/invitations/", "/subscribe/confirm/", "/subscriptions/"];

/// A request path without secrets, for the access log.
fn redact_path(path: &str) -> String {
    for prefix in SECRET_PATHS {
        if let Some(rest) = path.strip_prefix(prefix) {
            return format!("{prefix}***{}", rest.find('/').map_or("", |i| &rest[i..]));
        }
    }
    path.to_owned()
}

/// Writes the staff's daily digests, asks for event figures and writes subscribers' weekly
/// digests when they are due, every `outbox_interval`, until `stop` says so; once an hour (by the
/// service's clock) it also forgets what it need not keep ([`upkeep`]).
async fn scheduled_messages(
    db: Db,
    clock: Clock,
    settings: Arc<Settings>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let public_url = settings.public_url.clone();
    let mut last_upkeep: Option<chrono::DateTime<chrono::Utc>> = None;
    loop {
        if let Err(error) = console::digest::enqueue_due(&db, &public_url, clock.now()).await {
            tracing::warn!(%error, "daily digest pass failed");
        }
        if let Err(error) = crate::reports::figures::enqueue_due(&db, clock.now()).await {
            tracing::warn!(%error, "asking for event figures failed");
        }
        if let Err(error) = subscriptions::digest::enqueue_due(&db, &public_url, clock.now()).await {
            tracing::warn!(%error, "weekly subscription digest pass failed");
        }
        let now = clock.now();
        if last_upkeep.is_none_or(|last| now - last >= chrono::TimeDelta::hours(1)) {
            match upkeep(&db, &settings, now).await {
                Ok(()) => last_upkeep = Some(now),
                Err(error) => tracing::warn!(%error, "upkeep failed"),
            }
        }
        tokio::select! {
            () = tokio::time::sleep(settings.outbox_interval.max(Duration::from_secs(1))) => {}
            _ = stop.changed() => return,
        }
    }
}

/// What the service forgets on schedule: delivered messages past `--outbox-retention-days`
/// (their addresses and links), and mail allowances of past hours.
pub async fn upkeep(
    db: &Db,
    settings: &Settings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sqlx::Error> {
    let retention =
        chrono::TimeDelta::from_std(settings.outbox_retention).unwrap_or(chrono::TimeDelta::days(30));
    let purged = notifications::purge_delivered(db, now - retention).await?;
    if purged > 0 {
        tracing::info!(purged, "delivered messages past their retention deleted");
    }
    notifications::allowance::purge(db, now).await?;
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_tokens_never_reach_logs() {
        assert_eq!(redact_path("/feeds/dbt_secret/bookings.ics"), "/feeds/***/bookings.ics");
        assert_eq!(redact_path("/calendar.ics"), "/calendar.ics");
        assert_eq!(redact_path("/subscriptions/a1b2/unsubscribe"), "/subscriptions/***/unsubscribe");
        assert_eq!(redact_path("/subscribe/confirm/a1b2"), "/subscribe/confirm/***");
        assert_eq!(redact_path("/password/reset/dbt_x"), "/password/reset/***");
        assert_eq!(redact_path("/invitations/dbt_x"), "/invitations/***");
        assert_eq!(redact_path("/subscribe"), "/subscribe");
    }
}
