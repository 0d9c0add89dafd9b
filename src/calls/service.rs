//! Publishing calls, applying to them, blind scoring and releasing a call's decisions.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use serde::Deserialize;

use super::{
    CallDraft, CallInput, average, mismatches,
    store::{self, CallRow},
};
use crate::{
    accounts::Principal,
    bookings::{
        Action, BookingInput, Format, Reach,
        service::{self as bookings, Booking, ReleaseResult},
    },
    db::is_unique_violation,
    error::{ApiError, ApiResult, ConflictInfo, FieldError},
    state::AppState,
    values::{Zone, text::optional_text, time::parse_time},
    venues,
};

#[derive(Debug, Clone, Object)]
pub struct CallVenue {
    pub id: i64,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
}

/// A call as the API shows it; public.
#[derive(Debug, Clone, Object)]
pub struct Call {
    pub id: i64,
    pub slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub text_zh: String,
    pub text_en: String,
    pub criteria_zh: String,
    pub criteria_en: String,
    pub venues: Vec<CallVenue>,
    pub formats: Vec<Format>,
    pub reaches: Vec<Reach>,
    pub period_from: DateTime<Utc>,
    pub period_until: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// Whether it still takes applications.
    pub open: bool,
    /// The public page.
    pub url: String,
}

pub async fn view(state: &AppState, row: &CallRow) -> ApiResult<Call> {
    let mut venues_offered = Vec::new();
    for id in row.venue_ids() {
        if let Some(v) = venues::store::find(&state.db, id).await? {
            venues_offered.push(CallVenue { id, slug: v.slug, name_zh: v.name_zh, name_en: v.name_en });
        }
    }
    Ok(Call {
        id: row.id,
        slug: row.slug.clone(),
        title_zh: row.title_zh.clone(),
        title_en: row.title_en.clone(),
        text_zh: row.text_zh.clone(),
        text_en: row.text_en.clone(),
        criteria_zh: row.criteria_zh.clone(),
        criteria_en: row.criteria_en.clone(),
        venues: venues_offered,
        formats: row.formats(),
        reaches: row.reaches(),
        period_from: row.period_from,
        period_until: row.period_until,
        deadline: row.deadline,
        open: row.is_open(state.now()),
        url: format!("{}/calls/{}", state.settings.public_url, row.slug),
    })
}

pub async fn load(state: &AppState, id: i64) -> ApiResult<CallRow> {
    store::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found(format!("Call {id}")))
}

/// `POST /api/v1/calls` (staff).
pub async fn publish(state: &AppState, principal: &Principal, input: CallInput) -> ApiResult<Call> {
    principal.require_staff()?;
    let known: Vec<i64> = venues::store::list(&state.db, &Default::default(), 0, 1000)
        .await?
        .into_iter()
        .map(|v| v.id)
        .collect();
    let draft = CallDraft::validate(input, &known)?;
    // The made slug needs a number no other call has; the next id is as good as any.
    let n = store::list(&state.db).await?.iter().map(|c| c.id).max().unwrap_or(0) + 1;
    let slug = draft.slug_or(n);
    let id = store::insert(&state.db, &draft, &slug, principal.user_id, state.now()).await.map_err(|e| {
        if is_unique_violation(&e) {
            ApiError::conflict(crate::error::Reason::new("call-slug-taken").with("slug", &slug))
        } else {
            e.into()
        }
    })?;
    view(state, &load(state, id).await?).await
}

/// `POST /api/v1/calls/{id}/applications`: a brand or organizer applies with a booking that
/// matches the call, before its deadline; the booking is created linked to the call and
/// submitted.
pub async fn apply(
    state: &AppState,
    principal: &Principal,
    id: i64,
    input: BookingInput,
) -> ApiResult<Booking> {
    let call = load(state, id).await?;
    if !call.is_open(state.now()) {
        return Err(ApiError::Conflict {
            detail: format!(
                "The call closed at {}; it takes no more applications.",
                call.deadline.to_rfc3339()
            ),
            info: ConflictInfo::default(),
        });
    }
    // The times as the booking will read them (venue time or RFC 3339).
    let venue = input.venue_id.find(&state.db).await?;
    let tz = venue.as_ref().map_or(Zone::default().tz(), |venue| venue.tz());
    let starts_at = parse_time(&input.starts_at, tz).ok();
    let ends_at = parse_time(&input.ends_at, tz).ok();
    if let (Some(starts_at), Some(ends_at)) = (starts_at, ends_at) {
        // An unknown venue is named by the booking's own check below.
        let venue_id = venue.as_ref().map_or(0, |venue| venue.id);
        let wrong = mismatches(&call, venue_id, input.format, input.reach, starts_at, ends_at);
        if !wrong.is_empty() {
            return Err(ApiError::Validation(
                wrong.into_iter().map(|(field, message)| FieldError::new(field, message)).collect(),
            ));
        }
    }
    let booking = bookings::create_linked(state, principal, input, Some(call.id)).await?;
    bookings::act(state, principal, booking.id, Action::Submit, "").await?;
    let row = bookings::load_visible(state, principal, booking.id).await?;
    bookings::view(&row, principal)
}

