//! Fixtures shared by the benchmarks (each bench includes this file with `#[path]`; a subfolder, so cargo does not take it for a bench).

use chrono::Utc;
use debut::{
    db::Db,
    venues::{OpeningWindowInput, ShowcaseTier, VenueDraft, VenueInput, VenueKind, Weekday, store as venues},
};

/// A hall open around the clock with no setup or teardown; returns its id.
pub async fn open_hall(db: &Db, slug: &str) -> i64 {
    let venue = VenueDraft::validate(VenueInput {
        slug: slug.into(),
        name_zh: "瓯江客厅".into(),
        name_en: "Oujiang Parlor".into(),
        kind: VenueKind::Hall,
        tier: ShowcaseTier::Core,
        address: "瓯江路 1 号".into(),
        latitude: 28.03,
        longitude: 120.66,
        capacity: 1000,
        indoor: true,
        description: String::new(),
        zone: "Asia/Shanghai".into(),
        opening_hours: Weekday::ALL
            .iter()
            .map(|d| OpeningWindowInput { weekday: *d, opens: "00:00".into(), closes: "24:00".into() })
            .collect(),
        blackouts: vec![],
        setup_minutes: 0,
        teardown_minutes: 0,
    })
    .unwrap();
    venues::insert(db, &venue, Utc::now()).await.unwrap()
}
