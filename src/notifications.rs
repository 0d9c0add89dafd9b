//! Notifications through a transactional outbox.
//!
//! A change that the applicant should hear about writes an outbox row in the same transaction
//! as the change ([`enqueue`]); a background worker ([`run`]) delivers due rows by e-mail (SMTP,
//! to every member of the recipient organization) and/or webhook (HMAC-SHA256-signed body) or,
//! unconfigured, to the log. Rows are claimed with a lease, so a
//! process that dies mid-delivery loses nothing: the lease runs out and another claim retries.
//! Failures back off exponentially. Undelivered rows with the same coalesce key are merged and
//! wait a short debounce, so a burst of changes to one booking sends one message.

pub mod allowance;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor, message::Mailbox};
use sha2::Sha256;

use crate::{
    clock::Clock,
    config::NotifyConfig,
    db::{Db, Tx},
    on_db, on_tx,
    values::Lang,
    words,
};

/// Who a message is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// Every member of the organization; webhooks hear of it too.
    Organization(i64),
    /// One address, by e-mail only: the message carries a secret link (a password reset, an
    /// invitation), so it never goes to the webhook or the log.
    Email(String),
}

/// A message to the members of an organization, or to one address.
///
/// `subject` and `body` are English; an organization's members who read Chinese get
/// `subject_zh` and `body_zh` where they are given. A message to one address is written in that
/// person's language already.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub coalesce_key: String,
    pub recipient: Recipient,
    pub subject: String,
    pub body: String,
    pub subject_zh: Option<String>,
    pub body_zh: Option<String>,
    /// The path of the page the message is about (`/portal/bookings/7`); the delivered text ends
    /// with its full URL.
    pub link: Option<String>,
    /// Where one click ends what this message belongs to (a subscription): sent as
    /// `List-Unsubscribe` with `List-Unsubscribe-Post` (RFC 8058), so mail apps offer the button.
    pub list_unsubscribe: Option<String>,
    pub payload: serde_json::Value,
}

/// The arguments of a message's words in one language (a market's title differs by language).
pub type Args = Vec<(&'static str, words::FluentValue<'static>)>;

impl Message {
    /// A message to an organization's members in both languages: its subject and body are the
    /// catalogue's `{key}-subject` and `{key}-body`, and it links to the page at `link`.
    pub fn to_organization(
        coalesce_key: String,
        organization_id: i64,
        key: &str,
        args: impl Fn(Lang) -> Args,
        link: String,
        payload: serde_json::Value,
    ) -> Self {
        let (zh, en) = (args(Lang::Zh), args(Lang::En));
        let text = |lang, args: &Args, part| words::text_with(lang, &format!("{key}-{part}"), args);
        Self {
            coalesce_key,
            recipient: Recipient::Organization(organization_id),
            subject: text(Lang::En, &en, "subject"),
            body: text(Lang::En, &en, "body"),
            subject_zh: Some(text(Lang::Zh, &zh, "subject")),
            body_zh: Some(text(Lang::Zh, &zh, "body")),
            link: Some(link),
            list_unsubscribe: None,
            payload,
        }
    }

    /// A message to one address in its reader's language: the catalogue's `{key}-subject` and
    /// `{key}-body`.
    pub fn to_reader(
        coalesce_key: String,
        address: String,
        lang: Lang,
        key: &str,
        args: &Args,
        payload: serde_json::Value,
    ) -> Self {
        let subject = words::text_with(lang, &format!("{key}-subject"), args);
        let body = words::text_with(lang, &format!("{key}-body"), args);
        Self::to_address(coalesce_key, address, subject, body, payload)
    }

