//! Markets in the portal: an organizer starts a market, plans stalls and opens the call; a vendor
//! applies; the organizer accepts, gives out a stall and keeps the fee; the vendor sees its
//! stall. Once through forms (every page and refusal checked), once in Chromium.

use reqwest::StatusCode;
use serde_json::json;

use crate::{
    helpers::{PASSWORD, TestApp, booking_body, local},
    media::{encode, picture},
    portal::{Browser, artifacts, run_e2e},
};

/// Staff approve an organizer's market booking from day 3 to day 10; returns the booking id.
async fn approved_market_booking(app: &TestApp, organizer_email: &str) -> i64 {
    let staff = app.staff("staff@office.cn").await;
    let venue = app.open_venue(&staff, "wuma-street").await;
    let (organizer, _) = app.register("organizer", organizer_email).await;
    let mut body = booking_body(venue, &local(3, 0, 0), &local(10, 0, 0));
    body["format"] = json!("market");
    body["title_en"] = json!("Riverside night market");
    let id = app.submitted_booking(&organizer, body).await;
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
    id
}

fn id_in(location: &str, prefix: &str) -> i64 {
    location.strip_prefix(prefix).unwrap().split(['?', '/']).next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn an_organizer_and_a_vendor_run_a_market_through_the_portal() {
    let app = TestApp::spawn().await;
    let booking = approved_market_booking(&app, "run@nights.cn").await;
    app.register("vendor", "cook@snacks.cn").await;

    let mut organizer = Browser::new(&app);
    organizer.sign_in("run@nights.cn").await;
    let home = organizer.get("/portal").await;
    let start = format!("/portal/markets/new?booking={booking}");
    assert!(home.text.contains(&start.replace('&', "&amp;")), "the approved booking offers a market");
    organizer.get(&start).await;
    let first_date = &local(3, 0, 0)[..10];
    let booking_field = booking.to_string();
    let mut fields = vec![
        ("booking", booking_field.as_str()),
        ("title_zh", "江畔夜市"),
        ("title_en", "Riverside night market"),
        ("theme", "night market"),
        ("series_start_time", "18:00"),
        ("series_end_time", "23:00"),
        ("series_first_date", first_date),
        ("series_weeks", "1"),
    ];
    // No weekday ticked: the form comes back naming the field, and nothing is made.
    let refused = organizer.post("/portal/markets/new", &fields, true).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("href=\"#series_weekdays\""), "{}", refused.text);
    fields.extend([
        ("fri", "on"),
        ("sat", "on"),
        ("sun", "on"),
        ("mon", "on"),
        ("tue", "on"),
        ("wed", "on"),
        ("thu", "on"),
    ]);
    let created = organizer.post("/portal/markets/new", &fields, true).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let market = id_in(created.location.as_deref().unwrap(), "/portal/markets/");
    let page = organizer.get(&format!("/portal/markets/{market}")).await;
    assert_eq!(page.text.matches("/dates/").count(), 7, "seven dates, each with a cancel button");

    // The plan: a bad line is named; a good plan draws the map.
    let bad = organizer
        .post(
            &format!("/portal/markets/{market}/plan"),
            &[("classes", "Food | 9 | yes | yes | yes | 300"), ("stalls", "F01 | Food | left | 0")],
            true,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("line 1: write code | class | column | row"), "{}", bad.text);
    assert!(bad.text.contains("F01 | Food | left | 0"), "what was typed stays");
    let plan = [
        ("classes", "Food | 9 | yes | yes | yes | 300\nCraft | 6 | yes | no | no | 150"),
        ("stalls", "F01 | Food | 0 | 0\nC01 | Craft | 1 | 0\nC02 | Craft | 2 | 0"),
    ];
    assert_eq!(
        organizer.post(&format!("/portal/markets/{market}/plan"), &plan, true).await.status,
        StatusCode::SEE_OTHER
    );
    let opens = local(0, 0, 0);
    let closes = local(2, 23, 0);
    let call = [("opens_at", opens.as_str()), ("closes_at", closes.as_str())];
    assert_eq!(
        organizer.post(&format!("/portal/markets/{market}/call"), &call, true).await.status,
        StatusCode::SEE_OTHER
    );
    let page = organizer.get(&format!("/portal/markets/{market}")).await;
    assert!(page.text.contains("<svg class=\"stall-map\"") && page.text.contains("C02"), "the plan is drawn");

    // The vendor finds the open call, applies as a food vendor and files its permit.
    let mut vendor = Browser::new(&app);
    vendor.sign_in("cook@snacks.cn").await;
    let home = vendor.get("/portal").await;
    assert!(home.text.contains(&format!("/portal/markets/{market}/apply")), "the open call is listed");
    vendor.get(&format!("/portal/markets/{market}/apply")).await;
    let applied = vendor
        .post(
            &format!("/portal/markets/{market}/apply"),
            &[("category", "snacks"), ("products", "Fish balls"), ("sells_food", "on")],
            true,
        )
        .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.text);
    let application = id_in(applied.location.as_deref().unwrap(), "/portal/market-applications/");
    let png = encode(&picture(120, 90), image::ImageFormat::Png);
    let path = format!("/portal/market-applications/{application}/permit");
    assert_eq!(vendor.upload(&path, png, "Food permit").await.status, StatusCode::SEE_OTHER);

    // Another organizer cannot see the market's back office.
    app.register("organizer", "rival@nights.cn").await;
    let mut rival = Browser::new(&app);
    rival.sign_in("rival@nights.cn").await;
    assert_eq!(
        rival.get(&format!("/portal/markets/{market}/applications")).await.status,
        StatusCode::FORBIDDEN
    );

    // The organizer accepts, gives the food stall for the first date and marks the fee paid.
    let list = organizer.get(&format!("/portal/markets/{market}/applications")).await;
    assert!(list.text.contains("Org of cook@snacks.cn"), "{}", list.text);
    let decided = organizer
        .post(&format!("/portal/market-applications/{application}/decision"), &[("action", "accept")], true)
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text);
    let board = organizer.get(&format!("/portal/markets/{market}/board")).await;
    let stall =
        board.text.split("name=\"stall_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let date = board
        .text
        .split("name=\"occurrence_id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    // The first stall row with a vendor choice is F01: craft stalls do not offer a food vendor.
    assert_eq!(
        board.text.matches("name=\"application_id\"").count(),
        1,
        "only the food stall offers the food vendor"
    );
    let assigned = organizer
        .post(
            &format!("/portal/markets/{market}/board"),
            &[
                ("stall_id", stall.as_str()),
                ("occurrence_id", date.as_str()),
                ("application_id", &application.to_string()),
            ],
            true,
        )
        .await;
    assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.text);
    let fees = organizer.get(&format!("/portal/markets/{market}/fees")).await;
    assert!(fees.text.contains("¥300.00"), "{}", fees.text);
    let line = fees
        .text
        .split(&format!("/portal/markets/{market}/fees/"))
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let paid =
        organizer.post(&format!("/portal/markets/{market}/fees/{line}"), &[("state", "paid")], true).await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER);
    let csv = organizer.get(&format!("/portal/markets/{market}/fees.csv")).await;
    assert!(csv.text.contains("\"F01\",\"Org of cook@snacks.cn\",30000,\"paid\""), "{}", csv.text);

    // The vendor sees its stall and its fee.
    let mine = vendor.get(&format!("/portal/market-applications/{application}")).await;
    assert!(mine.text.contains("<strong>F01</strong>"), "{}", mine.text);
    // The office's overview: the market, its vendors and how full each date is; staff only.
    let mut staff = Browser::new(&app);
    staff.sign_in("staff@office.cn").await;
    let overview = staff.get("/staff/markets").await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.text.contains("江畔夜市") && overview.text.contains("1 / 3"), "{}", overview.text);
    assert_eq!(organizer.get("/staff/markets").await.status, StatusCode::NOT_FOUND);

    // Rejecting itself is not a move an accepted application has: refused on the page, unchanged.
    let refused = vendor
        .post(&format!("/portal/market-applications/{application}/decision"), &[("action", "reject")], true)
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.text.contains("error-summary"), "{}", refused.text);
    let api = app.login("cook@snacks.cn").await;
    let row = app.get(&format!("/api/v1/market-applications/{application}"), Some(&api)).await.ok(200);
    assert_eq!(row["state"], "accepted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium, playwright-core, html-validate and axe-core; bash .ci/run installs them and runs it"]
async fn from_opening_the_call_to_a_vendor_seeing_its_stall_in_chromium() {
    let app = TestApp::spawn().await;
    let booking = approved_market_booking(&app, "run@nights.cn").await;
    app.register("vendor", "potter@clay.cn").await;
    let photo = artifacts().join("market-vendor-photo.png");
    std::fs::write(&photo, encode(&picture(640, 480), image::ImageFormat::Png)).unwrap();
    let args = vec![
        app.base.clone(),
        artifacts().display().to_string(),
        booking.to_string(),
        local(3, 0, 0)[..10].to_owned(),
        "run@nights.cn".to_owned(),
        "potter@clay.cn".to_owned(),
        PASSWORD.to_owned(),
        photo.display().to_string(),
    ];
    let stdout = run_e2e("markets.cjs", args).await;
    println!("{stdout}");
    let public = app.get("/markets", None).await;
    assert!(public.text.contains("/markets/riverside-night-market"), "{}", public.text);
}
