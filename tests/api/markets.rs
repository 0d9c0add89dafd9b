//! Markets: from an organizer's approved booking to vendors on the public page; stalls that are
//! never given twice, food rules the database enforces, the waitlist, fees and the market feed.

use chrono::{TimeDelta, Utc};
use debut::clock::Clock;
use image::ImageFormat;
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    concurrency::ServerProcess,
    helpers::{TestApp, booking_body, local},
    media::{encode, picture, upload},
};

/// An organizer's market with a week of nightly dates, a three-stall plan and an open call.
struct Fixture {
    staff: String,
    organizer: String,
    id: i64,
    slug: String,
    /// The seven dates' ids, in order.
    dates: Vec<i64>,
    /// Stall ids by code: F01 allows food, C01 and C02 do not.
    food_stall: i64,
    craft_stalls: [i64; 2],
}

async fn organizer_booking(app: &TestApp, staff: &str, organizer: &str, venue: i64) -> i64 {
    let mut body = booking_body(venue, &local(3, 0, 0), &local(10, 0, 0));
    body["format"] = json!("market");
    body["title_en"] = json!("Moonlight market");
    let id = app.submitted_booking(organizer, body).await;
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(staff), json!({})).await.ok(200);
    id
}

fn plan() -> Value {
    json!({
        "classes": [
            {"name": "Food", "size_m2": 9, "power": true, "water": true, "food_allowed": true, "fee_fen": 30000},
            {"name": "Craft", "size_m2": 6, "power": true, "fee_fen": 15000},
        ],
        "stalls": [
            {"code": "F01", "class": "Food", "x": 0, "y": 0},
            {"code": "C01", "class": "Craft", "x": 1, "y": 0},
            {"code": "C02", "class": "Craft", "x": 2, "y": 0},
        ],
    })
}

