//! The injected clock. Business rules take `now` as an argument; the server reads it from here,
//! and tests move a manual clock to check time-dependent behaviour (expiry, tombstones).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self::Manual(Arc::new(Mutex::new(start)))
    }

    /// The current instant, truncated to microseconds: the precision both databases keep, so a
    /// stored time reads back equal to the one we wrote.
    pub fn now(&self) -> DateTime<Utc> {
        let now = match self {
            Self::System => Utc::now(),
            Self::Manual(at) => *at.lock().expect("clock lock"),
        };
        now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
    }

    /// Moves a manual clock; does nothing to the system clock.
    pub fn advance(&self, by: TimeDelta) {
        if let Self::Manual(at) = self {
            *at.lock().expect("clock lock") += by;
        }
    }
}
