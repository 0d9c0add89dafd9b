//! An event's figures: filed by its organization after it ended, corrected and confirmed by
//! staff; asked for through the outbox, with one reminder before the deadline.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use serde::Deserialize;

use super::{ASK_WITHIN, FILE_WITHIN, REMIND_BEFORE, store};
use crate::{
    accounts::Principal,
    bookings::{BookingState, service as bookings},
    db::Db,
    error::{ApiError, ApiResult, ConflictInfo, Violations},
    notifications::{self, Message},
    state::AppState,
};

/// The largest numbers we believe: more is a typing mistake, not a market night.
pub const MAX_FOOTFALL: i64 = 10_000_000;
pub const MAX_SALES_FEN: i64 = 100_000_000_000; // 1,000,000,000 CNY
pub const MAX_MEDIA_REACH: i64 = 10_000_000_000;

#[derive(Debug, Clone, Object, Deserialize)]
pub struct FiguresInput {
    /// Visitors counted.
    pub footfall: i64,
    /// Sales in fen.
    pub sales_fen: i64,
    /// People reached through the media.
    pub media_reach: i64,
    /// Staff only: confirm the figures as they are written here.
    #[oai(default)]
    #[serde(default)]
    pub confirm: bool,
}

impl FiguresInput {
    fn check(&self) -> ApiResult<(i64, i64, i64)> {
        let mut v = Violations::default();
        for (field, value, max) in [
            ("footfall", self.footfall, MAX_FOOTFALL),
            ("sales_fen", self.sales_fen, MAX_SALES_FEN),
            ("media_reach", self.media_reach, MAX_MEDIA_REACH),
        ] {
            if value < 0 {
                v.add(field, crate::error::Invalid::new("not-negative"));
            } else if value > max {
                v.add(
                    field,
                    crate::error::Invalid::new("beyond-belief").with("value", value).with("max", max),
                );
            }
        }
        v.finish(|| (self.footfall, self.sales_fen, self.media_reach))
    }
}

#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Figures {
    pub booking_id: i64,
    pub footfall: i64,
    pub sales_fen: i64,
    pub media_reach: i64,
    pub filed_at: DateTime<Utc>,
    /// Due by this time: 14 days after the event ended.
    pub due_at: DateTime<Utc>,
    pub confirmed: bool,
    #[oai(skip_serializing_if_is_none)]
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// The figures of a booking the caller may see.
pub async fn get(state: &AppState, principal: &Principal, booking_id: i64) -> ApiResult<Figures> {
    let row = bookings::load_visible(state, principal, booking_id).await?;
    let figures = store::figures(&state.db, booking_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Figures of booking {booking_id}")))?;
    Ok(view(&figures, row.ends_at))
}

fn view(row: &store::FiguresRow, ends_at: DateTime<Utc>) -> Figures {
    Figures {
        booking_id: row.booking_id,
        footfall: row.footfall,
        sales_fen: row.sales_fen,
        media_reach: row.media_reach,
        filed_at: row.filed_at,
        due_at: ends_at + FILE_WITHIN,
        confirmed: row.confirmed_at.is_some(),
        confirmed_at: row.confirmed_at,
    }
}

/// `POST /api/v1/bookings/{id}/figures`: the organization files its figures once the approved
/// event has ended; staff correct them, and confirm with `confirm: true`.
pub async fn file(
    state: &AppState,
    principal: &Principal,
    booking_id: i64,
    input: FiguresInput,
) -> ApiResult<Figures> {
    let row = bookings::load_visible(state, principal, booking_id).await?;
    let staff = principal.is_staff();
    if !staff && !principal.acts_for(row.organization_id) {
        return Err(ApiError::not_found(format!("Booking {booking_id}")));
    }
    if input.confirm && !staff {
        return Err(ApiError::forbidden(crate::error::Refusal::new("staff-only-figures")));
    }
    let numbers = input.check()?;
    let now = state.now();
    if row.state != BookingState::Approved {
        return Err(ApiError::Conflict {
            detail: format!("Figures are filed for approved events; this booking is {}.", row.state.as_str()),
            info: ConflictInfo { current_state: Some(row.state.as_str().to_owned()), ..Default::default() },
        });
    }
    if row.ends_at > now {
        return Err(ApiError::conflict(crate::error::Reason::new("event-not-ended")));
    }
    if !staff && store::figures(&state.db, booking_id).await?.is_some_and(|f| f.confirmed_at.is_some()) {
        return Err(ApiError::conflict(crate::error::Reason::new("figures-confirmed")));
    }
    store::put_figures(&state.db, booking_id, numbers, principal.user_id, input.confirm, now).await?;
    get(state, principal, booking_id).await
}

/// `POST /api/v1/bookings/{id}/figures/confirm` (staff): the figures as filed are right.
pub async fn confirm(state: &AppState, principal: &Principal, booking_id: i64) -> ApiResult<Figures> {
    principal.require_staff()?;
    bookings::load_visible(state, principal, booking_id).await?;
    if !store::confirm(&state.db, booking_id, principal.user_id, state.now()).await? {
        return Err(ApiError::conflict(crate::error::Reason::new("figures-missing")));
    }
    get(state, principal, booking_id).await
}

fn ask_message(due: &store::DueRow, reminder: bool) -> Message {
    let deadline = (due.ends_at + FILE_WITHIN).format("%Y-%m-%d").to_string();
    Message::to_organization(
        format!("figures:{}:{}", due.id, if reminder { "reminder" } else { "ask" }),
        due.organization_id,
        if reminder { "mail-figures-reminder" } else { "mail-figures-due" },
        |lang| {
            vec![
                ("title", lang.pick(&due.title_zh, &due.title_en).to_owned().into()),
                ("deadline", deadline.clone().into()),
            ]
        },
        format!("/portal/bookings/{}", due.id),
        serde_json::json!({"booking_id": due.id, "event": if reminder { "figures_reminder" } else { "figures_due" }}),
    )
}

/// Asks for the figures of events that ended, and reminds once before the deadline. Run by the
/// periodic job; safe to run in several processes at once.
pub async fn enqueue_due(db: &Db, now: DateTime<Utc>) -> ApiResult<usize> {
    let mut sent = 0;
    let asks = store::to_ask(db, now - ASK_WITHIN, now).await?;
    let reminders = store::to_remind(db, now - FILE_WITHIN, now - (FILE_WITHIN - REMIND_BEFORE)).await?;
    for (due, reminder) in asks.iter().map(|d| (d, false)).chain(reminders.iter().map(|d| (d, true))) {
        let mut tx = db.begin().await?;
        if store::claim(&mut tx, due.id, reminder, now).await? {
            notifications::enqueue(&mut tx, &ask_message(due, reminder), now, std::time::Duration::ZERO)
                .await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}
