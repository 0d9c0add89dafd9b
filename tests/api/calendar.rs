//! Public events and calendar feeds: what calendar apps read, checked by our tests and by two
//! parsers nobody here wrote (python's icalendar and Mozilla's ical.js).

use std::{io::Read, path::Path, process::Command};

use chrono::{TimeDelta, Utc};
use debut::clock::Clock;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, booking_body, local};

/// An approved, public event at a fresh venue; returns (booking id, event slug, staff, brand).
async fn published(app: &TestApp, title: &str) -> (i64, String, String, String) {
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let mut body = booking_body(venue, &local(10, 19, 0), &local(10, 21, 0));
    body["title_zh"] = json!(title);
    let id = app.submitted_booking(&brand, body).await;
    let approved = app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
    assert_eq!(approved["booking"]["state"], "approved");
    let events = app.get("/api/v1/events", None).await.ok(200);
    let slug = events["items"][0]["slug"].as_str().expect("the event is public").to_owned();
    (id, slug, staff, brand)
}

/// Moves an approved booking's time through a reviewed change request.
async fn reschedule(app: &TestApp, id: i64, brand: &str, staff: &str, day: i64) {
    app.patch(
        &format!("/api/v1/bookings/{id}"),
        Some(brand),
        json!({"starts_at": local(day, 19, 0), "ends_at": local(day, 21, 0)}),
    )
    .await
    .ok(200);
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(staff), json!({})).await.ok(200);
}

fn unfold(text: &str) -> String {
    text.replace("\r\n ", "")
}

fn utc(local_time: &str) -> String {
    let naive = chrono::NaiveDateTime::parse_from_str(local_time, "%Y-%m-%dT%H:%M").unwrap();
    (naive.and_utc() - TimeDelta::hours(8)).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[tokio::test]
async fn an_approved_booking_becomes_a_public_event_in_every_feed_kind() {
    let app = TestApp::spawn().await;
    let (id, slug, _, _) = published(&app, "新品首发, 第一站; \\ 夜场").await;

    let event = app.get(&format!("/api/v1/events/{slug}"), None).await.ok(200);
    assert_eq!(event["status"], "confirmed");
    assert_eq!(event["sequence"], 0);
    assert_eq!(event["local_starts_at"], local(10, 19, 0));
    assert!(event.get("contact").is_none(), "no private data in public events");

    for path in [
        "/calendar.ics".to_owned(),
        "/venues/oujiang-parlor/calendar.ics".to_owned(),
        format!("/events/{slug}.ics"),
    ] {
        let reply = app.get(&path, None).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("content-type"), Some("text/calendar; charset=utf-8"));
        let text = unfold(&reply.text);
        assert!(text.contains(&format!("UID:debut-event-{id}@debut.local")), "{path}: {text}");
        assert!(text.contains("SUMMARY:新品首发\\, 第一站\\; \\\\ 夜场"), "{path}: {text}");
        assert!(text.contains("DTSTART;TZID=Asia/Shanghai:"), "{path}");
        assert!(text.contains("BEGIN:VTIMEZONE"), "{path}");
        assert!(text.contains("STATUS:CONFIRMED") && text.contains("SEQUENCE:0"), "{path}");
        assert!(!text.contains("ada@brand.cn") && !text.contains("ORGANIZER"), "{path}");
    }
    let rss = app.get("/events.rss", None).await;
    assert_eq!(rss.header("content-type"), Some("application/rss+xml; charset=utf-8"));
    assert!(rss.text.contains("<title>新品首发, 第一站; \\ 夜场</title>"), "{}", rss.text);
}

#[tokio::test]
async fn pending_bookings_never_reach_public_feeds() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    app.submitted_booking(&brand, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    assert_eq!(app.get("/api/v1/events", None).await.ok(200)["items"], json!([]));
    assert!(!app.get("/calendar.ics", None).await.text.contains("BEGIN:VEVENT"));
}

