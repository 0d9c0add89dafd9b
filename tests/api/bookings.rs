//! Bookings: applications, review, clashes and conflict-free approval.

use serde_json::{Value, json};

use crate::helpers::{TestApp, booking_body, local};

async fn booking(app: &TestApp, token: &str, id: i64) -> Value {
    app.get(&format!("/api/v1/bookings/{id}"), Some(token)).await.ok(200)
}

#[tokio::test]
async fn a_brand_applies_and_staff_approve_with_an_audit_trail() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;

    let draft = app
        .post("/api/v1/bookings", Some(&brand), booking_body(venue, &local(10, 19, 0), &local(10, 21, 0)))
        .await
        .ok(201);
    assert_eq!(draft["state"], "draft");
    assert_eq!(draft["local_starts_at"], local(10, 19, 0));
    assert_eq!(draft["setup_minutes"], 60, "setup defaults to the venue's");
    let id = draft["id"].as_i64().unwrap();

    let submitted = app.post(&format!("/api/v1/bookings/{id}/submit"), Some(&brand), json!({})).await.ok(200);
    assert_eq!(submitted["booking"]["state"], "submitted");
    assert_eq!(submitted["clashes"], json!([]));

    let approved = app
        .post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({"note": "Welcome"}))
        .await
        .ok(200);
    assert_eq!(approved["booking"]["state"], "approved");

    let history = app.get(&format!("/api/v1/bookings/{id}/history"), Some(&brand)).await.ok(200);
    let moves: Vec<(String, String)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from_state"].as_str().unwrap().into(), e["to_state"].as_str().unwrap().into()))
        .collect();
    assert_eq!(moves, [("draft".into(), "submitted".into()), ("submitted".into(), "approved".into())]);
    assert_eq!(history[1]["note"], "Welcome");
}

#[tokio::test]
async fn a_night_market_may_cross_midnight_at_a_night_venue() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let (organizer, _) = app.register("organizer", "night@market.cn").await;
    let night_hours: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({"weekday": d, "opens": "18:00", "closes": "02:00"}))
        .collect();
    let venue = app
        .venue(&staff, json!({"slug": "night-street", "opening_hours": night_hours, "capacity": 5000}))
        .await;
    let venue = venue["id"].as_i64().unwrap();

    let mut body = booking_body(venue, &local(10, 19, 0), &local(11, 1, 30));
    body["format"] = json!("market");
    let id = app.submitted_booking(&organizer, body).await;
    let outcome = app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
    let public_url = outcome["public_url"].as_str().expect("the approve answer names the public page");
    assert!(public_url.starts_with(&format!("{}/events/", app.base)), "{public_url}");
    assert_eq!(app.get(public_url.strip_prefix(&app.base).unwrap(), None).await.status, 200);
    let approved = booking(&app, &organizer, id).await;
    assert_eq!(approved["local_ends_at"], local(11, 1, 30));

    let past_closing = app
        .post("/api/v1/bookings", Some(&organizer), booking_body(venue, &local(12, 19, 0), &local(13, 3, 0)))
        .await;
    assert_eq!(past_closing.invalid_fields(), ["starts_at"]);
}

#[tokio::test]
async fn bad_applications_get_a_422_naming_the_field_and_create_nothing() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    app.patch(
        &format!("/api/v1/venues/{venue}"),
        Some(&staff),
        json!({"blackouts": [{"starts_at": format!("{}:00+08:00", local(20, 0, 0)), "ends_at": format!("{}:00+08:00", local(21, 0, 0)), "reason": "Marathon"}]}),
    )
    .await
    .ok(200);

    let cases = [
        (booking_body(venue, &local(10, 21, 0), &local(10, 19, 0)), "ends_at"),
        (booking_body(99_999, &local(10, 19, 0), &local(10, 21, 0)), "venue_id"),
        (booking_body(venue, &local(-3, 19, 0), &local(-3, 21, 0)), "starts_at"),
        (booking_body(venue, &local(20, 12, 0), &local(20, 14, 0)), "starts_at"),
        (booking_body(venue, "tomorrow evening", &local(10, 21, 0)), "starts_at"),
    ];
    for (body, field) in cases {
        let reply = app.post("/api/v1/bookings", Some(&brand), body).await;
        assert_eq!(reply.invalid_fields(), [field], "{}", reply.text);
    }
    let mut crowded = booking_body(venue, &local(10, 19, 0), &local(10, 21, 0));
    crowded["expected_attendance"] = json!(100_000);
    assert_eq!(
        app.post("/api/v1/bookings", Some(&brand), crowded).await.invalid_fields(),
        ["expected_attendance"]
    );
    let mut untitled = booking_body(venue, &local(10, 19, 0), &local(10, 21, 0));
    untitled["title_zh"] = json!("");
    untitled["title_en"] = json!(" ");
    assert_eq!(app.post("/api/v1/bookings", Some(&brand), untitled).await.invalid_fields(), ["title_zh"]);

    let list = app.get("/api/v1/bookings", Some(&staff)).await.ok(200);
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn moves_the_state_does_not_allow_are_409_naming_the_state() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let id = app.submitted_booking(&brand, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    app.post(&format!("/api/v1/bookings/{id}/reject"), Some(&staff), json!({"note": "Not this season"}))
        .await
        .ok(200);

    let body =
        app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.problem(409);
    assert_eq!(body["current_state"], "rejected");
    app.post(&format!("/api/v1/bookings/{id}/submit"), Some(&brand), json!({})).await.problem(409);
    assert_eq!(booking(&app, &brand, id).await["state"], "rejected");
    let reply = app.post(&format!("/api/v1/bookings/{id}/teleport"), Some(&staff), json!({})).await;
    assert_eq!(reply.invalid_fields(), ["action"]);
}

