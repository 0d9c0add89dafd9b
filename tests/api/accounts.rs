//! Accounts: registration, login, tokens, throttling and organization isolation.

use chrono::{TimeDelta, Utc};
use debut::clock::Clock;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};

fn registration(email: &str) -> serde_json::Value {
    json!({
        "organization_name": "首发 Brand",
        "organization_kind": "brand",
        "email": email,
        "password": PASSWORD,
        "display_name": "Ada",
    })
}

#[tokio::test]
async fn registering_creates_an_organization_and_its_first_member() {
    let app = TestApp::spawn().await;
    let user = app.post("/api/v1/auth/register", None, registration("Ada@Brand.cn")).await.ok(201);
    assert_eq!(user["email"], "ada@brand.cn");
    assert_eq!(user["role"], "member");
    assert_eq!(user["organization"]["kind"], "brand");
    assert_eq!(user["organization"]["name"], "首发 Brand");
    assert!(user.get("password_hash").is_none());
}

#[tokio::test]
async fn registering_an_email_twice_is_a_409() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/auth/register", None, registration("ada@brand.cn")).await.ok(201);
    app.post("/api/v1/auth/register", None, registration("ADA@brand.cn")).await.problem(409);
}

#[tokio::test]
async fn registration_names_every_invalid_field() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({
                "organization_name": " ", "organization_kind": "brand", "email": "nope",
                "password": "short", "display_name": "Ada",
            }),
        )
        .await;
    assert_eq!(reply.invalid_fields(), ["organization_name", "email", "password"]);
}

#[tokio::test]
async fn nobody_can_register_as_staff() {
    let app = TestApp::spawn().await;
    let mut body = registration("sneaky@x.cn");
    body["organization_kind"] = json!("staff");
    assert_eq!(app.post("/api/v1/auth/register", None, body).await.invalid_fields(), ["organization_kind"]);
}

#[tokio::test]
async fn a_login_token_identifies_the_user_until_logout() {
    let app = TestApp::spawn().await;
    let token = app.brand("ada@brand.cn").await;
    let me = app.get("/api/v1/me", Some(&token)).await.ok(200);
    assert_eq!(me["email"], "ada@brand.cn");
    app.send(reqwest::Method::POST, "/api/v1/auth/logout", Some(&token), None).await.ok(204);
    app.get("/api/v1/me", Some(&token)).await.problem(401);
}

#[tokio::test]
async fn requests_without_a_valid_token_are_401() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/me", None).await.problem(401);
    app.get("/api/v1/me", Some("dbt_0000")).await.problem(401);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401() {
    let app = TestApp::spawn().await;
    app.brand("ada@brand.cn").await;
    let wrong = app
        .post("/api/v1/auth/login", None, json!({"email": "ada@brand.cn", "password": "wrong password"}))
        .await
        .problem(401);
    let unknown = app
        .post("/api/v1/auth/login", None, json!({"email": "who@brand.cn", "password": "wrong password"}))
        .await
        .problem(401);
    assert_eq!(wrong["detail"], unknown["detail"]);
}

#[tokio::test]
async fn tokens_expire() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let token = app.brand("ada@brand.cn").await;
    app.get("/api/v1/me", Some(&token)).await.ok(200);
    clock.advance(TimeDelta::days(31));
    app.get("/api/v1/me", Some(&token)).await.problem(401);
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_with_retry_after() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    app.brand("ada@brand.cn").await;
    let wrong = json!({"email": "ada@brand.cn", "password": "wrong password"});
    for _ in 0..5 {
        app.post("/api/v1/auth/login", None, wrong.clone()).await.problem(401);
    }
    // Past the limit the account is slowed, not locked: a short wait, then the owner's right
    // password gets in, while a guesser gets one try per wait.
    let right = json!({"email": "ada@brand.cn", "password": PASSWORD});
    let reply = app.post("/api/v1/auth/login", None, right.clone()).await;
    reply.problem(429);
    let retry_after: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    clock.advance(TimeDelta::seconds(31));
    app.post("/api/v1/auth/login", None, wrong.clone()).await.problem(401);
    app.post("/api/v1/auth/login", None, wrong.clone()).await.problem(429);
    clock.advance(TimeDelta::seconds(31));
    app.post("/api/v1/auth/login", None, right).await.ok(200);
}

#[tokio::test]
async fn an_organization_is_visible_and_changeable_only_by_its_members_and_visible_to_staff() {
    let app = TestApp::spawn().await;
    let (ada, ada_org) = app.register("brand", "ada@brand.cn").await;
    let (bob, _) = app.register("organizer", "bob@market.cn").await;
    let staff = app.staff("staff@office.cn").await;

    let own = app.get(&format!("/api/v1/organizations/{ada_org}"), Some(&ada)).await.ok(200);
    assert_eq!(own["id"], ada_org);
    app.get(&format!("/api/v1/organizations/{ada_org}"), Some(&bob)).await.problem(404);
    app.get(&format!("/api/v1/organizations/{ada_org}"), Some(&staff)).await.ok(200);

    let rename = json!({"name": "Hijacked"});
    app.patch(&format!("/api/v1/organizations/{ada_org}"), Some(&bob), rename.clone()).await.problem(404);
    app.patch(&format!("/api/v1/organizations/{ada_org}"), Some(&staff), rename).await.problem(403);
    let unchanged = app.get(&format!("/api/v1/organizations/{ada_org}"), Some(&ada)).await.ok(200);
    assert_eq!(unchanged["name"], "Org of ada@brand.cn");

    let renamed = app
        .patch(&format!("/api/v1/organizations/{ada_org}"), Some(&ada), json!({"name": "Ada Studio"}))
        .await
        .ok(200);
    assert_eq!(renamed["name"], "Ada Studio");
}
