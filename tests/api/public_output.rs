//! Snapshots of what people read: the OpenAPI document, a feed, problem bodies and one page of
//! each kind, on a fixed clock. A change to public output shows as a diff of the files in
//! `tests/api/snapshots/`; read it before accepting it (`INSTA_UPDATE=always cargo test`, or
//! `cargo insta review`). Both databases must produce the same bytes.

use chrono::TimeZone;
use debut::clock::Clock;
use serde_json::{Value, json};

use crate::helpers::{TestApp, booking_body};

/// The base URL snapshots show instead of the test server's random port.
const BASE: &str = "http://debut.test";

async fn demo_app() -> TestApp {
    let clock = Clock::manual(chrono::Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap());
    let app = TestApp::spawn_with_clock(clock).await;
    debut::demo::load(&app.state).await.expect("demo data loads");
    app
}

impl TestApp {
    async fn text_of(&self, path: &str, lang: Option<&str>) -> String {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(lang) = lang {
            request = request.header("accept-language", lang);
        }
        let reply = self.read(request).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        // The base as it appears in links, in webcal:// links and percent-encoded in query strings.
        let encoded = |url: &str| url.replace(':', "%3A").replace('/', "%2F");
        let host = self.base.trim_start_matches("http://");
        // The stylesheet's version changes with every style edit; the pages' HTML does not.
        let text = match reply.text.split_once("/static/debut.css?v=") {
            Some((before, after)) => format!("{before}/static/debut.css?v=VERSION{}", &after[8..]),
            None => reply.text.clone(),
        };
        text.replace(&self.base, BASE)
            .replace(&encoded(&self.base), &encoded(BASE))
            .replace(host, BASE.trim_start_matches("http://"))
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

#[tokio::test]
async fn the_openapi_document() {
    let app = TestApp::spawn().await;
    let spec = app.get("/api/openapi.json", None).await.ok(200);
    insta::assert_snapshot!("openapi", pretty(&spec));
}

#[tokio::test]
async fn the_public_calendar_feed() {
    let app = demo_app().await;
    let feed = app.text_of("/calendar.ics", None).await;
    insta::assert_snapshot!("calendar_ics", feed.replace("\r\n", "\n"));
}

#[tokio::test]
async fn the_rss_feed_in_english() {
    let app = demo_app().await;
    insta::assert_snapshot!("events_rss_en", app.text_of("/events.rss?lang=en", None).await);
}

#[tokio::test]
async fn one_page_of_each_kind() {
    let app = demo_app().await;
    let events = app.get("/api/v1/events?limit=100", None).await.ok(200);
    let slug = events["items"][0]["slug"].as_str().unwrap().to_owned();
    for (name, path, lang) in [
        ("page_home_zh", "/".to_owned(), None),
        ("page_events_en", "/events?kind=street".to_owned(), Some("en")),
        ("page_month_zh", "/events?view=month".to_owned(), None),
        ("page_event_en", format!("/events/{slug}"), Some("en")),
        ("page_venues_zh", "/venues".to_owned(), None),
        ("page_venue_en", "/venues/wuma-street".to_owned(), Some("en")),
    ] {
        insta::assert_snapshot!(name, app.text_of(&path, lang).await);
    }
}

#[tokio::test]
async fn problem_bodies() {
    let app = demo_app().await;
    let staff = app.staff("reviewer@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.get("/api/v1/venues/oujiang-parlor", None).await.ok(200)["id"].as_i64().unwrap();
    let mut problems = serde_json::Map::new();
    let mut add = |name: &str, body: Value| {
        problems.insert(name.to_owned(), body);
    };
    add("unknown_route_404", app.get("/api/v1/nothing-here", None).await.problem(404));
    add("no_token_401", app.get("/api/v1/bookings", None).await.problem(401));
    let mut bad = booking_body(venue, "2026-11-01T19:00", "soon");
    bad["expected_attendance"] = json!(0);
    bad["contact"]["email"] = json!("nobody");
    add("validation_422", app.post("/api/v1/bookings", Some(&brand), bad).await.problem(422));
    let first =
        app.submitted_booking(&brand, booking_body(venue, "2026-11-20T19:00", "2026-11-20T21:00")).await;
    let second =
        app.submitted_booking(&brand, booking_body(venue, "2026-11-20T20:00", "2026-11-20T22:00")).await;
    add(
        "not_staff_403",
        app.post(&format!("/api/v1/bookings/{first}/approve"), Some(&brand), json!({})).await.problem(403),
    );
    app.post(&format!("/api/v1/bookings/{first}/approve"), Some(&staff), json!({})).await.ok(200);
    add(
        "clash_409",
        app.post(&format!("/api/v1/bookings/{second}/approve"), Some(&staff), json!({})).await.problem(409),
    );
    add(
        "bad_action_422",
        app.post(&format!("/api/v1/bookings/{first}/fly"), Some(&staff), json!({})).await.problem(422),
    );
    insta::assert_snapshot!("problems", pretty(&Value::Object(problems)));
}
