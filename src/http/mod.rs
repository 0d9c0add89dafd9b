//! The HTTP server: shared state, routes, middleware and the OpenAPI document.
//!
//! Each domain contributes one `OpenApi` struct; they are composed into one service mounted at
//! `/api/v1`, with the document at `/api/openapi.json` and the interactive docs at `/api/docs`.
//! Errors from anywhere become `application/problem+json` in [`crate::error::problem_responses`].

mod json;

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use poem::{
    Endpoint, EndpointExt, IntoResponse, Request, Response, Route, Server, get, handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    web::Data,
};
use poem_openapi::{OpenApiService, Tags};

pub use json::{JsonBody, MAX_JSON_BODY, parse_json};

use crate::{
    accounts::{api::AccountsApi, auth::LoginThrottle},
    bookings::api::BookingsApi,
    calendar::{api::CalendarApi, feeds},
    clock::Clock,
    config::Settings,
    db::Db,
    error::{ApiError, ApiResult, problem_responses},
    incentives::api::IncentivesApi,
    media::{self, api::MediaApi},
    notifications, pages,
    venues::api::VenuesApi,
};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub settings: Arc<Settings>,
    pub login_throttle: Arc<LoginThrottle>,
    pub feed_cache: Arc<feeds::FeedCache>,
    /// Image processing slots: uploads beyond these wait instead of starving the CPU.
    pub media_permits: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub fn new(db: Db, clock: Clock, settings: Settings) -> Self {
        Self {
            db,
            clock,
            settings: Arc::new(settings),
            login_throttle: Arc::default(),
            feed_cache: Arc::default(),
            media_permits: Arc::new(tokio::sync::Semaphore::new(2)),
        }
    }
}

#[derive(Tags)]
pub enum ApiTags {
    /// Registration, login and organizations.
    Accounts,
    /// The showcase venues.
    Venues,
    /// Applications for venues and their review.
    Bookings,
    /// First-store incentive funds, applications and awards.
    Incentives,
    /// Public events and calendar feeds.
    Events,
    /// Logos, booking images and venue photos.
    Media,
}

/// Cursor pagination: `limit` (1–100, default 50) and an opaque `cursor` from the last page.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: i64,
    pub after_id: i64,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 50;
    pub const MAX_LIMIT: i64 = 100;

    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> ApiResult<Self> {
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid("limit", format!("must be between 1 and {}", Self::MAX_LIMIT)));
        }
        let after_id = match cursor {
            None | Some("") => 0,
            Some(c) => c.parse::<i64>().ok().filter(|id| *id >= 0).ok_or_else(|| {
                ApiError::invalid("cursor", "is not a cursor this API returned; start again without one")
            })?,
        };
        Ok(Self { limit, after_id })
    }

    /// Trims the extra item fetched to detect a next page and returns the cursor for it.
    pub fn next_cursor<T>(&self, items: &mut Vec<T>, id_of: impl Fn(&T) -> i64) -> Option<String> {
        if items.len() as i64 > self.limit {
            items.truncate(self.limit as usize);
            items.last().map(|item| id_of(item).to_string())
        } else {
            None
        }
    }
}

