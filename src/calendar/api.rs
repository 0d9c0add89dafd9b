//! HTTP operations for public events and personal feed URLs.

use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::{Event, EventFilter, FilterParams, store};
use crate::{
    accounts::auth::{BearerAuth, new_token, token_hash},
    error::{ApiError, ApiResult},
    http::{ApiTags, Page},
    state::AppState,
};

pub struct CalendarApi;

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EventList {
    pub items: Vec<Event>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// The iCalendar feed of exactly this filter.
    pub ics_url: String,
    /// The RSS feed of exactly this filter.
    pub rss_url: String,
}

#[derive(Debug, Object)]
pub struct FeedToken {
    /// Secret: anyone with the URL can read the feed. Renewing revokes the old one.
    pub url: String,
    /// The same feed for calendar apps (`webcal://`).
    pub webcal_url: String,
}

#[derive(ApiResponse)]
pub enum EventListResponse {
    /// Public events in start order.
    #[oai(status = 200)]
    Ok(Json<EventList>),
}

#[derive(ApiResponse)]
pub enum EventResponse {
    /// The event; a cancelled one stays visible for 30 days.
    #[oai(status = 200)]
    Ok(Json<Event>),
}

#[derive(ApiResponse)]
pub enum FeedTokenCreated {
    /// A new secret feed URL; any earlier one stops working.
    #[oai(status = 201)]
    Created(Json<FeedToken>),
}

#[derive(ApiResponse)]
pub enum FeedTokenRevoked {
    /// The feed URL no longer works.
    #[oai(status = 204)]
    Revoked,
}

fn parse_cursor(cursor: Option<&str>) -> ApiResult<Option<store::After>> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else { return Ok(None) };
    store::After::parse(cursor)
        .map(Some)
        .ok_or_else(|| ApiError::invalid("cursor", crate::error::Invalid::new("cursor")))
}

#[OpenApi(prefix_path = "/", tag = "ApiTags::Events")]
impl CalendarApi {
    /// Public events
    ///
    /// The filter grammar is shared with `/calendar.ics`, `/events.rss` and the event pages:
    /// `venue` (slug), `kind` (venue kind), `format`, `reach`, `brand`, `from` and `to` (a date
    /// such as `2026-12-01` or an RFC 3339 time), `q` (words). Without `from`, upcoming events.
    #[oai(path = "/events", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn events(
        &self,
        state: Data<&AppState>,
        venue: Query<Option<String>>,
        kind: Query<Option<String>>,
        format: Query<Option<String>>,
        reach: Query<Option<String>>,
        brand: Query<Option<String>>,
        from: Query<Option<String>>,
        to: Query<Option<String>>,
        q: Query<Option<String>>,
        limit: Query<Option<i64>>,
        cursor: Query<Option<String>>,
    ) -> ApiResult<EventListResponse> {
        let filter = EventFilter::parse(FilterParams {
            venue: venue.0,
            kind: kind.0,
            format: format.0,
            reach: reach.0,
            brand: brand.0,
            from: from.0,
            to: to.0,
            q: q.0,
        })?;
        let page = Page::parse(limit.0, None)?;
        let after = parse_cursor(cursor.0.as_deref())?;
        let now = state.clock.now();
        let mut effective = filter.clone();
        effective.from = effective.from.or(Some(now));
        let mut rows = store::events(&state.db, &effective, now, after, page.limit + 1).await?;
        let next_cursor = if rows.len() as i64 > page.limit {
            rows.truncate(page.limit as usize);
            rows.last().map(|r| store::After::of(r).to_cursor())
        } else {
            None
        };
        let settings = &state.settings;
        let query = filter.to_query();
        let suffix = if query.is_empty() { String::new() } else { format!("?{query}") };
        Ok(EventListResponse::Ok(Json(EventList {
            items: rows.iter().map(|r| r.view(&settings.public_url, &settings.uid_domain)).collect(),
            next_cursor,
            ics_url: format!("{}/calendar.ics{suffix}", settings.public_url),
            rss_url: format!("{}/events.rss{suffix}", settings.public_url),
        })))
    }

    /// A public event
    #[oai(path = "/events/:slug", method = "get")]
    async fn event(&self, state: Data<&AppState>, slug: Path<String>) -> ApiResult<EventResponse> {
        let row = store::event(&state.db, &slug.0, state.clock.now())
            .await?
            .ok_or_else(|| ApiError::not_found(format!("Event {:?}", slug.0)))?;
        Ok(EventResponse::Ok(Json(row.view(&state.settings.public_url, &state.settings.uid_domain))))
    }

    /// Get a new secret URL for your own calendar feed
    ///
    /// Applicants get their organization's bookings (pending ones as TENTATIVE); staff get every
    /// pending and approved booking. Any earlier URL stops working.
    #[oai(path = "/me/feed-token", method = "post")]
    async fn renew_feed_token(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<FeedTokenCreated> {
        let token = new_token();
        store::replace_feed_token(&state.db, auth.0.user_id, &token_hash(&token), state.clock.now()).await?;
        let url = format!("{}/feeds/{token}/bookings.ics", state.settings.public_url);
        let webcal_url = url.replacen("https://", "webcal://", 1).replacen("http://", "webcal://", 1);
        Ok(FeedTokenCreated::Created(Json(FeedToken { url, webcal_url })))
    }

    /// Revoke your calendar feed URL
    #[oai(path = "/me/feed-token", method = "delete")]
    async fn revoke_feed_token(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
    ) -> ApiResult<FeedTokenRevoked> {
        store::revoke_feed_tokens(&state.db, auth.0.user_id, state.clock.now()).await?;
        Ok(FeedTokenRevoked::Revoked)
    }
}
