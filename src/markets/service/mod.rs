//! The market workflow: who may do what, and each change in one transaction.
//!
//! Reads that only shape a clear error (is the stall in the plan, is the vendor accepted) happen
//! before the transaction; what must hold at commit (a stall free on a date, the food rule, an
//! application still in the state it was read in) is enforced by the schema or by a guarded
//! `UPDATE` inside it.

use chrono::{DateTime, Utc};
use poem_openapi::Object;

use super::{
    DateStatus, DatesInput, MarketInput, expand_dates, market_slug,
    store::{self, MarketRow, OccurrenceRow},
};
use crate::{
    accounts::{OrgKind, Principal},
    bookings::{BookingState, Format},
    cache,
    db::is_unique_violation,
    error::{ApiError, ApiResult, Violations},
    notifications::{self, Message},
    state::AppState,
    values::time::{local_time, parse_time},
};

mod applications;
mod fees;
mod plan;
mod stalls;

pub use self::applications::{Application, act, application_view, applications, apply, load_application};
pub use self::fees::{DateOccupancy, FeeInput, Fees, MarketOverview, fees, fees_csv, overview, set_fee};
pub use self::plan::{Stall, StallClass, StallPlan, plan, plan_of, replace_plan};
pub use self::stalls::{Assignment, AssignmentInput, assign, assignment_view, assignments, unassign};

#[derive(Debug, Clone, Object)]
pub struct Organizer {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Object)]
pub struct MarketVenue {
    pub id: i64,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Debug, Clone, Object)]
pub struct VendorCall {
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// Whether applications are taken right now.
    pub open: bool,
}

#[derive(Debug, Clone, Object)]
pub struct Occurrence {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Venue time, e.g. `2026-12-04T18:00`.
    pub local_starts_at: String,
    pub local_ends_at: String,
    pub status: DateStatus,
    /// Rises when the date is cancelled.
    pub sequence: i64,
}

/// A market as the API shows it; public.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Market {
    pub id: i64,
    pub slug: String,
    pub booking_id: i64,
    pub organizer: Organizer,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub theme: String,
    pub venue: MarketVenue,
    pub zone: String,
    #[oai(skip_serializing_if_is_none)]
    pub call: Option<VendorCall>,
    pub occurrences: Vec<Occurrence>,
    /// The public page.
    pub url: String,
    /// The market's dates as iCalendar.
    pub ics_url: String,
}

pub fn occurrence_view(row: &OccurrenceRow, market: &MarketRow) -> Occurrence {
    let tz = market.zone.tz();
    Occurrence {
        id: row.id,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        local_starts_at: local_time(row.starts_at, tz),
        local_ends_at: local_time(row.ends_at, tz),
        status: if row.cancelled_at.is_some() { DateStatus::Cancelled } else { DateStatus::Confirmed },
        sequence: row.sequence,
    }
}

pub fn view(state: &AppState, row: &MarketRow, occurrences: &[OccurrenceRow]) -> Market {
    let public_url = &state.settings.public_url;
    Market {
        id: row.id,
        slug: row.slug.clone(),
        booking_id: row.booking_id,
        organizer: Organizer { id: row.organization_id, name: row.organizer_name.clone() },
        title_zh: row.title_zh.clone(),
        title_en: row.title_en.clone(),
        description_zh: row.description_zh.clone(),
        description_en: row.description_en.clone(),
        theme: row.theme.clone(),
        venue: MarketVenue {
            id: row.venue_id,
            slug: row.venue_slug.clone(),
            name_zh: row.venue_name_zh.clone(),
            name_en: row.venue_name_en.clone(),
            address: row.venue_address.clone(),
            latitude: row.latitude,
            longitude: row.longitude,
        },
        zone: row.zone.name().to_owned(),
        call: match (row.call_opens_at, row.call_closes_at) {
            (Some(opens_at), Some(closes_at)) => {
                let now = state.now();
                Some(VendorCall { opens_at, closes_at, open: opens_at <= now && now < closes_at })
            }
            _ => None,
        },
        occurrences: occurrences.iter().map(|o| occurrence_view(o, row)).collect(),
        url: format!("{public_url}/markets/{}", row.slug),
        ics_url: format!("{public_url}/markets/{}.ics", row.slug),
    }
}

