//! The doors a probe of the release build found open (issue 29): actions that reached other
//! users' rows by id, the second factor's pace, four-eyes thresholds, headers and values, and
//! what the outbox keeps.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};
use debut::on_db;

async fn scalar(app: &TestApp, sql: &'static str, id: i64) -> i64 {
    on_db!(&app.db, pool => sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(pool).await).unwrap()
}

async fn user_id(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/me", Some(token)).await.ok(200)["id"].as_i64().unwrap()
}

async fn feed_path(app: &TestApp, token: &str) -> String {
    let feed = app.post("/api/v1/me/feed-token", Some(token), json!({})).await.ok(201);
    format!("/feeds/{}", feed["url"].as_str().unwrap().split_once("/feeds/").unwrap().1)
}

/// An invited member of `org`, signed in; returns (token, user id).
async fn member(app: &TestApp, owner: &str, org: i64, email: &str) -> (String, i64) {
    app.post(&format!("/api/v1/organizations/{org}/invitations"), Some(owner), json!({"email": email}))
        .await
        .ok(201);
    let body: String = on_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT body FROM outbox WHERE recipient_email = $1",
    )
    .bind(email)
    .fetch_one(pool)
    .await)
    .unwrap();
    let token = body.split("/invitations/").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    let accepted = app
        .post(
            &format!("/api/v1/invitations/{token}/accept"),
            None,
            json!({"email": email, "display_name": "Bo", "password": PASSWORD}),
        )
        .await
        .ok(201);
    (app.login(email).await, accepted["id"].as_i64().unwrap())
}

#[tokio::test]
async fn removing_a_member_touches_that_member_only() {
    let app = TestApp::spawn().await;
    let (owner, org) = app.register("brand", "ada@acme.cn").await;
    let (bo, bo_id) = member(&app, &owner, org, "bo@acme.cn").await;
    let (stranger, _) = app.register("brand", "zed@other.cn").await;
    let staff = app.staff("staff@office.cn").await;
    let (stranger_id, staff_id) = (user_id(&app, &stranger).await, user_id(&app, &staff).await);
    let feeds = [feed_path(&app, &stranger).await, feed_path(&app, &staff).await, feed_path(&app, &bo).await];

    for other in [stranger_id, staff_id] {
        let path = format!("/api/v1/organizations/{org}/members/{other}");
        app.send(Method::DELETE, &path, Some(&owner), None).await.problem(404);
    }
    app.get("/api/v1/me", Some(&stranger)).await.ok(200);
    app.get("/api/v1/me", Some(&staff)).await.ok(200);
    for feed in &feeds[..2] {
        assert_eq!(app.get(feed, None).await.status, 200, "{feed} still works");
    }
    for other in [stranger_id, staff_id] {
        let live = "SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL";
        assert_eq!(scalar(&app, live, other).await, 1, "user {other} keeps their session");
    }

    // The portal's remove button takes the same path.
    let mut browser = crate::portal::Browser::new(&app);
    browser.sign_in("ada@acme.cn").await;
    browser.get("/portal/organization").await;
    let page = browser.post(&format!("/portal/organization/members/{stranger_id}/remove"), &[], true).await;
    assert_eq!(page.status, 404);
    app.get("/api/v1/me", Some(&stranger)).await.ok(200);

    app.send(Method::DELETE, &format!("/api/v1/organizations/{org}/members/{bo_id}"), Some(&owner), None)
        .await
        .ok(204);
    app.get("/api/v1/me", Some(&bo)).await.problem(401);
    assert_eq!(app.get(&feeds[2], None).await.status, 404, "the removed member's feed ends");
    app.get("/api/v1/me", Some(&owner)).await.ok(200);
}

#[tokio::test]
async fn admins_reach_staff_accounts_only_by_id() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.admin("admin@office.cn").await;
    let (brand, _) = app.register("brand", "ada@acme.cn").await;
    let brand_id = user_id(&app, &brand).await;
    on_db!(&app.db, pool => sqlx::query("UPDATE users SET totp_secret = 'aa', totp_enabled_at = $2 WHERE id = $1")
        .bind(brand_id)
        .bind(chrono::Utc::now())
        .execute(pool)
        .await
        .map(|_| ()))
    .unwrap();
    app.send(Method::DELETE, &format!("/api/v1/staff/{brand_id}/sessions"), Some(&admin), None)
        .await
        .problem(404);
    app.send(Method::DELETE, &format!("/api/v1/staff/{brand_id}/two-factor"), Some(&admin), None)
        .await
        .problem(404);
    app.get("/api/v1/me", Some(&brand)).await.ok(200);
    let kept =
        scalar(&app, "SELECT COUNT(*) FROM users WHERE id = $1 AND totp_secret IS NOT NULL", brand_id).await;
    assert_eq!(kept, 1, "the brand's second factor is untouched");
}

