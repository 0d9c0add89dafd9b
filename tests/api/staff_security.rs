//! Staff sign-in and money controls (issue 17): a second factor with recovery codes, who must use
//! one, sessions people can list and end, re-confirming the password for sensitive actions, and
//! four-eyes awards.

use chrono::{TimeDelta, Utc};
use debut::{accounts::Role, clock::Clock};
use serde_json::{Value, json};

use crate::{
    helpers::{PASSWORD, TestApp, totp},
    incentives::{application, fund, submitted},
};

const CNY: i64 = 100;

fn login(email: &str, code: Option<&str>) -> Value {
    match code {
        Some(code) => json!({"email": email, "password": PASSWORD, "code": code}),
        None => json!({"email": email, "password": PASSWORD}),
    }
}

/// The code for the app's clock, `steps` steps of 30 seconds away.
fn code(app: &TestApp, secret: &str, steps: i64) -> String {
    totp(secret, app.clock.now().timestamp() + 30 * steps)
}

#[tokio::test]
async fn staff_enrol_then_sign_in_with_a_code_once_and_with_each_recovery_code_once() {
    let app = TestApp::spawn().await;
    let staff = app.staff("desk@office.cn").await;
    let status = app.get("/api/v1/auth/two-factor", Some(&staff)).await.ok(200);
    assert_eq!((status["enabled"].as_bool(), status["required"].as_bool()), (Some(false), Some(false)));

    let enrolment = app.post("/api/v1/auth/two-factor", Some(&staff), json!({})).await.ok(200);
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    assert!(enrolment["otpauth_uri"].as_str().unwrap().contains(&format!("secret={secret}")));
    assert!(enrolment["qr_svg"].as_str().unwrap().contains("<svg"));
    let again = app.post("/api/v1/auth/two-factor", Some(&staff), json!({})).await.ok(200);
    assert_eq!(again["secret"], enrolment["secret"], "asking again before confirming shows the same key");

    // Until confirmed, the key does not count: the password alone still signs in.
    app.post("/api/v1/auth/login", None, login("desk@office.cn", None)).await.ok(200);
    let wrong = app.post("/api/v1/auth/two-factor/confirm", Some(&staff), json!({"code": "000000"})).await;
    assert_eq!(wrong.invalid_fields(), ["code"]);
    let first = code(&app, &secret, 0);
    let confirmed =
        app.post("/api/v1/auth/two-factor/confirm", Some(&staff), json!({"code": first})).await.ok(200);
    let recovery: Vec<String> = confirmed["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);
    let status = app.get("/api/v1/auth/two-factor", Some(&staff)).await.ok(200);
    assert_eq!((status["enabled"].as_bool(), status["recovery_codes_left"].as_i64()), (Some(true), Some(10)));

    // The password alone now gets a 401 that names the missing code.
    let needs = app.post("/api/v1/auth/login", None, login("desk@office.cn", None)).await;
    let problem = needs.problem(401);
    assert_eq!(problem["type"], "/problems/second-factor-required");
    assert_eq!(problem["errors"][0]["field"], "code");
    // The code used to confirm the enrolment, and any earlier one, is spent.
    let spent = app.post("/api/v1/auth/login", None, login("desk@office.cn", Some(&first))).await;
    spent.problem(401);
    let earlier =
        app.post("/api/v1/auth/login", None, login("desk@office.cn", Some(&code(&app, &secret, -1)))).await;
    earlier.problem(401);
    // The next code (the app shows it within 30 seconds) signs in once; the same code again is refused.
    let now = code(&app, &secret, 1);
    app.post("/api/v1/auth/login", None, login("desk@office.cn", Some(&now))).await.ok(200);
    app.post("/api/v1/auth/login", None, login("desk@office.cn", Some(&now))).await.problem(401);
    // A recovery code works once, with or without its dash and in any case.
    let typed = recovery[0].replace('-', " ").to_uppercase();
    app.post("/api/v1/auth/login", None, login("desk@office.cn", Some(&typed))).await.ok(200);
    app.post("/api/v1/auth/login", None, login("desk@office.cn", Some(&recovery[0]))).await.problem(401);
    app.post("/api/v1/auth/login", None, login("desk@office.cn", Some(&recovery[1]))).await.ok(200);
    let token = app
        .post("/api/v1/auth/login", None, login("desk@office.cn", Some(&recovery[2])))
        .await
        .ok(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let status = app.get("/api/v1/auth/two-factor", Some(&token)).await.ok(200);
    assert_eq!(status["recovery_codes_left"].as_i64(), Some(7));
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_wrong_passwords() {
    let app = TestApp::spawn().await;
    let secret = app.staff_with_second_factor("desk@office.cn", Role::Staff).await;
    for _ in 0..5 {
        app.post("/api/v1/auth/login", None, login("desk@office.cn", Some("123456"))).await.problem(401);
    }
    let slowed =
        app.post("/api/v1/auth/login", None, login("desk@office.cn", Some(&code(&app, &secret, 0)))).await;
    slowed.problem(429);
    assert!(slowed.header("retry-after").is_some());
}

#[tokio::test]
async fn admins_must_set_up_a_second_factor_and_may_require_it_of_all_staff() {
    let app = TestApp::spawn().await;
    let hash = debut::accounts::auth::hash_password(PASSWORD.into()).await.unwrap();
    debut::accounts::store::create_staff(&app.db, "chief@office.cn", &hash, "Chief", Role::Admin, Utc::now())
        .await
        .unwrap();
    let refused = app.post("/api/v1/auth/login", None, login("chief@office.cn", None)).await;
    assert!(refused.problem(403)["detail"].as_str().unwrap().contains("/login"), "says where to set it up");

    let (admin, _) = app.admin("admin@office.cn").await;
    let desk = app.staff("desk@office.cn").await;
    assert_eq!(app.get("/api/v1/auth/two-factor", Some(&desk)).await.ok(200)["required"], false);
    let policy = json!({"required_for": "staff"});
    app.send(reqwest::Method::PUT, "/api/v1/settings/second-factor", Some(&desk), Some(policy.clone()))
        .await
        .problem(403);
    let bad = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings/second-factor",
            Some(&admin),
            Some(json!({"required_for": "all"})),
        )
        .await;
    assert_eq!(bad.invalid_fields(), ["required_for"]);
    let set =
        app.send(reqwest::Method::PUT, "/api/v1/settings/second-factor", Some(&admin), Some(policy)).await;
    assert_eq!(set.status, 204);
    assert_eq!(app.get("/api/v1/auth/two-factor", Some(&desk)).await.ok(200)["required"], true);
    app.post("/api/v1/auth/login", None, login("desk@office.cn", None)).await.problem(403);
}

#[tokio::test]
async fn people_list_and_end_their_sessions_and_admins_end_colleagues_sessions() {
    let app = TestApp::spawn().await;
    let desk = app.staff("desk@office.cn").await;
    let phone = app
        .read(
            app.client
                .post(format!("{}/api/v1/auth/login", app.base))
                .header("user-agent", "DebutPhone/1.0")
                .json(&login("desk@office.cn", None)),
        )
        .await
        .ok(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = app.get("/api/v1/auth/sessions", Some(&desk)).await.ok(200);
    let sessions = listed.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["client"], "DebutPhone/1.0");
    assert_eq!(other["address"], "127.0.0.1");
    let current = sessions.iter().find(|s| s["current"] == true).unwrap()["id"].as_i64().unwrap();

    app.send(reqwest::Method::DELETE, &format!("/api/v1/auth/sessions/{current}"), Some(&desk), None)
        .await
        .problem(409);
    app.send(reqwest::Method::DELETE, "/api/v1/auth/sessions/999999", Some(&desk), None).await.problem(404);
    let ended = app
        .send(reqwest::Method::DELETE, &format!("/api/v1/auth/sessions/{}", other["id"]), Some(&desk), None)
        .await;
    assert_eq!(ended.status, 204);
    app.get("/api/v1/me", Some(&phone)).await.problem(401);
    app.get("/api/v1/me", Some(&desk)).await.ok(200);

    // End all the others.
    let second = app.login("desk@office.cn").await;
    let third = app.login("desk@office.cn").await;
    assert_eq!(
        app.send(reqwest::Method::DELETE, "/api/v1/auth/sessions", Some(&second), None).await.status,
        204
    );
    app.get("/api/v1/me", Some(&desk)).await.problem(401);
    app.get("/api/v1/me", Some(&third)).await.problem(401);
    app.get("/api/v1/me", Some(&second)).await.ok(200);

    // Another user's session is not theirs to end.
    let brand = app.brand("ada@brand.cn").await;
    let theirs = app.get("/api/v1/auth/sessions", Some(&second)).await.ok(200)[0]["id"].as_i64().unwrap();
    app.send(reqwest::Method::DELETE, &format!("/api/v1/auth/sessions/{theirs}"), Some(&brand), None)
        .await
        .problem(404);
    app.get("/api/v1/me", Some(&second)).await.ok(200);

    // Admins end a staff member's sessions; staff may not; the trail says who did.
    let (admin, _) = app.admin("admin@office.cn").await;
    let id = app.get("/api/v1/me", Some(&second)).await.ok(200)["id"].as_i64().unwrap();
    app.send(reqwest::Method::DELETE, &format!("/api/v1/staff/{id}/sessions"), Some(&second), None)
        .await
        .problem(403);
    let done =
        app.send(reqwest::Method::DELETE, &format!("/api/v1/staff/{id}/sessions"), Some(&admin), None).await;
    assert_eq!(done.status, 204);
    app.get("/api/v1/me", Some(&second)).await.problem(401);
}

#[tokio::test]
async fn a_second_factor_reset_by_an_admin_ends_the_colleagues_sessions_and_asks_to_set_it_up_again() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.admin("admin@office.cn").await;
    let secret = app.staff_with_second_factor("desk@office.cn", Role::Staff).await;
    let desk = app
        .post("/api/v1/auth/login", None, login("desk@office.cn", Some(&code(&app, &secret, 0))))
        .await
        .ok(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = app.get("/api/v1/me", Some(&desk)).await.ok(200)["id"].as_i64().unwrap();
    app.send(reqwest::Method::DELETE, &format!("/api/v1/staff/{id}/two-factor"), Some(&desk), None)
        .await
        .problem(403);
    let reset = app
        .send(reqwest::Method::DELETE, &format!("/api/v1/staff/{id}/two-factor"), Some(&admin), None)
        .await;
    assert_eq!(reset.status, 204);
    app.get("/api/v1/me", Some(&desk)).await.problem(401);
    // Staff are not required to have one by default: the password alone signs in again.
    let desk = app.login("desk@office.cn").await;
    assert_eq!(app.get("/api/v1/auth/two-factor", Some(&desk)).await.ok(200)["enabled"], false);
}

#[tokio::test]
async fn sensitive_actions_ask_for_the_password_again_after_fifteen_minutes() {
    let app = TestApp::spawn_with_clock(Clock::manual(Utc::now())).await;
    let (admin, secret) = app.admin("admin@office.cn").await;
    let desk = app.staff("desk@office.cn").await;
    app.clock.advance(TimeDelta::minutes(16));

    for (method, path, body) in [
        (reqwest::Method::POST, "/api/v1/auth/two-factor", json!({})),
        (reqwest::Method::DELETE, "/api/v1/auth/two-factor", json!({})),
        (reqwest::Method::POST, "/api/v1/auth/two-factor/recovery-codes", json!({})),
        (reqwest::Method::PUT, "/api/v1/settings/second-factor", json!({"required_for": "staff"})),
    ] {
        let token = if path.contains("settings") || path.contains("recovery") { &admin } else { &desk };
        let reply = app.send(method.clone(), path, Some(token), Some(body)).await;
        let problem = reply.problem(403);
        assert_eq!(problem["type"], "/problems/reauthentication-required", "{method} {path}");
        assert_eq!(problem["errors"][0]["field"], "password");
    }
    // Not a sensitive action: reading works.
    app.get("/api/v1/auth/two-factor", Some(&desk)).await.ok(200);

    let wrong =
        app.post("/api/v1/auth/reauthenticate", Some(&desk), json!({"password": "not the password"})).await;
    assert_eq!(wrong.invalid_fields(), ["password"]);
    app.post("/api/v1/auth/reauthenticate", Some(&desk), json!({})).await.problem(422);
    let ok = app.post("/api/v1/auth/reauthenticate", Some(&desk), json!({"password": PASSWORD})).await;
    assert_eq!(ok.status, 204);
    app.post("/api/v1/auth/two-factor", Some(&desk), json!({})).await.ok(200);
    // An admin confirms with a code instead of the password.
    let ok =
        app.post("/api/v1/auth/reauthenticate", Some(&admin), json!({"code": code(&app, &secret, 1)})).await;
    assert_eq!(ok.status, 204);
    let set = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings/second-factor",
            Some(&admin),
            Some(json!({"required_for": "staff"})),
        )
        .await;
    assert_eq!(set.status, 204);
    // Fifteen minutes later it asks again.
    app.clock.advance(TimeDelta::minutes(16));
    app.post("/api/v1/auth/two-factor", Some(&desk), json!({})).await.problem(403);
}

#[tokio::test]
async fn an_award_at_the_threshold_waits_for_a_second_staff_member_and_the_trail_names_both() {
    let app = TestApp::spawn().await;
    let first = app.staff("first@office.cn").await;
    let second = app.staff("second@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let fund = fund(&app, &first, 10_000_000 * CNY).await;
    let shown = app.get(&format!("/api/v1/funds/{fund}"), Some(&first)).await.ok(200);
    assert_eq!(shown["four_eyes_threshold"]["fen"], 500_000 * CNY, "the default threshold");

    // Below the threshold: committed at once.
    let small = submitted(&app, &brand, application(fund, "Small", 499_999 * CNY)).await;
    app.post(
        &format!("/api/v1/incentives/{small}/approve"),
        Some(&first),
        json!({"amount_fen": 499_999 * CNY}),
    )
    .await
    .ok(200);

    let big = submitted(&app, &brand, application(fund, "Big", 800_000 * CNY)).await;
    let proposed = app
        .post(
            &format!("/api/v1/incentives/{big}/approve"),
            Some(&first),
            json!({"amount_fen": 500_000 * CNY}),
        )
        .await;
    let proposed = proposed.ok(202);
    assert_eq!(proposed["state"], "submitted", "not approved yet");
    let proposal = proposed["awaiting_confirmation"]["id"].as_i64().unwrap();
    assert_eq!(proposed["awaiting_confirmation"]["amount"]["fen"], 500_000 * CNY);
    let report = app.get(&format!("/api/v1/funds/{fund}/report"), Some(&first)).await.ok(200);
    assert_eq!(report["committed"]["fen"], 499_999 * CNY, "nothing reaches the ledger before confirmation");
    // The brand does not see the internal step.
    let theirs = app.get(&format!("/api/v1/incentives/{big}"), Some(&brand)).await.ok(200);
    assert!(theirs.get("awaiting_confirmation").is_none());

    // While it waits, other decisions are a 409 naming it.
    let busy = app.post(&format!("/api/v1/incentives/{big}/reject"), Some(&second), json!({})).await;
    assert_eq!(busy.problem(409)["conflicts"], json!([proposal]));
    let listed = app.get("/api/v1/award-proposals", Some(&second)).await.ok(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["can_confirm"], true);
    assert_eq!(app.get("/api/v1/award-proposals", Some(&first)).await.ok(200)[0]["can_confirm"], false);
    app.get("/api/v1/award-proposals", Some(&brand)).await.problem(403);

    // A brand cannot decline it either, and an unknown proposal is a 404.
    app.post(&format!("/api/v1/award-proposals/{proposal}/decline"), Some(&brand), json!({}))
        .await
        .problem(403);
    app.post("/api/v1/award-proposals/999999/decline", Some(&second), json!({})).await.problem(404);
    // The proposer cannot confirm their own; a brand cannot either.
    app.post(&format!("/api/v1/award-proposals/{proposal}/confirm"), Some(&first), json!({}))
        .await
        .problem(403);
    app.post(&format!("/api/v1/award-proposals/{proposal}/confirm"), Some(&brand), json!({}))
        .await
        .problem(403);
    let confirmed = app
        .post(&format!("/api/v1/award-proposals/{proposal}/confirm"), Some(&second), json!({}))
        .await
        .ok(200);
    assert_eq!(confirmed["state"], "approved");
    assert_eq!(confirmed["award"]["fen"], 500_000 * CNY);
    assert!(confirmed.get("awaiting_confirmation").is_none());
    app.post(&format!("/api/v1/award-proposals/{proposal}/confirm"), Some(&second), json!({}))
        .await
        .problem(404);
    let report = app.get(&format!("/api/v1/funds/{fund}/report"), Some(&first)).await.ok(200);
    assert_eq!(report["committed"]["fen"], 999_999 * CNY);

    let history = app.get(&format!("/api/v1/incentives/{big}/history"), Some(&first)).await.ok(200);
    let last = history.as_array().unwrap().last().unwrap();
    let note = last["note"].as_str().unwrap();
    assert_eq!(last["to_state"], "approved");
    assert!(note.contains("proposed by Staff") && note.contains("confirmed by Staff"), "{note}");
    let ids = [&first, &second].map(|t| t.to_owned());
    let mut names = Vec::new();
    for token in &ids {
        names.push(app.get("/api/v1/me", Some(token)).await.ok(200)["id"].as_i64().unwrap());
    }
    assert!(note.contains(&format!("#{}", names[0])) && note.contains(&format!("#{}", names[1])), "{note}");

    // A clawback at the threshold waits too; declining it leaves the ledger alone.
    let claw = app
        .post(
            &format!("/api/v1/incentives/{big}/claw-back"),
            Some(&second),
            json!({"amount_fen": 500_000 * CNY, "note": "Closed"}),
        )
        .await
        .ok(202);
    let claw_id = claw["awaiting_confirmation"]["id"].as_i64().unwrap();
    let declined = app
        .post(
            &format!("/api/v1/award-proposals/{claw_id}/decline"),
            Some(&first),
            json!({"note": "Still open"}),
        )
        .await;
    assert_eq!(declined.status, 204);
    let report = app.get(&format!("/api/v1/funds/{fund}/report"), Some(&first)).await.ok(200);
    assert_eq!(report["committed"]["fen"], 999_999 * CNY);
    // A fund with a higher threshold commits the same amount at once.
    let mut body = crate::incentives::fund_body(10_000_000 * CNY);
    body["four_eyes_threshold_fen"] = json!(1_000_000 * CNY);
    let high = app.post("/api/v1/funds", Some(&first), body).await.ok(201)["id"].as_i64().unwrap();
    let direct = submitted(&app, &brand, application(high, "Direct", 600_000 * CNY)).await;
    app.post(
        &format!("/api/v1/incentives/{direct}/approve"),
        Some(&first),
        json!({"amount_fen": 600_000 * CNY}),
    )
    .await
    .ok(200);
}

#[tokio::test]
async fn twenty_concurrent_confirmations_commit_only_what_the_fund_holds() {
    let app = TestApp::spawn().await;
    let first = app.staff("first@office.cn").await;
    let second = app.staff("second@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let award = 600_000 * CNY;
    let fund = fund(&app, &first, 7 * award).await;
    let mut proposals = Vec::new();
    for i in 0..20 {
        let id = submitted(&app, &brand, application(fund, &format!("Store {i}"), award)).await;
        let proposed = app
            .post(&format!("/api/v1/incentives/{id}/approve"), Some(&first), json!({"amount_fen": award}))
            .await
            .ok(202);
        proposals.push(proposed["awaiting_confirmation"]["id"].as_i64().unwrap());
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(proposals.len()));
    let tasks: Vec<_> = proposals
        .iter()
        .map(|id| {
            let url = format!("{}/api/v1/award-proposals/{id}/confirm", app.base);
            let (client, barrier, token) = (app.client.clone(), barrier.clone(), second.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                client.post(url).bearer_auth(token).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 7, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 13, "{statuses:?}");
    let report = app.get(&format!("/api/v1/funds/{fund}/report"), Some(&first)).await.ok(200);
    assert_eq!(report["committed"]["fen"], 7 * award);
    assert_eq!(report["remaining"]["fen"], 0);
    // What did not fit still awaits a decision.
    let left = app.get("/api/v1/award-proposals", Some(&second)).await.ok(200);
    assert_eq!(left.as_array().unwrap().len(), 13);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium, playwright-core, html-validate and axe-core; bash .ci/run installs them and runs it"]
async fn a_staff_member_sets_up_two_step_sign_in_and_signs_in_with_a_code_in_chromium() {
    let app = TestApp::spawn().await;
    app.staff("desk@office.cn").await;
    let args = vec![
        app.base.clone(),
        crate::portal::artifacts().display().to_string(),
        "desk@office.cn".to_owned(),
        PASSWORD.to_owned(),
    ];
    println!("{}", crate::portal::run_e2e("two_factor.cjs", args).await);
    // The server agrees: the password alone is no longer enough.
    let reply = app.post("/api/v1/auth/login", None, login("desk@office.cn", None)).await;
    assert_eq!(reply.problem(401)["type"], "/problems/second-factor-required");
}

#[tokio::test]
async fn in_the_console_one_staff_member_proposes_an_award_and_another_confirms_it_after_giving_the_password_again()
 {
    let app = TestApp::spawn_with_clock(Clock::manual(Utc::now())).await;
    let first = app.staff("first@office.cn").await;
    app.staff("second@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let fund = fund(&app, &first, 10_000_000 * CNY).await;
    let id = submitted(&app, &brand, application(fund, "Big", 800_000 * CNY)).await;

    let mut proposer = crate::portal::Browser::new(&app);
    proposer.sign_in("first@office.cn").await;
    let decided = proposer
        .post(
            &format!("/staff/incentives/{id}/decision"),
            &[("action", "approve"), ("amount", "600000"), ("note", "")],
            true,
        )
        .await;
    assert_eq!(decided.status, reqwest::StatusCode::SEE_OTHER);
    let page = proposer.get(&format!("/staff/funds/{fund}")).await.text;
    assert!(
        page.contains("id=\"proposal-") && page.contains("/decline") && !page.contains("/confirm\""),
        "{page}"
    );
    let proposal = app.get("/api/v1/award-proposals", Some(&first)).await.ok(200)[0]["id"].as_i64().unwrap();
    let own = proposer.post(&format!("/staff/proposals/{proposal}/confirm"), &[], true).await;
    assert_eq!(
        own.status,
        reqwest::StatusCode::CONFLICT,
        "the proposer's own confirmation is refused on the page"
    );
    assert!(
        proposer.get("/staff").await.text.contains(&format!("#application-{id}")),
        "the console home lists it"
    );

    let mut confirmer = crate::portal::Browser::new(&app);
    confirmer.sign_in("second@office.cn").await;
    app.clock.advance(TimeDelta::minutes(20));
    let asked = confirmer.post(&format!("/staff/proposals/{proposal}/confirm"), &[], true).await;
    let back = format!("/staff/funds/{fund}");
    assert_eq!(asked.location, Some(format!("/account/confirm?next={}", back.replace('/', "%2F"))));
    assert_eq!(
        app.get(&format!("/api/v1/funds/{fund}/report"), Some(&first)).await.ok(200)["committed"]["fen"],
        0
    );
    confirmer.get(asked.location.as_deref().unwrap()).await;
    let wrong =
        confirmer.post("/account/confirm", &[("password", "not it at all"), ("next", &back)], true).await;
    assert_eq!(wrong.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let confirmed =
        confirmer.post("/account/confirm", &[("password", PASSWORD), ("next", &back)], true).await;
    assert_eq!(confirmed.location.as_deref(), Some(back.as_str()));
    let done = confirmer.post(&format!("/staff/proposals/{proposal}/confirm"), &[], true).await;
    assert_eq!(done.status, reqwest::StatusCode::SEE_OTHER);
    let report = app.get(&format!("/api/v1/funds/{fund}/report"), Some(&first)).await.ok(200);
    assert_eq!(report["committed"]["fen"], 600_000 * CNY);
}