pub async fn load(state: &AppState, id: i64) -> ApiResult<MarketRow> {
    store::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found(format!("Market {id}")))
}

pub async fn market(state: &AppState, id: i64) -> ApiResult<Market> {
    let row = load(state, id).await?;
    let occurrences = store::occurrences(&state.db, id).await?;
    Ok(view(state, &row, &occurrences))
}

/// Staff act on every market; an organizer on its own.
pub fn require_organizer(principal: &Principal, market: &MarketRow) -> ApiResult<()> {
    if principal.is_staff() || principal.acts_for(market.organization_id) {
        Ok(())
    } else {
        Err(ApiError::forbidden(crate::error::Refusal::new("organizer-only-market")))
    }
}

fn unique_or(err: sqlx::Error, conflict: impl FnOnce() -> ApiError) -> ApiError {
    if is_unique_violation(&err) { conflict() } else { err.into() }
}

/// `POST /api/v1/markets`: a market on an approved market booking of an organizer's.
pub async fn create(state: &AppState, principal: &Principal, input: MarketInput) -> ApiResult<Market> {
    let basis = store::basis(&state.db, input.booking_id).await?;
    let visible =
        basis.as_ref().is_some_and(|b| principal.is_staff() || principal.acts_for(b.organization_id));
    let Some(basis) = basis.filter(|_| visible) else {
        return Err(ApiError::invalid(
            "booking_id",
            crate::error::Invalid::new("no-own-booking").with("id", input.booking_id),
        ));
    };
    let mut v = Violations::default();
    if basis.organization_kind != OrgKind::Organizer {
        v.add("booking_id", crate::error::Invalid::new("market-organizer-only"));
    } else if basis.format != Format::Market {
        v.add("booking_id", crate::error::Invalid::new("market-format"));
    } else if basis.state != BookingState::Approved {
        v.add(
            "booking_id",
            crate::error::Invalid::new("market-needs-approval").with("state", basis.state.as_str()),
        );
    }
    let text = input.text(&mut v);
    let within = super::Span { starts_at: basis.starts_at, ends_at: basis.ends_at };
    let spans = expand_dates(&input.dates, input.series.as_ref(), basis.zone.tz(), within, &mut v);
    if spans.is_empty() && input.dates.is_empty() && input.series.is_none() {
        v.add("dates", crate::error::Invalid::new("dates-or-series"));
    }
    v.finish(|| ())?;
    let text = text.expect("checked");
    let slug =
        text.slug.clone().unwrap_or_else(|| market_slug(&text.title_en, &text.theme, input.booking_id));
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let id = store::insert(&mut tx, input.booking_id, basis.organization_id, &slug, &text, now)
        .await
        .map_err(|e| {
            unique_or(e, || {
                ApiError::conflict(
                    crate::error::Reason::new("market-taken")
                        .with("booking", input.booking_id)
                        .with("slug", &slug),
                )
            })
        })?;
    store::add_occurrences(&mut tx, id, &spans, now).await?;
    cache::bump_public_version(&mut tx, cache::Touched::Booking(input.booking_id)).await?;
    tx.commit().await?;
    market(state, id).await
}