/// The documented pace of guessing: five tries, then one per 30 seconds (two a minute).
fn allowed_in(minutes: i64) -> usize {
    5 + 2 * minutes as usize + 1
}

/// Guesses wrong codes for `desk@office.cn` through `path` once every five seconds of the
/// manual clock for ten minutes; returns how many were checked (answered "wrong", not 429).
async fn codes_checked(app: &TestApp, path: &str, session: &str) -> usize {
    let pw = json!({"email": "desk@office.cn", "password": PASSWORD});
    let with_code = json!({"email": "desk@office.cn", "password": PASSWORD, "code": "000000"});
    let mut browser = crate::portal::Browser::new(app);
    let mut checked = 0;
    for _ in 0..120 {
        let status = match path {
            "api" => app.post("/api/v1/auth/login", None, with_code.clone()).await.status.as_u16(),
            "api after a password-only login" => {
                let first = app.post("/api/v1/auth/login", None, pw.clone()).await;
                assert_eq!(first.status.as_u16(), 401, "the password alone asks for a code: {}", first.text);
                app.post("/api/v1/auth/login", None, with_code.clone()).await.status.as_u16()
            }
            "reauthenticate" => {
                let answer =
                    app.post("/api/v1/auth/reauthenticate", Some(session), json!({"code": "000000"})).await;
                if answer.status == 422 { 401 } else { answer.status.as_u16() }
            }
            _ => {
                browser.get("/login").await;
                let page = browser
                    .post("/login", &[("email", "desk@office.cn"), ("password", PASSWORD)], true)
                    .await;
                if page.status == 429 {
                    429
                } else {
                    let challenge = crate::portal::hidden_value(&page.text, "challenge");
                    let answer = browser
                        .post(
                            "/login/code",
                            &[("challenge", &challenge), ("code", "000000"), ("next", "")],
                            true,
                        )
                        .await;
                    answer.status.as_u16()
                }
            }
        };
        match status {
            401 => checked += 1,
            429 => {}
            other => panic!("{path}: unexpected {other}"),
        }
        app.clock.advance(chrono::TimeDelta::seconds(5));
    }
    checked
}

#[tokio::test]
async fn second_factor_codes_are_checked_no_faster_than_two_a_minute_through_every_path() {
    for path in ["api", "api after a password-only login", "web", "reauthenticate"] {
        let app = TestApp::spawn_with_clock(debut::clock::Clock::manual(chrono::Utc::now())).await;
        let secret = app.staff_with_second_factor("desk@office.cn", debut::accounts::Role::Staff).await;
        let code = crate::helpers::totp(&secret, app.clock.now().timestamp());
        let login = json!({"email": "desk@office.cn", "password": PASSWORD, "code": code});
        let session =
            app.post("/api/v1/auth/login", None, login).await.ok(200)["token"].as_str().unwrap().to_owned();
        let checked = codes_checked(&app, path, &session).await;
        assert!(checked <= allowed_in(10), "{path}: {checked} codes checked in ten minutes");
        assert!(checked >= 20, "{path}: only {checked} codes were checked; the test guesses too slowly");
    }
}

async fn outbox_to_strangers(app: &TestApp, kind: &'static str) -> i64 {
    on_db!(&app.db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox WHERE coalesce_key LIKE $1")
        .bind(format!("{kind}%"))
        .fetch_one(pool)
        .await)
    .unwrap()
}

