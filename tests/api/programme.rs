//! Calls for debuts (blind scoring, the deadline, a released batch), event figures (asked for,
//! reminded once, filed, confirmed) and the programme report checked figure by figure, read back
//! from XLSX by openpyxl.

use std::{path::Path, process::Command};

use chrono::{TimeDelta, Utc};
use debut::{clock::Clock, on_db};
use serde_json::{Value, json};

use crate::helpers::{TestApp, booking_body, local};

const CNY: i64 = 100;

fn call_body(venue: i64, deadline_days: i64) -> Value {
    json!({
        "title_zh": "2027 春季首发邀请函",
        "title_en": "Spring debut season",
        "text_en": "Bring your first launch to the district.",
        "criteria_en": "Reach, fit with the venue, plans for the city.",
        "venue_ids": [venue],
        "formats": ["launch", "show"],
        "reaches": ["national", "global"],
        "period_from": local(1, 0, 0),
        "period_until": local(30, 0, 0),
        "deadline": (Utc::now() + TimeDelta::days(deadline_days)).to_rfc3339(),
    })
}

#[tokio::test]
async fn a_call_is_scored_blind_sorted_by_average_and_released_as_a_batch() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let staff: Vec<String> = [
        app.staff("one@office.cn").await,
        app.staff("two@office.cn").await,
        app.staff("three@office.cn").await,
    ]
    .into();
    let venue = app.open_venue(&staff[0], "oujiang-parlor").await;
    let other_venue = app.open_venue(&staff[0], "wuma-street").await;
    let brand = app.brand("ada@brand.cn").await;
    app.post("/api/v1/calls", Some(&brand), call_body(venue, 2)).await.problem(403);
    let call = app.post("/api/v1/calls", Some(&staff[0]), call_body(venue, 2)).await.ok(201);
    let id = call["id"].as_i64().unwrap();
    assert_eq!(call["slug"], format!("spring-debut-season-{id}"));
    assert_eq!(call["open"], true);
    let page = app.get(&format!("/calls/{}", call["slug"].as_str().unwrap()), None).await;
    assert!(page.text.contains("2027 春季首发邀请函"), "{}", page.text);

    // Applications must fit the call.
    let mut wrong = booking_body(other_venue, &local(5, 19, 0), &local(5, 21, 0));
    wrong["format"] = json!("exhibition");
    let reply = app.post(&format!("/api/v1/calls/{id}/applications"), Some(&brand), wrong).await;
    assert_eq!(reply.invalid_fields(), ["venue_id", "format"]);
    let mut bookings = Vec::new();
    for day in [5, 6, 7] {
        let body = booking_body(venue, &local(day, 19, 0), &local(day, 21, 0));
        let applied = app.post(&format!("/api/v1/calls/{id}/applications"), Some(&brand), body).await.ok(201);
        assert_eq!(applied["state"], "submitted");
        bookings.push(applied["id"].as_i64().unwrap());
    }
    let score = |who: usize, booking: i64, score: i64| {
        let path = format!("/api/v1/calls/{id}/applications/{booking}/score");
        let token = staff[who].clone();
        let app = &app;
        async move {
            app.send(
                reqwest::Method::PUT,
                &path,
                Some(&token),
                Some(json!({"score": score, "comment": "ok"})),
            )
            .await
        }
    };
    assert_eq!(score(0, bookings[0], 6).await.invalid_fields(), ["score"]);
    score(0, bookings[0], 5).await.ok(200);
    score(0, bookings[1], 2).await.ok(200);
    // The second reviewer sees nobody's scores until it has scored.
    let queue = app.get(&format!("/api/v1/calls/{id}/queue"), Some(&staff[1])).await.ok(200);
    for item in queue["items"].as_array().unwrap() {
        assert_eq!(item["scores"], json!([]), "{item}");
        assert!(item["average"].is_null());
    }
    assert_eq!(queue["items"][0]["scored_by"], 1);
    let queue = score(1, bookings[0], 4).await.ok(200);
    let first =
        queue["items"].as_array().unwrap().iter().find(|i| i["booking_id"] == bookings[0]).unwrap().clone();
    assert_eq!((first["average"].as_f64(), first["scores"].as_array().unwrap().len()), (Some(4.5), 2));
    score(1, bookings[1], 3).await.ok(200);
    score(2, bookings[1], 4).await.ok(200);
    score(2, bookings[2], 4).await.ok(200);
    score(0, bookings[2], 5).await.ok(200);
    score(1, bookings[2], 5).await.ok(200);
    // Averages: [0] 4.5, [1] 3.0, [2] 4.7 — the first reviewer scored all three.
    let queue = app.get(&format!("/api/v1/calls/{id}/queue"), Some(&staff[0])).await.ok(200);
    let order: Vec<i64> =
        queue["items"].as_array().unwrap().iter().map(|i| i["booking_id"].as_i64().unwrap()).collect();
    assert_eq!(order, [bookings[2], bookings[0], bookings[1]]);
    assert_eq!(queue["items"][0]["average"], 4.7);

    // Decisions are staged and released together for the call.
    for (booking, action) in [(bookings[2], "approve"), (bookings[1], "reject")] {
        app.post(&format!("/api/v1/bookings/{booking}/decision"), Some(&staff[0]), json!({"action": action}))
            .await
            .ok(200);
    }
    let seen = app.get(&format!("/api/v1/bookings/{}", bookings[2]), Some(&brand)).await.ok(200);
    assert_eq!(seen["state"], "submitted", "nothing happens before the release");
    let released = app.post(&format!("/api/v1/calls/{id}/release"), Some(&staff[1]), json!({})).await.ok(200);
    assert_eq!(released["results"].as_array().unwrap().len(), 2);
    for (booking, state) in [(bookings[2], "approved"), (bookings[1], "rejected"), (bookings[0], "submitted")]
    {
        assert_eq!(
            app.get(&format!("/api/v1/bookings/{booking}"), Some(&brand)).await.ok(200)["state"],
            state
        );
    }

    // After the deadline: 409, and nothing is made.
    clock.advance(TimeDelta::days(3));
    let late = booking_body(venue, &local(9, 19, 0), &local(9, 21, 0));
    app.post(&format!("/api/v1/calls/{id}/applications"), Some(&brand), late).await.problem(409);
    let mine = app.get("/api/v1/bookings", Some(&brand)).await.ok(200);
    assert_eq!(mine["items"].as_array().unwrap().len(), 3);
}

