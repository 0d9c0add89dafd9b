//! Runtime settings, built by the CLI from flags and environment variables.

use std::{path::PathBuf, time::Duration};

/// The default and highest cap per store a fund may set: 2,000,000 CNY, in fen.
pub const DEFAULT_MAX_AWARD_CAP_FEN: i64 = 2_000_000 * 100;

#[derive(Clone, Debug)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (tests do).
    pub bind: String,
    /// `sqlite://path` (default, created when missing) or `postgres://...`.
    pub database_url: String,
    /// The longest a request waits for a database connection before it is answered 503.
    pub db_acquire_timeout: Duration,
    /// Root folder for uploaded media and its variants, unless `media_url` is set.
    pub media_dir: PathBuf,
    /// An S3-compatible object store for media instead (`s3://bucket/prefix`), so that every
    /// process of a deployment serves every upload; endpoint and keys from `AWS_*` variables.
    pub media_url: Option<String>,
    /// How long a login token stays valid.
    pub session_ttl: Duration,
    /// Public base URL, used in feeds and pages for absolute links.
    pub public_url: String,
    /// The longest a booking's public event may last.
    pub max_booking_hours: i64,
    /// Where notifications go.
    pub notify: NotifyConfig,
    /// How often the outbox worker looks for due notifications.
    pub outbox_interval: Duration,
    /// The highest award cap a fund may set per store, in fen.
    pub max_award_cap_fen: i64,
    /// The largest upload accepted, in bytes.
    pub max_upload_bytes: usize,
    /// The most pixels an uploaded image may have (checked from its header before decoding).
    pub max_upload_pixels: u64,
    /// The domain part of iCalendar UIDs. Keep it fixed: changing it changes every UID.
    pub uid_domain: String,
    /// Memory for decoding uploaded images at once, in bytes (see `media::process`).
    pub image_memory_bytes: u64,
    /// Open connections, header and idle timeouts.
    pub connections: ConnectionLimits,
    /// The response cache's budget for built feeds and pages, in bytes.
    pub cache_bytes: usize,
    /// The lowest four-eyes threshold a fund may set, in fen.
    pub four_eyes_floor_fen: i64,
    /// Most confirmation, password-reset and invitation e-mails in an hour, all clients together.
    pub mails_per_hour: u32,
    /// How long a delivered message keeps its recipient and body.
    pub outbox_retention: Duration,
}

impl Settings {
    pub fn new(bind: impl Into<String>, database_url: impl Into<String>) -> Self {
        Self {
            bind: bind.into(),
            database_url: database_url.into(),
            db_acquire_timeout: Duration::from_secs(5),
            media_dir: PathBuf::from("media"),
            media_url: None,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            public_url: "http://127.0.0.1:8080".to_owned(),
            max_booking_hours: 14 * 24,
            notify: NotifyConfig {
                debounce: Duration::from_secs(30),
                mail_from: "Debut <noreply@debut.local>".to_owned(),
                ..Default::default()
            },
            outbox_interval: Duration::from_secs(5),
            max_award_cap_fen: DEFAULT_MAX_AWARD_CAP_FEN,
            max_upload_bytes: 10 * 1024 * 1024,
            max_upload_pixels: 50_000_000,
            uid_domain: "debut.local".to_owned(),
            image_memory_bytes: 320 * 1024 * 1024,
            connections: ConnectionLimits::default(),
            cache_bytes: 64 * 1024 * 1024,
            four_eyes_floor_fen: 0,
            mails_per_hour: 600,
            outbox_retention: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// Where and how to deliver.
#[derive(Debug, Clone, Default)]
pub struct NotifyConfig {
    /// `smtp://host:port` of a relay (plain SMTP; let the relay handle TLS onwards).
    pub smtp_url: Option<String>,
    /// The sender of notification e-mails.
    pub mail_from: String,
    /// POST target for every message, signed with `webhook_secret`.
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    /// How long a message waits for later changes to merge into it.
    pub debounce: Duration,
    /// The service's public URL, for the links in messages.
    pub public_url: String,
}

/// How the server treats connections (see `http::server`): a cap on open connections, the time
/// a request head may take to arrive, and how long a quiet connection stays open.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}