#[tokio::test]
async fn only_the_right_party_may_act_and_other_brands_see_nothing() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let ada = app.brand("ada@brand.cn").await;
    let bob = app.brand("bob@brand.cn").await;
    let (vendor, _) = app.register("vendor", "val@stall.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let body = booking_body(venue, &local(10, 19, 0), &local(10, 21, 0));

    app.post("/api/v1/bookings", Some(&vendor), body.clone()).await.problem(403);
    app.post("/api/v1/bookings", Some(&staff), body.clone()).await.problem(403);
    let id = app.post("/api/v1/bookings", Some(&ada), body).await.ok(201)["id"].as_i64().unwrap();

    app.post(&format!("/api/v1/bookings/{id}/submit"), Some(&staff), json!({})).await.problem(403);
    app.get(&format!("/api/v1/bookings/{id}"), Some(&bob)).await.problem(404);
    app.patch(&format!("/api/v1/bookings/{id}"), Some(&bob), json!({"title_en": "Mine now"}))
        .await
        .problem(404);
    app.post(&format!("/api/v1/bookings/{id}/submit"), Some(&bob), json!({})).await.problem(404);
    app.get(&format!("/api/v1/bookings/{id}/history"), Some(&bob)).await.problem(404);
    assert_eq!(app.get("/api/v1/bookings", Some(&bob)).await.ok(200)["items"], json!([]));

    app.post(&format!("/api/v1/bookings/{id}/submit"), Some(&ada), json!({})).await.ok(200);
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&ada), json!({})).await.problem(403);
    let unchanged = booking(&app, &ada, id).await;
    assert_eq!(unchanged["state"], "submitted");
    assert_eq!(unchanged["title_en"], "New phone launch");
}

#[tokio::test]
async fn approving_into_a_clash_is_refused_naming_the_clashing_booking() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let ada = app.brand("ada@brand.cn").await;
    let bob = app.brand("bob@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;

    let first = app.submitted_booking(&ada, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    // Starts when the first ends, but the venue needs 30 min teardown and 60 min setup between.
    let second_draft = app
        .post("/api/v1/bookings", Some(&bob), booking_body(venue, &local(10, 21, 30), &local(10, 23, 0)))
        .await
        .ok(201);
    let second = second_draft["id"].as_i64().unwrap();
    let submitted =
        app.post(&format!("/api/v1/bookings/{second}/submit"), Some(&bob), json!({})).await.ok(200);
    // Another brand's booking shows only as busy time: no id, state or title.
    let clash = submitted["clashes"][0].as_object().expect("submitting into a clash is allowed but shown");
    let mut keys: Vec<&str> = clash.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["ends_at", "starts_at"], "only busy time: {clash:?}");
    // Staff see which booking it is.
    let queue = app.get("/api/v1/bookings/review-queue", Some(&staff)).await.ok(200);
    let item = queue["items"].as_array().unwrap().iter().find(|i| i["booking"]["id"] == second).unwrap();
    assert_eq!(item["clashes"][0]["id"], first);
    assert_eq!(item["clashes"][0]["state"], "submitted");
    assert!(!submitted["suggestions"].as_array().unwrap().is_empty(), "free slots are proposed");

    app.post(&format!("/api/v1/bookings/{first}/approve"), Some(&staff), json!({})).await.ok(200);
    let body =
        app.post(&format!("/api/v1/bookings/{second}/approve"), Some(&staff), json!({})).await.problem(409);
    assert_eq!(body["conflicts"], json!([first]));
    assert!(body["detail"].as_str().unwrap().contains(&format!("#{first}")));
    assert_eq!(booking(&app, &staff, second).await["state"], "submitted");

    // A suggested slot is free: moving there makes approval possible.
    let suggestion = &submitted["suggestions"][0];
    assert_eq!(suggestion["venue_id"], venue);
    app.post(&format!("/api/v1/bookings/{second}/withdraw"), Some(&bob), json!({})).await.ok(200);
    let mut moved = booking_body(
        venue,
        suggestion["starts_at"].as_str().unwrap(),
        suggestion["ends_at"].as_str().unwrap(),
    );
    moved["title_en"] = json!("Moved launch");
    let moved = app.submitted_booking(&bob, moved).await;
    app.post(&format!("/api/v1/bookings/{moved}/approve"), Some(&staff), json!({})).await.ok(200);
}