#[tokio::test]
async fn an_event_edited_twice_shows_sequence_2_and_the_new_time() {
    let app = TestApp::spawn().await;
    let (id, slug, staff, brand) = published(&app, "首发").await;
    reschedule(&app, id, &brand, &staff, 11).await;
    reschedule(&app, id, &brand, &staff, 12).await;
    let event = app.get(&format!("/api/v1/events/{slug}"), None).await.ok(200);
    assert_eq!(event["sequence"], 2);
    assert_eq!(event["local_starts_at"], local(12, 19, 0));
    assert_eq!(
        event["previous_starts_at"].as_str().map(|s| s.starts_with(&local(11, 11, 0)[..10])),
        Some(true)
    );
    let text = unfold(&app.get("/calendar.ics", None).await.text);
    assert!(text.contains("SEQUENCE:2"));
    let start = local(12, 19, 0).replace(['-', ':'], "");
    assert!(text.contains(&format!("DTSTART;TZID=Asia/Shanghai:{start}00")), "{text}");

    // A description-only change is public but not significant: SEQUENCE stays.
    app.patch(&format!("/api/v1/bookings/{id}"), Some(&brand), json!({"description_zh": "更新"}))
        .await
        .ok(200);
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
    assert_eq!(app.get(&format!("/api/v1/events/{slug}"), None).await.ok(200)["sequence"], 2);
}

#[tokio::test]
async fn a_cancelled_event_stays_as_a_tombstone_for_30_days_then_leaves() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let (id, slug, staff, _) = published(&app, "首发").await;
    app.post(&format!("/api/v1/bookings/{id}/cancel"), Some(&staff), json!({"note": "台风预警 Typhoon"}))
        .await
        .ok(200);

    let text = unfold(&app.get("/calendar.ics", None).await.text);
    assert!(text.contains("STATUS:CANCELLED") && text.contains("SEQUENCE:1"), "{text}");
    assert!(text.contains("台风预警 Typhoon"));
    let event = app.get(&format!("/api/v1/events/{slug}"), None).await.ok(200);
    assert_eq!(
        (event["status"].as_str(), event["cancel_reason"].as_str()),
        (Some("cancelled"), Some("台风预警 Typhoon"))
    );

    clock.advance(TimeDelta::days(29));
    assert!(app.get("/calendar.ics", None).await.text.contains("STATUS:CANCELLED"));
    clock.advance(TimeDelta::days(2));
    assert!(!app.get("/calendar.ics", None).await.text.contains("BEGIN:VEVENT"), "gone after 30 days");
    app.get(&format!("/events/{slug}.ics"), None).await.problem(404);
    app.get(&format!("/api/v1/events/{slug}"), None).await.problem(404);
}

#[tokio::test]
async fn an_unchanged_feed_answers_304_and_any_change_moves_its_etag() {
    let app = TestApp::spawn().await;
    let (id, _, staff, brand) = published(&app, "首发").await;
    let first = app.get("/calendar.ics", None).await;
    let etag = first.header("etag").unwrap().to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "a strong ETag: {etag}");
    assert_eq!(first.header("cache-control"), Some("public, max-age=300"));
    let last_modified = first.header("last-modified").unwrap().to_owned();

    let conditional = |header: &'static str, value: String| {
        app.client.get(format!("{}/calendar.ics", app.base)).header(header, value)
    };
    assert_eq!(app.read(conditional("if-none-match", etag.clone())).await.status, 304);
    assert_eq!(app.read(conditional("if-modified-since", last_modified)).await.status, 304);
    assert_eq!(app.get("/calendar.ics", None).await.text, first.text, "same bytes while nothing changes");

    reschedule(&app, id, &brand, &staff, 11).await;
    let changed = app.read(conditional("if-none-match", etag.clone())).await;
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag").unwrap(), etag);
}

