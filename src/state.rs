//! What every request handler can reach: the database, the clock, the settings, the response
//! cache and image processing's share of memory and CPU. Below every domain: it knows none of them.

use std::sync::Arc;

use tokio::sync::{Semaphore, SemaphorePermit};

use chrono::{DateTime, Utc};

use crate::{
    cache::{Built, Cached, Fragments, Listings, ResponseCache},
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
    /// Feed entries kept per event between builds of the cached feeds.
    pub fragments: Arc<Fragments>,
    /// The event lists large feeds were last built from, brought up to date from the change log.
    pub listings: Arc<Listings>,
    /// Image processing's memory and CPU: uploads beyond these wait.
    pub image_work: Arc<ImageWork>,
    /// Where uploaded media files live: a folder or an object store (`media::files::open`).
    pub media: Arc<dyn object_store::ObjectStore>,
}

impl AppState {
    pub fn new(db: Db, clock: Clock, settings: Settings, media: Arc<dyn object_store::ObjectStore>) -> Self {
        Self {
            db,
            clock,
            media,
            image_work: Arc::new(ImageWork::new(settings.image_memory_bytes, 2)),
            cache: Arc::new(ResponseCache::with_budget(settings.cache_bytes)),
            fragments: Arc::default(),
            listings: Arc::default(),
            settings: Arc::new(settings),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The cached public document for `key`, rebuilt with `build` when the public changed.
    pub async fn cached<F, Fut>(&self, key: String, build: F) -> ApiResult<Arc<Cached>>
    where
        F: FnOnce(i64) -> Fut,
        Fut: Future<Output = ApiResult<Built>>,
    {
        self.cache.get_or_build(&self.db, self.clock.now(), key, build).await
    }
}

/// Image processing's share of the machine. Decoding a 7000×7000 RGBA PNG takes 190 MiB however
/// small the file, so a count of jobs alone does not bound memory: each job reserves the bytes
/// its header says it will need from a fixed budget, and one of a few CPU slots, and waits until
/// both are free.
pub struct ImageWork {
    memory: Semaphore,
    budget_mib: u32,
    cpu: Semaphore,
}

/// An image that needs more memory than the whole budget: it can never be processed here.
#[derive(Debug, thiserror::Error)]
#[error(
    "the image needs {needed_mib} MiB of memory to process and at most {budget_mib} MiB are \
     available: export it with fewer pixels or at 8 bits per channel"
)]
pub struct TooMuchMemory {
    pub needed_mib: u64,
    pub budget_mib: u32,
}

/// Memory and a CPU slot held by one image job; both return when it drops.
pub struct ImageReservation<'a> {
    _memory: SemaphorePermit<'a>,
    _cpu: SemaphorePermit<'a>,
}

impl ImageWork {
    /// A budget of `memory_bytes` (counted in whole MiB) and `cpu_slots` jobs at once.
    pub fn new(memory_bytes: u64, cpu_slots: usize) -> Self {
        let budget_mib = u32::try_from(memory_bytes / MIB).unwrap_or(u32::MAX).clamp(1, 1 << 20);
        Self {
            memory: Semaphore::new(budget_mib as usize),
            budget_mib,
            cpu: Semaphore::new(cpu_slots.max(1)),
        }
    }

    /// Waits for `bytes` of the budget and a CPU slot (memory first, always in this order).
    pub async fn reserve(&self, bytes: u64) -> Result<ImageReservation<'_>, TooMuchMemory> {
        let needed_mib = bytes.div_ceil(MIB).max(1);
        let too_much = TooMuchMemory { needed_mib, budget_mib: self.budget_mib };
        let Ok(mib) = u32::try_from(needed_mib) else { return Err(too_much) };
        if mib > self.budget_mib {
            return Err(too_much);
        }
        let memory = self.memory.acquire_many(mib).await.expect("the image budget is never closed");
        let cpu = self.cpu.acquire().await.expect("the image slots are never closed");
        Ok(ImageReservation { _memory: memory, _cpu: cpu })
    }

    /// Bytes of the budget free right now.
    pub fn memory_free_bytes(&self) -> u64 {
        self.memory.available_permits() as u64 * MIB
    }

    /// CPU slots free right now.
    pub fn cpu_slots_free(&self) -> usize {
        self.cpu.available_permits()
    }
}

const MIB: u64 = 1024 * 1024;
