//! E-mail subscriptions: double opt-in, one digest a week of what is new, unsubscribe from the
//! link and from the List-Unsubscribe header, and the address shown nowhere.

use chrono::{DateTime, TimeDelta, Utc};
use debut::{
    clock::Clock,
    config::NotifyConfig,
    notifications, on_db,
    subscriptions::digest::{due_at, enqueue_due},
};
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    helpers::{TestApp, booking_body, local},
    notifications::smtp_sink,
    portal::{Browser, Page},
};

const READER: &str = "reader@example.cn";

/// Publishes an event at `venue` titled `title` (`days` ahead) as a brand would and staff
/// approve it; returns the booking's id.
async fn publish(app: &TestApp, brand: &str, staff: &str, venue: i64, title: &str, days: i64) -> i64 {
    let mut body = booking_body(venue, &local(days, 19, 0), &local(days, 21, 0));
    body["title_en"] = json!(title);
    body["title_zh"] = json!(title);
    let id = app.submitted_booking(brand, body).await;
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(staff), json!({})).await.ok(200);
    id
}

/// The body of the newest message to `address` whose key starts with `key`.
async fn last_message(app: &TestApp, address: &str, key: &str) -> Option<(String, String, Option<String>)> {
    on_db!(&app.db, pool => sqlx::query_as::<_, (String, String, Option<String>)>(
        "SELECT subject, body, list_unsubscribe FROM outbox WHERE recipient_email = $1 AND coalesce_key LIKE $2 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(address)
    .bind(format!("{key}%"))
    .fetch_optional(pool)
    .await)
    .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    on_db!(&app.db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.clone())).fetch_one(pool).await).unwrap()
}

/// The path of the first `prefix…` URL in `text`.
fn path_in(text: &str, base: &str, prefix: &str) -> String {
    let start = text.find(&format!("{base}{prefix}")).unwrap_or_else(|| panic!("no {prefix} link in {text}"));
    let url = text[start + base.len()..].split(|c: char| c.is_whitespace()).next().unwrap();
    url.to_owned()
}

/// A venue open around the clock, named as people know it.
async fn venue(app: &TestApp, staff: &str, slug: &str, name_en: &str, name_zh: &str) -> i64 {
    let hours: Vec<serde_json::Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({"weekday": d, "opens": "00:00", "closes": "24:00"}))
        .collect();
    let body = json!({"slug": slug, "name_en": name_en, "name_zh": name_zh, "opening_hours": hours});
    app.venue(staff, body).await["id"].as_i64().unwrap()
}

/// The start of the weekly slot after `at`'s.
fn next_slot(at: DateTime<Utc>) -> DateTime<Utc> {
    due_at(at) + TimeDelta::days(7)
}

/// The server with its background passes an hour apart (each test runs the weekly pass itself),
/// a staff member, a brand, an organizer and two venues.
struct World {
    clock: Clock,
    app: TestApp,
    staff: String,
    brand: String,
    organizer: String,
    street: i64,
    parlor: i64,
    url: String,
}

async fn world() -> World {
    // 01:00 UTC today: the hour-long steps of a test stay within one day of the daily limit.
    let clock = Clock::manual(Utc::now().date_naive().and_hms_opt(1, 0, 0).unwrap().and_utc());
    let app =
        TestApp::spawn_with(clock.clone(), |s| s.outbox_interval = std::time::Duration::from_secs(3600))
            .await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let (organizer, _) = app.register("organizer", "run@nights.cn").await;
    let street = venue(&app, &staff, "wuma-street", "Wuma Street", "五马街").await;
    let parlor = venue(&app, &staff, "oujiang-parlor", "Oujiang Parlor", "瓯江客厅").await;
    let url = app.state.settings.public_url.clone();
    World { clock, app, staff, brand, organizer, street, parlor, url }
}

