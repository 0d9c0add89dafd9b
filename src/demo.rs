//! Demo data: the district's showcase venues from the domain brief, a staff account, a brand
//! account and a handful of public events (one past midnight, one rescheduled, one cancelled),
//! and an organizer's waterfront market with its stall plan, an open vendor call and three
//! vendors (two accepted, with stalls on the first night).
//! Loading is idempotent: what exists already (by slug, e-mail, the brand's bookings or the
//! organizer's markets) is left alone.

use chrono::{DateTime, TimeDelta, Utc};

use crate::{
    accounts::{OrgKind, Role, auth, store as accounts},
    bookings::{self, Action, BookingInput, BookingPatch, Contact, Format, Reach},
    error::{ApiError, ApiResult},
    markets::{
        self, ApplicationAction, ApplicationInput, MarketInput, SeriesInput, StallClassInput, StallInput,
        StallPlanInput,
        service::{AssignmentInput, VendorCallInput},
    },
    media::{self, ImageOwner},
    state::AppState,
    values::{Lang, Zone},
    venues::{OpeningWindowInput, ShowcaseTier, VenueDraft, VenueInput, VenueKind, Weekday, store as venues},
};

/// Colour pairs for the demo's artwork: warm evening tones of the waterfront and the night market.
const PALETTES: [([u8; 3], [u8; 3]); 6] = [
    ([0xd9, 0x4f, 0x30], [0x3b, 0x1f, 0x5c]),
    ([0x12, 0x6e, 0x82], [0xf2, 0xc1, 0x4e]),
    ([0x2e, 0x2a, 0x6b], [0xe8, 0x6a, 0x92]),
    ([0x1f, 0x5f, 0x3a], [0xe9, 0xd8, 0xa6]),
    ([0xa8, 0x32, 0x2d], [0xf5, 0xe6, 0xc8]),
    ([0x0b, 0x3c, 0x5d], [0x5d, 0xa9, 0xe9]),
];

/// A poster or photo for the demo, made here so the demo ships no image files: a diagonal blend
/// of two colours, a low sun and the bands of a skyline, different for each `seed`. PNG bytes,
/// uploaded like any other image (so the demo shows every variant and `srcset`).
pub fn artwork(seed: usize, width: u32, height: u32) -> Vec<u8> {
    let (from, to) = PALETTES[seed % PALETTES.len()];
    let sun = (width as f32 * (0.25 + 0.1 * (seed % 5) as f32), height as f32 * 0.45, height as f32 * 0.22);
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let t = (x as f32 / width as f32 + y as f32 / height as f32) / 2.0;
        let mut pixel: [f32; 3] = std::array::from_fn(|c| from[c] as f32 * (1.0 - t) + to[c] as f32 * t);
        let (dx, dy) = (x as f32 - sun.0, y as f32 - sun.1);
        if (dx * dx + dy * dy).sqrt() < sun.2 {
            pixel = std::array::from_fn(|c| pixel[c] * 0.35 + 255.0 * 0.65);
        }
        // A skyline: blocks of varying height along the bottom third, darker than the sky.
        let block = (x * 12 / width) as usize;
        let roof = height as f32 * (0.62 + 0.05 * ((block * 7 + seed * 3) % 5) as f32);
        if y as f32 > roof {
            pixel = pixel.map(|v| v * 0.3);
        }
        image::Rgb(pixel.map(|v| v.round().clamp(0.0, 255.0) as u8))
    });
    let mut png = std::io::Cursor::new(Vec::new());
    image.write_to(&mut png, image::ImageFormat::Png).expect("a PNG encodes into memory");
    png.into_inner()
}

pub const STAFF_EMAIL: &str = "staff@debut.example";
pub const BRAND_EMAIL: &str = "brand@debut.example";
pub const ORGANIZER_EMAIL: &str = "organizer@debut.example";
pub const VENDOR_EMAIL: &str = "vendor@debut.example";
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
        zone: Zone::DEFAULT_NAME.into(),
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