async fn outbox_count(app: &TestApp, key: &str) -> i64 {
    on_db!(&app.db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox WHERE coalesce_key = $1")
        .bind(key)
        .fetch_one(pool)
        .await)
    .unwrap()
}

#[tokio::test]
async fn figures_are_asked_for_reminded_once_and_filed_only_by_the_events_own_organization() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let staff = app.staff("staff@office.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let brand = app.brand("ada@brand.cn").await;
    let rival = app.brand("eve@rival.cn").await;
    let id = app.submitted_booking(&brand, booking_body(venue, &local(2, 19, 0), &local(2, 21, 0))).await;
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
    let figures =
        |footfall: i64, sales: i64| json!({"footfall": footfall, "sales_fen": sales, "media_reach": 5000});
    let path = format!("/api/v1/bookings/{id}/figures");
    app.post(&path, Some(&brand), figures(800, 1_000 * CNY)).await.problem(409);

    let sweep = || debut::reports::figures::enqueue_due(&app.db, clock.now());
    assert_eq!(sweep().await.unwrap(), 0, "nothing is asked before the event ends");
    clock.advance(TimeDelta::days(3));
    assert_eq!(sweep().await.unwrap(), 1);
    assert_eq!(sweep().await.unwrap(), 0, "asked once");
    assert_eq!(outbox_count(&app, &format!("figures:{id}:ask")).await, 1);
    clock.advance(TimeDelta::days(5));
    assert_eq!(sweep().await.unwrap(), 0, "no reminder while the deadline is far");
    clock.advance(TimeDelta::days(7));
    assert_eq!(sweep().await.unwrap(), 1, "a reminder shortly before the deadline");
    assert_eq!(sweep().await.unwrap(), 0);
    clock.advance(TimeDelta::days(5));
    assert_eq!(sweep().await.unwrap(), 0, "nothing after the deadline");
    assert_eq!(outbox_count(&app, &format!("figures:{id}:reminder")).await, 1);

    // Only the event's organization files; the numbers must be believable.
    app.post(&path, Some(&rival), figures(800, 100_000)).await.problem(404);
    assert_eq!(app.post(&path, Some(&brand), figures(-1, 100_000)).await.invalid_fields(), ["footfall"]);
    assert_eq!(
        app.post(&path, Some(&brand), figures(800, i64::MAX / 2)).await.invalid_fields(),
        ["sales_fen"]
    );
    let mut confirm = figures(800, 100_000);
    confirm["confirm"] = json!(true);
    app.post(&path, Some(&brand), confirm).await.problem(403);
    let filed = app.post(&path, Some(&brand), figures(800, 100_000)).await.ok(200);
    assert_eq!((filed["footfall"].as_i64(), filed["confirmed"].as_bool()), (Some(800), Some(false)));
    app.get(&path, Some(&rival)).await.problem(404);
    let confirmed = app.post(&format!("{path}/confirm"), Some(&staff), json!({})).await.ok(200);
    assert_eq!(confirmed["confirmed"], true);
    app.post(&path, Some(&brand), figures(900, 100_000)).await.problem(409);
    assert_eq!(app.get(&path, Some(&brand)).await.ok(200)["footfall"], 800);
}