/// The OpenAPI service with every domain's operations.
pub fn api_service()
-> OpenApiService<(AccountsApi, VenuesApi, BookingsApi, IncentivesApi, CalendarApi, MediaApi), ()> {
    OpenApiService::new(
        (AccountsApi, VenuesApi, BookingsApi, IncentivesApi, CalendarApi, MediaApi),
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
    match state.db.ping().await {
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

/// All routes, with middleware, for the given state.
pub fn routes(state: AppState) -> impl Endpoint {
    let api = api_service();
    let spec = Arc::new(api.spec());
    let docs = api.swagger_ui();
    Route::new()
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/api/openapi.json", get(openapi_json).data(spec))
        .at("/calendar.ics", get(feeds::all_events))
        .at("/events.rss", get(feeds::rss_feed))
        .at("/", get(pages::home))
        .at("/events", get(pages::events_page))
        .at("/events/:file", get(pages::event_file))
        .at("/venues", get(pages::venues_page))
        .at("/venues/:slug", get(pages::venue_page))
        .at("/lang/:code", get(pages::switch_language))
        .at("/static/debut.css", get(pages::stylesheet))
        .at("/robots.txt", get(pages::robots))
        .at("/sitemap.xml", get(pages::sitemap))
        .at("/venues/:slug/calendar.ics", get(feeds::venue_calendar))
        .at("/feeds/:token/bookings.ics", get(feeds::audience))
        .at("/media/:dir/:file", get(media::api::serve))
        .nest("/api/docs", docs)
        .nest("/api/v1", api)
        .around(problem_responses)
        .around(log_requests)
        .data(state)
}

/// One log line per request. Only the path is logged: query strings and headers may carry
/// tokens.
async fn log_requests<E: Endpoint>(ep: E, req: Request) -> poem::Result<Response> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = redact_path(req.uri().path());
    let response = ep.call(req).await?.into_response();
    tracing::info!(
        %method,
        path = %path,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    Ok(response)
}

/// A built server: database connected and migrated, socket bound.
pub struct Application {
    acceptor: poem::listener::TcpAcceptor,
    addr: SocketAddr,
    state: AppState,
}

impl Application {
    /// Connects to the database, runs migrations and binds the socket (port 0 picks one).
    pub async fn build(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let db = Db::connect(&settings.database_url)
            .await
            .with_context(|| format!("connecting to {}", redact_url(&settings.database_url)))?;
        db.migrate().await.context("running migrations")?;
        Self::build_with_db(settings, clock, db).await
    }

    pub async fn build_with_db(settings: Settings, clock: Clock, db: Db) -> anyhow::Result<Self> {
        // Refuse to start with a notification setup that could never deliver.
        notifications::Channels::new(&settings.notify)?;
        let acceptor = TcpListener::bind(settings.bind.clone())
            .into_acceptor()
            .await
            .with_context(|| format!("binding {}", settings.bind))?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .context("the listener has no socket address")?;
        let state = AppState::new(db, clock, settings);
        Ok(Self { acceptor, addr, state })
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
        let worker = tokio::spawn(notifications::run(
            state.db.clone(),
            state.clock.clone(),
            state.settings.notify.clone(),
            state.settings.outbox_interval,
            worker_stopped,
        ));
        let db = state.db.clone();
        let result = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(routes(state), shutdown, Some(Duration::from_secs(10)))
            .await;
        let _ = stop_worker.send(true);
        let _ = worker.await;
        db.close().await;
        result
    }
}

/// A request path without secrets: personal feed URLs carry a token.
fn redact_path(path: &str) -> String {
    match path.strip_prefix("/feeds/") {
        Some(rest) => format!("/feeds/***{}", rest.find('/').map_or("", |i| &rest[i..])),
        None => path.to_owned(),
    }
}

/// A database URL without its password, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
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
    fn passwords_never_reach_logs() {
        assert_eq!(redact_url("postgres://debut:s3cret@db:5432/debut"), "postgres://debut:***@db:5432/debut");
        assert_eq!(redact_url("sqlite://data/debut.db"), "sqlite://data/debut.db");
    }

    #[test]
    fn feed_tokens_never_reach_logs() {
        assert_eq!(redact_path("/feeds/dbt_secret/bookings.ics"), "/feeds/***/bookings.ics");
        assert_eq!(redact_path("/calendar.ics"), "/calendar.ics");
    }

    #[test]
    fn page_parameters_are_validated() {
        assert_eq!(Page::parse(None, None).unwrap().limit, 50);
        assert!(Page::parse(Some(0), None).is_err());
        assert!(Page::parse(Some(101), None).is_err());
        assert!(Page::parse(None, Some("abc")).is_err());
        assert_eq!(Page::parse(Some(2), Some("7")).unwrap().after_id, 7);
    }

    #[test]
    fn next_cursor_points_at_the_last_item_shown() {
        let page = Page::parse(Some(2), None).unwrap();
        let mut items = vec![1, 2, 3];
        assert_eq!(page.next_cursor(&mut items, |i| *i), Some("2".into()));
        assert_eq!(items, [1, 2]);
        let mut items = vec![1, 2];
        assert_eq!(page.next_cursor(&mut items, |i| *i), None);
    }
}
