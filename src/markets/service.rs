//! The market workflow: who may do what, and each change in one transaction.
//!
//! Reads that only shape a clear error (is the stall in the plan, is the vendor accepted) happen
//! before the transaction; what must hold at commit (a stall free on a date, the food rule, an
//! application still in the state it was read in) is enforced by the schema or by a guarded
//! `UPDATE` inside it.

use chrono::{DateTime, TimeDelta, Utc};
use poem_openapi::Object;

use super::{
    ApplicationAction, ApplicationInput, ApplicationState, DateStatus, DatesInput, FeeState, MarketInput,
    OFFER_HOURS, Party, StallPlanInput, expand_dates, market_slug,
    store::{self, ApplicationRow, AssignmentRow, MarketRow, NewApplication, NewAssignment, OccurrenceRow},
    transition, validate_plan,
};
use crate::{
    accounts::{OrgKind, Principal},
    bookings::{BookingState, Format},
    cache,
    db::{self, Tx, is_rule_violation, is_unique_violation},
    error::{ApiError, ApiResult, Violations},
    http::csv,
    notifications::{self, Message},
    state::AppState,
    values::{
        text::{optional_text, required_text},
        time::{local_time, parse_time},
    },
};

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
        Err(ApiError::forbidden("Only the market's organizer or commerce-office staff may do this."))
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

#[derive(Debug, Clone, Object)]
pub struct StallClass {
    pub id: i64,
    pub name: String,
    pub size_m2: i64,
    pub power: bool,
    pub water: bool,
    pub food_allowed: bool,
    pub fee_fen: i64,
}

#[derive(Debug, Clone, Object)]
pub struct Stall {
    pub id: i64,
    pub code: String,
    pub class_id: i64,
    pub class: String,
    pub food_allowed: bool,
    pub x: i64,
    pub y: i64,
}

/// The stall plan; public, so the map can be drawn for anyone.
#[derive(Debug, Clone, Object)]
pub struct StallPlan {
    pub classes: Vec<StallClass>,
    pub stalls: Vec<Stall>,
}

pub async fn plan(state: &AppState, id: i64) -> ApiResult<StallPlan> {
    load(state, id).await?;
    plan_of(state, id).await
}

pub async fn plan_of(state: &AppState, id: i64) -> ApiResult<StallPlan> {
    let classes = store::classes(&state.db, id).await?;
    let stalls = store::stalls(&state.db, id).await?;
    Ok(StallPlan {
        stalls: stalls
            .iter()
            .map(|s| Stall {
                id: s.id,
                code: s.code.clone(),
                class_id: s.class_id,
                class: classes
                    .iter()
                    .find(|c| c.id == s.class_id)
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                food_allowed: s.food_allowed,
                x: s.grid_x,
                y: s.grid_y,
            })
            .collect(),
        classes: classes
            .into_iter()
            .map(|c| StallClass {
                id: c.id,
                name: c.name,
                size_m2: c.size_m2,
                power: c.power,
                water: c.water,
                food_allowed: c.food_allowed,
                fee_fen: c.fee_fen,
            })
            .collect(),
    })
}

/// Replaces the stall plan. A stall with vendors on it cannot be removed, nor lose food
/// permission while a food vendor stands on it.
pub async fn replace_plan(
    state: &AppState,
    principal: &Principal,
    id: i64,
    input: StallPlanInput,
) -> ApiResult<StallPlan> {
    let row = load(state, id).await?;
    require_organizer(principal, &row)?;
    let plan = validate_plan(&input)?;
    let mut tx = state.db.begin().await?;
    for (code, food_vendor) in store::assigned_stalls(&mut tx, id).await? {
        match plan.stalls.iter().find(|s| s.code == code) {
            None => {
                return Err(ApiError::conflict(
                    crate::error::Reason::new("stall-assigned").with("stall", &code),
                ));
            }
            Some(stall) => {
                let food = plan.classes.iter().any(|c| c.name == stall.class && c.food_allowed);
                if food_vendor && !food {
                    return Err(ApiError::conflict(
                        crate::error::Reason::new("stall-food-vendor").with("stall", &code),
                    ));
                }
            }
        }
    }
    store::replace_plan(&mut tx, id, &plan).await.map_err(|e| {
        if is_rule_violation(&e) {
            ApiError::conflict(crate::error::Reason::new("plan-food"))
        } else {
            e.into()
        }
    })?;
    cache::bump_public_version(&mut tx, cache::Touched::Booking(row.booking_id)).await?;
    tx.commit().await?;
    plan_of(state, id).await
}