async fn market(app: &TestApp) -> Fixture {
    let staff = app.staff("staff@office.cn").await;
    let venue = app.open_venue(&staff, "wuma-street").await;
    let (organizer, _) = app.register("organizer", "run@nights.cn").await;
    let booking = organizer_booking(app, &staff, &organizer, venue).await;
    let first_date = &local(3, 0, 0)[..10];
    let created = app
        .post(
            "/api/v1/markets",
            Some(&organizer),
            json!({
                "booking_id": booking,
                "slug": "moonlight-market",
                "title_zh": "月光夜市",
                "title_en": "Moonlight market",
                "description_en": "Snacks and crafts by the river.",
                "theme": "night market",
                "series": {"weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start_time": "18:00",
                           "end_time": "23:00", "first_date": first_date, "weeks": 1},
            }),
        )
        .await
        .ok(201);
    let id = created["id"].as_i64().unwrap();
    let dates: Vec<i64> =
        created["occurrences"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect();
    assert_eq!(dates.len(), 7, "{created}");
    assert_eq!(created["occurrences"][0]["local_starts_at"], json!(format!("{first_date}T18:00")));
    let stalls = app
        .send(Method::PUT, &format!("/api/v1/markets/{id}/stalls"), Some(&organizer), Some(plan()))
        .await
        .ok(200);
    let stall = |code: &str| {
        stalls["stalls"].as_array().unwrap().iter().find(|s| s["code"] == code).unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let call = json!({"opens_at": (Utc::now() - TimeDelta::hours(1)).to_rfc3339(),
                      "closes_at": (Utc::now() + TimeDelta::days(2)).to_rfc3339()});
    let opened = app
        .send(Method::PUT, &format!("/api/v1/markets/{id}/call"), Some(&organizer), Some(call))
        .await
        .ok(200);
    assert_eq!(opened["call"]["open"], json!(true));
    Fixture {
        staff,
        organizer,
        id,
        slug: created["slug"].as_str().unwrap().to_owned(),
        dates,
        food_stall: stall("F01"),
        craft_stalls: [stall("C01"), stall("C02")],
    }
}

/// A vendor organization's application; returns (vendor token, application id).
async fn vendor_applies(app: &TestApp, market: i64, email: &str, sells_food: bool) -> (String, i64) {
    let (vendor, _) = app.register("vendor", email).await;
    let body = json!({"category": if sells_food { "snacks" } else { "crafts" }, "products": "Things people like",
                      "sells_food": sells_food});
    let application =
        app.post(&format!("/api/v1/markets/{market}/applications"), Some(&vendor), body).await.ok(201);
    (vendor, application["id"].as_i64().unwrap())
}

async fn act(app: &TestApp, token: &str, application: i64, action: &str) -> crate::helpers::Reply {
    app.post(&format!("/api/v1/market-applications/{application}/{action}"), Some(token), json!({})).await
}

fn png() -> Vec<u8> {
    encode(&picture(120, 90), ImageFormat::Png)
}

async fn assign(
    app: &TestApp,
    token: &str,
    market: i64,
    stall: i64,
    date: i64,
    application: i64,
) -> crate::helpers::Reply {
    let body = json!({"stall_id": stall, "occurrence_id": date, "application_id": application});
    app.post(&format!("/api/v1/markets/{market}/assignments"), Some(token), body).await
}

#[tokio::test]
async fn from_an_organizers_booking_to_vendors_on_the_public_page() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let (cook, food) = vendor_applies(&app, m.id, "cook@snacks.cn", true).await;
    let (potter, craft) = vendor_applies(&app, m.id, "potter@clay.cn", false).await;

    // A vendor cannot accept itself, nor act on another's application.
    act(&app, &potter, craft, "accept").await.problem(403);
    act(&app, &potter, food, "withdraw").await.problem(404);
    // A food vendor needs its permit on file before it can be accepted.
    let refused = act(&app, &m.organizer, food, "accept").await.problem(409);
    assert!(refused["detail"].as_str().unwrap().contains("food permit"), "{refused}");
    upload(
        &app,
        &format!("/api/v1/market-applications/{food}/permit"),
        &cook,
        "permit.png",
        png(),
        "Food permit",
    )
    .await
    .ok(200);
    upload(
        &app,
        &format!("/api/v1/market-applications/{craft}/photos"),
        &potter,
        "mugs.png",
        png(),
        "Blue mugs",
    )
    .await
    .ok(201);
    assert_eq!(act(&app, &m.organizer, food, "accept").await.ok(200)["state"], json!("accepted"));
    assert_eq!(act(&app, &m.organizer, craft, "accept").await.ok(200)["state"], json!("accepted"));

    let first = assign(&app, &m.organizer, m.id, m.food_stall, m.dates[0], food).await.ok(201);
    assert_eq!((first["stall_code"].as_str(), first["fee_fen"].as_i64()), (Some("F01"), Some(30000)));
    assign(&app, &m.organizer, m.id, m.craft_stalls[0], m.dates[0], craft).await.ok(201);
    assign(&app, &m.staff, m.id, m.craft_stalls[0], m.dates[1], craft).await.ok(201);

    // Fees: one line per stall and date, marked paid or waived by the organizer; CSV keeps numbers.
    let fees = app.get(&format!("/api/v1/markets/{}/fees", m.id), Some(&m.organizer)).await.ok(200);
    assert_eq!(fees["due_fen"], json!(30000 + 15000 * 2));
    let lines = fees["lines"].as_array().unwrap();
    let line = lines.iter().find(|l| l["stall_code"] == "F01").unwrap()["id"].as_i64().unwrap();
    app.send(
        Method::PUT,
        &format!("/api/v1/markets/{}/fees/{line}", m.id),
        Some(&m.organizer),
        Some(json!({"state": "paid"})),
    )
    .await
    .ok(200);
    let fees = app.get(&format!("/api/v1/markets/{}/fees", m.id), Some(&m.organizer)).await.ok(200);
    assert_eq!((fees["due_fen"].as_i64(), fees["paid_fen"].as_i64()), (Some(30000), Some(30000)));
    let csv = app.get(&format!("/api/v1/markets/{}/fees.csv", m.id), Some(&m.organizer)).await;
    assert!(csv.text.starts_with('\u{feff}'), "{}", csv.text);
    assert!(csv.text.contains(",30000,\"paid\""), "{}", csv.text);
    assert!(csv.text.contains("\"Org of potter@clay.cn\",15000,\"due\""), "{}", csv.text);
    app.get(&format!("/api/v1/markets/{}/fees", m.id), Some(&potter)).await.problem(403);

    // A vendor sees only its own stalls.
    let own = app.get(&format!("/api/v1/markets/{}/assignments", m.id), Some(&potter)).await.ok(200);
    assert_eq!(own["items"].as_array().unwrap().len(), 2);

    // The office's overview counts vendors and stalls per date.
    let overview = app.get("/api/v1/markets/overview", Some(&m.staff)).await.ok(200);
    let row = &overview["items"][0];
    assert_eq!(
        (row["vendors_accepted"].as_i64(), row["dates"][0]["stalls_taken"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(row["dates"][0]["stalls"], json!(3));

    // The public page: dates, the map with vendor names on taken stalls, vendors with photos.
    let page = app.get(&format!("/markets/{}", m.slug), None).await;
    assert_eq!(page.status, 200, "{}", page.text);
    for needle in
        ["月光夜市", "<svg", "F01", "Org of cook@snacks.cn", "Org of potter@clay.cn", "Blue mugs", "subEvent"]
    {
        assert!(page.text.contains(needle), "{needle} missing from the market page");
    }
    let list = app.get("/markets", None).await;
    assert!(list.text.contains(&format!("/markets/{}", m.slug)), "{}", list.text);
    let feed = app.get(&format!("/markets/{}.ics", m.slug), None).await;
    assert_eq!(feed.text.matches("BEGIN:VEVENT").count(), 7, "{}", feed.text);
}

#[tokio::test]
async fn bad_input_is_a_4xx_that_changes_nothing() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let (_, food) = vendor_applies(&app, m.id, "cook@snacks.cn", true).await;
    let (cook2, _) = app.register("vendor", "other@snacks.cn").await;
    upload(&app, &format!("/api/v1/market-applications/{food}/permit"), &cook2, "p.png", png(), "Permit")
        .await
        .problem(404);
    // The organizer may see the permit slot but only the vendor may change it.
    upload(
        &app,
        &format!("/api/v1/market-applications/{food}/permit"),
        &m.organizer,
        "p.png",
        png(),
        "Permit",
    )
    .await
    .problem(403);
    let vendor_token = app.login("cook@snacks.cn").await;
    upload(
        &app,
        &format!("/api/v1/market-applications/{food}/permit"),
        &vendor_token,
        "p.png",
        png(),
        "Permit",
    )
    .await
    .ok(200);
    act(&app, &m.organizer, food, "accept").await.ok(200);

    let fields = |reply: crate::helpers::Reply| reply.invalid_fields();
    // A stall outside the plan, a date of no market, a food vendor on a no-food stall.
    assert_eq!(fields(assign(&app, &m.organizer, m.id, 999_999, m.dates[0], food).await), ["stall_id"]);
    assert_eq!(
        fields(assign(&app, &m.organizer, m.id, m.food_stall, 999_999, food).await),
        ["occurrence_id"]
    );
    assert_eq!(
        fields(assign(&app, &m.organizer, m.id, m.craft_stalls[0], m.dates[0], food).await),
        ["stall_id"]
    );
    // A date outside the booking's approved time.
    let outside = app
        .post(
            &format!("/api/v1/markets/{}/occurrences", m.id),
            Some(&m.organizer),
            json!({"dates": [{"starts_at": local(20, 18, 0), "ends_at": local(20, 23, 0)}]}),
        )
        .await;
    assert_eq!(outside.invalid_fields(), ["dates[0]"]);
    // Another organizer's market.
    let (rival, _) = app.register("organizer", "rival@nights.cn").await;
    assign(&app, &rival, m.id, m.food_stall, m.dates[0], food).await.problem(403);
    app.send(
        Method::PUT,
        &format!("/api/v1/markets/{}/stalls", m.id),
        Some(&rival),
        Some(json!({"classes": [], "stalls": []})),
    )
    .await
    .problem(403);
    app.post(&format!("/api/v1/markets/{}/occurrences/{}/cancel", m.id, m.dates[0]), Some(&rival), json!({}))
        .await
        .problem(403);
    // A brand cannot apply for a stall; a plan with a stall off the grid names it.
    let brand = app.brand("shop@brand.cn").await;
    let body = json!({"category": "x", "products": "y", "sells_food": false});
    app.post(&format!("/api/v1/markets/{}/applications", m.id), Some(&brand), body).await.problem(403);
    let mut off_grid = plan();
    off_grid["stalls"][0]["x"] = json!(500);
    let reply = app
        .send(Method::PUT, &format!("/api/v1/markets/{}/stalls", m.id), Some(&m.organizer), Some(off_grid))
        .await;
    assert_eq!(reply.invalid_fields(), ["stalls[0].x"]);

    // Nothing changed.
    let market = app.get(&format!("/api/v1/markets/{}", m.id), None).await.ok(200);
    assert_eq!(market["occurrences"].as_array().unwrap().len(), 7);
    assert!(market["occurrences"].as_array().unwrap().iter().all(|o| o["status"] == "confirmed"));
    let board = app.get(&format!("/api/v1/markets/{}/assignments", m.id), Some(&m.organizer)).await.ok(200);
    assert_eq!(board["items"], json!([]));
    let stalls = app.get(&format!("/api/v1/markets/{}/stalls", m.id), None).await.ok(200);
    assert_eq!(stalls["stalls"].as_array().unwrap().len(), 3);

    // With the food vendor on F01, the plan cannot take food away from F01 or remove it.
    assign(&app, &m.organizer, m.id, m.food_stall, m.dates[0], food).await.ok(201);
    let mut no_food = plan();
    no_food["classes"][0]["food_allowed"] = json!(false);
    app.send(Method::PUT, &format!("/api/v1/markets/{}/stalls", m.id), Some(&m.organizer), Some(no_food))
        .await
        .problem(409);
    let mut without = plan();
    without["stalls"].as_array_mut().unwrap().remove(0);
    app.send(Method::PUT, &format!("/api/v1/markets/{}/stalls", m.id), Some(&m.organizer), Some(without))
        .await
        .problem(409);
    let stalls = app.get(&format!("/api/v1/markets/{}/stalls", m.id), None).await.ok(200);
    assert_eq!(stalls["classes"][0]["food_allowed"], json!(true));
}

#[tokio::test]
async fn the_database_refuses_a_food_vendor_on_a_stall_that_forbids_food() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let (vendor, food) = vendor_applies(&app, m.id, "cook@snacks.cn", true).await;
    upload(&app, &format!("/api/v1/market-applications/{food}/permit"), &vendor, "p.png", png(), "Permit")
        .await
        .ok(200);
    act(&app, &m.organizer, food, "accept").await.ok(200);
    assign(&app, &m.organizer, m.id, m.food_stall, m.dates[0], food).await.ok(201);
    // Bypassing the service, the class's food flag cascades down and the CHECK refuses it.
    let sql = "UPDATE stall_classes SET food_allowed = FALSE WHERE name = 'Food'";
    let refused = match app.db.pools() {
        debut::db::Pools::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        debut::db::Pools::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
    };
    assert!(refused.is_err(), "the schema let a food vendor stay on a no-food stall");
}

#[tokio::test]
async fn a_withdrawal_offers_the_place_to_the_first_waitlisted_vendor_until_its_deadline() {
    let clock = Clock::manual(Utc::now());
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let m = market(&app).await;
    let (first, accepted) = vendor_applies(&app, m.id, "first@crafts.cn", false).await;
    let (second, waiting) = vendor_applies(&app, m.id, "second@crafts.cn", false).await;
    let (_, next) = vendor_applies(&app, m.id, "third@crafts.cn", false).await;
    act(&app, &m.organizer, accepted, "accept").await.ok(200);
    act(&app, &m.organizer, waiting, "waitlist").await.ok(200);
    clock.advance(TimeDelta::minutes(1));
    act(&app, &m.organizer, next, "waitlist").await.ok(200);
    assign(&app, &m.organizer, m.id, m.craft_stalls[0], m.dates[0], accepted).await.ok(201);

    // The accepted vendor withdraws: its coming stall is freed, the first in line gets an offer.
    act(&app, &first, accepted, "withdraw").await.ok(200);
    let board = app.get(&format!("/api/v1/markets/{}/assignments", m.id), Some(&m.organizer)).await.ok(200);
    assert_eq!(board["items"], json!([]));
    let offered = app.get(&format!("/api/v1/market-applications/{waiting}"), Some(&second)).await.ok(200);
    assert_eq!(offered["state"], json!("offered"));
    assert!(offered["offer_expires_at"].is_string());

    // The deadline passes: the offer lapses and the next in line is offered the place.
    clock.advance(TimeDelta::hours(49));
    act(&app, &second, waiting, "accept-offer").await.problem(409);
    let list = app.get(&format!("/api/v1/markets/{}/applications", m.id), Some(&m.organizer)).await.ok(200);
    let state_of =
        |id: i64| list["items"].as_array().unwrap().iter().find(|a| a["id"] == id).unwrap()["state"].clone();
    assert_eq!((state_of(waiting), state_of(next)), (json!("lapsed"), json!("offered")));
    let third = app.login("third@crafts.cn").await;
    assert_eq!(act(&app, &third, next, "accept-offer").await.ok(200)["state"], json!("accepted"));
}

#[tokio::test]
async fn a_cancelled_date_stays_in_the_market_feed_as_a_tombstone() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    app.post(
        &format!("/api/v1/markets/{}/occurrences/{}/cancel", m.id, m.dates[2]),
        Some(&m.organizer),
        json!({}),
    )
    .await
    .ok(200);
    app.post(
        &format!("/api/v1/markets/{}/occurrences/{}/cancel", m.id, m.dates[2]),
        Some(&m.organizer),
        json!({}),
    )
    .await
    .problem(409);
    let feed = app.get(&format!("/markets/{}.ics", m.slug), None).await;
    assert_eq!(feed.header("content-type"), Some("text/calendar; charset=utf-8"));
    assert_eq!(feed.text.matches("BEGIN:VEVENT").count(), 7);
    assert_eq!(feed.text.matches("STATUS:CANCELLED").count(), 1, "{}", feed.text);
    assert!(feed.text.contains(&format!("UID:debut-market-date-{}@", m.dates[2])), "{}", feed.text);
    let market = app.get(&format!("/api/v1/markets/{}", m.id), None).await.ok(200);
    assert_eq!(market["occurrences"][2]["status"], json!("cancelled"));
    assert_eq!(market["occurrences"][2]["sequence"], json!(1));

    // The dates stand in for the booking in the public events and every feed, through the
    // same filter grammar; a page of three leads to the next by cursor.
    let page = app.get("/api/v1/events?format=market&limit=3", None).await.ok(200);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(
        items.iter().all(|e| e["url"].as_str().unwrap().ends_with(&format!("/markets/{}", m.slug))),
        "{page}"
    );
    assert_eq!(
        items[0]["uid"].as_str().unwrap().split('@').next(),
        Some(format!("debut-market-date-{}", m.dates[0]).as_str())
    );
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("/api/v1/events?format=market&limit=10&cursor={cursor}"), None).await.ok(200);
    let statuses: Vec<&str> =
        rest["items"].as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        ["confirmed", "confirmed", "confirmed", "confirmed"],
        "the cancelled date is the third"
    );
    assert_eq!(items[2]["status"], json!("cancelled"));
    let all = app.get("/calendar.ics?venue=wuma-street", None).await;
    assert_eq!(all.text.matches("UID:debut-market-date-").count(), 7, "{}", all.text);
    assert!(!all.text.contains("UID:debut-event-"), "the booking under the market is not listed on its own");
    let nothing = app.get("/api/v1/events?format=launch", None).await.ok(200);
    assert_eq!(nothing["items"], json!([]));
    let home = app.get("/events", None).await;
    assert!(
        home.text.contains(&format!("href=\"/markets/{}\"", m.slug)),
        "the event list links to the market"
    );
}

