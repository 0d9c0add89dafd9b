//! The weekly digest: every Thursday from 10:00 in the district's zone (in time to plan the
//! weekend), each address with confirmed subscriptions gets one message listing, per
//! subscription, the upcoming events that became public since its last digest (or its
//! confirmation). Nothing new, no message.

use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, TimeZone, Utc};
use serde_json::json;

use super::{Follows, store};
use crate::{
    calendar::{EventRow, store as events},
    db::Db,
    error::ApiResult,
    notifications::{self, Message},
    pages::i18n,
    values::Zone,
    words::{self, FluentValue},
};

/// Events one digest lists; beyond them it links the full list.
pub const MAX_LISTED: usize = 20;
/// New events read per subscription: enough to count a busy week, bounded all the same.
const READ_AT_MOST: i64 = 200;
/// Subscriptions read per page of the pass.
const PAGE: i64 = 200;

/// The start of this week's digest: the latest Thursday 10:00 in the district's zone at or before
/// `now`.
pub fn due_at(now: DateTime<Utc>) -> DateTime<Utc> {
    let tz = Zone::default().tz();
    let local = now.with_timezone(&tz);
    let days_back =
        (local.weekday().num_days_from_monday() + 7 - chrono::Weekday::Thu.num_days_from_monday()) % 7;
    let ten = NaiveTime::from_hms_opt(10, 0, 0).expect("10:00");
    let at = |date: chrono::NaiveDate| {
        tz.from_local_datetime(&date.and_time(ten)).earliest().map_or(now, |t| t.to_utc())
    };
    let thursday = local.date_naive() - TimeDelta::days(i64::from(days_back));
    match at(thursday) {
        slot if slot <= now => slot,
        _ => at(thursday - TimeDelta::days(7)),
    }
}

/// Writes this week's digest for every address with a subscription that is due: one message
/// per address, a section per subscription with news. Deletes subscriptions that ended long
/// enough ago. Returns how many messages were written.
pub async fn enqueue_due(db: &Db, public_url: &str, now: DateTime<Utc>) -> ApiResult<usize> {
    let slot = due_at(now);
    let mut written = 0;
    loop {
        let addresses = store::due_addresses(db, slot, PAGE).await?;
        if addresses.is_empty() {
            break;
        }
        for email in &addresses {
            let due = store::due_of(db, email, slot).await?;
            let mut sections = Vec::new();
            for subscription in &due {
                // A stored filter that no longer parses (a kind of venue renamed, say) skips this
                // subscription's week rather than stopping everyone's digest.
                let follows = match Follows::from_query(&subscription.filter) {
                    Ok(follows) => follows,
                    Err(error) => {
                        tracing::warn!(subscription = subscription.id, %error, "a subscription's filter does not parse");
                        continue;
                    }
                };
                // Up to this week's start: what is published later is next week's news.
                let window = (subscription.since, slot);
                let rows = events::published_between(db, follows.filter(), window, now, READ_AT_MOST).await?;
                if !rows.is_empty() {
                    sections.push(Section { subscription, follows, rows });
                }
            }
            // The latest confirmed subscription's language: the address's most recent choice.
            let Some(latest) = due.last() else { continue };
            let message = match sections.is_empty() {
                true => None,
                false => Some(digest(db, public_url, latest, &sections, slot).await?),
            };
            // All of the address's due subscriptions are claimed together, in the message's
            // transaction. A claim that fails means another process is writing this address's
            // digest, or a subscription ended meanwhile: roll back and leave it to that process
            // or to the next page of this pass.
            let mut tx = db.begin().await?;
            let mut claimed = true;
            for subscription in &due {
                claimed &= store::claim_digest(&mut tx, subscription.id, slot).await?;
            }
            if !claimed {
                drop(tx); // rolls back
                continue;
            }
            if let Some(message) = &message {
                notifications::enqueue(&mut tx, message, now, std::time::Duration::ZERO).await?;
                written += 1;
            }
            tx.commit().await?;
        }
    }
    let purged = store::purge(db, now).await?;
    if purged > 0 {
        tracing::info!(purged, "ended and unconfirmed subscriptions deleted");
    }
    Ok(written)
}

/// What one subscription has to say this week.
struct Section<'a> {
    subscription: &'a store::Due,
    follows: Follows,
    rows: Vec<EventRow>,
}

