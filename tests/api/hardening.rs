//! Hostile and unusual input found in review: each answer is a 4xx and nothing changes.

use serde_json::json;

/// Fen per yuan.
const CNY: i64 = 100;

use crate::helpers::{TestApp, booking_body, local};

#[tokio::test]
async fn the_language_switch_only_redirects_to_plain_local_paths() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for next in
        ["/%09/evil.example", "//evil.example", "/%5C/evil.example", "https://evil.example", "/%0A/evil"]
    {
        let reply = app.read(client.get(format!("{}/lang/en?next={next}", app.base))).await;
        assert_eq!(reply.header("location"), Some("/"), "next={next}");
    }
    let reply = app.read(client.get(format!("{}/lang/en?next=/events%3Fkind%3Dmall", app.base))).await;
    assert_eq!(reply.header("location"), Some("/events?kind=mall"));
}

#[tokio::test]
async fn dates_far_outside_the_calendar_are_refused_not_crashed_on() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let body = booking_body(venue, "+262142-12-31T10:00", "+262142-12-31T12:00");
    assert_eq!(
        app.post("/api/v1/bookings", Some(&brand), body).await.invalid_fields(),
        ["starts_at", "ends_at"]
    );
    app.get("/?from=%2B262142-12-20", None).await.page_naming(&["from"]);
    assert_eq!(app.get("/api/v1/events?from=-100000-01-01", None).await.invalid_fields(), ["from"]);
    let far = "%2B262142-12-01T00:00:00Z";
    let reply = app.get(&format!("/api/v1/venues/{venue}/availability?from={far}&to={far}"), None).await;
    assert_eq!(reply.invalid_fields(), ["from", "to"]);
    app.get("/events?view=month&month=1948-05", None).await.page_naming(&["month"]);
    assert_eq!(app.get("/api/v1/bookings", Some(&staff)).await.ok(200)["items"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_approvals_of_one_booking_approve_it_once() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let id = app.submitted_booking(&brand, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (client, url, staff) =
                (app.client.clone(), format!("{}/api/v1/bookings/{id}/approve", app.base), staff.clone());
            tokio::spawn(async move {
                client.post(url).bearer_auth(staff).json(&json!({})).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 9, "{statuses:?}");
    let history = app.get(&format!("/api/v1/bookings/{id}/history"), Some(&staff)).await.ok(200);
    assert_eq!(history.as_array().unwrap().len(), 2, "one submit, one approval");
}

#[tokio::test]
async fn with_the_database_away_the_api_answers_503_and_cached_pages_still_serve() {
    let app = TestApp::spawn().await;
    debut::demo::load(&app.state).await.expect("demo data loads");
    assert_eq!(app.get("/venues", None).await.status, 200);
    assert_eq!(app.get("/calendar.ics", None).await.status, 200);

    app.db.close().await;
    let client = reqwest::Client::new();
    let api = client.get(format!("{}/api/v1/venues", app.base)).send().await.unwrap();
    assert_eq!(api.status(), 503, "not a 500");
    assert_eq!(api.headers()["retry-after"], "30");
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["type"], "/problems/unavailable");
    let page = client.get(format!("{}/venues", app.base)).send().await.unwrap();
    assert_eq!(page.status(), 200, "the cached page is still served");
    let feed = client.get(format!("{}/calendar.ics", app.base)).send().await.unwrap();
    assert_eq!(feed.status(), 200, "and the cached feed");
    assert!(feed.text().await.unwrap().contains("BEGIN:VCALENDAR"));
}

#[tokio::test]
async fn a_body_missing_several_fields_names_every_one_at_once() {
    let app = TestApp::spawn().await;
    let brand = app.brand("ada@brand.cn").await;
    let reply = app.post("/api/v1/bookings", Some(&brand), json!({"venue_id": 1, "title_en": "x"})).await;
    assert_eq!(
        reply.invalid_fields(),
        ["format", "reach", "brand_name", "expected_attendance", "starts_at", "ends_at", "contact"]
    );
    // One missing field, or a nested one, is named as before.
    let mut body = booking_body(1, &local(3, 19, 0), &local(3, 21, 0));
    body.as_object_mut().unwrap().remove("reach");
    assert_eq!(app.post("/api/v1/bookings", Some(&brand), body.clone()).await.invalid_fields(), ["reach"]);
    body["reach"] = json!("city");
    body["contact"] = json!({"name": "Ada"});
    assert_eq!(app.post("/api/v1/bookings", Some(&brand), body).await.invalid_fields(), ["contact.email"]);
    assert_eq!(app.get("/api/v1/bookings", Some(&brand)).await.ok(200)["items"], json!([]));
}

#[tokio::test]
async fn null_where_a_choice_belongs_is_a_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let body = json!({"organization_name": "Acme", "organization_kind": null, "email": "a@acme.cn",
                      "password": "long enough password", "display_name": "Ada"});
    let reply = app.post("/api/v1/auth/register", None, body).await;
    assert_eq!(reply.invalid_fields(), ["organization_kind"]);
    let broken = app
        .read(
            app.client
                .post(format!("{}/api/v1/auth/register", app.base))
                .header("content-type", "application/json")
                .body("{\"organization_name\":"),
        )
        .await;
    assert_eq!(broken.status, 400, "a body that is not JSON stays a 400");
}

#[tokio::test]
async fn a_venue_slug_is_accepted_where_a_venue_id_is() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let parlor = app.open_venue(&staff, "oujiang-parlor").await;
    let hall = app.open_venue(&staff, "riverside-hall").await;
    let mut body = booking_body(0, "2027-03-04T19:00", "2027-03-04T21:00");
    body["venue_id"] = json!("oujiang-parlor");
    let booking = app.post("/api/v1/bookings", Some(&brand), body.clone()).await.ok(201);
    assert_eq!(booking["venue_id"], parlor, "the slug names the venue; the answer gives its id");
    let id = booking["id"].as_i64().unwrap();
    let moved = app
        .patch(&format!("/api/v1/bookings/{id}"), Some(&brand), json!({"venue_id": "riverside-hall"}))
        .await;
    assert_eq!(moved.ok(200)["venue_id"], hall);
    body["venue_id"] = json!("no-such-hall");
    let unknown = app.post("/api/v1/bookings", Some(&brand), body.clone()).await;
    assert_eq!(unknown.invalid_fields(), ["venue_id"]);
    assert!(unknown.text.contains("no-such-hall"), "{}", unknown.text);
    body["venue_id"] = json!(true);
    assert_eq!(app.post("/api/v1/bookings", Some(&brand), body).await.invalid_fields(), ["venue_id"]);

    // A first-store application names its mall by slug too; a hall is not a mall.
    let fund = json!({"name": "首店 fund", "budget_fen": 10_000_000 * CNY,
        "opens_at": (chrono::Utc::now() - chrono::TimeDelta::days(1)).to_rfc3339(),
        "closes_at": (chrono::Utc::now() + chrono::TimeDelta::days(60)).to_rfc3339()});
    let fund = app.post("/api/v1/funds", Some(&staff), fund).await.ok(201)["id"].as_i64().unwrap();
    let application = |mall: serde_json::Value| {
        json!({"fund_id": fund, "store_name": "Ouhai Coffee", "tier": "city", "mall_venue_id": mall,
            "opening_date": "2026-10-01", "floor_area_m2": 100, "investment_fen": 1_000_000 * CNY,
            "requested_fen": 100_000 * CNY})
    };
    let reply = app.post("/api/v1/incentives", Some(&brand), application(json!("riverside-hall"))).await;
    assert_eq!(reply.invalid_fields(), ["mall_venue_id"]);
    assert!(reply.text.contains("not a mall"), "{}", reply.text);
    let reply = app.post("/api/v1/incentives", Some(&brand), application(json!("nowhere-mall"))).await;
    assert!(reply.text.contains("there is no venue 'nowhere-mall'"), "{}", reply.text);
}