#[tokio::test]
async fn a_change_to_an_approved_booking_waits_for_review_while_the_approved_version_stands() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let id = app.submitted_booking(&brand, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);

    let edited = app
        .patch(
            &format!("/api/v1/bookings/{id}"),
            Some(&brand),
            json!({"starts_at": local(11, 19, 0), "ends_at": local(11, 22, 0)}),
        )
        .await
        .ok(200);
    assert_eq!(edited["state"], "approved");
    assert_eq!(edited["local_starts_at"], local(10, 19, 0), "the approved time stays in force");
    assert!(edited["pending_change"]["starts_at"].is_string());

    let queue = app.get("/api/v1/bookings/review-queue", Some(&staff)).await.ok(200);
    assert_eq!(queue["items"][0]["booking"]["id"], id);

    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
    let changed = booking(&app, &brand, id).await;
    assert_eq!(changed["state"], "approved");
    assert_eq!(changed["local_starts_at"], local(11, 19, 0));
    assert!(changed["pending_change"].is_null());

    app.patch(&format!("/api/v1/bookings/{id}"), Some(&brand), json!({"title_en": "Renamed"})).await.ok(200);
    app.post(&format!("/api/v1/bookings/{id}/reject"), Some(&staff), json!({"note": "Keep the name"}))
        .await
        .ok(200);
    let kept = booking(&app, &brand, id).await;
    assert_eq!(
        (kept["state"].as_str(), kept["title_en"].as_str()),
        (Some("approved"), Some("New phone launch"))
    );
    assert!(kept["pending_change"].is_null());
}

#[tokio::test]
async fn a_submitted_booking_cannot_be_edited_until_withdrawn_and_a_cancellation_needs_a_reason() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let id = app.submitted_booking(&brand, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    let body = app
        .patch(&format!("/api/v1/bookings/{id}"), Some(&brand), json!({"title_en": "x"}))
        .await
        .problem(409);
    assert_eq!(body["current_state"], "submitted");

    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
    let reply = app.post(&format!("/api/v1/bookings/{id}/cancel"), Some(&staff), json!({})).await;
    assert_eq!(reply.invalid_fields(), ["note"]);
    let cancelled = app
        .post(&format!("/api/v1/bookings/{id}/cancel"), Some(&staff), json!({"note": "Typhoon warning"}))
        .await
        .ok(200);
    assert_eq!(cancelled["booking"]["state"], "cancelled");
    assert_eq!(cancelled["booking"]["cancel_reason"], "Typhoon warning");
}