    /// A message to one address, written in its reader's language already: no second language,
    /// no page link of the portal's.
    pub fn to_address(
        coalesce_key: String,
        address: String,
        subject: String,
        body: String,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            coalesce_key,
            recipient: Recipient::Email(address),
            subject,
            body,
            subject_zh: None,
            body_zh: None,
            link: None,
            list_unsubscribe: None,
            payload,
        }
    }
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
    let (org_id, email) = match &message.recipient {
        Recipient::Organization(id) => (Some(*id), None),
        Recipient::Email(address) => (None, Some(address.as_str())),
    };
    on_tx!(tx, conn => {
        let merged = sqlx::query(
            "UPDATE outbox SET subject = $2, body = $3, payload = $4, deliver_after = $5, \
             subject_zh = $6, body_zh = $7, link = $8, list_unsubscribe = $9 \
             WHERE coalesce_key = $1 AND delivered_at IS NULL AND failed_at IS NULL \
             AND claimed_until IS NULL AND attempts = 0",
        )
        .bind(&message.coalesce_key)
        .bind(&message.subject)
        .bind(&message.body)
        .bind(&payload)
        .bind(deliver_after)
        .bind(&message.subject_zh)
        .bind(&message.body_zh)
        .bind(&message.link)
        .bind(&message.list_unsubscribe)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if merged == 0 {
            sqlx::query(
                "INSERT INTO outbox (coalesce_key, recipient_org_id, recipient_email, subject, body, payload, \
                 created_at, deliver_after, subject_zh, body_zh, link, list_unsubscribe) \
                 VALUES ($1, $2, $8, $3, $4, $5, $6, $7, $9, $10, $11, $12)",
            )
            .bind(&message.coalesce_key)
            .bind(org_id)
            .bind(&message.subject)
            .bind(&message.body)
            .bind(&payload)
            .bind(now)
            .bind(deliver_after)
            .bind(email)
            .bind(&message.subject_zh)
            .bind(&message.body_zh)
            .bind(&message.link)
            .bind(&message.list_unsubscribe)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    })
}

#[derive(Debug, sqlx::FromRow)]
struct Due {
    id: i64,
    recipient_org_id: Option<i64>,
    recipient_email: Option<String>,
    subject: String,
    body: String,
    subject_zh: Option<String>,
    body_zh: Option<String>,
    link: Option<String>,
    list_unsubscribe: Option<String>,
    payload: String,
    attempts: i64,
}

impl Due {
    /// The subject and body in `lang`, the body ending with the link to its page.
    fn text(&self, lang: Lang, public_url: &str) -> (String, String) {
        let (subject, body) = match (lang, &self.subject_zh, &self.body_zh) {
            (Lang::Zh, Some(subject), Some(body)) => (subject.clone(), body.clone()),
            _ => (self.subject.clone(), self.body.clone()),
        };
        match &self.link {
            Some(link) => (subject, format!("{body}\n\n{public_url}{link}")),
            None => (subject, body),
        }
    }
}

/// How long a claim lasts before another worker may retry the row.
const LEASE: TimeDelta = TimeDelta::minutes(2);
/// After this many failed attempts a message is marked failed and left for an operator.
pub const MAX_ATTEMPTS: i64 = 12;

fn backoff(attempts: i64) -> TimeDelta {
    TimeDelta::seconds(10 * 2_i64.pow(attempts.clamp(0, 9) as u32)).min(TimeDelta::hours(1))
}

/// The connections messages go out through.
pub struct Channels {
    http: reqwest::Client,
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
}

impl Channels {
    pub fn new(config: &NotifyConfig) -> anyhow::Result<Self> {
        let smtp = match &config.smtp_url {
            Some(url) => {
                let (host, port) = smtp_address(url)?;
                // Plain SMTP to a relay we run: the relay owns TLS and authentication onwards.
                let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(port)
                    .timeout(Some(Duration::from_secs(10)))
                    .build();
                let from: Mailbox =
                    config.mail_from.parse().map_err(|e| anyhow::anyhow!("DEBUT_MAIL_FROM: {e}"))?;
                Some((transport, from))
            }
            None => None,
        };
        Ok(Self { http: reqwest::Client::new(), smtp })
    }
}

