//! Feeds at scale: 10,000 public events on SQLite.
//!
//! 1. Rebuild: after one public change, how long the next `/calendar.ics` takes (the feed is
//!    rebuilt from the database once, then cached).
//! 2. Warm: requests per second of `/calendar.ics` against the same bytes served from memory as a
//!    static response by the same server, in the same run (target ratio ≥ 0.5).
//!
//! Run with `cargo bench --bench feeds`. Load comes from this process over loopback.

#[path = "common/mod.rs"]
mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::{TimeDelta, TimeZone, Utc};
use debut::{
    bookings::{BookingContent, Contact, Format, Reach, store},
    clock::Clock,
    config::Settings,
    db::Db,
    on_db,
    startup::routes,
    state::AppState,
};
use poem::{
    EndpointExt, Response, Route, Server, get, handler,
    listener::{Acceptor, Listener, TcpListener},
    web::Data,
};

const EVENTS: i64 = 10_000;
const CONNECTIONS: usize = 16;
const SECONDS: u64 = 8;

/// The feed's bytes, copied once, served as a static response.
type StaticCopy = Arc<std::sync::RwLock<bytes::Bytes>>;

#[handler]
fn static_feed(body: Data<&StaticCopy>) -> Response {
    let body = body.0.read().expect("static copy lock").clone();
    Response::builder().content_type("text/calendar; charset=utf-8").body(body)
}

async fn seed(db: &Db) {
    let now = Utc::now();
    let (user, org) = common::brand(db, "brand@bench.cn").await;
    let venue_id = common::open_hall(db, "bench-hall").await;
    let first = Utc::now() + TimeDelta::days(1);
    for i in 0..EVENTS {
        let start = first + TimeDelta::hours(3 * i);
        let content = BookingContent {
            venue_id,
            format: Format::Launch,
            reach: Reach::National,
            title_zh: format!("新品首发 第{i}场"),
            title_en: format!("Launch number {i}"),
            description_zh: "品牌首发活动，欢迎参加。".into(),
            description_en: "A brand's first launch in the city.".into(),
            brand_name: "Ouhai Phones".into(),
            expected_attendance: 100,
            starts_at: start,
            ends_at: start + TimeDelta::hours(2),
            setup_minutes: 0,
            teardown_minutes: 0,
            alternatives: vec![],
            contact: Contact { name: "A".into(), email: "a@b.cn".into(), phone: String::new() },
        };
        store::insert_draft(db, org, user, &content, None, now).await.unwrap();
    }
    on_db!(db, pool => sqlx::query(
        "UPDATE bookings SET state = 'approved', public_slug = 'launch-' || id, published_at = $1, public_updated_at = $1",
    )
    .bind(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
    .execute(pool)
    .await
    .map(|_| ()))
    .unwrap();
}

/// Requests per second of `path` with `CONNECTIONS` keep-alive clients for `SECONDS`.
async fn rps(base: &str, path: &str) -> f64 {
    let client = reqwest::Client::new();
    let url = format!("{base}{path}");
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                let mut done = 0u64;
                while Instant::now() < deadline {
                    let response = client.get(&url).send().await.unwrap();
                    assert!(response.status().is_success());
                    response.bytes().await.unwrap();
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/feeds.db", dir.path().display());
        let db = Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        let seeding = Instant::now();
        seed(&db).await;
        println!("seeded {EVENTS} public events in {:.1} s", seeding.elapsed().as_secs_f64());

        let settings = Settings::new("127.0.0.1:0", url);
        let media = debut::media::files::open(&settings).unwrap();
        let state = AppState::new(db.clone(), Clock::System, settings, media);
        let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
        let base = format!("http://{}", acceptor.local_addr()[0].as_socket_addr().unwrap());
        let copy = StaticCopy::default();
        let app = Route::new().at("/static.ics", get(static_feed).data(copy.clone())).nest("/", routes(state));
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        let client = reqwest::Client::new();

        let cold = Instant::now();
        let body = client.get(format!("{base}/calendar.ics")).send().await.unwrap().bytes().await.unwrap();
        println!("first build: {:.0} ms for {} bytes", cold.elapsed().as_secs_f64() * 1000.0, body.len());
        *copy.write().unwrap() = body.clone();

        let mut rebuilds = Vec::new();
        for round in 0..7 {
            on_db!(&db, pool => sqlx::query("UPDATE bookings SET title_en = $1, public_updated_at = $2 WHERE id = 1")
                .bind(format!("Launch renamed {round}"))
                .bind(Utc::now())
                .execute(pool)
                .await
                .map(|_| ()))
            .unwrap();
            on_db!(&db, pool => sqlx::query("UPDATE calendar_version SET version = version + 1").execute(pool).await.map(|_| ())).unwrap();
            let started = Instant::now();
            let response = client.get(format!("{base}/calendar.ics")).send().await.unwrap();
            response.bytes().await.unwrap();
            rebuilds.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        rebuilds.sort_by(f64::total_cmp);
        println!("rebuild after one change (median of {}): {:.0} ms", rebuilds.len(), rebuilds[rebuilds.len() / 2]);
        let warm = client.get(format!("{base}/calendar.ics")).send().await.unwrap().bytes().await.unwrap();
        *copy.write().unwrap() = warm.clone();
        println!("warm feed: {} bytes, served from memory as the static copy too", warm.len());

        let static_rps = rps(&base, "/static.ics").await;
        let feed_rps = rps(&base, "/calendar.ics").await;
        println!("static bytes from memory: {static_rps:.0} requests/s");
        println!("warm /calendar.ics:       {feed_rps:.0} requests/s");
        println!("ratio feed/static: {:.2} (target >= 0.5)", feed_rps / static_rps);
    });
}
