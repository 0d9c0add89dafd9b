//! Subscribing, confirming and unsubscribing.

use serde_json::json;

use super::{CONFIRM_TTL, CONFIRMATIONS_PER_DAY, Follows, MAX_PER_ADDRESS, RESEND_AFTER, Status, store};
use crate::{
    accounts::auth,
    db::is_unique_violation,
    error::{ApiError, ApiResult, Violations},
    notifications::{self, Message},
    state::AppState,
    values::{Lang, text::Email},
    venues,
};

/// A fresh secret for a link: 64 hex digits.
fn new_secret() -> String {
    auth::new_token().trim_start_matches("dbt_").to_owned()
}

/// Starts a subscription of `email` to `follows` and mails the confirmation link, or does
/// nothing visible when the address already follows it, was sent its link within
/// [`RESEND_AFTER`], was sent [`CONFIRMATIONS_PER_DAY`] links today (UTC) or holds
/// [`MAX_PER_ADDRESS`] confirmed subscriptions: the answer is the same either way, so the form does not
/// reveal what an address subscribes to, nor lets anyone flood an inbox.
/// `lang` is the e-mails' language as the form sends it: `zh` or `en`.
/// `client` is the address the request came from: each may ask for a few confirmation mails an
/// hour (`notifications::allowance`).
pub async fn subscribe(
    state: &AppState,
    email: &str,
    lang: &str,
    follows: &Follows,
    client: Option<std::net::IpAddr>,
) -> ApiResult<()> {
    let mut v = Violations::default();
    let email = v.check("email", Email::parse(email));
    let lang = v.check(
        "lang",
        match lang {
            "zh" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            _ => Err("must be zh or en".to_owned()),
        },
    );
    if let Some(slug) = &follows.filter().venue
        && venues::store::find_by_slug(&state.db, slug).await?.is_none()
    {
        v.add("venue", crate::error::Invalid::new("unknown-venue"));
    }
    let (Some(email), Some(lang)) = (email, lang) else { return Err(v.into_error()) };
    v.finish(|| ())?;

    let now = state.clock.now();
    let kind = notifications::allowance::MailKind::Confirmation;
    notifications::allowance::take(&state.db, kind, client, state.settings.mails_per_hour, now).await?;
    let filter = follows.to_query();
    let (token, unsubscribe_token) = (new_secret(), new_secret());
    let mut tx = state.db.begin().await?;
    let existing = store::find(&mut tx, email.as_str(), &filter).await?;
    match existing.as_ref().map(|e| (e.status(), e.confirm_sent_at)) {
        // Already following it. Nothing changes, the language included: only a confirmed link
        // speaks for the address.
        Some((Status::Active, _)) => return Ok(()),
        Some((Status::Pending, sent)) if now - sent < RESEND_AFTER => return Ok(()),
        None if store::count_live(&mut tx, email.as_str()).await? >= MAX_PER_ADDRESS => {
            tracing::info!("a subscription was refused quietly: the address holds the most it may");
            return Ok(());
        }
        _ => {}
    }
    // Counted before anything is written and rolled back with the rest when refused.
    let today = now.format("%Y-%m-%d").to_string();
    if store::count_confirmation(&mut tx, &auth::token_hash(email.as_str()), &today).await?
        > CONFIRMATIONS_PER_DAY
    {
        tracing::info!("a subscription was refused quietly: the address had its confirmations for today");
        return Ok(());
    }
    let id = match existing {
        Some(existing) => {
            store::renew(&mut tx, existing.id, lang, &auth::token_hash(&token), now).await?;
            existing.id
        }
        None => {
            let new = store::New {
                email: email.as_str(),
                lang,
                filter: &filter,
                confirm_token_hash: &auth::token_hash(&token),
                unsubscribe_token: &unsubscribe_token,
            };
            match store::insert(&mut tx, &new, now).await {
                Ok(id) => id,
                // The same address and filter, sent twice at once: the other request mails.
                Err(err) if is_unique_violation(&err) => return Ok(()),
                Err(err) => return Err(err.into()),
            }
        }
    };
    let message = confirmation(state, email.as_str(), lang, follows, id, &token).await?;
    notifications::enqueue(&mut tx, &message, now, std::time::Duration::ZERO).await?;
    tx.commit().await?;
    Ok(())
}

async fn confirmation(
    state: &AppState,
    email: &str,
    lang: Lang,
    follows: &Follows,
    id: i64,
    token: &str,
) -> ApiResult<Message> {
    let what = follows.describe_without_typed_words(&state.db, lang).await?;
    let link = format!("{}/subscribe/confirm/{token}", state.settings.public_url);
    Ok(Message::to_reader(
        format!("subscription-confirm:{id}"),
        email.to_owned(),
        lang,
        "mail-subscription-confirm",
        &vec![("what", what.into()), ("link", link.into())],
        json!({"kind": "subscription_confirm", "subscription_id": id}),
    ))
}

fn confirmations_sent_after(state: &AppState) -> chrono::DateTime<chrono::Utc> {
    state.clock.now() - CONFIRM_TTL
}

/// The subscription a confirmation link would confirm, while the link works (for its page).
pub async fn pending(state: &AppState, token: &str) -> ApiResult<Option<store::Shown>> {
    store::pending(&state.db, &auth::token_hash(token), confirmations_sent_after(state)).await
}

/// Confirms by the link's token; returns the subscription's own (unsubscribe) token.
pub async fn confirm(state: &AppState, token: &str) -> ApiResult<String> {
    let now = state.clock.now();
    store::confirm(&state.db, &auth::token_hash(token), confirmations_sent_after(state), now)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(
                "This confirmation link has expired or was used already; subscribe again to get a new one."
                    .into(),
            )
        })
}

/// The subscription a page's token names.
pub async fn find(state: &AppState, token: &str) -> ApiResult<Option<store::Shown>> {
    store::shown(&state.db, token).await
}

/// Ends the subscription the token names, or with `every` all of its address's (a second time
/// changes nothing).
pub async fn unsubscribe(state: &AppState, token: &str, every: bool) -> ApiResult<()> {
    let found = store::unsubscribe(&state.db, token, every, state.clock.now()).await?;
    if found {
        Ok(())
    } else {
        Err(ApiError::NotFound("No subscription has this link; it may have ended long ago.".into()))
    }
}
