//! The cost of a conflict check + approval on a venue holding 1,000 and 100,000 approved
//! bookings: the full approval path (`bookings::service::act`) minus HTTP, on SQLite by default
//! or on PostgreSQL when `BENCH_DATABASE_URL` names an empty database.
//!
//! The approved bookings lie back to back (one hour every four); the booking under test sits in
//! a gap in the middle of them, so the clash check searches the thick of the data. Between
//! iterations it is put back to `submitted` (untimed).

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use debut::{
    accounts::{Principal, Role, store as accounts},
    bookings::{Action, BookingContent, Contact, Format, Reach, service, store},
    clock::Clock,
    config::Settings,
    db::Db,
    on_db,
    state::AppState,
};

struct Fixture {
    state: AppState,
    staff: Principal,
    candidate: i64,
    _dir: Option<tempfile::TempDir>,
}

fn content(venue_id: i64, start: DateTime<Utc>) -> BookingContent {
    BookingContent {
        venue_id,
        format: Format::Launch,
        reach: Reach::City,
        title_zh: "首发".into(),
        title_en: "Launch".into(),
        description_zh: String::new(),
        description_en: String::new(),
        brand_name: "Brand".into(),
        expected_attendance: 10,
        starts_at: start,
        ends_at: start + TimeDelta::hours(1),
        setup_minutes: 0,
        teardown_minutes: 0,
        alternatives: vec![],
        contact: Contact { name: "A".into(), email: "a@b.cn".into(), phone: String::new() },
    }
}

async fn fixture(approved: i64) -> Fixture {
    let (url, dir) = match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let dir = tempfile::tempdir().unwrap();
            (format!("sqlite://{}/bench.db", dir.path().display()), Some(dir))
        }
    };
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let now = Utc::now();
    let staff_id =
        accounts::create_staff(&db, &format!("staff{approved}@x.cn"), "x", "Staff", Role::Staff, now)
            .await
            .unwrap();
    let (brand_user, org_id) = common::brand(&db, &format!("brand{approved}@x.cn")).await;
    let venue_id = common::open_hall(&db, &format!("bench-hall-{approved}")).await;

    let first = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    let slot = |i: i64| first + TimeDelta::hours(4 * i);
    let ids: Vec<i64> = {
        let mut ids = Vec::with_capacity(approved as usize + 1);
        for i in 0..approved {
            ids.push(
                store::insert_draft(&db, org_id, brand_user, &content(venue_id, slot(i)), None, now)
                    .await
                    .unwrap(),
            );
        }
        ids
    };
    on_db!(&db, pool => sqlx::query("UPDATE bookings SET state = 'approved' WHERE venue_id = $1").bind(venue_id).execute(pool).await.map(|_| ()))
        .unwrap();
    // In the gap after the middle booking: never clashes, so every approval succeeds.
    let candidate_start = slot(approved / 2) + TimeDelta::hours(2);
    let candidate =
        store::insert_draft(&db, org_id, brand_user, &content(venue_id, candidate_start), None, now)
            .await
            .unwrap();
    drop(ids);

    let settings = Settings::new("127.0.0.1:0", url);
    let media = debut::media::files::open(&settings).unwrap();
    let state = AppState::new(db, Clock::System, settings, media);
    let staff = Principal { user_id: staff_id, role: Role::Staff, organization: None, session: None };
    Fixture { state, staff, candidate, _dir: dir }
}

async fn reset(fixture: &Fixture) {
    on_db!(&fixture.state.db, pool => sqlx::query("UPDATE bookings SET state = 'submitted' WHERE id = $1")
        .bind(fixture.candidate)
        .execute(pool)
        .await
        .map(|_| ()))
    .unwrap();
}

fn approval(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut group = c.benchmark_group("conflict check + approval");
    group.sample_size(30);
    for approved in [1_000_i64, 100_000] {
        let fixture = runtime.block_on(fixture(approved));
        group.bench_function(format!("{approved} approved bookings at the venue"), |b| {
            b.iter_batched(
                || runtime.block_on(reset(&fixture)),
                |()| {
                    runtime.block_on(async {
                        let outcome = service::act(
                            &fixture.state,
                            &fixture.staff,
                            fixture.candidate,
                            Action::Approve,
                            "",
                        )
                        .await;
                        black_box(outcome.expect("the approval succeeds"))
                    })
                },
                BatchSize::PerIteration,
            )
        });
        runtime.block_on(fixture.state.db.close());
    }
    group.finish();
}

criterion_group!(benches, approval);
criterion_main!(benches);
