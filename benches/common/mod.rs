//! Fixtures shared by the benchmarks (each bench includes this file with `#[path]`; a subfolder, so cargo does not take it for a bench).

use chrono::Utc;
use debut::{
    accounts::{OrgKind, store as accounts},
    db::Db,
    values::Lang,
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

/// A brand organization with one member; returns the member's user id and the organization's id.
pub async fn brand(db: &Db, email: &str) -> (i64, i64) {
    let organization = accounts::NewOrganization {
        kind: OrgKind::Brand,
        name: "Brand",
        email,
        password_hash: "x",
        display_name: "B",
        lang: Lang::Zh,
    };
    let user = accounts::register(db, &organization, Utc::now()).await.unwrap();
    let organization_id = accounts::find_user(db, user).await.unwrap().unwrap().organization_id.unwrap();
    (user, organization_id)
}
