//! The web sign-in and the brand portal: cookies, CSRF, visibility, password resets, and the
//! whole application flow in Chromium.

use std::{collections::BTreeMap, io::Cursor, path::Path, process::Command};

use chrono::{TimeDelta, Utc};
use debut::{clock::Clock, on_db};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use reqwest::{StatusCode, redirect::Policy};
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, booking_body, local};

/// A browser without a browser: keeps cookies, follows no redirects, reads forms' CSRF tokens.
pub struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookies: BTreeMap<String, String>,
    /// Every `Set-Cookie` the server sent, as sent.
    set_cookies: Vec<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub text: String,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let client = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        Self { app, client, cookies: BTreeMap::new(), set_cookies: Vec::new() }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let response = request.header("cookie", cookie).send().await.unwrap();
        for value in response.headers().get_all("set-cookie") {
            let value = value.to_str().unwrap().to_owned();
            let (name, rest) = value.split_once('=').unwrap();
            let cookie_value = rest.split(';').next().unwrap().to_owned();
            if cookie_value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), cookie_value);
            }
            self.set_cookies.push(value);
        }
        let status = response.status();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        assert!(!status.is_server_error(), "{status}: {text}");
        Page { status, location, text }
    }

    /// The value of the cookie `name` the server set, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.get(name).cloned()
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.app.base));
        self.send(request).await
    }

    /// Posts a form; `csrf: true` adds the token the visitor's cookie holds.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)], csrf: bool) -> Page {
        let mut form: Vec<(String, String)> =
            fields.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        if csrf {
            form.push((
                "csrf".into(),
                self.cookies.get("debut_csrf").cloned().expect("a page set the CSRF cookie"),
            ));
        }
        let request = self.client.post(format!("{}{path}", self.app.base)).form(&form);
        self.send(request).await
    }

    /// Posts a multipart form with one file and its description, adding the CSRF token.
    pub async fn upload(&mut self, path: &str, file: Vec<u8>, alt: &str) -> Page {
        let csrf = self.cookies.get("debut_csrf").cloned().expect("a page set the CSRF cookie");
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("alt", alt.to_owned())
            .part("file", reqwest::multipart::Part::bytes(file).file_name("upload.png"));
        let request = self.client.post(format!("{}{path}", self.app.base)).multipart(form);
        self.send(request).await
    }

    /// Signs in an account with a second factor: the password, then a code for `secret`.
    pub async fn sign_in_with_code(&mut self, email: &str, secret: &str) -> Page {
        self.get("/login").await;
        let page = self.post("/login", &[("email", email), ("password", PASSWORD)], true).await;
        assert_eq!(page.status, StatusCode::OK, "the code step");
        let challenge = hidden_value(&page.text, "challenge");
        let code = crate::helpers::totp(secret, self.app.clock.now().timestamp());
        self.post("/login/code", &[("challenge", &challenge), ("code", &code), ("next", "")], true).await
    }

    pub async fn sign_in(&mut self, email: &str) {
        self.get("/login").await;
        let page = self.post("/login", &[("email", email), ("password", PASSWORD)], true).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert!(matches!(page.location.as_deref(), Some("/portal" | "/staff")), "{:?}", page.location);
    }
}

/// The value of the hidden input `name` in a page.
pub fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    on_db!(&app.db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await).unwrap()
}

