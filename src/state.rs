//! What every request handler can reach: the database, the clock, the settings, the response
//! cache and the image-processing slots. Below every domain: it knows none of them.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::{
    cache::{Built, Cached, ResponseCache},
    clock::Clock,
    config::Settings,
    db::Db,
    error::ApiResult,
};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub settings: Arc<Settings>,
    pub cache: Arc<ResponseCache>,
    /// Image processing slots: uploads beyond these wait instead of starving the CPU.
    pub media_permits: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub fn new(db: Db, clock: Clock, settings: Settings) -> Self {
        Self {
            db,
            clock,
            settings: Arc::new(settings),
            cache: Arc::default(),
            media_permits: Arc::new(tokio::sync::Semaphore::new(2)),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The cached public document for `key`, rebuilt with `build` when the public changed.
    pub async fn cached<F, Fut>(&self, key: String, build: F) -> ApiResult<Arc<Cached>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<Built>>,
    {
        self.cache.get_or_build(&self.db, self.clock.now(), key, build).await
    }
}