/// A vendor's application as the API shows it.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
#[oai(rename = "MarketApplication")]
pub struct Application {
    pub id: i64,
    pub market_id: i64,
    pub organization_id: i64,
    pub vendor_name: String,
    pub category: String,
    pub products: String,
    pub description: String,
    pub sells_food: bool,
    #[oai(skip_serializing_if_is_none)]
    pub preferred_class_id: Option<i64>,
    pub occurrence_ids: Vec<i64>,
    pub state: ApplicationState,
    /// For an offered place: the deadline to accept it.
    #[oai(skip_serializing_if_is_none)]
    pub offer_expires_at: Option<DateTime<Utc>>,
    /// Whether a food permit image is on file.
    pub has_permit: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn application_view(row: &ApplicationRow) -> Application {
    Application {
        id: row.id,
        market_id: row.market_id,
        organization_id: row.organization_id,
        vendor_name: row.vendor_name.clone(),
        category: row.category.clone(),
        products: row.products.clone(),
        description: row.description.clone(),
        sells_food: row.sells_food,
        preferred_class_id: row.preferred_class_id,
        occurrence_ids: row.occurrence_ids(),
        state: row.state,
        offer_expires_at: row.offer_expires_at.filter(|_| row.state == ApplicationState::Offered),
        has_permit: row.permit_images > 0,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// `POST /api/v1/markets/{id}/applications`: a vendor applies while the call is open.
pub async fn apply(
    state: &AppState,
    principal: &Principal,
    id: i64,
    input: ApplicationInput,
) -> ApiResult<Application> {
    let row = load(state, id).await?;
    let Some(org) = principal.organization.filter(|o| o.kind == OrgKind::Vendor) else {
        return Err(ApiError::forbidden("Only vendor organizations apply for stalls."));
    };
    let now = state.now();
    match (row.call_opens_at, row.call_closes_at) {
        (Some(opens), Some(closes)) if opens <= now && now < closes => {}
        (Some(opens), _) if now < opens => {
            return Err(ApiError::conflict(
                crate::error::Reason::new("call-opens")
                    .with("at", local_time(opens, row.zone.tz()).replace('T', " ")),
            ));
        }
        (Some(_), Some(_)) => return Err(ApiError::conflict(crate::error::Reason::new("call-closed"))),
        _ => {
            return Err(ApiError::conflict(crate::error::Reason::new("call-not-open")));
        }
    }
    let mut v = Violations::default();
    let category = v.check("category", required_text(&input.category, 60));
    let products = v.check("products", crate::values::text::required_paragraph(&input.products, 1000));
    let description = v.check("description", optional_text(&input.description, 5000));
    let classes = store::classes(&state.db, id).await?;
    if let Some(class_id) = input.preferred_class_id {
        match classes.iter().find(|c| c.id == class_id) {
            None => {
                v.add("preferred_class_id", crate::error::Invalid::new("no-stall-class").with("id", class_id))
            }
            Some(class) if input.sells_food && !class.food_allowed => v.add(
                "preferred_class_id",
                crate::error::Invalid::new("class-no-food").with("class", &class.name),
            ),
            Some(_) => {}
        }
    }
    let occurrences = store::occurrences(&state.db, id).await?;
    let live: Vec<i64> = occurrences.iter().filter(|o| o.cancelled_at.is_none()).map(|o| o.id).collect();
    let mut wanted = input.occurrence_ids.clone();
    wanted.sort_unstable();
    wanted.dedup();
    for (i, occurrence_id) in wanted.iter().enumerate() {
        if !live.contains(occurrence_id) {
            v.add(format!("occurrence_ids[{i}]"), format!("{occurrence_id} is not a date of this market"));
        }
    }
    if wanted.is_empty() {
        wanted = live;
    }
    v.finish(|| ())?;
    let (category, products, description) =
        (category.expect("checked"), products.expect("checked"), description.expect("checked"));
    let new = NewApplication {
        market_id: id,
        organization_id: org.id,
        created_by: principal.user_id,
        category: &category,
        products: &products,
        description: &description,
        sells_food: input.sells_food,
        preferred_class_id: input.preferred_class_id,
        occurrence_ids: &wanted,
    };
    let mut tx = state.db.begin().await?;
    let application_id = store::insert_application(&mut tx, &new, now)
        .await
        .map_err(|e| unique_or(e, || ApiError::conflict(crate::error::Reason::new("applied-already"))))?;
    let message = Message::to_organization(
        format!("market:{id}:applications"),
        row.organization_id,
        "mail-market-new-applications",
        |lang| vec![("market", lang.pick(&row.title_zh, &row.title_en).to_owned().into())],
        format!("/portal/markets/{id}/applications"),
        serde_json::json!({"market_id": id, "event": "application"}),
    );
    notifications::enqueue(&mut tx, &message, now, state.settings.notify.debounce).await?;
    tx.commit().await?;
    load_application(state, principal, application_id).await.map(|(_, a)| application_view(&a))
}

/// An application the caller may see: the vendor's own, or any at the organizer's market.
pub async fn load_application(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> ApiResult<(MarketRow, ApplicationRow)> {
    let not_found = || ApiError::not_found(format!("Market application {id}"));
    let application = store::application(&state.db, id).await?.ok_or_else(not_found)?;
    let market = load(state, application.market_id).await?;
    if principal.is_staff()
        || principal.acts_for(application.organization_id)
        || principal.acts_for(market.organization_id)
    {
        Ok((market, application))
    } else {
        Err(not_found())
    }
}

/// The market's applications for its organizer and staff; a vendor sees only its own.
pub async fn applications(state: &AppState, principal: &Principal, id: i64) -> ApiResult<Vec<Application>> {
    let row = load(state, id).await?;
    sweep_offers(state, &row).await?;
    let scope = if principal.is_staff() || principal.acts_for(row.organization_id) {
        None
    } else {
        Some(principal.organization.map(|o| o.id).ok_or_else(|| ApiError::forbidden("No organization."))?)
    };
    Ok(store::applications(&state.db, id, scope).await?.iter().map(application_view).collect())
}

fn vendor_message(
    market: &MarketRow,
    (application_id, organization_id): (i64, i64),
    to: ApplicationState,
    expires: Option<DateTime<Utc>>,
) -> Message {
    let tz = market.zone.tz();
    let deadline = expires.map(|t| local_time(t, tz).replace('T', " ")).unwrap_or_default();
    Message::to_organization(
        format!("market-application:{application_id}"),
        organization_id,
        "mail-stall-application",
        |lang| {
            vec![
                ("market", lang.pick(&market.title_zh, &market.title_en).to_owned().into()),
                ("state", to.as_str().into()),
                ("deadline", deadline.clone().into()),
            ]
        },
        format!("/portal/market-applications/{application_id}"),
        serde_json::json!({"application_id": application_id, "state": to.as_str()}),
    )
}

/// Offers the freed place to the first waitlisted vendor, inside `tx`.
async fn offer_next(tx: &mut Tx, state: &AppState, market: &MarketRow, now: DateTime<Utc>) -> ApiResult<()> {
    let Some((next_id, organization_id)) = store::first_waitlisted(tx, market.id).await? else {
        return Ok(());
    };
    let expires = now + TimeDelta::hours(OFFER_HOURS);
    if store::set_state(
        tx,
        next_id,
        ApplicationState::Waitlisted,
        ApplicationState::Offered,
        Some(expires),
        now,
    )
    .await?
    {
        let message =
            vendor_message(market, (next_id, organization_id), ApplicationState::Offered, Some(expires));
        notifications::enqueue(tx, &message, now, state.settings.notify.debounce).await?;
    }
    Ok(())
}

/// Lets offers past their deadline lapse, offering each freed place to the next in line.
async fn sweep_offers_in(
    tx: &mut Tx,
    state: &AppState,
    market: &MarketRow,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    // Each lapse frees the place again; the loop ends when no offer is overdue.
    for _ in 0..1000 {
        let expired = store::expired_offers(tx, market.id, now).await?;
        if expired.is_empty() {
            break;
        }
        for (id, organization_id) in expired {
            if store::set_state(tx, id, ApplicationState::Offered, ApplicationState::Lapsed, None, now)
                .await?
            {
                let message = vendor_message(market, (id, organization_id), ApplicationState::Lapsed, None);
                notifications::enqueue(tx, &message, now, state.settings.notify.debounce).await?;
                offer_next(tx, state, market, now).await?;
            }
        }
    }
    Ok(())
}

async fn sweep_offers(state: &AppState, market: &MarketRow) -> ApiResult<()> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    sweep_offers_in(&mut tx, state, market, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Acts on an application: the organizer accepts, waitlists or rejects; the vendor withdraws or
/// answers an offer. An accepted vendor that withdraws frees its coming stalls and the place
/// goes to the first on the waitlist.
pub async fn act(
    state: &AppState,
    principal: &Principal,
    id: i64,
    action: ApplicationAction,
) -> ApiResult<Application> {
    let (market, row) = load_application(state, principal, id).await?;
    let party = if principal.acts_for(row.organization_id) {
        Party::Vendor
    } else if principal.is_staff() || principal.acts_for(market.organization_id) {
        Party::Organizer
    } else {
        return Err(ApiError::not_found(format!("Market application {id}")));
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    sweep_offers_in(&mut tx, state, &market, now).await?;
    // The sweep may have moved this application (an offer that lapsed just now).
    let current = store::application_state_in(&mut tx, id).await?;
    let to = transition(current, action, party)?;
    if to == ApplicationState::Accepted
        && party == Party::Organizer
        && row.sells_food
        && row.permit_images == 0
    {
        return Err(ApiError::conflict(crate::error::Reason::new("food-permit")));
    }
    if !store::set_state(&mut tx, id, current, to, None, now).await? {
        return Err(ApiError::conflict(crate::error::Reason::new("application-changed")));
    }
    if current == ApplicationState::Accepted && to == ApplicationState::Withdrawn {
        store::release_future_stalls(&mut tx, id, now).await?;
        offer_next(&mut tx, state, &market, now).await?;
    }
    if to == ApplicationState::Declined {
        offer_next(&mut tx, state, &market, now).await?;
    }
    if party == Party::Organizer {
        let message = vendor_message(&market, (row.id, row.organization_id), to, None);
        notifications::enqueue(&mut tx, &message, now, state.settings.notify.debounce).await?;
    }
    cache::bump_public_version(&mut tx, cache::Touched::Booking(market.booking_id)).await?;
    tx.commit().await?;
    load_application(state, principal, id).await.map(|(_, a)| application_view(&a))
}

/// A stall given to a vendor for one date; also the fee line for that date.
#[derive(Debug, Clone, Object)]
pub struct Assignment {
    pub id: i64,
    pub stall_id: i64,
    pub stall_code: String,
    pub occurrence_id: i64,
    pub starts_at: DateTime<Utc>,
    pub application_id: i64,
    pub vendor_name: String,
    pub fee_fen: i64,
    pub fee_state: FeeState,
}

pub fn assignment_view(row: &AssignmentRow) -> Assignment {
    Assignment {
        id: row.id,
        stall_id: row.stall_id,
        stall_code: row.stall_code.clone(),
        occurrence_id: row.occurrence_id,
        starts_at: row.starts_at,
        application_id: row.application_id,
        vendor_name: row.vendor_name.clone(),
        fee_fen: row.fee_fen,
        fee_state: row.fee_state,
    }
}

#[derive(Debug, Clone, Object, serde::Deserialize)]
pub struct AssignmentInput {
    pub stall_id: i64,
    pub occurrence_id: i64,
    pub application_id: i64,
}

/// `POST /api/v1/markets/{id}/assignments`.
pub async fn assign(
    state: &AppState,
    principal: &Principal,
    id: i64,
    input: AssignmentInput,
) -> ApiResult<Assignment> {
    let market = load(state, id).await?;
    require_organizer(principal, &market)?;
    let stalls = store::stalls(&state.db, id).await?;
    let classes = store::classes(&state.db, id).await?;
    let occurrences = store::occurrences(&state.db, id).await?;
    let application =
        store::application(&state.db, input.application_id).await?.filter(|a| a.market_id == id);
    let mut v = Violations::default();
    let stall = stalls.iter().find(|s| s.id == input.stall_id);
    if stall.is_none() {
        v.add("stall_id", crate::error::Invalid::new("not-a-stall").with("id", input.stall_id));
    }
    let date_ok = match occurrences.iter().find(|o| o.id == input.occurrence_id) {
        None => Err(format!("{} is not a date of this market", input.occurrence_id)),
        Some(o) if o.cancelled_at.is_some() => Err("that date is cancelled".to_owned()),
        Some(_) => Ok(()),
    };
    let date_ok = v.check("occurrence_id", date_ok).is_some();
    match &application {
        None => v.add(
            "application_id",
            crate::error::Invalid::new("not-an-application").with("id", input.application_id),
        ),
        Some(a) if date_ok && !a.occurrence_ids().contains(&input.occurrence_id) => v.add(
            "occurrence_id",
            crate::error::Invalid::new("date-not-applied").with("vendor", &a.vendor_name),
        ),
        Some(_) => {}
    }
    if let (Some(stall), Some(a)) = (stall, &application)
        && a.sells_food
        && !stall.food_allowed
    {
        v.add(
            "stall_id",
            crate::error::Invalid::new("stall-no-food")
                .with("vendor", &a.vendor_name)
                .with("stall", &stall.code),
        );
    }
    v.finish(|| ())?;
    let (stall, application) = (stall.expect("checked"), application.expect("checked"));
    if application.state != ApplicationState::Accepted {
        return Err(ApiError::conflict(
            crate::error::Reason::new("not-accepted").with("state", application.state.as_str()),
        ));
    }
    let fee_fen = classes.iter().find(|c| c.id == stall.class_id).map_or(0, |c| c.fee_fen);
    let new = NewAssignment {
        market_id: id,
        stall_id: stall.id,
        stall_food: stall.food_allowed,
        occurrence_id: input.occurrence_id,
        application_id: application.id,
        vendor_food: application.sells_food,
        fee_fen,
        created_by: principal.user_id,
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let assignment_id = store::insert_assignment(&mut tx, &new, now).await.map_err(|e| {
        if db::is_unique_violation(&e) {
            ApiError::conflict(
                crate::error::Reason::new("stall-taken")
                    .with("stall", &stall.code)
                    .with("vendor", &application.vendor_name),
            )
        } else if is_rule_violation(&e) {
            ApiError::conflict(crate::error::Reason::new("board-changed"))
        } else {
            e.into()
        }
    })?;
    // The application must still be accepted at commit (a withdrawal may have raced us).
    if store::application_state_in(&mut tx, application.id).await? != ApplicationState::Accepted {
        return Err(ApiError::conflict(crate::error::Reason::new("vendor-withdrew")));
    }
    cache::bump_public_version(&mut tx, cache::Touched::Booking(market.booking_id)).await?;
    tx.commit().await?;
    let row = store::assignment(&state.db, assignment_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Assignment"))?;
    Ok(assignment_view(&row))
}

pub async fn unassign(state: &AppState, principal: &Principal, id: i64, assignment_id: i64) -> ApiResult<()> {
    let market = load(state, id).await?;
    require_organizer(principal, &market)?;
    let row = store::assignment(&state.db, assignment_id)
        .await?
        .filter(|a| a.market_id == id)
        .ok_or_else(|| ApiError::not_found(format!("Assignment {assignment_id} of market {id}")))?;
    if row.fee_state == FeeState::Paid {
        return Err(ApiError::conflict(crate::error::Reason::new("fee-paid")));
    }
    let mut tx = state.db.begin().await?;
    store::delete_assignment(&mut tx, assignment_id).await?;
    cache::bump_public_version(&mut tx, cache::Touched::Booking(market.booking_id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Assignments of a market: all for its organizer and staff, a vendor's own for the vendor.
pub async fn assignments(state: &AppState, principal: &Principal, id: i64) -> ApiResult<Vec<Assignment>> {
    let market = load(state, id).await?;
    let scope = if principal.is_staff() || principal.acts_for(market.organization_id) {
        None
    } else {
        Some(principal.organization.map(|o| o.id).ok_or_else(|| ApiError::forbidden("No organization."))?)
    };
    Ok(store::assignments(&state.db, id, scope).await?.iter().map(assignment_view).collect())
}

#[derive(Debug, Clone, Object)]
pub struct Fees {
    pub lines: Vec<Assignment>,
    pub due_fen: i64,
    pub paid_fen: i64,
    pub waived_fen: i64,
}

pub async fn fees(state: &AppState, principal: &Principal, id: i64) -> ApiResult<Fees> {
    let market = load(state, id).await?;
    require_organizer(principal, &market)?;
    let lines: Vec<Assignment> =
        store::assignments(&state.db, id, None).await?.iter().map(assignment_view).collect();
    let total = |s: FeeState| lines.iter().filter(|l| l.fee_state == s).map(|l| l.fee_fen).sum();
    Ok(Fees {
        due_fen: total(FeeState::Due),
        paid_fen: total(FeeState::Paid),
        waived_fen: total(FeeState::Waived),
        lines,
    })
}

#[derive(Debug, Clone, Object, serde::Deserialize)]
pub struct FeeInput {
    pub state: FeeState,
}

pub async fn set_fee(
    state: &AppState,
    principal: &Principal,
    id: i64,
    assignment_id: i64,
    input: FeeInput,
) -> ApiResult<Assignment> {
    let market = load(state, id).await?;
    require_organizer(principal, &market)?;
    store::assignment(&state.db, assignment_id)
        .await?
        .filter(|a| a.market_id == id)
        .ok_or_else(|| ApiError::not_found(format!("Fee line {assignment_id} of market {id}")))?;
    let mut tx = state.db.begin().await?;
    store::set_fee_state(&mut tx, assignment_id, input.state, state.now()).await?;
    tx.commit().await?;
    let row =
        store::assignment(&state.db, assignment_id).await?.ok_or_else(|| ApiError::not_found("Fee line"))?;
    Ok(assignment_view(&row))
}

/// The fee lines as CSV; amounts stay numbers in fen, like the fund ledger.
pub async fn fees_csv(state: &AppState, principal: &Principal, id: i64) -> ApiResult<String> {
    let market = load(state, id).await?;
    let fees = fees(state, principal, id).await?;
    let tz = market.zone.tz();
    Ok(csv(
        &["date", "stall", "vendor", "fee_fen", "state"],
        fees.lines.iter().map(|line| {
            vec![
                local_time(line.starts_at, tz),
                line.stall_code.clone(),
                line.vendor_name.clone(),
                line.fee_fen.to_string(),
                line.fee_state.as_str().to_owned(),
            ]
        }),
    ))
}

#[derive(Debug, Clone, Object)]
pub struct DateOccupancy {
    pub occurrence_id: i64,
    pub starts_at: DateTime<Utc>,
    pub status: DateStatus,
    pub stalls_taken: i64,
    pub stalls: i64,
}

#[derive(Debug, Clone, Object)]
pub struct MarketOverview {
    pub market: Market,
    pub applications: i64,
    pub vendors_accepted: i64,
    pub waitlisted: i64,
    pub dates: Vec<DateOccupancy>,
}

/// The office's overview: every market with vendor counts and stall occupancy per date
/// (staff); an organizer sees its own markets.
pub async fn overview(state: &AppState, principal: &Principal) -> ApiResult<Vec<MarketOverview>> {
    let scope = principal.listing_scope()?;
    let mut out = Vec::new();
    for row in store::list(&state.db, scope).await? {
        let occurrences = store::occurrences(&state.db, row.id).await?;
        let applications = store::applications(&state.db, row.id, None).await?;
        let stalls = store::stalls(&state.db, row.id).await?.len() as i64;
        let occupancy = store::occupancy(&state.db, row.id).await?;
        let count = |s: ApplicationState| applications.iter().filter(|a| a.state == s).count() as i64;
        out.push(MarketOverview {
            applications: applications.len() as i64,
            vendors_accepted: count(ApplicationState::Accepted),
            waitlisted: count(ApplicationState::Waitlisted),
            dates: occurrences
                .iter()
                .map(|o| DateOccupancy {
                    occurrence_id: o.id,
                    starts_at: o.starts_at,
                    status: occurrence_view(o, &row).status,
                    stalls_taken: occupancy.iter().find(|x| x.occurrence_id == o.id).map_or(0, |x| x.taken),
                    stalls,
                })
                .collect(),
            market: view(state, &row, &occurrences),
        });
    }
    Ok(out)
}