#[tokio::test]
async fn one_client_cannot_aim_the_offices_mail_at_many_addresses() {
    let app = TestApp::spawn().await;
    let mut browser = crate::portal::Browser::new(&app);
    browser.get("/subscribe").await;
    let mut refused = None;
    for i in 0..25 {
        let email = format!("target{i}@example.cn");
        let page = browser.post("/subscribe", &[("email", &email), ("lang", "zh")], true).await;
        if page.status == 429 {
            refused = Some((i, page));
            break;
        }
        assert_eq!(page.status, 303, "{}", page.text);
    }
    let (at, page) = refused.expect("the form refuses a flood of addresses");
    assert_eq!(at, 20, "twenty confirmations an hour from one client");
    assert!(page.text.contains("秒后再试"), "the page says when to try again: {}", page.text);
    assert_eq!(outbox_to_strangers(&app, "subscription-confirm").await, 20);

    // Password resets: the same answer for unknown addresses, counted all the same.
    app.register("brand", "ada@acme.cn").await;
    browser.get("/password/forgot").await;
    let mut statuses = Vec::new();
    for i in 0..11 {
        let email = if i == 0 { "ada@acme.cn".to_owned() } else { format!("nobody{i}@example.cn") };
        statuses.push(browser.post("/password/forgot", &[("email", &email)], true).await.status.as_u16());
    }
    assert_eq!(statuses[..10], [303; 10]);
    assert_eq!(statuses[10], 429);

    // Invitations through the API: a 429 with Retry-After.
    let (owner, org) = app.register("brand", "bo@acme.cn").await;
    let path = format!("/api/v1/organizations/{org}/invitations");
    for i in 0..30 {
        app.post(&path, Some(&owner), json!({"email": format!("colleague{i}@acme.cn")})).await.ok(201);
    }
    let refused = app.post(&path, Some(&owner), json!({"email": "one-more@acme.cn"})).await;
    refused.problem(429);
    assert!(refused.header("retry-after").is_some_and(|s| s.parse::<u64>().unwrap() <= 3600));
}

#[tokio::test]
async fn all_clients_together_stay_under_the_hourly_cap_on_mails() {
    let app = TestApp::spawn_with(debut::clock::Clock::System, |s| s.mails_per_hour = 3).await;
    let follows = debut::subscriptions::Follows::default();
    for i in 0..3 {
        let email = format!("reader{i}@example.cn");
        debut::subscriptions::service::subscribe(&app.state, &email, "zh", &follows, None).await.unwrap();
    }
    let over =
        debut::subscriptions::service::subscribe(&app.state, "reader9@example.cn", "zh", &follows, None)
            .await;
    assert!(matches!(over, Err(debut::error::ApiError::TooManyRequests { .. })), "{over:?}");
    assert_eq!(outbox_to_strangers(&app, "subscription-confirm").await, 3);
}

