//! The weekly digest: every Thursday from 10:00 in the district's zone (in time to plan the
//! weekend), each confirmed subscription gets one message listing the upcoming events that became
//! public since its last digest (or its confirmation). Nothing new, no message.

use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, TimeZone, Utc};
use serde_json::json;

use super::{Follows, store};
use crate::{
    calendar::{EventRow, store as events},
    db::Db,
    error::ApiResult,
    notifications::{self, Message, Recipient},
    pages::i18n,
    values::{Lang, Zone},
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

/// Writes this week's digest of every subscription that is due, and deletes subscriptions that
/// ended long enough ago. Returns how many digests were written.
pub async fn enqueue_due(db: &Db, public_url: &str, now: DateTime<Utc>) -> ApiResult<usize> {
    let slot = due_at(now);
    let mut written = 0;
    loop {
        let due = store::due(db, slot, PAGE).await?;
        if due.is_empty() {
            break;
        }
        for subscription in &due {
            let follows = Follows::from_query(&subscription.filter)?;
            let rows =
                events::published_since(db, follows.filter(), subscription.since, now, READ_AT_MOST).await?;
            let message = if rows.is_empty() {
                None
            } else {
                Some(digest(db, public_url, subscription, &follows, &rows, slot).await?)
            };
            let mut tx = db.begin().await?;
            // A claim that fails means another process wrote this week's digest, or the
            // subscriber left meanwhile: either way, nothing to send.
            if store::claim_digest(&mut tx, subscription.id, slot, now).await?
                && let Some(message) = &message
            {
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

async fn digest(
    db: &Db,
    public_url: &str,
    subscription: &store::Due,
    follows: &Follows,
    rows: &[EventRow],
    slot: DateTime<Utc>,
) -> ApiResult<Message> {
    let lang = subscription.lang;
    let what = follows.describe(db, lang).await?;
    let entries = entries(rows);
    let count = entries.len();
    let mut listing = String::new();
    for entry in entries.iter().take(MAX_LISTED) {
        let row = entry.row;
        let when = i18n::span(lang, row.starts_at, row.ends_at, row.tz());
        let more = match (entry.more_dates, lang) {
            (0, _) => String::new(),
            (n, Lang::Zh) => format!("（另有 {n} 个日期）"),
            (n, Lang::En) => format!(" (and {n} more dates)"),
        };
        listing.push_str(&format!(
            "· {}\n  {when}{more} · {}\n  {public_url}{}\n\n",
            row.title(lang),
            row.venue_name(lang),
            row.path()
        ));
    }
    let all = format!("{public_url}{}", follows.events_path());
    let page = format!("{public_url}/subscriptions/{}", subscription.unsubscribe_token);
    let (subject, body) = match lang {
        Lang::Zh => (
            format!("Debut 本周新活动：{count} 场（{what}）"),
            format!(
                "您关注的「{what}」有 {count} 场新活动：\n\n{listing}{}全部活动：{all}\n\n\
                 不想再收到此邮件？一键退订：{page}",
                if count > MAX_LISTED {
                    format!("……另有 {} 场，见下方链接。\n", count - MAX_LISTED)
                } else {
                    String::new()
                }
            ),
        ),
        Lang::En => (
            format!("Debut this week: {count} new event{} ({what})", if count == 1 { "" } else { "s" }),
            format!(
                "New events for \"{what}\":\n\n{listing}{}Every event: {all}\n\n\
                 No longer want this e-mail? Unsubscribe in one click: {page}",
                if count > MAX_LISTED {
                    format!("…and {} more at the link below.\n", count - MAX_LISTED)
                } else {
                    String::new()
                }
            ),
        ),
    };
    Ok(Message {
        coalesce_key: format!("subscription-digest:{}:{}", subscription.id, slot.format("%Y-%m-%d")),
        recipient: Recipient::Email(subscription.email.clone()),
        subject,
        body,
        subject_zh: None,
        body_zh: None,
        link: None,
        list_unsubscribe: Some(format!("{page}/unsubscribe")),
        payload: json!({"kind": "subscription_digest", "subscription_id": subscription.id, "events": count}),
    })
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
