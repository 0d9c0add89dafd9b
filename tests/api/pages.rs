//! Public pages: rendered, escaped, cached, bilingual; and the real-browser run.

use std::{path::Path, process::Command};

use serde_json::json;

use crate::helpers::{TestApp, booking_body, local};

const HOSTILE: &str = "<script>alert(1)</script> \"quotes\" & 'apostrophes'";

/// Demo data plus one event with a hostile title; returns (hostile slug, cancelled slug).
async fn with_demo(app: &TestApp) -> (String, String) {
    debut::demo::load(&app.state).await.expect("demo data loads");
    let staff = app.staff("reviewer@office.cn").await;
    let brand = app.brand("ada@brand.cn").await;
    let venue = app.get("/api/v1/venues/oujiang-parlor", None).await.ok(200)["id"].as_i64().unwrap();
    let mut body = booking_body(venue, &local(4, 12, 0), &local(4, 14, 0));
    body["title_zh"] = json!(format!("{HOSTILE} {}", "很长的中文标题没有空格".repeat(12)));
    body["title_en"] = json!("");
    body["description_zh"] = json!("</script><img src=x onerror=alert(2)>");
    let id = app.submitted_booking(&brand, body).await;
    app.post(&format!("/api/v1/bookings/{id}/approve"), Some(&staff), json!({})).await.ok(200);
    let events = app.get("/api/v1/events?limit=100&from=2000-01-01", None).await.ok(200);
    let slug_of = |pred: &dyn Fn(&serde_json::Value) -> bool| {
        events["items"].as_array().unwrap().iter().find(|e| pred(e)).unwrap()["slug"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let hostile = slug_of(&|e| e["title_zh"].as_str().unwrap().starts_with("<script>"));
    let cancelled = slug_of(&|e| e["status"] == "cancelled");
    (hostile, cancelled)
}

#[tokio::test]
async fn pages_render_in_chinese_by_default_and_english_when_asked() {
    let app = TestApp::spawn().await;
    with_demo(&app).await;
    let home = app.get("/", None).await;
    assert_eq!(home.status, 200);
    assert_eq!(home.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(home.text.contains("<html lang=\"zh-CN\">") && home.text.contains("近期活动"));
    let english =
        app.read(app.client.get(format!("{}/", app.base)).header("accept-language", "en-GB,en;q=0.9")).await;
    assert!(english.text.contains("<html lang=\"en\">") && english.text.contains("Coming up"));

    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let reply = app.read(no_redirects.get(format!("{}/lang/en?next=/venues", app.base))).await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some("/venues"));
    assert!(reply.header("set-cookie").unwrap().starts_with("lang=en"));
    let with_cookie =
        app.read(app.client.get(format!("{}/venues", app.base)).header("cookie", "lang=en")).await;
    assert!(with_cookie.text.contains("<h1>Venues</h1>"));
    let outside = app.read(no_redirects.get(format!("{}/lang/en?next=//evil.example", app.base))).await;
    assert_eq!(outside.header("location"), Some("/"), "never an open redirect");
}

#[tokio::test]
async fn hostile_text_is_escaped_everywhere_it_is_shown() {
    let app = TestApp::spawn().await;
    let (hostile, _) = with_demo(&app).await;
    let page = app.get(&format!("/events/{hostile}"), None).await.text;
    assert!(
        page.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains("<img src=x"));
    let ld_start = page.find("application/ld+json").unwrap();
    let ld = &page[ld_start..page[ld_start..].find("</script>").unwrap() + ld_start];
    assert!(!ld.contains("</"), "JSON-LD cannot close its script element");
    let home = app.get("/", None).await.text;
    assert!(!home.contains("<script>alert"));
}

#[tokio::test]
async fn an_event_page_carries_structured_data_links_and_status() {
    let app = TestApp::spawn().await;
    let (_, cancelled) = with_demo(&app).await;
    let events = app.get("/api/v1/events", None).await.ok(200);
    let rescheduled =
        events["items"].as_array().unwrap().iter().find(|e| !e["previous_starts_at"].is_null()).unwrap();
    let page = app.get(&format!("/events/{}", rescheduled["slug"].as_str().unwrap()), None).await.text;
    for part in [
        "\"eventStatus\":\"https://schema.org/EventRescheduled\"",
        "\"previousStartDate\"",
        "<meta property=\"og:title\"",
        "<meta name=\"twitter:card\"",
        "<link rel=\"canonical\"",
        "已改期",
        "Asia/Shanghai (UTC+08:00)",
        "calendar.google.com/calendar/render",
        "outlook.live.com/calendar",
        ".ics\" id=\"download-ics\"",
        "https://uri.amap.com/marker?position=",
    ] {
        assert!(page.contains(part), "missing {part}");
    }
    let page = app.get(&format!("/events/{cancelled}"), None).await.text;
    assert!(page.contains("EventCancelled") && page.contains("已取消") && page.contains("台风预警"));
    app.get("/events/no-such-event", None).await.page(404, "找不到这个页面");
}

#[tokio::test]
async fn pages_answer_304_until_something_changes() {
    let app = TestApp::spawn().await;
    with_demo(&app).await;
    let first = app.get("/venues/wuma-street", None).await;
    let etag = first.header("etag").unwrap().to_owned();
    assert!(first.header("vary").unwrap().contains("Accept-Language"));
    let again = app
        .read(
            app.client.get(format!("{}/venues/wuma-street", app.base)).header("if-none-match", etag.clone()),
        )
        .await;
    assert_eq!(again.status, 304);
    let staff = app.login("reviewer@office.cn").await;
    let id = app.get("/api/v1/venues/wuma-street", None).await.ok(200)["id"].as_i64().unwrap();
    app.patch(&format!("/api/v1/venues/{id}"), Some(&staff), json!({"capacity": 9000})).await.ok(200);
    let changed = app
        .read(app.client.get(format!("{}/venues/wuma-street", app.base)).header("if-none-match", etag))
        .await;
    assert_eq!(changed.status, 200);
    assert!(changed.text.contains("9,000"));
}

#[tokio::test]
async fn the_month_view_sitemap_and_robots_are_served() {
    let app = TestApp::spawn().await;
    with_demo(&app).await;
    let events = app.get("/api/v1/events?limit=100", None).await.ok(200)["items"].as_array().unwrap().clone();
    assert!(events.len() >= 5, "the demo has events to place");
    for event in &events {
        // `local_starts_at` is venue time, and every demo venue is in the district's zone.
        let local = event["local_starts_at"].as_str().unwrap();
        let (month, day) = (&local[..7], local[8..10].trim_start_matches('0'));
        let page = app.get(&format!("/events?view=month&month={month}"), None).await.text;
        // An event's page, or for a market date the market's, which its other dates share.
        let path = event["url"].as_str().unwrap().strip_prefix(&app.base).unwrap();
        let link = format!("href=\"{path}\"");
        let sharing = events
            .iter()
            .filter(|e| e["url"] == event["url"] && e["local_starts_at"].as_str().unwrap().starts_with(month))
            .count();
        let cells: Vec<&str> = page.split("<td>").skip(1).filter(|cell| cell.contains(&link)).collect();
        assert_eq!(cells.len(), sharing, "{link} shows once a date in {month}");
        let day_cell = format!("<span class=\"day\">{day}</span>");
        assert!(cells.iter().any(|cell| cell.starts_with(&day_cell)), "{link} is in day {day}");
    }
    app.get("/events?view=month&month=13-2026", None).await.page_naming(&["month"]);
    let sitemap = app.get("/sitemap.xml", None).await;
    assert!(sitemap.text.contains("/venues/wuma-street</loc>") && sitemap.text.contains("/events/"));
    let robots = app.get("/robots.txt", None).await.text;
    assert!(robots.contains("Sitemap: ") && robots.contains("Disallow: /feeds/"));
    let css = app.get("/static/debut.css", None).await;
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium, playwright-core and html-validate; bash .ci/run installs them and runs it"]
async fn a_person_browses_filters_reads_and_switches_language_in_chromium() {
    let app = TestApp::spawn().await;
    let (hostile, cancelled) = with_demo(&app).await;
    // A venue at a published reference point, whose map links the script checks.
    let staff = app.login("reviewer@office.cn").await;
    app.venue(&staff, json!({"slug": "reference-point", "latitude": 30.6107779, "longitude": 121.0917077}))
        .await;
    // A confirmed subscription's page and a pending one's confirmation page, made as a visitor
    // would through the service, for the script to check like every public page.
    let (subscription, confirmation) = subscription_pages(&app).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/pages.cjs");
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/target", env!("CARGO_MANIFEST_DIR")));
    let artifacts = Path::new(&target).join("e2e-artifacts");
    let node_path =
        std::env::var("DEBUT_NODE_PATH").unwrap_or_else(|_| "/tmp/debut-conformance/node_modules".into());
    for needed in [Path::new(&node_path).join("playwright-core"), "/usr/bin/chromium".into()] {
        assert!(
            needed.exists(),
            "{} is missing; bash .ci/run installs the browser test tools",
            needed.display()
        );
    }
    let base = app.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .args([&base, artifacts.to_str().unwrap(), &hostile, &cancelled, &subscription, &confirmation])
            .env("NODE_PATH", node_path)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "browser test failed:\n{stdout}\n{stderr}");
    println!("{stdout}");
}

#[tokio::test]
async fn places_link_the_maps_people_use_at_their_datum_and_events_print_as_posters() {
    let app = TestApp::spawn().await;
    with_demo(&app).await;
    let staff = app.login("reviewer@office.cn").await;
    // A published reference point: WGS-84 30.6107779 N 121.0917077 E is GCJ-02
    // 30.608604 N 121.096269 E and BD-09 30.614846 N 121.102717 E.
    app.venue(&staff, json!({"slug": "reference-point", "latitude": 30.6107779, "longitude": 121.0917077}))
        .await;
    let zh = app.get("/venues/reference-point", None).await.text;
    assert!(zh.contains("https://uri.amap.com/marker?position=121.096269,30.608604&#38;"), "{zh}");
    assert!(zh.contains("https://api.map.baidu.com/marker?location=30.614846,121.102717&#38;"), "{zh}");
    assert!(!zh.contains("openstreetmap"), "OpenStreetMap is for English readers");
    let en = app
        .read(app.client.get(format!("{}/venues/reference-point", app.base)).header("cookie", "lang=en"))
        .await
        .text;
    assert!(en.contains("openstreetmap.org/?mlat=30.61078&#38;mlon=121.09171"), "the stored WGS-84 for OSM");
    assert!(en.contains(">Amap</a>") && en.contains(">Baidu Maps</a>"));

    let events = app.get("/api/v1/events?limit=100", None).await.ok(200)["items"].as_array().unwrap().clone();
    let slug = events.iter().find(|e| e["poster"].is_object()).expect("demo events carry posters")["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = app.get(&format!("/events/{slug}"), None).await.text;
    let at = |needle: &str| page.find(needle).unwrap_or_else(|| panic!("{needle} in the event page"));
    assert!(at("id=\"download-ics\"") < at("id=\"subscribe-venue\""));
    assert!(at("id=\"subscribe-venue\"") < at("id=\"google-calendar\""), "in zh, phone calendars come first");
    assert!(page.contains("href=\"webcal://"), "the subscription opens in a calendar app");
    assert!(page.contains("<meta property=\"og:image\" content=\"http"), "a share image");
    let english = app
        .read(app.client.get(format!("{}/events/{slug}", app.base)).header("cookie", "lang=en"))
        .await
        .text;
    assert!(
        english.find("id=\"google-calendar\"").unwrap() < english.find("id=\"subscribe-venue\"").unwrap()
    );

    let poster = app.get(&format!("/events/{slug}/poster"), None).await;
    assert_eq!(poster.status, 200);
    assert!(poster.text.contains("src=\"data:image/svg+xml,"), "a QR code");
    assert!(poster.text.contains(&format!("{}/events/{slug}</span>", app.base)), "of the event's address");
    app.get("/events/no-such-event/poster", None).await.page(404, "找不到这个页面");
}

#[tokio::test]
async fn the_widget_lists_events_for_a_filter_and_names_a_bad_option() {
    let app = TestApp::spawn().await;
    with_demo(&app).await;
    let widget = app.get("/widget?kind=mall&limit=2&accent=%230B3C5D&lang=en", None).await;
    assert_eq!(widget.status, 200);
    assert_eq!(widget.header("x-frame-options"), None, "other sites may frame it");
    assert!(
        widget.text.contains("<html lang=\"en\">") && widget.text.contains("style=\"--accent: #0b3c5d\"")
    );
    let items = widget.text.matches("<li>").count() + widget.text.matches("<li class=").count();
    assert!((1..=2).contains(&items), "{items} events, at most the limit");
    assert!(
        widget.text.contains(&format!("href=\"{}/events/", app.base)),
        "links reach the site from anywhere"
    );
    assert!(widget.text.contains(&format!("href=\"{}/events?kind=mall\"", app.base)), "and the full list");
    let all = app.get("/widget?lang=zh", None).await.text;
    assert!(all.matches("<li>").count() + all.matches("<li class=").count() > items, "no filter lists more");

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=21", "limit"),
        ("limit=many", "limit"),
        ("accent=red%3B%20background%3Aurl(x)", "accent"),
        ("accent=%23abc", "accent"),
        ("lang=fr", "lang"),
        ("kind=boat", "kind"),
    ] {
        app.get(&format!("/widget?{query}"), None).await.page_naming(&[field]);
    }
    let script = app.get("/widget.js", None).await;
    assert_eq!(script.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert!(script.text.contains("data-debut-events"));
}

/// The path of a confirmed subscription's page and of a pending one's confirmation link.
async fn subscription_pages(app: &TestApp) -> (String, String) {
    use debut::{
        calendar::FilterParams,
        subscriptions::{Follows, service},
    };
    let follows =
        Follows::parse(FilterParams { venue: Some("wuma-street".into()), ..Default::default() }).unwrap();
    let mut links = Vec::new();
    for (email, lang) in [("confirmed@example.cn", "zh"), ("pending@example.cn", "en")] {
        service::subscribe(&app.state, email, lang, &follows, None).await.unwrap();
        let body: String = debut::on_db!(&app.db, pool => sqlx::query_scalar(
            "SELECT body FROM outbox WHERE recipient_email = $1",
        )
        .bind(email)
        .fetch_one(pool)
        .await)
        .unwrap();
        let token =
            body.split("/subscribe/confirm/").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
        links.push(token);
    }
    let own = service::confirm(&app.state, &links[0]).await.unwrap();
    (format!("/subscriptions/{own}"), format!("/subscribe/confirm/{}", links[1]))
}