/// `RACERS` accepted vendors, each asking for the same stall on the same date at once.
const RACERS: usize = 50;

async fn race_for_one_stall(app: &TestApp, bases: &[String]) {
    let m = market(app).await;
    let mut applications = Vec::new();
    for i in 0..RACERS {
        let (_, id) = vendor_applies(app, m.id, &format!("vendor{i}@crafts.cn"), false).await;
        act(app, &m.organizer, id, "accept").await.ok(200);
        applications.push(id);
    }
    let client = reqwest::Client::new();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(RACERS));
    let tasks: Vec<_> = applications
        .iter()
        .enumerate()
        .map(|(i, application)| {
            let url = format!("{}/api/v1/markets/{}/assignments", bases[i % bases.len()], m.id);
            let body = json!({"stall_id": m.craft_stalls[1], "occurrence_id": m.dates[3], "application_id": application});
            let (client, barrier, token) = (client.clone(), barrier.clone(), m.organizer.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                client.post(url).bearer_auth(token).json(&body).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let won = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((won, refused), (1, RACERS - 1), "statuses: {statuses:?}");
    let board = app.get(&format!("/api/v1/markets/{}/assignments", m.id), Some(&m.organizer)).await.ok(200);
    assert_eq!(board["items"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_assignments_of_one_stall_and_date_give_it_to_exactly_one() {
    let app = TestApp::spawn().await;
    race_for_one_stall(&app, std::slice::from_ref(&app.base)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_server_processes_give_one_stall_and_date_to_exactly_one() {
    let app = TestApp::spawn().await;
    let url = app.test_db.url().to_owned();
    let (one, two) =
        tokio::task::spawn_blocking(move || (ServerProcess::start(&url), ServerProcess::start(&url)))
            .await
            .unwrap();
    race_for_one_stall(&app, &[one.base.clone(), two.base.clone()]).await;
}

#[tokio::test]
async fn applying_outside_the_call_and_taking_back_a_paid_stall_are_refused() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let (_, craft) = vendor_applies(&app, m.id, "potter@clay.cn", false).await;
    act(&app, &m.organizer, craft, "accept").await.ok(200);
    let line = assign(&app, &m.organizer, m.id, m.craft_stalls[0], m.dates[0], craft).await.ok(201)["id"]
        .as_i64()
        .unwrap();
    let fee = format!("/api/v1/markets/{}/fees/{line}", m.id);
    let (rival, _) = app.register("organizer", "rival@nights.cn").await;
    app.send(Method::PUT, &fee, Some(&rival), Some(json!({"state": "paid"}))).await.problem(403);
    app.send(Method::PUT, &fee, Some(&m.organizer), Some(json!({"state": "paid"}))).await.ok(200);
    let take_back = format!("/api/v1/markets/{}/assignments/{line}", m.id);
    app.send(Method::DELETE, &take_back, Some(&m.organizer), None).await.problem(409);
    app.send(Method::PUT, &fee, Some(&m.organizer), Some(json!({"state": "due"}))).await.ok(200);
    assert_eq!(app.send(Method::DELETE, &take_back, Some(&m.organizer), None).await.status, 204);

    // The call closes: vendors are told so, and nothing is made.
    let closed = json!({"opens_at": (Utc::now() - TimeDelta::days(2)).to_rfc3339(),
                        "closes_at": (Utc::now() - TimeDelta::days(1)).to_rfc3339()});
    app.send(Method::PUT, &format!("/api/v1/markets/{}/call", m.id), Some(&m.organizer), Some(closed))
        .await
        .ok(200);
    let (late, _) = app.register("vendor", "late@snacks.cn").await;
    let body = json!({"category": "snacks", "products": "Buns", "sells_food": false});
    let refused =
        app.post(&format!("/api/v1/markets/{}/applications", m.id), Some(&late), body).await.problem(409);
    assert!(refused["detail"].as_str().unwrap().contains("closed"), "{refused}");
    let list = app.get(&format!("/api/v1/markets/{}/applications", m.id), Some(&m.organizer)).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}
