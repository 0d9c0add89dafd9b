//! Venues: staff manage them, everyone reads them.

use serde_json::json;

use crate::helpers::{TestApp, venue_body};

#[tokio::test]
async fn staff_create_a_venue_and_brands_may_not() {
    let app = TestApp::spawn().await;
    let brand = app.brand("ada@brand.cn").await;
    let staff = app.staff("staff@office.cn").await;

    app.post("/api/v1/venues", Some(&brand), venue_body("oujiang-parlor")).await.problem(403);
    app.post("/api/v1/venues", None, venue_body("oujiang-parlor")).await.problem(401);
    let venue = app.post("/api/v1/venues", Some(&staff), venue_body("oujiang-parlor")).await.ok(201);
    assert_eq!(venue["slug"], "oujiang-parlor");
    assert_eq!(venue["zone"], "Asia/Shanghai");
    assert_eq!(venue["opening_hours"].as_array().unwrap().len(), 7);
    assert_eq!(venue["archived"], false);

    let list = app.get("/api/v1/venues", None).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "the brand's attempt created nothing");
}

#[tokio::test]
async fn an_invalid_venue_gets_a_422_naming_each_field_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let mut body = venue_body("bad-venue");
    body["latitude"] = json!(200);
    body["name_zh"] = json!("");
    body["zone"] = json!("Mars/Olympus_Mons");
    body["opening_hours"] = json!([{"weekday": "fri", "opens": "18:00", "closes": "18:00"}]);
    let reply = app.post("/api/v1/venues", Some(&staff), body).await;
    assert_eq!(reply.invalid_fields(), ["name_zh", "latitude", "zone", "opening_hours[0]"]);
    assert_eq!(app.get("/api/v1/venues", None).await.ok(200)["items"], json!([]));
}

#[tokio::test]
async fn a_night_window_past_midnight_is_kept() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let venue = app
        .venue(&staff, json!({"opening_hours": [{"weekday": "sat", "opens": "18:00", "closes": "02:00"}]}))
        .await;
    assert_eq!(venue["opening_hours"], json!([{"weekday": "sat", "opens": "18:00", "closes": "02:00"}]));
}

#[tokio::test]
async fn a_venue_is_found_by_id_and_by_slug() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let venue = app.venue(&staff, json!({"slug": "park-road-stage"})).await;
    let id = venue["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/api/v1/venues/{id}"), None).await.ok(200)["slug"], "park-road-stage");
    assert_eq!(app.get("/api/v1/venues/park-road-stage", None).await.ok(200)["id"], id);
    app.get("/api/v1/venues/nowhere", None).await.problem(404);
    app.get("/api/v1/venues/99999", None).await.problem(404);
}

#[tokio::test]
async fn a_duplicate_slug_is_a_409() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    app.venue(&staff, json!({"slug": "wuma-street"})).await;
    app.post("/api/v1/venues", Some(&staff), venue_body("wuma-street")).await.problem(409);
}

#[tokio::test]
async fn listing_filters_by_kind_and_tier_and_pages_with_a_cursor() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    app.venue(&staff, json!({"slug": "hall-a", "kind": "hall", "tier": "core"})).await;
    app.venue(&staff, json!({"slug": "mall-a", "kind": "mall", "tier": "main"})).await;
    app.venue(&staff, json!({"slug": "mall-b", "kind": "mall", "tier": "main"})).await;
    app.venue(&staff, json!({"slug": "stage-a", "kind": "stage", "tier": "core"})).await;

    let slugs = |body: serde_json::Value| -> Vec<String> {
        body["items"].as_array().unwrap().iter().map(|v| v["slug"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(slugs(app.get("/api/v1/venues?kind=mall", None).await.ok(200)), ["mall-a", "mall-b"]);
    assert_eq!(slugs(app.get("/api/v1/venues?tier=core", None).await.ok(200)), ["hall-a", "stage-a"]);

    let first = app.get("/api/v1/venues?limit=3", None).await.ok(200);
    assert_eq!(slugs(first.clone()), ["hall-a", "mall-a", "mall-b"]);
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let second = app.get(&format!("/api/v1/venues?limit=3&cursor={cursor}"), None).await.ok(200);
    assert_eq!(slugs(second.clone()), ["stage-a"]);
    assert!(second["next_cursor"].is_null());
}

#[tokio::test]
async fn staff_patch_a_venue_and_only_named_fields_change() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.venue(&staff, json!({})).await;
    let path = format!("/api/v1/venues/{}", venue["id"]);

    app.patch(&path, Some(&brand), json!({"capacity": 1})).await.problem(403);
    let updated = app
        .patch(&path, Some(&staff), json!({
            "capacity": 800,
            "blackouts": [{"starts_at": "2026-12-31T16:00:00Z", "ends_at": "2027-01-01T16:00:00Z", "reason": "New Year fireworks"}],
        }))
        .await
        .ok(200);
    assert_eq!(updated["capacity"], 800);
    assert_eq!(updated["name_en"], venue["name_en"]);
    assert_eq!(updated["opening_hours"], venue["opening_hours"]);
    assert_eq!(updated["blackouts"][0]["reason"], "New Year fireworks");

    let reply = app.patch(&path, Some(&staff), json!({"capacity": -5, "zone": "Nowhere"})).await;
    assert_eq!(reply.invalid_fields(), ["capacity", "zone"]);
    assert_eq!(app.get(&path, None).await.ok(200)["capacity"], 800, "a refused patch changes nothing");

    let reply = app
        .patch(&path, Some(&staff), json!({"blackouts": [{"starts_at": "2027-01-02T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z", "reason": "x"}]}))
        .await;
    assert_eq!(reply.invalid_fields(), ["blackouts[0].ends_at"]);
}

#[tokio::test]
async fn an_archived_venue_leaves_the_listing_but_stays_readable() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let venue = app.venue(&staff, json!({})).await;
    let id = venue["id"].as_i64().unwrap();
    let archived = app.post(&format!("/api/v1/venues/{id}/archive"), Some(&staff), json!({})).await.ok(200);
    assert_eq!(archived["archived"], true);
    assert_eq!(app.get("/api/v1/venues", None).await.ok(200)["items"], json!([]));
    let all = app.get("/api/v1/venues?include_archived=true", None).await.ok(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.get(&format!("/api/v1/venues/{id}"), None).await.ok(200)["archived"], true);
}