#[tokio::test]
async fn feeds_are_gzipped_when_asked() {
    let app = TestApp::spawn().await;
    published(&app, "首发").await;
    let plain = app.get("/calendar.ics", None).await;
    let zipped = app
        .client
        .get(format!("{}/calendar.ics", app.base))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert_ne!(
        zipped.headers()["etag"].to_str().unwrap(),
        plain.header("etag").unwrap(),
        "one ETag per encoding"
    );
    let bytes = zipped.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text).unwrap();
    assert_eq!(text, plain.text);
}

#[tokio::test]
async fn one_filter_grammar_serves_the_api_and_the_feeds() {
    let app = TestApp::spawn().await;
    let (_, slug, staff, brand) = published(&app, "瓯江首发").await;
    let mall = app.venue(&staff, json!({"slug": "intime-mall", "kind": "mall", "tier": "main", "opening_hours": [
        {"weekday": "mon", "opens": "00:00", "closes": "24:00"}, {"weekday": "tue", "opens": "00:00", "closes": "24:00"},
        {"weekday": "wed", "opens": "00:00", "closes": "24:00"}, {"weekday": "thu", "opens": "00:00", "closes": "24:00"},
        {"weekday": "fri", "opens": "00:00", "closes": "24:00"}, {"weekday": "sat", "opens": "00:00", "closes": "24:00"},
        {"weekday": "sun", "opens": "00:00", "closes": "24:00"}]})).await;
    let mut body = booking_body(mall["id"].as_i64().unwrap(), &local(10, 19, 0), &local(10, 21, 0));
    body["title_zh"] = json!("商场首店");
    body["format"] = json!("show");
    let id = app.submitted_booking(&brand, body).await;
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);

    let slugs = |reply: Reply| -> Vec<String> {
        reply.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(slugs(app.get("/api/v1/events?kind=hall", None).await), [slug.as_str()]);
    assert_eq!(slugs(app.get("/api/v1/events?venue=oujiang-parlor", None).await), [slug.as_str()]);
    assert_eq!(slugs(app.get("/api/v1/events?format=show", None).await).len(), 1);
    assert_eq!(slugs(app.get("/api/v1/events?q=%E7%93%AF%E6%B1%9F", None).await), [slug.as_str()]);
    assert_eq!(slugs(app.get("/api/v1/events?brand=OUHAI%20PHONES", None).await).len(), 2);
    assert_eq!(slugs(app.get("/api/v1/events?q=100%25", None).await).len(), 0, "LIKE wildcards are literal");

    let listed = app.get("/api/v1/events?kind=mall", None).await.ok(200);
    let feed_url = listed["ics_url"].as_str().unwrap().to_owned();
    assert!(feed_url.ends_with("/calendar.ics?kind=mall"), "{feed_url}");
    let feed = app.get("/calendar.ics?kind=mall", None).await.text;
    assert!(feed.contains("商场首店") && !feed.contains("瓯江首发"));
    assert_eq!(app.get("/calendar.ics?kind=arena&from=soon", None).await.invalid_fields(), ["kind", "from"]);
    assert_eq!(app.get("/api/v1/events?reach=galactic", None).await.invalid_fields(), ["reach"]);
    app.get("/venues/nowhere/calendar.ics", None).await.problem(404);
}

