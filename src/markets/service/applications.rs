//! Vendors' stall applications: applying while the call is open, the organizer's moves, and
//! offers that pass down the waiting list when they lapse.

use chrono::{DateTime, TimeDelta, Utc};
use poem_openapi::Object;

use crate::markets::{
    ApplicationAction, ApplicationInput, ApplicationState, OFFER_HOURS, Party,
    store::{self, ApplicationRow, MarketRow, NewApplication},
    transition,
};
use crate::{
    accounts::{OrgKind, Principal},
    cache,
    db::Tx,
    error::{ApiError, ApiResult, Violations},
    notifications::{self, Message},
    state::AppState,
    values::{
        text::{optional_text, required_text},
        time::local_time,
    },
};

use super::{load, unique_or};

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
        return Err(ApiError::forbidden(crate::error::Refusal::new("vendors-only-stalls")));
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
            v.add(format!("occurrence_ids[{i}]"), crate::error::Invalid::new("not-a-market-date"));
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
        Some(
            principal
                .organization
                .map(|o| o.id)
                .ok_or_else(|| ApiError::forbidden(crate::error::Refusal::new("no-organization")))?,
        )
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