fn run_openpyxl(file: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/xlsx_openpyxl.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("python3 did not start ({e}); bash .ci/run installs openpyxl"));
    assert!(
        output.status.success(),
        "openpyxl could not read the workbook:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A seeded stretch of the programme: four approved events at two venues (one more pending, one
/// cancelled), two awards and a clawback, figures filed and confirmed, filed only, and missing.
struct Seeded {
    app: TestApp,
    staff: String,
    clock: Clock,
}

async fn seed() -> Seeded {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let staff = app.staff("staff@office.cn").await;
    let hall = app.open_venue(&staff, "oujiang-parlor").await;
    let street = app.open_venue(&staff, "wuma-street").await;
    let mall = app
        .venue(
            &staff,
            json!({"slug": "intime-mall", "name_en": "Intime Mall", "name_zh": "银泰", "kind": "mall"}),
        )
        .await;
    let brand = app.brand("ada@brand.cn").await;
    let events = [
        (hall, 3, "launch", "national"),
        (hall, 4, "show", "global"),
        (street, 5, "exhibition", "national"),
        (street, 6, "launch", "city"),
    ];
    let mut ids = Vec::new();
    for (venue, day, format, reach) in events {
        let mut body = booking_body(venue, &local(day, 19, 0), &local(day, 21, 0));
        body["format"] = json!(format);
        body["reach"] = json!(reach);
        let id = app.submitted_booking(&brand, body).await;
        app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
        ids.push(id);
    }
    app.submitted_booking(&brand, booking_body(hall, &local(8, 19, 0), &local(8, 21, 0))).await;
    let cancelled =
        app.submitted_booking(&brand, booking_body(hall, &local(9, 19, 0), &local(9, 21, 0))).await;
    app.post(&format!("/api/v1/bookings/{cancelled}/approve"), Some(&staff), json!({})).await.ok(200);
    app.post(&format!("/api/v1/bookings/{cancelled}/cancel"), Some(&staff), json!({"note": "Typhoon"}))
        .await
        .ok(200);

    let fund = json!({"name": "首店 fund", "budget_fen": 100_000_000 * CNY, "four_eyes_threshold_fen": 1_000_000 * CNY,
        "opens_at": (Utc::now() - TimeDelta::days(1)).to_rfc3339(), "closes_at": (Utc::now() + TimeDelta::days(60)).to_rfc3339()});
    let fund = app.post("/api/v1/funds", Some(&staff), fund).await.ok(201)["id"].as_i64().unwrap();
    let mut awards = Vec::new();
    for (store, tier, mall_id, amount) in [
        ("Ouhai Coffee", "national", Some(mall["id"].as_i64().unwrap()), 500_000 * CNY),
        ("Lin Tea", "city", None, 200_000 * CNY),
    ] {
        let body = json!({"fund_id": fund, "store_name": store, "address": format!("{store} 1 号"), "tier": tier,
            "mall_venue_id": mall_id, "opening_date": "2026-10-01", "floor_area_m2": 100,
            "investment_fen": 10_000_000 * CNY, "requested_fen": amount, "statement": "First store."});
        let id = app.post("/api/v1/incentives", Some(&brand), body).await.ok(201)["id"].as_i64().unwrap();
        app.post(&format!("/api/v1/incentives/{id}/submit"), Some(&brand), json!({})).await.ok(200);
        app.post(&format!("/api/v1/incentives/{id}/approve"), Some(&staff), json!({"amount_fen": amount}))
            .await
            .ok(200);
        awards.push(id);
    }
    app.post(
        &format!("/api/v1/incentives/{}/claw-back", awards[1]),
        Some(&staff),
        json!({"amount_fen": 50_000 * CNY, "note": "Closed early"}),
    )
    .await
    .ok(200);

    clock.advance(TimeDelta::days(10));
    let file = |id: i64, footfall: i64, sales: i64, confirm: bool| {
        let body = json!({"footfall": footfall, "sales_fen": sales, "media_reach": footfall * 10, "confirm": confirm});
        (format!("/api/v1/bookings/{id}/figures"), body)
    };
    let (path, body) = file(ids[0], 1200, 3_000_000, false);
    app.post(&path, Some(&brand), body).await.ok(200);
    app.post(&format!("{path}/confirm"), Some(&staff), json!({})).await.ok(200);
    let (path, body) = file(ids[1], 700, 900_000, false);
    app.post(&path, Some(&brand), body).await.ok(200);
    let (path, body) = file(ids[2], 2500, 0, true);
    app.post(&path, Some(&staff), body).await.ok(200);
    Seeded { app, staff, clock }
}

#[tokio::test]
async fn the_programme_report_adds_up_to_what_was_seeded() {
    let Seeded { app, staff, clock } = seed().await;
    let range = format!("from={}&to={}", &local(0, 0, 0)[..10], &local(20, 0, 0)[..10]);
    let brand = app.login("ada@brand.cn").await;
    app.get(&format!("/api/v1/reports/programme?{range}"), Some(&brand)).await.problem(403);
    let report = app.get(&format!("/api/v1/reports/programme?{range}"), Some(&staff)).await.ok(200);
    let count = |list: &Value, key: &str| {
        list.as_array().unwrap().iter().find(|c| c["key"] == key).map_or(0, |c| c["count"].as_i64().unwrap())
    };
    let events = &report["events"];
    assert_eq!(events["total"], 4, "approved events only: not the pending or the cancelled one");
    assert_eq!(
        [
            count(&events["by_reach"], "national"),
            count(&events["by_reach"], "global"),
            count(&events["by_reach"], "city")
        ],
        [2, 1, 1]
    );
    assert_eq!(
        [
            count(&events["by_format"], "launch"),
            count(&events["by_format"], "show"),
            count(&events["by_format"], "exhibition")
        ],
        [2, 1, 1]
    );
    assert_eq!(
        [count(&events["by_venue"], "oujiang-parlor"), count(&events["by_venue"], "wuma-street")],
        [2, 2]
    );
    let mut months = std::collections::BTreeMap::new();
    for day in [3, 4, 5, 6] {
        *months.entry(local(day, 19, 0)[..7].to_owned()).or_insert(0) += 1;
    }
    for (month, n) in &months {
        assert_eq!(count(&events["by_month"], month), *n, "{month}");
    }
    let stores = &report["first_stores"];
    assert_eq!(stores["awarded"], 2);
    assert_eq!(stores["awarded_fen"], 700_000 * CNY);
    assert_eq!(stores["clawed_back_fen"], 50_000 * CNY);
    let tier =
        |key: &str| stores["by_tier"].as_array().unwrap().iter().find(|m| m["key"] == key).unwrap().clone();
    assert_eq!(
        (tier("national")["awarded_fen"].as_i64(), tier("city")["clawed_back_fen"].as_i64()),
        (Some(500_000 * CNY), Some(50_000 * CNY))
    );
    let mall =
        stores["by_mall"].as_array().unwrap().iter().find(|m| m["key"] == "Intime Mall").unwrap().clone();
    assert_eq!((mall["stores"].as_i64(), mall["label_zh"].as_str()), (Some(1), Some("银泰")));
    let figures = &report["figures"];
    assert_eq!(
        [figures["confirmed"].as_i64(), figures["footfall"].as_i64(), figures["sales_fen"].as_i64()],
        [Some(2), Some(1200 + 2500), Some(3_000_000)],
        "confirmed figures only"
    );
    assert_eq!(
        (figures["not_filed"].as_i64(), figures["awaiting_confirmation"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(report["markets"]["held"], 0);

    // CSV: a byte-order mark, Chinese intact, numbers numeric.
    let csv = app.get(&format!("/api/v1/reports/programme.csv?{range}"), Some(&staff)).await;
    assert!(csv.text.starts_with('\u{feff}'));
    assert!(csv.text.contains("\"events\",\"total\",\"活动总数 Events\",4"), "{}", csv.text);
    assert!(csv.text.contains("\"银泰 Intime Mall\""), "{}", csv.text);

    // Public numbers: counts, and never sales.
    let year = local(3, 0, 0)[..4].parse::<i32>().unwrap();
    let numbers = app.get(&format!("/api/v1/numbers/{year}"), None).await.ok(200);
    assert!(numbers["events"].as_i64().unwrap() >= 1);
    assert!(numbers.get("sales_fen").is_none());
    let page = app.get(&format!("/numbers/{year}"), None).await;
    assert_eq!(page.status, 200);
    assert!(!page.text.contains("3000000") && !page.text.contains("30,000"), "no sales on the public page");
    let _ = clock;

    // The staff page shows the same figures, with charts, and the downloads work on the session.
    let mut browser = crate::portal::Browser::new(&app);
    browser.sign_in("staff@office.cn").await;
    let page = browser.get(&format!("/staff/reports?{range}")).await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
    assert!(
        page.text.contains("<dd>3,700</dd>") && page.text.contains("<dd>¥30,000.00</dd>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("<svg class=\"bars\""), "charts are drawn");
    let download = browser.get(&format!("/staff/reports/programme.csv?{range}")).await;
    assert!(download.text.contains("\"figures\",\"footfall\",\"客流 Footfall\",3700"), "{}", download.text);
    let mut brand_browser = crate::portal::Browser::new(&app);
    brand_browser.sign_in("ada@brand.cn").await;
    assert_eq!(brand_browser.get("/staff/reports").await.status, reqwest::StatusCode::NOT_FOUND);
}

#[tokio::test]
#[ignore = "needs python3 openpyxl; bash .ci/run installs it and runs it"]
async fn the_xlsx_report_reads_back_in_openpyxl_with_the_same_totals() {
    let Seeded { app, staff, .. } = seed().await;
    let range = format!("from={}&to={}", &local(0, 0, 0)[..10], &local(20, 0, 0)[..10]);
    let report = app.get(&format!("/api/v1/reports/programme?{range}"), Some(&staff)).await.ok(200);
    let response = app
        .client
        .get(format!("{}/api/v1/reports/programme.xlsx?{range}", app.base))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("programme.xlsx");
    std::fs::write(&file, &bytes).unwrap();
    let read = run_openpyxl(&file);
    assert_eq!(read["title"], "首发经济项目报告 Programme report");
    let value = |section: &str, key: &str| {
        read["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l[0] == section && l[1] == key)
            .map(|l| l[3].as_f64().unwrap() as i64)
    };
    assert_eq!(value("events", "total"), report["events"]["total"].as_i64());
    assert_eq!(value("first_stores", "awarded_fen"), report["first_stores"]["awarded_fen"].as_i64());
    assert_eq!(value("first_stores", "clawed_back_fen"), report["first_stores"]["clawed_back_fen"].as_i64());
    assert_eq!(value("figures", "footfall"), report["figures"]["footfall"].as_i64());
    assert_eq!(value("figures", "sales_fen"), report["figures"]["sales_fen"].as_i64());
    assert_eq!(value("events_by_reach", "national"), Some(2));
    let labels: Vec<&str> =
        read["lines"].as_array().unwrap().iter().map(|l| l[2].as_str().unwrap()).collect();
    assert!(labels.contains(&"银泰 Intime Mall"), "Chinese survives the workbook: {labels:?}");
}

#[tokio::test]
async fn a_brand_applies_to_a_call_in_the_portal_among_its_venues_only() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    app.open_venue(&staff, "wuma-street").await;
    let call = app.post("/api/v1/calls", Some(&staff), call_body(venue, 2)).await.ok(201);
    let id = call["id"].as_i64().unwrap();
    app.brand("ada@brand.cn").await;
    let mut browser = crate::portal::Browser::new(&app);
    browser.sign_in("ada@brand.cn").await;
    let public = browser.get(&format!("/calls/{}", call["slug"].as_str().unwrap())).await;
    assert!(
        public.text.contains(&format!("/portal/bookings/new?call={id}")),
        "the call page leads to the form"
    );
    let choose = browser.get(&format!("/portal/bookings/new?call={id}")).await;
    assert!(choose.text.contains("venue=oujiang-parlor&#38;call="), "{}", choose.text);
    assert!(!choose.text.contains("venue=wuma-street"), "only the call's venues are offered");
    let form = browser.get(&format!("/portal/bookings/new?venue=oujiang-parlor&call={id}")).await;
    assert!(form.text.contains(&format!("action=\"/portal/bookings/new?call={id}\"")), "{}", form.text);
    let (starts, ends) = (local(6, 19, 0), local(6, 21, 0));
    let fields = [
        ("venue_id", venue.to_string()),
        ("format", "launch".into()),
        ("reach", "national".into()),
        ("title_zh", "新品首发".into()),
        ("title_en", "New phone".into()),
        ("brand_name", "Ouhai Phones".into()),
        ("expected_attendance", "200".into()),
        ("starts_at", starts),
        ("ends_at", ends),
        ("contact_name", "Ada".into()),
        ("contact_email", "ada@brand.cn".into()),
        ("intent", "submit".into()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let sent = browser.post(&format!("/portal/bookings/new?call={id}"), &fields, true).await;
    assert_eq!(sent.status, reqwest::StatusCode::SEE_OTHER, "{}", sent.text);
    let queue = app.get(&format!("/api/v1/calls/{id}/queue"), Some(&staff)).await.ok(200);
    assert_eq!(queue["items"].as_array().unwrap().len(), 1, "the application is in the call's queue");
    assert_eq!(queue["items"][0]["state"], "submitted");
}

#[tokio::test]
async fn a_brand_files_its_figures_on_the_booking_page_after_the_event() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let staff = app.staff("staff@office.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let brand = app.brand("ada@brand.cn").await;
    let id = app.submitted_booking(&brand, booking_body(venue, &local(2, 19, 0), &local(2, 21, 0))).await;
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
    let mut browser = crate::portal::Browser::new(&app);
    browser.sign_in("ada@brand.cn").await;
    let before = browser.get(&format!("/portal/bookings/{id}")).await;
    assert!(!before.text.contains("figures-form"), "no figures before the event ends");
    clock.advance(TimeDelta::days(3));
    let page = browser.get(&format!("/portal/bookings/{id}")).await;
    assert!(page.text.contains("id=\"figures-form\""), "{}", page.text);
    let path = format!("/portal/bookings/{id}/figures");
    let bad =
        browser.post(&path, &[("footfall", "many"), ("sales_fen", "-5"), ("media_reach", "10")], true).await;
    assert_eq!(bad.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains("href=\"#footfall\"") && bad.text.contains("href=\"#sales_fen\""),
        "{}",
        bad.text
    );
    let filed = browser
        .post(&path, &[("footfall", "1,200"), ("sales_fen", "1000.50"), ("media_reach", "9000")], true)
        .await;
    assert_eq!(filed.status, reqwest::StatusCode::SEE_OTHER, "{}", filed.text);
    let api = app.get(&format!("/api/v1/bookings/{id}/figures"), Some(&brand)).await.ok(200);
    assert_eq!((api["footfall"].as_i64(), api["sales_fen"].as_i64()), (Some(1200), Some(100_050)));
    let png = crate::media::encode(&crate::media::picture(64, 48), image::ImageFormat::Png);
    let photo = browser.upload(&format!("/portal/bookings/{id}/figures/photos"), png, "The crowd").await;
    assert_eq!(photo.status, reqwest::StatusCode::SEE_OTHER);
    let page = browser.get(&format!("/portal/bookings/{id}")).await;
    assert!(page.text.contains("alt=\"The crowd\""), "{}", page.text);
}
