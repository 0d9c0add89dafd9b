//! Demo data: the district's showcase venues from the domain brief, a staff account and a brand
//! account. Loading is idempotent: what exists already (by slug or e-mail) is left alone.

use chrono::{DateTime, Utc};

use crate::{
    accounts::{OrgKind, Role, auth, store as accounts},
    db::Db,
    error::ApiResult,
    venues::{OpeningWindowInput, ShowcaseTier, VenueDraft, VenueInput, VenueKind, Weekday, store as venues},
};

pub const STAFF_EMAIL: &str = "staff@debut.example";
pub const BRAND_EMAIL: &str = "brand@debut.example";
/// Demo-only password, printed at start. Never use demo data in production.
pub const DEMO_PASSWORD: &str = "debut-demo-2026";

fn every_day(opens: &str, closes: &str) -> Vec<OpeningWindowInput> {
    Weekday::ALL
        .iter()
        .map(|&weekday| OpeningWindowInput { weekday, opens: opens.into(), closes: closes.into() })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn venue(
    slug: &str,
    name_zh: &str,
    name_en: &str,
    kind: VenueKind,
    tier: ShowcaseTier,
    address: &str,
    (latitude, longitude): (f64, f64),
    capacity: i64,
    indoor: bool,
    description: &str,
    opening_hours: Vec<OpeningWindowInput>,
    (setup_minutes, teardown_minutes): (i64, i64),
) -> VenueInput {
    VenueInput {
        slug: slug.into(),
        name_zh: name_zh.into(),
        name_en: name_en.into(),
        kind,
        tier,
        address: address.into(),
        latitude,
        longitude,
        capacity,
        indoor,
        description: description.into(),
        zone: crate::venues::DEFAULT_ZONE.into(),
        opening_hours,
        blackouts: vec![],
        setup_minutes,
        teardown_minutes,
    }
}

pub fn demo_venues() -> Vec<VenueInput> {
    use ShowcaseTier::*;
    use VenueKind::*;
    vec![
        venue(
            "wuma-street",
            "五马街",
            "Wuma Street",
            Street,
            Core,
            "五马街, 鹿城区",
            (28.0196, 120.6553),
            8000,
            false,
            "The pedestrian shopping street at the heart of the district: outdoor, large crowds.",
            every_day("09:00", "02:00"),
            (120, 60),
        ),
        venue(
            "oujiang-parlor",
            "瓯江客厅",
            "Oujiang Parlor",
            Hall,
            Core,
            "瓯江路滨江段",
            (28.0311, 120.6602),
            600,
            true,
            "A riverside hall for launches and shows of mid size.",
            every_day("10:00", "22:00"),
            (180, 120),
        ),
        venue(
            "park-road-stage",
            "公园路古戏台",
            "Park Road Opera Stage",
            Stage,
            Core,
            "公园路",
            (28.0169, 120.6591),
            300,
            false,
            "An ancient opera stage on Park Road: an outdoor stage for small shows.",
            every_day("09:00", "23:00"),
            (60, 60),
        ),
        venue(
            "intime-mall",
            "银泰百货",
            "Intime Mall",
            Mall,
            Main,
            "解放街银泰百货中庭",
            (28.0188, 120.6531),
            1500,
            true,
            "Mall atrium for brand launches and first-store openings.",
            every_day("10:00", "22:00"),
            (240, 120),
        ),
        venue(
            "impression-city",
            "印象城",
            "Impression City",
            Mall,
            Main,
            "印象城及滨水步道",
            (27.9935, 120.7012),
            3000,
            false,
            "Mall plaza with its 24-hour waterfront walk, home of night markets.",
            every_day("00:00", "24:00"),
            (120, 60),
        ),
    ]
}

/// Loads the demo data; returns lines describing what a person can log in with.
pub async fn load(db: &Db, now: DateTime<Utc>) -> ApiResult<Vec<String>> {
    for input in demo_venues() {
        if venues::find_by_slug(db, &input.slug).await?.is_none() {
            let draft = VenueDraft::validate(input)?;
            venues::insert(db, &draft, now).await?;
        }
    }
    if accounts::find_user_by_email(db, STAFF_EMAIL).await?.is_none() {
        let hash = auth::hash_password(DEMO_PASSWORD.into()).await?;
        accounts::create_staff(db, STAFF_EMAIL, &hash, "Demo Staff", Role::Staff, now).await?;
    }
    if accounts::find_user_by_email(db, BRAND_EMAIL).await?.is_none() {
        let hash = auth::hash_password(DEMO_PASSWORD.into()).await?;
        accounts::register(db, OrgKind::Brand, "Demo Brand 首发品牌", BRAND_EMAIL, &hash, "Demo Brand", now)
            .await?;
    }
    Ok(vec![
        format!("staff: {STAFF_EMAIL} / {DEMO_PASSWORD}"),
        format!("brand: {BRAND_EMAIL} / {DEMO_PASSWORD}"),
    ])
}
