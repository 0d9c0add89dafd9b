//! A booking's public face: the event an approval publishes, its slug, SEQUENCE and tombstone.
//!
//! These columns live on `bookings`; the calendar reads them. Every public change is written
//! in the transaction of the booking move that caused it, with a bump of the public version.

use chrono::{DateTime, Utc};

use super::BookingContent;
use crate::{cache, db::Tx, error::ApiResult, on_tx};

/// How a booking's move changes its public face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicChange {
    /// First approval: the event appears.
    Published,
    /// Time, place or title changed: SEQUENCE rises. `previous_start` is set when the time moved.
    Significant { previous_start: Option<DateTime<Utc>> },
    /// Only descriptive text changed.
    Minor,
    /// Cancelled: a tombstone with a higher SEQUENCE.
    Cancelled,
}

/// Records a public change of the booking's event in the same transaction as the change, and
/// bumps the public version so cached feeds and pages rebuild.
pub async fn record(
    tx: &mut Tx,
    booking_id: i64,
    slug: &str,
    change: PublicChange,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let (bump, cancelled, previous_start) = match change {
        PublicChange::Published | PublicChange::Minor => (0_i64, false, None),
        PublicChange::Significant { previous_start } => (1, false, previous_start),
        PublicChange::Cancelled => (1, true, None),
    };
    on_tx!(tx, conn => sqlx::query(
        "UPDATE bookings SET public_slug = COALESCE(public_slug, $2), published_at = COALESCE(published_at, $3), \
         public_updated_at = $3, sequence = sequence + $4, \
         cancelled_at = CASE WHEN $5 THEN $3 ELSE cancelled_at END, \
         previous_starts_at = COALESCE($6, previous_starts_at) WHERE id = $1",
    )
    .bind(booking_id)
    .bind(slug)
    .bind(now)
    .bind(bump)
    .bind(cancelled)
    .bind(previous_start)
    .execute(&mut *conn)
    .await
    .map(|_| ()))?;
    cache::bump_public_version(tx, cache::Touched::Booking(booking_id)).await
}

/// How an applied change shows to the public: time, place or title changes raise SEQUENCE.
pub fn public_change(old: &BookingContent, new: &BookingContent) -> Option<PublicChange> {
    let moved = old.starts_at != new.starts_at;
    if moved
        || old.ends_at != new.ends_at
        || old.venue_id != new.venue_id
        || old.title_zh != new.title_zh
        || old.title_en != new.title_en
    {
        return Some(PublicChange::Significant { previous_start: moved.then_some(old.starts_at) });
    }
    let descriptive = old.description_zh != new.description_zh
        || old.description_en != new.description_en
        || old.brand_name != new.brand_name
        || old.format != new.format
        || old.reach != new.reach;
    descriptive.then_some(PublicChange::Minor)
}

/// A URL slug for an event: its English title (or brand) in lower-case ASCII, then its id.
pub fn event_slug(id: i64, title_en: &str, brand: &str) -> String {
    let source = if title_en.trim().is_empty() { brand } else { title_en };
    let slug = crate::values::text::slug_words(source, 60);
    if slug.is_empty() { format!("event-{id}") } else { format!("{slug}-{id}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii_and_end_with_the_id() {
        assert_eq!(event_slug(12, "New Phone: Launch!", "x"), "new-phone-launch-12");
        assert_eq!(event_slug(7, "", "五马"), "event-7");
        assert_eq!(event_slug(8, "  ", "Ouhai Phones"), "ouhai-phones-8");
    }
}