/// A demo event: venue, days from today, local start and end, format, reach, titles, description.
struct DemoEvent {
    venue: &'static str,
    day: i64,
    start: &'static str,
    end: (i64, &'static str),
    format: Format,
    reach: Reach,
    title_zh: &'static str,
    title_en: &'static str,
    description_zh: &'static str,
    description_en: &'static str,
}

const EVENTS: &[DemoEvent] = &[
    DemoEvent {
        venue: "oujiang-parlor",
        day: 3,
        start: "19:00",
        end: (0, "21:00"),
        format: Format::Launch,
        reach: Reach::National,
        title_zh: "瓯海手机 全国首发",
        title_en: "Ouhai Phones national launch",
        description_zh: "新一代手机与生态产品的全国首发。",
        description_en: "The national debut of a new phone and its ecosystem.",
    },
    DemoEvent {
        venue: "impression-city",
        day: 5,
        start: "20:00",
        end: (1, "01:00"),
        format: Format::Market,
        reach: Reach::City,
        title_zh: "月光经济 · 滨水夜市",
        title_en: "Moonlight night market",
        description_zh: "二十四小时滨水步道上的夜间市集。",
        description_en: "A night market on the 24-hour waterfront walk.",
    },
    DemoEvent {
        venue: "wuma-street",
        day: 8,
        start: "14:00",
        end: (0, "17:00"),
        format: Format::Show,
        reach: Reach::Asia,
        title_zh: "设计师品牌 亚洲首秀",
        title_en: "Designer label Asia debut show",
        description_zh: "步行街上的户外时装首秀。",
        description_en: "An open-air fashion debut on the pedestrian street.",
    },
    DemoEvent {
        venue: "park-road-stage",
        day: 12,
        start: "19:30",
        end: (0, "21:00"),
        format: Format::Exhibition,
        reach: Reach::Provincial,
        title_zh: "古戏台 数字艺术首展",
        title_en: "Digital art premiere at the opera stage",
        description_zh: "在古戏台上展出的数字艺术首展。",
        description_en: "A first exhibition of digital art on the ancient stage.",
    },
    DemoEvent {
        venue: "intime-mall",
        day: 15,
        start: "11:00",
        end: (0, "13:00"),
        format: Format::Launch,
        reach: Reach::City,
        title_zh: "咖啡品牌 全市首店开业",
        title_en: "Coffee brand's first city store opening",
        description_zh: "银泰中庭的首店开业活动。",
        description_en: "First-store opening in the Intime atrium.",
    },
];

/// `time` on the day `day` days after `now`'s date in the district's zone, as venue time.
fn local(now: DateTime<Utc>, day: i64, time: &str) -> String {
    let date = (now.with_timezone(&Zone::default().tz()) + TimeDelta::days(day)).date_naive();
    format!("{}T{time}", date.format("%Y-%m-%d"))
}

async fn load_events(state: &AppState) -> ApiResult<()> {
    let db = &state.db;
    let brand = accounts::find_user_by_email(db, BRAND_EMAIL)
        .await?
        .ok_or_else(|| ApiError::not_found("The demo brand"))?;
    let staff = accounts::find_user_by_email(db, STAFF_EMAIL)
        .await?
        .ok_or_else(|| ApiError::not_found("The demo staff"))?;
    let (brand, staff) = (brand.principal(), staff.principal());
    let now = state.clock.now();
    let organization_id = brand.organization.map(|o| o.id);
    let filter = bookings::store::BookingFilter { organization_id, ..Default::default() };
    if !bookings::store::list(db, &filter, 0, 1).await?.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::new();
    for event in EVENTS {
        let venue =
            venues::find_by_slug(db, event.venue).await?.ok_or_else(|| ApiError::not_found(event.venue))?;
        let input = BookingInput {
            venue_id: crate::venues::VenueKey::Id(venue.id),
            format: event.format,
            reach: event.reach,
            title_zh: event.title_zh.into(),
            title_en: event.title_en.into(),
            description_zh: event.description_zh.into(),
            description_en: event.description_en.into(),
            brand_name: "Demo Brand 首发品牌".into(),
            expected_attendance: 200,
            starts_at: local(now, event.day, event.start),
            ends_at: local(now, event.day + event.end.0, event.end.1),
            setup_minutes: None,
            teardown_minutes: None,
            alternatives: vec![],
            contact: Contact { name: "Demo Brand".into(), email: BRAND_EMAIL.into(), phone: String::new() },
        };
        let booking = bookings::service::create(state, &brand, input).await?;
        let alt = format!("{} · {}", event.title_zh, event.title_en);
        let poster = artwork(ids.len(), 1200, 800);
        media::upload(state, &brand, ImageOwner::Booking(booking.id), poster, &alt).await?;
        bookings::service::act(state, &brand, booking.id, Action::Submit, "").await?;
        bookings::service::act(state, &staff, booking.id, Action::Approve, "Welcome to the district!")
            .await?;
        ids.push(booking.id);
    }
    // One rescheduled (a day later), one cancelled.
    let patch = BookingPatch {
        starts_at: Some(local(now, 9, "14:00")),
        ends_at: Some(local(now, 9, "17:00")),
        ..Default::default()
    };
    bookings::service::edit(state, &brand, ids[2], patch).await?;
    bookings::service::act(state, &staff, ids[2], Action::Approve, "").await?;
    bookings::service::act(state, &staff, ids[3], Action::Cancel, "台风预警 Typhoon warning").await?;
    Ok(())
}

/// Loads the demo data; returns lines describing what a person can log in with.
pub async fn load(state: &AppState) -> ApiResult<Vec<String>> {
    let db = &state.db;
    let now = state.clock.now();
    for input in demo_venues() {
        if venues::find_by_slug(db, &input.slug).await?.is_none() {
            let draft = VenueDraft::validate(input)?;
            venues::insert(db, &draft, now).await?;
        }
    }
    if accounts::find_user_by_email(db, STAFF_EMAIL).await?.is_none() {
        let hash = auth::hash_password(DEMO_PASSWORD.into()).await?;
        accounts::create_staff(db, STAFF_EMAIL, &hash, "演示审核员", Role::Staff, now).await?;
    }
    let organizations = [
        (OrgKind::Brand, "Demo Brand 首发品牌", BRAND_EMAIL),
        (OrgKind::Organizer, "瓯江市集 Oujiang Markets", ORGANIZER_EMAIL),
        (OrgKind::Vendor, "小林陶艺 Lin Ceramics", VENDOR_EMAIL),
        (OrgKind::Vendor, "阿婆鱼丸 Granny's Fish Balls", "vendor2@debut.example"),
        (OrgKind::Vendor, "山茶花手作 Camellia Crafts", "vendor3@debut.example"),
    ];
    for (kind, name, email) in organizations {
        if accounts::find_user_by_email(db, email).await?.is_none() {
            let hash = auth::hash_password(DEMO_PASSWORD.into()).await?;
            let new = accounts::NewOrganization {
                kind,
                name,
                email,
                password_hash: &hash,
                display_name: name,
                lang: Lang::Zh,
            };
            accounts::register(db, &new, now).await?;
        }
    }
    load_venue_photos(state).await?;
    load_events(state).await?;
    load_market(state).await?;
    Ok(vec![
        format!("staff: {STAFF_EMAIL} / {DEMO_PASSWORD}"),
        format!("brand: {BRAND_EMAIL} / {DEMO_PASSWORD}"),
        format!("market organizer: {ORGANIZER_EMAIL} / {DEMO_PASSWORD}"),
        format!("market vendor: {VENDOR_EMAIL} / {DEMO_PASSWORD}"),
    ])
}

/// Two photos for each venue that has none.
async fn load_venue_photos(state: &AppState) -> ApiResult<()> {
    let staff = principal_of(state, STAFF_EMAIL).await?;
    for (n, input) in demo_venues().into_iter().enumerate() {
        let venue = venues::find_by_slug(&state.db, &input.slug)
            .await?
            .ok_or_else(|| ApiError::not_found(input.slug))?;
        if !media::store::list(&state.db, ImageOwner::Venue(venue.id)).await?.is_empty() {
            continue;
        }
        for shot in 0..2 {
            let photo = artwork(n * 2 + shot + 1, 1200, 800);
            let alt = format!("{} · {}", venue.name_zh, venue.name_en);
            media::upload(state, &staff, ImageOwner::Venue(venue.id), photo, &alt).await?;
        }
    }
    Ok(())
}

async fn principal_of(state: &AppState, email: &str) -> ApiResult<crate::accounts::Principal> {
    Ok(accounts::find_user_by_email(&state.db, email)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("The demo account {email}")))?
        .principal())
}