#[tokio::test]
async fn delivered_messages_are_forgotten_after_their_retention_by_the_scheduler() {
    let start = chrono::Utc::now();
    let app = TestApp::spawn_with(debut::clock::Clock::manual(start), |s| {
        s.outbox_interval = std::time::Duration::from_secs(1);
        s.outbox_retention = std::time::Duration::from_secs(30 * 24 * 3600);
    })
    .await;
    let days = chrono::TimeDelta::days;
    let rows = [
        ("old", Some(start - days(31)), start - days(31)),
        ("recent", Some(start - days(29)), start - days(29)),
        ("waiting", None, start + days(365)),
    ];
    for (key, delivered_at, deliver_after) in rows {
        on_db!(&app.db, pool => sqlx::query(
            "INSERT INTO outbox (coalesce_key, recipient_email, subject, body, payload, created_at, deliver_after, delivered_at) \
             VALUES ($1, 'ada@acme.cn', 'Reset', 'https://debut.example/password/reset/dbt_secret', '{}', $2, $2, $3)",
        )
        .bind(key)
        .bind(deliver_after)
        .bind(delivered_at)
        .execute(pool)
        .await
        .map(|_| ()))
        .unwrap();
    }
    let left = || async {
        on_db!(&app.db, pool => sqlx::query_scalar::<_, String>("SELECT coalesce_key FROM outbox ORDER BY coalesce_key")
            .fetch_all(pool)
            .await)
        .unwrap()
    };
    // The scheduler forgets once an hour by the service's clock.
    app.clock.advance(chrono::TimeDelta::hours(2));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while left().await.contains(&"old".to_owned()) {
        assert!(std::time::Instant::now() < deadline, "the old message was never purged");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(left().await, ["recent", "waiting"]);
}

#[tokio::test]
async fn a_funds_four_eyes_threshold_is_bounded_and_set_only_after_a_recent_sign_in() {
    let app = TestApp::spawn_with_clock(debut::clock::Clock::manual(chrono::Utc::now())).await;
    let staff = app.staff("staff@office.cn").await;
    let mut body = crate::incentives::fund_body(100_000_000 * 100);
    body["four_eyes_threshold_fen"] = json!(i64::MAX);
    assert_eq!(
        app.post("/api/v1/funds", Some(&staff), body.clone()).await.invalid_fields(),
        ["four_eyes_threshold_fen"]
    );
    body["four_eyes_threshold_fen"] = json!(2_000_000 * 100 + 1);
    assert_eq!(
        app.post("/api/v1/funds", Some(&staff), body.clone()).await.invalid_fields(),
        ["four_eyes_threshold_fen"]
    );
    let mut typo = crate::incentives::fund_body(10_i64.pow(13));
    typo["four_eyes_threshold_fen"] = json!(2_000_000 * 100);
    assert_eq!(app.post("/api/v1/funds", Some(&staff), typo).await.invalid_fields(), ["budget_fen"]);
    body["four_eyes_threshold_fen"] = json!(2_000_000 * 100);
    app.post("/api/v1/funds", Some(&staff), body.clone()).await.ok(201);

    app.clock.advance(chrono::TimeDelta::minutes(16));
    let stale = app.post("/api/v1/funds", Some(&staff), body).await.problem(403);
    assert_eq!(stale["type"], "/problems/reauthentication-required");
}

#[tokio::test]
async fn role_checks_come_before_validation_and_the_console_is_not_there_for_strangers() {
    let app = TestApp::spawn().await;
    let brand = app.brand("ada@brand.cn").await;
    for (path, method) in [
        ("/api/v1/venues", Method::POST),
        ("/api/v1/venues/some-hall", Method::PATCH),
        ("/api/v1/funds", Method::POST),
        ("/api/v1/calls", Method::POST),
        ("/api/v1/bookings/release", Method::POST),
        ("/api/v1/bookings/1/decision", Method::POST),
    ] {
        for body in [json!({}), json!({"capacity": "lots"})] {
            app.send(method.clone(), path, Some(&brand), Some(body)).await.problem(403);
        }
    }
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for path in ["/staff", "/staff/queue", "/staff/funds/1"] {
        let reply = app.read(client.get(format!("{}{path}", app.base))).await;
        assert_eq!(reply.status, 404, "{path} for a stranger");
    }
}

#[tokio::test]
async fn titles_and_names_are_one_line_and_areas_have_sane_bounds() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let mut body = crate::helpers::booking_body(
        venue,
        &crate::helpers::local(10, 19, 0),
        &crate::helpers::local(10, 21, 0),
    );
    body["title_zh"] = json!("首发\n<script>");
    body["title_en"] = json!("Launch\u{7}");
    body["brand_name"] = json!("Ouhai\tPhones");
    let fields = app.post("/api/v1/bookings", Some(&brand), body).await.invalid_fields();
    assert_eq!(fields, ["title_zh", "title_en", "brand_name"]);
    let fund = crate::incentives::fund(&app, &staff, 100_000_000 * 100).await;
    let mut application = crate::incentives::application(fund, "Blue Bottle", 100_000);
    application["floor_area_m2"] = json!(i64::MAX);
    application["investment_fen"] = json!(i64::MAX);
    let fields = app.post("/api/v1/incentives", Some(&brand), application).await.invalid_fields();
    assert_eq!(fields, ["floor_area_m2", "investment_fen"]);
}

#[tokio::test]
async fn every_html_page_has_a_content_security_policy_and_every_response_nosniff() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for path in ["/", "/events", "/venues", "/markets", "/login", "/register", "/subscribe", "/widget"] {
        let reply = app.read(client.get(format!("{}{path}", app.base))).await;
        assert_eq!(reply.status, 200, "{path}");
        let policy = reply.header("content-security-policy").unwrap_or_else(|| panic!("{path} has no CSP"));
        let scripts = policy.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert!(!scripts.contains("unsafe-inline") && scripts.contains("'sha256-"), "{path}: {policy}");
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{path}");
        // The widget's one inline script is the one the policy names.
        if path == "/widget" {
            assert!(reply.text.contains(debut::pages::widget::FRAME_SCRIPT));
            assert!(policy.contains(&debut::pages::widget::frame_script_hash()));
        }
        let framed = !policy.contains("frame-ancestors 'none'");
        assert_eq!(framed, reply.header("x-frame-options").is_none(), "{path}: framing said once");
    }
    for path in ["/api/v1/venues", "/calendar.ics", "/api/v1/no-such-thing"] {
        let reply = app.read(client.get(format!("{}{path}", app.base))).await;
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{path}");
    }
}