/// `smtp://host[:port]` as (host, port); the port defaults to 25.
fn smtp_address(url: &str) -> anyhow::Result<(String, u16)> {
    let rest = url
        .strip_prefix("smtp://")
        .ok_or_else(|| anyhow::anyhow!("DEBUT_SMTP_URL {url:?} must look like smtp://relay.internal:25"))?;
    let rest = rest.trim_end_matches('/');
    match rest.rsplit_once(':') {
        Some((host, port)) => Ok((
            host.to_owned(),
            port.parse().map_err(|_| anyhow::anyhow!("DEBUT_SMTP_URL {url:?}: bad port"))?,
        )),
        None if !rest.is_empty() => Ok((rest.to_owned(), 25)),
        None => anyhow::bail!("DEBUT_SMTP_URL {url:?} names no host"),
    }
}

/// Delivers every due message once; returns how many were delivered.
pub async fn deliver_due(
    db: &Db,
    now: DateTime<Utc>,
    config: &NotifyConfig,
    channels: &Channels,
) -> Result<usize, sqlx::Error> {
    // The conditions repeat outside the subquery so that, on PostgreSQL, a row claimed by a
    // concurrent worker is re-checked after its lock is released and skipped.
    let due: Vec<Due> = on_db!(db, pool => sqlx::query_as::<_, Due>(
        "UPDATE outbox SET claimed_until = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL \
                      AND deliver_after <= $1 AND (claimed_until IS NULL OR claimed_until < $1) \
                      ORDER BY id LIMIT 20) \
         AND delivered_at IS NULL AND failed_at IS NULL AND (claimed_until IS NULL OR claimed_until < $1) \
         RETURNING id, recipient_org_id, recipient_email, subject, body, subject_zh, body_zh, link, list_unsubscribe, \
         payload, attempts",
    )
    .bind(now)
    .bind(now + LEASE)
    .fetch_all(pool)
    .await)?;
    let mut delivered = 0;
    for message in due {
        // A message to one address is in its reader's language already.
        let recipients: Vec<(String, Lang)> = match (&message.recipient_email, message.recipient_org_id) {
            (Some(address), _) => vec![(address.clone(), Lang::En)],
            (None, org_id) => on_db!(db, pool => sqlx::query_as(
                "SELECT email, lang FROM users WHERE organization_id = $1 AND removed_at IS NULL ORDER BY id",
            )
            .bind(org_id)
            .fetch_all(pool)
            .await)?,
        };
        match send(&message, &recipients, config, channels).await {
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

/// How many messages gave up after [`MAX_ATTEMPTS`], and how many are failing and retrying.
pub async fn problems(db: &Db) -> Result<(i64, i64), sqlx::Error> {
    on_db!(db, pool => sqlx::query_as::<_, (i64, i64)>(
        "SELECT COUNT(failed_at), COUNT(CASE WHEN failed_at IS NULL AND delivered_at IS NULL AND last_error IS NOT NULL \
         THEN 1 END) FROM outbox",
    )
    .fetch_one(pool)
    .await)
}

/// Undelivered messages waiting (not failed for good) and when the oldest of them was written.
/// Deletes messages delivered, or failed for good, before `before`: once sent, the outbox has no
/// need of a recipient's address or a body with a reset or confirmation link in it. Returns how
/// many went. Run by the scheduler with `Settings::outbox_retention`.
pub async fn purge_delivered(db: &Db, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    on_db!(db, pool => sqlx::query(
        "DELETE FROM outbox WHERE (delivered_at IS NOT NULL AND delivered_at < $1) \
         OR (failed_at IS NOT NULL AND failed_at < $1)",
    )
    .bind(before)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
}

pub async fn depth(db: &Db) -> Result<(i64, Option<DateTime<Utc>>), sqlx::Error> {
    on_db!(db, pool => sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(
        "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL",
    )
    .fetch_one(pool)
    .await)
}

/// The signature header value for a webhook body.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn send(
    message: &Due,
    recipients: &[(String, Lang)],
    config: &NotifyConfig,
    channels: &Channels,
) -> Result<(), String> {
    let private = message.recipient_email.is_some();
    if config.webhook_url.is_none() && channels.smtp.is_none() {
        if private {
            tracing::warn!(
                outbox_id = message.id,
                subject = %message.subject,
                "a message to one address was not sent: no SMTP relay is configured"
            );
            return Ok(());
        }
        tracing::info!(
            outbox_id = message.id,
            organization = message.recipient_org_id,
            subject = %message.subject,
            "notification (no SMTP relay or webhook configured; logged only)"
        );
        return Ok(());
    }
    if let Some((transport, from)) = &channels.smtp {
        for lang in [Lang::Zh, Lang::En] {
            let to: Vec<&str> =
                recipients.iter().filter(|(_, l)| *l == lang).map(|(a, _)| a.as_str()).collect();
            if !to.is_empty() {
                let (subject, body) = message.text(lang, &config.public_url);
                let unsubscribe = message.list_unsubscribe.as_deref();
                mail(message.id, &subject, &body, &to, unsubscribe, transport, from).await?;
            }
        }
        if recipients.is_empty() {
            // Nobody to write to is not a delivery failure worth retrying.
            tracing::warn!(outbox_id = message.id, "notification has no e-mail recipients");
        }
    }
    if let Some(url) = config.webhook_url.as_ref().filter(|_| !private) {
        post(message, url, config, &channels.http).await?;
    }
    Ok(())
}

async fn mail(
    id: i64,
    subject: &str,
    body: &str,
    recipients: &[&str],
    list_unsubscribe: Option<&str>,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
) -> Result<(), String> {
    use lettre::message::header::{HeaderName, HeaderValue};
    let mut builder = lettre::Message::builder().from(from.clone()).subject(subject);
    if let Some(url) = list_unsubscribe {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    let mut any = false;
    for address in recipients {
        if let Ok(mailbox) = address.parse::<Mailbox>() {
            builder = builder.to(mailbox);
            any = true;
        }
    }
    if !any {
        // Nobody to write to is not a delivery failure worth retrying.
        tracing::warn!(outbox_id = id, "notification has no valid e-mail address");
        return Ok(());
    }
    let email = builder
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .map_err(|e| e.to_string())?;
    transport
        .send(email)
        .await
        .map(|_| ())
        .map_err(|e| format!("SMTP: {}", without_addresses(&e.to_string())))
}

/// An SMTP error as the log and `last_error` may keep it: relays quote the recipient
/// (`550 5.1.1 <ada@example.cn>: user unknown`), and a subscriber's address is shown nowhere.
fn without_addresses(text: &str) -> String {
    text.split(' ')
        .map(|word| if word.contains('@') { "<address>" } else { word })
        .collect::<Vec<_>>()
        .join(" ")
}

async fn post(message: &Due, url: &str, config: &NotifyConfig, http: &reqwest::Client) -> Result<(), String> {
    let body = serde_json::json!({
        "id": message.id,
        "recipient_organization_id": message.recipient_org_id,
        "subject": message.subject,
        "body": message.body,
        "subject_zh": message.subject_zh,
        "body_zh": message.body_zh,
        "url": message.link.as_ref().map(|link| format!("{}{link}", config.public_url)),
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
    // Without the URL: webhook URLs often carry an access token.
    let response = request.body(body).send().await.map_err(|e| e.without_url().to_string())?;
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
    let channels = match Channels::new(&config) {
        Ok(channels) => channels,
        Err(error) => {
            tracing::error!(%error, "notifications are off: fix the configuration");
            return;
        }
    };
    let mut shutdown = shutdown;
    loop {
        if let Err(error) = deliver_due(&db, clock.now(), &config, &channels).await {
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
    fn smtp_urls_name_a_host_and_port() {
        assert_eq!(smtp_address("smtp://relay:2525").unwrap(), ("relay".into(), 2525));
        assert_eq!(smtp_address("smtp://relay").unwrap(), ("relay".into(), 25));
        assert!(smtp_address("http://relay").is_err());
        assert!(smtp_address("smtp://relay:x").is_err());
    }

    #[test]
    fn smtp_errors_lose_the_addresses_they_quote() {
        assert_eq!(
            without_addresses("permanent error (550): 5.1.1 <ada@example.cn>: user unknown"),
            "permanent error (550): 5.1.1 <address> user unknown"
        );
    }

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
