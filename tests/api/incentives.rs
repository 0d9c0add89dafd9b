//! First-store incentives: funds, applications, awards within the fund, clawbacks, reports.

use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const CNY: i64 = 100;

pub fn fund_body(budget_fen: i64) -> Value {
    json!({
        "name": "2026 首店经济 fund",
        "budget_fen": budget_fen,
        "opens_at": (Utc::now() - TimeDelta::days(1)).to_rfc3339(),
        "closes_at": (Utc::now() + TimeDelta::days(60)).to_rfc3339(),
    })
}

pub fn application(fund: i64, store: &str, requested_fen: i64) -> Value {
    json!({
        "fund_id": fund,
        "store_name": store,
        "address": format!("{store}, 解放街 1 号"),
        "tier": "city",
        "opening_date": "2026-10-01",
        "floor_area_m2": 320,
        "investment_fen": 5_000_000 * CNY,
        "requested_fen": requested_fen,
        "statement": "Our first store in the city.",
    })
}

pub async fn fund(app: &TestApp, staff: &str, budget_fen: i64) -> i64 {
    app.post("/api/v1/funds", Some(staff), fund_body(budget_fen)).await.ok(201)["id"].as_i64().unwrap()
}

pub async fn submitted(app: &TestApp, brand: &str, body: Value) -> i64 {
    let id = app.post("/api/v1/incentives", Some(brand), body).await.ok(201)["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/incentives/{id}/submit"), Some(brand), json!({})).await.ok(200);
    id
}

#[tokio::test]
async fn staff_create_funds_with_default_caps_and_brands_may_not() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    app.post("/api/v1/funds", Some(&brand), fund_body(100_000_000 * CNY)).await.problem(403);
    let created = app.post("/api/v1/funds", Some(&staff), fund_body(100_000_000 * CNY)).await.ok(201);
    assert_eq!(created["budget"]["display"], "¥100,000,000.00");
    assert_eq!(created["caps"][0]["cap"]["fen"], 2_000_000 * CNY);
    assert_eq!(created["remaining"]["fen"], 100_000_000 * CNY);

    let mut too_high = fund_body(100);
    too_high["caps_fen"] = json!({"global": 2_000_001 * CNY});
    too_high["budget_fen"] = json!(-5);
    let reply = app.post("/api/v1/funds", Some(&staff), too_high).await;
    assert_eq!(reply.invalid_fields(), ["budget_fen", "caps_fen.global"]);
}