#[tokio::test]
async fn personal_feeds_show_pending_bookings_behind_a_revocable_secret_url() {
    let app = TestApp::spawn().await;
    let (_, _, staff, brand) = published(&app, "已批准").await;
    let venue = app.get("/api/v1/venues/oujiang-parlor", None).await.ok(200)["id"].as_i64().unwrap();
    let mut body = booking_body(venue, &local(15, 19, 0), &local(15, 21, 0));
    body["title_zh"] = json!("待审核");
    app.submitted_booking(&brand, body).await;
    let bob = app.brand("bob@brand.cn").await;

    let token = app.post("/api/v1/me/feed-token", Some(&brand), json!({})).await.ok(201);
    let url = token["url"].as_str().unwrap().to_owned();
    assert!(token["webcal_url"].as_str().unwrap().starts_with("webcal://"));
    let path = url.split_once("/feeds/").map(|(_, rest)| format!("/feeds/{rest}")).unwrap();
    let feed = unfold(&app.get(&path, None).await.text);
    assert!(feed.contains("SUMMARY:待审核") && feed.contains("STATUS:TENTATIVE"), "{feed}");
    assert!(feed.contains("SUMMARY:已批准") && feed.contains("STATUS:CONFIRMED"));

    let bobs = app.post("/api/v1/me/feed-token", Some(&bob), json!({})).await.ok(201);
    let bob_path = format!("/feeds/{}", bobs["url"].as_str().unwrap().split_once("/feeds/").unwrap().1);
    assert!(!app.get(&bob_path, None).await.text.contains("BEGIN:VEVENT"), "another brand sees nothing");

    let staff_token = app.post("/api/v1/me/feed-token", Some(&staff), json!({})).await.ok(201);
    let staff_path =
        format!("/feeds/{}", staff_token["url"].as_str().unwrap().split_once("/feeds/").unwrap().1);
    assert_eq!(unfold(&app.get(&staff_path, None).await.text).matches("BEGIN:VEVENT").count(), 2);

    app.post("/api/v1/me/feed-token", Some(&brand), json!({})).await.ok(201);
    app.get(&path, None).await.problem(404);
    app.send(reqwest::Method::DELETE, "/api/v1/me/feed-token", Some(&staff), None).await.ok(204);
    app.get(&staff_path, None).await.problem(404);
}

