//! What competes for a booking's time and the free slots nearby, and a venue's availability.

use chrono::{DateTime, TimeDelta, Utc};

use crate::bookings::{
    BookingContent, TimeSpan,
    schedule::{self, Interval},
    store::{self, BookingRow},
};
use crate::{
    accounts::Principal,
    error::{ApiResult, Violations},
    state::AppState,
    values::time::{local_time, within_reason},
    venues::{self, Venue, VenueKey},
};

use super::{Clash, Suggestion, clash_view, venue_for};

/// The bookings competing for the slot, and free slots if there is competition.
pub async fn competition(
    state: &AppState,
    principal: &Principal,
    row: &BookingRow,
    content: &BookingContent,
) -> ApiResult<(Vec<Clash>, Vec<Suggestion>)> {
    let busy = content.slot().busy();
    let clashes: Vec<Clash> = store::clashes(&state.db, content.venue_id, row.id, busy, true)
        .await?
        .into_iter()
        .map(|clash| clash_view(clash, principal))
        .collect();
    let suggestions = if clashes.is_empty() { vec![] } else { suggestions(state, row.id, content).await? };
    Ok((clashes, suggestions))
}

/// The nearest free slots of the same length at the venue, then at other venues of its kind,
/// avoiding approved and submitted bookings.
pub async fn suggestions(
    state: &AppState,
    booking_id: i64,
    content: &BookingContent,
) -> ApiResult<Vec<Suggestion>> {
    let slot = content.slot();
    let now = state.clock.now();
    let window = (
        slot.public.start - schedule::SEARCH_RADIUS - TimeDelta::days(1),
        slot.public.end + schedule::SEARCH_RADIUS + TimeDelta::days(1),
    );
    let venue = venue_for(state, &VenueKey::Id(content.venue_id)).await?;
    let mut found = Vec::new();
    // Slots other applicants are already asking for are no better than taken ones.
    let busy = store::busy_spans(&state.db, venue.id, booking_id, window.0, window.1, true).await?;
    for interval in schedule::suggest(&venue, &slot, &busy, now, 3) {
        found.push(suggestion(&venue, interval));
    }
    let others = venues::store::list(
        &state.db,
        &venues::store::VenueFilter { kind: Some(venue.kind), ..Default::default() },
        0,
        50,
    )
    .await?;
    for other in others.iter().filter(|v| v.id != venue.id) {
        let busy = store::busy_spans(&state.db, other.id, booking_id, window.0, window.1, true).await?;
        if let Some(interval) = schedule::suggest(other, &slot, &busy, now, 1).pop() {
            found.push(suggestion(other, interval));
        }
    }
    Ok(found)
}

fn suggestion(venue: &Venue, interval: Interval) -> Suggestion {
    Suggestion {
        venue_id: venue.id,
        venue_slug: venue.slug.clone(),
        starts_at: interval.start,
        ends_at: interval.end,
        local_starts_at: local_time(interval.start, venue.tz()),
    }
}

/// Free windows at a venue between two instants.
pub async fn availability(
    state: &AppState,
    venue: &Venue,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<Vec<TimeSpan>> {
    let mut v = Violations::default();
    let checked_from = v.check("from", within_reason(from));
    let checked_to = v.check("to", within_reason(to));
    if checked_from.is_some() && checked_to.is_some() {
        if to <= from {
            v.add("to", crate::error::Invalid::new("after-from"));
        } else if to - from > TimeDelta::days(92) {
            v.add("to", crate::error::Invalid::new("span-92-days"));
        }
    }
    v.finish(|| ())?;
    let busy =
        store::busy_spans(&state.db, venue.id, 0, from - TimeDelta::days(1), to + TimeDelta::days(1), false)
            .await?;
    Ok(schedule::free_windows(venue, &busy, from, to)
        .into_iter()
        .map(|i| TimeSpan { starts_at: i.start, ends_at: i.end })
        .collect())
}