#[tokio::test]
async fn an_award_is_approved_within_the_fund_and_a_clawback_returns_money() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    // One staff member decides everything here: the four-eyes threshold is above every amount
    // (awards that need a second staff member are in staff_security.rs).
    let mut body = fund_body(1_000_000 * CNY);
    body["four_eyes_threshold_fen"] = json!(2_000_000 * CNY);
    let fund = app.post("/api/v1/funds", Some(&staff), body).await.ok(201)["id"].as_i64().unwrap();
    let id = submitted(&app, &brand, application(fund, "Ada 首店", 800_000 * CNY)).await;

    let over = app
        .post(&format!("/api/v1/incentives/{id}/approve"), Some(&staff), json!({"amount_fen": 900_000 * CNY}))
        .await;
    assert_eq!(over.invalid_fields(), ["amount_fen"], "more than requested");
    let approved = app
        .post(&format!("/api/v1/incentives/{id}/approve"), Some(&staff), json!({"amount_fen": 700_000 * CNY}))
        .await
        .ok(200);
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["award"]["display"], "¥700,000.00");

    let other = submitted(&app, &brand, application(fund, "Ada 二店", 500_000 * CNY)).await;
    let body = app
        .post(
            &format!("/api/v1/incentives/{other}/approve"),
            Some(&staff),
            json!({"amount_fen": 400_000 * CNY}),
        )
        .await
        .problem(409);
    assert_eq!(body["remaining_fen"], 300_000 * CNY);
    assert!(body["detail"].as_str().unwrap().contains("¥300,000.00"), "{body}");

    let reply = app
        .post(
            &format!("/api/v1/incentives/{id}/claw-back"),
            Some(&staff),
            json!({"amount_fen": 200_000 * CNY}),
        )
        .await;
    assert_eq!(reply.invalid_fields(), ["note"]);
    let clawed = app
        .post(
            &format!("/api/v1/incentives/{id}/claw-back"),
            Some(&staff),
            json!({"amount_fen": 200_000 * CNY, "note": "The store closed early"}),
        )
        .await
        .ok(200);
    assert_eq!(clawed["clawed_back"]["fen"], 200_000 * CNY);
    app.post(
        &format!("/api/v1/incentives/{other}/approve"),
        Some(&staff),
        json!({"amount_fen": 400_000 * CNY}),
    )
    .await
    .ok(200);

    let report = app.get(&format!("/api/v1/funds/{fund}/report"), Some(&staff)).await.ok(200);
    assert_eq!(report["awarded"]["fen"], 1_100_000 * CNY);
    assert_eq!(report["clawed_back"]["fen"], 200_000 * CNY);
    assert_eq!(report["committed"]["fen"], 900_000 * CNY);
    assert_eq!(report["remaining"]["fen"], 100_000 * CNY);
    assert_eq!(
        report["fund"]["committed"]["fen"],
        900_000 * CNY,
        "the fund's total is the sum of its ledger"
    );
    assert_eq!(report["by_tier"][0]["key"], "city");
    assert_eq!(report["by_tier"][0]["awards"], 2);
    app.get(&format!("/api/v1/funds/{fund}/report"), Some(&brand)).await.problem(403);

    let history = app.get(&format!("/api/v1/incentives/{id}/history"), Some(&brand)).await.ok(200);
    let moves: Vec<&str> =
        history.as_array().unwrap().iter().map(|e| e["to_state"].as_str().unwrap()).collect();
    assert_eq!(moves, ["submitted", "approved", "approved"]);
}

#[tokio::test]
async fn a_hundred_concurrent_approvals_award_exactly_what_the_fund_holds() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let award = 100_000 * CNY;
    let fund = fund(&app, &staff, 10 * award).await;
    let mut ids = Vec::new();
    for i in 0..100 {
        ids.push(submitted(&app, &brand, application(fund, &format!("Store {i}"), award)).await);
    }

    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(ids.len()));
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let url = format!("{}/api/v1/incentives/{id}/approve", app.base);
            let (client, barrier, staff) = (app.client.clone(), barrier.clone(), staff.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                client
                    .post(url)
                    .bearer_auth(staff)
                    .json(&json!({"amount_fen": award}))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 90, "{statuses:?}");
    let report = app.get(&format!("/api/v1/funds/{fund}/report"), Some(&staff)).await.ok(200);
    assert_eq!(report["remaining"]["fen"], 0);
    assert_eq!(report["fund"]["remaining"]["fen"], 0);

    // A clawback frees room for one more award.
    let winner = ids.iter().copied().zip(&statuses).find(|(_, s)| **s == 200).unwrap().0;
    let loser = ids.iter().copied().zip(&statuses).find(|(_, s)| **s == 409).unwrap().0;
    app.post(
        &format!("/api/v1/incentives/{winner}/claw-back"),
        Some(&staff),
        json!({"amount_fen": award, "note": "Closed"}),
    )
    .await
    .ok(200);
    app.post(&format!("/api/v1/incentives/{loser}/approve"), Some(&staff), json!({"amount_fen": award}))
        .await
        .ok(200);
    let report = app.get(&format!("/api/v1/funds/{fund}/report"), Some(&staff)).await.ok(200);
    assert_eq!(report["remaining"]["fen"], 0);
}

