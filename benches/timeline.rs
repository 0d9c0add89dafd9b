//! The staff timeline of a month with 500 bookings across 10 venues, rendered through the real
//! route (session cookie, database, grid, template), against the same month with no bookings as
//! the baseline in the same process. Target: under 100 ms.
//!
//! Run with `cargo bench --bench timeline`.

#[path = "common/mod.rs"]
mod common;

use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use debut::{
    accounts::{Role, auth, store as accounts},
    bookings::{BookingContent, Contact, Format, Reach, store},
    clock::Clock,
    config::Settings,
    db::Db,
    on_db,
    startup::routes,
    state::AppState,
};
use poem::{Endpoint, IntoResponse, Request};

const BOOKINGS: i64 = 500;
const VENUES: i64 = 10;

async fn seed(db: &Db, bookings: i64) -> String {
    let now = Utc::now();
    let mut venue_ids = Vec::new();
    for i in 0..VENUES {
        venue_ids.push(common::open_hall(db, &format!("hall-{i}")).await);
    }
    let (brand, org) = common::brand(db, "brand@bench.cn").await;
    let first = Utc.with_ymd_and_hms(2027, 2, 1, 2, 0, 0).unwrap();
    for i in 0..bookings {
        let starts_at = first + TimeDelta::days(i % 27) + TimeDelta::hours((i / 27) % 12);
        let content = BookingContent {
            venue_id: venue_ids[(i % VENUES) as usize],
            format: Format::Launch,
            reach: Reach::City,
            title_zh: format!("首发 {i}"),
            title_en: format!("Launch {i}"),
            description_zh: String::new(),
            description_en: String::new(),
            brand_name: "Brand".into(),
            expected_attendance: 100,
            starts_at,
            ends_at: starts_at + TimeDelta::hours(2),
            setup_minutes: 30,
            teardown_minutes: 30,
            alternatives: vec![],
            contact: Contact { name: "B".into(), email: "b@bench.cn".into(), phone: String::new() },
        };
        store::insert_draft(db, org, brand, &content, None, now).await.unwrap();
    }
    // Half approved, half waiting: both kinds of block.
    on_db!(db, pool => sqlx::query("UPDATE bookings SET state = CASE WHEN id % 2 = 0 THEN 'approved' ELSE 'submitted' END")
        .execute(pool)
        .await
        .map(|_| ()))
    .unwrap();
    let staff = accounts::create_staff(db, "staff@bench.cn", "x", "S", Role::Staff, now).await.unwrap();
    let token = auth::new_token();
    accounts::insert_session(
        db,
        staff,
        &auth::token_hash(&token),
        now,
        now + TimeDelta::days(1),
        &Default::default(),
    )
    .await
    .unwrap();
    token
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut group = c.benchmark_group("timeline");
    group.sample_size(30);
    for (name, bookings) in [("month with no bookings (baseline)", 0), ("month with 500 bookings", BOOKINGS)]
    {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let (endpoint, token) = runtime.block_on(async {
            let db = Db::connect(&url).await.unwrap();
            db.migrate().await.unwrap();
            let token = seed(&db, bookings).await;
            let settings = Settings::new("127.0.0.1:0", url.clone());
            let media = debut::media::files::open(&settings).unwrap();
            let state = AppState::new(db, Clock::System, settings, media);
            (routes(state), token)
        });
        let call = || async {
            let request = Request::builder()
                .uri("/staff/timeline?month=2027-02".parse().unwrap())
                .header("cookie", format!("debut_session={token}"))
                .finish();
            let response = endpoint.call(request).await.unwrap().into_response();
            assert_eq!(response.status(), 200);
            let body = response.into_body().into_string().await.unwrap();
            assert!(bookings == 0 || body.matches("class=\"block ").count() >= BOOKINGS as usize);
            body.len()
        };
        group.bench_function(name, |b| b.to_async(&runtime).iter(call));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