/// Adds dates (single dates and/or a series) within the booking's approved time.
pub async fn add_dates(
    state: &AppState,
    principal: &Principal,
    id: i64,
    input: DatesInput,
) -> ApiResult<Market> {
    let row = load(state, id).await?;
    require_organizer(principal, &row)?;
    let mut v = Violations::default();
    let spans = expand_dates(&input.dates, input.series.as_ref(), row.zone.tz(), row.approved_span(), &mut v);
    if input.dates.is_empty() && input.series.is_none() {
        v.add("dates", crate::error::Invalid::new("dates-or-series"));
    }
    let existing = store::occurrences(&state.db, id).await?.len();
    if existing + spans.len() > super::MAX_OCCURRENCES {
        v.add("dates", crate::error::Invalid::new("too-many-dates").with("max", super::MAX_OCCURRENCES));
    }
    v.finish(|| ())?;
    let mut tx = state.db.begin().await?;
    store::add_occurrences(&mut tx, id, &spans, state.now()).await?;
    cache::bump_public_version(&mut tx, cache::Touched::Booking(row.booking_id)).await?;
    tx.commit().await?;
    market(state, id).await
}

/// Cancels one date: it stays in feeds as a tombstone; its vendors hear of it.
pub async fn cancel_date(
    state: &AppState,
    principal: &Principal,
    id: i64,
    occurrence_id: i64,
) -> ApiResult<Market> {
    let row = load(state, id).await?;
    require_organizer(principal, &row)?;
    let occurrences = store::occurrences(&state.db, id).await?;
    let Some(occurrence) = occurrences.iter().find(|o| o.id == occurrence_id) else {
        return Err(ApiError::not_found(format!("Date {occurrence_id} of market {id}")));
    };
    let now = state.now();
    let assigned = store::assignments(&state.db, id, None).await?;
    let mut tx = state.db.begin().await?;
    if !store::cancel_occurrence(&mut tx, id, occurrence_id, now).await? {
        return Err(ApiError::conflict(crate::error::Reason::new("date-cancelled")));
    }
    let when = local_time(occurrence.starts_at, row.zone.tz()).replace('T', " ");
    for line in assigned.iter().filter(|a| a.occurrence_id == occurrence_id) {
        let message = Message::to_organization(
            format!("market:{id}:date:{occurrence_id}:org:{}", line.organization_id),
            line.organization_id,
            "mail-market-date-cancelled",
            |lang| {
                vec![
                    ("market", lang.pick(&row.title_zh, &row.title_en).to_owned().into()),
                    ("when", when.clone().into()),
                    ("stall", line.stall_code.clone().into()),
                ]
            },
            format!("/portal/markets/{id}"),
            serde_json::json!({"market_id": id, "occurrence_id": occurrence_id, "event": "date_cancelled"}),
        );
        notifications::enqueue(&mut tx, &message, now, state.settings.notify.debounce).await?;
    }
    cache::bump_public_version(&mut tx, cache::Touched::Booking(row.booking_id)).await?;
    tx.commit().await?;
    market(state, id).await
}

#[derive(Debug, Clone, Object, serde::Deserialize)]
pub struct VendorCallInput {
    /// Venue time or RFC 3339.
    pub opens_at: String,
    pub closes_at: String,
}

/// Opens (or moves) the vendor call's window.
pub async fn set_call(
    state: &AppState,
    principal: &Principal,
    id: i64,
    input: VendorCallInput,
) -> ApiResult<Market> {
    let row = load(state, id).await?;
    require_organizer(principal, &row)?;
    let tz = row.zone.tz();
    let mut v = Violations::default();
    let opens_at = v.check("opens_at", parse_time(&input.opens_at, tz));
    let closes_at = v.check("closes_at", parse_time(&input.closes_at, tz));
    if let (Some(o), Some(c)) = (opens_at, closes_at)
        && c <= o
    {
        v.add("closes_at", crate::error::Invalid::new("after-opening"));
    }
    v.finish(|| ())?;
    let mut tx = state.db.begin().await?;
    store::set_call(&mut tx, id, opens_at.expect("checked"), closes_at.expect("checked"), state.now())
        .await?;
    cache::bump_public_version(&mut tx, cache::Touched::Booking(row.booking_id)).await?;
    tx.commit().await?;
    market(state, id).await
}
