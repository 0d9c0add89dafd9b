//! Runtime settings, built by the CLI from flags and environment variables.

use std::{path::PathBuf, time::Duration};

#[derive(Clone, Debug)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (tests do).
    pub bind: String,
    /// `sqlite://path` (default, created when missing) or `postgres://...`.
    pub database_url: String,
    /// Root folder for uploaded media and its variants.
    pub media_dir: PathBuf,
    /// How long a login token stays valid.
    pub session_ttl: Duration,
    /// Public base URL, used in feeds and pages for absolute links.
    pub public_url: String,
}

impl Settings {
    pub fn new(bind: impl Into<String>, database_url: impl Into<String>) -> Self {
        Self {
            bind: bind.into(),
            database_url: database_url.into(),
            media_dir: PathBuf::from("media"),
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            public_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}