#[tokio::test]
async fn a_form_post_without_its_csrf_token_is_403_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    browser.get("/register").await;
    let fields = [
        ("organization_kind", "brand"),
        ("organization_name", "Acme"),
        ("display_name", "Ada"),
        ("email", "ada@acme.cn"),
        ("password", PASSWORD),
    ];
    let page = browser.post("/register", &fields, false).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0, "no account was made");
    let mut forged = fields.to_vec();
    forged.push(("csrf", "0000000000000000000000000000000000000000000000000000000000000000"));
    assert_eq!(browser.post("/register", &forged, false).await.status, StatusCode::FORBIDDEN);

    assert_eq!(browser.post("/register", &fields, true).await.status, StatusCode::SEE_OTHER);
    let staff = app.staff("staff@office.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await.to_string();
    let (starts, ends) = (local(10, 19, 0), local(10, 21, 0));
    let booking = [
        ("venue_id", venue.as_str()),
        ("format", "launch"),
        ("reach", "city"),
        ("title_zh", "首发"),
        ("brand_name", "Acme"),
        ("expected_attendance", "100"),
        ("starts_at", starts.as_str()),
        ("ends_at", ends.as_str()),
        ("contact_name", "Ada"),
        ("contact_email", "ada@acme.cn"),
        ("intent", "draft"),
    ];
    assert_eq!(browser.post("/portal/bookings/new", &booking, false).await.status, StatusCode::FORBIDDEN);
    assert_eq!(browser.post("/logout", &[], false).await.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bookings").await, 0, "no booking was made");
    let saved = browser.post("/portal/bookings/new", &booking, true).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bookings").await, 1);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_ends_with_sign_out() {
    let app = TestApp::spawn().await;
    app.brand("ada@acme.cn").await;
    let mut browser = Browser::new(&app);
    let portal = browser.get("/portal").await;
    assert_eq!(
        (portal.status, portal.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/login?next=%2Fportal"))
    );
    browser.sign_in("ada@acme.cn").await;
    let session = browser.set_cookies.iter().find(|c| c.starts_with("debut_session=dbt_")).unwrap().clone();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(session.contains(attribute), "{session} has {attribute}");
    }
    assert!(!session.contains("Secure"), "not Secure over plain http: {session}");
    let csrf = browser.set_cookies.iter().find(|c| c.starts_with("debut_csrf=")).unwrap();
    assert!(csrf.contains("HttpOnly") && csrf.contains("SameSite=Lax"), "{csrf}");
    assert_eq!(browser.get("/portal").await.status, StatusCode::OK);

    let token = browser.cookies["debut_session"].clone();
    let out = browser.post("/logout", &[], true).await;
    assert_eq!((out.status, out.location.as_deref()), (StatusCode::SEE_OTHER, Some("/login")));
    assert!(!browser.cookies.contains_key("debut_session"), "the cookie is forgotten");
    browser.cookies.insert("debut_session".into(), token);
    assert_eq!(browser.get("/portal").await.status, StatusCode::SEE_OTHER, "the old session is revoked");
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_throttled_like_the_api() {
    let app = TestApp::spawn().await;
    app.brand("ada@acme.cn").await;
    let mut browser = Browser::new(&app);
    browser.get("/login").await;
    for _ in 0..5 {
        let page =
            browser.post("/login", &[("email", "ada@acme.cn"), ("password", "wrong password!")], true).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(page.text.contains("error-summary"));
    }
    let page = browser.post("/login", &[("email", "ada@acme.cn"), ("password", PASSWORD)], true).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "the API's throttle guards the web sign-in too");
}

#[tokio::test]
async fn another_organizations_booking_page_is_404() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let rival = app.brand("rival@brand.cn").await;
    app.brand("ada@acme.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let id = app.submitted_booking(&rival, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada@acme.cn").await;
    assert_eq!(browser.get(&format!("/portal/bookings/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(browser.get(&format!("/portal/bookings/{id}/edit")).await.status, StatusCode::NOT_FOUND);
    let page = browser.post(&format!("/portal/bookings/{id}/withdraw"), &[], true).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let state = app.get(&format!("/api/v1/bookings/{id}"), Some(&rival)).await.ok(200)["state"].clone();
    assert_eq!(state, "submitted", "nothing changed");
}

#[tokio::test]
async fn a_step_the_booking_no_longer_allows_is_said_on_its_page_in_the_page_language() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let ada = app.brand("ada@acme.cn").await;
    let venue = app.open_venue(&staff, "oujiang-parlor").await;
    let id = app.submitted_booking(&ada, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada@acme.cn").await;
    let commented = browser
        .post(&format!("/portal/bookings/{id}/comments"), &[("body", "我们想提前一小时布展。")], true)
        .await;
    assert_eq!(commented.status, StatusCode::SEE_OTHER);
    let page = browser.get(commented.location.as_deref().expect("sent back to the booking")).await;
    assert!(page.text.contains("留言已发送。"), "the page confirms what was done");
    let withdraw = format!("/portal/bookings/{id}/withdraw");
    assert_eq!(browser.post(&withdraw, &[], true).await.status, StatusCode::SEE_OTHER);
    let again = browser.post(&withdraw, &[], true).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.text.contains("这份档期申请现在是“已撤回”，不能执行这一步。"),
        "the reason is in Chinese, with the state as the page names it"
    );
    let api = app.post(&format!("/api/v1/bookings/{id}/withdraw"), Some(&ada), serde_json::json!({})).await;
    let problem = api.problem(409);
    assert_eq!(
        problem["detail"], "A booking that is withdrawn cannot be withdrawn.",
        "the API's English stays"
    );
    assert_eq!(
        (problem["code"].as_str(), problem["current_state"].as_str()),
        (Some("booking-not-now"), Some("withdrawn"))
    );
}

#[tokio::test]
async fn a_bad_filter_in_the_address_is_named_as_the_filter_labels_it() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/events?from=someday").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("（起始日期）") || page.text.contains("(起始日期)"), "{}", page.text);
    assert!(!page.text.contains("(from)"), "not by the parameter's name");
}

/// The reset link of the last message to `email`, from the outbox.
async fn reset_link(app: &TestApp, email: &str) -> String {
    let body: String = on_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT body FROM outbox WHERE recipient_email = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(pool)
    .await)
    .unwrap();
    let at = body.find("/password/reset/").expect("the message carries the link");
    body[at..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn a_reset_link_works_once_and_expires_in_an_hour() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    app.brand("ada@acme.cn").await;
    let mut browser = Browser::new(&app);
    browser.get("/password/forgot").await;
    let page = browser.post("/password/forgot", &[("email", "nobody@acme.cn")], true).await;
    assert_eq!(
        page.location.as_deref(),
        Some("/login?done=reset-sent"),
        "the same answer for unknown addresses"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox").await, 0);
    let page = browser.post("/password/forgot", &[("email", "Ada@Acme.cn")], true).await;
    assert_eq!(page.location.as_deref(), Some("/login?done=reset-sent"));
    let link = reset_link(&app, "ada@acme.cn").await;
    assert_eq!(browser.get(&link).await.status, StatusCode::OK);
    let short = browser.post(&link, &[("new_password", "short")], true).await;
    assert_eq!(
        short.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a short password is refused and the link kept"
    );
    let set = browser.post(&link, &[("new_password", "a brand new password")], true).await;
    assert_eq!(set.location.as_deref(), Some("/login?done=password-set"));
    let login = json!({"email": "ada@acme.cn", "password": "a brand new password"});
    app.post("/api/v1/auth/login", None, login).await.ok(200);
    assert_eq!(browser.get(&link).await.status, StatusCode::NOT_FOUND, "used once");
    let again = browser.post(&link, &[("new_password", "yet another password")], true).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    browser.post("/password/forgot", &[("email", "ada@acme.cn")], true).await;
    let late = reset_link(&app, "ada@acme.cn").await;
    clock.advance(TimeDelta::minutes(61));
    assert_eq!(
        browser.post(&late, &[("new_password", "too late password")], true).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_brand_applies_in_the_browser_forms_and_sees_its_fields_named() {
    let app = TestApp::spawn().await;
    debut::demo::load(&app.state).await.unwrap();
    app.brand("ada@acme.cn").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada@acme.cn").await;
    let page = browser.get("/portal/bookings/new?venue=wuma-street").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("class=\"slot free\""), "the week shows free blocks");
    assert!(
        page.text.contains(r#"name="starts_at" type="datetime-local" value="#),
        "times come with the browser's picker, in the form we read"
    );
    assert!(page.text.contains(
        r#"name="expected_attendance" type="text" value="" autocomplete="off" inputmode="numeric""#
    ));
    assert!(
        page.text.contains(r#"<span class="required">必填</span>"#),
        "needed fields are marked in Chinese"
    );
    let venue = app.get("/api/v1/venues/wuma-street", None).await.ok(200)["id"].as_i64().unwrap().to_string();
    let fields = [
        ("venue_id", venue.as_str()),
        ("expected_attendance", "many"),
        ("starts_at", "soon"),
        ("intent", "draft"),
    ];
    let page = browser.post("/portal/bookings/new", &fields, true).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["expected_attendance", "starts_at", "ends_at", "brand_name", "contact_email"] {
        assert!(page.text.contains(&format!("<a href=\"#{field}\">")), "the summary links to {field}");
        assert!(page.text.contains(&format!("id=\"{field}-error\"")), "{field} shows its error");
    }
    assert!(page.text.contains("id=\"ends_at-error\">请填写此项。"), "an empty time asks to be filled in");
    assert!(
        page.text.contains("<a href=\"#ends_at\">结束时间：请填写此项。</a>"),
        "the summary names each field by its label"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM bookings WHERE organization_id IS NOT NULL AND title_zh = ''")
            .await,
        0
    );
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    }));
    let mut bytes = Vec::new();
    picture.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).unwrap();
    bytes
}

#[tokio::test]
async fn a_refused_logo_keeps_the_one_before_it_and_a_good_one_replaces_it() {
    let app = TestApp::spawn().await;
    app.brand("logo@brand.example").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("logo@brand.example").await;
    browser.get("/portal/organization").await;
    let logos = "SELECT COUNT(*) FROM images WHERE owner_kind = 'organization_logo'";
    let first = "SELECT COUNT(*) FROM images WHERE owner_kind = 'organization_logo' AND alt = 'First logo'";

    let saved = browser.upload("/portal/organization/logo", png(64, 64), "First logo").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(count(&app, first).await, 1);

    let refused = browser.upload("/portal/organization/logo", b"not an image".to_vec(), "Broken").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("<a href=\"#file\">"), "the summary names the file field");
    let unnamed = browser.upload("/portal/organization/logo", png(32, 32), "").await;
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unnamed.text.contains("<a href=\"#alt\">"), "the summary names the description field");
    assert_eq!((count(&app, logos).await, count(&app, first).await), (1, 1), "the first logo stays");

    let replaced = browser.upload("/portal/organization/logo", png(48, 48), "Second logo").await;
    assert_eq!(replaced.status, StatusCode::SEE_OTHER);
    assert_eq!((count(&app, logos).await, count(&app, first).await), (1, 0), "one logo, the new one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium, playwright-core, html-validate and axe-core; bash .ci/run installs them and runs it"]