/// Publishes a market at the street titled `title` (`days` ahead), an organizer's booking.
async fn publish_market(w: &World, title: &str, days: i64) {
    let mut market = booking_body(w.street, &local(days, 18, 0), &local(days, 23, 0));
    market["format"] = json!("market");
    market["title_en"] = json!(title);
    market["title_zh"] = json!(title);
    let id = w.app.submitted_booking(&w.organizer, market).await;
    w.app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&w.staff), json!({})).await.ok(200);
}

/// Subscribes through the form and confirms by the link mailed to `email`; returns the
/// confirmation link's path and the subscription page's.
async fn subscribed(
    w: &World,
    visitor: &mut Browser<'_>,
    email: &str,
    fields: &[(&str, &str)],
) -> (String, String) {
    assert_eq!(visitor.post("/subscribe", fields, true).await.status, StatusCode::SEE_OTHER);
    let (_, body, _) = last_message(&w.app, email, "subscription-confirm").await.unwrap();
    let confirm = path_in(&body, &w.url, "/subscribe/confirm/");
    let own = visitor.post(&confirm, &[], false).await.location.unwrap();
    (confirm, own.trim_end_matches("?done=confirmed").to_owned())
}

/// What a mail app sends on its unsubscribe button (RFC 8058): no cookie, no redirect followed.
async fn one_click(url: &str) -> StatusCode {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    response.status()
}