/// Runs an external parser over the feeds. A parser that is missing, or that rejects a feed,
/// fails the test: this test is `#[ignore]`d where the parsers may be missing, never skipped.
fn run_parser(program: &str, script: &str, files: &[String]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance").join(script);
    let node_path =
        std::env::var("DEBUT_NODE_PATH").unwrap_or_else(|_| "/tmp/debut-conformance/node_modules".into());
    let output =
        Command::new(program).arg(&script).args(files).env("NODE_PATH", node_path).output().unwrap_or_else(
            |e| panic!("{program} did not start ({e}); bash .ci/run installs the test tools"),
        );
    assert!(
        output.status.success(),
        "{program} {script:?} failed (a missing module or a feed it rejects):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("parser output is JSON")
}

#[tokio::test]
#[ignore = "needs python3 icalendar and node ical.js; bash .ci/run installs them and runs it"]
async fn independent_parsers_read_every_feed_kind_as_we_mean_it() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let (id, slug, staff, brand) = published(&app, "长标题".repeat(30).as_str()).await;
    reschedule(&app, id, &brand, &staff, 11).await;
    reschedule(&app, id, &brand, &staff, 12).await;
    let venue = app.get("/api/v1/venues/oujiang-parlor", None).await.ok(200)["id"].as_i64().unwrap();
    let mut body = booking_body(venue, &local(20, 19, 0), &local(20, 21, 0));
    body["title_zh"] = json!("取消, 的; 活动\\");
    let cancelled = app.submitted_booking(&brand, body).await;
    app.post(&format!("/api/v1/bookings/{cancelled}/approve"), Some(&staff), json!({})).await.ok(200);
    app.post(&format!("/api/v1/bookings/{cancelled}/cancel"), Some(&staff), json!({"note": "Typhoon"}))
        .await
        .ok(200);
    let token = app.post("/api/v1/me/feed-token", Some(&brand), json!({})).await.ok(201);
    let personal = format!("/feeds/{}", token["url"].as_str().unwrap().split_once("/feeds/").unwrap().1);
    // A market of three nights at another venue, the second cancelled.
    let street = app.open_venue(&staff, "wuma-street").await;
    let (organizer, _) = app.register("organizer", "run@nights.cn").await;
    let mut body = booking_body(street, &local(30, 0, 0), &local(33, 0, 0));
    body["format"] = json!("market");
    let booking = app.submitted_booking(&organizer, body).await;
    app.post(&format!("/api/v1/bookings/{booking}/approve"), Some(&staff), json!({})).await.ok(200);
    let nights: Vec<_> =
        (30..33).map(|d| json!({"starts_at": local(d, 18, 0), "ends_at": local(d, 23, 0)})).collect();
    let market = app
        .post(
            "/api/v1/markets",
            Some(&organizer),
            json!({"booking_id": booking, "slug": "wuma-nights", "title_zh": "五马夜市; 第一季", "theme": "night", "dates": nights}),
        )
        .await
        .ok(201);
    let second = market["occurrences"][1]["id"].as_i64().unwrap();
    let cancel = format!("/api/v1/markets/{}/occurrences/{second}/cancel", market["id"]);
    app.post(&cancel, Some(&organizer), json!({})).await.ok(200);

    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, path) in [
        ("all.ics", "/calendar.ics".to_owned()),
        ("venue.ics", "/venues/oujiang-parlor/calendar.ics".to_owned()),
        ("event.ics", format!("/events/{slug}.ics")),
        ("personal.ics", personal),
        ("market.ics", "/markets/wuma-nights.ics".to_owned()),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, app.get(&path, None).await.text).unwrap();
        files.push(file.display().to_string());
    }

    let parsed =
        [run_parser("python3", "ics_python.py", &files), run_parser("node", "ics_icaljs.cjs", &files)];
    for result in &parsed {
        let all = &result[0];
        assert_eq!(all["method"], "PUBLISH");
        assert_eq!(all["timezones"], json!(["Asia/Shanghai"]));
        let events = all["events"].as_array().unwrap();
        assert_eq!(events.len(), 2 + 3, "two events and three market nights: {result}");
        let edited = events.iter().find(|e| e["uid"] == format!("debut-event-{id}@debut.local")).unwrap();
        assert_eq!(edited["sequence"], 2);
        assert_eq!(edited["status"], "CONFIRMED");
        assert_eq!(edited["summary"], "长标题".repeat(30), "folded UTF-8 comes back whole");
        assert_eq!(edited["start"], utc(&local(12, 19, 0)));
        assert_eq!(edited["end"], utc(&local(12, 21, 0)));
        assert_eq!(edited["tzid"], "Asia/Shanghai");
        let tombstone =
            events.iter().find(|e| e["uid"] == format!("debut-event-{cancelled}@debut.local")).unwrap();
        assert_eq!(tombstone["status"], "CANCELLED");
        assert_eq!(tombstone["sequence"], 1);
        assert_eq!(tombstone["summary"], "取消, 的; 活动\\", "escaped text comes back whole");
        assert_eq!(result[1]["events"].as_array().unwrap().len(), 2);
        assert_eq!(result[2]["events"][0]["sequence"], 2);
        let personal = result[3]["events"].as_array().unwrap();
        assert!(personal.iter().any(|e| e["status"] == "CANCELLED"));
        let nights = result[4]["events"].as_array().unwrap();
        assert_eq!(nights.len(), 3, "{result}");
        let tombstone =
            nights.iter().find(|e| e["uid"] == format!("debut-market-date-{second}@debut.local")).unwrap();
        assert_eq!(
            (tombstone["status"].as_str(), tombstone["sequence"].as_i64()),
            (Some("CANCELLED"), Some(1))
        );
        assert_eq!(nights[0]["summary"], "五马夜市; 第一季");
        assert_eq!(nights[0]["start"], utc(&local(30, 18, 0)));
        assert_eq!(nights[0]["tzid"], "Asia/Shanghai");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_requests_right_after_a_change_build_the_feed_once() {
    let app = TestApp::spawn().await;
    let (_, _, staff, brand) = published(&app, "首发").await;
    app.get("/calendar.ics", None).await;
    // A second event is published: the cached feed is out of date.
    let venue = app.get("/api/v1/venues/oujiang-parlor", None).await.ok(200)["id"].as_i64().unwrap();
    let id = app.submitted_booking(&brand, booking_body(venue, &local(12, 19, 0), &local(12, 21, 0))).await;
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
    let (builds_before, _) = app.state.cache.counts();
    let requests: Vec<_> =
        (0..64).map(|_| tokio::spawn(app.client.get(format!("{}/calendar.ics", app.base)).send())).collect();
    for request in requests {
        let body = request.await.unwrap().unwrap().text().await.unwrap();
        assert_eq!(body.matches("BEGIN:VEVENT").count(), 2, "every request sees the new event");
    }
    let (builds_after, _) = app.state.cache.counts();
    assert_eq!(builds_after - builds_before, 1, "one build for 64 requests after one change");
}

/// Search is a plain substring match, the same on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm):
/// this test runs on both, with words short enough to skip the trigram index and long enough to
/// use it, across pages, after an edit, and with characters that mean something to the indexes.
#[tokio::test]
async fn search_finds_the_same_events_on_both_databases() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let titles = [
        ("品牌首发 1", "Spring LAUNCH", "Ouhai Phones"),
        ("新品发布", "Tea tasting", "Lucheng Tea"),
        ("品牌首发 2", "Autumn launch \"special\"", "Ouhai Phones"),
        ("城市首店", "100% cotton", "Wenzhou_Knits"),
        ("夜市", "Night market", "Ouhai Phones"),
    ];
    let mut ids = Vec::new();
    for (day, (title_zh, title_en, brand_name)) in titles.iter().enumerate() {
        let day = 10 + day as i64;
        let mut body = booking_body(venue, &local(day, 19, 0), &local(day, 21, 0));
        body["title_zh"] = json!(title_zh);
        body["title_en"] = json!(title_en);
        body["brand_name"] = json!(brand_name);
        body["description_en"] = json!("");
        let id = app.submitted_booking(&brand, body).await;
        app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
        ids.push(id);
    }
    let found = |query: String, limit: usize| {
        let app = &app;
        async move {
            let mut titles = Vec::new();
            let mut url = format!("/api/v1/events?limit={limit}&{query}");
            loop {
                let page = app.get(&url, None).await.ok(200);
                let items = page["items"].as_array().unwrap();
                titles.extend(items.iter().map(|e| e["title_zh"].as_str().unwrap().to_owned()));
                match page["next_cursor"].as_str() {
                    Some(cursor) => url = format!("/api/v1/events?limit={limit}&{query}&cursor={cursor}"),
                    None => return titles,
                }
            }
        }
    };
    let cases: [(&str, &[&str]); 12] = [
        ("%E9%A6%96%E5%8F%91", &["品牌首发 1", "品牌首发 2"]), // 首发: two characters, no trigram
        ("%E5%93%81%E7%89%8C%E9%A6%96%E5%8F%91", &["品牌首发 1", "品牌首发 2"]), // 品牌首发
        ("launch", &["品牌首发 1", "品牌首发 2"]),             // any case
        ("LAUNCH", &["品牌首发 1", "品牌首发 2"]),
        ("ouhai", &["品牌首发 1", "品牌首发 2", "夜市"]), // the brand
        ("%22special%22", &["品牌首发 2"]),               // quotes, taken literally
        ("100%25", &["城市首店"]),                        // % is not a wildcard
        ("n_k", &[]),                                     // nor is _
        ("_k", &["城市首店"]),
        ("t", &["新品发布", "品牌首发 2", "城市首店", "夜市"]), // one letter
        ("tea%20t", &["新品发布"]),                             // across words
        ("phones%20launch", &[]),                               // not across fields in another order
    ];
    for (q, expected) in cases {
        assert_eq!(found(format!("q={q}"), 1).await, expected, "q={q}, a page per event");
        assert_eq!(found(format!("q={q}"), 100).await, expected, "q={q}");
    }

    // The index follows an edit: the old words no longer find the event, the new ones do.
    app.patch(&format!("/api/v1/bookings/{}", ids[1]), Some(&brand), json!({"title_en": "Silk weaving"}))
        .await
        .ok(200);
    app.post(&format!("/api/v1/bookings/{}/approve", ids[1]), Some(&staff), json!({})).await.ok(200);
    assert_eq!(found("q=tasting".into(), 2).await, Vec::<String>::new());
    assert_eq!(found("q=weaving".into(), 2).await, ["新品发布"]);
    // Filters combine with search.
    assert_eq!(found("q=launch&brand=ouhai%20phones".into(), 1).await, ["品牌首发 1", "品牌首发 2"]);
    assert_eq!(found("q=launch&format=show".into(), 2).await, Vec::<String>::new());
}

