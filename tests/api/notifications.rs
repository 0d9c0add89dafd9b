//! Notifications: written with the change, merged in bursts, delivered signed, retried.

use std::sync::{Arc, Mutex};

use chrono::{TimeDelta, Utc};
use debut::{clock::Clock, config::NotifyConfig, notifications, on_db};
use poem::{
    EndpointExt, Request, Route, handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    web::Data,
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, booking_body, local};

async fn outbox_rows(app: &TestApp, key: &str) -> Vec<(String, Option<chrono::DateTime<Utc>>, i64)> {
    on_db!(&app.db, pool => sqlx::query_as::<_, (String, Option<chrono::DateTime<Utc>>, i64)>(
        "SELECT subject, delivered_at, attempts FROM outbox WHERE coalesce_key = $1 ORDER BY id",
    )
    .bind(key)
    .fetch_all(pool)
    .await)
    .unwrap()
}

/// An approved-then-cancelled booking: two changes the applicant hears of.
async fn approve_then_cancel(app: &TestApp) -> i64 {
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let id = app.submitted_booking(&brand, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
    app.post(&format!("/api/v1/bookings/{id}/cancel"), Some(&staff), json!({"note": "Typhoon"}))
        .await
        .ok(200);
    id
}

/// A webhook call: its signature header and body.
type Delivery = (Option<String>, String);

#[derive(Default, Clone)]
struct Received(Arc<Mutex<Vec<Delivery>>>);

#[handler]
async fn hook(
    req: &Request,
    body: String,
    received: Data<&Received>,
    fail_first: Data<&Arc<Mutex<u32>>>,
) -> StatusCode {
    let mut failures_left = fail_first.lock().unwrap();
    if *failures_left > 0 {
        *failures_left -= 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let signature = req.headers().get("x-debut-signature").and_then(|v| v.to_str().ok()).map(str::to_owned);
    received.0.0.lock().unwrap().push((signature, body));
    StatusCode::NO_CONTENT
}

/// A webhook receiver on a free port that fails its first `fail_first` calls.
async fn webhook(fail_first: u32) -> (String, Received) {
    let received = Received::default();
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    let app = Route::new().at("/hook", hook).data(received.clone()).data(Arc::new(Mutex::new(fail_first)));
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}/hook"), received)
}

#[tokio::test]
async fn a_burst_of_changes_to_one_booking_sends_one_message() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let id = approve_then_cancel(&app).await;
    let rows = outbox_rows(&app, &format!("booking:{id}")).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].0.contains("cancelled"), "the message carries the latest state: {}", rows[0].0);
}

#[tokio::test]
async fn messages_are_delivered_signed_once_and_retried_after_a_failure() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let id = approve_then_cancel(&app).await;
    let (url, received) = webhook(1).await;
    let config =
        NotifyConfig { webhook_url: Some(url), webhook_secret: Some("s3cret".into()), ..Default::default() };
    let http = notifications::Channels::new(&config).unwrap();

    let later = clock.now() + TimeDelta::minutes(1);
    assert_eq!(
        notifications::deliver_due(&app.db, later, &config, &http).await.unwrap(),
        0,
        "the hook fails first"
    );
    let rows = outbox_rows(&app, &format!("booking:{id}")).await;
    assert_eq!((rows[0].1, rows[0].2), (None, 1), "kept for a retry");
    assert_eq!(notifications::deliver_due(&app.db, later, &config, &http).await.unwrap(), 0, "backing off");

    let after_backoff = later + TimeDelta::minutes(5);
    assert_eq!(notifications::deliver_due(&app.db, after_backoff, &config, &http).await.unwrap(), 1);
    assert_eq!(
        notifications::deliver_due(&app.db, after_backoff, &config, &http).await.unwrap(),
        0,
        "never twice"
    );

    let received = received.0.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (signature, body) = &received[0];
    assert_eq!(signature.as_deref(), Some(notifications::signature("s3cret", body.as_bytes()).as_str()));
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["data"]["booking_id"], id);
    assert_eq!(body["data"]["state"], "cancelled");
}