/// The organizer's waterfront market: a week's booking at Impression City (open around the
/// clock), Friday to Sunday nights, eight stalls, the call open for two weeks, three vendors.
async fn load_market(state: &AppState) -> ApiResult<()> {
    let organizer = principal_of(state, ORGANIZER_EMAIL).await?;
    let staff = principal_of(state, STAFF_EMAIL).await?;
    let org_id = organizer.organization.map(|o| o.id);
    if !markets::store::list(&state.db, org_id).await?.is_empty() {
        return Ok(());
    }
    let now = state.clock.now();
    let venue = venues::find_by_slug(&state.db, "impression-city")
        .await?
        .ok_or_else(|| ApiError::not_found("impression-city"))?;
    let input = BookingInput {
        venue_id: crate::venues::VenueKey::Id(venue.id),
        format: Format::Market,
        reach: Reach::City,
        title_zh: "滨水周末夜市".into(),
        title_en: "Waterfront weekend night market".into(),
        description_zh: "周五至周日晚上的滨水夜市：小吃、手作与音乐。".into(),
        description_en: "Friday to Sunday nights on the waterfront: snacks, crafts and music.".into(),
        brand_name: "瓯江市集 Oujiang Markets".into(),
        expected_attendance: 2000,
        starts_at: local(now, 20, "00:00"),
        ends_at: local(now, 27, "00:00"),
        setup_minutes: Some(0),
        teardown_minutes: Some(0),
        alternatives: vec![],
        contact: Contact {
            name: "Oujiang Markets".into(),
            email: ORGANIZER_EMAIL.into(),
            phone: String::new(),
        },
    };
    let booking = bookings::service::create(state, &organizer, input).await?;
    let poster = artwork(5, 1200, 800);
    media::upload(
        state,
        &organizer,
        ImageOwner::Booking(booking.id),
        poster,
        "滨水周末夜市 · Waterfront weekend night market",
    )
    .await?;
    bookings::service::act(state, &organizer, booking.id, Action::Submit, "").await?;
    bookings::service::act(state, &staff, booking.id, Action::Approve, "").await?;
    let first_date = local(now, 20, "00:00")[..10].to_owned();
    let market = markets::service::create(
        state,
        &organizer,
        MarketInput {
            booking_id: booking.id,
            slug: Some("waterfront-weekend".into()),
            title_zh: "滨水周末夜市".into(),
            title_en: "Waterfront weekend night market".into(),
            description_zh: "周五至周日晚上的滨水夜市：小吃、手作与音乐。".into(),
            description_en: "Friday to Sunday nights on the waterfront: snacks, crafts and music.".into(),
            theme: "夜市 night market".into(),
            dates: vec![],
            series: Some(SeriesInput {
                weekdays: vec!["fri".into(), "sat".into(), "sun".into()],
                start_time: "18:00".into(),
                end_time: "23:00".into(),
                first_date,
                weeks: 1,
            }),
        },
    )
    .await?;
    let class = |name: &str, size_m2, food_allowed, fee_fen| StallClassInput {
        name: name.into(),
        size_m2,
        power: true,
        water: food_allowed,
        food_allowed,
        fee_fen,
    };
    let stall = |code: &str, class: &str, x, y| StallInput { code: code.into(), class: class.into(), x, y };
    let plan = StallPlanInput {
        classes: vec![class("餐饮 Food", 9, true, 30_000), class("手作 Craft", 6, false, 15_000)],
        stalls: vec![
            stall("F01", "餐饮 Food", 0, 0),
            stall("F02", "餐饮 Food", 1, 0),
            stall("F03", "餐饮 Food", 2, 0),
            stall("F04", "餐饮 Food", 3, 0),
            stall("C01", "手作 Craft", 0, 1),
            stall("C02", "手作 Craft", 1, 1),
            stall("C03", "手作 Craft", 2, 1),
            stall("C04", "手作 Craft", 3, 1),
        ],
    };
    let plan = markets::service::replace_plan(state, &organizer, market.id, plan).await?;
    let call = VendorCallInput {
        opens_at: (now - TimeDelta::hours(1)).to_rfc3339(),
        closes_at: (now + TimeDelta::days(14)).to_rfc3339(),
    };
    markets::service::set_call(state, &organizer, market.id, call).await?;
    let applicants = [
        (VENDOR_EMAIL, "陶瓷 ceramics", "手工杯碗 Hand-thrown mugs and bowls", "C01"),
        ("vendor3@debut.example", "手作 crafts", "山茶花发饰 Camellia hair pieces", "C02"),
        ("vendor2@debut.example", "小吃 snacks", "温州鱼丸 Wenzhou fish balls", ""),
    ];
    let first =
        market.occurrences.first().map(|o| o.id).ok_or_else(|| ApiError::not_found("A market date"))?;
    for (email, category, products, code) in applicants {
        let vendor = principal_of(state, email).await?;
        let application = ApplicationInput {
            category: category.into(),
            products: products.into(),
            description: String::new(),
            sells_food: code.is_empty(),
            preferred_class_id: None,
            occurrence_ids: vec![],
        };
        let application = markets::service::apply(state, &vendor, market.id, application).await?;
        // The food vendor has not filed its permit yet, so it waits for review.
        if let Some(stall) = plan.stalls.iter().find(|s| s.code == code) {
            markets::service::act(state, &organizer, application.id, ApplicationAction::Accept).await?;
            let assignment =
                AssignmentInput { stall_id: stall.id, occurrence_id: first, application_id: application.id };
            markets::service::assign(state, &organizer, market.id, assignment).await?;
        }
    }
    Ok(())
}