/// A feed rebuilt after one change renders that event's VEVENT (and RSS item) again and reuses
/// every other one, byte for byte.
#[tokio::test]
async fn a_feed_rebuilt_after_one_change_renders_only_the_changed_event() {
    let app = TestApp::spawn().await;
    let (id, _, staff, brand) = published(&app, "首发").await;
    let venue = app.get("/api/v1/venues/oujiang-parlor", None).await.ok(200)["id"].as_i64().unwrap();
    for day in 11..14 {
        let other =
            app.submitted_booking(&brand, booking_body(venue, &local(day, 19, 0), &local(day, 21, 0))).await;
        app.post(&format!("/api/v1/bookings/{other}/approve"), Some(&staff), json!({})).await.ok(200);
    }
    let vevents = |feed: &str| -> Vec<String> {
        feed.split("BEGIN:VEVENT").skip(1).map(|v| v.split("END:VEVENT").next().unwrap().to_owned()).collect()
    };
    let before = vevents(&app.get("/calendar.ics", None).await.text);
    assert_eq!(app.get("/events.rss", None).await.status, 200);
    assert_eq!(before.len(), 4);
    let rendered = app.state.fragments.rendered();

    reschedule(&app, id, &brand, &staff, 20).await;
    let after = vevents(&app.get("/calendar.ics", None).await.text);
    let rss = app.get("/events.rss", None).await.text;
    assert_eq!(app.state.fragments.rendered() - rendered, 2, "one VEVENT and one RSS item rendered again");
    assert_eq!(after.len(), 4);
    let changed: Vec<&String> = after.iter().filter(|v| !before.contains(v)).collect();
    assert_eq!(changed.len(), 1, "the other three are the same text");
    assert!(unfold(changed[0]).contains("SEQUENCE:1"), "{}", changed[0]);
    assert!(
        unfold(changed[0]).contains(&utc(&local(20, 19, 0)).replace(['-', ':'], "")[..8]),
        "{}",
        changed[0]
    );
    assert_eq!(rss.matches("<item>").count(), 4);
    assert!(
        rss.contains("<link>http://") && !rss.contains("from="),
        "the feed's links are the filter's, not its window's"
    );

    // Its gzip form, assembled from the chunks kept from the first build and the one compressed
    // again, is one gzip member of the same text.
    let gzip = app.client.get(format!("{}/calendar.ics", app.base)).header("accept-encoding", "gzip");
    let gzip = gzip.send().await.unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    let mut unzipped = String::new();
    let bytes = gzip.bytes().await.unwrap();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut unzipped).unwrap();
    assert_eq!(unzipped, app.get("/calendar.ics", None).await.text);

    // Each language is its own rendering, reused in turn.
    assert_eq!(app.get("/calendar.ics?lang=en", None).await.status, 200);
    let english = app.state.fragments.rendered();
    assert_eq!(app.get("/calendar.ics?lang=en&format=launch", None).await.status, 200);
    assert_eq!(app.state.fragments.rendered(), english, "another filter reuses the same entries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_brought_up_to_date_from_the_change_log_equals_one_built_from_scratch() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let (first, _, staff, brand) = published(&app, "首发").await;
    let here = app.get("/api/v1/venues/oujiang-parlor", None).await.ok(200)["id"].as_i64().unwrap();
    let there = app.open_venue(&staff, "riverside-hall").await;
    let mut ids = vec![first];
    for (venue, day) in [(here, 11), (there, 12), (there, 13)] {
        let id =
            app.submitted_booking(&brand, booking_body(venue, &local(day, 19, 0), &local(day, 21, 0))).await;
        app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
        ids.push(id);
    }
    // The entries of a feed, without its head (which names its filter).
    let entries =
        |text: &str, start: &str| -> Vec<String> { text.split(start).skip(1).map(str::to_owned).collect() };
    let feeds = ["/calendar.ics?lang=en", "/events.rss", "/calendar.ics?venue=riverside-hall"];
    for feed in feeds {
        assert_eq!(app.get(feed, None).await.status, 200);
    }

    let steps = [
        "approve a new booking",
        "reschedule one",
        "cancel one",
        "rename a venue",
        "describe a venue anew",
        "a new poster, approved",
        "a month passes",
        "nothing",
    ];
    for (n, step) in steps.into_iter().enumerate() {
        let mut expected_reads = 1;
        match step {
            "approve a new booking" => {
                let body = booking_body(there, &local(14, 19, 0), &local(14, 21, 0));
                let id = app.submitted_booking(&brand, body).await;
                app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
                ids.push(id);
            }
            "reschedule one" => reschedule(&app, ids[1], &brand, &staff, 20).await,
            "cancel one" => {
                let cancel = format!("/api/v1/bookings/{}/cancel", ids[2]);
                app.post(&cancel, Some(&staff), json!({"note": "Typhoon"})).await.ok(200);
            }
            "rename a venue" => {
                app.patch(&format!("/api/v1/venues/{there}"), Some(&staff), json!({"name_en": "River Hall"}))
                    .await
                    .ok(200);
                expected_reads = 4;
            }
            // Nothing events show of the venue changed: the change log says so, and no row is read.
            "describe a venue anew" => {
                let body = json!({"description": "Now with a cloakroom.", "capacity": 321});
                app.patch(&format!("/api/v1/venues/{there}"), Some(&staff), body).await.ok(200);
                expected_reads = 0;
            }
            "a new poster, approved" => {
                let images = format!("/api/v1/bookings/{}/images", ids[3]);
                let png = crate::media::encode(&crate::media::picture(400, 300), image::ImageFormat::Png);
                let added = crate::media::upload(&app, &images, &brand, "p.png", png, "Poster").await.ok(201);
                let approve = format!("{images}/{}/approve", added["id"]);
                app.post(&approve, Some(&staff), json!({})).await.ok(200);
            }
            // The tombstone leaves and nothing is read: the kept list is filtered again.
            "a month passes" => {
                clock.advance(TimeDelta::days(31));
                expected_reads = 0;
            }
            _ => expected_reads = 0,
        }
        for feed in feeds {
            let read = app.state.listings.rows_read();
            let updated = app.get(feed, None).await.text;
            let rows = app.state.listings.rows_read() - read;
            // A filter never asked for before is built from every row.
            let to = (clock.now() + TimeDelta::days(400 + n as i64)).format("%Y-%m-%d");
            let sep = if feed.contains('?') { '&' } else { '?' };
            let fresh = app.get(&format!("{feed}{sep}to={to}"), None).await.text;
            let start = if feed.contains(".rss") { "<item>" } else { "BEGIN:VEVENT" };
            assert_eq!(entries(&updated, start), entries(&fresh, start), "{feed} after {step}");
            assert!(!entries(&updated, start).is_empty() || feed.contains("venue"), "{feed} after {step}");
            assert!(rows <= expected_reads, "{feed} after {step}: {rows} rows read");
        }
    }
}
