//! The daily digest: staff who want it get one e-mail a day, after 08:00 in the district's
//! zone, with what waits for review. Sent through the outbox like every message; the time of the
//! last digest is kept per user, so a restart or a second process sends no second one that day.

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use serde_json::json;

use crate::{
    bookings::{
        BookingState,
        store::{self as bookings, BookingFilter},
    },
    db::Db,
    error::ApiResult,
    incentives::{ApplicationState, store as incentives},
    notifications::{self, Message},
    on_db, on_tx,
    values::{Lang, Zone},
};

/// When today's digest is due: 08:00 in the district's zone.
fn due_at(now: DateTime<Utc>) -> DateTime<Utc> {
    let tz = Zone::default().tz();
    let today = now.with_timezone(&tz).date_naive();
    tz.from_local_datetime(&today.and_time(NaiveTime::from_hms_opt(8, 0, 0).expect("08:00")))
        .earliest()
        .map_or(now, |t| t.to_utc())
}

/// Writes today's digest for every staff member who wants one and has not had it yet.
/// Returns how many were written.
pub async fn enqueue_due(db: &Db, public_url: &str, now: DateTime<Utc>) -> ApiResult<usize> {
    let due = due_at(now);
    if now < due {
        return Ok(0);
    }
    let readers: Vec<(i64, String, Lang)> = on_db!(db, pool => sqlx::query_as(
        "SELECT id, email, lang FROM users WHERE role IN ('staff', 'admin') AND wants_digest AND removed_at IS NULL \
         AND (digest_sent_at IS NULL OR digest_sent_at < $1)",
    )
    .bind(due)
    .fetch_all(pool)
    .await)?;
    if readers.is_empty() {
        return Ok(0);
    }
    let queue = bookings::review_queue(db, &BookingFilter::default(), 1000).await?;
    let submitted = queue.iter().filter(|b| b.state == BookingState::Submitted).count();
    let changes = queue.len() - submitted;
    let awards =
        incentives::list_applications(db, None, None, Some(ApplicationState::Submitted)).await?.len();
    for (id, email, lang) in &readers {
        let message = Message::to_reader(
            format!("digest:{id}:{}", due.format("%Y-%m-%d")),
            email.clone(),
            *lang,
            "mail-staff-digest",
            &vec![
                ("bookings", submitted.into()),
                ("changes", changes.into()),
                ("awards", awards.into()),
                ("link", format!("{public_url}/staff").into()),
            ],
            json!({"kind": "digest", "bookings": submitted, "changes": changes, "awards": awards}),
        );
        let mut tx = db.begin().await?;
        let claimed = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE users SET digest_sent_at = $2 WHERE id = $1 AND (digest_sent_at IS NULL OR digest_sent_at < $3)",
        )
        .bind(id)
        .bind(now)
        .bind(due)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
        // Another process got there first.
        if claimed == 1 {
            notifications::enqueue(&mut tx, &message, now, std::time::Duration::ZERO).await?;
        }
        tx.commit().await?;
    }
    Ok(readers.len())
}

/// Turns the digest on or off for a staff member.
pub async fn set_wanted(db: &Db, user_id: i64, wanted: bool) -> ApiResult<()> {
    on_db!(db, pool => sqlx::query("UPDATE users SET wants_digest = $2 WHERE id = $1 AND role IN ('staff', 'admin')")
        .bind(user_id)
        .bind(wanted)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn is_wanted(db: &Db, user_id: i64) -> ApiResult<bool> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, bool>("SELECT wants_digest FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await)?)
}