async fn a_new_brand_invites_a_colleague_applies_meets_a_clash_takes_a_free_slot_and_is_approved_in_chromium()
{
    let app = TestApp::spawn().await;
    debut::demo::load(&app.state).await.unwrap();
    let staff = app.staff("reviewer@office.cn").await;
    let rival = app.brand("rival@brand.cn").await;
    let venue = app.get("/api/v1/venues/wuma-street", None).await.ok(200)["id"].as_i64().unwrap();
    let (starts, ends) = (local(10, 19, 0), local(10, 21, 0));
    let mut body = booking_body(venue, &starts, &ends);
    body["title_en"] = json!("Rival secret launch");
    body["title_zh"] = json!("竞争对手的秘密首发");
    app.submitted_booking(&rival, body).await;
    let fund = json!({
        "name": "2027 首店 fund",
        "budget_fen": 100_000_000 * 100_i64,
        "opens_at": (Utc::now() - TimeDelta::days(1)).to_rfc3339(),
        "closes_at": (Utc::now() + TimeDelta::days(60)).to_rfc3339(),
    });
    app.post("/api/v1/funds", Some(&staff), fund).await.ok(201);

    let artifacts = artifacts();
    let poster = artifacts.join("poster.png");
    std::fs::write(&poster, png(640, 400)).unwrap();

    let args = vec![
        app.base.clone(),
        artifacts.display().to_string(),
        staff,
        starts[..10].to_owned(),
        starts[11..].to_owned(),
        ends[11..].to_owned(),
        poster.display().to_string(),
        "Rival secret launch".to_owned(),
    ];
    // The script waits for each invitation's link; hand it over from the outbox, as an e-mail
    // would.
    for lang in ["zh", "en"] {
        let _ = std::fs::remove_file(artifacts.join(format!("invitation-{lang}.txt")));
    }
    let db = app.db.clone();
    let links = artifacts.clone();
    let courier = tokio::spawn(async move {
        let mut handed = 0;
        while handed < 2 {
            let bodies: Vec<(String, String)> = on_db!(&db, pool => sqlx::query_as(
                "SELECT recipient_email, body FROM outbox WHERE recipient_email LIKE 'colleague-%' ORDER BY id",
            )
            .fetch_all(pool)
            .await)
            .unwrap();
            for (email, body) in &bodies {
                let lang = if email.starts_with("colleague-zh") { "zh" } else { "en" };
                let file = links.join(format!("invitation-{lang}.txt"));
                if !file.exists() {
                    let at = body.find("http").unwrap();
                    std::fs::write(&file, body[at..].split_whitespace().next().unwrap()).unwrap();
                }
            }
            handed = bodies.len();
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    });
    let stdout = run_e2e("portal.cjs", args).await;
    courier.abort();
    println!("{stdout}");
}

#[tokio::test]
async fn an_invitation_works_only_for_its_address_and_only_owners_invite() {
    let app = TestApp::spawn().await;
    let (owner, org) = app.register("brand", "ada@acme.cn").await;
    let invite = app
        .post(
            &format!("/api/v1/organizations/{org}/invitations"),
            Some(&owner),
            json!({"email": "Bo@Acme.cn"}),
        )
        .await;
    assert_eq!(invite.ok(201)["email"], "bo@acme.cn");
    let pending = app.get(&format!("/api/v1/organizations/{org}/invitations"), Some(&owner)).await.ok(200);
    assert_eq!(pending.as_array().unwrap().len(), 1);
    let body: String = on_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT body FROM outbox WHERE recipient_email = 'bo@acme.cn'",
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    let token = body.split("/invitations/").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    let accept = |email: &str| json!({"email": email, "display_name": "Bo", "password": PASSWORD});
    let path = format!("/api/v1/invitations/{token}/accept");
    app.post(&path, None, accept("eve@evil.cn")).await.problem(403);
    let mut browser = Browser::new(&app);
    browser.sign_in("ada@acme.cn").await;
    let page = browser
        .post(
            &format!("/invitations/{token}"),
            &[("email", "bo@acme.cn"), ("display_name", "Bo"), ("password", PASSWORD)],
            true,
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "a signed-in account of another address cannot use it");
    assert_eq!(
        app.get(&format!("/api/v1/organizations/{org}/members"), Some(&owner))
            .await
            .ok(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let bo = app.post(&path, None, accept("bo@acme.cn")).await.ok(201);
    assert_eq!(bo["organization"]["id"], org);
    app.post(&path, None, accept("bo@acme.cn")).await.problem(404);

    let members = app.get(&format!("/api/v1/organizations/{org}/members"), Some(&owner)).await.ok(200);
    assert_eq!(
        members.as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect::<Vec<_>>(),
        ["owner", "member"]
    );
    let bo_token = app.login("bo@acme.cn").await;
    app.post(
        &format!("/api/v1/organizations/{org}/invitations"),
        Some(&bo_token),
        json!({"email": "cy@acme.cn"}),
    )
    .await
    .problem(403);
    let (stranger, _) = app.register("brand", "zed@other.cn").await;
    app.get(&format!("/api/v1/organizations/{org}/members"), Some(&stranger)).await.problem(404);

    let bo_id = bo["id"].as_i64().unwrap();
    app.send(
        reqwest::Method::DELETE,
        &format!("/api/v1/organizations/{org}/members/{bo_id}"),
        Some(&bo_token),
        None,
    )
    .await
    .problem(403);
    app.send(
        reqwest::Method::DELETE,
        &format!("/api/v1/organizations/{org}/members/{bo_id}"),
        Some(&owner),
        None,
    )
    .await
    .ok(204);
    app.get("/api/v1/me", Some(&bo_token)).await.problem(401);
    let login = json!({"email": "bo@acme.cn", "password": PASSWORD});
    app.post("/api/v1/auth/login", None, login).await.problem(401);
}

#[tokio::test]
async fn a_brand_applies_for_a_first_store_award_in_the_browser_with_the_cap_beside_the_tier() {
    let app = TestApp::spawn().await;
    let staff = app.staff("staff@office.cn").await;
    let fund = json!({
        "name": "2027 首店 fund",
        "budget_fen": 100_000_000 * 100_i64,
        "opens_at": (Utc::now() - TimeDelta::days(1)).to_rfc3339(),
        "closes_at": (Utc::now() + TimeDelta::days(60)).to_rfc3339(),
        "caps_fen": {"city": 500_000 * 100_i64},
    });
    let fund_id =
        app.post("/api/v1/funds", Some(&staff), fund).await.ok(201)["id"].as_i64().unwrap().to_string();
    app.brand("ada@acme.cn").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada@acme.cn").await;
    let page = browser.get("/portal/incentives/new").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("全市首店 · 上限 ¥500,000.00"), "the tier's cap shows beside it");

    let mut form = vec![
        ("fund_id", fund_id.as_str()),
        ("store_name", "Acme Coffee Wuma"),
        ("address", "五马街 1 号"),
        ("tier", "city"),
        ("opening_date", "2026-10-01"),
        ("floor_area_m2", "120"),
        ("investment_fen", "3,000,000"),
        ("requested_fen", "500000.01"),
        ("intent", "submit"),
    ];
    let page = browser.post("/portal/incentives/new", &form, true).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "more than the cap");
    assert!(page.text.contains("<a href=\"#requested_fen\">"), "the amount is named");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM incentive_applications").await, 0);

    form[7] = ("requested_fen", "500000");
    let page = browser.post("/portal/incentives/new", &form, true).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let location = page.location.unwrap();
    assert!(location.ends_with("?done=submitted"), "{location}");
    let detail = browser.get(location.split('?').next().unwrap()).await;
    assert!(detail.text.contains("已提交") && detail.text.contains("¥500,000.00"), "state and amount show");
    let requested: i64 =
        on_db!(&app.db, pool => sqlx::query_scalar("SELECT requested_fen FROM incentive_applications").fetch_one(pool).await)
            .unwrap();
    assert_eq!(requested, 500_000 * 100, "yuan became fen");
    assert!(browser.get("/portal").await.text.contains("Acme Coffee Wuma"), "the portal lists it");
}

#[tokio::test]
async fn the_console_is_404_for_brands_and_its_forms_check_csrf() {
    let app = TestApp::spawn().await;
    let staff_token = app.staff("staff@office.cn").await;
    let brand = app.brand("ada@acme.cn").await;
    let venue = app.open_venue(&staff_token, "oujiang-parlor").await;
    let id = app.submitted_booking(&brand, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada@acme.cn").await;
    for path in [
        "/staff".to_owned(),
        "/staff/queue".to_owned(),
        format!("/staff/queue/group?ids={id}"),
        format!("/staff/bookings/{id}"),
        "/staff/timeline".to_owned(),
        "/staff/funds/1".to_owned(),
        "/staff/funds/1/ledger.csv".to_owned(),
    ] {
        assert_eq!(browser.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let page = browser
        .post(&format!("/staff/bookings/{id}/decision"), &[("action", "approve"), ("when", "now")], true)
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "a brand cannot decide through the console");

    let mut staff = Browser::new(&app);
    staff.get("/login").await;
    let page = staff.post("/login", &[("email", "staff@office.cn"), ("password", PASSWORD)], true).await;
    assert_eq!(page.location.as_deref(), Some("/staff"), "staff land in the console");
    assert_eq!(staff.get("/portal").await.location.as_deref(), Some("/staff"));
    for path in ["/staff", "/staff/queue", "/staff/timeline"] {
        assert_eq!(staff.get(path).await.status, StatusCode::OK, "{path}");
    }
    let forged = staff
        .post(&format!("/staff/bookings/{id}/decision"), &[("action", "approve"), ("when", "now")], false)
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(staff.post("/staff/queue/release", &[], false).await.status, StatusCode::FORBIDDEN);
    let state = app.get(&format!("/api/v1/bookings/{id}"), Some(&brand)).await.ok(200)["state"].clone();
    assert_eq!(state, "submitted", "nothing was decided");
}

#[tokio::test]
async fn staff_decide_a_clash_group_in_one_action_and_release_staged_decisions() {
    let app = TestApp::spawn().await;
    let staff_token = app.staff("staff@office.cn").await;
    let venue = app.open_venue(&staff_token, "oujiang-parlor").await;
    let mut ids = Vec::new();
    for (i, hour) in [18, 19, 20].into_iter().enumerate() {
        let brand = app.brand(&format!("brand{i}@acme.cn")).await;
        let mut body = booking_body(venue, &local(10, hour, 0), &local(10, hour + 2, 0));
        body["title_en"] = json!(format!("Launch {i}"));
        ids.push(app.submitted_booking(&brand, body).await);
    }
    let mut staff = Browser::new(&app);
    staff.sign_in("staff@office.cn").await;
    let queue = staff.get("/staff/queue").await;
    let group_href =
        format!("/staff/queue/group?ids={}", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    assert!(queue.text.contains(&group_href.replace('&', "&amp;")), "the three form one clash group");
    assert_eq!(staff.get(&group_href).await.status, StatusCode::OK);
    let (a, b, c) = (ids[0].to_string(), ids[1].to_string(), ids[2].to_string());
    let (action_b, action_c, note_b, note_c) =
        (format!("action_{b}"), format!("action_{c}"), format!("note_{b}"), format!("note_{c}"));
    let joined = format!("{a},{b},{c}");
    let fields = [
        ("ids", joined.as_str()),
        ("approve", a.as_str()),
        (action_b.as_str(), "reject"),
        (note_b.as_str(), "Another launch has this evening."),
        (action_c.as_str(), "request-changes"),
        (note_c.as_str(), "Please choose another evening."),
    ];
    let page = staff.post("/staff/queue/group", &fields, true).await;
    assert_eq!(page.location.as_deref(), Some("/staff/queue?done=decided"), "{}", page.text);
    let state = |id: i64| {
        let app = &app;
        let staff_token = staff_token.clone();
        async move {
            app.get(&format!("/api/v1/bookings/{id}"), Some(&staff_token)).await.ok(200)["state"].clone()
        }
    };
    assert_eq!(state(ids[0]).await, "approved");
    assert_eq!(state(ids[1]).await, "rejected");
    assert_eq!(state(ids[2]).await, "changes_requested");
    assert_eq!(
        count(&app, "SELECT COUNT(DISTINCT recipient_org_id) FROM outbox").await,
        3,
        "every applicant hears"
    );

    // Two more, staged and released together.
    let brand = app.brand("late@acme.cn").await;
    let late: Vec<i64> = futures_ids(&app, &brand, venue).await;
    for id in &late {
        let page = staff
            .post(
                &format!("/staff/bookings/{id}/decision"),
                &[("action", "approve"), ("when", "stage"), ("note", "")],
                true,
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
        assert_eq!(state(*id).await, "submitted", "staged, not applied");
    }
    assert!(staff.get("/staff/queue").await.text.contains("(2 "), "the release button counts two");
    assert_eq!(
        staff.post("/staff/queue/release", &[], true).await.location.as_deref(),
        Some("/staff/queue?done=released")
    );
    for id in &late {
        assert_eq!(state(*id).await, "approved");
    }
    let timeline = staff.get(&format!("/staff/timeline?week={}", iso_week_of(&local(10, 19, 0)))).await;
    assert!(
        timeline.text.contains(&format!("/staff/bookings/{}", ids[0])),
        "the approved event is on the timeline"
    );
}

/// Two submitted bookings on other days, for staging.
async fn futures_ids(app: &TestApp, brand: &str, venue: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    for day in [12, 13] {
        ids.push(
            app.submitted_booking(brand, booking_body(venue, &local(day, 19, 0), &local(day, 21, 0))).await,
        );
    }
    ids
}

fn iso_week_of(local: &str) -> String {
    let date = chrono::NaiveDate::parse_from_str(&local[..10], "%Y-%m-%d").unwrap();
    let week = chrono::Datelike::iso_week(&date);
    format!("{}-W{:02}", week.year(), week.week())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium, playwright-core, html-validate and axe-core; bash .ci/run installs them and runs it"]
async fn staff_decide_a_clash_group_release_staged_decisions_and_award_in_chromium() {
    let app = TestApp::spawn().await;
    debut::demo::load(&app.state).await.unwrap();
    let (staff, secret) = app.admin("reviewer@office.cn").await;
    let venue = app.get("/api/v1/venues/oujiang-parlor", None).await.ok(200)["id"].as_i64().unwrap();
    let mut group = Vec::new();
    for (i, hour) in [14, 15, 16].into_iter().enumerate() {
        let brand = app.brand(&format!("rival{i}@brand.cn")).await;
        let mut body = booking_body(venue, &local(10, hour, 0), &local(10, hour + 2, 0));
        body["title_en"] = json!(format!("Launch {i}"));
        group.push(app.submitted_booking(&brand, body).await.to_string());
    }
    let late = app.brand("late@brand.cn").await;
    let mut staged = Vec::new();
    for day in [12, 13] {
        staged.push(
            app.submitted_booking(&late, booking_body(venue, &local(day, 14, 0), &local(day, 16, 0)))
                .await
                .to_string(),
        );
    }
    let fund = json!({
        "name": "2027 首店 fund",
        "budget_fen": 100_000_000 * 100_i64,
        "opens_at": (Utc::now() - TimeDelta::days(1)).to_rfc3339(),
        "closes_at": (Utc::now() + TimeDelta::days(60)).to_rfc3339(),
    });
    let fund_id = app.post("/api/v1/funds", Some(&staff), fund).await.ok(201)["id"].as_i64().unwrap();
    let store = json!({
        "fund_id": fund_id, "store_name": "Ouhai Coffee Wuma", "address": "五马街 8 号", "tier": "city",
        "opening_date": "2026-10-01", "floor_area_m2": 120, "investment_fen": 300_000_000_i64, "requested_fen": 80_000_000_i64,
    });
    let application =
        app.post("/api/v1/incentives", Some(&late), store).await.ok(201)["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/incentives/{application}/submit"), Some(&late), json!({})).await.ok(200);

    let artifacts = artifacts();
    let args = vec![
        app.base.clone(),
        artifacts.display().to_string(),
        "reviewer@office.cn".to_owned(),
        PASSWORD.to_owned(),
        secret,
        group.join(","),
        staged.join(","),
        fund_id.to_string(),
        iso_week_of(&local(10, 14, 0)),
    ];
    let stdout = run_e2e("console.cjs", args).await;
    println!("{stdout}");
    for id in &group {
        let told: i64 = on_db!(&app.db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE recipient_org_id IS NOT NULL AND link = $1",
        )
        .bind(format!("/portal/bookings/{id}"))
        .fetch_one(pool)
        .await)
        .unwrap();
        assert_eq!(told, 1, "the applicant of booking {id} gets its message");
    }
}

#[tokio::test]
async fn admins_manage_staff_accounts_and_other_staff_get_404() {
    let app = TestApp::spawn().await;
    let secret = app.staff_with_second_factor("admin@office.cn", debut::accounts::Role::Admin).await;
    app.staff("staff@office.cn").await;
    let mut staff = Browser::new(&app);
    staff.sign_in("staff@office.cn").await;
    assert_eq!(staff.get("/staff/accounts").await.status, StatusCode::NOT_FOUND, "only admins");
    let page = staff.post("/staff/accounts", &[("email", "x@office.cn"), ("display_name", "X")], true).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    let mut admin = Browser::new(&app);
    assert_eq!(admin.sign_in_with_code("admin@office.cn", &secret).await.location.as_deref(), Some("/staff"));
    assert_eq!(admin.get("/staff/accounts").await.status, StatusCode::OK);
    assert_eq!(
        admin
            .post("/staff/accounts", &[("email", "new@office.cn"), ("display_name", "New")], false)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bad = admin.post("/staff/accounts", &[("email", "nobody"), ("display_name", "")], true).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let made =
        admin.post("/staff/accounts", &[("email", "new@office.cn"), ("display_name", "New")], true).await;
    assert_eq!(made.location.as_deref(), Some("/staff/accounts"));
    let link = reset_link(&app, "new@office.cn").await;
    let mut newcomer = Browser::new(&app);
    newcomer.get(&link).await;
    assert_eq!(newcomer.post(&link, &[("new_password", PASSWORD)], true).await.status, StatusCode::SEE_OTHER);
    newcomer.sign_in("new@office.cn").await;
    assert_eq!(newcomer.get("/staff").await.status, StatusCode::OK, "the new colleague works in the console");

    let id: i64 =
        on_db!(&app.db, pool => sqlx::query_scalar("SELECT id FROM users WHERE email = 'new@office.cn'")
        .fetch_one(pool)
        .await)
        .unwrap();
    let disabled = admin.post(&format!("/staff/accounts/{id}/disable"), &[], true).await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert_eq!(newcomer.get("/staff").await.status, StatusCode::NOT_FOUND, "no console for a stranger");
    assert_eq!(
        newcomer.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "a disabled account's session ends"
    );
    let login = json!({"email": "new@office.cn", "password": PASSWORD});
    app.post("/api/v1/auth/login", None, login.clone()).await.problem(401);
    admin.post(&format!("/staff/accounts/{id}/enable"), &[], true).await;
    app.post("/api/v1/auth/login", None, login).await.ok(200);
    let audit = count(&app, "SELECT COUNT(*) FROM audit_log WHERE subject_kind = 'user'").await;
    assert_eq!(audit, 3, "invited, disabled, re-enabled, each with the admin");
}

#[tokio::test]
async fn staff_create_and_edit_venues_with_hours_past_midnight_and_see_every_bad_field() {
    let app = TestApp::spawn().await;
    app.staff("staff@office.cn").await;
    let mut staff = Browser::new(&app);
    staff.sign_in("staff@office.cn").await;
    assert_eq!(staff.get("/staff/venues/new").await.status, StatusCode::OK);
    let mut fields = vec![
        ("slug", "Chan Street"),
        ("name_zh", "蝉街"),
        ("name_en", ""),
        ("kind", "street"),
        ("tier", "core"),
        ("address", "蝉街"),
        ("latitude", "north"),
        ("longitude", "120.65"),
        ("capacity", "3000"),
        ("hours", "fri 18:00-02:00\nsat 10:00-14:00\nsat 18:00-02:00"),
        ("blackouts", "2027-02-10T00:00 | soon | Spring Festival"),
    ];
    let page = staff.post("/staff/venues/new", &fields, true).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["slug", "name_en", "latitude", "blackouts"] {
        assert!(page.text.contains(&format!("<a href=\"#{field}\">")), "{field} is named");
    }
    fields[0] = ("slug", "chan-street");
    fields[2] = ("name_en", "Chan Street");
    fields[6] = ("latitude", "28.02");
    fields[10] = ("blackouts", "2027-02-10T00:00 | 2027-02-12T00:00 | Spring Festival");
    let page = staff.post("/staff/venues/new", &fields, true).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let venue = app.get("/api/v1/venues/chan-street", None).await.ok(200);
    assert_eq!(
        venue["opening_hours"],
        json!([
            {"weekday": "fri", "opens": "18:00", "closes": "02:00"},
            {"weekday": "sat", "opens": "10:00", "closes": "14:00"},
            {"weekday": "sat", "opens": "18:00", "closes": "02:00"},
        ]),
        "windows past midnight and two a day are kept"
    );
    let form = staff.get(&format!("/staff/venues/{}", venue["id"])).await.text;
    assert!(form.contains("sat 10:00-14:00\nsat 18:00-02:00"), "editing shows every window");
    assert_eq!(venue["blackouts"][0]["starts_at"], "2027-02-09T16:00:00+00:00", "venue time becomes UTC");
    let id = venue["id"].as_i64().unwrap();
    assert_eq!(
        staff.post(&format!("/staff/venues/{id}/archive"), &[], true).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.get(&format!("/api/v1/venues/{id}"), None).await.ok(200)["archived"], true);
}

#[tokio::test]
async fn staff_who_want_it_get_one_digest_a_day_after_eight() {
    use chrono::TimeZone;
    // 07:00 in Shanghai.
    let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 12, 1, 23, 0, 0).unwrap());
    let app =
        TestApp::spawn_with(clock.clone(), |s| s.outbox_interval = std::time::Duration::from_secs(3600))
            .await;
    let staff_token = app.staff("staff@office.cn").await;
    app.staff("quiet@office.cn").await;
    let brand = app.brand("ada@acme.cn").await;
    let venue = app.open_venue(&staff_token, "oujiang-parlor").await;
    app.submitted_booking(&brand, booking_body(venue, &local(10, 19, 0), &local(10, 21, 0))).await;
    let mut staff = Browser::new(&app);
    staff.sign_in("staff@office.cn").await;
    staff.get("/staff").await;
    assert_eq!(staff.post("/staff/digest", &[("wanted", "1")], false).await.status, StatusCode::FORBIDDEN);
    assert_eq!(staff.post("/staff/digest", &[("wanted", "1")], true).await.status, StatusCode::SEE_OTHER);

    let digests = "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%digest%'";
    let public_url = app.state.settings.public_url.clone();
    assert_eq!(
        debut::console::digest::enqueue_due(&app.db, &public_url, clock.now()).await.unwrap(),
        0,
        "not before 08:00"
    );
    clock.advance(TimeDelta::minutes(90));
    assert_eq!(debut::console::digest::enqueue_due(&app.db, &public_url, clock.now()).await.unwrap(), 1);
    assert_eq!(
        debut::console::digest::enqueue_due(&app.db, &public_url, clock.now()).await.unwrap(),
        0,
        "once a day"
    );
    assert_eq!(count(&app, digests).await, 1, "only the one who asked");
    let subject: String = on_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT subject FROM outbox WHERE recipient_email = 'staff@office.cn'",
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert!(subject.contains("1 个档期申请"), "{subject}");
    clock.advance(TimeDelta::days(1));
    assert_eq!(
        debut::console::digest::enqueue_due(&app.db, &public_url, clock.now()).await.unwrap(),
        1,
        "the next day"
    );
}

/// Where the browser tests keep their screenshots.
pub fn artifacts() -> std::path::PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/target", env!("CARGO_MANIFEST_DIR")));
    let dir = Path::new(&target).join("e2e-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a browser script of `tests/e2e` with Chromium, failing (never skipping) when a tool is
/// missing; returns what it printed.
pub async fn run_e2e(script: &str, args: Vec<String>) -> String {
    let node_path =
        std::env::var("DEBUT_NODE_PATH").unwrap_or_else(|_| "/tmp/debut-conformance/node_modules".into());
    for needed in [
        Path::new(&node_path).join("playwright-core"),
        Path::new(&node_path).join("axe-core"),
        "/usr/bin/chromium".into(),
    ] {
        assert!(
            needed.exists(),
            "{} is missing; bash .ci/run installs the browser test tools",
            needed.display()
        );
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e").join(script);
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node").arg(script).args(args).env("NODE_PATH", node_path).output()
    })
    .await
    .unwrap()
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "browser test failed:\n{stdout}\n{stderr}");
    stdout
}
