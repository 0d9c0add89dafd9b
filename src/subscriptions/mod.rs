//! E-mail subscriptions: a visitor follows a filter of the public events (a venue, a kind of
//! venue, markets only, or any view of the shared grammar) and gets a weekly digest of the events
//! that became public since the last one, in their language.
//!
//! - **Double opt-in.** `POST /subscribe` writes a pending subscription and mails a confirmation
//!   link ([`CONFIRM_TTL`]); nothing else is ever sent until it is confirmed. The answer is the
//!   same whatever the address's state, so the form tells nobody who subscribes to what.
//! - **Weekly.** [`digest::enqueue_due`] runs in the scheduler beside the staff's daily digest:
//!   once a week ([`digest::due_at`]) every confirmed subscription gets at most one message, and
//!   none when nothing new matches. The claim is a conditional update in the message's
//!   transaction, so a second process or a restart sends no second digest.
//! - **One-click unsubscribe.** Every digest links the subscription's page and carries
//!   `List-Unsubscribe` + `List-Unsubscribe-Post` (RFC 8058). A `GET` never unsubscribes: mail
//!   scanners and link previews fetch every URL in a message; the page's one button and the mail
//!   app's one-click both `POST`.
//! - **The address is never shown.** It is written once and read only to send; pages speak of
//!   "the address you gave".

pub mod digest;
pub mod pages;
pub mod service;
pub mod store;
pub mod words;

use std::collections::BTreeMap;

use chrono::TimeDelta;

use crate::{
    calendar::{EventFilter, FilterParams},
    db::Db,
    error::{ApiError, ApiResult},
    pages::i18n,
    values::Lang,
    venues,
};

/// How long a confirmation link works.
pub const CONFIRM_TTL: TimeDelta = TimeDelta::days(7);
/// A pending subscription's confirmation is mailed again at most this often, however often the
/// form is sent: the form cannot be used to flood someone's inbox.
pub const RESEND_AFTER: TimeDelta = TimeDelta::hours(1);
/// Subscriptions one address may hold; beyond it the form quietly does nothing.
pub const MAX_PER_ADDRESS: i64 = 20;
/// Confirmation links one address is sent in a day, whatever the filters asked for: someone
/// else's form posts can cost an inbox at most this many messages.
pub const CONFIRMATIONS_PER_DAY: i64 = 3;
/// How long an ended or never-confirmed subscription is kept (its page still says it ended)
/// before the weekly pass deletes it with its address.
pub const KEEP_ENDED: TimeDelta = TimeDelta::days(30);

/// What a subscription follows: a filter of the public events without dates, since a digest is
/// about what is new, whenever it happens. Stored as the feeds' canonical query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Follows(EventFilter);

impl Follows {
    /// Parses the filter's fields, naming each bad one; `from` and `to` do not apply.
    pub fn parse(params: FilterParams) -> ApiResult<Self> {
        let filter = EventFilter::parse(FilterParams { from: None, to: None, ..params })?;
        Ok(Self(filter))
    }

    /// A stored query string (which was canonical when written).
    pub fn from_query(query: &str) -> ApiResult<Self> {
        let pairs: BTreeMap<String, String> = serde_urlencoded::from_str(query)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("a stored subscription filter: {e}")))?;
        Self::parse(FilterParams::from_query(&pairs))
    }

    pub fn filter(&self) -> &EventFilter {
        &self.0
    }

    pub fn to_query(&self) -> String {
        self.0.to_query()
    }

    /// The public list of these events: `/events?…`.
    pub fn events_path(&self) -> String {
        match self.to_query() {
            query if query.is_empty() => "/events".to_owned(),
            query => format!("/events?{query}"),
        }
    }

    /// The filter as people read it: `五马街 · 市集`, `Markets at malls`-like parts joined by
    /// ` · `; "every event" when nothing is set.
    pub async fn describe(&self, db: &Db, lang: Lang) -> ApiResult<String> {
        self.describe_with(db, lang, true).await
    }

    /// [`Self::describe`] without the words a visitor typed (`brand`, `q`), for the confirmation
    /// e-mail: whoever fills in the form may name any address, and must not write to it.
    pub async fn describe_without_typed_words(&self, db: &Db, lang: Lang) -> ApiResult<String> {
        let described = self.describe_with(db, lang, false).await?;
        Ok(if self.0.brand.is_some() || self.0.q.is_some() {
            crate::words::text_with(lang, "subscribe-with-typed-words", &[("what", described.into())])
        } else {
            described
        })
    }

    async fn describe_with(&self, db: &Db, lang: Lang, typed_words: bool) -> ApiResult<String> {
        let filter = &self.0;
        let mut parts = Vec::new();
        if let Some(slug) = &filter.venue {
            parts.push(match venues::store::find_by_slug(db, slug).await? {
                Some(venue) => lang.pick(&venue.name_zh, &venue.name_en).to_owned(),
                None => slug.clone(),
            });
        }
        if let Some(kind) = filter.kind {
            parts.push(i18n::kind_name(lang, kind).to_owned());
        }
        if let Some(format) = filter.format {
            parts.push(i18n::format_name(lang, format).to_owned());
        }
        if let Some(reach) = filter.reach {
            parts.push(i18n::reach_name(lang, reach).to_owned());
        }
        if let Some(brand) = filter.brand.as_ref().filter(|_| typed_words) {
            parts.push(brand.clone());
        }
        if let Some(q) = filter.q.as_ref().filter(|_| typed_words) {
            parts.push(crate::words::text_with(
                lang,
                "subscribe-typed-words",
                &[("words", q.as_str().into())],
            ));
        }
        Ok(if parts.is_empty() { words::words(lang).every_event.to_owned() } else { parts.join(" · ") })
    }
}

/// A subscription's state, as its page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Written, waiting for the confirmation link.
    Pending,
    /// Confirmed: digests go out.
    Active,
    /// Unsubscribed.
    Ended,
}

/// Subscribing, confirming and unsubscribing.
pub fn routes(r: &mut crate::http::Routes) {
    use crate::http::Guard;
    r.page_and_form("/subscribe", pages::subscribe_page, Guard::Public, pages::subscribe);
    r.get("/subscribe/sent", pages::sent_page);
    r.page_and_form("/subscribe/confirm/:token", pages::confirm_page, Guard::PathSecret, pages::confirm);
    r.get("/subscriptions/:token", pages::subscription);
    r.page_and_form(
        "/subscriptions/:token/unsubscribe",
        pages::subscription,
        Guard::PathSecret,
        pages::unsubscribe,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscription_follows_no_dates_and_round_trips_its_query() {
        let params = FilterParams {
            venue: Some("wuma-street".into()),
            format: Some("market".into()),
            from: Some("2026-12-01".into()),
            q: Some("夜 市&more".into()),
            ..Default::default()
        };
        let follows = Follows::parse(params).unwrap();
        assert_eq!(follows.filter().from, None);
        assert_eq!(Follows::from_query(&follows.to_query()).unwrap(), follows);
        assert!(follows.events_path().starts_with("/events?venue=wuma-street&format=market&q="));
        assert_eq!(Follows::default().events_path(), "/events");
        assert!(Follows::parse(FilterParams { kind: Some("moon".into()), ..Default::default() }).is_err());
    }
}