#[tokio::test]
async fn bad_applications_get_a_4xx_and_change_nothing() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let ada = app.brand("ada@brand.cn").await;
    let bob = app.brand("bob@brand.cn").await;
    let fund = fund(&app, &staff, 10_000_000 * CNY).await;

    let negative = app.post("/api/v1/incentives", Some(&ada), application(fund, "A", -5)).await;
    assert_eq!(negative.invalid_fields(), ["requested_fen"]);
    let mut fractional = application(fund, "A", 0);
    fractional["requested_fen"] = json!(100.5);
    assert_eq!(
        app.post("/api/v1/incentives", Some(&ada), fractional).await.invalid_fields(),
        ["requested_fen"]
    );
    let over_cap =
        app.post("/api/v1/incentives", Some(&ada), application(fund, "A", 2_000_000 * CNY + 1)).await;
    assert_eq!(over_cap.invalid_fields(), ["requested_fen"]);
    let mut unknown_tier = application(fund, "A", 100);
    unknown_tier["tier"] = json!("galactic");
    assert_eq!(app.post("/api/v1/incentives", Some(&ada), unknown_tier).await.invalid_fields(), ["tier"]);

    let mut closed = fund_body(1_000 * CNY);
    closed["opens_at"] = json!((Utc::now() - TimeDelta::days(30)).to_rfc3339());
    closed["closes_at"] = json!((Utc::now() - TimeDelta::days(1)).to_rfc3339());
    let closed = app.post("/api/v1/funds", Some(&staff), closed).await.ok(201)["id"].as_i64().unwrap();
    assert_eq!(
        app.post("/api/v1/incentives", Some(&ada), application(closed, "A", 100)).await.invalid_fields(),
        ["fund_id"]
    );

    let (organizer, _) = app.register("organizer", "org@market.cn").await;
    app.post("/api/v1/incentives", Some(&organizer), application(fund, "A", 100)).await.problem(403);

    let id = submitted(&app, &ada, application(fund, "Ada 首店", 1_000 * CNY)).await;
    app.get(&format!("/api/v1/incentives/{id}"), Some(&bob)).await.problem(404);
    app.post(&format!("/api/v1/incentives/{id}/submit"), Some(&bob), json!({})).await.problem(404);
    app.post(&format!("/api/v1/incentives/{id}/approve"), Some(&ada), json!({"amount_fen": 100}))
        .await
        .problem(403);
    app.post(&format!("/api/v1/incentives/{id}/approve"), Some(&staff), json!({"amount_fen": -1}))
        .await
        .invalid_fields();

    assert_eq!(app.get("/api/v1/incentives", Some(&bob)).await.ok(200)["items"], json!([]));
    let list = app.get("/api/v1/incentives", Some(&staff)).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["state"], "submitted");
    let report = app.get(&format!("/api/v1/funds/{fund}/report"), Some(&staff)).await.ok(200);
    assert_eq!(report["committed"]["fen"], 0);
}

#[tokio::test]
async fn the_same_tier_claimed_twice_or_one_address_claimed_twice_is_flagged_to_staff() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let ada = app.brand("ada@brand.cn").await;
    let bob = app.brand("bob@brand.cn").await;
    let fund = fund(&app, &staff, 10_000_000 * CNY).await;
    let first = submitted(&app, &ada, application(fund, "Ada 首店", 1_000 * CNY)).await;
    let mut again = application(fund, "Ada 另一店", 1_000 * CNY);
    again["address"] = json!("Somewhere else 9");
    let second = submitted(&app, &ada, again).await;
    let mut same_store = application(fund, "Bob shop", 1_000 * CNY);
    same_store["address"] = json!("ADA 首店 解放街 1号");
    same_store["tier"] = json!("provincial");
    let third = submitted(&app, &bob, same_store).await;
    let mut unrelated = application(fund, "Bob elsewhere", 1_000 * CNY);
    unrelated["address"] = json!("Far away 3");
    let fourth = submitted(&app, &bob, unrelated).await;

    for (id, expected) in [(first, json!([second, third])), (third, json!([first])), (fourth, json!([]))] {
        let seen = app.get(&format!("/api/v1/incentives/{id}"), Some(&staff)).await.ok(200);
        assert_eq!(seen["possible_duplicates"], expected, "application {id}");
    }
    let for_brand = app.get(&format!("/api/v1/incentives/{first}"), Some(&ada)).await.ok(200);
    assert!(for_brand["possible_duplicates"].is_null(), "flags are for staff");
}