#[tokio::test]
async fn the_review_queue_is_for_staff_oldest_first_with_clash_flags() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let ada = app.brand("ada@brand.cn").await;
    let bob = app.brand("bob@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let other = app.open_venue(&staff, "wuma-street").await;
    let first = app.submitted_booking(&ada, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    let second = app.submitted_booking(&bob, booking_body(venue, &local(10, 20, 0), &local(10, 22, 0))).await;
    let lone = app.submitted_booking(&bob, booking_body(other, &local(10, 20, 0), &local(10, 22, 0))).await;

    app.get("/api/v1/bookings/review-queue", Some(&ada)).await.problem(403);
    let queue = app.get("/api/v1/bookings/review-queue", Some(&staff)).await.ok(200);
    let ids: Vec<i64> =
        queue["items"].as_array().unwrap().iter().map(|i| i["booking"]["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [first, second, lone]);
    assert_eq!(queue["items"][0]["clashes"][0]["id"], second);
    assert_eq!(queue["items"][2]["clashes"], json!([]));

    let filtered =
        app.get(&format!("/api/v1/bookings/review-queue?venue_id={other}"), Some(&staff)).await.ok(200);
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn staged_decisions_are_released_together_and_a_clash_holds_back_only_its_own() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let a = app.submitted_booking(&brand, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    let b = app.submitted_booking(&brand, booking_body(venue, &local(10, 20, 0), &local(10, 22, 0))).await;
    let c = app.submitted_booking(&brand, booking_body(venue, &local(12, 19, 0), &local(12, 21, 0))).await;

    for (id, action) in [(a, "approve"), (b, "approve"), (c, "reject")] {
        let staged = app
            .post(
                &format!("/api/v1/bookings/{id}/decision"),
                Some(&staff),
                json!({"action": action, "note": "batch"}),
            )
            .await
            .ok(200);
        assert_eq!(staged["staged_decision"]["action"], action);
    }
    // Nothing is sent before release, and the applicant does not see staged decisions.
    let seen = booking(&app, &brand, a).await;
    assert_eq!(seen["state"], "submitted");
    assert!(seen["staged_decision"].is_null());

    let report = app.post("/api/v1/bookings/release", Some(&staff), json!({})).await.ok(200);
    let statuses: Vec<(i64, u64)> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["booking_id"].as_i64().unwrap(), r["status"].as_u64().unwrap()))
        .collect();
    assert_eq!(statuses, [(a, 200), (b, 409), (c, 200)]);
    assert_eq!(booking(&app, &brand, a).await["state"], "approved");
    assert_eq!(booking(&app, &brand, b).await["state"], "submitted");
    assert_eq!(booking(&app, &brand, c).await["state"], "rejected");
}

#[tokio::test]
async fn internal_notes_are_hidden_from_the_applicant() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let id = app.submitted_booking(&brand, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    let path = format!("/api/v1/bookings/{id}/comments");
    app.post(&path, Some(&staff), json!({"body": "Please bring a fire permit."})).await.ok(201);
    app.post(&path, Some(&staff), json!({"body": "Their last event overran.", "internal": true}))
        .await
        .ok(201);
    app.post(&path, Some(&brand), json!({"body": "Trying to sneak", "internal": true})).await.problem(403);

    let for_brand = app.get(&path, Some(&brand)).await.ok(200);
    assert_eq!(for_brand.as_array().unwrap().len(), 1);
    assert_eq!(for_brand[0]["body"], "Please bring a fire permit.");
    assert_eq!(app.get(&path, Some(&staff)).await.ok(200).as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn availability_is_opening_hours_minus_approved_bookings_with_buffers() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.venue(&staff, json!({})).await["id"].as_i64().unwrap(); // 10:00–22:00, 60/30 buffers
    let id = app.submitted_booking(&brand, booking_body(venue, &local(10, 14, 0), &local(10, 16, 0))).await;
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);

    let from = format!("{}:00%2B08:00", local(10, 0, 0));
    let to = format!("{}:00%2B08:00", local(11, 0, 0));
    let reply =
        app.get(&format!("/api/v1/venues/{venue}/availability?from={from}&to={to}"), None).await.ok(200);
    let spans: Vec<(String, String)> = reply["free"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["starts_at"].as_str().unwrap().to_owned(), s["ends_at"].as_str().unwrap().to_owned()))
        .collect();
    let utc = |l: String| {
        chrono::NaiveDateTime::parse_from_str(&l, "%Y-%m-%dT%H:%M").unwrap().and_utc()
            - chrono::TimeDelta::hours(8)
    };
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    assert_eq!(spans.len(), 2, "{spans:?}");
    assert_eq!(parse(&spans[0].0), utc(local(10, 10, 0)));
    assert_eq!(parse(&spans[0].1), utc(local(10, 13, 0)), "setup starts an hour early");
    assert_eq!(parse(&spans[1].0), utc(local(10, 16, 30)), "teardown ends half an hour late");
    assert_eq!(parse(&spans[1].1), utc(local(10, 22, 0)));

    let reply = app.get(&format!("/api/v1/venues/{venue}/availability?from={to}&to={from}"), None).await;
    assert_eq!(reply.invalid_fields(), ["to"]);

    // The same day as a venue-local date, by slug, answered in venue time too.
    let day = &local(10, 0, 0)[..10];
    let by_date = app
        .get(&format!("/api/v1/venues/riverside-hall/availability?from={day}&to={day}"), None)
        .await
        .ok(200);
    assert_eq!(by_date["free"].as_array().unwrap().len(), 2);
    assert_eq!(by_date["free"][0]["local_starts_at"], local(10, 10, 0));
    assert_eq!(by_date["free"][0]["local_ends_at"], local(10, 13, 0));
    let local_times = format!("from={}&to={}", local(10, 12, 0), local(10, 20, 0));
    let by_time = app.get(&format!("/api/v1/venues/{venue}/availability?{local_times}"), None).await.ok(200);
    assert_eq!(by_time["free"][0]["local_starts_at"], local(10, 12, 0));
    assert_eq!(by_time["free"][1]["local_ends_at"], local(10, 20, 0));
    let bad = app.get(&format!("/api/v1/venues/{venue}/availability?from=soon&to={day}"), None).await;
    assert_eq!(bad.invalid_fields(), ["from"]);
}