#[tokio::test]
async fn a_visitor_confirms_gets_one_digest_a_week_and_unsubscribes_by_the_header() {
    let w = world().await;
    let World { clock, app, staff, brand, street, parlor, url, .. } = &w;
    let mut visitor = Browser::new(app);
    let mut shown: Vec<Page> = Vec::new();

    let form = visitor.get("/subscribe?venue=wuma-street&from=2026-12-01").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains(r#"<option value="wuma-street" selected>"#), "{}", form.text);
    let fields = [("email", READER), ("lang", "en"), ("venue", "wuma-street")];
    assert_eq!(visitor.post("/subscribe", &fields, false).await.status, StatusCode::FORBIDDEN);
    let bad = visitor
        .post("/subscribe", &[("email", "not an address"), ("venue", "the-moon"), ("lang", "fr")], true)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains(r##"href="#email""##)
            && bad.text.contains(r##"href="#venue""##)
            && bad.text.contains(r##"href="#lang""##),
        "{}",
        bad.text
    );
    assert_eq!(count(app, "SELECT COUNT(*) FROM subscriptions").await, 0, "nothing written for bad input");

    let sent = visitor.post("/subscribe", &fields, true).await;
    assert_eq!((sent.status, sent.location.as_deref()), (StatusCode::SEE_OTHER, Some("/subscribe/sent")));
    shown.push(visitor.get("/subscribe/sent").await);
    let (subject, body, unsubscribe_header) =
        last_message(app, READER, "subscription-confirm").await.unwrap();
    assert!(
        subject.contains("Confirm") && body.contains("Wuma"),
        "in English, naming what it follows: {body}"
    );
    assert_eq!(unsubscribe_header, None);
    let confirm = path_in(&body, url, "/subscribe/confirm/");
    // Asking again at once sends no second link; other filters, two more at most today: the form
    // cannot flood an inbox.
    assert_eq!(visitor.post("/subscribe", &fields, true).await.status, StatusCode::SEE_OTHER);
    let confirmations = "SELECT CAST(COALESCE(SUM(sent), 0) AS BIGINT) FROM subscription_confirmations";
    assert_eq!(count(app, confirmations).await, 1);
    // Words a stranger typed into the form never reach the inbox it names.
    for q in ["visit evil.example", "call +86 000", "three", "four"] {
        let other = [("email", READER), ("lang", "en"), ("q", q)];
        assert_eq!(visitor.post("/subscribe", &other, true).await.status, StatusCode::SEE_OTHER);
        let (_, body, _) = last_message(app, READER, "subscription-confirm").await.unwrap();
        assert!(!body.contains("evil") && !body.contains("+86"), "{body}");
    }
    assert_eq!(count(app, confirmations).await, 3, "three links a day to one address");
    let sent = "SELECT COUNT(*) FROM outbox WHERE coalesce_key LIKE 'subscription-confirm%'";
    assert_eq!(count(app, sent).await, 3);
    assert_eq!(count(app, "SELECT COUNT(*) FROM subscriptions").await, 3, "nothing kept of the refused");
    // An hour on, the same form again would renew the link, but the day's three are spent: the
    // first link stays the one that works (it confirms below).
    clock.advance(TimeDelta::minutes(61));
    assert_eq!(visitor.post("/subscribe", &fields, true).await.status, StatusCode::SEE_OTHER);
    on_db!(&app.db, pool => sqlx::query("DELETE FROM subscriptions WHERE filter LIKE 'q=%'").execute(pool).await.map(|_| ()))
        .unwrap();

    // Unconfirmed, nothing is sent, even with news.
    clock.advance(TimeDelta::minutes(1));
    publish(app, brand, staff, *street, "Before confirming", 40).await;
    assert_eq!(enqueue_due(&app.db, url, next_slot(clock.now())).await.unwrap(), 0);
    clock.advance(TimeDelta::minutes(1));

    // The link's page asks; only its button confirms (a GET from a mail scanner changes nothing).
    // Pages speak the visitor's language (Chinese here, the browser asks for none).
    let page = visitor.get(&confirm).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("五马街"), "{}", page.text);
    assert_eq!(count(app, "SELECT COUNT(*) FROM subscriptions WHERE confirmed_at IS NOT NULL").await, 0);
    shown.push(page);
    let confirmed = visitor.post(&confirm, &[], false).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    let own = confirmed.location.unwrap();
    assert!(own.starts_with("/subscriptions/") && own.ends_with("?done=confirmed"), "{own}");
    assert_eq!(visitor.post(&confirm, &[], false).await.status, StatusCode::NOT_FOUND, "the link works once");
    let mine = visitor.get(&own).await;
    assert!(mine.text.contains("已订阅"), "{}", mine.text);
    shown.push(mine);

    // The week's news: one event at the street, one elsewhere, one cancelled again.
    clock.advance(TimeDelta::minutes(1));
    publish(app, brand, staff, *street, "Street launch", 41).await;
    publish(app, brand, staff, *parlor, "Parlor show", 42).await;
    let cancelled = publish(app, brand, staff, *street, "Called off", 43).await;
    app.post(&format!("/api/v1/bookings/{cancelled}/cancel"), Some(staff), json!({"note": "Rain"}))
        .await
        .ok(200);
    let week = next_slot(clock.now());
    assert_eq!(
        enqueue_due(&app.db, url, week - TimeDelta::minutes(1)).await.unwrap(),
        0,
        "not before Thursday 10:00"
    );
    assert_eq!(enqueue_due(&app.db, url, week).await.unwrap(), 1);
    assert_eq!(enqueue_due(&app.db, url, week + TimeDelta::days(3)).await.unwrap(), 0, "one digest a week");
    let (subject, body, header) = last_message(app, READER, "subscription-digest").await.unwrap();
    assert!(subject.contains("1 new event"), "{subject}");
    assert!(body.contains("Street launch"), "{body}");
    for absent in ["Parlor show", "Called off", "Before confirming"] {
        assert!(!body.contains(absent), "{absent} is not new to this subscriber: {body}");
    }
    let page_link = path_in(&body, url, "/subscriptions/");
    assert_eq!(page_link, own.trim_end_matches("?done=confirmed"));
    let header = header.expect("the digest carries List-Unsubscribe");
    assert_eq!(header, format!("{url}{page_link}/unsubscribe?all=1"));

    // Delivered by SMTP, the headers are there.
    let waiting = count(app, "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").await;
    let (smtp_url, sink) = smtp_sink(waiting as usize).await;
    let config = NotifyConfig {
        smtp_url: Some(smtp_url),
        mail_from: "Debut <noreply@debut.local>".into(),
        ..Default::default()
    };
    let channels = notifications::Channels::new(&config).unwrap();
    assert_eq!(notifications::deliver_due(&app.db, week, &config, &channels).await.unwrap() as i64, waiting);
    drop(channels);
    let transcript = tokio::time::timeout(std::time::Duration::from_secs(10), sink).await.unwrap().unwrap();
    assert!(transcript.contains(&format!("List-Unsubscribe: <{header}>")), "{transcript}");
    assert!(transcript.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{transcript}");

    // A week with nothing new sends nothing; news the week after does.
    clock.advance(week + TimeDelta::hours(1) - clock.now());
    let quiet = next_slot(clock.now());
    assert_eq!(enqueue_due(&app.db, url, quiet).await.unwrap(), 0, "nothing new, no e-mail");
    clock.advance(quiet + TimeDelta::hours(1) - clock.now());
    publish(app, brand, staff, *street, "Second launch", 44).await;
    let next = next_slot(clock.now());
    assert_eq!(enqueue_due(&app.db, url, next).await.unwrap(), 1);
    let (_, body, _) = last_message(app, READER, "subscription-digest").await.unwrap();
    assert!(body.contains("Second launch") && !body.contains("Street launch"), "{body}");

    // The mail app's one click: a POST with no cookie and RFC 8058's body, answered without a
    // redirect.
    assert_eq!(one_click(&header).await, StatusCode::OK);
    assert_eq!(count(app, "SELECT COUNT(*) FROM subscriptions WHERE unsubscribed_at IS NOT NULL").await, 1);
    clock.advance(next + TimeDelta::hours(1) - clock.now());
    publish(app, brand, staff, *street, "After leaving", 45).await;
    assert_eq!(
        enqueue_due(&app.db, url, next_slot(clock.now())).await.unwrap(),
        0,
        "nothing after unsubscribing"
    );
    let ended = visitor.get(&page_link).await;
    assert!(
        ended.text.contains("已退订") && ended.text.contains("/subscribe?venue=wuma-street"),
        "{}",
        ended.text
    );
    shown.push(ended);

    // The address is shown nowhere: not on its pages, the public pages or the staff console.
    for path in ["/events", "/venues/wuma-street", "/subscribe"] {
        shown.push(visitor.get(path).await);
    }
    let mut staff_browser = Browser::new(app);
    staff_browser.sign_in("staff@office.cn").await;
    shown.push(staff_browser.get("/staff").await);
    for page in &shown {
        assert!(!page.text.contains(READER), "the address is shown: {}", page.text);
    }

    // Thirty days after it ended, the subscription and its address are deleted.
    assert_eq!(enqueue_due(&app.db, url, clock.now() + TimeDelta::days(31)).await.unwrap(), 0);
    assert_eq!(count(app, "SELECT COUNT(*) FROM subscriptions").await, 0);
}

#[tokio::test]
async fn the_link_unsubscribes_by_its_button_and_subscribing_again_needs_a_new_confirmation() {
    let w = world().await;
    let World { clock, app, staff, brand, street, url, .. } = &w;
    let mut visitor = Browser::new(app);
    visitor.get("/subscribe?format=market").await;
    // Markets only, in Chinese.
    let fields = [("email", "Fan@Example.cn "), ("lang", "zh"), ("format", "market")];
    assert_eq!(visitor.post("/subscribe", &fields, true).await.status, StatusCode::SEE_OTHER);
    let (subject, body, _) = last_message(app, "fan@example.cn", "subscription-confirm").await.unwrap();
    assert!(subject.contains("确认") && body.contains("市集"), "{subject} {body}");
    let confirm = path_in(&body, url, "/subscribe/confirm/");
    let own = visitor.post(&confirm, &[], false).await.location.unwrap();
    let own = own.trim_end_matches("?done=confirmed").to_owned();

    clock.advance(TimeDelta::minutes(1));
    publish_market(&w, "江心夜市", 40).await;
    publish(app, brand, staff, *street, "手机首发", 41).await;
    let week = next_slot(clock.now());
    assert_eq!(enqueue_due(&app.db, url, week).await.unwrap(), 1);
    let (subject, body, _) = last_message(app, "fan@example.cn", "subscription-digest").await.unwrap();
    assert!(
        subject.contains("本周新活动") && body.contains("江心夜市") && !body.contains("手机首发"),
        "{body}"
    );

    // The link in the e-mail leads to a page; a GET there (or on the header's URL) changes
    // nothing, its one button unsubscribes.
    for path in [own.clone(), format!("{own}/unsubscribe")] {
        let page = visitor.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("id=\"unsubscribe\""), "{}", page.text);
    }
    assert_eq!(count(app, "SELECT COUNT(*) FROM subscriptions WHERE unsubscribed_at IS NULL").await, 1);
    let done = visitor.post(&format!("{own}/unsubscribe"), &[], false).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(count(app, "SELECT COUNT(*) FROM subscriptions WHERE unsubscribed_at IS NULL").await, 0);
    assert_eq!(
        visitor.post(&format!("{own}/unsubscribe"), &[], false).await.status,
        StatusCode::OK,
        "twice is harmless"
    );
    assert_eq!(visitor.get("/subscriptions/0123").await.status, StatusCode::NOT_FOUND);
    assert_eq!(visitor.get("/subscribe/confirm/0123").await.status, StatusCode::NOT_FOUND);
    assert_eq!(visitor.post("/subscribe/confirm/0123", &[], false).await.status, StatusCode::NOT_FOUND);
    let bad_view = app.get("/subscribe?kind=moon&format=party", None).await;
    bad_view.page_naming(&["kind", "format"]);
    assert_eq!(
        visitor.get(&format!("/subscriptions/{}", "a".repeat(64))).await.status,
        StatusCode::NOT_FOUND
    );

    // Subscribing again starts over: a new link, and no digest until it is confirmed.
    assert_eq!(visitor.post("/subscribe", &fields, true).await.status, StatusCode::SEE_OTHER);
    let (_, body, _) = last_message(app, "fan@example.cn", "subscription-confirm").await.unwrap();
    assert_ne!(path_in(&body, url, "/subscribe/confirm/"), confirm, "a new link");
    assert_eq!(count(app, "SELECT COUNT(*) FROM subscriptions").await, 1, "the same subscription, renewed");
    assert_eq!(
        visitor.post(&confirm, &[], false).await.status,
        StatusCode::NOT_FOUND,
        "the old link is dead"
    );
    clock.advance(week + TimeDelta::hours(1) - clock.now());
    publish_market(&w, "瓯江夜市", 50).await;
    assert_eq!(enqueue_due(&app.db, url, next_slot(clock.now())).await.unwrap(), 0, "pending again");
}

#[tokio::test]
async fn two_processes_running_the_weekly_pass_at_once_write_one_digest_each() {
    let w = world().await;
    let World { clock, app, staff, brand, street, url, .. } = &w;
    let mut visitor = Browser::new(app);
    visitor.get("/subscribe").await;
    let mut pages = Vec::new();
    for n in 0..5 {
        let email = format!("reader{n}@example.cn");
        pages
            .push(subscribed(&w, &mut visitor, &email, &[("email", email.as_str()), ("lang", "en")]).await.1);
    }
    // Staff see how many, never who.
    let mut console = Browser::new(app);
    console.sign_in("staff@office.cn").await;
    let home = console.get("/staff").await;
    assert!(
        home.text.contains(r#"<span id="subscribers">5</span>"#) && !home.text.contains("reader0@"),
        "{}",
        home.text
    );

    clock.advance(TimeDelta::minutes(1));
    publish(app, brand, staff, *street, "Street launch", 40).await;
    let week = next_slot(clock.now());
    // A stored filter that no longer parses skips its subscriber, not everyone.
    on_db!(&app.db, pool => sqlx::query("UPDATE subscriptions SET filter = 'kind=moon' WHERE email = 'reader0@example.cn'")
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    let (a, b) = tokio::join!(enqueue_due(&app.db, url, week), enqueue_due(&app.db, url, week));
    assert_eq!(a.unwrap() + b.unwrap(), 4, "each other subscriber once");
    let digests = "SELECT COUNT(*) FROM outbox WHERE coalesce_key LIKE 'subscription-digest%'";
    assert_eq!(count(app, digests).await, 4);
    let claimed = "SELECT COUNT(*) FROM subscriptions WHERE last_digest_at IS NOT NULL";
    assert_eq!(count(app, claimed).await, 5, "the one skipped is done for the week too");
    // Its page still shows, and its button still works.
    let page = visitor.get(&pages[0]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("一个已不再提供的筛选") && page.text.contains(r#"id="unsubscribe""#),
        "{}",
        page.text
    );
    assert_eq!(visitor.post(&format!("{}/unsubscribe", pages[0]), &[], false).await.status, StatusCode::OK);
    assert_eq!(count(app, "SELECT COUNT(*) FROM subscriptions WHERE unsubscribed_at IS NOT NULL").await, 1);
}

#[tokio::test]
async fn one_address_following_two_views_gets_one_digest_and_one_click_ends_both() {
    let w = world().await;
    let World { clock, app, staff, brand, parlor, url, .. } = &w;
    let mut visitor = Browser::new(app);
    visitor.get("/subscribe").await;
    let mut pages = Vec::new();
    for view in [("venue", "oujiang-parlor"), ("format", "market")] {
        pages.push(subscribed(&w, &mut visitor, READER, &[("email", READER), ("lang", "en"), view]).await.1);
    }
    clock.advance(TimeDelta::minutes(1));
    publish(app, brand, staff, *parlor, "Parlor show", 40).await;
    publish_market(&w, "Night market", 41).await;

    assert_eq!(enqueue_due(&app.db, url, next_slot(clock.now())).await.unwrap(), 1, "one e-mail for both");
    let (subject, body, header) = last_message(app, READER, "subscription-digest").await.unwrap();
    assert!(subject.contains("2 new events"), "{subject}");
    assert!(body.contains("Parlor show") && body.contains("Night market"), "{body}");
    for page in &pages {
        assert!(body.contains(&format!("{url}{page}\n")), "each part links its own page: {body}");
    }
    // The mail app's one click stops the whole message: both subscriptions end.
    assert_eq!(one_click(&header.unwrap()).await, StatusCode::OK);
    assert_eq!(count(app, "SELECT COUNT(*) FROM subscriptions WHERE unsubscribed_at IS NULL").await, 0);
}

#[tokio::test]
async fn concurrent_posts_naming_one_address_send_it_three_links_at_most() {
    use debut::{
        calendar::FilterParams,
        subscriptions::{Follows, service},
    };
    let w = world().await;
    let posts: Vec<_> = (0..8)
        .map(|n| {
            let state = w.app.state.clone();
            let follows =
                Follows::parse(FilterParams { q: Some(format!("word {n}")), ..Default::default() }).unwrap();
            tokio::spawn(async move { service::subscribe(&state, READER, "en", &follows, None).await })
        })
        .collect();
    for post in posts {
        post.await.unwrap().unwrap();
    }
    let sent = "SELECT COUNT(*) FROM outbox WHERE coalesce_key LIKE 'subscription-confirm%'";
    assert_eq!(count(&w.app, sent).await, 3);
    assert_eq!(count(&w.app, "SELECT COUNT(*) FROM subscriptions").await, 3, "the refused leave nothing");
}