#[tokio::test]
async fn csv_exports_keep_chinese_text_and_are_staff_only() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let fund = fund(&app, &staff, 10_000_000 * CNY).await;
    let id = submitted(&app, &brand, application(fund, "瓯江首店, \"旗舰\"", 1_000 * CNY)).await;
    app.post(&format!("/api/v1/incentives/{id}/approve"), Some(&staff), json!({"amount_fen": 1_000 * CNY}))
        .await
        .ok(200);

    let reply = app.get(&format!("/api/v1/funds/{fund}/applications.csv"), Some(&staff)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(reply.text.starts_with('\u{feff}'), "a BOM so spreadsheets read UTF-8");
    let mut lines = reply.text.trim_start_matches('\u{feff}').lines();
    assert!(lines.next().unwrap().starts_with("\"id\",\"brand\",\"store\""));
    assert!(lines.next().unwrap().contains("\"瓯江首店, \"\"旗舰\"\"\""));

    app.post(
        &format!("/api/v1/incentives/{id}/claw-back"),
        Some(&staff),
        json!({"amount_fen": 250 * CNY, "note": "Closed early"}),
    )
    .await
    .ok(200);
    let ledger = app.get(&format!("/api/v1/funds/{fund}/ledger.csv"), Some(&staff)).await;
    assert!(ledger.text.contains("\"¥1,000.00\""), "{}", ledger.text);
    assert!(ledger.text.contains(&format!(",{},", -250 * CNY)), "a clawback stays a number: {}", ledger.text);
    app.get(&format!("/api/v1/funds/{fund}/ledger.csv"), Some(&brand)).await.problem(403);
}

#[tokio::test]
async fn the_public_register_is_off_by_default() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let private = fund(&app, &staff, 10_000_000 * CNY).await;
    app.get(&format!("/api/v1/funds/{private}/register"), None).await.problem(404);
    app.get(&format!("/api/v1/funds/{private}/register"), Some(&brand)).await.problem(404);
    // Staff see it before it is published.
    assert_eq!(app.get(&format!("/api/v1/funds/{private}/register"), Some(&staff)).await.ok(200), json!([]));

    let mut body = fund_body(10_000_000 * CNY);
    body["public_register"] = json!(true);
    let public = app.post("/api/v1/funds", Some(&staff), body).await.ok(201)["id"].as_i64().unwrap();
    let id = submitted(&app, &brand, application(public, "Ada 首店", 1_000 * CNY)).await;
    assert_eq!(app.get(&format!("/api/v1/funds/{public}/register"), None).await.ok(200), json!([]));
    app.post(&format!("/api/v1/incentives/{id}/approve"), Some(&staff), json!({"amount_fen": 800 * CNY}))
        .await
        .ok(200);
    let register = app.get(&format!("/api/v1/funds/{public}/register"), None).await.ok(200);
    assert_eq!(register[0]["store"], "Ada 首店");
    assert_eq!(register[0]["award"]["fen"], 800 * CNY);
}

#[tokio::test]
async fn an_opening_date_outside_1970_to_9999_is_named() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let fund = fund(&app, &staff, 10_000_000 * CNY).await;
    for date in ["0001-01-01", "+12345-01-01"] {
        let mut body = application(fund, "Ouhai Coffee", 1_000 * CNY);
        body["opening_date"] = json!(date);
        assert_eq!(
            app.post("/api/v1/incentives", Some(&brand), body).await.invalid_fields(),
            ["opening_date"],
            "{date}"
        );
    }
}