/// An SMTP server that takes `connections` sessions and returns their transcripts, in order.
pub async fn smtp_sink(connections: usize) -> (String, tokio::task::JoinHandle<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut transcript = String::new();
        for _ in 0..connections {
            let (socket, _) = listener.accept().await.unwrap();
            let (read, mut write) = socket.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
            let mut in_data = false;
            while let Ok(Some(line)) = lines.next_line().await {
                transcript.push_str(&line);
                transcript.push('\n');
                let reply: &[u8] = if in_data {
                    if line == "." {
                        in_data = false;
                        b"250 queued\r\n"
                    } else {
                        continue;
                    }
                } else if line.starts_with("EHLO") || line.starts_with("HELO") {
                    b"250 sink\r\n"
                } else if line == "DATA" {
                    in_data = true;
                    b"354 go ahead\r\n"
                } else if line == "QUIT" {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                } else {
                    b"250 ok\r\n"
                };
                write.write_all(reply).await.unwrap();
            }
        }
        transcript
    });
    (url, task)
}

#[tokio::test]
async fn messages_go_by_email_to_every_member_of_the_organization() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let id = approve_then_cancel(&app).await;
    // A colleague who reads English; the first member reads Chinese (the default).
    let colleague = "bo@brand.cn";
    on_db!(&app.db, pool => sqlx::query(
        "INSERT INTO users (email, password_hash, display_name, role, org_role, lang, organization_id, created_at) \
         SELECT $1, password_hash, 'Bo', 'member', 'member', 'en', organization_id, created_at FROM users WHERE email = $2",
    )
    .bind(colleague)
    .bind("ada@brand.cn")
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
    let (url, sink) = smtp_sink(2).await;
    let config = NotifyConfig {
        smtp_url: Some(url),
        mail_from: "Debut <noreply@debut.local>".into(),
        public_url: "https://debut.example".into(),
        ..Default::default()
    };
    let channels = notifications::Channels::new(&config).unwrap();
    let delivered =
        notifications::deliver_due(&app.db, clock.now() + TimeDelta::minutes(1), &config, &channels)
            .await
            .unwrap();
    assert_eq!(delivered, 1);
    drop(channels);
    let transcript = tokio::time::timeout(std::time::Duration::from_secs(10), sink).await.unwrap().unwrap();
    assert!(transcript.contains("RCPT TO:<ada@brand.cn>"), "{transcript}");
    assert!(transcript.contains(&format!("RCPT TO:<{colleague}>")), "{transcript}");
    let (chinese, english) = transcript.split_once("QUIT").unwrap();
    assert!(chinese.contains("RCPT TO:<ada@brand.cn>") && !chinese.contains(colleague), "{chinese}");
    assert!(chinese.contains("=?utf-8?"), "the Chinese subject is encoded: {chinese}");
    assert!(english.contains(&format!("RCPT TO:<{colleague}>")), "{english}");
    assert!(
        english.contains(&format!("Subject: Booking #{id}")) && english.contains("cancelled"),
        "{english}"
    );
    let link = format!("https://debut.example/portal/bookings/{id}");
    let chinese_body = base64_body(chinese);
    assert!(chinese_body.contains("已取消") && chinese_body.contains("Typhoon"), "{chinese_body}");
    assert!(chinese_body.contains(&link) && english.contains(&link), "each links to its page: {transcript}");
}

/// The body of a message sent base64-encoded (as non-ASCII text is), decoded.
pub fn base64_body(transcript: &str) -> String {
    let encoded: String = transcript
        .split("Content-Transfer-Encoding: base64")
        .nth(1)
        .expect("a base64 body")
        .lines()
        .skip(1)
        .skip_while(|line| !line.is_empty())
        .skip(1)
        .take_while(|line| *line != ".")
        .collect();
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = encoded.bytes().filter(|c| *c != b'=').map(value).collect();
    let mut bytes = Vec::new();
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, d)| n | (u32::from(*d) << (18 - 6 * i)));
        bytes.extend(&n.to_be_bytes()[1..chunk.len()]);
    }
    String::from_utf8(bytes).unwrap()
}