#[derive(Debug, Clone, Object, Deserialize)]
pub struct ScoreInput {
    /// 1 (weak) to 5 (strong).
    pub score: i64,
    #[oai(default)]
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Object)]
pub struct Score {
    pub reviewer_id: i64,
    pub reviewer_name: String,
    pub score: i64,
    pub comment: String,
}

/// An application in a call's review queue. Until the caller has scored it, the others' scores
/// and the average stay hidden.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct QueueEntry {
    pub booking_id: i64,
    pub title_zh: String,
    pub title_en: String,
    pub brand_name: String,
    pub venue_id: i64,
    pub format: Format,
    pub reach: Reach,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub state: crate::bookings::BookingState,
    /// The decision staged on it, waiting for the call's release.
    #[oai(skip_serializing_if_is_none)]
    pub staged: Option<String>,
    /// How many reviewers have scored it.
    pub scored_by: i64,
    #[oai(skip_serializing_if_is_none)]
    pub my_score: Option<i64>,
    #[oai(skip_serializing_if_is_none)]
    pub average: Option<f64>,
    /// Everyone's scores, once the caller has scored.
    pub scores: Vec<Score>,
}

/// The call's queue for the calling reviewer: what it has scored first, by average (best first),
/// then what it has still to score, in the order it came in.
pub async fn queue(state: &AppState, principal: &Principal, id: i64) -> ApiResult<Vec<QueueEntry>> {
    principal.require_staff()?;
    load(state, id).await?;
    let scores = store::scores(&state.db, id).await?;
    let mut entries: Vec<QueueEntry> = store::entries(&state.db, id)
        .await?
        .into_iter()
        .map(|e| {
            let all: Vec<_> = scores.iter().filter(|s| s.booking_id == e.booking_id).collect();
            let mine = all.iter().find(|s| s.reviewer_id == principal.user_id).map(|s| s.score);
            let values: Vec<i64> = all.iter().map(|s| s.score).collect();
            QueueEntry {
                booking_id: e.booking_id,
                title_zh: e.title_zh,
                title_en: e.title_en,
                brand_name: e.brand_name,
                venue_id: e.venue_id,
                format: e.format,
                reach: e.reach,
                starts_at: e.starts_at,
                ends_at: e.ends_at,
                state: e.state,
                staged: e.staged_action,
                scored_by: all.len() as i64,
                my_score: mine,
                average: mine.and(average(&values)),
                scores: if mine.is_some() {
                    all.iter()
                        .map(|s| Score {
                            reviewer_id: s.reviewer_id,
                            reviewer_name: s.reviewer_name.clone(),
                            score: s.score,
                            comment: s.comment.clone(),
                        })
                        .collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    // Stable: unscored entries keep the order they came in.
    entries.sort_by(|a, b| match (a.average, b.average) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    Ok(entries)
}

/// `PUT /api/v1/calls/{id}/applications/{booking_id}/score` (staff): the reviewer's score,
/// replacing an earlier one.
pub async fn score(
    state: &AppState,
    principal: &Principal,
    id: i64,
    booking_id: i64,
    input: ScoreInput,
) -> ApiResult<Vec<QueueEntry>> {
    principal.require_staff()?;
    load(state, id).await?;
    if store::call_of(&state.db, booking_id).await? != Some(id) {
        return Err(ApiError::not_found(format!("Application {booking_id} to call {id}")));
    }
    let mut errors = Vec::new();
    if !(1..=5).contains(&input.score) {
        errors.push(FieldError::new("score", "must be a whole number from 1 to 5"));
    }
    let comment = optional_text(&input.comment, 2000)
        .map_err(|m| errors.push(FieldError::new("comment", m)))
        .unwrap_or_default();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    store::put_score(&state.db, booking_id, principal.user_id, input.score, &comment, state.now()).await?;
    queue(state, principal, id).await
}

/// `POST /api/v1/calls/{id}/release` (staff): every decision staged on the call's applications,
/// carried out together.
pub async fn release(state: &AppState, principal: &Principal, id: i64) -> ApiResult<Vec<ReleaseResult>> {
    principal.require_staff()?;
    load(state, id).await?;
    let ids: Vec<i64> = store::entries(&state.db, id)
        .await?
        .into_iter()
        .filter(|e| e.staged_action.is_some())
        .map(|e| e.booking_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    bookings::release(state, principal, Some(ids)).await
}