/// One line of the digest: a market's dates are one entry, at its first upcoming date.
struct Entry<'a> {
    row: &'a EventRow,
    more_dates: usize,
}

fn entries(rows: &[EventRow]) -> Vec<Entry<'_>> {
    let mut entries: Vec<Entry> = Vec::new();
    for row in rows {
        match entries.iter_mut().find(|e| e.row.path() == row.path()) {
            Some(entry) => entry.more_dates += 1,
            None => entries.push(Entry { row, more_dates: 0 }),
        }
    }
    entries
}

/// The page of a subscription, where its one button unsubscribes.
fn page_url(public_url: &str, subscription: &store::Due) -> String {
    format!("{public_url}/subscriptions/{}", subscription.unsubscribe_token)
}

async fn digest(
    db: &Db,
    public_url: &str,
    latest: &store::Due,
    sections: &[Section<'_>],
    slot: DateTime<Utc>,
) -> ApiResult<Message> {
    let lang = latest.lang;
    let mut body = String::new();
    let mut total = 0;
    let mut names = Vec::new();
    for section in sections {
        let what = section.follows.describe(db, lang).await?;
        let entries = entries(&section.rows);
        let count = entries.len();
        total += count;
        let text = |key, args: &[(&str, FluentValue<'_>)]| words::text_with(lang, key, args);
        body.push_str(&text(
            "mail-digest-section",
            &[("what", what.as_str().into()), ("count", count.into())],
        ));
        body.push_str("\n\n");
        for entry in entries.iter().take(MAX_LISTED) {
            let row = entry.row;
            let when = i18n::span(lang, row.starts_at, row.ends_at, row.tz());
            let more = match entry.more_dates {
                0 => String::new(),
                n => text("mail-digest-more-dates", &[("count", n.into())]),
            };
            body.push_str(&format!(
                "· {}\n  {when}{more} · {}\n  {public_url}{}\n\n",
                row.title(lang),
                row.venue_name(lang),
                row.path()
            ));
        }
        let all = format!("{public_url}{}", section.follows.events_path());
        let page = page_url(public_url, section.subscription);
        let unlisted = count.saturating_sub(MAX_LISTED);
        body.push_str(&text("mail-digest-all", &[("unlisted", unlisted.into()), ("link", all.into())]));
        body.push('\n');
        body.push_str(&text("mail-digest-unsubscribe-one", &[("link", page.into())]));
        body.push_str("\n\n");
        names.push(what);
    }
    // The one-click of the mail app ends every subscription this message speaks for.
    let every = format!("{}/unsubscribe?all=1", page_url(public_url, latest));
    let names = names.join(&*words::text(lang, "mail-digest-name-separator"));
    let subject =
        words::text_with(lang, "mail-digest-subject", &[("count", total.into()), ("names", names.into())]);
    body.push_str(&words::text(lang, "mail-digest-footer"));
    let message = Message::to_address(
        format!("subscription-digest:{}:{}", latest.id, slot.format("%Y-%m-%d")),
        latest.email.clone(),
        subject,
        body,
        json!({
            "kind": "subscription_digest",
            "subscriptions": sections.iter().map(|s| s.subscription.id).collect::<Vec<_>>(),
            "events": total,
        }),
    );
    Ok(Message { list_unsubscribe: Some(every), ..message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_due_from_thursday_ten_in_shanghai() {
        // Thursday 3 December 2026, 10:00 in Shanghai is 02:00 UTC.
        let thursday_ten = Utc.with_ymd_and_hms(2026, 12, 3, 2, 0, 0).unwrap();
        assert_eq!(due_at(thursday_ten), thursday_ten);
        assert_eq!(due_at(thursday_ten + TimeDelta::minutes(1)), thursday_ten);
        assert_eq!(due_at(thursday_ten + TimeDelta::days(6)), thursday_ten, "the next Wednesday");
        assert_eq!(due_at(thursday_ten + TimeDelta::days(7)), thursday_ten + TimeDelta::days(7));
        assert_eq!(
            due_at(thursday_ten - TimeDelta::minutes(1)),
            thursday_ten - TimeDelta::days(7),
            "09:59 on Thursday still belongs to last week"
        );
    }
}
