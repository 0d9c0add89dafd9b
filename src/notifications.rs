//! Notifications through a transactional outbox.
//!
//! A change that the applicant should hear about writes an outbox row in the same transaction
//! as the change ([`enqueue`]); a background worker ([`run`]) delivers due rows by webhook
//! (HMAC-SHA256-signed body) or, unconfigured, to the log. Rows are claimed with a lease, so a
//! process that dies mid-delivery loses nothing: the lease runs out and another claim retries.
//! Failures back off exponentially. Undelivered rows with the same coalesce key are merged and
//! wait a short debounce, so a burst of changes to one booking sends one message.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{
    clock::Clock,
    db::{Db, Tx},
    on_db, on_tx,
};

/// Where and how to deliver.
#[derive(Debug, Clone, Default)]
pub struct NotifyConfig {
    /// POST target for every message, signed with `webhook_secret`.
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    /// How long a message waits for later changes to merge into it.
    pub debounce: Duration,
}

/// A message to the members of an organization.
#[derive(Debug, Clone)]
pub struct Message {
    pub coalesce_key: String,
    pub recipient_org_id: i64,
    pub subject: String,
    pub body: String,
    pub payload: serde_json::Value,
}

/// Writes `message` inside the caller's transaction, merging it into an undelivered, unclaimed
/// message with the same key.
pub async fn enqueue(
    tx: &mut Tx,
    message: &Message,
    now: DateTime<Utc>,
    debounce: Duration,
) -> Result<(), sqlx::Error> {
    let deliver_after = now + TimeDelta::from_std(debounce).unwrap_or_default();
    let payload = message.payload.to_string();
    on_tx!(tx, conn => {
        let merged = sqlx::query(
            "UPDATE outbox SET subject = $2, body = $3, payload = $4, deliver_after = $5 \
             WHERE coalesce_key = $1 AND delivered_at IS NULL AND failed_at IS NULL \
             AND claimed_until IS NULL AND attempts = 0",
        )
        .bind(&message.coalesce_key)
        .bind(&message.subject)
        .bind(&message.body)
        .bind(&payload)
        .bind(deliver_after)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if merged == 0 {
            sqlx::query(
                "INSERT INTO outbox (coalesce_key, recipient_org_id, subject, body, payload, created_at, deliver_after) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&message.coalesce_key)
            .bind(message.recipient_org_id)
            .bind(&message.subject)
            .bind(&message.body)
            .bind(&payload)
            .bind(now)
            .bind(deliver_after)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    })
}

#[derive(Debug, sqlx::FromRow)]
struct Due {
    id: i64,
    recipient_org_id: i64,
    subject: String,
    body: String,
    payload: String,
    attempts: i64,
}

/// How long a claim lasts before another worker may retry the row.
const LEASE: TimeDelta = TimeDelta::minutes(2);
/// After this many failed attempts a message is marked failed and left for an operator.
pub const MAX_ATTEMPTS: i64 = 12;

fn backoff(attempts: i64) -> TimeDelta {
    TimeDelta::seconds(10 * 2_i64.pow(attempts.clamp(0, 9) as u32)).min(TimeDelta::hours(1))
}

/// Delivers every due message once; returns how many were delivered.
pub async fn deliver_due(
    db: &Db,
    now: DateTime<Utc>,
    config: &NotifyConfig,
    http: &reqwest::Client,
) -> Result<usize, sqlx::Error> {
    // The conditions repeat outside the subquery so that, on PostgreSQL, a row claimed by a
    // concurrent worker is re-checked after its lock is released and skipped.
    let due: Vec<Due> = on_db!(db, pool => sqlx::query_as::<_, Due>(
        "UPDATE outbox SET claimed_until = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL \
                      AND deliver_after <= $1 AND (claimed_until IS NULL OR claimed_until < $1) \
                      ORDER BY id LIMIT 20) \
         AND delivered_at IS NULL AND failed_at IS NULL AND (claimed_until IS NULL OR claimed_until < $1) \
         RETURNING id, recipient_org_id, subject, body, payload, attempts",
    )
    .bind(now)
    .bind(now + LEASE)
    .fetch_all(pool)
    .await)?;
    let mut delivered = 0;
    for message in due {
        match send(&message, config, http).await {
            Ok(()) => {
                on_db!(db, pool => sqlx::query("UPDATE outbox SET delivered_at = $2, claimed_until = NULL WHERE id = $1")
                    .bind(message.id)
                    .bind(now)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected()))?;
                delivered += 1;
            }
            Err(error) => {
                tracing::warn!(outbox_id = message.id, attempts = message.attempts, %error, "notification delivery failed");
                let failed_at = (message.attempts >= MAX_ATTEMPTS).then_some(now);
                on_db!(db, pool => sqlx::query(
                    "UPDATE outbox SET claimed_until = NULL, deliver_after = $2, last_error = $3, failed_at = $4 WHERE id = $1",
                )
                .bind(message.id)
                .bind(now + backoff(message.attempts))
                .bind(error.chars().take(500).collect::<String>())
                .bind(failed_at)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()))?;
            }
        }
    }
    Ok(delivered)
}

/// The signature header value for a webhook body.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn send(message: &Due, config: &NotifyConfig, http: &reqwest::Client) -> Result<(), String> {
    let Some(url) = &config.webhook_url else {
        tracing::info!(
            outbox_id = message.id,
            organization = message.recipient_org_id,
            subject = %message.subject,
            "notification (no webhook configured; logged only)"
        );
        return Ok(());
    };
    let body = serde_json::json!({
        "id": message.id,
        "recipient_organization_id": message.recipient_org_id,
        "subject": message.subject,
        "body": message.body,
        "data": serde_json::from_str::<serde_json::Value>(&message.payload).unwrap_or_default(),
    })
    .to_string();
    let mut request = http
        .post(url)
        .header("content-type", "application/json")
        .header("x-debut-delivery", message.id.to_string())
        .timeout(Duration::from_secs(10));
    if let Some(secret) = &config.webhook_secret {
        request = request.header("x-debut-signature", signature(secret, body.as_bytes()));
    }
    let response = request.body(body).send().await.map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("webhook answered {}", response.status()))
    }
}

/// Delivers due messages every `interval` until `shutdown` resolves.
pub async fn run(
    db: Db,
    clock: Clock,
    config: NotifyConfig,
    interval: Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let http = reqwest::Client::new();
    let mut shutdown = shutdown;
    loop {
        if let Err(error) = deliver_due(&db, clock.now(), &config, &http).await {
            tracing::warn!(%error, "outbox delivery pass failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(0), TimeDelta::seconds(10));
        assert_eq!(backoff(3), TimeDelta::seconds(80));
        assert_eq!(backoff(20), TimeDelta::hours(1));
    }

    #[test]
    fn signatures_are_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
